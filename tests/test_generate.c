/* test_generate.c - attn_generate against transformers' generate() on the
 * recorded grid of options (tests/fixtures/generate), and the errors bad
 * options get. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "test_util.h"

/* Copies a case's options into a bag: numbers and booleans as numbers,
 * lists as JSON text, words as strings; output controls are skipped. */
static attn_options *case_options(const json_t *options)
{
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)options, key, v) {
        attn_status st;
        /* how transformers returns its output, not a decoding setting */
        if (strcmp(key, "output_scores") == 0 || strcmp(key, "return_dict_in_generate") == 0)
            continue;
        if (json_is_integer(v))
            st = attn_options_set_int(o, key, json_integer_value(v));
        else if (json_is_boolean(v))
            st = attn_options_set_int(o, key, json_is_true(v));
        else if (json_is_real(v))
            st = attn_options_set_float(o, key, json_real_value(v));
        else if (json_is_string(v))
            st = attn_options_set_str(o, key, json_string_value(v));
        else {
            char *text = json_dumps(v, JSON_COMPACT);
            assert_non_null(text);
            st = attn_options_set_str(o, key, text);
            free(text);
        }
        if (st != ATTN_OK)
            fail_msg("option %s: %s", key, attn_last_error());
    }
    return o;
}

/* Our hypothesis must be the reference row after its start token, and the
 * rest of the row only the pad filler. */
static void assert_same_sequence(const char *where, const json_t *row, const int32_t *tokens,
                                 size_t count, int64_t pad)
{
    const size_t n = json_array_size(row);
    if (count + 1 > n)
        fail_msg("%s: %zu tokens, transformers has %zu", where, count, n - 1);
    for (size_t k = 0; k < n - 1; k++) {
        const int64_t want = json_integer_value(json_array_get(row, k + 1));
        const int64_t got = k < count ? tokens[k] : pad;
        if (got != want)
            fail_msg("%s: token %zu is %lld, transformers %lld", where, k, (long long)got,
                     (long long)want);
    }
}

static void run_fixture(const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        fail_msg("%s: %s", path, jerr.text);
    const char *folder = json_string_value(json_object_get(doc, "model"));
    attn_model *model;
    attn_session *session;
    if (attn_model_load(tu_fixture(folder), NULL, &model) != ATTN_OK)
        fail_msg("%s: %s", folder, attn_last_error());
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    int64_t pad;
    assert_int_equal(attn_model_get_int(model, "pad_token_id", &pad), ATTN_OK);

    size_t c;
    const json_t *tc;
    json_array_foreach(json_object_get(doc, "cases"), c, tc) {
        const char *name = json_string_value(json_object_get(tc, "name"));
        const json_t *sources = json_object_get(tc, "sources");
        const json_t *sequences = json_object_get(tc, "sequences");
        const json_t *scores = json_object_get(tc, "sequences_scores");
        size_t batch = json_array_size(sources), lengths[16], total = 0;
        int32_t ids[1024];
        assert_true(batch <= 16);
        for (size_t b = 0; b < batch; b++) {
            const json_t *src = json_array_get(sources, b);
            lengths[b] = json_array_size(src);
            for (size_t k = 0; k < lengths[b]; k++)
                ids[total++] = (int32_t)json_integer_value(json_array_get(src, k));
        }
        attn_encoding *e;
        attn_result *r;
        attn_options *o = case_options(json_object_get(tc, "options"));
        assert_int_equal(attn_encode(session, ids, lengths, batch, &e), ATTN_OK);
        if (attn_generate(session, e, o, &r) != ATTN_OK)
            fail_msg("%s %s: %s", folder, name, attn_last_error());
        assert_int_equal(attn_result_count(r), batch);
        size_t row = 0;
        for (size_t i = 0; i < batch; i++) {
            for (size_t j = 0; j < attn_result_hypotheses(r, i); j++, row++) {
                const int32_t *tokens;
                size_t count;
                float score;
                char where[256];
                snprintf(where, sizeof where, "%s %s input %zu hypothesis %zu", folder, name, i,
                         j);
                assert_int_equal(attn_result_hypothesis(r, i, j, &tokens, &count, &score),
                                 ATTN_OK);
                assert_same_sequence(where, json_array_get(sequences, row), tokens, count, pad);
                if (json_is_array(scores)) {
                    double want = json_number_value(json_array_get(scores, row));
                    if (!(fabs(score - want) <= 1e-4))
                        fail_msg("%s: score %.7g, transformers %.7g", where, score, want);
                }
            }
        }
        assert_int_equal(row, json_array_size(sequences));
        attn_result_free(r);
        attn_options_free(o);
        attn_encoding_free(e);
    }
    attn_session_free(session);
    attn_model_free(model);
    json_decref(doc);
}

