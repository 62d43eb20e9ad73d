/* test_transformer.c - the encoder, the decoder and cross-attention of every
 * runnable family against outputs transformers recorded for tiny random
 * models (tests/fixtures/transformer), and the errors bad input gets. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"
#include "io/safetensors.h"
#include "nn/transformer.h"
#include "test_util.h"

static const char *const models[] = {
    "marian-tied", "marian-untied-fp16", "bart-tied", "bart-untied",
    "mbart-a", "mbart-b", "m2m100-a", "m2m100-b",
};
#define MODEL_COUNT (sizeof models / sizeof models[0])

/* One fixture: the model, a session, and the recorded inputs/outputs. */
typedef struct {
    const char *name;
    attn_model *model;
    attn_session *session;
    st_file ref;
    int64_t batch, src_max, target_len, d, vocab;
    int32_t *src_ids;       /* concatenated real tokens */
    size_t lengths[8];
    int32_t *targets;       /* (batch, target_len) */
} fixture;

static const st_tensor *ref(const fixture *f, const char *name)
{
    for (size_t i = 0; i < f->ref.count; i++)
        if (strcmp(f->ref.tensors[i].name, name) == 0)
            return &f->ref.tensors[i];
    fail_msg("%s: reference has no '%s'", f->name, name);
    return NULL;
}

static int64_t ref_i64(const st_tensor *t, int64_t i)
{
    int64_t v;
    memcpy(&v, (const unsigned char *)t->data + 8 * i, 8);
    return v;
}

static void fixture_open(fixture *f, const char *name)
{
    char dir[512], path[600];
    memset(f, 0, sizeof *f);
    f->name = name;
    snprintf(dir, sizeof dir, "transformer/%s", name);
    if (attn_model_load(tu_fixture(dir), NULL, &f->model) != ATTN_OK)
        fail_msg("%s: %s", name, attn_last_error());
    assert_int_equal(attn_session_create(f->model, NULL, &f->session), ATTN_OK);
    snprintf(path, sizeof path, "%s/reference.safetensors", tu_fixture(dir));
    assert_int_equal(st_open(path, true, &f->ref), ATTN_OK);

    const st_tensor *ids = ref(f, "input_ids"), *mask = ref(f, "attention_mask");
    const st_tensor *dec = ref(f, "decoder_input_ids");
    f->batch = ids->shape[0];
    f->src_max = ids->shape[1];
    f->target_len = dec->shape[1];
    assert_true(f->batch <= 8);
    assert_int_equal(attn_model_get_int(f->model, "d_model", &f->d), ATTN_OK);
    assert_int_equal(attn_model_get_int(f->model, "decoder_vocab_size", &f->vocab), ATTN_OK);
    f->src_ids = calloc((size_t)(f->batch * f->src_max), sizeof *f->src_ids);
    f->targets = calloc((size_t)(f->batch * f->target_len), sizeof *f->targets);
    assert_non_null(f->src_ids);
    assert_non_null(f->targets);
    size_t n = 0;
    for (int64_t b = 0; b < f->batch; b++) {
        for (int64_t i = 0; i < f->src_max; i++) {
            if (ref_i64(mask, b * f->src_max + i)) {
                f->src_ids[n++] = (int32_t)ref_i64(ids, b * f->src_max + i);
                f->lengths[b]++;
            }
        }
    }
    for (int64_t i = 0; i < f->batch * f->target_len; i++)
        f->targets[i] = (int32_t)ref_i64(dec, i);
}

static void fixture_close(fixture *f)
{
    free(f->src_ids);
    free(f->targets);
    st_close(&f->ref);
    attn_session_free(f->session);
    attn_model_free(f->model);
}

/* Fails naming the first element where |got - want| > tol. */
static void assert_close(const char *model, const char *what, const float *got,
                         const float *want, int64_t n, double tol)
{
    for (int64_t i = 0; i < n; i++)
        if (!(fabs((double)got[i] - (double)want[i]) <= tol))
            fail_msg("%s: %s[%lld] = %.7g, transformers %.7g (tolerance %g)", model, what,
                     (long long)i, got[i], want[i], tol);
}

