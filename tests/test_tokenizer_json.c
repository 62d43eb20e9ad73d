/* test_tokenizer_json.c - tokenizer.json read by hf_parse: every hf-*
 * fixture tokenizer gives, for every case, the ids, ids with special
 * tokens and decoded texts that tokenizers 0.20.3 recorded; malformed
 * files are refused with ATTN_E_FORMAT naming the field, and components
 * or patterns that are not implemented with ATTN_E_UNSUPPORTED. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "test_util.h"
#include "tokenizer/hf.h"

/* ---- the fixtures ---- */

static json_t *load(const char *rel)
{
    json_t *root = NULL;
    if (js_load_object_file(tu_fixture(rel), &root) != ATTN_OK)
        fail_msg("%s: %s", rel, attn_last_error());
    return root;
}

static hf_tokenizer *load_tokenizer(const char *folder)
{
    char rel[512];
    hf_tokenizer *tok = NULL;
    snprintf(rel, sizeof rel, "tokenizers/%s/tokenizer.json", folder);
    json_t *root = load(rel);
    if (hf_parse(root, rel, &tok) != ATTN_OK)
        fail_msg("%s", attn_last_error());
    json_decref(root);
    return tok;
}

static char *format_ids(const int32_t *ids, size_t n, const json_t *list)
{
    size_t cap = 16 + 12 * (list ? json_array_size(list) : n);
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap, "[");
    size_t count = list ? json_array_size(list) : n;
    for (size_t i = 0; i < count; i++) {
        long long v = list ? (long long)json_integer_value(json_array_get(list, i)) : ids[i];
        len += (size_t)snprintf(s + len, cap - len, i ? ",%lld" : "%lld", v);
    }
    snprintf(s + len, cap - len, "]");
    return s;
}

static bool same_ids(const tk_ids *got, const json_t *want)
{
    if (got->n != json_array_size(want))
        return false;
    for (size_t i = 0; i < got->n; i++)
        if (got->v[i] != json_integer_value(json_array_get(want, i)))
            return false;
    return true;
}

/* Fails with the case name and both id lists. */
static void check_ids(const char *folder, const char *name, const char *what, const tk_ids *got,
                      const json_t *want)
{
    if (same_ids(got, want))
        return;
    char *g = format_ids(got->v, got->n, NULL), *w = format_ids(NULL, 0, want);
    fail_msg("%s, case %s: %s %s, tokenizers gives %s", folder, name, what, g, w);
}

static void check_text(const char *folder, const char *name, const char *what,
                       const tk_str *got, const json_t *want)
{
    const char *g = got->p ? got->p : "";
    if (got->n != json_string_length(want) || memcmp(g, json_string_value(want), got->n) != 0)
        fail_msg("%s, case %s: %s \"%s\", tokenizers gives \"%s\"", folder, name, what, g,
                 json_string_value(want));
}

static void check_case(const hf_tokenizer *tok, const char *folder, const json_t *c,
                       const json_t *want)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    const json_t *text = json_object_get(c, "text");
    tk_ids plain = { 0 }, special = { 0 };
    if (!text) { /* bytes that are not UTF-8 */
        const char *hex = json_string_value(json_object_get(c, "bytes_hex"));
        char bytes[64];
        size_t n = strlen(hex) / 2;
        assert_true(n <= sizeof bytes);
        for (size_t i = 0; i < n; i++)
            sscanf(hex + 2 * i, "%2hhx", (unsigned char *)&bytes[i]);
        assert_non_null(json_object_get(want, "error"));
        tu_assert_fails(hf_encode(tok, bytes, n, true, &plain), ATTN_E_INVALID_ARGUMENT, "UTF-8");
        return;
    }
    tk_str decoded = { 0 }, skipped = { 0 };
    const char *s = json_string_value(text);
    size_t len = json_string_length(text);
    assert_int_equal(hf_encode(tok, s, len, false, &plain), ATTN_OK);
    assert_int_equal(hf_encode(tok, s, len, true, &special), ATTN_OK);
    check_ids(folder, name, "ids", &plain, json_object_get(want, "ids"));
    check_ids(folder, name, "ids with special tokens", &special,
              json_object_get(want, "ids_special"));
    assert_int_equal(hf_decode(tok, special.v, special.n, false, &decoded), ATTN_OK);
    assert_int_equal(hf_decode(tok, special.v, special.n, true, &skipped), ATTN_OK);
    check_text(folder, name, "decoded", &decoded, json_object_get(want, "decoded"));
    check_text(folder, name, "decoded skipping special tokens", &skipped,
               json_object_get(want, "decoded_skip"));
    tk_ids_free(&plain);
    tk_ids_free(&special);
    tk_str_free(&decoded);
    tk_str_free(&skipped);
}

