/* gen_config.c - see gen_config.h. One merged JSON object (file values
 * overwritten by the call's) is read field by field, each with the default
 * transformers' GenerationConfig has. */
#include "decode/gen_config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

static attn_status bad(const char *key, const char *expected)
{
    return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' must be %s", key, expected);
}

/* An integer in [lo, hi], or `fallback` when absent or null. */
static attn_status read_int(const json_t *obj, const char *key, int64_t fallback, int64_t lo,
                            int64_t hi, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = fallback;
        return ATTN_OK;
    }
    if (json_is_boolean(v))
        *out = json_is_true(v);
    else if (json_is_integer(v))
        *out = json_integer_value(v);
    else
        return bad(key, "an integer");
    if (*out < lo || *out > hi)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' = %lld is out of range [%lld, %lld]",
                       key, (long long)*out, (long long)lo, (long long)hi);
    return ATTN_OK;
}

static attn_status read_number(const json_t *obj, const char *key, double fallback, double lo,
                               double hi, double *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = fallback;
        return ATTN_OK;
    }
    if (!json_is_number(v))
        return bad(key, "a number");
    *out = json_number_value(v);
    if (!(*out >= lo && *out <= hi))
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' = %g is out of range [%g, %g]", key,
                       *out, lo, hi);
    return ATTN_OK;
}

/* A boolean (true/false or 0/1), false when absent. */
static attn_status read_flag(const json_t *obj, const char *key, bool *out)
{
    int64_t v;
    attn_status st = read_int(obj, key, 0, 0, 1, &v);
    *out = st == ATTN_OK && v != 0;
    return st;
}

/* A token id or a list of them (at most `max`), each in [0, vocab). */
static attn_status read_tokens(const json_t *obj, const char *key, int64_t vocab, int32_t *ids,
                               int64_t max, int64_t *count)
{
    const json_t *v = json_object_get(obj, key);
    *count = 0;
    if (!v || json_is_null(v))
        return ATTN_OK;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (n > (size_t)max)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s' lists %zu tokens; at most %lld",
                       key, n, (long long)max);
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_integer(t))
            return bad(key, "a token id or a list of token ids");
        if (json_integer_value(t) < 0 || json_integer_value(t) >= vocab)
            return err_set(ATTN_E_INVALID_ARGUMENT, "option '%s': token id %lld is outside the "
                           "vocabulary of %lld", key, (long long)json_integer_value(t),
                           (long long)vocab);
        ids[i] = (int32_t)json_integer_value(t);
    }
    *count = (int64_t)n;
    return ATTN_OK;
}

/* A list of token ids of any length, in a new array. */
static attn_status read_token_list(const json_t *obj, const char *key, int64_t vocab,
                                   int32_t **out, int64_t *count)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    *count = 0;
    if (!v || json_is_null(v))
        return ATTN_OK;
    if (!json_is_array(v))
        return bad(key, "a list of token ids");
    size_t n = json_array_size(v);
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return err_no_memory(key);
    return read_tokens(obj, key, vocab, *out, (int64_t)n, count);
}

/* bad_words_ids: a list of non-empty token lists; lists equal to [eos]
 * are dropped, as transformers drops them. */
static attn_status read_bad_words(const json_t *obj, int64_t vocab, gen_config *c)
{
    const json_t *v = json_object_get(obj, "bad_words_ids");
    if (!v || json_is_null(v))
        return ATTN_OK;
    if (!json_is_array(v))
        return bad("bad_words_ids", "a list of token lists");
    size_t words = json_array_size(v), total = 0;
    for (size_t i = 0; i < words; i++) {
        const json_t *w = json_array_get(v, i);
        if (!json_is_array(w) || json_array_size(w) == 0)
            return bad("bad_words_ids", "a list of non-empty token lists");
        total += json_array_size(w);
    }
    c->bad_words = malloc((total ? total : 1) * sizeof *c->bad_words);
    c->bad_start = malloc((words + 1) * sizeof *c->bad_start);
    if (!c->bad_words || !c->bad_start)
        return err_no_memory("bad_words_ids");
    c->bad_start[0] = 0;
    for (size_t i = 0; i < words; i++) {
        const json_t *w = json_array_get(v, i);
        int32_t *dst = c->bad_words + c->bad_start[c->bad_count];
        int64_t n;
        json_t *holder = json_pack("{sO}", "bad_words_ids", w);
        if (!holder)
            return err_no_memory("bad_words_ids");
        attn_status st = read_tokens(holder, "bad_words_ids", vocab, dst,
                                     (int64_t)json_array_size(w), &n);
        json_decref(holder);
        if (st != ATTN_OK)
            return st;
        bool is_eos = false;
        for (int64_t e = 0; n == 1 && e < c->eos_count; e++)
            is_eos |= dst[0] == c->eos[e];
        if (!is_eos) {
            c->bad_count++;
            c->bad_start[c->bad_count] = c->bad_start[c->bad_count - 1] + n;
        }
    }
    return ATTN_OK;
}

