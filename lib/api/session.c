/* session.c - attn_session_*, attn_encode and attn_decoder_*: argument
 * checks, buffer sizing and ownership around lib/nn. Buffers grow here,
 * before a computation, so a one-token decoder step allocates nothing. */
#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/handles.h"
#include "api/session.h"
#include "base/checked.h"
#include "base/error.h"
#include "base/huge.h"
#include "base/options.h"
#include "nn/transformer.h"

struct attn_encoding {
    attn_model *model;
    int64_t batch, max_len, d;
    int32_t *lengths;           /* (batch) */
    float *output;              /* (batch, max_len, d) */
    float *cross_k, *cross_v;   /* (dec layers, batch, heads, max_len, dh) */
};

/* Memory that grows to the largest request seen, never shrinks. */
typedef struct {
    float *data;
    int64_t floats;
    bool huge;  /* in huge pages (huge_alloc) once it fills one */
} grow_buffer;

struct attn_session {
    attn_model *model;
    const nn_spec *spec;
    ops_ctx *ops;
    int threads;                /* 0: OpenMP's own setting */
    grow_buffer scratch;        /* nn_scratch for the largest call */
    grow_buffer cache;          /* decoder self-attention keys and values */
    int64_t cache_half;         /* floats from the keys to the values */
    int64_t *history;           /* two (rows, max_steps) tables: dec.history and */
    int64_t *next_history;      /* the one a reorder writes, swapped after */
    int64_t history_entries;
    grow_buffer logits, probs, alignment;
    int64_t *src_row;           /* (rows) */
    int32_t *src_len;           /* (rows) */
    int64_t rows_capacity;
    nn_decoder dec;             /* dec.rows 0: no decoding begun */
    int64_t last_count;         /* tokens per row of the last step, 0: none */
};

/* Runs with the session's thread count, restoring the caller's after. */
#define WITH_THREADS(session, call)                                   \
    do {                                                              \
        const int saved_threads_ = session_threads_apply(session);   \
        st = (call);                                                  \
        session_threads_restore(saved_threads_);                      \
    } while (0)

// *data grows to `count` elements of `size` bytes; *capacity counts them
static attn_status grow_array(void **data, int64_t *capacity, int64_t count, size_t size,
                              bool huge, const char *what)
{
    if (count <= *capacity)
        return ATTN_OK;
    if ((uint64_t)count > SIZE_MAX / size)
        return err_no_memory(what);
    /* below one huge page, huge pages would only round the size up */
    const size_t bytes = (size_t)count * size;
    void *grown = huge && bytes >= HUGE_ALIGN ? huge_alloc(bytes) : malloc(bytes);
    if (!grown)
        return err_no_memory(what);
    free(*data);
    *data = grown;
    *capacity = count;
    return ATTN_OK;
}

static attn_status grow(grow_buffer *b, int64_t floats, const char *what)
{
    void *data = b->data;
    attn_status st = grow_array(&data, &b->floats, floats, sizeof(float), b->huge, what);
    b->data = data;
    return st;
}

attn_status attn_session_create(attn_model *model, const attn_options *options,
                                attn_session **out)
{
    if (!model || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_session_create: %s is NULL",
                       model ? "out" : "model");
    attn_status st = opt_check_scope(options, OPT_SCOPE_SESSION, "attn_session_create");
    if (st != ATTN_OK)
        return st;
    if (!model->runnable)
        return err_set(ATTN_E_UNSUPPORTED, "model_type '%s' loads but cannot run yet (runs: "
                       "marian, bart, mbart, m2m_100)", model->config.model_type);
    attn_session *s = calloc(1, sizeof *s);
    if (!s)
        return err_no_memory("a session");
    st = ops_ctx_create(&s->ops);
    if (st != ATTN_OK) {
        free(s);
        return st;
    }
    s->model = model_retain(model);
    s->spec = &model->arch.spec;
    s->threads = (int)opt_get_int(options, "threads", 0);
    /* Each step reads the cache at a few rows of every 4 KiB page. */
    s->cache.huge = true;
    *out = s;
    return ATTN_OK;
}

