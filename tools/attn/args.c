/* args.c - the commands' argument parsing: flags with values, numbers,
 * and any library option given as --some-name VALUE. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void args_init(cli_args *a, const char *command, int argc, char **argv)
{
    *a = (cli_args){ command, argc, argv, -1, false, false };
}

bool args_next(cli_args *a)
{
    a->index++;
    if (!a->options_ended && a->index < a->argc && strcmp(a->argv[a->index], "--") == 0) {
        a->options_ended = true;
        a->index++;
    }
    return a->index < a->argc;
}

const char *args_current(const cli_args *a)
{
    return a->argv[a->index];
}

bool args_is_flag(const cli_args *a)
{
    const char *arg = args_current(a);
    return !a->options_ended && arg[0] == '-' && arg[1] != '\0';
}

bool args_is_help(const cli_args *a)
{
    return args_match(a, "--help") || args_match(a, "-h");
}

bool args_match(const cli_args *a, const char *flag)
{
    const char *arg = args_current(a);
    const size_t n = strlen(flag);
    return !a->options_ended && strncmp(arg, flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* The current flag without its "=VALUE", for messages. */
static int flag_length(const cli_args *a)
{
    return (int)strcspn(args_current(a), "=");
}

int args_error(cli_args *a, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fprintf(stderr, "attn %s: ", a->command);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    a->failed = true;
    return CLI_EXIT_USAGE;
}

const char *args_value(cli_args *a)
{
    const char *eq = strchr(args_current(a), '=');
    if (eq)
        return eq + 1;
    /* "--model --json" is a forgotten value, not a folder named --json */
    if (a->index + 1 < a->argc && strncmp(a->argv[a->index + 1], "--", 2) != 0)
        return a->argv[++a->index];
    args_error(a, "%.*s needs a value", flag_length(a), args_current(a));
    return NULL;
}

/* Parses all of `text` as a base-10 integer. */
static bool parse_integer(const char *text, long long *out)
{
    char *end;
    errno = 0;
    const long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || text[0] == ' ')
        return false;
    *out = v;
    return true;
}

/* Parses all of `text` as a floating-point number. */
static bool parse_real(const char *text, double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || text[0] == ' ')
        return false;
    *out = v;
    return true;
}

bool args_size(cli_args *a, size_t min, size_t max, size_t *out)
{
    const int n = flag_length(a);
    const char *flag = args_current(a);
    const char *value = args_value(a);
    long long v;
    if (!value)
        return false;
    if (!parse_integer(value, &v) || v < 0 || (unsigned long long)v < min ||
        (unsigned long long)v > max) {
        args_error(a, "%.*s takes a whole number from %zu to %zu, not '%s'", n, flag, min, max,
                   value);
        return false;
    }
    *out = (size_t)v;
    return true;
}

bool args_model_flag(cli_args *a, model_args *m)
{
    if (args_match(a, "--model")) {
        m->dir = args_value(a);
    } else if (args_match(a, "--threads")) {
        args_size(a, 0, 1024, &m->threads);
    } else if (args_match(a, "--no-mmap")) {
        m->no_mmap = true;
    } else if (args_match(a, "--no-pack")) {
        m->no_pack = true;
    } else {
        return false;
    }
    return true;
}

bool run_args_init(run_args *r)
{
    *r = (run_args){ .batch = 32 };
    if (attn_options_create(&r->options) == ATTN_OK)
        return true;
    fprintf(stderr, "attn: out of memory\n");
    return false;
}

bool args_run_flag(cli_args *a, run_args *r)
{
    if (args_model_flag(a, &r->model))
        return true;
    if (!args_match(a, "--max-batch-size"))
        return false;
    args_size(a, 1, 1u << 20, &r->batch);
    return true;
}

void args_run_finish(cli_args *a, run_args *r)
{
    if (a->failed)
        return;
    if (!r->model.dir)
        args_error(a, "--model DIR is required");
    else if (attn_options_set_int(r->options, "max_batch_size", (int64_t)r->batch) != ATTN_OK)
        args_error(a, "%s", attn_last_error());
}

void run_args_free(run_args *r)
{
    attn_options_free(r->options);
    r->options = NULL;
}

/* What the library says about an option name. */
typedef enum { OPTION_UNKNOWN, OPTION_SWITCH, OPTION_VALUED } option_kind;

/* Asks the library, on a scratch bag, whether `name` is an option and
 * whether it is a switch: one that takes 1 but neither 2 nor a string
 * (early_stopping also takes "never"). This keeps the command free of a
 * copy of the option table, so every option works. On OPTION_UNKNOWN,
 * attn_last_error() says why. */
static option_kind probe_option(const char *name)
{
    attn_options *probe;
    if (attn_options_create(&probe) != ATTN_OK)
        return OPTION_UNKNOWN;
    option_kind kind = OPTION_UNKNOWN;
    const bool takes_string = attn_options_set_str(probe, name, "") == ATTN_OK;
    if (attn_options_set_int(probe, name, 1) == ATTN_OK)
        kind = takes_string || attn_options_set_int(probe, name, 2) == ATTN_OK ? OPTION_VALUED
                                                                               : OPTION_SWITCH;
    else if (takes_string || attn_options_set_float(probe, name, 1.0) == ATTN_OK)
        kind = OPTION_VALUED;
    attn_options_free(probe);
    return kind;
}

/* Sets `value` as an integer, a number or a string, by its form. A
 * string option whose value looks like a number ("--tgt-lang 123") falls
 * back to a string. On failure `message` holds the library's reason. */
static bool set_option_by_form(attn_options *options, const char *name, const char *value,
                               char *message, size_t size)
{
    long long i;
    double f;
    attn_status st;
    if (parse_integer(value, &i))
        st = attn_options_set_int(options, name, i);
    else if (parse_real(value, &f))
        st = attn_options_set_float(options, name, f);
    else
        st = attn_options_set_str(options, name, value);
    if (st == ATTN_OK)
        return true;
    snprintf(message, size, "%s", attn_last_error());
    return attn_options_set_str(options, name, value) == ATTN_OK;
}

bool args_library_option(cli_args *a, attn_options *options)
{
    const char *flag = args_current(a) + 2;
    const size_t n = strcspn(flag, "=");
    char name[64];
    if (strncmp(args_current(a), "--", 2) != 0 || n == 0 || n >= sizeof name) {
        args_error(a, "unknown flag '%s'", args_current(a));
        return false;
    }
    for (size_t i = 0; i < n; i++)
        name[i] = flag[i] == '-' ? '_' : flag[i];
    name[n] = '\0';

    const option_kind kind = probe_option(name);
    if (kind == OPTION_UNKNOWN) {
        args_error(a, "%s", attn_last_error());
        return false;
    }
    const char *value;
    if (flag[n] == '=')
        value = flag + n + 1;
    else if (kind == OPTION_SWITCH)
        /* a bare switch means 1; "--do-sample 0" still reads its value */
        value = a->index + 1 < a->argc && (strcmp(a->argv[a->index + 1], "0") == 0 ||
                                           strcmp(a->argv[a->index + 1], "1") == 0)
                    ? a->argv[++a->index]
                    : "1";
    else
        value = args_value(a);
    if (!value)
        return false;
    char message[512];
    if (!set_option_by_form(options, name, value, message, sizeof message)) {
        args_error(a, "%s", message);
        return false;
    }
    return true;
}
