/* fuzz_util.c - see fuzz.h. */
#define _XOPEN_SOURCE 700
#include "fuzz.h"

#include <ftw.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/text.h"

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (last error: %s)\n", attn_last_error());
    va_end(ap);
    abort();
}

uint64_t fuzz_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void fuzz_add(fuzz_corpus *c, const void *prefix, size_t prefix_len, const void *data,
              size_t size)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        FUZZ_CHECK(c->v, "out of memory");
    }
    /* One spare byte: malloc(0) may return NULL. */
    uint8_t *p = malloc(prefix_len + size + 1);
    FUZZ_CHECK(p, "out of memory");
    if (prefix_len)
        memcpy(p, prefix, prefix_len);
    if (size)
        memcpy(p + prefix_len, data, size);
    c->v[c->n++] = (fuzz_input){ p, prefix_len + size };
}

void fuzz_corpus_free(fuzz_corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].data);
    free(c->v);
    *c = (fuzz_corpus){ 0 };
}

const char *fuzz_fixture(const char *rel)
{
    static char path[4096];
    int n = snprintf(path, sizeof path, "%s/tokenizers/%s", ATTN_FIXTURES, rel);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof path, "path too long: %s", rel);
    return path;
}

uint8_t *fuzz_read_fixture(const char *rel, size_t *size)
{
    const char *path = fuzz_fixture(rel);
    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap + 1);
    FUZZ_CHECK(buf, "out of memory");
    for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            FUZZ_CHECK(buf, "out of memory");
        }
    }
    FUZZ_CHECK(!ferror(f), "cannot read %s", path);
    fclose(f);
    buf[n] = '\0';
    *size = n;
    return buf;
}

static char scratch[4096];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_scratch(void)
{
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_scratch_dir(void)
{
    if (scratch[0])
        return scratch;
    const char *base = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/attn-fuzz-XXXXXX", base && *base ? base : "/tmp");
    FUZZ_CHECK(mkdtemp(scratch), "cannot create %s", scratch);
    atexit(remove_scratch);
    return scratch;
}

void fuzz_write(const char *dir, const char *name, const void *data, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f, "cannot create %s", path);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

const char *const fuzz_texts[] = {
    "",
    " ",
    "Hello world! The quick brown fox.",
    "  leading and   inner  spaces\t\n",
    "caf\xC3\xA9 na\xC3\xAFve \xC3\x85ngstr\xC3\xB6m",
    "\xE4\xB8\xAD\xE5\x8D\x8E 123 \xF0\x9F\x98\x80\xE2\x80\x8D",
    "<unk></s><s><pad> __en__ >>fr<< en_XX",
};
const size_t fuzz_n_texts = sizeof fuzz_texts / sizeof *fuzz_texts;

/* Options of one encode or decode call (NULL for none). */
static attn_options *options_with(const char *name, int64_t value)
{
    attn_options *opts = NULL;
    FUZZ_CHECK(attn_options_create(&opts) == ATTN_OK &&
               attn_options_set_int(opts, name, value) == ATTN_OK, "options");
    return opts;
}

/* Encodes through the buffer protocol: a first call without a buffer,
 * then one a token short of what it asked for and one with exactly that. */
static attn_status encode_sized(const attn_tokenizer *tok, const uint8_t *text, size_t len,
                                const attn_options *opts, int32_t **ids, size_t *count)
{
    static const uint8_t empty[1];
    const char *s = (const char *)(len ? text : empty);
    attn_status st = attn_tokenizer_encode(tok, s, len, opts, NULL, 0, count);
    *ids = NULL;
    if (st == ATTN_OK) {
        FUZZ_CHECK(*count == 0, "OK with %zu ids and no buffer", *count);
        return st;
    }
    if (st != ATTN_E_BUFFER_TOO_SMALL)
        return st;
    FUZZ_CHECK(*count > 0, "ATTN_E_BUFFER_TOO_SMALL asking for 0 ids");
    size_t want = *count;
    *ids = malloc(want * sizeof **ids);
    FUZZ_CHECK(*ids, "out of memory");
    st = attn_tokenizer_encode(tok, s, len, opts, *ids, want - 1, count);
    FUZZ_CHECK(st == ATTN_E_BUFFER_TOO_SMALL && *count == want,
               "capacity %zu of %zu: status %d, count %zu", want - 1, want, st, *count);
    st = attn_tokenizer_encode(tok, s, len, opts, *ids, want, count);
    FUZZ_CHECK(st == ATTN_OK && *count == want, "capacity %zu: status %d, count %zu", want, st,
               *count);
    return st;
}

static void decode_sized(const attn_tokenizer *tok, const int32_t *ids, size_t n,
                         const attn_options *opts)
{
    size_t len = 0;
    attn_status st = attn_tokenizer_decode(tok, ids, n, opts, NULL, 0, &len);
    FUZZ_CHECK(st == ATTN_E_BUFFER_TOO_SMALL, "decode without a buffer: status %d", st);
    char *text = malloc(len + 1);
    FUZZ_CHECK(text, "out of memory");
    size_t want = len;
    st = attn_tokenizer_decode(tok, ids, n, opts, text, want, &len);
    FUZZ_CHECK(st == ATTN_E_BUFFER_TOO_SMALL && len == want, "decode capacity %zu: status %d",
               want, st);
    st = attn_tokenizer_decode(tok, ids, n, opts, text, want + 1, &len);
    FUZZ_CHECK(st == ATTN_OK && len == want && text[len] == '\0',
               "decode capacity %zu: status %d, length %zu", want + 1, st, len);
    free(text);
}

/* The special tokens of a tokenizer with language codes include one: its
 * target side has none by default, which encode reports. */
static bool needs_language(const attn_tokenizer *tok, attn_status st)
{
    static const char *const kinds[] = { "mbart", "mbart50", "nllb", "m2m100" };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(attn_tokenizer_kind(tok), kinds[i]) == 0)
            return st == ATTN_E_INVALID_ARGUMENT && strstr(attn_last_error(), "needs ");
    return false;
}

