/* spm.c - SentencePiece normalization, encoding and decoding, following
 * the library's Normalizer, the four model types and the processor's
 * post-processing (unknown merging, byte fallback) exactly. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/spm.h"
#include "tokenizer/unigram.h"

#define SPACE_MARK "\xE2\x96\x81" /* U+2581, SentencePiece's whitespace */
#define SPACE_MARK_LEN 3

/* NormalizePrefix: the replacement for the start of s and the bytes it
 * consumes. A user-defined piece passes through verbatim; otherwise the
 * longest rule applies; otherwise one character is copied (U+FFFD for a
 * malformed byte). */
static const char *spm_normalize_prefix(const spm_normalizer *nz, const trie *user,
                                        const char *s, size_t n, size_t *consumed,
                                        size_t *out_len)
{
    size_t len;
    if (user && user->n > 1 && trie_longest(user, s, n, &len) >= 0) {
        *consumed = *out_len = len;
        return s;
    }
    const char *rule = charsmap_match(&nz->rules, s, n, true, &len);
    if (rule) {
        *consumed = len;
        *out_len = strlen(rule);
        return rule;
    }
    uint32_t cp;
    len = utf8_decode(s, n, &cp);
    if (!len) {
        *consumed = 1;
        *out_len = 3;
        return "\xEF\xBF\xBD";
    }
    *consumed = *out_len = len;
    return s;
}

static attn_status spm_put_space(const spm_normalizer *nz, tk_str *out)
{
    return nz->escape_whitespaces ? tk_str_append(out, SPACE_MARK, SPACE_MARK_LEN)
                                  : tk_str_append(out, " ", 1);
}

static bool spm_ends_with(const tk_str *s, const char *tail, size_t n)
{
    return s->n >= n && memcmp(s->p + s->n - n, tail, n) == 0;
}

/* Normalizer::Normalize into *out (reset first). */
static attn_status spm_normalize(const spm_normalizer *nz, const trie *user, bool suffix,
                                 const char *s, size_t n, tk_str *out)
{
    size_t consumed, rlen;
    const char *r;
    attn_status st = ATTN_OK;

    out->n = 0;
    if (out->p)
        out->p[0] = '\0';
    while (nz->remove_extra_whitespaces && n > 0) {
        r = spm_normalize_prefix(nz, user, s, n, &consumed, &rlen);
        if (!(rlen == 1 && r[0] == ' '))
            break;
        s += consumed;
        n -= consumed;
    }
    if (n == 0)
        return ATTN_OK;
    if (!suffix && nz->add_dummy_prefix)
        st = spm_put_space(nz, out);

    bool prev_space = nz->remove_extra_whitespaces;
    while (st == ATTN_OK && n > 0) {
        r = spm_normalize_prefix(nz, user, s, n, &consumed, &rlen);
        while (prev_space && rlen > 0 && r[0] == ' ')
            r++, rlen--;
        if (rlen > 0) {
            for (size_t i = 0; st == ATTN_OK && i < rlen; i++)
                st = r[i] == ' ' && nz->escape_whitespaces ? spm_put_space(nz, out)
                                                           : tk_str_append(out, &r[i], 1);
            prev_space = r[rlen - 1] == ' ';
        }
        s += consumed;
        n -= consumed;
        if (!nz->remove_extra_whitespaces)
            prev_space = false;
    }
    if (st == ATTN_OK && nz->remove_extra_whitespaces) {
        const char *mark = nz->escape_whitespaces ? SPACE_MARK : " ";
        size_t mark_len = nz->escape_whitespaces ? SPACE_MARK_LEN : 1;
        while (spm_ends_with(out, mark, mark_len))
            out->n -= mark_len;
        if (out->p)
            out->p[out->n] = '\0';
    }
    if (st == ATTN_OK && suffix && nz->add_dummy_prefix)
        st = spm_put_space(nz, out);
    return st;
}

bool spm_find_piece(const spm_model *m, const char *piece, size_t len, int32_t *id)
{
    return strmap_get(&m->reserved, piece, len, id) || strmap_get(&m->vocab, piece, len, id);
}

