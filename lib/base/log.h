/* log.h - the library's only way to say something: the user's callback,
 * or nothing at all. */
#ifndef ATTN_BASE_LOG_H
#define ATTN_BASE_LOG_H

#include "base/error.h"

/* Formats one message and hands it to the installed callback if `level`
 * passes its threshold. */
void log_msg(int32_t level, const char *fmt, ...) ATTN_PRINTF(2, 3);

#endif
