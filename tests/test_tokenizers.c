/* test_tokenizers.c - every tokenizer in tests/fixtures/tokenizers against
 * the outputs its reference library (SentencePiece, tokenizers, or
 * transformers' slow tokenizer) recorded for every case of cases.json:
 * ids with and without special tokens, decoded text with and without
 * special tokens, the target side, the vocabulary size and pieces. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "test_util.h"

typedef struct tcase {
    const char *name;
    char *text;
    size_t len;
    bool valid_utf8;
} tcase;

static tcase *cases;
static size_t n_cases;

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static json_t *load_json(const char *rel)
{
    json_t *root = NULL;
    if (js_load_object_file(tu_fixture(rel), &root) != ATTN_OK)
        fail_msg("%s: %s", rel, attn_last_error());
    return root;
}

static int load_cases(void **state)
{
    json_t *root = load_json("tokenizers/cases.json");
    const json_t *list = json_object_get(root, "cases");
    n_cases = json_array_size(list);
    cases = calloc(n_cases, sizeof *cases);
    for (size_t i = 0; i < n_cases; i++) {
        const json_t *c = json_array_get(list, i);
        const json_t *text = json_object_get(c, "text");
        tcase *t = &cases[i];
        t->name = strdup(json_string_value(json_object_get(c, "name")));
        if (text) {
            t->len = json_string_length(text);
            t->text = malloc(t->len + 1);
            memcpy(t->text, json_string_value(text), t->len + 1);
            t->valid_utf8 = true;
        } else {
            const char *hex = json_string_value(json_object_get(c, "bytes_hex"));
            t->len = strlen(hex) / 2;
            t->text = malloc(t->len + 1);
            for (size_t k = 0; k < t->len; k++)
                t->text[k] = (char)(hexval(hex[2 * k]) * 16 + hexval(hex[2 * k + 1]));
        }
    }
    json_decref(root);
    (void)state;
    return 0;
}

static int free_cases(void **state)
{
    for (size_t i = 0; i < n_cases; i++) {
        free((char *)cases[i].name);
        free(cases[i].text);
    }
    free(cases);
    (void)state;
    return 0;
}

static attn_options *options_with(const char *name, int64_t value)
{
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, name, value), ATTN_OK);
    return o;
}

static void print_ids(const char *label, const int32_t *ids, size_t n)
{
    fprintf(stderr, "  %s:", label);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, "\n");
}

/* Compares encode(text) with a recorded id list; false (and a report) on
 * a difference. */
static bool check_encode(const char *folder, const char *field, const attn_tokenizer *tok,
                         const tcase *c, bool special, const json_t *want)
{
    attn_options *o = options_with("add_special_tokens", special);
    size_t cap = c->len * 4 + 16, n;
    int32_t *ids = malloc(cap * sizeof *ids);
    attn_status st = attn_tokenizer_encode(tok, c->text, c->len, o, ids, cap, &n);
    attn_options_free(o);
    bool same = st == ATTN_OK && n == json_array_size(want);
    for (size_t i = 0; same && i < n; i++)
        same = ids[i] == json_integer_value(json_array_get(want, i));
    if (!same) {
        fprintf(stderr, "%s: case '%s' %s differs (status %d %s)\n", folder, c->name, field, st,
                st ? attn_last_error() : "");
        if (st == ATTN_OK)
            print_ids("got", ids, n);
        fprintf(stderr, "  want:");
        for (size_t i = 0; i < json_array_size(want); i++)
            fprintf(stderr, " %lld", (long long)json_integer_value(json_array_get(want, i)));
        fprintf(stderr, "\n");
    }
    free(ids);
    return same;
}