static void test_generated_ids_and_scores_match_transformers(void **state)
{
    (void)state;
    DIR *dir = opendir(tu_fixture("generate"));
    assert_non_null(dir);
    int files = 0;
    for (struct dirent *ent; (ent = readdir(dir));) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 5, ".json") != 0)
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "generate/%s", ent->d_name);
        run_fixture(tu_fixture(rel));
        files++;
    }
    closedir(dir);
    assert_true(files >= 9);
}

static void test_bad_options_are_refused_naming_the_option(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
        int64_t value;
        attn_status status;
        const char *message;
    } cases[] = {
        { "num_return_sequences", NULL, 3, ATTN_E_INVALID_ARGUMENT,
          "option 'num_return_sequences' = 3 is larger than num_beams = 1" },
        { "forced_bos_token_id", NULL, 5000, ATTN_E_INVALID_ARGUMENT, "'forced_bos_token_id'" },
        { "max_length", NULL, 100000, ATTN_E_INVALID_ARGUMENT,
          "option 'max_length' (or max_new_tokens + 1) = 100000 exceeds" },
        { "bad_words_ids", "[[1], []]", 0, ATTN_E_INVALID_ARGUMENT, "'bad_words_ids'" },
        { "bad_words_ids", "[[1], [9999]]", 0, ATTN_E_INVALID_ARGUMENT,
          "token id 9999 is outside" },
        { "suppress_tokens", "7", 0, ATTN_E_INVALID_ARGUMENT, "'suppress_tokens' must be" },
        { "early_stopping", "sometimes", 0, ATTN_E_INVALID_ARGUMENT, "'early_stopping'" },
        { "eos_token_id", "[1,2,3,4,5,6,7,8,9]", 0, ATTN_E_INVALID_ARGUMENT,
          "'eos_token_id' lists 9 tokens" },
    };
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    attn_result *r;
    const int32_t ids[] = { 5, 6, 2 };
    const size_t len = 3;
    assert_int_equal(attn_model_load(tu_fixture("transformer/bart-tied"), NULL, &model), ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, &len, 1, &e), ATTN_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        attn_options *o;
        assert_int_equal(attn_options_create(&o), ATTN_OK);
        attn_status st = cases[i].text ? attn_options_set_str(o, cases[i].name, cases[i].text)
                                       : attn_options_set_int(o, cases[i].name, cases[i].value);
        if (st == ATTN_OK)
            st = attn_generate(session, e, o, &r);
        if (st != cases[i].status || !strstr(attn_last_error(), cases[i].message))
            fail_msg("case %zu (%s): status %d, message \"%s\"", i, cases[i].name, st,
                     attn_last_error());
        attn_options_free(o);
    }
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    tu_assert_fails(attn_options_set_int(o, "max_new_tokens", -1), ATTN_E_INVALID_ARGUMENT,
                    "'max_new_tokens'");
    tu_assert_fails(attn_options_set_float(o, "top_p", 1.5), ATTN_E_INVALID_ARGUMENT, "'top_p'");
    tu_assert_fails(attn_options_set_float(o, "top_p", 0.0), ATTN_E_INVALID_ARGUMENT, "'top_p'");
    assert_int_equal(attn_options_set_int(o, "threads", 1), ATTN_OK);
    tu_assert_fails(attn_generate(session, e, o, &r), ATTN_E_INVALID_ARGUMENT,
                    "'threads' does not apply to attn_generate");
    attn_options_free(o);
    tu_assert_fails(attn_generate(session, NULL, NULL, &r), ATTN_E_INVALID_ARGUMENT, "encoding");
    attn_result_free(NULL);
    assert_int_equal(attn_result_count(NULL), 0);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

