/* spec.h - the generic Transformer encoder-decoder as data: the choices in
 * which the supported families differ, and pointers to their weights. An
 * architecture file in lib/models fills one; lib/nn runs any of them. */
#ifndef ATTN_NN_SPEC_H
#define ATTN_NN_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/activations.h"
#include "ops/ops.h"

typedef enum {
    NN_POS_TABLE,      /* row = position + offset of a (rows, d) table */
    NN_POS_PAD_AWARE,  /* fairseq: row = pad + (non-pad count so far) for
                          real tokens, row `pad` (zeros) for padding */
} nn_pos_kind;

/* y = x · wᵀ + b with w (out, in) as PyTorch stores it; b may be NULL.
 * Products read `packed` (nn_pack()) when there is one. */
typedef struct {
    const float *w, *b;
    const ops_packed *packed;
} nn_linear;

typedef struct {
    const float *w, *b;
} nn_norm;

typedef struct {
    nn_linear q, k, v, o;
} nn_attention;

typedef struct {
    nn_attention self_attn, cross_attn; /* cross_attn: decoder only */
    nn_norm self_norm, cross_norm, ffn_norm;
    nn_linear fc1, fc2;
} nn_layer;

/* One side: the encoder or the decoder. */
typedef struct {
    int64_t layers, heads, ffn_dim;
    int64_t vocab;               /* rows of `embed` */
    const float *embed;          /* (vocab, d) */
    float embed_scale;           /* sqrt(d) or 1 */
    nn_pos_kind pos_kind;
    const float *pos_table;      /* (pos_rows, d) */
    int64_t pos_rows, pos_offset;
    int64_t max_len;             /* longest sequence the positions allow */
    nn_norm embed_norm;          /* layernorm_embedding, or w NULL */
    nn_norm final_norm;          /* after the last layer, or w NULL */
    nn_layer *layer;             /* (layers) */
} nn_stack;

typedef struct {
    int64_t d_model;
    bool pre_norm;               /* x + f(LN(x)) rather than LN(x + f(x)) */
    ops_activation act;
    float norm_eps;
    int32_t pad_id;
    nn_stack enc, dec;
    nn_linear lm_head;           /* (out_vocab, d), bias (out_vocab) or NULL */
    int64_t out_vocab;
} nn_spec;

#endif
