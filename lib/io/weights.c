/* weights.c - see weights.h. */
#include "io/weights.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json.h"
#include "io/path.h"

#define WS_SINGLE "model.safetensors"
#define WS_INDEX "model.safetensors.index.json"

static uint64_t ws_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static const st_tensor **ws_slot(const ws_weights *w, const char *name)
{
    size_t mask = w->slot_count - 1;
    for (size_t i = ws_hash(name) & mask;; i = (i + 1) & mask)
        if (!w->slots[i] || strcmp(w->slots[i]->name, name) == 0)
            return &w->slots[i];
}

const st_tensor *ws_find(const ws_weights *weights, const char *name)
{
    return weights->slot_count ? *ws_slot(weights, name) : NULL;
}

/* Indexes every tensor of every shard by name; a name may appear once. */
static attn_status ws_build_index(ws_weights *w)
{
    size_t total = 0;
    for (size_t s = 0; s < w->shard_count; s++)
        total += w->shards[s].count;
    w->slot_count = 16;
    while (w->slot_count < 2 * total)
        w->slot_count *= 2;
    w->slots = calloc(w->slot_count, sizeof *w->slots);
    if (!w->slots)
        return err_no_memory("the tensor index");
    for (size_t s = 0; s < w->shard_count; s++) {
        for (size_t i = 0; i < w->shards[s].count; i++) {
            const st_tensor *t = &w->shards[s].tensors[i];
            const st_tensor **slot = ws_slot(w, t->name);
            if (*slot)
                return err_set(ATTN_E_FORMAT, "tensor '%s' is stored twice", t->name);
            *slot = t;
            w->parameter_count += t->numel;
        }
    }
    w->tensor_count = total;
    return ATTN_OK;
}

static attn_status ws_open_shard(ws_weights *w, const char *dir, const char *name, bool use_mmap)
{
    char *path = path_join(dir, name);
    if (!path)
        return err_no_memory("a path");
    attn_status st = st_open(path, use_mmap, &w->shards[w->shard_count]);
    free(path);
    if (st == ATTN_OK)
        w->shard_count++;
    return st;
}

/* Position of `name` in names[0..count), or count if absent. */
static size_t ws_position(const char *const *names, size_t count, const char *name)
{
    size_t i = 0;
    while (i < count && strcmp(names[i], name) != 0)
        i++;
    return i;
}

/* Opens each distinct shard named by the index's weight_map, in order of
 * first mention, then checks every listed tensor is in the shard the index
 * names. */
static attn_status ws_load_sharded(ws_weights *w, const char *dir, bool use_mmap)
{
    json_t *index = NULL;
    const char **names = NULL; /* shard file names, borrowed from the index */
    const char *tensor;
    json_t *file;

    char *path = path_join(dir, WS_INDEX);
    if (!path)
        return err_no_memory("a path");
    attn_status st = js_load_object_file(path, &index);
    free(path);
    if (st != ATTN_OK)
        return st;

    json_t *map = json_object_get(index, "weight_map");
    if (!json_is_object(map) || json_object_size(map) == 0) {
        st = err_set(ATTN_E_FORMAT, WS_INDEX ": 'weight_map' must be a non-empty object");
        goto done;
    }
    w->shards = calloc(json_object_size(map), sizeof *w->shards);
    names = calloc(json_object_size(map), sizeof *names);
    if (!w->shards || !names) {
        st = err_no_memory("the shard table");
        goto done;
    }
    json_object_foreach(map, tensor, file) {
        const char *name = json_string_value(file);
        if (!name) {
            st = err_set(ATTN_E_FORMAT, WS_INDEX ": weight_map['%s'] is not a string", tensor);
            goto done;
        }
        if (!path_is_contained(name)) {
            st = err_set(ATTN_E_FORMAT, WS_INDEX ": shard '%s' of tensor '%s' is not a "
                         "relative path inside the model folder", name, tensor);
            goto done;
        }
        if (ws_position(names, w->shard_count, name) < w->shard_count)
            continue;
        names[w->shard_count] = name;
        st = ws_open_shard(w, dir, name, use_mmap);
        if (st != ATTN_OK)
            goto done;
    }
    st = ws_build_index(w);
    if (st != ATTN_OK)
        goto done;
    json_object_foreach(map, tensor, file) {
        size_t s = ws_position(names, w->shard_count, json_string_value(file));
        const st_tensor *t = ws_find(w, tensor);
        if (!t || t < w->shards[s].tensors || t >= w->shards[s].tensors + w->shards[s].count) {
            st = err_set(ATTN_E_NOT_FOUND, WS_INDEX ": tensor '%s' is not in shard '%s'",
                         tensor, names[s]);
            goto done;
        }
    }
done:
    free(names);
    json_decref(index);
    return st;
}

/* Names an unusable weights file the folder has, or NULL. */
static const char *ws_foreign_weights(const char *dir)
{
    static const char *const foreign[] = {
        "pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5",
        "flax_model.msgpack",
    };
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (path_exists_in(dir, foreign[i]))
            return foreign[i];
    return NULL;
}

attn_status ws_load(const char *dir, bool use_mmap, ws_weights *out)
{
    attn_status st;
    const char *foreign;

    memset(out, 0, sizeof *out);
    if (path_exists_in(dir, WS_SINGLE)) {
        out->shards = calloc(1, sizeof *out->shards);
        if (!out->shards)
            return err_no_memory("the shard table");
        st = ws_open_shard(out, dir, WS_SINGLE, use_mmap);
        if (st == ATTN_OK)
            st = ws_build_index(out);
    } else if (path_exists_in(dir, WS_INDEX)) {
        st = ws_load_sharded(out, dir, use_mmap);
    } else if ((foreign = ws_foreign_weights(dir))) {
        return err_set(ATTN_E_UNSUPPORTED,
                       "%s: only %s is present; libattn reads safetensors weights: add "
                       "model.safetensors (e.g. load the model in transformers and call "
                       "save_pretrained(dir, safe_serialization=True))", dir, foreign);
    } else {
        return err_set(ATTN_E_NOT_FOUND, "%s: no " WS_SINGLE " or " WS_INDEX, dir);
    }
    if (st != ATTN_OK)
        ws_close(out);
    return st;
}

void ws_release(const ws_weights *weights, const void *p, size_t bytes)
{
    for (size_t i = 0; i < weights->shard_count; i++)
        mf_release(&weights->shards[i].file, p, bytes);
}

void ws_close(ws_weights *weights)
{
    for (size_t s = 0; s < weights->shard_count; s++)
        st_close(&weights->shards[s]);
    free(weights->shards);
    free(weights->slots);
    memset(weights, 0, sizeof *weights);
}
