/* hf_postprocess.c - what follows the model in tokenizers' post_process:
 * truncation, the post-processor and padding, for one sequence. Each
 * post-processor is reduced to a template of special-token ids around
 * (or between copies of) the sequence; pair templates are checked, not
 * used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"

static const char *const post_types[] = {
    "TemplateProcessing", "BertProcessing", "RobertaProcessing", "ByteLevel", "Sequence", NULL,
};
enum { POST_TEMPLATE, POST_BERT, POST_ROBERTA, POST_BYTE_LEVEL, POST_SEQUENCE };

typedef struct id_checker {
    hf_id_check known;
    const void *ctx;
} id_checker;

void hf_postprocessor_free(hf_postprocessor *pp)
{
    for (size_t i = 0; i < pp->n_items; i++)
        free(pp->items[i].ids);
    free(pp->items);
    *pp = (hf_postprocessor){ 0 };
}

/* Appends an item: a copy of `n` ids, or the sequence when ids is NULL. */
static attn_status add_item(hf_postprocessor *pp, const int32_t *ids, size_t n)
{
    hf_template_item *items = realloc(pp->items, (pp->n_items + 1) * sizeof *items);
    if (!items)
        return err_no_memory("a post-processor");
    pp->items = items;
    items[pp->n_items] = (hf_template_item){ NULL, n };
    if (ids) {
        items[pp->n_items].ids = malloc((n + 1) * sizeof *ids);
        if (!items[pp->n_items].ids)
            return err_no_memory("a post-processor");
        memcpy(items[pp->n_items].ids, ids, n * sizeof *ids);
    }
    pp->n_items++;
    return ATTN_OK;
}

static attn_status check_id(const id_checker *c, const json_t *v, const char *path,
                            int32_t *id)
{
    if (!json_is_integer(v))
        return err_set(ATTN_E_FORMAT, "%s: expected an integer id", path);
    json_int_t x = json_integer_value(v);
    if (!c->known(c->ctx, x))
        return err_set(ATTN_E_FORMAT, "%s: %lld is not an id of this tokenizer", path,
                       (long long)x);
    *id = (int32_t)x;
    return ATTN_OK;
}

/* BertProcessing / RobertaProcessing: [cls] sequence [sep]. */
static attn_status parse_cls_sep(const json_t *j, const char *path, const id_checker *c,
                                 hf_postprocessor *out)
{
    int32_t ids[2];
    const char *keys[2] = { "cls", "sep" };
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    for (int k = 0; k < 2; k++) {
        const json_t *pair;
        attn_status st = hfj_member(j, path, keys[k], JSON_ARRAY, true, &pair);
        hfj_key_path(where, path, keys[k]);
        bool named = json_array_size(pair) == 2 && json_is_string(json_array_get(pair, 0));
        if (st == ATTN_OK && !named)
            st = err_set(ATTN_E_FORMAT, "%s: expected [token, id]", where);
        if (st == ATTN_OK)
            st = check_id(c, json_array_get(pair, 1), hfj_index_path(item, where, 1), &ids[k]);
        if (st != ATTN_OK)
            return st;
    }
    attn_status st = add_item(out, &ids[0], 1);
    if (st == ATTN_OK)
        st = add_item(out, NULL, 0);
    return st == ATTN_OK ? add_item(out, &ids[1], 1) : st;
}

/* The ids of special_tokens[name]. */
static attn_status special_ids(const json_t *specials, const char *path, const char *name,
                               const id_checker *c, hf_postprocessor *out)
{
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    const json_t *entry = json_object_get(specials, name), *ids;
    snprintf(where, sizeof where, "%s.special_tokens[\"%s\"]", path, name);
    if (!json_is_object(entry))
        return err_set(ATTN_E_FORMAT, "%s: missing (the template uses it)", where);
    attn_status st = hfj_member(entry, where, "ids", JSON_ARRAY, true, &ids);
    hfj_key_path(where, where, "ids");
    size_t n = json_array_size(ids);
    int32_t *v = malloc((n + 1) * sizeof *v);
    if (st == ATTN_OK && !v)
        st = err_no_memory("a post-processor");
    for (size_t i = 0; i < n && st == ATTN_OK; i++)
        st = check_id(c, json_array_get(ids, i), hfj_index_path(item, where, i), &v[i]);
    if (st == ATTN_OK)
        st = add_item(out, v, n);
    free(v);
    return st;
}

/* One template: [{"Sequence": {"id": "A"|"B", ...}} | {"SpecialToken":
 * {"id": name, ...}}, ...]. Only `single` becomes items. */
