/* hf_text.c - the arena of one encode call and the NormalizedString
 * operations over it (transform, slice, prepend, split), keeping the
 * alignment flag of each byte the way tokenizers keeps alignments. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

attn_status hf_pieces_push(hf_pieces *ps, hf_piece p)
{
    attn_status st = tk_grow((void **)&ps->v, &ps->cap, ps->n + 1, sizeof *ps->v, "text pieces");
    if (st == ATTN_OK)
        ps->v[ps->n++] = p;
    return st;
}

attn_status hf_changes_push(hf_changes *cs, uint32_t cp, int32_t change)
{
    attn_status st = tk_grow((void **)&cs->v, &cs->cap, cs->n + 1, sizeof *cs->v,
                          "a normalization");
    if (st == ATTN_OK)
        cs->v[cs->n++] = (hf_change){ cp, change };
    return st;
}

attn_status hf_matches_push(hf_matches *ms, size_t start, size_t end, bool is_match)
{
    attn_status st = tk_grow((void **)&ms->v, &ms->cap, ms->n + 1, sizeof *ms->v,
                          "pattern matches");
    if (st == ATTN_OK)
        ms->v[ms->n++] = (hf_match){ start, end, is_match };
    return st;
}

/* Room for `extra` more arena bytes; pointers into the arena move. */
static attn_status arena_reserve(hf_work *w, size_t extra)
{
    if (extra > SIZE_MAX - w->n - 1)
        return err_no_memory("the text being tokenized");
    attn_status st = tk_grow((void **)&w->text, &w->text_cap, w->n + extra + 1, 1,
                          "the text being tokenized");
    if (st == ATTN_OK)
        st = tk_grow((void **)&w->origin, &w->origin_cap, w->n + extra, 1,
                  "the text being tokenized");
    return st;
}

void hf_work_free(hf_work *w)
{
    free(w->text);
    free(w->origin);
    free(w->pieces.v);
    free(w->spare.v);
    free(w->changes.v);
    free(w->spare_changes.v);
    free(w->matches.v);
    tk_str_free(&w->word);
    tk_spans_free(&w->spans);
    free(w->lattice);
    free(w->symbols);
    free(w->heap);
    *w = (hf_work){ 0 };
}

attn_status hf_work_start(hf_work *w, const char *text, size_t len)
{
    w->n = 0;
    w->pieces.n = 0;
    if (len == 0)
        return ATTN_OK;
    attn_status st = arena_reserve(w, len);
    if (st != ATTN_OK)
        return st;
    memcpy(w->text, text, len);
    /* Every byte of the first character aligns with offset 0. */
    size_t first = utf8_lead_len((unsigned char)text[0]);
    for (size_t i = 0; i < len; i++)
        w->origin[i] = i < first;
    w->n = len;
    return hf_pieces_push(&w->pieces, (hf_piece){ 0, len, -1, true });
}

hf_piece hf_slice(const hf_work *w, const hf_piece *p, size_t start, size_t end)
{
    bool at_start = start < end ? w->origin[p->off + start] != 0 : start == 0;
    return (hf_piece){ p->off + start, end - start, -1, p->at_input_start && at_start };
}

static size_t encoded_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Consumes one character of the old text at *pos, if any is left. */
static bool consume(const char *old, size_t len, size_t *pos)
{
    if (*pos >= len)
        return false;
    *pos += utf8_lead_len((unsigned char)old[*pos]);
    return true;
}

attn_status hf_transform(hf_work *w, hf_piece *p, size_t initial)
{
    size_t new_len = 0;
    for (size_t i = 0; i < w->changes.n; i++)
        new_len += encoded_len(w->changes.v[i].cp);
    attn_status st = arena_reserve(w, new_len);
    if (st != ATTN_OK)
        return st;
    const char *old = w->text + p->off;
    const uint8_t *old_origin = w->origin + p->off;
    size_t pos = 0, out = w->n;
    for (size_t i = 0; i < initial && consume(old, p->len, &pos); i++)
        ;
    for (size_t i = 0; i < w->changes.n; i++) {
        hf_change c = w->changes.v[i];
        uint8_t origin;
        if (c.change > 0) {
            /* Inserted: aligned like the byte before (offset 0 when none). */
            origin = pos >= 1 ? old_origin[pos - 1] : 1;
        } else {
            if (pos >= p->len)
                return err_set(ATTN_E_INTERNAL, "a normalization consumed more text than it had");
            origin = old_origin[pos];
            consume(old, p->len, &pos);
            for (int32_t k = 0; k < -c.change && consume(old, p->len, &pos); k++)
                ;
        }
        size_t n = utf8_encode(c.cp, w->text + out);
        memset(w->origin + out, origin, n);
        out += n;
    }
    p->off = w->n;
    p->len = new_len;
    w->n = out;
    return ATTN_OK;
}