/* The first token sampled for `seed` (m2m100-a has no processor active at
 * the first step, so it is drawn from softmax(logits / temperature)). */
static int32_t sample_first(attn_session *session, const attn_encoding *e, uint64_t seed,
                            int64_t top_k)
{
    attn_options *o;
    attn_result *r;
    const int32_t *tokens;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "do_sample", 1), ATTN_OK);
    assert_int_equal(attn_options_set_float(o, "temperature", 0.7), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "top_k", top_k), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "seed", (int64_t)seed), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "max_new_tokens", 1), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &r), ATTN_OK);
    assert_int_equal(attn_result_hypothesis(r, 0, 0, &tokens, NULL, NULL), ATTN_OK);
    int32_t t = tokens[0];
    attn_result_free(r);
    attn_options_free(o);
    return t;
}

static void test_sampling_is_reproducible_and_follows_the_softmax(void **state)
{
    (void)state;
    enum { DRAWS = 4000 };
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    const int32_t ids[] = { 5, 6, 7, 2 };
    const size_t len = 4;
    int64_t vocab, start;
    assert_int_equal(attn_model_load(tu_fixture("transformer/m2m100-a"), NULL, &model), ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_model_get_int(model, "decoder_vocab_size", &vocab), ATTN_OK);
    assert_int_equal(attn_model_get_int(model, "decoder_start_token_id", &start), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, &len, 1, &e), ATTN_OK);

    /* p = softmax(logits / 0.7) of the first step, in double */
    const float *logits;
    const int32_t first = (int32_t)start;
    double *p = calloc((size_t)vocab, sizeof *p);
    int *count = calloc((size_t)vocab, sizeof *count);
    assert_non_null(p);
    assert_non_null(count);
    assert_int_equal(attn_decoder_begin(session, e, NULL, 1, 1), ATTN_OK);
    assert_int_equal(attn_decoder_step(session, &first, 1, &logits), ATTN_OK);
    double max = -INFINITY, sum = 0;
    for (int64_t v = 0; v < vocab; v++)
        max = fmax(max, logits[v] / 0.7);
    for (int64_t v = 0; v < vocab; v++)
        sum += p[v] = exp(logits[v] / 0.7 - max);
    for (int64_t v = 0; v < vocab; v++)
        p[v] /= sum;

    assert_int_equal(sample_first(session, e, 42, 0), sample_first(session, e, 42, 0));
    for (int seed = 0; seed < DRAWS; seed++)
        count[sample_first(session, e, (uint64_t)seed, 0)]++;
    double tv = 0;
    for (int64_t v = 0; v < vocab; v++) {
        const double f = (double)count[v] / DRAWS;
        const double sigma = sqrt(p[v] * (1 - p[v]) / DRAWS);
        if (fabs(f - p[v]) > 5 * sigma + 1e-3)
            fail_msg("token %lld drawn %.4f of the time, softmax says %.4f", (long long)v, f,
                     p[v]);
        tv += fabs(f - p[v]) / 2;
    }
    assert_true(tv < 0.05);

    /* top_k 2: only the two most likely tokens appear */
    int64_t a = 0, b = -1;
    for (int64_t v = 1; v < vocab; v++)
        if (p[v] > p[a])
            a = v;
    for (int64_t v = 0; v < vocab; v++)
        if (v != a && (b < 0 || p[v] > p[b]))
            b = v;
    for (int seed = 0; seed < 200; seed++) {
        int32_t t = sample_first(session, e, (uint64_t)seed, 2);
        assert_true(t == a || t == b);
    }
    free(p);
    free(count);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

/* Targets are the reference's decoder inputs after the start token plus
 * eos, cut to 6, 3 and 5 tokens: position k's log-probability comes from
 * transformers' logits at position k. */
