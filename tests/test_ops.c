/* test_ops.c - lib/ops checked against naive float64 loops on seeded random
 * data with awkward shapes, plus primitive reuse and preparation, the sgemm
 * path of small linears, packed weights, in-place layer norm and invalid
 * arguments. */
#define _GNU_SOURCE /* MAP_ANONYMOUS */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/error.h"
#include "ops/ops.h"
#include "test_util.h"

/* ------------------------------------------------------------ helpers */


static float *alloc_floats(size_t n)
{
    float *p = malloc(n * sizeof *p);
    assert_non_null(p);
    return p;
}

static double *alloc_doubles(size_t n)
{
    double *p = malloc(n * sizeof *p);
    assert_non_null(p);
    return p;
}

static int setup_ctx(void **state)
{
    ops_ctx *ctx = NULL;
    if (ops_ctx_create(&ctx) != ATTN_OK)
        return -1;
    *state = ctx;
    return 0;
}

static int teardown_ctx(void **state)
{
    ops_ctx_free(*state);
    return 0;
}

/* ------------------------------------------------------- products */

enum product { LINEAR, PACKED, MATMUL, BATCHED };

/* ops_linear_packed() through a weight packed here; false when oneDNN has
 * no layout to pack (n,k) into. */
static bool run_packed(ops_ctx *ctx, float *y, const float *x, const float *w,
                       const float *bias, int64_t M, int64_t N, int64_t K)
{
    size_t bytes;
    attn_status rc = ops_pack_size(ctx, N, K, &bytes);
    if (rc != ATTN_OK)
        fail_msg("ops_pack_size: %s", attn_last_error());
    if (bytes == 0)
        return false;
    void *dst = aligned_alloc(OPS_PACK_ALIGN, (bytes + OPS_PACK_ALIGN - 1) / OPS_PACK_ALIGN *
                                                  OPS_PACK_ALIGN);
    assert_non_null(dst);
    ops_packed *p;
    rc = ops_pack(ctx, w, N, K, dst, &p);
    if (rc == ATTN_OK)
        rc = ops_linear_packed(ctx, y, x, p, bias, M);
    if (rc != ATTN_OK)
        fail_msg("packed linear M=%lld N=%lld K=%lld: %s", (long long)M, (long long)N,
                 (long long)K, attn_last_error());
    ops_packed_free(p);
    free(dst);
    return true;
}

/* a (B,M,K), b (B or 1,K,N) or (B or 1,N,K), bias (N) or NULL ->
 * ref (B,M,N) in float64, and mag (B,M,N) = sum of |a·b| terms + |bias|,
 * the scale of float32 rounding error. */
static void product_reference(double *ref, double *mag, const float *a,
                              const float *b, const float *bias, unsigned flags,
                              int64_t B, int64_t M, int64_t N, int64_t K)
{
    for (int64_t i = 0; i < B; i++) {
        const float *bi = b + ((flags & OPS_B_SHARED) ? 0 : i * K * N);
        for (int64_t m = 0; m < M; m++) {
            for (int64_t n = 0; n < N; n++) {
                double sum = bias != NULL ? bias[n] : 0.0;
                double abs_sum = bias != NULL ? fabs(bias[n]) : 0.0;
                for (int64_t k = 0; k < K; k++) {
                    const double bv = (flags & OPS_B_TRANSPOSED) ? bi[n * K + k]
                                                                 : bi[k * N + n];
                    const double t = (double)a[(i * M + m) * K + k] * bv;
                    sum += t;
                    abs_sum += fabs(t);
                }
                ref[(i * M + m) * N + n] = sum;
                mag[(i * M + m) * N + n] = abs_sum;
            }
        }
    }
}

/* Runs one product on random data and compares every element with the
 * float64 reference within float32 rounding: a K-term dot product may be off
 * by a few ulps per term, which averages out to about sqrt(K). Returns false
 * for a PACKED product whose weight has nothing to pack (nothing is run). */
