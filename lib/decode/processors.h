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

/* In place: x (n) -> log_softmax(x), as torch computes it in float. */
void proc_log_softmax(float *x, int64_t n);

#endif
