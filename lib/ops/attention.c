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

/* The keys and values of one (row, head): key j starts at k + key_at(j),
 * in one block (block NULL) or in the block its history entry names. */
typedef struct {
    const float *k, *v;    /* key 0 of this head in block 0, or in the row's block */
    const int64_t *block;  /* (n) or NULL */
    int64_t block_stride, dh;
} key_source;

static inline int64_t key_at(const key_source *ks, int64_t j)
{
    return (ks->block != NULL ? ks->block[j] * ks->block_stride : 0) + j * ks->dh;
}

/* The two loops of a query over its keys, one pair per instruction set:
 * s (len) = q·k_j for keys j0 .. j0+len, and out (dh) += Σ p_j v_j over
 * the same values, each output element summed in order of j. */
typedef struct {
    void (*scores)(float *s, const float *q, const key_source *ks, int64_t j0, int64_t len);
    void (*weighted_sum)(float *out, const float *p, const key_source *ks, int64_t j0,
                         int64_t len);
} kernels;

static bool force_scalar;

void ops_attention_force_scalar(bool on)
{
    force_scalar = on;
}

/* ------------------------------------------------------------ kernels */

static void scores_scalar(float *s, const float *q, const key_source *ks, int64_t j0,
                          int64_t len)
{
    for (int64_t j = 0; j < len; j++) {
        const float *k = ks->k + key_at(ks, j0 + j);
        float sum = 0.0f;
        for (int64_t i = 0; i < ks->dh; i++)
            sum += q[i] * k[i];
        s[j] = sum;
    }
}

static void weighted_sum_scalar(float *out, const float *p, const key_source *ks, int64_t j0,
                                int64_t len)
{
    for (int64_t j = 0; j < len; j++) {
        const float *v = ks->v + key_at(ks, j0 + j);
        for (int64_t i = 0; i < ks->dh; i++)
            out[i] += p[j] * v[i];
    }
}

static const kernels scalar_kernels = {scores_scalar, weighted_sum_scalar};

#ifdef ATTENTION_X86

#define AVX2 __attribute__((target("avx2,fma")))

/* `keys` dot products with q, from key j0 + j on: each in eight lanes over
 * dh's whole vectors, folded pairwise, then the tail added in order. */
AVX2 static inline __attribute__((always_inline)) void
dots_avx2(float *s, const float *q, const key_source *ks, int64_t j0, int64_t j, int keys)
{
    const int64_t dh = ks->dh, body = dh & ~(int64_t)7;
    const float *k[4];
    __m256 acc[4];
    for (int u = 0; u < keys; u++) {
        k[u] = ks->k + key_at(ks, j0 + j + u);
        acc[u] = _mm256_setzero_ps();
    }
    for (int64_t i = 0; i < body; i += 8) {
        const __m256 qv = _mm256_loadu_ps(q + i);
        for (int u = 0; u < keys; u++)
            acc[u] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k[u] + i), acc[u]);
    }
    for (int u = 0; u < keys; u++) {
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc[u]), _mm256_extractf128_ps(acc[u], 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        float sum = _mm_cvtss_f32(h);
        for (int64_t i = body; i < dh; i++)
            sum = fmaf(q[i], k[u][i], sum);
        s[j + u] = sum;
    }
}

// four keys at a time, for the independent chains that keep the FMA units busy
AVX2 static void scores_avx2(float *s, const float *q, const key_source *ks, int64_t j0,
                             int64_t len)
{
    int64_t j = 0;
    for (; j + 4 <= len; j += 4)
        dots_avx2(s, q, ks, j0, j, 4);
    for (; j < len; j++)
        dots_avx2(s, q, ks, j0, j, 1);
}

/* out[i .. i + 8 * vecs) += Σ p_j v_j[..], kept in registers over all j. */
AVX2 static inline __attribute__((always_inline)) void
sum_vectors_avx2(float *out, const float *p, const key_source *ks, int64_t j0, int64_t len,
                 int64_t i, int vecs)
{
    __m256 acc[4];
    for (int u = 0; u < vecs; u++)
        acc[u] = _mm256_loadu_ps(out + i + 8 * u);
    for (int64_t j = 0; j < len; j++) {
        const float *v = ks->v + key_at(ks, j0 + j) + i;
        const __m256 pj = _mm256_set1_ps(p[j]);
        for (int u = 0; u < vecs; u++)
            acc[u] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(v + 8 * u), acc[u]);
    }
    for (int u = 0; u < vecs; u++)
        _mm256_storeu_ps(out + i + 8 * u, acc[u]);
}