static bool check_product(ops_ctx *ctx, enum product op, unsigned flags,
                          bool with_bias, int64_t B, int64_t M, int64_t N,
                          int64_t K, uint64_t seed)
{
    const int64_t bB = (flags & OPS_B_SHARED) ? 1 : B;
    float *a = alloc_floats((size_t)(B * M * K));
    float *b = alloc_floats((size_t)(bB * K * N));
    float *bias = with_bias ? alloc_floats((size_t)N) : NULL;
    float *c = alloc_floats((size_t)(B * M * N));
    double *ref = alloc_doubles((size_t)(B * M * N));
    double *mag = alloc_doubles((size_t)(B * M * N));
    tu_fill(a, (size_t)(B * M * K), &seed, -1.0f, 1.0f);
    tu_fill(b, (size_t)(bB * K * N), &seed, -1.0f, 1.0f);
    if (bias != NULL)
        tu_fill(bias, (size_t)N, &seed, -1.0f, 1.0f);
    tu_fill(c, (size_t)(B * M * N), &seed, 100.0f, 200.0f); /* must be overwritten */

    attn_status rc = ATTN_OK;
    bool ran = true;
    switch (op) {
    case LINEAR: rc = ops_linear(ctx, c, a, b, bias, M, N, K); break;
    case PACKED: ran = run_packed(ctx, c, a, b, bias, M, N, K); break;
    case MATMUL: rc = ops_matmul(ctx, c, a, b, flags, M, N, K); break;
    default: rc = ops_matmul_batched(ctx, c, a, b, flags, B, M, N, K); break;
    }
    if (rc != ATTN_OK)
        fail_msg("status %d: %s", (int)rc, attn_last_error());

    /* nn.Linear weights are b stored (N,K) */
    const unsigned layout = op == LINEAR || op == PACKED ? OPS_B_TRANSPOSED : flags;
    if (ran)
        product_reference(ref, mag, a, b, bias, layout, B, M, N, K);
    for (int64_t i = 0; ran && i < B * M * N; i++) {
        const double tol = 1e-6 * sqrt((double)K) * (mag[i] + 1.0);
        if (!(fabs(c[i] - ref[i]) <= tol))
            fail_msg("op %d flags %u bias %d B=%lld M=%lld N=%lld K=%lld: "
                     "element %lld is %.9g, float64 says %.9g (tolerance %.3g)",
                     (int)op, flags, (int)with_bias, (long long)B, (long long)M,
                     (long long)N, (long long)K, (long long)i, (double)c[i],
                     ref[i], tol);
    }
    free(a);
    free(b);
    free(bias);
    free(c);
    free(ref);
    free(mag);
    return ran;
}

static const int64_t awkward_m[] = {1, 3, 17, 513};
static const int64_t awkward_k[] = {5, 13, 67};
static const int64_t awkward_n[] = {1, 7, 33};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_linear_matches_float64_reference_on_awkward_shapes(void **state)
{
    uint64_t seed = 1;
    for (size_t mi = 0; mi < COUNT(awkward_m); mi++)
        for (size_t ki = 0; ki < COUNT(awkward_k); ki++)
            for (size_t ni = 0; ni < COUNT(awkward_n); ni++)
                for (int bias = 0; bias < 2; bias++)
                    check_product(*state, LINEAR, 0, bias, 1, awkward_m[mi],
                                  awkward_n[ni], awkward_k[ki], seed++);
}

static void check_matmul_grid(ops_ctx *ctx, unsigned flags)
{
    uint64_t seed = 100 + flags;
    for (size_t mi = 0; mi < COUNT(awkward_m); mi++)
        for (size_t ki = 0; ki < COUNT(awkward_k); ki++)
            for (size_t ni = 0; ni < COUNT(awkward_n); ni++)
                check_product(ctx, MATMUL, flags, false, 1, awkward_m[mi],
                              awkward_n[ni], awkward_k[ki], seed++);
}

static void test_matmul_matches_float64_reference_with_b_stored_k_by_n(void **state)
{
    check_matmul_grid(*state, 0);
}

static void test_matmul_matches_float64_reference_with_b_stored_n_by_k(void **state)
{
    check_matmul_grid(*state, OPS_B_TRANSPOSED);
}

static void check_batched_grid(ops_ctx *ctx, unsigned flags)
{
    static const int64_t batches[] = {1, 3};
    uint64_t seed = 1000 + flags;
    for (size_t bi = 0; bi < COUNT(batches); bi++)
        for (size_t mi = 0; mi < COUNT(awkward_m); mi++)
            for (size_t ki = 0; ki < COUNT(awkward_k); ki++)
                for (size_t ni = 0; ni < COUNT(awkward_n); ni++)
                    check_product(ctx, BATCHED, flags, false, batches[bi],
                                  awkward_m[mi], awkward_n[ni], awkward_k[ki],
                                  seed++);
}

static void test_matmul_batched_matches_float64_reference(void **state)
{
    check_batched_grid(*state, 0);
    check_batched_grid(*state, OPS_B_TRANSPOSED);
}

static void test_matmul_batched_with_shared_b_matches_float64_reference(void **state)
{
    check_batched_grid(*state, OPS_B_SHARED);
    check_batched_grid(*state, OPS_B_SHARED | OPS_B_TRANSPOSED);
}

/* Weights come from a read-only mapping of a file, at whatever offset the
 * file puts them: the product must neither write them nor need alignment. */
