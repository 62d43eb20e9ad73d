/* tokenize.c - libattn's runner for the tokenizer benchmark
 * (tools/bench/bench.sh tokenizers): encodes every line of a text file,
 * one attn_tokenizer_encode() call per line, and prints
 *
 *   lines N tokens T seconds S
 *
 * where S is the time of the loop over the lines (not loading the
 * tokenizer or reading the file; the timed runs write no IDS).
 *
 *   tokenize TOKENIZER TEXT [IDS]
 *
 * TOKENIZER is what attn_tokenizer_load() takes: a folder, a .model file
 * or a tokenizer.json. Lines are split at '\n' only. With IDS, each line's
 * ids are also written there, space-separated, one line per input line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attn.h"

static int fail(const char *what, attn_status st)
{
    fprintf(stderr, "tokenize: %s: %s: %s\n", what, attn_status_string(st), attn_last_error());
    return 1;
}

static char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p)
                free(buf);
            buf = p;
        }
    }
    fclose(f);
    *size = n;
    return buf;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Encodes one line into *ids, growing it when the tokenizer asks. */
static attn_status encode(const attn_tokenizer *tok, const char *s, size_t n, int32_t **ids,
                          size_t *cap, size_t *count)
{
    attn_status st = attn_tokenizer_encode(tok, s, n, NULL, *ids, *cap, count);
    if (st != ATTN_E_BUFFER_TOO_SMALL)
        return st;
    int32_t *p = realloc(*ids, *count * sizeof *p);
    if (!p)
        return ATTN_E_NO_MEMORY;
    *ids = p;
    *cap = *count;
    return attn_tokenizer_encode(tok, s, n, NULL, *ids, *cap, count);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: tokenize TOKENIZER TEXT [IDS]\n");
        return 2;
    }
    size_t size;
    char *text = read_all(argv[2], &size);
    if (!text) {
        fprintf(stderr, "tokenize: cannot read %s\n", argv[2]);
        return 1;
    }
    attn_tokenizer *tok;
    attn_status st = attn_tokenizer_load(argv[1], NULL, &tok);
    if (st != ATTN_OK)
        return fail(argv[1], st);
    FILE *out = argc == 4 ? fopen(argv[3], "w") : NULL;
    if (argc == 4 && !out) {
        fprintf(stderr, "tokenize: cannot create %s\n", argv[3]);
        return 1;
    }

    int32_t *ids = NULL;
    size_t cap = 0, count, lines = 0, tokens = 0;
    double start = now();
    /* Every '\n' ends a line; text after the last one is a line too. */
    for (size_t at = 0; at < size && st == ATTN_OK; lines++) {
        const char *end = memchr(text + at, '\n', size - at);
        size_t n = end ? (size_t)(end - (text + at)) : size - at;
        st = encode(tok, text + at, n, &ids, &cap, &count);
        tokens += count;
        for (size_t i = 0; out && st == ATTN_OK && i < count; i++)
            fprintf(out, i ? " %d" : "%d", ids[i]);
        if (out)
            fputc('\n', out);
        at += n + 1;
    }
    double seconds = now() - start;
    if (st != ATTN_OK)
        return fail("encode", st);
    if (out && fclose(out) != 0) {
        fprintf(stderr, "tokenize: cannot write %s\n", argv[3]);
        return 1;
    }
    printf("lines %zu tokens %zu seconds %.6f\n", lines, tokens, seconds);
    free(ids);
    free(text);
    attn_tokenizer_free(tok);
    return 0;
}
