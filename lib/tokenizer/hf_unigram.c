/* hf_unigram.c - tokenizer.json's Unigram model: the shared Viterbi in
 * double precision with tokenizers' parameters (unknown score = lowest
 * score of all pieces - 10), unknown runs fused, then byte fallback. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"
#include "tokenizer/unigram.h"

#define UNK_PENALTY 10.0

/* The score tokenizers reads for the number written as `v`. serde_json
 * (without float_roundtrip) parses a number as its digits as an integer
 * converted to f64, then multiplied or divided by a power of ten: off by
 * one unit in the last place for some 17-digit scores, which changes ties
 * in the Viterbi. The digits are recovered as the shortest text that
 * reads back as v, which is how tokenizers and Python write scores. */
static double serde_score(double v)
{
    char buf[32];
    double a = fabs(v);
    if (a == 0.0 || !isfinite(a))
        return v;
    int p = 1;
    for (; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, a);
        if (strtod(buf, NULL) == a)
            break;
    }
    snprintf(buf, sizeof buf, "%.*e", p - 1, a);
    uint64_t digits = 0;
    char *e = buf;
    for (; *e != 'e'; e++)
        if (*e != '.')
            digits = digits * 10 + (uint64_t)(*e - '0');
    long exponent = strtol(e + 1, NULL, 10) - (p - 1);
    double f = (double)digits;
    for (; exponent < -308; exponent += 308)
        f /= 1e308;
    snprintf(buf, sizeof buf, "1e%ld", exponent < 0 ? -exponent : exponent);
    f = exponent < 0 ? f / strtod(buf, NULL) : f * strtod(buf, NULL);
    return v < 0 ? -f : f;
}

static attn_status parse_vocab(const json_t *list, const char *path, hf_model *m)
{
    size_t n = json_array_size(list);
    const char **pieces = malloc((n + 1) * sizeof *pieces);
    size_t *lens = malloc((n + 1) * sizeof *lens);
    hf_unigram *u = &m->u.uni;
    u->scores = malloc((n + 1) * sizeof *u->scores);
    attn_status st = pieces && lens && u->scores ? ATTN_OK : err_no_memory("a Unigram vocabulary");
    u->min_score = INFINITY;
    for (size_t i = 0; i < n && st == ATTN_OK; i++) {
        const json_t *e = json_array_get(list, i), *piece = json_array_get(e, 0),
                     *score = json_array_get(e, 1);
        if (!json_is_array(e) || json_array_size(e) != 2 || !json_is_string(piece) ||
            !json_is_number(score)) {
            st = err_set(ATTN_E_FORMAT, "%s[%zu]: expected [piece, score]", path, i);
            break;
        }
        pieces[i] = json_string_value(piece);
        lens[i] = json_string_length(piece);
        u->scores[i] = serde_score(json_number_value(score));
        if (u->scores[i] < u->min_score)
            u->min_score = u->scores[i];
    }
    if (st == ATTN_OK)
        st = hf_vocab_init(&m->vocab, pieces, lens, n);
    free(pieces);
    free(lens);
    return st;
}

/* The trie over all pieces, each key giving the id a lookup of its text
 * gives (the last of duplicates). */
static attn_status build_trie(hf_model *m)
{
    trie_key *keys = malloc((m->vocab.n + 1) * sizeof *keys);
    if (!keys)
        return err_no_memory("a Unigram vocabulary");
    for (size_t i = 0; i < m->vocab.n; i++) {
        hf_vocab_piece(&m->vocab, (int32_t)i, &keys[i].bytes, &keys[i].len);
        hf_vocab_id(&m->vocab, keys[i].bytes, keys[i].len, &keys[i].value);
    }
    attn_status st = trie_build(&m->u.uni.pieces, keys, m->vocab.n);
    free(keys);
    return st;
}

attn_status hf_unigram_parse(const json_t *j, const char *path, hf_model *m)
{
    hf_unigram *u = &m->u.uni;
    const json_t *vocab, *unk;
    char where[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "vocab", JSON_ARRAY, true, &vocab);
    if (st == ATTN_OK)
        st = parse_vocab(vocab, hfj_key_path(where, path, "vocab"), m);
    if (st == ATTN_OK)
        st = hfj_member(j, path, "unk_id", JSON_INTEGER, false, &unk);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "byte_fallback", 0, &u->byte_fallback);
    if (st != ATTN_OK)
        return st;
    json_int_t unk_id = unk ? json_integer_value(unk) : -1;
    if (unk && (unk_id < 0 || (size_t)unk_id >= m->vocab.n))
        return err_set(ATTN_E_FORMAT, "%s: %lld is not an id of the %zu pieces",
                       hfj_key_path(where, path, "unk_id"), (long long)unk_id, m->vocab.n);
    u->unk_id = (int32_t)unk_id;
    hf_vocab_byte_ids(&m->vocab, u->byte_ids);
    return build_trie(m);
}

void hf_unigram_free(hf_unigram *u)
{
    trie_free(&u->pieces);
    free(u->scores);
    *u = (hf_unigram){ 0 };
}

/* A fused run of unknown characters: its own piece if the text happens
 * to be one, else its bytes (byte_fallback, all present), else unk. */
static attn_status push_unknown(const hf_model *m, const char *s, size_t n, tk_ids *out)
{
    const hf_unigram *u = &m->u.uni;
    int32_t id;
    if (hf_vocab_id(&m->vocab, s, n, &id))
        return tk_ids_push(out, id);
    bool bytes = u->byte_fallback;
    for (size_t i = 0; bytes && i < n; i++)
        bytes = u->byte_ids[(unsigned char)s[i]] >= 0;
    attn_status st = ATTN_OK;
    for (size_t i = 0; bytes && i < n && st == ATTN_OK; i++)
        st = tk_ids_push(out, u->byte_ids[(unsigned char)s[i]]);
    return bytes || st != ATTN_OK ? st : tk_ids_push(out, u->unk_id);
}

attn_status hf_unigram_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                                tk_ids *out)
{
    const hf_unigram *u = &m->u.uni;
    unigram_model model = {
        .pieces = &u->pieces, .scores = u->scores, .kinds = NULL, .max_score = 0.0f,
        .unk_score = u->min_score - UNK_PENALTY, .unk_id = u->unk_id, .float_path = false,
    };
    w->spans.n = 0;
    attn_status st = unigram_viterbi(&model, s, n, &w->lattice, &w->lattice_cap, &w->spans);
    for (size_t i = 0; i < w->spans.n && st == ATTN_OK;) {
        tk_span sp = w->spans.v[i++];
        if (sp.id < 0)
            return err_set(ATTN_E_FORMAT, "a Unigram model without unk_id met an unknown "
                           "character");
        if (sp.id != u->unk_id) {
            st = tk_ids_push(out, sp.id);
            continue;
        }
        size_t end = sp.off + sp.len;
        for (; i < w->spans.n && w->spans.v[i].id == u->unk_id; i++)
            end = w->spans.v[i].off + w->spans.v[i].len;
        st = push_unknown(m, s + sp.off, end - sp.off, out);
    }
    return st;
}
