/* hf_normalize.c - tokenizer.json normalizers. Each one is written as the
 * list of (character, change) steps tokenizers feeds to
 * NormalizedString::transform, so that alignments, and with them
 * Metaspace's "first" prepend, come out the same. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"
#include "tokenizer/unicode.h"

static const char *const norm_types[] = {
    "Sequence", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "BertNormalizer",
    "Precompiled", "Replace", "Prepend", "Strip", "Nmt", "ByteLevel", NULL,
};

/* ---- parsing ---- */

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard, padded base64 into a malloc'd buffer. */
static attn_status base64_decode(const char *s, size_t len, const char *path,
                                 unsigned char **out, size_t *out_len)
{
    size_t pad = len >= 1 && s[len - 1] == '=' ? 1 + (len >= 2 && s[len - 2] == '=') : 0;
    if (len % 4 != 0)
        return err_set(ATTN_E_FORMAT, "%s: not base64 (length %zu)", path, len);
    *out = malloc(len / 4 * 3 + 1);
    if (!*out)
        return err_no_memory("a precompiled_charsmap");
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t bits = 0;
        for (size_t k = 0; k < 4; k++) {
            int v = i + k >= len - pad ? 0 : base64_value(s[i + k]);
            if (v < 0) {
                free(*out);
                return err_set(ATTN_E_FORMAT, "%s: not base64 (character %zu)", path, i + k);
            }
            bits = bits << 6 | (uint32_t)v;
        }
        (*out)[n++] = (unsigned char)(bits >> 16);
        (*out)[n++] = (unsigned char)(bits >> 8);
        (*out)[n++] = (unsigned char)bits;
    }
    *out_len = n - pad;
    return ATTN_OK;
}

static attn_status parse_precompiled(const json_t *j, const char *path, hf_normalizer *out)
{
    const char *s;
    size_t len, blob_len = 0;
    unsigned char *blob = NULL;
    char where[HF_PATH_MAX];
    hfj_key_path(where, path, "precompiled_charsmap");
    attn_status st = hfj_string(j, path, "precompiled_charsmap", true, &s, &len);
    if (st == ATTN_OK)
        st = base64_decode(s, len, where, &blob, &blob_len);
    if (st != ATTN_OK)
        return st;
    st = charsmap_parse(blob, blob_len, &out->map);
    free(blob);
    if (st != ATTN_OK)
        return err_prefix(st, "%s", where);
    size_t bad;
    if (!utf8_valid(out->map.normalized, out->map.normalized_len, &bad))
        return err_set(ATTN_E_FORMAT, "%s: the replacement strings are not UTF-8 (byte %zu)",
                       where, bad);
    return ATTN_OK;
}

static attn_status parse_bert(const json_t *j, const char *path, hf_normalizer *out)
{
    const json_t *strip;
    attn_status st = hfj_bool(j, path, "clean_text", -1, &out->clean_text);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "handle_chinese_chars", -1, &out->chinese_chars);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "lowercase", -1, &out->lowercase);
    if (st == ATTN_OK)
        st = hfj_member(j, path, "strip_accents", JSON_TRUE, false, &strip);
    if (st == ATTN_OK) /* unset: follow lowercase */
        out->strip_accents = strip ? json_is_true(strip) : out->lowercase;
    return st;
}

static attn_status parse_sequence(const json_t *j, const char *path, int depth,
                                  hf_normalizer *out)
{
    const json_t *list;
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "normalizers", JSON_ARRAY, true, &list);
    if (st != ATTN_OK)
        return st;
    hfj_key_path(where, path, "normalizers");
    out->items = calloc(json_array_size(list) + 1, sizeof *out->items);
    if (!out->items)
        return err_no_memory("a normalizer sequence");
    for (size_t i = 0; i < json_array_size(list) && st == ATTN_OK; i++) {
        st = hf_normalizer_parse(json_array_get(list, i), hfj_index_path(item, where, i),
                                 depth + 1, &out->items[i]);
        out->n_items = i + 1;
    }
    return st;
}

static attn_status parse_content(const json_t *j, const char *path, const char *key,
                                 hf_normalizer *out)
{
    const char *s;
    attn_status st = hfj_string(j, path, key, true, &s, &out->content_len);
    return st == ATTN_OK ? hfj_dup(s, out->content_len, &out->content) : st;
}

