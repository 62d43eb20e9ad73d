/* hf_internal.h - what the tokenizer.json modules share: JSON reading with
 * field paths, the working text of one encode call, patterns, and each
 * component's parse / apply / free functions. Not a public interface. */
#ifndef ATTN_TOKENIZER_HF_INTERNAL_H
#define ATTN_TOKENIZER_HF_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"
#include "tokenizer/charsmap.h"
#include "tokenizer/strmap.h"
#include "tokenizer/text.h"
#include "tokenizer/trie.h"

typedef struct hf_pattern hf_pattern;

/* Sequence components nest at most this deep (real files use 2). */
#define HF_MAX_DEPTH 16
#define HF_PATH_MAX 256

/* ---- JSON fields (hf_json.c). `path` names the object, e.g.
 * "normalizer.normalizers[1]"; messages name "path.key". ---- */

/* buf = "path.key" or "path[i]" (truncated to HF_PATH_MAX). */
const char *hfj_key_path(char buf[HF_PATH_MAX], const char *path, const char *key);
const char *hfj_index_path(char buf[HF_PATH_MAX], const char *path, size_t i);

/* A member of `type` (JSON_OBJECT, JSON_ARRAY, ...); NULL when absent or
 * null and not `required`. */
attn_status hfj_member(const json_t *obj, const char *path, const char *key, json_type type,
                       bool required, const json_t **out);
/* A boolean; `fallback` < 0 makes it required. */
attn_status hfj_bool(const json_t *obj, const char *path, const char *key, int fallback,
                     bool *out);
/* A string (not copied); *s = NULL when absent or null and not required. */
attn_status hfj_string(const json_t *obj, const char *path, const char *key, bool required,
                       const char **s, size_t *len);
/* A string that is exactly one character. */
attn_status hfj_char(const json_t *obj, const char *path, const char *key, uint32_t *cp);
/* An integer in [0, max]; `fallback` < 0 makes it required. */
attn_status hfj_size(const json_t *obj, const char *path, const char *key, int64_t fallback,
                     uint64_t max, uint64_t *out);
/* The index of obj[key] among `names` (NULL-terminated); `fallback` when
 * absent, required when fallback < 0; another string is ATTN_E_FORMAT. */
attn_status hfj_name(const json_t *obj, const char *path, const char *key,
                     const char *const *names, int fallback, int *out);
/* The "type" member, which must be one of the `names` (NULL-terminated):
 * its index; ATTN_E_UNSUPPORTED for a type not listed. */
attn_status hfj_type(const json_t *obj, const char *path, const char *const *names, int *out);
/* A malloc'd NUL-terminated copy. */
attn_status hfj_dup(const char *s, size_t len, char **out);

/* ---- The working text of one encode call (hf_text.c) ----
 *
 * Every form a piece of the input takes (added-token splits, normalized
 * text, pre-tokenized words) lives in one arena. Besides its bytes the
 * arena keeps, per byte, whether it aligns with the first character of
 * its piece's original text: tokenizers' NormalizedString tracks full
 * alignments, and the only thing that reaches the ids is whether a piece
 * starts at input offset 0 (Metaspace's prepend_scheme "first"). */

typedef struct hf_piece {
    size_t off, len;     /* arena bytes */
    int32_t id;          /* >= 0: an added token, left as it is */
    bool at_input_start; /* its original text starts at input offset 0 */
} hf_piece;

typedef struct hf_pieces {
    hf_piece *v;
    size_t n, cap;
} hf_pieces;

/* One step of NormalizedString::transform: `change` 0 replaces the next
 * original character, 1 inserts, -k replaces it and removes k more. */
typedef struct hf_change {
    uint32_t cp;
    int32_t change;
} hf_change;

typedef struct hf_changes {
    hf_change *v;
    size_t n, cap;
} hf_changes;

typedef struct hf_match {
    size_t start, end;
    bool is_match;
} hf_match;

typedef struct hf_matches {
    hf_match *v;
    size_t n, cap;
} hf_matches;

