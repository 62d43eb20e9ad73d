/* translate.c - attn_translate and attn_score_text: text in, text or
 * scores out, through the model's own tokenizers, attn_generate_ids'
 * batching and search, and attn_score. */
#include <stdlib.h>
#include <string.h>

#include "api/generate.h"
#include "api/handles.h"
#include "api/session.h"
#include "base/error.h"
#include "base/options.h"

/* The model's two tokenizers, or the reason it has none. */
static attn_status model_tokenizers(const attn_model *model, const char *function,
                                    const tokenizer **source, const tokenizer **target)
{
    if (!model->tokenizers[ATTN_TOKENIZER_SOURCE] || !model->tokenizers[ATTN_TOKENIZER_TARGET])
        return err_set(model->tokenizer_status, "%s: the model has no tokenizer: %s", function,
                       model->tokenizer_error ? model->tokenizer_error : "none found");
    *source = model->tokenizers[ATTN_TOKENIZER_SOURCE]->impl;
    *target = model->tokenizers[ATTN_TOKENIZER_TARGET]->impl;
    return ATTN_OK;
}

/* Tokenizes texts[0..count) one after another into ids, lengths[i] ids
 * for text i; `what` names the texts in messages ("text", "target"). */
static attn_status encode_texts(const tokenizer *tok, const char *const *texts,
                                const size_t *text_lengths, size_t count,
                                const tokenizer_encode_args *args, const char *function,
                                const char *what, tk_ids *ids, size_t *lengths)
{
    for (size_t i = 0; i < count; i++) {
        if (!texts[i])
            return err_set(ATTN_E_INVALID_ARGUMENT, "%s: %s %zu is NULL", function, what, i);
        const size_t before = ids->n;
        const size_t n = text_lengths ? text_lengths[i] : strlen(texts[i]);
        attn_status st = tokenizer_encode(tok, texts[i], n, args, ids);
        if (st != ATTN_OK)
            return err_prefix(st, "%s: %s %zu", function, what, i);
        lengths[i] = ids->n - before;
    }
    return ATTN_OK;
}

/* Decodes every hypothesis of `result` with the target tokenizer into its
 * text and text_at. */
static attn_status translate_decode(const tokenizer *target, const attn_options *options,
                                    attn_result *result)
{
    const search_result *r = &result->search;
    const size_t hyps = (size_t)(r->items * r->per_item);
    const bool skip = opt_get_int(options, "skip_special_tokens", 1) != 0;
    tk_str text = { 0 };
    result->text_at = malloc((hyps + 1) * sizeof *result->text_at);
    if (!result->text_at)
        return err_no_memory("the translations");
    attn_status st = ATTN_OK;
    for (size_t h = 0; h < hyps && st == ATTN_OK; h++) {
        result->text_at[h] = text.n;
        st = tokenizer_decode(target, r->tokens + (int64_t)h * r->stride, (size_t)r->lengths[h],
                              skip, &text);
        if (st == ATTN_OK)
            st = tk_str_append(&text, "", 1); /* the NUL that ends each text */
    }
    result->text_at[hyps] = text.n;
    if (st != ATTN_OK) {
        tk_str_free(&text);
        return st;
    }
    result->text = text.p;
    return ATTN_OK;
}

attn_status attn_translate(attn_session *session, const char *const *texts,
                           const size_t *lengths, size_t count, const attn_options *options,
                           attn_result **out)
{
    if (!session || !texts || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_translate: %s is NULL",
                       !session ? "session" : !texts ? "texts" : "out");
    if (count == 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_translate: count is 0");
    const unsigned scope = OPT_SCOPE_GENERATE | OPT_SCOPE_BATCH | OPT_SCOPE_ENCODE |
                           OPT_SCOPE_DECODE;
    attn_status st = opt_check_scope(options, scope, "attn_translate");
    const tokenizer *source = NULL, *target = NULL;
    if (st == ATTN_OK)
        st = model_tokenizers(session_model(session), "attn_translate", &source, &target);
    if (st != ATTN_OK)
        return st;
    tk_ids ids = { 0 };
    size_t *id_lengths = calloc(count, sizeof *id_lengths);
    attn_result *result = NULL;
    if (!id_lengths)
        st = err_no_memory("the translations");
    const tokenizer_encode_args args = { opt_get_int(options, "add_special_tokens", 1) != 0,
                                         opt_get_str(options, "src_lang") };
    if (st == ATTN_OK)
        st = encode_texts(source, texts, lengths, count, &args, "attn_translate", "text", &ids,
                          id_lengths);
    if (st == ATTN_OK)
        st = generate_ids(session, ids.v, id_lengths, count, options, scope, "attn_translate",
                          &result);
    if (st == ATTN_OK)
        st = translate_decode(target, options, result);
    free(id_lengths);
    tk_ids_free(&ids);
    if (st != ATTN_OK) {
        attn_result_free(result);
        return st;
    }
    *out = result;
    return ATTN_OK;
}

/* Scores targets[first .. first + n) given their sources, all tokenized,
 * into `all`. */
static attn_status score_part(attn_session *session, const tk_ids *src, const size_t *src_len,
                              const size_t *src_at, const tk_ids *tgt, const size_t *tgt_len,
                              const size_t *tgt_at, size_t first, size_t n,
                              const attn_options *options, unsigned scope, const size_t *order,
                              search_result *all)
{
    attn_encoding *enc;
    attn_result *part = NULL;
    attn_status st = attn_encode(session, src->v + src_at[first], src_len + first, n, &enc);
    if (st != ATTN_OK)
        return err_prefix(st, "attn_score_text: sources %zu to %zu", first, first + n - 1);
    st = score_ids(session, enc, tgt->v + tgt_at[first], tgt_len + first, options, scope,
                   "attn_score_text", &part);
    session_end_decoding(session);
    attn_encoding_free(enc);
    if (st == ATTN_OK)
        search_result_merge(all, &part->search, order + first);
    attn_result_free(part);
    return st;
}

/* Where each of the n texts starts in their concatenated ids. */
static void offsets(const size_t *lengths, size_t n, size_t *at)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        at[i] = total;
        total += lengths[i];
    }
}

