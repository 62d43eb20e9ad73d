/* positions.c - see positions.h. */
#include "nn/positions.h"

#include <math.h>
#include <string.h>

void nn_positions_marian(float *out, int64_t rows, int64_t d)
{
    const int64_t sin_cols = (d + 1) / 2;
    for (int64_t p = 0; p < rows; p++) {
        float *row = out + p * d;
        for (int64_t j = 0; j < d; j++) {
            /* column j holds angle index 2*(j/2) of the interleaved table */
            double angle = (double)p / pow(10000.0, (double)(2 * (j / 2)) / (double)d);
            if (j % 2 == 0)
                row[j / 2] = (float)sin(angle);
            else
                row[sin_cols + j / 2] = (float)cos(angle);
        }
    }
}

void nn_positions_fairseq(float *out, int64_t rows, int64_t d, int64_t pad)
{
    const int64_t half = d / 2;
    /* The reference multiplies in float32 by the double step rounded to float. */
    const float step = (float)(-log(10000.0) / (double)(half - 1));
    for (int64_t p = 0; p < rows; p++) {
        float *row = out + p * d;
        for (int64_t i = 0; i < half; i++) {
            float angle = (float)p * expf((float)i * step);
            row[i] = sinf(angle);
            row[half + i] = cosf(angle);
        }
        if (d % 2)
            row[d - 1] = 0.0f;
    }
    if (pad >= 0 && pad < rows)
        memset(out + pad * d, 0, (size_t)d * sizeof(float));
}
