/* fuzz_encode.c - any bytes as text through tokenizers of each kind
 * (SentencePiece Unigram and BPE, tokenizer.json byte-level BPE, WordPiece
 * and Unigram, the Marian, M2M100 and T5 slow tokenizers), checked by
 * fuzz_exercise. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

const size_t fuzz_default_runs = 1000;

static const char *const paths[] = {
    "spm-unigram/spm-unigram.model", "spm-bpe/spm-bpe.model", "hf-bytelevel-bpe/tokenizer.json",
    "hf-wordpiece-uncased",          "hf-unigram",            "marian",
    "m2m100",                        "t5",
};
#define N_TOKENIZERS (sizeof paths / sizeof *paths)

/* Loaded once and kept for the life of the process. */
static attn_tokenizer *tokenizers[N_TOKENIZERS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < N_TOKENIZERS; i++) {
        if (!tokenizers[i])
            FUZZ_CHECK(attn_tokenizer_load(fuzz_fixture(paths[i]), NULL, &tokenizers[i]) ==
                           ATTN_OK, "cannot load %s", paths[i]);
        fuzz_exercise(tokenizers[i], data, size);
    }
    return 0;
}

static int hex(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Every case of cases.json, texts and raw bytes alike. */
void fuzz_seeds(fuzz_corpus *c)
{
    json_t *root = json_load_file(fuzz_fixture("cases.json"), 0, NULL);
    const json_t *list = json_object_get(root, "cases");
    FUZZ_CHECK(json_array_size(list) > 0, "cases.json has no cases");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *item = json_array_get(list, i);
        const json_t *text = json_object_get(item, "text");
        const char *bytes = json_string_value(json_object_get(item, "bytes_hex"));
        if (text) {
            fuzz_add(c, NULL, 0, json_string_value(text), json_string_length(text));
            continue;
        }
        FUZZ_CHECK(bytes, "case %zu has neither text nor bytes_hex", i);
        size_t n = strlen(bytes) / 2;
        uint8_t *raw = malloc(n + 1);
        FUZZ_CHECK(raw, "out of memory");
        for (size_t k = 0; k < n; k++)
            raw[k] = (uint8_t)(hex(bytes[2 * k]) * 16 + hex(bytes[2 * k + 1]));
        fuzz_add(c, NULL, 0, raw, n);
        free(raw);
    }
    json_decref(root);
}