typedef struct hf_work {
    char *text;      /* the arena */
    uint8_t *origin; /* per byte of text: aligns with its piece's first character */
    size_t n, text_cap, origin_cap;
    hf_pieces pieces, spare;
    hf_changes changes, spare_changes;
    hf_matches matches;
    tk_str word;     /* a model's lookup key */
    tk_spans spans;  /* Unigram's segmentation */
    void *lattice;   /* Unigram's Viterbi scratch */
    size_t lattice_cap;
    void *symbols;   /* BPE's symbols */
    void *heap;      /* BPE's merge queue */
    size_t symbols_cap, heap_cap;
} hf_work;

void hf_work_free(hf_work *w);


/* Starts the arena with the input as one piece (none when empty). */
attn_status hf_work_start(hf_work *w, const char *text, size_t len);

attn_status hf_pieces_push(hf_pieces *ps, hf_piece p);
attn_status hf_changes_push(hf_changes *cs, uint32_t cp, int32_t change);
attn_status hf_matches_push(hf_matches *ms, size_t start, size_t end, bool is_match);

/* NormalizedString::slice of bytes [start, end) of p. */
hf_piece hf_slice(const hf_work *w, const hf_piece *p, size_t start, size_t end);

/* NormalizedString::transform: rewrites p from w->changes, after skipping
 * `initial` characters. */
attn_status hf_transform(hf_work *w, hf_piece *p, size_t initial);

/* NormalizedString::replace: every match of the pattern becomes `content`. */
attn_status hf_replace(hf_work *w, hf_piece *p, const hf_pattern *pattern, const char *content,
                       size_t len);

/* NormalizedString::prepend. */
attn_status hf_prepend(hf_work *w, hf_piece *p, const char *s, size_t n);

/* Splits p where w->matches say, per SplitDelimiterBehavior, appending the
 * non-empty parts to *out. */
typedef enum hf_behavior {
    HF_REMOVED,
    HF_ISOLATED,
    HF_MERGED_WITH_PREVIOUS,
    HF_MERGED_WITH_NEXT,
    HF_CONTIGUOUS,
} hf_behavior;
attn_status hf_split_matches(hf_work *w, const hf_piece *p, hf_behavior b, hf_pieces *out);

/* The number of characters of UTF-8 text. */
size_t hf_count_chars(const char *s, size_t n);

/* Appends the code points of p's text to w->changes, each with change 0. */
attn_status hf_changes_identity(hf_work *w, const hf_piece *p);

/* ---- Patterns (hf_pattern.c): a literal string, the regexes real files
 * use (each a hand-written scanner with Oniguruma's semantics), or one
 * character of a class. ---- */

typedef enum hf_pattern_kind {
    HF_PAT_LITERAL,
    HF_PAT_GPT2,        /* 's|'t|...| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    HF_PAT_SPACES2,     /* " {2,}" */
    HF_PAT_WHITESPACES, /* \s+ */
    HF_PAT_WORDS,       /* \w+|[^\w\s]+ (Whitespace pre-tokenizer, regex crate) */
    HF_PAT_WHITESPACE,  /* one char::is_whitespace character */
    HF_PAT_PUNCTUATION, /* one ASCII or P* punctuation character */
    HF_PAT_NUMERIC,     /* one char::is_numeric character */
} hf_pattern_kind;

struct hf_pattern {
    hf_pattern_kind kind;
    char *literal; /* HF_PAT_LITERAL, owned */
    size_t len;
};

/* {"String": s} or {"Regex": r}; an unknown regex is ATTN_E_UNSUPPORTED. */
attn_status hf_pattern_parse(const json_t *j, const char *path, hf_pattern *out);
attn_status hf_pattern_literal(const char *s, size_t len, hf_pattern *out);
void hf_pattern_free(hf_pattern *p);

/* Pattern::find_matches on s[0..n) into w->matches (replacing them):
 * matches and the gaps between them, in order, covering s; `invert`
 * flips which is which. */
attn_status hf_find_matches(hf_work *w, const hf_pattern *p, const char *s, size_t n,
                            bool invert);

