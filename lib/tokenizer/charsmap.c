/* charsmap.c - walking a darts-clone double array. A unit packs a label
 * (byte 0..7 and bit 31), a leaf flag (bit 8) and an offset (bits 10..31,
 * scaled by 2^8 when bit 9 is set); a leaf's unit holds the value in its
 * low 31 bits. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/charsmap.h"

static uint32_t cm_offset(uint32_t u)
{
    return (u >> 10) << ((u & (1u << 9)) >> 6);
}

static uint32_t cm_label(uint32_t u)
{
    return u & 0x800000FFu;
}

attn_status charsmap_parse(const void *blob, size_t len, charsmap *out)
{
    const unsigned char *b = blob;
    *out = (charsmap){ 0 };
    if (len < 4)
        return err_set(ATTN_E_FORMAT, "precompiled_charsmap is %zu bytes, too short", len);
    uint32_t trie_size = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                         (uint32_t)b[3] << 24;
    if (trie_size > len - 4 || trie_size % 4 != 0 || trie_size == 0)
        return err_set(ATTN_E_FORMAT,
                       "precompiled_charsmap: trie size %u does not fit the %zu-byte blob",
                       trie_size, len);
    out->n_units = trie_size / 4;
    out->normalized_len = len - 4 - trie_size;
    out->units = malloc(trie_size);
    out->normalized = malloc(out->normalized_len + 1);
    if (!out->units || !out->normalized) {
        charsmap_free(out);
        return err_no_memory("a normalization table");
    }
    for (size_t i = 0; i < out->n_units; i++) {
        const unsigned char *p = b + 4 + 4 * i;
        out->units[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                        (uint32_t)p[3] << 24;
    }
    memcpy(out->normalized, b + 4 + trie_size, out->normalized_len);
    out->normalized[out->normalized_len] = '\0'; /* a value cannot run off the end */
    return ATTN_OK;
}

const char *charsmap_match(const charsmap *m, const char *s, size_t n, bool longest, size_t *len)
{
    if (!m->units)
        return NULL;
    const char *found = NULL;
    size_t pos = cm_offset(m->units[0]);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        pos ^= c;
        if (pos >= m->n_units || cm_label(m->units[pos]) != c)
            break;
        uint32_t u = m->units[pos];
        pos ^= cm_offset(u);
        if (!((u >> 8) & 1))
            continue;
        if (pos >= m->n_units)
            break;
        uint32_t value = m->units[pos] & 0x7FFFFFFFu;
        if (value <= m->normalized_len) { /* normalized_len: the added NUL */
            found = m->normalized + value;
            *len = i + 1;
            if (!longest)
                break;
        }
    }
    return found;
}

void charsmap_free(charsmap *m)
{
    free(m->units);
    free(m->normalized);
    *m = (charsmap){ 0 };
}
