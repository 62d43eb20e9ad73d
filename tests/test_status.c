/* test_status.c - version checks, status names, the per-thread error
 * message and the log callback. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static void test_version_matches_header_and_build(void **state)
{
    (void)state;
    assert_int_equal(attn_version(), ATTN_VERSION_NUMBER);
    assert_string_equal(attn_version_string(), ATTN_BUILD_VERSION);
}

static void test_check_version_accepts_same_or_older_header_of_same_major(void **state)
{
    (void)state;
    assert_int_equal(attn_check_version(ATTN_VERSION_NUMBER), ATTN_OK);
    assert_int_equal(attn_check_version(ATTN_VERSION_MAJOR * 10000), ATTN_OK);
}

static void test_check_version_refuses_newer_header_or_other_major(void **state)
{
    (void)state;
    tu_assert_fails(attn_check_version(ATTN_VERSION_NUMBER + 1), ATTN_E_UNSUPPORTED,
                    attn_version_string(), "built for");
    tu_assert_fails(attn_check_version((ATTN_VERSION_MAJOR + 1) * 10000), ATTN_E_UNSUPPORTED,
                    "major versions must match");
}

static void test_every_status_has_a_distinct_name(void **state)
{
    (void)state;
    const attn_status codes[] = {
        ATTN_OK, ATTN_E_INVALID_ARGUMENT, ATTN_E_NOT_FOUND, ATTN_E_FORMAT,
        ATTN_E_UNSUPPORTED, ATTN_E_NO_MEMORY, ATTN_E_IO, ATTN_E_BUFFER_TOO_SMALL,
        ATTN_E_ABORTED, ATTN_E_INTERNAL,
    };
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = attn_status_string(codes[i]);
        assert_true(strlen(name) > 0);
        assert_string_not_equal(name, "unknown status");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(name, attn_status_string(codes[j]));
    }
    assert_string_equal(attn_status_string(-1000), "unknown status");
    assert_string_equal(attn_status_string(7), "unknown status");
}

static void test_status_codes_keep_their_values(void **state)
{
    (void)state;
    /* Released values: changing one breaks every binding. */
    assert_int_equal(ATTN_OK, 0);
    assert_int_equal(ATTN_E_INVALID_ARGUMENT, -1);
    assert_int_equal(ATTN_E_NOT_FOUND, -2);
    assert_int_equal(ATTN_E_FORMAT, -3);
    assert_int_equal(ATTN_E_UNSUPPORTED, -4);
    assert_int_equal(ATTN_E_NO_MEMORY, -5);
    assert_int_equal(ATTN_E_IO, -6);
    assert_int_equal(ATTN_E_BUFFER_TOO_SMALL, -7);
    assert_int_equal(ATTN_E_ABORTED, -8);
    assert_int_equal(ATTN_E_INTERNAL, -9);
}

static void *fail_on_other_thread(void *arg)
{
    (void)arg;
    attn_model *model;
    attn_model_load("/nonexistent/other-thread", NULL, &model);
    return strstr(attn_last_error(), "other-thread") ? (void *)1 : NULL;
}

static void test_last_error_is_per_thread(void **state)
{
    (void)state;
    attn_model *model;
    tu_assert_fails(attn_model_load("/nonexistent/this-thread", NULL, &model),
                    ATTN_E_NOT_FOUND, "this-thread");
    pthread_t thread;
    void *seen_own = NULL;
    assert_int_equal(pthread_create(&thread, NULL, fail_on_other_thread, NULL), 0);
    assert_int_equal(pthread_join(thread, &seen_own), 0);
    assert_non_null(seen_own);
    assert_non_null(strstr(attn_last_error(), "this-thread"));
    assert_null(strstr(attn_last_error(), "other-thread"));
}

typedef struct {
    int calls;
    int32_t level;
    char message[1024];
} log_capture;

static void capture_log(void *user, int32_t level, const char *message)
{
    log_capture *c = user;
    c->calls++;
    c->level = level;
    snprintf(c->message, sizeof c->message, "%s", message);
}