void attn_session_free(attn_session *session)
{
    if (!session)
        return;
    grow_buffer *buffers[] = { &session->scratch, &session->cache, &session->logits,
                               &session->probs, &session->alignment };
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        free(buffers[i]->data);
    free(session->history);
    free(session->src_row);
    free(session->src_len);
    ops_ctx_free(session->ops);
    model_release(session->model);
    free(session);
}

/* Token ids (rows, count) must index a vocabulary of `vocab` rows; rows
 * are numbered from `first` in messages. */
static attn_status check_ids(const int32_t *ids, int64_t rows, int64_t count, int64_t vocab,
                             const char *what, int64_t first)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < count; i++)
            if (ids[r * count + i] < 0 || ids[r * count + i] >= vocab)
                return err_set(ATTN_E_INVALID_ARGUMENT, "%s %lld, position %lld: token id %d "
                               "is outside the vocabulary of %lld", what, (long long)(first + r),
                               (long long)i, ids[r * count + i], (long long)vocab);
    return ATTN_OK;
}

attn_status session_check_lengths(const size_t *lengths, size_t n, int64_t max,
                                  const char *function, const char *what, size_t *longest)
{
    *longest = 0;
    for (size_t i = 0; i < n; i++) {
        if (lengths[i] == 0 || lengths[i] > (size_t)max)
            return err_set(ATTN_E_INVALID_ARGUMENT, "%s: %s %zu has %zu tokens; the model "
                           "takes 1 to %lld", function, what, i, lengths[i], (long long)max);
        *longest = lengths[i] > *longest ? lengths[i] : *longest;
    }
    return ATTN_OK;
}

int64_t session_max_source(const attn_session *session)
{
    return session->spec->enc.max_len;
}

/* Encoder inputs laid out (batch, max_len), padded with pad_id. */
static attn_status encode_inputs(const nn_spec *spec, const int32_t *ids, const size_t *lengths,
                                 size_t batch, attn_encoding *e, int32_t **padded)
{
    size_t max_len, offset = 0;
    attn_status rc = session_check_lengths(lengths, batch, spec->enc.max_len, "attn_encode",
                                           "sequence", &max_len);
    if (rc != ATTN_OK)
        return rc;
    uint64_t cells;
    if (!checked_mul_u64(batch, max_len, &cells) || cells > SIZE_MAX / sizeof(int32_t))
        return err_no_memory("the padded batch");
    e->batch = (int64_t)batch;
    e->max_len = (int64_t)max_len;
    int32_t *p = malloc((size_t)cells * sizeof *p);
    e->lengths = malloc(batch * sizeof *e->lengths);
    if (!p || !e->lengths) {
        free(p);
        return err_no_memory("the padded batch");
    }
    for (size_t b = 0; b < batch; b++) {
        e->lengths[b] = (int32_t)lengths[b];
        for (size_t i = 0; i < max_len; i++)
            p[b * max_len + i] = i < lengths[b] ? ids[offset + i] : spec->pad_id;
        attn_status st = check_ids(p + b * max_len, 1, (int64_t)lengths[b], spec->enc.vocab,
                                   "attn_encode: sequence", (int64_t)b);
        if (st != ATTN_OK) {
            free(p);
            return st;
        }
        offset += lengths[b];
    }
    *padded = p;
    return ATTN_OK;
}

