/* hf.h - Hugging Face tokenizer.json: added tokens, normalizer,
 * pre-tokenizer, model (BPE, WordPiece, Unigram), post-processor and
 * decoder, with the semantics of the `tokenizers` library. A loaded
 * tokenizer is immutable; every function below may be called from many
 * threads at once. */
#ifndef ATTN_TOKENIZER_HF_H
#define ATTN_TOKENIZER_HF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"
#include "tokenizer/text.h"

typedef struct hf_tokenizer hf_tokenizer;

/* Builds a tokenizer from a parsed tokenizer.json; `what` names the source
 * in messages. Errors: ATTN_E_FORMAT naming the field (e.g.
 * "model.merges[12]"), ATTN_E_UNSUPPORTED naming a component or pattern
 * that is not implemented, ATTN_E_NO_MEMORY. */
attn_status hf_parse(const json_t *root, const char *what, hf_tokenizer **out);
void hf_free(hf_tokenizer *tok);

/* Text (UTF-8, under 2 GiB; anything else is ATTN_E_INVALID_ARGUMENT) to
 * ids, appended to *out, with or without the post-processor's special
 * tokens, as Tokenizer.encode. */
attn_status hf_encode(const hf_tokenizer *tok, const char *text, size_t len, bool add_special,
                      tk_ids *out);

/* Ids to text appended to *out, as Tokenizer.decode. An id outside the
 * vocabulary is ATTN_E_INVALID_ARGUMENT. */
attn_status hf_decode(const hf_tokenizer *tok, const int32_t *ids, size_t n, bool skip_special,
                      tk_str *out);

/* get_vocab_size(with_added_tokens=True). */
size_t hf_vocab_size(const hf_tokenizer *tok);

/* The token string of an id (model vocabulary or added token). */
bool hf_id_to_piece(const hf_tokenizer *tok, int32_t id, const char **piece, size_t *len);
bool hf_piece_to_id(const hf_tokenizer *tok, const char *piece, size_t len, int32_t *id);

/* Whether the id is an added token marked special. */
bool hf_is_special(const hf_tokenizer *tok, int32_t id);

#endif