static void check_pieces(const hf_tokenizer *tok, const char *folder, const json_t *expected)
{
    assert_int_equal(hf_vocab_size(tok),
                     json_integer_value(json_object_get(expected, "vocab_size")));
    const json_t *pairs = json_object_get(expected, "id_to_piece");
    for (size_t i = 0; i < json_array_size(pairs); i++) {
        const json_t *pair = json_array_get(pairs, i);
        int32_t id = (int32_t)json_integer_value(json_array_get(pair, 0)), back;
        const json_t *want = json_array_get(pair, 1);
        const char *piece;
        size_t len;
        if (!hf_id_to_piece(tok, id, &piece, &len) || len != json_string_length(want) ||
            memcmp(piece, json_string_value(want), len) != 0)
            fail_msg("%s: id %d is not \"%s\"", folder, id, json_string_value(want));
        assert_true(hf_piece_to_id(tok, piece, len, &back));
    }
}

/* Decoding recorded id lists; an id outside the vocabulary, which
 * tokenizers drops, is refused here. */
static void check_decode_cases(const hf_tokenizer *tok, const char *folder, const json_t *list)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *c = json_array_get(list, i), *ids = json_object_get(c, "ids");
        size_t n = json_array_size(ids);
        int32_t *v = calloc(n + 1, sizeof *v);
        bool in_range = true;
        for (size_t k = 0; k < n; k++) {
            v[k] = (int32_t)json_integer_value(json_array_get(ids, k));
            in_range = in_range && v[k] >= 0 && (size_t)v[k] < hf_vocab_size(tok);
        }
        for (int skip = 0; skip < 2; skip++) {
            tk_str got = { 0 };
            attn_status st = hf_decode(tok, v, n, skip, &got);
            const json_t *want = json_object_get(c, skip ? "decoded_skip" : "decoded");
            if (!in_range)
                tu_assert_fails(st, ATTN_E_INVALID_ARGUMENT, "not in the vocabulary");
            else if (!want) /* tokenizers failed too */
                assert_int_not_equal(st, ATTN_OK);
            else
                check_text(folder, "decode_cases",
                           skip ? "decoded skipping special tokens" : "decoded", &got, want);
            tk_str_free(&got);
        }
        free(v);
    }
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The hf-* folders, sorted. */
static size_t list_folders(char ***out)
{
    DIR *dir = opendir(tu_fixture("tokenizers"));
    assert_non_null(dir);
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (strncmp(e->d_name, "hf-", 3) != 0)
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, compare_names);
    *out = names;
    return n;
}

