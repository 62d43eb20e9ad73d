/* transformer.h - the generic encoder and decoder of an nn_spec, one layer
 * function per sublayer. Callers own every buffer: nothing here allocates,
 * so the api layer sizes them once per batch (nn_*_scratch_floats). */
#ifndef ATTN_NN_TRANSFORMER_H
#define ATTN_NN_TRANSFORMER_H

#include <stdint.h>

#include "attn.h"
#include "nn/spec.h"
#include "ops/ops.h"

/* Working memory for n tokens at once, carved by nn_scratch_carve(). */
typedef struct {
    float *x, *norm, *q, *k, *v, *ctx, *tmp; /* (n, d) each */
    float *ffn;                              /* (n, ffn_dim) */
    float *kh, *vh;                          /* (n, d) head-major keys/values */
    int32_t *pos;                            /* (n) position rows */
} nn_scratch;

/* Floats of scratch that `tokens` tokens need for `spec` (int32 positions
 * count as one float each). */
int64_t nn_scratch_floats(const nn_spec *spec, int64_t tokens);

/* Points `s` into `base`, which holds nn_scratch_floats(spec, tokens). */
void nn_scratch_carve(nn_scratch *s, float *base, const nn_spec *spec, int64_t tokens);

/* Runs the encoder over a right-padded batch.
 * ids (batch, len) with lengths (batch) -> out (batch, len, d).
 * Ids and lengths have been checked against the spec. */
attn_status nn_encode(const nn_spec *spec, ops_ctx *ops, nn_scratch *s, const int32_t *ids,
                      const int32_t *lengths, int64_t batch, int64_t len, float *out);

/* Projects an encoder output to every decoder layer's cross-attention keys
 * and values, head-major.
 * enc (batch, len, d) -> k, v (layers, batch, heads, len, dh) */
attn_status nn_cross_kv(const nn_spec *spec, ops_ctx *ops, nn_scratch *s, const float *enc,
                        int64_t batch, int64_t len, float *k, float *v);

/* What the decoder reads and keeps between steps. */
typedef struct {
    int64_t rows;
    const float *cross_k, *cross_v;  /* from nn_cross_kv */
    const int64_t *src_row;          /* (rows): encoding row each decoder row reads */
    const int32_t *src_len;          /* (rows): valid source length of that row */
    int64_t src_batch, src_max;      /* encoding batch and padded length */
    float *cache_k, *cache_v;        /* (layers, cache_rows, heads, max_steps, dh) */
    int64_t cache_rows;              /* rows at the start: reorders only shrink rows */
    int64_t *history;                /* (rows, max_steps): the cache row that holds
                                        each step of a row's keys and values, so that
                                        reordering rows rewrites indices, not caches */
    int64_t max_steps;
    int64_t steps;                   /* tokens fed so far per row */
    float *cross_probs;              /* (layers, rows, heads, tq, src_max) of the last call */
} nn_decoder;

/* Creates every oneDNN primitive a one-token step over `rows` rows uses,
 * so that the steps themselves create none. */
attn_status nn_decoder_prepare(const nn_spec *spec, ops_ctx *ops, int64_t rows);

/* Feeds tq tokens to every row after the ones fed before; row r's new keys
 * and values go to cache row r, and its history says so.
 * tokens (rows, tq) -> logits (rows, tq, out_vocab)
 * Tokens are checked; steps + tq <= max_steps and <= dec.max_len. */
attn_status nn_decode(const nn_spec *spec, ops_ctx *ops, nn_scratch *s, nn_decoder *dec,
                      const int32_t *tokens, int64_t tq, float *logits);

#endif
