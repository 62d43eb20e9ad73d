/* output.c - writing results: plain text kept to one line per input, and
 * JSON values built with jansson. */
#include <math.h>
#include <string.h>

#include "cli.h"

void print_text(const char *text, size_t length, const char *replaced)
{
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] != '\0' && strchr(replaced, text[i])) {
            fwrite(text + start, 1, i - start, stdout);
            fputc(' ', stdout);
            start = i + 1;
        }
    }
    fwrite(text + start, 1, length - start, stdout);
}

bool json_put(json_t *obj, const char *key, json_t *value)
{
    return json_object_set_new(obj, key, value) == 0;
}

json_t *json_number(double value)
{
    return isfinite(value) ? json_real(value) : json_null();
}

json_t *json_id_array(const int32_t *ids, size_t count)
{
    json_t *array = json_array();
    bool ok = array != NULL;
    for (size_t i = 0; i < count && ok; i++)
        ok = json_array_append_new(array, json_integer(ids[i])) == 0;
    if (!ok)
        json_decref(array);
    return ok ? array : NULL;
}

json_t *json_float_array(const float *values, size_t count)
{
    json_t *array = json_array();
    bool ok = array != NULL;
    for (size_t i = 0; i < count && ok; i++)
        ok = json_array_append_new(array, json_number(values[i])) == 0;
    if (!ok)
        json_decref(array);
    return ok ? array : NULL;
}

json_t *json_piece_array(const attn_tokenizer *tokenizer, const int32_t *ids, size_t count)
{
    json_t *array = json_array();
    bool ok = array != NULL;
    for (size_t i = 0; i < count && ok; i++) {
        char piece[256];
        ok = json_array_append_new(array, json_string(cli_piece(tokenizer, ids[i], piece,
                                                                sizeof piece))) == 0;
    }
    if (!ok)
        json_decref(array);
    return ok ? array : NULL;
}

bool json_print_line(json_t *obj)
{
    /* 9 significant digits give back every float exactly */
    const bool ok = obj && json_dumpf(obj, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9)) == 0 &&
                    fputc('\n', stdout) != EOF;
    json_decref(obj);
    return ok;
}

bool print_failed_input(bool json, const cli_input *in)
{
    if (!json)
        return fputc('\n', stdout) != EOF;
    json_t *obj = json_object();
    bool ok = json_put(obj, "line", json_integer((json_int_t)in->number));
    ok = json_put(obj, "error", json_string(in->error)) && ok;
    if (!ok) {
        json_decref(obj);
        obj = NULL;
    }
    return json_print_line(obj);
}
