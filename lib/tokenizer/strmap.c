/* strmap.c - open-addressing hash from byte strings to int32 (FNV-1a,
 * linear probing, at most half full). */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/strmap.h"

static uint64_t strmap_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static strmap_slot *strmap_find(const strmap *m, const char *key, size_t len)
{
    size_t i = strmap_hash(key, len) & m->mask;
    for (;; i = (i + 1) & m->mask) {
        strmap_slot *s = &m->slots[i];
        if (!s->key || (s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

static attn_status strmap_rehash(strmap *m, size_t cap)
{
    strmap old = *m;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        *m = old;
        return err_no_memory("a vocabulary table");
    }
    m->mask = cap - 1;
    for (size_t i = 0; old.slots && i <= old.mask; i++)
        if (old.slots[i].key)
            *strmap_find(m, old.slots[i].key, old.slots[i].len) = old.slots[i];
    free(old.slots);
    return ATTN_OK;
}

attn_status strmap_put(strmap *m, const char *key, size_t len, int32_t value, bool *duplicate)
{
    if (len > UINT32_MAX)
        return err_set(ATTN_E_FORMAT, "a vocabulary entry is %zu bytes long", len);
    if (!m->slots || (m->count + 1) * 2 > m->mask + 1) {
        size_t cap = m->slots ? (m->mask + 1) * 2 : 64;
        if (cap > SIZE_MAX / sizeof(strmap_slot))
            return err_no_memory("a vocabulary table");
        attn_status st = strmap_rehash(m, cap);
        if (st != ATTN_OK)
            return st;
    }
    strmap_slot *s = strmap_find(m, key, len);
    if (duplicate)
        *duplicate = s->key != NULL;
    if (s->key)
        return ATTN_OK;
    *s = (strmap_slot){ key ? key : "", (uint32_t)len, value };
    m->count++;
    return ATTN_OK;
}

bool strmap_get(const strmap *m, const char *key, size_t len, int32_t *value)
{
    if (!m->slots)
        return false;
    const strmap_slot *s = strmap_find(m, key, len);
    if (!s->key)
        return false;
    *value = s->value;
    return true;
}

void strmap_free(strmap *m)
{
    free(m->slots);
    *m = (strmap){ 0 };
}
