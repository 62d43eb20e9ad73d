/* search.c - see search.h. Rows carry their token history; after every
 * step the rows still running are gathered (decoder.reorder), so finished
 * items leave the batch. */
#include "decode/search.h"

#include <math.h>
#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "decode/processors.h"
#include "ops/vec.h"

/* What every row carries, in two sets: the running rows, and the next
 * step's rows that extend() builds from them; commit_rows() swaps them. */
typedef struct {
    int32_t *hist;   /* (capacity rows, width): tokens incl. start */
    float *lp;       /* (capacity rows, width): each token's log-probability
                        (entry 0 unused) */
    float *align;    /* (capacity rows, width, src) with return_attention,
                        else NULL */
    int64_t *item;   /* (capacity rows): item of each row */
    float *score;    /* (capacity rows): beam running score */
} row_set;

/* The working state of one search. */
typedef struct {
    const gen_config *c;
    const search_decoder *dec;
    int64_t vocab, width;         /* width: max_length, the row history capacity */
    int64_t rows;                 /* running rows */
    row_set cur, next;            /* the running rows; the next step's */
    int64_t src;                  /* source positions of an alignment row */
    const float *step_align;      /* (rows, src) of the current step */
    int64_t *parent;              /* (capacity rows) */
    int32_t *last;                /* (capacity rows, feed): tokens fed next */
    float *scores;                /* (threads, vocab): each thread's processed row */
    int threads;                  /* OpenMP's count when the search began */
    proc_pair *pairs;             /* (vocab) for the sampling warpers */
    uint64_t rng;                 /* sampling: splitmix64 state from the seed */
    uint32_t *seen;               /* (vocab) for the repetition penalty */
    uint32_t stamp;
    int64_t len;                  /* tokens per row so far, start included */
    int64_t prompt;               /* the start token and the target prefix */
    int64_t feed;                 /* tokens per row of the next step: the
                                     prompt at first, then one */
} search_state;

static bool is_eos(const gen_config *c, int32_t t)
{
    for (int64_t i = 0; i < c->eos_count; i++)
        if (c->eos[i] == t)
            return true;
    return false;
}

// false when an allocation failed; row_set_free() frees what was made
static bool row_set_alloc(row_set *set, size_t rows, size_t width, size_t src)
{
    set->hist = malloc(rows * width * sizeof *set->hist);
    set->lp = calloc(rows * width, sizeof *set->lp);
    set->align = src ? calloc(rows * width * src, sizeof *set->align) : NULL;
    set->item = malloc(rows * sizeof *set->item);
    set->score = calloc(rows, sizeof *set->score);
    return set->hist && set->lp && (!src || set->align) && set->item && set->score;
}

static void row_set_free(row_set *set)
{
    free(set->hist);
    free(set->lp);
    free(set->align);
    free(set->item);
    free(set->score);
}

static attn_status state_init(search_state *s, const gen_config *c, const search_decoder *dec,
                              int64_t rows, const int32_t *prefix)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->dec = dec;
    s->vocab = dec->vocab;
    s->width = c->max_length;
    s->rows = rows;
    s->prompt = s->feed = s->len = c->prompt_len;
    const size_t r = (size_t)rows, w = (size_t)s->width, v = (size_t)s->vocab;
    s->src = c->return_attention ? dec->src_len : 0;
    if (s->src && !dec->alignment)
        return err_set(ATTN_E_INTERNAL, "search: alignments asked of a decoder without");
    const bool sets = row_set_alloc(&s->cur, r, w, (size_t)s->src) &&
                      row_set_alloc(&s->next, r, w, (size_t)s->src);
    s->parent = malloc(r * sizeof *s->parent);
    s->last = malloc(r * (size_t)s->prompt * sizeof *s->last);
    s->threads = omp_get_max_threads();
    s->scores = malloc(v * (size_t)s->threads * sizeof *s->scores);
    s->seen = calloc(v, sizeof *s->seen);
    s->pairs = malloc(v * sizeof *s->pairs);
    s->rng = c->seed;
    if (!sets || !s->parent || !s->last || !s->scores || !s->seen || !s->pairs)
        return err_no_memory("the search state");
    const int64_t p = s->prompt - 1;
    for (int64_t i = 0; i < rows; i++) {
        int32_t *h = s->cur.hist + i * s->width;
        s->cur.item[i] = i / c->num_beams;
        h[0] = c->decoder_start;
        if (p)
            memcpy(h + 1, prefix + s->cur.item[i] * p, (size_t)p * sizeof *h);
        memcpy(s->last + i * s->prompt, h, (size_t)s->prompt * sizeof *h);
    }
    return ATTN_OK;
}

