/* hf_pretokenize.c - tokenizer.json pre-tokenizers: each pass rewrites the
 * list of pieces, splitting the ones that are not added tokens. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

static const char *const pretok_types[] = {
    "Sequence", "ByteLevel", "Metaspace", "BertPreTokenizer", "Whitespace", "WhitespaceSplit",
    "Digits", "Punctuation", "Split", "CharDelimiterSplit", NULL,
};

static const char *const behaviors[] = {
    "Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous", NULL,
};

static const char *const schemes[] = { "always", "first", "never", NULL };

/* ---- parsing ---- */

attn_status hf_metaspace_parse(const json_t *j, const char *path, uint32_t *replacement,
                               hf_prepend_scheme *scheme, bool *split)
{
    int k;
    const json_t *add_prefix_space;
    char where[HF_PATH_MAX];
    attn_status st = hfj_char(j, path, "replacement", replacement);
    if (st == ATTN_OK)
        st = hfj_name(j, path, "prepend_scheme", schemes, HF_PREPEND_ALWAYS, &k);
    if (st == ATTN_OK)
        st = hfj_bool(j, path, "split", 1, split);
    if (st == ATTN_OK)
        st = hfj_member(j, path, "add_prefix_space", JSON_TRUE, false, &add_prefix_space);
    if (st != ATTN_OK)
        return st;
    /* The older add_prefix_space: false only agrees with "never". */
    if (add_prefix_space && !json_is_true(add_prefix_space) && k != HF_PREPEND_NEVER)
        return err_set(ATTN_E_FORMAT, "%s: false does not match prepend_scheme \"%s\"",
                       hfj_key_path(where, path, "add_prefix_space"), schemes[k]);
    *scheme = (hf_prepend_scheme)k;
    return ATTN_OK;
}

static attn_status parse_metaspace(const json_t *j, const char *path, hf_pretokenizer *out)
{
    uint32_t cp;
    attn_status st = hf_metaspace_parse(j, path, &cp, &out->prepend_scheme, &out->split);
    if (st != ATTN_OK)
        return st;
    out->replacement_len = utf8_encode(cp, out->replacement);
    return hf_pattern_literal(out->replacement, out->replacement_len, &out->pattern);
}

static attn_status parse_split(const json_t *j, const char *path, hf_pretokenizer *out)
{
    const json_t *pattern;
    int behavior;
    char where[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "pattern", JSON_OBJECT, true, &pattern);
    if (st == ATTN_OK)
        st = hf_pattern_parse(pattern, hfj_key_path(where, path, "pattern"), &out->pattern);
    if (st == ATTN_OK)
        st = hfj_name(j, path, "behavior", behaviors, -1, &behavior);
    if (st == ATTN_OK) {
        out->behavior = (hf_behavior)behavior;
        st = hfj_bool(j, path, "invert", -1, &out->invert);
    }
    return st;
}

static attn_status parse_sequence(const json_t *j, const char *path, int depth,
                                  hf_pretokenizer *out)
{
    const json_t *list;
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "pretokenizers", JSON_ARRAY, true, &list);
    if (st != ATTN_OK)
        return st;
    hfj_key_path(where, path, "pretokenizers");
    out->items = calloc(json_array_size(list) + 1, sizeof *out->items);
    if (!out->items)
        return err_no_memory("a pre-tokenizer sequence");
    for (size_t i = 0; i < json_array_size(list) && st == ATTN_OK; i++) {
        st = hf_pretokenizer_parse(json_array_get(list, i), hfj_index_path(item, where, i),
                                   depth + 1, &out->items[i]);
        out->n_items = i + 1;
    }
    return st;
}

