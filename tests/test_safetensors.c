/* test_safetensors.c - the safetensors reader: files written by the
 * reference library read back exactly, and every malformation the format
 * forbids is refused with ATTN_E_FORMAT and a message that locates it. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "test_util.h"

static const st_tensor *find(const st_file *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

static double expected_number(const json_t *v)
{
    if (json_is_string(v))
        return strcmp(json_string_value(v), "inf") == 0 ? INFINITY : -INFINITY;
    return json_number_value(v);
}

/* The integer element i of an integer tensor, whatever its width. */
static int64_t int_element(const st_tensor *t, uint64_t i)
{
    const unsigned char *p = t->data;
    switch (t->dtype) {
    case ST_BOOL: case ST_U8: return p[i];
    case ST_I8: { int8_t v; memcpy(&v, p + i, 1); return v; }
    case ST_I16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
    case ST_U16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
    case ST_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    case ST_U32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
    default: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
    }
}

static void check_against_reference(bool use_mmap)
{
    json_error_t jerr;
    json_t *ref = json_load_file(tu_fixture("safetensors/dtypes.json"), 0, &jerr);
    assert_non_null(ref);
    st_file f;
    assert_int_equal(st_open(tu_fixture("safetensors/dtypes.safetensors"), use_mmap, &f),
                     ATTN_OK);
    const json_t *tensors = json_object_get(ref, "tensors");
    assert_int_equal(f.count, json_array_size(tensors));

    size_t i;
    const json_t *want;
    json_array_foreach(tensors, i, want) {
        const char *name = json_string_value(json_object_get(want, "name"));
        const st_tensor *t = find(&f, name);
        assert_non_null(t);
        assert_string_equal(st_dtype_name(t->dtype),
                            json_string_value(json_object_get(want, "dtype")));
        const json_t *shape = json_object_get(want, "shape");
        assert_int_equal(t->ndim, json_array_size(shape));
        for (int d = 0; d < t->ndim; d++)
            assert_int_equal(t->shape[d], json_integer_value(json_array_get(shape, d)));
        const json_t *values = json_object_get(want, "values");
        assert_int_equal(t->numel, json_array_size(values));
        bool is_float = t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16 ||
                        t->dtype == ST_F64;
        assert_true(is_float == (t->f32 != NULL) || t->numel == 0);
        for (uint64_t k = 0; k < t->numel; k++) {
            const json_t *v = json_array_get(values, k);
            if (is_float) {
                float expect = (float)expected_number(v);
                if (memcmp(&expect, &t->f32[k], sizeof expect) != 0)
                    fail_msg("%s[%llu] = %.9g, expected %.9g", name, (unsigned long long)k,
                             t->f32[k], expect);
            } else {
                assert_int_equal(int_element(t, k), json_integer_value(v));
            }
        }
    }
    st_close(&f);
    json_decref(ref);
}

static void test_reference_file_reads_back_every_dtype_exactly(void **state)
{
    (void)state;
    check_against_reference(true);
}

static void test_reading_without_mmap_gives_the_same_values(void **state)
{
    (void)state;
    check_against_reference(false);
}

/* Writes a file of the 8-byte length, `header` and `data_len` zero bytes;
 * `declared` overrides the length field when not UINT64_MAX. */
static char *write_raw(const char *dir, const char *header, uint64_t declared, size_t data_len)
{
    size_t hlen = strlen(header);
    uint64_t len = declared == UINT64_MAX ? hlen : declared;
    size_t total = 8 + hlen + data_len;
    unsigned char *buf = calloc(1, total);
    assert_non_null(buf);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(len >> (8 * i));
    memcpy(buf + 8, header, hlen);
    tu_write_file(dir, "t.safetensors", buf, total);
    free(buf);
    static char path[4096];
    snprintf(path, sizeof path, "%s/t.safetensors", dir);
    return path;
}

typedef struct {
    const char *header;
    size_t data_len;
    attn_status status;
    const char *message;
} bad_case;