static void state_free(search_state *s)
{
    row_set_free(&s->cur);
    row_set_free(&s->next);
    void *p[] = { s->parent, s->last, s->scores, s->seen, s->pairs };
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
}

/* Row r's processed scores for the step just taken, into out. logits
 * (rows, feed, vocab): the row's last position counts. */
static void row_scores(search_state *s, int64_t r, const float *logits, bool log_probs,
                       float *out)
{
    /* only the repetition penalty reads the stamp, and rows run in
     * parallel only without it */
    const uint32_t stamp = s->c->repetition_penalty != 1.0 ? ++s->stamp : s->stamp;
    const float *last = logits + ((r + 1) * s->feed - 1) * s->vocab;
    if (log_probs)
        vec_log_softmax(out, last, s->vocab);
    else
        memcpy(out, last, (size_t)s->vocab * sizeof *out);
    proc_apply(s->c, s->cur.hist + r * s->width, s->len, out, s->vocab, s->seen, stamp);
}

/* Makes the gathered rows current: the next set becomes the running one,
 * and the decoder follows. */
static attn_status commit_rows(search_state *s, int64_t rows)
{
    const row_set running = s->cur;
    s->cur = s->next;
    s->next = running;
    s->rows = rows;
    s->len++;
    s->feed = 1;
    return rows > 0 ? s->dec->reorder(s->dec->ctx, s->parent, rows) : ATTN_OK;
}

/* Copies row r's history plus `token` of log-probability `lp` into next
 * row n. */
static void extend(search_state *s, int64_t r, int64_t n, int32_t token, float lp)
{
    memcpy(s->next.hist + n * s->width, s->cur.hist + r * s->width,
           (size_t)s->len * sizeof(int32_t));
    memcpy(s->next.lp + n * s->width, s->cur.lp + r * s->width, (size_t)s->len * sizeof(float));
    s->next.hist[n * s->width + s->len] = token;
    s->next.lp[n * s->width + s->len] = lp;
    if (s->src) {
        const int64_t row = s->width * s->src;
        memcpy(s->next.align + n * row, s->cur.align + r * row,
               (size_t)(s->len * s->src) * sizeof(float));
        memcpy(s->next.align + n * row + s->len * s->src,
               s->step_align + ((r + 1) * s->feed - 1) * s->src, (size_t)s->src * sizeof(float));
    }
    s->parent[n] = r;
    s->last[n] = token;
}

attn_status search_result_alloc(search_result *out, int64_t items, int64_t per_item,
                                int64_t width, bool token_scores, int64_t src_len)
{
    memset(out, 0, sizeof *out);
    out->items = items;
    out->per_item = per_item;
    out->stride = width;
    const size_t n = (size_t)(items * per_item);
    out->tokens = malloc(n * (size_t)width * sizeof *out->tokens);
    out->lengths = calloc(n, sizeof *out->lengths);
    out->scores = calloc(n, sizeof *out->scores);
    if (token_scores)
        out->token_scores = malloc(n * (size_t)width * sizeof *out->token_scores);
    out->src_len = src_len;
    if (src_len)
        out->alignment = calloc(n * (size_t)(width * src_len), sizeof *out->alignment);
    if (!out->tokens || !out->lengths || !out->scores || (token_scores && !out->token_scores) ||
        (src_len && !out->alignment))
        return err_no_memory("the search results");
    return ATTN_OK;
}