attn_status hf_normalizer_parse(const json_t *j, const char *path, int depth,
                                hf_normalizer *out)
{
    int kind;
    const json_t *pattern;
    char where[HF_PATH_MAX];
    *out = (hf_normalizer){ 0 };
    if (depth >= HF_MAX_DEPTH)
        return err_set(ATTN_E_UNSUPPORTED, "%s: Sequences nested deeper than %d", path,
                       HF_MAX_DEPTH);
    attn_status st = hfj_type(j, path, norm_types, &kind);
    if (st != ATTN_OK)
        return st;
    out->kind = (hf_norm_kind)kind;
    switch (out->kind) {
    case HF_NORM_SEQUENCE:
        return parse_sequence(j, path, depth, out);
    case HF_NORM_BERT:
        return parse_bert(j, path, out);
    case HF_NORM_PRECOMPILED:
        return parse_precompiled(j, path, out);
    case HF_NORM_REPLACE:
        st = hfj_member(j, path, "pattern", JSON_OBJECT, true, &pattern);
        if (st == ATTN_OK)
            st = hf_pattern_parse(pattern, hfj_key_path(where, path, "pattern"), &out->pattern);
        return st == ATTN_OK ? parse_content(j, path, "content", out) : st;
    case HF_NORM_PREPEND:
        return parse_content(j, path, "prepend", out);
    case HF_NORM_STRIP:
        st = hfj_bool(j, path, "strip_left", -1, &out->left);
        return st == ATTN_OK ? hfj_bool(j, path, "strip_right", -1, &out->right) : st;
    default:
        return ATTN_OK;
    }
}

void hf_normalizer_free(hf_normalizer *n)
{
    for (size_t i = 0; i < n->n_items; i++)
        hf_normalizer_free(&n->items[i]);
    free(n->items);
    free(n->content);
    hf_pattern_free(&n->pattern);
    charsmap_free(&n->map);
    *n = (hf_normalizer){ 0 };
}

/* ---- applying ---- */

typedef bool (*cp_test)(uint32_t cp);

/* NormalizedString::filter: a kept character carries the count of removed
 * ones after it; removals before the first kept one are skipped. */
static attn_status filter(hf_work *w, hf_piece *p, cp_test keep)
{
    const char *s = w->text + p->off;
    size_t removed = 0, removed_start = 0;
    bool have_last = false;
    uint32_t last = 0;
    attn_status st = ATTN_OK;
    w->changes.n = 0;
    for (size_t i = 0; i < p->len && st == ATTN_OK;) {
        uint32_t cp;
        i += utf8_decode(s + i, p->len - i, &cp);
        if (!keep(cp)) {
            removed++;
            continue;
        }
        if (have_last)
            st = hf_changes_push(&w->changes, last, -(int32_t)removed);
        else
            removed_start = removed;
        have_last = true;
        last = cp;
        removed = 0;
    }
    if (st == ATTN_OK && have_last)
        st = hf_changes_push(&w->changes, last, -(int32_t)removed);
    return st == ATTN_OK ? hf_transform(w, p, removed_start) : st;
}

typedef uint32_t (*cp_map)(uint32_t cp);

static attn_status map(hf_work *w, hf_piece *p, cp_map f)
{
    w->changes.n = 0;
    attn_status st = hf_changes_identity(w, p);
    for (size_t i = 0; i < w->changes.n; i++)
        w->changes.v[i].cp = f(w->changes.v[i].cp);
    return st == ATTN_OK ? hf_transform(w, p, 0) : st;
}

static attn_status lowercase(hf_work *w, hf_piece *p)
{
    const char *s = w->text + p->off;
    attn_status st = ATTN_OK;
    w->changes.n = 0;
    for (size_t i = 0; i < p->len && st == ATTN_OK;) {
        uint32_t cp, lower[UC_LOWER_MAX];
        i += utf8_decode(s + i, p->len - i, &cp);
        size_t n = uc_to_lower(cp, lower);
        for (size_t k = 0; k < n && st == ATTN_OK; k++)
            st = hf_changes_push(&w->changes, lower[k], k > 0);
    }
    return st == ATTN_OK ? hf_transform(w, p, 0) : st;
}