static void test_scoring_gives_transformers_log_probabilities(void **state)
{
    (void)state;
    const char *names[] = { "marian-tied", "bart-untied", "m2m100-b" };
    for (size_t m = 0; m < 3; m++) {
        char dir[256], path[512];
        snprintf(dir, sizeof dir, "transformer/%s", names[m]);
        snprintf(path, sizeof path, "%s/reference.safetensors", tu_fixture(dir));
        st_file ref;
        assert_int_equal(st_open(path, true, &ref), ATTN_OK);
        const st_tensor *ids = NULL, *mask = NULL, *dec = NULL, *logits = NULL;
        for (size_t i = 0; i < ref.count; i++) {
            const char *n = ref.tensors[i].name;
            const st_tensor *t = &ref.tensors[i];
            if (!strcmp(n, "input_ids")) ids = t;
            if (!strcmp(n, "attention_mask")) mask = t;
            if (!strcmp(n, "decoder_input_ids")) dec = t;
            if (!strcmp(n, "logits")) logits = t;
        }
        assert_true(ids && mask && dec && logits);
        const int64_t B = ids->shape[0], S = ids->shape[1], T = dec->shape[1];
        const int64_t V = logits->shape[2];
        attn_model *model;
        attn_session *session;
        attn_encoding *e;
        attn_result *r;
        int64_t eos;
        assert_int_equal(attn_model_load(tu_fixture(dir), NULL, &model), ATTN_OK);
        assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
        assert_int_equal(attn_model_get_int(model, "eos_token_id", &eos), ATTN_OK);
        int32_t src[64], targets[64];
        size_t src_len[8] = { 0 }, tgt_len[3] = { 6, 3, 5 }, n = 0, t = 0;
        for (int64_t b = 0; b < B; b++) {
            for (int64_t i = 0; i < S; i++) {
                int64_t v, on;
                memcpy(&on, (const char *)mask->data + 8 * (b * S + i), 8);
                memcpy(&v, (const char *)ids->data + 8 * (b * S + i), 8);
                if (on) {
                    src[n++] = (int32_t)v;
                    src_len[b]++;
                }
            }
            for (size_t k = 0; k < tgt_len[b]; k++) {
                int64_t v = eos;
                if ((int64_t)k + 1 < T)
                    memcpy(&v, (const char *)dec->data + 8 * (b * T + (int64_t)k + 1), 8);
                targets[t++] = (int32_t)v;
            }
        }
        assert_int_equal(attn_encode(session, src, src_len, (size_t)B, &e), ATTN_OK);
        assert_int_equal(attn_score(session, e, targets, tgt_len, NULL, &r), ATTN_OK);
        t = 0;
        for (int64_t b = 0; b < B; b++) {
            const float *lp;
            size_t count;
            float score;
            assert_int_equal(attn_result_token_scores(r, (size_t)b, 0, &lp, &count), ATTN_OK);
            assert_int_equal(attn_result_hypothesis(r, (size_t)b, 0, NULL, NULL, &score),
                             ATTN_OK);
            assert_int_equal(count, tgt_len[b]);
            double sum = 0;
            for (size_t k = 0; k < count; k++, t++) {
                const float *row = logits->f32 + (b * T + (int64_t)k) * V;
                double max = -INFINITY, z = 0;
                for (int64_t v = 0; v < V; v++)
                    max = fmax(max, row[v]);
                for (int64_t v = 0; v < V; v++)
                    z += exp(row[v] - max);
                const double want = row[targets[t]] - max - log(z);
                if (fabs(lp[k] - want) > 1e-4)
                    fail_msg("%s target %lld position %zu: %.6f, transformers %.6f", names[m],
                             (long long)b, k, lp[k], want);
                sum += want;
            }
            assert_true(fabs(score - sum) < 1e-3);
        }
        const float *none;
        attn_result_free(r);
        assert_int_equal(attn_generate(session, e, NULL, &r), ATTN_OK);
        tu_assert_fails(attn_result_token_scores(r, 0, 0, &none, NULL), ATTN_E_NOT_FOUND,
                        "no per-token scores");
        attn_result_free(r);
        size_t bad_len[3] = { 6, 0, 5 };
        tu_assert_fails(attn_score(session, e, targets, bad_len, NULL, &r),
                        ATTN_E_INVALID_ARGUMENT, "target 1 has 0 tokens");
        targets[2] = 100000;
        tu_assert_fails(attn_score(session, e, targets, tgt_len, NULL, &r),
                        ATTN_E_INVALID_ARGUMENT, "target 0, position 2: token id 100000");
        attn_encoding_free(e);
        attn_session_free(session);
        attn_model_free(model);
        st_close(&ref);
    }
}

typedef struct {
    int calls, stop_after;
    int32_t tokens[2][64];
    int count[2];
} stream_log;

