/* seq2seq.h - what Marian, BART, mBART and M2M100 share: the config keys
 * of their sizes and the weight names of their layers, embeddings and
 * output head (fairseq's naming as transformers keeps it). */
#ifndef ATTN_MODELS_SEQ2SEQ_H
#define ATTN_MODELS_SEQ2SEQ_H

#include "models/arch.h"

/* Sizes, activation (`act` when config.json has none), embedding scale
 * (`scale` when it has no scale_embedding), norm epsilon and pad id; then
 * allocates the layers and `table_floats` floats of position tables. */
attn_status s2s_begin(const arch_input *in, nn_spec *spec, const char *act, bool scale,
                      int64_t table_floats);

/* Binds the layers of one side, e.g. prefix "model.decoder". */
attn_status s2s_layers(const arch_input *in, const nn_spec *spec, const char *prefix,
                       bool decoder, nn_stack *stack);

/* Token embeddings of both sides (each side's own, else model.shared; the
 * vocabularies are their row counts) and the output projection
 * (lm_head.weight, else tied to the decoder's embedding). */
attn_status s2s_embeddings(const arch_input *in, nn_spec *spec);

/* A LayerNorm's weight and bias, named prefix.weight and prefix.bias. */
attn_status s2s_norm(const arch_input *in, const nn_spec *spec, const char *prefix,
                     nn_norm *norm);

/* Learned positions prefix.embed_positions.weight (max_positions + 2, d)
 * with BART's offset of 2. */
attn_status s2s_learned_positions(const arch_input *in, const nn_spec *spec,
                                  const char *prefix, nn_stack *stack);

/* Points both sides at the computed position table of `rows` rows. */
void s2s_computed_positions(const arch_input *in, nn_spec *spec, nn_pos_kind kind,
                            int64_t rows);

/* final_logits_bias (1, out_vocab). */
attn_status s2s_logits_bias(const arch_input *in, nn_spec *spec);

#endif
