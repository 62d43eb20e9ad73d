/* gen_config.h - decoding settings resolved as transformers' generate()
 * resolves them: the call's options over generation_config.json (or, for
 * older folders, config.json) over GenerationConfig's defaults. */
#ifndef ATTN_DECODE_GEN_CONFIG_H
#define ATTN_DECODE_GEN_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "attn.h"

#define GEN_MAX_EOS 8
#define GEN_MAX_BEAMS 256

typedef enum { GEN_STOP_HEURISTIC, GEN_STOP_EARLY, GEN_STOP_NEVER } gen_early_stopping;

typedef struct {
    int64_t max_length, min_length; /* counting the decoder start token */
    int64_t prompt_len;             /* the start token and the target prefix */
    int64_t num_beams, num_return_sequences;
    double length_penalty;
    gen_early_stopping early_stopping;
    double repetition_penalty;
    int64_t no_repeat_ngram_size;
    /* bad_words_ids flattened: word i is bad_words[bad_start[i] .. bad_start[i+1]) */
    int32_t *bad_words;
    int64_t *bad_start;
    int64_t bad_count;
    int32_t *suppress, *begin_suppress;
    int64_t suppress_count, begin_suppress_count, begin_suppress_index;
    int32_t forced_bos, forced_eos[GEN_MAX_EOS]; /* -1: none */
    int64_t forced_eos_count;
    bool renormalize;
    bool return_scores;              /* keep each generated token's log-probability */
    bool return_attention;           /* keep each generated token's alignment */
    bool do_sample;
    double temperature, top_p;
    int64_t top_k;
    uint64_t seed;
    int32_t decoder_start, pad;
    int32_t eos[GEN_MAX_EOS];
    int64_t eos_count;
} gen_config;

/* Resolves the settings for a model whose decoder takes up to
 * `max_positions` tokens and has `vocab` output tokens, for outputs that
 * start with `prompt_len` given tokens (the start token and a target
 * prefix), which max_new_tokens and min_new_tokens count after. `file` is the
 * model's generation_config.json (or its config.json when it has none),
 * `call` the call's options as JSON (opt_to_json). Errors:
 * ATTN_E_INVALID_ARGUMENT naming the option that is of the wrong type, out
 * of range or contradicts another; ATTN_E_NO_MEMORY. Release with
 * gen_config_free(). */
attn_status gen_config_resolve(const json_t *file, json_t *call, int64_t vocab,
                               int64_t max_positions, int64_t prompt_len, gen_config *out);

void gen_config_free(gen_config *config);

#endif
