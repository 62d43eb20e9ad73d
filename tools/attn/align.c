/* align.c - attn align: a sentence's cross-attention alignment, drawn as
 * an SVG heatmap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PIECE_SIZE 64 /* bytes kept of a token's vocabulary string, as a label */

static const command_help align_help = {
    .synopsis =
        "usage: attn align --model DIR [flags] [--] SOURCE [TARGET] [-o FILE]\n"
        "\n"
        "Draws how the model aligns a translation with its source, as in Bahdanau\n"
        "et al. (2015): an SVG heatmap with the source tokens across, the target\n"
        "tokens down, and each cell as dark as the attention the target token pays\n"
        "to the source token (the last decoder layer's cross-attention, averaged\n"
        "over heads). Without TARGET the model translates SOURCE (generation flags\n"
        "apply) and the best translation is drawn; with TARGET the model is made to\n"
        "read that translation (teacher forcing, as attn score does) and its\n"
        "alignment is drawn. Hovering over a cell shows its weight.\n",
    .flags =
        "  -o, --output FILE      where to write the SVG (default '-': stdout)\n"
        "  --title TEXT           the picture's title (default: the model folder)\n"
        "  --src-lang CODE        the source language of mBART-50, NLLB, M2M100\n"
        "  --tgt-lang CODE        the target language\n",
    .model_flags = true,
    .library_options = true,
    .generation_options = true,
    .examples =
        "  attn align --model opus-mt-fr-en \"Le chat dort.\" -o align.svg\n"
        "  attn align --model opus-mt-fr-en \"Le chat dort.\" \"The cat sleeps.\" -o forced.svg\n",
};

typedef struct {
    model_args model;
    const char *texts[2];     /* SOURCE and TARGET (NULL when not given) */
    const char *output;
    const char *title;
    const char *languages[2]; /* --src-lang, --tgt-lang */
    attn_options *options;    /* for attn_translate */
} align_args;

/* One side of the picture: the token labels. */
typedef struct {
    char *storage;            /* one PIECE_SIZE slot per label */
    const char **labels;
} token_labels;

static bool labels_alloc(token_labels *t, size_t count)
{
    t->storage = calloc(count ? count : 1, PIECE_SIZE);
    t->labels = calloc(count ? count : 1, sizeof *t->labels);
    return t->storage && t->labels;
}

static void labels_free(token_labels *t)
{
    free(t->storage);
    free(t->labels);
}

/* Labels for `count` positions; the first `known` have ids, the others
 * (the padding an alignment may have) stay blank. */
static bool labels_from_ids(token_labels *t, const attn_tokenizer *tokenizer,
                            const int32_t *ids, size_t known, size_t count)
{
    if (!labels_alloc(t, count))
        return false;
    for (size_t i = 0; i < count; i++) {
        char *slot = t->storage + i * PIECE_SIZE;
        t->labels[i] = i < known ? cli_piece(tokenizer, ids[i], slot, PIECE_SIZE) : slot;
    }
    return true;
}

/* args->texts[side] as the model's tokenizer on that side (SOURCE 0,
 * TARGET 1) makes it, language codes and end-of-sentence included. */
static bool tokenize_text(const attn_model *model, const align_args *args, int side,
                          id_buffer *ids)
{
    const char *const languages[] = { "src_lang", "tgt_lang" };
    const char *const names[] = { "source", "target" };
    attn_tokenizer *tokenizer =
        cli_model_tokenizer(model, side ? ATTN_TOKENIZER_TARGET : ATTN_TOKENIZER_SOURCE);
    attn_options *encode = NULL;
    char error[512] = "out of memory";
    bool ok = tokenizer && attn_options_create(&encode) == ATTN_OK &&
              (!args->languages[side] ||
               attn_options_set_str(encode, languages[side], args->languages[side]) == ATTN_OK);
    if (tokenizer && !ok)
        snprintf(error, sizeof error, "%s", attn_last_error());
    if (ok)
        ok = cli_encode(tokenizer, args->texts[side], strlen(args->texts[side]), encode, ids,
                        error, sizeof error);
    if (!ok && tokenizer)
        fprintf(stderr, "attn: the %s text: %s\n", names[side], error);
    attn_options_free(encode);
    attn_tokenizer_free(tokenizer);
    return ok;
}

