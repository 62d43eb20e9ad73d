/* fuzz_slow_folder.c - the JSON files of a slow tokenizer's folder
 * (Marian, M2M100, NLLB, mBART, T5). The first byte picks the folder, the
 * file the rest of the input replaces in a copy of it, and (bit 7) the
 * target side; the folder then goes through attn_tokenizer_load and, when
 * it loads, a few texts through fuzz_exercise. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

const size_t fuzz_default_runs = 800;

static const struct {
    const char *folder, *file;
} files[] = {
    { "marian", "vocab.json" }, { "marian", "tokenizer_config.json" },
    { "m2m100", "vocab.json" }, { "m2m100", "tokenizer_config.json" },
    { "nllb", "tokenizer_config.json" }, { "mbart", "tokenizer_config.json" },
    { "t5", "tokenizer_config.json" },
};
#define N_FILES (sizeof files / sizeof *files)

/* The scratch copy for files[i]: links to the fixture's other files. */
static const char *folder_copy(size_t i)
{
    static char paths[N_FILES][4096];
    if (paths[i][0])
        return paths[i];
    snprintf(paths[i], sizeof paths[i], "%s/%zu", fuzz_scratch_dir(), i);
    FUZZ_CHECK(mkdir(paths[i], 0700) == 0, "cannot create %s", paths[i]);
    const char *src = fuzz_fixture(files[i].folder);
    DIR *d = opendir(src);
    FUZZ_CHECK(d, "cannot list %s", src);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, files[i].file) == 0 ||
            strcmp(e->d_name, "expected.json") == 0)
            continue;
        char from[4096], to[4096];
        int n = snprintf(from, sizeof from, "%s/%s", src, e->d_name);
        int m = snprintf(to, sizeof to, "%s/%s", paths[i], e->d_name);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof from && m > 0 && (size_t)m < sizeof to &&
                   symlink(from, to) == 0, "cannot link %s", to);
    }
    closedir(d);
    return paths[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t i = (data[0] & 0x7F) % N_FILES;
    const char *dir = folder_copy(i);
    fuzz_write(dir, files[i].file, data + 1, size - 1);
    attn_options *opts = NULL;
    FUZZ_CHECK(attn_options_create(&opts) == ATTN_OK &&
               attn_options_set_int(opts, "target", data[0] >> 7) == ATTN_OK, "options");
    attn_tokenizer *tok = NULL;
    attn_status st = attn_tokenizer_load(dir, opts, &tok);
    attn_options_free(opts);
    FUZZ_CHECK(st == ATTN_OK || st == ATTN_E_FORMAT || st == ATTN_E_UNSUPPORTED ||
               st == ATTN_E_NOT_FOUND, "%s with this %s: status %d", files[i].folder,
               files[i].file, st);
    for (size_t t = 0; st == ATTN_OK && t < fuzz_n_texts; t++)
        fuzz_exercise(tok, (const uint8_t *)fuzz_texts[t], strlen(fuzz_texts[t]));
    attn_tokenizer_free(tok);
    return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    if (size > 0 && seed % 16 == 0) { /* another folder, file or side */
        data[0] = (uint8_t)(seed >> 4);
        return size;
    }
    return fuzz_mutate_json(data, size, max_size, seed, 1);
}

void fuzz_seeds(fuzz_corpus *c)
{
    for (size_t i = 0; i < N_FILES; i++) {
        char rel[128];
        size_t size;
        snprintf(rel, sizeof rel, "%s/%s", files[i].folder, files[i].file);
        uint8_t *data = fuzz_read_fixture(rel, &size);
        for (unsigned side = 0; side < 2; side++) {
            uint8_t selector = (uint8_t)(i | side << 7);
            fuzz_add(c, &selector, 1, data, size);
        }
        free(data);
    }
}