/* ------------------------------------------------------------------ greedy */

/* A uniform double in [0, 1) from the call's seeded stream. */
static double next_uniform(search_state *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

/* Hypothesis of item i from next row n: its `count` tokens after the start
 * token, with their log-probabilities and alignments. */
static void record(search_state *s, search_result *out, int64_t i, int64_t n, int64_t count,
                   float score)
{
    const int32_t *tokens = s->next.hist + n * s->width + 1;
    memcpy(out->tokens + i * out->stride, tokens, (size_t)count * sizeof *tokens);
    if (out->token_scores)
        memcpy(out->token_scores + i * out->stride, s->next.lp + n * s->width + 1,
               (size_t)count * sizeof(float));
    if (out->alignment)
        memcpy(out->alignment + i * out->stride * out->src_len,
               s->next.align + (n * s->width + 1) * s->src,
               (size_t)(count * s->src) * sizeof(float));
    out->lengths[i] = count;
    out->scores[i] = score;
}

/* One step of greedy decoding or sampling for every running row: each
 * choice goes to on_token (until it asks to stop, which sets *stop) and
 * finished rows are recorded and leave. */
static attn_status greedy_step(search_state *s, search_result *out, bool *stop)
{
    const gen_config *c = s->c;
    const search_decoder *dec = s->dec;
    const float *logits;
    float *row = s->scores;
    attn_status st = dec->step(dec->ctx, s->last, s->feed, &logits);
    if (st == ATTN_OK && s->src)
        st = dec->alignment(dec->ctx, &s->step_align);
    if (st != ATTN_OK)
        return st;
    int64_t kept = 0;
    for (int64_t r = 0; r < s->rows; r++) {
        row_scores(s, r, logits, false, row);
        int64_t best;
        if (c->do_sample) {
            proc_warp(c, row, s->vocab, s->pairs);
            best = proc_sample(row, s->vocab, next_uniform(s));
        } else {
            best = vec_argmax(row, s->vocab);
        }
        /* The score reported is the log-probability of the choice. */
        vec_log_softmax(row, row, s->vocab);
        const float logprob = row[best];
        const int64_t i = s->cur.item[r];
        if (dec->on_token && !*stop)
            *stop = dec->on_token(dec->user, i, (int32_t)best, logprob) != 0;
        extend(s, r, kept, (int32_t)best, logprob);
        if (is_eos(c, (int32_t)best) || s->len + 1 >= c->max_length) {
            record(s, out, i, kept, s->len, s->cur.score[r] + logprob);
            continue;
        }
        s->next.item[kept] = i;
        s->next.score[kept] = s->cur.score[r] + logprob;
        kept++;
    }
    if (*stop) {
        /* the caller asked to stop: running rows keep what they have */
        for (int64_t n = 0; n < kept; n++)
            record(s, out, s->next.item[n], n, s->len, s->next.score[n]);
        return err_set(ATTN_E_ABORTED, "generation stopped by the token callback");
    }
    return commit_rows(s, kept);
}

static attn_status greedy(search_state *s, search_result *out)
{
    bool stop = false;
    attn_status st = ATTN_OK;
    while (s->rows > 0 && st == ATTN_OK)
        st = greedy_step(s, out, &stop);
    return st;
}

/* ------------------------------------------------------------- beam search */

/* The finished hypotheses of one item (BeamHypotheses); scores are kept
 * in double, as Python keeps them, for the comparisons. */
typedef struct {
    int64_t count;
    double worst;
    double score[GEN_MAX_BEAMS];
    bool done;
} beam_pool;

typedef struct {
    float score;
    int64_t beam;   /* row within the item */
    int32_t token;
} candidate;

/* Keeps the k best candidates in `top` (a min-heap on score by the time
 * all are pushed; sorted descending at the end by sort_candidates). */
static void heap_push(candidate *top, int64_t *n, int64_t k, candidate c)
{
    if (*n == k) {
        if (!(c.score > top[0].score))
            return;
        top[0] = c;
        for (int64_t i = 0;;) { /* sift down */
            int64_t l = 2 * i + 1, r = l + 1, m = i;
            if (l < k && top[l].score < top[m].score)
                m = l;
            if (r < k && top[r].score < top[m].score)
                m = r;
            if (m == i)
                break;
            candidate t = top[i];
            top[i] = top[m];
            top[m] = t;
            i = m;
        }
        return;
    }
    int64_t i = (*n)++;
    top[i] = c;
    while (i > 0 && top[(i - 1) / 2].score > top[i].score) { /* sift up */
        candidate t = top[i];
        top[i] = top[(i - 1) / 2];
        top[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int candidate_desc(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    /* torch.topk keeps equal values in index order */
    int64_t ix = x->beam, iy = y->beam;
    return ix != iy ? (ix < iy ? -1 : 1) : (x->token < y->token ? -1 : x->token > y->token);
}

/* The k best next tokens over the beams of the item whose rows begin at
 * `first`, best first, into top; returns how many (k unless the vocabulary
 * is smaller). `row` is the caller's scratch of one vocabulary row. */
static int64_t item_candidates(search_state *s, int64_t first, const float *logits, float *row,
                               candidate *top, int64_t k)
{
    const int64_t V = s->vocab;
    int64_t n = 0;
    for (int64_t b = 0; b < s->c->num_beams; b++) {
        const float score = s->cur.score[first + b];
        row_scores(s, first + b, logits, true, row);
        int64_t v = 0;
        for (; v < V && n < k; v++)
            heap_push(top, &n, k, (candidate){ row[v] + score, b, (int32_t)v });
        /* once the heap is full, only entries above its least matter */
        while ((v = vec_find_above(row, score, top[0].score, v, V)) < V) {
            heap_push(top, &n, k, (candidate){ row[v] + score, b, (int32_t)v });
            v++;
        }
    }
    qsort(top, (size_t)n, sizeof *top, candidate_desc);
    return n;
}

/* item_candidates() for every running item, in parallel unless the
 * repetition penalty's shared bookkeeping is in use. */
static void all_candidates(search_state *s, const float *logits, candidate *top,
                           int64_t *found, int64_t k)
{
    const int64_t nb = s->c->num_beams, items = s->rows / nb;
#pragma omp parallel num_threads(s->threads) \
    if (items > 1 && s->c->repetition_penalty == 1.0)
    {
        float *row = s->scores + (size_t)omp_get_thread_num() * (size_t)s->vocab;
#pragma omp for schedule(static)
        for (int64_t it = 0; it < items; it++)
            found[it] = item_candidates(s, it * nb, logits, row, top + it * k, k);
    }
}

/* BeamHypotheses.add: keeps the num_beams best of item i. Hypothesis
 * tokens are the history after the start token, plus eos[0] when `eos`. */
static void pool_add(search_state *s, search_result *out, beam_pool *pool, int64_t i,
                     const int32_t *hist, const float *lps, const float *align, int64_t len,
                     double sum, int64_t generated, bool eos, float eos_lp,
                     const float *eos_align)
{
    const gen_config *c = s->c;
    const int64_t nb = c->num_beams;
    const double score = sum / pow((double)generated, c->length_penalty);
    if (!(pool->count < nb || score > pool->worst))
        return;
    int64_t slot = pool->count;
    if (pool->count == nb) { /* replace the worst */
        slot = 0;
        for (int64_t j = 1; j < nb; j++)
            if (pool->score[j] < pool->score[slot])
                slot = j;
    } else {
        pool->count++;
    }
    pool->score[slot] = score;
    int32_t *dst = out->tokens + (i * nb + slot) * out->stride;
    memcpy(dst, hist + 1, (size_t)(len - 1) * sizeof *dst);
    int64_t n = len - 1;
    float *dst_lp = out->token_scores ? out->token_scores + (i * nb + slot) * out->stride : NULL;
    if (dst_lp) {
        memcpy(dst_lp, lps + 1, (size_t)n * sizeof *dst_lp);
        if (eos)
            dst_lp[n] = eos_lp;
    }
    if (out->alignment) {
        float *dst_align = out->alignment + (i * nb + slot) * out->stride * s->src;
        memcpy(dst_align, align + s->src, (size_t)(n * s->src) * sizeof *dst_align);
        if (eos)
            memcpy(dst_align + n * s->src, eos_align, (size_t)s->src * sizeof *dst_align);
    }
    if (eos)
        dst[n++] = c->eos[0];
    out->lengths[i * nb + slot] = n;
    out->scores[i * nb + slot] = (float)score;
    pool->worst = INFINITY;
    for (int64_t j = 0; j < pool->count; j++)
        pool->worst = fmin(pool->worst, pool->score[j]);
}

static bool pool_is_done(const search_state *s, const beam_pool *pool, double best, int64_t len)
{
    const gen_config *c = s->c;
    if (pool->count < c->num_beams)
        return false;
    if (c->early_stopping == GEN_STOP_EARLY)
        return true;
    int64_t horizon = len - s->prompt;
    if (c->early_stopping == GEN_STOP_NEVER && c->length_penalty > 0.0)
        horizon = c->max_length - s->prompt;
    return pool->worst >= best / pow((double)horizon, c->length_penalty);
}

static attn_status beam_search(search_state *s, beam_pool *pools, search_result *out)
{
    const gen_config *c = s->c;
    const int64_t nb = c->num_beams;
    const int64_t k = (c->eos_count + 1 > 2 ? c->eos_count + 1 : 2) * nb;
    const size_t items = (size_t)(s->rows / nb);
    candidate *all_top = malloc(items * (size_t)k * sizeof *all_top);
    int64_t *found = malloc(items * sizeof *found);
    if (!all_top || !found) {
        free(all_top);
        free(found);
        return err_no_memory("beam candidates");
    }
    for (int64_t r = 0; r < s->rows; r++) /* only beam 0 expands at first */
        s->cur.score[r] = r % nb ? -1e9f : 0.0f;
    attn_status st = ATTN_OK;
    while (s->rows > 0 && st == ATTN_OK) {
        const float *logits;
        st = s->dec->step(s->dec->ctx, s->last, s->feed, &logits);
        if (st == ATTN_OK && s->src)
            st = s->dec->alignment(s->dec->ctx, &s->step_align);
        if (st != ATTN_OK)
            break;
        all_candidates(s, logits, all_top, found, k);
        int64_t kept = 0;
        for (int64_t first = 0; first < s->rows; first += nb) {
            const int64_t i = s->cur.item[first];
            const candidate *top = all_top + first / nb * k;
            const int64_t n = found[first / nb];
            int64_t beams = 0;
            for (int64_t rank = 0; rank < n && beams < nb; rank++) {
                const int64_t parent = first + top[rank].beam;
                const float lp = top[rank].score - s->cur.score[parent];
                if (is_eos(c, top[rank].token)) {
                    if (rank < nb)
                        pool_add(s, out, &pools[i], i, s->cur.hist + parent * s->width,
                                 s->cur.lp + parent * s->width,
                                 s->cur.align + parent * s->width * s->src, s->len,
                                 (double)top[rank].score, s->len + 1 - s->prompt, true, lp,
                                 s->step_align + ((parent + 1) * s->feed - 1) * s->src);
                    continue;
                }
                extend(s, parent, kept + beams, top[rank].token, lp);
                s->next.item[kept + beams] = i;
                s->next.score[kept + beams] = top[rank].score;
                beams++;
            }
            if (beams < nb) {
                st = err_set(ATTN_E_INTERNAL, "beam search: fewer than %lld non-eos candidates",
                             (long long)nb);
                break;
            }
            pools[i].done = pool_is_done(s, &pools[i], (double)top[0].score, s->len + 1);
            if (!pools[i].done)
                kept += nb;
        }
        if (st != ATTN_OK)
            break;
        if (s->len + 1 >= c->max_length) {
            /* finalize(): running beams of unfinished items join their pools */
            for (int64_t r = 0; r < kept; r++) {
                const int64_t i = s->next.item[r];
                pool_add(s, out, &pools[i], i, s->next.hist + r * s->width,
                         s->next.lp + r * s->width, s->next.align + r * s->width * s->src,
                         s->len + 1, (double)s->next.score[r], s->len + 1 - s->prompt, false,
                         0.0f, NULL);
            }
            break;
        }
        st = commit_rows(s, kept);
    }
    free(all_top);
    free(found);
    return st;
}

/* The per-hypothesis arrays of a result, each with its row size in bytes. */
static int hypothesis_arrays(search_result *out, char **arrays, size_t *row)
{
    int n = 0;
    arrays[n] = (char *)out->tokens;
    row[n++] = (size_t)out->stride * sizeof(int32_t);
    if (out->token_scores) {
        arrays[n] = (char *)out->token_scores;
        row[n++] = (size_t)out->stride * sizeof(float);
    }
    if (out->alignment) {
        arrays[n] = (char *)out->alignment;
        row[n++] = (size_t)(out->stride * out->src_len) * sizeof(float);
    }
    return n;
}

/* Hypothesis `from` overwrites `to`; with `swap`, they trade places. */
static void move_hypothesis(search_result *out, int64_t from, int64_t to, bool swap)
{
    char *arrays[3];
    size_t row[3];
    int n = hypothesis_arrays(out, arrays, row);
    for (int a = 0; a < n; a++) {
        char *x = arrays[a] + (size_t)from * row[a], *y = arrays[a] + (size_t)to * row[a];
        for (size_t b = 0; b < row[a]; b++) {
            char t = y[b];
            y[b] = x[b];
            if (swap)
                x[b] = t;
        }
    }
    float ts = out->scores[to];
    int64_t tl = out->lengths[to];
    out->scores[to] = out->scores[from];
    out->lengths[to] = out->lengths[from];
    if (swap) {
        out->scores[from] = ts;
        out->lengths[from] = tl;
    }
}

/* Orders each item's pool best first and keeps num_return_sequences. */
static void sort_pools(search_result *out, int64_t nb, int64_t keep)
{
    for (int64_t i = 0; i < out->items; i++) {
        for (int64_t a = 0; a < nb; a++) { /* selection sort: nb is small */
            int64_t best = a;
            for (int64_t b = a + 1; b < nb; b++)
                if (out->scores[i * nb + b] > out->scores[i * nb + best])
                    best = b;
            if (best != a)
                move_hypothesis(out, i * nb + best, i * nb + a, true);
        }
        /* keep the first `keep` of each item contiguous */
        for (int64_t j = 0; j < keep; j++)
            if (i * nb + j != i * keep + j)
                move_hypothesis(out, i * nb + j, i * keep + j, false);
    }
    out->per_item = keep;
}

attn_status search_run(const gen_config *c, const search_decoder *dec, int64_t items,
                       const int32_t *prefix, search_result *out)
{
    search_state s;
    beam_pool *pools = NULL;
    const int64_t nb = c->num_beams;
    attn_status st = state_init(&s, c, dec, items * nb, prefix);
    if (st == ATTN_OK)
        st = search_result_alloc(out, items, nb, c->max_length, c->return_scores,
                                 c->return_attention ? dec->src_len : 0);
    if (st == ATTN_OK && nb > 1) {
        pools = calloc((size_t)items, sizeof *pools);
        if (!pools)
            st = err_no_memory("the beam pools");
    }
    if (st == ATTN_OK)
        st = nb > 1 ? beam_search(&s, pools, out) : greedy(&s, out);
    if (st == ATTN_OK && nb > 1)
        sort_pools(out, nb, c->num_return_sequences);
    free(pools);
    state_free(&s);
    if (st != ATTN_OK && st != ATTN_E_ABORTED)
        search_result_free(out);
    return st;
}

void search_result_free(search_result *r)
{
    free(r->tokens);
    free(r->lengths);
    free(r->scores);
    free(r->token_scores);
    free(r->alignment);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ stream */

struct search_stream {
    search_state state;
    search_decoder dec;           /* the caller's, with on_token queueing */
    search_result out;
    struct {
        int64_t item;
        int32_t token;
        float logprob;
    } *queue;                     /* the tokens of the last step */
    int64_t head, count;
};

static int32_t stream_push(void *user, int64_t item, int32_t token, float logprob)
{
    search_stream *st = user;
    st->queue[st->count].item = item;
    st->queue[st->count].token = token;
    st->queue[st->count].logprob = logprob;
    st->count++;
    return 0;
}

attn_status search_stream_open(const gen_config *c, const search_decoder *dec, int64_t items,
                               search_stream **out)
{
    search_stream *st = calloc(1, sizeof *st);
    if (!st)
        return err_no_memory("a token stream");
    st->dec = *dec;
    st->dec.on_token = stream_push;
    st->dec.user = st;
    attn_status rc = state_init(&st->state, c, &st->dec, items, NULL);
    if (rc == ATTN_OK)
        rc = search_result_alloc(&st->out, items, 1, c->max_length, false, 0);
    if (rc == ATTN_OK && !(st->queue = malloc((size_t)items * sizeof *st->queue)))
        rc = err_no_memory("a token stream");
    if (rc != ATTN_OK) {
        search_stream_free(st);
        return rc;
    }
    *out = st;
    return ATTN_OK;
}

attn_status search_stream_next(search_stream *st, int64_t *item, int32_t *token,
                               float *logprob)
{
    if (st->head == st->count) {
        if (st->state.rows == 0)
            return err_set(ATTN_E_NOT_FOUND, "the stream has ended: every input is finished");
        bool stop = false;
        st->head = st->count = 0;
        attn_status rc = greedy_step(&st->state, &st->out, &stop);
        if (rc != ATTN_OK)
            return rc;
    }
    *item = st->queue[st->head].item;
    *token = st->queue[st->head].token;
    *logprob = st->queue[st->head].logprob;
    st->head++;
    return ATTN_OK;
}

void search_stream_free(search_stream *st)
{
    if (!st)
        return;
    state_free(&st->state);
    search_result_free(&st->out);
    free(st->queue);
    free(st);
}

void search_result_merge(search_result *all, const search_result *part, const size_t *order)
{
    for (int64_t i = 0; i < part->items; i++)
        for (int64_t j = 0; j < part->per_item; j++) {
            const int64_t from = i * part->per_item + j;
            const int64_t to = (int64_t)order[i] * all->per_item + j;
            memcpy(all->tokens + to * all->stride, part->tokens + from * part->stride,
                   (size_t)part->lengths[from] * sizeof(int32_t));
            if (all->token_scores)
                memcpy(all->token_scores + to * all->stride,
                       part->token_scores + from * part->stride,
                       (size_t)part->lengths[from] * sizeof(float));
            /* a sub-batch's sources are no longer than the longest of all */
            for (int64_t t = 0; all->alignment && t < part->lengths[from]; t++)
                memcpy(all->alignment + (to * all->stride + t) * all->src_len,
                       part->alignment + (from * part->stride + t) * part->src_len,
                       (size_t)part->src_len * sizeof(float));
            all->lengths[to] = part->lengths[from];
            all->scores[to] = part->scores[from];
        }
}
