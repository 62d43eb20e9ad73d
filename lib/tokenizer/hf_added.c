/* hf_added.c - the added tokens of tokenizer.json: their ids, assigned the
 * way tokenizers' AddedVocabulary::add_tokens assigns them, and their
 * extraction from the text before the model sees it (leftmost-longest,
 * raw-text tokens first, then normalized ones on the normalized rest). */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"
#include "tokenizer/unicode.h"

/* The patterns of one pass, in tokenizers' order (special tokens first). */
typedef struct pattern_set {
    trie keys;   /* values index ids[] */
    int32_t *ids;
} pattern_set;

/* ---- parsing ---- */

static attn_status parse_token(const json_t *j, const char *path, hf_added_token *t,
                               int64_t *file_id)
{
    const char *content;
    uint64_t id;
    attn_status st = hfj_size(j, path, "id", -1, INT32_MAX, &id);
    if (st == ATTN_OK)
        st = hfj_string(j, path, "content", true, &content, &t->len);
    if (st == ATTN_OK)
        st = hfj_dup(content, t->len, &t->content);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "single_word", -1, &t->single_word);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "lstrip", -1, &t->lstrip);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "rstrip", -1, &t->rstrip);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "normalized", -1, &t->normalized);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "special", -1, &t->special);
    *file_id = (int64_t)id;
    return st;
}

static bool same_token(const hf_added_token *a, const hf_added_token *b)
{
    return a->len == b->len && memcmp(a->content, b->content, a->len) == 0 &&
           a->single_word == b->single_word && a->lstrip == b->lstrip &&
           a->rstrip == b->rstrip && a->normalized == b->normalized && a->special == b->special;
}

/* The id add_tokens gives a new content: after the highest added id, or
 * the model vocabulary size when that is higher. */
static int32_t next_id(size_t model_n, int32_t max_added)
{
    if (max_added < 0)
        return (int32_t)model_n;
    return (size_t)max_added >= model_n || model_n == 0 ? max_added + 1 : (int32_t)model_n;
}

static attn_status set_flags_of(hf_added *a, int32_t id, size_t token)
{
    size_t old = a->n_ids;
    attn_status st = tk_grow((void **)&a->flags_of, &a->n_ids, (size_t)id + 1,
                             sizeof *a->flags_of, "added tokens");
    for (size_t i = old; st == ATTN_OK && i < a->n_ids; i++)
        a->flags_of[i] = -1;
    if (st == ATTN_OK)
        a->flags_of[id] = (int32_t)token;
    return st;
}

/* Assigns ids in file order; a file id that differs from the assigned one
 * means the file does not describe this vocabulary. */
static attn_status assign_ids(hf_added *a, const hf_model *model, const int64_t *file_ids)
{
    int32_t max_added = -1;
    for (size_t i = 0; i < a->n; i++) {
        hf_added_token *t = &a->tokens[i];
        int32_t id;
        t->id = -1;
        t->repeated = t->len == 0;
        if (t->len == 0)
            continue;
        bool known = strmap_get(&a->by_content, t->content, t->len, &id);
        if (known && a->flags_of[id] >= 0 && same_token(&a->tokens[a->flags_of[id]], t)) {
            t->id = id;
            t->repeated = true;
        } else {
            if (!known && !hf_vocab_id(&model->vocab, t->content, t->len, &id)) {
                id = next_id(model->vocab.n, max_added);
                a->unique++;
            }
            attn_status st = strmap_put(&a->by_content, t->content, t->len, id, NULL);
            if (st == ATTN_OK)
                st = set_flags_of(a, id, i);
            if (st != ATTN_OK)
                return st;
            max_added = id > max_added ? id : max_added;
            t->id = id;
        }
        if (t->id != file_ids[i])
            return err_set(ATTN_E_FORMAT,
                           "added_tokens[%zu].id: \"%s\" is listed with id %lld but is id %d "
                           "(duplicate or out-of-order ids)",
                           i, t->content, (long long)file_ids[i], t->id);
    }
    return ATTN_OK;
}

/* The pattern text of a token: its content, normalized when it asks. */
static attn_status pattern_text(const hf_added_token *t, const hf_normalizer *normalizer,
                                hf_work *w, const char **s, size_t *len)
{
    *s = t->content;
    *len = t->len;
    if (!t->normalized || !normalizer)
        return ATTN_OK;
    attn_status st = hf_work_start(w, t->content, t->len);
    if (st == ATTN_OK)
        st = hf_normalize(normalizer, w, &w->pieces.v[0]);
    if (st != ATTN_OK)
        return st;
    *s = w->text + w->pieces.v[0].off;
    *len = w->pieces.v[0].len;
    if (*len == 0)
        return err_set(ATTN_E_UNSUPPORTED, "added token \"%s\" normalizes to nothing",
                       t->content);
    return ATTN_OK;
}

