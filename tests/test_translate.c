/* test_translate.c - attn_translate and attn_score_text on the bundled demo
 * model against the outputs transformers recorded for its held-out set
 * (models/dates-heldout.tsv), and the errors bad calls get. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define DEMO_MODEL ATTN_FIXTURES "/../../models/dates"
#define HELDOUT ATTN_FIXTURES "/../../models/dates-heldout.tsv"

/* The columns of the held-out file this test reads. */
enum { COL_SOURCE, COL_EXPECTED, COL_BEAM, COL_GREEDY, COL_SOURCE_IDS, COL_BEAM_IDS,
       COL_GREEDY_IDS, COLUMNS };
static const char *const column_names[COLUMNS] = { "source", "expected", "beam", "greedy",
                                                   "source_ids", "beam_ids", "greedy_ids" };

typedef struct {
    char *cells[COLUMNS];
} heldout_row;

typedef struct {
    heldout_row *rows;
    size_t n;
    char *text; /* the file, cut into cells in place */
} heldout;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

/* Splits `line` at tabs into at most `max` cells; returns how many. */
static size_t split_tabs(char *line, char **cells, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max; n++) {
        cells[n] = p;
        p = strchr(p, '\t');
        if (!p)
            return n + 1;
        *p++ = '\0';
    }
    return n;
}

static heldout load_heldout(void)
{
    heldout h = { NULL, 0, read_file(HELDOUT) };
    int where[COLUMNS];
    char *line = h.text, *next;
    for (size_t lineno = 0; line && *line; line = next, lineno++) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *cells[32];
        const size_t n = split_tabs(line, cells, 32);
        if (lineno == 0) {
            for (int c = 0; c < COLUMNS; c++) {
                where[c] = -1;
                for (size_t k = 0; k < n; k++)
                    if (strcmp(cells[k], column_names[c]) == 0)
                        where[c] = (int)k;
                if (where[c] < 0)
                    fail_msg("%s has no column %s", HELDOUT, column_names[c]);
            }
            continue;
        }
        h.rows = realloc(h.rows, (h.n + 1) * sizeof *h.rows);
        assert_non_null(h.rows);
        for (int c = 0; c < COLUMNS; c++) {
            if ((size_t)where[c] >= n)
                fail_msg("%s line %zu has %zu cells", HELDOUT, lineno + 1, n);
            h.rows[h.n].cells[c] = cells[where[c]];
        }
        h.n++;
    }
    assert_true(h.n > 0);
    return h;
}

/* Space-separated ids into ids[0..); returns how many. */
static size_t parse_ids(const char *s, int32_t *ids, size_t cap)
{
    size_t n = 0;
    for (char *end; *s; s = end) {
        const long v = strtol(s, &end, 10);
        if (end == s)
            break;
        assert_true(n < cap);
        ids[n++] = (int32_t)v;
    }
    return n;
}

static void assert_same_ids(const char *what, size_t row, const int32_t *got, size_t n,
                            const char *want_text)
{
    int32_t want[256];
    const size_t m = parse_ids(want_text, want, 256);
    if (m != n)
        fail_msg("row %zu %s: %zu ids, transformers %zu", row, what, n, m);
    for (size_t k = 0; k < n; k++)
        if (got[k] != want[k])
            fail_msg("row %zu %s: id %zu is %d, transformers %d", row, what, k, got[k], want[k]);
}

typedef struct {
    attn_model *model;
    attn_session *session;
} demo;

/* The demo model with its linear weights packed (the default) or read as
 * stored (model option pack_weights 0). */
static demo demo_open_packed(int pack)
{
    demo d;
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "pack_weights", pack), ATTN_OK);
    if (attn_model_load(DEMO_MODEL, o, &d.model) != ATTN_OK)
        fail_msg("%s", attn_last_error());
    attn_options_free(o);
    assert_int_equal(attn_session_create(d.model, NULL, &d.session), ATTN_OK);
    return d;
}

static demo demo_open(void)
{
    return demo_open_packed(1);
}

static void demo_close(demo *d)
{
    attn_session_free(d->session);
    attn_model_free(d->model);
}

/* Translates every held-out source in one call (sub-batches of 32) with
 * num_beams `beams` (0: the generation config's) and checks text and ids
 * against column `text_col` / `ids_col`; returns the exact-match count. */
