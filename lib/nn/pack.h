/* pack.h - every linear weight of a spec copied once into the layout
 * oneDNN's matmul reads (ops_pack()), in one huge-page backed block, so
 * that no product repacks a weight. */
#ifndef ATTN_NN_PACK_H
#define ATTN_NN_PACK_H

#include <stddef.h>

#include "attn.h"
#include "nn/spec.h"
#include "ops/ops.h"

typedef struct {
    void *block;          /* every packed copy */
    ops_packed **weights; /* (count) */
    size_t count;
    size_t bytes;         /* of block */
} nn_packing;

/* Hears of each weight that nn_pack() has copied, so that its owner may let
 * the original leave memory. A weight read elsewhere too (a tied output
 * projection is also the token embedding, whose lookups touch a few rows)
 * is included: releasing is advice, and what is read comes back. */
typedef void nn_release_fn(void *user, const float *w, size_t bytes);

/* Packs the linears of `spec` (attention projections, feed-forward layers
 * and the output projection) and points their `packed` at the copies, which
 * `out` owns. A linear that packing would not speed up keeps packed NULL.
 * `release` may be NULL. Errors: ATTN_E_NO_MEMORY, and those of ops_pack();
 * on error nothing is kept and every `packed` is NULL (the originals that
 * were released are read again). */
attn_status nn_pack(nn_spec *spec, nn_release_fn *release, void *user, nn_packing *out);

/* Frees the copies; the spec's `packed` pointers must no longer be used.
 * Safe on a zeroed nn_packing. */
void nn_packing_free(nn_packing *p);

#endif