static bool check_decode(const char *folder, const char *field, const char *name,
                         const attn_tokenizer *tok, const json_t *ids_json, bool skip,
                         const json_t *want)
{
    size_t n = json_array_size(ids_json);
    int32_t *ids = malloc((n + 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (int32_t)json_integer_value(json_array_get(ids_json, i));
    attn_options *o = options_with("skip_special_tokens", skip);
    size_t len = 0;
    attn_status st = attn_tokenizer_decode(tok, ids, n, o, NULL, 0, &len);
    char *text = malloc(len + 1);
    if (st == ATTN_E_BUFFER_TOO_SMALL)
        st = attn_tokenizer_decode(tok, ids, n, o, text, len + 1, &len);
    attn_options_free(o);
    bool same = st == ATTN_OK && len == json_string_length(want) &&
                memcmp(text, json_string_value(want), len) == 0;
    if (!same)
        fprintf(stderr, "%s: case '%s' %s differs (status %d %s)\n  got:  '%.*s'\n  want: '%s'\n",
                folder, name, field, st, st ? attn_last_error() : "", st ? 0 : (int)len, text,
                json_string_value(want));
    free(text);
    free(ids);
    return same;
}

/* One recorded result: every field present in it is checked. */
static size_t check_result(const char *folder, const attn_tokenizer *src,
                           const attn_tokenizer *tgt, const tcase *c, const json_t *r)
{
    size_t bad = 0;
    if (json_object_get(r, "error")) {
        size_t n;
        int32_t id;
        attn_status st = attn_tokenizer_encode(src, c->text, c->len, NULL, &id, 1, &n);
        if (st != ATTN_E_INVALID_ARGUMENT || !strstr(attn_last_error(), "UTF-8")) {
            fprintf(stderr, "%s: case '%s' should be refused as invalid UTF-8 (status %d)\n",
                    folder, c->name, st);
            bad++;
        }
        return bad;
    }
    const json_t *ids = json_object_get(r, "ids"), *special = json_object_get(r, "ids_special");
    const json_t *v;
    bad += !check_encode(folder, "ids", src, c, false, ids);
    if (special)
        bad += !check_encode(folder, "ids_special", src, c, true, special);
    if ((v = json_object_get(r, "decoded")))
        bad += !check_decode(folder, "decoded", c->name, src, special ? special : ids, false, v);
    if ((v = json_object_get(r, "decoded_skip")))
        bad += !check_decode(folder, "decoded_skip", c->name, src, special, true, v);
    if ((v = json_object_get(r, "target_ids_special"))) {
        bad += !check_encode(folder, "target_ids_special", tgt, c, true, v);
        bad += !check_decode(folder, "target_decoded_skip", c->name, tgt, v, true,
                             json_object_get(r, "target_decoded_skip"));
    }
    return bad;
}

static size_t check_vocabulary(const char *folder, const attn_tokenizer *tok, const json_t *e)
{
    size_t bad = 0, i;
    const json_t *pair;
    if ((size_t)json_integer_value(json_object_get(e, "vocab_size")) !=
        attn_tokenizer_vocab_size(tok)) {
        fprintf(stderr, "%s: vocab_size %zu, expected %lld\n", folder,
                attn_tokenizer_vocab_size(tok),
                (long long)json_integer_value(json_object_get(e, "vocab_size")));
        bad++;
    }
    json_array_foreach(json_object_get(e, "id_to_piece"), i, pair) {
        int32_t id = (int32_t)json_integer_value(json_array_get(pair, 0)), back = -1;
        const char *want = json_string_value(json_array_get(pair, 1));
        char piece[1024];
        size_t len;
        attn_status st = attn_tokenizer_id_to_piece(tok, id, piece, sizeof piece, &len);
        if (st != ATTN_OK || strcmp(piece, want) != 0 ||
            attn_tokenizer_piece_to_id(tok, want, strlen(want), &back) != ATTN_OK) {
            fprintf(stderr, "%s: id %d is '%s', expected '%s'\n", folder, id,
                    st ? "?" : piece, want);
            bad++;
        }
        (void)back;
    }
    return bad;
}

/* The path attn_tokenizer_load takes for a fixture folder. */
static const char *tokenizer_path(const char *folder, const json_t *e, char *buf, size_t cap)
{
    const char *kind = json_string_value(json_object_get(e, "kind"));
    const json_t *file = json_object_get(e, "file");
    if (strcmp(kind, "tokenizer.json") == 0)
        snprintf(buf, cap, "%s/tokenizer.json", folder);
    else if (json_is_string(file))
        snprintf(buf, cap, "%s/%s", folder, json_string_value(file));
    else
        snprintf(buf, cap, "%s", folder);
    return tu_fixture(buf);
}

static size_t check_folder(const char *name)
{
    char rel[512], file[1024], path[4096];
    snprintf(rel, sizeof rel, "tokenizers/%s/expected.json", name);
    json_t *e = load_json(rel);
    snprintf(rel, sizeof rel, "tokenizers/%s", name);
    snprintf(path, sizeof path, "%s", tokenizer_path(rel, e, file, sizeof file));
    attn_tokenizer *src = NULL, *tgt = NULL;
    attn_options *target = options_with("target", 1);
    if (attn_tokenizer_load(path, NULL, &src) != ATTN_OK ||
        attn_tokenizer_load(path, target, &tgt) != ATTN_OK)
        fail_msg("%s: %s", name, attn_last_error());
    attn_options_free(target);

    const json_t *results = json_object_get(e, "results");
    assert_int_equal(json_array_size(results), n_cases);
    size_t bad = check_vocabulary(name, src, e);
    for (size_t i = 0; i < n_cases; i++)
        bad += check_result(name, src, tgt, &cases[i], json_array_get(results, i));
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(e, "decode_cases"), i, d) {
        const json_t *ids = json_object_get(d, "ids");
        /* tokenizers drops ids outside the vocabulary; libattn refuses
         * them, as SentencePiece does. */
        bool outside = false;
        size_t k;
        const json_t *v;
        json_array_foreach(ids, k, v)
            outside = outside || json_integer_value(v) < 0 ||
                      (size_t)json_integer_value(v) >= attn_tokenizer_vocab_size(src);
        if (!json_object_get(d, "error") && !outside) {
            bad += !check_decode(name, "decode_cases", "decode", src, ids, false,
                                 json_object_get(d, "decoded"));
            continue;
        }
        int32_t id = (int32_t)json_integer_value(json_array_get(ids, 0));
        size_t len;
        tu_assert_fails(attn_tokenizer_decode(src, &id, 1, NULL, NULL, 0, &len),
                        ATTN_E_INVALID_ARGUMENT, "vocabulary");
    }
    fprintf(stderr, "%s (%s): %zu differences over %zu cases\n", name, attn_tokenizer_kind(src),
            bad, n_cases);
    attn_tokenizer_free(src);
    attn_tokenizer_free(tgt);
    json_decref(e);
    return bad;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_every_fixture_matches_its_reference(void **state)
{
    DIR *dir = opendir(tu_fixture("tokenizers"));
    assert_non_null(dir);
    char *names[256];
    size_t n = 0, bad = 0;
    struct dirent *ent;
    /* ATTN_TOKENIZER_FIXTURE=prefix narrows the run while debugging. */
    const char *only = getenv("ATTN_TOKENIZER_FIXTURE");
    while ((ent = readdir(dir)) && n < 256) {
        if (only && strncmp(ent->d_name, only, strlen(only)) != 0)
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "tokenizers/%s/expected.json", ent->d_name);
        FILE *f = ent->d_name[0] != '.' ? fopen(tu_fixture(rel), "r") : NULL;
        if (f) {
            fclose(f);
            names[n++] = strdup(ent->d_name);
        }
    }
    closedir(dir);
    qsort(names, n, sizeof *names, name_cmp);
    assert_true(only || n >= 10);
    for (size_t i = 0; i < n; i++) {
        bad += check_folder(names[i]);
        free(names[i]);
    }
    assert_int_equal(bad, 0);
    (void)state;
}


/* Writes a .model file made of `len` protobuf bytes and loads it. */
static attn_status load_model_bytes(const void *bytes, size_t len)
{
    char *dir = tu_make_tempdir();
    tu_write_file(dir, "bad.model", bytes, len);
    char path[4096];
    snprintf(path, sizeof path, "%s/bad.model", dir);
    attn_tokenizer *tok = NULL;
    attn_status st = attn_tokenizer_load(path, NULL, &tok);
    attn_tokenizer_free(tok);
    tu_remove_tree(dir);
    return st;
}

static void test_malformed_sentencepiece_models_name_the_field(void **state)
{
    /* pieces { piece: "a" } with no UNKNOWN piece */
    static const unsigned char no_unk[] = { 0x0A, 0x03, 0x0A, 0x01, 'a' };
    /* pieces { piece: "<unk>" type: UNKNOWN } pieces { piece: "" } */
    static const unsigned char empty_piece[] = { 0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k',
                                                 '>', 0x18, 0x02, 0x0A, 0x02, 0x0A, 0x00 };
    /* a length running past the end */
    static const unsigned char truncated[] = { 0x0A, 0x7F, 0x0A };
    /* pieces { "<0x41>" type: BYTE } without byte_fallback */
    static const unsigned char byte_piece[] = { 0x0A, 0x0A, 0x0A, 0x06, '<', '0', 'x', '4',
                                                '1', '>', 0x18, 0x06 };
    /* trainer_spec { model_type: 9 } */
    static const unsigned char model_type[] = { 0x12, 0x02, 0x18, 0x09 };
    /* pieces { type: 7 } */
    static const unsigned char piece_type[] = { 0x0A, 0x02, 0x18, 0x07 };
    /* trainer_spec { treat_whitespace_as_suffix: <no value> }, which left
     * the flag to an unset variable (found by gcc -O3) */
    static const unsigned char no_value[] = { 0x12, 0x02, 0xC0, 0x01 };
    tu_assert_fails(load_model_bytes(no_unk, sizeof no_unk), ATTN_E_FORMAT, "UNKNOWN");
    tu_assert_fails(load_model_bytes(empty_piece, sizeof empty_piece), ATTN_E_FORMAT,
                    "pieces[1].piece is empty");
    tu_assert_fails(load_model_bytes(truncated, sizeof truncated), ATTN_E_FORMAT, "past the end");
    tu_assert_fails(load_model_bytes(byte_piece, sizeof byte_piece), ATTN_E_FORMAT,
                    "pieces[0]", "byte_fallback");
    tu_assert_fails(load_model_bytes(model_type, sizeof model_type), ATTN_E_UNSUPPORTED,
                    "model_type");
    tu_assert_fails(load_model_bytes(piece_type, sizeof piece_type), ATTN_E_FORMAT,
                    "pieces[0].type");
    tu_assert_fails(load_model_bytes(no_value, sizeof no_value), ATTN_E_FORMAT,
                    "treat_whitespace_as_suffix", "truncated");
    tu_assert_fails(load_model_bytes("", 0), ATTN_E_FORMAT, "no pieces");
    (void)state;
}

/* A copy of a fixture folder's tokenizer files with one file replaced. */
static char *folder_with(const char *folder, const char *name, const char *text)
{
    char *dir = tu_make_tempdir();
    char rel[256];
    snprintf(rel, sizeof rel, "tokenizers/%s", folder);
    DIR *d = opendir(tu_fixture(rel));
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "expected.json") == 0)
            continue;
        int len = snprintf(rel, sizeof rel, "tokenizers/%s/%s", folder, e->d_name);
        assert_true(len > 0 && (size_t)len < sizeof rel);
        FILE *f = fopen(tu_fixture(rel), "rb");
        assert_non_null(f);
        static char buf[1 << 22];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        tu_write_file(dir, e->d_name, buf, n);
    }
    closedir(d);
    if (name)
        tu_write_text(dir, name, text);
    return dir;
}

