/* hf_wordpiece.c - tokenizer.json's WordPiece model: greedy longest match
 * from the left, later pieces looked up with continuing_subword_prefix;
 * a word that cannot be covered, or is too long, is one unk_token. */
#include <stdlib.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

attn_status hf_wordpiece_parse(const json_t *j, const char *path, hf_model *m)
{
    hf_wordpiece *wp = &m->u.wp;
    const json_t *vocab;
    const char *unk, *prefix;
    size_t unk_len;
    char where[HF_PATH_MAX];
    attn_status st = hfj_string(j, path, "unk_token", true, &unk, &unk_len);
    if (st == ATTN_OK)
        st = hfj_dup(unk, unk_len, &wp->unk_token);
    if (st == ATTN_OK)
        st = hfj_string(j, path, "continuing_subword_prefix", true, &prefix, &wp->prefix_len);
    if (st == ATTN_OK)
        st = hfj_dup(prefix, wp->prefix_len, &wp->prefix);
    if (st == ATTN_OK)
        st = hfj_size(j, path, "max_input_chars_per_word", -1, SIZE_MAX, &wp->max_chars);
    if (st == ATTN_OK)
        st = hfj_member(j, path, "vocab", JSON_OBJECT, true, &vocab);
    if (st == ATTN_OK)
        st = hf_vocab_from_object(vocab, hfj_key_path(where, path, "vocab"), &m->vocab);
    if (st != ATTN_OK)
        return st;
    if (!hf_vocab_id(&m->vocab, unk, unk_len, &wp->unk_id))
        wp->unk_id = -1;
    trie_key *keys = malloc((m->vocab.n + 1) * sizeof *keys);
    if (!keys)
        return err_no_memory("a WordPiece vocabulary");
    for (size_t i = 0; i < m->vocab.n; i++) {
        keys[i].value = (int32_t)i;
        hf_vocab_piece(&m->vocab, (int32_t)i, &keys[i].bytes, &keys[i].len);
    }
    st = trie_build(&wp->pieces, keys, m->vocab.n);
    free(keys);
    return st;
}

void hf_wordpiece_free(hf_wordpiece *wp)
{
    trie_free(&wp->pieces);
    free(wp->unk_token);
    free(wp->prefix);
    *wp = (hf_wordpiece){ 0 };
}

/* The longest piece that is `prefix` + s[0, end) with end > 0: its id
 * and end, or -1. */
static int32_t longest_piece(const trie *t, const char *prefix, size_t prefix_len,
                             const char *s, size_t n, size_t *end)
{
    size_t node = 0;
    int32_t best = -1;
    for (size_t i = 0; i < prefix_len + n; i++) {
        unsigned char c = (unsigned char)(i < prefix_len ? prefix[i] : s[i - prefix_len]);
        int64_t child = trie_child(t, node, c);
        if (child < 0)
            break;
        node = (size_t)child;
        if (i >= prefix_len && t->nodes[node].value >= 0) {
            best = t->nodes[node].value;
            *end = i + 1 - prefix_len;
        }
    }
    return best;
}

attn_status hf_wordpiece_tokenize(const hf_model *m, hf_work *w, const char *s, size_t n,
                                  tk_ids *out)
{
    const hf_wordpiece *wp = &m->u.wp;
    size_t first = out->n;
    (void)w;
    bool bad = hf_count_chars(s, n) > wp->max_chars;
    for (size_t start = 0; start < n && !bad;) {
        size_t len = 0;
        int32_t id = start > 0 ? longest_piece(&wp->pieces, wp->prefix, wp->prefix_len, s + start,
                                               n - start, &len)
                               : longest_piece(&wp->pieces, "", 0, s, n, &len);
        if (id < 0) {
            bad = true;
            break;
        }
        attn_status st = tk_ids_push(out, id);
        if (st != ATTN_OK)
            return st;
        start += len;
    }
    if (!bad)
        return ATTN_OK;
    if (wp->unk_id < 0)
        return err_set(ATTN_E_FORMAT, "model.unk_token \"%s\" is not in the vocabulary",
                       wp->unk_token);
    out->n = first;
    return tk_ids_push(out, wp->unk_id);
}