int32_t spm_piece_id(const spm_model *m, const char *piece, size_t len)
{
    int32_t id;
    return spm_find_piece(m, piece, len, &id) ? id : m->unk_id;
}

/* The symbol at the start of s: a user-defined piece (frozen) or one
 * character, as PrefixMatcher::PrefixMatch returns it. */
static size_t spm_symbol_len(const spm_model *m, const char *s, size_t n, bool *frozen)
{
    size_t len;
    *frozen = m->user_trie.n > 1 && trie_longest(&m->user_trie, s, n, &len) >= 0;
    if (*frozen)
        return len;
    len = utf8_lead_len((unsigned char)s[0]);
    return len < n ? len : n;
}

static attn_status spm_encode_symbols(const spm_model *m, const char *s, size_t n,
                                      tk_spans *out)
{
    attn_status st = ATTN_OK;
    bool frozen;
    for (size_t at = 0; st == ATTN_OK && at < n;) {
        size_t len = spm_symbol_len(m, s + at, n - at, &frozen);
        st = tk_spans_push(out, spm_piece_id(m, s + at, len), at, len);
        at += len;
    }
    return st;
}

/* SplitIntoWords: a new word starts at the beginning and at every space
 * mark. */
static attn_status spm_encode_words(const spm_model *m, const char *s, size_t n, tk_spans *out)
{
    attn_status st = ATTN_OK;
    size_t word = 0;
    for (size_t at = 0; st == ATTN_OK && at <= n;) {
        size_t len = at < n ? utf8_lead_len((unsigned char)s[at]) : 0;
        if (len > n - at)
            len = n - at;
        bool mark = len == SPACE_MARK_LEN && memcmp(s + at, SPACE_MARK, SPACE_MARK_LEN) == 0;
        if ((at == n || mark) && at > word) {
            st = tk_spans_push(out, spm_piece_id(m, s + word, at - word), word, at - word);
            word = at;
        }
        if (at == n)
            break;
        at += len;
    }
    return st;
}

typedef struct bpe_symbol {
    int64_t prev, next; /* -1 at either end */
    uint32_t off, len;  /* len 0: merged away */
    bool frozen;
} bpe_symbol;

typedef struct bpe_pair {
    float score;
    uint32_t left, right, size;
} bpe_pair;

/* A merged UNUSED piece and where it splits, for resegmentation. */
typedef struct bpe_unused {
    uint32_t off, len, left_len;
} bpe_unused;

/* Max-heap order: higher score first, then the leftmost pair. */
static bool bpe_before(const bpe_pair *a, const bpe_pair *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void bpe_heap_push(bpe_pair *heap, size_t *n, bpe_pair p)
{
    size_t i = (*n)++;
    while (i > 0 && bpe_before(&p, &heap[(i - 1) / 2])) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = p;
}

static bpe_pair bpe_heap_pop(bpe_pair *heap, size_t *n)
{
    bpe_pair top = heap[0], last = heap[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && bpe_before(&heap[c + 1], &heap[c]))
            c++;
        if (!bpe_before(&heap[c], &last))
            break;
        heap[i] = heap[c];
        i = c;
    }
    if (*n)
        heap[i] = last;
    return top;
}

typedef struct bpe_state {
    const spm_model *m;
    spm_encoding *enc;
    const char *s;
    bpe_symbol *sym;
    size_t n_heap, n_unused;
} bpe_state;