static int32_t collect(void *user, size_t input, int32_t token, float logprob)
{
    stream_log *log = user;
    assert_true(input < 2);
    assert_true(logprob <= 0.0f);
    log->tokens[input][log->count[input]++] = token;
    return ++log->calls == log->stop_after;
}

static void test_streaming_delivers_each_token_and_can_stop(void **state)
{
    (void)state;
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    attn_result *full, *streamed, *stopped;
    attn_options *o;
    const int32_t ids[] = { 5, 6, 7, 0, 8, 9, 0 };
    const size_t len[] = { 4, 3 };
    assert_int_equal(attn_model_load(tu_fixture("generate/trained-marian"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, len, 2, &e), ATTN_OK);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "num_beams", 1), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &full), ATTN_OK);

    stream_log log = { 0 };
    assert_int_equal(attn_generate_stream(session, e, o, collect, &log, &streamed), ATTN_OK);
    for (size_t i = 0; i < 2; i++) {
        const int32_t *tokens;
        size_t count;
        assert_int_equal(attn_result_hypothesis(full, i, 0, &tokens, &count, NULL), ATTN_OK);
        assert_int_equal(log.count[i], count);
        assert_memory_equal(log.tokens[i], tokens, count * sizeof *tokens);
    }

    stream_log early = { .stop_after = 3 };
    tu_assert_fails(attn_generate_stream(session, e, o, collect, &early, &stopped),
                    ATTN_E_ABORTED, "stopped by the token callback");
    for (size_t i = 0; i < 2; i++) {
        const int32_t *tokens, *want;
        size_t count, full_count;
        assert_int_equal(attn_result_hypothesis(stopped, i, 0, &tokens, &count, NULL), ATTN_OK);
        assert_int_equal(attn_result_hypothesis(full, i, 0, &want, &full_count, NULL), ATTN_OK);
        assert_true(count >= 1 && count <= 2 && count <= full_count);
        assert_memory_equal(tokens, want, count * sizeof *tokens);
    }
    /* the pull-style stream gives the same tokens, then NOT_FOUND */
    attn_stream *pull;
    stream_log pulled = { 0 };
    size_t input;
    int32_t token;
    float lp;
    assert_int_equal(attn_options_set_int(o, "num_beams", 1), ATTN_OK);
    assert_int_equal(attn_stream_open(session, e, o, &pull), ATTN_OK);
    attn_status st;
    while ((st = attn_stream_next(pull, &input, &token, &lp)) == ATTN_OK)
        collect(&pulled, input, token, lp);
    tu_assert_fails(st, ATTN_E_NOT_FOUND, "the stream has ended");
    tu_assert_fails(attn_stream_next(pull, NULL, NULL, NULL), ATTN_E_NOT_FOUND, "ended");
    attn_stream_free(pull);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(pulled.count[i], log.count[i]);
        assert_memory_equal(pulled.tokens[i], log.tokens[i], (size_t)log.count[i] * 4);
    }
    assert_int_equal(attn_stream_open(session, e, o, &pull), ATTN_OK);
    assert_int_equal(attn_stream_next(pull, NULL, NULL, NULL), ATTN_OK);
    attn_stream_free(pull); /* before the end */
    attn_stream_free(NULL);
    tu_assert_fails(attn_stream_next(NULL, NULL, NULL, NULL), ATTN_E_INVALID_ARGUMENT, "NULL");

    tu_assert_fails(attn_generate_stream(session, e, o, NULL, NULL, &stopped),
                    ATTN_E_INVALID_ARGUMENT, "fn is NULL");
    assert_int_equal(attn_options_set_int(o, "num_beams", 4), ATTN_OK);
    tu_assert_fails(attn_generate_stream(session, e, o, collect, &log, &stopped),
                    ATTN_E_UNSUPPORTED, "num_beams");
    tu_assert_fails(attn_stream_open(session, e, o, &pull), ATTN_E_UNSUPPORTED, "num_beams");
    attn_result_free(full);
    attn_result_free(streamed);
    attn_result_free(stopped);
    attn_options_free(o);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

/* Five inputs of different lengths in sub-batches of 2, sorted by length,
 * come back in input order with what each gets in one batch. */
