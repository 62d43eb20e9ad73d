/* cli.h - what the attn command's files share: exit codes, argument
 * parsing, opening a model, reading input lines, the batch runner that
 * translate and score use, JSON output and the progress bar. Everything
 * here builds on the public header only. */
#ifndef ATTN_CLI_H
#define ATTN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "attn.h"

/* Exit codes, the same for every command (docs/cli.md). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_SOME_FAILED 1  /* some inputs failed, the others were done */
#define CLI_EXIT_USAGE 2        /* bad arguments, options, model or files */
#define CLI_EXIT_INTERRUPTED 130 /* stopped by Ctrl-C, as shells report SIGINT */

/* ------------------------------------------------------------ arguments */

/* A cursor over one command's arguments. */
typedef struct {
    const char *command; /* "translate", for messages */
    int argc;
    char **argv;
    int index;           /* the argument being looked at */
    bool options_ended;  /* after "--", everything is positional */
    bool failed;         /* a message was printed; the command exits 2 */
} cli_args;

void args_init(cli_args *a, const char *command, int argc, char **argv);
/* Moves to the next argument; false when there is none. */
bool args_next(cli_args *a);
const char *args_current(const cli_args *a);
/* Whether the current argument is a flag: it starts with "-" (but is
 * not "-" alone) and comes before "--". */
bool args_is_flag(const cli_args *a);
/* Whether the current argument is --help or -h. */
bool args_is_help(const cli_args *a);
/* Whether the current argument is `flag` or `flag=VALUE`. */
bool args_match(const cli_args *a, const char *flag);
/* The current flag's value: after '=' or the next argument (consumed).
 * NULL, with a message, when there is none. */
const char *args_value(cli_args *a);
/* The current flag's value as an integer in [min, max]; false, with a
 * message, otherwise. */
bool args_size(cli_args *a, size_t min, size_t max, size_t *out);
/* Prints "attn COMMAND: message" as one line, marks the arguments as
 * failed and returns CLI_EXIT_USAGE. */