static attn_status parse_template(const json_t *j, const char *path, const char *key,
                                  const id_checker *c, hf_postprocessor *out)
{
    const json_t *list, *specials;
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    bool single = strcmp(key, "single") == 0;
    attn_status st = hfj_member(j, path, key, JSON_ARRAY, true, &list);
    if (st == ATTN_OK)
        st = hfj_member(j, path, "special_tokens", JSON_OBJECT, true, &specials);
    hfj_key_path(where, path, key);
    for (size_t i = 0; st == ATTN_OK && i < json_array_size(list); i++) {
        const json_t *piece = json_array_get(list, i), *seq = json_object_get(piece, "Sequence"),
                     *special = json_object_get(piece, "SpecialToken");
        const char *id;
        size_t len;
        char inner[HF_PATH_MAX];
        hfj_index_path(item, where, i);
        if (json_object_size(piece) != 1 || (!json_is_object(seq) && !json_is_object(special)))
            return err_set(ATTN_E_FORMAT, "%s: expected {\"Sequence\": ...} or "
                           "{\"SpecialToken\": ...}", item);
        hfj_key_path(inner, item, seq ? "Sequence" : "SpecialToken");
        st = hfj_string(seq ? seq : special, inner, "id", true, &id, &len);
        if (st != ATTN_OK)
            return st;
        if (seq && strcmp(id, "A") != 0 && (single || strcmp(id, "B") != 0))
            return err_set(ATTN_E_FORMAT, "%s: sequence \"%s\" in the %s template", item, id,
                           key);
        if (single)
            st = seq ? add_item(out, NULL, 0) : special_ids(specials, path, id, c, out);
    }
    return st;
}

static attn_status parse_any(const json_t *j, const char *path, int depth, const id_checker *c,
                             hf_postprocessor *out);

/* A Sequence whose processors add tokens at most once (ByteLevel adds
 * none): then it acts as that one processor. */
static attn_status parse_sequence(const json_t *j, const char *path, int depth,
                                  const id_checker *c, hf_postprocessor *out)
{
    const json_t *list;
    char where[HF_PATH_MAX], item[HF_PATH_MAX];
    attn_status st = hfj_member(j, path, "processors", JSON_ARRAY, true, &list);
    hfj_key_path(where, path, "processors");
    bool found = false;
    for (size_t i = 0; st == ATTN_OK && i < json_array_size(list); i++) {
        hf_postprocessor one = { 0 };
        st = parse_any(json_array_get(list, i), hfj_index_path(item, where, i), depth + 1, c,
                       &one);
        bool identity = one.n_items == 1 && !one.items[0].ids;
        if (st == ATTN_OK && !identity && found)
            st = err_set(ATTN_E_UNSUPPORTED, "%s: more than one processor that adds tokens",
                         item);
        if (st == ATTN_OK && !identity) {
            hf_postprocessor_free(out);
            *out = one;
            found = true;
        } else {
            hf_postprocessor_free(&one);
        }
    }
    return st == ATTN_OK && !found ? add_item(out, NULL, 0) : st;
}

static attn_status parse_any(const json_t *j, const char *path, int depth, const id_checker *c,
                             hf_postprocessor *out)
{
    int kind;
    hf_postprocessor pair = { 0 };
    if (depth >= HF_MAX_DEPTH)
        return err_set(ATTN_E_UNSUPPORTED, "%s: Sequences nested deeper than %d", path,
                       HF_MAX_DEPTH);
    attn_status st = hfj_type(j, path, post_types, &kind);
    if (st != ATTN_OK)
        return st;
    switch (kind) {
    case POST_TEMPLATE:
        st = parse_template(j, path, "single", c, out);
        return st == ATTN_OK ? parse_template(j, path, "pair", c, &pair) : st;
    case POST_BERT:
    case POST_ROBERTA:
        return parse_cls_sep(j, path, c, out);
    case POST_SEQUENCE:
        return parse_sequence(j, path, depth, c, out);
    default:
        return add_item(out, NULL, 0);
    }
}

attn_status hf_postprocessor_parse(const json_t *j, const char *path, hf_id_check known,
                                   const void *ctx, hf_postprocessor *out)
{
    id_checker c = { known, ctx };
    *out = (hf_postprocessor){ 0 };
    attn_status st = parse_any(j, path, 0, &c, out);
    if (st != ATTN_OK)
        hf_postprocessor_free(out);
    return st;
}

attn_status hf_truncation_parse(const json_t *j, const char *path, hf_truncation *out)
{
    static const char *const strategies[] = { "LongestFirst", "OnlyFirst", "OnlySecond", NULL };
    static const char *const directions[] = { "Right", "Left", NULL };
    int strategy, direction = 0; /* set on error paths too: it is stored either way */
    char where[HF_PATH_MAX];
    *out = (hf_truncation){ 0 };
    if (!j)
        return ATTN_OK;
    attn_status st = hfj_size(j, path, "max_length", -1, SIZE_MAX, &out->max_length);
    if (st == ATTN_OK)
        st = hfj_size(j, path, "stride", -1, SIZE_MAX, &out->stride);
    if (st == ATTN_OK)
        st = hfj_name(j, path, "strategy", strategies, -1, &strategy);
    if (st == ATTN_OK)
        st = hfj_name(j, path, "direction", directions, 0, &direction);
    if (st == ATTN_OK && strategy == 2) /* it needs a pair */
        st = err_set(ATTN_E_UNSUPPORTED, "%s: OnlySecond (encoding is single-sequence)",
                     hfj_key_path(where, path, "strategy"));
    out->on = true;
    out->left = direction == 1;
    return st;
}

