/* attention.c - the fused attention kernel of attention.h: per query, scores
 * against its visible keys, a float32 softmax in PyTorch's order and the
 * weighted sum of values. AVX2+FMA or portable C; allocates nothing. */
#include "ops/attention.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ATTENTION_X86 1
#endif

#include "base/error.h"

/* Scores of one query kept on the stack (2 KiB). A key row longer than this,
 * with no probs output to hold it, is walked in chunks and its dot products
 * are recomputed in each of the three passes of attend() rather than
 * allocating; 512 keeps every key row of a model whose positions stop at 512
 * (Marian) on the single-pass side. */
#define SCORES_MAX 512

/* The softmax denominator is summed in this many float lanes, key j adding
 * to lane j % SUM_LANES, and the lanes are folded as PyTorch's AVX2 vector
 * reduction folds them. Chunks are a whole number of lanes long, so a chunked
 * row adds the same terms in the same order as a single pass. */
#define SUM_LANES 8

_Static_assert(SCORES_MAX % SUM_LANES == 0, "a chunk must fill whole lanes");

#define SHAPE_TEXT_MAX 160

/* Multiply-adds below which a call runs on one thread: waking the others
 * costs a few microseconds, what about 30,000 of them take. */
#define PARALLEL_MIN_WORK 32768

/* The two inner loops over dh, one set per instruction set. */
typedef struct {
    float (*dot)(const float *a, const float *b, int64_t n);
    void (*axpy)(float *y, float alpha, const float *x, int64_t n);
} kernels;

static bool force_scalar;

void ops_attention_force_scalar(bool on)
{
    force_scalar = on;
}

/* ------------------------------------------------------------ kernels */

// a (n), b (n) -> a·b
static float dot_scalar(const float *a, const float *b, int64_t n)
{
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++)
        sum += a[i] * b[i];
    return sum;
}

// y (n) += alpha * x (n)
static void axpy_scalar(float *y, float alpha, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

static const kernels scalar_kernels = {dot_scalar, axpy_scalar};

#ifdef ATTENTION_X86

// a (n), b (n) -> a·b, in eight lanes folded pairwise, then the tail
__attribute__((target("avx2,fma")))
static float dot_avx2(const float *a, const float *b, int64_t n)
{
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float sum = _mm_cvtss_f32(s);
    for (; i < n; i++)
        sum = fmaf(a[i], b[i], sum);
    return sum;
}

// y (n) += alpha * x (n)
__attribute__((target("avx2,fma")))
static void axpy_avx2(float *y, float alpha, const float *x, int64_t n)
{
    const __m256 va = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] = fmaf(alpha, x[i], y[i]);
}

static const kernels avx2_kernels = {dot_avx2, axpy_avx2};

#endif

