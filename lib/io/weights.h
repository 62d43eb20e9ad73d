/* weights.h - every tensor of a model folder, from one model.safetensors or
 * the shards of model.safetensors.index.json, found by name. */
#ifndef ATTN_IO_WEIGHTS_H
#define ATTN_IO_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/safetensors.h"

typedef struct {
    st_file *shards;
    size_t shard_count;
    const st_tensor **slots;  /* open-addressing table over all tensors */
    size_t slot_count;        /* a power of two */
    size_t tensor_count;
    uint64_t parameter_count; /* elements over all tensors */
} ws_weights;

/* Loads the weights of the model folder `dir`. Errors:
 * ATTN_E_NOT_FOUND (no weights file; an index entry missing from its shard),
 * ATTN_E_UNSUPPORTED (only PyTorch/TF/Flax weights present),
 * ATTN_E_FORMAT (bad index, shard name leaving the folder, a tensor in two
 * shards, and st_open()'s errors), ATTN_E_IO, ATTN_E_NO_MEMORY. */
attn_status ws_load(const char *dir, bool use_mmap, ws_weights *out);

/* The tensor called `name`, or NULL. */
const st_tensor *ws_find(const ws_weights *weights, const char *name);

/* mf_release() on the shard that holds [p, p + bytes), if one does. */
void ws_release(const ws_weights *weights, const void *p, size_t bytes);

/* Releases everything; safe on a zeroed ws_weights. */
void ws_close(ws_weights *weights);

#endif
