/* fuzz_spm_model.c - SentencePiece .model bytes through spm_parse and,
 * when they parse, a few texts through spm_encode and spm_decode. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tokenizer/spm.h"

const size_t fuzz_default_runs = 4000;

static void check_model(const spm_model *m)
{
    spm_encoding enc = { 0 };
    int32_t *ids = NULL;
    const char **pieces = NULL;
    size_t *lens = NULL;
    for (size_t t = 0; t < fuzz_n_texts; t++) {
        attn_status st = spm_encode(m, fuzz_texts[t], strlen(fuzz_texts[t]), &enc);
        FUZZ_CHECK(st == ATTN_OK, "spm_encode of text %zu: status %d", t, st);
        size_t n = enc.spans.n;
        ids = realloc(ids, (n + 1) * sizeof *ids);
        pieces = realloc(pieces, (n + 1) * sizeof *pieces);
        lens = realloc(lens, (n + 1) * sizeof *lens);
        FUZZ_CHECK(ids && pieces && lens, "out of memory");
        for (size_t i = 0; i < n; i++) {
            ids[i] = enc.spans.v[i].id;
            FUZZ_CHECK(ids[i] >= 0 && (size_t)ids[i] < m->n_pieces, "id %d of %zu pieces",
                       ids[i], m->n_pieces);
            pieces[i] = spm_span_text(m, &enc, i, &lens[i]);
        }
        tk_str by_id = { 0 }, by_piece = { 0 };
        st = spm_decode(m, ids, NULL, NULL, n, &by_id);
        FUZZ_CHECK(st == ATTN_OK, "spm_decode of ids: status %d", st);
        st = spm_decode(m, NULL, pieces, lens, n, &by_piece);
        FUZZ_CHECK(st == ATTN_OK, "spm_decode of pieces: status %d", st);
        tk_str_free(&by_id);
        tk_str_free(&by_piece);
    }
    free(ids);
    free(pieces);
    free(lens);
    spm_encoding_free(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spm_model m;
    attn_status st = spm_parse(data, size, "input", &m);
    FUZZ_CHECK(st == ATTN_OK || st == ATTN_E_FORMAT || st == ATTN_E_UNSUPPORTED,
               "spm_parse: status %d", st);
    if (st == ATTN_OK)
        check_model(&m);
    spm_free(&m);
    return 0;
}

/* ---- seeds: the fixtures' models, and smaller copies of them ---------- */

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

static uint8_t *write_varint(uint8_t *o, uint64_t v)
{
    for (; v >= 0x80; v >>= 7)
        *o++ = (uint8_t)(v | 0x80);
    *o++ = (uint8_t)v;
    return o;
}

/* Copies the fields of message [p, end) to o, leaving out field `drop`
 * and, when `keep` is given, the fields it says no to. Returns the end of
 * the output; NULL for a malformed message. */
static uint8_t *filter(const uint8_t *p, const uint8_t *end, uint8_t *o, uint64_t drop,
                       bool (*keep)(uint64_t field, const uint8_t *p, const uint8_t *end))
{
    while (p < end) {
        const uint8_t *start = p;
        uint64_t key, len = 0;
        if (!read_varint(&p, end, &key))
            return NULL;
        uint64_t wire = key & 7;
        if (wire == 1 || wire == 5)
            len = wire == 1 ? 8 : 4;
        else if ((wire != 0 && wire != 2) || !read_varint(&p, end, &len))
            return NULL;
        if (wire == 0)
            len = 0;
        const uint8_t *body = p;
        if (len > (uint64_t)(end - body))
            return NULL;
        p = body + len;
        if (key >> 3 == drop || (keep && !keep(key >> 3, body, p)))
            continue;
        if ((key >> 3 == 3 || key >> 3 == 5) && (key & 7) == 2) {
            /* A normalizer spec without its precompiled_charsmap. */
            uint8_t *sub = malloc(len + 1);
            FUZZ_CHECK(sub, "out of memory");
            uint8_t *sub_end = filter(body, p, sub, 2, NULL);
            FUZZ_CHECK(sub_end, "malformed normalizer spec");
            o = write_varint(o, key);
            o = write_varint(o, (uint64_t)(sub_end - sub));
            memcpy(o, sub, (size_t)(sub_end - sub));
            o += sub_end - sub;
            free(sub);
            continue;
        }
        memcpy(o, start, (size_t)(p - start));
        o += p - start;
    }
    return o;
}

static size_t n_normal_kept;

/* The first few NORMAL pieces and every piece of another type (byte
 * fallback needs all 256 byte pieces). */
static bool keep_piece(uint64_t field, const uint8_t *p, const uint8_t *end)
{
    uint64_t key, type = SPM_NORMAL, v;
    if (field != 1)
        return true;
    while (p < end && read_varint(&p, end, &key)) {
        if ((key & 7) == 0 && read_varint(&p, end, &v) && key >> 3 == 3)
            type = v;
        else if ((key & 7) == 2 && read_varint(&p, end, &v) && v <= (uint64_t)(end - p))
            p += v;
        else if ((key & 7) == 5)
            p += 4;
    }
    return type != SPM_NORMAL || n_normal_kept++ < 48;
}

void fuzz_seeds(fuzz_corpus *c)
{
    static const char *const models[] = {
        "spm-unigram/spm-unigram.model", "spm-unigram-plain/spm-unigram-plain.model",
        "spm-bpe/spm-bpe.model",         "spm-bpe-suffix/spm-bpe-suffix.model",
        "spm-char/spm-char.model",       "spm-word/spm-word.model",
        "marian/source.spm",             "t5/spiece.model",
        "mbart/sentencepiece.bpe.model",
    };
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        size_t size;
        uint8_t *data = fuzz_read_fixture(models[i], &size);
        uint8_t *small = malloc(size + 1);
        FUZZ_CHECK(small, "out of memory");
        n_normal_kept = 0;
        uint8_t *end = filter(data, data + size, small, 0, keep_piece);
        FUZZ_CHECK(end, "%s is malformed", models[i]);
        fuzz_add(c, NULL, 0, data, size);
        fuzz_add(c, NULL, 0, small, (size_t)(end - small));
        free(small);
        free(data);
    }
}
