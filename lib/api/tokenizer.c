/* tokenizer.c - attn_tokenizer_*: the reference-counted handle around a
 * lib/tokenizer tokenizer, argument checks, options and caller buffers. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "attn.h"
#include "base/error.h"
#include "base/options.h"
#include "api/handles.h"

attn_status api_tokenizer_wrap(tokenizer *impl, attn_tokenizer **out)
{
    attn_tokenizer *t = malloc(sizeof *t);
    if (!t) {
        tokenizer_free(impl);
        return err_no_memory("a tokenizer");
    }
    atomic_init(&t->refs, 1);
    t->impl = impl;
    *out = t;
    return ATTN_OK;
}

attn_status attn_tokenizer_load(const char *path, const attn_options *options,
                                attn_tokenizer **out)
{
    if (!path || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_tokenizer_load: %s is NULL",
                       path ? "out" : "path");
    *out = NULL;
    attn_status st = opt_check_scope(options, OPT_SCOPE_TOKENIZER, "attn_tokenizer_load");
    tokenizer *impl = NULL;
    if (st == ATTN_OK)
        st = tokenizer_load(path, opt_get_int(options, "target", 0) != 0, &impl);
    return st == ATTN_OK ? api_tokenizer_wrap(impl, out) : st;
}

attn_status attn_model_tokenizer(const attn_model *model, int32_t side, attn_tokenizer **out)
{
    if (!model || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_model_tokenizer: %s is NULL",
                       model ? "out" : "model");
    *out = NULL;
    if (side != ATTN_TOKENIZER_SOURCE && side != ATTN_TOKENIZER_TARGET)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_model_tokenizer: side %d is neither "
                       "ATTN_TOKENIZER_SOURCE nor ATTN_TOKENIZER_TARGET", side);
    if (!model->tokenizers[side])
        return err_set(model->tokenizer_status, "%s",
                       model->tokenizer_error ? model->tokenizer_error : "no tokenizer");
    *out = attn_tokenizer_retain(model->tokenizers[side]);
    return ATTN_OK;
}

attn_tokenizer *attn_tokenizer_retain(attn_tokenizer *tok)
{
    if (tok)
        atomic_fetch_add(&tok->refs, 1);
    return tok;
}

void attn_tokenizer_free(attn_tokenizer *tok)
{
    if (!tok || atomic_fetch_sub(&tok->refs, 1) != 1)
        return;
    tokenizer_free(tok->impl);
    free(tok);
}

const char *attn_tokenizer_kind(const attn_tokenizer *tok)
{
    return tok ? tokenizer_kind(tok->impl) : NULL;
}

size_t attn_tokenizer_vocab_size(const attn_tokenizer *tok)
{
    return tok ? tokenizer_vocab_size(tok->impl) : 0;
}

/* Copies n bytes and a NUL into the caller's buffer, or reports the size
 * it needs. */
static attn_status api_copy_text(const char *p, size_t n, char *buf, size_t cap, size_t *len)
{
    *len = n;
    if (n >= cap)
        return err_set(ATTN_E_BUFFER_TOO_SMALL, "%zu bytes are needed and %zu were given", n + 1,
                       cap);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return ATTN_OK;
}

attn_status attn_tokenizer_encode(const attn_tokenizer *tok, const char *text, size_t length,
                                  const attn_options *options, int32_t *ids, size_t capacity,
                                  size_t *count)
{
    if (!tok || (!text && length) || (!ids && capacity) || !count)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_tokenizer_encode: %s is NULL",
                       !tok ? "tokenizer" : !count ? "count" : !ids ? "ids" : "text");
    attn_status st = opt_check_scope(options, OPT_SCOPE_ENCODE, "attn_tokenizer_encode");
    const char *src = opt_get_str(options, "src_lang"), *tgt = opt_get_str(options, "tgt_lang");
    bool target = tokenizer_is_target(tok->impl);
    if (st == ATTN_OK && (target ? src : tgt))
        st = err_set(ATTN_E_INVALID_ARGUMENT, "attn_tokenizer_encode: %s applies to the %s "
                     "tokenizer", target ? "src_lang" : "tgt_lang", target ? "source" : "target");
    tokenizer_encode_args args = { opt_get_int(options, "add_special_tokens", 1) != 0,
                                   target ? tgt : src };
    tk_ids out = { 0 };
    if (st == ATTN_OK)
        st = tokenizer_encode(tok->impl, length ? text : "", length, &args, &out);
    *count = out.n;
    if (st == ATTN_OK && out.n > capacity)
        st = err_set(ATTN_E_BUFFER_TOO_SMALL, "the text has %zu tokens and %zu fit", out.n,
                     capacity);
    if (st == ATTN_OK && out.n)
        memcpy(ids, out.v, out.n * sizeof *ids);
    tk_ids_free(&out);
    return st;
}

attn_status attn_tokenizer_decode(const attn_tokenizer *tok, const int32_t *ids, size_t count,
                                  const attn_options *options, char *text, size_t capacity,
                                  size_t *length)
{
    if (!tok || (!ids && count) || (!text && capacity) || !length)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_tokenizer_decode: %s is NULL",
                       !tok ? "tokenizer" : !length ? "length" : !ids ? "ids" : "text");
    attn_status st = opt_check_scope(options, OPT_SCOPE_DECODE, "attn_tokenizer_decode");
    tk_str out = { 0 };
    if (st == ATTN_OK)
        st = tk_str_append(&out, "", 0);
    if (st == ATTN_OK)
        st = tokenizer_decode(tok->impl, ids, count,
                              opt_get_int(options, "skip_special_tokens", 0) != 0, &out);
    *length = 0;
    if (st == ATTN_OK)
        st = api_copy_text(out.p, out.n, text, capacity, length);
    tk_str_free(&out);
    return st;
}

attn_status attn_tokenizer_id_to_piece(const attn_tokenizer *tok, int32_t id, char *piece,
                                       size_t capacity, size_t *length)
{
    if (!tok || (!piece && capacity) || !length)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_tokenizer_id_to_piece: %s is NULL",
                       !tok ? "tokenizer" : !length ? "length" : "piece");
    const char *p;
    size_t n;
    *length = 0;
    if (!tokenizer_id_to_piece(tok->impl, id, &p, &n))
        return err_set(ATTN_E_NOT_FOUND, "id %d is not in the vocabulary", id);
    return api_copy_text(p, n, piece, capacity, length);
}

attn_status attn_tokenizer_piece_to_id(const attn_tokenizer *tok, const char *piece,
                                       size_t length, int32_t *id)
{
    if (!tok || (!piece && length) || !id)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_tokenizer_piece_to_id: %s is NULL",
                       !tok ? "tokenizer" : !id ? "id" : "piece");
    if (!tokenizer_piece_to_id(tok->impl, length ? piece : "", length, id))
        return err_set(ATTN_E_NOT_FOUND, "'%.*s' is not in the vocabulary",
                       (int)(length > 200 ? 200 : length), piece);
    return ATTN_OK;
}