attn_status hf_pretokenizer_parse(const json_t *j, const char *path, int depth,
                                  hf_pretokenizer *out)
{
    int kind, behavior;
    uint32_t cp;
    char c[4];
    *out = (hf_pretokenizer){ 0 };
    if (depth >= HF_MAX_DEPTH)
        return err_set(ATTN_E_UNSUPPORTED, "%s: Sequences nested deeper than %d", path,
                       HF_MAX_DEPTH);
    attn_status st = hfj_type(j, path, pretok_types, &kind);
    if (st != ATTN_OK)
        return st;
    out->kind = (hf_pretok_kind)kind;
    switch (out->kind) {
    case HF_PRE_SEQUENCE:
        return parse_sequence(j, path, depth, out);
    case HF_PRE_BYTE_LEVEL:
        st = hfj_bool(j, path, "add_prefix_space", -1, &out->add_prefix_space);
        return st == ATTN_OK ? hfj_bool(j, path, "use_regex", 1, &out->use_regex) : st;
    case HF_PRE_METASPACE:
        return parse_metaspace(j, path, out);
    case HF_PRE_DIGITS:
        return hfj_bool(j, path, "individual_digits", -1, &out->individual_digits);
    case HF_PRE_PUNCTUATION:
        st = hfj_name(j, path, "behavior", behaviors, HF_ISOLATED, &behavior);
        out->behavior = (hf_behavior)behavior;
        return st;
    case HF_PRE_SPLIT:
        return parse_split(j, path, out);
    case HF_PRE_DELIMITER:
        st = hfj_char(j, path, "delimiter", &cp);
        return st == ATTN_OK ? hf_pattern_literal(c, utf8_encode(cp, c), &out->pattern) : st;
    default:
        return ATTN_OK;
    }
}

void hf_pretokenizer_free(hf_pretokenizer *pt)
{
    for (size_t i = 0; i < pt->n_items; i++)
        hf_pretokenizer_free(&pt->items[i]);
    free(pt->items);
    hf_pattern_free(&pt->pattern);
    *pt = (hf_pretokenizer){ 0 };
}

/* ---- applying ---- */

/* What one pass does to one piece: append its parts to *out. */
typedef attn_status (*piece_fn)(const hf_pretokenizer *pt, hf_work *w, hf_piece p,
                                hf_pieces *out);

/* PreTokenizedString::split: every piece that is not an added token goes
 * through fn; empty results are dropped. */
static attn_status each_piece(const hf_pretokenizer *pt, hf_work *w, piece_fn fn)
{
    attn_status st = ATTN_OK;
    w->spare.n = 0;
    for (size_t i = 0; i < w->pieces.n && st == ATTN_OK; i++) {
        hf_piece p = w->pieces.v[i];
        st = p.id >= 0 ? hf_pieces_push(&w->spare, p) : fn(pt, w, p, &w->spare);
    }
    hf_pieces t = w->pieces;
    w->pieces = w->spare;
    w->spare = t;
    return st;
}

static attn_status split_on(hf_work *w, hf_piece p, const hf_pattern *pattern, bool invert,
                            hf_behavior b, hf_pieces *out)
{
    attn_status st = hf_find_matches(w, pattern, w->text + p.off, p.len, invert);
    return st == ATTN_OK ? hf_split_matches(w, &p, b, out) : st;
}

static const hf_pattern pat_gpt2 = { HF_PAT_GPT2, NULL, 0 };
static const hf_pattern pat_words = { HF_PAT_WORDS, NULL, 0 };
static const hf_pattern pat_whitespace = { HF_PAT_WHITESPACE, NULL, 0 };
static const hf_pattern pat_punctuation = { HF_PAT_PUNCTUATION, NULL, 0 };
static const hf_pattern pat_numeric = { HF_PAT_NUMERIC, NULL, 0 };

static attn_status byte_level_split(const hf_pretokenizer *pt, hf_work *w, hf_piece p,
                                    hf_pieces *out)
{
    attn_status st = ATTN_OK;
    if (pt->add_prefix_space && (p.len == 0 || w->text[p.off] != ' '))
        st = hf_prepend(w, &p, " ", 1);
    if (st != ATTN_OK)
        return st;
    if (pt->use_regex)
        return split_on(w, p, &pat_gpt2, false, HF_ISOLATED, out);
    return p.len ? hf_pieces_push(out, p) : ATTN_OK;
}