static void test_linear_reads_weights_in_place_from_read_only_unaligned_memory(void **state)
{
    const int64_t M = 17, N = 33, K = 67;
    const size_t bytes = (size_t)(N * K + 1) * sizeof(float);
    float *page = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(page != MAP_FAILED);
    float *w = page + 1; /* 4 bytes past a page boundary */
    uint64_t seed = 7;
    tu_fill(w, (size_t)(N * K), &seed, -1.0f, 1.0f);
    assert_int_equal(mprotect(page, bytes, PROT_READ), 0);

    float *x = alloc_floats((size_t)(M * K + 1));
    float *bias = alloc_floats((size_t)N + 1);
    float *y = alloc_floats((size_t)(M * N + 1));
    double *ref = alloc_doubles((size_t)(M * N));
    double *mag = alloc_doubles((size_t)(M * N));
    tu_fill(x + 1, (size_t)(M * K), &seed, -1.0f, 1.0f);
    tu_fill(bias + 1, (size_t)N, &seed, -1.0f, 1.0f);

    assert_int_equal(ops_linear(*state, y + 1, x + 1, w, bias + 1, M, N, K), ATTN_OK);
    product_reference(ref, mag, x + 1, w, bias + 1, OPS_B_TRANSPOSED, 1, M, N, K);
    for (int64_t i = 0; i < M * N; i++)
        assert_true(fabs(y[1 + i] - ref[i]) <= 1e-6 * sqrt((double)K) * (mag[i] + 1.0));

    munmap(page, bytes);
    free(x);
    free(bias);
    free(y);
    free(ref);
    free(mag);
}

/* ---------------------------------------------------- layer norm */

/* x (rows,dim), gamma (dim), beta (dim) -> ref (rows,dim) in float64 and
 * mag = |gamma·x̂| + |beta|, the scale of rounding error. */
static void layer_norm_reference(double *ref, double *mag, const float *x,
                                 const float *gamma, const float *beta,
                                 double eps, int64_t rows, int64_t dim)
{
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        double mean = 0.0, var = 0.0;
        for (int64_t i = 0; i < dim; i++)
            mean += xr[i];
        mean /= (double)dim;
        for (int64_t i = 0; i < dim; i++)
            var += (xr[i] - mean) * (xr[i] - mean);
        var /= (double)dim;
        const double inv = 1.0 / sqrt(var + eps);
        for (int64_t i = 0; i < dim; i++) {
            const double t = (xr[i] - mean) * inv * gamma[i];
            ref[r * dim + i] = t + beta[i];
            mag[r * dim + i] = fabs(t) + fabs(beta[i]);
        }
    }
}

/* Rows are offset from zero (mean 3) so that the mean must be removed; a
 * large eps is among the cases so that ignoring eps would show. */
static void check_layer_norm(ops_ctx *ctx, int64_t rows, int64_t dim, float eps,
                             bool in_place, uint64_t seed)
{
    const size_t n = (size_t)(rows * dim);
    float *x = alloc_floats(n);
    float *y = in_place ? x : alloc_floats(n);
    float *gamma = alloc_floats((size_t)dim);
    float *beta = alloc_floats((size_t)dim);
    double *ref = alloc_doubles(n);
    double *mag = alloc_doubles(n);
    tu_fill(x, n, &seed, 1.0f, 5.0f);
    tu_fill(gamma, (size_t)dim, &seed, 0.5f, 1.5f);
    tu_fill(beta, (size_t)dim, &seed, -1.0f, 1.0f);
    layer_norm_reference(ref, mag, x, gamma, beta, eps, rows, dim);

    const attn_status rc = ops_layer_norm(ctx, y, x, gamma, beta, eps, rows, dim);
    if (rc != ATTN_OK)
        fail_msg("status %d: %s", (int)rc, attn_last_error());
    for (size_t i = 0; i < n; i++) {
        const double tol = 1e-5 * (mag[i] + 1.0);
        if (!(fabs(y[i] - ref[i]) <= tol))
            fail_msg("layer norm rows=%lld dim=%lld eps=%g%s: element %zu is "
                     "%.9g, float64 says %.9g (tolerance %.3g)",
                     (long long)rows, (long long)dim, (double)eps,
                     in_place ? " in place" : "", i, (double)y[i], ref[i], tol);
    }
    if (!in_place)
        free(y);
    free(x);
    free(gamma);
    free(beta);
    free(ref);
    free(mag);
}

static const int64_t norm_rows[] = {1, 3, 17, 513};
static const int64_t norm_dims[] = {3, 17, 67, 515};

static void test_layer_norm_matches_float64_reference_on_awkward_shapes(void **state)
{
    static const float eps[] = {1e-5f, 0.5f};
    uint64_t seed = 5000;
    for (size_t ri = 0; ri < COUNT(norm_rows); ri++)
        for (size_t di = 0; di < COUNT(norm_dims); di++)
            for (size_t ei = 0; ei < COUNT(eps); ei++)
                check_layer_norm(*state, norm_rows[ri], norm_dims[di], eps[ei],
                                 false, seed++);
}

