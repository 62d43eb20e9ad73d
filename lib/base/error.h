/* error.h - the thread-local failure message behind attn_last_error().
 * Every failing path sets it once where the problem is known and callers
 * above add context with err_prefix(); nothing here prints. */
#ifndef ATTN_BASE_ERROR_H
#define ATTN_BASE_ERROR_H

#include "attn.h"

#define ATTN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Records a message for `code` and returns `code`, so that a failing path
 * reads `return err_set(ATTN_E_FORMAT, "...", ...);`. */
attn_status err_set(attn_status code, const char *fmt, ...) ATTN_PRINTF(2, 3);

/* Prepends "<context>: " to the current message and returns `code`, so a
 * caller can say which file or object a lower layer's failure was about. */
attn_status err_prefix(attn_status code, const char *fmt, ...) ATTN_PRINTF(2, 3);

/* Shorthand for a failed allocation of `what`. */
attn_status err_no_memory(const char *what);

/* Clears the message (used by tests). */
void err_clear(void);

/* The message as it stands, copied out and put back, so that a call which
 * succeeds after an internal failure it recovered from leaves the caller's
 * last message as it was. */
#define ERR_MESSAGE_MAX 1024
void err_save(char saved[ERR_MESSAGE_MAX]);
void err_restore(const char saved[ERR_MESSAGE_MAX]);

#endif