static void test_encoder_output_matches_transformers(void **state)
{
    (void)state;
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        fixture f;
        fixture_open(&f, models[m]);
        attn_encoding *e;
        assert_int_equal(attn_encode(f.session, f.src_ids, f.lengths, (size_t)f.batch, &e),
                         ATTN_OK);
        const float *out;
        size_t batch, len, d;
        assert_int_equal(attn_encoding_output(e, &out, &batch, &len, &d), ATTN_OK);
        assert_int_equal(batch, f.batch);
        assert_int_equal(len, f.src_max);
        assert_int_equal(d, f.d);
        const float *want = ref(&f, "encoder_output")->f32;
        for (int64_t b = 0; b < f.batch; b++)
            assert_close(f.name, "encoder_output", out + b * f.src_max * f.d,
                         want + b * f.src_max * f.d, (int64_t)f.lengths[b] * f.d, 1e-4);
        attn_encoding_free(e);
        fixture_close(&f);
    }
}

static void test_teacher_forced_logits_and_alignment_match_transformers(void **state)
{
    (void)state;
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        fixture f;
        fixture_open(&f, models[m]);
        attn_encoding *e;
        const float *logits;
        assert_int_equal(attn_encode(f.session, f.src_ids, f.lengths, (size_t)f.batch, &e),
                         ATTN_OK);
        assert_int_equal(attn_decoder_forward(f.session, e, f.targets, (size_t)f.target_len,
                                              &logits), ATTN_OK);
        assert_close(f.name, "logits", logits, ref(&f, "logits")->f32,
                     f.batch * f.target_len * f.vocab, 1e-4);

        // reference (layers, batch, heads, T, S), averaged over heads
        const st_tensor *cross = ref(&f, "cross_attentions");
        const int64_t layers = cross->shape[0], heads = cross->shape[2];
        const int64_t T = f.target_len, S = f.src_max;
        float *want = malloc((size_t)(f.batch * T * S) * sizeof *want);
        assert_non_null(want);
        for (int64_t l = 0; l < layers; l++) {
            for (int64_t b = 0; b < f.batch; b++)
                for (int64_t t = 0; t < T; t++)
                    for (int64_t j = 0; j < S; j++) {
                        double sum = 0;
                        for (int64_t h = 0; h < heads; h++)
                            sum += cross->f32[(((l * f.batch + b) * heads + h) * T + t) * S + j];
                        want[(b * T + t) * S + j] = (float)(sum / (double)heads);
                    }
            const float *got;
            size_t src_len;
            assert_int_equal(attn_decoder_cross_attention(f.session, (size_t)l, &got, &src_len),
                             ATTN_OK);
            assert_int_equal(src_len, S);
            assert_close(f.name, "cross-attention", got, want, f.batch * T * S, 1e-5);
        }
        free(want);
        attn_encoding_free(e);
        fixture_close(&f);
    }
}

static void test_cached_steps_equal_the_teacher_forced_pass(void **state)
{
    (void)state;
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        fixture f;
        fixture_open(&f, models[m]);
        const int64_t B = f.batch, T = f.target_len, V = f.vocab;
        attn_encoding *e;
        const float *logits;
        assert_int_equal(attn_encode(f.session, f.src_ids, f.lengths, (size_t)B, &e), ATTN_OK);
        assert_int_equal(attn_decoder_forward(f.session, e, f.targets, (size_t)T, &logits),
                         ATTN_OK);
        float *forced = malloc((size_t)(B * T * V) * sizeof *forced);
        float *step = malloc((size_t)(B * V) * sizeof *step);
        int32_t *tokens = malloc((size_t)B * sizeof *tokens);
        assert_non_null(forced);
        assert_non_null(step);
        assert_non_null(tokens);
        memcpy(forced, logits, (size_t)(B * T * V) * sizeof *forced);

        assert_int_equal(attn_decoder_begin(f.session, e, NULL, (size_t)B, (size_t)T), ATTN_OK);
        const float *step_ref = ref(&f, "step_logits")->f32;
        for (int64_t t = 0; t < T; t++) {
            for (int64_t b = 0; b < B; b++)
                tokens[b] = f.targets[b * T + t];
            assert_int_equal(attn_decoder_step(f.session, tokens, 1, &logits), ATTN_OK);
            for (int64_t b = 0; b < B; b++) {
                assert_close(f.name, "step vs forced", logits + b * V, forced + (b * T + t) * V,
                             V, 1e-5);
                assert_close(f.name, "step_logits", logits + b * V, step_ref + (b * T + t) * V,
                             V, 1e-4);
            }
        }
        tu_assert_fails(attn_decoder_step(f.session, tokens, 1, &logits),
                        ATTN_E_INVALID_ARGUMENT, "0 of the 6 steps begun remain");
        free(forced);
        free(step);
        free(tokens);
        attn_encoding_free(e);
        fixture_close(&f);
    }
}

