/* options.c - attn_options_*: the registry of option names and the bag that
 * holds a caller's values. Validation happens when a value is set, so a bad
 * name or value is reported at the line that wrote it. */
#define _POSIX_C_SOURCE 200809L
#include "base/options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* Value types, as a bit set of what an option accepts. */
typedef enum { OPT_INT = 1, OPT_FLOAT = 2, OPT_STR = 4 } opt_type;
#define OPT_NUMBER (OPT_INT | OPT_FLOAT)

typedef struct {
    const char *name;
    unsigned types;  /* opt_type bits */
    unsigned scope;
    double min, max; /* inclusive range for numbers */
} opt_spec;

#define ID_MAX 2147483647.0
#define LEN_MAX 1e9

/* Every option libattn understands. docs/options.md documents each one.
 * Generation options take transformers' names; list values (token lists,
 * bad_words_ids) are JSON text and are checked where they are used. */
static const opt_spec opt_registry[] = {
    { "use_mmap", OPT_INT, OPT_SCOPE_MODEL, 0, 1 },
    { "pack_weights", OPT_INT, OPT_SCOPE_MODEL, 0, 1 },
    { "threads", OPT_INT, OPT_SCOPE_SESSION, 0, 1024 },
    { "max_length", OPT_INT, OPT_SCOPE_GENERATE, 1, LEN_MAX },
    { "max_new_tokens", OPT_INT, OPT_SCOPE_GENERATE, 0, LEN_MAX },
    { "min_length", OPT_INT, OPT_SCOPE_GENERATE, 0, LEN_MAX },
    { "min_new_tokens", OPT_INT, OPT_SCOPE_GENERATE, 0, LEN_MAX },
    { "num_beams", OPT_INT, OPT_SCOPE_GENERATE, 1, 256 },
    { "num_return_sequences", OPT_INT, OPT_SCOPE_GENERATE, 1, 256 },
    { "length_penalty", OPT_NUMBER, OPT_SCOPE_GENERATE, -1e6, 1e6 },
    { "early_stopping", OPT_INT | OPT_STR, OPT_SCOPE_GENERATE, 0, 1 },
    { "no_repeat_ngram_size", OPT_INT, OPT_SCOPE_GENERATE, 0, LEN_MAX },
    { "repetition_penalty", OPT_NUMBER, OPT_SCOPE_GENERATE, 1e-6, 1e6 },
    { "bad_words_ids", OPT_STR, OPT_SCOPE_GENERATE, 0, 0 },
    { "forced_bos_token_id", OPT_INT, OPT_SCOPE_GENERATE, 0, ID_MAX },
    { "forced_eos_token_id", OPT_INT | OPT_STR, OPT_SCOPE_GENERATE, 0, ID_MAX },
    { "suppress_tokens", OPT_STR, OPT_SCOPE_GENERATE, 0, 0 },
    { "begin_suppress_tokens", OPT_STR, OPT_SCOPE_GENERATE, 0, 0 },
    { "renormalize_logits", OPT_INT, OPT_SCOPE_GENERATE, 0, 1 },
    { "return_scores", OPT_INT, OPT_SCOPE_GENERATE, 0, 1 },
    { "return_attention", OPT_INT, OPT_SCOPE_GENERATE, 0, 1 },
    { "target_prefix", OPT_STR, OPT_SCOPE_GENERATE, 0, 0 },
    { "do_sample", OPT_INT, OPT_SCOPE_GENERATE, 0, 1 },
    { "temperature", OPT_NUMBER, OPT_SCOPE_GENERATE, 0, 1e6 },
    { "top_k", OPT_INT, OPT_SCOPE_GENERATE, 0, ID_MAX },
    { "top_p", OPT_NUMBER, OPT_SCOPE_GENERATE, 1e-9, 1 },
    { "seed", OPT_INT, OPT_SCOPE_GENERATE, 0, 9007199254740991.0 },
    { "decoder_start_token_id", OPT_INT, OPT_SCOPE_GENERATE, 0, ID_MAX },
    { "eos_token_id", OPT_INT | OPT_STR, OPT_SCOPE_GENERATE, 0, ID_MAX },
    { "pad_token_id", OPT_INT, OPT_SCOPE_GENERATE, 0, ID_MAX },
    { "max_batch_size", OPT_INT, OPT_SCOPE_BATCH, 0, LEN_MAX },
    { "target", OPT_INT, OPT_SCOPE_TOKENIZER, 0, 1 },
    { "add_special_tokens", OPT_INT, OPT_SCOPE_ENCODE, 0, 1 },
    { "src_lang", OPT_STR, OPT_SCOPE_ENCODE, 0, 0 },
    { "tgt_lang", OPT_STR, OPT_SCOPE_ENCODE, 0, 0 },
    { "skip_special_tokens", OPT_INT, OPT_SCOPE_DECODE, 0, 1 },
};

typedef struct {
    const opt_spec *spec;
    opt_type type;   /* the type it was set with */
    union {
        int64_t i;
        double f;
        char *s;
    } value;
} opt_entry;

struct attn_options {
    opt_entry entries[sizeof opt_registry / sizeof opt_registry[0]];
    size_t count;
};

static const char *opt_type_name(unsigned types)
{
    return types & OPT_STR ? (types & OPT_INT ? "an integer or a string" : "a string")
           : types & OPT_FLOAT ? "a number" : "an integer";
}

