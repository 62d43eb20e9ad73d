/* marian.c - MarianMT (opus-mt): post-norm layers, no embedding norm or
 * final norms, Marian-layout sinusoidal positions from 0, final_logits_bias,
 * and possibly a decoder vocabulary of its own. */
#include "models/seq2seq.h"
#include "nn/positions.h"

attn_status marian_build(const arch_input *in, nn_spec *spec)
{
    const int64_t rows = in->cfg->values[CFG_MAX_POSITIONS];
    const int64_t d = in->cfg->values[CFG_D_MODEL];
    attn_status st = s2s_begin(in, spec, "gelu", false, rows * d);
    if (st != ATTN_OK)
        return st;
    spec->pre_norm = false;
    nn_positions_marian(in->model->tables, rows, d);
    s2s_computed_positions(in, spec, NN_POS_TABLE, rows);
    st = s2s_layers(in, spec, "model.encoder", false, &spec->enc);
    if (st == ATTN_OK)
        st = s2s_layers(in, spec, "model.decoder", true, &spec->dec);
    if (st == ATTN_OK)
        st = s2s_embeddings(in, spec);
    if (st == ATTN_OK)
        st = s2s_logits_bias(in, spec);
    return st;
}
