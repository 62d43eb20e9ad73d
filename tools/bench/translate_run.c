/* translate_run.c - libattn's runner for the translate benchmark
 * (tools/bench/translate.py): loads a model folder, generates target token
 * ids for source token ids, and reports timings as one JSON line.
 *
 *   translate_run MODEL_DIR INPUT_IDS OUTPUT_IDS [options]
 *
 * INPUT_IDS holds one source per line as space-separated token ids, special
 * tokens included (Marian: ending with </s>). OUTPUT_IDS receives the best
 * hypothesis of each source as space-separated ids (the decoder start token
 * excluded, an end-of-sequence token included when one was generated), in
 * input order.
 *
 * Options:
 *   --threads N           session option "threads" (default 1)
 *   --batch B             B > 1: one attn_generate_ids() call over all
 *                         inputs with max_batch_size B (libattn sorts by
 *                         length); B = 1: one call per sentence, each timed
 *   --num-beams K         (default 1)
 *   --max-new-tokens N    (default 64)
 *   --min-new-tokens N    (default: not set)
 *   --length-penalty X    (default: not set, i.e. the model's or 1.0)
 *   --warmup W            untimed calls before the timed run: W single
 *                         sentences (B = 1) or one call over the first W
 *                         sentences (B > 1); default 2
 *   --pack-weights 0|1    model option "pack_weights" (default: the
 *                         library's, 1)
 *
 * stdout: {"system": "libattn", "load_s", "seconds", "sentences",
 *          "source_tokens", "target_tokens", "latency_p50_s",
 *          "latency_p90_s", "peak_rss_mb"}
 * load_s covers attn_model_load() and attn_session_create(); peak_rss_mb is
 * the process's peak resident set (VmHWM) at the end: weights are
 * memory-mapped, so the model's pages that were touched count in it. */
#define _POSIX_C_SOURCE 200809L
#include <attn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, attn_status st)
{
    fprintf(stderr, "translate_run: %s: %s: %s\n", what, attn_status_string(st),
            attn_last_error());
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "translate_run: out of memory\n");
        exit(1);
    }
    return p;
}

typedef struct {
    int32_t *ids;     /* all sources, one after another */
    size_t *lengths;  /* tokens of each source */
    size_t *offsets;  /* where each source starts in ids */
    size_t count, total;
} inputs;

static void read_inputs(const char *path, inputs *in)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    memset(in, 0, sizeof *in);
    size_t cap_ids = 0, cap_seq = 0;
    char *line = NULL;
    size_t line_cap = 0;
    while (getline(&line, &line_cap, f) >= 0) {
        char *p = line, *end;
        size_t len = 0;
        for (;;) {
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            if (in->total == cap_ids) {
                cap_ids = cap_ids ? 2 * cap_ids : 4096;
                in->ids = xrealloc(in->ids, cap_ids * sizeof *in->ids);
            }
            in->ids[in->total++] = (int32_t)v;
            len++;
            p = end;
        }
        if (len == 0)
            continue;
        if (in->count == cap_seq) {
            cap_seq = cap_seq ? 2 * cap_seq : 256;
            in->lengths = xrealloc(in->lengths, cap_seq * sizeof *in->lengths);
            in->offsets = xrealloc(in->offsets, cap_seq * sizeof *in->offsets);
        }
        in->offsets[in->count] = in->total - len;
        in->lengths[in->count++] = len;
    }
    free(line);
    fclose(f);
}

/* Peak resident set size in MB: VmHWM of /proc/self/status, which belongs
 * to this program's address space. getrusage()'s ru_maxrss is kept across
 * execve(), so in a process forked from a large parent (the Python
 * orchestrator) it reports the parent's size; it is the fallback where
 * /proc is missing. */
