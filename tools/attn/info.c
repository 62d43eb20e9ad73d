/* info.c - attn info: what libattn reads from a model folder. */
#include <stdarg.h>

#include "cli.h"

static const command_help info_help = {
    .synopsis =
        "usage: attn info --model DIR [--json]\n"
        "\n"
        "Loads the model folder DIR and prints its architecture (config.json's\n"
        "model_type), sizes (layers, d_model, attention heads, FFN width, vocabulary\n"
        "sizes, positions, parameters), its source and target tokenizers (kind and\n"
        "number of ids, or why the folder has none) and the special token ids that\n"
        "generation starts and ends with. '-' marks what the model does not define.\n",
    .flags =
        "  --model DIR            the model folder\n"
        "  --no-mmap              read the weights into memory instead of mapping them\n"
        "  --no-pack              use the weights as stored instead of packed copies\n"
        "  --json                 one JSON object: every property by its attn_model_get_int\n"
        "                         name (null when not defined), model_type, and\n"
        "                         tokenizers.source / tokenizers.target as {\"kind\",\n"
        "                         \"vocab_size\"} or {\"error\"}\n",
    .model_flags = false,
    .library_options = false,
    .generation_options = false,
    .examples =
        "  attn info --model opus-mt-fr-en\n"
        "  attn info --model opus-mt-fr-en --json | jq .num_parameters\n",
};

/* The properties attn_model_get_int knows, in the order --json lists them. */
static const char *const properties[] = {
    "vocab_size", "decoder_vocab_size", "d_model", "encoder_layers", "decoder_layers",
    "encoder_attention_heads", "decoder_attention_heads", "encoder_ffn_dim",
    "decoder_ffn_dim", "max_position_embeddings", "pad_token_id", "bos_token_id",
    "eos_token_id", "decoder_start_token_id", "num_tensors", "num_parameters",
};

static const char *const side_names[] = { "source", "target" };

/* A property as text: its value, or "-" when the model does not define it. */
static const char *property_text(const attn_model *model, const char *name, char *buf,
                                 size_t size)
{
    int64_t value;
    if (attn_model_get_int(model, name, &value) != ATTN_OK)
        return "-";
    snprintf(buf, size, "%lld", (long long)value);
    return buf;
}

