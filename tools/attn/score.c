/* score.c - attn score: the log-probability of given translations. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const command_help score_help = {
    .synopsis =
        "usage: attn score --model DIR [flags] < PAIRS.tsv\n"
        "       attn score --model DIR [flags] --source FILE --target FILE\n"
        "\n"
        "Scores translations: for each (source, target) pair, the log-probability\n"
        "that the model gives the target given the source, summed over the target's\n"
        "tokens (its end-of-sentence token included), as transformers computes it\n"
        "from tokenizer(source, text_target=target). Pairs are the lines of standard\n"
        "input as SOURCE<TAB>TARGET (split at the first TAB), or line N of --source\n"
        "with line N of --target. Prints one number per pair, in input order; closer\n"
        "to 0 is more likely. A pair that cannot be scored (no TAB, an empty side,\n"
        "not UTF-8, refused by the model) is reported on stderr as\n"
        "'attn: line N: reason' and an EMPTY LINE takes its place, so output lines\n"
        "stay aligned with input lines.\n",
    .flags =
        "  --source FILE          the source texts, one per line ('-': stdin)\n"
        "  --target FILE          the target texts, one per line\n"
        "  --json                 one JSON object per pair: {\"line\", \"source\", \"target\",\n"
        "                         \"score\", \"ids\", \"pieces\", \"token_scores\"} with each\n"
        "                         target token's id, vocabulary string and\n"
        "                         log-probability, or {\"line\", \"error\"}\n"
        "  --max-batch-size N     pairs scored together (default 32)\n"
        "  --no-progress          never show the progress bar\n"
        "\n"
        "The options of attn_score_text are flags too: --src-lang CODE, --tgt-lang CODE,\n"
        "--add-special-tokens 0, --decoder-start-token-id ID.\n",
    .model_flags = true,
    .library_options = true,
    .generation_options = false,
    .examples =
        "  printf 'Bonjour.\\tHello.\\n' | attn score --model opus-mt-fr-en\n"
        "  attn score --model opus-mt-fr-en --source fr.txt --target en.txt --json\n",
};

typedef struct {
    attn_session *session;
    const attn_options *options;
    attn_tokenizer *target;  /* for the pieces of --json */
    const char **sources, **targets;
    size_t *source_lengths, *target_lengths;
    bool json;
} score_job;

/* Splits a SOURCE<TAB>TARGET line into its two fields. */
static bool split_pair(cli_input *in)
{
    char *tab = memchr(in->field[0], '\t', in->length[0]);
    if (!tab) {
        snprintf(in->error, sizeof in->error, "no TAB between source and target");
        return false;
    }
    *tab = '\0';
    in->field[1] = tab + 1;
    in->length[1] = in->length[0] - (size_t)(tab + 1 - in->field[0]);
    in->length[0] = (size_t)(tab - in->field[0]);
    return true;
}

static void score_check(void *ctx, cli_input *in)
{
    (void)ctx;
    /* a line of stdin: UTF-8 is checked over the whole line, so the byte
     * offset in a message counts from the line's start */
    if (!in->field[1] && (!input_check_text(in, NULL, in->field[0], in->length[0]) ||
                          !split_pair(in)))
        return;
    if (input_check_text(in, "source", in->field[0], in->length[0]))
        input_check_text(in, "target", in->field[1], in->length[1]);
}

static attn_status score_run(void *ctx, cli_input *const *inputs, size_t count,
                             attn_result **out)
{
    score_job *s = ctx;
    for (size_t i = 0; i < count; i++) {
        s->sources[i] = inputs[i]->field[0];
        s->source_lengths[i] = inputs[i]->length[0];
        s->targets[i] = inputs[i]->field[1];
        s->target_lengths[i] = inputs[i]->length[1];
    }
    return attn_score_text(s->session, s->sources, s->source_lengths, s->targets,
                           s->target_lengths, count, s->options, out);
}

static bool print_json(const score_job *s, const cli_input *in, const attn_result *result,
                       size_t i)
{
    const int32_t *ids = NULL;
    const float *logprobs = NULL;
    size_t count = 0, scored = 0;
    float score = 0;
    attn_result_hypothesis(result, i, 0, &ids, &count, &score);
    attn_result_token_scores(result, i, 0, &logprobs, &scored);
    json_t *obj = json_object();
    bool ok = json_put(obj, "line", json_integer((json_int_t)in->number));
    ok = json_put(obj, "source", json_stringn(in->field[0], in->length[0])) && ok;
    ok = json_put(obj, "target", json_stringn(in->field[1], in->length[1])) && ok;
    ok = json_put(obj, "score", json_number(score)) && ok;
    ok = json_put(obj, "ids", json_id_array(ids, count)) && ok;
    ok = json_put(obj, "pieces", json_piece_array(s->target, ids, count)) && ok;
    ok = json_put(obj, "token_scores", json_float_array(logprobs, scored)) && ok;
    if (!ok) {
        json_decref(obj);
        obj = NULL;
    }
    return json_print_line(obj);
}