attn_status attn_score_text(attn_session *session, const char *const *sources,
                            const size_t *source_lengths, const char *const *targets,
                            const size_t *target_lengths, size_t count,
                            const attn_options *options, attn_result **out)
{
    if (!session || !sources || !targets || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_score_text: %s is NULL",
                       !session ? "session" : !sources ? "sources" : !targets ? "targets"
                       : "out");
    if (count == 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_score_text: count is 0");
    const unsigned scope = OPT_SCOPE_GENERATE | OPT_SCOPE_BATCH | OPT_SCOPE_ENCODE;
    attn_status st = opt_check_scope(options, scope, "attn_score_text");
    const tokenizer *source = NULL, *target = NULL;
    if (st == ATTN_OK)
        st = model_tokenizers(session_model(session), "attn_score_text", &source, &target);
    if (st != ATTN_OK)
        return st;
    const bool special = opt_get_int(options, "add_special_tokens", 1) != 0;
    const tokenizer_encode_args src_args = { special, opt_get_str(options, "src_lang") };
    const tokenizer_encode_args tgt_args = { special, opt_get_str(options, "tgt_lang") };
    size_t limit = (size_t)opt_get_int(options, "max_batch_size", 0);
    if (limit == 0 || limit > count)
        limit = count;
    tk_ids src = { 0 }, tgt = { 0 };
    /* calloc checks the products: count comes from the caller */
    size_t *len = calloc(count, 4 * sizeof *len), *order = calloc(count, sizeof *order);
    attn_result *result = calloc(1, sizeof *result);
    if (!len || !order || !result) {
        st = err_no_memory("the scoring");
        goto done;
    }
    size_t *src_len = len, *tgt_len = len + count, *src_at = len + 2 * count,
           *tgt_at = len + 3 * count;
    st = encode_texts(source, sources, source_lengths, count, &src_args, "attn_score_text",
                      "source", &src, src_len);
    if (st == ATTN_OK)
        st = encode_texts(target, targets, target_lengths, count, &tgt_args, "attn_score_text",
                          "target", &tgt, tgt_len);
    size_t longest = 0;
    for (size_t i = 0; st == ATTN_OK && i < count; i++) {
        order[i] = i;
        longest = tgt_len[i] > longest ? tgt_len[i] : longest;
    }
    if (st == ATTN_OK)
        st = search_result_alloc(&result->search, (int64_t)count, 1, (int64_t)longest, true, 0);
    if (st == ATTN_OK) {
        offsets(src_len, count, src_at);
        offsets(tgt_len, count, tgt_at);
    }
    for (size_t first = 0; first < count && st == ATTN_OK; first += limit)
        st = score_part(session, &src, src_len, src_at, &tgt, tgt_len, tgt_at, first,
                        count - first < limit ? count - first : limit, options, scope, order,
                        &result->search);
done:
    free(len);
    free(order);
    tk_ids_free(&src);
    tk_ids_free(&tgt);
    if (st != ATTN_OK) {
        attn_result_free(result);
        return st;
    }
    *out = result;
    return ATTN_OK;
}

attn_status attn_result_text(const attn_result *result, size_t i, size_t j, const char **text,
                             size_t *length)
{
    if (!result || !text)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_result_text: %s is NULL",
                       result ? "text" : "result");
    const search_result *r = &result->search;
    if (i >= (size_t)r->items || j >= (size_t)r->per_item)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_result_text: (%zu, %zu) is outside "
                       "%lld inputs of %lld hypotheses", i, j, (long long)r->items,
                       (long long)r->per_item);
    if (!result->text)
        return err_set(ATTN_E_NOT_FOUND, "attn_result_text: the result holds token ids only; "
                       "attn_translate makes results with text");
    const size_t h = i * (size_t)r->per_item + j;
    *text = result->text + result->text_at[h];
    if (length)
        *length = result->text_at[h + 1] - result->text_at[h] - 1;
    return ATTN_OK;
}