static void test_a_batch_gives_the_numbers_of_each_sentence_alone(void **state)
{
    (void)state;
    for (size_t m = 0; m < MODEL_COUNT; m++) {
        fixture f;
        fixture_open(&f, models[m]);
        const int64_t T = f.target_len, V = f.vocab;
        attn_encoding *batch;
        const float *logits, *batch_out;
        assert_int_equal(attn_encode(f.session, f.src_ids, f.lengths, (size_t)f.batch, &batch),
                         ATTN_OK);
        assert_int_equal(attn_encoding_output(batch, &batch_out, NULL, NULL, NULL), ATTN_OK);
        assert_int_equal(attn_decoder_forward(f.session, batch, f.targets, (size_t)T, &logits),
                         ATTN_OK);
        float *batch_logits = malloc((size_t)(f.batch * T * V) * sizeof *batch_logits);
        assert_non_null(batch_logits);
        memcpy(batch_logits, logits, (size_t)(f.batch * T * V) * sizeof *batch_logits);

        size_t offset = 0;
        for (int64_t b = 0; b < f.batch; b++) {
            attn_encoding *alone;
            const float *alone_out;
            char name[64];
            assert_int_equal(attn_encode(f.session, f.src_ids + offset, &f.lengths[b], 1,
                                         &alone), ATTN_OK);
            assert_int_equal(attn_encoding_output(alone, &alone_out, NULL, NULL, NULL), ATTN_OK);
            assert_close(f.name, "encoder alone vs batch", alone_out,
                         batch_out + b * f.src_max * f.d, (int64_t)f.lengths[b] * f.d, 1e-5);
            snprintf(name, sizeof name, "single_%lld_encoder_output", (long long)b);
            assert_close(f.name, name, alone_out, ref(&f, name)->f32,
                         (int64_t)f.lengths[b] * f.d, 1e-4);
            assert_int_equal(attn_decoder_forward(f.session, alone, f.targets + b * T,
                                                  (size_t)T, &logits), ATTN_OK);
            assert_close(f.name, "logits alone vs batch", logits, batch_logits + b * T * V,
                         T * V, 1e-5);
            snprintf(name, sizeof name, "single_%lld_logits", (long long)b);
            assert_close(f.name, name, logits, ref(&f, name)->f32, T * V, 1e-4);
            attn_encoding_free(alone);
            offset += f.lengths[b];
        }
        free(batch_logits);
        attn_encoding_free(batch);
        fixture_close(&f);
    }
}

static void test_beams_share_one_encoding_row(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "marian-tied");
    const int64_t T = f.target_len, V = f.vocab;
    attn_encoding *e;
    const float *logits;
    assert_int_equal(attn_encode(f.session, f.src_ids, f.lengths, (size_t)f.batch, &e), ATTN_OK);
    /* Four rows reading sources 2, 0, 2, 1 with those sources' targets. */
    const size_t src_rows[4] = { 2, 0, 2, 1 };
    int32_t *targets = malloc(4 * (size_t)T * sizeof *targets);
    assert_non_null(targets);
    for (int r = 0; r < 4; r++)
        memcpy(targets + r * T, f.targets + (int64_t)src_rows[r] * T, (size_t)T * sizeof *targets);
    assert_int_equal(attn_decoder_begin(f.session, e, src_rows, 4, (size_t)T), ATTN_OK);
    assert_int_equal(attn_decoder_step(f.session, targets, (size_t)T, &logits), ATTN_OK);
    const float *want = ref(&f, "logits")->f32;
    for (int r = 0; r < 4; r++)
        assert_close(f.name, "beam row logits", logits + r * T * V,
                     want + (int64_t)src_rows[r] * T * V, T * V, 1e-4);
    free(targets);
    attn_encoding_free(e);
    fixture_close(&f);
}

