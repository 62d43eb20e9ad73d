/* translate.c - attn translate: texts from arguments or stdin lines,
 * translations to stdout, one line (or JSON object) per input. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

static const command_help translate_help = {
    .synopsis =
        "usage: attn translate --model DIR [flags] [--] [TEXT ...]\n"
        "\n"
        "Translates each TEXT, or else each line of standard input, with the model's\n"
        "own tokenizers, and prints one line per input in input order: the\n"
        "translation, or with --num-return-sequences N the N best, separated by TABs\n"
        "(newlines and TABs inside a translation are printed as spaces).\n"
        "\n"
        "An input that cannot be translated (an empty or blank line, a line that is\n"
        "not UTF-8, one the model refuses) is reported on stderr as\n"
        "'attn: line N: reason' and an EMPTY LINE is printed in its place, so output\n"
        "line N always belongs to input line N; the other inputs are still\n"
        "translated and the exit status is 1. Standard input is read and translated\n"
        "--max-batch-size lines at a time, so a large file streams; from a terminal\n"
        "each line is translated as soon as it is entered. When stderr is a terminal\n"
        "and stdout is not, a progress bar with rate and time left shows on stderr\n"
        "once a run lasts a second.\n"
        "Ctrl-C stops after the batch in hand, which is printed first (exit 130).\n"
        "TEXT arguments that start with '-' go after '--'.\n",
    .flags =
        "  --json                 one JSON object per input instead of text:\n"
        "                         {\"line\": N, \"source\": TEXT, \"translations\": [{\"text\",\n"
        "                         \"score\", \"ids\", \"token_scores\"}, ...]} best first, or\n"
        "                         {\"line\": N, \"error\": REASON} for a failed input\n"
        "  --max-batch-size N     inputs translated together (default 32)\n"
        "  --no-progress          never show the progress bar\n",
    .model_flags = true,
    .library_options = true,
    .generation_options = true,
    .examples =
        "  attn translate --model opus-mt-fr-en \"Bonjour à tous.\"\n"
        "  attn translate --model opus-mt-fr-en --num-beams 4 --max-new-tokens 64 \\\n"
        "      < input.txt > output.txt\n"
        "  attn translate --model nllb-200 --src-lang fra_Latn --tgt-lang deu_Latn \\\n"
        "      --json < input.txt | jq -r '.translations[0].text'\n",
};

typedef struct {
    attn_session *session;
    const attn_options *options;
    const char **texts;   /* one chunk's texts, for attn_translate */
    size_t *lengths;
    bool json;
} translate_job;

static void translate_check(void *ctx, cli_input *in)
{
    (void)ctx;
    input_check_text(in, NULL, in->field[0], in->length[0]);
}

static attn_status translate_run(void *ctx, cli_input *const *inputs, size_t count,
                                 attn_result **out)
{
    translate_job *t = ctx;
    for (size_t i = 0; i < count; i++) {
        t->texts[i] = inputs[i]->field[0];
        t->lengths[i] = inputs[i]->length[0];
    }
    return attn_translate(t->session, t->texts, t->lengths, count, t->options, out);
}

/* Hypothesis j of input i: text, score, ids and, when recorded, each
 * token's log-probability. NULL if an allocation failed. */
static json_t *hypothesis_json(const attn_result *result, size_t i, size_t j)
{
    const char *text;
    size_t length, count, scored;
    const int32_t *tokens;
    const float *logprobs;
    float score;
    if (attn_result_text(result, i, j, &text, &length) != ATTN_OK ||
        attn_result_hypothesis(result, i, j, &tokens, &count, &score) != ATTN_OK)
        return NULL;
    json_t *h = json_object();
    bool ok = json_put(h, "text", json_stringn(text, length));
    ok = json_put(h, "score", json_number(score)) && ok;
    ok = json_put(h, "ids", json_id_array(tokens, count)) && ok;
    if (attn_result_token_scores(result, i, j, &logprobs, &scored) == ATTN_OK)
        ok = json_put(h, "token_scores", json_float_array(logprobs, scored)) && ok;
    if (!ok) {
        json_decref(h);
        return NULL;
    }
    return h;
}

