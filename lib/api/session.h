/* session.h - what the rest of lib/api needs from a session beyond the
 * public functions. */
#ifndef ATTN_API_SESSION_H
#define ATTN_API_SESSION_H

#include <stdint.h>

#include "attn.h"

const attn_model *session_model(const attn_session *session);

/* The decoding's next rows are copies of rows parent[0..rows), caches
 * included; parents must read the same source as the rows they feed or
 * sit at a higher index. Allocates only the first time (a spare cache). */
attn_status session_reorder(attn_session *session, const int64_t *parent, int64_t rows);

#endif
