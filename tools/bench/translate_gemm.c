/* translate_gemm.c - the machine's measured fp32 GEMM rate on the products
 * of the translate benchmark (row-major y = x · wᵀ), two ways:
 *   sgemm   dnnl_sgemm('N', 'T'), which repacks w at every call;
 *   packed  libattn's own product: w packed once (ops_pack) and multiplied
 *           by a matmul primitive (ops_linear_packed), as a loaded model
 *           does; where packing gains nothing, ops_linear.
 * The faster of the two is the ceiling the benchmark compares with.
 *
 *   translate_gemm [--threads N] [--min-seconds S] [--quick] [--shape M,N,K]...
 *
 * Without --shape it runs a built-in list (2048 square; the encoder, decoder
 * step and logits products of batch 32 x 4 beams, 1 x 4 beams and greedy);
 * each --shape M,N,K adds C(M,N) = A(M,K) · B(N,K)ᵀ and drops the list.
 * It is built from lib/ops with the library's sources (tools/bench/translate.sh).
 *
 * Prints one JSON object per line:
 *   {"name":..., "m":..., "n":..., "k":..., "threads":...,
 *    "gflops_sgemm":..., "gflops_packed":..., "gflops": the larger}
 * ("gflops_packed" is null for the NN square). The thread count goes through
 * omp_set_num_threads(), which is what libattn's session option "threads"
 * does. Each product is run until at least --min-seconds (default 0.5 s)
 * have passed, after one warm-up call, and the best of three such timings is
 * reported. */
#include <dnnl.h>
#include <omp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *alloc_or_exit(size_t bytes)
{
    void *p = aligned_alloc(64, ((bytes + 63) / 64) * 64);
    if (!p) {
        fprintf(stderr, "translate_gemm: out of memory\n");
        exit(1);
    }
    return p;
}

static float *alloc_fill(size_t n, unsigned seed)
{
    float *p = alloc_or_exit(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 16) & 0x7fff) / 32768.0f - 0.5f;
    }
    return p;
}

/* C(M,N) = A(M,K) · op(B); transb 'T': B is (N,K). */
typedef struct {
    long m, n, k;
    char transb;
    float *a, *b, *c;
    ops_ctx *ops;
    ops_packed *packed; /* NULL: ops_linear reads b as it is */
    void *packed_data;
} product;

static bool run_sgemm(product *p)
{
    const long ldb = p->transb == 'T' ? p->k : p->n;
    return dnnl_sgemm('N', p->transb, p->m, p->n, p->k, 1.0f, p->a, p->k, p->b, ldb, 0.0f,
                      p->c, p->n) == dnnl_success;
}

static bool run_libattn(product *p)
{
    const attn_status st = p->packed
        ? ops_linear_packed(p->ops, p->c, p->a, p->packed, NULL, p->m)
        : ops_linear(p->ops, p->c, p->a, p->b, NULL, p->m, p->n, p->k);
    return st == ATTN_OK;
}

/* GFLOP/s of `run` on p: a warm-up call, then the best of three timings. */
static double rate(bool (*run)(product *), product *p, double min_seconds, const char *what)
{
    if (!run(p)) {
        fprintf(stderr, "translate_gemm: %s failed for %ldx%ldx%ld: %s\n", what, p->m, p->n,
                p->k, attn_last_error());
        exit(1);
    }
    double best = 0.0;
    for (int rep = 0; rep < 3; rep++) {
        long calls = 0;
        const double t0 = now();
        double t;
        do {
            run(p);
            calls++;
            t = now() - t0;
        } while (t < min_seconds);
        const double gflops = 2.0 * (double)p->m * (double)p->n * (double)p->k * (double)calls /
                              t * 1e-9;
        if (gflops > best)
            best = gflops;
    }
    return best;
}

/* Prints the JSON line of one shape. */
static void measure(const char *name, long m, long n, long k, char transb, int threads,
                    double min_seconds, ops_ctx *ops)
{
    product p = { .m = m, .n = n, .k = k, .transb = transb, .ops = ops,
                  .a = alloc_fill((size_t)m * (size_t)k, 1),
                  .b = alloc_fill((size_t)n * (size_t)k, 2),
                  .c = alloc_fill((size_t)m * (size_t)n, 3) };
    const double sgemm = rate(run_sgemm, &p, min_seconds, "dnnl_sgemm");
    double packed = 0.0;
    if (transb == 'T') {
        size_t bytes;
        if (ops_pack_size(ops, n, k, &bytes) != ATTN_OK) {
            fprintf(stderr, "translate_gemm: %s\n", attn_last_error());
            exit(1);
        }
        if (bytes > 0) {
            p.packed_data = alloc_or_exit(bytes);
            if (ops_pack(ops, p.b, n, k, p.packed_data, &p.packed) != ATTN_OK) {
                fprintf(stderr, "translate_gemm: %s\n", attn_last_error());
                exit(1);
            }
        }
        packed = rate(run_libattn, &p, min_seconds, "the packed product");
    }
    char json[32];
    snprintf(json, sizeof json, packed > 0.0 ? "%.2f" : "null", packed);
    printf("{\"name\": \"%s\", \"m\": %ld, \"n\": %ld, \"k\": %ld, \"threads\": %d, "
           "\"gflops_sgemm\": %.2f, \"gflops_packed\": %s, \"gflops\": %.2f}\n",
           name, m, n, k, threads, sgemm, json, packed > sgemm ? packed : sgemm);
    fflush(stdout);
    ops_packed_free(p.packed);
    free(p.packed_data);
    free(p.a);
    free(p.b);
    free(p.c);
}

/* A dimension of --shape: positive, and small enough that the products of
 * two of them, in bytes, fit in size_t. */
static bool dim_ok(long d)
{
    return d > 0 && d <= 1000000;
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
                 dim_ok(custom[ncustom][0]) && dim_ok(custom[ncustom][1]) &&
                 dim_ok(custom[ncustom][2])) {
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
    ops_ctx *ops;
    if (ops_ctx_create(&ops) != ATTN_OK) {
        fprintf(stderr, "translate_gemm: %s\n", attn_last_error());
        return 1;
    }
    for (size_t i = 0; i < ncustom; i++) {
        char name[64];
        snprintf(name, sizeof name, "%ldx%ldx%ld", custom[i][0], custom[i][1], custom[i][2]);
        measure(name, custom[i][0], custom[i][1], custom[i][2], 'T', threads, min_seconds, ops);
    }
    for (size_t i = 0; ncustom == 0 && i < sizeof shapes / sizeof shapes[0]; i++) {
        if (quick && shapes[i].m == 2048 && shapes[i].transb == 'N')
            continue;
        measure(shapes[i].name, shapes[i].m, shapes[i].n, shapes[i].k, shapes[i].transb, threads,
                min_seconds, ops);
    }
    ops_ctx_free(ops);
    return 0;
}
