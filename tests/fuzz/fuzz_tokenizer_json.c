/* fuzz_tokenizer_json.c - tokenizer.json bytes through js_parse_object and
 * hf_parse and, when they load, a few texts through hf_encode and
 * hf_decode. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "io/json.h"
#include "tokenizer/hf.h"

const size_t fuzz_default_runs = 600;

/* What a loaded file may still refuse to do, as tokenizers raises for it
 * at encode or decode time: a Unigram model without unk_id meeting an
 * unknown character, a truncation stride too long for the special tokens,
 * a Strip decoder that cannot strip. */
static bool refused(attn_status st)
{
    return st == ATTN_E_FORMAT || st == ATTN_E_UNSUPPORTED;
}

static void check_tokenizer(const hf_tokenizer *tok)
{
    for (size_t t = 0; t < 2 * fuzz_n_texts; t++) {
        const char *text = fuzz_texts[t / 2];
        bool special = t % 2;
        tk_ids ids = { 0 };
        tk_str out = { 0 };
        attn_status st = hf_encode(tok, text, strlen(text), special, &ids);
        FUZZ_CHECK(st == ATTN_OK || refused(st), "hf_encode of text %zu: status %d", t / 2,
                   st);
        for (size_t i = 0; i < ids.n; i++) {
            const char *piece;
            size_t len;
            FUZZ_CHECK(hf_id_to_piece(tok, ids.v[i], &piece, &len), "id %d has no piece",
                       ids.v[i]);
        }
        if (st == ATTN_OK)
            st = hf_decode(tok, ids.v, ids.n, special, &out);
        FUZZ_CHECK(st == ATTN_OK || refused(st), "hf_decode: status %d", st);
        tk_ids_free(&ids);
        tk_str_free(&out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = NULL;
    attn_status st = js_parse_object((const char *)data, size, "input", &root);
    FUZZ_CHECK(st == ATTN_OK || st == ATTN_E_FORMAT, "js_parse_object: status %d", st);
    if (st != ATTN_OK)
        return 0;
    hf_tokenizer *tok = NULL;
    st = hf_parse(root, "input", &tok);
    json_decref(root);
    FUZZ_CHECK(st == ATTN_OK || st == ATTN_E_FORMAT || st == ATTN_E_UNSUPPORTED,
               "hf_parse: status %d", st);
    if (st == ATTN_OK)
        check_tokenizer(tok);
    hf_free(tok);
    return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    return fuzz_mutate_json(data, size, max_size, seed, 0);
}

/* ---- seeds: the fixtures' files, and smaller copies of them ---------- */

#define SMALL_VOCAB 300

static bool in_vocab(const json_t *vocab, const char *piece, size_t len)
{
    const json_t *id = json_object_getn(vocab, piece, len);
    return json_is_integer(id) && json_integer_value(id) < SMALL_VOCAB;
}

/* A merge [a, b] (or "a b") whose parts and result stay in the vocabulary. */
static bool merge_kept(const json_t *vocab, const json_t *merge)
{
    char joined[512];
    size_t n = 0;
    for (size_t i = 0; i < 2; i++) {
        const json_t *part = json_is_array(merge) ? json_array_get(merge, i) : NULL;
        const char *s = json_string_value(part);
        size_t len = json_string_length(part);
        if (!s || len >= sizeof joined - n || !in_vocab(vocab, s, len))
            return false;
        memcpy(joined + n, s, len);
        n += len;
    }
    return in_vocab(vocab, joined, n);
}

/* The file with the first SMALL_VOCAB pieces and the merges among them,
 * when that still loads: mutations of it run many times faster. */
static void add_small(fuzz_corpus *c, const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, 0, NULL);
    json_t *model = json_object_get(root, "model");
    json_t *vocab = json_object_get(model, "vocab");
    json_t *merges = json_object_get(model, "merges");
    while (json_array_size(vocab) > SMALL_VOCAB)
        json_array_remove(vocab, json_array_size(vocab) - 1);
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe(vocab, tmp, key, value) {
        if (json_integer_value(value) >= SMALL_VOCAB)
            json_object_del(vocab, key);
    }
    for (size_t i = json_array_size(merges); i-- > 0;)
        if (!merge_kept(vocab, json_array_get(merges, i)))
            json_array_remove(merges, i);
    /* Added tokens past the vocabulary must follow it without a gap. */
    json_t *added = json_object_get(root, "added_tokens");
    for (size_t i = json_array_size(added); i-- > 0;)
        if (json_integer_value(json_object_get(json_array_get(added, i), "id")) >= SMALL_VOCAB)
            json_array_remove(added, i);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    FUZZ_CHECK(text, "out of memory");
    json_t *parsed = NULL;
    hf_tokenizer *tok = NULL;
    if (js_parse_object(text, strlen(text), "seed", &parsed) == ATTN_OK &&
        hf_parse(parsed, "seed", &tok) == ATTN_OK)
        fuzz_add(c, NULL, 0, text, strlen(text));
    hf_free(tok);
    json_decref(parsed);
    free(text);
}

void fuzz_seeds(fuzz_corpus *c)
{
    static const char *const folders[] = {
        "hf-bpe-bytefallback", "hf-bytelevel-bpe", "hf-char-bpe",          "hf-from-spm",
        "hf-nfd-strip",        "hf-nfkd-bpe",      "hf-unigram",           "hf-wordpiece-cased",
        "hf-wordpiece-uncased",
    };
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        char rel[64];
        size_t size;
        strcpy(rel, folders[i]);
        strcat(rel, "/tokenizer.json");
        uint8_t *data = fuzz_read_fixture(rel, &size);
        fuzz_add(c, NULL, 0, data, size);
        add_small(c, data, size);
        free(data);
    }
}