void fuzz_exercise(const attn_tokenizer *tok, const uint8_t *text, size_t len)
{
    bool spm = strcmp(attn_tokenizer_kind(tok), "sentencepiece") == 0;
    bool valid = utf8_valid((const char *)text, len, &(size_t){ 0 });
    attn_options *encode_opts[] = { NULL, options_with("add_special_tokens", 0) };
    attn_options *decode_opts[] = { NULL, options_with("skip_special_tokens", 1) };
    for (size_t k = 0; k < 2; k++) {
        int32_t *ids;
        size_t count;
        attn_status st = encode_sized(tok, text, len, encode_opts[k], &ids, &count);
        attn_status want = valid || spm ? ATTN_OK : ATTN_E_INVALID_ARGUMENT;
        if (k == 0 && valid && needs_language(tok, st))
            continue;
        FUZZ_CHECK(st == want, "%s: encode of %zu bytes (%s UTF-8): status %d",
                   attn_tokenizer_kind(tok), len, valid ? "valid" : "invalid", st);
        for (size_t i = 0; i < count && st == ATTN_OK; i++) {
            size_t piece_len;
            attn_status found = attn_tokenizer_id_to_piece(tok, ids[i], NULL, 0, &piece_len);
            FUZZ_CHECK(found == ATTN_E_BUFFER_TOO_SMALL, "encode gave id %d, which has no piece",
                       ids[i]);
        }
        for (size_t d = 0; d < 2 && st == ATTN_OK; d++)
            decode_sized(tok, ids, count, decode_opts[d]);
        free(ids);
    }
    attn_options_free(encode_opts[1]);
    attn_options_free(decode_opts[1]);
}

/* ---- JSON mutations --------------------------------------------------- */

