/* arch.h - turns a loaded model folder into a runnable nn_spec: finds the
 * architecture for config.json's model_type, reads its settings and binds
 * every weight by name, checking shapes. */
#ifndef ATTN_MODELS_ARCH_H
#define ATTN_MODELS_ARCH_H

#include <jansson.h>

#include "io/weights.h"
#include "models/config.h"
#include "nn/pack.h"
#include "nn/spec.h"

/* A runnable model and the memory its spec points into besides the
 * weights: the layer table, computed position tables and packed copies of
 * the linear weights. */
typedef struct {
    nn_spec spec;
    nn_layer *layers;    /* encoder layers, then decoder layers */
    float *tables;       /* computed position tables, or NULL */
    nn_packing packing;  /* empty unless arch_build() was asked to pack */
} arch_model;

/* Whether arch_build() knows `model_type`; others load but cannot run. */
bool arch_runs(const char *model_type);

/* Fills `out` for cfg->model_type, one arch_runs() accepts, and with `pack`
 * packs its linear weights (nn_pack()). Errors:
 * ATTN_E_UNSUPPORTED (a setting such as the activation it cannot run),
 * ATTN_E_NOT_FOUND naming a
 * missing weight; ATTN_E_FORMAT naming a weight whose shape or dtype
 * disagrees with config.json (both shapes in the message) or a config value
 * the architecture cannot use; ATTN_E_NO_MEMORY. */
attn_status arch_build(const cfg_config *cfg, const json_t *config, const ws_weights *weights,
                       bool pack, arch_model *out);

/* Releases what arch_build() allocated; safe on a zeroed arch_model. */
void arch_free(arch_model *model);

/* What an architecture file works from. */
typedef struct {
    const cfg_config *cfg;
    const json_t *config;
    const ws_weights *weights;
    arch_model *model;
} arch_input;

/* The float32 view of weight `name`, which must have shape (d0) when d1 is
 * 0, else (d0, d1); a leading dimension of 1 is accepted (PyTorch buffers
 * such as final_logits_bias (1, V)). */
attn_status arch_weight(const arch_input *in, const char *name, int64_t d0, int64_t d1,
                        const float **out);

/* As arch_weight(), but a missing weight leaves *out NULL and succeeds. */
attn_status arch_weight_optional(const arch_input *in, const char *name, int64_t d0,
                                 int64_t d1, const float **out);

/* A matrix weight with `cols` columns and however many rows it has (token
 * embeddings, whose row count may differ from a configured vocabulary);
 * a missing weight leaves *out NULL and succeeds. */
attn_status arch_weight_rows(const arch_input *in, const char *name, int64_t cols,
                             int64_t *rows, const float **out);

/* A boolean or string from config.json, or `fallback` when absent/null. */
attn_status arch_config_bool(const arch_input *in, const char *key, bool fallback, bool *out);
attn_status arch_config_str(const arch_input *in, const char *key, const char *fallback,
                            const char **out);

/* Allocates the layer table and `table_floats` floats of position tables
 * in `in->model`; layers come back zeroed. */
attn_status arch_alloc(const arch_input *in, int64_t table_floats);

/* The architecture files. */
attn_status marian_build(const arch_input *in, nn_spec *spec);
attn_status bart_build(const arch_input *in, nn_spec *spec);
attn_status mbart_build(const arch_input *in, nn_spec *spec);
attn_status m2m100_build(const arch_input *in, nn_spec *spec);

#endif
