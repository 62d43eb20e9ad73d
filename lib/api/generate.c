/* generate.c - attn_generate and attn_result: resolves the settings, runs
 * lib/decode's search over the session's decoder and keeps the output. */
#include <stdlib.h>
#include <string.h>

#include "api/generate.h"
#include "api/handles.h"
#include "api/session.h"
#include "base/error.h"
#include "base/options.h"
#include "decode/processors.h"
#include "decode/search.h"
#include "ops/vec.h"

typedef struct {
    attn_session *session;
    attn_token_fn fn;
    void *user;
    const size_t *input;   /* the caller's input index of each item, or NULL */
} generate_ctx;

static int32_t generate_token(void *user, int64_t item, int32_t token, float logprob)
{
    generate_ctx *ctx = user;
    return ctx->fn(ctx->user, ctx->input ? ctx->input[item] : (size_t)item, token, logprob);
}

static attn_status generate_step(void *ctx, const int32_t *tokens, int64_t count,
                                 const float **logits)
{
    return attn_decoder_step(((generate_ctx *)ctx)->session, tokens, (size_t)count, logits);
}

/* The alignment of a step: the last decoder layer's cross-attention,
 * averaged over heads. */
static attn_status generate_alignment(void *ctx, const float **weights)
{
    attn_session *session = ((generate_ctx *)ctx)->session;
    const size_t layers = (size_t)session_model(session)->arch.spec.dec.layers;
    return attn_decoder_cross_attention(session, layers - 1, weights, NULL);
}

static attn_status generate_reorder(void *ctx, const int64_t *parent, int64_t rows)
{
    session_reorder(((generate_ctx *)ctx)->session, parent, rows);
    return ATTN_OK;
}

/* Gives `result` to the caller when st is ATTN_OK or ATTN_E_ABORTED (whose
 * partial output the caller keeps), else frees it; returns st. */
static attn_status hand_over(attn_result *result, attn_status st, attn_result **out)
{
    if (st == ATTN_OK || st == ATTN_E_ABORTED) {
        *out = result;
        return st;
    }
    attn_result_free(result);
    return st;
}

/* The forced_bos_token_id that the option tgt_lang implies, into `call`
 * unless the caller set one. */
static attn_status resolve_target_language(const attn_model *model, const attn_options *options,
                                           json_t *call)
{
    const char *lang = opt_get_str(options, "tgt_lang");
    if (!lang || json_object_get(call, "forced_bos_token_id"))
        return ATTN_OK;
    const attn_tokenizer *target = model->tokenizers[ATTN_TOKENIZER_TARGET];
    if (!target)
        return err_prefix(model->tokenizer_status, "option 'tgt_lang': %s",
                          model->tokenizer_error ? model->tokenizer_error : "no tokenizer");
    int32_t id;
    attn_status st = tokenizer_language_id(target->impl, lang, &id);
    if (st != ATTN_OK)
        return err_prefix(st, "option 'tgt_lang'");
    if (json_object_set_new(call, "forced_bos_token_id", json_integer(id)) != 0)
        return err_no_memory("the options");
    return ATTN_OK;
}

/* Resolves the settings of a call: the options over the model's files. */
static attn_status resolve(attn_session *session, const attn_options *options,
                           unsigned scope, const char *function, int64_t prompt_len,
                           gen_config *c)
{
    attn_status st = opt_check_scope(options, scope, function);
    if (st != ATTN_OK)
        return st;
    const attn_model *model = session_model(session);
    const nn_spec *spec = &model->arch.spec;
    json_t *call = opt_to_json(options, OPT_SCOPE_GENERATE);
    if (!call)
        return err_no_memory("the options");
    if (scope & OPT_SCOPE_ENCODE)
        st = resolve_target_language(model, options, call);
    /* Folders without generation_config.json keep these keys in config.json. */
    const json_t *file = model->generation_config ? model->generation_config : model->config_json;
    /* Each step feeds one token; the last one generated is never fed. */
    if (st == ATTN_OK)
        st = gen_config_resolve(file, call, spec->out_vocab, spec->dec.max_len + 1, prompt_len,
                                c);
    json_decref(call);
    return st;
}

