/* hf_decode.c - tokenizer.json decoders: each rewrites the list of token
 * strings (Decoder::decode_chain); the caller joins the result. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

static const char *const dec_types[] = {
    "Sequence", "ByteLevel", "Metaspace", "WordPiece", "BPEDecoder", "ByteFallback", "Fuse",
    "Strip", "Replace", "CTC", NULL,
};

/* ---- the token list ---- */

/* Adds to the token being built at the end of the list (it starts where
 * the previous one ends). */
static attn_status extclose_token(hf_strs *l, const char *s, size_t len)
{
    return tk_str_append(&l->text, s, len);
}

static attn_status close_token(hf_strs *l)
{
    attn_status st = tk_grow((void **)&l->end, &l->cap, l->n + 1, sizeof *l->end, "tokens");
    if (st == ATTN_OK)
        l->end[l->n++] = l->text.n;
    return st;
}

attn_status hf_strs_push(hf_strs *l, const char *s, size_t len)
{
    attn_status st = extclose_token(l, s, len);
    return st == ATTN_OK ? close_token(l) : st;
}

void hf_strs_get(const hf_strs *l, size_t i, const char **s, size_t *len)
{
    size_t start = i ? l->end[i - 1] : 0;
    *s = l->text.p ? l->text.p + start : "";
    *len = l->end[i] - start;
}

void hf_strs_free(hf_strs *l)
{
    tk_str_free(&l->text);
    free(l->end);
    *l = (hf_strs){ 0 };
}

/* ---- parsing ---- */

static attn_status parse_string(const json_t *j, const char *path, const char *key, char **out,
                                size_t *len)
{
    const char *s;
    attn_status st = hfj_string(j, path, key, true, &s, len);
    return st == ATTN_OK ? hfj_dup(s, *len, out) : st;
}

static attn_status parse_metaspace(const json_t *j, const char *path, hf_decoder *out)
{
    hf_prepend_scheme scheme;
    bool split;
    attn_status st = hf_metaspace_parse(j, path, &out->cp, &scheme, &split);
    out->drop_first_replacement = scheme != HF_PREPEND_NEVER;
    return st;
}

static attn_status parse_sequence(const json_t *j, const char *path, int depth, hf_decoder *out)
{
    const json_t *list;
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "decoders", JSON_ARRAY, true, &list);
    if (st != ATTN_OK)
        return st;
    hfj_key_path(where, path, "decoders");
    out->items = calloc(json_array_size(list) + 1, sizeof *out->items);
    if (!out->items)
        return err_no_memory("a decoder sequence");
    for (size_t i = 0; i < json_array_size(list) && st == ATTN_OK; i++) {
        st = hf_decoder_parse(json_array_get(list, i), hfj_index_path(item, where, i), depth + 1,
                              &out->items[i]);
        out->n_items = i + 1;
    }
    return st;
}

static attn_status parse_fields(const json_t *j, const char *path, int depth, hf_decoder *out)
{
    const json_t *pattern;
    char where[HF_PATH_MAX];
    attn_status st = ATTN_OK;
    switch (out->kind) {
    case HF_DEC_SEQUENCE:
        return parse_sequence(j, path, depth, out);
    case HF_DEC_METASPACE:
        return parse_metaspace(j, path, out);
    case HF_DEC_WORDPIECE:
        st = parse_string(j, path, "prefix", &out->a, &out->a_len);
        return st == ATTN_OK ? hfj_bool(j, path, "cleanup", -1, &out->cleanup) : st;
    case HF_DEC_BPE:
        return parse_string(j, path, "suffix", &out->a, &out->a_len);
    case HF_DEC_STRIP:
        st = hfj_char(j, path, "content", &out->cp);
        if (st == ATTN_OK)
            st = hfj_size(j, path, "start", -1, SIZE_MAX, &out->start);
        return st == ATTN_OK ? hfj_size(j, path, "stop", -1, SIZE_MAX, &out->stop) : st;
    case HF_DEC_REPLACE:
        st = hfj_member(j, path, "pattern", JSON_OBJECT, true, &pattern);
        if (st == ATTN_OK)
            st = hf_pattern_parse(pattern, hfj_key_path(where, path, "pattern"), &out->pattern);
        return st == ATTN_OK ? parse_string(j, path, "content", &out->a, &out->a_len) : st;
    case HF_DEC_CTC:
        st = parse_string(j, path, "pad_token", &out->a, &out->a_len);
        if (st == ATTN_OK)
            st = parse_string(j, path, "word_delimiter_token", &out->b, &out->b_len);
        return st == ATTN_OK ? hfj_bool(j, path, "cleanup", -1, &out->cleanup) : st;
    default:
        return ATTN_OK;
    }
}

