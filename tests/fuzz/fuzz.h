/* fuzz.h - what the tokenizer fuzz targets share. A target is one C file
 * that defines LLVMFuzzerTestOneInput() and fuzz_seeds(); it is linked
 * either with libFuzzer or with driver.c, which runs the seeds and a
 * fixed sequence of mutations of them. A broken invariant aborts, which
 * both report as a crash. */
#ifndef ATTN_FUZZ_H
#define ATTN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "attn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

typedef struct fuzz_input {
    uint8_t *data;
    size_t size;
} fuzz_input;

typedef struct fuzz_corpus {
    fuzz_input *v;
    size_t n, cap;
} fuzz_corpus;

/* Each target's seeds, made from the test fixtures, and how many
 * mutations the driver runs by default (about 10 s in the sanitizer
 * build). */
void fuzz_seeds(fuzz_corpus *c);
extern const size_t fuzz_default_runs;

/* Appends prefix + data as one input. */
void fuzz_add(fuzz_corpus *c, const void *prefix, size_t prefix_len, const void *data,
              size_t size);
void fuzz_corpus_free(fuzz_corpus *c);

/* ATTN_FIXTURES "/tokenizers/" rel; the buffer is static. */
const char *fuzz_fixture(const char *rel);

/* The bytes of a fixture file (malloc'd, NUL-terminated). */
uint8_t *fuzz_read_fixture(const char *rel, size_t *size);

/* A folder of this process under $TMPDIR, removed at exit. */
const char *fuzz_scratch_dir(void);

/* Writes dir/name. */
void fuzz_write(const char *dir, const char *name, const void *data, size_t size);

/* Aborts with a message when `cond` is false. */
#define FUZZ_CHECK(cond, ...) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, __VA_ARGS__))
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 3, 4)))
#endif
void fuzz_fail(const char *file, int line, const char *fmt, ...);

/* Short texts that a tokenizer made from a mutated file encodes. */
extern const char *const fuzz_texts[];
extern const size_t fuzz_n_texts;

/* Encodes `text` with the public API and checks the contracts of
 * attn_tokenizer_encode/decode: the status (OK; for malformed UTF-8 OK
 * from a bare SentencePiece model and ATTN_E_INVALID_ARGUMENT from the
 * others), the buffer-too-small protocol, and that the ids decode. */
void fuzz_exercise(const attn_tokenizer *tok, const uint8_t *text, size_t len);

/* splitmix64: the next number of the stream `state`. */
uint64_t fuzz_random(uint64_t *state);

/* A structure-aware mutation of a JSON document after `skip` leading
 * bytes: a value replaced, removed, copied or emptied. Falls back to
 * LLVMFuzzerMutate when the document does not parse. */
size_t fuzz_mutate_json(uint8_t *data, size_t size, size_t max_size, unsigned int seed,
                        size_t skip);

#endif
