/* hf.c - a tokenizer.json as one object: loading its components and
 * running them in tokenizers' order (added tokens, normalizer,
 * pre-tokenizer, model, post-processor; decoder for the way back). */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf.h"
#include "tokenizer/hf_internal.h"

struct hf_tokenizer {
    hf_model model;
    hf_added added;
    hf_normalizer normalizer;
    hf_pretokenizer pre;
    hf_postprocessor post;
    hf_decoder decoder;
    hf_truncation truncation;
    hf_padding padding;
    bool has_normalizer, has_pre, has_post, has_decoder;
};

static bool known_id(const void *ctx, int64_t id)
{
    const hf_tokenizer *tok = ctx;
    return id >= 0 && id <= INT32_MAX &&
           ((size_t)id < tok->model.vocab.n || hf_added_by_id(&tok->added, (int32_t)id));
}

static const hf_normalizer *normalizer_of(const hf_tokenizer *tok)
{
    return tok->has_normalizer ? &tok->normalizer : NULL;
}

/* The model, and the components that do not depend on added tokens. */
static attn_status parse_components(const json_t *root, hf_tokenizer *tok)
{
    const json_t *j;
    attn_status st = hfj_member(root, "", "model", JSON_OBJECT, true, &j);
    if (st == ATTN_OK)
        st = hf_model_parse(j, "model", &tok->model);
    if (st == ATTN_OK)
        st = hfj_member(root, "", "normalizer", JSON_OBJECT, false, &j);
    tok->has_normalizer = st == ATTN_OK && j;
    if (tok->has_normalizer)
        st = hf_normalizer_parse(j, "normalizer", 0, &tok->normalizer);
    if (st == ATTN_OK)
        st = hfj_member(root, "", "pre_tokenizer", JSON_OBJECT, false, &j);
    tok->has_pre = st == ATTN_OK && j;
    if (tok->has_pre)
        st = hf_pretokenizer_parse(j, "pre_tokenizer", 0, &tok->pre);
    if (st == ATTN_OK)
        st = hfj_member(root, "", "decoder", JSON_OBJECT, false, &j);
    tok->has_decoder = st == ATTN_OK && j;
    if (tok->has_decoder)
        st = hf_decoder_parse(j, "decoder", 0, &tok->decoder);
    return st;
}

static attn_status check_version(const json_t *root)
{
    const char *version;
    size_t len;
    attn_status st = hfj_string(root, "", "version", false, &version, &len);
    if (st == ATTN_OK && version && strcmp(version, "1.0") != 0)
        return err_set(ATTN_E_UNSUPPORTED, "version: \"%s\" (only \"1.0\" is known)", version);
    return st;
}

/* "truncation" and "padding", which need the ids known. */
static attn_status parse_lengths(const json_t *root, hf_tokenizer *tok)
{
    const json_t *truncation, *padding;
    attn_status st = hfj_member(root, "", "truncation", JSON_OBJECT, false, &truncation);
    if (st == ATTN_OK)
        st = hf_truncation_parse(truncation, "truncation", &tok->truncation);
    if (st == ATTN_OK)
        st = hfj_member(root, "", "padding", JSON_OBJECT, false, &padding);
    return st == ATTN_OK ? hf_padding_parse(padding, "padding", known_id, tok, &tok->padding)
                         : st;
}

attn_status hf_parse(const json_t *root, const char *what, hf_tokenizer **out)
{
    const json_t *j;
    hf_tokenizer *tok = calloc(1, sizeof *tok);
    *out = NULL;
    if (!tok)
        return err_no_memory("a tokenizer");
    attn_status st = check_version(root);
    if (st == ATTN_OK)
        st = parse_components(root, tok);
    if (st == ATTN_OK)
        st = hfj_member(root, "", "added_tokens", JSON_ARRAY, false, &j);
    if (st == ATTN_OK)
        st = hf_added_parse(j, &tok->model, normalizer_of(tok), &tok->added);
    if (st == ATTN_OK)
        st = hfj_member(root, "", "post_processor", JSON_OBJECT, false, &j);
    tok->has_post = st == ATTN_OK && j;
    if (tok->has_post)
        st = hf_postprocessor_parse(j, "post_processor", known_id, tok, &tok->post);
    if (st == ATTN_OK)
        st = parse_lengths(root, tok);
    if (st != ATTN_OK) {
        hf_free(tok);
        return err_prefix(st, "%s", what);
    }
    *out = tok;
    return ATTN_OK;
}

