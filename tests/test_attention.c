/* test_attention.c - ops_attention checked against a naive float64 softmax
 * attention on seeded random data with awkward shapes, masks, shared and
 * padded key/value blocks and per-key histories, on both the AVX2 and the
 * portable path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "ops/attention.h"
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What an untouched output element holds. */
#define SENTINEL 12345.0f

/* ------------------------------------------------------------ helpers */


static void fill_value(float *p, size_t n, float value)
{
    for (size_t i = 0; i < n; i++)
        p[i] = value;
}

static float *alloc_floats(size_t n)
{
    float *p = malloc((n > 0 ? n : 1) * sizeof *p);
    assert_non_null(p);
    return p;
}

static bool cpu_has_avx2_fma(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

static int reset_path(void **state)
{
    (void)state;
    ops_attention_force_scalar(false);
    return 0;
}

/* ------------------------------------------------------------ a case */

enum key_lens {
    ALL_KEYS,   /* key_len NULL */
    SHORT_ROWS, /* every row sees fewer than tk keys (when tk > 1) */
    EMPTY_ROWS, /* even rows see no key at all */
};

/* How the tensors of a case are laid out and masked. */
typedef struct {
    enum key_lens lens;
    int64_t causal_past; /* -1: not causal */
    bool share_blocks;   /* rows 0, 2, .. read block 1, odd rows block 0 */
    bool history;        /* key j of row r lies in block (r + j) % rows */
    int64_t pad;         /* extra floats after every stride's dense size */
    bool probs;
    bool scalar;         /* force the portable path */
} variant;

typedef struct {
    int64_t rows, heads, dh, tq, tk;
} shape;

/* Keys visible to query t of a row that has `len` keys. */
static int64_t visible(int64_t len, int64_t causal_past, int64_t t)
{
    if (causal_past >= 0 && causal_past + t + 1 < len)
        return causal_past + t + 1;
    return len;
}

/* The attention of one (row, head, query) in float64: softmax over the n
 * visible keys of scale * q·k, then Σ p_j v_j. ref (dh), ref_p (n), and
 * mag (dh) = Σ p_j |v_j|, the scale of float32 rounding in the output. */
static void reference(double *ref, double *mag, double *ref_p, const float *q,
                      const float *k, const float *v, int64_t n, int64_t dh,
                      float scale)
{
    double max = -INFINITY, sum = 0.0;
    for (int64_t j = 0; j < n; j++) {
        double s = 0.0;
        for (int64_t i = 0; i < dh; i++)
            s += (double)q[i] * k[j * dh + i];
        ref_p[j] = (double)scale * s;
        max = fmax(max, ref_p[j]);
    }
    for (int64_t j = 0; j < n; j++) {
        ref_p[j] = exp(ref_p[j] - max);
        sum += ref_p[j];
    }
    for (int64_t i = 0; i < dh; i++)
        ref[i] = mag[i] = 0.0;
    for (int64_t j = 0; j < n; j++) {
        ref_p[j] /= sum;
        for (int64_t i = 0; i < dh; i++) {
            ref[i] += ref_p[j] * v[j * dh + i];
            mag[i] += ref_p[j] * fabs(v[j * dh + i]);
        }
    }
}

/* The tensors of one case, with every stride `pad` floats longer than its
 * dense size. Keys and values that no query may see, and all padding of q,
 * k and v, hold NaN, so that reading them would poison the output. */
typedef struct {
    shape s;
    ops_attention_args args;
    int32_t *key_len;
    int64_t *kv_block;
    int64_t *key_block;  /* (rows, tk + pad) */
    float *q, *k, *v, *out, *probs;
    size_t q_n, kv_n, out_n, probs_n;
} tensors;

/* Where key j of row r, head h starts in k and v. */
static int64_t key_slot(const tensors *t, int64_t r, int64_t h, int64_t j)
{
    const ops_attention_args *a = &t->args;
    const int64_t block = a->key_block != NULL ? a->key_block[r * a->key_block_stride + j]
                                                : t->kv_block[r];
    return block * a->kv_block_stride + h * a->kv_head_stride + j * a->dh;
}

static void tensors_make(tensors *t, const shape *s, const variant *var,
                         uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->s = *s;
    const int64_t rows = s->rows, heads = s->heads, dh = s->dh, tq = s->tq,
                  tk = s->tk, pad = var->pad;
    const int64_t blocks = var->share_blocks ? 2 : rows;
    ops_attention_args *a = &t->args;
    *a = (ops_attention_args){
        .rows = rows, .tq = tq, .heads = heads, .dh = dh, .tk = tk,
        .q_stride = heads * dh + pad,
        .kv_head_stride = tk * dh + pad,
        .kv_block_stride = heads * (tk * dh + pad) + pad,
        .causal_past = var->causal_past,
        .scale = (float)(1.0 / sqrt((double)dh)),
        .out_stride = heads * dh + pad,
    };
    t->q_n = (size_t)(rows * tq * a->q_stride);
    t->kv_n = (size_t)(blocks * a->kv_block_stride);
    t->out_n = (size_t)(rows * tq * a->out_stride);
    t->probs_n = (size_t)(rows * heads * tq * tk);
    t->q = alloc_floats(t->q_n);
    t->k = alloc_floats(t->kv_n);
    t->v = alloc_floats(t->kv_n);
    t->out = alloc_floats(t->out_n);
    fill_value(t->q, t->q_n, NAN);
    fill_value(t->k, t->kv_n, NAN);
    fill_value(t->v, t->kv_n, NAN);
    fill_value(t->out, t->out_n, SENTINEL);
    if (var->probs) {
        t->probs = alloc_floats(t->probs_n);
        fill_value(t->probs, t->probs_n, SENTINEL);
    }

    t->key_len = malloc((size_t)rows * sizeof *t->key_len);
    t->kv_block = malloc((size_t)rows * sizeof *t->kv_block);
    assert_non_null(t->key_len);
    assert_non_null(t->kv_block);
    for (int64_t r = 0; r < rows; r++) {
        switch (var->lens) {
        case ALL_KEYS: t->key_len[r] = (int32_t)tk; break;
        case SHORT_ROWS:
            t->key_len[r] = (int32_t)(1 + (tk - 1) * (r + 1) / (rows + 1));
            break;
        case EMPTY_ROWS: t->key_len[r] = r % 2 == 0 ? 0 : (int32_t)tk - 1; break;
        }
        t->kv_block[r] = var->share_blocks ? (r + 1) % 2 : r;
    }
    a->key_len = var->lens == ALL_KEYS ? NULL : t->key_len;
    a->kv_block = var->share_blocks ? t->kv_block : NULL;
    a->key_block_stride = tk + pad;
    t->key_block = malloc((size_t)(rows * a->key_block_stride) * sizeof *t->key_block);
    assert_non_null(t->key_block);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < a->key_block_stride; j++)
            t->key_block[r * a->key_block_stride + j] = (r + j) % blocks;
    a->key_block = var->history ? t->key_block : NULL;

    uint64_t state = seed;
    for (int64_t i = 0; i < rows * tq; i++)
        tu_fill(t->q + i * a->q_stride, (size_t)(heads * dh), &state, -2.0f, 2.0f);
    /* only the keys some query of some row reading the block can see; in a
     * history, key j of each row has a block of its own */
    for (int64_t r = 0; var->history && r < rows; r++)
        for (int64_t j = 0; j < visible(t->key_len[r], var->causal_past, tq - 1); j++)
            for (int64_t h = 0; h < heads; h++) {
                const int64_t at = key_slot(t, r, h, j);
                tu_fill(t->k + at, (size_t)dh, &state, -2.0f, 2.0f);
                tu_fill(t->v + at, (size_t)dh, &state, -1.0f, 1.0f);
            }
    for (int64_t b = 0; !var->history && b < blocks; b++) {
        int64_t seen = 0;
        for (int64_t r = 0; r < rows; r++)
            if (t->kv_block[r] == b) {
                const int64_t n = visible(t->key_len[r], var->causal_past, tq - 1);
                seen = n > seen ? n : seen;
            }
        for (int64_t h = 0; h < heads; h++) {
            const int64_t at = b * a->kv_block_stride + h * a->kv_head_stride;
            tu_fill(t->k + at, (size_t)(seen * dh), &state, -2.0f, 2.0f);
            tu_fill(t->v + at, (size_t)(seen * dh), &state, -1.0f, 1.0f);
        }
    }
    a->q = t->q;
    a->k = t->k;
    a->v = t->v;
    a->out = t->out;
    a->probs = t->probs;
}