/* The option target_prefix, a list of `total` token lists that outputs
 * must start with: the lists of the caller's inputs inputs[0..items)
 * (NULL: 0..items) into prefix (items, longest) and lengths; all empty
 * when the option is not set. */
static attn_status read_prefixes(const attn_options *options, size_t items, const size_t *inputs,
                                 size_t total, int64_t vocab, int32_t **prefix, size_t *lengths,
                                 size_t *longest)
{
    json_t *call = opt_to_json(options, OPT_SCOPE_GENERATE);
    if (!call)
        return err_no_memory("the options");
    const json_t *v = json_object_get(call, "target_prefix");
    attn_status st = ATTN_OK;
    *longest = 0;
    memset(lengths, 0, items * sizeof *lengths);
    if (v && (!json_is_array(v) || json_array_size(v) != total))
        st = err_set(ATTN_E_INVALID_ARGUMENT, "option 'target_prefix' must be a list of %zu "
                     "token lists, one per input", total);
    for (size_t i = 0; v && st == ATTN_OK && i < items; i++) {
        const json_t *p = json_array_get(v, inputs ? inputs[i] : i);
        if (!json_is_array(p))
            st = err_set(ATTN_E_INVALID_ARGUMENT, "option 'target_prefix': entry %zu is not "
                         "a token list", inputs ? inputs[i] : i);
        else if (json_array_size(p) > *longest)
            *longest = json_array_size(p);
    }
    *prefix = st == ATTN_OK ? calloc(items * (*longest ? *longest : 1), sizeof **prefix) : NULL;
    if (st == ATTN_OK && !*prefix)
        st = err_no_memory("the target prefixes");
    for (size_t i = 0; v && st == ATTN_OK && i < items; i++) {
        const json_t *p = json_array_get(v, inputs ? inputs[i] : i);
        lengths[i] = json_array_size(p);
        for (size_t k = 0; k < lengths[i] && st == ATTN_OK; k++) {
            const json_t *t = json_array_get(p, k);
            if (!json_is_integer(t) || json_integer_value(t) < 0 || json_integer_value(t) >= vocab)
                st = err_set(ATTN_E_INVALID_ARGUMENT, "option 'target_prefix': input %zu, "
                             "position %zu is not a token id below %lld",
                             inputs ? inputs[i] : i, k, (long long)vocab);
            else
                (*prefix)[i * *longest + k] = (int32_t)json_integer_value(t);
        }
    }
    json_decref(call);
    return st;
}

/* Generates for the inputs members[0..n) whose target prefixes have
 * `plen` tokens, into `all`. */
static attn_status generate_group(attn_session *session, const attn_encoding *encoding,
                                  const attn_options *options, unsigned scope,
                                  const char *name, const size_t *members, size_t n,
                                  const int32_t *prefix, size_t longest, size_t plen,
                                  generate_ctx *ctx, search_result *all)
{
    const nn_spec *spec = &session_model(session)->arch.spec;
    gen_config c;
    attn_status st = resolve(session, options, scope, name, 1 + (int64_t)plen, &c);
    if (st != ATTN_OK)
        return st;
    const size_t nb = (size_t)c.num_beams;
    size_t *src_rows = malloc(n * nb * sizeof *src_rows);
    int32_t *group_prefix = malloc(n * (plen ? plen : 1) * sizeof *group_prefix);
    search_result part = { 0 };
    if (!src_rows || !group_prefix) {
        st = err_no_memory("the generation");
        goto done;
    }
    for (size_t r = 0; r < n * nb; r++)
        src_rows[r] = members[r / nb];
    for (size_t i = 0; i < n; i++)
        memcpy(group_prefix + i * plen, prefix + members[i] * longest, plen * sizeof *prefix);
    st = attn_decoder_begin(session, encoding, src_rows, n * nb, (size_t)(c.max_length - 1));
    if (st == ATTN_OK) {
        ctx->input = members;
        search_decoder dec = { ctx, generate_step, generate_reorder, spec->out_vocab,
                               generate_alignment, all->src_len,
                               ctx->fn ? generate_token : NULL, ctx };
        /* the search's own loops run on the session's threads too */
        const int saved_threads = session_threads_apply(session);
        st = search_run(&c, &dec, (int64_t)n, plen ? group_prefix : NULL, &part);
        session_threads_restore(saved_threads);
    }
    if (st == ATTN_OK || st == ATTN_E_ABORTED)
        search_result_merge(all, &part, members);
    search_result_free(&part);
done:
    free(src_rows);
    free(group_prefix);
    gen_config_free(&c);
    return st;
}