static void test_layer_norm_in_place_matches_float64_reference(void **state)
{
    uint64_t seed = 6000;
    for (size_t ri = 0; ri < COUNT(norm_rows); ri++)
        for (size_t di = 0; di < COUNT(norm_dims); di++)
            check_layer_norm(*state, norm_rows[ri], norm_dims[di], 1e-5f, true,
                             seed++);
}

static void test_layer_norm_in_place_equals_out_of_place(void **state)
{
    const int64_t rows = 17, dim = 515;
    const size_t n = (size_t)(rows * dim);
    float *x = alloc_floats(n), *y = alloc_floats(n);
    float *gamma = alloc_floats((size_t)dim), *beta = alloc_floats((size_t)dim);
    uint64_t seed = 11;
    tu_fill(x, n, &seed, -2.0f, 4.0f);
    tu_fill(gamma, (size_t)dim, &seed, 0.5f, 1.5f);
    tu_fill(beta, (size_t)dim, &seed, -1.0f, 1.0f);

    assert_int_equal(ops_layer_norm(*state, y, x, gamma, beta, 1e-5f, rows, dim), ATTN_OK);
    assert_int_equal(ops_layer_norm(*state, x, x, gamma, beta, 1e-5f, rows, dim), ATTN_OK);
    assert_memory_equal(x, y, n * sizeof *x);
    free(x);
    free(y);
    free(gamma);
    free(beta);
}

/* ---------------------------------------------------------- reuse */

