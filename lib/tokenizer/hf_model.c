/* hf_model.c - the vocabulary every tokenizer.json model has, and the
 * dispatch to BPE, WordPiece and Unigram. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

static const char *const model_types[] = { "BPE", "WordPiece", "Unigram", NULL };

attn_status hf_vocab_init(hf_vocab *v, const char *const *pieces, const size_t *lens, size_t n)
{
    size_t total = 0;
    *v = (hf_vocab){ 0 };
    if (n > INT32_MAX)
        return err_set(ATTN_E_FORMAT, "a vocabulary of %zu pieces has ids beyond int32", n);
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    v->pool = malloc(total + 1);
    v->start = malloc((n + 1) * sizeof *v->start);
    if (!v->pool || !v->start) {
        hf_vocab_free(v);
        return err_no_memory("a vocabulary");
    }
    v->n = n;
    v->start[0] = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(v->pool + v->start[i], pieces[i], lens[i]);
        v->start[i + 1] = v->start[i] + lens[i];
    }
    /* Filled from the last id down: a piece listed twice maps to its last
     * id, as a map built in order and overwritten would. */
    for (size_t i = n; i-- > 0;) {
        attn_status st = strmap_put(&v->ids, v->pool + v->start[i], lens[i], (int32_t)i, NULL);
        if (st != ATTN_OK) {
            hf_vocab_free(v);
            return st;
        }
    }
    return ATTN_OK;
}

attn_status hf_vocab_from_object(const json_t *obj, const char *path, hf_vocab *out)
{
    size_t n = json_object_size(obj);
    const char **pieces = calloc(n + 1, sizeof *pieces);
    size_t *lens = calloc(n + 1, sizeof *lens);
    attn_status st = pieces && lens ? ATTN_OK : err_no_memory("a vocabulary");
    for (void *it = json_object_iter((json_t *)obj); it && st == ATTN_OK;
         it = json_object_iter_next((json_t *)obj, it)) {
        const char *key = json_object_iter_key(it);
        const json_t *v = json_object_iter_value(it);
        json_int_t id = json_is_integer(v) ? json_integer_value(v) : -1;
        if (!json_is_integer(v))
            st = err_set(ATTN_E_FORMAT, "%s[\"%s\"]: expected an integer id", path, key);
        else if (id < 0 || (size_t)id >= n)
            st = err_set(ATTN_E_FORMAT,
                         "%s[\"%s\"]: id %lld is out of range [0, %zu) for a vocabulary of "
                         "%zu pieces", path, key, (long long)id, n, n);
        else if (pieces[id])
            st = err_set(ATTN_E_FORMAT, "%s: id %lld is given to both \"%s\" and \"%s\"", path,
                         (long long)id, pieces[id], key);
        else
            pieces[id] = key, lens[id] = json_object_iter_key_len(it);
    }
    if (st == ATTN_OK)
        st = hf_vocab_init(out, pieces, lens, n);
    free(pieces);
    free(lens);
    return st;
}

void hf_vocab_free(hf_vocab *v)
{
    free(v->pool);
    free(v->start);
    strmap_free(&v->ids);
    *v = (hf_vocab){ 0 };
}

bool hf_vocab_piece(const hf_vocab *v, int32_t id, const char **piece, size_t *len)
{
    if (id < 0 || (size_t)id >= v->n)
        return false;
    *piece = v->pool + v->start[id];
    *len = v->start[id + 1] - v->start[id];
    return true;
}

bool hf_vocab_id(const hf_vocab *v, const char *piece, size_t len, int32_t *id)
{
    return strmap_get(&v->ids, piece, len, id);
}

void hf_vocab_byte_ids(const hf_vocab *v, int32_t byte_ids[256])
{
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        if (!hf_vocab_id(v, name, 6, &byte_ids[b]))
            byte_ids[b] = -1;
    }
}

attn_status hf_model_parse(const json_t *j, const char *path, hf_model *out)
{
    int kind;
    *out = (hf_model){ 0 };
    attn_status st = hfj_type(j, path, model_types, &kind);
    if (st != ATTN_OK)
        return st;
    out->kind = (hf_model_kind)kind;
    switch (out->kind) {
    case HF_MODEL_BPE: return hf_bpe_parse(j, path, out);
    case HF_MODEL_WORDPIECE: return hf_wordpiece_parse(j, path, out);
    case HF_MODEL_UNIGRAM: return hf_unigram_parse(j, path, out);
    }
    return ATTN_OK;
}

attn_status hf_model_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                              tk_ids *out)
{
    switch (m->kind) {
    case HF_MODEL_BPE: return hf_bpe_tokenize(m, w, s, n, out);
    case HF_MODEL_WORDPIECE: return hf_wordpiece_tokenize(m, w, s, n, out);
    case HF_MODEL_UNIGRAM: return hf_unigram_tokenize(m, w, s, n, out);
    }
    return ATTN_OK;
}

void hf_model_free(hf_model *m)
{
    switch (m->kind) {
    case HF_MODEL_BPE: hf_bpe_free(&m->u.bpe); break;
    case HF_MODEL_WORDPIECE: hf_wordpiece_free(&m->u.wp); break;
    case HF_MODEL_UNIGRAM: hf_unigram_free(&m->u.uni); break;
    }
    hf_vocab_free(&m->vocab);
    *m = (hf_model){ 0 };
}
