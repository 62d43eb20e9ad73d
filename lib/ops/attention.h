/* attention.h - the fused attention kernel: for every row, head and query,
 * scores against the visible keys, softmax, and the weighted sum of values,
 * in one pass without materialising a (rows, heads, tq, tk) tensor unless
 * the caller asks for the probabilities. */
#ifndef ATTN_OPS_ATTENTION_H
#define ATTN_OPS_ATTENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "attn.h"

/* Queries and outputs keep heads interleaved as a Linear layer writes them:
 * head h of query t of row r starts at  base + (r * tq + t) * stride + h * dh.
 * Keys and values are head-major blocks (a cache layout): for kv block b,
 * head h, key j the vector starts at  k + b * kv_block_stride + h * kv_head_stride + j * dh.
 * Query row r reads kv block kv_block[r] (kv_block NULL: block r), so many
 * rows (beams) can share one block (an encoding's cross-attention keys).
 * With key_block, each key has its own block instead: key j of row r is in
 * block key_block[r * key_block_stride + j], so that beams which share a
 * history share its cached keys rather than copies of them. */
typedef struct {
    int64_t rows, tq, heads, dh;

    const float *q;
    int64_t q_stride;

    const float *k, *v;
    const int64_t *kv_block;   /* (rows) or NULL */
    const int64_t *key_block;  /* (rows, key_block_stride) or NULL; not with kv_block */
    int64_t key_block_stride;  /* >= tk */
    int64_t kv_block_stride, kv_head_stride;

    /* Keys visible to row r: j < key_len[r] (key_len NULL: all tk keys),
     * and with causal_past >= 0 also j <= causal_past + t for query t
     * (query t sits at absolute position causal_past + t). */
    const int32_t *key_len;    /* (rows) or NULL */
    int64_t tk;
    int64_t causal_past;       /* -1: not causal */

    float scale;               /* multiplies q, rounding to float, before q·k (the
                                  order of PyTorch's q * scaling) */

    float *out;                /* (rows, tq, out_stride) */
    int64_t out_stride;

    /* Optional: probs (rows, heads, tq, tk), zero where a key is not visible. */
    float *probs;
} ops_attention_args;

/* The largest head size dh the kernel takes (it scales q on the stack). */
#define OPS_ATTENTION_MAX_DH 1024

/* Runs the kernel. Masked keys get probability exactly 0 (as an additive
 * float32-min mask does); a query that sees no key gets an output of zeros.
 * Chooses an AVX2+FMA path at run time when the CPU has it, else scalar C.
 * Errors: ATTN_E_INVALID_ARGUMENT for NULL tensors or dims < 1 (tk may be
 * any value >= 1), dh > OPS_ATTENTION_MAX_DH, q_stride or out_stride < heads * dh, a negative kv stride
 * or kv_block entry, both kv_block and key_block, key_block_stride < tk or a
 * negative key_block entry that a query can see, a key_len entry outside
 * [0, tk], causal_past < -1; with
 * the shape in the message. out must not overlap q, k or v. Allocates
 * nothing. */
attn_status ops_attention(const ops_attention_args *args);

/* For tests: true makes ops_attention() take the portable C path even where
 * the CPU has AVX2 and FMA. Not thread-safe; set it between calls. */
void ops_attention_force_scalar(bool on);

#endif
