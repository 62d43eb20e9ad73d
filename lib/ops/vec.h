/* vec.h - the loops decoding runs over a whole vocabulary row at every step
 * (log-softmax, the largest entry, the scan for beam candidates) and the
 * exp-bound swish activation. Written
 * once with 16-float vectors and built for AVX-512, AVX2 and baseline
 * x86-64, the CPU choosing when the library loads; the results do not depend
 * on the choice, because every variant sums in the same 16 lanes. */
#ifndef ATTN_OPS_VEC_H
#define ATTN_OPS_VEC_H

#include <stdint.h>

/* y (n) = log_softmax(x (n)) as (x - max) - log(sum exp(x - max)); y may be
 * x. exp is a polynomial within 2 ulp of expf. n >= 1. */
void vec_log_softmax(float *y, const float *x, int64_t n);

/* x (n) = x / (1 + exp(-x)) in place: swish (silu) in the order of
 * PyTorch's silu kernel. n >= 0. */
void vec_swish(float *x, int64_t n);

/* The index of the first largest entry of x (n), n >= 1; NaN entries are
 * never largest unless x[0] is one. */
int64_t vec_argmax(const float *x, int64_t n);

/* The first i in [from, n) with x[i] + add > bound (the sum rounded to
 * float, as a caller computing it would), or n when there is none. */
int64_t vec_find_above(const float *x, float add, float bound, int64_t from, int64_t n);

#endif
