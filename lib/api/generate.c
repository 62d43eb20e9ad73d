/* generate.c - attn_generate and attn_result: resolves the settings, runs
 * lib/decode's search over the session's decoder and keeps the output. */
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"
#include "api/session.h"
#include "base/error.h"
#include "base/options.h"
#include "decode/processors.h"
#include "decode/search.h"

struct attn_result {
    search_result search;
};

typedef struct {
    attn_session *session;
    attn_token_fn fn;
    void *user;
} generate_ctx;

static int32_t generate_token(void *user, int64_t item, int32_t token, float logprob)
{
    generate_ctx *ctx = user;
    return ctx->fn(ctx->user, (size_t)item, token, logprob);
}

static attn_status generate_step(void *ctx, const int32_t *tokens, const float **logits)
{
    return attn_decoder_step(((generate_ctx *)ctx)->session, tokens, 1, logits);
}

static attn_status generate_reorder(void *ctx, const int64_t *parent, int64_t rows)
{
    return session_reorder(((generate_ctx *)ctx)->session, parent, rows);
}

/* Resolves the settings of a call: the options over the model's files. */
static attn_status resolve(attn_session *session, const attn_options *options,
                           const char *function, gen_config *c)
{
    attn_status st = opt_check_scope(options, OPT_SCOPE_GENERATE, function);
    if (st != ATTN_OK)
        return st;
    const attn_model *model = session_model(session);
    const nn_spec *spec = &model->arch.spec;
    json_t *call = opt_to_json(options, OPT_SCOPE_GENERATE);
    if (!call)
        return err_no_memory("the options");
    /* Folders without generation_config.json keep these keys in config.json. */
    const json_t *file = model->generation_config ? model->generation_config : model->config_json;
    /* Each step feeds one token; the last one generated is never fed. */
    st = gen_config_resolve(file, call, spec->out_vocab, spec->dec.max_len + 1, c);
    json_decref(call);
    return st;
}

/* attn_generate, streaming to fn when it is not NULL. */
static attn_status generate(attn_session *session, const attn_encoding *encoding,
                            const attn_options *options, attn_token_fn fn, void *user,
                            attn_result **out)
{
    const char *name = fn ? "attn_generate_stream" : "attn_generate";
    if (!session || !encoding || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "%s: %s is NULL", name,
                       !session ? "session" : !encoding ? "encoding" : "out");
    const nn_spec *spec = &session_model(session)->arch.spec;
    gen_config c;
    attn_status st = resolve(session, options, name, &c);
    if (st != ATTN_OK)
        return st;
    if (fn && c.num_beams > 1) {
        gen_config_free(&c);
        return err_set(ATTN_E_UNSUPPORTED, "attn_generate_stream: option 'num_beams' = %lld; "
                       "streaming needs greedy decoding or sampling (num_beams 1)",
                       (long long)c.num_beams);
    }

    size_t items;
    attn_encoding_output(encoding, NULL, &items, NULL, NULL);
    const size_t rows = items * (size_t)c.num_beams;
    size_t *src_rows = malloc(rows * sizeof *src_rows);
    attn_result *result = calloc(1, sizeof *result);
    if (!src_rows || !result) {
        st = err_no_memory("the generation");
        goto done;
    }
    for (size_t r = 0; r < rows; r++)
        src_rows[r] = r / (size_t)c.num_beams;
    st = attn_decoder_begin(session, encoding, src_rows, rows, (size_t)(c.max_length - 1));
    if (st == ATTN_OK) {
        generate_ctx ctx = { session, fn, user };
        search_decoder dec = { &ctx, generate_step, generate_reorder, spec->out_vocab,
                               fn ? generate_token : NULL, &ctx };
        st = search_run(&c, &dec, (int64_t)items, &result->search);
    }
done:
    free(src_rows);
    gen_config_free(&c);
    if (st != ATTN_OK && st != ATTN_E_ABORTED) {
        free(result);
        return st;
    }
    *out = result;
    return st;
}

attn_status attn_generate(attn_session *session, const attn_encoding *encoding,
                          const attn_options *options, attn_result **out)
{
    return generate(session, encoding, options, NULL, NULL, out);
}

attn_status attn_generate_stream(attn_session *session, const attn_encoding *encoding,
                                 const attn_options *options, attn_token_fn fn, void *user,
                                 attn_result **out)
{
    if (!fn)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_generate_stream: fn is NULL");
    return generate(session, encoding, options, fn, user, out);
}

attn_status attn_score(attn_session *session, const attn_encoding *encoding,
                       const int32_t *targets, const size_t *lengths,
                       const attn_options *options, attn_result **out)
{
    if (!session || !encoding || !targets || !lengths || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_score: %s is NULL",
                       !session ? "session" : !encoding ? "encoding" : !targets ? "targets"
                       : !lengths ? "lengths" : "out");
    const nn_spec *spec = &session_model(session)->arch.spec;
    size_t items, longest = 0;
    attn_encoding_output(encoding, NULL, &items, NULL, NULL);
    for (size_t i = 0; i < items; i++) {
        if (lengths[i] == 0 || lengths[i] > (size_t)spec->dec.max_len)
            return err_set(ATTN_E_INVALID_ARGUMENT, "attn_score: target %zu has %zu tokens; "
                           "the model takes 1 to %lld", i, lengths[i],
                           (long long)spec->dec.max_len);
        longest = lengths[i] > longest ? lengths[i] : longest;
    }
    size_t offset = 0;
    for (size_t i = 0; i < items; i++)
        for (size_t k = 0; k < lengths[i]; k++, offset++)
            if (targets[offset] < 0 || targets[offset] >= spec->out_vocab)
                return err_set(ATTN_E_INVALID_ARGUMENT, "attn_score: target %zu, position %zu: "
                               "token id %d is outside the vocabulary of %lld", i, k,
                               targets[offset], (long long)spec->out_vocab);
    gen_config c;
    attn_status st = resolve(session, options, "attn_score", &c);
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
    st = search_result_alloc(&result->search, (int64_t)items, 1, (int64_t)longest, true);
    if (st == ATTN_OK)
        st = attn_decoder_forward(session, encoding, input, longest, &logits);
    offset = 0;
    for (size_t i = 0; i < items && st == ATTN_OK; i++) {
        search_result *r = &result->search;
        double sum = 0.0;
        for (size_t k = 0; k < lengths[i]; k++) {
            const int32_t t = targets[offset + k];
            memcpy(row, logits + (i * longest + k) * (size_t)spec->out_vocab,
                   (size_t)spec->out_vocab * sizeof *row);
            proc_log_softmax(row, spec->out_vocab);
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
    if (st != ATTN_OK) {
        if (result)
            search_result_free(&result->search);
        free(result);
        return st;
    }
    *out = result;
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
    free(result);
}