static size_t translate_all(demo *d, const heldout *h, int64_t beams, int text_col, int ids_col)
{
    const char **texts = malloc(h->n * sizeof *texts);
    assert_non_null(texts);
    for (size_t i = 0; i < h->n; i++)
        texts[i] = h->rows[i].cells[COL_SOURCE];
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "max_batch_size", 32), ATTN_OK);
    if (beams)
        assert_int_equal(attn_options_set_int(o, "num_beams", beams), ATTN_OK);
    attn_result *r;
    if (attn_translate(d->session, texts, NULL, h->n, o, &r) != ATTN_OK)
        fail_msg("%s", attn_last_error());
    assert_int_equal(attn_result_count(r), h->n);
    size_t correct = 0;
    for (size_t i = 0; i < h->n; i++) {
        const char *text;
        size_t len;
        const int32_t *ids;
        size_t n;
        assert_int_equal(attn_result_text(r, i, 0, &text, &len), ATTN_OK);
        assert_int_equal(strlen(text), len);
        if (strcmp(text, h->rows[i].cells[text_col]) != 0)
            fail_msg("row %zu '%s': '%s', transformers '%s'", i, texts[i], text,
                     h->rows[i].cells[text_col]);
        assert_int_equal(attn_result_hypothesis(r, i, 0, &ids, &n, NULL), ATTN_OK);
        assert_same_ids(column_names[ids_col], i, ids, n, h->rows[i].cells[ids_col]);
        correct += strcmp(text, h->rows[i].cells[COL_EXPECTED]) == 0;
    }
    attn_result_free(r);
    attn_options_free(o);
    free(texts);
    return correct;
}

static void test_heldout_outputs_are_transformers_outputs(void **state)
{
    (void)state;
    heldout h = load_heldout();
    demo d = demo_open();
    attn_tokenizer *source;
    assert_int_equal(attn_model_tokenizer(d.model, ATTN_TOKENIZER_SOURCE, &source), ATTN_OK);
    size_t beam_ok_ref = 0, greedy_ok_ref = 0;
    for (size_t i = 0; i < h.n; i++) {
        int32_t ids[256];
        size_t n;
        const char *src = h.rows[i].cells[COL_SOURCE];
        assert_int_equal(attn_tokenizer_encode(source, src, strlen(src), NULL, ids, 256, &n),
                         ATTN_OK);
        assert_same_ids("source_ids", i, ids, n, h.rows[i].cells[COL_SOURCE_IDS]);
        beam_ok_ref += strcmp(h.rows[i].cells[COL_BEAM], h.rows[i].cells[COL_EXPECTED]) == 0;
        greedy_ok_ref += strcmp(h.rows[i].cells[COL_GREEDY], h.rows[i].cells[COL_EXPECTED]) == 0;
    }
    attn_tokenizer_free(source);
    demo_close(&d);
    /* packed weights and weights as stored give the same outputs */
    for (int pack = 1; pack >= 0; pack--) {
        d = demo_open_packed(pack);
        /* generation_config.json asks for beam search */
        const size_t beam_ok = translate_all(&d, &h, 0, COL_BEAM, COL_BEAM_IDS);
        const size_t greedy_ok = translate_all(&d, &h, 1, COL_GREEDY, COL_GREEDY_IDS);
        print_message("pack_weights %d: held-out exact match over %zu: beam %zu, greedy %zu "
                      "(transformers %zu, %zu)\n", pack, h.n, beam_ok, greedy_ok, beam_ok_ref,
                      greedy_ok_ref);
        assert_int_equal(beam_ok, beam_ok_ref);
        assert_int_equal(greedy_ok, greedy_ok_ref);
        demo_close(&d);
    }
    free(h.rows);
    free(h.text);
}

static void test_scores_rank_the_right_date_first(void **state)
{
    (void)state;
    demo d = demo_open();
    const char *sources[] = { "samedi 3 mars 2021", "samedi 3 mars 2021", "3/3/21" };
    const char *targets[] = { "2021-03-03", "2021-03-04", "2021-03-03" };
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "max_batch_size", 2), ATTN_OK);
    attn_result *r;
    assert_int_equal(attn_score_text(d.session, sources, NULL, targets, NULL, 3, o, &r),
                     ATTN_OK);
    float score[3];
    for (size_t i = 0; i < 3; i++) {
        const float *lp;
        size_t n, m;
        const int32_t *ids;
        assert_int_equal(attn_result_hypothesis(r, i, 0, &ids, &n, &score[i]), ATTN_OK);
        assert_int_equal(attn_result_token_scores(r, i, 0, &lp, &m), ATTN_OK);
        assert_int_equal(n, m);
        double sum = 0;
        for (size_t k = 0; k < m; k++)
            sum += lp[k];
        assert_true(fabs(sum - score[i]) < 1e-4);
        assert_true(score[i] < 0 && isfinite(score[i]));
    }
    assert_true(score[0] > score[1]);
    attn_result_free(r);
    /* one pair scored alone scores as it did in the batch */
    assert_int_equal(attn_score_text(d.session, sources + 2, NULL, targets + 2, NULL, 1, NULL, &r),
                     ATTN_OK);
    float alone;
    assert_int_equal(attn_result_hypothesis(r, 0, 0, NULL, NULL, &alone), ATTN_OK);
    assert_true(fabs(alone - score[2]) < 1e-4);
    attn_result_free(r);
    attn_options_free(o);
    demo_close(&d);
}