/* attn_generate, streaming to fn when it is not NULL; options of `scope`
 * are accepted. The encoding's sequences are the caller's inputs
 * inputs[0..) of `total` (NULL: all of them, in order), which is how
 * per-input options are read. Inputs run in groups of equal target-prefix
 * length. */
static attn_status generate(attn_session *session, const attn_encoding *encoding,
                            const attn_options *options, unsigned scope, const size_t *inputs,
                            size_t total, attn_token_fn fn, void *user, attn_result **out)
{
    const char *name = fn ? "attn_generate_stream" : "attn_generate";
    if (!session || !encoding || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "%s: %s is NULL", name,
                       !session ? "session" : !encoding ? "encoding" : "out");
    const nn_spec *spec = &session_model(session)->arch.spec;
    gen_config c;
    attn_status st = resolve(session, options, scope, name, 1, &c);
    if (st != ATTN_OK)
        return st;
    const int64_t beams = c.num_beams, per_item = beams > 1 ? c.num_return_sequences : 1;
    const bool scores = c.return_scores, alignments = c.return_attention;
    /* max_new_tokens counts after a prefix: this bounds every group */
    const int64_t width = c.max_length;
    gen_config_free(&c);
    if (fn && beams > 1)
        return err_set(ATTN_E_UNSUPPORTED, "attn_generate_stream: option 'num_beams' = %lld; "
                       "streaming needs greedy decoding or sampling (num_beams 1)",
                       (long long)beams);

    size_t items, src_len, longest = 0;
    attn_encoding_output(encoding, NULL, &items, &src_len, NULL);
    int32_t *prefix = NULL;
    size_t *plen = calloc(items, sizeof *plen), *members = calloc(items, sizeof *members);
    attn_result *result = calloc(1, sizeof *result);
    if (!plen || !members || !result) {
        st = err_no_memory("the generation");
        goto done;
    }
    st = read_prefixes(options, items, inputs, inputs ? total : items, spec->out_vocab, &prefix,
                       plen, &longest);
    if (st == ATTN_OK)
        st = search_result_alloc(&result->search, (int64_t)items, per_item,
                                 width + (int64_t)longest, scores,
                                 alignments ? (int64_t)src_len : 0);
    generate_ctx ctx = { session, fn, user, NULL };
    for (size_t p = 0; p <= longest && st == ATTN_OK; p++) {
        size_t n = 0;
        for (size_t i = 0; i < items; i++)
            if (plen[i] == p)
                members[n++] = i;
        if (n)
            st = generate_group(session, encoding, options, scope, name, members, n, prefix,
                                longest, p, &ctx, &result->search);
    }
done:
    free(prefix);
    free(plen);
    free(members);
    return hand_over(result, st, out);
}

attn_status attn_generate(attn_session *session, const attn_encoding *encoding,
                          const attn_options *options, attn_result **out)
{
    return generate(session, encoding, options, OPT_SCOPE_GENERATE, NULL, 0, NULL, NULL, out);
}

attn_status attn_generate_stream(attn_session *session, const attn_encoding *encoding,
                                 const attn_options *options, attn_token_fn fn, void *user,
                                 attn_result **out)
{
    if (!fn)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_generate_stream: fn is NULL");
    return generate(session, encoding, options, OPT_SCOPE_GENERATE, NULL, 0, fn, user, out);
}

attn_status attn_score(attn_session *session, const attn_encoding *encoding,
                       const int32_t *targets, const size_t *lengths,
                       const attn_options *options, attn_result **out)
{
    if (!session || !encoding || !targets || !lengths || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_score: %s is NULL",
                       !session ? "session" : !encoding ? "encoding" : !targets ? "targets"
                       : !lengths ? "lengths" : "out");
    return score_ids(session, encoding, targets, lengths, options, OPT_SCOPE_GENERATE,
                     "attn_score", out);
}