static void test_every_fixture_case_matches_tokenizers(void **state)
{
    (void)state;
    char **folders;
    size_t n = list_folders(&folders);
    assert_true(n > 0);
    json_t *cases = load("tokenizers/cases.json");
    const json_t *list = json_object_get(cases, "cases");
    for (size_t f = 0; f < n; f++) {
        char rel[512];
        snprintf(rel, sizeof rel, "tokenizers/%s/expected.json", folders[f]);
        json_t *expected = load(rel);
        const json_t *results = json_object_get(expected, "results");
        hf_tokenizer *tok = load_tokenizer(folders[f]);
        assert_int_equal(json_array_size(results), json_array_size(list));
        for (size_t i = 0; i < json_array_size(list); i++)
            check_case(tok, folders[f], json_array_get(list, i), json_array_get(results, i));
        check_pieces(tok, folders[f], expected);
        check_decode_cases(tok, folders[f], json_object_get(expected, "decode_cases"));
        print_message("%s: %zu cases identical\n", folders[f], json_array_size(list));
        hf_free(tok);
        json_decref(expected);
        free(folders[f]);
    }
    free(folders);
    json_decref(cases);
}

/* ---- malformed and unsupported files ---- */

/* hf_parse of a JSON text; the tokenizer (NULL on failure) outlives it. */
static attn_status parse_text(const char *text, hf_tokenizer **tok)
{
    json_t *root;
    attn_status st = js_parse_object(text, strlen(text), "test", &root);
    if (st != ATTN_OK)
        fail_msg("bad test JSON: %s", attn_last_error());
    st = hf_parse(root, "test.json", tok);
    json_decref(root);
    return st;
}

/* A tokenizer.json of `model` with `extra` members added at the top. */
static attn_status parse_with(const char *model, const char *extra)
{
    char text[8192];
    snprintf(text, sizeof text, "{\"model\": %s%s%s}", model, *extra ? ", " : "", extra);
    hf_tokenizer *tok = NULL;
    attn_status st = parse_text(text, &tok);
    hf_free(tok);
    return st;
}

#define BPE "{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}"

static void test_a_small_valid_file_loads(void **state)
{
    (void)state;
    assert_int_equal(parse_with(BPE, ""), ATTN_OK);
}

static void test_malformed_structure_is_a_format_error_naming_the_field(void **state)
{
    (void)state;
    tu_assert_fails(parse_with("null", ""), ATTN_E_FORMAT, "test.json", "model");
    tu_assert_fails(parse_with("\"BPE\"", ""), ATTN_E_FORMAT, "model");
    tu_assert_fails(parse_with("{\"vocab\": {}, \"merges\": []}", ""), ATTN_E_FORMAT, "model.type");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": [], \"merges\": []}", ""),
                    ATTN_E_FORMAT, "model.vocab", "object");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}}", ""), ATTN_E_FORMAT,
                    "model.merges", "missing");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": \"0\"}, \"merges\": []}",
                               ""),
                    ATTN_E_FORMAT, "model.vocab[\"a\"]", "integer");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": true}, \"merges\": []}", ""),
                    ATTN_E_FORMAT, "model.vocab[\"a\"]");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": \"x\"}, "
                               "\"merges\": [], \"fuse_unk\": 1}", ""),
                    ATTN_E_FORMAT, "model.vocab[\"b\"]");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], "
                               "\"fuse_unk\": 1}", ""),
                    ATTN_E_FORMAT, "model.fuse_unk", "boolean");
    tu_assert_fails(parse_with(BPE, "\"normalizer\": {\"type\": \"Strip\", "
                                    "\"strip_left\": \"yes\", \"strip_right\": true}"),
                    ATTN_E_FORMAT, "normalizer.strip_left");
    tu_assert_fails(parse_with(BPE, "\"normalizer\": {\"strip_left\": true}"), ATTN_E_FORMAT,
                    "normalizer.type", "missing");
    tu_assert_fails(parse_with(BPE, "\"pre_tokenizer\": {\"type\": \"Metaspace\", "
                                    "\"replacement\": \"ab\"}"),
                    ATTN_E_FORMAT, "pre_tokenizer.replacement", "single character");
    tu_assert_fails(parse_with(BPE, "\"decoder\": {\"type\": \"Sequence\", \"decoders\": "
                                    "[{\"type\": \"Strip\", \"content\": \" \", \"start\": -1, "
                                    "\"stop\": 0}]}"),
                    ATTN_E_FORMAT, "decoder.decoders[0].start");
    tu_assert_fails(parse_with(BPE, "\"added_tokens\": {}"), ATTN_E_FORMAT, "added_tokens");
    tu_assert_fails(parse_with(BPE, "\"truncation\": {\"max_length\": \"8\", \"strategy\": "
                                    "\"LongestFirst\", \"stride\": 0}"),
                    ATTN_E_FORMAT, "truncation.max_length");
    tu_assert_fails(parse_with(BPE, "\"padding\": {\"strategy\": \"Longest\", \"direction\": "
                                    "\"Right\", \"pad_id\": 0, \"pad_type_id\": 0, "
                                    "\"pad_token\": \"a\"}"),
                    ATTN_E_FORMAT, "padding.strategy");
    /* Failures before a direction or behavior was read, which stored an
     * unset variable (found by clang's -Wsometimes-uninitialized). */
    tu_assert_fails(parse_with(BPE, "\"padding\": {\"strategy\": \"BatchLongest\", "
                                    "\"direction\": \"Up\", \"pad_id\": 0}"),
                    ATTN_E_FORMAT, "padding.direction");
    tu_assert_fails(parse_with(BPE, "\"truncation\": {\"max_length\": 8, \"stride\": 0, "
                                    "\"strategy\": \"Longest\"}"),
                    ATTN_E_FORMAT, "truncation.strategy");
    tu_assert_fails(parse_with(BPE, "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": "
                                    "{\"String\": \" \"}, \"invert\": false}"),
                    ATTN_E_FORMAT, "pre_tokenizer.behavior");
}

