/* transformer.c - see transformer.h. A sublayer is f in x + f(LN(x))
 * (pre-norm) or LN(x + f(x)) (post-norm); every f reads its input from
 * sub_input() and leaves its result in s->tmp. */
#include "nn/transformer.h"

#include <math.h>
#include <string.h>

#include "ops/attention.h"

/* Floats below which an elementwise loop runs on one thread. */
#define PARALLEL_MIN_FLOATS 8192

int64_t nn_scratch_floats(const nn_spec *spec, int64_t tokens)
{
    int64_t ffn = spec->enc.ffn_dim > spec->dec.ffn_dim ? spec->enc.ffn_dim : spec->dec.ffn_dim;
    return tokens * (9 * spec->d_model + ffn + 1);
}

void nn_scratch_carve(nn_scratch *s, float *base, const nn_spec *spec, int64_t tokens)
{
    const int64_t nd = tokens * spec->d_model;
    float **parts[] = { &s->x, &s->norm, &s->q, &s->k, &s->v, &s->ctx, &s->tmp, &s->kh, &s->vh };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        *parts[i] = base;
        base += nd;
    }
    s->ffn = base;
    int64_t ffn = spec->enc.ffn_dim > spec->dec.ffn_dim ? spec->enc.ffn_dim : spec->dec.ffn_dim;
    s->pos = (int32_t *)(base + tokens * ffn);
}

static attn_status linear(ops_ctx *ops, const nn_linear *l, float *y, const float *x, int64_t n,
                          int64_t out, int64_t in)
{
    if (l->packed)
        return ops_linear_packed(ops, y, x, l->packed, l->b, n);
    return ops_linear(ops, y, x, l->w, l->b, n, out, in);
}

static attn_status prepare_linear(ops_ctx *ops, const nn_linear *l, int64_t n, int64_t out,
                                  int64_t in)
{
    if (l->packed)
        return ops_prepare_linear_packed(ops, l->packed, n, l->b != NULL);
    return ops_prepare_linear(ops, n, out, in, l->b != NULL);
}

// src (blocks, len, heads, dh) -> dst (blocks, heads, cap, dh) at [offset, offset + len)
static void to_heads(float *dst, const float *src, int64_t blocks, int64_t len, int64_t heads,
                     int64_t dh, int64_t cap, int64_t offset)
{
    /* In parallel, as the projections that wrote src were. */
#pragma omp parallel for collapse(2) schedule(static) \
    if (blocks * len * heads * dh >= PARALLEL_MIN_FLOATS)
    for (int64_t b = 0; b < blocks; b++)
        for (int64_t j = 0; j < len; j++)
            for (int64_t h = 0; h < heads; h++)
                memcpy(dst + ((b * heads + h) * cap + offset + j) * dh,
                       src + ((b * len + j) * heads + h) * dh, (size_t)dh * sizeof(float));
}

// ids (rows, tq) fed after `past` earlier tokens -> x (rows, tq, d)
static void embed(const nn_spec *spec, const nn_stack *st, const int32_t *ids, int64_t rows,
                  int64_t tq, int64_t past, float *x)
{
    const int64_t d = spec->d_model;
    for (int64_t r = 0; r < rows; r++) {
        int64_t real = 0; /* non-pad tokens so far in this call, as a cumsum */
        for (int64_t i = 0; i < tq; i++) {
            const int32_t id = ids[r * tq + i];
            int64_t row = past + i + st->pos_offset;
            if (st->pos_kind == NN_POS_PAD_AWARE) {
                real += id != spec->pad_id;
                row = id == spec->pad_id ? spec->pad_id : spec->pad_id + real + past;
            }
            const float *e = st->embed + (int64_t)id * d;
            const float *p = st->pos_table + row * d;
            float *out = x + (r * tq + i) * d;
            for (int64_t c = 0; c < d; c++)
                out[c] = e[c] * st->embed_scale + p[c];
        }
    }
}

