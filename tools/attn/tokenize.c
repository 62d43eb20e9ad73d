/* tokenize.c - attn tokenize and attn detokenize: text to token ids or
 * pieces and back, one line per input. */
#include <stdlib.h>

#include "cli.h"

static const command_help tokenize_help = {
    .synopsis =
        "usage: attn tokenize (--model DIR | --tokenizer PATH) [flags] [--] [TEXT ...]\n"
        "\n"
        "Tokenizes each TEXT, or else each line of standard input, as the model's\n"
        "tokenizer does (the end-of-sentence token and language codes included\n"
        "unless --add-special-tokens 0) and prints its token ids separated by\n"
        "spaces, one line per input. An empty line gives the ids of the empty text.\n"
        "A line that is not UTF-8 or that the tokenizer refuses is reported on\n"
        "stderr as 'attn: line N: reason' and an EMPTY LINE takes its place.\n",
    .flags =
        "  --model DIR            the model folder whose tokenizer files to read\n"
        "                         (the weights are not loaded)\n"
        "  --tokenizer PATH       a model folder, a SentencePiece .model file or a\n"
        "                         tokenizer.json file\n"
        "  --target               the target-side tokenizer (Marian's target.spm,\n"
        "                         tgt_lang as the default language)\n"
        "  --pieces               print vocabulary strings instead of ids\n"
        "\n"
        "The options of attn_tokenizer_encode are flags too: --add-special-tokens 0,\n"
        "--src-lang CODE, --tgt-lang CODE.\n",
    .model_flags = false,
    .library_options = true,
    .generation_options = false,
    .examples =
        "  attn tokenize --model opus-mt-fr-en \"Bonjour à tous.\"\n"
        "  attn tokenize --model opus-mt-fr-en --pieces < input.txt\n"
        "  attn tokenize --model opus-mt-fr-en --target \"Hello.\" |\n"
        "      attn detokenize --model opus-mt-fr-en --target\n",
};

static const command_help detokenize_help = {
    .synopsis =
        "usage: attn detokenize (--model DIR | --tokenizer PATH) [flags] [--] [IDS ...]\n"
        "\n"
        "Decodes token ids back to text: each IDS argument, or else each line of\n"
        "standard input, holds ids separated by spaces; prints one line of text per\n"
        "input (newlines inside it are printed as spaces). Special tokens such as\n"
        "</s> are kept unless --skip-special-tokens. An input that is not a list of\n"
        "ids, or holds an id outside the vocabulary, is reported on stderr as\n"
        "'attn: line N: reason' and an EMPTY LINE takes its place.\n",
    .flags =
        "  --model DIR            the model folder whose tokenizer files to read\n"
        "  --tokenizer PATH       a model folder, a SentencePiece .model file or a\n"
        "                         tokenizer.json file\n"
        "  --target               the target-side tokenizer (for a model's output)\n"
        "  --skip-special-tokens  leave special tokens out of the text\n",
    .model_flags = false,
    .library_options = true,
    .generation_options = false,
    .examples =
        "  attn detokenize --model opus-mt-fr-en --target \"1234 56 0\"\n"
        "  attn detokenize --model opus-mt-fr-en --target --skip-special-tokens < ids.txt\n",
};

/* What tokenize and detokenize share: where the tokenizer is, which side,
 * the library options for encoding or decoding, and the inputs. */
typedef struct {
    const char *path;
    bool target;
    bool pieces;            /* tokenize --pieces */
    attn_options *options;
    char **inputs;          /* positional arguments */
    size_t input_count;
} tokenizer_args;

/* Parses the arguments of either command; returns -1 to go on, else the
 * exit code. */
static int parse_tokenizer_args(cli_args *a, const command_help *help, bool encoding,
                                tokenizer_args *t)
{
    while (!a->failed && args_next(a)) {
        if (args_is_help(a))
            return print_help(help);
        else if (args_match(a, "--model") || args_match(a, "--tokenizer"))
            t->path = args_value(a);
        else if (args_match(a, "--target"))
            t->target = true;
        else if (encoding && args_match(a, "--pieces"))
            t->pieces = true;
        else if (args_is_flag(a))
            args_library_option(a, t->options);
        else
            t->inputs[t->input_count++] = a->argv[a->index];
    }
    if (!a->failed && !t->path)
        args_error(a, "--model DIR or --tokenizer PATH is required");
    return a->failed ? CLI_EXIT_USAGE : -1;
}