static bool print_json(const cli_input *in, const attn_result *result, size_t i)
{
    json_t *list = json_array();
    bool ok = list != NULL;
    for (size_t j = 0; ok && j < attn_result_hypotheses(result, i); j++)
        ok = json_array_append_new(list, hypothesis_json(result, i, j)) == 0;
    json_t *obj = json_object();
    ok = json_put(obj, "line", json_integer((json_int_t)in->number)) && ok;
    ok = json_put(obj, "source", json_stringn(in->field[0], in->length[0])) && ok;
    ok = json_put(obj, "translations", list) && ok;
    if (!ok) {
        json_decref(obj);
        obj = NULL;
    }
    return json_print_line(obj);
}

static bool print_plain(const attn_result *result, size_t i)
{
    for (size_t j = 0; j < attn_result_hypotheses(result, i); j++) {
        const char *text = "";
        size_t length = 0;
        attn_result_text(result, i, j, &text, &length);
        if (j > 0)
            fputc('\t', stdout);
        print_text(text, length, "\t\n\r");
    }
    return fputc('\n', stdout) != EOF;
}

static bool translate_print(void *ctx, const cli_input *in, const attn_result *result, size_t i)
{
    const translate_job *t = ctx;
    return t->json ? print_json(in, result, i) : print_plain(result, i);
}

static bool translate_print_failed(void *ctx, const cli_input *in)
{
    return print_failed_input(((const translate_job *)ctx)->json, in);
}

/* Loads the model and translates every input of `reader`. */
static int translate_all(const model_args *m, const attn_options *options, bool json,
                         size_t chunk_size, bool progress, input_reader *reader)
{
    attn_model *model = NULL;
    attn_session *session = NULL;
    translate_job t = { NULL, options, malloc(chunk_size * sizeof *t.texts),
                        malloc(chunk_size * sizeof *t.lengths), json };
    int rc = CLI_EXIT_OK;
    if (!t.texts || !t.lengths) {
        fprintf(stderr, "attn: out of memory\n");
        rc = CLI_EXIT_USAGE;
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_open_model(m, &model, &session);
    if (rc == CLI_EXIT_OK)
        rc = cli_require_tokenizers(model, m->dir);
    if (rc == CLI_EXIT_OK) {
        t.session = session;
        const batch_job job = { &t, translate_check, translate_run, translate_print,
                                translate_print_failed };
        interrupt_install();
        rc = batch_run(&job, reader, chunk_size, progress);
    }
    attn_session_free(session);
    attn_model_free(model);
    free(t.texts);
    free(t.lengths);
    return rc;
}

int cmd_translate(int argc, char **argv)
{
    cli_args a;
    args_init(&a, "translate", argc, argv);
    run_args r;
    size_t count = 0;
    bool json = false, progress = true;
    char **texts = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *texts);
    int rc = run_args_init(&r) ? -1 : CLI_EXIT_USAGE;
    if (rc < 0 && !texts) {
        fprintf(stderr, "attn: out of memory\n");
        rc = CLI_EXIT_USAGE;
    }
    while (rc < 0 && !a.failed && args_next(&a)) {
        if (args_is_help(&a))
            rc = print_help(&translate_help);
        else if (args_run_flag(&a, &r))
            continue;
        else if (args_match(&a, "--json"))
            json = true;
        else if (args_match(&a, "--no-progress"))
            progress = false;
        else if (args_is_flag(&a))
            args_library_option(&a, r.options);
        else
            texts[count++] = argv[a.index];
    }
    /* one library sub-batch per chunk (args_run_finish); --json reports
     * each token's score */
    if (rc < 0)
        args_run_finish(&a, &r);
    if (rc < 0 && !a.failed && json &&
        attn_options_set_int(r.options, "return_scores", 1) != ATTN_OK)
        args_error(&a, "%s", attn_last_error());
    if (rc < 0 && a.failed)
        rc = CLI_EXIT_USAGE;
    if (rc < 0) {
        input_reader reader;
        if (count > 0)
            reader_from_texts(&reader, texts, count);
        else
            reader_from_stream(&reader, stdin, "stdin");
        /* someone typing wants each line translated as soon as it is entered */
        const size_t chunk = count == 0 && isatty(fileno(stdin)) ? 1 : r.batch;
        rc = translate_all(&r.model, r.options, json, chunk, progress, &reader);
    }
    run_args_free(&r);
    free(texts);
    return rc;
}