static void test_handles_may_be_freed_in_any_order(void **state)
{
    (void)state;
    attn_model *model;
    attn_session *session;
    attn_encoding *e;
    const float *logits;
    const int32_t src[] = { 5, 6, 0 }, target[] = { 90, 7 };
    const size_t len = 3;
    assert_int_equal(attn_model_load(tu_fixture("transformer/marian-tied"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    attn_model_free(model);
    assert_int_equal(attn_encode(session, src, &len, 1, &e), ATTN_OK);
    attn_session_free(session);
    assert_int_equal(attn_model_load(tu_fixture("transformer/marian-tied"), NULL, &model),
                     ATTN_OK);
    assert_int_equal(attn_session_create(model, NULL, &session), ATTN_OK);
    attn_model_free(model);
    /* The encoding holds the first load of the model, the session the
     * second: the decoder refuses to mix them. */
    tu_assert_fails(attn_decoder_forward(session, e, target, 2, &logits),
                    ATTN_E_INVALID_ARGUMENT, "another model");
    attn_encoding_free(e);

    /* Retained references and the session's model outlive the loader's. */
    attn_model *runs = attn_session_model(session);
    attn_model *kept = attn_model_retain(runs);
    assert_ptr_equal(kept, runs);
    attn_session_free(session);
    attn_model_free(runs);
    assert_string_equal(attn_model_type(kept), "marian");
    assert_int_equal(attn_session_create(kept, NULL, &session), ATTN_OK);
    attn_model_free(kept);
    assert_int_equal(attn_encode(session, src, &len, 1, &e), ATTN_OK);
    assert_int_equal(attn_decoder_forward(session, e, target, 2, &logits), ATTN_OK);
    attn_encoding_free(e);
    attn_session_free(session);
    assert_null(attn_model_retain(NULL));
    assert_null(attn_session_model(NULL));
}

static void test_bad_input_gets_a_status_and_a_message(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "bart-tied");
    attn_session *s = f.session;
    attn_encoding *e;
    const float *logits, *weights;
    const int32_t ok[] = { 5, 6, 2 }, bad[] = { 5, 67, 2 };
    size_t len = 3, zero = 0;
    int64_t max_pos;
    assert_int_equal(attn_model_get_int(f.model, "max_position_embeddings", &max_pos), ATTN_OK);

    tu_assert_fails(attn_encode(s, bad, &len, 1, &e), ATTN_E_INVALID_ARGUMENT,
                    "sequence 0, position 1: token id 67 is outside the vocabulary of 67");
    tu_assert_fails(attn_encode(s, ok, &len, 0, &e), ATTN_E_INVALID_ARGUMENT, "batch is 0");
    tu_assert_fails(attn_encode(s, ok, &zero, 1, &e), ATTN_E_INVALID_ARGUMENT,
                    "sequence 0 has 0 tokens");
    size_t too_long = (size_t)max_pos + 1;
    int32_t *many = calloc(too_long, sizeof *many);
    assert_non_null(many);
    tu_assert_fails(attn_encode(s, many, &too_long, 1, &e), ATTN_E_INVALID_ARGUMENT,
                    "has 41 tokens; the model takes 1 to 40");
    free(many);
    tu_assert_fails(attn_encode(s, NULL, &len, 1, &e), ATTN_E_INVALID_ARGUMENT, "ids is NULL");

    tu_assert_fails(attn_decoder_step(s, ok, 1, &logits), ATTN_E_INVALID_ARGUMENT,
                    "no decoding begun");
    tu_assert_fails(attn_decoder_cross_attention(s, 0, &weights, NULL),
                    ATTN_E_INVALID_ARGUMENT, "no decoder step");
    assert_int_equal(attn_encode(s, ok, &len, 1, &e), ATTN_OK);
    const size_t rows[] = { 0, 1 };
    tu_assert_fails(attn_decoder_begin(s, e, rows, 2, 4), ATTN_E_INVALID_ARGUMENT,
                    "src_rows[1] = 1 but the encoding has 1 sequences");
    tu_assert_fails(attn_decoder_begin(s, e, NULL, 1, (size_t)max_pos + 1),
                    ATTN_E_INVALID_ARGUMENT, "max_steps 41");
    tu_assert_fails(attn_decoder_begin(s, e, NULL, 2, 4), ATTN_E_INVALID_ARGUMENT,
                    "2 rows for an encoding of 1 sequences");
    assert_int_equal(attn_decoder_begin(s, e, NULL, 1, 4), ATTN_OK);
    const int32_t big[] = { 1000 };
    tu_assert_fails(attn_decoder_step(s, big, 1, &logits), ATTN_E_INVALID_ARGUMENT,
                    "row 0, position 0: token id 1000");
    tu_assert_fails(attn_decoder_step(s, ok, 5, &logits), ATTN_E_INVALID_ARGUMENT,
                    "5 tokens per row, but 4 of the 4 steps begun remain");
    assert_int_equal(attn_decoder_step(s, ok, 1, &logits), ATTN_OK);
    tu_assert_fails(attn_decoder_cross_attention(s, 1, &weights, NULL), ATTN_E_INVALID_ARGUMENT,
                    "layer 1; the decoder has 1");
    attn_encoding_free(e);
    fixture_close(&f);

    attn_model *t5;
    attn_session *none = (attn_session *)&t5;
    assert_int_equal(attn_model_load(tu_fixture("models/config-t5"), NULL, &t5), ATTN_OK);
    tu_assert_fails(attn_session_create(t5, NULL, &none), ATTN_E_UNSUPPORTED,
                    "model_type 't5' loads but cannot run yet");
    assert_ptr_equal(none, (attn_session *)&t5);
    attn_model_free(t5);
}

/* A copy of bart-tied in a new temporary folder whose config.json gives
 * `key` (a number) the value `value`. */
static char *bart_tied_with(const char *key, long value)
{
    char *dir = tu_make_tempdir();
    const char *files[] = { "model.safetensors", "config.json" };
    for (int i = 0; i < 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", tu_fixture("transformer/bart-tied"), files[i]);
        FILE *in = fopen(path, "rb");
        assert_non_null(in);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf - 1, in);
        fclose(in);
        if (i == 0) {
            tu_write_file(dir, files[i], buf, n);
            continue;
        }
        buf[n] = '\0';
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\": ", key);
        char *at = strstr(buf, quoted);
        assert_non_null(at);
        char edited[1 << 14];
        snprintf(edited, sizeof edited, "%.*s%s%ld%s", (int)(at - buf), buf, quoted, value,
                 strpbrk(at + strlen(quoted), ",\n}"));
        tu_write_text(dir, files[i], edited);
    }
    return dir;
}