/* Stable counting sort of changes[lo, hi) by combining class, as the
 * canonical ordering of a run of marks. */
static attn_status sort_marks(hf_work *w, size_t lo, size_t hi)
{
    size_t count[257] = { 0 };
    hf_changes *tmp = &w->spare_changes;
    attn_status st = tk_grow((void **)&tmp->v, &tmp->cap, hi - lo, sizeof *tmp->v,
                             "a normalization");
    if (st != ATTN_OK)
        return st;
    for (size_t i = lo; i < hi; i++)
        count[uc_combining_class(w->changes.v[i].cp) + 1]++;
    for (size_t c = 1; c <= 256; c++)
        count[c] += count[c - 1];
    for (size_t i = lo; i < hi; i++)
        tmp->v[count[uc_combining_class(w->changes.v[i].cp)]++] = w->changes.v[i];
    memcpy(w->changes.v + lo, tmp->v, (hi - lo) * sizeof *tmp->v);
    return ATTN_OK;
}

/* The decomposition iterator: each character's full decomposition (first
 * part replacing it, the rest inserted), then runs of marks reordered. */
static attn_status decompose(hf_work *w, const hf_piece *p, bool compat)
{
    const char *s = w->text + p->off;
    attn_status st = ATTN_OK;
    w->changes.n = 0;
    for (size_t i = 0; i < p->len && st == ATTN_OK;) {
        uint32_t cp, parts[UC_DECOMPOSE_MAX];
        i += utf8_decode(s + i, p->len - i, &cp);
        size_t n = uc_decompose(cp, compat, parts);
        for (size_t k = 0; k < n && st == ATTN_OK; k++)
            st = hf_changes_push(&w->changes, parts[k], k > 0);
    }
    for (size_t lo = 0; lo < w->changes.n && st == ATTN_OK;) {
        size_t hi = lo;
        while (hi < w->changes.n && uc_combining_class(w->changes.v[hi].cp) != 0)
            hi++;
        if (hi - lo > 1)
            st = sort_marks(w, lo, hi);
        lo = hi + 1;
    }
    return st;
}

/* The recomposition iterator over w->changes, in place: the composee keeps
 * its slot and absorbs what composes with it; a mark that does not
 * compose stays after it and blocks marks of no higher class. */
static void recompose(hf_changes *cs)
{
    size_t out = 0, composee = SIZE_MAX;
    int last_class = -1; /* of the marks kept after the composee; -1: none */
    for (size_t i = 0; i < cs->n; i++) {
        hf_change c = cs->v[i];
        int cls = uc_combining_class(c.cp);
        uint32_t r;
        bool blocked = last_class >= 0 && last_class >= cls;
        if (composee != SIZE_MAX && !blocked && uc_compose(cs->v[composee].cp, c.cp, &r)) {
            cs->v[composee] = (hf_change){ r, cs->v[composee].change + c.change - 1 };
            continue;
        }
        cs->v[out++] = c;
        if (composee != SIZE_MAX && cls != 0) {
            last_class = cls;
        } else if (cls == 0) {
            composee = out - 1;
            last_class = -1;
        }
    }
    cs->n = out;
}

static attn_status unicode_normalize(hf_work *w, hf_piece *p, bool compose, bool compat)
{
    attn_status st = decompose(w, p, compat);
    if (st != ATTN_OK)
        return st;
    if (compose)
        recompose(&w->changes);
    return hf_transform(w, p, 0);
}

