/* safetensors.c - see safetensors.h. Layout: 8-byte little-endian header
 * length N, N bytes of JSON, then the data section that the tensors'
 * data_offsets must tile exactly. */
#include "io/safetensors.h"

#include <stdlib.h>
#include <string.h>

#include "base/checked.h"
#include "base/error.h"
#include "base/log.h"
#include "io/json.h"

static const struct {
    const char *name;
    unsigned size;
} st_dtypes[ST_DTYPE_COUNT] = {
    [ST_BOOL] = { "BOOL", 1 },     [ST_U8] = { "U8", 1 },
    [ST_I8] = { "I8", 1 },         [ST_F8_E5M2] = { "F8_E5M2", 1 },
    [ST_F8_E4M3] = { "F8_E4M3", 1 },
    [ST_I16] = { "I16", 2 },       [ST_U16] = { "U16", 2 },
    [ST_F16] = { "F16", 2 },       [ST_BF16] = { "BF16", 2 },
    [ST_I32] = { "I32", 4 },       [ST_U32] = { "U32", 4 },
    [ST_F32] = { "F32", 4 },
    [ST_I64] = { "I64", 8 },       [ST_U64] = { "U64", 8 },
    [ST_F64] = { "F64", 8 },
};

const char *st_dtype_name(st_dtype dtype)
{
    return dtype < ST_DTYPE_COUNT ? st_dtypes[dtype].name : "?";
}

static bool st_dtype_parse(const char *name, st_dtype *out)
{
    for (int i = 0; i < ST_DTYPE_COUNT; i++) {
        if (strcmp(st_dtypes[i].name, name) == 0) {
            *out = (st_dtype)i;
            return true;
        }
    }
    return false;
}