attn_status attn_encode(attn_session *session, const int32_t *ids, const size_t *lengths,
                        size_t batch, attn_encoding **out)
{
    if (!session || !ids || !lengths || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_encode: %s is NULL",
                       !session ? "session" : !ids ? "ids" : !lengths ? "lengths" : "out");
    if (batch == 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_encode: batch is 0");
    const nn_spec *spec = session->spec;
    attn_encoding *e = calloc(1, sizeof *e);
    int32_t *padded = NULL;
    if (!e)
        return err_no_memory("an encoding");
    attn_status st = encode_inputs(spec, ids, lengths, batch, e, &padded);
    const int64_t n = e->batch * e->max_len, d = spec->d_model;
    e->d = d;
    if (st == ATTN_OK)
        st = grow(&session->scratch, nn_scratch_floats(spec, n), "encoder scratch");
    if (st == ATTN_OK) {
        /* output, then cross keys, then cross values, in one block */
        uint64_t floats = (uint64_t)n * (uint64_t)d * (1 + 2 * (uint64_t)spec->dec.layers);
        e->output = floats <= SIZE_MAX / sizeof(float) ? malloc((size_t)floats * sizeof(float))
                                                      : NULL;
        if (!e->output)
            st = err_no_memory("the encoder output");
    }
    if (st == ATTN_OK) {
        e->cross_k = e->output + n * d;
        e->cross_v = e->cross_k + spec->dec.layers * n * d;
        nn_scratch s;
        nn_scratch_carve(&s, session->scratch.data, spec, n);
        WITH_THREADS(session, nn_encode(spec, session->ops, &s, padded, e->lengths, e->batch,
                                        e->max_len, e->output));
        if (st == ATTN_OK)
            WITH_THREADS(session, nn_cross_kv(spec, session->ops, &s, e->output, e->batch,
                                              e->max_len, e->cross_k, e->cross_v));
    }
    free(padded);
    if (st != ATTN_OK) {
        free(e->lengths);
        free(e->output);
        free(e);
        return st;
    }
    e->model = model_retain(session->model);
    *out = e;
    return ATTN_OK;
}

void attn_encoding_free(attn_encoding *encoding)
{
    if (!encoding)
        return;
    model_release(encoding->model);
    free(encoding->lengths);
    free(encoding->output);
    free(encoding);
}

attn_status attn_encoding_output(const attn_encoding *encoding, const float **data,
                                 size_t *batch, size_t *max_len, size_t *d_model)
{
    if (!encoding)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_encoding_output: encoding is NULL");
    if (data)
        *data = encoding->output;
    if (batch)
        *batch = (size_t)encoding->batch;
    if (max_len)
        *max_len = (size_t)encoding->max_len;
    if (d_model)
        *d_model = (size_t)encoding->d;
    return ATTN_OK;
}

/* Sizes every per-step buffer for `count` tokens per row of the current
 * decoding; a no-op once they are large enough. */
static attn_status reserve_step(attn_session *s, int64_t count)
{
    const nn_spec *spec = s->spec;
    const int64_t n = s->dec.rows * count, src = s->dec.src_max;
    attn_status st = grow(&s->scratch, nn_scratch_floats(spec, n), "decoder scratch");
    if (st == ATTN_OK)
        st = grow(&s->logits, n * spec->out_vocab, "logits");
    if (st == ATTN_OK)
        st = grow(&s->probs, spec->dec.layers * n * spec->dec.heads * src, "attention weights");
    if (st == ATTN_OK)
        st = grow(&s->alignment, n * src, "alignments");
    return st;
}

attn_status attn_decoder_begin(attn_session *session, const attn_encoding *encoding,
                               const size_t *src_rows, size_t rows, size_t max_steps)
{
    if (!session || !encoding)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_begin: %s is NULL",
                       session ? "encoding" : "session");
    const nn_spec *spec = session->spec;
    if (encoding->model != session->model)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_begin: the encoding was made "
                       "with another model");
    if (rows == 0 || (!src_rows && rows != (size_t)encoding->batch))
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_begin: %zu rows for an encoding "
                       "of %lld sequences%s", rows, (long long)encoding->batch,
                       src_rows ? "" : " without src_rows");
    if (max_steps == 0 || max_steps > (size_t)spec->dec.max_len)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_begin: max_steps %zu; the model "
                       "takes 1 to %lld", max_steps, (long long)spec->dec.max_len);
    for (size_t r = 0; src_rows && r < rows; r++)
        if (src_rows[r] >= (size_t)encoding->batch)
            return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_begin: src_rows[%zu] = %zu "
                           "but the encoding has %lld sequences", r, src_rows[r],
                           (long long)encoding->batch);

    session_end_decoding(session);
    /* (2, layers, rows, max_steps, d) floats, every product checked */
    uint64_t cache = 2 * (uint64_t)spec->dec.layers;
    if (!checked_mul_u64(cache, rows, &cache) || !checked_mul_u64(cache, max_steps, &cache) ||
        !checked_mul_u64(cache, (uint64_t)spec->d_model, &cache) || cache > INT64_MAX ||
        rows > SIZE_MAX / sizeof(int64_t))
        return err_no_memory("the self-attention cache");
    attn_status st = grow(&session->cache, (int64_t)cache, "the self-attention cache");
    uint64_t history = 0;
    if (st == ATTN_OK && (!checked_mul_u64(rows, max_steps, &history) || history > INT64_MAX / 2))
        st = err_no_memory("the decoder history");
    void *tables = session->history;
    if (st == ATTN_OK)
        st = grow_array(&tables, &session->history_entries, 2 * (int64_t)history,
                        sizeof(int64_t), false, "the decoder history");
    session->history = tables;
    if (st != ATTN_OK)
        return st;
    if ((int64_t)rows > session->rows_capacity) {
        int64_t *src_row = malloc(rows * sizeof *src_row);
        int32_t *src_len = malloc(rows * sizeof *src_len);
        if (!src_row || !src_len) {
            free(src_row);
            free(src_len);
            return err_no_memory("the decoder rows");
        }
        free(session->src_row);
        free(session->src_len);
        session->src_row = src_row;
        session->src_len = src_len;
        session->rows_capacity = (int64_t)rows;
    }
    session->cache_half = (int64_t)cache / 2;
    session->next_history = session->history + history;
    for (size_t r = 0; r < rows; r++) {
        session->src_row[r] = (int64_t)(src_rows ? src_rows[r] : r);
        session->src_len[r] = encoding->lengths[session->src_row[r]];
    }
    nn_decoder *dec = &session->dec;
    *dec = (nn_decoder){
        .rows = (int64_t)rows, .cross_k = encoding->cross_k, .cross_v = encoding->cross_v,
        .src_row = session->src_row, .src_len = session->src_len,
        .src_batch = encoding->batch, .src_max = encoding->max_len,
        .cache_k = session->cache.data,
        .cache_v = session->cache.data + session->cache_half,
        .cache_rows = (int64_t)rows, .history = session->history,
        .max_steps = (int64_t)max_steps,
    };
    st = reserve_step(session, 1);
    if (st == ATTN_OK)
        WITH_THREADS(session, nn_decoder_prepare(spec, session->ops, (int64_t)rows));
    if (st != ATTN_OK) {
        dec->rows = 0;
        return st;
    }
    return ATTN_OK;
}