/* config.json says an FFN is one wider than the weights are. */
static void test_misshapen_weight_is_named_with_both_shapes(void **state)
{
    (void)state;
    char *dir = bart_tied_with("encoder_ffn_dim", 44 + 1);
    attn_model *model;
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT,
                    "weight 'model.encoder.layers.0.fc1.weight' has shape [", "; config.json "
                    "implies [");
    tu_remove_tree(dir);
}

/* 8200 / 4 heads = 2050 dimensions a head, more than the kernel takes. */
static void test_oversized_attention_head_is_refused_at_load(void **state)
{
    (void)state;
    char *dir = bart_tied_with("d_model", 8200);
    attn_model *model;
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_UNSUPPORTED,
                    "the encoder's heads have 2050 dimensions");
    tu_remove_tree(dir);
}

static void test_thread_count_does_not_change_the_numbers(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, "mbart-b");
    const int64_t n = f.batch * f.target_len * f.vocab;
    attn_options *o;
    attn_session *one;
    attn_encoding *e;
    const float *logits;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "threads", 1), ATTN_OK);
    assert_int_equal(attn_session_create(f.model, o, &one), ATTN_OK);
    assert_int_equal(attn_encode(one, f.src_ids, f.lengths, (size_t)f.batch, &e), ATTN_OK);
    assert_int_equal(attn_decoder_forward(one, e, f.targets, (size_t)f.target_len, &logits),
                     ATTN_OK);
    assert_close(f.name, "logits with 1 thread", logits, ref(&f, "logits")->f32, n, 1e-4);
    attn_encoding_free(e);
    attn_session_free(one);
    attn_options_free(o);
    fixture_close(&f);
}

