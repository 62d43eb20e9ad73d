/* test_activations.c - ops_activate against the transformers formulas in
 * float64, and the config.json names ops_activation_parse accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdbool.h>

#include "ops/activations.h"

#define N_POINTS 4001
#define PI 3.14159265358979323846

/* x from -10 to 10 in steps of 1/200, plus values that stress the formulas:
 * large magnitudes (exp and tanh saturate), tiny ones and zeros. */
static int64_t points(float *x)
{
    int64_t n = 0;
    for (int64_t i = 0; i < N_POINTS; i++)
        x[n++] = -10.0f + (float)i / 200.0f;
    static const float extra[] = {-1e4f, -100.0f, -30.0f, 30.0f, 100.0f, 1e4f,
                                  1e-30f, -1e-30f, 0.0f, -0.0f, 3e-8f};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        x[n++] = extra[i];
    return n;
}

static double reference(ops_activation act, double x)
{
    switch (act) {
    case OPS_ACT_RELU: return x > 0.0 ? x : 0.0;
    case OPS_ACT_GELU: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case OPS_ACT_GELU_NEW:
        return 0.5 * x * (1.0 + tanh(sqrt(2.0 / PI) * (x + 0.044715 * x * x * x)));
    default: return x / (1.0 + exp(-x));
    }
}

/* Float32 evaluation of these formulas loses a few ulps of |x| where
 * 1 + erf or 1 + tanh cancel (x well below 0), so the tolerance scales with
 * |x| as well as with the result. */
static void check_activation(ops_activation act)
{
    float x[N_POINTS + 16], y[N_POINTS + 16];
    const int64_t n = points(x);
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i];
    ops_activate(act, y, n);
    for (int64_t i = 0; i < n; i++) {
        const double ref = reference(act, x[i]);
        const double tol = 4.0 * FLT_EPSILON * (fabs(x[i]) + fabs(ref)) + 1e-40;
        if (!(fabs(y[i] - ref) <= tol))
            fail_msg("activation %d at x = %.9g gives %.9g, float64 says %.9g",
                     (int)act, (double)x[i], (double)y[i], ref);
    }
}

static void test_relu_matches_float64(void **state)
{
    (void)state;
    check_activation(OPS_ACT_RELU);
}

static void test_gelu_matches_erf_formula_in_float64(void **state)
{
    (void)state;
    check_activation(OPS_ACT_GELU);
}

static void test_gelu_new_matches_tanh_formula_in_float64(void **state)
{
    (void)state;
    check_activation(OPS_ACT_GELU_NEW);
}

static void test_swish_matches_x_times_sigmoid_in_float64(void **state)
{
    (void)state;
    check_activation(OPS_ACT_SWISH);
}

static void test_relu_passes_nan_through_as_torch_does(void **state)
{
    (void)state;
    float x[2] = {NAN, -1.0f};
    ops_activate(OPS_ACT_RELU, x, 2);
    assert_true(isnan(x[0]));
    assert_true(x[1] == 0.0f);
}

static void test_activate_touches_only_n_elements(void **state)
{
    (void)state;
    float x[3] = {-1.0f, -2.0f, -3.0f};
    ops_activate(OPS_ACT_RELU, x, 2);
    assert_true(x[0] == 0.0f && x[1] == 0.0f && x[2] == -3.0f);
    ops_activate(OPS_ACT_GELU, x, 0);
    assert_true(x[2] == -3.0f);
}

static void test_parse_maps_config_names_and_rejects_others(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        ops_activation act;
    } known[] = {
        {"relu", OPS_ACT_RELU},         {"gelu", OPS_ACT_GELU},
        {"gelu_new", OPS_ACT_GELU_NEW}, {"swish", OPS_ACT_SWISH},
        {"silu", OPS_ACT_SWISH},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ops_activation act = (ops_activation)-1;
        assert_true(ops_activation_parse(known[i].name, &act));
        assert_int_equal(act, known[i].act);
    }
    static const char *const unknown[] = {"", "GELU", "gelu_fast", "tanh",
                                          "gelu_pytorch_tanh", "relu ", "quick_gelu"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        ops_activation act = OPS_ACT_RELU;
        assert_false(ops_activation_parse(unknown[i], &act));
        assert_int_equal(act, OPS_ACT_RELU); /* untouched */
    }
    ops_activation act;
    assert_false(ops_activation_parse(NULL, &act));
    assert_false(ops_activation_parse("relu", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relu_matches_float64),
        cmocka_unit_test(test_gelu_matches_erf_formula_in_float64),
        cmocka_unit_test(test_gelu_new_matches_tanh_formula_in_float64),
        cmocka_unit_test(test_swish_matches_x_times_sigmoid_in_float64),
        cmocka_unit_test(test_relu_passes_nan_through_as_torch_does),
        cmocka_unit_test(test_activate_touches_only_n_elements),
        cmocka_unit_test(test_parse_maps_config_names_and_rejects_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
