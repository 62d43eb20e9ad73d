/* checked.h - size arithmetic that reports overflow instead of wrapping.
 * Every length read from a file goes through these before it is used. */
#ifndef ATTN_BASE_CHECKED_H
#define ATTN_BASE_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

/* *out = a * b; false on overflow. */
static inline bool checked_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* *out = a + b; false on overflow. */
static inline bool checked_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

#endif
