/* tokenizer.h - one tokenizer of any kind behind one interface: a bare
 * SentencePiece model, a tokenizer.json, or a model family's slow
 * tokenizer (SentencePiece plus the family's ids, special tokens and
 * language codes, as transformers defines them). Immutable once loaded. */
#ifndef ATTN_TOKENIZER_TOKENIZER_H
#define ATTN_TOKENIZER_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"
#include "tokenizer/text.h"

typedef struct tokenizer tokenizer;

/* Loads the tokenizer of a model folder (`target` picks the decoder side
 * where the two differ), or a single .model/.spm or tokenizer.json file.
 * Errors: ATTN_E_NOT_FOUND when the folder has no tokenizer files,
 * ATTN_E_FORMAT, ATTN_E_UNSUPPORTED, ATTN_E_IO, ATTN_E_NO_MEMORY. */
attn_status tokenizer_load(const char *path, bool target, tokenizer **out);
void tokenizer_free(tokenizer *tok);

/* The kind, e.g. "sentencepiece", "tokenizer.json", "marian". */
const char *tokenizer_kind(const tokenizer *tok);

typedef struct tokenizer_encode_args {
    bool add_special_tokens;
    const char *lang; /* src_lang or tgt_lang; NULL: the tokenizer's default */
} tokenizer_encode_args;

attn_status tokenizer_encode(const tokenizer *tok, const char *text, size_t len,
                             const tokenizer_encode_args *args, tk_ids *out);
attn_status tokenizer_decode(const tokenizer *tok, const int32_t *ids, size_t n,
                             bool skip_special_tokens, tk_str *out);

size_t tokenizer_vocab_size(const tokenizer *tok);
bool tokenizer_id_to_piece(const tokenizer *tok, int32_t id, const char **piece, size_t *len);
bool tokenizer_piece_to_id(const tokenizer *tok, const char *piece, size_t len, int32_t *id);

/* Whether it was loaded as a folder's target-side tokenizer. */
bool tokenizer_is_target(const tokenizer *tok);

/* Whether the tokenizer takes a language code (mBART, NLLB, M2M100). */
bool tokenizer_has_languages(const tokenizer *tok);

/* The token id of a language code ("fra_Latn", "fr" for M2M100's
 * "__fr__"). Errors: ATTN_E_INVALID_ARGUMENT (a tokenizer without
 * languages, an unknown code). */
attn_status tokenizer_language_id(const tokenizer *tok, const char *code, int32_t *id);

#endif