/* Queues the pair (left, right) when their concatenation is a piece. */
static attn_status bpe_consider(bpe_state *b, int64_t left, int64_t right)
{
    if (left < 0 || right < 0 || b->sym[left].frozen || b->sym[right].frozen)
        return ATTN_OK;
    const bpe_symbol *l = &b->sym[left], *r = &b->sym[right];
    uint32_t size = l->len + r->len;
    int32_t id;
    if (!strmap_get(&b->m->vocab, b->s + l->off, size, &id))
        return ATTN_OK;
    spm_encoding *enc = b->enc;
    attn_status st = tk_grow(&enc->heap, &enc->heap_cap, b->n_heap + 1, sizeof(bpe_pair),
                             "a BPE merge queue");
    if (st != ATTN_OK)
        return st;
    bpe_heap_push(enc->heap, &b->n_heap,
                  (bpe_pair){ b->m->pieces[id].score, (uint32_t)left, (uint32_t)right, size });
    if (b->m->pieces[id].type != SPM_UNUSED)
        return ATTN_OK;
    st = tk_grow(&enc->unused, &enc->unused_cap, b->n_unused + 1, sizeof(bpe_unused),
                 "BPE merges");
    if (st == ATTN_OK)
        ((bpe_unused *)enc->unused)[b->n_unused++] = (bpe_unused){ l->off, size, l->len };
    return st;
}

/* The split recorded last for a merged UNUSED piece with this text. */
static const bpe_unused *bpe_find_unused(const bpe_state *b, uint32_t off, uint32_t len)
{
    const bpe_unused *u = b->enc->unused;
    for (size_t i = b->n_unused; i-- > 0;)
        if (u[i].len == len && memcmp(b->s + u[i].off, b->s + off, len) == 0)
            return &u[i];
    return NULL;
}

/* Emits a final symbol, splitting UNUSED pieces back into the pieces they
 * were merged from (depth-first, left before right). */
static attn_status bpe_emit(bpe_state *b, uint32_t off, uint32_t len)
{
    uint32_t stack[2 * 32];
    size_t top = 0;
    stack[top++] = off, stack[top++] = len;
    attn_status st = ATTN_OK;
    while (st == ATTN_OK && top > 0) {
        len = stack[--top], off = stack[--top];
        int32_t id = spm_piece_id(b->m, b->s + off, len);
        const bpe_unused *u =
            b->m->pieces[id].type == SPM_UNUSED ? bpe_find_unused(b, off, len) : NULL;
        /* Real models nest UNUSED merges a few levels deep; past 32 the
         * piece is kept whole rather than growing the stack. */
        if (!u || top + 4 > sizeof stack / sizeof *stack) {
            st = tk_spans_push(&b->enc->raw, id, off, len);
            continue;
        }
        stack[top++] = off + u->left_len, stack[top++] = len - u->left_len;
        stack[top++] = off, stack[top++] = u->left_len;
    }
    return st;
}

static attn_status spm_bpe(const spm_model *m, const char *s, size_t n, spm_encoding *enc)
{
    bpe_state b = { m, enc, s, NULL, 0, 0 };
    attn_status st = tk_grow(&enc->symbols, &enc->symbols_cap, n, sizeof(bpe_symbol),
                             "BPE symbols");
    if (st != ATTN_OK)
        return st;
    b.sym = enc->symbols;
    size_t count = 0;
    for (size_t at = 0; at < n; count++) {
        bool frozen;
        size_t len = spm_symbol_len(m, s + at, n - at, &frozen);
        b.sym[count] = (bpe_symbol){ (int64_t)count - 1, -1, (uint32_t)at, (uint32_t)len, frozen };
        at += len;
        if (at < n)
            b.sym[count].next = (int64_t)count + 1;
    }
    for (size_t i = 1; st == ATTN_OK && i < count; i++)
        st = bpe_consider(&b, (int64_t)i - 1, (int64_t)i);
    while (st == ATTN_OK && b.n_heap > 0) {
        bpe_pair top = bpe_heap_pop(enc->heap, &b.n_heap);
        bpe_symbol *l = &b.sym[top.left], *r = &b.sym[top.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != top.size)
            continue; /* stale: one side changed since the pair was queued */
        l->len += r->len;
        l->next = r->next;
        if (r->next >= 0)
            b.sym[r->next].prev = top.left;
        r->len = 0;
        st = bpe_consider(&b, l->prev, top.left);
        if (st == ATTN_OK)
            st = bpe_consider(&b, top.left, l->next);
    }
    for (int64_t i = 0; st == ATTN_OK && i >= 0 && count > 0; i = b.sym[i].next)
        st = bpe_emit(&b, b.sym[i].off, b.sym[i].len);
    return st;
}