attn_status hf_decoder_parse(const json_t *j, const char *path, int depth, hf_decoder *out)
{
    int kind;
    *out = (hf_decoder){ 0 };
    if (depth >= HF_MAX_DEPTH)
        return err_set(ATTN_E_UNSUPPORTED, "%s: Sequences nested deeper than %d", path,
                       HF_MAX_DEPTH);
    attn_status st = hfj_type(j, path, dec_types, &kind);
    if (st != ATTN_OK)
        return st;
    out->kind = (hf_dec_kind)kind;
    return parse_fields(j, path, depth, out);
}

void hf_decoder_free(hf_decoder *d)
{
    for (size_t i = 0; i < d->n_items; i++)
        hf_decoder_free(&d->items[i]);
    free(d->items);
    free(d->a);
    free(d->b);
    hf_pattern_free(&d->pattern);
    *d = (hf_decoder){ 0 };
}

/* ---- string helpers ---- */

/* Rust's str::replace appended to *out: every non-overlapping `from`
 * becomes `to`; an empty `from` matches at every character boundary. */
static attn_status append_replaced(tk_str *out, const char *s, size_t n, const char *from,
                                   size_t from_len, const char *to, size_t to_len)
{
    attn_status st = ATTN_OK;
    size_t i = 0, last = 0;
    while (i <= n && st == ATTN_OK) {
        bool hit = from_len == 0 ? i == n || ((unsigned char)s[i] & 0xC0) != 0x80
                                 : i + from_len <= n && memcmp(s + i, from, from_len) == 0;
        if (!hit) {
            i++;
            continue;
        }
        st = tk_str_append(out, s + last, i - last);
        if (st == ATTN_OK)
            st = tk_str_append(out, to, to_len);
        last = i + from_len;
        i = from_len ? last : i + 1;
    }
    return st == ATTN_OK ? tk_str_append(out, s + last, n > last ? n - last : 0) : st;
}

/* WordPiece's cleanup() of s[0, n), appended to *out; a and b are
 * scratch. */
static attn_status cleanup(const char *s, size_t n, tk_str *a, tk_str *b, tk_str *out)
{
    static const char *const rules[][2] = {
        { " .", "." }, { " ?", "?" }, { " !", "!" }, { " ,", "," }, { " ' ", "'" },
        { " n't", "n't" }, { " 'm", "'m" }, { " do not", " don't" }, { " 's", "'s" },
        { " 've", "'ve" }, { " 're", "'re" },
    };
    a->n = 0;
    attn_status st = tk_str_append(a, s, n);
    for (size_t r = 0; r < sizeof rules / sizeof *rules && st == ATTN_OK; r++) {
        b->n = 0;
        st = append_replaced(b, a->p ? a->p : "", a->n, rules[r][0], strlen(rules[r][0]),
                             rules[r][1], strlen(rules[r][1]));
        tk_str t = *a;
        *a = *b;
        *b = t;
    }
    return st == ATTN_OK ? tk_str_append(out, a->p ? a->p : "", a->n) : st;
}

/* The length of the invalid sequence at s[0, n): its lead byte and the
 * continuation bytes that could still have completed it. */
static size_t maximal_subpart(const unsigned char *s, size_t n)
{
    unsigned char b = s[0];
    size_t want = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
                : b >= 0xF0 && b <= 0xF4 ? 4 : 1;
    unsigned char lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
    if (want == 1 || n < 2 || s[1] < lo || s[1] > hi)
        return 1;
    size_t k = 2;
    while (k < want && k < n && (s[k] & 0xC0) == 0x80)
        k++;
    return k;
}

/* String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD. */
static attn_status append_lossy(tk_str *out, const char *s, size_t n)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < n && st == ATTN_OK;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (len) {
            st = tk_str_append(out, s + i, len);
            i += len;
        } else {
            st = tk_str_append_cp(out, 0xFFFD);
            i += maximal_subpart((const unsigned char *)s + i, n - i);
        }
    }
    return st;
}

/* ---- the decoders ---- */

/* Whether every character of s maps back to a byte. */
static bool all_mapped(const char *s, size_t len)
{
    for (size_t k = 0; k < len;) {
        uint32_t cp;
        k += utf8_decode(s + k, len - k, &cp);
        if (hf_char_byte(cp) < 0)
            return false;
    }
    return true;
}