/* Tokenizes one input and prints its ids or pieces. */
static bool print_tokens(const attn_tokenizer *tokenizer, const tokenizer_args *t,
                         cli_input *in, id_buffer *ids)
{
    if (!input_check_utf8(in, NULL, in->field[0], in->length[0]) ||
        !cli_encode(tokenizer, in->field[0], in->length[0], t->options, ids, in->error,
                    sizeof in->error))
        return false;
    for (size_t i = 0; i < ids->count; i++) {
        char piece[256];
        if (i > 0)
            fputc(' ', stdout);
        if (t->pieces)
            fputs(cli_piece(tokenizer, ids->ids[i], piece, sizeof piece), stdout);
        else
            printf("%ld", (long)ids->ids[i]);
    }
    return true;
}

/* Decodes one input's ids and prints the text. */
static bool print_decoded(const attn_tokenizer *tokenizer, const tokenizer_args *t,
                          cli_input *in, id_buffer *ids, text_buffer *text)
{
    if (!parse_ids(in->field[0], ids, in->error, sizeof in->error) ||
        !cli_decode(tokenizer, ids->ids, ids->count, t->options, text, in->error,
                    sizeof in->error))
        return false;
    print_text(text->text, text->length, "\n\r");
    return true;
}

/* Runs every input through tokenize (text NULL) or detokenize. */
static int run_inputs(const attn_tokenizer *tokenizer, const tokenizer_args *t,
                      input_reader *reader, text_buffer *text)
{
    cli_input in = { 0 };
    id_buffer ids = { 0 };
    size_t failed = 0;
    int got;
    while ((got = reader_next(reader, &in)) > 0) {
        const bool ok = text ? print_decoded(tokenizer, t, &in, &ids, text)
                             : print_tokens(tokenizer, t, &in, &ids);
        if (!ok) {
            fprintf(stderr, "attn: %s %zu: %s\n", in.label, in.number, in.error);
            failed++;
        }
        fputc('\n', stdout);
    }
    input_free(&in);
    free(ids.ids);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "attn: cannot write the output\n");
        return CLI_EXIT_SOME_FAILED;
    }
    if (got < 0 && interrupt_requested())
        return CLI_EXIT_INTERRUPTED;
    return failed || reader->failed ? CLI_EXIT_SOME_FAILED : CLI_EXIT_OK;
}

/* Options that do not apply would fail every input alike: trying them
 * once on an empty input lets them stop the command instead. */
static bool options_apply(const attn_tokenizer *tokenizer, const tokenizer_args *t,
                          const char *name, bool encoding)
{
    char error[512];
    id_buffer ids = { 0 };
    text_buffer text = { 0 };
    const int32_t none = 0;
    const bool ok = encoding
                        ? cli_encode(tokenizer, "", 0, t->options, &ids, error, sizeof error)
                        : cli_decode(tokenizer, &none, 0, t->options, &text, error, sizeof error);
    if (!ok)
        fprintf(stderr, "attn %s: %s\n", name, error);
    free(ids.ids);
    free(text.text);
    return ok;
}

/* tokenize and detokenize: parse, load the tokenizer, run the inputs. */
static int tokenizer_command(int argc, char **argv, const char *name,
                             const command_help *help, bool encoding)
{
    cli_args a;
    args_init(&a, name, argc, argv);
    tokenizer_args t = { 0 };
    t.inputs = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *t.inputs);
    if (!t.inputs || attn_options_create(&t.options) != ATTN_OK) {
        free(t.inputs);
        fprintf(stderr, "attn: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int rc = parse_tokenizer_args(&a, help, encoding, &t);
    attn_tokenizer *tokenizer = NULL;
    if (rc < 0 && (!(tokenizer = cli_load_tokenizer(t.path, t.target)) ||
                   !options_apply(tokenizer, &t, name, encoding)))
        rc = CLI_EXIT_USAGE;
    if (rc < 0) {
        input_reader reader;
        if (t.input_count > 0)
            reader_from_texts(&reader, t.inputs, t.input_count);
        else
            reader_from_stream(&reader, stdin, "stdin");
        text_buffer text = { 0 };
        interrupt_install();
        rc = run_inputs(tokenizer, &t, &reader, encoding ? NULL : &text);
        free(text.text);
    }
    attn_tokenizer_free(tokenizer);
    attn_options_free(t.options);
    free(t.inputs);
    return rc;
}

int cmd_tokenize(int argc, char **argv)
{
    return tokenizer_command(argc, argv, "tokenize", &tokenize_help, true);
}

int cmd_detokenize(int argc, char **argv)
{
    return tokenizer_command(argc, argv, "detokenize", &detokenize_help, false);
}