/* The GPT-2 byte-to-character map (bytes_char() in tokenizers). */
uint32_t hf_byte_char(unsigned char b);
/* Its inverse; -1 for a character outside the map. */
int hf_char_byte(uint32_t cp);

/* ---- Normalizers (hf_normalize.c) ---- */

typedef enum hf_norm_kind {
    HF_NORM_SEQUENCE,
    HF_NORM_NFC,
    HF_NORM_NFD,
    HF_NORM_NFKC,
    HF_NORM_NFKD,
    HF_NORM_LOWERCASE,
    HF_NORM_STRIP_ACCENTS,
    HF_NORM_BERT,
    HF_NORM_PRECOMPILED,
    HF_NORM_REPLACE,
    HF_NORM_PREPEND,
    HF_NORM_STRIP,
    HF_NORM_NMT,
    HF_NORM_BYTE_LEVEL,
} hf_norm_kind;

typedef struct hf_normalizer {
    hf_norm_kind kind;
    bool clean_text, chinese_chars, strip_accents, lowercase; /* Bert */
    bool left, right;                                         /* Strip */
    char *content;                                            /* Replace, Prepend */
    size_t content_len;
    hf_pattern pattern;                                       /* Replace */
    charsmap map;                                             /* Precompiled */
    struct hf_normalizer *items;                              /* Sequence */
    size_t n_items;
} hf_normalizer;

attn_status hf_normalizer_parse(const json_t *j, const char *path, int depth,
                                hf_normalizer *out);
attn_status hf_normalize(const hf_normalizer *n, hf_work *w, hf_piece *p);
void hf_normalizer_free(hf_normalizer *n);

/* The byte-to-character mapping of ByteLevel (normalizer and
 * pre-tokenizer alike). */
attn_status hf_byte_level_map(hf_work *w, hf_piece *p);

/* ---- Pre-tokenizers (hf_pretokenize.c); they work on w->pieces ---- */

typedef enum hf_pretok_kind {
    HF_PRE_SEQUENCE,
    HF_PRE_BYTE_LEVEL,
    HF_PRE_METASPACE,
    HF_PRE_BERT,
    HF_PRE_WHITESPACE,
    HF_PRE_WHITESPACE_SPLIT,
    HF_PRE_DIGITS,
    HF_PRE_PUNCTUATION,
    HF_PRE_SPLIT,
    HF_PRE_DELIMITER,
} hf_pretok_kind;

typedef enum hf_prepend_scheme {
    HF_PREPEND_ALWAYS,
    HF_PREPEND_FIRST,
    HF_PREPEND_NEVER,
} hf_prepend_scheme;

typedef struct hf_pretokenizer {
    hf_pretok_kind kind;
    bool add_prefix_space, use_regex;    /* ByteLevel */
    char replacement[4];                 /* Metaspace */
    size_t replacement_len;
    hf_prepend_scheme prepend_scheme;
    bool split;
    bool individual_digits;              /* Digits */
    hf_pattern pattern;                  /* Split, Delimiter, Metaspace */
    hf_behavior behavior;                /* Split, Punctuation */
    bool invert;
    struct hf_pretokenizer *items;       /* Sequence */
    size_t n_items;
} hf_pretokenizer;

attn_status hf_pretokenizer_parse(const json_t *j, const char *path, int depth,
                                  hf_pretokenizer *out);
/* Metaspace's fields, shared by the pre-tokenizer and the decoder. */
attn_status hf_metaspace_parse(const json_t *j, const char *path, uint32_t *replacement,
                               hf_prepend_scheme *scheme, bool *split);
attn_status hf_pretokenize(const hf_pretokenizer *pt, hf_work *w);
void hf_pretokenizer_free(hf_pretokenizer *pt);

/* ---- Models (hf_model.c, hf_bpe.c, hf_wordpiece.c, hf_unigram.c) ---- */

/* Pieces by id, all ids 0..n-1 present. */
typedef struct hf_vocab {
    char *pool;
    size_t *start; /* n + 1 offsets into pool */
    size_t n;
    strmap ids;    /* piece -> id */
} hf_vocab;