AVX2 static void weighted_sum_avx2(float *out, const float *p, const key_source *ks,
                                   int64_t j0, int64_t len)
{
    const int64_t dh = ks->dh;
    int64_t i = 0;
    for (; i + 32 <= dh; i += 32)
        sum_vectors_avx2(out, p, ks, j0, len, i, 4);
    for (; i + 8 <= dh; i += 8)
        sum_vectors_avx2(out, p, ks, j0, len, i, 1);
    for (; i < dh; i++) {
        float o = out[i];
        for (int64_t j = 0; j < len; j++)
            o = fmaf(p[j], ks->v[key_at(ks, j0 + j) + i], o);
        out[i] = o;
    }
}

#undef AVX2

static const kernels avx2_kernels = {scores_avx2, weighted_sum_avx2};

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
 * q (dh), keys and values 0 .. n -> out (dh), probs (tk) or NULL */
static void attend(const kernels *kn, const float *q, const key_source *ks, int64_t n,
                   float scale, float *out, float *probs, int64_t tk)
{
    const int64_t dh = ks->dh;
    float scaled[OPS_ATTENTION_MAX_DH];
    for (int64_t i = 0; i < dh; i++)
        scaled[i] = q[i] * scale;
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
        kn->scores(buf, scaled, ks, j0, len);
        for (int64_t j = 0; j < len; j++)
            max = buf[j] > max ? buf[j] : max;
    }

    float lanes[SUM_LANES] = {0};
    for (int64_t j0 = 0; j0 < n; j0 += cap) {
        const int64_t len = n - j0 < cap ? n - j0 : cap;
        if (!kept)
            kn->scores(buf, scaled, ks, j0, len);
        exps(buf, len, max, lanes);
    }
    const float inv = 1.0f / fold_lanes(lanes);

    for (int64_t j0 = 0; j0 < n; j0 += cap) {
        const int64_t len = n - j0 < cap ? n - j0 : cap;
        if (!kept) {
            float summed[SUM_LANES] = {0}; /* already, in pass 2 */
            kn->scores(buf, scaled, ks, j0, len);
            exps(buf, len, max, summed);
        }
        for (int64_t j = 0; j < len; j++)
            buf[j] *= inv;
        kn->weighted_sum(out, buf, ks, j0, len);
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

/* Keys that query t of row r sees: j < key_len[r] (or tk), and
 * j <= causal_past + t when causal. */
static int64_t visible_keys(const ops_attention_args *a, int64_t r, int64_t t)
{
    const int64_t n = a->key_len != NULL ? a->key_len[r] : a->tk;
    return a->causal_past >= 0 && a->causal_past < n - t - 1 ? a->causal_past + t + 1 : n;
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
    if (a->dh > OPS_ATTENTION_MAX_DH)
        return invalid(a, "dh must be <= %d", OPS_ATTENTION_MAX_DH);
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
    if (a->kv_block != NULL && a->key_block != NULL)
        return invalid(a, "kv_block and key_block are exclusive");
    if (a->key_block != NULL && a->key_block_stride < a->tk)
        return invalid(a, "key_block_stride %lld must be >= tk",
                       (long long)a->key_block_stride);
    for (int64_t r = 0; r < a->rows; r++) {
        if (a->key_len != NULL && (a->key_len[r] < 0 || a->key_len[r] > a->tk))
            return invalid(a, "key_len[%lld] = %d is outside [0, tk]", (long long)r,
                           (int)a->key_len[r]);
        if (a->kv_block != NULL && a->kv_block[r] < 0)
            return invalid(a, "kv_block[%lld] = %lld is negative", (long long)r,
                           (long long)a->kv_block[r]);
        const int64_t seen = visible_keys(a, r, a->tq - 1);
        for (int64_t j = 0; a->key_block != NULL && j < seen; j++)
            if (a->key_block[r * a->key_block_stride + j] < 0)
                return invalid(a, "key_block[%lld][%lld] = %lld is negative", (long long)r,
                               (long long)j, (long long)a->key_block[r * a->key_block_stride + j]);
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
            const int64_t block = a->key_block != NULL ? 0
                                  : a->kv_block != NULL ? a->kv_block[r] : r;
            const int64_t kv_at = block * a->kv_block_stride + h * a->kv_head_stride;
            const key_source ks = {
                .k = a->k + kv_at, .v = a->v + kv_at, .dh = dh,
                .block = a->key_block != NULL ? a->key_block + r * a->key_block_stride : NULL,
                .block_stride = a->kv_block_stride,
            };
            for (int64_t t = 0; t < tq; t++) {
                const int64_t qi = r * tq + t;
                float *probs = a->probs != NULL
                                   ? a->probs + ((r * a->heads + h) * tq + t) * tk
                                   : NULL;
                attend(kn, a->q + qi * a->q_stride + h * dh, &ks, visible_keys(a, r, t),
                       a->scale, a->out + qi * a->out_stride + h * dh, probs, tk);
            }
        }
    }
    return ATTN_OK;
}