static void test_whole_job_from_ids_splits_sorts_and_restores_order(void **state)
{
    (void)state;
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    attn_result *one, *split;
    attn_options *o;
    const int32_t ids[] = { 5, 0, 6, 7, 8, 9, 0, 10, 11, 0, 12, 13, 14, 15, 16, 17, 0, 18, 19, 0 };
    const size_t len[] = { 2, 5, 3, 7, 3 };
    assert_int_equal(attn_model_load(tu_fixture("generate/trained-marian"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "num_return_sequences", 2), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "return_attention", 1), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, len, 5, &e), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &one), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "max_batch_size", 2), ATTN_OK);
    assert_int_equal(attn_generate_ids(session, ids, len, 5, o, &split), ATTN_OK);
    assert_int_equal(attn_result_count(split), 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(attn_result_hypotheses(split, i), 2);
        for (size_t j = 0; j < 2; j++) {
            const int32_t *a, *b;
            size_t na, nb;
            float sa, sb;
            assert_int_equal(attn_result_hypothesis(one, i, j, &a, &na, &sa), ATTN_OK);
            assert_int_equal(attn_result_hypothesis(split, i, j, &b, &nb, &sb), ATTN_OK);
            assert_int_equal(na, nb);
            assert_memory_equal(a, b, na * sizeof *a);
            assert_true(fabsf(sa - sb) < 1e-4f);
            const float *wa, *wb;
            size_t src_a, src_b;
            assert_int_equal(attn_result_alignment(one, i, j, &wa, NULL, &src_a), ATTN_OK);
            assert_int_equal(attn_result_alignment(split, i, j, &wb, NULL, &src_b), ATTN_OK);
            assert_int_equal(src_a, src_b);
            for (size_t k = 0; k < na * src_a; k++)
                assert_true(fabsf(wa[k] - wb[k]) < 1e-5f);
        }
    }
    tu_assert_fails(attn_generate_ids(session, ids, len, 0, o, &split), ATTN_E_INVALID_ARGUMENT,
                    "batch is 0");
    /* a length no buffer could hold is refused before anything is sized */
    const size_t huge[] = { 2, (size_t)-1, 3, 7, 3 };
    tu_assert_fails(attn_generate_ids(session, ids, huge, 5, o, &split), ATTN_E_INVALID_ARGUMENT,
                    "attn_generate_ids: sequence 1 has");
    attn_result *unlimited;
    assert_int_equal(attn_options_set_int(o, "max_batch_size", 1000000000), ATTN_OK);
    assert_int_equal(attn_generate_ids(session, ids, len, 5, o, &unlimited), ATTN_OK);
    assert_int_equal(attn_result_count(unlimited), 5);
    attn_result_free(unlimited);
    tu_assert_fails(attn_generate(session, e, o, &split), ATTN_E_INVALID_ARGUMENT,
                    "option 'max_batch_size' does not apply to attn_generate");
    attn_result_free(one);
    attn_result_free(split);
    attn_options_free(o);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

/* With return_scores, each generated token's log-probability is kept:
 * greedy scores are their sum, beam scores their sum over length^penalty. */
static void test_return_scores_keeps_per_token_log_probabilities(void **state)
{
    (void)state;
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    attn_options *o;
    const int32_t ids[] = { 5, 6, 7, 0, 8, 9, 0 };
    const size_t len[] = { 4, 3 };
    assert_int_equal(attn_model_load(tu_fixture("generate/trained-marian"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, len, 2, &e), ATTN_OK);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "return_scores", 1), ATTN_OK);
    assert_int_equal(attn_options_set_float(o, "length_penalty", 0.6), ATTN_OK);
    for (int beams = 1; beams <= 4; beams += 3) {
        attn_result *r;
        assert_int_equal(attn_options_set_int(o, "num_beams", beams), ATTN_OK);
        assert_int_equal(attn_generate(session, e, o, &r), ATTN_OK);
        for (size_t i = 0; i < 2; i++) {
            const float *lp;
            size_t n;
            float score;
            assert_int_equal(attn_result_token_scores(r, i, 0, &lp, &n), ATTN_OK);
            assert_int_equal(attn_result_hypothesis(r, i, 0, NULL, NULL, &score), ATTN_OK);
            double sum = 0;
            for (size_t k = 0; k < n; k++) {
                assert_true(lp[k] <= 0.0f);
                sum += lp[k];
            }
            const double want = beams == 1 ? sum : sum / pow((double)n, 0.6);
            if (fabs(want - score) > 1e-4)
                fail_msg("num_beams %d input %zu: tokens give %.6f, score %.6f", beams, i,
                         want, score);
        }
        attn_result_free(r);
    }
    attn_options_free(o);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

