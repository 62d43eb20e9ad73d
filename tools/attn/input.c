/* input.c - reading inputs (TEXT arguments, the lines of one stream or of
 * two streams in step) and the checks every text gets before it reaches
 * the library: not empty, valid UTF-8. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

void reader_from_texts(input_reader *r, char **texts, size_t count)
{
    *r = (input_reader){ .texts = texts, .text_count = count, .label = "text",
                         .next_number = 1 };
}

void reader_from_stream(input_reader *r, FILE *stream, const char *name)
{
    *r = (input_reader){ .streams = { stream, NULL }, .names = { name, NULL }, .label = "line",
                         .next_number = 1 };
}

void reader_from_two_streams(input_reader *r, FILE *first, const char *first_name,
                             FILE *second, const char *second_name)
{
    *r = (input_reader){ .streams = { first, second }, .names = { first_name, second_name },
                         .label = "line", .next_number = 1 };
}

/* Reads one line of stream k into in->field[k] without its line ending:
 * 1 read, 0 at the end, -1 on an error (reported unless interrupted). */
static int read_line(input_reader *r, cli_input *in, int k)
{
    errno = 0;
    ssize_t n = getline(&in->buffer[k], &in->capacity[k], r->streams[k]);
    if (n < 0) {
        if (!ferror(r->streams[k]))
            return 0;
        if (!interrupt_requested()) {
            fprintf(stderr, "attn: reading %s: %s\n", r->names[k], strerror(errno));
            r->failed = true;
        }
        return -1;
    }
    r->bytes_read += (uint64_t)n;
    if (n > 0 && in->buffer[k][n - 1] == '\n')
        n--;
    if (n > 0 && in->buffer[k][n - 1] == '\r') /* files written on Windows */
        n--;
    in->buffer[k][n] = '\0';
    in->field[k] = in->buffer[k];
    in->length[k] = (size_t)n;
    return 1;
}

/* Reports that one of two streams ended before the other. */
static int unequal_streams(input_reader *r, int shorter)
{
    fprintf(stderr, "attn: %s has fewer lines than %s\n", r->names[shorter],
            r->names[1 - shorter]);
    r->failed = true;
    return -1;
}

int reader_next(input_reader *r, cli_input *in)
{
    if (r->failed) /* reported once */
        return -1;
    in->field[1] = NULL;
    in->length[1] = 0;
    in->error[0] = '\0';
    in->label = r->label;
    if (!r->streams[0]) {
        const size_t i = r->next_number - 1;
        if (i >= r->text_count)
            return 0;
        in->field[0] = r->texts[i];
        in->length[0] = strlen(r->texts[i]);
    } else {
        int got = read_line(r, in, 0);
        if (got >= 0 && r->streams[1]) {
            const int second = read_line(r, in, 1);
            if (second < 0)
                got = second;
            else if (got != second)
                got = unequal_streams(r, got ? 1 : 0);
        }
        if (got <= 0)
            return got;
    }
    in->number = r->next_number++;
    return 1;
}

uint64_t reader_total_bytes(const input_reader *r)
{
    struct stat st;
    if (!r->streams[0] || fstat(fileno(r->streams[0]), &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    uint64_t total = (uint64_t)st.st_size;
    if (r->streams[1] && fstat(fileno(r->streams[1]), &st) == 0 && S_ISREG(st.st_mode))
        total += (uint64_t)st.st_size;
    return total;
}

void input_free(cli_input *in)
{
    free(in->buffer[0]);
    free(in->buffer[1]);
}

size_t utf8_sequence_length(const char *s, size_t available)
{
    const unsigned char *u = (const unsigned char *)s;
    const unsigned char c = u[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
        hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80; /* overlong */
        hi = c == 0xF4 ? 0x8F : 0xBF; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (available < need || u[1] < lo || u[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if (u[k] < 0x80 || u[k] > 0xBF)
            return 0;
    return need;
}

bool input_check_utf8(cli_input *in, const char *what, const char *text, size_t length)
{
    for (size_t i = 0; i < length;) {
        const size_t n = utf8_sequence_length(text + i, length - i);
        if (n == 0) {
            snprintf(in->error, sizeof in->error, "%s%snot UTF-8 at byte %zu", what ? what : "",
                     what ? ": " : "", i + 1);
            return false;
        }
        i += n;
    }
    return true;
}

bool input_check_text(cli_input *in, const char *what, const char *text, size_t length)
{
    size_t blank = 0;
    while (blank < length && (text[blank] == ' ' || text[blank] == '\t'))
        blank++;
    if (blank == length) {
        snprintf(in->error, sizeof in->error, "empty %s", what ? what : in->label);
        return false;
    }
    return input_check_utf8(in, what, text, length);
}

FILE *cli_open_input(const char *command, const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "r");
    if (!f)
        fprintf(stderr, "attn %s: cannot open %s: %s\n", command, path, strerror(errno));
    return f;
}
