/* strmap.h - byte-string keys to int32 values (piece -> id), open
 * addressing. The map does not copy keys: they must outlive it. */
#ifndef ATTN_TOKENIZER_STRMAP_H
#define ATTN_TOKENIZER_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attn.h"

typedef struct strmap_slot {
    const char *key;
    uint32_t len;
    int32_t value;
} strmap_slot;

typedef struct strmap {
    strmap_slot *slots; /* NULL key = empty */
    size_t mask, count;
} strmap;

/* Inserts key -> value. When the key is present already the map is left
 * unchanged and *duplicate (if not NULL) says so. Errors: ATTN_E_NO_MEMORY,
 * ATTN_E_FORMAT for a key longer than 4 GiB. */
attn_status strmap_put(strmap *m, const char *key, size_t len, int32_t value, bool *duplicate);

/* The value stored for the key, or false. */
bool strmap_get(const strmap *m, const char *key, size_t len, int32_t *value);

void strmap_free(strmap *m);

#endif
