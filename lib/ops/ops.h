/* ops.h - float32 matrix products and layer normalisation on the CPU through
 * oneDNN, with primitives created once per shape and reused. Tensors are
 * dense and row-major; an op allocates only when it meets a new shape. */
#ifndef ATTN_OPS_OPS_H
#define ATTN_OPS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"

/* The oneDNN engine and stream, the primitives created so far (one per op
 * and shape) and the scratchpad they share. One thread at a time may use a
 * context; it may move between threads. Each primitive runs with the number
 * of threads that OpenMP offered the thread that created it
 * (omp_get_max_threads()), so set that before the first call for a shape. */
typedef struct ops_ctx ops_ctx;

/* Creates an empty context in *out; free it with ops_ctx_free().
 * Errors: ATTN_E_INVALID_ARGUMENT (out is NULL), ATTN_E_NO_MEMORY,
 * ATTN_E_INTERNAL (oneDNN could not create the CPU engine or stream). */
attn_status ops_ctx_create(ops_ctx **out);

/* Frees a context and its primitives. NULL is ignored. */
void ops_ctx_free(ops_ctx *ctx);

/* How many primitives the context has created (tests check reuse with it). */
size_t ops_ctx_primitive_count(const ops_ctx *ctx);

/* Flags of ops_matmul() and ops_matmul_batched(). */
#define OPS_B_TRANSPOSED 1u /* b is stored (N,K): row n holds column n of b */
#define OPS_B_SHARED     2u /* batched only: one b serves every batch */

/* Every op below returns ATTN_OK or:
 *   ATTN_E_INVALID_ARGUMENT  a NULL context or tensor, a dim < 1, a tensor
 *                            whose byte size overflows, an unknown flag;
 *   ATTN_E_NO_MEMORY         growing the primitive table or scratchpad, or
 *                            inside oneDNN;
 *   ATTN_E_INTERNAL          oneDNN refused the shape or failed to run.
 * The message names the op and its shape. The first call for a shape creates
 * its primitive; later calls reuse it (oneDNN 2.6 still makes a few small
 * allocations of its own in every execution). Outputs must not overlap
 * inputs unless an op says otherwise. */

/* ops_linear() with M up to this many rows calls dnnl_sgemm instead of a
 * matmul primitive: oneDNN 2.6's brgemm matmul, which it picks on AVX-512,
 * is about 2.3x slower than sgemm at M = 1, and sgemm needs no primitive,
 * so decoder steps (M = beams) create none. */
#define OPS_SGEMM_MAX_M 32

/* PyTorch nn.Linear: y = x · wᵀ + b. w is used in place and only read, so
 * it may lie in a read-only mapping; no pointer needs any alignment beyond
 * float's. With M <= OPS_SGEMM_MAX_M it creates no primitive.
 * x (M,K), w (N,K), b (N) or NULL -> y (M,N) */
attn_status ops_linear(ops_ctx *ctx, float *y, const float *x, const float *w,
                       const float *b, int64_t M, int64_t N, int64_t K);

/* A linear layer's weight w (N,K) copied once into the blocked layout that
 * oneDNN's matmul reads directly, so that no product repacks it (dnnl_sgemm
 * and a matmul over PyTorch's layout repack w at every call, which at a few
 * rows costs as much as the product). Read-only once made: contexts on any
 * thread may share it. */
typedef struct ops_packed ops_packed;

/* Sets *bytes to what ops_pack() writes for a weight (N,K), or to 0 when
 * oneDNN would read w as PyTorch stores it anyway, so that packing gains
 * nothing. Errors as ops_linear(). */
attn_status ops_pack_size(ops_ctx *ctx, int64_t N, int64_t K, size_t *bytes);

/* Copies w (N,K) into dst, which holds ops_pack_size() bytes and is aligned
 * to OPS_PACK_ALIGN, and returns the packed weight in *out. It keeps
 * pointing at dst, which must outlive it; w may go. Free it with
 * ops_packed_free(). Errors as ops_linear(), and ATTN_E_INVALID_ARGUMENT
 * when the size is 0. */
#define OPS_PACK_ALIGN 64
attn_status ops_pack(ops_ctx *ctx, const float *w, int64_t N, int64_t K, void *dst,
                     ops_packed **out);

/* Frees what ops_pack() made (not w or dst). NULL is ignored. */
void ops_packed_free(ops_packed *w);

/* ops_linear() with a packed weight: a matmul primitive for every M.
 * x (M,K), w (N,K) packed, b (N) or NULL -> y (M,N) */
attn_status ops_linear_packed(ops_ctx *ctx, float *y, const float *x, const ops_packed *w,
                              const float *b, int64_t M);

/* Creates, without running it, the primitive that ops_linear() with this
 * shape and bias (ops_linear_packed() with this weight, M rows and bias, or
 * ops_layer_norm() with this shape and eps) will use, so that a decoder can
 * create everything before its first step. Does nothing
 * for a shape already prepared or one that sgemm serves. Errors as the op,
 * except that there are no tensors to be NULL. */
attn_status ops_prepare_linear(ops_ctx *ctx, int64_t M, int64_t N, int64_t K,
                               bool bias);
attn_status ops_prepare_linear_packed(ops_ctx *ctx, const ops_packed *w, int64_t M,
                                      bool bias);
attn_status ops_prepare_layer_norm(ops_ctx *ctx, int64_t rows, int64_t dim,
                                   float eps);

/* c = a · b, flags 0 or OPS_B_TRANSPOSED.
 * a (M,K), b (K,N) or with OPS_B_TRANSPOSED (N,K) -> c (M,N) */
attn_status ops_matmul(ops_ctx *ctx, float *c, const float *a, const float *b,
                       unsigned flags, int64_t M, int64_t N, int64_t K);

/* c[i] = a[i] · b[i] for i < batch; with OPS_B_SHARED, c[i] = a[i] · b.
 * a (batch,M,K), b (batch,K,N), or (batch,N,K) with OPS_B_TRANSPOSED, and
 * batch -> 1 with OPS_B_SHARED -> c (batch,M,N) */
attn_status ops_matmul_batched(ops_ctx *ctx, float *c, const float *a,
                               const float *b, unsigned flags, int64_t batch,
                               int64_t M, int64_t N, int64_t K);

/* Layer normalisation of each row: y = (x - mean) / sqrt(var + eps) * gamma
 * + beta, with the biased variance (as PyTorch). y may be x (in place).
 * eps must be finite and >= 0.
 * x (rows,dim), gamma (dim), beta (dim) -> y (rows,dim) */
attn_status ops_layer_norm(ops_ctx *ctx, float *y, const float *x,
                           const float *gamma, const float *beta, float eps,
                           int64_t rows, int64_t dim);

#endif
