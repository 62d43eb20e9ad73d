/* driver.c - runs a fuzz target without libFuzzer: its seeds, every
 * truncation of the small ones, then mutations drawn from a fixed seed,
 * so each run (ctest, meson test) tries the same inputs.
 *
 *   fuzz_NAME [-n RUNS] [-v]   the seeds, truncations and RUNS mutations;
 *                              -v names each input before running it
 *   fuzz_NAME -save K FILE     writes input K of that sequence to FILE
 *   fuzz_NAME -seeds DIR       writes the seeds to DIR, a libFuzzer corpus
 *   fuzz_NAME FILE...          runs these inputs (e.g. a saved crash)
 *
 * RUNS defaults to $ATTN_FUZZ_RUNS, else the target's fuzz_default_runs. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

/* Used when the target defines it, as libFuzzer does. */
extern size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                                      unsigned int seed) __attribute__((weak));

/* Seeds up to SMALL_SEED bytes also run cut at every length, the first
 * seeds first, MAX_CUTS inputs in all. */
#define SMALL_SEED 64
#define MAX_CUTS 2000

static fuzz_corpus seeds;
static uint64_t rng;

static size_t below(size_t n)
{
    return n ? (size_t)(fuzz_random(&rng) % n) : 0;
}

/* Opens a gap of n bytes at `at` (n fits: the caller checked max_size). */
static void make_room(uint8_t *data, size_t size, size_t at, size_t n)
{
    memmove(data + at + n, data + at, size - at);
}

/* One random code point as UTF-8, surrogates and all, to reach every
 * branch of the decoders. */