static attn_status byte_level(const hf_strs *in, hf_strs *out)
{
    tk_str bytes = { 0 };
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(in, i, &s, &len);
        if (!all_mapped(s, len)) { /* kept as it is */
            st = tk_str_append(&bytes, s, len);
            continue;
        }
        for (size_t k = 0; k < len && st == ATTN_OK;) {
            uint32_t cp;
            k += utf8_decode(s + k, len - k, &cp);
            char c = (char)hf_char_byte(cp);
            st = tk_str_append(&bytes, &c, 1);
        }
    }
    if (st == ATTN_OK)
        st = append_lossy(&out->text, bytes.p ? bytes.p : "", bytes.n);
    if (st == ATTN_OK)
        st = close_token(out);
    tk_str_free(&bytes);
    return st;
}

static attn_status metaspace(const hf_decoder *d, const hf_strs *in, hf_strs *out)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(in, i, &s, &len);
        for (size_t k = 0; k < len && st == ATTN_OK;) {
            uint32_t cp;
            size_t n = utf8_decode(s + k, len - k, &cp);
            if (cp != d->cp)
                st = extclose_token(out, s + k, n);
            else if (i > 0 || !d->drop_first_replacement)
                st = extclose_token(out, " ", 1);
            k += n;
        }
        if (st == ATTN_OK)
            st = close_token(out);
    }
    return st;
}

static attn_status wordpiece(const hf_decoder *d, const hf_strs *in, hf_strs *out)
{
    tk_str piece = { 0 }, a = { 0 }, b = { 0 };
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(in, i, &s, &len);
        piece.n = 0;
        if (i > 0 && len >= d->a_len && memcmp(s, d->a, d->a_len) == 0)
            s += d->a_len, len -= d->a_len;
        else if (i > 0)
            st = tk_str_append(&piece, " ", 1);
        if (st == ATTN_OK)
            st = tk_str_append(&piece, s, len);
        if (st == ATTN_OK && d->cleanup)
            st = cleanup(piece.p ? piece.p : "", piece.n, &a, &b, &out->text);
        else if (st == ATTN_OK)
            st = extclose_token(out, piece.p ? piece.p : "", piece.n);
        if (st == ATTN_OK)
            st = close_token(out);
    }
    tk_str_free(&piece);
    tk_str_free(&a);
    tk_str_free(&b);
    return st;
}

static attn_status bpe_suffix(const hf_decoder *d, const hf_strs *in, hf_strs *out)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(in, i, &s, &len);
        bool last = i + 1 == in->n;
        st = append_replaced(&out->text, s, len, d->a, d->a_len, last ? "" : " ", !last);
        if (st == ATTN_OK)
            st = close_token(out);
    }
    return st;
}

/* A "<0xNN>" token's byte (Rust's u8::from_str_radix, which takes a
 * leading '+'), or -1. */
static int fallback_byte(const char *s, size_t len)
{
    if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>')
        return -1;
    int v = 0;
    for (size_t i = s[3] == '+' ? 4 : 3; i < 5; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A run of byte tokens: one string if it is UTF-8, else U+FFFD per byte. */
static attn_status flush_bytes(tk_str *run, hf_strs *out)
{
    size_t bad;
    attn_status st = ATTN_OK;
    if (run->n > 0 && utf8_valid(run->p, run->n, &bad))
        st = hf_strs_push(out, run->p, run->n);
    else
        for (size_t i = 0; i < run->n && st == ATTN_OK; i++)
            st = hf_strs_push(out, "\xEF\xBF\xBD", 3);
    run->n = 0;
    return st;
}

static attn_status byte_fallback(const hf_strs *in, hf_strs *out)
{
    tk_str run = { 0 };
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(in, i, &s, &len);
        int b = fallback_byte(s, len);
        if (b >= 0) {
            char c = (char)b;
            st = tk_str_append(&run, &c, 1);
            continue;
        }
        st = flush_bytes(&run, out);
        if (st == ATTN_OK)
            st = hf_strs_push(out, s, len);
    }
    if (st == ATTN_OK)
        st = flush_bytes(&run, out);
    tk_str_free(&run);
    return st;
}

static attn_status fuse(const hf_strs *in, hf_strs *out)
{
    attn_status st = extclose_token(out, in->text.p ? in->text.p : "", in->text.n);
    return st == ATTN_OK ? close_token(out) : st;
}

/* Strip: up to `start` leading and `stop` trailing `content` characters.
 * Where tokenizers would index out of bounds, this refuses. */
static attn_status strip(const hf_decoder *d, const hf_strs *in, hf_strs *out)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len, from = 0, to;
        hf_strs_get(in, i, &s, &len);
        to = len;
        uint32_t cp;
        for (uint64_t k = 0; k < d->start && from < len; k++) {
            size_t n = utf8_decode(s + from, len - from, &cp);
            if (cp != d->cp)
                break;
            from += n;
        }
        for (uint64_t k = 0; k < d->stop; k++) {
            if (to == 0)
                return err_set(ATTN_E_UNSUPPORTED, "the Strip decoder cannot strip %llu "
                               "characters from \"%.*s\"", (unsigned long long)d->stop,
                               (int)len, s);
            size_t start = to - 1;
            while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
                start--;
            utf8_decode(s + start, to - start, &cp);
            if (cp != d->cp)
                break;
            to = start;
        }
        if (from > to)
            return err_set(ATTN_E_UNSUPPORTED, "the Strip decoder cannot strip \"%.*s\"",
                           (int)len, s);
        st = hf_strs_push(out, s + from, to - from);
    }
    return st;
}

