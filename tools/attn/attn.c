/* attn - the command-line face of libattn. Uses only the public header. */
#include <stdio.h>
#include <string.h>

#include "attn.h"

static const char usage[] =
    "usage: attn [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  info --model DIR    what libattn reads from a Hugging Face model folder\n"
    "\n"
    "Run 'attn COMMAND --help' for a command's options.\n";

static const char info_usage[] =
    "usage: attn info --model DIR [--no-mmap]\n"
    "\n"
    "Loads the model folder DIR (config.json, generation_config.json,\n"
    "model.safetensors or its shards) and prints its architecture and sizes.\n"
    "\n"
    "  --model DIR   the model folder\n"
    "  --no-mmap     read the weights into memory instead of mapping them\n";

static const char *const info_properties[] = {
    "vocab_size", "decoder_vocab_size", "d_model", "encoder_layers", "decoder_layers",
    "encoder_attention_heads", "decoder_attention_heads", "encoder_ffn_dim",
    "decoder_ffn_dim", "max_position_embeddings", "pad_token_id", "bos_token_id",
    "eos_token_id", "decoder_start_token_id", "num_tensors", "num_parameters",
};

static int fail(const char *what)
{
    fprintf(stderr, "attn: %s: %s\n", what, attn_last_error());
    return 1;
}

static int cmd_info(int argc, char **argv)
{
    const char *dir = NULL;
    int use_mmap = 1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(info_usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--no-mmap") == 0) {
            use_mmap = 0;
        } else {
            fprintf(stderr, "attn info: unexpected argument '%s'\n%s", argv[i], info_usage);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "attn info: --model DIR is required\n%s", info_usage);
        return 2;
    }

    attn_options *options = NULL;
    attn_model *model = NULL;
    int rc = 0;
    if (attn_options_create(&options) != ATTN_OK ||
        attn_options_set_int(options, "use_mmap", use_mmap) != ATTN_OK) {
        rc = fail("options");
        goto done;
    }
    if (attn_model_load(dir, options, &model) != ATTN_OK) {
        rc = fail(dir);
        goto done;
    }
    printf("%-24s %s\n", "model", dir);
    printf("%-24s %s\n", "model_type", attn_model_type(model));
    for (size_t i = 0; i < sizeof info_properties / sizeof info_properties[0]; i++) {
        int64_t value;
        if (attn_model_get_int(model, info_properties[i], &value) == ATTN_OK)
            printf("%-24s %lld\n", info_properties[i], (long long)value);
        else
            printf("%-24s -\n", info_properties[i]);
    }
done:
    attn_model_free(model);
    attn_options_free(options);
    return rc;
}

int main(int argc, char **argv)
{
    if (attn_check_version(ATTN_VERSION_NUMBER) != ATTN_OK)
        return fail("libattn");
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("attn %s\n", attn_version_string());
        return 0;
    }
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc - 2, argv + 2);
    fprintf(stderr, "attn: unknown command '%s'\n%s", argv[1], usage);
    return 2;
}
