/* bart.c - BART: post-norm layers, learned positions with an offset of 2,
 * layernorm_embedding on both sides, no final norms, final_logits_bias. */
#include "models/seq2seq.h"

attn_status bart_build(const arch_input *in, nn_spec *spec)
{
    attn_status st = s2s_begin(in, spec, "gelu", false, 0);
    if (st != ATTN_OK)
        return st;
    spec->pre_norm = false;
    st = s2s_layers(in, spec, "model.encoder", false, &spec->enc);
    if (st == ATTN_OK)
        st = s2s_layers(in, spec, "model.decoder", true, &spec->dec);
    if (st == ATTN_OK)
        st = s2s_learned_positions(in, spec, "model.encoder", &spec->enc);
    if (st == ATTN_OK)
        st = s2s_learned_positions(in, spec, "model.decoder", &spec->dec);
    if (st == ATTN_OK)
        st = s2s_norm(in, spec, "model.encoder.layernorm_embedding", &spec->enc.embed_norm);
    if (st == ATTN_OK)
        st = s2s_norm(in, spec, "model.decoder.layernorm_embedding", &spec->dec.embed_norm);
    if (st == ATTN_OK)
        st = s2s_embeddings(in, spec);
    if (st == ATTN_OK)
        st = s2s_logits_bias(in, spec);
    return st;
}
