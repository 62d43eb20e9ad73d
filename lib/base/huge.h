/* huge.h - large buffers that the kernel may back with transparent huge
 * pages, for tensors read all over at every step (packed weights, the
 * decoder's cache), where 4 KiB pages cost a TLB miss per row read. */
#ifndef ATTN_BASE_HUGE_H
#define ATTN_BASE_HUGE_H

#include <stddef.h>

/* Alignment and size unit of huge_alloc(): one x86-64 huge page. */
#define HUGE_ALIGN ((size_t)2 << 20)

/* At least `bytes` bytes (0 counts as 1), aligned to HUGE_ALIGN and advised
 * for huge pages where the system has them; NULL when out of memory or when
 * the size rounded up to HUGE_ALIGN overflows. Free with free(). */
void *huge_alloc(size_t bytes);

#endif