attn_status score_ids(attn_session *session, const attn_encoding *encoding,
                      const int32_t *targets, const size_t *lengths, const attn_options *options,
                      unsigned scope, const char *function, attn_result **out)
{
    const nn_spec *spec = &session_model(session)->arch.spec;
    size_t items, longest;
    attn_encoding_output(encoding, NULL, &items, NULL, NULL);
    attn_status st = session_check_lengths(lengths, items, spec->dec.max_len, function,
                                           "target", &longest);
    if (st != ATTN_OK)
        return st;
    size_t offset = 0;
    for (size_t i = 0; i < items; i++)
        for (size_t k = 0; k < lengths[i]; k++, offset++)
            if (targets[offset] < 0 || targets[offset] >= spec->out_vocab)
                return err_set(ATTN_E_INVALID_ARGUMENT, "%s: target %zu, position %zu: "
                               "token id %d is outside the vocabulary of %lld", function, i, k,
                               targets[offset], (long long)spec->out_vocab);
    gen_config c;
    st = resolve(session, options, scope, function, 1, &c);
    if (st != ATTN_OK)
        return st;
    /* decoder input (items, longest): the start token, then each target
     * but its last token, padded */
    int32_t *input = malloc(items * longest * sizeof *input);
    attn_result *result = calloc(1, sizeof *result);
    const float *logits;
    float *row = malloc((size_t)spec->out_vocab * sizeof *row);
    if (!input || !result || !row) {
        st = err_no_memory("the scoring");
        goto done;
    }
    offset = 0;
    for (size_t i = 0; i < items; i++) {
        input[i * longest] = c.decoder_start;
        for (size_t k = 1; k < longest; k++)
            input[i * longest + k] = k < lengths[i] ? targets[offset + k - 1] : c.pad;
        offset += lengths[i];
    }
    st = search_result_alloc(&result->search, (int64_t)items, 1, (int64_t)longest, true, 0);
    if (st == ATTN_OK)
        st = attn_decoder_forward(session, encoding, input, longest, &logits);
    offset = 0;
    for (size_t i = 0; i < items && st == ATTN_OK; i++) {
        search_result *r = &result->search;
        double sum = 0.0;
        for (size_t k = 0; k < lengths[i]; k++) {
            const int32_t t = targets[offset + k];
            vec_log_softmax(row, logits + (i * longest + k) * (size_t)spec->out_vocab,
                            spec->out_vocab);
            r->tokens[i * longest + k] = t;
            r->token_scores[i * longest + k] = row[t];
            sum += row[t];
        }
        r->lengths[i] = (int64_t)lengths[i];
        r->scores[i] = (float)sum;
        offset += lengths[i];
    }
done:
    free(input);
    free(row);
    gen_config_free(&c);
    return hand_over(result, st, out);
}

attn_status attn_result_alignment(const attn_result *result, size_t i, size_t j,
                                  const float **weights, size_t *tokens, size_t *src_len)
{
    attn_status st = attn_result_hypothesis(result, i, j, NULL, tokens, NULL);
    if (st != ATTN_OK)
        return st;
    if (!weights)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_result_alignment: weights is NULL");
    const search_result *r = &result->search;
    if (!r->alignment)
        return err_set(ATTN_E_NOT_FOUND, "attn_result_alignment: this result has no "
                       "alignments (generate with return_attention 1)");
    *weights = r->alignment + ((int64_t)i * r->per_item + (int64_t)j) * r->stride * r->src_len;
    if (src_len)
        *src_len = (size_t)r->src_len;
    return ATTN_OK;
}

attn_status attn_result_token_scores(const attn_result *result, size_t i, size_t j,
                                     const float **logprobs, size_t *count)
{
    attn_status st = attn_result_hypothesis(result, i, j, NULL, count, NULL);
    if (st != ATTN_OK)
        return st;
    if (!logprobs)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_result_token_scores: logprobs is NULL");
    const search_result *r = &result->search;
    if (!r->token_scores)
        return err_set(ATTN_E_NOT_FOUND, "attn_result_token_scores: this result has no "
                       "per-token scores");
    *logprobs = r->token_scores + ((int64_t)i * r->per_item + (int64_t)j) * r->stride;
    return ATTN_OK;
}

