/* options.h - the attn_options bag: a registry of known option names with
 * their type, range and the functions they apply to, and typed look-ups for
 * the code that consumes them. */
#ifndef ATTN_BASE_OPTIONS_H
#define ATTN_BASE_OPTIONS_H

#include <jansson.h>
#include <stdint.h>

#include "attn.h"

/* Which public functions an option applies to (bit set). */
enum {
    OPT_SCOPE_MODEL = 1u << 0,   /* attn_model_load */
    OPT_SCOPE_SESSION = 1u << 1, /* attn_session_create */
    OPT_SCOPE_GENERATE = 1u << 2, /* attn_generate and its kin */
    OPT_SCOPE_BATCH = 1u << 3,    /* attn_generate_ids only */
    OPT_SCOPE_TOKENIZER = 1u << 4, /* attn_tokenizer_load */
    OPT_SCOPE_ENCODE = 1u << 5,    /* attn_tokenizer_encode */
    OPT_SCOPE_DECODE = 1u << 6,    /* attn_tokenizer_decode */
};

/* Fails with ATTN_E_INVALID_ARGUMENT naming the first option in `options`
 * that does not apply to `function` (a scope bit). NULL options pass. */
attn_status opt_check_scope(const attn_options *options, unsigned scope,
                            const char *function);

/* The integer value of an option, or `fallback` when the bag is NULL or
 * does not hold it as an integer. */
int64_t opt_get_int(const attn_options *options, const char *name, int64_t fallback);

/* The string value of an option, or NULL; owned by the bag. */
const char *opt_get_str(const attn_options *options, const char *name);

/* The options of `scope` as a JSON object with the same keys as a
 * generation_config.json: numbers as numbers, strings parsed as JSON where
 * they are JSON (token lists) and kept as strings otherwise ("never").
 * NULL when out of memory; the caller owns the result. */
json_t *opt_to_json(const attn_options *options, unsigned scope);

#endif