static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long kb = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
                break;
        fclose(f);
        if (kb >= 0)
            return (double)kb / 1024.0;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile by linear interpolation (numpy's default). */
static double quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    const double pos = q * (double)(n - 1);
    const size_t lo = (size_t)pos;
    const size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

/* Writes hypothesis 0 of every input of `r` to `out`, starting at output
 * line `first`; returns the number of tokens. */
static size_t store(const attn_result *r, int32_t **lines, size_t *lens, size_t first)
{
    size_t tokens = 0;
    for (size_t i = 0; i < attn_result_count(r); i++) {
        const int32_t *t;
        size_t n;
        attn_status st = attn_result_hypothesis(r, i, 0, &t, &n, NULL);
        if (st != ATTN_OK)
            die("attn_result_hypothesis", st);
        if (lines) {
            lines[first + i] = xrealloc(NULL, n * sizeof *t);
            memcpy(lines[first + i], t, n * sizeof *t);
            lens[first + i] = n;
        }
        tokens += n;
    }
    return tokens;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL_DIR INPUT_IDS OUTPUT_IDS [--threads N] [--batch B] "
                        "[--num-beams K] [--max-new-tokens N] [--min-new-tokens N] "
                        "[--length-penalty X] [--warmup W] [--pack-weights 0|1]\n", argv[0]);
        return 2;
    }
    const char *model_dir = argv[1], *input_path = argv[2], *output_path = argv[3];
    long threads = 1, batch = 1, beams = 1, max_new = 64, min_new = -1, warmup = 2, pack = -1;
    double length_penalty = 0.0;
    int have_lp = 0;
    for (int i = 4; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "translate_run: %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--threads"))
            threads = atol(v);
        else if (!strcmp(a, "--batch"))
            batch = atol(v);
        else if (!strcmp(a, "--num-beams"))
            beams = atol(v);
        else if (!strcmp(a, "--max-new-tokens"))
            max_new = atol(v);
        else if (!strcmp(a, "--min-new-tokens"))
            min_new = atol(v);
        else if (!strcmp(a, "--length-penalty")) {
            length_penalty = atof(v);
            have_lp = 1;
        } else if (!strcmp(a, "--warmup"))
            warmup = atol(v);
        else if (!strcmp(a, "--pack-weights"))
            pack = atol(v);
        else {
            fprintf(stderr, "translate_run: unknown option %s\n", a);
            return 2;
        }
    }

    inputs in;
    read_inputs(input_path, &in);
    if (in.count == 0) {
        fprintf(stderr, "translate_run: %s holds no sources\n", input_path);
        return 1;
    }

    attn_status st = attn_check_version(ATTN_VERSION_NUMBER);
    if (st != ATTN_OK)
        die("attn_check_version", st);

    /* Load: model and session. */
    const double t_load = now();
    attn_options *mopt;
    if ((st = attn_options_create(&mopt)) != ATTN_OK ||
        (pack >= 0 && (st = attn_options_set_int(mopt, "pack_weights", pack)) != ATTN_OK))
        die("model options", st);
    attn_model *model;
    st = attn_model_load(model_dir, mopt, &model);
    if (st != ATTN_OK)
        die("attn_model_load", st);
    attn_options *sopt;
    if ((st = attn_options_create(&sopt)) != ATTN_OK ||
        (st = attn_options_set_int(sopt, "threads", threads)) != ATTN_OK)
        die("session options", st);
    attn_session *session;
    st = attn_session_create(model, sopt, &session);
    if (st != ATTN_OK)
        die("attn_session_create", st);
    const double load_s = now() - t_load;

    attn_options *gopt;
    if ((st = attn_options_create(&gopt)) != ATTN_OK ||
        (st = attn_options_set_int(gopt, "num_beams", beams)) != ATTN_OK ||
        (st = attn_options_set_int(gopt, "max_new_tokens", max_new)) != ATTN_OK ||
        (min_new >= 0 && (st = attn_options_set_int(gopt, "min_new_tokens", min_new)) != ATTN_OK) ||
        (have_lp && (st = attn_options_set_float(gopt, "length_penalty", length_penalty)) != ATTN_OK) ||
        (batch > 1 && (st = attn_options_set_int(gopt, "max_batch_size", batch)) != ATTN_OK))
        die("generation options", st);

    int32_t **lines = xrealloc(NULL, in.count * sizeof *lines);
    size_t *line_lens = xrealloc(NULL, in.count * sizeof *line_lens);
    double *lat = xrealloc(NULL, in.count * sizeof *lat);
    size_t target_tokens = 0;
    attn_result *r;

    /* Warm-up: oneDNN creates its primitives and the session grows its
     * buffers on first use; the peers get the same warm-up. */
    if (warmup > 0) {
        const size_t w = (size_t)warmup < in.count ? (size_t)warmup : in.count;
        if (batch > 1) {
            if ((st = attn_generate_ids(session, in.ids, in.lengths, w, gopt, &r)) != ATTN_OK)
                die("attn_generate_ids (warm-up)", st);
            attn_result_free(r);
        } else {
            for (size_t i = 0; i < w; i++) {
                st = attn_generate_ids(session, in.ids + in.offsets[i], &in.lengths[i], 1,
                                       gopt, &r);
                if (st != ATTN_OK)
                    die("attn_generate_ids (warm-up)", st);
                attn_result_free(r);
            }
        }
    }

    const double t0 = now();
    if (batch > 1) {
        st = attn_generate_ids(session, in.ids, in.lengths, in.count, gopt, &r);
        if (st != ATTN_OK)
            die("attn_generate_ids", st);
        target_tokens = store(r, lines, line_lens, 0);
        attn_result_free(r);
    } else {
        for (size_t i = 0; i < in.count; i++) {
            const double s0 = now();
            st = attn_generate_ids(session, in.ids + in.offsets[i], &in.lengths[i], 1, gopt, &r);
            if (st != ATTN_OK)
                die("attn_generate_ids", st);
            lat[i] = now() - s0;
            target_tokens += store(r, lines, line_lens, i);
            attn_result_free(r);
        }
    }
    const double seconds = now() - t0;

    FILE *out = fopen(output_path, "w");
    if (!out) {
        perror(output_path);
        return 1;
    }
    for (size_t i = 0; i < in.count; i++) {
        for (size_t j = 0; j < line_lens[i]; j++)
            fprintf(out, j ? " %d" : "%d", lines[i][j]);
        fputc('\n', out);
        free(lines[i]);
    }
    if (fclose(out) != 0) {
        perror(output_path);
        return 1;
    }

    char p50[32] = "null", p90[32] = "null";
    if (batch <= 1) {
        snprintf(p50, sizeof p50, "%.6f", quantile(lat, in.count, 0.5));
        snprintf(p90, sizeof p90, "%.6f", quantile(lat, in.count, 0.9));
    }
    printf("{\"system\": \"libattn\", \"version\": \"%s\", \"load_s\": %.6f, "
           "\"seconds\": %.6f, \"sentences\": %zu, \"source_tokens\": %zu, "
           "\"target_tokens\": %zu, \"latency_p50_s\": %s, \"latency_p90_s\": %s, "
           "\"peak_rss_mb\": %.1f}\n",
           attn_version_string(), load_s, seconds, in.count, in.total, target_tokens, p50, p90,
           peak_rss_mb());

    free(lat);
    free(lines);
    free(line_lens);
    attn_options_free(gopt);
    attn_options_free(sopt);
    attn_options_free(mopt);
    attn_session_free(session);
    attn_model_free(model);
    free(in.ids);
    free(in.lengths);
    free(in.offsets);
    return 0;
}