static void test_merges_must_name_vocabulary_pieces(void **state)
{
    (void)state;
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"ab\": 1}, "
                               "\"merges\": [\"a b\"]}", ""),
                    ATTN_E_FORMAT, "model.merges[0]", "\"b\" is not in the vocabulary");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, "
                               "\"merges\": [[\"a\", \"b\"]]}", ""),
                    ATTN_E_FORMAT, "model.merges[0]", "\"ab\" is not in the vocabulary");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, "
                               "\"merges\": [\"a b c\"]}", ""),
                    ATTN_E_FORMAT, "model.merges[0]", "two pieces");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, "
                               "\"merges\": [\"a b\", [\"a\", \"b\"]]}", ""),
                    ATTN_E_FORMAT, "model.merges[1]", "mix");
}

static void test_ids_out_of_range_or_duplicated_are_refused(void **state)
{
    (void)state;
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 5}, "
                               "\"merges\": []}", ""),
                    ATTN_E_FORMAT, "model.vocab[\"b\"]", "out of range");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, "
                               "\"merges\": []}", ""),
                    ATTN_E_FORMAT, "model.vocab", "id 0");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}", ""),
                    ATTN_E_FORMAT, "model.vocab[\"a\"]");
    tu_assert_fails(parse_with("{\"type\": \"Unigram\", \"unk_id\": 3, \"vocab\": "
                               "[[\"a\", -1.0], [\"b\", -2.0]]}", ""),
                    ATTN_E_FORMAT, "model.unk_id");
    tu_assert_fails(parse_with("{\"type\": \"Unigram\", \"vocab\": [[\"a\", \"x\"]]}", ""),
                    ATTN_E_FORMAT, "model.vocab[0]");
    const char *two_ids = "\"added_tokens\": ["
        "{\"id\": 3, \"content\": \"<x>\", \"single_word\": false, \"lstrip\": false, "
        "\"rstrip\": false, \"normalized\": false, \"special\": true},"
        "{\"id\": 3, \"content\": \"<y>\", \"single_word\": false, \"lstrip\": false, "
        "\"rstrip\": false, \"normalized\": false, \"special\": true}]";
    tu_assert_fails(parse_with(BPE, two_ids), ATTN_E_FORMAT, "added_tokens[1].id", "<y>");
    const char *far = "\"added_tokens\": [{\"id\": 99, \"content\": \"<x>\", \"single_word\": "
        "false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}]";
    tu_assert_fails(parse_with(BPE, far), ATTN_E_FORMAT, "added_tokens[0].id");
    tu_assert_fails(parse_with(BPE, "\"post_processor\": {\"type\": \"BertProcessing\", "
                                    "\"sep\": [\"[SEP]\", 102], \"cls\": [\"a\", 0]}"),
                    ATTN_E_FORMAT, "post_processor.sep[1]", "102");
    tu_assert_fails(parse_with(BPE, "\"post_processor\": {\"type\": \"TemplateProcessing\", "
                                    "\"single\": [{\"SpecialToken\": {\"id\": \"<s>\", "
                                    "\"type_id\": 0}}], \"pair\": [], \"special_tokens\": {}}"),
                    ATTN_E_FORMAT, "post_processor.special_tokens[\"<s>\"]", "missing");
}

