/* bench.c - attn bench: how fast a model translates a file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const command_help bench_help = {
    .synopsis =
        "usage: attn bench --model DIR [flags] FILE\n"
        "\n"
        "Measures translation speed: loads the model, translates the lines of FILE\n"
        "(held in memory, --max-batch-size at a time, as attn translate does) K\n"
        "times, and prints on stdout the load time, the translation time,\n"
        "sentences per second and target tokens per second (the tokens of each\n"
        "best hypothesis, end-of-sentence included). Empty lines and lines that\n"
        "are not UTF-8 are left out, each reported on stderr (exit status 1).\n",
    .flags =
        "  --max-batch-size N     lines translated together (default 32)\n"
        "  --repeat K             translate the file K times (default 1)\n",
    .model_flags = true,
    .library_options = true,
    .generation_options = true,
    .examples =
        "  attn bench --model opus-mt-fr-en --num-beams 4 --repeat 3 input.txt\n"
        "  OMP_NUM_THREADS=1 attn bench --model opus-mt-fr-en --max-batch-size 1 input.txt\n",
};

/* The file's usable lines, in memory. */
typedef struct {
    char **texts;
    size_t *lengths;
    size_t count, capacity;
    size_t skipped;
} line_set;

static bool line_set_add(line_set *s, const char *text, size_t length)
{
    if (s->count == s->capacity) {
        const size_t capacity = s->capacity ? 2 * s->capacity : 256;
        char **texts = realloc(s->texts, capacity * sizeof *texts);
        if (texts)
            s->texts = texts;
        size_t *lengths = realloc(s->lengths, capacity * sizeof *lengths);
        if (lengths)
            s->lengths = lengths;
        if (!texts || !lengths)
            return false;
        s->capacity = capacity;
    }
    char *copy = malloc(length + 1);
    if (!copy)
        return false;
    memcpy(copy, text, length + 1);
    s->texts[s->count] = copy;
    s->lengths[s->count++] = length;
    return true;
}

static void line_set_free(line_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->texts[i]);
    free(s->texts);
    free(s->lengths);
}

/* Reads the lines of `path` that can be translated; false on a read
 * error or when none can. */
static bool read_lines(const char *path, line_set *s)
{
    FILE *f = cli_open_input("bench", path);
    if (!f)
        return false;
    input_reader reader;
    reader_from_stream(&reader, f, path);
    cli_input in = { 0 };
    bool ok = true;
    int got;
    while (ok && (got = reader_next(&reader, &in)) > 0) {
        if (!input_check_text(&in, NULL, in.field[0], in.length[0])) {
            fprintf(stderr, "attn: line %zu: %s (left out)\n", in.number, in.error);
            s->skipped++;
        } else if (!line_set_add(s, in.field[0], in.length[0])) {
            fprintf(stderr, "attn: out of memory\n");
            ok = false;
        }
    }
    input_free(&in);
    if (f != stdin)
        fclose(f);
    if (ok && s->count == 0 && !reader.failed)
        fprintf(stderr, "attn bench: %s has no line to translate\n", path);
    return ok && !reader.failed && s->count > 0;
}

typedef struct {
    double seconds;
    size_t sentences;
    size_t tokens;
    bool interrupted;
} bench_totals;

/* Translates every line `repeat` times in chunks of `batch`; false when
 * the library fails (reported). */
static bool translate_lines(attn_session *session, const attn_options *options,
                            const line_set *s, size_t batch, size_t repeat, bench_totals *t)
{
    const double start = cli_seconds();
    for (size_t r = 0; r < repeat; r++) {
        for (size_t first = 0; first < s->count; first += batch) {
            if (interrupt_requested()) {
                t->interrupted = true;
                t->seconds = cli_seconds() - start;
                return true;
            }
            const size_t n = s->count - first < batch ? s->count - first : batch;
            attn_result *result;
            if (attn_translate(session, (const char *const *)s->texts + first,
                               s->lengths + first, n, options, &result) != ATTN_OK) {
                fprintf(stderr, "attn: lines %zu to %zu: %s\n", first + 1, first + n,
                        attn_last_error());
                return false;
            }
            for (size_t i = 0; i < n; i++) {
                size_t count = 0;
                attn_result_hypothesis(result, i, 0, NULL, &count, NULL);
                t->tokens += count;
            }
            t->sentences += n;
            attn_result_free(result);
        }
    }
    t->seconds = cli_seconds() - start;
    return true;
}

