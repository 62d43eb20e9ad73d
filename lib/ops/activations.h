/* activations.h - elementwise activations in place, with the exact
 * formulas transformers' ACT2FN uses. */
#ifndef ATTN_OPS_ACTIVATIONS_H
#define ATTN_OPS_ACTIVATIONS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    OPS_ACT_RELU,      /* max(x, 0) */
    OPS_ACT_GELU,      /* x * 0.5 * (1 + erf(x / sqrt(2))) */
    OPS_ACT_GELU_NEW,  /* 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) */
    OPS_ACT_SWISH,     /* x * sigmoid(x), also called silu */
} ops_activation;

/* Applies `act` to n floats in place. */
void ops_activate(ops_activation act, float *x, int64_t n);

/* The activation called `name` in a config.json ("relu", "gelu",
 * "gelu_new", "swish", "silu"); false if unknown. */
bool ops_activation_parse(const char *name, ops_activation *out);

#endif
