/* attn - the command-line face of libattn: dispatches to one command per
 * file. Uses only the public header. */
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    { "translate", cmd_translate, "translate texts or stdin lines (--json for ids and scores)" },
    { "score", cmd_score, "log-probability of given translations, per pair and per token" },
    { "tokenize", cmd_tokenize, "text to token ids or pieces" },
    { "detokenize", cmd_detokenize, "token ids to text" },
    { "info", cmd_info, "architecture, sizes, tokenizers and special tokens of a model" },
    { "align", cmd_align, "draw a translation's cross-attention alignment as an SVG heatmap" },
    { "bench", cmd_bench, "translation speed on a file: sentences/s, tokens/s, load time" },
};

static void print_usage(FILE *out)
{
    fputs("usage: attn [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Runs Hugging Face sequence-to-sequence models (Marian/opus-mt, BART,\n"
          "mBART, M2M100, NLLB) on the CPU with libattn.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Run 'attn COMMAND --help' for a command's flags and examples; docs/cli.md\n"
          "has the whole reference.\n"
          "\n"
          "Exit status: 0 all done; 1 some inputs failed (reported on stderr, the\n"
          "others done); 2 usage error, bad option, unusable model or file; 130\n"
          "interrupted by Ctrl-C.\n"
          "\n"
          "Examples:\n"
          "  attn info --model opus-mt-fr-en\n"
          "  echo \"Bonjour à tous.\" | attn translate --model opus-mt-fr-en\n"
          "  attn align --model opus-mt-fr-en \"Bonjour à tous.\" -o align.svg\n",
          out);
}

int main(int argc, char **argv)
{
    if (attn_check_version(ATTN_VERSION_NUMBER) != ATTN_OK) {
        fprintf(stderr, "attn: %s\n", attn_last_error());
        return CLI_EXIT_USAGE;
    }
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("attn %s\n", attn_version_string());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "attn: unknown command '%s'\nRun 'attn --help' for the commands.\n",
            argv[1]);
    return CLI_EXIT_USAGE;
}
