/* session.h - what the rest of lib/api needs from a session beyond the
 * public functions. */
#ifndef ATTN_API_SESSION_H
#define ATTN_API_SESSION_H

#include <stdint.h>

#include "attn.h"

const attn_model *session_model(const attn_session *session);

/* Sets OpenMP's thread count for the calling thread to the session option
 * "threads" (when set) and returns the count it replaced, which
 * session_threads_restore() puts back. */
int session_threads_apply(const attn_session *session);
void session_threads_restore(int saved);

/* Forgets the decoding in progress, so that attn_decoder_step fails
 * cleanly instead of reading an encoding that the caller of this function
 * is about to free. */
void session_end_decoding(attn_session *session);

/* The decoding's next rows continue rows parent[0..rows): each takes its
 * parent's history of cached keys and values (indices into the cache, not
 * copies of it). Parents must read the same source as the rows they feed
 * or sit at a higher index. Allocates nothing. */
void session_reorder(attn_session *session, const int64_t *parent, int64_t rows);

/* Each of lengths[0..n) must be 1 to `max` tokens; *longest gets the
 * largest. The message names `function` and `what` ("sequence") and the
 * index. Errors: ATTN_E_INVALID_ARGUMENT. */
attn_status session_check_lengths(const size_t *lengths, size_t n, int64_t max,
                                  const char *function, const char *what, size_t *longest);

/* The longest source sequence the encoder takes. */
int64_t session_max_source(const attn_session *session);

#endif
