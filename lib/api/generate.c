/* generate.c - attn_generate and attn_result: resolves the settings, runs
 * lib/decode's search over the session's decoder and keeps the output. */
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"
#include "api/session.h"
#include "base/error.h"
#include "base/options.h"
#include "decode/search.h"

struct attn_result {
    search_result search;
};

typedef struct {
    attn_session *session;
} generate_ctx;

static attn_status generate_step(void *ctx, const int32_t *tokens, const float **logits)
{
    return attn_decoder_step(((generate_ctx *)ctx)->session, tokens, 1, logits);
}

static attn_status generate_reorder(void *ctx, const int64_t *parent, int64_t rows)
{
    return session_reorder(((generate_ctx *)ctx)->session, parent, rows);
}

attn_status attn_generate(attn_session *session, const attn_encoding *encoding,
                          const attn_options *options, attn_result **out)
{
    if (!session || !encoding || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_generate: %s is NULL",
                       !session ? "session" : !encoding ? "encoding" : "out");
    attn_status st = opt_check_scope(options, OPT_SCOPE_GENERATE, "attn_generate");
    if (st != ATTN_OK)
        return st;
    const attn_model *model = session_model(session);
    const nn_spec *spec = &model->arch.spec;
    json_t *call = opt_to_json(options, OPT_SCOPE_GENERATE);
    if (!call)
        return err_no_memory("the options");
    gen_config c;
    /* Folders without generation_config.json keep these keys in config.json. */
    const json_t *file = model->generation_config ? model->generation_config : model->config_json;
    /* Each step feeds one token; the last one generated is never fed. */
    st = gen_config_resolve(file, call, spec->out_vocab, spec->dec.max_len + 1, &c);
    json_decref(call);
    if (st != ATTN_OK)
        return st;

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
        generate_ctx ctx = { session };
        search_decoder dec = { &ctx, generate_step, generate_reorder, spec->out_vocab };
        st = search_run(&c, &dec, (int64_t)items, &result->search);
    }
done:
    free(src_rows);
    gen_config_free(&c);
    if (st != ATTN_OK) {
        free(result);
        return st;
    }
    *out = result;
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
