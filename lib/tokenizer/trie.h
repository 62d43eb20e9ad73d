/* trie.h - a read-only byte trie over vocabulary pieces, for the
 * common-prefix searches of Unigram, WordPiece, user-defined symbols and
 * added tokens. Children are stored contiguously in breadth-first order. */
#ifndef ATTN_TOKENIZER_TRIE_H
#define ATTN_TOKENIZER_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "attn.h"

typedef struct trie_key {
    const char *bytes;
    size_t len;
    int32_t value; /* >= 0 */
} trie_key;

typedef struct trie_node {
    uint32_t first;  /* index of the first child */
    uint16_t count;  /* number of children, sorted by byte */
    uint8_t byte;    /* the edge from the parent */
    int32_t value;   /* -1 when no key ends here */
} trie_node;

typedef struct trie {
    trie_node *nodes;
    size_t n;
} trie;

/* Builds the trie over `n` keys. An empty key is ignored; when two keys are
 * equal the first wins. The keys' bytes need not outlive the trie.
 * Errors: ATTN_E_NO_MEMORY. */
attn_status trie_build(trie *t, const trie_key *keys, size_t n);

/* The child of `node` along `byte`, or -1. Node 0 is the root. */
static inline int64_t trie_child(const trie *t, size_t node, unsigned char byte)
{
    const trie_node *p = &t->nodes[node];
    size_t lo = p->first, hi = lo + p->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->nodes[mid].byte < byte)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < (size_t)p->first + p->count && t->nodes[lo].byte == byte ? (int64_t)lo : -1;
}

/* The longest key that is a prefix of s[0..n): its value and length in
 * *len; -1 when none. */
int32_t trie_longest(const trie *t, const char *s, size_t n, size_t *len);

/* The value of exactly s[0..n), or -1. */
int32_t trie_get(const trie *t, const char *s, size_t n);

void trie_free(trie *t);

#endif
