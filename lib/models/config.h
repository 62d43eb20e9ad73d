/* config.h - the architecture-independent facts of a model, read from the
 * config.json of any supported family, whose key names differ. */
#ifndef ATTN_MODELS_CONFIG_H
#define ATTN_MODELS_CONFIG_H

#include <jansson.h>
#include <stdint.h>

#include "attn.h"

/* The integer facts, in the order attn_model_get_int() names them. */
typedef enum {
    CFG_VOCAB_SIZE,
    CFG_DECODER_VOCAB_SIZE,
    CFG_D_MODEL,
    CFG_ENCODER_LAYERS,
    CFG_DECODER_LAYERS,
    CFG_ENCODER_HEADS,
    CFG_DECODER_HEADS,
    CFG_ENCODER_FFN_DIM,
    CFG_DECODER_FFN_DIM,
    CFG_MAX_POSITIONS,
    CFG_PAD_TOKEN_ID,
    CFG_BOS_TOKEN_ID,
    CFG_EOS_TOKEN_ID,
    CFG_DECODER_START_TOKEN_ID,
    CFG_FIELD_COUNT
} cfg_field;

/* A value the model does not define (a token it has no id for). */
#define CFG_NONE INT64_MIN

typedef struct {
    char model_type[32];
    int64_t values[CFG_FIELD_COUNT];
} cfg_config;

/* Fills `out` from a parsed config.json. Errors: ATTN_E_UNSUPPORTED for a
 * model_type libattn does not know (the message lists those it does),
 * ATTN_E_FORMAT for a missing key or a value of the wrong type or range
 * (the message names the key). */
attn_status cfg_parse(const json_t *config, cfg_config *out);

/* The public name of a field ("d_model"), and the field of a name. */
const char *cfg_field_name(cfg_field field);
int cfg_field_by_name(const char *name); /* -1 if unknown */

#endif