/* Each generated token's alignment equals the cross-attention a
 * teacher-forced pass over the hypothesis gives at that position. */
static void test_return_attention_keeps_each_tokens_alignment(void **state)
{
    (void)state;
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    attn_options *o;
    const int32_t ids[] = { 5, 6, 7, 0, 8, 9, 0 };
    const size_t len[] = { 4, 3 };
    int64_t start, layers;
    assert_int_equal(attn_model_load(tu_fixture("generate/trained-marian"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_model_get_int(model, "decoder_start_token_id", &start), ATTN_OK);
    assert_int_equal(attn_model_get_int(model, "decoder_layers", &layers), ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, len, 2, &e), ATTN_OK);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "return_attention", 1), ATTN_OK);
    for (int beams = 1; beams <= 4; beams += 3) {
        attn_result *r;
        assert_int_equal(attn_options_set_int(o, "num_beams", beams), ATTN_OK);
        assert_int_equal(attn_generate(session, e, o, &r), ATTN_OK);
        for (size_t i = 0; i < 2; i++) {
            const int32_t *tokens;
            const float *align, *want, *logits;
            size_t n, rows, src;
            assert_int_equal(attn_result_hypothesis(r, i, 0, &tokens, &n, NULL), ATTN_OK);
            assert_int_equal(attn_result_alignment(r, i, 0, &align, &rows, &src), ATTN_OK);
            assert_int_equal(rows, n);
            assert_int_equal(src, 4);
            int32_t input[64];
            input[0] = (int32_t)start;
            memcpy(input + 1, tokens, (n - 1) * sizeof *input);
            assert_int_equal(attn_decoder_begin(session, e, &i, 1, n), ATTN_OK);
            assert_int_equal(attn_decoder_step(session, input, n, &logits), ATTN_OK);
            assert_int_equal(attn_decoder_cross_attention(session, (size_t)layers - 1, &want,
                                                          NULL), ATTN_OK);
            for (size_t k = 0; k < n * src; k++)
                if (fabsf(align[k] - want[k]) > 1e-5f)
                    fail_msg("num_beams %d input %zu: alignment[%zu] %.6f, forced pass %.6f",
                             beams, i, k, align[k], want[k]);
        }
        attn_result_free(r);
    }
    attn_result *plain;
    const float *none;
    assert_int_equal(attn_options_set_int(o, "return_attention", 0), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &plain), ATTN_OK);
    tu_assert_fails(attn_result_alignment(plain, 0, 0, &none, NULL, NULL), ATTN_E_NOT_FOUND,
                    "return_attention");
    attn_result_free(plain);
    attn_options_free(o);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

/* A target prefix is continued: greedy output given its own first tokens
 * as prefix comes back whole; inputs with and without a prefix share one
 * call; a bad prefix is refused by name. */
