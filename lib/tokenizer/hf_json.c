/* hf_json.c - reading tokenizer.json fields: each getter checks the JSON
 * type and names the field by its path in every message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

const char *hfj_key_path(char buf[HF_PATH_MAX], const char *path, const char *key)
{
    snprintf(buf, HF_PATH_MAX, "%s%s%s", path, *path ? "." : "", key);
    return buf;
}

const char *hfj_index_path(char buf[HF_PATH_MAX], const char *path, size_t i)
{
    snprintf(buf, HF_PATH_MAX, "%s[%zu]", path, i);
    return buf;
}

static const char *type_name(json_type type)
{
    switch (type) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

attn_status hfj_member(const json_t *obj, const char *path, const char *key, json_type type,
                       bool required, const json_t **out)
{
    char where[HF_PATH_MAX];
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return err_set(ATTN_E_FORMAT, "%s: missing", hfj_key_path(where, path, key));
        return ATTN_OK;
    }
    bool ok = json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)) ||
              (type == JSON_REAL && json_is_number(v));
    if (!ok)
        return err_set(ATTN_E_FORMAT, "%s: expected %s", hfj_key_path(where, path, key),
                       type_name(type));
    *out = v;
    return ATTN_OK;
}

attn_status hfj_bool(const json_t *obj, const char *path, const char *key, int fallback,
                     bool *out)
{
    const json_t *v;
    attn_status st = hfj_member(obj, path, key, JSON_TRUE, fallback < 0, &v);
    *out = v ? json_is_true(v) : fallback > 0;
    return st;
}

attn_status hfj_string(const json_t *obj, const char *path, const char *key, bool required,
                       const char **s, size_t *len)
{
    const json_t *v;
    attn_status st = hfj_member(obj, path, key, JSON_STRING, required, &v);
    *s = v ? json_string_value(v) : NULL;
    *len = v ? json_string_length(v) : 0;
    return st;
}

attn_status hfj_char(const json_t *obj, const char *path, const char *key, uint32_t *cp)
{
    const char *s;
    size_t len;
    attn_status st = hfj_string(obj, path, key, true, &s, &len);
    if (st != ATTN_OK)
        return st;
    if (len == 0 || utf8_decode(s, len, cp) != len) {
        char where[HF_PATH_MAX];
        return err_set(ATTN_E_FORMAT, "%s: expected a single character, got \"%s\"",
                       hfj_key_path(where, path, key), s);
    }
    return ATTN_OK;
}

attn_status hfj_size(const json_t *obj, const char *path, const char *key, int64_t fallback,
                     uint64_t max, uint64_t *out)
{
    char where[HF_PATH_MAX];
    const json_t *v;
    attn_status st = hfj_member(obj, path, key, JSON_INTEGER, fallback < 0, &v);
    if (st != ATTN_OK)
        return st;
    if (!v) {
        *out = (uint64_t)fallback;
        return ATTN_OK;
    }
    json_int_t x = json_integer_value(v);
    if (x < 0 || (uint64_t)x > max)
        return err_set(ATTN_E_FORMAT, "%s: %lld is out of range [0, %llu]",
                       hfj_key_path(where, path, key), (long long)x,
                       (unsigned long long)max);
    *out = (uint64_t)x;
    return ATTN_OK;
}

/* The index of s among names, or -1. */
static int name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

attn_status hfj_name(const json_t *obj, const char *path, const char *key,
                     const char *const *names, int fallback, int *out)
{
    const char *s;
    size_t len;
    char where[HF_PATH_MAX];
    attn_status st = hfj_string(obj, path, key, fallback < 0, &s, &len);
    *out = st == ATTN_OK && s ? name_index(names, s) : fallback;
    if (st != ATTN_OK || *out >= 0)
        return st;
    return err_set(ATTN_E_FORMAT, "%s: unknown value \"%s\"", hfj_key_path(where, path, key), s);
}

attn_status hfj_type(const json_t *obj, const char *path, const char *const *names, int *out)
{
    const char *type;
    size_t len;
    char where[HF_PATH_MAX];
    if (!json_is_object(obj))
        return err_set(ATTN_E_FORMAT, "%s: expected an object", path);
    attn_status st = hfj_string(obj, path, "type", true, &type, &len);
    if (st != ATTN_OK)
        return st;
    *out = name_index(names, type);
    if (*out >= 0)
        return ATTN_OK;
    return err_set(ATTN_E_UNSUPPORTED, "%s: type \"%s\" is not supported",
                   hfj_key_path(where, path, "type"), type);
}

attn_status hfj_dup(const char *s, size_t len, char **out)
{
    *out = malloc(len + 1);
    if (!*out)
        return err_no_memory("a tokenizer.json string");
    memcpy(*out, s, len);
    (*out)[len] = '\0';
    return ATTN_OK;
}