/* The longest of the `total` inputs' target prefixes, checked. */
static attn_status prefix_bound(attn_session *session, const attn_options *options, size_t total,
                                size_t *longest)
{
    int32_t *prefix = NULL;
    size_t *lengths = calloc(total, sizeof *lengths);
    if (!lengths)
        return err_no_memory("the target prefixes");
    attn_status st = read_prefixes(options, total, NULL, total,
                                   session_model(session)->arch.spec.out_vocab, &prefix, lengths,
                                   longest);
    free(prefix);
    free(lengths);
    return st;
}

/* An input's length and index, sorted by decreasing length, ties in input
 * order. */
typedef struct {
    size_t length, index;
} by_length;

static int longer_first(const void *a, const void *b)
{
    const by_length *x = a, *y = b;
    if (x->length != y->length)
        return x->length > y->length ? -1 : 1;
    return x->index < y->index ? -1 : 1;
}

attn_status attn_generate_ids(attn_session *session, const int32_t *ids, const size_t *lengths,
                              size_t batch, const attn_options *options, attn_result **out)
{
    if (!session || !ids || !lengths || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_generate_ids: %s is NULL",
                       !session ? "session" : !ids ? "ids" : !lengths ? "lengths" : "out");
    return generate_ids(session, ids, lengths, batch, options,
                        OPT_SCOPE_GENERATE | OPT_SCOPE_BATCH, "attn_generate_ids", out);
}

attn_status generate_ids(attn_session *session, const int32_t *ids, const size_t *lengths,
                         size_t batch, const attn_options *options, unsigned scope,
                         const char *function, attn_result **out)
{
    if (batch == 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "%s: batch is 0", function);
    /* checked before the lengths size any buffer */
    size_t longest;
    attn_status st = session_check_lengths(lengths, batch, session_max_source(session),
                                           function, "sequence", &longest);
    if (st != ATTN_OK)
        return st;
    gen_config c;
    st = resolve(session, options, scope, function, 1, &c);
    if (st != ATTN_OK)
        return st;
    const int64_t per_item = c.num_beams > 1 ? c.num_return_sequences : 1;
    const int64_t max_length = c.max_length;
    const bool token_scores = c.return_scores;
    const bool alignments = c.return_attention;
    gen_config_free(&c);
    /* outputs also hold their target prefix, which max_new_tokens does not count */
    size_t longest_prefix = 0;
    st = prefix_bound(session, options, batch, &longest_prefix);
    if (st != ATTN_OK)
        return st;
    const int64_t width = max_length + (int64_t)longest_prefix;
    size_t limit = (size_t)opt_get_int(options, "max_batch_size", 0);
    if (limit == 0 || limit > batch)
        limit = batch;

    /* calloc checks the products: batch comes from the caller */
    by_length *sorted = calloc(batch, sizeof *sorted);
    size_t *order = calloc(batch, sizeof *order), *offset = calloc(batch, sizeof *offset);
    size_t *part_len = calloc(limit, sizeof *part_len);
    int32_t *part_ids = NULL;
    attn_result *result = calloc(1, sizeof *result);
    size_t total = 0;
    if (!sorted || !order || !offset || !part_len || !result) {
        st = err_no_memory("the batch");
        goto done;
    }
    for (size_t i = 0; i < batch; i++) {
        sorted[i] = (by_length){ lengths[i], i };
        offset[i] = total;
        total += lengths[i];
    }
    part_ids = malloc((total ? total : 1) * sizeof *part_ids);
    if (!part_ids) {
        st = err_no_memory("the batch");
        goto done;
    }
    qsort(sorted, batch, sizeof *sorted, longer_first);
    for (size_t i = 0; i < batch; i++)
        order[i] = sorted[i].index;
    st = search_result_alloc(&result->search, (int64_t)batch, per_item, width, token_scores,
                             alignments ? (int64_t)longest : 0);
    for (size_t first = 0; first < batch && st == ATTN_OK; first += limit) {
        const size_t n = batch - first < limit ? batch - first : limit;
        size_t used = 0;
        for (size_t k = 0; k < n; k++) {
            const size_t i = order[first + k];
            part_len[k] = lengths[i];
            memcpy(part_ids + used, ids + offset[i], lengths[i] * sizeof *ids);
            used += lengths[i];
        }
        attn_encoding *enc;
        attn_result *part;
        st = attn_encode(session, part_ids, part_len, n, &enc);
        if (st == ATTN_OK) {
            st = generate(session, enc, options, scope, order + first, batch, NULL, NULL,
                          &part);
            session_end_decoding(session);
            attn_encoding_free(enc);
        }
        if (st == ATTN_OK) {
            search_result_merge(&result->search, &part->search, order + first);
            attn_result_free(part);
        }
    }
done:
    free(sorted);
    free(order);
    free(offset);
    free(part_len);
    free(part_ids);
    return hand_over(result, st, out);
}

