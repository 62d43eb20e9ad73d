/* hf_bpe.c - tokenizer.json's BPE model: a word starts as its characters
 * (with continuing_subword_prefix / end_of_word_suffix, byte fallback and
 * unknown handling), then the lowest-ranked merge is applied until none
 * is left, exactly as tokenizers' Word::merge_all orders them. No cache:
 * the model is read-only, the scratch lives in the caller's hf_work. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

struct hf_merge_slot {
    uint64_t pair;  /* left id << 32 | right id */
    uint32_t rank;
    int32_t merged; /* -1: empty slot */
};

typedef struct bpe_symbol {
    int32_t id;
    size_t len;           /* bytes; 0 once merged into its left neighbour */
    ptrdiff_t prev, next; /* -1: none */
} bpe_symbol;

typedef struct bpe_entry {
    uint32_t rank;
    int32_t merged;
    size_t pos;
} bpe_entry;

/* ---- the merge table ---- */

static uint64_t pair_key(int32_t left, int32_t right)
{
    return (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
}

static size_t pair_slot(const hf_bpe *b, uint64_t pair)
{
    uint64_t h = pair * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h ^ (h >> 32)) & b->merges_mask;
    while (b->merges[i].merged >= 0 && b->merges[i].pair != pair)
        i = (i + 1) & b->merges_mask;
    return i;
}

static const hf_merge_slot *find_merge(const hf_bpe *b, int32_t left, int32_t right)
{
    const hf_merge_slot *s = &b->merges[pair_slot(b, pair_key(left, right))];
    return s->merged >= 0 ? s : NULL;
}

static attn_status alloc_merges(hf_bpe *b, size_t count)
{
    size_t cap = 16;
    while (cap < 2 * count + 1) {
        if (cap > SIZE_MAX / 2 / sizeof *b->merges)
            return err_no_memory("a BPE merge table");
        cap *= 2;
    }
    b->merges = malloc(cap * sizeof *b->merges);
    if (!b->merges)
        return err_no_memory("a BPE merge table");
    for (size_t i = 0; i < cap; i++)
        b->merges[i].merged = -1;
    b->merges_mask = cap - 1;
    return ATTN_OK;
}

/* ---- parsing ---- */

/* One merge as its two parts: "a b" (split on its only space) or [a, b]. */
static attn_status merge_parts(const json_t *m, const char *path, const char **a, size_t *a_len,
                               const char **b, size_t *b_len)
{
    if (json_is_string(m)) {
        const char *s = json_string_value(m), *space = memchr(s, ' ', json_string_length(m));
        size_t len = json_string_length(m);
        if (!space || memchr(space + 1, ' ', len - (size_t)(space + 1 - s)))
            return err_set(ATTN_E_FORMAT, "%s: \"%s\" is not two pieces separated by a space",
                           path, s);
        *a = s, *a_len = (size_t)(space - s);
        *b = space + 1, *b_len = len - *a_len - 1;
        return ATTN_OK;
    }
    const json_t *x = json_array_get(m, 0), *y = json_array_get(m, 1);
    if (!json_is_array(m) || json_array_size(m) != 2 || !json_is_string(x) || !json_is_string(y))
        return err_set(ATTN_E_FORMAT, "%s: expected \"a b\" or [\"a\", \"b\"]", path);
    *a = json_string_value(x), *a_len = json_string_length(x);
    *b = json_string_value(y), *b_len = json_string_length(y);
    return ATTN_OK;
}

static attn_status lookup_part(const hf_vocab *v, const char *path, const char *s, size_t len,
                               int32_t *id)
{
    if (hf_vocab_id(v, s, len, id))
        return ATTN_OK;
    return err_set(ATTN_E_FORMAT, "%s: \"%.*s\" is not in the vocabulary", path, (int)len, s);
}

/* (a, b) -> (rank, id of a + b without the prefix); a pair listed again
 * takes the later rank, as tokenizers' map of merges does. */
