/* arch.c - the model_type registry and the checked weight and config
 * look-ups every architecture file uses. */
#include "models/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

static const struct {
    const char *model_type;
    attn_status (*build)(const arch_input *in, nn_spec *spec);
} arch_registry[] = {
    { "marian", marian_build },
    { "bart", bart_build },
    { "mbart", mbart_build },
    { "m2m_100", m2m100_build },
};

#define ARCH_COUNT (sizeof arch_registry / sizeof arch_registry[0])

static size_t arch_find(const char *model_type)
{
    size_t i = 0;
    while (i < ARCH_COUNT && strcmp(arch_registry[i].model_type, model_type) != 0)
        i++;
    return i;
}

bool arch_runs(const char *model_type)
{
    return arch_find(model_type) < ARCH_COUNT;
}

/* A packed weight's mapped original leaves memory: products read the copy. */
static void release_weight(void *weights, const float *w, size_t bytes)
{
    ws_release(weights, w, bytes);
}

attn_status arch_build(const cfg_config *cfg, const json_t *config, const ws_weights *weights,
                       bool pack, arch_model *out)
{
    memset(out, 0, sizeof *out);
    size_t i = arch_find(cfg->model_type);
    if (i == ARCH_COUNT)
        return err_set(ATTN_E_INTERNAL, "arch_build: model_type '%s' has no architecture",
                       cfg->model_type);
    arch_input in = { cfg, config, weights, out };
    attn_status st = arch_registry[i].build(&in, &out->spec);
    if (st == ATTN_OK && pack)
        st = nn_pack(&out->spec, release_weight, (void *)weights, &out->packing);
    if (st != ATTN_OK)
        arch_free(out);
    return st;
}

void arch_free(arch_model *model)
{
    nn_packing_free(&model->packing);
    free(model->layers);
    free(model->tables);
    memset(model, 0, sizeof *model);
}

attn_status arch_alloc(const arch_input *in, int64_t table_floats)
{
    arch_model *m = in->model;
    const int64_t layers = m->spec.enc.layers + m->spec.dec.layers;
    m->layers = calloc(layers > 0 ? (size_t)layers : 1, sizeof *m->layers);
    if (table_floats > 0 && (uint64_t)table_floats <= SIZE_MAX / sizeof(float))
        m->tables = malloc((size_t)table_floats * sizeof(float));
    if (!m->layers || (table_floats > 0 && !m->tables))
        return err_no_memory("the model's layer and position tables");
    m->spec.enc.layer = m->layers;
    m->spec.dec.layer = m->layers + m->spec.enc.layers;
    return ATTN_OK;
}

static void arch_shape_text(char *buf, size_t size, const int64_t *shape, int ndim)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "",
                                 (long long)shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

attn_status arch_weight_optional(const arch_input *in, const char *name, int64_t d0,
                                 int64_t d1, const float **out)
{
    *out = NULL;
    const st_tensor *t = ws_find(in->weights, name);
    if (!t)
        return ATTN_OK;
    const int64_t want[2] = { d0, d1 };
    const int want_ndim = d1 ? 2 : 1;
    int skip = 0; /* leading dimensions of 1 beyond what is expected */
    while (t->ndim - skip > want_ndim && t->shape[skip] == 1)
        skip++;
    bool ok = t->ndim - skip == want_ndim;
    for (int i = 0; ok && i < want_ndim; i++)
        ok = t->shape[skip + i] == want[i];
    if (!ok) {
        char have[128], expect[64];
        arch_shape_text(have, sizeof have, t->shape, t->ndim);
        arch_shape_text(expect, sizeof expect, want, want_ndim);
        return err_set(ATTN_E_FORMAT, "weight '%s' has shape %s; config.json implies %s", name,
                       have, expect);
    }
    if (!t->f32)
        return err_set(ATTN_E_FORMAT, "weight '%s' has dtype %s; expected a float type", name,
                       st_dtype_name(t->dtype));
    *out = t->f32;
    return ATTN_OK;
}

attn_status arch_weight(const arch_input *in, const char *name, int64_t d0, int64_t d1,
                        const float **out)
{
    attn_status st = arch_weight_optional(in, name, d0, d1, out);
    if (st == ATTN_OK && !*out)
        return err_set(ATTN_E_NOT_FOUND, "weight '%s' is missing", name);
    return st;
}

attn_status arch_weight_rows(const arch_input *in, const char *name, int64_t cols,
                             int64_t *rows, const float **out)
{
    *out = NULL;
    const st_tensor *t = ws_find(in->weights, name);
    if (!t)
        return ATTN_OK;
    if (t->ndim != 2 || t->shape[0] < 1)
        return err_set(ATTN_E_FORMAT, "weight '%s' has %d dimensions; expected a matrix of "
                       "%lld columns", name, t->ndim, (long long)cols);
    *rows = t->shape[0];
    return arch_weight_optional(in, name, t->shape[0], cols, out);
}

attn_status arch_config_bool(const arch_input *in, const char *key, bool fallback, bool *out)
{
    const json_t *v = json_object_get(in->config, key);
    if (!v || json_is_null(v)) {
        *out = fallback;
        return ATTN_OK;
    }
    if (!json_is_boolean(v))
        return err_set(ATTN_E_FORMAT, "config.json: '%s' must be true or false", key);
    *out = json_is_true(v);
    return ATTN_OK;
}

attn_status arch_config_str(const arch_input *in, const char *key, const char *fallback,
                            const char **out)
{
    const json_t *v = json_object_get(in->config, key);
    if (!v || json_is_null(v)) {
        *out = fallback;
        return ATTN_OK;
    }
    if (!json_is_string(v))
        return err_set(ATTN_E_FORMAT, "config.json: '%s' must be a string", key);
    *out = json_string_value(v);
    return ATTN_OK;
}