attn_status attn_decoder_step(attn_session *session, const int32_t *tokens, size_t count,
                              const float **logits)
{
    if (!session || !tokens || !logits)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_step: %s is NULL",
                       !session ? "session" : !tokens ? "tokens" : "logits");
    nn_decoder *dec = &session->dec;
    if (dec->rows == 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_step: no decoding begun "
                       "(call attn_decoder_begin)");
    if (count == 0 || count > (size_t)(dec->max_steps - dec->steps))
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_step: %zu tokens per row, but "
                       "%lld of the %lld steps begun remain", count,
                       (long long)(dec->max_steps - dec->steps), (long long)dec->max_steps);
    const nn_spec *spec = session->spec;
    attn_status st = check_ids(tokens, dec->rows, (int64_t)count, spec->dec.vocab,
                               "attn_decoder_step: row", 0);
    if (st == ATTN_OK)
        st = reserve_step(session, (int64_t)count);
    if (st != ATTN_OK)
        return st;
    nn_scratch s;
    nn_scratch_carve(&s, session->scratch.data, spec, dec->rows * (int64_t)count);
    dec->cross_probs = session->probs.data;
    session->last_count = 0;
    WITH_THREADS(session, nn_decode(spec, session->ops, &s, dec, tokens, (int64_t)count,
                                    session->logits.data));
    if (st != ATTN_OK)
        return st;
    session->last_count = (int64_t)count;
    *logits = session->logits.data;
    return ATTN_OK;
}