/* Adds token i as the next pattern of its pass. */
static attn_status add_pattern(const hf_added *a, size_t i, const hf_normalizer *normalizer,
                               hf_work *w, trie_key *keys[2], int32_t *ids[2], size_t n[2])
{
    const hf_added_token *t = &a->tokens[i];
    int pass = t->normalized;
    const char *s;
    size_t len;
    int32_t id;
    strmap_get(&a->by_content, t->content, t->len, &id);
    attn_status st = pattern_text(t, normalizer, w, &s, &len);
    char *copy;
    if (st == ATTN_OK)
        st = hfj_dup(s, len, &copy);
    if (st != ATTN_OK)
        return st;
    keys[pass][n[pass]] = (trie_key){ copy, len, (int32_t)n[pass] };
    ids[pass][n[pass]++] = id;
    return ATTN_OK;
}

/* Special tokens (each content once), then the others, into two tries. */
static attn_status build_patterns(hf_added *a, const hf_normalizer *normalizer)
{
    trie_key *keys[2] = { calloc(2 * a->n + 1, sizeof(trie_key)),
                          calloc(2 * a->n + 1, sizeof(trie_key)) };
    int32_t *ids[2] = { malloc((2 * a->n + 1) * sizeof(int32_t)),
                        malloc((2 * a->n + 1) * sizeof(int32_t)) };
    size_t n[2] = { 0, 0 };
    hf_work w = { 0 };
    attn_status st = keys[0] && keys[1] && ids[0] && ids[1] ? ATTN_OK
                                                            : err_no_memory("added tokens");
    for (size_t i = 0; i < a->n && st == ATTN_OK; i++) {
        const hf_added_token *t = &a->tokens[i];
        int32_t first;
        if (t->special && t->len > 0 && strmap_get(&a->special, t->content, t->len, &first) &&
            first == (int32_t)i)
            st = add_pattern(a, i, normalizer, &w, keys, ids, n);
    }
    for (size_t i = 0; i < a->n && st == ATTN_OK; i++) {
        const hf_added_token *t = &a->tokens[i];
        int32_t first;
        if (!t->repeated && !strmap_get(&a->special, t->content, t->len, &first))
            st = add_pattern(a, i, normalizer, &w, keys, ids, n);
    }
    if (st == ATTN_OK)
        st = trie_build(&a->raw, keys[0], n[0]);
    if (st == ATTN_OK)
        st = trie_build(&a->normalized, keys[1], n[1]);
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; keys[p] && i < n[p]; i++)
            free((char *)keys[p][i].bytes);
        free(keys[p]);
    }
    a->raw_ids = ids[0];
    a->normalized_ids = ids[1];
    hf_work_free(&w);
    return st;
}

attn_status hf_added_parse(const json_t *list, const hf_model *model,
                           const hf_normalizer *normalizer, hf_added *out)
{
    char path[HF_PATH_MAX];
    *out = (hf_added){ 0 };
    size_t n = json_array_size(list);
    int64_t *file_ids = malloc((n + 1) * sizeof *file_ids);
    out->tokens = calloc(n + 1, sizeof *out->tokens);
    attn_status st = file_ids && out->tokens ? ATTN_OK : err_no_memory("added tokens");
    for (size_t i = 0; i < n && st == ATTN_OK; i++) {
        st = parse_token(json_array_get(list, i), hfj_index_path(path, "added_tokens", i),
                         &out->tokens[i], &file_ids[i]);
        out->n = i + 1;
    }
    for (size_t i = 0; i < out->n && st == ATTN_OK; i++) {
        const hf_added_token *t = &out->tokens[i];
        if (t->special && t->len > 0) /* keeps the first index of each content */
            st = strmap_put(&out->special, t->content, t->len, (int32_t)i, NULL);
    }
    if (st == ATTN_OK)
        st = assign_ids(out, model, file_ids);
    if (st == ATTN_OK)
        st = build_patterns(out, normalizer);
    free(file_ids);
    return st;
}