static attn_status add_merge(hf_model *m, const json_t *merge, const char *path, uint32_t rank,
                             bool legacy, tk_str *joined)
{
    const char *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    int32_t left, right, merged;
    hf_bpe *bpe = &m->u.bpe;
    if (legacy != json_is_string(merge))
        return err_set(ATTN_E_FORMAT, "%s: merges mix \"a b\" strings and [a, b] pairs", path);
    attn_status st = merge_parts(merge, path, &a, &a_len, &b, &b_len);
    if (st == ATTN_OK)
        st = lookup_part(&m->vocab, path, a, a_len, &left);
    if (st == ATTN_OK)
        st = lookup_part(&m->vocab, path, b, b_len, &right);
    if (st == ATTN_OK && b_len < bpe->prefix_len)
        st = err_set(ATTN_E_FORMAT, "%s: \"%s\" is shorter than continuing_subword_prefix", path,
                     b);
    joined->n = 0;
    if (st == ATTN_OK)
        st = tk_str_append(joined, a, a_len);
    if (st == ATTN_OK)
        st = tk_str_append(joined, b + bpe->prefix_len, b_len - bpe->prefix_len);
    if (st == ATTN_OK)
        st = lookup_part(&m->vocab, path, joined->p, joined->n, &merged);
    if (st == ATTN_OK) {
        hf_merge_slot *s = &bpe->merges[pair_slot(bpe, pair_key(left, right))];
        *s = (hf_merge_slot){ pair_key(left, right), rank, merged };
    }
    return st;
}

static attn_status parse_merges(const json_t *j, const char *path, hf_model *m)
{
    const json_t *list;
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    tk_str joined = { 0 };
    attn_status st = hfj_member(j, path, "merges", JSON_ARRAY, true, &list);
    if (st == ATTN_OK)
        st = alloc_merges(&m->u.bpe, json_array_size(list));
    hfj_key_path(where, path, "merges");
    bool legacy = json_is_string(json_array_get(list, 0));
    uint32_t rank = 0;
    for (size_t i = 0; st == ATTN_OK && i < json_array_size(list); i++) {
        const json_t *merge = json_array_get(list, i);
        /* Merges files start with a "#version" line, which is no merge. */
        bool version_line = legacy && json_is_string(merge) &&
                            strncmp(json_string_value(merge), "#version", 8) == 0;
        if (version_line)
            continue;
        st = add_merge(m, merge, hfj_index_path(item, where, i), rank++, legacy, &joined);
    }
    tk_str_free(&joined);
    return st;
}

static attn_status parse_affix(const json_t *j, const char *path, const char *key, char **out,
                               size_t *len)
{
    const char *s;
    attn_status st = hfj_string(j, path, key, false, &s, len);
    return st == ATTN_OK && s ? hfj_dup(s, *len, out) : st;
}

static attn_status parse_dropout(const json_t *j, const char *path)
{
    const json_t *dropout;
    char where[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "dropout", JSON_REAL, false, &dropout);
    if (st != ATTN_OK || !dropout || json_number_value(dropout) == 0.0)
        return st;
    double p = json_number_value(dropout);
    hfj_key_path(where, path, "dropout");
    if (!(p >= 0.0 && p <= 1.0))
        return err_set(ATTN_E_FORMAT, "%s: %g is not a probability", where, p);
    return err_set(ATTN_E_UNSUPPORTED, "%s: %g (BPE dropout samples; only 0 or null is "
                   "deterministic)", where, p);
}

