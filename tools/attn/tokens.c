/* tokens.c - token ids and text in buffers that grow to fit: encoding,
 * decoding and reading ids written as text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* `data` with room for `count` items of `size` bytes (count > 0): itself
 * when it has it, else a larger block; NULL, `data` untouched, when out of
 * memory. */
static void *reserve(void *data, size_t *capacity, size_t count, size_t size)
{
    if (count <= *capacity)
        return data;
    void *grown = realloc(data, count * size);
    if (grown)
        *capacity = count;
    return grown;
}

bool cli_encode(const attn_tokenizer *tokenizer, const char *text, size_t length,
                const attn_options *options, id_buffer *out, char *error, size_t size)
{
    size_t need = length + 8; /* a first guess: most pieces are longer than a byte */
    for (int attempt = 0; attempt < 2; attempt++) {
        int32_t *ids = reserve(out->ids, &out->capacity, need, sizeof *ids);
        if (!ids) {
            snprintf(error, size, "out of memory");
            return false;
        }
        out->ids = ids;
        const attn_status st = attn_tokenizer_encode(tokenizer, text, length, options, out->ids,
                                                     out->capacity, &need);
        if (st == ATTN_OK) {
            out->count = need;
            return true;
        }
        if (st != ATTN_E_BUFFER_TOO_SMALL)
            break;
    }
    snprintf(error, size, "%s", attn_last_error());
    return false;
}

bool cli_decode(const attn_tokenizer *tokenizer, const int32_t *ids, size_t count,
                const attn_options *options, text_buffer *out, char *error, size_t size)
{
    size_t need = 4 * count + 16;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *text = reserve(out->text, &out->capacity, need + 1, 1);
        if (!text) {
            snprintf(error, size, "out of memory");
            return false;
        }
        out->text = text;
        const attn_status st = attn_tokenizer_decode(tokenizer, ids, count, options, out->text,
                                                     out->capacity, &need);
        if (st == ATTN_OK) {
            out->length = need;
            return true;
        }
        if (st != ATTN_E_BUFFER_TOO_SMALL)
            break;
    }
    snprintf(error, size, "%s", attn_last_error());
    return false;
}

static bool id_buffer_append(id_buffer *b, int32_t id)
{
    if (b->count == b->capacity) {
        int32_t *ids = reserve(b->ids, &b->capacity, b->capacity ? 2 * b->capacity : 16,
                               sizeof *ids);
        if (!ids)
            return false;
        b->ids = ids;
    }
    b->ids[b->count++] = id;
    return true;
}

bool parse_ids(const char *text, id_buffer *out, char *error, size_t size)
{
    out->count = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return true;
        char *end;
        errno = 0;
        const long long id = strtoll(p, &end, 10);
        if (end == p || (*end != '\0' && *end != ' ' && *end != '\t') || errno == ERANGE ||
            id < 0 || id > INT32_MAX) {
            const int n = (int)strcspn(p, " \t");
            snprintf(error, size, "'%.*s' is not a token id", n > 40 ? 40 : n, p);
            return false;
        }
        if (!id_buffer_append(out, (int32_t)id)) {
            snprintf(error, size, "out of memory");
            return false;
        }
        p = end;
    }
}
