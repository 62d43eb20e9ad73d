/* unigram.c - Viterbi over byte positions: best[e] is the best path that
 * ends at byte e, extended by every piece starting at each character
 * boundary. SentencePiece compares candidates in double but stores path
 * scores in float, and adds the unknown edge in float; tokenizers works in
 * double throughout. Both behaviours are reproduced bit for bit. */
#include <stdlib.h>

#include "base/error.h"
#include "tokenizer/unigram.h"

typedef struct unigram_node {
    double score;
    int32_t id;
    int64_t start; /* -1: no path ends here yet */
} unigram_node;

static void unigram_offer(const unigram_model *u, unigram_node *target, double candidate,
                          size_t start, int32_t id)
{
    if (target->start >= 0 && !(candidate > target->score))
        return;
    target->score = u->float_path ? (double)(float)candidate : candidate;
    target->start = (int64_t)start;
    target->id = id;
}

static double unigram_piece_score(const unigram_model *u, int32_t id, size_t len)
{
    if (u->kinds && u->kinds[id] == UNIGRAM_USER)
        return (double)((float)len * u->max_score) - 0.1;
    return u->scores[id];
}

attn_status unigram_viterbi(const unigram_model *u, const char *s, size_t n, void **scratch,
                            size_t *scratch_cap, tk_spans *out)
{
    if (n == 0)
        return ATTN_OK;
    if (n + 1 > *scratch_cap) {
        if (n + 1 > SIZE_MAX / sizeof(unigram_node))
            return err_no_memory("a Unigram lattice");
        void *p = realloc(*scratch, (n + 1) * sizeof(unigram_node));
        if (!p)
            return err_no_memory("a Unigram lattice");
        *scratch = p;
        *scratch_cap = n + 1;
    }
    unigram_node *best = *scratch;
    for (size_t i = 0; i <= n; i++)
        best[i] = (unigram_node){ 0.0, -1, -1 };
    best[0].start = 0;

    for (size_t start = 0; start < n;) {
        double here = best[start].score;
        size_t mblen = utf8_lead_len((unsigned char)s[start]);
        if (mblen > n - start)
            mblen = n - start;
        bool single = false;
        size_t node = 0;
        for (size_t end = start; end < n;) {
            int64_t child = trie_child(u->pieces, node, (unsigned char)s[end]);
            if (child < 0)
                break;
            node = (size_t)child;
            end++;
            int32_t id = u->pieces->nodes[node].value;
            if (id < 0 || (u->kinds && u->kinds[id] == UNIGRAM_SKIP))
                continue;
            size_t len = end - start;
            unigram_offer(u, &best[end], unigram_piece_score(u, id, len) + here, start, id);
            single = single || len == mblen;
        }
        if (!single) {
            double candidate = u->float_path ? (double)((float)u->unk_score + (float)here)
                                             : u->unk_score + here;
            unigram_offer(u, &best[start + mblen], candidate, start, u->unk_id);
        }
        start += mblen;
    }

    /* Backtrack, then reverse the spans appended for this text. */
    size_t first = out->n;
    for (size_t end = n; end > 0; end = (size_t)best[end].start) {
        attn_status st = tk_spans_push(out, best[end].id, (size_t)best[end].start,
                                       end - (size_t)best[end].start);
        if (st != ATTN_OK)
            return st;
    }
    for (size_t i = first, j = out->n - 1; i < j; i++, j--) {
        tk_span t = out->v[i];
        out->v[i] = out->v[j];
        out->v[j] = t;
    }
    return ATTN_OK;
}
