/* slow.h - the "slow" tokenizers of transformers for the SentencePiece
 * model families: Marian (pieces through vocab.json, >>xx<< codes),
 * mBART and NLLB (fairseq id offset, language codes), M2M100 (vocab.json,
 * __xx__ codes) and T5 (SentencePiece ids, sentinels). Added tokens split
 * the text first, with their lstrip/rstrip/single_word flags. */
#ifndef ATTN_TOKENIZER_SLOW_H
#define ATTN_TOKENIZER_SLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"
#include "tokenizer/spm.h"
#include "tokenizer/strmap.h"
#include "tokenizer/text.h"
#include "tokenizer/trie.h"

enum slow_family { SLOW_MARIAN, SLOW_MBART, SLOW_MBART50, SLOW_NLLB, SLOW_M2M100, SLOW_T5 };

typedef struct slow_added {
    const char *content;
    size_t len;
    int32_t id;
    bool special, lstrip, rstrip, single_word;
    bool named; /* bos/eos/unk/sep/pad/cls/mask, never decoded apart */
} slow_added;

typedef struct slow_tokenizer {
    int family;              /* enum slow_family */
    bool target;             /* the decoder side (Marian: target.spm) */
    spm_model spm;
    spm_model decode_spm;    /* Marian's source side: target.spm decodes */
    json_t *vocab;           /* vocab.json (Marian, M2M100), owns the piece strings */
    strmap vocab_ids;        /* piece -> id */
    const char **id_pieces;  /* id -> piece, NULL for unused ids */
    size_t n_ids;
    slow_added *added;
    size_t n_added;
    json_t *added_json;      /* owns the added tokens' strings */
    trie added_trie;         /* content -> index in `added` */
    char (*lang_tokens)[16]; /* M2M100's __xx__, ids from base_vocab on */
    size_t n_langs;
    size_t base_vocab;       /* the tokenizer's vocab_size property */
    size_t size;             /* len(tokenizer) */
    int32_t eos_id, unk_id;
    int32_t lang_default;    /* the side's default language token id, or -1 */
    bool legacy_languages;   /* NLLB legacy_behaviour: language after </s> */
    bool clean_up;           /* clean_up_tokenization_spaces */
    bool t5_prefix_space;    /* T5's add_prefix_space */
} slow_tokenizer;

/* Loads the family's files from `dir`; `config` is tokenizer_config.json
 * (may be NULL). Errors: ATTN_E_FORMAT naming the file and field,
 * ATTN_E_UNSUPPORTED, ATTN_E_NOT_FOUND, ATTN_E_IO, ATTN_E_NO_MEMORY. */
attn_status slow_load(const char *dir, int family, bool target, const json_t *config,
                      slow_tokenizer *out);
void slow_free(slow_tokenizer *t);

/* The id of a language code: the token itself, or __code__ (M2M100).
 * Errors: ATTN_E_INVALID_ARGUMENT naming the code. */
attn_status slow_language_id(const slow_tokenizer *t, const char *lang, int32_t *id);

/* `lang`: a language code or its token (NULL: the default). */
attn_status slow_encode(const slow_tokenizer *t, const char *text, size_t len, bool add_special,
                        const char *lang, tk_ids *out);
attn_status slow_decode(const slow_tokenizer *t, const int32_t *ids, size_t n, bool skip_special,
                        tk_str *out);

bool slow_id_to_piece(const slow_tokenizer *t, int32_t id, const char **piece, size_t *len);
bool slow_piece_to_id(const slow_tokenizer *t, const char *piece, size_t len, int32_t *id);

#endif