static uint64_t st_read_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static float st_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;

    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {
        /* Subnormal: shift the mantissa up until its leading 1 is implicit. */
        exp = 113;
        while (!(man & 0x400)) {
            man <<= 1;
            exp--;
        }
        bits = sign | (exp << 23) | ((man & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Fills dst with `n` float32 values decoded from `src` (any alignment). */
static void st_convert(const unsigned char *src, st_dtype dtype, uint64_t n, float *dst)
{
    for (uint64_t i = 0; i < n; i++) {
        uint16_t h;
        uint32_t bits;
        double d;
        switch (dtype) {
        case ST_F16:
            memcpy(&h, src + 2 * i, 2);
            dst[i] = st_half_to_float(h);
            break;
        case ST_BF16:
            memcpy(&h, src + 2 * i, 2);
            bits = (uint32_t)h << 16;
            memcpy(&dst[i], &bits, 4);
            break;
        case ST_F64:
            memcpy(&d, src + 8 * i, 8);
            dst[i] = (float)d;
            break;
        default: /* ST_F32 at an address not aligned for float */
            memcpy(&dst[i], src + 4 * i, 4);
            break;
        }
    }
}

static bool st_needs_conversion(const st_tensor *t)
{
    switch (t->dtype) {
    case ST_F16: case ST_BF16: case ST_F64: return true;
    case ST_F32: return ((uintptr_t)t->data % _Alignof(float)) != 0;
    default: return false;
    }
}

/* Reads the non-negative JSON integer `v` into *out. */
static bool st_get_u64(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

/* Fills `t` from one header entry; `begin`/`end` get its data_offsets. */
static attn_status st_parse_entry(const char *name, const json_t *entry, st_tensor *t,
                                  uint64_t *begin, uint64_t *end)
{
    if (!json_is_object(entry))
        return err_set(ATTN_E_FORMAT, "tensor '%s': header entry is not an object", name);
    const json_t *dtype = json_object_get(entry, "dtype");
    const json_t *shape = json_object_get(entry, "shape");
    const json_t *offsets = json_object_get(entry, "data_offsets");
    if (!json_is_string(dtype) || !json_is_array(shape) || !json_is_array(offsets))
        return err_set(ATTN_E_FORMAT,
                       "tensor '%s': needs a string 'dtype', an array 'shape' and an "
                       "array 'data_offsets'", name);
    if (!st_dtype_parse(json_string_value(dtype), &t->dtype))
        return err_set(ATTN_E_FORMAT, "tensor '%s': unknown dtype '%s'", name,
                       json_string_value(dtype));

    size_t ndim = json_array_size(shape);
    if (ndim > ST_MAX_DIMS)
        return err_set(ATTN_E_UNSUPPORTED, "tensor '%s': %zu dimensions, at most %d supported",
                       name, ndim, ST_MAX_DIMS);
    uint64_t numel = 1;
    for (size_t i = 0; i < ndim; i++) {
        uint64_t dim;
        if (!st_get_u64(json_array_get(shape, i), &dim))
            return err_set(ATTN_E_FORMAT,
                           "tensor '%s': shape[%zu] is not a non-negative integer", name, i);
        if (!checked_mul_u64(numel, dim, &numel))
            return err_set(ATTN_E_FORMAT, "tensor '%s': element count overflows", name);
        t->shape[i] = (int64_t)dim;
    }
    t->ndim = (int)ndim;
    t->numel = numel;

    if (json_array_size(offsets) != 2 || !st_get_u64(json_array_get(offsets, 0), begin) ||
        !st_get_u64(json_array_get(offsets, 1), end))
        return err_set(ATTN_E_FORMAT,
                       "tensor '%s': data_offsets must be two non-negative integers", name);
    if (*begin > *end)
        return err_set(ATTN_E_FORMAT, "tensor '%s': data_offsets [%llu, %llu) run backwards",
                       name, (unsigned long long)*begin, (unsigned long long)*end);
    uint64_t nbytes;
    if (!checked_mul_u64(numel, st_dtypes[t->dtype].size, &nbytes))
        return err_set(ATTN_E_FORMAT, "tensor '%s': byte size overflows", name);
    if (nbytes != *end - *begin)
        return err_set(ATTN_E_FORMAT,
                       "tensor '%s': data_offsets [%llu, %llu) hold %llu bytes but %llu "
                       "elements of %s need %llu", name, (unsigned long long)*begin,
                       (unsigned long long)*end, (unsigned long long)(*end - *begin),
                       (unsigned long long)numel, st_dtypes[t->dtype].name,
                       (unsigned long long)nbytes);
    t->nbytes = nbytes;
    t->name = name;
    return ATTN_OK;
}

static int st_compare_by_data(const void *a, const void *b)
{
    const st_tensor *x = a, *y = b;
    if (x->data != y->data)
        return (const unsigned char *)x->data < (const unsigned char *)y->data ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

/* Checks that the tensors, sorted by offset, tile [0, data_len) exactly. */
static attn_status st_check_tiling(const st_file *f, const unsigned char *data, uint64_t data_len)
{
    uint64_t expected = 0;
    for (size_t i = 0; i < f->count; i++) {
        const st_tensor *t = &f->tensors[i];
        uint64_t begin = (uint64_t)((const unsigned char *)t->data - data);
        if (begin < expected)
            return err_set(ATTN_E_FORMAT, "tensor '%s': data_offsets [%llu, %llu) overlap "
                           "tensor '%s'", t->name, (unsigned long long)begin,
                           (unsigned long long)(begin + t->nbytes), f->tensors[i - 1].name);
        if (begin > expected)
            return err_set(ATTN_E_FORMAT, "tensor '%s': %llu unused bytes before its data at "
                           "offset %llu", t->name, (unsigned long long)(begin - expected),
                           (unsigned long long)begin);
        expected = begin + t->nbytes;
    }
    if (expected != data_len)
        return err_set(ATTN_E_FORMAT, "data section is %llu bytes but the tensors cover %llu",
                       (unsigned long long)data_len, (unsigned long long)expected);
    return ATTN_OK;
}

/* Gives every float tensor its f32 view, converting where needed into one
 * block allocated once. */
static attn_status st_make_f32_views(st_file *f)
{
    uint64_t total = 0;
    for (size_t i = 0; i < f->count; i++)
        if (st_needs_conversion(&f->tensors[i]) &&
            !checked_add_u64(total, f->tensors[i].numel, &total))
            return err_set(ATTN_E_FORMAT, "float tensors too large to convert");
    if (total > 0) {
        uint64_t bytes;
        if (!checked_mul_u64(total, sizeof(float), &bytes) || bytes > SIZE_MAX ||
            !(f->converted = malloc((size_t)bytes)))
            return err_set(ATTN_E_NO_MEMORY, "out of memory converting %llu values to float32",
                           (unsigned long long)total);
    }
    float *next = f->converted;
    size_t converted = 0;
    for (size_t i = 0; i < f->count; i++) {
        st_tensor *t = &f->tensors[i];
        if (st_needs_conversion(t)) {
            st_convert(t->data, t->dtype, t->numel, next);
            t->f32 = next;
            next += t->numel;
            converted++;
        } else if (t->dtype == ST_F32) {
            t->f32 = t->data;
        }
    }
    if (converted)
        log_msg(ATTN_LOG_DEBUG, "converted %zu tensors (%llu values) to float32", converted,
                (unsigned long long)total);
    return ATTN_OK;
}

static attn_status st_parse(st_file *f)
{
    const unsigned char *bytes = f->file.data;
    uint64_t size = f->file.size;

    if (size < 8)
        return err_set(ATTN_E_FORMAT, "file is %llu bytes, too short for the 8-byte header "
                       "length", (unsigned long long)size);
    uint64_t header_len = st_read_le64(bytes);
    if (header_len > ST_HEADER_MAX)
        return err_set(ATTN_E_FORMAT, "header length %llu exceeds the %llu-byte limit",
                       (unsigned long long)header_len, (unsigned long long)ST_HEADER_MAX);
    if (header_len > size - 8)
        return err_set(ATTN_E_FORMAT, "header length %llu runs past the end of the %llu-byte "
                       "file", (unsigned long long)header_len, (unsigned long long)size);
    if (header_len == 0 || bytes[8] != '{')
        return err_set(ATTN_E_FORMAT, "header does not start with '{'");
    attn_status st = js_parse_object((const char *)bytes + 8, (size_t)header_len, "header",
                                     &f->header);
    if (st != ATTN_OK)
        return st;

    size_t entries = json_object_size(f->header);
    f->tensors = calloc(entries ? entries : 1, sizeof *f->tensors);
    if (!f->tensors)
        return err_no_memory("the tensor table");

    const unsigned char *data = bytes + 8 + header_len;
    uint64_t data_len = size - 8 - header_len;
    const char *key;
    json_t *value;
    json_object_foreach(f->header, key, value) {
        if (strcmp(key, "__metadata__") == 0) {
            const char *mkey;
            json_t *mvalue;
            if (!json_is_object(value))
                return err_set(ATTN_E_FORMAT, "__metadata__ is not an object");
            json_object_foreach(value, mkey, mvalue)
                if (!json_is_string(mvalue))
                    return err_set(ATTN_E_FORMAT, "__metadata__ '%s' is not a string", mkey);
            continue;
        }
        st_tensor *t = &f->tensors[f->count];
        uint64_t begin = 0, end = 0;
        st = st_parse_entry(key, value, t, &begin, &end);
        if (st != ATTN_OK)
            return st;
        if (end > data_len)
            return err_set(ATTN_E_FORMAT, "tensor '%s': data_offsets [%llu, %llu) run past "
                           "the %llu-byte data section", key, (unsigned long long)begin,
                           (unsigned long long)end, (unsigned long long)data_len);
        t->data = data + begin;
        f->count++;
    }
    qsort(f->tensors, f->count, sizeof *f->tensors, st_compare_by_data);
    st = st_check_tiling(f, data, data_len);
    if (st != ATTN_OK)
        return st;
    return st_make_f32_views(f);
}

attn_status st_open(const char *path, bool use_mmap, st_file *out)
{
    memset(out, 0, sizeof *out);
    attn_status st = mf_open(path, use_mmap, &out->file);
    if (st != ATTN_OK)
        return st;
    st = st_parse(out);
    if (st != ATTN_OK) {
        st_close(out);
        return err_prefix(st, "%s", path);
    }
    return ATTN_OK;
}

void st_close(st_file *file)
{
    free(file->converted);
    free(file->tensors);
    json_decref(file->header);
    mf_close(&file->file);
    memset(file, 0, sizeof *file);
}