static bool is_chinese(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

static attn_status space_chinese(hf_work *w, hf_piece *p)
{
    w->changes.n = 0;
    w->spare_changes.n = 0;
    attn_status st = hf_changes_identity(w, p);
    size_t n = w->changes.n;
    for (size_t i = 0; i < n && st == ATTN_OK; i++) {
        uint32_t cp = w->changes.v[i].cp;
        if (is_chinese(cp)) {
            st = hf_changes_push(&w->spare_changes, ' ', 0);
            if (st == ATTN_OK)
                st = hf_changes_push(&w->spare_changes, cp, 1);
            if (st == ATTN_OK)
                st = hf_changes_push(&w->spare_changes, ' ', 1);
        } else {
            st = hf_changes_push(&w->spare_changes, cp, 0);
        }
    }
    hf_changes t = w->changes;
    w->changes = w->spare_changes;
    w->spare_changes = t;
    w->spare_changes.n = 0;
    return st == ATTN_OK ? hf_transform(w, p, 0) : st;
}

static bool bert_keep(uint32_t cp)
{
    bool control = cp != '\t' && cp != '\n' && cp != '\r' && uc_is_other(cp);
    return !(cp == 0 || cp == 0xFFFD || control);
}

static uint32_t bert_space(uint32_t cp)
{
    bool space = cp == '\t' || cp == '\n' || cp == '\r' || uc_is_white_space(cp);
    return space ? ' ' : cp;
}

static bool is_spacing(uint32_t cp)
{
    return !uc_is_nonspacing_mark(cp);
}

static bool is_not_mark(uint32_t cp)
{
    return !uc_is_mark(cp);
}

static attn_status bert(const hf_normalizer *n, hf_work *w, hf_piece *p)
{
    attn_status st = ATTN_OK;
    if (n->clean_text) {
        st = filter(w, p, bert_keep);
        if (st == ATTN_OK)
            st = map(w, p, bert_space);
    }
    if (st == ATTN_OK && n->chinese_chars)
        st = space_chinese(w, p);
    if (st == ATTN_OK && n->strip_accents) {
        st = unicode_normalize(w, p, false, false);
        if (st == ATTN_OK)
            st = filter(w, p, is_spacing);
    }
    if (st == ATTN_OK && n->lowercase)
        st = lowercase(w, p);
    return st;
}

static bool nmt_keep(uint32_t cp)
{
    return !((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) ||
             cp == 0x7F || cp == 0x8F || cp == 0x9F);
}

static uint32_t nmt_space(uint32_t cp)
{
    switch (cp) {
    case 0x09: case 0x0A: case 0x0C: case 0x0D: case 0x1680: case 0x2028: case 0x2029:
    case 0x2581: case 0xFEFF: case 0xFFFD:
        return ' ';
    default:
        return cp >= 0x200B && cp <= 0x200F ? ' ' : cp;
    }
}

/* NormalizedString::lrstrip. The removal of the trailing spaces is put on
 * the character whose index equals the byte length minus the spaces minus
 * one, as tokenizers does (the last kept character when the text is
 * ASCII). */
static attn_status strip(hf_work *w, hf_piece *p, bool left, bool right)
{
    w->changes.n = 0;
    attn_status st = hf_changes_identity(w, p);
    size_t count = w->changes.n, lead = 0, trail = 0;
    while (left && lead < count && uc_is_white_space(w->changes.v[lead].cp))
        lead++;
    while (right && trail < count && uc_is_white_space(w->changes.v[count - 1 - trail].cp))
        trail++;
    if (st != ATTN_OK || (lead == 0 && trail == 0))
        return st;
    size_t out = 0;
    for (size_t i = lead; i + trail < count; i++) {
        hf_change c = w->changes.v[i];
        c.change = i + trail + 1 == p->len ? -(int32_t)trail : 0;
        w->changes.v[out++] = c;
    }
    w->changes.n = out;
    return hf_transform(w, p, lead);
}

/* Replaces a chunk of `old_count` characters by `norm`, as
 * Precompiled's replace(): same-count characters replace, extra ones are
 * inserted, fewer ones fold the difference into the last step so far. */
static attn_status replace_chunk(hf_work *w, size_t old_count, const char *norm)
{
    size_t first = w->changes.n, len = strlen(norm);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(norm + i, len - i, &cp);
        if (!k)
            return err_set(ATTN_E_FORMAT, "precompiled_charsmap: a replacement is not UTF-8");
        attn_status st = hf_changes_push(&w->changes, cp, 0);
        if (st != ATTN_OK)
            return st;
        i += k;
    }
    size_t new_count = w->changes.n - first;
    if (new_count > old_count) {
        for (size_t i = w->changes.n - (new_count - old_count); i < w->changes.n; i++)
            w->changes.v[i].change = 1;
    } else if (new_count < old_count && w->changes.n > 0) {
        w->changes.v[w->changes.n - 1].change -= (int32_t)(old_count - new_count);
    }
    return ATTN_OK;
}