static size_t children(const json_t *j)
{
    return json_is_object(j) ? json_object_size(j) : json_is_array(j) ? json_array_size(j) : 0;
}

static json_t *child(json_t *j, size_t i, const char **key)
{
    if (json_is_array(j))
        return json_array_get(j, i);
    void *it = json_object_iter(j);
    while (i-- > 0)
        it = json_object_iter_next(j, it);
    *key = json_object_iter_key(it);
    return json_object_iter_value(it);
}

/* A random walk from the root that stops at each level with probability
 * 1/3, so the few fields of a component are picked about as often as the
 * thousands of vocabulary entries. Returns the node, its parent (NULL for
 * the root) and its place there. */
static json_t *pick(json_t *root, uint64_t *rng, json_t **parent, size_t *index,
                    const char **key)
{
    json_t *j = root;
    *parent = NULL;
    while (children(j) > 0 && (!*parent || fuzz_random(rng) % 3 != 0)) {
        *parent = j;
        *index = (size_t)(fuzz_random(rng) % children(j));
        j = child(j, *index, key);
    }
    return j;
}

static json_t *random_scalar(uint64_t *rng, json_t *root)
{
    static const char *const texts[] = {
        "null", "true", "false", "0", "-1", "1", "255", "256", "65536", "2147483647",
        "2147483648", "-2147483649", "9223372036854775807", "1e300", "-0.5", "\"\"", "\" \"",
        "\"<unk>\"", "\"\\u00e9\"", "[]", "{}", "[0]", "[\"a\", \"b\"]", "{\"type\": \"BPE\"}",
    };
    size_t n = sizeof texts / sizeof *texts;
    size_t i = (size_t)(fuzz_random(rng) % (n + 1));
    if (i == n) { /* a copy of some other node of the document */
        json_t *parent;
        size_t index;
        const char *key;
        return json_deep_copy(pick(root, rng, &parent, &index, &key));
    }
    return json_loads(texts[i], JSON_DECODE_ANY, NULL);
}

static void mutate_tree(json_t *root, uint64_t *rng)
{
    json_t *parent;
    size_t index = 0;
    const char *key = NULL;
    json_t *node = pick(root, rng, &parent, &index, &key);
    if (!parent)
        return;
    switch (fuzz_random(rng) % 4) {
    case 0: /* remove */
        if (json_is_array(parent))
            json_array_remove(parent, index);
        else
            json_object_del(parent, key);
        return;
    case 1: /* an integer nudged */
        if (json_is_integer(node)) {
            json_int_t v = json_integer_value(node);
            int64_t d = (int64_t)(fuzz_random(rng) % 5) - 2;
            json_integer_set(node, v > 0 && v < INT32_MAX ? v + d : d);
            return;
        }
        /* fall through */
    case 2: /* an array element repeated */
        if (json_is_array(parent)) {
            json_array_insert(parent, index, node);
            return;
        }
        /* fall through */
    default: { /* replaced */
        json_t *v = random_scalar(rng, root);
        if (!v)
            return;
        if (json_is_array(parent))
            json_array_set_new(parent, index, v);
        else
            json_object_set_new(parent, key, v);
    }
    }
}

size_t fuzz_mutate_json(uint8_t *data, size_t size, size_t max_size, unsigned int seed,
                        size_t skip)
{
    uint64_t rng = seed;
    json_t *root = size > skip ? json_loadb((const char *)data + skip, size - skip, 0, NULL)
                               : NULL;
    if (!root || fuzz_random(&rng) % 4 == 0) {
        json_decref(root);
        return LLVMFuzzerMutate(data, size, max_size);
    }
    for (uint64_t k = 1 + fuzz_random(&rng) % 3; k > 0; k--)
        mutate_tree(root, &rng);
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    size_t n = text ? strlen(text) : 0;
    if (text && skip + n <= max_size) {
        memcpy(data + skip, text, n);
        size = skip + n;
    }
    free(text);
    return size;
}
