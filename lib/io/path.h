/* path.h - the few file-system path helpers the loaders share. */
#ifndef ATTN_IO_PATH_H
#define ATTN_IO_PATH_H

#include <stdbool.h>

/* "dir/name" in a new string (free() it), or NULL when out of memory. */
char *path_join(const char *dir, const char *name);

/* True if `dir/name` exists (any kind of file). */
bool path_exists_in(const char *dir, const char *name);

/* True if `name` is a relative path that cannot leave the folder it is
 * resolved against: not empty, not absolute, no ".." component. */
bool path_is_contained(const char *name);

#endif