// x (n, d) -> LN(x) in s->norm for pre-norm; post-norm reads x itself
static attn_status sub_input(const nn_spec *spec, ops_ctx *ops, const nn_norm *norm,
                             nn_scratch *s, int64_t n, const float **in)
{
    *in = s->x;
    if (!spec->pre_norm)
        return ATTN_OK;
    *in = s->norm;
    return ops_layer_norm(ops, s->norm, s->x, norm->w, norm->b, spec->norm_eps, n,
                          spec->d_model);
}

// x (n, d) += tmp, then LN for post-norm
static attn_status sub_output(const nn_spec *spec, ops_ctx *ops, const nn_norm *norm,
                              nn_scratch *s, int64_t n)
{
    const int64_t nd = n * spec->d_model;
    /* In parallel: x and tmp come from products spread over the threads. */
#pragma omp parallel for schedule(static) if (nd >= PARALLEL_MIN_FLOATS)
    for (int64_t i = 0; i < nd; i++)
        s->x[i] += s->tmp[i];
    if (spec->pre_norm)
        return ATTN_OK;
    return ops_layer_norm(ops, s->x, s->x, norm->w, norm->b, spec->norm_eps, n, spec->d_model);
}

static attn_status feed_forward(const nn_spec *spec, ops_ctx *ops, const nn_layer *l,
                                int64_t ffn_dim, nn_scratch *s, int64_t n)
{
    const float *in;
    attn_status st = sub_input(spec, ops, &l->ffn_norm, s, n, &in);
    if (st == ATTN_OK)
        st = linear(ops, &l->fc1, s->ffn, in, n, ffn_dim, spec->d_model);
    if (st != ATTN_OK)
        return st;
    ops_activate(spec->act, s->ffn, n * ffn_dim);
    st = linear(ops, &l->fc2, s->tmp, s->ffn, n, spec->d_model, ffn_dim);
    if (st == ATTN_OK)
        st = sub_output(spec, ops, &l->ffn_norm, s, n);
    return st;
}

/* Attention of s->q against head-major keys and values described by `a`
 * (whose q/out fields are filled here), then the output projection. */
static attn_status attend(const nn_spec *spec, ops_ctx *ops, const nn_attention *w,
                          ops_attention_args *a, nn_scratch *s, int64_t n)
{
    const int64_t d = spec->d_model;
    a->dh = d / a->heads;
    a->q = s->q;
    a->q_stride = d;
    a->out = s->ctx;
    a->out_stride = d;
    /* The reference scales q by the float-rounded dh^-0.5 before q·k. */
    a->scale = (float)pow((double)a->dh, -0.5);
    attn_status st = ops_attention(a);
    if (st == ATTN_OK)
        st = linear(ops, &w->o, s->tmp, s->ctx, n, d, d);
    return st;
}

// in (n, d) -> q, k, v (n, d) in s
static attn_status project_qkv(const nn_spec *spec, ops_ctx *ops, const nn_attention *a,
                               const float *in, nn_scratch *s, int64_t n)
{
    const int64_t d = spec->d_model;
    attn_status st = linear(ops, &a->q, s->q, in, n, d, d);
    if (st == ATTN_OK)
        st = linear(ops, &a->k, s->k, in, n, d, d);
    if (st == ATTN_OK)
        st = linear(ops, &a->v, s->v, in, n, d, d);
    return st;
}

// x (batch, len, d): self-attention over the valid keys of each row
static attn_status encoder_layer(const nn_spec *spec, ops_ctx *ops, const nn_layer *l,
                                 nn_scratch *s, const int32_t *lengths, int64_t batch,
                                 int64_t len)
{
    const int64_t d = spec->d_model, n = batch * len, heads = spec->enc.heads;
    const float *in;
    attn_status st = sub_input(spec, ops, &l->self_norm, s, n, &in);
    if (st == ATTN_OK)
        st = project_qkv(spec, ops, &l->self_attn, in, s, n);
    if (st != ATTN_OK)
        return st;
    to_heads(s->kh, s->k, batch, len, heads, d / heads, len, 0);
    to_heads(s->vh, s->v, batch, len, heads, d / heads, len, 0);
    ops_attention_args a = {
        .rows = batch, .tq = len, .heads = heads,
        .k = s->kh, .v = s->vh, .kv_block_stride = len * d, .kv_head_stride = len * (d / heads),
        .key_len = lengths, .tk = len, .causal_past = -1,
    };
    st = attend(spec, ops, &l->self_attn, &a, s, n);
    if (st == ATTN_OK)
        st = sub_output(spec, ops, &l->self_norm, s, n);
    if (st == ATTN_OK)
        st = feed_forward(spec, ops, l, spec->enc.ffn_dim, s, n);
    return st;
}

