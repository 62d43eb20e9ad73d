/* mapped_file.h - a whole file's bytes, read-only: memory-mapped, or read
 * into memory when mapping is not wanted. Knows nothing of formats. */
#ifndef ATTN_IO_MAPPED_FILE_H
#define ATTN_IO_MAPPED_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "attn.h"

typedef struct {
    const unsigned char *data; /* NULL for an empty file */
    size_t size;
    bool mapped;               /* true: munmap on close; false: free */
} mf_file;

/* Opens `path` and exposes its bytes. Errors name the path:
 * ATTN_E_NOT_FOUND (missing), ATTN_E_IO (unreadable, a folder, mmap failed),
 * ATTN_E_NO_MEMORY. */
attn_status mf_open(const char *path, bool use_mmap, mf_file *out);

/* Tells the system that [p, p + bytes) will not be read for a while: in a
 * mapped file, the pages wholly inside it leave memory, to be mapped again
 * from the file if they are read. Does nothing for a file read into memory
 * or a range outside the file. */
void mf_release(const mf_file *file, const void *p, size_t bytes);

/* Releases the bytes; safe on a zeroed or already closed mf_file. */
void mf_close(mf_file *file);

#endif