static void test_same_shape_reuses_its_primitive_and_gives_identical_results(void **state)
{
    ops_ctx *ctx = *state;
    const int64_t M = 3, N = 7, K = 13, B = 3;
    const int64_t LM = OPS_SGEMM_MAX_M + 1; /* a linear with a primitive */
    float *a = alloc_floats((size_t)(LM * K)), *w = alloc_floats((size_t)(B * N * K));
    float *bias = alloc_floats((size_t)N);
    float *first = alloc_floats((size_t)(LM * N));
    float *again = alloc_floats((size_t)(LM * N));
    uint64_t seed = 3;
    tu_fill(a, (size_t)(LM * K), &seed, -1.0f, 1.0f);
    tu_fill(w, (size_t)(B * N * K), &seed, -1.0f, 1.0f);
    tu_fill(bias, (size_t)N, &seed, -1.0f, 1.0f);
    assert_int_equal(ops_ctx_primitive_count(ctx), 0);

    assert_int_equal(ops_linear(ctx, first, a, w, bias, LM, N, K), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
    assert_int_equal(ops_linear(ctx, again, a, w, bias, LM, N, K), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
    assert_memory_equal(first, again, (size_t)(LM * N) * sizeof *first);

    const unsigned tb = OPS_B_TRANSPOSED;
    assert_int_equal(ops_matmul_batched(ctx, first, a, w, tb, B, M, N, K), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 2);
    assert_int_equal(ops_matmul_batched(ctx, again, a, w, tb, B, M, N, K), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 2);
    assert_memory_equal(first, again, (size_t)(B * M * N) * sizeof *first);

    assert_int_equal(ops_layer_norm(ctx, first, a, w, bias, 1e-5f, M, N), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 3);
    assert_int_equal(ops_layer_norm(ctx, again, a, w, bias, 1e-5f, M, N), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 3);
    assert_memory_equal(first, again, (size_t)(M * N) * sizeof *first);

    free(a);
    free(w);
    free(bias);
    free(first);
    free(again);
}

static void test_each_new_shape_or_setting_creates_one_primitive(void **state)
{
    ops_ctx *ctx = *state;
    enum { M = OPS_SGEMM_MAX_M + 2 }; /* linears large enough for a primitive */
    float a[M * 8], b[8 * 8], c[M * 8], bias[8], g[8];
    uint64_t seed = 9;
    tu_fill(a, M * 8, &seed, -1.0f, 1.0f);
    tu_fill(b, 64, &seed, -1.0f, 1.0f);
    tu_fill(bias, 8, &seed, -1.0f, 1.0f);
    tu_fill(g, 8, &seed, 0.5f, 1.5f);

    assert_int_equal(ops_linear(ctx, c, a, b, NULL, M, 8, 8), ATTN_OK);
    assert_int_equal(ops_linear(ctx, c, a, b, bias, M, 8, 8), ATTN_OK);
    assert_int_equal(ops_linear(ctx, c, a, b, bias, M - 1, 8, 8), ATTN_OK);
    assert_int_equal(ops_matmul(ctx, c, a, b, 0, 4, 8, 8), ATTN_OK);
    assert_int_equal(ops_matmul(ctx, c, a, b, OPS_B_TRANSPOSED, 4, 8, 8), ATTN_OK);
    assert_int_equal(ops_matmul_batched(ctx, c, a, b, OPS_B_SHARED, 2, 2, 8, 8), ATTN_OK);
    assert_int_equal(ops_layer_norm(ctx, c, a, g, bias, 1e-5f, 4, 8), ATTN_OK);
    assert_int_equal(ops_layer_norm(ctx, c, a, g, bias, 1e-6f, 4, 8), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 8);
}

/* ------------------------------------------------ small M and prepare */

/* Decoder steps: every M up to OPS_SGEMM_MAX_M goes through dnnl_sgemm. */
static void test_linear_with_small_m_matches_float64_reference_through_sgemm(void **state)
{
    uint64_t seed = 7000;
    for (int64_t M = 1; M <= OPS_SGEMM_MAX_M; M++)
        for (size_t ki = 0; ki < COUNT(awkward_k); ki++)
            for (size_t ni = 0; ni < COUNT(awkward_n); ni++)
                for (int bias = 0; bias < 2; bias++)
                    check_product(*state, LINEAR, 0, bias, 1, M, awkward_n[ni],
                                  awkward_k[ki], seed++);
}

static void test_linear_with_small_m_creates_no_primitive(void **state)
{
    ops_ctx *ctx = *state;
    check_product(ctx, LINEAR, 0, true, 1, 1, 33, 67, 1);
    check_product(ctx, LINEAR, 0, false, 1, OPS_SGEMM_MAX_M, 7, 13, 2);
    assert_int_equal(ops_ctx_primitive_count(ctx), 0);
    check_product(ctx, LINEAR, 0, false, 1, OPS_SGEMM_MAX_M + 1, 7, 13, 3);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
}

/* Without a bias sgemm runs with beta = 0, which must not read y: NaN left
 * there by earlier work must not leak into the result. */
static void test_linear_without_bias_ignores_what_y_held(void **state)
{
    static const int64_t ms[] = {1, OPS_SGEMM_MAX_M, OPS_SGEMM_MAX_M + 1};
    const int64_t N = 7, K = 13;
    for (size_t i = 0; i < COUNT(ms); i++) {
        const int64_t M = ms[i];
        float *x = alloc_floats((size_t)(M * K)), *w = alloc_floats((size_t)(N * K));
        float *y = alloc_floats((size_t)(M * N));
        double *ref = alloc_doubles((size_t)(M * N)), *mag = alloc_doubles((size_t)(M * N));
        uint64_t seed = 8000 + i;
        tu_fill(x, (size_t)(M * K), &seed, -1.0f, 1.0f);
        tu_fill(w, (size_t)(N * K), &seed, -1.0f, 1.0f);
        for (int64_t j = 0; j < M * N; j++)
            y[j] = NAN;
        assert_int_equal(ops_linear(*state, y, x, w, NULL, M, N, K), ATTN_OK);
        product_reference(ref, mag, x, w, NULL, OPS_B_TRANSPOSED, 1, M, N, K);
        for (int64_t j = 0; j < M * N; j++)
            assert_true(fabs(y[j] - ref[j]) <= 1e-6 * sqrt((double)K) * (mag[j] + 1.0));
        free(x);
        free(w);
        free(y);
        free(ref);
        free(mag);
    }
}

static void test_prepare_linear_creates_the_one_primitive_the_call_reuses(void **state)
{
    ops_ctx *ctx = *state;
    const int64_t M = OPS_SGEMM_MAX_M + 5, N = 33, K = 67;
    assert_int_equal(ops_prepare_linear(ctx, M, N, K, true), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
    assert_int_equal(ops_prepare_linear(ctx, M, N, K, true), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
    check_product(ctx, LINEAR, 0, true, 1, M, N, K, 9000);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);

    /* without a bias is another primitive; sgemm shapes need none */
    assert_int_equal(ops_prepare_linear(ctx, M, N, K, false), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 2);
    assert_int_equal(ops_prepare_linear(ctx, OPS_SGEMM_MAX_M, N, K, true), ATTN_OK);
    assert_int_equal(ops_prepare_linear(ctx, 1, N, K, false), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 2);
}

static void test_prepare_layer_norm_creates_the_one_primitive_the_call_reuses(void **state)
{
    ops_ctx *ctx = *state;
    assert_int_equal(ops_prepare_layer_norm(ctx, 17, 67, 1e-5f), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
    assert_int_equal(ops_prepare_layer_norm(ctx, 17, 67, 1e-5f), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);
    check_layer_norm(ctx, 17, 67, 1e-5f, false, 9100);
    assert_int_equal(ops_ctx_primitive_count(ctx), 1);

    assert_int_equal(ops_prepare_layer_norm(ctx, 17, 67, 1e-6f), ATTN_OK);
    assert_int_equal(ops_prepare_layer_norm(ctx, 1, 67, 1e-5f), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), 3);
}

/* ------------------------------------------------ invalid arguments */

/* The call failed as invalid, said so naming `op` and `detail`, and built
 * no primitive. */
static void expect_invalid(ops_ctx *ctx, attn_status rc, const char *op,
                           const char *detail)
{
    assert_int_equal(rc, ATTN_E_INVALID_ARGUMENT);
    const char *msg = attn_last_error();
    if (strstr(msg, op) == NULL || strstr(msg, detail) == NULL)
        fail_msg("message \"%s\" should name \"%s\" and \"%s\"", msg, op, detail);
    assert_int_equal(ops_ctx_primitive_count(ctx), 0);
    err_clear();
}

/* ------------------------------------------------------ packed weights */

/* Shapes of the demo model and of opus-mt, and ragged ones. */
static const int64_t packed_n[] = {64, 233, 512, 100};
static const int64_t packed_k[] = {128, 512, 48, 16};
static const int64_t packed_m[] = {1, 2, 3, 4, 5, 8, 31, 32, 33, 128, 130};

static void test_packed_linear_matches_float64_reference_for_every_m(void **state)
{
    uint64_t seed = 9000;
    int packed = 0;
    for (size_t s = 0; s < COUNT(packed_n); s++)
        for (size_t mi = 0; mi < COUNT(packed_m); mi++)
            for (int bias = 0; bias < 2; bias++)
                packed += check_product(*state, PACKED, 0, bias, 1, packed_m[mi], packed_n[s],
                                        packed_k[s], seed++);
    /* oneDNN 2.6 packs for its AVX-512 matmul; elsewhere it may read
     * PyTorch's layout as it is, and then there is nothing to check. */
    if (__builtin_cpu_supports("avx512f"))
        assert_int_equal(packed, (int)(COUNT(packed_n) * COUNT(packed_m) * 2));
}

/* Weights packed apart share the primitive of their shape and M, which
 * prepare creates ahead. */
static void test_packed_weights_of_one_shape_share_a_prepared_primitive(void **state)
{
    ops_ctx *ctx = *state;
    size_t bytes;
    assert_int_equal(ops_pack_size(ctx, 512, 512, &bytes), ATTN_OK);
    if (bytes == 0)
        return; /* no blocked layout on this CPU: covered by the test above */
    float *w = alloc_floats(512 * 512), *x = alloc_floats(4 * 512);
    float *y1 = alloc_floats(4 * 512), *y2 = alloc_floats(4 * 512);
    uint64_t seed = 77;
    tu_fill(w, 512 * 512, &seed, -1.0f, 1.0f);
    tu_fill(x, 4 * 512, &seed, -1.0f, 1.0f);
    void *d1 = aligned_alloc(OPS_PACK_ALIGN, bytes), *d2 = aligned_alloc(OPS_PACK_ALIGN, bytes);
    assert_true(d1 && d2);
    ops_packed *p1, *p2;
    assert_int_equal(ops_pack(ctx, w, 512, 512, d1, &p1), ATTN_OK);
    assert_int_equal(ops_pack(ctx, w, 512, 512, d2, &p2), ATTN_OK);
    const size_t before = ops_ctx_primitive_count(ctx);
    assert_int_equal(ops_prepare_linear_packed(ctx, p1, 4, false), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), before + 1);
    assert_int_equal(ops_linear_packed(ctx, y1, x, p1, NULL, 4), ATTN_OK);
    assert_int_equal(ops_linear_packed(ctx, y2, x, p2, NULL, 4), ATTN_OK);
    assert_int_equal(ops_ctx_primitive_count(ctx), before + 1);
    assert_memory_equal(y1, y2, 4 * 512 * sizeof *y1);
    ops_packed_free(p1);
    ops_packed_free(p2);
    free(d1);
    free(d2);
    free(w);
    free(x);
    free(y1);
    free(y2);
}

static void test_pack_rejects_invalid_arguments_with_a_message(void **state)
{
    ops_ctx *ctx = *state;
    _Alignas(OPS_PACK_ALIGN) float buf[64] = {0};
    float w[16] = {0}, x[16] = {0}, y[16] = {0};
    ops_packed *p = NULL;
    size_t bytes;
    expect_invalid(ctx, ops_pack_size(NULL, 4, 4, &bytes), "linear", "ctx is NULL");
    expect_invalid(ctx, ops_pack_size(ctx, 4, 4, NULL), "linear", "bytes is NULL");
    expect_invalid(ctx, ops_pack_size(ctx, 0, 4, &bytes), "N=0", ">= 1");
    expect_invalid(ctx, ops_pack(NULL, w, 4, 4, buf, &p), "linear", "ctx is NULL");
    expect_invalid(ctx, ops_pack(ctx, NULL, 4, 4, buf, &p), "linear", "w is NULL");
    expect_invalid(ctx, ops_pack(ctx, w, 4, 4, NULL, &p), "linear", "dst is NULL");
    expect_invalid(ctx, ops_pack(ctx, w, 4, 4, buf, NULL), "linear", "out is NULL");
    expect_invalid(ctx, ops_pack(ctx, w, 4, 4, (char *)buf + 4, &p), "linear", "aligned");
    expect_invalid(ctx, ops_pack(ctx, w, 4, -4, buf, &p), "K=-4", ">= 1");
    expect_invalid(ctx, ops_linear_packed(ctx, y, x, NULL, NULL, 1), "linear_packed",
                   "w is NULL");
    assert_null(p);
    ops_packed_free(NULL);
}

static void test_linear_rejects_invalid_arguments_with_a_message(void **state)
{
    ops_ctx *ctx = *state;
    float x[8] = {0}, w[8] = {0}, y[8] = {0};
    const int64_t big = INT64_C(1) << 40;
    expect_invalid(ctx, ops_linear(NULL, y, x, w, NULL, 2, 2, 2), "linear", "ctx is NULL");
    expect_invalid(ctx, ops_linear(ctx, NULL, x, w, NULL, 2, 2, 2), "linear", "y is NULL");
    expect_invalid(ctx, ops_linear(ctx, y, NULL, w, NULL, 2, 2, 2), "linear", "x is NULL");
    expect_invalid(ctx, ops_linear(ctx, y, x, NULL, NULL, 2, 2, 2), "linear", "w is NULL");
    expect_invalid(ctx, ops_linear(ctx, y, x, w, NULL, 0, 2, 2), "M=0", ">= 1");
    expect_invalid(ctx, ops_linear(ctx, y, x, w, NULL, 2, -1, 2), "N=-1", ">= 1");
    expect_invalid(ctx, ops_linear(ctx, y, x, w, NULL, 2, 2, 0), "K=0", ">= 1");
    expect_invalid(ctx, ops_linear(ctx, y, x, w, NULL, big, 2, big), "linear", "overflows");
    expect_invalid(ctx, ops_linear(ctx, y, x, w, NULL, INT64_MAX, INT64_MAX, 2),
                   "linear", "overflows");
}

static void test_matmul_rejects_invalid_arguments_with_a_message(void **state)
{
    ops_ctx *ctx = *state;
    float a[8] = {0}, b[8] = {0}, c[8] = {0};
    const int64_t big = INT64_C(1) << 62;
    expect_invalid(ctx, ops_matmul(ctx, NULL, a, b, 0, 2, 2, 2), "matmul", "c is NULL");
    expect_invalid(ctx, ops_matmul(ctx, c, NULL, b, 0, 2, 2, 2), "matmul", "a is NULL");
    expect_invalid(ctx, ops_matmul(ctx, c, a, NULL, 0, 2, 2, 2), "matmul", "b is NULL");
    expect_invalid(ctx, ops_matmul(ctx, c, a, b, 0, -3, 2, 2), "matmul M=-3", ">= 1");
    expect_invalid(ctx, ops_matmul(ctx, c, a, b, OPS_B_SHARED, 2, 2, 2),
                   "matmul", "unknown flags");
    expect_invalid(ctx, ops_matmul(ctx, c, a, b, 8u, 2, 2, 2), "matmul", "unknown flags");
    expect_invalid(ctx, ops_matmul(ctx, c, a, b, 0, 2, big, 2), "matmul", "overflows");
}

static void test_matmul_batched_rejects_invalid_arguments_with_a_message(void **state)
{
    ops_ctx *ctx = *state;
    float a[8] = {0}, b[8] = {0}, c[8] = {0};
    const char *op = "matmul_batched";
    const int64_t big = INT64_C(1) << 61;
    expect_invalid(ctx, ops_matmul_batched(NULL, c, a, b, 0, 2, 2, 2, 2), op, "ctx is NULL");
    expect_invalid(ctx, ops_matmul_batched(ctx, c, a, NULL, 0, 2, 2, 2, 2), op, "b is NULL");
    expect_invalid(ctx, ops_matmul_batched(ctx, c, a, b, 0, 0, 2, 2, 2), "batch=0", ">= 1");
    expect_invalid(ctx, ops_matmul_batched(ctx, c, a, b, 4u, 2, 2, 2, 2), op, "unknown flags");
    expect_invalid(ctx, ops_matmul_batched(ctx, c, a, b, OPS_B_SHARED, big, 2, 2, 2),
                   op, "overflows");
}

static void test_layer_norm_rejects_invalid_arguments_with_a_message(void **state)
{
    ops_ctx *ctx = *state;
    float x[8] = {0}, g[4] = {0}, be[4] = {0}, y[8] = {0};
    const char *op = "layer_norm";
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, NULL, be, 1e-5f, 2, 4), op, "gamma is NULL");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, NULL, 1e-5f, 2, 4), op, "beta is NULL");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, be, 1e-5f, 0, 4), "rows=0", ">= 1");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, be, 1e-5f, 2, -4), "dim=-4", ">= 1");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, be, -1e-5f, 2, 4), op, "eps");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, be, NAN, 2, 4), op, "eps");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, be, INFINITY, 2, 4), op, "eps");
    expect_invalid(ctx, ops_layer_norm(ctx, y, x, g, be, 1e-5f, INT64_MAX, 2), op, "overflows");
}