struct attn_stream {
    generate_ctx ctx;
    gen_config config;          /* the search reads it at every step */
    search_stream *search;
};

attn_status attn_stream_open(attn_session *session, const attn_encoding *encoding,
                             const attn_options *options, attn_stream **out)
{
    if (!session || !encoding || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_stream_open: %s is NULL",
                       !session ? "session" : !encoding ? "encoding" : "out");
    const nn_spec *spec = &session_model(session)->arch.spec;
    attn_stream *stream = calloc(1, sizeof *stream);
    if (!stream)
        return err_no_memory("a token stream");
    gen_config *c = &stream->config;
    attn_status st = resolve(session, options, OPT_SCOPE_GENERATE, "attn_stream_open", 1, c);
    size_t items;
    attn_encoding_output(encoding, NULL, &items, NULL, NULL);
    if (st == ATTN_OK && c->num_beams > 1)
        st = err_set(ATTN_E_UNSUPPORTED, "attn_stream_open: option 'num_beams' = %lld; "
                     "streaming needs greedy decoding or sampling (num_beams 1)",
                     (long long)c->num_beams);
    if (st == ATTN_OK)
        st = attn_decoder_begin(session, encoding, NULL, items, (size_t)(c->max_length - 1));
    if (st == ATTN_OK) {
        stream->ctx = (generate_ctx){ session, NULL, NULL, NULL };
        size_t src_len;
        attn_encoding_output(encoding, NULL, NULL, &src_len, NULL);
        search_decoder dec = { &stream->ctx, generate_step, generate_reorder, spec->out_vocab,
                               generate_alignment, (int64_t)src_len, NULL, NULL };
        st = search_stream_open(c, &dec, (int64_t)items, &stream->search);
    }
    if (st != ATTN_OK) {
        attn_stream_free(stream);
        return st;
    }
    *out = stream;
    return ATTN_OK;
}

attn_status attn_stream_next(attn_stream *stream, size_t *input, int32_t *token,
                             float *logprob)
{
    if (!stream)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_stream_next: stream is NULL");
    int64_t item;
    int32_t t;
    float lp;
    attn_status st = search_stream_next(stream->search, &item, &t, &lp);
    if (st != ATTN_OK)
        return st;
    if (input)
        *input = (size_t)item;
    if (token)
        *token = t;
    if (logprob)
        *logprob = lp;
    return ATTN_OK;
}

void attn_stream_free(attn_stream *stream)
{
    if (!stream)
        return;
    search_stream_free(stream->search);
    gen_config_free(&stream->config);
    free(stream);
}

size_t attn_result_count(const attn_result *result)
{
    return result ? (size_t)result->search.items : 0;
}

size_t attn_result_hypotheses(const attn_result *result, size_t i)
{
    return result && i < (size_t)result->search.items ? (size_t)result->search.per_item : 0;
}

attn_status attn_result_hypothesis(const attn_result *result, size_t i, size_t j,
                                   const int32_t **tokens, size_t *count, float *score)
{
    if (!result)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_result_hypothesis: result is NULL");
    const search_result *r = &result->search;
    if (i >= (size_t)r->items || j >= (size_t)r->per_item)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_result_hypothesis: (%zu, %zu) is outside "
                       "%lld inputs of %lld hypotheses", i, j, (long long)r->items,
                       (long long)r->per_item);
    const int64_t h = (int64_t)i * r->per_item + (int64_t)j;
    if (tokens)
        *tokens = r->tokens + h * r->stride;
    if (count)
        *count = (size_t)r->lengths[h];
    if (score)
        *score = r->scores[h];
    return ATTN_OK;
}

void attn_result_free(attn_result *result)
{
    if (!result)
        return;
    search_result_free(&result->search);
    free(result->text);
    free(result->text_at);
    free(result);
}
