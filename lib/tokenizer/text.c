/* text.c - growable buffers and UTF-8 decoding for the tokenizers. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/text.h"

attn_status tk_grow(void **p, size_t *cap, size_t need, size_t elem, const char *what)
{
    if (need <= *cap)
        return ATTN_OK;
    size_t cap2 = *cap ? *cap : 16;
    while (cap2 < need) {
        if (cap2 > SIZE_MAX / 2 / elem)
            return err_no_memory(what);
        cap2 *= 2;
    }
    void *q = realloc(*p, cap2 * elem);
    if (!q)
        return err_no_memory(what);
    *p = q;
    *cap = cap2;
    return ATTN_OK;
}

attn_status tk_ids_append(tk_ids *ids, const int32_t *v, size_t n)
{
    if (n > SIZE_MAX - ids->n)
        return err_no_memory("token ids");
    attn_status st = tk_grow((void **)&ids->v, &ids->cap, ids->n + n, sizeof *ids->v,
                             "token ids");
    if (st != ATTN_OK)
        return st;
    if (n)
        memcpy(ids->v + ids->n, v, n * sizeof *v);
    ids->n += n;
    return ATTN_OK;
}

attn_status tk_spans_push(tk_spans *spans, int32_t id, size_t off, size_t len)
{
    if (off > UINT32_MAX || len > UINT32_MAX - off)
        return err_set(ATTN_E_INVALID_ARGUMENT, "a text longer than 4 GiB cannot be tokenized");
    attn_status st = tk_grow((void **)&spans->v, &spans->cap, spans->n + 1, sizeof *spans->v,
                             "tokens");
    if (st == ATTN_OK)
        spans->v[spans->n++] = (tk_span){ id, (uint32_t)off, (uint32_t)len };
    return st;
}

void tk_spans_free(tk_spans *spans)
{
    free(spans->v);
    *spans = (tk_spans){ 0 };
}

attn_status tk_ids_push(tk_ids *ids, int32_t id)
{
    return tk_ids_append(ids, &id, 1);
}

void tk_ids_free(tk_ids *ids)
{
    free(ids->v);
    *ids = (tk_ids){ 0 };
}

attn_status tk_str_append(tk_str *s, const char *p, size_t n)
{
    if (n > SIZE_MAX - s->n - 1)
        return err_no_memory("text");
    attn_status st = tk_grow((void **)&s->p, &s->cap, s->n + n + 1, 1, "text");
    if (st != ATTN_OK)
        return st;
    if (n)
        memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
    return ATTN_OK;
}

attn_status tk_str_append_cp(tk_str *s, uint32_t cp)
{
    char buf[4];
    return tk_str_append(s, buf, utf8_encode(cp, buf));
}

void tk_str_free(tk_str *s)
{
    free(s->p);
    *s = (tk_str){ 0 };
}

size_t utf8_lead_len(unsigned char lead)
{
    static const unsigned char len[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
    return len[lead >> 4];
}

size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        len = 2, c = u[0] & 0x1F, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3, c = u[0] & 0x0F, min = 0x800;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        len = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool utf8_valid(const char *s, size_t n, size_t *bad)
{
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (!len) {
            *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}

attn_status utf8_require(const char *s, size_t n, const char *what)
{
    size_t bad;
    if (utf8_valid(s, n, &bad))
        return ATTN_OK;
    return err_set(ATTN_E_INVALID_ARGUMENT, "%s is not valid UTF-8: byte 0x%02X at offset %zu",
                   what, (unsigned char)s[bad], bad);
}
