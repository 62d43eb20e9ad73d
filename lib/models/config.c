/* config.c - maps each family's config.json keys onto cfg_config. The
 * table below is the only place that knows a family's key names. */
#include "models/config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"

static const char *const cfg_field_names[CFG_FIELD_COUNT] = {
    [CFG_VOCAB_SIZE] = "vocab_size",
    [CFG_DECODER_VOCAB_SIZE] = "decoder_vocab_size",
    [CFG_D_MODEL] = "d_model",
    [CFG_ENCODER_LAYERS] = "encoder_layers",
    [CFG_DECODER_LAYERS] = "decoder_layers",
    [CFG_ENCODER_HEADS] = "encoder_attention_heads",
    [CFG_DECODER_HEADS] = "decoder_attention_heads",
    [CFG_ENCODER_FFN_DIM] = "encoder_ffn_dim",
    [CFG_DECODER_FFN_DIM] = "decoder_ffn_dim",
    [CFG_MAX_POSITIONS] = "max_position_embeddings",
    [CFG_PAD_TOKEN_ID] = "pad_token_id",
    [CFG_BOS_TOKEN_ID] = "bos_token_id",
    [CFG_EOS_TOKEN_ID] = "eos_token_id",
    [CFG_DECODER_START_TOKEN_ID] = "decoder_start_token_id",
};

/* How one field is read. A key of NULL means the family has no such thing:
 * the field takes `fallback` (a size of 0, or CFG_NONE for a token). When
 * the key is present but null or absent, `fallback` applies too: FROM_*
 * values copy another field, REQUIRED makes it an error. */
typedef struct {
    const char *key;
    int64_t fallback;
} cfg_rule;

#define REQUIRED (CFG_NONE + 1)
#define FROM_VOCAB (CFG_NONE + 2)
#define FROM_ENCODER_LAYERS (CFG_NONE + 3)
#define FOUR_D_MODEL (CFG_NONE + 4)
#define ABSENT(value) { NULL, value }
#define TOKEN(key) { key, CFG_NONE }

/* The text encoder-decoders (Marian, BART, mBART, M2M100/NLLB) share key
 * names; `decoder_vocab` differs for Marian only. */
#define SEQ2SEQ_RULES(decoder_vocab, max_positions)                               \
    { "vocab_size", REQUIRED }, decoder_vocab, { "d_model", REQUIRED },           \
    { "encoder_layers", REQUIRED }, { "decoder_layers", REQUIRED },               \
    { "encoder_attention_heads", REQUIRED }, { "decoder_attention_heads", REQUIRED }, \
    { "encoder_ffn_dim", REQUIRED }, { "decoder_ffn_dim", REQUIRED },             \
    { max_positions, REQUIRED }, TOKEN("pad_token_id"), TOKEN("bos_token_id"),    \
    TOKEN("eos_token_id"), TOKEN("decoder_start_token_id")

#define MARIAN_DECODER_VOCAB { "decoder_vocab_size", FROM_VOCAB }

static const struct {
    const char *model_type;
    cfg_rule rules[CFG_FIELD_COUNT];
} cfg_families[] = {
    { "marian", { SEQ2SEQ_RULES(MARIAN_DECODER_VOCAB, "max_position_embeddings") } },
    { "bart", { SEQ2SEQ_RULES(ABSENT(FROM_VOCAB), "max_position_embeddings") } },
    { "mbart", { SEQ2SEQ_RULES(ABSENT(FROM_VOCAB), "max_position_embeddings") } },
    { "m2m_100", { SEQ2SEQ_RULES(ABSENT(FROM_VOCAB), "max_position_embeddings") } },
    /* Whisper's decoder positions; the encoder's come from audio frames. */
    { "whisper", { SEQ2SEQ_RULES(ABSENT(FROM_VOCAB), "max_target_positions") } },
    /* T5's relative positions have no maximum. */
    { "t5", { { "vocab_size", REQUIRED }, ABSENT(FROM_VOCAB), { "d_model", REQUIRED },
              { "num_layers", REQUIRED }, { "num_decoder_layers", FROM_ENCODER_LAYERS },
              { "num_heads", REQUIRED }, { "num_heads", REQUIRED },
              { "d_ff", REQUIRED }, { "d_ff", REQUIRED }, ABSENT(CFG_NONE),
              TOKEN("pad_token_id"), TOKEN("bos_token_id"), TOKEN("eos_token_id"),
              TOKEN("decoder_start_token_id") } },
    { "bert", { { "vocab_size", REQUIRED }, ABSENT(FROM_VOCAB), { "hidden_size", REQUIRED },
                { "num_hidden_layers", REQUIRED }, ABSENT(0),
                { "num_attention_heads", REQUIRED }, ABSENT(0),
                { "intermediate_size", REQUIRED }, ABSENT(0),
                { "max_position_embeddings", REQUIRED }, TOKEN("pad_token_id"),
                TOKEN("bos_token_id"), TOKEN("eos_token_id"), ABSENT(CFG_NONE) } },
    { "gpt2", { { "vocab_size", REQUIRED }, ABSENT(FROM_VOCAB), { "n_embd", REQUIRED },
                ABSENT(0), { "n_layer", REQUIRED }, ABSENT(0), { "n_head", REQUIRED },
                ABSENT(0), { "n_inner", FOUR_D_MODEL }, { "n_positions", REQUIRED },
                TOKEN("pad_token_id"), TOKEN("bos_token_id"), TOKEN("eos_token_id"),
                ABSENT(CFG_NONE) } },
};

