/* activations.c - the activations of activations.h, each written in the
 * float32 operation order PyTorch's CPU kernels use, so that results differ
 * from transformers by the rounding of erf, tanh or exp at most (swish's
 * exp is vec.c's polynomial, as PyTorch's is a vectorised one). */
#include "ops/activations.h"

#include "ops/vec.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Python's math.sqrt(2 / math.pi) and 1 / sqrt(2) as the float32 that
 * PyTorch turns a double scalar into. */
#define SQRT_2_OVER_PI 0.7978845608028654f
#define SQRT_1_OVER_2  0.7071067811865476f

/* Entries below which an activation runs on one thread: waking the others
 * costs a few microseconds, what about 10,000 exp or erf calls take. */
#define PARALLEL_MIN 16384

/* Floats per vec_swish() call: a multiple of its vectors, so that the
 * split between threads changes no result. */
#define SWISH_CHUNK 4096

// x (n) -> act(x) (n), in place
void ops_activate(ops_activation act, float *x, int64_t n)
{
    switch (act) {
    case OPS_ACT_RELU:
        /* written so that NaN passes through, as torch.relu lets it */
#pragma omp parallel for schedule(static) if (n >= 4 * PARALLEL_MIN)
        for (int64_t i = 0; i < n; i++)
            x[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
    case OPS_ACT_GELU:
        /* torch's GeluKernel: x * 0.5 * (1 + erf(x * M_SQRT1_2)) */
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
        for (int64_t i = 0; i < n; i++)
            x[i] = x[i] * 0.5f * (1.0f + erff(x[i] * SQRT_1_OVER_2));
        break;
    case OPS_ACT_GELU_NEW:
        /* NewGELUActivation: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715
         * * pow(x, 3)))); torch.pow(x, 3.0) multiplies x * x * x */
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
        for (int64_t i = 0; i < n; i++) {
            const float v = x[i];
            const float cube = v * v * v;
            x[i] = 0.5f * v * (1.0f + tanhf(SQRT_2_OVER_PI * (v + 0.044715f * cube)));
        }
        break;
    case OPS_ACT_SWISH:
        /* torch's silu kernel: x / (1 + exp(-x)), its exp vectorised too */
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
        for (int64_t i = 0; i < n; i += SWISH_CHUNK)
            vec_swish(x + i, n - i < SWISH_CHUNK ? n - i : SWISH_CHUNK);
        break;
    }
}

bool ops_activation_parse(const char *name, ops_activation *out)
{
    static const struct {
        const char *name;
        ops_activation act;
    } names[] = {
        {"relu", OPS_ACT_RELU},         {"gelu", OPS_ACT_GELU},
        {"gelu_new", OPS_ACT_GELU_NEW}, {"swish", OPS_ACT_SWISH},
        {"silu", OPS_ACT_SWISH},
    };
    if (name == NULL || out == NULL)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].act;
            return true;
        }
    }
    return false;
}