int args_error(cli_args *a, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Sets the current flag --some-name[=VALUE] as the library option
 * some_name in `options` (see docs/cli.md for how values are typed). On
 * failure prints the library's message and returns false. */
bool args_library_option(cli_args *a, attn_options *options);

/* Flags that say which model to load and how to run it. */
typedef struct {
    const char *dir;    /* --model */
    size_t threads;     /* --threads, 0: the library's default */
    bool no_mmap;       /* --no-mmap */
    bool no_pack;       /* --no-pack */
} model_args;

/* Consumes --model, --threads, --no-mmap or --no-pack; false if the current
 * argument is none of them. */
bool args_model_flag(cli_args *a, model_args *m);

/* What the commands that run a model over batches of inputs (translate,
 * score, bench) share: the model flags, --max-batch-size, and the library
 * options that their other flags become. */
typedef struct {
    model_args model;
    size_t batch;           /* --max-batch-size, default 32 */
    attn_options *options;  /* max_batch_size and every library option */
} run_args;

/* Defaults and an empty option bag; false, with a message, when out of
 * memory. Free with run_args_free() either way. */
bool run_args_init(run_args *r);
/* Consumes a model flag or --max-batch-size; false for anything else. */
bool args_run_flag(cli_args *a, run_args *r);
/* After the last argument: requires --model and puts the batch size into
 * the options; a problem is printed and marks `a` failed. */
void args_run_finish(cli_args *a, run_args *r);
void run_args_free(run_args *r);

/* ---------------------------------------------------------------- model */

/* Loads m->dir. On failure prints why and returns CLI_EXIT_USAGE. */
int cli_load_model(const model_args *m, attn_model **model);
/* Loads m->dir and creates a session. On failure prints why and returns
 * CLI_EXIT_USAGE, with nothing to free. */
int cli_open_model(const model_args *m, attn_model **model, attn_session **session);
/* Checks that the model has both tokenizers; prints why not and returns
 * CLI_EXIT_USAGE otherwise. */
int cli_require_tokenizers(const attn_model *model, const char *dir);
/* The model's tokenizer on `side` (ATTN_TOKENIZER_*), or NULL with a
 * message. */
attn_tokenizer *cli_model_tokenizer(const attn_model *model, int32_t side);
/* Token ids that grow as needed. */
typedef struct {
    int32_t *ids;
    size_t count, capacity;
} id_buffer;

/* Text that grows as needed; NUL-terminated after a decode. */
typedef struct {
    char *text;
    size_t length, capacity;
} text_buffer;

/* Encodes / decodes into a buffer that grows to fit. On failure writes
 * the reason into error[0..size) and returns false. */
bool cli_encode(const attn_tokenizer *tokenizer, const char *text, size_t length,
                const attn_options *options, id_buffer *out, char *error, size_t size);
bool cli_decode(const attn_tokenizer *tokenizer, const int32_t *ids, size_t count,
                const attn_options *options, text_buffer *out, char *error, size_t size);
/* Reads ids written as decimal numbers separated by spaces or TABs into
 * `out`; on failure writes the reason into error[0..size). */
bool parse_ids(const char *text, id_buffer *out, char *error, size_t size);
/* Loads a tokenizer file or folder, the target side if `target`; NULL
 * with a message otherwise. */
attn_tokenizer *cli_load_tokenizer(const char *path, bool target);
/* The vocabulary string of `id` into buf (truncated to fit); "?" when the
 * tokenizer has no such id. */
const char *cli_piece(const attn_tokenizer *tokenizer, int32_t id, char *buf, size_t size);
/* Seconds on a monotonic clock. */
double cli_seconds(void);

/* --------------------------------------------------------------- input */

/* One input: a line of a stream (without its line ending) or a TEXT
 * argument; score's inputs have two fields, source and target. */
typedef struct {
    size_t number;          /* 1-based, for messages */
    const char *label;      /* "line" or "text", for messages */
    char *field[2];         /* NUL-terminated; field[1] NULL for one field */
    size_t length[2];
    char *buffer[2];        /* getline's buffers, reused from chunk to chunk */
    size_t capacity[2];
    char error[512];        /* why this input failed; "" while it has not */
} cli_input;

/* Where inputs come from: TEXT arguments, one stream, or two streams read
 * in step (one field from each). */
typedef struct {
    char **texts;           /* TEXT arguments, when streams[0] is NULL */
    size_t text_count;
    FILE *streams[2];
    const char *names[2];   /* for messages: "stdin", a file name */
    const char *label;      /* "line" or "text" in messages */
    size_t next_number;
    uint64_t bytes_read;    /* for the progress bar */
    bool failed;            /* a read error or unequal streams, reported */
} input_reader;

void reader_from_texts(input_reader *r, char **texts, size_t count);
void reader_from_stream(input_reader *r, FILE *stream, const char *name);
void reader_from_two_streams(input_reader *r, FILE *first, const char *first_name,
                             FILE *second, const char *second_name);
/* Reads the next input into `in`: 1 read, 0 at the end, -1 on a read
 * error or interrupt (reported, r->failed set unless interrupted). */
int reader_next(input_reader *r, cli_input *in);
/* The size of a regular-file stream, 0 when unknown. */
uint64_t reader_total_bytes(const input_reader *r);
void input_free(cli_input *in);

/* The length of the valid UTF-8 sequence at s[0..available), 0 if the
 * bytes there are not one. */
size_t utf8_sequence_length(const char *s, size_t available);

/* Fills in->error and returns false when `text` is empty (or only blanks)
 * or not UTF-8. `what` names the field in the message ("source"), or is
 * NULL for the whole input. */
bool input_check_text(cli_input *in, const char *what, const char *text, size_t length);
/* The UTF-8 half of input_check_text, for commands that accept empty
 * lines. */
bool input_check_utf8(cli_input *in, const char *what, const char *text, size_t length);
/* Opens `path` for reading ("-": stdin); NULL with a message. */
FILE *cli_open_input(const char *command, const char *path);

/* ------------------------------------------------------------ interrupt */

/* Installs the SIGINT handler: the first Ctrl-C sets a flag that batch
 * loops check; the second one ends the process at once. */
void interrupt_install(void);
bool interrupt_requested(void);

/* ------------------------------------------------------------- progress */

typedef struct {
    bool enabled;            /* wanted, stderr a terminal, stdout not */
    bool shown;              /* a bar is on the terminal now */
    double start;
    double drawn;            /* seconds after start of the last redraw */
    uint64_t total_bytes;    /* 0: unknown */
    size_t total_items;      /* 0: unknown */
} progress_bar;

void progress_init(progress_bar *p, bool wanted, uint64_t total_bytes, size_t total_items);
void progress_update(progress_bar *p, size_t items, uint64_t bytes);
/* Removes the bar, before other messages and at the end. */
void progress_clear(progress_bar *p);

/* ------------------------------------------------------------ batch run */

/* A command that runs chunks of inputs through one library call that
 * makes an attn_result (translate, score). */
typedef struct {
    void *ctx;
    /* Fills in->error when the input cannot be run at all. */
    void (*check)(void *ctx, cli_input *in);
    /* Runs inputs[0..count) in one call. */
    attn_status (*run)(void *ctx, cli_input *const *inputs, size_t count, attn_result **out);
    /* Prints input `in`, entry i of `result`; false if writing failed. */
    bool (*print)(void *ctx, const cli_input *in, const attn_result *result, size_t i);
    /* Prints the placeholder of a failed input, keeping outputs aligned. */
    bool (*print_failed)(void *ctx, const cli_input *in);
} batch_job;

/* Runs every input of `reader` through `job` in chunks of `chunk_size`,
 * retrying a failed chunk input by input, printing in input order.
 * Returns the exit code. */
int batch_run(const batch_job *job, input_reader *reader, size_t chunk_size,
              bool show_progress);

/* --------------------------------------------------------------- output */

/* Writes text to stdout with each byte of `replaced` ("\n\r", "\t\n\r")
 * written as a space, so that one input keeps one output line. */
void print_text(const char *text, size_t length, const char *replaced);


/* Sets obj[key] = value, taking the reference even on failure (as
 * json_object_set_new does); false on failure, so that a chain of calls
 * can be checked once. */
bool json_put(json_t *obj, const char *key, json_t *value);
/* A JSON number, or null for infinities and NaN, which JSON cannot hold. */
json_t *json_number(double value);
json_t *json_id_array(const int32_t *ids, size_t count);
json_t *json_float_array(const float *values, size_t count);
/* The vocabulary strings of ids, as an array. */
json_t *json_piece_array(const attn_tokenizer *tokenizer, const int32_t *ids, size_t count);
/* Writes obj compactly on one line of stdout and releases it; false if
 * obj is NULL (an allocation failed) or writing failed. */
bool json_print_line(json_t *obj);
/* What stands in the output for an input that failed: an empty line, or
 * with `json` an object with its line number and error. */
bool print_failed_input(bool json, const cli_input *in);

/* ------------------------------------------------------------------ SVG */

/* An alignment matrix to draw: weights[r * stride + c] is how much target
 * token r attends to source token c. */
typedef struct {
    const char *title;
    const char *source_text, *target_text;  /* shown under the title */
    const char *const *columns;             /* source tokens, across */
    size_t column_count;
    const char *const *rows;                /* target tokens, down */
    size_t row_count;
    const float *weights;
    size_t stride;
} heatmap;

/* Writes the heatmap as an SVG document; false if writing failed. */
bool svg_write_heatmap(FILE *out, const heatmap *h);

/* ----------------------------------------------------------------- help */

/* A command's --help: synopsis and description, its own flags, and which
 * of the shared paragraphs apply. */
typedef struct {
    const char *synopsis;      /* "usage: ..." and what the command does */
    const char *flags;         /* the command's own flags, one per line */
    bool model_flags;          /* --model, --threads, --no-mmap, --no-pack */
    bool library_options;      /* --some-name VALUE */
    bool generation_options;   /* the list of generation options */
    const char *examples;
} command_help;

/* Prints the help on stdout; returns CLI_EXIT_OK. */
int print_help(const command_help *help);

/* -------------------------------------------------------------- commands */

int cmd_translate(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_detokenize(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_align(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