bool hf_vocab_piece(const hf_vocab *v, int32_t id, const char **piece, size_t *len);
bool hf_vocab_id(const hf_vocab *v, const char *piece, size_t len, int32_t *id);
/* byte_ids[b] = the id of "<0xBB>", or -1. */
void hf_vocab_byte_ids(const hf_vocab *v, int32_t byte_ids[256]);

typedef struct hf_merge_slot hf_merge_slot;

typedef struct hf_bpe {
    hf_merge_slot *merges; /* (left, right) -> (rank, merged id), open addressing */
    size_t merges_mask;
    char *unk_token;       /* NULL: none */
    int32_t unk_id;        /* -1: unk_token is not in the vocabulary */
    char *prefix, *suffix; /* NULL: none */
    size_t prefix_len, suffix_len;
    bool fuse_unk, byte_fallback, ignore_merges;
    int32_t byte_ids[256];
} hf_bpe;

typedef struct hf_wordpiece {
    trie pieces;
    char *unk_token;
    int32_t unk_id; /* -1: not in the vocabulary */
    char *prefix;
    size_t prefix_len;
    uint64_t max_chars;
} hf_wordpiece;

typedef struct hf_unigram {
    trie pieces;
    double *scores;
    double min_score;
    int32_t unk_id; /* -1: none */
    bool byte_fallback;
    int32_t byte_ids[256];
} hf_unigram;

typedef enum hf_model_kind { HF_MODEL_BPE, HF_MODEL_WORDPIECE, HF_MODEL_UNIGRAM } hf_model_kind;

typedef struct hf_model {
    hf_model_kind kind;
    hf_vocab vocab;
    union {
        hf_bpe bpe;
        hf_wordpiece wp;
        hf_unigram uni;
    } u;
} hf_model;

attn_status hf_model_parse(const json_t *j, const char *path, hf_model *out);
/* Appends the ids of one pre-tokenized word (which must not live in
 * w->word or w->spans). */
attn_status hf_model_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                              tk_ids *out);
void hf_model_free(hf_model *m);

/* A vocabulary of n pieces, ids in order; a piece listed twice maps to
 * its last id (tokenizers' Unigram does so). */
attn_status hf_vocab_init(hf_vocab *v, const char *const *pieces, const size_t *lens, size_t n);
/* A vocabulary from {"piece": id, ...} whose ids are exactly 0..n-1;
 * `path` names it. */
attn_status hf_vocab_from_object(const json_t *obj, const char *path, hf_vocab *out);
void hf_vocab_free(hf_vocab *v);

attn_status hf_bpe_parse(const json_t *j, const char *path, hf_model *m);
attn_status hf_bpe_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                            tk_ids *out);
void hf_bpe_free(hf_bpe *b);

attn_status hf_wordpiece_parse(const json_t *j, const char *path, hf_model *m);
attn_status hf_wordpiece_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                                  tk_ids *out);
void hf_wordpiece_free(hf_wordpiece *wp);

attn_status hf_unigram_parse(const json_t *j, const char *path, hf_model *m);
attn_status hf_unigram_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                                tk_ids *out);
void hf_unigram_free(hf_unigram *u);

/* ---- Post-processing (hf_postprocess.c): truncation, the post-processor
 * reduced to the single-sequence template it applies (special-token id
 * runs and copies of the sequence), padding. ---- */

typedef struct hf_template_item {
    int32_t *ids; /* NULL: the sequence itself */
    size_t n;
} hf_template_item;

typedef struct hf_postprocessor {
    hf_template_item *items;
    size_t n_items;
} hf_postprocessor;

typedef struct hf_truncation {
    bool on, left;
    uint64_t max_length, stride;
} hf_truncation;

typedef struct hf_padding {
    bool on, left, fixed;
    uint64_t length, multiple;
    int32_t pad_id;
} hf_padding;

/* Whether an id exists in the tokenizer. */
typedef bool (*hf_id_check)(const void *ctx, int64_t id);