/* Precompiled's transform(): the first (shortest) rule matching a prefix
 * of the chunk; the chunk is replaced whole. */
static const char *precompiled_rule(const charsmap *m, const char *s, size_t n)
{
    size_t len;
    if (n == 0 || s[0] == '\0') /* its trie walk stops at a NUL byte */
        return NULL;
    return charsmap_match(m, s, n, false, &len);
}

static attn_status precompiled_cluster(const charsmap *m, hf_work *w, const char *s, size_t n,
                                       bool *modified)
{
    const char *norm = n < 6 ? precompiled_rule(m, s, n) : NULL;
    if (norm) {
        *modified = true;
        return replace_chunk(w, hf_count_chars(s, n), norm);
    }
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < n && st == ATTN_OK;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        norm = precompiled_rule(m, s + i, len);
        *modified = *modified || norm != NULL;
        st = norm ? replace_chunk(w, 1, norm) : hf_changes_push(&w->changes, cp, 0);
        i += len;
    }
    return st;
}

/* Walks extended grapheme clusters: a cluster shorter than 6 bytes is
 * looked up whole, anything else character by character. */
static attn_status precompiled(const charsmap *m, hf_work *w, hf_piece *p)
{
    const char *s = w->text + p->off;
    bool modified = false;
    int32_t state = 0;
    uint32_t prev = 0;
    size_t start = 0;
    attn_status st = ATTN_OK;
    w->changes.n = 0;
    for (size_t i = 0; i < p->len && st == ATTN_OK;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, p->len - i, &cp);
        if (i > 0 && uc_grapheme_break(prev, cp, &state)) {
            st = precompiled_cluster(m, w, s + start, i - start, &modified);
            start = i;
        }
        prev = cp;
        i += len;
    }
    if (st == ATTN_OK && p->len > 0)
        st = precompiled_cluster(m, w, s + start, p->len - start, &modified);
    return st == ATTN_OK && modified ? hf_transform(w, p, 0) : st;
}

attn_status hf_byte_level_map(hf_work *w, hf_piece *p)
{
    const unsigned char *s = (const unsigned char *)w->text + p->off;
    attn_status st = ATTN_OK;
    w->changes.n = 0;
    for (size_t i = 0; i < p->len && st == ATTN_OK; i++)
        st = hf_changes_push(&w->changes, hf_byte_char(s[i]), (s[i] & 0xC0) == 0x80);
    return st == ATTN_OK ? hf_transform(w, p, 0) : st;
}

attn_status hf_normalize(const hf_normalizer *n, hf_work *w, hf_piece *p)
{
    attn_status st = ATTN_OK;
    switch (n->kind) {
    case HF_NORM_SEQUENCE:
        for (size_t i = 0; i < n->n_items && st == ATTN_OK; i++)
            st = hf_normalize(&n->items[i], w, p);
        return st;
    case HF_NORM_NFC: return unicode_normalize(w, p, true, false);
    case HF_NORM_NFD: return unicode_normalize(w, p, false, false);
    case HF_NORM_NFKC: return unicode_normalize(w, p, true, true);
    case HF_NORM_NFKD: return unicode_normalize(w, p, false, true);
    case HF_NORM_LOWERCASE: return lowercase(w, p);
    case HF_NORM_STRIP_ACCENTS: return filter(w, p, is_not_mark);
    case HF_NORM_BERT: return bert(n, w, p);
    case HF_NORM_PRECOMPILED: return precompiled(&n->map, w, p);
    case HF_NORM_REPLACE: return hf_replace(w, p, &n->pattern, n->content, n->content_len);
    case HF_NORM_PREPEND: return hf_prepend(w, p, n->content, n->content_len);
    case HF_NORM_STRIP: return strip(w, p, n->left, n->right);
    case HF_NORM_NMT:
        st = filter(w, p, nmt_keep);
        return st == ATTN_OK ? map(w, p, nmt_space) : st;
    case HF_NORM_BYTE_LEVEL: return hf_byte_level_map(w, p);
    }
    return ATTN_OK;
}