/* 40 rows (more than the sgemm path serves) decoding 3 steps: once the
 * decoder is prepared, no step creates a oneDNN primitive. */
static void test_decoder_steps_create_no_primitive(void **state)
{
    (void)state;
    attn_model *model;
    ops_ctx *ops;
    assert_int_equal(attn_model_load(tu_fixture("transformer/mbart-b"), NULL, &model), ATTN_OK);
    assert_int_equal(ops_ctx_create(&ops), ATTN_OK);
    const nn_spec *spec = &model->arch.spec;
    enum { ROWS = 40, SRC = 4, STEPS = 3 };
    const int64_t d = spec->d_model, layers = spec->dec.layers;
    int32_t src[SRC] = { 5, 6, 7, 2 }, len[1] = { SRC }, tokens[ROWS];
    int64_t src_row[ROWS], history[ROWS * STEPS];
    int32_t src_len[ROWS];
    for (int r = 0; r < ROWS; r++) {
        tokens[r] = 9;
        src_row[r] = 0;
        src_len[r] = SRC;
    }
    const int64_t scratch_tokens = ROWS > SRC ? ROWS : SRC;
    float *scratch = malloc((size_t)nn_scratch_floats(spec, scratch_tokens) * sizeof(float));
    float *enc = malloc((size_t)(SRC * d) * sizeof(float));
    float *cross = malloc((size_t)(2 * layers * SRC * d) * sizeof(float));
    float *cache = malloc((size_t)(2 * layers * ROWS * STEPS * d) * sizeof(float));
    float *probs = malloc((size_t)(layers * ROWS * spec->dec.heads * SRC) * sizeof(float));
    float *logits = malloc((size_t)(ROWS * spec->out_vocab) * sizeof(float));
    assert_true(scratch && enc && cross && cache && probs && logits);
    nn_scratch s;
    nn_scratch_carve(&s, scratch, spec, scratch_tokens);
    assert_int_equal(nn_encode(spec, ops, &s, src, len, 1, SRC, enc), ATTN_OK);
    assert_int_equal(nn_cross_kv(spec, ops, &s, enc, 1, SRC, cross, cross + layers * SRC * d),
                     ATTN_OK);
    nn_decoder dec = {
        .rows = ROWS, .cross_k = cross, .cross_v = cross + layers * SRC * d,
        .src_row = src_row, .src_len = src_len, .src_batch = 1, .src_max = SRC,
        .cache_k = cache, .cache_v = cache + layers * ROWS * STEPS * d, .cache_rows = ROWS,
        .max_steps = STEPS, .history = history, .cross_probs = probs,
    };
    assert_int_equal(nn_decoder_prepare(spec, ops, ROWS), ATTN_OK);
    const size_t prepared = ops_ctx_primitive_count(ops);
    assert_true(prepared > 0);
    for (int t = 0; t < STEPS; t++) {
        assert_int_equal(nn_decode(spec, ops, &s, &dec, tokens, 1, logits), ATTN_OK);
        assert_int_equal(ops_ctx_primitive_count(ops), prepared);
    }
    free(scratch);
    free(enc);
    free(cross);
    free(cache);
    free(probs);
    free(logits);
    ops_ctx_free(ops);
    attn_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder_output_matches_transformers),
        cmocka_unit_test(test_teacher_forced_logits_and_alignment_match_transformers),
        cmocka_unit_test(test_cached_steps_equal_the_teacher_forced_pass),
        cmocka_unit_test(test_a_batch_gives_the_numbers_of_each_sentence_alone),
        cmocka_unit_test(test_beams_share_one_encoding_row),
        cmocka_unit_test(test_handles_may_be_freed_in_any_order),
        cmocka_unit_test(test_bad_input_gets_a_status_and_a_message),
        cmocka_unit_test(test_misshapen_weight_is_named_with_both_shapes),
        cmocka_unit_test(test_oversized_attention_head_is_refused_at_load),
        cmocka_unit_test(test_decoder_steps_create_no_primitive),
        cmocka_unit_test(test_thread_count_does_not_change_the_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
