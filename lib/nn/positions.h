/* positions.h - the fixed sinusoidal position tables some families compute
 * rather than store, reproduced to the float the reference computes. */
#ifndef ATTN_NN_POSITIONS_H
#define ATTN_NN_POSITIONS_H

#include <stdint.h>

/* Marian: column j < ceil(d/2) is sin(p / 10000^(2i/d)) for i = j, the rest
 * cos of the same angles, computed in double and rounded to float.
 * out (rows, d) */
void nn_positions_marian(float *out, int64_t rows, int64_t d);

/* fairseq/tensor2tensor (M2M100, NLLB): [sin(p·f_i) | cos(p·f_i)] with
 * f_i = exp(-i·ln(10000)/(d/2 - 1)) in float, a zero column when d is odd,
 * and row `pad` all zeros.  out (rows, d) */
void nn_positions_fairseq(float *out, int64_t rows, int64_t d, int64_t pad);

#endif