size_t hf_count_chars(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

attn_status hf_changes_identity(hf_work *w, const hf_piece *p)
{
    const char *s = w->text + p->off;
    for (size_t i = 0; i < p->len;) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, p->len - i, &cp);
        attn_status st = hf_changes_push(&w->changes, cp, 0);
        if (st != ATTN_OK)
            return st;
        i += n;
    }
    return ATTN_OK;
}

attn_status hf_prepend(hf_work *w, hf_piece *p, const char *s, size_t n)
{
    if (p->len == 0 || n == 0)
        return ATTN_OK;
    /* The new characters take the first character's place, which is then
     * inserted again after them. */
    w->changes.n = 0;
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < n && st == ATTN_OK;) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        st = hf_changes_push(&w->changes, cp, i > 0);
        i += len;
    }
    size_t first = w->changes.n;
    if (st == ATTN_OK)
        st = hf_changes_identity(w, p);
    if (st != ATTN_OK)
        return st;
    w->changes.v[first].change = 1;
    return hf_transform(w, p, 0);
}

attn_status hf_replace(hf_work *w, hf_piece *p, const hf_pattern *pattern, const char *content,
                       size_t len)
{
    attn_status st = hf_find_matches(w, pattern, w->text + p->off, p->len, false);
    size_t new_len = 0;
    for (size_t i = 0; st == ATTN_OK && i < w->matches.n; i++) {
        const hf_match *m = &w->matches.v[i];
        new_len += m->is_match ? len : m->end - m->start;
    }
    if (st == ATTN_OK)
        st = arena_reserve(w, new_len);
    if (st != ATTN_OK)
        return st;
    const uint8_t *old_origin = w->origin + p->off;
    size_t out = w->n;
    for (size_t i = 0; i < w->matches.n; i++) {
        const hf_match *m = &w->matches.v[i];
        if (m->is_match) {
            /* Inserted after the match: aligned like its last byte. */
            memcpy(w->text + out, content, len);
            memset(w->origin + out, m->end ? old_origin[m->end - 1] : 1, len);
            out += len;
        } else {
            memcpy(w->text + out, w->text + p->off + m->start, m->end - m->start);
            memcpy(w->origin + out, old_origin + m->start, m->end - m->start);
            out += m->end - m->start;
        }
    }
    p->off = w->n;
    p->len = new_len;
    w->n = out;
    return ATTN_OK;
}

/* The split ranges of w->matches under behavior b, as (range, removed)
 * entries rewritten in place; returns their count. */
static size_t apply_behavior(hf_matches *ms, hf_behavior b)
{
    hf_match *m = ms->v;
    size_t n = 0;
    bool previous = false;
    if (b == HF_ISOLATED || b == HF_REMOVED) {
        for (size_t i = 0; i < ms->n; i++)
            m[i].is_match = b == HF_REMOVED && m[i].is_match;
        return ms->n;
    }
    if (b == HF_MERGED_WITH_NEXT) { /* folded from the end */
        size_t out = ms->n;
        for (size_t i = ms->n; i-- > 0;) {
            bool is_match = m[i].is_match;
            if (is_match && !previous && out < ms->n)
                m[out].start = m[i].start;
            else
                m[--out] = (hf_match){ m[i].start, m[i].end, false };
            previous = is_match;
        }
        memmove(m, m + out, (ms->n - out) * sizeof *m);
        return ms->n - out;
    }
    for (size_t i = 0; i < ms->n; i++) {
        bool is_match = m[i].is_match;
        bool merge = b == HF_CONTIGUOUS ? is_match == previous : is_match && !previous;
        if (merge && n > 0)
            m[n - 1].end = m[i].end;
        else
            m[n++] = (hf_match){ m[i].start, m[i].end, false };
        previous = is_match;
    }
    return n;
}

attn_status hf_split_matches(hf_work *w, const hf_piece *p, hf_behavior b, hf_pieces *out)
{
    size_t n = apply_behavior(&w->matches, b);
    for (size_t i = 0; i < n; i++) {
        hf_match m = w->matches.v[i];
        if (m.is_match || m.end == m.start)
            continue;
        attn_status st = hf_pieces_push(out, hf_slice(w, p, m.start, m.end));
        if (st != ATTN_OK)
            return st;
    }
    return ATTN_OK;
}