static const kernels *pick_kernels(void)
{
#ifdef ATTENTION_X86
    if (!force_scalar && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return &avx2_kernels;
#endif
    return &scalar_kernels;
}

/* ------------------------------------------------------------ one query */

// q (dh), k (len,dh) -> s (len) = scale * q·k_j
static void scores(const kernels *kn, float *s, const float *q, const float *k,
                   int64_t len, int64_t dh, float scale)
{
    for (int64_t j = 0; j < len; j++)
        s[j] = scale * kn->dot(q, k + j * dh, dh);
}

// s (len) -> exp(s - max) in place, each added to lanes[j % SUM_LANES]
static void exps(float *s, int64_t len, float max, float lanes[SUM_LANES])
{
    for (int64_t j = 0; j < len; j++) {
        s[j] = expf(s[j] - max);
        lanes[j % SUM_LANES] += s[j];
    }
}

/* The lanes folded in halves, as PyTorch's vec_reduce_all does an AVX2
 * register: lane i with lane i+4, then i with i+2, then 0 with 1. */
static float fold_lanes(const float lanes[SUM_LANES])
{
    float a[4];
    for (int i = 0; i < 4; i++)
        a[i] = lanes[i] + lanes[i + 4];
    return (a[0] + a[2]) + (a[1] + a[3]);
}

/* Softmax, then the product with v, as PyTorch's eager attention computes
 * them: max, exp(s - max), the sum, one reciprocal, p = e * (1 / sum), and
 * out = Σ p_j v_j over normalised p. The scores live in `probs` when the
 * caller wants them, else on the stack; a row longer than the stack buffer
 * runs each pass over chunks and recomputes the scores (bit-identical, as
 * the dot products are deterministic) instead of keeping them.
 * q (dh), k (n,dh), v (n,dh) -> out (dh), probs (tk) or NULL */
static void attend(const kernels *kn, const float *q, const float *k,
                   const float *v, int64_t n, int64_t dh, float scale,
                   float *out, float *probs, int64_t tk)
{
    float stack[SCORES_MAX];
    float *buf = probs != NULL ? probs : stack;
    const int64_t cap = probs != NULL ? tk : SCORES_MAX;
    const bool kept = n <= cap; /* every score computed once, in pass 1 */

    memset(out, 0, (size_t)dh * sizeof *out);
    if (probs != NULL)
        memset(probs + n, 0, (size_t)(tk - n) * sizeof *probs);
    if (n == 0)
        return;

    float max = -INFINITY;
    for (int64_t j0 = 0; j0 < n; j0 += cap) {
        const int64_t len = n - j0 < cap ? n - j0 : cap;
        scores(kn, buf, q, k + j0 * dh, len, dh, scale);
        for (int64_t j = 0; j < len; j++)
            max = buf[j] > max ? buf[j] : max;
    }

    float lanes[SUM_LANES] = {0};
    for (int64_t j0 = 0; j0 < n; j0 += cap) {
        const int64_t len = n - j0 < cap ? n - j0 : cap;
        if (!kept)
            scores(kn, buf, q, k + j0 * dh, len, dh, scale);
        exps(buf, len, max, lanes);
    }
    const float inv = 1.0f / fold_lanes(lanes);

    for (int64_t j0 = 0; j0 < n; j0 += cap) {
        const int64_t len = n - j0 < cap ? n - j0 : cap;
        if (!kept) {
            float summed[SUM_LANES] = {0}; /* already, in pass 2 */
            scores(kn, buf, q, k + j0 * dh, len, dh, scale);
            exps(buf, len, max, summed);
        }
        for (int64_t j = 0; j < len; j++) {
            buf[j] *= inv;
            kn->axpy(out, buf[j], v + (j0 + j) * dh, dh);
        }
    }
}

/* ------------------------------------------------------------ checks */

static attn_status invalid(const ops_attention_args *a, const char *fmt, ...)
    ATTN_PRINTF(2, 3);

static attn_status invalid(const ops_attention_args *a, const char *fmt, ...)
{
    char problem[SHAPE_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    return err_set(ATTN_E_INVALID_ARGUMENT,
                   "attention rows=%lld tq=%lld heads=%lld dh=%lld tk=%lld: %s",
                   (long long)a->rows, (long long)a->tq, (long long)a->heads,
                   (long long)a->dh, (long long)a->tk, problem);
}

/* Every length and index the kernel will follow, so that a caller's bug
 * fails here rather than reading outside the tensors it described. */
static attn_status check_args(const ops_attention_args *a)
{
    const void *const tensors[] = {a->q, a->k, a->v, a->out};
    const char *const names[] = {"q", "k", "v", "out"};
    for (int i = 0; i < 4; i++)
        if (tensors[i] == NULL)
            return invalid(a, "%s is NULL", names[i]);
    if (a->rows < 1 || a->tq < 1 || a->heads < 1 || a->dh < 1 || a->tk < 1)
        return invalid(a, "every dim must be >= 1");
    int64_t width;
    if (__builtin_mul_overflow(a->heads, a->dh, &width))
        return invalid(a, "heads * dh overflows");
    if (a->q_stride < width || a->out_stride < width)
        return invalid(a, "q_stride %lld and out_stride %lld must be >= heads * dh",
                       (long long)a->q_stride, (long long)a->out_stride);
    if (a->kv_block_stride < 0 || a->kv_head_stride < 0)
        return invalid(a, "kv strides must be >= 0");
    if (a->causal_past < -1)
        return invalid(a, "causal_past %lld must be -1 (not causal) or >= 0",
                       (long long)a->causal_past);
    for (int64_t r = 0; r < a->rows; r++) {
        if (a->key_len != NULL && (a->key_len[r] < 0 || a->key_len[r] > a->tk))
            return invalid(a, "key_len[%lld] = %d is outside [0, tk]", (long long)r,
                           (int)a->key_len[r]);
        if (a->kv_block != NULL && a->kv_block[r] < 0)
            return invalid(a, "kv_block[%lld] = %lld is negative", (long long)r,
                           (long long)a->kv_block[r]);
    }
    return ATTN_OK;
}

/* ------------------------------------------------------------ driver */

// q (rows,tq,q_stride), k and v blocks (.., heads, tk, dh) ->
// out (rows,tq,out_stride), probs (rows,heads,tq,tk) or NULL
attn_status ops_attention(const ops_attention_args *a)
{
    if (a == NULL)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attention: args is NULL");
    attn_status rc = check_args(a);
    if (rc != ATTN_OK)
        return rc;
    const kernels *kn = pick_kernels();
    const int64_t tq = a->tq, dh = a->dh, tk = a->tk;

    /* Every (row, head) writes its own slices of out and probs. */
#pragma omp parallel for collapse(2) schedule(static) \
    if (a->rows * a->heads * tq * tk * dh >= PARALLEL_MIN_WORK)
    for (int64_t r = 0; r < a->rows; r++) {
        for (int64_t h = 0; h < a->heads; h++) {
            const int64_t block = a->kv_block != NULL ? a->kv_block[r] : r;
            const int64_t row_keys = a->key_len != NULL ? a->key_len[r] : tk;
            const int64_t kv_at = block * a->kv_block_stride + h * a->kv_head_stride;
            for (int64_t t = 0; t < tq; t++) {
                /* keys j < n: the row's length, and j <= causal_past + t */
                int64_t n = row_keys;
                if (a->causal_past >= 0 && a->causal_past < n - t - 1)
                    n = a->causal_past + t + 1;
                const int64_t qi = r * tq + t;
                float *probs = a->probs != NULL
                                   ? a->probs + ((r * a->heads + h) * tq + t) * tk
                                   : NULL;
                attend(kn, a->q + qi * a->q_stride + h * dh, a->k + kv_at,
                       a->v + kv_at, n, dh, a->scale,
                       a->out + qi * a->out_stride + h * dh, probs, tk);
            }
        }
    }
    return ATTN_OK;
}