static void tensors_free(tensors *t)
{
    free(t->key_len);
    free(t->kv_block);
    free(t->key_block);
    free(t->q);
    free(t->k);
    free(t->v);
    free(t->out);
    free(t->probs);
}

static void run(const tensors *t, bool scalar)
{
    ops_attention_force_scalar(scalar);
    const attn_status rc = ops_attention(&t->args);
    ops_attention_force_scalar(false);
    if (rc != ATTN_OK)
        fail_msg("status %d: %s", (int)rc, attn_last_error());
}

/* Runs one case and compares every output and probability with float64.
 * An output may be off by float32 rounding of the scores (which exp turns
 * into a relative error of p) and of the n-term sum, so the tolerance is
 * relative to Σ p_j |v_j|. */
static void check_case(const shape *s, const variant *var, uint64_t seed)
{
    tensors t;
    tensors_make(&t, s, var, seed);
    run(&t, var->scalar);
    const ops_attention_args *a = &t.args;
    const int64_t dh = s->dh, tk = s->tk;
    double *ref = malloc((size_t)dh * sizeof *ref);
    double *mag = malloc((size_t)dh * sizeof *mag);
    double *ref_p = malloc((size_t)tk * sizeof *ref_p);
    float *k = malloc((size_t)(tk * dh) * sizeof *k);
    float *v = malloc((size_t)(tk * dh) * sizeof *v);
    assert_true(ref && mag && ref_p && k && v);

    for (int64_t r = 0; r < s->rows; r++) {
        for (int64_t h = 0; h < s->heads; h++) {
            /* the row's keys and values gathered in order for the reference */
            const int64_t seen = visible(t.key_len[r], var->causal_past, s->tq - 1);
            for (int64_t j = 0; j < seen; j++) {
                memcpy(k + j * dh, t.k + key_slot(&t, r, h, j), (size_t)dh * sizeof *k);
                memcpy(v + j * dh, t.v + key_slot(&t, r, h, j), (size_t)dh * sizeof *v);
            }
            for (int64_t q = 0; q < s->tq; q++) {
                const int64_t n = visible(t.key_len[r], var->causal_past, q);
                const int64_t qi = r * s->tq + q;
                const float *out = t.out + qi * a->out_stride + h * dh;
                reference(ref, mag, ref_p, t.q + qi * a->q_stride + h * dh, k, v, n, dh,
                          a->scale);
                for (int64_t i = 0; i < dh; i++) {
                    const double tol = 1e-5 * mag[i] + 1e-7;
                    if (!(fabs(out[i] - ref[i]) <= tol))
                        fail_msg("rows=%lld heads=%lld dh=%lld tq=%lld tk=%lld "
                                 "lens %d causal %lld shared %d pad %lld probs %d "
                                 "scalar %d: row %lld head %lld query %lld (%lld "
                                 "keys) out[%lld] is %.9g, float64 says %.9g",
                                 (long long)s->rows, (long long)s->heads,
                                 (long long)dh, (long long)s->tq, (long long)tk,
                                 (int)var->lens, (long long)var->causal_past,
                                 (int)var->share_blocks, (long long)var->pad,
                                 (int)var->probs, (int)var->scalar, (long long)r,
                                 (long long)h, (long long)q, (long long)n,
                                 (long long)i, (double)out[i], ref[i]);
                }
                if (t.probs == NULL)
                    continue;
                const float *p = t.probs + ((r * s->heads + h) * s->tq + q) * tk;
                double sum = 0.0;
                for (int64_t j = 0; j < n; j++) {
                    if (!(fabs(p[j] - ref_p[j]) <= 1e-5 * ref_p[j] + 1e-9))
                        fail_msg("tk=%lld: p[%lld] is %.9g, float64 says %.9g",
                                 (long long)tk, (long long)j, (double)p[j], ref_p[j]);
                    sum += p[j];
                }
                if (n > 0 && !(fabs(sum - 1.0) <= 1e-5))
                    fail_msg("probabilities over %lld keys sum to %.9g",
                             (long long)n, sum);
                for (int64_t j = n; j < tk; j++)
                    if (p[j] != 0.0f)
                        fail_msg("invisible key %lld of %lld has p = %g",
                                 (long long)j, (long long)tk, (double)p[j]);
            }
        }
    }
    /* padding between the heads' outputs is left alone */
    for (int64_t i = 0; i < s->rows * s->tq; i++)
        for (int64_t x = s->heads * dh; x < a->out_stride; x++)
            assert_true(t.out[i * a->out_stride + x] == SENTINEL);

    free(ref);
    free(mag);
    free(ref_p);
    free(k);
    free(v);
    tensors_free(&t);
}

