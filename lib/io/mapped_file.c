/* mapped_file.c - see mapped_file.h. */
#define _DEFAULT_SOURCE /* madvise; POSIX's posix_madvise drops nothing on Linux */
#include "io/mapped_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

static attn_status mf_read_all(int fd, const char *path, size_t size, mf_file *out)
{
    unsigned char *buf = malloc(size);
    if (!buf)
        return err_set(ATTN_E_NO_MEMORY, "%s: out of memory reading %zu bytes", path, size);
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return err_set(ATTN_E_IO, "%s: read failed at byte %zu: %s", path, done,
                           n < 0 ? strerror(errno) : "file shrank while reading");
        }
        done += (size_t)n;
    }
    out->data = buf;
    out->mapped = false;
    return ATTN_OK;
}

attn_status mf_open(const char *path, bool use_mmap, mf_file *out)
{
    struct stat sb;
    attn_status st = ATTN_OK;

    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(errno == ENOENT ? ATTN_E_NOT_FOUND : ATTN_E_IO, "%s: cannot open: %s",
                       path, strerror(errno));
    if (fstat(fd, &sb) != 0) {
        st = err_set(ATTN_E_IO, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = err_set(ATTN_E_IO, "%s: not a regular file", path);
        goto done;
    }
    if ((uintmax_t)sb.st_size > SIZE_MAX) {
        st = err_set(ATTN_E_IO, "%s: too large for this address space", path);
        goto done;
    }
    out->size = (size_t)sb.st_size;
    if (out->size == 0)
        goto done;
    if (!use_mmap) {
        st = mf_read_all(fd, path, out->size, out);
        goto done;
    }
    void *map = mmap(NULL, out->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        st = err_set(ATTN_E_IO, "%s: mmap of %zu bytes failed: %s", path, out->size,
                     strerror(errno));
        goto done;
    }
    out->data = map;
    out->mapped = true;
done:
    close(fd);
    if (st != ATTN_OK)
        memset(out, 0, sizeof *out);
    return st;
}

void mf_release(const mf_file *file, const void *p, size_t bytes)
{
    const uintptr_t begin = (uintptr_t)file->data, end = begin + file->size;
    uintptr_t from = (uintptr_t)p, to = from + bytes;
    if (!file->mapped || from < begin || to > end || to < from)
        return;
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    from = (from + page - 1) / page * page;
    to = to / page * page;
    if (from < to)
        madvise((void *)from, to - from, MADV_DONTNEED); /* advice: failing loses nothing */
}

void mf_close(mf_file *file)
{
    if (file->data) {
        if (file->mapped)
            munmap((void *)file->data, file->size);
        else
            free((void *)file->data);
    }
    memset(file, 0, sizeof *file);
}
