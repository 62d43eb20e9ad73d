/* spm_proto.c - reading a SentencePiece ModelProto (protobuf, proto2)
 * without a protobuf library: varints, fixed32 floats and length-delimited
 * fields; unknown fields are skipped, absent ones take proto2 defaults. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/spm.h"
#include "tokenizer/unigram.h"

typedef struct pb {
    const unsigned char *p, *end;
} pb;

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_BYTES = 2, PB_FIXED32 = 5 };

static bool pb_varint(pb *r, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char b = *r->p++;
        *v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* Reads the next field header; false at the end of the message. */
static attn_status pb_next(pb *r, uint32_t *field, uint32_t *wire, const char *where, bool *more)
{
    uint64_t key;
    *more = r->p < r->end;
    if (!*more)
        return ATTN_OK;
    if (!pb_varint(r, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX)
        return err_set(ATTN_E_FORMAT, "%s: malformed field key", where);
    *field = (uint32_t)(key >> 3);
    *wire = (uint32_t)(key & 7);
    return ATTN_OK;
}

static attn_status pb_bytes(pb *r, pb *sub, const char *where)
{
    uint64_t n;
    *sub = (pb){ r->p, r->p }; /* callers may read it after an error */
    if (!pb_varint(r, &n) || n > (uint64_t)(r->end - r->p))
        return err_set(ATTN_E_FORMAT, "%s: length runs past the end of the data", where);
    *sub = (pb){ r->p, r->p + n };
    r->p += n;
    return ATTN_OK;
}

static attn_status pb_skip(pb *r, uint32_t wire, const char *where)
{
    uint64_t v;
    pb sub;
    switch (wire) {
    case PB_VARINT:
        return pb_varint(r, &v) ? ATTN_OK
                                : err_set(ATTN_E_FORMAT, "%s: truncated varint", where);
    case PB_BYTES:
        return pb_bytes(r, &sub, where);
    case PB_FIXED64:
    case PB_FIXED32: {
        size_t n = wire == PB_FIXED64 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return err_set(ATTN_E_FORMAT, "%s: truncated fixed-size field", where);
        r->p += n;
        return ATTN_OK;
    }
    default:
        return err_set(ATTN_E_FORMAT, "%s: unsupported wire type %u", where, wire);
    }
}

static attn_status pb_expect(uint32_t wire, uint32_t want, const char *where)
{
    if (wire == want)
        return ATTN_OK;
    return err_set(ATTN_E_FORMAT, "%s: wire type %u where %u was expected", where, wire, want);
}

static attn_status pb_int(pb *r, uint32_t wire, const char *where, int64_t *out)
{
    uint64_t v;
    *out = 0; /* callers may read it after an error */
    attn_status st = pb_expect(wire, PB_VARINT, where);
    if (st == ATTN_OK && !pb_varint(r, &v))
        st = err_set(ATTN_E_FORMAT, "%s: truncated varint", where);
    if (st == ATTN_OK)
        *out = (int64_t)v;
    return st;
}

static attn_status pb_float(pb *r, uint32_t wire, const char *where, float *out)
{
    attn_status st = pb_expect(wire, PB_FIXED32, where);
    if (st == ATTN_OK && r->end - r->p < 4)
        st = err_set(ATTN_E_FORMAT, "%s: truncated float", where);
    if (st != ATTN_OK)
        return st;
    uint32_t bits = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
                    (uint32_t)r->p[3] << 24;
    memcpy(out, &bits, sizeof bits);
    r->p += 4;
    return ATTN_OK;
}

/* An id field (int32): a value outside int32 is malformed. */
static attn_status pb_id(pb *r, uint32_t wire, const char *where, int32_t *out)
{
    int64_t v;
    attn_status st = pb_int(r, wire, where, &v);
    if (st == ATTN_OK && (v < INT32_MIN || v > INT32_MAX))
        st = err_set(ATTN_E_FORMAT, "%s: %lld is out of range", where, (long long)v);
    if (st == ATTN_OK)
        *out = (int32_t)v;
    return st;
}

/* A string field copied into a new NUL-terminated buffer. */
static attn_status pb_string(pb *r, uint32_t wire, const char *where, char **out, size_t *len)
{
    pb sub;
    attn_status st = pb_expect(wire, PB_BYTES, where);
    if (st == ATTN_OK)
        st = pb_bytes(r, &sub, where);
    if (st != ATTN_OK)
        return st;
    size_t n = (size_t)(sub.end - sub.p);
    char *s = malloc(n + 1);
    if (!s)
        return err_no_memory("a SentencePiece string");
    memcpy(s, sub.p, n);
    s[n] = '\0';
    free(*out);
    *out = s;
    if (len)
        *len = n;
    return ATTN_OK;
}

/* What parsing collects before the model is assembled. */
typedef struct spm_raw {
    spm_piece *pieces;  /* text points into `texts` of the same index */
    char **texts;
    size_t n, cap;
} spm_raw;

static attn_status spm_read_piece(pb *r, size_t index, spm_raw *raw)
{
    char where[64];
    snprintf(where, sizeof where, "pieces[%zu]", index);
    if (raw->n == raw->cap) {
        size_t cap = raw->cap ? raw->cap * 2 : 1024;
        spm_piece *p = realloc(raw->pieces, cap * sizeof *p);
        if (p)
            raw->pieces = p;
        char **t = p ? realloc(raw->texts, cap * sizeof *t) : NULL;
        if (!t)
            return err_no_memory("SentencePiece pieces");
        raw->texts = t;
        raw->cap = cap;
    }
    spm_piece *piece = &raw->pieces[raw->n];
    char **text = &raw->texts[raw->n];
    *piece = (spm_piece){ .type = SPM_NORMAL };
    *text = NULL;
    raw->n++;

    size_t len = 0;
    attn_status st = ATTN_OK;
    uint32_t field = 0, wire = 0;
    bool more;
    int64_t type;
    while (st == ATTN_OK && (st = pb_next(r, &field, &wire, where, &more)) == ATTN_OK && more) {
        switch (field) {
        case 1: st = pb_string(r, wire, where, text, &len); break;
        case 2: st = pb_float(r, wire, where, &piece->score); break;
        case 3:
            st = pb_int(r, wire, where, &type);
            if (st == ATTN_OK && (type < SPM_NORMAL || type > SPM_BYTE))
                st = err_set(ATTN_E_FORMAT, "%s.type: unknown type %lld", where, (long long)type);
            piece->type = (uint8_t)type;
            break;
        default: st = pb_skip(r, wire, where);
        }
    }
    if (st == ATTN_OK && len == 0)
        st = err_set(ATTN_E_FORMAT, "%s.piece is empty", where);
    if (st == ATTN_OK && len > UINT32_MAX)
        st = err_set(ATTN_E_FORMAT, "%s.piece is too long", where);
    piece->len = (uint32_t)len;
    return st;
}

static attn_status spm_read_trainer(pb *r, spm_model *m)
{
    const char *where = "trainer_spec";
    attn_status st = ATTN_OK;
    uint32_t field = 0, wire = 0;
    bool more;
    int64_t v;
    while (st == ATTN_OK && (st = pb_next(r, &field, &wire, where, &more)) == ATTN_OK && more) {
        switch (field) {
        case 3:
            st = pb_int(r, wire, "trainer_spec.model_type", &v);
            m->model_type = v >= SPM_UNIGRAM && v <= SPM_CHAR ? (int)v : -1;
            break;
        case 24:
            st = pb_int(r, wire, "trainer_spec.treat_whitespace_as_suffix", &v);
            m->whitespace_as_suffix = v != 0;
            break;
        case 35:
            st = pb_int(r, wire, "trainer_spec.byte_fallback", &v);
            m->byte_fallback = v != 0;
            break;
        case 40: st = pb_id(r, wire, "trainer_spec.unk_id", &m->unk_id); break;
        case 41: st = pb_id(r, wire, "trainer_spec.bos_id", &m->bos_id); break;
        case 42: st = pb_id(r, wire, "trainer_spec.eos_id", &m->eos_id); break;
        case 43: st = pb_id(r, wire, "trainer_spec.pad_id", &m->pad_id); break;
        case 44: st = pb_string(r, wire, "trainer_spec.unk_surface", &m->unk_surface, NULL); break;
        default: st = pb_skip(r, wire, where);
        }
    }
    return st;
}

static attn_status spm_read_normalizer(pb *r, const char *where, spm_normalizer *n)
{
    attn_status st = ATTN_OK;
    uint32_t field = 0, wire = 0;
    bool more;
    int64_t v;
    pb blob;
    while (st == ATTN_OK && (st = pb_next(r, &field, &wire, where, &more)) == ATTN_OK && more) {
        switch (field) {
        case 2:
            st = pb_expect(wire, PB_BYTES, where);
            if (st == ATTN_OK)
                st = pb_bytes(r, &blob, where);
            charsmap_free(&n->rules);
            if (st == ATTN_OK && blob.end > blob.p)
                st = charsmap_parse(blob.p, (size_t)(blob.end - blob.p), &n->rules);
            if (st != ATTN_OK)
                err_prefix(st, "%s.precompiled_charsmap", where);
            break;
        case 3: st = pb_int(r, wire, where, &v); n->add_dummy_prefix = v != 0; break;
        case 4: st = pb_int(r, wire, where, &v); n->remove_extra_whitespaces = v != 0; break;
        case 5: st = pb_int(r, wire, where, &v); n->escape_whitespaces = v != 0; break;
        default: st = pb_skip(r, wire, where);
        }
    }
    return st;
}

/* Reads the fields of the ModelProto into m (scalars) and raw (pieces). */
static attn_status spm_read_model(pb *r, spm_model *m, spm_raw *raw)
{
    attn_status st = ATTN_OK;
    uint32_t field = 0, wire = 0;
    bool more;
    pb sub;
    while (st == ATTN_OK && (st = pb_next(r, &field, &wire, "ModelProto", &more)) == ATTN_OK &&
           more) {
        if (field < 1 || field > 5 || field == 4) {
            st = pb_skip(r, wire, "ModelProto");
            continue;
        }
        st = pb_expect(wire, PB_BYTES, "ModelProto");
        if (st == ATTN_OK)
            st = pb_bytes(r, &sub, "ModelProto");
        if (st != ATTN_OK)
            break;
        if (field == 1)
            st = spm_read_piece(&sub, raw->n, raw);
        else if (field == 2)
            st = spm_read_trainer(&sub, m);
        else if (field == 3)
            st = spm_read_normalizer(&sub, "normalizer_spec", &m->normalizer);
        else {
            m->has_denormalizer = true;
            st = spm_read_normalizer(&sub, "denormalizer_spec", &m->denormalizer);
        }
    }
    return st;
}

int spm_piece_byte(const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>')
        return -1;
    const char *hi = memchr(hex, s[3], 16), *lo = memchr(hex, s[4], 16);
    if (!hi || !lo || !s[3] || !s[4])
        return -1;
    return (int)((hi - hex) * 16 + (lo - hex));
}

/* Moves the piece texts into one block and fills the look-up tables,
 * checking what InitializePieces checks. */
static attn_status spm_index(spm_model *m, spm_raw *raw)
{
    size_t total = 0;
    for (size_t i = 0; i < raw->n; i++)
        total += raw->pieces[i].len + 1;
    m->strings = malloc(total ? total : 1);
    trie_key *keys = malloc((raw->n ? raw->n : 1) * sizeof *keys);
    trie_key *user = malloc((raw->n ? raw->n : 1) * sizeof *user);
    m->scores = malloc((raw->n ? raw->n : 1) * sizeof *m->scores);
    m->kinds = malloc(raw->n ? raw->n : 1);
    attn_status st = m->strings && keys && user && m->scores && m->kinds
                         ? ATTN_OK
                         : err_no_memory("SentencePiece pieces");
    size_t n_keys = 0, n_user = 0, at = 0;
    bool byte_seen[256] = { false };
    m->pieces = raw->pieces;
    m->n_pieces = raw->n;
    raw->pieces = NULL;
    m->unk_id = -1;
    for (size_t i = 0; st == ATTN_OK && i < m->n_pieces; i++) {
        spm_piece *p = &m->pieces[i];
        memcpy(m->strings + at, raw->texts[i], p->len + 1);
        m->scores[i] = p->score;
        m->kinds[i] = p->type == SPM_USER_DEFINED ? UNIGRAM_USER
                      : p->type == SPM_UNUSED     ? UNIGRAM_SKIP
                                                  : UNIGRAM_SCORED;
        p->text = m->strings + at;
        at += p->len + 1;
        bool normal = p->type == SPM_NORMAL || p->type == SPM_USER_DEFINED ||
                      p->type == SPM_UNUSED;
        bool dup;
        st = strmap_put(normal ? &m->vocab : &m->reserved, p->text, p->len, (int32_t)i, &dup);
        if (st == ATTN_OK && dup)
            st = err_set(ATTN_E_FORMAT, "pieces[%zu] '%s' is already defined", i, p->text);
        if (st != ATTN_OK)
            break;
        if (normal)
            keys[n_keys++] = (trie_key){ p->text, p->len, (int32_t)i };
        if (p->type == SPM_USER_DEFINED)
            user[n_user++] = (trie_key){ p->text, p->len, (int32_t)i };
        if (p->type == SPM_UNUSED)
            m->has_unused = true;
        if (p->type == SPM_UNKNOWN) {
            if (m->unk_id >= 0)
                st = err_set(ATTN_E_FORMAT, "pieces[%zu]: a second UNKNOWN piece", i);
            m->unk_id = (int32_t)i;
        }
        if (p->type == SPM_BYTE) {
            int b = spm_piece_byte(p->text, p->len);
            if (!m->byte_fallback)
                st = err_set(ATTN_E_FORMAT, "pieces[%zu]: byte piece '%s' without byte_fallback",
                             i, p->text);
            else if (b < 0)
                st = err_set(ATTN_E_FORMAT, "pieces[%zu]: invalid byte piece '%s'", i, p->text);
            else {
                byte_seen[b] = true;
                m->byte_ids[b] = (int32_t)i;
            }
        }
        if (p->type == SPM_NORMAL) {
            m->min_score = p->score < m->min_score ? p->score : m->min_score;
            m->max_score = p->score > m->max_score ? p->score : m->max_score;
        }
    }
    if (st == ATTN_OK && m->unk_id < 0)
        st = err_set(ATTN_E_FORMAT, "pieces: no UNKNOWN piece");
    for (int b = 0; st == ATTN_OK && m->byte_fallback && b < 256; b++)
        if (!byte_seen[b])
            st = err_set(ATTN_E_FORMAT, "byte_fallback is set but piece <0x%02X> is missing", b);
    if (st == ATTN_OK)
        st = trie_build(&m->vocab_trie, keys, n_keys);
    if (st == ATTN_OK)
        st = trie_build(&m->user_trie, user, n_user);
    free(keys);
    free(user);
    return st;
}

static void spm_raw_free(spm_raw *raw)
{
    for (size_t i = 0; i < raw->n; i++)
        free(raw->texts[i]);
    free(raw->texts);
    free(raw->pieces);
}

attn_status spm_parse(const void *data, size_t len, const char *what, spm_model *out)
{
    *out = (spm_model){
        .model_type = SPM_UNIGRAM, .unk_id = 0, .bos_id = 1, .eos_id = 2, .pad_id = -1,
        .normalizer = { .add_dummy_prefix = true, .remove_extra_whitespaces = true,
                        .escape_whitespaces = true },
        .denormalizer = { .add_dummy_prefix = true, .remove_extra_whitespaces = true,
                          .escape_whitespaces = true },
        .min_score = 3.402823466e+38f, .max_score = 1.175494351e-38f,
    };
    spm_raw raw = { 0 };
    pb r = { data, (const unsigned char *)data + len };
    attn_status st = spm_read_model(&r, out, &raw);
    if (st == ATTN_OK && out->model_type < 0)
        st = err_set(ATTN_E_UNSUPPORTED, "trainer_spec.model_type is not one of UNIGRAM, BPE, "
                                         "WORD, CHAR");
    if (st == ATTN_OK && raw.n == 0)
        st = err_set(ATTN_E_FORMAT, "the model has no pieces");
    if (st == ATTN_OK && raw.n > INT32_MAX)
        st = err_set(ATTN_E_FORMAT, "the model has %zu pieces, more than ids can number", raw.n);
    /* As in SentencePiece, the UNKNOWN piece, not trainer_spec.unk_id,
     * decides the unknown id. */
    if (st == ATTN_OK)
        st = spm_index(out, &raw);
    if (st == ATTN_OK && !out->unk_surface) {
        out->unk_surface = strdup(" \xE2\x81\x87 ");
        if (!out->unk_surface)
            st = err_no_memory("a SentencePiece string");
    }
    spm_raw_free(&raw);
    if (st != ATTN_OK) {
        spm_free(out);
        return err_prefix(st, "%s", what);
    }
    return ATTN_OK;
}

void spm_free(spm_model *m)
{
    free(m->pieces);
    free(m->strings);
    free(m->unk_surface);
    free(m->scores);
    free(m->kinds);
    charsmap_free(&m->normalizer.rules);
    charsmap_free(&m->denormalizer.rules);
    strmap_free(&m->vocab);
    strmap_free(&m->reserved);
    trie_free(&m->vocab_trie);
    trie_free(&m->user_trie);
    *m = (spm_model){ 0 };
}