/* Every combination of the awkward sizes. tk = 600 is longer than the
 * kernel's stack buffer for scores, so rows that long take its chunked
 * path when no probs are asked for. */
static void check_grid(const variant *var, uint64_t seed)
{
    static const int64_t rows[] = {1, 3}, heads[] = {1, 2, 3};
    static const int64_t dh[] = {1, 5, 8, 13, 64}, tq[] = {1, 4};
    static const int64_t tk[] = {1, 7, 33, 600};
    for (size_t a = 0; a < COUNT(rows); a++)
        for (size_t b = 0; b < COUNT(heads); b++)
            for (size_t c = 0; c < COUNT(dh); c++)
                for (size_t d = 0; d < COUNT(tq); d++)
                    for (size_t e = 0; e < COUNT(tk); e++) {
                        const shape s = {rows[a], heads[b], dh[c], tq[d], tk[e]};
                        check_case(&s, var, seed++);
                    }
}

/* Each grid on the AVX2 path (where the CPU has it) and the portable one. */
static void check_grid_both_paths(variant var, uint64_t seed)
{
    var.scalar = false;
    check_grid(&var, seed);
    var.scalar = true;
    check_grid(&var, seed);
}

/* ------------------------------------------------------------ tests */

static void test_attention_matches_float64_reference_on_awkward_shapes(void **state)
{
    (void)state;
    check_grid_both_paths((variant){.lens = ALL_KEYS, .causal_past = -1}, 1);
    check_grid_both_paths((variant){.lens = ALL_KEYS, .causal_past = -1,
                                    .probs = true}, 2);
}