static attn_status final_norm(const nn_spec *spec, ops_ctx *ops, const nn_stack *st,
                              float *y, const float *x, int64_t n)
{
    if (!st->final_norm.w) {
        if (y != x)
            memcpy(y, x, (size_t)(n * spec->d_model) * sizeof(float));
        return ATTN_OK;
    }
    return ops_layer_norm(ops, y, x, st->final_norm.w, st->final_norm.b, spec->norm_eps, n,
                          spec->d_model);
}

attn_status nn_encode(const nn_spec *spec, ops_ctx *ops, nn_scratch *s, const int32_t *ids,
                      const int32_t *lengths, int64_t batch, int64_t len, float *out)
{
    const nn_stack *enc = &spec->enc;
    const int64_t n = batch * len;
    attn_status st = ATTN_OK;

    embed(spec, enc, ids, batch, len, 0, s->x);
    if (enc->embed_norm.w)
        st = ops_layer_norm(ops, s->x, s->x, enc->embed_norm.w, enc->embed_norm.b,
                            spec->norm_eps, n, spec->d_model);
    for (int64_t i = 0; i < enc->layers && st == ATTN_OK; i++)
        st = encoder_layer(spec, ops, &enc->layer[i], s, lengths, batch, len);
    if (st == ATTN_OK)
        st = final_norm(spec, ops, enc, out, s->x, n);
    return st;
}

attn_status nn_cross_kv(const nn_spec *spec, ops_ctx *ops, nn_scratch *s, const float *enc,
                        int64_t batch, int64_t len, float *k, float *v)
{
    const int64_t d = spec->d_model, n = batch * len, heads = spec->dec.heads;
    for (int64_t i = 0; i < spec->dec.layers; i++) {
        const nn_attention *a = &spec->dec.layer[i].cross_attn;
        attn_status st = linear(ops, &a->k, s->k, enc, n, d, d);
        if (st == ATTN_OK)
            st = linear(ops, &a->v, s->v, enc, n, d, d);
        if (st != ATTN_OK)
            return st;
        to_heads(k + i * n * d, s->k, batch, len, heads, d / heads, len, 0);
        to_heads(v + i * n * d, s->v, batch, len, heads, d / heads, len, 0);
    }
    return ATTN_OK;
}