static attn_status read_early_stopping(const json_t *obj, gen_early_stopping *out)
{
    const json_t *v = json_object_get(obj, "early_stopping");
    *out = GEN_STOP_HEURISTIC;
    if (!v || json_is_null(v) || json_is_false(v) ||
        (json_is_integer(v) && json_integer_value(v) == 0))
        return ATTN_OK;
    if (json_is_true(v) || (json_is_integer(v) && json_integer_value(v) == 1)) {
        *out = GEN_STOP_EARLY;
        return ATTN_OK;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "never") == 0) {
        *out = GEN_STOP_NEVER;
        return ATTN_OK;
    }
    return bad("early_stopping", "true, false or \"never\"");
}

/* The checks across options that transformers makes before generating. */
static attn_status check_consistency(const gen_config *c, int64_t max_positions)
{
    if (c->max_length <= c->prompt_len)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option 'max_length' = %lld leaves no room "
                       "after the %lld tokens of the decoder start and target prefix",
                       (long long)c->max_length, (long long)c->prompt_len);
    if (c->max_length > max_positions)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option 'max_length' (or max_new_tokens + 1) = "
                       "%lld exceeds the %lld positions of the decoder",
                       (long long)c->max_length, (long long)max_positions);
    if (c->num_return_sequences > c->num_beams)
        return err_set(ATTN_E_INVALID_ARGUMENT, "option 'num_return_sequences' = %lld is larger "
                       "than num_beams = %lld", (long long)c->num_return_sequences,
                       (long long)c->num_beams);
    if (c->do_sample && c->num_beams > 1)
        return err_set(ATTN_E_UNSUPPORTED, "options 'do_sample' with 'num_beams' > 1 (beam "
                       "sampling) are not supported");
    return ATTN_OK;
}

