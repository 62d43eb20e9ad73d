/* mbart.c - mBART: BART's embeddings and positions with pre-norm layers and
 * a final layer norm after each side. */
#include "models/seq2seq.h"

attn_status mbart_build(const arch_input *in, nn_spec *spec)
{
    attn_status st = bart_build(in, spec);
    if (st != ATTN_OK)
        return st;
    spec->pre_norm = true;
    st = s2s_norm(in, spec, "model.encoder.layer_norm", &spec->enc.final_norm);
    if (st == ATTN_OK)
        st = s2s_norm(in, spec, "model.decoder.layer_norm", &spec->dec.final_norm);
    return st;
}