static void test_malformed_family_files_name_the_file(void **state)
{
    attn_tokenizer *tok = NULL;
    char *dir = folder_with("marian", "vocab.json", "{\"</s>\": \"zero\"}");
    tu_assert_fails(attn_tokenizer_load(dir, NULL, &tok), ATTN_E_FORMAT, "vocab.json", "</s>");
    tu_remove_tree(dir);
    dir = folder_with("marian", "vocab.json", "{\"</s>\": 0, \"<unk>\": 0}");
    tu_assert_fails(attn_tokenizer_load(dir, NULL, &tok), ATTN_E_FORMAT, "vocab.json", "id 0");
    tu_remove_tree(dir);
    dir = folder_with("marian", "source.spm", "not a model");
    tu_assert_fails(attn_tokenizer_load(dir, NULL, &tok), ATTN_E_FORMAT, "source.spm");
    tu_remove_tree(dir);
    dir = folder_with("marian", "tokenizer_config.json",
                      "{\"added_tokens_decoder\": {\"x\": {}}}");
    tu_assert_fails(attn_tokenizer_load(dir, NULL, &tok), ATTN_E_FORMAT, "added_tokens_decoder");
    tu_remove_tree(dir);
    /* A language code the folder's own file names is the file's error
     * (found by fuzz_slow_folder: it was ATTN_E_INVALID_ARGUMENT). */
    json_t *config = NULL;
    assert_int_equal(js_load_object_in(tu_fixture("tokenizers/mbart"), "tokenizer_config.json",
                                       true, &config), ATTN_OK);
    assert_int_equal(json_object_set_new(config, "src_lang", json_string("xx_XX")), 0);
    char *text = json_dumps(config, 0);
    dir = folder_with("mbart", "tokenizer_config.json", text);
    tu_assert_fails(attn_tokenizer_load(dir, NULL, &tok), ATTN_E_FORMAT, "src_lang", "xx_XX");
    tu_remove_tree(dir);
    free(text);
    json_decref(config);
    dir = tu_make_tempdir();
    tu_assert_fails(attn_tokenizer_load(dir, NULL, &tok), ATTN_E_NOT_FOUND, "no tokenizer");
    tu_remove_tree(dir);
    tu_assert_fails(attn_tokenizer_load("/nonexistent/folder", NULL, &tok), ATTN_E_NOT_FOUND,
                    "/nonexistent/folder");
    assert_null(tok);
    (void)state;
}