static size_t random_char(uint8_t out[4])
{
    static const uint32_t limits[] = { 0x80, 0x800, 0x10000, 0x110000 };
    uint32_t cp = (uint32_t)below(limits[below(4)]);
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* One byte-level change; returns the new size. */
static size_t mutate_once(uint8_t *data, size_t size, size_t max_size)
{
    static const uint8_t special[] = { 0, 1, 0x7F, 0x80, 0xBF, 0xC0, 0xFF, ' ', '\n', '"',
                                       '\\', '{', '}', '[', ']', ',', ':', '0', '9', '-' };
    size_t at = below(size + 1), n;
    uint8_t bytes[4];
    switch (below(8)) {
    case 0: /* flip a bit */
        if (size)
            data[below(size)] ^= (uint8_t)(1u << below(8));
        return size;
    case 1: /* set a byte to a value parsers care about */
        if (size)
            data[below(size)] = special[below(sizeof special)];
        return size;
    case 2: /* insert a character */
        n = random_char(bytes);
        if (size + n > max_size)
            return size;
        make_room(data, size, at, n);
        memcpy(data + at, bytes, n);
        return size + n;
    case 3: /* delete a run */
        n = 1 + below(size - at < 16 ? size - at : 16);
        if (at + n > size)
            return size;
        memmove(data + at, data + at + n, size - at - n);
        return size - n;
    case 4: /* repeat a run */
        n = 1 + below(size - at < 32 ? size - at : 32);
        if (at + n > size || size + n > max_size)
            return size;
        make_room(data, size, at + n, n);
        memcpy(data + at + n, data + at, n);
        return size + n;
    case 5: /* truncate */
        return below(size + 1);
    default: { /* splice in a run of another seed */
        const fuzz_input *other = &seeds.v[below(seeds.n)];
        size_t from = below(other->size);
        n = 1 + below(other->size - from < 64 ? other->size - from : 64);
        if (from + n > other->size || size + n > max_size)
            return size;
        make_room(data, size, at, n);
        memcpy(data + at, other->data + from, n);
        return size + n;
    }
    }
}

/* libFuzzer's byte mutator, which targets' custom mutators fall back on. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
    for (size_t k = 1 + below(4); k > 0; k--)
        size = mutate_once(data, size, max_size);
    return size;
}

/* The number of cuts of seed i when `done` came before. */
static size_t cuts(size_t i, size_t done)
{
    size_t n = seeds.v[i].size <= SMALL_SEED ? seeds.v[i].size : 0;
    return n < MAX_CUTS - done ? n : MAX_CUTS - done;
}

static size_t n_truncations(void)
{
    size_t n = 0;
    for (size_t i = 0; i < seeds.n; i++)
        n += cuts(i, n);
    return n;
}

/* Input k of the sequence into *buf (grown as needed): seeds, then the
 * truncations, then mutations, each drawn from its own number. */
static size_t make_input(size_t k, uint8_t **buf, size_t *cap, char *what, size_t what_len)
{
    const fuzz_input *src = NULL;
    size_t size = 0;
    bool mutate = false;
    if (k < seeds.n) {
        src = &seeds.v[k];
        size = src->size;
        snprintf(what, what_len, "seed %zu", k);
    } else if ((k -= seeds.n) < n_truncations()) {
        for (size_t i = 0, done = 0;; i++) {
            size_t n = cuts(i, done);
            if (k < n) {
                src = &seeds.v[i];
                size = k;
                snprintf(what, what_len, "seed %zu cut to %zu bytes", i, k);
                break;
            }
            k -= n;
            done += n;
        }
    } else {
        k -= n_truncations();
        rng = 0x5eed0000u + k;
        size_t i = below(seeds.n);
        src = &seeds.v[i];
        size = src->size;
        mutate = true;
        snprintf(what, what_len, "mutation %zu of seed %zu", k, i);
    }
    size_t max_size = 2 * src->size + 256;
    if (*cap < max_size) {
        free(*buf);
        *buf = malloc(max_size);
        *cap = max_size;
        if (!*buf) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    memcpy(*buf, src->data, size);
    if (mutate && LLVMFuzzerCustomMutator)
        size = LLVMFuzzerCustomMutator(*buf, size, max_size, (unsigned)fuzz_random(&rng));
    else if (mutate)
        size = LLVMFuzzerMutate(*buf, size, max_size);
    return size;
}

/* Runs one input from a block of exactly its size, as libFuzzer does, so
 * that AddressSanitizer sees a read past its end. */
static void run_one(const uint8_t *data, size_t size)
{
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    if (size)
        memcpy(exact, data, size);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
}

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static int run_files(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        fuzz_corpus one = { 0 };
        uint8_t chunk[1 << 16];
        fuzz_add(&one, NULL, 0, NULL, 0);
        for (size_t got; (got = fread(chunk, 1, sizeof chunk, f)) > 0;) {
            fuzz_input *in = &one.v[0];
            uint8_t *p = realloc(in->data, in->size + got + 1);
            if (!p) {
                fprintf(stderr, "out of memory\n");
                return 1;
            }
            memcpy(p + in->size, chunk, got);
            *in = (fuzz_input){ p, in->size + got };
        }
        fclose(f);
        fprintf(stderr, "running %s (%zu bytes)\n", argv[i], one.v[0].size);
        run_one(one.v[0].data, one.v[0].size);
        fuzz_corpus_free(&one);
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t runs = fuzz_default_runs;
    const char *env = getenv("ATTN_FUZZ_RUNS");
    if (env && *env)
        runs = (size_t)strtoull(env, NULL, 10);
    bool verbose = false;
    int arg = 1;
    for (; arg < argc && argv[arg][0] == '-'; arg++) {
        if (strcmp(argv[arg], "-v") == 0)
            verbose = true;
        else if (strcmp(argv[arg], "-n") == 0 && arg + 1 < argc)
            runs = (size_t)strtoull(argv[++arg], NULL, 10);
        else if ((strcmp(argv[arg], "-save") == 0 && arg + 2 < argc) ||
                 (strcmp(argv[arg], "-seeds") == 0 && arg + 1 < argc))
            break;
        else {
            fprintf(stderr, "usage: %s [-n RUNS] [-v] | -save K FILE | -seeds DIR | FILE...\n",
                    argv[0]);
            return 2;
        }
    }
    if (arg < argc && argv[arg][0] != '-')
        return run_files(argc - arg + 1, argv + arg - 1);

    fuzz_seeds(&seeds);
    uint8_t *buf = NULL;
    size_t cap = 0, size;
    char what[128];
    int rc = 0;
    if (arg < argc && strcmp(argv[arg], "-seeds") == 0) {
        for (size_t i = 0; i < seeds.n && rc == 0; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/seed-%04zu", argv[arg + 1], i);
            rc = write_file(path, seeds.v[i].data, seeds.v[i].size);
        }
    } else if (arg < argc) {
        size = make_input((size_t)strtoull(argv[arg + 1], NULL, 10), &buf, &cap, what,
                          sizeof what);
        rc = write_file(argv[arg + 2], buf, size);
    } else {
        size_t total = seeds.n + n_truncations() + runs;
        clock_t start = clock();
        for (size_t k = 0; k < total; k++) {
            size = make_input(k, &buf, &cap, what, sizeof what);
            if (verbose)
                fprintf(stderr, "input %zu: %s, %zu bytes\n", k, what, size);
            run_one(buf, size);
        }
        printf("%zu inputs (%zu seeds, %zu truncations, %zu mutations) in %.1f s\n", total,
               seeds.n, n_truncations(), runs, (double)(clock() - start) / CLOCKS_PER_SEC);
    }
    free(buf);
    fuzz_corpus_free(&seeds);
    return rc;
}
