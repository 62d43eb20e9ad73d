/* model.c - attn_model_*: loading a model folder and answering questions
 * about it. Parsing lives in lib/io and lib/models; this file checks the
 * caller's arguments and owns the handle. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attn.h"
#include "base/error.h"
#include "base/log.h"
#include "base/options.h"
#include "io/json.h"
#include "io/path.h"
#include "api/handles.h"

/* Parses dir/name as a JSON object into *out; a missing optional file
 * leaves *out NULL. */
static attn_status model_load_json(const char *dir, const char *name, bool optional,
                                   json_t **out)
{
    *out = NULL;
    if (optional && !path_exists_in(dir, name))
        return ATTN_OK;
    return js_load_object_in(dir, name, false, out);
}

static attn_status model_check_folder(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return err_set(errno == ENOENT ? ATTN_E_NOT_FOUND : ATTN_E_IO,
                       "model folder '%s': %s", path, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return err_set(ATTN_E_INVALID_ARGUMENT, "model folder '%s' is not a folder", path);
    return ATTN_OK;
}

/* Loads the folder's tokenizers. Their failure does not fail the model,
 * which still runs on ids: attn_model_tokenizer() reports it instead, and
 * attn_last_error() keeps what it said before. */
static void model_load_tokenizers(attn_model *model, const char *path)
{
    char before[ERR_MESSAGE_MAX];
    err_save(before);
    attn_status st = ATTN_OK;
    for (int side = ATTN_TOKENIZER_SOURCE; st == ATTN_OK && side <= ATTN_TOKENIZER_TARGET;
         side++) {
        tokenizer *impl = NULL;
        st = tokenizer_load(path, side == ATTN_TOKENIZER_TARGET, &impl);
        if (st == ATTN_OK)
            st = api_tokenizer_wrap(impl, &model->tokenizers[side]);
    }
    if (st == ATTN_OK)
        return;
    for (int side = 0; side < 2; side++) {
        attn_tokenizer_free(model->tokenizers[side]);
        model->tokenizers[side] = NULL;
    }
    model->tokenizer_status = st;
    model->tokenizer_error = strdup(attn_last_error());
    log_msg(st == ATTN_E_NOT_FOUND ? ATTN_LOG_INFO : ATTN_LOG_WARN, "%s", attn_last_error());
    err_restore(before);
}

attn_status attn_model_load(const char *path, const attn_options *options, attn_model **out)
{
    attn_model *model = NULL;

    if (!path || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_model_load: %s is NULL",
                       path ? "out" : "path");
    attn_status st = opt_check_scope(options, OPT_SCOPE_MODEL, "attn_model_load");
    if (st == ATTN_OK)
        st = model_check_folder(path);
    if (st != ATTN_OK)
        return st;

    model = calloc(1, sizeof *model);
    if (!model)
        return err_no_memory("a model");
    atomic_init(&model->refs, 1);
    st = model_load_json(path, "config.json", false, &model->config_json);
    if (st == ATTN_OK) {
        st = cfg_parse(model->config_json, &model->config);
        if (st != ATTN_OK)
            err_prefix(st, "%s", path);
    }
    if (st == ATTN_OK)
        st = model_load_json(path, "generation_config.json", true, &model->generation_config);
    if (st == ATTN_OK)
        st = ws_load(path, opt_get_int(options, "use_mmap", 1) != 0, &model->weights);
    if (st == ATTN_OK && arch_runs(model->config.model_type)) {
        st = arch_build(&model->config, model->config_json, &model->weights,
                        opt_get_int(options, "pack_weights", 1) != 0, &model->arch);
        model->runnable = st == ATTN_OK;
        if (st != ATTN_OK)
            err_prefix(st, "%s", path);
    }
    if (st != ATTN_OK) {
        model_release(model);
        return st;
    }
    model_load_tokenizers(model, path);
    log_msg(ATTN_LOG_INFO, "%s: %s model, %zu tensors in %zu file(s), %llu parameters", path,
            model->config.model_type, model->weights.tensor_count, model->weights.shard_count,
            (unsigned long long)model->weights.parameter_count);
    *out = model;
    return ATTN_OK;
}

attn_model *model_retain(attn_model *model)
{
    atomic_fetch_add(&model->refs, 1);
    return model;
}

void model_release(attn_model *model)
{
    if (!model || atomic_fetch_sub(&model->refs, 1) != 1)
        return;
    arch_free(&model->arch);
    ws_close(&model->weights);
    json_decref(model->generation_config);
    json_decref(model->config_json);
    attn_tokenizer_free(model->tokenizers[ATTN_TOKENIZER_SOURCE]);
    attn_tokenizer_free(model->tokenizers[ATTN_TOKENIZER_TARGET]);
    free(model->tokenizer_error);
    free(model);
}

void attn_model_free(attn_model *model)
{
    model_release(model);
}

attn_model *attn_model_retain(attn_model *model)
{
    return model ? model_retain(model) : NULL;
}

const char *attn_model_type(const attn_model *model)
{
    return model ? model->config.model_type : NULL;
}

attn_status attn_model_get_int(const attn_model *model, const char *name, int64_t *out)
{
    if (!model || !name || !out)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_model_get_int: %s is NULL",
                       !model ? "model" : !name ? "name" : "out");
    if (strcmp(name, "num_tensors") == 0) {
        *out = (int64_t)model->weights.tensor_count;
        return ATTN_OK;
    }
    if (strcmp(name, "num_parameters") == 0) {
        *out = (int64_t)model->weights.parameter_count;
        return ATTN_OK;
    }
    int field = cfg_field_by_name(name);
    if (field < 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "attn_model_get_int: unknown property '%s'",
                       name);
    if (model->config.values[field] == CFG_NONE)
        return err_set(ATTN_E_NOT_FOUND, "%s model defines no %s", model->config.model_type,
                       name);
    *out = model->config.values[field];
    return ATTN_OK;
}
