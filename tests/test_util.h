/* test_util.h - what the cmocka suites share: fixture paths, scratch
 * folders and files, and asserting on a status with its message. */
#ifndef ATTN_TEST_UTIL_H
#define ATTN_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "attn.h"

/* ATTN_FIXTURES "/" rel, in one of a few rotating static buffers. */
const char *tu_fixture(const char *rel);

/* A new empty folder under $TMPDIR (or /tmp); tu_remove_tree() removes it. */
char *tu_make_tempdir(void);
void tu_remove_tree(char *dir);

/* Writes `len` bytes to dir/name, creating or replacing the file. */
void tu_write_file(const char *dir, const char *name, const void *data, size_t len);
void tu_write_text(const char *dir, const char *name, const char *text);

/* A seeded pseudo-random stream (splitmix64), and n floats uniform in
 * [lo, hi) drawn from it, each exactly representable. */
uint64_t tu_splitmix64(uint64_t *state);
void tu_fill(float *p, size_t n, uint64_t *state, float lo, float hi);

/* Asserts that `got` is `want` and that attn_last_error() contains every
 * string in the NULL-terminated list. */
#define tu_assert_fails(got, want, ...) \
    tu_assert_fails_impl((got), (want), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)
void tu_assert_fails_impl(attn_status got, attn_status want, const char *file, int line, ...);

#endif
