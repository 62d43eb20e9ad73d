/* path.c - see path.h. */
#define _POSIX_C_SOURCE 200809L
#include "io/path.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *path_join(const char *dir, const char *name)
{
    size_t dlen = strlen(dir), nlen = strlen(name);
    bool slash = dlen > 0 && dir[dlen - 1] != '/';
    char *out = malloc(dlen + slash + nlen + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, dlen);
    if (slash)
        out[dlen] = '/';
    memcpy(out + dlen + slash, name, nlen + 1);
    return out;
}

bool path_exists_in(const char *dir, const char *name)
{
    struct stat sb;
    char *path = path_join(dir, name);
    bool found = path && stat(path, &sb) == 0;
    free(path);
    return found;
}

bool path_is_contained(const char *name)
{
    if (name[0] == '\0' || name[0] == '/')
        return false;
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += len;
        if (*p == '/')
            p++;
    }
    return true;
}
