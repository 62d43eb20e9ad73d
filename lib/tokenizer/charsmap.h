/* charsmap.h - SentencePiece's precompiled normalization rules: a
 * darts-clone double array of UTF-8 keys whose values are offsets of
 * NUL-terminated replacements. Used by SentencePiece models and by the
 * Precompiled normalizer of tokenizer.json. */
#ifndef ATTN_TOKENIZER_CHARSMAP_H
#define ATTN_TOKENIZER_CHARSMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"

typedef struct charsmap {
    uint32_t *units;      /* the double array, host order */
    size_t n_units;
    char *normalized;     /* replacement strings, NUL-terminated, owned */
    size_t normalized_len;
} charsmap;

/* Parses the blob: u32 LE trie size, the trie, the replacement strings.
 * Every unit the walk can reach and every value is checked when used, so a
 * corrupt blob cannot read out of bounds. Errors: ATTN_E_FORMAT,
 * ATTN_E_NO_MEMORY. */
attn_status charsmap_parse(const void *blob, size_t len, charsmap *out);

/* The rule matching a prefix of s[0..n): when `longest`, the longest match
 * (SentencePiece), otherwise the shortest (tokenizers' Precompiled). On a
 * match returns the replacement (NUL-terminated, possibly empty) and its
 * key length in *len; NULL when no rule matches. */
const char *charsmap_match(const charsmap *m, const char *s, size_t n, bool longest, size_t *len);

void charsmap_free(charsmap *m);

#endif
