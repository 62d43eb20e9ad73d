/* options.c - attn_options_*: the registry of option names and the bag that
 * holds a caller's values. Validation happens when a value is set, so a bad
 * name or value is reported at the line that wrote it. */
#define _POSIX_C_SOURCE 200809L
#include "base/options.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

typedef enum { OPT_INT, OPT_FLOAT, OPT_STR } opt_type;

typedef struct {
    const char *name;
    opt_type type;
    unsigned scope;
    double min, max; /* inclusive range for OPT_INT and OPT_FLOAT */
} opt_spec;

/* Every option libattn understands. docs/options.md documents each one. */
static const opt_spec opt_registry[] = {
    { "use_mmap", OPT_INT, OPT_SCOPE_MODEL, 0, 1 },
    { "threads", OPT_INT, OPT_SCOPE_SESSION, 0, 1024 },
};

typedef struct {
    const opt_spec *spec;
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

static const char *const opt_type_names[] = { "an integer", "a number", "a string" };

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
        if (options->entries[i].spec->type == OPT_STR)
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
    if (spec->type != type)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' takes %s, not %s", name,
                       opt_type_names[spec->type], opt_type_names[type]);
    if (type != OPT_STR && (isnan(value) || value < spec->min || value > spec->max))
        return err_set(ATTN_E_INVALID_ARGUMENT,
                       "option '%s' = %g is out of range [%g, %g]", name, value,
                       spec->min, spec->max);
    *out = spec;
    return ATTN_OK;
}

/* The entry holding `spec`, added if the bag has none yet. The bag has a
 * slot per registered option, so there is always room. */
static opt_entry *opt_slot(attn_options *options, const opt_spec *spec)
{
    opt_entry *entry = (opt_entry *)opt_find_entry(options, spec->name);
    if (entry)
        return entry;
    entry = &options->entries[options->count++];
    entry->spec = spec;
    entry->value.s = NULL;
    return entry;
}

attn_status attn_options_set_int(attn_options *options, const char *name, int64_t value)
{
    const opt_spec *spec;
    attn_status st = opt_validate(options, name, OPT_INT, (double)value,
                                  "attn_options_set_int", &spec);
    if (st != ATTN_OK)
        return st;
    opt_slot(options, spec)->value.i = value;
    return ATTN_OK;
}

attn_status attn_options_set_float(attn_options *options, const char *name, double value)
{
    const opt_spec *spec;
    attn_status st = opt_validate(options, name, OPT_FLOAT, value,
                                  "attn_options_set_float", &spec);
    if (st != ATTN_OK)
        return st;
    opt_slot(options, spec)->value.f = value;
    return ATTN_OK;
}

attn_status attn_options_set_str(attn_options *options, const char *name, const char *value)
{
    const opt_spec *spec;
    attn_status st = opt_validate(options, name, OPT_STR, 0, "attn_options_set_str", &spec);
    if (st != ATTN_OK)
        return st;
    if (!value)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s': value is NULL", name);
    char *copy = strdup(value);
    if (!copy)
        return err_no_memory("an option value");
    opt_entry *entry = opt_slot(options, spec);
    free(entry->value.s);
    entry->value.s = copy;
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
    return entry ? entry->value.i : fallback;
}

double opt_get_float(const attn_options *options, const char *name, double fallback)
{
    const opt_entry *entry = opt_find_entry(options, name);
    return entry ? entry->value.f : fallback;
}

const char *opt_get_str(const attn_options *options, const char *name, const char *fallback)
{
    const opt_entry *entry = opt_find_entry(options, name);
    return entry ? entry->value.s : fallback;
}
