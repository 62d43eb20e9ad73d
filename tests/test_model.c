/* test_model.c - attn_model_load on model folders: the facts it reports
 * match what transformers' config classes say, weights are found across
 * shards, and every broken folder gets a status and a message. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/weights.h"
#include "models/config.h"
#include "test_util.h"

/* Checks the first values of each sampled tensor, as numpy read them. */
static void assert_tensor_samples(const char *folder, const json_t *samples)
{
    ws_weights w;
    assert_int_equal(ws_load(tu_fixture(folder), true, &w), ATTN_OK);
    size_t i, k;
    const json_t *sample, *value;
    json_array_foreach(samples, i, sample) {
        const char *name = json_string_value(json_object_get(sample, "name"));
        const st_tensor *t = ws_find(&w, name);
        if (!t || !t->f32)
            fail_msg("%s: no float tensor '%s'", folder, name);
        json_array_foreach(json_object_get(sample, "values"), k, value) {
            float want = (float)json_number_value(value);
            if (t->f32[k] != want)
                fail_msg("%s: %s[%zu] = %.9g, expected %.9g", folder, name, k, t->f32[k], want);
        }
    }
    ws_close(&w);
}

/* The value config.json parsing gives for a key of expected.json, through
 * cfg_parse alone: for families whose fixture folders hold a config but not
 * a complete set of weights. */
static attn_status parsed_value(const char *folder, const char *key, int64_t *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", tu_fixture(folder));
    json_t *config;
    cfg_config cfg;
    assert_int_equal(js_load_object_file(path, &config), ATTN_OK);
    assert_int_equal(cfg_parse(config, &cfg), ATTN_OK);
    json_decref(config);
    int field = cfg_field_by_name(key);
    assert_true(field >= 0);
    *out = cfg.values[field];
    return *out == CFG_NONE ? ATTN_E_NOT_FOUND : ATTN_OK;
}

/* Checks each key of folder/expected.json: the model_type, integer
 * properties, null for what the model does not define, and sample tensor
 * values. With `load`, through attn_model_load and its getters; without,
 * the config keys only, through cfg_parse. */
static void assert_matches_expected(const char *folder, bool load)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/expected.json", tu_fixture(folder));
    json_error_t jerr;
    json_t *expected = json_load_file(path, 0, &jerr);
    if (!expected)
        fail_msg("%s: %s", path, jerr.text);

    attn_model *model = NULL;
    if (load && attn_model_load(tu_fixture(folder), NULL, &model) != ATTN_OK)
        fail_msg("%s: %s", folder, attn_last_error());
    const char *key;
    json_t *want;
    json_object_foreach(expected, key, want) {
        int64_t got = 0;
        bool config_key = cfg_field_by_name(key) >= 0;
        if (strcmp(key, "model_type") == 0) {
            if (model)
                assert_string_equal(attn_model_type(model), json_string_value(want));
            continue;
        }
        if (!load && !config_key)
            continue;
        if (strcmp(key, "tensor_samples") == 0) {
            assert_tensor_samples(folder, want);
            continue;
        }
        attn_status st = load ? attn_model_get_int(model, key, &got)
                              : parsed_value(folder, key, &got);
        if (json_is_null(want)) {
            assert_int_equal(st, ATTN_E_NOT_FOUND);
        } else {
            if (st != ATTN_OK)
                fail_msg("%s: %s: %s", folder, key, attn_last_error());
            if (got != json_integer_value(want))
                fail_msg("%s: %s = %lld, transformers says %lld", folder, key, (long long)got,
                         (long long)json_integer_value(want));
        }
    }
    attn_model_free(model);
    json_decref(expected);
}

static void test_sharded_marian_reports_its_config(void **state)
{
    (void)state;
    assert_matches_expected("models/tiny-marian", true);
}

static void test_float16_marian_reports_its_config(void **state)
{
    (void)state;
    assert_matches_expected("models/tiny-marian-fp16", true);
}

static void test_each_family_maps_its_config_keys(void **state)
{
    (void)state;
    /* Runnable families need complete weights to load; their config
     * folders are checked through the parser alone. */
    static const char *const parsed[] = {
        "models/config-bart", "models/config-mbart", "models/config-m2m100",
    };
    static const char *const loaded[] = {
        "models/config-t5", "models/config-whisper", "models/config-bert", "models/config-gpt2",
    };
    for (size_t i = 0; i < sizeof parsed / sizeof parsed[0]; i++)
        assert_matches_expected(parsed[i], false);
    for (size_t i = 0; i < sizeof loaded / sizeof loaded[0]; i++)
        assert_matches_expected(loaded[i], true);
}

