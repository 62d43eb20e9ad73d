/* huge.c - see huge.h. */
#define _DEFAULT_SOURCE /* madvise */
#include "base/huge.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

void *huge_alloc(size_t bytes)
{
    if (bytes > SIZE_MAX - HUGE_ALIGN)
        return NULL;
    /* aligned_alloc wants a multiple of the alignment */
    const size_t size = bytes == 0 ? HUGE_ALIGN : (bytes + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
    void *p = aligned_alloc(HUGE_ALIGN, size);
#ifdef MADV_HUGEPAGE
    if (p)
        madvise(p, size, MADV_HUGEPAGE); /* only advice: failing is fine */
#endif
    return p;
}