attn_status hf_postprocessor_parse(const json_t *j, const char *path, hf_id_check known,
                                   const void *ctx, hf_postprocessor *out);
void hf_postprocessor_free(hf_postprocessor *pp);
/* "truncation" and "padding"; null or absent leaves them off. */
attn_status hf_truncation_parse(const json_t *j, const char *path, hf_truncation *out);
attn_status hf_padding_parse(const json_t *j, const char *path, hf_id_check known,
                             const void *ctx, hf_padding *out);

/* Tokenizer::post_process of one sequence: truncates *ids, then appends
 * the post-processed (pp NULL: unchanged), padded sequence to *out. */
typedef struct hf_post {
    const hf_postprocessor *pp;
    const hf_truncation *truncation;
    const hf_padding *padding;
} hf_post;
attn_status hf_postprocess(const hf_post *post, bool add_special, tk_ids *ids, tk_ids *out);

/* ---- Decoders (hf_decode.c) over a list of token strings ---- */

typedef struct hf_strs {
    tk_str text;
    size_t *end; /* token i is text[end[i-1], end[i]) */
    size_t n, cap;
} hf_strs;

attn_status hf_strs_push(hf_strs *l, const char *s, size_t len);
void hf_strs_get(const hf_strs *l, size_t i, const char **s, size_t *len);
void hf_strs_free(hf_strs *l);

typedef enum hf_dec_kind {
    HF_DEC_SEQUENCE,
    HF_DEC_BYTE_LEVEL,
    HF_DEC_METASPACE,
    HF_DEC_WORDPIECE,
    HF_DEC_BPE,
    HF_DEC_BYTE_FALLBACK,
    HF_DEC_FUSE,
    HF_DEC_STRIP,
    HF_DEC_REPLACE,
    HF_DEC_CTC,
} hf_dec_kind;

typedef struct hf_decoder {
    hf_dec_kind kind;
    char *a, *b; /* suffix / prefix / pad token / replacement content; CTC's delimiter */
    size_t a_len, b_len;
    bool cleanup;
    uint32_t cp;  /* Metaspace replacement, Strip content */
    bool drop_first_replacement; /* Metaspace: prepend_scheme is not "never" */
    uint64_t start, stop;        /* Strip */
    hf_pattern pattern;          /* Replace */
    struct hf_decoder *items;
    size_t n_items;
} hf_decoder;

attn_status hf_decoder_parse(const json_t *j, const char *path, int depth, hf_decoder *out);
/* Decoder::decode_chain: *tokens becomes the decoded list. */
attn_status hf_decode_chain(const hf_decoder *d, hf_work *w, hf_strs *tokens, hf_strs *spare);
void hf_decoder_free(hf_decoder *d);

/* ---- Added tokens (hf_added.c) ---- */

typedef struct hf_added_token {
    char *content;
    size_t len;
    int32_t id;
    bool single_word, lstrip, rstrip, normalized, special;
    bool repeated; /* empty, or an exact repeat of an earlier entry: ignored */
} hf_added_token;

typedef struct hf_added {
    hf_added_token *tokens; /* as listed in the file */
    size_t n;
    strmap by_content;      /* content -> id */
    int32_t *flags_of;      /* id -> index of the token whose options apply, or -1 */
    size_t n_ids;
    strmap special;         /* contents of special tokens -> first index */
    trie raw, normalized;   /* matched on raw / normalized text; values index: */
    int32_t *raw_ids, *normalized_ids;
    size_t unique;          /* contents not in the model vocabulary */
} hf_added;

attn_status hf_added_parse(const json_t *list, const hf_model *model,
                           const hf_normalizer *normalizer, hf_added *out);
/* The added token of an id, or NULL. */
const hf_added_token *hf_added_by_id(const hf_added *a, int32_t id);
/* Splits w->pieces on added tokens: the raw pass, then normalization of
 * the rest and the normalized pass. */
attn_status hf_added_extract(const hf_added *a, const hf_normalizer *normalizer, hf_work *w);
void hf_added_free(hf_added *a);

#endif