#define CFG_FAMILY_COUNT (sizeof cfg_families / sizeof cfg_families[0])

const char *cfg_field_name(cfg_field field)
{
    return field < CFG_FIELD_COUNT ? cfg_field_names[field] : NULL;
}

int cfg_field_by_name(const char *name)
{
    for (int i = 0; i < CFG_FIELD_COUNT; i++)
        if (strcmp(cfg_field_names[i], name) == 0)
            return i;
    return -1;
}

static bool cfg_is_token(cfg_field field)
{
    return field >= CFG_PAD_TOKEN_ID;
}

/* Reads one field. Token ids may be null or, for eos_token_id, a list
 * whose first entry is the primary one; sizes must be integers >= 0. */
static attn_status cfg_read(const json_t *config, cfg_field field, const cfg_rule *rule,
                            const int64_t *values, int64_t *out)
{
    const json_t *v = rule->key ? json_object_get(config, rule->key) : NULL;
    if (json_is_array(v) && cfg_is_token(field) && json_array_size(v) > 0)
        v = json_array_get(v, 0);
    if (!v || json_is_null(v)) {
        switch (rule->fallback) {
        case REQUIRED:
            return err_set(ATTN_E_FORMAT, "config.json: missing '%s'", rule->key);
        case FROM_VOCAB: *out = values[CFG_VOCAB_SIZE]; break;
        case FROM_ENCODER_LAYERS: *out = values[CFG_ENCODER_LAYERS]; break;
        case FOUR_D_MODEL: *out = 4 * values[CFG_D_MODEL]; break;
        default: *out = rule->fallback; break;
        }
        return ATTN_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > INT32_MAX)
        return err_set(ATTN_E_FORMAT, "config.json: '%s' must be an integer in [0, %d]%s",
                       rule->key, INT32_MAX, cfg_is_token(field) ? " or null" : "");
    *out = json_integer_value(v);
    return ATTN_OK;
}

attn_status cfg_parse(const json_t *config, cfg_config *out)
{
    const char *type = json_string_value(json_object_get(config, "model_type"));
    if (!type)
        return err_set(ATTN_E_FORMAT, "config.json: missing string 'model_type'");
    size_t family = 0;
    while (family < CFG_FAMILY_COUNT && strcmp(cfg_families[family].model_type, type) != 0)
        family++;
    if (family == CFG_FAMILY_COUNT) {
        char known[256] = "";
        for (size_t i = 0; i < CFG_FAMILY_COUNT; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                     i ? ", " : "", cfg_families[i].model_type);
        return err_set(ATTN_E_UNSUPPORTED, "config.json: model_type '%.64s' is not supported "
                       "(supported: %s)", type, known);
    }
    memset(out, 0, sizeof *out);
    snprintf(out->model_type, sizeof out->model_type, "%s", type);
    for (int f = 0; f < CFG_FIELD_COUNT; f++) {
        attn_status st = cfg_read(config, (cfg_field)f, &cfg_families[family].rules[f],
                                  out->values, &out->values[f]);
        if (st != ATTN_OK)
            return st;
    }
    if (out->values[CFG_VOCAB_SIZE] == 0 || out->values[CFG_D_MODEL] == 0)
        return err_set(ATTN_E_FORMAT, "config.json: vocabulary size and model width must be "
                       "positive");
    return ATTN_OK;
}
