/* json.h - loading JSON documents through jansson with messages that say
 * where the text is wrong. Interpretation of the content belongs to the
 * callers. */
#ifndef ATTN_IO_JSON_H
#define ATTN_IO_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "attn.h"

/* Parses `len` bytes as one JSON object (duplicate keys rejected; trailing
 * whitespace allowed). `what` names the source in messages. On success *out
 * owns a reference: release it with json_decref(). Errors: ATTN_E_FORMAT
 * with line and column, ATTN_E_NO_MEMORY. */
attn_status js_parse_object(const char *text, size_t len, const char *what, json_t **out);

/* Reads the file at `path` and parses it as js_parse_object() does.
 * Errors also: ATTN_E_NOT_FOUND, ATTN_E_IO. */
attn_status js_load_object_file(const char *path, json_t **out);

/* js_load_object_file() of dir/name. With `numbers_as_reals` every number
 * is read as a real: for files written by Python that may hold integers
 * beyond 64 bits (a tokenizer_config.json's model_max_length) and whose
 * numbers are not needed as integers. */
attn_status js_load_object_in(const char *dir, const char *name, bool numbers_as_reals,
                              json_t **out);

#endif