attn_status gen_config_resolve(const json_t *file, json_t *call, int64_t vocab,
                               int64_t max_positions, int64_t prompt_len, gen_config *out)
{
    gen_config *c = out;
    memset(c, 0, sizeof *c);
    json_t *o = file ? json_deep_copy(file) : json_object();
    if (!o || (call && json_object_update(o, call) != 0)) {
        json_decref(o);
        return err_no_memory("the generation settings");
    }
    const int64_t id_max = vocab - 1;
    int64_t v = -1, n = 0, start = -1, bos = -1, pad = -1, max_new = -1, min_new = -1;
    attn_status st = read_int(o, "max_length", 20, 1, INT32_MAX, &c->max_length);
    if (st == ATTN_OK)
        st = read_int(o, "max_new_tokens", -1, 0, INT32_MAX, &max_new);
    if (st == ATTN_OK)
        st = read_int(o, "min_length", 0, 0, INT32_MAX, &c->min_length);
    if (st == ATTN_OK)
        st = read_int(o, "min_new_tokens", -1, 0, INT32_MAX, &min_new);
    if (st == ATTN_OK)
        st = read_int(o, "num_beams", 1, 1, GEN_MAX_BEAMS, &c->num_beams);
    if (st == ATTN_OK)
        st = read_int(o, "num_return_sequences", 1, 1, GEN_MAX_BEAMS,
                      &c->num_return_sequences);
    if (st == ATTN_OK)
        st = read_number(o, "length_penalty", 1.0, -1e6, 1e6, &c->length_penalty);
    if (st == ATTN_OK)
        st = read_early_stopping(o, &c->early_stopping);
    if (st == ATTN_OK)
        st = read_number(o, "repetition_penalty", 1.0, 1e-9, 1e9, &c->repetition_penalty);
    if (st == ATTN_OK)
        st = read_int(o, "no_repeat_ngram_size", 0, 0, INT32_MAX, &c->no_repeat_ngram_size);
    if (st == ATTN_OK)
        st = read_tokens(o, "eos_token_id", vocab, c->eos, GEN_MAX_EOS, &c->eos_count);
    if (st == ATTN_OK)
        st = read_int(o, "decoder_start_token_id", -1, 0, id_max, &start);
    if (st == ATTN_OK)
        st = read_int(o, "bos_token_id", -1, 0, id_max, &bos);
    if (st == ATTN_OK)
        st = read_int(o, "pad_token_id", -1, 0, id_max, &pad);
    if (st == ATTN_OK)
        st = read_int(o, "forced_bos_token_id", -1, 0, id_max, &v);
    c->forced_bos = (int32_t)v;
    if (st == ATTN_OK)
        st = read_tokens(o, "forced_eos_token_id", vocab, c->forced_eos, GEN_MAX_EOS,
                         &c->forced_eos_count);
    if (st == ATTN_OK)
        st = read_bad_words(o, vocab, c);
    if (st == ATTN_OK)
        st = read_token_list(o, "suppress_tokens", vocab, &c->suppress, &c->suppress_count);
    if (st == ATTN_OK)
        st = read_token_list(o, "begin_suppress_tokens", vocab, &c->begin_suppress,
                             &c->begin_suppress_count);
    if (st == ATTN_OK)
        st = read_flag(o, "renormalize_logits", &c->renormalize);
    if (st == ATTN_OK)
        st = read_flag(o, "return_scores", &c->return_scores);
    if (st == ATTN_OK)
        st = read_flag(o, "return_attention", &c->return_attention);
    if (st == ATTN_OK)
        st = read_flag(o, "do_sample", &c->do_sample);
    if (st == ATTN_OK)
        st = read_number(o, "temperature", 1.0, 0.0, 1e6, &c->temperature);
    if (st == ATTN_OK)
        st = read_int(o, "top_k", 50, 0, INT32_MAX, &c->top_k);
    if (st == ATTN_OK)
        st = read_number(o, "top_p", 1.0, 1e-9, 1.0, &c->top_p);
    if (st == ATTN_OK)
        st = read_int(o, "seed", 0, 0, INT64_MAX, &n);
    c->seed = (uint64_t)n;
    json_decref(o);
    if (st != ATTN_OK) {
        gen_config_free(c);
        return st;
    }

    /* As generate(): the start token falls back to bos, pad to eos[0];
     * max_new_tokens and min_new_tokens count after the start token; a
     * temperature of 0 means greedy. */
    if (start < 0)
        start = bos;
    if (start < 0) {
        gen_config_free(c);
        return err_set(ATTN_E_INVALID_ARGUMENT, "option 'decoder_start_token_id' is needed: "
                       "the model defines neither it nor bos_token_id");
    }
    c->decoder_start = (int32_t)start;
    c->pad = (int32_t)(pad >= 0 ? pad : c->eos_count ? c->eos[0] : 0);
    c->prompt_len = prompt_len;
    if (max_new >= 0)
        c->max_length = max_new + prompt_len;
    if (min_new >= 0)
        c->min_length = min_new + prompt_len;
    if (c->temperature == 0.0)
        c->do_sample = false;
    /* as generate(): one token later when a forced BOS takes the first */
    c->begin_suppress_index = prompt_len + (prompt_len == 1 && c->forced_bos >= 0);
    st = check_consistency(c, max_positions);
    if (st != ATTN_OK)
        gen_config_free(c);
    return st;
}

void gen_config_free(gen_config *config)
{
    free(config->bad_words);
    free(config->bad_start);
    free(config->suppress);
    free(config->begin_suppress);
    config->bad_words = config->suppress = config->begin_suppress = NULL;
    config->bad_start = NULL;
}
