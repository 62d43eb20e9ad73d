/* options.h - the attn_options bag: a registry of known option names with
 * their type, range and the functions they apply to, and typed look-ups for
 * the code that consumes them. */
#ifndef ATTN_BASE_OPTIONS_H
#define ATTN_BASE_OPTIONS_H

#include <stdint.h>

#include "attn.h"

/* Which public functions an option applies to (bit set). */
enum {
    OPT_SCOPE_MODEL = 1u << 0,   /* attn_model_load */
    OPT_SCOPE_SESSION = 1u << 1, /* attn_session_create */
};

/* Fails with ATTN_E_INVALID_ARGUMENT naming the first option in `options`
 * that does not apply to `function` (a scope bit). NULL options pass. */
attn_status opt_check_scope(const attn_options *options, unsigned scope,
                            const char *function);

/* The value of an option, or `fallback` when the bag is NULL or does not
 * hold it. The name must be a registered option of that type. */
int64_t opt_get_int(const attn_options *options, const char *name, int64_t fallback);
double opt_get_float(const attn_options *options, const char *name, double fallback);
const char *opt_get_str(const attn_options *options, const char *name,
                        const char *fallback);

#endif
