/* error.c - status names and the per-thread message of the last failure. */
#define _POSIX_C_SOURCE 200809L
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_message[ERR_MESSAGE_MAX];

const char *attn_status_string(attn_status status)
{
    switch (status) {
    case ATTN_OK: return "ok";
    case ATTN_E_INVALID_ARGUMENT: return "invalid argument";
    case ATTN_E_NOT_FOUND: return "not found";
    case ATTN_E_FORMAT: return "bad format";
    case ATTN_E_UNSUPPORTED: return "unsupported";
    case ATTN_E_NO_MEMORY: return "out of memory";
    case ATTN_E_IO: return "input/output error";
    case ATTN_E_BUFFER_TOO_SMALL: return "buffer too small";
    case ATTN_E_ABORTED: return "aborted by callback";
    case ATTN_E_INTERNAL: return "internal error";
    default: return "unknown status";
    }
}

const char *attn_last_error(void)
{
    return err_message;
}

attn_status err_set(attn_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_message, sizeof err_message, fmt, ap);
    va_end(ap);
    return code;
}

attn_status err_prefix(attn_status code, const char *fmt, ...)
{
    char message[ERR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n < sizeof message ? (size_t)n : sizeof message - 1;
    /* Append ": " and as much of the old message as fits. */
    const char *sep = ": ";
    for (const char *p = sep; *p && used + 1 < sizeof message; p++)
        message[used++] = *p;
    size_t room = sizeof message - 1 - used;
    size_t old = strnlen(err_message, sizeof err_message);
    memcpy(message + used, err_message, old < room ? old : room);
    message[used + (old < room ? old : room)] = '\0';
    memcpy(err_message, message, sizeof message);
    return code;
}

attn_status err_no_memory(const char *what)
{
    return err_set(ATTN_E_NO_MEMORY, "out of memory allocating %s", what);
}

void err_clear(void)
{
    err_message[0] = '\0';
}

void err_save(char saved[ERR_MESSAGE_MAX])
{
    memcpy(saved, err_message, ERR_MESSAGE_MAX);
}

void err_restore(const char saved[ERR_MESSAGE_MAX])
{
    memcpy(err_message, saved, ERR_MESSAGE_MAX);
}
