/* vec.c - see vec.h. GCC vector types of 16 floats: on AVX-512 a vector is
 * one register, on AVX2 two, on baseline x86-64 four, and the arithmetic is
 * lane for lane the same. A row's tail shorter than a vector goes through
 * one padded vector, so it adds the same terms in the same order. */
#include "ops/vec.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define LANES 16

typedef float vfloat __attribute__((vector_size(LANES * sizeof(float))));
typedef int32_t vint __attribute__((vector_size(LANES * sizeof(int32_t))));

/* Each exported function is compiled per instruction set and picked by an
 * ifunc resolver when the library is loaded. The helpers are always inlined
 * into them, so vectors never cross a call and the warning about their
 * calling convention (which differs between the sets) does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
#define VEC_INLINE static inline __attribute__((always_inline))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VEC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VEC_CLONES
#endif

/* exp's argument range: below, expf is subnormal (it counts for nothing
 * next to the row's largest entry, exp(0) = 1); above, 2^n overflows. */
#define EXP_MIN -87.33654f
#define EXP_MAX 88.0f
/* Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer,
 * which then sits in the low mantissa bits. */
#define ROUND_MAGIC 12582912.0f
#define ROUND_MAGIC_BITS 0x4B400000
#define LOG2E 1.44269504088896341f
/* ln 2 in two parts; n * LN2_HI is exact for |n| < 2^15 */
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f

VEC_INLINE vfloat splat(float a)
{
    return (vfloat){0} + a;
}

VEC_INLINE vfloat load(const float *p)
{
    vfloat v;
    memcpy(&v, p, sizeof v);
    return v;
}

VEC_INLINE void store(float *p, vfloat v)
{
    memcpy(p, &v, sizeof v);
}

/* The first `n` < LANES floats of p, the other lanes `fill`. */
VEC_INLINE vfloat load_tail(const float *p, int64_t n, float fill)
{
    float lanes[LANES];
    for (int64_t i = 0; i < LANES; i++)
        lanes[i] = i < n ? p[i] : fill;
    return load(lanes);
}

VEC_INLINE vfloat select(vint mask, vfloat yes, vfloat no)
{
    return (vfloat)((mask & (vint)yes) | (~mask & (vint)no));
}

VEC_INLINE bool any(vint mask)
{
    uint64_t parts[sizeof mask / sizeof(uint64_t)];
    memcpy(parts, &mask, sizeof mask);
    uint64_t all = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        all |= parts[i];
    return all != 0;
}

/* exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln 2 / 2, exp(r)
 * by the degree-7 polynomial of Cephes' expf. NaN stays NaN. */
VEC_INLINE vfloat vexp(vfloat x)
{
    x = select(x < EXP_MIN, splat(EXP_MIN), x);
    x = select(x > EXP_MAX, splat(EXP_MAX), x);
    const vfloat t = x * LOG2E + ROUND_MAGIC;
    const vfloat n = t - ROUND_MAGIC;
    const vfloat r = (x - n * LN2_HI) - n * LN2_LO;
    vfloat p = splat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    const vint scale = (((vint)t - ROUND_MAGIC_BITS) + 127) << 23;
    return p * (vfloat)scale;
}

VEC_INLINE vfloat vmax(vfloat a, vfloat b)
{
    return select(b > a, b, a);
}

/* Folds the lanes pairwise: lane i with lane i + half, halving each time. */
VEC_INLINE float fold_sum(vfloat v)
{
    float l[LANES];
    store(l, v);
    for (int half = LANES / 2; half > 0; half /= 2)
        for (int i = 0; i < half; i++)
            l[i] += l[i + half];
    return l[0];
}

VEC_INLINE float fold_max(vfloat v)
{
    float l[LANES];
    store(l, v);
    float m = l[0];
    for (int i = 1; i < LANES; i++)
        m = l[i] > m ? l[i] : m;
    return m;
}

VEC_INLINE float row_max(const float *x, int64_t n)
{
    vfloat m = splat(-INFINITY);
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        m = vmax(m, load(x + i));
    if (i < n)
        m = vmax(m, load_tail(x + i, n - i, -INFINITY));
    return fold_max(m);
}

VEC_CLONES
void vec_log_softmax(float *y, const float *x, int64_t n)
{
    const float max = row_max(x, n);
    vfloat sum = splat(0.0f);
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        sum += vexp(load(x + i) - max);
    if (i < n) {
        const vint pad = (vint){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} >=
                         (int32_t)(n - i);
        sum += select(pad, splat(0.0f), vexp(load_tail(x + i, n - i, 0.0f) - max));
    }
    const float log_sum = logf(fold_sum(sum));
    for (i = 0; i + LANES <= n; i += LANES)
        store(y + i, (load(x + i) - max) - log_sum);
    for (; i < n; i++)
        y[i] = (x[i] - max) - log_sum;
}

VEC_CLONES
void vec_swish(float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        const vfloat v = load(x + i);
        store(x + i, v / (1.0f + vexp(-v)));
    }
    if (i < n) {
        float lanes[LANES];
        const vfloat v = load_tail(x + i, n - i, 0.0f);
        store(lanes, v / (1.0f + vexp(-v)));
        memcpy(x + i, lanes, (size_t)(n - i) * sizeof *x);
    }
}

VEC_CLONES
int64_t vec_argmax(const float *x, int64_t n)
{
    if (isnan(x[0]))
        return 0;
    const float max = row_max(x, n);
    int64_t i = 0;
    for (; i + LANES <= n && !any(load(x + i) == max); i += LANES)
        ;
    while (x[i] != max)
        i++;
    return i;
}

VEC_CLONES
int64_t vec_find_above(const float *x, float add, float bound, int64_t from, int64_t n)
{
    int64_t i = from;
    for (; i + LANES <= n && !any(load(x + i) + add > bound); i += LANES)
        ;
    for (; i < n; i++)
        if (x[i] + add > bound)
            return i;
    return n;
}
