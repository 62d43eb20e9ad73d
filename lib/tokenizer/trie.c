/* trie.c - building the breadth-first byte trie: sort the keys, then lay
 * out each node's children, grouped by their next byte, level by level. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/trie.h"

typedef struct trie_span {
    size_t node, lo, hi, depth; /* keys [lo, hi) share `depth` bytes */
} trie_span;

static int trie_key_cmp(const void *a, const void *b)
{
    const trie_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->bytes, y->bytes, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

attn_status trie_build(trie *t, const trie_key *keys, size_t n)
{
    *t = (trie){ 0 };
    trie_key *sorted = malloc((n ? n : 1) * sizeof *sorted);
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        total += keys[i].len; /* an upper bound on the node count */
        if (total > UINT32_MAX)
            return err_set(ATTN_E_FORMAT, "the vocabulary holds more than 4 GiB of pieces");
    }
    trie_span *queue = malloc(total * sizeof *queue);
    t->nodes = calloc(total, sizeof *t->nodes);
    if (!sorted || !queue || !t->nodes) {
        free(sorted);
        free(queue);
        trie_free(t);
        return err_no_memory("a vocabulary trie");
    }
    /* Equal keys sort by value, and "first wins" means the lowest index;
     * values are indices in every caller, so the order is the same. */
    memcpy(sorted, keys, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, trie_key_cmp);

    size_t head = 0, tail = 0;
    t->n = 1;
    t->nodes[0].value = -1;
    queue[tail++] = (trie_span){ 0, 0, n, 0 };
    while (head < tail) {
        trie_span sp = queue[head++];
        size_t lo = sp.lo;
        trie_node *node = &t->nodes[sp.node];
        /* The keys that end here come first in sorted order. */
        while (lo < sp.hi && sorted[lo].len == sp.depth) {
            if (node->value < 0 && sp.depth > 0)
                node->value = sorted[lo].value;
            lo++;
        }
        node->first = (uint32_t)t->n;
        while (lo < sp.hi) {
            unsigned char b = (unsigned char)sorted[lo].bytes[sp.depth];
            size_t hi = lo;
            while (hi < sp.hi && (unsigned char)sorted[hi].bytes[sp.depth] == b)
                hi++;
            t->nodes[t->n] = (trie_node){ 0, 0, b, -1 };
            t->nodes[sp.node].count++;
            queue[tail++] = (trie_span){ t->n++, lo, hi, sp.depth + 1 };
            lo = hi;
        }
    }
    free(sorted);
    free(queue);
    return ATTN_OK;
}

int32_t trie_longest(const trie *t, const char *s, size_t n, size_t *len)
{
    int32_t best = -1;
    size_t node = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t c = trie_child(t, node, (unsigned char)s[i]);
        if (c < 0)
            break;
        node = (size_t)c;
        if (t->nodes[node].value >= 0) {
            best = t->nodes[node].value;
            *len = i + 1;
        }
    }
    return best;
}

int32_t trie_get(const trie *t, const char *s, size_t n)
{
    size_t node = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t c = trie_child(t, node, (unsigned char)s[i]);
        if (c < 0)
            return -1;
        node = (size_t)c;
    }
    return n ? t->nodes[node].value : -1;
}

void trie_free(trie *t)
{
    free(t->nodes);
    *t = (trie){ 0 };
}
