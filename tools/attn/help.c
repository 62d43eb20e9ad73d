/* help.c - the layout of every command's --help and the paragraphs that
 * several commands share. */
#include "cli.h"

static const char model_flags[] =
    "  --model DIR            the model folder: config.json, generation_config.json,\n"
    "                         model.safetensors (or its shards), tokenizer files\n"
    "  --threads N            threads for matrix products (default 0: OMP_NUM_THREADS,\n"
    "                         else every core)\n"
    "  --no-mmap              read the weights into memory instead of mapping them\n"
    "  --no-pack              use the weights as stored instead of packed copies\n"
    "                         (less memory, slower products)\n";

static const char library_options[] =
    "\n"
    "Library options: every option of docs/options.md is also a flag, with '-'\n"
    "for '_': --some-name VALUE (or --some-name=VALUE) sets some_name to VALUE,\n"
    "read as an integer, a number or a string by its form; lists are JSON text\n"
    "(--bad-words-ids '[[12, 7]]'). A switch, an option that takes only 0 or 1\n"
    "such as --do-sample, given alone means 1. An unknown name or a value of the\n"
    "wrong type or range stops the command at once with the library's message\n"
    "(exit status 2); an option the command's library call does not take is\n"
    "reported by that call.\n";

static const char generation_options[] =
    "\n"
    "Generation options have transformers' names: --num-beams N, --max-new-tokens N,\n"
    "--max-length N, --min-new-tokens N, --length-penalty X,\n"
    "--no-repeat-ngram-size N, --repetition-penalty X, --num-return-sequences N,\n"
    "--early-stopping 0|1|never, --do-sample, --temperature X, --top-k N,\n"
    "--top-p X, --seed N, --bad-words-ids JSON, --forced-bos-token-id ID, ...;\n"
    "--src-lang CODE and --tgt-lang CODE pick the languages of mBART-50, NLLB and\n"
    "M2M100 models. Options not given come from the model's\n"
    "generation_config.json, else from transformers' defaults.\n";

static const char exit_codes[] =
    "\n"
    "Exit status: 0 all done; 1 some inputs failed (each reported on stderr as\n"
    "'attn: line N: reason', the others done); 2 usage error, bad option,\n"
    "unusable model or file; 130 interrupted by Ctrl-C.\n";

int print_help(const command_help *help)
{
    fputs(help->synopsis, stdout);
    fputs("\nFlags:\n", stdout);
    if (help->model_flags)
        fputs(model_flags, stdout);
    fputs(help->flags, stdout);
    fputs("  -h, --help             show this help\n", stdout);
    if (help->library_options)
        fputs(library_options, stdout);
    if (help->generation_options)
        fputs(generation_options, stdout);
    fputs(exit_codes, stdout);
    fputs("\nExamples:\n", stdout);
    fputs(help->examples, stdout);
    return CLI_EXIT_OK;
}