int session_threads_apply(const attn_session *session)
{
    const int saved = omp_get_max_threads();
    if (session->threads > 0)
        omp_set_num_threads(session->threads);
    return saved;
}

void session_threads_restore(int saved)
{
    omp_set_num_threads(saved);
}

const attn_model *session_model(const attn_session *session)
{
    return session->model;
}

attn_model *attn_session_model(const attn_session *session)
{
    return session ? model_retain(session->model) : NULL;
}

void session_end_decoding(attn_session *session)
{
    session->dec.rows = 0;
    session->last_count = 0;
}

void session_reorder(attn_session *session, const int64_t *parent, int64_t rows)
{
    nn_decoder *dec = &session->dec;
    int64_t *next = session->next_history;
    for (int64_t r = 0; r < rows; r++)
        memcpy(next + r * dec->max_steps, dec->history + parent[r] * dec->max_steps,
               (size_t)dec->steps * sizeof *next);
    session->next_history = dec->history;
    dec->history = next;
    /* A row's parent reads the same source as the row (beams of one item),
     * or sits at a higher index (finished items leaving), so rewriting in
     * place never reads a changed entry that differs. */
    for (int64_t r = 0; r < rows; r++) {
        session->src_row[r] = session->src_row[parent[r]];
        session->src_len[r] = session->src_len[parent[r]];
    }
    dec->rows = rows;
    session->last_count = 0;
}

attn_status attn_decoder_forward(attn_session *session, const attn_encoding *encoding,
                                 const int32_t *targets, size_t count, const float **logits)
{
    attn_status st = attn_decoder_begin(session, encoding, NULL,
                                        encoding ? (size_t)encoding->batch : 0, count);
    if (st == ATTN_OK)
        st = attn_decoder_step(session, targets, count, logits);
    return st;
}

attn_status attn_decoder_cross_attention(attn_session *session, size_t layer,
                                         const float **weights, size_t *src_len)
{
    if (!session || !weights)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_cross_attention: %s is NULL",
                       session ? "weights" : "session");
    if (session->last_count == 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_cross_attention: no decoder "
                       "step has run");
    const nn_spec *spec = session->spec;
    if (layer >= (size_t)spec->dec.layers)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_decoder_cross_attention: layer %zu; the "
                       "decoder has %lld", layer, (long long)spec->dec.layers);
    // probs (layers, rows, heads, count, src) -> alignment (rows, count, src)
    const int64_t rows = session->dec.rows, count = session->last_count;
    const int64_t heads = spec->dec.heads, src = session->dec.src_max;
    const float *p = session->probs.data + (int64_t)layer * rows * heads * count * src;
    float *a = session->alignment.data;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t t = 0; t < count; t++) {
            float *dst = a + (r * count + t) * src;
            for (int64_t j = 0; j < src; j++) {
                float sum = 0.0f;
                for (int64_t h = 0; h < heads; h++)
                    sum += p[((r * heads + h) * count + t) * src + j];
                dst[j] = sum / (float)heads;
            }
        }
    }
    *weights = a;
    if (src_len)
        *src_len = (size_t)src;
    return ATTN_OK;
}
