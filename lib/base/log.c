/* log.c - attn_set_log_callback() and the messages sent through it. */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static attn_log_fn log_fn;
static void *log_user;
static int32_t log_max_level = ATTN_LOG_WARN;

attn_status attn_set_log_callback(attn_log_fn fn, void *user, int32_t max_level)
{
    if (max_level < ATTN_LOG_ERROR || max_level > ATTN_LOG_DEBUG)
        return err_set(ATTN_E_INVALID_ARGUMENT,
                       "attn_set_log_callback: max_level %d is not between "
                       "ATTN_LOG_ERROR (0) and ATTN_LOG_DEBUG (3)", (int)max_level);
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_user = user;
    log_max_level = max_level;
    pthread_mutex_unlock(&log_lock);
    return ATTN_OK;
}

void log_msg(int32_t level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    /* The lock is held across the call so a callback being replaced never
     * sees the old user pointer after attn_set_log_callback() returns. */
    pthread_mutex_lock(&log_lock);
    if (log_fn && level <= log_max_level) {
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        log_fn(log_user, level, line);
    }
    pthread_mutex_unlock(&log_lock);
}
