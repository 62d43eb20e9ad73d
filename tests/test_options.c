/* test_options.c - the attn_options bag: names, types and ranges checked
 * when set, values read back where used. */
#include <string.h>

#include "base/options.h"
#include "test_util.h"

static void test_create_rejects_null_out_and_free_accepts_null(void **state)
{
    (void)state;
    tu_assert_fails(attn_options_create(NULL), ATTN_E_INVALID_ARGUMENT, "out");
    attn_options_free(NULL);
}

static void test_set_value_is_read_back_and_replaced(void **state)
{
    (void)state;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(opt_get_int(o, "use_mmap", 7), 7);
    assert_int_equal(attn_options_set_int(o, "use_mmap", 0), ATTN_OK);
    assert_int_equal(opt_get_int(o, "use_mmap", 7), 0);
    assert_int_equal(attn_options_set_int(o, "use_mmap", 1), ATTN_OK);
    assert_int_equal(opt_get_int(o, "use_mmap", 7), 1);
    attn_options_free(o);
}

static void test_unknown_name_is_rejected_with_the_name(void **state)
{
    (void)state;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    tu_assert_fails(attn_options_set_int(o, "num_beamz", 4), ATTN_E_INVALID_ARGUMENT,
                    "unknown option 'num_beamz'");
    tu_assert_fails(attn_options_set_float(o, "lenght_penalty", 1.0),
                    ATTN_E_INVALID_ARGUMENT, "'lenght_penalty'");
    tu_assert_fails(attn_options_set_str(o, "src_lnag", "en"), ATTN_E_INVALID_ARGUMENT,
                    "'src_lnag'");
    attn_options_free(o);
}

static void test_wrong_type_is_rejected_with_the_expected_type(void **state)
{
    (void)state;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    tu_assert_fails(attn_options_set_float(o, "use_mmap", 1.0), ATTN_E_INVALID_ARGUMENT,
                    "'use_mmap' takes an integer");
    tu_assert_fails(attn_options_set_str(o, "use_mmap", "1"), ATTN_E_INVALID_ARGUMENT,
                    "'use_mmap' takes an integer");
    attn_options_free(o);
}

static void test_out_of_range_is_rejected_and_leaves_the_bag_unchanged(void **state)
{
    (void)state;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "use_mmap", 0), ATTN_OK);
    tu_assert_fails(attn_options_set_int(o, "use_mmap", 2), ATTN_E_INVALID_ARGUMENT,
                    "'use_mmap'", "out of range [0, 1]");
    tu_assert_fails(attn_options_set_int(o, "use_mmap", -1), ATTN_E_INVALID_ARGUMENT,
                    "'use_mmap'");
    assert_int_equal(opt_get_int(o, "use_mmap", 7), 0);
    attn_options_free(o);
}

static void test_null_arguments_are_rejected(void **state)
{
    (void)state;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    tu_assert_fails(attn_options_set_int(NULL, "use_mmap", 1), ATTN_E_INVALID_ARGUMENT,
                    "options is NULL");
    tu_assert_fails(attn_options_set_int(o, NULL, 1), ATTN_E_INVALID_ARGUMENT,
                    "name is NULL");
    tu_assert_fails(attn_options_set_float(o, NULL, 1), ATTN_E_INVALID_ARGUMENT,
                    "name is NULL");
    tu_assert_fails(attn_options_set_str(o, NULL, "x"), ATTN_E_INVALID_ARGUMENT,
                    "name is NULL");
    attn_options_free(o);
}

static void test_scope_check_passes_options_that_apply(void **state)
{
    (void)state;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "use_mmap", 0), ATTN_OK);
    assert_int_equal(opt_check_scope(o, OPT_SCOPE_MODEL, "attn_model_load"), ATTN_OK);
    assert_int_equal(opt_check_scope(NULL, OPT_SCOPE_MODEL, "attn_model_load"), ATTN_OK);
    tu_assert_fails(opt_check_scope(o, 0, "a function taking no options"),
                    ATTN_E_INVALID_ARGUMENT, "'use_mmap' does not apply to a function");
    attn_options_free(o);
}

static void test_functions_reject_options_meant_for_others(void **state)
{
    (void)state;
    attn_options *o;
    attn_model *model;
    attn_session *session;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "threads", 1), ATTN_OK);
    tu_assert_fails(attn_model_load(tu_fixture("models/tiny-marian"), o, &model),
                    ATTN_E_INVALID_ARGUMENT, "option 'threads' does not apply to attn_model_load");
    attn_options_free(o);

    assert_int_equal(attn_model_load(tu_fixture("models/tiny-marian"), NULL, &model), ATTN_OK);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "use_mmap", 1), ATTN_OK);
    tu_assert_fails(attn_session_create(model, o, &session), ATTN_E_INVALID_ARGUMENT,
                    "option 'use_mmap' does not apply to attn_session_create");
    attn_options_free(o);
    attn_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_null_out_and_free_accepts_null),
        cmocka_unit_test(test_set_value_is_read_back_and_replaced),
        cmocka_unit_test(test_unknown_name_is_rejected_with_the_name),
        cmocka_unit_test(test_wrong_type_is_rejected_with_the_expected_type),
        cmocka_unit_test(test_out_of_range_is_rejected_and_leaves_the_bag_unchanged),
        cmocka_unit_test(test_null_arguments_are_rejected),
        cmocka_unit_test(test_scope_check_passes_options_that_apply),
        cmocka_unit_test(test_functions_reject_options_meant_for_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