static void test_prepare_rejects_invalid_arguments_with_a_message(void **state)
{
    ops_ctx *ctx = *state;
    expect_invalid(ctx, ops_prepare_linear(NULL, 40, 2, 2, true), "linear", "ctx is NULL");
    expect_invalid(ctx, ops_prepare_linear(ctx, 0, 2, 2, true), "linear M=0", ">= 1");
    expect_invalid(ctx, ops_prepare_linear(ctx, 40, 2, -2, false), "K=-2", ">= 1");
    expect_invalid(ctx, ops_prepare_linear(ctx, INT64_MAX, INT64_MAX, 2, false),
                   "linear", "overflows");
    expect_invalid(ctx, ops_prepare_layer_norm(NULL, 2, 4, 1e-5f), "layer_norm", "ctx is NULL");
    expect_invalid(ctx, ops_prepare_layer_norm(ctx, 2, 0, 1e-5f), "dim=0", ">= 1");
    expect_invalid(ctx, ops_prepare_layer_norm(ctx, 2, 4, NAN), "layer_norm", "eps");
    expect_invalid(ctx, ops_prepare_layer_norm(ctx, 2, 4, -1.0f), "layer_norm", "eps");
}

static void test_ctx_create_rejects_null_out_and_free_accepts_null(void **state)
{
    (void)state;
    assert_int_equal(ops_ctx_create(NULL), ATTN_E_INVALID_ARGUMENT);
    assert_non_null(strstr(attn_last_error(), "out is NULL"));
    ops_ctx_free(NULL);
    assert_int_equal(ops_ctx_primitive_count(NULL), 0);
}

