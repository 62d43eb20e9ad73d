/* pack.c - see pack.h. Two passes over the linears: sizes, then copies at
 * OPS_PACK_ALIGN offsets into one block. */
#include "nn/pack.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/huge.h"

typedef struct {
    nn_linear *l;
    int64_t n, k;
    size_t bytes; /* 0: not packed */
} pack_item;

static size_t add_layer(pack_item *items, size_t count, nn_layer *l, int64_t d,
                        int64_t ffn, bool cross)
{
    nn_linear *square[] = { &l->self_attn.q, &l->self_attn.k, &l->self_attn.v,
                            &l->self_attn.o, &l->cross_attn.q, &l->cross_attn.k,
                            &l->cross_attn.v, &l->cross_attn.o };
    const size_t squares = cross ? 8 : 4;
    for (size_t i = 0; i < squares; i++)
        items[count++] = (pack_item){ square[i], d, d, 0 };
    items[count++] = (pack_item){ &l->fc1, ffn, d, 0 };
    items[count++] = (pack_item){ &l->fc2, d, ffn, 0 };
    return count;
}

/* Every linear of the spec, in a table the caller frees. */
static attn_status list_linears(nn_spec *spec, pack_item **out, size_t *count)
{
    const size_t max = (size_t)spec->enc.layers * 6 + (size_t)spec->dec.layers * 10 + 1;
    pack_item *items = calloc(max, sizeof *items);
    if (!items)
        return err_no_memory("the list of weights to pack");
    /* The output projection first: it is the largest, and its original
     * leaves memory before the others' copies arrive, so the peak is the
     * copies plus one layer's originals rather than plus the vocabulary. */
    size_t n = 0;
    items[n++] = (pack_item){ &spec->lm_head, spec->out_vocab, spec->d_model, 0 };
    for (int64_t i = 0; i < spec->enc.layers; i++)
        n = add_layer(items, n, &spec->enc.layer[i], spec->d_model, spec->enc.ffn_dim, false);
    for (int64_t i = 0; i < spec->dec.layers; i++)
        n = add_layer(items, n, &spec->dec.layer[i], spec->d_model, spec->dec.ffn_dim, true);
    *out = items;
    *count = n;
    return ATTN_OK;
}

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static void unpoint(pack_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        items[i].l->packed = NULL;
}

/* Sizes every item; *total is the block's size. */
static attn_status measure(ops_ctx *ops, pack_item *items, size_t count, size_t *total)
{
    size_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        attn_status st = ops_pack_size(ops, items[i].n, items[i].k, &items[i].bytes);
        if (st != ATTN_OK)
            return st;
        const size_t bytes = round_up(items[i].bytes, OPS_PACK_ALIGN);
        if (bytes > SIZE_MAX - sum)
            return err_no_memory("the packed weights");
        sum += bytes;
    }
    *total = sum;
    return ATTN_OK;
}

static attn_status fill(ops_ctx *ops, pack_item *items, size_t count, nn_release_fn *release,
                        void *user, nn_packing *p)
{
    char *at = p->block;
    for (size_t i = 0; i < count; i++) {
        if (items[i].bytes == 0)
            continue;
        ops_packed *w;
        attn_status st = ops_pack(ops, items[i].l->w, items[i].n, items[i].k, at, &w);
        if (st != ATTN_OK)
            return st;
        p->weights[p->count++] = w;
        items[i].l->packed = w;
        if (release)
            release(user, items[i].l->w,
                    (size_t)items[i].n * (size_t)items[i].k * sizeof(float));
        at += round_up(items[i].bytes, OPS_PACK_ALIGN);
    }
    return ATTN_OK;
}

attn_status nn_pack(nn_spec *spec, nn_release_fn *release, void *user, nn_packing *out)
{
    memset(out, 0, sizeof *out);
    pack_item *items = NULL;
    size_t count = 0;
    ops_ctx *ops = NULL;
    attn_status st = list_linears(spec, &items, &count);
    if (st == ATTN_OK)
        st = ops_ctx_create(&ops);
    if (st == ATTN_OK)
        st = measure(ops, items, count, &out->bytes);
    if (st == ATTN_OK && out->bytes > 0) {
        /* Huge pages: hundreds of megabytes in 4 KiB pages cost tens of
         * thousands of page faults when first written. */
        out->block = huge_alloc(out->bytes);
        out->weights = calloc(count, sizeof *out->weights);
        if (!out->block || !out->weights)
            st = err_no_memory("the packed weights");
    }
    if (st == ATTN_OK && out->block)
        st = fill(ops, items, count, release, user, out);
    if (st != ATTN_OK) {
        unpoint(items, count);
        nn_packing_free(out);
    }
    ops_ctx_free(ops);
    free(items);
    return st;
}

void nn_packing_free(nn_packing *p)
{
    for (size_t i = 0; i < p->count; i++)
        ops_packed_free(p->weights[i]);
    free(p->weights);
    free(p->block);
    memset(p, 0, sizeof *p);
}