attn_status hf_padding_parse(const json_t *j, const char *path, hf_id_check known,
                             const void *ctx, hf_padding *out)
{
    static const char *const directions[] = { "Right", "Left", NULL };
    const json_t *strategy = json_object_get(j, "strategy");
    id_checker c = { known, ctx };
    int direction = 0; /* set on error paths too: it is stored either way */
    char where[HF_PATH_MAX];
    *out = (hf_padding){ 0 };
    if (!j)
        return ATTN_OK;
    hfj_key_path(where, path, "strategy");
    out->fixed = json_is_object(strategy);
    attn_status st = ATTN_OK;
    if (out->fixed)
        st = hfj_size(strategy, where, "Fixed", -1, SIZE_MAX, &out->length);
    else if (!json_is_string(strategy) || strcmp(json_string_value(strategy), "BatchLongest") != 0)
        st = err_set(ATTN_E_FORMAT, "%s: expected \"BatchLongest\" or {\"Fixed\": n}", where);
    if (st == ATTN_OK)
        st = hfj_name(j, path, "direction", directions, -1, &direction);
    if (st == ATTN_OK)
        st = hfj_size(j, path, "pad_to_multiple_of", 0, SIZE_MAX, &out->multiple);
    if (st == ATTN_OK)
        st = check_id(&c, json_object_get(j, "pad_id"), hfj_key_path(where, path, "pad_id"),
                      &out->pad_id);
    out->on = true;
    out->left = direction == 1;
    return st;
}

/* Keeps the first (or, from the left, last) tokens that fit. */
static attn_status truncate(const hf_truncation *t, size_t n_added, bool add_special,
                            tk_ids *ids)
{
    uint64_t max = t->max_length;
    if (!t->on)
        return ATTN_OK;
    /* tokenizers subtracts the special tokens in wrapping arithmetic: when
     * they do not fit, nothing is truncated. */
    if (add_special && n_added > 0)
        max = max >= n_added ? max - n_added : UINT64_MAX;
    if (ids->n <= max)
        return ATTN_OK;
    if (max > 0 && t->stride >= max)
        return err_set(ATTN_E_FORMAT, "truncation.stride %llu is not less than the %llu tokens "
                       "kept", (unsigned long long)t->stride, (unsigned long long)max);
    if (t->left)
        memmove(ids->v, ids->v + ids->n - max, (size_t)max * sizeof *ids->v);
    ids->n = (size_t)max;
    return ATTN_OK;
}

/* Pads out[first, n) to the fixed length or its own, rounded up to the
 * multiple. */
static attn_status pad(const hf_padding *p, size_t first, tk_ids *out)
{
    size_t len = out->n - first;
    uint64_t target = p->fixed ? p->length : len;
    if (!p->on)
        return ATTN_OK;
    if (p->multiple > 0 && target % p->multiple > 0)
        target += p->multiple - target % p->multiple;
    if (target <= len)
        return ATTN_OK;
    if (target - len > SIZE_MAX / sizeof *out->v)
        return err_no_memory("padding");
    attn_status st = ATTN_OK;
    for (uint64_t i = len; i < target && st == ATTN_OK; i++)
        st = tk_ids_push(out, p->pad_id);
    if (st == ATTN_OK && p->left) {
        size_t n_pad = (size_t)(target - len);
        memmove(out->v + first + n_pad, out->v + first, len * sizeof *out->v);
        for (size_t i = 0; i < n_pad; i++)
            out->v[first + i] = p->pad_id;
    }
    return st;
}

/* The special-token ids a template adds (tokenizers' added_tokens). */
static size_t added_count(const hf_postprocessor *pp)
{
    size_t n = 0;
    for (size_t i = 0; pp && i < pp->n_items; i++)
        n += pp->items[i].ids ? pp->items[i].n : 0;
    return n;
}

attn_status hf_postprocess(const hf_post *post, bool add_special, tk_ids *ids, tk_ids *out)
{
    const hf_postprocessor *pp = post->pp;
    size_t first = out->n;
    attn_status st = truncate(post->truncation, added_count(pp), add_special, ids);
    if (st == ATTN_OK && !pp)
        st = tk_ids_append(out, ids->v, ids->n);
    for (size_t i = 0; pp && i < pp->n_items && st == ATTN_OK; i++) {
        const hf_template_item *it = &pp->items[i];
        if (!it->ids)
            st = tk_ids_append(out, ids->v, ids->n);
        else if (add_special)
            st = tk_ids_append(out, it->ids, it->n);
    }
    return st == ATTN_OK ? pad(post->padding, first, out) : st;
}