attn_status hf_bpe_parse(const json_t *j, const char *path, hf_model *m)
{
    const json_t *vocab;
    char where[HF_PATH_MAX];
    hf_bpe *b = &m->u.bpe;
    size_t unk_len;
    attn_status st = parse_dropout(j, path);
    if (st == ATTN_OK)
        st = hfj_member(j, path, "vocab", JSON_OBJECT, true, &vocab);
    if (st == ATTN_OK)
        st = hf_vocab_from_object(vocab, hfj_key_path(where, path, "vocab"), &m->vocab);
    if (st == ATTN_OK)
        st = parse_affix(j, path, "unk_token", &b->unk_token, &unk_len);
    if (st == ATTN_OK)
        st = parse_affix(j, path, "continuing_subword_prefix", &b->prefix, &b->prefix_len);
    if (st == ATTN_OK)
        st = parse_affix(j, path, "end_of_word_suffix", &b->suffix, &b->suffix_len);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "fuse_unk", 0, &b->fuse_unk);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "byte_fallback", 0, &b->byte_fallback);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "ignore_merges", 0, &b->ignore_merges);
    if (st == ATTN_OK)
        st = parse_merges(j, path, m);
    if (st != ATTN_OK)
        return st;
    if (!b->unk_token || !hf_vocab_id(&m->vocab, b->unk_token, unk_len, &b->unk_id))
        b->unk_id = -1;
    hf_vocab_byte_ids(&m->vocab, b->byte_ids);
    return ATTN_OK;
}

void hf_bpe_free(hf_bpe *b)
{
    free(b->merges);
    free(b->unk_token);
    free(b->prefix);
    free(b->suffix);
    *b = (hf_bpe){ 0 };
}

/* ---- the merge queue: a binary min-heap on (rank, position) ---- */

static bool entry_less(bpe_entry x, bpe_entry y)
{
    return x.rank != y.rank ? x.rank < y.rank : x.pos < y.pos;
}