static void test_attention_avx2_path_matches_float64_reference(void **state)
{
    (void)state;
    if (!cpu_has_avx2_fma())
        skip();
    check_grid(&(variant){.lens = SHORT_ROWS, .causal_past = 5, .pad = 3}, 3);
}

static void test_attention_hides_keys_beyond_each_rows_key_len(void **state)
{
    (void)state;
    check_grid_both_paths((variant){.lens = SHORT_ROWS, .causal_past = -1}, 10);
    check_grid_both_paths((variant){.lens = SHORT_ROWS, .causal_past = -1,
                                    .probs = true}, 11);
}

static void test_attention_causal_hides_keys_after_each_querys_position(void **state)
{
    (void)state;
    check_grid_both_paths((variant){.lens = ALL_KEYS, .causal_past = 0}, 20);
    check_grid_both_paths((variant){.lens = ALL_KEYS, .causal_past = 5,
                                    .probs = true}, 21);
    check_grid_both_paths((variant){.lens = SHORT_ROWS, .causal_past = 5}, 22);
}

static void test_attention_rows_share_kv_blocks_through_padded_strides(void **state)
{
    (void)state;
    check_grid_both_paths((variant){.lens = ALL_KEYS, .causal_past = -1,
                                    .share_blocks = true, .pad = 3}, 30);
    check_grid_both_paths((variant){.lens = SHORT_ROWS, .causal_past = -1,
                                    .share_blocks = true, .pad = 5,
                                    .probs = true}, 31);
}

