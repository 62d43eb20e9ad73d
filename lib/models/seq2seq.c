/* seq2seq.c - see seq2seq.h. */
#include "models/seq2seq.h"

#include <math.h>
#include <stdio.h>

#include "base/error.h"
#include "ops/attention.h"

static attn_status s2s_stack_sizes(const cfg_config *cfg, nn_stack *st, cfg_field layers,
                                   cfg_field heads, cfg_field ffn, const char *side)
{
    st->layers = cfg->values[layers];
    st->heads = cfg->values[heads];
    st->ffn_dim = cfg->values[ffn];
    st->max_len = cfg->values[CFG_MAX_POSITIONS];
    if (st->heads < 1 || cfg->values[CFG_D_MODEL] % st->heads != 0 || st->ffn_dim < 1)
        return err_set(ATTN_E_FORMAT, "config.json: d_model %lld is not divisible by the %s's "
                       "%lld attention heads, or its FFN size %lld is not positive",
                       (long long)cfg->values[CFG_D_MODEL], side, (long long)st->heads,
                       (long long)st->ffn_dim);
    if (cfg->values[CFG_D_MODEL] / st->heads > OPS_ATTENTION_MAX_DH)
        return err_set(ATTN_E_UNSUPPORTED, "config.json: the %s's heads have %lld dimensions; "
                       "the attention kernel takes up to %d", side,
                       (long long)(cfg->values[CFG_D_MODEL] / st->heads), OPS_ATTENTION_MAX_DH);
    return ATTN_OK;
}

attn_status s2s_begin(const arch_input *in, nn_spec *spec, const char *act, bool scale,
                      int64_t table_floats)
{
    const cfg_config *cfg = in->cfg;
    spec->d_model = cfg->values[CFG_D_MODEL];
    spec->out_vocab = cfg->values[CFG_DECODER_VOCAB_SIZE];
    spec->norm_eps = 1e-5f;
    if (cfg->values[CFG_PAD_TOKEN_ID] == CFG_NONE ||
        cfg->values[CFG_PAD_TOKEN_ID] >= cfg->values[CFG_VOCAB_SIZE])
        return err_set(ATTN_E_FORMAT, "config.json: pad_token_id must be a token of the "
                       "vocabulary");
    spec->pad_id = (int32_t)cfg->values[CFG_PAD_TOKEN_ID];
    if (cfg->values[CFG_MAX_POSITIONS] < 1)
        return err_set(ATTN_E_FORMAT, "config.json: max_position_embeddings must be positive");
    attn_status st = s2s_stack_sizes(cfg, &spec->enc, CFG_ENCODER_LAYERS, CFG_ENCODER_HEADS,
                                     CFG_ENCODER_FFN_DIM, "encoder");
    if (st == ATTN_OK)
        st = s2s_stack_sizes(cfg, &spec->dec, CFG_DECODER_LAYERS, CFG_DECODER_HEADS,
                             CFG_DECODER_FFN_DIM, "decoder");
    if (st != ATTN_OK)
        return st;

    const char *act_name;
    st = arch_config_str(in, "activation_function", act, &act_name);
    if (st != ATTN_OK)
        return st;
    if (!ops_activation_parse(act_name, &spec->act))
        return err_set(ATTN_E_UNSUPPORTED, "config.json: activation_function '%s' is not "
                       "supported (relu, gelu, gelu_new, swish, silu)", act_name);
    bool scaled;
    st = arch_config_bool(in, "scale_embedding", scale, &scaled);
    if (st != ATTN_OK)
        return st;
    spec->enc.embed_scale = spec->dec.embed_scale = scaled ? sqrtf((float)spec->d_model) : 1.0f;
    return arch_alloc(in, table_floats);
}

attn_status s2s_norm(const arch_input *in, const nn_spec *spec, const char *prefix,
                     nn_norm *norm)
{
    char name[272]; /* a prefix built in a 256-byte buffer plus ".weight" */
    snprintf(name, sizeof name, "%s.weight", prefix);
    attn_status st = arch_weight(in, name, spec->d_model, 0, &norm->w);
    snprintf(name, sizeof name, "%s.bias", prefix);
    if (st == ATTN_OK)
        st = arch_weight(in, name, spec->d_model, 0, &norm->b);
    return st;
}

/* prefix.weight (out, in) and prefix.bias (out). */
static attn_status s2s_linear(const arch_input *in, const char *prefix, int64_t out_dim,
                              int64_t in_dim, nn_linear *l)
{
    char name[288]; /* a prefix from s2s_attention's buffer plus ".weight" */
    snprintf(name, sizeof name, "%s.weight", prefix);
    attn_status st = arch_weight(in, name, out_dim, in_dim, &l->w);
    snprintf(name, sizeof name, "%s.bias", prefix);
    if (st == ATTN_OK)
        st = arch_weight(in, name, out_dim, 0, &l->b);
    return st;
}

static attn_status s2s_attention(const arch_input *in, int64_t d, const char *prefix,
                                 nn_attention *a)
{
    static const char *const proj[] = { "q_proj", "k_proj", "v_proj", "out_proj" };
    nn_linear *dst[] = { &a->q, &a->k, &a->v, &a->o };
    char name[272]; /* a prefix built in a 256-byte buffer plus ".out_proj" */
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s.%s", prefix, proj[i]);
        attn_status st = s2s_linear(in, name, d, d, dst[i]);
        if (st != ATTN_OK)
            return st;
    }
    return ATTN_OK;
}