static void test_use_mmap_off_loads_the_same_model(void **state)
{
    (void)state;
    attn_options *o;
    attn_model *a, *b;
    int64_t na, nb;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "use_mmap", 0), ATTN_OK);
    assert_int_equal(attn_model_load(tu_fixture("models/tiny-marian"), o, &a), ATTN_OK);
    assert_int_equal(attn_model_load(tu_fixture("models/tiny-marian"), NULL, &b), ATTN_OK);
    assert_int_equal(attn_model_get_int(a, "num_parameters", &na), ATTN_OK);
    assert_int_equal(attn_model_get_int(b, "num_parameters", &nb), ATTN_OK);
    assert_int_equal(na, nb);
    attn_model_free(a);
    attn_model_free(b);
    attn_options_free(o);
}

static void test_float16_weights_equal_their_float32_originals_rounded(void **state)
{
    (void)state;
    ws_weights w16, w32;
    assert_int_equal(ws_load(tu_fixture("models/tiny-marian-fp16"), true, &w16), ATTN_OK);
    assert_int_equal(ws_load(tu_fixture("models/tiny-marian"), true, &w32), ATTN_OK);
    assert_int_equal(w16.tensor_count, w32.tensor_count);
    for (size_t s = 0; s < w32.shard_count; s++) {
        for (size_t i = 0; i < w32.shards[s].count; i++) {
            const st_tensor *t32 = &w32.shards[s].tensors[i];
            const st_tensor *t16 = ws_find(&w16, t32->name);
            assert_non_null(t16);
            assert_int_equal(t16->dtype, ST_F16);
            assert_int_equal(t16->numel, t32->numel);
            for (uint64_t k = 0; k < t32->numel; k++) {
                float a = t32->f32[k], b = t16->f32[k];
                /* float16 keeps 11 significant bits. */
                if (!(b == a || (b - a) * (b - a) <= (a * a) / (1024.0f * 1024.0f) + 1e-14f))
                    fail_msg("%s[%llu]: float16 %.9g vs float32 %.9g", t32->name,
                             (unsigned long long)k, b, a);
            }
        }
    }
    ws_close(&w16);
    ws_close(&w32);
}

static void test_unknown_property_and_missing_token_are_told_apart(void **state)
{
    (void)state;
    attn_model *model;
    int64_t v;
    assert_int_equal(attn_model_load(tu_fixture("models/config-gpt2"), NULL, &model), ATTN_OK);
    tu_assert_fails(attn_model_get_int(model, "pad_token_id", &v), ATTN_E_NOT_FOUND,
                    "gpt2 model defines no pad_token_id");
    tu_assert_fails(attn_model_get_int(model, "num_beams", &v), ATTN_E_INVALID_ARGUMENT,
                    "unknown property 'num_beams'");
    tu_assert_fails(attn_model_get_int(model, NULL, &v), ATTN_E_INVALID_ARGUMENT, "name");
    tu_assert_fails(attn_model_get_int(NULL, "d_model", &v), ATTN_E_INVALID_ARGUMENT, "model");
    attn_model_free(model);
    attn_model_free(NULL);
    assert_null(attn_model_type(NULL));
}

static void test_null_arguments_are_rejected(void **state)
{
    (void)state;
    attn_model *model = (attn_model *)&model;
    tu_assert_fails(attn_model_load(NULL, NULL, &model), ATTN_E_INVALID_ARGUMENT, "path");
    tu_assert_fails(attn_model_load(tu_fixture("models/tiny-marian"), NULL, NULL),
                    ATTN_E_INVALID_ARGUMENT, "out");
    assert_ptr_equal(model, (attn_model *)&model);
}

/* A scratch model folder: a copy of config-bart's config.json (a config
 * without matching weights) plus whatever the test writes. */
static char *bart_folder(void)
{
    char *dir = tu_make_tempdir();
    FILE *f = fopen(tu_fixture("models/config-bart/config.json"), "rb");
    assert_non_null(f);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    tu_write_file(dir, "config.json", buf, n);
    return dir;
}