/* Beams that share a history point into one cache instead of copying it. */
static void test_attention_reads_each_key_from_its_history_block(void **state)
{
    (void)state;
    check_grid_both_paths((variant){.lens = ALL_KEYS, .causal_past = 0, .history = true}, 35);
    check_grid_both_paths((variant){.lens = SHORT_ROWS, .causal_past = -1, .history = true,
                                    .pad = 3, .probs = true}, 36);
}

static void test_attention_query_that_sees_no_key_outputs_zeros(void **state)
{
    (void)state;
    /* check_case wants zero output and probabilities where n = 0 */
    check_grid_both_paths((variant){.lens = EMPTY_ROWS, .causal_past = -1,
                                    .probs = true}, 40);
    check_grid_both_paths((variant){.lens = EMPTY_ROWS, .causal_past = 0}, 41);

    const shape s = {3, 2, 8, 4, 7};
    tensors t;
    tensors_make(&t, &s, &(variant){.lens = EMPTY_ROWS, .causal_past = -1,
                                    .probs = true}, 42);
    run(&t, false);
    for (int64_t i = 0; i < s.tq * t.args.out_stride; i++)
        assert_true(t.out[i] == 0.0f); /* row 0 */
    for (int64_t i = 0; i < s.heads * s.tq * s.tk; i++)
        assert_true(t.probs[i] == 0.0f);
    tensors_free(&t);
}

/* A row longer than the stack buffer without probs recomputes its scores
 * in chunks; with probs it keeps them there. Both must give the same bits. */
static void test_attention_output_is_identical_with_and_without_probs(void **state)
{
    (void)state;
    static const int64_t tks[] = {33, 511, 512, 513, 600, 1500};
    for (int scalar = 0; scalar < 2; scalar++)
        for (size_t i = 0; i < COUNT(tks); i++) {
            const shape s = {3, 2, 13, 4, tks[i]};
            variant var = {.lens = SHORT_ROWS, .causal_past = -1};
            tensors without, with;
            tensors_make(&without, &s, &var, 50 + i);
            var.probs = true;
            tensors_make(&with, &s, &var, 50 + i);
            run(&without, scalar);
            run(&with, scalar);
            assert_memory_equal(without.out, with.out, without.out_n * sizeof(float));
            tensors_free(&without);
            tensors_free(&with);
        }
}

static void expect_invalid(const ops_attention_args *a, const char *detail)
{
    assert_int_equal(ops_attention(a), ATTN_E_INVALID_ARGUMENT);
    const char *msg = attn_last_error();
    if (strstr(msg, "attention") == NULL || strstr(msg, detail) == NULL)
        fail_msg("message \"%s\" should name \"attention\" and \"%s\"", msg, detail);
    err_clear();
}