static attn_status replace(hf_work *w, const hf_decoder *d, const hf_strs *in, hf_strs *out)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(in, i, &s, &len);
        st = hf_find_matches(w, &d->pattern, s, len, false);
        for (size_t k = 0; k < w->matches.n && st == ATTN_OK; k++) {
            const hf_match *m = &w->matches.v[k];
            st = m->is_match ? extclose_token(out, d->a, d->a_len)
                             : extclose_token(out, s + m->start, m->end - m->start);
        }
        if (st == ATTN_OK)
            st = close_token(out);
    }
    return st;
}

static attn_status ctc(const hf_decoder *d, const hf_strs *in, hf_strs *out)
{
    tk_str a = { 0 }, b = { 0 }, c = { 0 }, t = { 0 };
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < in->n && st == ATTN_OK; i++) {
        const char *s, *prev;
        size_t len, prev_len;
        hf_strs_get(in, i, &s, &len);
        if (i > 0) { /* consecutive duplicates collapse */
            hf_strs_get(in, i - 1, &prev, &prev_len);
            if (prev_len == len && memcmp(prev, s, len) == 0)
                continue;
        }
        t.n = 0;
        st = append_replaced(&t, s, len, d->a, d->a_len, "", 0);
        if (st == ATTN_OK && d->cleanup) {
            c.n = 0;
            st = cleanup(t.p ? t.p : "", t.n, &a, &b, &c);
            t.n = 0;
            if (st == ATTN_OK)
                st = append_replaced(&t, c.p ? c.p : "", c.n, d->b, d->b_len, " ", 1);
        }
        if (st == ATTN_OK && t.n > 0)
            st = hf_strs_push(out, t.p, t.n);
    }
    tk_str_free(&a);
    tk_str_free(&b);
    tk_str_free(&c);
    tk_str_free(&t);
    return st;
}

static attn_status decode_one(const hf_decoder *d, hf_work *w, const hf_strs *in, hf_strs *out)
{
    switch (d->kind) {
    case HF_DEC_BYTE_LEVEL: return byte_level(in, out);
    case HF_DEC_METASPACE: return metaspace(d, in, out);
    case HF_DEC_WORDPIECE: return wordpiece(d, in, out);
    case HF_DEC_BPE: return bpe_suffix(d, in, out);
    case HF_DEC_BYTE_FALLBACK: return byte_fallback(in, out);
    case HF_DEC_FUSE: return fuse(in, out);
    case HF_DEC_STRIP: return strip(d, in, out);
    case HF_DEC_REPLACE: return replace(w, d, in, out);
    case HF_DEC_CTC: return ctc(d, in, out);
    case HF_DEC_SEQUENCE: break;
    }
    return ATTN_OK;
}

attn_status hf_decode_chain(const hf_decoder *d, hf_work *w, hf_strs *tokens, hf_strs *spare)
{
    attn_status st = ATTN_OK;
    if (d->kind == HF_DEC_SEQUENCE) {
        for (size_t i = 0; i < d->n_items && st == ATTN_OK; i++)
            st = hf_decode_chain(&d->items[i], w, tokens, spare);
        return st;
    }
    spare->n = 0;
    spare->text.n = 0;
    st = decode_one(d, w, tokens, spare);
    hf_strs t = *tokens;
    *tokens = *spare;
    *spare = t;
    return st;
}
