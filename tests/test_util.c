/* test_util.c - see test_util.h. */
#define _XOPEN_SOURCE 700
#include "test_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tu_fixture(const char *rel)
{
    static char buffers[4][4096];
    static int next;
    char *buf = buffers[next++ % 4];
    snprintf(buf, sizeof buffers[0], "%s/%s", ATTN_FIXTURES, rel);
    return buf;
}

char *tu_make_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/attn-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    char *dir = strdup(path);
    assert_non_null(dir);
    return dir;
}

static int tu_remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void tu_remove_tree(char *dir)
{
    nftw(dir, tu_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

void tu_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void tu_write_text(const char *dir, const char *name, const char *text)
{
    tu_write_file(dir, name, text, strlen(text));
}

void tu_assert_fails_impl(attn_status got, attn_status want, const char *file, int line, ...)
{
    if (got != want)
        fail_msg("%s:%d: status %d (%s), expected %d (%s); message: %s", file, line, got,
                 attn_status_string(got), want, attn_status_string(want), attn_last_error());
    va_list ap;
    va_start(ap, line);
    for (const char *needle; (needle = va_arg(ap, const char *));)
        if (!strstr(attn_last_error(), needle))
            fail_msg("%s:%d: message \"%s\" does not mention \"%s\"", file, line,
                     attn_last_error(), needle);
    va_end(ap);
}

uint64_t tu_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void tu_fill(float *p, size_t n, uint64_t *state, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        const float u = (float)(tu_splitmix64(state) >> 40) * 0x1p-24f;
        p[i] = lo + (hi - lo) * u;
    }
}