static void test_unknown_components_are_unsupported_by_name(void **state)
{
    (void)state;
    tu_assert_fails(parse_with("{\"type\": \"WordLevel\", \"vocab\": {}, \"unk_token\": \"x\"}",
                               ""),
                    ATTN_E_UNSUPPORTED, "model.type", "WordLevel");
    tu_assert_fails(parse_with(BPE, "\"normalizer\": {\"type\": \"Uppercase\"}"),
                    ATTN_E_UNSUPPORTED, "normalizer.type", "Uppercase");
    tu_assert_fails(parse_with(BPE, "\"pre_tokenizer\": {\"type\": \"Sequence\", "
                                    "\"pretokenizers\": [{\"type\": \"UnicodeScripts\"}]}"),
                    ATTN_E_UNSUPPORTED, "pre_tokenizer.pretokenizers[0].type", "UnicodeScripts");
    tu_assert_fails(parse_with(BPE, "\"decoder\": {\"type\": \"Nope\"}"), ATTN_E_UNSUPPORTED,
                    "decoder.type", "Nope");
    tu_assert_fails(parse_with(BPE, "\"post_processor\": {\"type\": \"Other\"}"),
                    ATTN_E_UNSUPPORTED, "post_processor.type", "Other");
    tu_assert_fails(parse_with("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], "
                               "\"dropout\": 0.1}", ""),
                    ATTN_E_UNSUPPORTED, "model.dropout");
    tu_assert_fails(parse_with(BPE, "\"truncation\": {\"max_length\": 8, \"strategy\": "
                                    "\"OnlySecond\", \"stride\": 0}"),
                    ATTN_E_UNSUPPORTED, "truncation.strategy", "OnlySecond");
    tu_assert_fails(parse_with(BPE, "\"version\": \"2.0\""), ATTN_E_UNSUPPORTED, "version");
}

static void test_unknown_regexes_are_unsupported_naming_the_pattern(void **state)
{
    (void)state;
    tu_assert_fails(parse_with(BPE, "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": "
                                    "{\"Regex\": \"[a-z]+\"}, \"behavior\": \"Isolated\", "
                                    "\"invert\": false}"),
                    ATTN_E_UNSUPPORTED, "pre_tokenizer.pattern.Regex", "[a-z]+");
    tu_assert_fails(parse_with(BPE, "\"normalizer\": {\"type\": \"Replace\", \"pattern\": "
                                    "{\"Regex\": \"\\\\d+\"}, \"content\": \"0\"}"),
                    ATTN_E_UNSUPPORTED, "normalizer.pattern.Regex", "\\d+");
    tu_assert_fails(parse_with(BPE, "\"normalizer\": {\"type\": \"Replace\", \"pattern\": "
                                    "{\"String\": \"\"}, \"content\": \"x\"}"),
                    ATTN_E_UNSUPPORTED, "normalizer.pattern", "empty");
}

