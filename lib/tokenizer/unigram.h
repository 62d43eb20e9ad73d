/* unigram.h - the Viterbi segmentation of a Unigram language model over
 * byte positions, shared by SentencePiece models and tokenizer.json's
 * Unigram. The callers differ only in the parameters below. */
#ifndef ATTN_TOKENIZER_UNIGRAM_H
#define ATTN_TOKENIZER_UNIGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"
#include "tokenizer/text.h"
#include "tokenizer/trie.h"

enum unigram_kind {
    UNIGRAM_SCORED = 0, /* its own score */
    UNIGRAM_USER = 1,   /* SentencePiece user-defined: bytes * max_score - 0.1 */
    UNIGRAM_SKIP = 2,   /* SentencePiece UNUSED: never chosen */
};

typedef struct unigram_model {
    const trie *pieces;
    const double *scores;  /* by id */
    const uint8_t *kinds;  /* by id (enum unigram_kind); NULL: all scored */
    float max_score;       /* for UNIGRAM_USER */
    double unk_score;      /* the edge over one character no piece covers */
    int32_t unk_id;
    bool float_path;       /* path scores kept in float (SentencePiece) or double */
} unigram_model;

/* Appends the best segmentation of s[0..n) to *out, one span per piece,
 * spans for unknown characters carrying unk_id (not merged). `scratch`
 * holds the lattice between calls; free it with free(). */
attn_status unigram_viterbi(const unigram_model *u, const char *s, size_t n, void **scratch,
                            size_t *scratch_cap, tk_spans *out);

#endif
