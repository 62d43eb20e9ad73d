/* batch.c - the loop translate and score share: read a chunk of inputs,
 * run them in one library call, retry them one by one when that call
 * fails so that one bad input costs only its own line, and print every
 * input's answer or placeholder in input order. Large inputs stream: only
 * one chunk is held at a time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const batch_job *job;
    size_t chunk_size;
    cli_input *inputs;           /* the chunk, slots reused */
    cli_input **runnable;        /* the chunk's inputs that passed the checks */
    size_t *slot;                /* runnable[j] is inputs[slot[j]] */
    const attn_result **answer;  /* per input: the result holding its answer */
    size_t *answer_index;        /* and its index there */
    attn_result **own;           /* per input: its result after a retry alone */
    attn_result *shared;         /* the chunk's result when one call did all */
    size_t library_failures;     /* inputs of this chunk the library refused */
    char first_failure[512];     /* the message of the first of them */
    bool same_failure;           /* all of them with that message */
    size_t done;                 /* inputs printed so far */
    size_t failed;               /* of them, failed ones */
    progress_bar progress;
} batch_state;

static bool batch_alloc(batch_state *s)
{
    const size_t n = s->chunk_size;
    s->inputs = calloc(n, sizeof *s->inputs);
    s->runnable = malloc(n * sizeof *s->runnable);
    s->slot = malloc(n * sizeof *s->slot);
    s->answer = malloc(n * sizeof *s->answer);
    s->answer_index = malloc(n * sizeof *s->answer_index);
    s->own = calloc(n, sizeof *s->own);
    return s->inputs && s->runnable && s->slot && s->answer && s->answer_index && s->own;
}

static void batch_free(batch_state *s)
{
    for (size_t k = 0; s->inputs && k < s->chunk_size; k++)
        input_free(&s->inputs[k]);
    free(s->inputs);
    free(s->runnable);
    free(s->slot);
    free(s->answer);
    free(s->answer_index);
    free(s->own);
}

/* Records that the library refused input `in` alone. */
static void record_failure(batch_state *s, cli_input *in)
{
    snprintf(in->error, sizeof in->error, "%s", attn_last_error());
    if (s->library_failures == 0)
        snprintf(s->first_failure, sizeof s->first_failure, "%s", in->error);
    else if (strcmp(s->first_failure, in->error) != 0)
        s->same_failure = false;
    s->library_failures++;
}

/* Runs the chunk's runnable inputs together; if that fails, each alone,
 * so that only the inputs the library refuses fail. */
static void run_chunk(batch_state *s, size_t count)
{
    const batch_job *job = s->job;
    size_t n = 0;
    s->library_failures = 0;
    s->same_failure = true;
    for (size_t k = 0; k < count; k++) {
        s->answer[k] = NULL;
        job->check(job->ctx, &s->inputs[k]);
        if (!s->inputs[k].error[0]) {
            s->runnable[n] = &s->inputs[k];
            s->slot[n++] = k;
        }
    }
    if (n == 0)
        return;
    if (job->run(job->ctx, s->runnable, n, &s->shared) == ATTN_OK) {
        for (size_t j = 0; j < n; j++) {
            s->answer[s->slot[j]] = s->shared;
            s->answer_index[s->slot[j]] = j;
        }
        return;
    }
    s->shared = NULL;
    if (n == 1) { /* nothing to isolate */
        record_failure(s, s->runnable[0]);
        return;
    }
    for (size_t j = 0; j < n; j++) {
        const size_t k = s->slot[j];
        if (job->run(job->ctx, &s->runnable[j], 1, &s->own[k]) == ATTN_OK) {
            s->answer[k] = s->own[k];
            s->answer_index[k] = 0;
        } else {
            s->own[k] = NULL;
            record_failure(s, s->runnable[j]);
        }
    }
}

/* Prints the chunk's answers and failures in input order, then frees its
 * results; false if writing to stdout failed. */
static bool print_chunk(batch_state *s, size_t count)
{
    const batch_job *job = s->job;
    bool ok = true;
    for (size_t k = 0; k < count; k++) {
        const cli_input *in = &s->inputs[k];
        if (s->answer[k]) {
            ok = job->print(job->ctx, in, s->answer[k], s->answer_index[k]) && ok;
        } else {
            progress_clear(&s->progress);
            fprintf(stderr, "attn: %s %zu: %s\n", in->label, in->number, in->error);
            ok = job->print_failed(job->ctx, in) && ok;
            s->failed++;
        }
        attn_result_free(s->own[k]);
        s->own[k] = NULL;
    }
    attn_result_free(s->shared);
    s->shared = NULL;
    s->done += count;
    return fflush(stdout) == 0 && ok;
}

/* Reads up to chunk_size inputs: fewer at the end of the input, after a
 * read error (reader->failed) or on Ctrl-C. */
static size_t read_chunk(batch_state *s, input_reader *reader)
{
    size_t count = 0;
    while (count < s->chunk_size && !interrupt_requested() &&
           reader_next(reader, &s->inputs[count]) > 0)
        count++;
    return count;
}

/* A first chunk that the library refused entirely, twice or more with
 * one message, is a problem of the options or the model, not of the
 * inputs: say it once and stop instead of once per line. */
static bool unusable_first_chunk(const batch_state *s, size_t count)
{
    if (s->done > 0 || s->library_failures < 2 || !s->same_failure)
        return false;
    for (size_t k = 0; k < count; k++)
        if (s->answer[k])
            return false;
    return true;
}

int batch_run(const batch_job *job, input_reader *reader, size_t chunk_size, bool show_progress)
{
    batch_state s = { .job = job, .chunk_size = chunk_size };
    if (!batch_alloc(&s)) {
        batch_free(&s);
        fprintf(stderr, "attn: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    progress_init(&s.progress, show_progress, reader_total_bytes(reader), reader->text_count);
    int rc = CLI_EXIT_OK;
    for (;;) {
        const size_t count = read_chunk(&s, reader);
        if (count == 0)
            break;
        run_chunk(&s, count);
        if (unusable_first_chunk(&s, count)) {
            progress_clear(&s.progress);
            fprintf(stderr, "attn: %s\n", s.first_failure);
            rc = CLI_EXIT_USAGE;
            break;
        }
        errno = 0;
        if (!print_chunk(&s, count)) {
            progress_clear(&s.progress);
            fprintf(stderr, "attn: cannot write the output: %s\n",
                    errno ? strerror(errno) : "out of memory");
            rc = CLI_EXIT_SOME_FAILED;
            break;
        }
        progress_update(&s.progress, s.done, reader->bytes_read);
    }
    progress_clear(&s.progress);
    if (rc == CLI_EXIT_OK && interrupt_requested()) {
        fprintf(stderr, "attn: interrupted after %zu inputs\n", s.done);
        rc = CLI_EXIT_INTERRUPTED;
    } else if (rc == CLI_EXIT_OK && (s.failed || reader->failed)) {
        rc = CLI_EXIT_SOME_FAILED;
    }
    batch_free(&s);
    return rc;
}
