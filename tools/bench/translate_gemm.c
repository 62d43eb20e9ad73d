/* translate_gemm.c - the machine's measured fp32 GEMM rate through oneDNN's
 * dnnl_sgemm, the call libattn's linear layers make (row-major
 * y = x · wᵀ: transa 'N', transb 'T'), for a large square product and for
 * the shapes a Marian/opus-mt sized model (d_model 512, FFN 2048, vocabulary
 * 58101) runs in the translate benchmark's scenarios.
 *
 *   translate_gemm [--threads N] [--min-seconds S] [--quick] [--shape M,N,K]...
 *
 * Without --shape it runs a built-in list (2048 square; the encoder, decoder
 * step and logits products of batch 32 x 4 beams, 1 x 4 beams and greedy);
 * each --shape M,N,K adds C(M,N) = A(M,K) · B(N,K)ᵀ and drops the list.
 *
 * Prints one JSON object per line:
 *   {"name":..., "m":..., "n":..., "k":..., "threads":..., "gflops":...}
 * The thread count goes through omp_set_num_threads(), which is what
 * libattn's session option "threads" does. Each shape is run until at least
 * --min-seconds (default 0.5 s) have passed, after one warm-up call, and the
 * best of three such timings is reported. */
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static float *alloc_fill(size_t n, unsigned seed)
{
    float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!p) {
        fprintf(stderr, "translate_gemm: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 16) & 0x7fff) / 32768.0f - 0.5f;
    }
    return p;
}

/* GFLOP/s of C(M,N) = A(M,K) · op(B); transb 'T': B is (N,K). */
static double time_gemm(char transb, long m, long n, long k, double min_seconds)
{
    float *a = alloc_fill((size_t)m * (size_t)k, 1);
    float *b = alloc_fill((size_t)n * (size_t)k, 2);
    float *c = alloc_fill((size_t)m * (size_t)n, 3);
    const long ldb = transb == 'T' ? k : n;
    if (dnnl_sgemm('N', transb, m, n, k, 1.0f, a, k, b, ldb, 0.0f, c, n) != dnnl_success) {
        fprintf(stderr, "translate_gemm: dnnl_sgemm failed for %ldx%ldx%ld\n", m, n, k);
        exit(1);
    }
    double best = 0.0;
    for (int rep = 0; rep < 3; rep++) {
        long calls = 0;
        const double t0 = now();
        double t;
        do {
            dnnl_sgemm('N', transb, m, n, k, 1.0f, a, k, b, ldb, 0.0f, c, n);
            calls++;
            t = now() - t0;
        } while (t < min_seconds);
        const double gflops = 2.0 * (double)m * (double)n * (double)k * (double)calls / t * 1e-9;
        if (gflops > best)
            best = gflops;
    }
    free(a);
    free(b);
    free(c);
    return best;
}

int main(int argc, char **argv)
{
    int threads = 1;
    double min_seconds = 0.5;
    int quick = 0;
    long custom[64][3];
    size_t ncustom = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min-seconds") && i + 1 < argc)
            min_seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--shape") && i + 1 < argc && ncustom < 64 &&
                 sscanf(argv[i + 1], "%ld,%ld,%ld", &custom[ncustom][0], &custom[ncustom][1],
                        &custom[ncustom][2]) == 3 &&
                 custom[ncustom][0] > 0 && custom[ncustom][1] > 0 && custom[ncustom][2] > 0) {
            ncustom++;
            i++;
        } else {
            fprintf(stderr, "usage: %s [--threads N] [--min-seconds S] [--quick] "
                            "[--shape M,N,K]...\n", argv[0]);
            return 2;
        }
    }
    if (quick)
        min_seconds = min_seconds < 0.1 ? min_seconds : 0.1;
    omp_set_num_threads(threads);

    /* name, M, N, K, transb */
    static const struct {
        const char *name;
        long m, n, k;
        char transb;
    } shapes[] = {
        {"square 2048 (NN)", 2048, 2048, 2048, 'N'},
        {"square 2048 (NT)", 2048, 2048, 2048, 'T'},
        /* encoder, 32 sources of ~25 tokens: 800 rows */
        {"encoder 800x512x512", 800, 512, 512, 'T'},
        {"encoder 800x2048x512", 800, 2048, 512, 'T'},
        {"encoder 800x512x2048", 800, 512, 2048, 'T'},
        /* decoder step, batch 32 x beam 4 = 128 rows */
        {"decoder 128x512x512", 128, 512, 512, 'T'},
        {"decoder 128x2048x512", 128, 2048, 512, 'T'},
        {"decoder 128x512x2048", 128, 512, 2048, 'T'},
        {"logits 128x58101x512", 128, 58101, 512, 'T'},
        /* decoder step, batch 1 beam 4 */
        {"decoder 4x512x512", 4, 512, 512, 'T'},
        {"decoder 4x2048x512", 4, 2048, 512, 'T'},
        {"logits 4x58101x512", 4, 58101, 512, 'T'},
        /* decoder step, batch 1 greedy */
        {"decoder 1x512x512", 1, 512, 512, 'T'},
        {"decoder 1x2048x512", 1, 2048, 512, 'T'},
        {"decoder 1x512x2048", 1, 512, 2048, 'T'},
        {"logits 1x58101x512", 1, 58101, 512, 'T'},
    };
    for (size_t i = 0; i < ncustom; i++) {
        const double g = time_gemm('T', custom[i][0], custom[i][1], custom[i][2], min_seconds);
        printf("{\"name\": \"%ldx%ldx%ld\", \"m\": %ld, \"n\": %ld, \"k\": %ld, "
               "\"threads\": %d, \"gflops\": %.2f}\n", custom[i][0], custom[i][1],
               custom[i][2], custom[i][0], custom[i][1], custom[i][2], threads, g);
        fflush(stdout);
    }
    for (size_t i = 0; ncustom == 0 && i < sizeof shapes / sizeof shapes[0]; i++) {
        if (quick && shapes[i].m == 2048 && shapes[i].transb == 'N')
            continue;
        const double g = time_gemm(shapes[i].transb, shapes[i].m, shapes[i].n, shapes[i].k,
                                   min_seconds);
        printf("{\"name\": \"%s\", \"m\": %ld, \"n\": %ld, \"k\": %ld, \"threads\": %d, "
               "\"gflops\": %.2f}\n",
               shapes[i].name, shapes[i].m, shapes[i].n, shapes[i].k, threads, g);
        fflush(stdout);
    }
    return 0;
}