static void print_row(const char *key, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void print_row(const char *key, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    printf("%-24s ", key);
    vprintf(format, ap);
    putchar('\n');
    va_end(ap);
}

/* One side of the model: "6 layers, 8 attention heads, FFN 2048". */
static void print_stack(const attn_model *model, const char *side)
{
    char name[32], layers[24], heads[24], ffn[24];
    snprintf(name, sizeof name, "%s_layers", side);
    property_text(model, name, layers, sizeof layers);
    snprintf(name, sizeof name, "%s_attention_heads", side);
    property_text(model, name, heads, sizeof heads);
    snprintf(name, sizeof name, "%s_ffn_dim", side);
    property_text(model, name, ffn, sizeof ffn);
    print_row(side, "%s layers, %s attention heads, FFN %s", layers, heads, ffn);
}

static void print_tokenizer(const attn_model *model, int32_t side)
{
    char key[24];
    attn_tokenizer *tokenizer;
    snprintf(key, sizeof key, "%s tokenizer", side_names[side]);
    if (attn_model_tokenizer(model, side, &tokenizer) != ATTN_OK) {
        print_row(key, "none: %s", attn_last_error());
        return;
    }
    print_row(key, "%s, %zu ids", attn_tokenizer_kind(tokenizer),
              attn_tokenizer_vocab_size(tokenizer));
    attn_tokenizer_free(tokenizer);
}

static void print_text_info(const attn_model *model, const char *dir)
{
    char a[24], b[24];
    int64_t parameters = 0;
    print_row("model", "%s", dir);
    print_row("architecture", "%s", attn_model_type(model));
    attn_model_get_int(model, "num_parameters", &parameters);
    print_row("parameters", "%lld (%.1f M) in %s tensors", (long long)parameters,
              (double)parameters / 1e6, property_text(model, "num_tensors", a, sizeof a));
    print_row("d_model", "%s", property_text(model, "d_model", a, sizeof a));
    print_stack(model, "encoder");
    print_stack(model, "decoder");
    print_row("vocabulary", "%s (decoder %s)", property_text(model, "vocab_size", a, sizeof a),
              property_text(model, "decoder_vocab_size", b, sizeof b));
    print_row("max positions", "%s",
              property_text(model, "max_position_embeddings", a, sizeof a));
    print_tokenizer(model, ATTN_TOKENIZER_SOURCE);
    print_tokenizer(model, ATTN_TOKENIZER_TARGET);
    const char *const tokens[] = { "decoder_start_token_id", "bos_token_id", "eos_token_id",
                                   "pad_token_id" };
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
        print_row(tokens[i], "%s", property_text(model, tokens[i], a, sizeof a));
}

/* A tokenizer as {"kind", "vocab_size"}, or {"error"} when there is none. */
static json_t *tokenizer_json(const attn_model *model, int32_t side)
{
    attn_tokenizer *tokenizer;
    json_t *obj = json_object();
    if (attn_model_tokenizer(model, side, &tokenizer) != ATTN_OK) {
        if (!json_put(obj, "error", json_string(attn_last_error()))) {
            json_decref(obj);
            return NULL;
        }
        return obj;
    }
    bool ok = json_put(obj, "kind", json_string(attn_tokenizer_kind(tokenizer)));
    ok = json_put(obj, "vocab_size",
                  json_integer((json_int_t)attn_tokenizer_vocab_size(tokenizer))) && ok;
    attn_tokenizer_free(tokenizer);
    if (!ok) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static bool print_json_info(const attn_model *model, const char *dir)
{
    json_t *obj = json_object(), *tokenizers = json_object();
    bool ok = json_put(obj, "model", json_string(dir));
    ok = json_put(obj, "model_type", json_string(attn_model_type(model))) && ok;
    for (size_t i = 0; i < sizeof properties / sizeof properties[0]; i++) {
        int64_t value;
        json_t *v = attn_model_get_int(model, properties[i], &value) == ATTN_OK
                        ? json_integer((json_int_t)value)
                        : json_null();
        ok = json_put(obj, properties[i], v) && ok;
    }
    ok = json_put(tokenizers, "source", tokenizer_json(model, ATTN_TOKENIZER_SOURCE)) && ok;
    ok = json_put(tokenizers, "target", tokenizer_json(model, ATTN_TOKENIZER_TARGET)) && ok;
    ok = json_put(obj, "tokenizers", tokenizers) && ok;
    if (!ok) {
        json_decref(obj);
        obj = NULL;
    }
    return json_print_line(obj);
}

int cmd_info(int argc, char **argv)
{
    cli_args a;
    args_init(&a, "info", argc, argv);
    model_args m = { 0 };
    bool json = false;
    while (!a.failed && args_next(&a)) {
        if (args_is_help(&a))
            return print_help(&info_help);
        else if (args_model_flag(&a, &m))
            continue;
        else if (args_match(&a, "--json"))
            json = true;
        else
            args_error(&a, "unexpected argument '%s'", args_current(&a));
    }
    if (!a.failed && !m.dir)
        args_error(&a, "--model DIR is required");
    if (a.failed)
        return CLI_EXIT_USAGE;
    attn_model *model;
    int rc = cli_load_model(&m, &model);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (json) {
        if (!print_json_info(model, m.dir))
            rc = CLI_EXIT_SOME_FAILED;
    } else {
        print_text_info(model, m.dir);
    }
    if (fflush(stdout) != 0)
        rc = CLI_EXIT_SOME_FAILED;
    if (rc != CLI_EXIT_OK)
        fprintf(stderr, "attn: cannot write the output\n");
    attn_model_free(model);
    return rc;
}