void hf_added_free(hf_added *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->tokens[i].content);
    free(a->tokens);
    strmap_free(&a->by_content);
    strmap_free(&a->special);
    free(a->flags_of);
    trie_free(&a->raw);
    trie_free(&a->normalized);
    free(a->raw_ids);
    free(a->normalized_ids);
    *a = (hf_added){ 0 };
}

const hf_added_token *hf_added_by_id(const hf_added *a, int32_t id)
{
    if (id < 0 || (size_t)id >= a->n_ids || a->flags_of[id] < 0)
        return NULL;
    return &a->tokens[a->flags_of[id]];
}

/* ---- extraction ---- */

static uint32_t last_char(const char *s, size_t n)
{
    size_t i = n - 1;
    uint32_t cp = 0;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    utf8_decode(s + i, n - i, &cp);
    return cp;
}

/* Where the whitespace that ends s[0, n) starts. */
static size_t trailing_space_start(const char *s, size_t n)
{
    while (n > 0 && uc_is_white_space(last_char(s, n))) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return n;
}

/* The length of the whitespace that starts s[0, n). */
static size_t leading_space_len(const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;
    while (i < n) {
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (!len || !uc_is_white_space(cp))
            break;
        i += len;
    }
    return i;
}

/* A single_word token needs no word character right before or after. */
static bool is_single_word(const char *s, size_t n, size_t start, size_t stop)
{
    uint32_t next = 0;
    if (stop < n)
        utf8_decode(s + stop, n - stop, &next);
    return (start == 0 || !uc_is_word(last_char(s, start))) && (stop == n || !uc_is_word(next));
}

static attn_status push_split(hf_work *w, const hf_piece *p, size_t start, size_t end,
                              int32_t id, hf_pieces *out)
{
    if (end == start)
        return ATTN_OK;
    hf_piece s = hf_slice(w, p, start, end);
    s.id = id;
    return hf_pieces_push(out, s);
}

/* AddedVocabulary::find_matches + split_with_indices on one piece. */
static attn_status split_piece(const hf_added *a, const pattern_set *set, hf_work *w,
                               const hf_piece *p, hf_pieces *out)
{
    const char *s = w->text + p->off;
    size_t n = p->len, done = 0, pos = 0;
    attn_status st = ATTN_OK;
    while (pos < n && st == ATTN_OK) {
        size_t len = 0, start = pos;
        int32_t k = -1;
        for (; start < n; start++) {
            k = trie_longest(&set->keys, s + start, n - start, &len);
            if (k >= 0)
                break;
        }
        if (k < 0)
            break;
        size_t stop = start + len;
        int32_t id = set->ids[k];
        const hf_added_token *t = hf_added_by_id(a, id);
        pos = stop;
        if (t->single_word && !is_single_word(s, n, start, stop))
            continue;
        if (t->lstrip) {
            size_t lead = trailing_space_start(s, start);
            start = lead > done ? lead : done;
        }
        if (t->rstrip)
            stop += leading_space_len(s + stop, n - stop);
        if (done < start)
            st = push_split(w, p, done, start, -1, out);
        if (st == ATTN_OK)
            st = push_split(w, p, start, stop, id, out);
        done = stop;
    }
    return st == ATTN_OK ? push_split(w, p, done, n, -1, out) : st;
}

/* One pass over the pieces that are not tokens yet, optionally
 * normalizing each first. */
static attn_status extract_pass(const hf_added *a, const pattern_set *set,
                                const hf_normalizer *normalizer, hf_work *w)
{
    attn_status st = ATTN_OK;
    w->spare.n = 0;
    for (size_t i = 0; i < w->pieces.n && st == ATTN_OK; i++) {
        hf_piece p = w->pieces.v[i];
        if (p.id >= 0) {
            st = hf_pieces_push(&w->spare, p);
            continue;
        }
        if (normalizer)
            st = hf_normalize(normalizer, w, &p);
        if (st == ATTN_OK)
            st = set->keys.n > 1 ? split_piece(a, set, w, &p, &w->spare)
                                 : push_split(w, &p, 0, p.len, -1, &w->spare);
    }
    hf_pieces t = w->pieces;
    w->pieces = w->spare;
    w->spare = t;
    return st;
}

attn_status hf_added_extract(const hf_added *a, const hf_normalizer *normalizer, hf_work *w)
{
    pattern_set raw = { a->raw, a->raw_ids }, normalized = { a->normalized, a->normalized_ids };
    attn_status st = extract_pass(a, &raw, NULL, w);
    return st == ATTN_OK ? extract_pass(a, &normalized, normalizer, w) : st;
}
