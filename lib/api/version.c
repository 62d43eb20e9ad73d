/* version.c - what the loaded library is, and whether a caller built
 * against some header may use it. */
#include <stdio.h>

#include "attn.h"
#include "base/error.h"

#define ATTN_STR2(x) #x
#define ATTN_STR(x) ATTN_STR2(x)

uint32_t attn_version(void)
{
    return ATTN_VERSION_NUMBER;
}

const char *attn_version_string(void)
{
    return ATTN_STR(ATTN_VERSION_MAJOR) "." ATTN_STR(ATTN_VERSION_MINOR) "."
        ATTN_STR(ATTN_VERSION_PATCH);
}

attn_status attn_check_version(uint32_t header_version)
{
    if (header_version / 10000 == ATTN_VERSION_MAJOR && header_version <= ATTN_VERSION_NUMBER)
        return ATTN_OK;
    return err_set(ATTN_E_UNSUPPORTED,
                   "caller was built for libattn %u.%u.%u but the loaded library is %s; "
                   "the major versions must match and the library must not be older",
                   header_version / 10000, header_version / 100 % 100, header_version % 100,
                   attn_version_string());
}