/* A valid one-tensor safetensors file named `name` holding tensor `tensor`. */
static void write_tensor_file(const char *dir, const char *name, const char *tensor)
{
    char header[256];
    int hlen = snprintf(header, sizeof header,
                        "{\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        tensor);
    unsigned char buf[300] = { 0 };
    buf[0] = (unsigned char)hlen;
    memcpy(buf + 8, header, (size_t)hlen);
    tu_write_file(dir, name, buf, 8 + (size_t)hlen + 4);
}

static void test_broken_folders_fail_with_a_message_naming_the_problem(void **state)
{
    (void)state;
    attn_model *model;
    char *dir;

    tu_assert_fails(attn_model_load("/nonexistent/model", NULL, &model), ATTN_E_NOT_FOUND,
                    "/nonexistent/model");
    tu_assert_fails(attn_model_load(tu_fixture("models/tiny-marian/config.json"), NULL, &model),
                    ATTN_E_INVALID_ARGUMENT, "is not a folder");

    dir = tu_make_tempdir();
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_NOT_FOUND, "config.json");
    tu_write_text(dir, "config.json", "{\"model_type\": \"bart\",\n \"d_model\": }");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT, "config.json",
                    "line 2");
    tu_write_text(dir, "config.json", "{\"model_type\": \"llama\"}");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_UNSUPPORTED,
                    "model_type 'llama' is not supported", "marian");
    tu_write_text(dir, "config.json", "{\"model_type\": 3}");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT, "model_type");
    tu_write_text(dir, "config.json", "{\"model_type\": \"bart\", \"vocab_size\": 10}");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT, "missing 'd_model'");
    tu_write_text(dir, "config.json", "{\"model_type\": \"bart\", \"vocab_size\": \"10\"}");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT, "'vocab_size' must be");
    tu_remove_tree(dir);

    dir = bart_folder();
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_NOT_FOUND,
                    "no model.safetensors or model.safetensors.index.json");
    tu_write_text(dir, "pytorch_model.bin", "not read");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_UNSUPPORTED,
                    "only pytorch_model.bin", "safetensors");
    write_tensor_file(dir, "model.safetensors", "w");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_NOT_FOUND,
                    "weight 'model.encoder.layers.0.self_attn.q_proj.weight' is missing");
    tu_write_text(dir, "generation_config.json", "{\"num_beams\": 4,}");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT,
                    "generation_config.json");
    tu_write_text(dir, "generation_config.json", "[4]");
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT,
                    "generation_config.json", "object");
    tu_write_text(dir, "generation_config.json", "{\"num_beams\": 4}");
    tu_write_file(dir, "model.safetensors", "\x10\0\0\0\0\0\0\0{", 9);
    tu_assert_fails(attn_model_load(dir, NULL, &model), ATTN_E_FORMAT, "model.safetensors",
                    "runs past the end");
    tu_remove_tree(dir);
}

static void test_broken_shard_indexes_fail_with_a_message_naming_the_problem(void **state)
{
    (void)state;
    static const struct {
        const char *index;
        attn_status status;
        const char *message;
    } cases[] = {
        { "{\"weight_map\": {\"a\": \"../outside.safetensors\"}}", ATTN_E_FORMAT,
          "shard '../outside.safetensors' of tensor 'a' is not a relative path inside" },
        { "{\"weight_map\": {\"a\": \"/etc/passwd\"}}", ATTN_E_FORMAT, "'/etc/passwd'" },
        { "{\"weight_map\": {\"a\": \"sub/../../x\"}}", ATTN_E_FORMAT, "'sub/../../x'" },
        { "{\"weight_map\": {\"a\": 1}}", ATTN_E_FORMAT, "weight_map['a'] is not a string" },
        { "{\"weight_map\": {}}", ATTN_E_FORMAT, "'weight_map' must be a non-empty object" },
        { "{\"metadata\": {}}", ATTN_E_FORMAT, "'weight_map'" },
        { "{\"weight_map\": {\"a\": \"missing.safetensors\"}}", ATTN_E_NOT_FOUND,
          "missing.safetensors" },
        { "{\"weight_map\": {\"b\": \"one.safetensors\"}}", ATTN_E_NOT_FOUND,
          "tensor 'b' is not in shard 'one.safetensors'" },
        { "{\"weight_map\": {\"a\": \"two.safetensors\"}}", ATTN_E_NOT_FOUND,
          "tensor 'a' is not in shard 'two.safetensors'" },
        { "{\"weight_map\": {\"a\": \"one.safetensors\", \"a2\": \"dup.safetensors\"}}",
          ATTN_E_FORMAT, "tensor 'a' is stored twice" },
    };
    char *dir = bart_folder();
    write_tensor_file(dir, "one.safetensors", "a");
    write_tensor_file(dir, "two.safetensors", "c");
    write_tensor_file(dir, "dup.safetensors", "a");
    ws_weights w;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tu_write_text(dir, "model.safetensors.index.json", cases[i].index);
        attn_status st = ws_load(dir, true, &w);
        if (st != cases[i].status || !strstr(attn_last_error(), cases[i].message))
            fail_msg("case %zu: status %d, message \"%s\"", i, st, attn_last_error());
    }
    tu_write_text(dir, "model.safetensors.index.json",
                  "{\"weight_map\": {\"a\": \"one.safetensors\", \"c\": \"two.safetensors\"}}");
    assert_int_equal(ws_load(dir, true, &w), ATTN_OK);
    assert_int_equal(w.tensor_count, 2);
    assert_non_null(ws_find(&w, "a"));
    assert_non_null(ws_find(&w, "c"));
    ws_close(&w);
    tu_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sharded_marian_reports_its_config),
        cmocka_unit_test(test_float16_marian_reports_its_config),
        cmocka_unit_test(test_each_family_maps_its_config_keys),
        cmocka_unit_test(test_use_mmap_off_loads_the_same_model),
        cmocka_unit_test(test_float16_weights_equal_their_float32_originals_rounded),
        cmocka_unit_test(test_unknown_property_and_missing_token_are_told_apart),
        cmocka_unit_test(test_null_arguments_are_rejected),
        cmocka_unit_test(test_broken_folders_fail_with_a_message_naming_the_problem),
        cmocka_unit_test(test_broken_shard_indexes_fail_with_a_message_naming_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