int main(void)
{
#define WITH_CTX(f) cmocka_unit_test_setup_teardown(f, setup_ctx, teardown_ctx)
    const struct CMUnitTest tests[] = {
        WITH_CTX(test_linear_matches_float64_reference_on_awkward_shapes),
        WITH_CTX(test_matmul_matches_float64_reference_with_b_stored_k_by_n),
        WITH_CTX(test_matmul_matches_float64_reference_with_b_stored_n_by_k),
        WITH_CTX(test_matmul_batched_matches_float64_reference),
        WITH_CTX(test_matmul_batched_with_shared_b_matches_float64_reference),
        WITH_CTX(test_linear_reads_weights_in_place_from_read_only_unaligned_memory),
        WITH_CTX(test_layer_norm_matches_float64_reference_on_awkward_shapes),
        WITH_CTX(test_layer_norm_in_place_matches_float64_reference),
        WITH_CTX(test_layer_norm_in_place_equals_out_of_place),
        WITH_CTX(test_same_shape_reuses_its_primitive_and_gives_identical_results),
        WITH_CTX(test_each_new_shape_or_setting_creates_one_primitive),
        WITH_CTX(test_linear_with_small_m_matches_float64_reference_through_sgemm),
        WITH_CTX(test_linear_with_small_m_creates_no_primitive),
        WITH_CTX(test_linear_without_bias_ignores_what_y_held),
        WITH_CTX(test_prepare_linear_creates_the_one_primitive_the_call_reuses),
        WITH_CTX(test_prepare_layer_norm_creates_the_one_primitive_the_call_reuses),
        WITH_CTX(test_packed_linear_matches_float64_reference_for_every_m),
        WITH_CTX(test_packed_weights_of_one_shape_share_a_prepared_primitive),
        WITH_CTX(test_pack_rejects_invalid_arguments_with_a_message),
        WITH_CTX(test_linear_rejects_invalid_arguments_with_a_message),
        WITH_CTX(test_matmul_rejects_invalid_arguments_with_a_message),
        WITH_CTX(test_matmul_batched_rejects_invalid_arguments_with_a_message),
        WITH_CTX(test_layer_norm_rejects_invalid_arguments_with_a_message),
        WITH_CTX(test_prepare_rejects_invalid_arguments_with_a_message),
        cmocka_unit_test(test_ctx_create_rejects_null_out_and_free_accepts_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