static void test_malformed_files_are_refused_with_a_located_message(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        { "", 0, ATTN_E_FORMAT, "does not start with '{'" },
        { "[]", 0, ATTN_E_FORMAT, "does not start with '{'" },
        { "{\"a\": ", 0, ATTN_E_FORMAT, "invalid JSON at line 1" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
          "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
          ATTN_E_FORMAT, "duplicate" },
        { "{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
          ATTN_E_FORMAT, "tensor 'a': unknown dtype 'F33'" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
          ATTN_E_FORMAT, "tensor 'a': shape[0] is not a non-negative integer" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
          ATTN_E_FORMAT, "shape[0]" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
          ATTN_E_FORMAT, "tensor 'a': needs" },
        { "{\"a\":[1,2]}", 0, ATTN_E_FORMAT, "tensor 'a': header entry is not an object" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
          ATTN_E_FORMAT, "data_offsets must be two" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4,
          ATTN_E_FORMAT, "run backwards" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,12]}}", 12,
          ATTN_E_FORMAT, "hold 12 bytes but 6 elements of F32 need 24" },
        { "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
          "\"data_offsets\":[0,8]}}", 8, ATTN_E_FORMAT, "element count overflows" },
        { "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,1073741824],"
          "\"data_offsets\":[0,8]}}", 8, ATTN_E_FORMAT, "byte size overflows" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
          ATTN_E_FORMAT, "run past the 4-byte data section" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
          "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
          ATTN_E_FORMAT, "tensor 'b': data_offsets [4, 12) overlap tensor 'a'" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
          ATTN_E_FORMAT, "tensor 'a': 4 unused bytes before" },
        { "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12,
          ATTN_E_FORMAT, "data section is 12 bytes but the tensors cover 4" },
        { "{}", 4, ATTN_E_FORMAT, "data section is 4 bytes but the tensors cover 0" },
        { "{\"__metadata__\":[]}", 0, ATTN_E_FORMAT, "__metadata__ is not an object" },
        { "{\"__metadata__\":{\"format\":1}}", 0, ATTN_E_FORMAT,
          "__metadata__ 'format' is not a string" },
        { "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
          1, ATTN_E_UNSUPPORTED, "9 dimensions, at most 8" },
    };
    char *dir = tu_make_tempdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_raw(dir, cases[i].header, UINT64_MAX, cases[i].data_len);
        st_file f;
        attn_status st = st_open(path, true, &f);
        if (st != cases[i].status || !strstr(attn_last_error(), cases[i].message) ||
            !strstr(attn_last_error(), "t.safetensors"))
            fail_msg("case %zu (%s): status %d, message \"%s\"", i, cases[i].header, st,
                     attn_last_error());
    }
    tu_remove_tree(dir);
}

static void test_header_length_outside_the_file_or_cap_is_refused(void **state)
{
    (void)state;
    char *dir = tu_make_tempdir();
    st_file f;
    char *path = write_raw(dir, "{}", 1000, 0);
    tu_assert_fails(st_open(path, true, &f), ATTN_E_FORMAT,
                    "header length 1000 runs past the end of the 10-byte file");
    path = write_raw(dir, "{}", ST_HEADER_MAX + 1, 0);
    tu_assert_fails(st_open(path, true, &f), ATTN_E_FORMAT, "exceeds the 100000000-byte limit");
    path = write_raw(dir, "{}", UINT64_MAX - 1, 0);
    tu_assert_fails(st_open(path, true, &f), ATTN_E_FORMAT, "exceeds");
    tu_write_file(dir, "short.safetensors", "\x02\0\0", 3);
    char shortpath[4096];
    snprintf(shortpath, sizeof shortpath, "%s/short.safetensors", dir);
    tu_assert_fails(st_open(shortpath, true, &f), ATTN_E_FORMAT, "short.safetensors",
                    "file is 3 bytes");
    tu_write_file(dir, "empty.safetensors", "", 0);
    snprintf(shortpath, sizeof shortpath, "%s/empty.safetensors", dir);
    tu_assert_fails(st_open(shortpath, false, &f), ATTN_E_FORMAT, "file is 0 bytes");
    tu_remove_tree(dir);
}