// x (rows, tq, d): causal self-attention over the cache, then cross-attention
static attn_status decoder_layer(const nn_spec *spec, ops_ctx *ops, int64_t index,
                                 nn_scratch *s, nn_decoder *dec, int64_t tq)
{
    const nn_layer *l = &spec->dec.layer[index];
    const int64_t d = spec->d_model, heads = spec->dec.heads, dh = d / heads;
    const int64_t rows = dec->rows, n = rows * tq;
    const int64_t cache_layer = dec->cache_rows * heads * dec->max_steps * dh;
    float *cache_k = dec->cache_k + index * cache_layer;
    float *cache_v = dec->cache_v + index * cache_layer;
    const float *in;

    attn_status st = sub_input(spec, ops, &l->self_norm, s, n, &in);
    if (st == ATTN_OK)
        st = project_qkv(spec, ops, &l->self_attn, in, s, n);
    if (st != ATTN_OK)
        return st;
    to_heads(cache_k, s->k, rows, tq, heads, dh, dec->max_steps, dec->steps);
    to_heads(cache_v, s->v, rows, tq, heads, dh, dec->max_steps, dec->steps);
    ops_attention_args self = {
        .rows = rows, .tq = tq, .heads = heads, .k = cache_k, .v = cache_v,
        .key_block = dec->history, .key_block_stride = dec->max_steps,
        .kv_block_stride = heads * dec->max_steps * dh, .kv_head_stride = dec->max_steps * dh,
        .tk = dec->steps + tq, .causal_past = dec->steps,
    };
    st = attend(spec, ops, &l->self_attn, &self, s, n);
    if (st == ATTN_OK)
        st = sub_output(spec, ops, &l->self_norm, s, n);

    if (st == ATTN_OK)
        st = sub_input(spec, ops, &l->cross_norm, s, n, &in);
    if (st == ATTN_OK)
        st = linear(ops, &l->cross_attn.q, s->q, in, n, d, d);
    if (st != ATTN_OK)
        return st;
    const int64_t cross_layer = dec->src_batch * dec->src_max * d;
    ops_attention_args cross = {
        .rows = rows, .tq = tq, .heads = heads,
        .k = dec->cross_k + index * cross_layer, .v = dec->cross_v + index * cross_layer,
        .kv_block = dec->src_row, .kv_block_stride = heads * dec->src_max * dh,
        .kv_head_stride = dec->src_max * dh, .key_len = dec->src_len, .tk = dec->src_max,
        .causal_past = -1, .probs = dec->cross_probs + index * rows * heads * tq * dec->src_max,
    };
    st = attend(spec, ops, &l->cross_attn, &cross, s, n);
    if (st == ATTN_OK)
        st = sub_output(spec, ops, &l->cross_norm, s, n);
    if (st == ATTN_OK)
        st = feed_forward(spec, ops, l, spec->dec.ffn_dim, s, n);
    return st;
}

attn_status nn_decoder_prepare(const nn_spec *spec, ops_ctx *ops, int64_t rows)
{
    const nn_stack *dec = &spec->dec;
    const int64_t d = spec->d_model;
    attn_status st = ops_prepare_layer_norm(ops, rows, d, spec->norm_eps);
    for (int64_t i = 0; i < dec->layers && st == ATTN_OK; i++) {
        const nn_layer *l = &dec->layer[i];
        const nn_linear *square[] = { &l->self_attn.q, &l->self_attn.k, &l->self_attn.v,
                                      &l->self_attn.o, &l->cross_attn.q, &l->cross_attn.o };
        for (size_t j = 0; j < sizeof square / sizeof square[0] && st == ATTN_OK; j++)
            st = prepare_linear(ops, square[j], rows, d, d);
        if (st == ATTN_OK)
            st = prepare_linear(ops, &l->fc1, rows, dec->ffn_dim, d);
        if (st == ATTN_OK)
            st = prepare_linear(ops, &l->fc2, rows, d, dec->ffn_dim);
    }
    if (st == ATTN_OK)
        st = prepare_linear(ops, &spec->lm_head, rows, spec->out_vocab, d);
    return st;
}

attn_status nn_decode(const nn_spec *spec, ops_ctx *ops, nn_scratch *s, nn_decoder *dec,
                      const int32_t *tokens, int64_t tq, float *logits)
{
    const nn_stack *st_dec = &spec->dec;
    const int64_t n = dec->rows * tq;
    attn_status st = ATTN_OK;

    embed(spec, st_dec, tokens, dec->rows, tq, dec->steps, s->x);
    for (int64_t r = 0; r < dec->rows; r++)
        for (int64_t j = 0; j < tq; j++)
            dec->history[r * dec->max_steps + dec->steps + j] = r;
    if (st_dec->embed_norm.w)
        st = ops_layer_norm(ops, s->x, s->x, st_dec->embed_norm.w, st_dec->embed_norm.b,
                            spec->norm_eps, n, spec->d_model);
    for (int64_t i = 0; i < st_dec->layers && st == ATTN_OK; i++)
        st = decoder_layer(spec, ops, i, s, dec, tq);
    if (st == ATTN_OK)
        st = final_norm(spec, ops, st_dec, s->x, s->x, n);
    if (st == ATTN_OK)
        st = linear(ops, &spec->lm_head, logits, s->x, n, spec->out_vocab, spec->d_model);
    if (st == ATTN_OK)
        dec->steps += tq;
    return st;
}