static void test_log_callback_receives_messages_up_to_its_level(void **state)
{
    (void)state;
    log_capture capture = { 0 };
    attn_model *model;

    assert_int_equal(attn_set_log_callback(capture_log, &capture, ATTN_LOG_INFO), ATTN_OK);
    assert_int_equal(attn_model_load(tu_fixture("models/tiny-marian"), NULL, &model), ATTN_OK);
    attn_model_free(model);
    assert_true(capture.calls >= 1);
    assert_int_equal(capture.level, ATTN_LOG_INFO);
    assert_non_null(strstr(capture.message, "marian"));

    capture.calls = 0;
    assert_int_equal(attn_set_log_callback(capture_log, &capture, ATTN_LOG_WARN), ATTN_OK);
    assert_int_equal(attn_model_load(tu_fixture("models/tiny-marian"), NULL, &model), ATTN_OK);
    attn_model_free(model);
    assert_int_equal(capture.calls, 0);

    assert_int_equal(attn_set_log_callback(NULL, NULL, ATTN_LOG_DEBUG), ATTN_OK);
    assert_int_equal(attn_model_load(tu_fixture("models/tiny-marian"), NULL, &model), ATTN_OK);
    attn_model_free(model);
    assert_int_equal(capture.calls, 0);
}

static void test_log_callback_rejects_unknown_level(void **state)
{
    (void)state;
    tu_assert_fails(attn_set_log_callback(capture_log, NULL, 4), ATTN_E_INVALID_ARGUMENT,
                    "max_level");
    tu_assert_fails(attn_set_log_callback(capture_log, NULL, -1), ATTN_E_INVALID_ARGUMENT,
                    "max_level");
}

/* A callback that stays in each call a while and records how many calls
 * were ever in progress at once. */
typedef struct {
    atomic_int inside, most_inside, calls;
} slow_log_state;

static void slow_log(void *user, int32_t level, const char *message)
{
    (void)level;
    (void)message;
    slow_log_state *s = user;
    const int now = atomic_fetch_add(&s->inside, 1) + 1;
    int most = atomic_load(&s->most_inside);
    while (now > most && !atomic_compare_exchange_weak(&s->most_inside, &most, now)) {
    }
    nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
    atomic_fetch_add(&s->calls, 1);
    atomic_fetch_sub(&s->inside, 1);
}

static void *load_tiny_marian(void *done)
{
    attn_model *model;
    if (attn_model_load(tu_fixture("models/tiny-marian"), NULL, &model) == ATTN_OK)
        attn_model_free(model);
    atomic_store((atomic_int *)done, 1);
    return NULL;
}

/* Two threads log at once: their calls take turns. */
static void test_log_calls_from_two_threads_take_turns(void **state)
{
    (void)state;
    slow_log_state s = { 0 };
    atomic_int done[2] = { 0, 0 };
    pthread_t threads[2];
    assert_int_equal(attn_set_log_callback(slow_log, &s, ATTN_LOG_INFO), ATTN_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, load_tiny_marian, &done[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(attn_set_log_callback(NULL, NULL, ATTN_LOG_WARN), ATTN_OK);
    assert_true(atomic_load(&s.calls) >= 2); /* each load logs at INFO */
    assert_int_equal(atomic_load(&s.most_inside), 1);
}

/* Replacing the callback returns only once the call in progress ended. */
static void test_replacing_the_log_callback_waits_for_its_call(void **state)
{
    (void)state;
    slow_log_state s = { 0 };
    atomic_int done = 0;
    pthread_t thread;
    assert_int_equal(attn_set_log_callback(slow_log, &s, ATTN_LOG_INFO), ATTN_OK);
    assert_int_equal(pthread_create(&thread, NULL, load_tiny_marian, &done), 0);
    while (atomic_load(&s.inside) == 0 && !atomic_load(&done)) {
    }
    assert_int_equal(attn_set_log_callback(NULL, NULL, ATTN_LOG_WARN), ATTN_OK);
    assert_int_equal(atomic_load(&s.inside), 0);
    const int calls = atomic_load(&s.calls);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(atomic_load(&s.calls), calls);
    assert_true(calls >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_matches_header_and_build),
        cmocka_unit_test(test_check_version_accepts_same_or_older_header_of_same_major),
        cmocka_unit_test(test_check_version_refuses_newer_header_or_other_major),
        cmocka_unit_test(test_every_status_has_a_distinct_name),
        cmocka_unit_test(test_status_codes_keep_their_values),
        cmocka_unit_test(test_last_error_is_per_thread),
        cmocka_unit_test(test_log_callback_receives_messages_up_to_its_level),
        cmocka_unit_test(test_log_callback_rejects_unknown_level),
        cmocka_unit_test(test_log_calls_from_two_threads_take_turns),
        cmocka_unit_test(test_replacing_the_log_callback_waits_for_its_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
