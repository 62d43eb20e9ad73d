/* processors.c - see processors.h. Each processor follows the formula of
 * its transformers namesake in logits_process.py. */
#include "decode/processors.h"

#include "ops/vec.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

// RepetitionPenaltyLogitsProcessor: each distinct token seen once
static void repetition_penalty(const gen_config *c, const int32_t *ids, int64_t len,
                               float *scores, uint32_t *seen, uint32_t stamp)
{
    const float p = (float)c->repetition_penalty;
    for (int64_t i = 0; i < len; i++) {
        const int32_t t = ids[i];
        if (seen[t] == stamp)
            continue;
        seen[t] = stamp;
        scores[t] = scores[t] < 0 ? scores[t] * p : scores[t] / p;
    }
}

// NoRepeatNGramLogitsProcessor: ban what would repeat an n-gram of ids
static void no_repeat_ngram(int64_t n, const int32_t *ids, int64_t len, float *scores)
{
    if (len + 1 < n)
        return;
    const int32_t *prefix = ids + len - (n - 1);
    for (int64_t j = 0; j + n <= len; j++)
        if (memcmp(ids + j, prefix, (size_t)(n - 1) * sizeof *ids) == 0)
            scores[ids[j + n - 1]] = -INFINITY;
}

// NoBadWordsLogitsProcessor: a word's last token when its prefix just ended
static void bad_words(const gen_config *c, const int32_t *ids, int64_t len, float *scores)
{
    for (int64_t w = 0; w < c->bad_count; w++) {
        const int32_t *word = c->bad_words + c->bad_start[w];
        const int64_t n = c->bad_start[w + 1] - c->bad_start[w];
        /* a word longer than the whole history is ignored, as in
         * SequenceBiasLogitsProcessor */
        if (n <= len &&
            memcmp(ids + len - (n - 1), word, (size_t)(n - 1) * sizeof *ids) == 0)
            scores[word[n - 1]] = -INFINITY;
    }
}

static void only(float *scores, int64_t vocab, const int32_t *keep, int64_t count)
{
    for (int64_t i = 0; i < vocab; i++)
        scores[i] = -INFINITY;
    for (int64_t i = 0; i < count; i++)
        scores[keep[i]] = 0.0f;
}

static void ban(float *scores, const int32_t *tokens, int64_t count)
{
    for (int64_t i = 0; i < count; i++)
        scores[tokens[i]] = -INFINITY;
}

void proc_apply(const gen_config *c, const int32_t *ids, int64_t len, float *scores,
                int64_t vocab, uint32_t *seen, uint32_t stamp)
{
    if (c->repetition_penalty != 1.0)
        repetition_penalty(c, ids, len, scores, seen, stamp);
    if (c->no_repeat_ngram_size > 0)
        no_repeat_ngram(c->no_repeat_ngram_size, ids, len, scores);
    bad_words(c, ids, len, scores);
    if (len < c->min_length)
        ban(scores, c->eos, c->eos_count);
    if (c->forced_bos >= 0 && len == 1)
        only(scores, vocab, &c->forced_bos, 1);
    if (c->forced_eos_count > 0 && len == c->max_length - 1)
        only(scores, vocab, c->forced_eos, c->forced_eos_count);
    ban(scores, c->suppress, c->suppress_count);
    if (len == c->begin_suppress_index)
        ban(scores, c->begin_suppress, c->begin_suppress_count);
    if (c->renormalize)
        vec_log_softmax(scores, scores, vocab);
}

/* Ascending by score, then by token, as a stable sort of the vocabulary. */
static int pair_ascending(const void *a, const void *b)
{
    const proc_pair *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return x->token < y->token ? -1 : 1;
}

static void sort_pairs(const float *scores, int64_t vocab, proc_pair *pairs)
{
    for (int64_t i = 0; i < vocab; i++)
        pairs[i] = (proc_pair){ scores[i], (int32_t)i };
    qsort(pairs, (size_t)vocab, sizeof *pairs, pair_ascending);
}

void proc_warp(const gen_config *c, float *scores, int64_t vocab, proc_pair *pairs)
{
    if (c->temperature != 1.0) {
        const float t = (float)c->temperature;
        for (int64_t i = 0; i < vocab; i++)
            scores[i] /= t;
    }
    if (c->top_k > 0 && c->top_k < vocab) {
        sort_pairs(scores, vocab, pairs);
        const float kth = pairs[vocab - c->top_k].score;
        for (int64_t i = 0; i < vocab; i++)
            if (scores[i] < kth)
                scores[i] = -INFINITY;
    }
    if (c->top_p < 1.0) {
        sort_pairs(scores, vocab, pairs);
        float max = pairs[vocab - 1].score, sum = 0.0f;
        for (int64_t i = 0; i < vocab; i++)
            sum += expf(pairs[i].score - max);
        /* cumulative probability from the least likely up; the most likely
         * token is always kept */
        float cum = 0.0f;
        for (int64_t i = 0; i < vocab - 1; i++) {
            cum += expf(pairs[i].score - max) / sum;
            if (cum <= (float)(1.0 - c->top_p))
                scores[pairs[i].token] = -INFINITY;
        }
    }
}

int32_t proc_sample(const float *scores, int64_t vocab, double u)
{
    float max = -INFINITY;
    for (int64_t i = 0; i < vocab; i++)
        max = scores[i] > max ? scores[i] : max;
    double total = 0.0;
    for (int64_t i = 0; i < vocab; i++)
        total += exp((double)(scores[i] - max));
    double target = u * total, cum = 0.0;
    int32_t last = 0;
    for (int64_t i = 0; i < vocab; i++) {
        if (scores[i] == -INFINITY)
            continue;
        last = (int32_t)i;
        cum += exp((double)(scores[i] - max));
        if (cum > target)
            return (int32_t)i;
    }
    return last;
}