/* PopulateSentencePieceText: unknown pieces become byte pieces when the
 * model has byte fallback; otherwise runs of them merge into one. */
static attn_status spm_finish(const spm_model *m, spm_encoding *enc)
{
    attn_status st = ATTN_OK;
    bool prev_unk = false;
    for (size_t i = 0; st == ATTN_OK && i < enc->raw.n; i++) {
        tk_span t = enc->raw.v[i];
        bool unk = t.id == m->unk_id;
        if (unk && m->byte_fallback) {
            for (uint32_t k = 0; st == ATTN_OK && k < t.len; k++)
                st = tk_spans_push(&enc->spans,
                                   m->byte_ids[(unsigned char)enc->normalized.p[t.off + k]],
                                   t.off + k, 0);
        } else if (unk && prev_unk) {
            enc->spans.v[enc->spans.n - 1].len += t.len;
        } else {
            st = tk_spans_push(&enc->spans, t.id, t.off, t.len);
        }
        prev_unk = unk;
    }
    return st;
}

attn_status spm_encode(const spm_model *m, const char *text, size_t len, spm_encoding *enc)
{
    enc->spans.n = 0;
    enc->raw.n = 0;
    attn_status st = spm_normalize(&m->normalizer, &m->user_trie, m->whitespace_as_suffix, text,
                                   len, &enc->normalized);
    const char *s = enc->normalized.p;
    size_t n = enc->normalized.n;
    if (st != ATTN_OK || n == 0)
        return st;
    switch (m->model_type) {
    case SPM_UNIGRAM: {
        unigram_model u = {
            .pieces = &m->vocab_trie, .scores = m->scores, .kinds = m->kinds,
            .max_score = m->max_score, .unk_score = (double)(m->min_score - 10.0f),
            .unk_id = m->unk_id, .float_path = true,
        };
        st = unigram_viterbi(&u, s, n, &enc->lattice, &enc->lattice_cap, &enc->raw);
        break;
    }
    case SPM_BPE:
        st = spm_bpe(m, s, n, enc);
        break;
    case SPM_WORD:
        st = spm_encode_words(m, s, n, &enc->raw);
        break;
    default:
        st = spm_encode_symbols(m, s, n, &enc->raw);
    }
    return st == ATTN_OK ? spm_finish(m, enc) : st;
}

void spm_encoding_free(spm_encoding *enc)
{
    tk_str_free(&enc->normalized);
    tk_spans_free(&enc->spans);
    tk_spans_free(&enc->raw);
    free(enc->lattice);
    free(enc->symbols);
    free(enc->heap);
    free(enc->unused);
    *enc = (spm_encoding){ 0 };
}

const char *spm_span_text(const spm_model *m, const spm_encoding *enc, size_t i, size_t *len)
{
    const tk_span *t = &enc->spans.v[i];
    if (t->len == 0) {
        *len = m->pieces[t->id].len;
        return m->pieces[t->id].text;
    }
    *len = t->len;
    return enc->normalized.p + t->off;
}

/* Appends a piece with every space mark written as ' '. */
static attn_status spm_put_unescaped(const char *p, size_t n, tk_str *out)
{
    attn_status st = ATTN_OK;
    size_t start = 0;
    for (size_t i = 0; st == ATTN_OK && i + SPACE_MARK_LEN <= n;) {
        if (memcmp(p + i, SPACE_MARK, SPACE_MARK_LEN) != 0) {
            i++;
            continue;
        }
        st = tk_str_append(out, p + start, i - start);
        if (st == ATTN_OK)
            st = tk_str_append(out, " ", 1);
        i += SPACE_MARK_LEN;
        start = i;
    }
    return st == ATTN_OK ? tk_str_append(out, p + start, n - start) : st;
}

