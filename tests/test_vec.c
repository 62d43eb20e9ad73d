/* test_vec.c - the vocabulary-row loops of lib/ops/vec.c against float64
 * and scalar loops: log-softmax accuracy and its -inf and NaN cases, argmax
 * ties across vector boundaries, and the beam candidate scan for every
 * starting point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/vec.h"
#include "test_util.h"

/* Row lengths around the 16-float vectors, and a Marian vocabulary. */
static const int64_t lengths[] = {1, 2, 15, 16, 17, 31, 32, 33, 47, 100, 58101};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static float *alloc_floats(int64_t n)
{
    float *p = malloc((size_t)n * sizeof *p);
    assert_non_null(p);
    return p;
}

/* Logits as a model gives them: a spread of about 30 around an offset. */
static void check_log_softmax(int64_t n, float offset, uint64_t seed)
{
    float *x = alloc_floats(n), *y = alloc_floats(n), *z = alloc_floats(n);
    tu_fill(x, (size_t)n, &seed, offset - 15.0f, offset + 15.0f);
    vec_log_softmax(y, x, n);
    memcpy(z, x, (size_t)n * sizeof *z);
    vec_log_softmax(z, z, n);
    assert_memory_equal(y, z, (size_t)n * sizeof *y); /* in place is the same */

    double max = -INFINITY, sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        max = x[i] > max ? x[i] : max;
    for (int64_t i = 0; i < n; i++)
        sum += exp((double)x[i] - max);
    double total = 0.0;
    for (int64_t i = 0; i < n; i++) {
        const double want = (double)x[i] - max - log(sum);
        if (!(fabs(y[i] - want) <= 4e-6 * (1.0 + fabs(want))))
            fail_msg("n=%lld offset %g: y[%lld] = %.9g, float64 says %.9g", (long long)n,
                     (double)offset, (long long)i, (double)y[i], want);
        total += exp((double)y[i]);
    }
    assert_true(fabs(total - 1.0) < 1e-5);
    free(x);
    free(y);
    free(z);
}

static void test_log_softmax_matches_float64_for_every_tail_length(void **state)
{
    (void)state;
    uint64_t seed = 1;
    for (size_t i = 0; i < COUNT(lengths); i++) {
        check_log_softmax(lengths[i], 0.0f, seed++);
        check_log_softmax(lengths[i], -60.0f, seed++);
        check_log_softmax(lengths[i], 80.0f, seed++);
    }
}

/* Banned tokens hold -inf: they stay -inf and the others still sum to 1. */
static void test_log_softmax_keeps_minus_infinity_and_a_single_entry_is_zero(void **state)
{
    (void)state;
    float x[40];
    for (int i = 0; i < 40; i++)
        x[i] = i % 3 ? -INFINITY : (float)i * 0.25f;
    vec_log_softmax(x, x, 40);
    double total = 0.0;
    for (int i = 0; i < 40; i++) {
        if (i % 3)
            assert_true(isinf(x[i]) && x[i] < 0);
        total += exp((double)x[i]);
    }
    assert_true(fabs(total - 1.0) < 1e-6);
    float one = 3.5f;
    vec_log_softmax(&one, &one, 1);
    assert_true(one == 0.0f);
}

static int64_t scalar_argmax(const float *x, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

/* The largest value placed at every index, with a tie later on, and NaN
 * entries: the first largest wins as a scalar scan finds it. */
static void test_argmax_finds_the_first_largest_at_every_position(void **state)
{
    (void)state;
    for (int64_t n = 1; n <= 50; n++) {
        float *x = alloc_floats(n);
        uint64_t seed = (uint64_t)n;
        for (int64_t at = 0; at < n; at++) {
            tu_fill(x, (size_t)n, &seed, -5.0f, 5.0f);
            x[at] = 7.0f;
            if (at + 17 < n)
                x[at + 17] = 7.0f;
            if (at > 1) /* NaN at 0 is the case below */
                x[at - 1] = NAN;
            assert_int_equal(vec_argmax(x, n), scalar_argmax(x, n));
            assert_int_equal(vec_argmax(x, n), at);
        }
        x[0] = NAN;
        assert_int_equal(vec_argmax(x, n), 0);
        free(x);
    }
}

static int64_t scalar_find_above(const float *x, float add, float bound, int64_t from, int64_t n)
{
    for (int64_t i = from; i < n; i++)
        if (x[i] + add > bound)
            return i;
    return n;
}

/* Every start, with a bound that few entries pass, against a scalar scan. */
static void test_find_above_agrees_with_a_scalar_scan_from_every_start(void **state)
{
    (void)state;
    const int64_t n = 101;
    float *x = alloc_floats(n);
    uint64_t seed = 42;
    tu_fill(x, (size_t)n, &seed, -10.0f, 0.0f);
    const float adds[] = {0.0f, -0.1f, -3.25f};
    const float bounds[] = {-0.5f, -3.5f, -100.0f, 1.0f};
    for (size_t a = 0; a < COUNT(adds); a++)
        for (size_t b = 0; b < COUNT(bounds); b++)
            for (int64_t from = 0; from <= n; from++)
                assert_int_equal(vec_find_above(x, adds[a], bounds[b], from, n),
                                 scalar_find_above(x, adds[a], bounds[b], from, n));
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_softmax_matches_float64_for_every_tail_length),
        cmocka_unit_test(test_log_softmax_keeps_minus_infinity_and_a_single_entry_is_zero),
        cmocka_unit_test(test_argmax_finds_the_first_largest_at_every_position),
        cmocka_unit_test(test_find_above_agrees_with_a_scalar_scan_from_every_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
