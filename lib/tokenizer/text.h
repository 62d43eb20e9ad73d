/* text.h - the byte and id buffers the tokenizers build their output in,
 * and UTF-8 decoding as both SentencePiece and tokenizers define it. */
#ifndef ATTN_TOKENIZER_TEXT_H
#define ATTN_TOKENIZER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"

/* A growable array of token ids. Zero-initialise; tk_ids_free() releases. */
typedef struct tk_ids {
    int32_t *v;
    size_t n, cap;
} tk_ids;

/* A growable byte string, always NUL-terminated once non-empty. */
typedef struct tk_str {
    char *p;
    size_t n, cap;
} tk_str;

/* A token found in a text: its id and the bytes [off, off+len) it covers. */
typedef struct tk_span {
    int32_t id;
    uint32_t off, len;
} tk_span;

typedef struct tk_spans {
    tk_span *v;
    size_t n, cap;
} tk_spans;

/* Grows the array *p of *cap elements of `elem` bytes to hold `need`,
 * doubling; `what` names it when memory runs out. */
attn_status tk_grow(void **p, size_t *cap, size_t need, size_t elem, const char *what);

attn_status tk_spans_push(tk_spans *spans, int32_t id, size_t off, size_t len);
void tk_spans_free(tk_spans *spans);

attn_status tk_ids_push(tk_ids *ids, int32_t id);
attn_status tk_ids_append(tk_ids *ids, const int32_t *v, size_t n);
void tk_ids_free(tk_ids *ids);

attn_status tk_str_append(tk_str *s, const char *p, size_t n);
attn_status tk_str_append_cp(tk_str *s, uint32_t cp);
void tk_str_free(tk_str *s);

/* The code point starting at s[0] (n > 0 bytes available) is stored in *cp
 * and its length returned. Returns 0 when the bytes there are not a valid,
 * shortest-form UTF-8 sequence of a scalar value (no surrogates). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Writes cp (a scalar value) as UTF-8 into out and returns its length. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* The sequence length announced by a lead byte, 1..4; 1 for a byte that
 * cannot start a sequence (SentencePiece's OneCharLen). */
size_t utf8_lead_len(unsigned char lead);

/* True when all n bytes are valid UTF-8; otherwise *bad is the offset of
 * the first invalid byte. */
bool utf8_valid(const char *s, size_t n, size_t *bad);

/* The encode/decode inputs that are not UTF-8 fail with this message. */
attn_status utf8_require(const char *s, size_t n, const char *what);

#endif
