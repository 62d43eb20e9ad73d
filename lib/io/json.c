/* json.c - see json.h. */
#include "io/json.h"

#include <stdbool.h>
#include <stdlib.h>

#include "base/error.h"
#include "io/mapped_file.h"
#include "io/path.h"

static attn_status js_parse(const char *text, size_t len, const char *what, size_t flags,
                            json_t **out)
{
    json_error_t jerr;
    if (len == 0)
        return err_set(ATTN_E_FORMAT, "%s: empty, expected a JSON object", what);
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | flags, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            return err_no_memory(what);
        return err_set(ATTN_E_FORMAT, "%s: invalid JSON at line %d, column %d: %s", what,
                       jerr.line, jerr.column, jerr.text);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return err_set(ATTN_E_FORMAT, "%s: expected a JSON object at the top level", what);
    }
    *out = root;
    return ATTN_OK;
}

attn_status js_parse_object(const char *text, size_t len, const char *what, json_t **out)
{
    return js_parse(text, len, what, 0, out);
}

static attn_status js_load(const char *path, size_t flags, json_t **out)
{
    mf_file file;
    attn_status st = mf_open(path, false, &file);
    if (st != ATTN_OK)
        return st;
    st = js_parse((const char *)file.data, file.size, path, flags, out);
    mf_close(&file);
    return st;
}

attn_status js_load_object_file(const char *path, json_t **out)
{
    return js_load(path, 0, out);
}

attn_status js_load_object_in(const char *dir, const char *name, bool numbers_as_reals,
                              json_t **out)
{
    char *path = path_join(dir, name);
    if (!path)
        return err_no_memory("a path");
    attn_status st = js_load(path, numbers_as_reals ? JSON_DECODE_INT_AS_REAL : 0, out);
    free(path);
    return st;
}