void hf_free(hf_tokenizer *tok)
{
    if (!tok)
        return;
    hf_model_free(&tok->model);
    hf_added_free(&tok->added);
    hf_normalizer_free(&tok->normalizer);
    hf_pretokenizer_free(&tok->pre);
    hf_postprocessor_free(&tok->post);
    hf_decoder_free(&tok->decoder);
    free(tok);
}

attn_status hf_encode(const hf_tokenizer *tok, const char *text, size_t len, bool add_special,
                      tk_ids *out)
{
    hf_work w = { 0 };
    tk_ids ids = { 0 };
    /* Offsets and change counts are kept in 32 bits. */
    attn_status st = len > INT32_MAX ? err_set(ATTN_E_INVALID_ARGUMENT, "the text to encode is "
                                               "%zu bytes, more than 2 GiB", len)
                                     : utf8_require(text, len, "the text to encode");
    if (st == ATTN_OK)
        st = hf_work_start(&w, text, len);
    if (st == ATTN_OK)
        st = hf_added_extract(&tok->added, normalizer_of(tok), &w);
    if (st == ATTN_OK && tok->has_pre)
        st = hf_pretokenize(&tok->pre, &w);
    for (size_t i = 0; i < w.pieces.n && st == ATTN_OK; i++) {
        const hf_piece *p = &w.pieces.v[i];
        st = p->id >= 0 ? tk_ids_push(&ids, p->id)
                        : hf_model_tokenize(&tok->model, &w, w.text + p->off, p->len, &ids);
    }
    hf_post post = { tok->has_post ? &tok->post : NULL, &tok->truncation, &tok->padding };
    if (st == ATTN_OK)
        st = hf_postprocess(&post, add_special, &ids, out);
    tk_ids_free(&ids);
    hf_work_free(&w);
    return st;
}

/* The tokens Tokenizer::decode hands to the decoder. */
static attn_status decode_tokens(const hf_tokenizer *tok, const int32_t *ids, size_t n,
                                 bool skip_special, hf_strs *tokens)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; i < n && st == ATTN_OK; i++) {
        const char *piece;
        size_t len;
        int32_t unused;
        if (!hf_id_to_piece(tok, ids[i], &piece, &len))
            return err_set(ATTN_E_INVALID_ARGUMENT, "token id %d is not in the vocabulary",
                           ids[i]);
        if (skip_special && strmap_get(&tok->added.special, piece, len, &unused))
            continue;
        st = hf_strs_push(tokens, piece, len);
    }
    return st;
}

attn_status hf_decode(const hf_tokenizer *tok, const int32_t *ids, size_t n, bool skip_special,
                      tk_str *out)
{
    hf_strs tokens = { 0 }, spare = { 0 };
    hf_work w = { 0 };
    attn_status st = decode_tokens(tok, ids, n, skip_special, &tokens);
    if (st == ATTN_OK && tok->has_decoder)
        st = hf_decode_chain(&tok->decoder, &w, &tokens, &spare);
    for (size_t i = 0; i < tokens.n && st == ATTN_OK; i++) {
        const char *s;
        size_t len;
        hf_strs_get(&tokens, i, &s, &len);
        if (i > 0 && !tok->has_decoder) /* no decoder: tokens joined by spaces */
            st = tk_str_append(out, " ", 1);
        if (st == ATTN_OK)
            st = tk_str_append(out, s, len);
    }
    if (st == ATTN_OK && !out->p)
        st = tk_str_append(out, "", 0);
    hf_strs_free(&tokens);
    hf_strs_free(&spare);
    hf_work_free(&w);
    return st;
}

size_t hf_vocab_size(const hf_tokenizer *tok)
{
    return tok->model.vocab.ids.count + tok->added.unique;
}

bool hf_id_to_piece(const hf_tokenizer *tok, int32_t id, const char **piece, size_t *len)
{
    const hf_added_token *t = hf_added_by_id(&tok->added, id);
    if (t) {
        *piece = t->content;
        *len = t->len;
        return true;
    }
    return hf_vocab_piece(&tok->model.vocab, id, piece, len);
}

bool hf_piece_to_id(const hf_tokenizer *tok, const char *piece, size_t len, int32_t *id)
{
    return strmap_get(&tok->added.by_content, piece, len, id) ||
           hf_vocab_id(&tok->model.vocab, piece, len, id);
}

bool hf_is_special(const hf_tokenizer *tok, int32_t id)
{
    const hf_added_token *t = hf_added_by_id(&tok->added, id);
    int32_t unused;
    return t && strmap_get(&tok->added.special, t->content, t->len, &unused);
}