static bool score_print(void *ctx, const cli_input *in, const attn_result *result, size_t i)
{
    const score_job *s = ctx;
    if (s->json)
        return print_json(s, in, result, i);
    float score = 0;
    attn_result_hypothesis(result, i, 0, NULL, NULL, &score);
    return printf("%.6f\n", (double)score) > 0;
}

static bool score_print_failed(void *ctx, const cli_input *in)
{
    return print_failed_input(((const score_job *)ctx)->json, in);
}

/* Allocates the per-chunk arrays the library call reads. */
static bool score_job_alloc(score_job *s, size_t chunk_size)
{
    s->sources = malloc(chunk_size * sizeof *s->sources);
    s->targets = malloc(chunk_size * sizeof *s->targets);
    s->source_lengths = malloc(chunk_size * sizeof *s->source_lengths);
    s->target_lengths = malloc(chunk_size * sizeof *s->target_lengths);
    return s->sources && s->targets && s->source_lengths && s->target_lengths;
}

static void score_job_free(score_job *s)
{
    free(s->sources);
    free(s->targets);
    free(s->source_lengths);
    free(s->target_lengths);
    attn_tokenizer_free(s->target);
}

/* Loads the model and scores every pair of `reader`. */
static int score_all(const model_args *m, score_job *s, size_t chunk_size, bool progress,
                     input_reader *reader)
{
    attn_model *model = NULL;
    int rc = CLI_EXIT_OK;
    if (!score_job_alloc(s, chunk_size)) {
        fprintf(stderr, "attn: out of memory\n");
        rc = CLI_EXIT_USAGE;
    }
    if (rc == CLI_EXIT_OK)
        rc = cli_open_model(m, &model, &s->session);
    if (rc == CLI_EXIT_OK)
        rc = cli_require_tokenizers(model, m->dir);
    if (rc == CLI_EXIT_OK && !(s->target = cli_model_tokenizer(model, ATTN_TOKENIZER_TARGET)))
        rc = CLI_EXIT_USAGE;
    if (rc == CLI_EXIT_OK) {
        const batch_job job = { s, score_check, score_run, score_print, score_print_failed };
        interrupt_install();
        rc = batch_run(&job, reader, chunk_size, progress);
    }
    attn_session_free(s->session);
    attn_model_free(model);
    return rc;
}

int cmd_score(int argc, char **argv)
{
    cli_args a;
    args_init(&a, "score", argc, argv);
    run_args r;
    score_job s = { 0 };
    bool progress = true;
    const char *source_path = NULL, *target_path = NULL;
    int rc = run_args_init(&r) ? -1 : CLI_EXIT_USAGE;
    while (rc < 0 && !a.failed && args_next(&a)) {
        if (args_is_help(&a))
            rc = print_help(&score_help);
        else if (args_run_flag(&a, &r))
            continue;
        else if (args_match(&a, "--source"))
            source_path = args_value(&a);
        else if (args_match(&a, "--target"))
            target_path = args_value(&a);
        else if (args_match(&a, "--json"))
            s.json = true;
        else if (args_match(&a, "--no-progress"))
            progress = false;
        else if (args_is_flag(&a))
            args_library_option(&a, r.options);
        else
            args_error(&a, "unexpected argument '%s'", args_current(&a));
    }
    if (rc < 0)
        args_run_finish(&a, &r);
    if (rc < 0 && !a.failed && !source_path != !target_path)
        args_error(&a, "--source and --target go together");
    if (rc < 0 && a.failed)
        rc = CLI_EXIT_USAGE;
    FILE *sources = NULL, *targets = NULL;
    if (rc < 0 && source_path &&
        (!(sources = cli_open_input("score", source_path)) ||
         !(targets = cli_open_input("score", target_path))))
        rc = CLI_EXIT_USAGE;
    if (rc < 0) {
        input_reader reader;
        if (sources)
            reader_from_two_streams(&reader, sources, source_path, targets, target_path);
        else
            reader_from_stream(&reader, stdin, "stdin");
        s.options = r.options;
        /* someone typing wants each pair scored as soon as it is entered */
        const size_t chunk = !sources && isatty(fileno(stdin)) ? 1 : r.batch;
        rc = score_all(&r.model, &s, chunk, progress, &reader);
    }
    if (sources && sources != stdin)
        fclose(sources);
    if (targets && targets != stdin)
        fclose(targets);
    score_job_free(&s);
    run_args_free(&r);
    return rc;
}
