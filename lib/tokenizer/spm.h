/* spm.h - SentencePiece models (.model / .spm files): loading the
 * ModelProto, normalizing, encoding (Unigram, BPE, word, char) and decoding
 * with the semantics of the SentencePiece library. A loaded model is
 * immutable and may be used from many threads at once. */
#ifndef ATTN_TOKENIZER_SPM_H
#define ATTN_TOKENIZER_SPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"
#include "tokenizer/charsmap.h"
#include "tokenizer/strmap.h"
#include "tokenizer/text.h"
#include "tokenizer/trie.h"

enum spm_model_type { SPM_UNIGRAM = 1, SPM_BPE = 2, SPM_WORD = 3, SPM_CHAR = 4 };
enum spm_piece_type {
    SPM_NORMAL = 1, SPM_UNKNOWN = 2, SPM_CONTROL = 3,
    SPM_USER_DEFINED = 4, SPM_UNUSED = 5, SPM_BYTE = 6
};

typedef struct spm_piece {
    const char *text; /* NUL-terminated, inside spm_model.strings */
    uint32_t len;
    uint8_t type;     /* enum spm_piece_type */
    float score;
} spm_piece;

typedef struct spm_normalizer {
    charsmap rules;   /* empty when the spec has no precompiled_charsmap */
    bool add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
} spm_normalizer;

typedef struct spm_model {
    spm_piece *pieces;
    size_t n_pieces;
    char *strings;
    int model_type; /* enum spm_model_type */
    bool byte_fallback, whitespace_as_suffix, has_unused, has_denormalizer;
    int32_t unk_id, bos_id, eos_id, pad_id;
    char *unk_surface;
    spm_normalizer normalizer, denormalizer;
    strmap vocab;        /* NORMAL, USER_DEFINED and UNUSED pieces */
    strmap reserved;     /* UNKNOWN, CONTROL and BYTE pieces */
    trie vocab_trie;     /* the same pieces as `vocab`, for Unigram */
    trie user_trie;      /* USER_DEFINED pieces, matched before anything else */
    int32_t byte_ids[256];
    double *scores;      /* by id, for the Unigram lattice */
    uint8_t *kinds;      /* by id, enum unigram_kind */
    float min_score, max_score; /* over NORMAL pieces */
} spm_model;

/* The result of spm_encode, reusable across calls (zero-initialise). A
 * span's text is normalized[off, off+len); a byte-fallback piece has len 0
 * and its text is its vocabulary piece (spm_span_text). */
typedef struct spm_encoding {
    tk_str normalized;
    tk_spans spans;   /* the pieces, after unknown merging and byte fallback */
    tk_spans raw;     /* the model's segmentation */
    void *lattice, *symbols, *heap, *unused;
    size_t lattice_cap, symbols_cap, heap_cap, unused_cap;
} spm_encoding;

/* Parses a serialized ModelProto. `what` names it in messages. Errors:
 * ATTN_E_FORMAT naming the field, ATTN_E_UNSUPPORTED, ATTN_E_NO_MEMORY. */
attn_status spm_parse(const void *data, size_t len, const char *what, spm_model *out);
void spm_free(spm_model *m);

/* Encodes UTF-8 (or not: malformed bytes become U+FFFD, as SentencePiece
 * does) into enc, which is reset first and may be reused. */
attn_status spm_encode(const spm_model *m, const char *text, size_t len, spm_encoding *enc);
void spm_encoding_free(spm_encoding *enc);

/* The text of span i of an encoding, and its length. */
const char *spm_span_text(const spm_model *m, const spm_encoding *enc, size_t i, size_t *len);

/* Decodes pieces given by id (ids) or by text (pieces, with lengths), as
 * DecodeIds / DecodePieces; exactly one of ids and pieces is non-NULL.
 * Appends to *out. An id out of range is ATTN_E_INVALID_ARGUMENT. */
attn_status spm_decode(const spm_model *m, const int32_t *ids, const char *const *pieces,
                       const size_t *piece_lens, size_t n, tk_str *out);

/* The byte of a "<0xNN>" piece (upper-case hex, as ByteToPiece writes
 * it); -1 for any other text. */
int spm_piece_byte(const char *piece, size_t len);

/* The id of a piece when the model has it. */
bool spm_find_piece(const spm_model *m, const char *piece, size_t len, int32_t *id);

/* PieceToId: the id of a piece, unk_id when it is not in the model. */
int32_t spm_piece_id(const spm_model *m, const char *piece, size_t len);

#endif