attn_status s2s_layers(const arch_input *in, const nn_spec *spec, const char *prefix,
                       bool decoder, nn_stack *stack)
{
    const int64_t d = spec->d_model;
    char name[256];
    for (int64_t i = 0; i < stack->layers; i++) {
        nn_layer *l = &stack->layer[i];
        const long long li = (long long)i;
        attn_status st;
        snprintf(name, sizeof name, "%s.layers.%lld.self_attn", prefix, li);
        st = s2s_attention(in, d, name, &l->self_attn);
        snprintf(name, sizeof name, "%s.layers.%lld.self_attn_layer_norm", prefix, li);
        if (st == ATTN_OK)
            st = s2s_norm(in, spec, name, &l->self_norm);
        if (st == ATTN_OK && decoder) {
            snprintf(name, sizeof name, "%s.layers.%lld.encoder_attn", prefix, li);
            st = s2s_attention(in, d, name, &l->cross_attn);
            snprintf(name, sizeof name, "%s.layers.%lld.encoder_attn_layer_norm", prefix, li);
            if (st == ATTN_OK)
                st = s2s_norm(in, spec, name, &l->cross_norm);
        }
        snprintf(name, sizeof name, "%s.layers.%lld.fc1", prefix, li);
        if (st == ATTN_OK)
            st = s2s_linear(in, name, stack->ffn_dim, d, &l->fc1);
        snprintf(name, sizeof name, "%s.layers.%lld.fc2", prefix, li);
        if (st == ATTN_OK)
            st = s2s_linear(in, name, d, stack->ffn_dim, &l->fc2);
        snprintf(name, sizeof name, "%s.layers.%lld.final_layer_norm", prefix, li);
        if (st == ATTN_OK)
            st = s2s_norm(in, spec, name, &l->ffn_norm);
        if (st != ATTN_OK)
            return st;
    }
    return ATTN_OK;
}

/* A side's own embedding `own`, else model.shared.weight; the stack's
 * vocabulary is the row count the file has (Marian's separate decoder
 * embedding has vocab_size rows, not decoder_vocab_size). */
static attn_status s2s_embedding(const arch_input *in, const char *own, int64_t d,
                                 nn_stack *stack)
{
    attn_status st = arch_weight_rows(in, own, d, &stack->vocab, &stack->embed);
    if (st == ATTN_OK && !stack->embed)
        st = arch_weight_rows(in, "model.shared.weight", d, &stack->vocab, &stack->embed);
    if (st == ATTN_OK && !stack->embed)
        st = err_set(ATTN_E_NOT_FOUND, "weight '%s' is missing, and so is "
                     "'model.shared.weight'", own);
    return st;
}

attn_status s2s_embeddings(const arch_input *in, nn_spec *spec)
{
    const int64_t d = spec->d_model;
    attn_status st = s2s_embedding(in, "model.encoder.embed_tokens.weight", d, &spec->enc);
    if (st == ATTN_OK)
        st = s2s_embedding(in, "model.decoder.embed_tokens.weight", d, &spec->dec);
    if (st != ATTN_OK)
        return st;
    if (spec->pad_id >= spec->enc.vocab || spec->pad_id >= spec->dec.vocab)
        return err_set(ATTN_E_FORMAT, "config.json: pad_token_id %d is outside the token "
                       "embeddings", spec->pad_id);
    bool tied;
    st = arch_config_bool(in, "tie_word_embeddings", true, &tied);
    if (st == ATTN_OK)
        st = arch_weight_optional(in, "lm_head.weight", spec->out_vocab, d, &spec->lm_head.w);
    if (st != ATTN_OK || spec->lm_head.w)
        return st;
    if (!tied)
        return arch_weight(in, "lm_head.weight", spec->out_vocab, d, &spec->lm_head.w);
    if (spec->dec.vocab != spec->out_vocab)
        return err_set(ATTN_E_FORMAT, "the output projection is tied to the decoder embedding "
                       "of %lld rows, but config.json says the decoder vocabulary has %lld",
                       (long long)spec->dec.vocab, (long long)spec->out_vocab);
    spec->lm_head.w = spec->dec.embed;
    return ATTN_OK;
}

attn_status s2s_learned_positions(const arch_input *in, const nn_spec *spec,
                                  const char *prefix, nn_stack *stack)
{
    char name[256];
    snprintf(name, sizeof name, "%s.embed_positions.weight", prefix);
    stack->pos_kind = NN_POS_TABLE;
    stack->pos_offset = 2;
    stack->pos_rows = stack->max_len + 2;
    return arch_weight(in, name, stack->pos_rows, spec->d_model, &stack->pos_table);
}

void s2s_computed_positions(const arch_input *in, nn_spec *spec, nn_pos_kind kind,
                            int64_t rows)
{
    nn_stack *sides[] = { &spec->enc, &spec->dec };
    for (int i = 0; i < 2; i++) {
        sides[i]->pos_kind = kind;
        sides[i]->pos_table = in->model->tables;
        sides[i]->pos_rows = rows;
    }
}

attn_status s2s_logits_bias(const arch_input *in, nn_spec *spec)
{
    return arch_weight_optional(in, "final_logits_bias", spec->out_vocab, 0, &spec->lm_head.b);
}
