/* search.h - greedy decoding and beam search as transformers' generate()
 * runs them (4.46: _sample and BeamSearchScorer), over any decoder that can
 * step rows and reorder them. Knows nothing of the network itself. */
#ifndef ATTN_DECODE_SEARCH_H
#define ATTN_DECODE_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/gen_config.h"

/* The decoder a search drives: rows were begun reading their items'
 * sources (row r of item i for beam search: i * num_beams + r). */
typedef struct {
    void *ctx;
    /* Feeds `count` tokens per current row (rows, count) -> logits (rows,
     * count, vocab): the start token and any target prefix at first, then
     * one token a step. */
    attn_status (*step)(void *ctx, const int32_t *tokens, int64_t count, const float **logits);
    /* The next rows are copies of rows parent[0..rows) of the current ones
     * (caches included); rows may shrink as items finish. */
    attn_status (*reorder)(void *ctx, const int64_t *parent, int64_t rows);
    int64_t vocab;
    /* Optional: the alignment of the last step, (rows, src_len), when the
     * settings ask for return_attention. */
    attn_status (*alignment)(void *ctx, const float **weights);
    int64_t src_len;
    /* Optional, greedy decoding and sampling only: called with each token
     * chosen for an item; non-zero stops decoding after the current step. */
    int32_t (*on_token)(void *user, int64_t item, int32_t token, float logprob);
    void *user;
} search_decoder;

/* Hypotheses of every item: hypothesis j of item i is entry i * per_item + j,
 * best first; tokens exclude the decoder start token. */
typedef struct {
    int64_t items, per_item;
    int32_t *tokens;    /* (items * per_item, max_length) */
    int64_t *lengths;   /* (items * per_item) */
    float *scores;      /* (items * per_item): beam: the length-normalised
                           score; greedy: the sum of log-probabilities */
    float *token_scores; /* (items * per_item, max_length) log-probabilities
                            of each token, or NULL when not recorded */
    float *alignment;   /* (items * per_item, max_length, src_len) source
                           weights of each token, or NULL when not recorded */
    int64_t src_len;
    int64_t stride;     /* max_length */
} search_result;

/* Runs greedy decoding or sampling (num_beams 1) or beam search for
 * `items` inputs, each continuing its target prefix: prefix holds
 * (items, c->prompt_len - 1) tokens (NULL when there are none); sampling draws from a stream seeded by the `seed` option,
 * so a seed reproduces its output. When on_token asks to stop, returns
 * ATTN_E_ABORTED with every item's output so far in `out`.
 * Errors: from the decoder, ATTN_E_NO_MEMORY. Free with search_result_free. */
attn_status search_run(const gen_config *c, const search_decoder *dec, int64_t items,
                       const int32_t *prefix, search_result *out);

/* Allocates a result for `items` inputs of `per_item` hypotheses of up to
 * `width` tokens each, with token scores when `token_scores` and
 * alignments over `src_len` source tokens when that is not 0. */
attn_status search_result_alloc(search_result *out, int64_t items, int64_t per_item,
                                int64_t width, bool token_scores, int64_t src_len);

void search_result_free(search_result *r);

/* Copies every hypothesis of `part`, whose item i is item order[i] of
 * `all`, into `all`, which must be at least as wide. */
void search_result_merge(search_result *all, const search_result *part, const size_t *order);

/* Greedy decoding or sampling one token at a time, on demand. */
typedef struct search_stream search_stream;

/* Prepares to decode `items` inputs (num_beams must be 1); the decoder is
 * copied and must stay usable until search_stream_free. */
attn_status search_stream_open(const gen_config *c, const search_decoder *dec, int64_t items,
                               search_stream **out);

/* The next token chosen for some item, running a decoder step when the
 * last one's tokens are used up. ATTN_E_NOT_FOUND when all items are
 * finished; decoder errors otherwise. */
attn_status search_stream_next(search_stream *stream, int64_t *item, int32_t *token,
                               float *logprob);

void search_stream_free(search_stream *stream);

#endif