/* What to draw: each target token's weights over the source tokens. */
typedef struct {
    const int32_t *tokens;     /* the target tokens, one row each */
    size_t rows, columns;
    const float *weights;      /* rows x columns */
    const char *text;          /* the target text */
} alignment;

/* Draws `a` over the source tokens `source` into args->output. */
static int draw(const attn_model *model, const align_args *args, const id_buffer *source,
                const alignment *a)
{
    attn_tokenizer *target = cli_model_tokenizer(model, ATTN_TOKENIZER_TARGET);
    attn_tokenizer *source_tokenizer = cli_model_tokenizer(model, ATTN_TOKENIZER_SOURCE);
    token_labels x = { 0 }, y = { 0 };
    int rc = CLI_EXIT_OK;
    if (!target || !source_tokenizer)
        rc = CLI_EXIT_USAGE;
    else if (!labels_from_ids(&x, source_tokenizer, source->ids, source->count, a->columns) ||
             !labels_from_ids(&y, target, a->tokens, a->rows, a->rows)) {
        fprintf(stderr, "attn: out of memory\n");
        rc = CLI_EXIT_SOME_FAILED;
    }
    FILE *out = NULL;
    if (rc == CLI_EXIT_OK) {
        out = strcmp(args->output, "-") == 0 ? stdout : fopen(args->output, "w");
        if (!out) {
            fprintf(stderr, "attn align: cannot write %s: %s\n", args->output, strerror(errno));
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == CLI_EXIT_OK) {
        const heatmap h = { args->title ? args->title : args->model.dir, args->texts[0], a->text,
                            x.labels, a->columns, y.labels, a->rows, a->weights, a->columns };
        const bool written = svg_write_heatmap(out, &h);
        if ((out == stdout ? fflush(out) : fclose(out)) != 0 || !written) {
            fprintf(stderr, "attn align: cannot write %s\n", args->output);
            rc = CLI_EXIT_SOME_FAILED;
        }
    }
    labels_free(&x);
    labels_free(&y);
    attn_tokenizer_free(target);
    attn_tokenizer_free(source_tokenizer);
    return rc;
}

/* Translates SOURCE with the generation options and draws the alignment
 * recorded for the best hypothesis. */
static int align_translation(attn_session *session, const attn_model *model,
                             const align_args *args, const id_buffer *source)
{
    attn_result *result = NULL;
    alignment a;
    size_t count;
    if (attn_translate(session, &args->texts[0], NULL, 1, args->options, &result) != ATTN_OK ||
        attn_result_hypothesis(result, 0, 0, &a.tokens, &count, NULL) != ATTN_OK ||
        attn_result_alignment(result, 0, 0, &a.weights, &a.rows, &a.columns) != ATTN_OK ||
        attn_result_text(result, 0, 0, &a.text, NULL) != ATTN_OK) {
        fprintf(stderr, "attn: %s\n", attn_last_error());
        attn_result_free(result);
        return CLI_EXIT_SOME_FAILED;
    }
    if (count < a.rows)
        a.rows = count;
    const int rc = draw(model, args, source, &a);
    attn_result_free(result);
    return rc;
}

/* The first decoder input: the model's decoder start token, else its
 * beginning-of-sentence token, as generation falls back. */
static bool decoder_start(const attn_model *model, int32_t *id)
{
    int64_t v;
    if (attn_model_get_int(model, "decoder_start_token_id", &v) != ATTN_OK &&
        attn_model_get_int(model, "bos_token_id", &v) != ATTN_OK)
        return false;
    *id = (int32_t)v;
    return true;
}

/* Forces TARGET by teacher forcing and draws its alignment: the decoder
 * reads the start token and the target without its last token, and the
 * last layer's cross-attention at input position k is what target token
 * k + 1 attends to, as generation records it. */
static int align_target(attn_session *session, const attn_model *model, const align_args *args,
                        const id_buffer *source)
{
    id_buffer target = { 0 };
    if (!tokenize_text(model, args, 1, &target)) {
        free(target.ids);
        return CLI_EXIT_SOME_FAILED;
    }
    int32_t start;
    int64_t layers = 0;
    if (target.count == 0 || !decoder_start(model, &start) ||
        attn_model_get_int(model, "decoder_layers", &layers) != ATTN_OK || layers < 1) {
        fprintf(stderr, "attn: cannot force the target: %s\n",
                target.count == 0 ? "it has no tokens" : "the model has no decoder to force");
        free(target.ids);
        return CLI_EXIT_USAGE;
    }
    int32_t *inputs = malloc(target.count * sizeof *inputs);
    attn_encoding *encoding = NULL;
    alignment a = { target.ids, target.count, 0, NULL, args->texts[1] };
    const float *logits;
    int rc = CLI_EXIT_SOME_FAILED;
    if (!inputs) {
        fprintf(stderr, "attn: out of memory\n");
    } else {
        inputs[0] = start;
        memcpy(inputs + 1, target.ids, (target.count - 1) * sizeof *inputs);
        if (attn_encode(session, source->ids, &source->count, 1, &encoding) == ATTN_OK &&
            attn_decoder_forward(session, encoding, inputs, target.count, &logits) == ATTN_OK &&
            attn_decoder_cross_attention(session, (size_t)layers - 1, &a.weights,
                                         &a.columns) == ATTN_OK)
            rc = draw(model, args, source, &a);
        else
            fprintf(stderr, "attn: %s\n", attn_last_error());
    }
    attn_encoding_free(encoding);
    free(inputs);
    free(target.ids);
    return rc;
}

/* Tokenizes SOURCE, aligns and draws. */
static int align(const align_args *args)
{
    attn_model *model = NULL;
    attn_session *session = NULL;
    id_buffer source = { 0 };
    int rc = cli_open_model(&args->model, &model, &session);
    if (rc == CLI_EXIT_OK)
        rc = cli_require_tokenizers(model, args->model.dir);
    if (rc == CLI_EXIT_OK && !tokenize_text(model, args, 0, &source))
        rc = CLI_EXIT_SOME_FAILED;
    if (rc == CLI_EXIT_OK)
        rc = args->texts[1] ? align_target(session, model, args, &source)
                            : align_translation(session, model, args, &source);
    free(source.ids);
    attn_session_free(session);
    attn_model_free(model);
    return rc;
}

/* --src-lang (side 0) or --tgt-lang (side 1): kept for tokenizing the
 * texts here, and set for attn_translate. */
static void language_flag(cli_args *a, align_args *args, int side)
{
    const char *const names[] = { "src_lang", "tgt_lang" };
    args->languages[side] = args_value(a);
    if (args->languages[side] &&
        attn_options_set_str(args->options, names[side], args->languages[side]) != ATTN_OK)
        args_error(a, "%s", attn_last_error());
}

/* Parses the arguments into `args`; returns -1 to go on, else the exit
 * code. */
static int parse_align_args(cli_args *a, align_args *args)
{
    size_t texts = 0;
    while (!a->failed && args_next(a)) {
        if (args_is_help(a))
            return print_help(&align_help);
        else if (args_model_flag(a, &args->model))
            continue;
        else if (args_match(a, "-o") || args_match(a, "--output"))
            args->output = args_value(a);
        else if (args_match(a, "--title"))
            args->title = args_value(a);
        else if (args_match(a, "--src-lang"))
            language_flag(a, args, 0);
        else if (args_match(a, "--tgt-lang"))
            language_flag(a, args, 1);
        else if (args_is_flag(a))
            args_library_option(a, args->options);
        else if (texts < 2)
            args->texts[texts++] = args_current(a);
        else
            args_error(a, "unexpected argument '%s'", args_current(a));
    }
    if (!a->failed && !args->model.dir)
        args_error(a, "--model DIR is required");
    if (!a->failed && !args->texts[0])
        args_error(a, "SOURCE is required");
    if (!a->failed && attn_options_set_int(args->options, "return_attention", 1) != ATTN_OK)
        args_error(a, "%s", attn_last_error());
    return a->failed ? CLI_EXIT_USAGE : -1;
}

int cmd_align(int argc, char **argv)
{
    cli_args a;
    args_init(&a, "align", argc, argv);
    align_args args = { .output = "-" };
    if (attn_options_create(&args.options) != ATTN_OK) {
        fprintf(stderr, "attn: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int rc = parse_align_args(&a, &args);
    if (rc < 0)
        rc = align(&args);
    attn_options_free(args.options);
    return rc;
}
