/* shim.h - the C side of package attn, included by the cgo preambles.
 *
 * attn_last_error() belongs to the OS thread, and a goroutine may move to
 * another thread between two cgo calls, so a failure's message has to be
 * read in the C call that failed. goattn_<name> calls attn_<name> and
 * returns its status together with, on failure, a malloc'd copy of the
 * message, which the Go side frees.
 *
 * Callbacks reach Go through goattn_token_fn and goattn_log_fn, which call
 * the functions export.go exports; a stream's user pointer is a
 * runtime/cgo.Handle, so C never holds a Go pointer. */
#ifndef GOATTN_SHIM_H
#define GOATTN_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <attn.h>

typedef struct goattn_err {
    attn_status status;
    char *message; /* NULL on success (or when the copy failed) */
} goattn_err;

static inline goattn_err goattn_check(attn_status status)
{
    goattn_err e = { status, NULL };
    if (status != ATTN_OK)
        e.message = strdup(attn_last_error());
    return e;
}

extern int32_t goattnToken(uintptr_t user, size_t input, int32_t token, float logprob);
extern void goattnLog(int32_t level, char *message);

static inline int32_t goattn_token_fn(void *user, size_t input, int32_t token, float logprob)
{
    return goattnToken((uintptr_t)user, input, token, logprob);
}

static inline void goattn_log_fn(void *user, int32_t level, const char *message)
{
    (void)user;
    goattnLog(level, (char *)message);
}

/* Defines go<fn>(params), which calls fn(args). */
#define GOATTN_SHIM(fn, params, args) \
    static inline goattn_err go##fn params { return goattn_check(fn args); }

GOATTN_SHIM(attn_check_version, (void), (ATTN_VERSION_NUMBER))
GOATTN_SHIM(attn_set_log_callback, (int on, int32_t max_level),
            (on ? goattn_log_fn : NULL, NULL, max_level))

GOATTN_SHIM(attn_options_create, (attn_options **out), (out))
GOATTN_SHIM(attn_options_set_int, (attn_options *o, const char *name, int64_t value),
            (o, name, value))
GOATTN_SHIM(attn_options_set_float, (attn_options *o, const char *name, double value),
            (o, name, value))
GOATTN_SHIM(attn_options_set_str, (attn_options *o, const char *name, const char *value),
            (o, name, value))

GOATTN_SHIM(attn_model_load, (const char *path, const attn_options *o, attn_model **out),
            (path, o, out))
GOATTN_SHIM(attn_model_get_int, (const attn_model *m, const char *name, int64_t *out),
            (m, name, out))
GOATTN_SHIM(attn_model_tokenizer, (const attn_model *m, int32_t side, attn_tokenizer **out),
            (m, side, out))
GOATTN_SHIM(attn_session_create, (attn_model *m, const attn_options *o, attn_session **out),
            (m, o, out))

GOATTN_SHIM(attn_encode, (attn_session *s, const int32_t *ids, const size_t *lengths,
                          size_t batch, attn_encoding **out),
            (s, ids, lengths, batch, out))
GOATTN_SHIM(attn_encoding_output, (const attn_encoding *e, const float **data, size_t *batch,
                                   size_t *max_len, size_t *d_model),
            (e, data, batch, max_len, d_model))
GOATTN_SHIM(attn_decoder_begin, (attn_session *s, const attn_encoding *e,
                                 const size_t *src_rows, size_t rows, size_t max_steps),
            (s, e, src_rows, rows, max_steps))
GOATTN_SHIM(attn_decoder_step, (attn_session *s, const int32_t *tokens, size_t count,
                                const float **logits),
            (s, tokens, count, logits))
GOATTN_SHIM(attn_decoder_forward, (attn_session *s, const attn_encoding *e,
                                   const int32_t *targets, size_t count, const float **logits),
            (s, e, targets, count, logits))
GOATTN_SHIM(attn_decoder_cross_attention, (attn_session *s, size_t layer,
                                           const float **weights, size_t *src_len),
            (s, layer, weights, src_len))

GOATTN_SHIM(attn_generate, (attn_session *s, const attn_encoding *e, const attn_options *o,
                            attn_result **out),
            (s, e, o, out))
GOATTN_SHIM(attn_generate_stream, (attn_session *s, const attn_encoding *e,
                                   const attn_options *o, uintptr_t user, attn_result **out),
            (s, e, o, goattn_token_fn, (void *)user, out))
GOATTN_SHIM(attn_generate_ids, (attn_session *s, const int32_t *ids, const size_t *lengths,
                                size_t batch, const attn_options *o, attn_result **out),
            (s, ids, lengths, batch, o, out))
GOATTN_SHIM(attn_stream_open, (attn_session *s, const attn_encoding *e, const attn_options *o,
                               attn_stream **out),
            (s, e, o, out))
GOATTN_SHIM(attn_stream_next, (attn_stream *st, size_t *input, int32_t *token,
                               float *logprob),
            (st, input, token, logprob))
GOATTN_SHIM(attn_score, (attn_session *s, const attn_encoding *e, const int32_t *targets,
                         const size_t *lengths, const attn_options *o, attn_result **out),
            (s, e, targets, lengths, o, out))
GOATTN_SHIM(attn_translate, (attn_session *s, const char *const *texts, const size_t *lengths,
                             size_t count, const attn_options *o, attn_result **out),
            (s, texts, lengths, count, o, out))
GOATTN_SHIM(attn_score_text, (attn_session *s, const char *const *sources,
                              const size_t *source_lengths, const char *const *targets,
                              const size_t *target_lengths, size_t count,
                              const attn_options *o, attn_result **out),
            (s, sources, source_lengths, targets, target_lengths, count, o, out))

GOATTN_SHIM(attn_result_hypothesis, (const attn_result *r, size_t i, size_t j,
                                     const int32_t **tokens, size_t *count, float *score),
            (r, i, j, tokens, count, score))
GOATTN_SHIM(attn_result_token_scores, (const attn_result *r, size_t i, size_t j,
                                       const float **logprobs, size_t *count),
            (r, i, j, logprobs, count))
GOATTN_SHIM(attn_result_alignment, (const attn_result *r, size_t i, size_t j,
                                    const float **weights, size_t *tokens, size_t *src_len),
            (r, i, j, weights, tokens, src_len))
GOATTN_SHIM(attn_result_text, (const attn_result *r, size_t i, size_t j, const char **text,
                               size_t *length),
            (r, i, j, text, length))

GOATTN_SHIM(attn_tokenizer_load, (const char *path, const attn_options *o,
                                  attn_tokenizer **out),
            (path, o, out))
GOATTN_SHIM(attn_tokenizer_encode, (const attn_tokenizer *t, const char *text, size_t length,
                                    const attn_options *o, int32_t *ids, size_t capacity,
                                    size_t *count),
            (t, text, length, o, ids, capacity, count))
GOATTN_SHIM(attn_tokenizer_decode, (const attn_tokenizer *t, const int32_t *ids, size_t count,
                                    const attn_options *o, char *text, size_t capacity,
                                    size_t *length),
            (t, ids, count, o, text, capacity, length))
GOATTN_SHIM(attn_tokenizer_id_to_piece, (const attn_tokenizer *t, int32_t id, char *piece,
                                         size_t capacity, size_t *length),
            (t, id, piece, capacity, length))
GOATTN_SHIM(attn_tokenizer_piece_to_id, (const attn_tokenizer *t, const char *piece,
                                         size_t length, int32_t *id),
            (t, piece, length, id))

#endif