static void test_target_prefix_is_continued(void **state)
{
    (void)state;
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    attn_options *o;
    attn_result *plain, *prefixed, *alone;
    const int32_t ids[] = { 5, 6, 7, 0, 8, 9, 0 };
    const size_t len[] = { 4, 3 };
    const int32_t *a, *b;
    size_t na, nb;
    assert_int_equal(attn_model_load(tu_fixture("generate/trained-marian"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    assert_int_equal(attn_encode(session, ids, len, 2, &e), ATTN_OK);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "num_beams", 1), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &plain), ATTN_OK);

    /* input 0 gets its own first two tokens as prefix, input 1 none */
    assert_int_equal(attn_result_hypothesis(plain, 0, 0, &a, &na, NULL), ATTN_OK);
    assert_true(na > 2);
    char text[64];
    snprintf(text, sizeof text, "[[%d, %d], []]", a[0], a[1]);
    assert_int_equal(attn_options_set_str(o, "target_prefix", text), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &prefixed), ATTN_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(attn_result_hypothesis(plain, i, 0, &a, &na, NULL), ATTN_OK);
        assert_int_equal(attn_result_hypothesis(prefixed, i, 0, &b, &nb, NULL), ATTN_OK);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof *a);
    }

    /* a forced prefix the model would not choose still leads the output */
    assert_int_equal(attn_options_set_str(o, "target_prefix", "[[3, 4, 5], [12]]"), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "num_beams", 4), ATTN_OK);
    assert_int_equal(attn_generate(session, e, o, &alone), ATTN_OK);
    assert_int_equal(attn_result_hypothesis(alone, 0, 0, &b, &nb, NULL), ATTN_OK);
    assert_true(nb > 3 && b[0] == 3 && b[1] == 4 && b[2] == 5);
    assert_int_equal(attn_result_hypothesis(alone, 1, 0, &b, &nb, NULL), ATTN_OK);
    assert_true(nb > 1 && b[0] == 12);

    /* attn_generate_ids sorts its inputs longest first and runs them in
     * sub-batches; each still gets its own prefix */
    const int32_t shorter_first[] = { 8, 9, 0, 5, 6, 7, 0 };
    const size_t swapped[] = { 3, 4 };
    attn_result *sorted;
    attn_options *batched;
    assert_int_equal(attn_options_create(&batched), ATTN_OK);
    assert_int_equal(attn_options_set_str(batched, "target_prefix", "[[12], [3, 4, 5]]"),
                     ATTN_OK);
    assert_int_equal(attn_options_set_int(batched, "num_beams", 4), ATTN_OK);
    for (int64_t limit = 1; limit <= 2; limit++) {
        assert_int_equal(attn_options_set_int(batched, "max_batch_size", limit), ATTN_OK);
        assert_int_equal(attn_generate_ids(session, shorter_first, swapped, 2, batched, &sorted),
                         ATTN_OK);
        assert_int_equal(attn_result_hypothesis(sorted, 0, 0, &b, &nb, NULL), ATTN_OK);
        assert_true(nb > 1 && b[0] == 12);
        assert_int_equal(attn_result_hypothesis(sorted, 1, 0, &b, &nb, NULL), ATTN_OK);
        assert_true(nb > 3 && b[0] == 3 && b[1] == 4 && b[2] == 5);
        /* in one sub-batch the encoder sees what attn_generate saw above */
        for (size_t i = 0; limit == 2 && i < 2; i++) {
            assert_int_equal(attn_result_hypothesis(sorted, i, 0, &b, &nb, NULL), ATTN_OK);
            assert_int_equal(attn_result_hypothesis(alone, 1 - i, 0, &a, &na, NULL), ATTN_OK);
            assert_int_equal(na, nb);
            assert_memory_equal(a, b, na * sizeof *a);
        }
        attn_result_free(sorted);
    }
    attn_options_free(batched);

    attn_result *bad;
    assert_int_equal(attn_options_set_str(o, "target_prefix", "[[3]]"), ATTN_OK);
    tu_assert_fails(attn_generate(session, e, o, &bad), ATTN_E_INVALID_ARGUMENT,
                    "'target_prefix' must be a list of 2 token lists");
    assert_int_equal(attn_options_set_str(o, "target_prefix", "[[3], [999]]"), ATTN_OK);
    tu_assert_fails(attn_generate(session, e, o, &bad), ATTN_E_INVALID_ARGUMENT,
                    "input 1, position 0");
    attn_result_free(plain);
    attn_result_free(prefixed);
    attn_result_free(alone);
    attn_options_free(o);
    attn_encoding_free(e);
    attn_session_free(session);
    attn_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_ids_and_scores_match_transformers),
        cmocka_unit_test(test_bad_options_are_refused_naming_the_option),
        cmocka_unit_test(test_sampling_is_reproducible_and_follows_the_softmax),
        cmocka_unit_test(test_scoring_gives_transformers_log_probabilities),
        cmocka_unit_test(test_streaming_delivers_each_token_and_can_stop),
        cmocka_unit_test(test_whole_job_from_ids_splits_sorts_and_restores_order),
        cmocka_unit_test(test_return_scores_keeps_per_token_log_probabilities),
        cmocka_unit_test(test_return_attention_keeps_each_tokens_alignment),
        cmocka_unit_test(test_target_prefix_is_continued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
