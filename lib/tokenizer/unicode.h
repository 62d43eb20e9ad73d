/* unicode.h - the Unicode properties, case mapping, normalization and
 * grapheme segmentation that tokenizer.json needs, each as the library
 * `tokenizers` 0.20.3 defines it (its crates carry different Unicode
 * versions). The only module that talks to utf8proc. */
#ifndef ATTN_TOKENIZER_UNICODE_H
#define ATTN_TOKENIZER_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most code points one character lowercases or decomposes to. */
#define UC_LOWER_MAX 3
#define UC_DECOMPOSE_MAX 18

/* White_Space: Rust's char::is_whitespace, regex's and Oniguruma's \s. */
bool uc_is_white_space(uint32_t cp);

/* General category L* and N* as Oniguruma's \p{L} and \p{N} see them. */
bool uc_is_letter(uint32_t cp);
bool uc_is_number(uint32_t cp);

/* N*, as Rust's char::is_numeric sees it. */
bool uc_is_numeric(uint32_t cp);

/* The regex crate's \w: Alphabetic, marks, Nd, Pc and Join_Control. */
bool uc_is_word(uint32_t cp);

/* unicode_categories' P*, C* and Mn, which BERT's components use. */
bool uc_is_punctuation(uint32_t cp);
bool uc_is_other(uint32_t cp);
bool uc_is_nonspacing_mark(uint32_t cp);

/* Any mark (M*), as StripAccents tests it. */
bool uc_is_mark(uint32_t cp);

/* Rust's char::to_lowercase: writes 1..UC_LOWER_MAX code points. */
size_t uc_to_lower(uint32_t cp, uint32_t out[UC_LOWER_MAX]);

/* The full canonical (or, with `compat`, compatibility) decomposition of
 * one character, not reordered: 1..UC_DECOMPOSE_MAX code points. */
size_t uc_decompose(uint32_t cp, bool compat, uint32_t out[UC_DECOMPOSE_MAX]);
uint8_t uc_combining_class(uint32_t cp);

/* The primary composite of starter `a` and `b`, if there is one. */
bool uc_compose(uint32_t a, uint32_t b, uint32_t *out);

/* Whether an extended grapheme cluster boundary lies between `prev` and
 * `next`; `state` starts at 0 for each text and carries context. */
bool uc_grapheme_break(uint32_t prev, uint32_t next, int32_t *state);

#endif