/* A run of byte pieces decodes as UTF-8, each malformed byte as U+FFFD. */
static attn_status spm_put_bytes(const unsigned char *bytes, size_t n, tk_str *out)
{
    attn_status st = ATTN_OK;
    uint32_t cp;
    for (size_t at = 0; st == ATTN_OK && at < n;) {
        size_t len = utf8_decode((const char *)bytes + at, n - at, &cp);
        st = len ? tk_str_append(out, (const char *)bytes + at, len)
                 : tk_str_append(out, "\xEF\xBF\xBD", 3);
        at += len ? len : 1;
    }
    return st;
}

/* The pieces between byte runs, as DecodeSentencePiece renders them. */
typedef struct spm_decoder {
    const spm_model *m;
    tk_str *out;
    size_t start;            /* out->n when decoding began */
    bool bos_ws, bos_ws_seen;
    unsigned char *bytes;
    size_t n_bytes;
} spm_decoder;

static attn_status spm_flush_bytes(spm_decoder *d)
{
    attn_status st = spm_put_bytes(d->bytes, d->n_bytes, d->out);
    d->n_bytes = 0;
    return st;
}

static attn_status spm_put_piece(spm_decoder *d, int32_t id, const char *p, size_t n)
{
    const spm_model *m = d->m;
    attn_status st = spm_flush_bytes(d);
    if (st != ATTN_OK)
        return st;
    if (d->bos_ws_seen || d->out->n > d->start)
        d->bos_ws = false;
    d->bos_ws_seen = false;
    const spm_piece *piece = &m->pieces[id];
    if (piece->type == SPM_CONTROL)
        return ATTN_OK;
    if (piece->type == SPM_UNKNOWN) {
        bool is_unk = n == piece->len && memcmp(p, piece->text, n) == 0;
        return is_unk ? tk_str_append(d->out, m->unk_surface, strlen(m->unk_surface))
                      : tk_str_append(d->out, p, n);
    }
    const spm_normalizer *nz = &m->normalizer;
    if (d->bos_ws && (nz->add_dummy_prefix || nz->remove_extra_whitespaces) &&
        n >= SPACE_MARK_LEN && memcmp(p, SPACE_MARK, SPACE_MARK_LEN) == 0) {
        p += SPACE_MARK_LEN;
        n -= SPACE_MARK_LEN;
        d->bos_ws_seen = !nz->remove_extra_whitespaces;
    }
    return spm_put_unescaped(p, n, d->out);
}

attn_status spm_decode(const spm_model *m, const int32_t *ids, const char *const *pieces,
                       const size_t *piece_lens, size_t n, tk_str *out)
{
    spm_decoder d = { m, out, out->n, true, false, NULL, 0 };
    tk_str text = { 0 };
    attn_status st = tk_str_append(out, "", 0);
    if (st == ATTN_OK && n > 0 && !(d.bytes = malloc(n)))
        st = err_no_memory("decoded bytes");
    for (size_t i = 0; st == ATTN_OK && i < n; i++) {
        const char *p;
        size_t len;
        int32_t id;
        if (ids) {
            if (ids[i] < 0 || (size_t)ids[i] >= m->n_pieces) {
                st = err_set(ATTN_E_INVALID_ARGUMENT, "id %d at position %zu is outside the "
                             "vocabulary of %zu pieces", ids[i], i, m->n_pieces);
                break;
            }
            p = m->pieces[ids[i]].text;
            len = m->pieces[ids[i]].len;
        } else {
            p = pieces[i];
            len = piece_lens[i];
        }
        id = spm_piece_id(m, p, len);
        if (m->pieces[id].type == SPM_BYTE)
            d.bytes[d.n_bytes++] = (unsigned char)spm_piece_byte(p, len);
        else
            st = spm_put_piece(&d, id, p, len);
    }
    if (st == ATTN_OK)
        st = spm_flush_bytes(&d);
    if (st == ATTN_OK && m->has_denormalizer && m->denormalizer.rules.units) {
        st = spm_normalize(&m->denormalizer, NULL, false, out->p + d.start, out->n - d.start,
                           &text);
        out->n = d.start;
        if (st == ATTN_OK)
            st = tk_str_append(out, text.p ? text.p : "", text.n);
    }
    tk_str_free(&text);
    free(d.bytes);
    return st;
}