static void print_report(const char *dir, const char *type, double load, const line_set *s,
                         size_t repeat, const bench_totals *t)
{
    const double seconds = t->seconds > 0 ? t->seconds : 1e-9;
    printf("%-16s %s (%s)\n", "model", dir, type);
    printf("%-16s %.3f s\n", "load", load);
    printf("%-16s %zu lines x %zu = %zu%s\n", "sentences", s->count, repeat, t->sentences,
           t->interrupted ? " (interrupted)" : "");
    printf("%-16s %.3f s\n", "translate", t->seconds);
    printf("%-16s %.2f\n", "sentences/s", (double)t->sentences / seconds);
    printf("%-16s %zu (%.1f per sentence)\n", "target tokens", t->tokens,
           t->sentences ? (double)t->tokens / (double)t->sentences : 0.0);
    printf("%-16s %.1f\n", "tokens/s", (double)t->tokens / seconds);
}

/* Loads the model, translates and reports. */
static int bench(const model_args *m, const attn_options *options, const line_set *s,
                 size_t batch, size_t repeat)
{
    attn_model *model = NULL;
    attn_session *session = NULL;
    const double start = cli_seconds();
    int rc = cli_open_model(m, &model, &session);
    const double load = cli_seconds() - start;
    if (rc == CLI_EXIT_OK)
        rc = cli_require_tokenizers(model, m->dir);
    bench_totals t = { 0 };
    if (rc == CLI_EXIT_OK) {
        interrupt_install();
        if (!translate_lines(session, options, s, batch, repeat, &t))
            rc = CLI_EXIT_SOME_FAILED;
    }
    if (rc == CLI_EXIT_OK) {
        print_report(m->dir, attn_model_type(model), load, s, repeat, &t);
        if (t.interrupted)
            rc = CLI_EXIT_INTERRUPTED;
        else if (s->skipped)
            rc = CLI_EXIT_SOME_FAILED;
    }
    attn_session_free(session);
    attn_model_free(model);
    return rc;
}

int cmd_bench(int argc, char **argv)
{
    cli_args a;
    args_init(&a, "bench", argc, argv);
    run_args r;
    size_t repeat = 1;
    const char *path = NULL;
    int rc = run_args_init(&r) ? -1 : CLI_EXIT_USAGE;
    while (rc < 0 && !a.failed && args_next(&a)) {
        if (args_is_help(&a))
            rc = print_help(&bench_help);
        else if (args_run_flag(&a, &r))
            continue;
        else if (args_match(&a, "--repeat"))
            args_size(&a, 1, 1u << 20, &repeat);
        else if (args_is_flag(&a))
            args_library_option(&a, r.options);
        else if (!path)
            path = args_current(&a);
        else
            args_error(&a, "unexpected argument '%s'", args_current(&a));
    }
    if (rc < 0)
        args_run_finish(&a, &r);
    if (rc < 0 && !a.failed && !path)
        args_error(&a, "FILE is required");
    if (rc < 0 && a.failed)
        rc = CLI_EXIT_USAGE;
    line_set lines = { 0 };
    if (rc < 0 && !read_lines(path, &lines))
        rc = CLI_EXIT_USAGE;
    if (rc < 0)
        rc = bench(&r.model, r.options, &lines, r.batch, repeat);
    line_set_free(&lines);
    run_args_free(&r);
    return rc;
}