static attn_status byte_level_map(const hf_pretokenizer *pt, hf_work *w, hf_piece p,
                                  hf_pieces *out)
{
    (void)pt;
    attn_status st = hf_byte_level_map(w, &p);
    return st == ATTN_OK && p.len ? hf_pieces_push(out, p) : st;
}

static attn_status metaspace(const hf_pretokenizer *pt, hf_work *w, hf_piece p, hf_pieces *out)
{
    static const hf_pattern space = { HF_PAT_LITERAL, " ", 1 };
    attn_status st = hf_replace(w, &p, &space, pt->replacement, pt->replacement_len);
    if (st != ATTN_OK)
        return st;
    bool starts = p.len >= pt->replacement_len &&
                  memcmp(w->text + p.off, pt->replacement, pt->replacement_len) == 0;
    bool prepend = pt->prepend_scheme == HF_PREPEND_ALWAYS ||
                   (pt->prepend_scheme == HF_PREPEND_FIRST && p.at_input_start);
    if (!starts && prepend)
        st = hf_prepend(w, &p, pt->replacement, pt->replacement_len);
    if (st != ATTN_OK)
        return st;
    if (pt->split)
        return split_on(w, p, &pt->pattern, false, HF_MERGED_WITH_NEXT, out);
    return p.len ? hf_pieces_push(out, p) : ATTN_OK;
}

static attn_status on_whitespace(const hf_pretokenizer *pt, hf_work *w, hf_piece p,
                                 hf_pieces *out)
{
    (void)pt;
    return split_on(w, p, &pat_whitespace, false, HF_REMOVED, out);
}

static attn_status on_punctuation(const hf_pretokenizer *pt, hf_work *w, hf_piece p,
                                  hf_pieces *out)
{
    hf_behavior b = pt->kind == HF_PRE_PUNCTUATION ? pt->behavior : HF_ISOLATED;
    return split_on(w, p, &pat_punctuation, false, b, out);
}

static attn_status on_words(const hf_pretokenizer *pt, hf_work *w, hf_piece p, hf_pieces *out)
{
    (void)pt;
    return split_on(w, p, &pat_words, true, HF_REMOVED, out);
}

static attn_status on_digits(const hf_pretokenizer *pt, hf_work *w, hf_piece p, hf_pieces *out)
{
    hf_behavior b = pt->individual_digits ? HF_ISOLATED : HF_CONTIGUOUS;
    return split_on(w, p, &pat_numeric, false, b, out);
}

static attn_status on_pattern(const hf_pretokenizer *pt, hf_work *w, hf_piece p,
                              hf_pieces *out)
{
    hf_behavior b = pt->kind == HF_PRE_DELIMITER ? HF_REMOVED : pt->behavior;
    return split_on(w, p, &pt->pattern, pt->invert, b, out);
}

attn_status hf_pretokenize(const hf_pretokenizer *pt, hf_work *w)
{
    attn_status st = ATTN_OK;
    switch (pt->kind) {
    case HF_PRE_SEQUENCE:
        for (size_t i = 0; i < pt->n_items && st == ATTN_OK; i++)
            st = hf_pretokenize(&pt->items[i], w);
        return st;
    case HF_PRE_BYTE_LEVEL:
        st = each_piece(pt, w, byte_level_split);
        return st == ATTN_OK ? each_piece(pt, w, byte_level_map) : st;
    case HF_PRE_METASPACE:
        return each_piece(pt, w, metaspace);
    case HF_PRE_BERT:
        st = each_piece(pt, w, on_whitespace);
        return st == ATTN_OK ? each_piece(pt, w, on_punctuation) : st;
    case HF_PRE_WHITESPACE:
        return each_piece(pt, w, on_words);
    case HF_PRE_WHITESPACE_SPLIT:
        return each_piece(pt, w, on_whitespace);
    case HF_PRE_DIGITS:
        return each_piece(pt, w, on_digits);
    case HF_PRE_PUNCTUATION:
        return each_piece(pt, w, on_punctuation);
    case HF_PRE_SPLIT:
    case HF_PRE_DELIMITER:
        return each_piece(pt, w, on_pattern);
    }
    return ATTN_OK;
}