static void heap_push(bpe_entry *heap, size_t *n, bpe_entry e)
{
    size_t i = (*n)++;
    while (i > 0 && entry_less(e, heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = e;
}

static bpe_entry heap_pop(bpe_entry *heap, size_t *n)
{
    bpe_entry top = heap[0], last = heap[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && entry_less(heap[c + 1], heap[c]))
            c++;
        if (!entry_less(heap[c], last))
            break;
        heap[i] = heap[c];
        i = c;
    }
    if (*n > 0)
        heap[i] = last;
    return top;
}

/* Queues the merge of symbols pos and its right neighbour, if any. */
static void queue_pair(const hf_bpe *b, const bpe_symbol *sym, size_t n_sym, size_t pos,
                       bpe_entry *heap, size_t *n)
{
    ptrdiff_t next = sym[pos].next;
    if (next < 0 || (size_t)next >= n_sym)
        return;
    const hf_merge_slot *m = find_merge(b, sym[pos].id, sym[next].id);
    if (m)
        heap_push(heap, n, (bpe_entry){ m->rank, m->merged, pos });
}

/* Word::merge_all. A queued merge is stale when its left symbol is gone or
 * the pair there no longer merges into the same id. */
static void merge_all(const hf_bpe *b, bpe_symbol *sym, size_t n_sym, bpe_entry *heap)
{
    size_t n = 0;
    for (size_t i = 0; i + 1 < n_sym; i++)
        queue_pair(b, sym, n_sym, i, heap, &n);
    while (n > 0) {
        bpe_entry top = heap_pop(heap, &n);
        bpe_symbol *s = &sym[top.pos];
        if (s->len == 0 || s->next < 0)
            continue;
        bpe_symbol right = sym[s->next];
        const hf_merge_slot *m = find_merge(b, s->id, right.id);
        if (!m || m->merged != top.merged)
            continue;
        sym[s->next].len = 0;
        s->id = top.merged;
        s->len += right.len;
        s->next = right.next;
        if (right.next >= 0 && (size_t)right.next < n_sym)
            sym[right.next].prev = (ptrdiff_t)top.pos;
        if (s->prev >= 0)
            queue_pair(b, sym, n_sym, (size_t)s->prev, heap, &n);
        queue_pair(b, sym, n_sym, top.pos, heap, &n);
    }
}

/* ---- building the word ---- */

typedef struct bpe_word {
    bpe_symbol *sym;
    size_t n;
    int32_t unk_id; /* a pending unknown run; -1: none */
    size_t unk_len;
} bpe_word;

static attn_status add_symbol(hf_work *w, bpe_word *word, int32_t id, size_t len)
{
    attn_status st = tk_grow(&w->symbols, &w->symbols_cap, word->n + 1, sizeof(bpe_symbol),
                             "BPE symbols");
    if (st != ATTN_OK)
        return st;
    word->sym = w->symbols;
    word->sym[word->n] = (bpe_symbol){ id, len, (ptrdiff_t)word->n - 1, -1 };
    if (word->n > 0)
        word->sym[word->n - 1].next = (ptrdiff_t)word->n;
    word->n++;
    return ATTN_OK;
}

static attn_status flush_unk(hf_work *w, bpe_word *word)
{
    attn_status st = ATTN_OK;
    if (word->unk_id >= 0)
        st = add_symbol(w, word, word->unk_id, word->unk_len);
    word->unk_id = -1;
    return st;
}

/* A character with no piece: its bytes as <0xNN> pieces if byte_fallback
 * has them all (a pending unknown run stays pending), else unk_token. */
static attn_status add_unknown(const hf_bpe *b, hf_work *w, bpe_word *word, size_t byte_len)
{
    const unsigned char *key = (const unsigned char *)w->word.p;
    bool bytes = b->byte_fallback;
    for (size_t i = 0; bytes && i < w->word.n; i++)
        bytes = b->byte_ids[key[i]] >= 0;
    attn_status st = ATTN_OK;
    for (size_t i = 0; bytes && i < w->word.n && st == ATTN_OK; i++)
        st = add_symbol(w, word, b->byte_ids[key[i]], 1);
    if (bytes || !b->unk_token || st != ATTN_OK)
        return st;
    if (b->unk_id < 0)
        return err_set(ATTN_E_FORMAT, "model.unk_token \"%s\" is not in the vocabulary",
                       b->unk_token);
    if (word->unk_id >= 0 && b->fuse_unk) {
        word->unk_len += byte_len;
        return ATTN_OK;
    }
    st = flush_unk(w, word);
    word->unk_id = b->unk_id;
    word->unk_len = byte_len;
    return st;
}

/* The symbol of the character s[i, i+len): prefixed unless first,
 * suffixed if last. */
static attn_status add_char(const hf_model *m, hf_work *w, bpe_word *word, const char *s,
                            size_t i, size_t len, bool last)
{
    const hf_bpe *b = &m->u.bpe;
    int32_t id;
    w->word.n = 0;
    attn_status st = i > 0 && b->prefix ? tk_str_append(&w->word, b->prefix, b->prefix_len)
                                         : ATTN_OK;
    if (st == ATTN_OK)
        st = tk_str_append(&w->word, s + i, len);
    if (st == ATTN_OK && last && b->suffix)
        st = tk_str_append(&w->word, b->suffix, b->suffix_len);
    if (st != ATTN_OK)
        return st;
    if (!hf_vocab_id(&m->vocab, w->word.p, w->word.n, &id))
        return add_unknown(b, w, word, len);
    st = flush_unk(w, word);
    return st == ATTN_OK ? add_symbol(w, word, id, len) : st;
}

attn_status hf_bpe_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n, tk_ids *out)
{
    const hf_bpe *b = &m->u.bpe;
    int32_t id;
    if (n == 0)
        return ATTN_OK;
    if (b->ignore_merges && hf_vocab_id(&m->vocab, s, n, &id))
        return tk_ids_push(out, id);
    bpe_word word = { w->symbols, 0, -1, 0 };
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < n && st == ATTN_OK;) {
        size_t len = utf8_lead_len((unsigned char)s[i]);
        if (len > n - i)
            len = n - i;
        st = add_char(m, w, &word, s, i, len, i + len == n);
        i += len;
    }
    if (st == ATTN_OK)
        st = flush_unk(w, &word);
    if (st == ATTN_OK && word.n > 1) /* the queue never holds more than 3 entries a symbol */
        st = tk_grow(&w->heap, &w->heap_cap, 3 * word.n, sizeof(bpe_entry), "a BPE merge queue");
    if (st != ATTN_OK)
        return st;
    if (word.n > 1)
        merge_all(b, word.sym, word.n, w->heap);
    for (size_t i = 0; i < word.n && st == ATTN_OK; i++)
        if (word.sym[i].len)
            st = tk_ids_push(out, word.sym[i].id);
    return st;
}