static void test_attention_rejects_invalid_arguments_with_a_message(void **state)
{
    (void)state;
    float q[16] = {0}, k[16] = {0}, v[16] = {0}, out[16];
    int32_t lens[2] = {2, 2};
    int64_t blocks[2] = {0, 1};
    const ops_attention_args good = {
        .rows = 2, .tq = 1, .heads = 2, .dh = 2, .q = q, .q_stride = 4,
        .k = k, .v = v, .kv_block = blocks, .kv_block_stride = 8,
        .kv_head_stride = 4, .key_len = lens, .tk = 2, .causal_past = -1,
        .scale = 1.0f, .out = out, .out_stride = 4,
    };
    assert_int_equal(ops_attention(&good), ATTN_OK);
#define EXPECT_INVALID_WITH(field, value, detail) \
    do {                                            \
        ops_attention_args a = good;                \
        a.field = value;                            \
        expect_invalid(&a, detail);                 \
    } while (0)
    expect_invalid(NULL, "args is NULL");
    EXPECT_INVALID_WITH(q, NULL, "q is NULL");
    EXPECT_INVALID_WITH(k, NULL, "k is NULL");
    EXPECT_INVALID_WITH(v, NULL, "v is NULL");
    EXPECT_INVALID_WITH(out, NULL, "out is NULL");
    EXPECT_INVALID_WITH(rows, 0, "rows=0");
    EXPECT_INVALID_WITH(tq, -1, "tq=-1");
    EXPECT_INVALID_WITH(heads, 0, "heads=0");
    EXPECT_INVALID_WITH(dh, 0, "dh=0");
    EXPECT_INVALID_WITH(tk, 0, "tk=0");
    EXPECT_INVALID_WITH(heads, INT64_MAX, "overflows");
    EXPECT_INVALID_WITH(q_stride, 3, "q_stride 3");
    EXPECT_INVALID_WITH(out_stride, 3, "out_stride 3");
    EXPECT_INVALID_WITH(kv_head_stride, -4, "kv strides");
    EXPECT_INVALID_WITH(kv_block_stride, -8, "kv strides");
    EXPECT_INVALID_WITH(causal_past, -2, "causal_past -2");
    EXPECT_INVALID_WITH(dh, OPS_ATTENTION_MAX_DH + 1, "dh must be <=");
    int64_t history[2 * 3] = {0, 1, 9, 1, 0, 9};
    EXPECT_INVALID_WITH(key_block, history, "exclusive");
    ops_attention_args own = good;
    own.kv_block = NULL;
    own.key_block = history;
    own.key_block_stride = 1;
    expect_invalid(&own, "key_block_stride 1");
    own.key_block_stride = 3;
    assert_int_equal(ops_attention(&own), ATTN_OK);
    history[4] = -1;
    expect_invalid(&own, "key_block[1][1] = -1");
    history[4] = 0;
    history[2] = -1; /* beyond tk: never read */
    assert_int_equal(ops_attention(&own), ATTN_OK);
#undef EXPECT_INVALID_WITH
    lens[1] = 3;
    expect_invalid(&good, "key_len[1] = 3");
    lens[1] = -1;
    expect_invalid(&good, "key_len[1] = -1");
    lens[1] = 2;
    blocks[0] = -1;
    expect_invalid(&good, "kv_block[0] = -1");
}

int main(void)
{
#define TEST(f) cmocka_unit_test_teardown(f, reset_path)
    const struct CMUnitTest tests[] = {
        TEST(test_attention_matches_float64_reference_on_awkward_shapes),
        TEST(test_attention_avx2_path_matches_float64_reference),
        TEST(test_attention_hides_keys_beyond_each_rows_key_len),
        TEST(test_attention_causal_hides_keys_after_each_querys_position),
        TEST(test_attention_rows_share_kv_blocks_through_padded_strides),
        TEST(test_attention_reads_each_key_from_its_history_block),
        TEST(test_attention_query_that_sees_no_key_outputs_zeros),
        TEST(test_attention_output_is_identical_with_and_without_probs),
        TEST(test_attention_rejects_invalid_arguments_with_a_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