static void test_calls_check_their_arguments(void **state)
{
    attn_tokenizer *tok = NULL;
    assert_int_equal(attn_tokenizer_load(tu_fixture("tokenizers/mbart"), NULL, &tok), ATTN_OK);
    int32_t ids[4];
    size_t n, len;
    char text[4];
    const char hello[] = "hello world, a longer text";
    tu_assert_fails(attn_tokenizer_encode(tok, hello, strlen(hello), NULL, ids, 2, &n),
                    ATTN_E_BUFFER_TOO_SMALL, "fit");
    assert_true(n > 2);
    tu_assert_fails(attn_tokenizer_encode(tok, "a\xFF", 2, NULL, ids, 4, &n),
                    ATTN_E_INVALID_ARGUMENT, "UTF-8", "offset 1");
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_str(o, "src_lang", "xx_YY"), ATTN_OK);
    tu_assert_fails(attn_tokenizer_encode(tok, "a", 1, o, ids, 4, &n), ATTN_E_INVALID_ARGUMENT,
                    "xx_YY");
    attn_options_free(o);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_str(o, "tgt_lang", "ro_RO"), ATTN_OK);
    tu_assert_fails(attn_tokenizer_encode(tok, "a", 1, o, ids, 4, &n), ATTN_E_INVALID_ARGUMENT,
                    "tgt_lang", "target");
    tu_assert_fails(attn_tokenizer_decode(tok, ids, 4, o, text, 4, &len),
                    ATTN_E_INVALID_ARGUMENT, "tgt_lang");
    attn_options_free(o);
    ids[0] = 1 << 30;
    tu_assert_fails(attn_tokenizer_decode(tok, ids, 1, NULL, text, 4, &len),
                    ATTN_E_INVALID_ARGUMENT, "not in the vocabulary");
    ids[0] = 2; /* </s> */
    tu_assert_fails(attn_tokenizer_decode(tok, ids, 1, NULL, text, 2, &len),
                    ATTN_E_BUFFER_TOO_SMALL, "needed");
    assert_int_equal(len, 4);
    tu_assert_fails(attn_tokenizer_id_to_piece(tok, -1, text, 4, &len), ATTN_E_NOT_FOUND, "-1");
    tu_assert_fails(attn_tokenizer_piece_to_id(tok, "no such piece", 13, &ids[0]),
                    ATTN_E_NOT_FOUND, "no such piece");
    tu_assert_fails(attn_tokenizer_encode(NULL, "a", 1, NULL, ids, 4, &n),
                    ATTN_E_INVALID_ARGUMENT, "tokenizer");
    tu_assert_fails(attn_model_tokenizer(NULL, 0, &tok), ATTN_E_INVALID_ARGUMENT, "model");
    assert_string_equal(attn_tokenizer_kind(tok), "mbart");
    /* a second reference outlives the first */
    attn_tokenizer *again = attn_tokenizer_retain(tok);
    assert_ptr_equal(again, tok);
    attn_tokenizer_free(tok);
    assert_string_equal(attn_tokenizer_kind(again), "mbart");
    attn_tokenizer_free(again);
    assert_null(attn_tokenizer_retain(NULL));
    attn_tokenizer_free(NULL);
    assert_null(attn_tokenizer_kind(NULL));
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_matches_its_reference),
        cmocka_unit_test(test_malformed_sentencepiece_models_name_the_field),
        cmocka_unit_test(test_malformed_family_files_name_the_file),
        cmocka_unit_test(test_calls_check_their_arguments),
    };
    return cmocka_run_group_tests(tests, load_cases, free_cases);
}