static void test_bad_calls_name_the_problem(void **state)
{
    (void)state;
    demo d = demo_open();
    const char *texts[] = { "3 mars 2021", "bad \xff byte" };
    const char *with_null[] = { "3 mars 2021", NULL };
    const size_t lengths[] = { 11, 10 };
    attn_result *r = NULL;
    tu_assert_fails(attn_translate(NULL, texts, NULL, 1, NULL, &r), ATTN_E_INVALID_ARGUMENT,
                    "session");
    tu_assert_fails(attn_translate(d.session, texts, NULL, 0, NULL, &r),
                    ATTN_E_INVALID_ARGUMENT, "count is 0");
    tu_assert_fails(attn_translate(d.session, texts, lengths, 2, NULL, &r),
                    ATTN_E_INVALID_ARGUMENT, "text 1", "UTF-8");
    tu_assert_fails(attn_translate(d.session, with_null, NULL, 2, NULL, &r),
                    ATTN_E_INVALID_ARGUMENT, "text 1", "NULL");
    attn_options *o;
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_str(o, "src_lang", "fr"), ATTN_OK);
    tu_assert_fails(attn_translate(d.session, texts, NULL, 1, o, &r), ATTN_E_INVALID_ARGUMENT,
                    "text 0", "language code");
    attn_options_free(o);
    assert_int_equal(attn_options_create(&o), ATTN_OK);
    assert_int_equal(attn_options_set_int(o, "target", 1), ATTN_OK);
    tu_assert_fails(attn_translate(d.session, texts, NULL, 1, o, &r), ATTN_E_INVALID_ARGUMENT,
                    "target", "attn_translate");
    tu_assert_fails(attn_score_text(d.session, texts, NULL, texts, NULL, 1, o, &r),
                    ATTN_E_INVALID_ARGUMENT, "target", "attn_score_text");
    attn_options_free(o);
    tu_assert_fails(attn_score_text(d.session, texts, NULL, texts + 1, lengths + 1, 1, NULL, &r),
                    ATTN_E_INVALID_ARGUMENT, "target 0");
    assert_null(r);

    /* a result of ids has no text */
    const int32_t ids[] = { 5, 0 };
    const size_t n = 2;
    assert_int_equal(attn_generate_ids(d.session, ids, &n, 1, NULL, &r), ATTN_OK);
    const char *text;
    tu_assert_fails(attn_result_text(r, 0, 0, &text, NULL), ATTN_E_NOT_FOUND, "token ids");
    tu_assert_fails(attn_result_text(r, 1, 0, &text, NULL), ATTN_E_INVALID_ARGUMENT, "(1, 0)");
    attn_result_free(r);
    /* the calls that encode for themselves leave no decoding over the
     * encoding they freed */
    const float *logits;
    const int32_t start = 39;
    tu_assert_fails(attn_decoder_step(d.session, &start, 1, &logits), ATTN_E_INVALID_ARGUMENT,
                    "no decoding begun");
    assert_int_equal(attn_translate(d.session, texts, NULL, 1, NULL, &r), ATTN_OK);
    attn_result_free(r);
    tu_assert_fails(attn_decoder_step(d.session, &start, 1, &logits), ATTN_E_INVALID_ARGUMENT,
                    "no decoding begun");
    assert_int_equal(attn_score_text(d.session, texts, NULL, texts, NULL, 1, NULL, &r), ATTN_OK);
    attn_result_free(r);
    tu_assert_fails(attn_decoder_step(d.session, &start, 1, &logits), ATTN_E_INVALID_ARGUMENT,
                    "no decoding begun");
    demo_close(&d);

    /* a model folder without tokenizer files: loading succeeds and leaves
     * the last failure's message as it was */
    attn_model *bare;
    tu_assert_fails(attn_model_load(NULL, NULL, &bare), ATTN_E_INVALID_ARGUMENT, "path");
    char before[256];
    snprintf(before, sizeof before, "%s", attn_last_error());
    assert_int_equal(attn_model_load(ATTN_FIXTURES "/generate/trained-marian", NULL, &bare),
                     ATTN_OK);
    assert_string_equal(attn_last_error(), before);
    attn_tokenizer *none;
    tu_assert_fails(attn_model_tokenizer(bare, ATTN_TOKENIZER_SOURCE, &none), ATTN_E_NOT_FOUND,
                    "no tokenizer");
    attn_session *s;
    assert_int_equal(attn_session_create(bare, NULL, &s), ATTN_OK);
    tu_assert_fails(attn_translate(s, texts, NULL, 1, NULL, &r), ATTN_E_NOT_FOUND,
                    "attn_translate", "no tokenizer");
    attn_session_free(s);
    attn_model_free(bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heldout_outputs_are_transformers_outputs),
        cmocka_unit_test(test_scores_rank_the_right_date_first),
        cmocka_unit_test(test_bad_calls_name_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