static void test_nesting_is_bounded(void **state)
{
    (void)state;
    char text[2048] = "", tail[128] = "";
    for (int i = 0; i < 40; i++) {
        strcat(text, "{\"type\": \"Sequence\", \"normalizers\": [");
        strcat(tail, "]}");
    }
    strcat(text, tail);
    char extra[2100];
    snprintf(extra, sizeof extra, "\"normalizer\": %s", text);
    tu_assert_fails(parse_with(BPE, extra), ATTN_E_UNSUPPORTED, "nested");
}

static void test_decoding_an_id_outside_the_vocabulary_is_invalid(void **state)
{
    (void)state;
    hf_tokenizer *tok;
    assert_int_equal(parse_text("{\"model\": " BPE "}", &tok), ATTN_OK);
    const int32_t ids[] = { 0, 3 };
    tk_str out = { 0 };
    tu_assert_fails(hf_decode(tok, ids, 2, false, &out), ATTN_E_INVALID_ARGUMENT, "3");
    tk_str_free(&out);
    hf_free(tok);
}

static void encode_expect(const char *json, const char *text, const int32_t *want, size_t n)
{
    hf_tokenizer *tok;
    tk_ids ids = { 0 };
    assert_int_equal(parse_text(json, &tok), ATTN_OK);
    assert_int_equal(hf_encode(tok, text, strlen(text), false, &ids), ATTN_OK);
    assert_int_equal(ids.n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ids.v[i], want[i]);
    tk_ids_free(&ids);
    hf_free(tok);
}

/* serde_json reads -18.521653596744294 one unit in the last place away
 * from the nearest double; with the correctly rounded scores "ab" would
 * win over "a" + "b". */
static void test_unigram_scores_are_read_as_tokenizers_reads_them(void **state)
{
    (void)state;
    const char *json = "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": "
                       "[[\"<unk>\", -100.0], [\"a\", -1.9174420489094346], "
                       "[\"b\", -16.604211547834858], [\"ab\", -18.521653596744294]]}}";
    encode_expect(json, "ab", (const int32_t[]){ 1, 2 }, 2);
}

/* prepend_scheme "first" asks whether a piece starts at offset 0 of the
 * original text: after Strip removed a leading space it does not. */
static void test_metaspace_first_follows_original_offsets(void **state)
{
    (void)state;
    const char *json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"\u2581\": 0, \"a\": 1, "
                       "\"\u2581a\": 2}, \"merges\": [\"\u2581 a\"]}, \"normalizer\": {\"type\": "
                       "\"Strip\", \"strip_left\": true, \"strip_right\": false}, "
                       "\"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\u2581\", "
                       "\"prepend_scheme\": \"first\", \"split\": true}}";
    encode_expect(json, "a", (const int32_t[]){ 2 }, 1);
    encode_expect(json, " a", (const int32_t[]){ 1 }, 1);
    encode_expect(json, "a a", (const int32_t[]){ 2, 2 }, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_case_matches_tokenizers),
        cmocka_unit_test(test_a_small_valid_file_loads),
        cmocka_unit_test(test_malformed_structure_is_a_format_error_naming_the_field),
        cmocka_unit_test(test_merges_must_name_vocabulary_pieces),
        cmocka_unit_test(test_ids_out_of_range_or_duplicated_are_refused),
        cmocka_unit_test(test_unknown_components_are_unsupported_by_name),
        cmocka_unit_test(test_unknown_regexes_are_unsupported_naming_the_pattern),
        cmocka_unit_test(test_nesting_is_bounded),
        cmocka_unit_test(test_decoding_an_id_outside_the_vocabulary_is_invalid),
        cmocka_unit_test(test_unigram_scores_are_read_as_tokenizers_reads_them),
        cmocka_unit_test(test_metaspace_first_follows_original_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
