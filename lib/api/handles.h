/* handles.h - the structures behind the public handles, shared by the
 * files of lib/api and by nothing outside it. */
#ifndef ATTN_API_HANDLES_H
#define ATTN_API_HANDLES_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "attn.h"
#include "io/weights.h"
#include "models/arch.h"
#include "models/config.h"

struct attn_model {
    atomic_int refs;           /* the caller's reference plus one per holder */
    cfg_config config;
    json_t *config_json;
    json_t *generation_config; /* NULL when the folder has none */
    ws_weights weights;
    arch_model arch;           /* built when arch_runs(model_type) */
    bool runnable;
};

/* Takes and drops a reference; the last drop frees the model. */
attn_model *model_retain(attn_model *model);
void model_release(attn_model *model);

#endif
