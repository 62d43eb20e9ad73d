/* processors.h - transformers' logits processors, in generate()'s order,
 * applied to the scores of one row given the tokens it holds so far. */
#ifndef ATTN_DECODE_PROCESSORS_H
#define ATTN_DECODE_PROCESSORS_H

#include <stdint.h>

#include "decode/gen_config.h"

/* Applies every active processor to scores (vocab) of a row whose tokens
 * so far are ids[0..len) (len counts the decoder start token): repetition
 * penalty, no-repeat n-grams, bad words, minimum length, forced BOS and
 * EOS, suppressed tokens, and log-softmax last when renormalize is set.
 * `seen` is (vocab) scratch the caller keeps between calls, zeroed once;
 * `stamp` must differ on every call. */
void proc_apply(const gen_config *c, const int32_t *ids, int64_t len, float *scores,
                int64_t vocab, uint32_t *seen, uint32_t stamp);

/* A score and its token, for sorting. */
typedef struct {
    float score;
    int32_t token;
} proc_pair;

/* The sampling warpers in generate()'s order: temperature, top-k (ties at
 * the k-th value survive), top-p (nucleus; at least one token kept).
 * `pairs` is (vocab) scratch. */
void proc_warp(const gen_config *c, float *scores, int64_t vocab, proc_pair *pairs);

/* Draws a token from softmax(scores) with the uniform number u in [0, 1). */
int32_t proc_sample(const float *scores, int64_t vocab, double u);

#endif
