/* model.c - opening a model folder and a session, and reading its
 * tokenizers, with the messages every command prints on failure. */
#include <string.h>

#include "cli.h"

/* Prints what the last library call said went wrong. */
static int report(const char *what)
{
    fprintf(stderr, "attn: %s: %s\n", what, attn_last_error());
    return CLI_EXIT_USAGE;
}

int cli_load_model(const model_args *m, attn_model **model)
{
    attn_options *load = NULL;
    int rc = CLI_EXIT_OK;
    if (attn_options_create(&load) != ATTN_OK ||
        attn_options_set_int(load, "use_mmap", !m->no_mmap) != ATTN_OK ||
        attn_options_set_int(load, "pack_weights", !m->no_pack) != ATTN_OK)
        rc = report("options");
    else if (attn_model_load(m->dir, load, model) != ATTN_OK)
        rc = report("cannot load the model");
    attn_options_free(load);
    return rc;
}

int cli_open_model(const model_args *m, attn_model **model, attn_session **session)
{
    attn_options *run = NULL;
    attn_model *loaded = NULL;
    int rc = cli_load_model(m, &loaded);
    if (rc == CLI_EXIT_OK && (attn_options_create(&run) != ATTN_OK ||
                              attn_options_set_int(run, "threads", (int64_t)m->threads) != ATTN_OK))
        rc = report("options");
    else if (rc == CLI_EXIT_OK && attn_session_create(loaded, run, session) != ATTN_OK)
        rc = report("cannot run the model");
    if (rc == CLI_EXIT_OK)
        *model = loaded;
    else
        attn_model_free(loaded);
    attn_options_free(run);
    return rc;
}

attn_tokenizer *cli_model_tokenizer(const attn_model *model, int32_t side)
{
    attn_tokenizer *tokenizer;
    if (attn_model_tokenizer(model, side, &tokenizer) != ATTN_OK) {
        report(side == ATTN_TOKENIZER_SOURCE ? "the source tokenizer" : "the target tokenizer");
        return NULL;
    }
    return tokenizer;
}

int cli_require_tokenizers(const attn_model *model, const char *dir)
{
    const int32_t sides[] = { ATTN_TOKENIZER_SOURCE, ATTN_TOKENIZER_TARGET };
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        attn_tokenizer *tokenizer;
        if (attn_model_tokenizer(model, sides[i], &tokenizer) != ATTN_OK) {
            fprintf(stderr, "attn: %s has no usable tokenizer: %s\n", dir, attn_last_error());
            return CLI_EXIT_USAGE;
        }
        attn_tokenizer_free(tokenizer);
    }
    return CLI_EXIT_OK;
}

const char *cli_piece(const attn_tokenizer *tokenizer, int32_t id, char *buf, size_t size)
{
    size_t length;
    if (attn_tokenizer_id_to_piece(tokenizer, id, buf, size, &length) != ATTN_OK)
        return "?";
    return buf;
}

attn_tokenizer *cli_load_tokenizer(const char *path, bool target)
{
    attn_options *options = NULL;
    attn_tokenizer *tokenizer = NULL;
    if (attn_options_create(&options) != ATTN_OK ||
        attn_options_set_int(options, "target", target) != ATTN_OK)
        report("options");
    else if (attn_tokenizer_load(path, options, &tokenizer) != ATTN_OK)
        report("cannot load the tokenizer");
    attn_options_free(options);
    return tokenizer;
}