static const opt_spec *opt_find_spec(const char *name)
{
    for (size_t i = 0; i < sizeof opt_registry / sizeof opt_registry[0]; i++)
        if (strcmp(opt_registry[i].name, name) == 0)
            return &opt_registry[i];
    return NULL;
}

static const opt_entry *opt_find_entry(const attn_options *options, const char *name)
{
    if (!options)
        return NULL;
    for (size_t i = 0; i < options->count; i++)
        if (strcmp(options->entries[i].spec->name, name) == 0)
            return &options->entries[i];
    return NULL;
}

attn_status attn_options_create(attn_options **out)
{
    if (!out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_options_create: out is NULL");
    attn_options *options = calloc(1, sizeof *options);
    if (!options)
        return err_no_memory("an options bag");
    *out = options;
    return ATTN_OK;
}

void attn_options_free(attn_options *options)
{
    if (!options)
        return;
    for (size_t i = 0; i < options->count; i++)
        if (options->entries[i].type == OPT_STR)
            free(options->entries[i].value.s);
    free(options);
}

/* Checks what every setter checks: arguments, name, type and, for numbers,
 * the range. */
static attn_status opt_validate(const attn_options *options, const char *name,
                                opt_type type, double value, const char *setter,
                                const opt_spec **out)
{
    if (!options || !name)
        return err_set(ATTN_E_INVALID_ARGUMENT, "%s: %s is NULL", setter,
                       options ? "name" : "options");
    const opt_spec *spec = opt_find_spec(name);
    if (!spec)
        return err_set(ATTN_E_INVALID_ARGUMENT,
                       "unknown option '%s' (docs/options.md lists the options)", name);
    if (!(spec->types & type))
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' takes %s, not %s", name,
                       opt_type_name(spec->types), opt_type_name(type));
    if (type != OPT_STR && (isnan(value) || value < spec->min || value > spec->max))
        return err_set(ATTN_E_INVALID_ARGUMENT,
                       "option '%s' = %g is out of range [%g, %g]", name, value,
                       spec->min, spec->max);
    *out = spec;
    return ATTN_OK;
}

/* The entry holding `spec`, now of `type`, added if the bag has none yet
 * (the bag has a slot per registered option, so there is always room). A
 * string it held before is freed. */
static opt_entry *opt_slot(attn_options *options, const opt_spec *spec, opt_type type)
{
    opt_entry *entry = (opt_entry *)opt_find_entry(options, spec->name);
    if (!entry) {
        entry = &options->entries[options->count++];
        entry->spec = spec;
    } else if (entry->type == OPT_STR) {
        free(entry->value.s);
    }
    entry->type = type;
    return entry;
}

attn_status attn_options_set_int(attn_options *options, const char *name, int64_t value)
{
    const opt_spec *spec = NULL;
    attn_status st = opt_validate(options, name, OPT_INT, (double)value,
                                  "attn_options_set_int", &spec);
    if (st != ATTN_OK)
        return st;
    opt_slot(options, spec, OPT_INT)->value.i = value;
    return ATTN_OK;
}

attn_status attn_options_set_float(attn_options *options, const char *name, double value)
{
    const opt_spec *spec = NULL;
    attn_status st = opt_validate(options, name, OPT_FLOAT, value,
                                  "attn_options_set_float", &spec);
    if (st != ATTN_OK)
        return st;
    opt_slot(options, spec, OPT_FLOAT)->value.f = value;
    return ATTN_OK;
}

attn_status attn_options_set_str(attn_options *options, const char *name, const char *value)
{
    const opt_spec *spec = NULL;
    attn_status st = opt_validate(options, name, OPT_STR, 0, "attn_options_set_str", &spec);
    if (st != ATTN_OK)
        return st;
    if (!value)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s': value is NULL", name);
    char *copy = strdup(value);
    if (!copy)
        return err_no_memory("an option value");
    opt_slot(options, spec, OPT_STR)->value.s = copy;
    return ATTN_OK;
}

attn_status opt_check_scope(const attn_options *options, unsigned scope, const char *function)
{
    if (!options)
        return ATTN_OK;
    for (size_t i = 0; i < options->count; i++)
        if (!(options->entries[i].spec->scope & scope))
            return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' does not apply to %s",
                           options->entries[i].spec->name, function);
    return ATTN_OK;
}

int64_t opt_get_int(const attn_options *options, const char *name, int64_t fallback)
{
    const opt_entry *entry = opt_find_entry(options, name);
    return entry && entry->type == OPT_INT ? entry->value.i : fallback;
}

const char *opt_get_str(const attn_options *options, const char *name)
{
    const opt_entry *entry = opt_find_entry(options, name);
    return entry && entry->type == OPT_STR ? entry->value.s : NULL;
}

json_t *opt_to_json(const attn_options *options, unsigned scope)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && options && i < options->count; i++) {
        const opt_entry *e = &options->entries[i];
        if (!(e->spec->scope & scope))
            continue;
        json_t *v = e->type == OPT_INT ? json_integer(e->value.i)
                    : e->type == OPT_FLOAT ? json_real(e->value.f)
                    : json_loads(e->value.s, JSON_DECODE_ANY, NULL);
        if (!v && e->type == OPT_STR)
            v = json_string(e->value.s); /* a plain word such as "never" */
        if (!v || json_object_set_new(obj, e->spec->name, v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}