static void test_missing_file_is_not_found(void **state)
{
    (void)state;
    st_file f;
    tu_assert_fails(st_open("/nonexistent/x.safetensors", true, &f), ATTN_E_NOT_FOUND,
                    "/nonexistent/x.safetensors");
}

static void test_misaligned_float32_is_copied_to_an_aligned_view(void **state)
{
    (void)state;
    /* Trailing spaces (valid JSON) make the header 4k+1 bytes long, so the
     * data starts at an address that is not float-aligned. */
    char header[128] = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    while (strlen(header) % 4 != 1)
        strcat(header, " ");
    const float values[2] = { 1.5f, -2.25f };
    size_t hlen = strlen(header);
    unsigned char buf[256] = { 0 };
    buf[0] = (unsigned char)hlen;
    memcpy(buf + 8, header, hlen);
    memcpy(buf + 8 + hlen, values, sizeof values);
    char *dir = tu_make_tempdir();
    tu_write_file(dir, "m.safetensors", buf, 8 + hlen + sizeof values);
    char path[4096];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    st_file f;
    assert_int_equal(st_open(path, true, &f), ATTN_OK);
    assert_int_equal(f.count, 1);
    assert_int_equal((uintptr_t)f.tensors[0].f32 % _Alignof(float), 0);
    assert_ptr_not_equal((const void *)f.tensors[0].f32, f.tensors[0].data);
    assert_memory_equal(f.tensors[0].f32, values, sizeof values);
    st_close(&f);
    tu_remove_tree(dir);
}

static void test_aligned_float32_is_used_in_place(void **state)
{
    (void)state;
    st_file f;
    assert_int_equal(st_open(tu_fixture("safetensors/dtypes.safetensors"), true, &f), ATTN_OK);
    bool saw_f32 = false;
    for (size_t i = 0; i < f.count; i++) {
        if (f.tensors[i].dtype == ST_F32 && f.tensors[i].numel > 0) {
            assert_ptr_equal((const void *)f.tensors[i].f32, f.tensors[i].data);
            saw_f32 = true;
        }
    }
    assert_true(saw_f32);
    st_close(&f);
}

/* Released pages of a mapping come back from the file when read again; a
 * read copy and ranges outside the file are left as they are. */
static void test_released_ranges_read_back_the_same_bytes(void **state)
{
    (void)state;
    char *dir = tu_make_tempdir();
    const size_t size = 5 * 4096 + 123;
    unsigned char *bytes = malloc(size);
    assert_non_null(bytes);
    for (size_t i = 0; i < size; i++)
        bytes[i] = (unsigned char)(i * 131 + 7);
    tu_write_file(dir, "data.bin", bytes, size);
    char path[4096];
    snprintf(path, sizeof path, "%s/data.bin", dir);
    for (int mapped = 1; mapped >= 0; mapped--) {
        mf_file f;
        assert_int_equal(mf_open(path, mapped, &f), ATTN_OK);
        assert_int_equal(f.mapped, mapped);
        mf_release(&f, f.data + 100, 3 * 4096);   /* unaligned ends */
        mf_release(&f, f.data, size);             /* all of it */
        mf_release(&f, f.data + size - 10, 20);   /* past the end: ignored */
        mf_release(&f, (const void *)((uintptr_t)f.data - 4096), 100); /* before: ignored */
        assert_memory_equal(f.data, bytes, size);
        mf_close(&f);
    }
    free(bytes);
    tu_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_file_reads_back_every_dtype_exactly),
        cmocka_unit_test(test_reading_without_mmap_gives_the_same_values),
        cmocka_unit_test(test_malformed_files_are_refused_with_a_located_message),
        cmocka_unit_test(test_header_length_outside_the_file_or_cap_is_refused),
        cmocka_unit_test(test_missing_file_is_not_found),
        cmocka_unit_test(test_misaligned_float32_is_copied_to_an_aligned_view),
        cmocka_unit_test(test_aligned_float32_is_used_in_place),
        cmocka_unit_test(test_released_ranges_read_back_the_same_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
