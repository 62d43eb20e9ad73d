/* m2m100.c - M2M100 and NLLB: pre-norm layers, final layer norms, fairseq
 * sinusoidal positions counted from pad + 1 over non-pad tokens, embeddings
 * scaled by sqrt(d) by default, no final_logits_bias. */
#include "base/error.h"
#include "models/seq2seq.h"
#include "nn/positions.h"

attn_status m2m100_build(const arch_input *in, nn_spec *spec)
{
    const int64_t d = in->cfg->values[CFG_D_MODEL];
    const int64_t max_len = in->cfg->values[CFG_MAX_POSITIONS];
    const int64_t pad = in->cfg->values[CFG_PAD_TOKEN_ID];
    if (d < 4)
        return err_set(ATTN_E_FORMAT, "config.json: d_model %lld is too small for sinusoidal "
                       "positions (at least 4)", (long long)d);
    /* Real tokens take rows pad + 1 ... pad + max_len; the reference's
     * table has at least max_len + 2 rows and grows with the same formula. */
    int64_t rows = (pad >= 0 ? pad : 0) + 1 + max_len;
    if (rows < max_len + 2)
        rows = max_len + 2;
    attn_status st = s2s_begin(in, spec, "relu", true, rows * d);
    if (st != ATTN_OK)
        return st;
    spec->pre_norm = true;
    nn_positions_fairseq(in->model->tables, rows, d, spec->pad_id);
    s2s_computed_positions(in, spec, NN_POS_PAD_AWARE, rows);
    st = s2s_layers(in, spec, "model.encoder", false, &spec->enc);
    if (st == ATTN_OK)
        st = s2s_layers(in, spec, "model.decoder", true, &spec->dec);
    if (st == ATTN_OK)
        st = s2s_norm(in, spec, "model.encoder.layer_norm", &spec->enc.final_norm);
    if (st == ATTN_OK)
        st = s2s_norm(in, spec, "model.decoder.layer_norm", &spec->dec.final_norm);
    if (st == ATTN_OK)
        st = s2s_embeddings(in, spec);
    return st;
}
