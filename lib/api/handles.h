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
#include "tokenizer/tokenizer.h"

struct attn_model {
    atomic_int refs;           /* the caller's reference plus one per holder */
    cfg_config config;
    json_t *config_json;
    json_t *generation_config; /* NULL when the folder has none */
    ws_weights weights;
    arch_model arch;           /* built when arch_runs(model_type) */
    bool runnable;
    attn_tokenizer *tokenizers[2]; /* ATTN_TOKENIZER_SOURCE, _TARGET; NULL if none */
    attn_status tokenizer_status;  /* why there are none */
    char *tokenizer_error;
};

struct attn_tokenizer {
    atomic_int refs;
    tokenizer *impl;
};

/* Wraps a loaded tokenizer in a handle with one reference; frees `impl`
 * when that fails. */
attn_status api_tokenizer_wrap(tokenizer *impl, attn_tokenizer **out);

/* Takes and drops a reference; the last drop frees the model. */
attn_model *model_retain(attn_model *model);
void model_release(attn_model *model);

#endif
