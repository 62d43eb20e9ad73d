/* slow.c - transformers' slow tokenizers for the SentencePiece families:
 * PreTrainedTokenizer.tokenize (added tokens split the text), each
 * family's _tokenize, token <-> id maps and special-token layout, and
 * _decode with each family's convert_tokens_to_string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/json.h"
#include "io/mapped_file.h"
#include "io/path.h"
#include "tokenizer/slow.h"

/* Python's str.isspace(), which str.strip() uses. */
static bool py_space(uint32_t c)
{
    return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 ||
           c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Narrows [*s, *s + *n) by Python whitespace on the chosen ends. */
static void py_strip(const char **s, size_t *n, bool left, bool right)
{
    uint32_t cp;
    size_t len;
    while (left && *n > 0 && (len = utf8_decode(*s, *n, &cp)) && py_space(cp))
        *s += len, *n -= len;
    while (right && *n > 0) {
        size_t start = *n - 1;
        while (start > 0 && ((unsigned char)(*s)[start] & 0xC0) == 0x80)
            start--;
        if (!utf8_decode(*s + start, *n - start, &cp) || !py_space(cp))
            break;
        *n = start;
    }
}

/* ---- loading ---------------------------------------------------------- */

static attn_status slow_read_spm(const char *dir, const char *name, spm_model *out)
{
    char *path = path_join(dir, name);
    if (!path)
        return err_no_memory("a path");
    mf_file f = { 0 };
    attn_status st = mf_open(path, true, &f);
    if (st == ATTN_OK)
        st = spm_parse(f.data, f.size, path, out);
    mf_close(&f);
    free(path);
    return st;
}

/* vocab.json: an object of piece -> id, ids unique and non-negative. */
static attn_status slow_read_vocab(slow_tokenizer *t, const char *dir, const char *name)
{
    attn_status st = js_load_object_in(dir, name, false, &t->vocab);
    if (st != ATTN_OK)
        return st;
    const char *key;
    json_t *value;
    size_t max = 0;
    json_object_foreach(t->vocab, key, value) {
        json_int_t id = json_is_integer(value) ? json_integer_value(value) : -1;
        if (id < 0 || id >= INT32_MAX)
            return err_set(ATTN_E_FORMAT, "%s: the id of '%s' is not an integer in [0, 2^31-1)",
                           name, key);
        max = (size_t)id + 1 > max ? (size_t)id + 1 : max;
    }
    t->id_pieces = calloc(max ? max : 1, sizeof *t->id_pieces);
    if (!t->id_pieces)
        return err_no_memory("a vocabulary");
    t->n_ids = max;
    json_object_foreach(t->vocab, key, value) {
        int32_t id = (int32_t)json_integer_value(value);
        if (t->id_pieces[id])
            return err_set(ATTN_E_FORMAT, "%s: id %d is given to both '%s' and '%s'", name, id,
                           t->id_pieces[id], key);
        t->id_pieces[id] = key;
        st = strmap_put(&t->vocab_ids, key, strlen(key), id, NULL);
        if (st != ATTN_OK)
            return st;
    }
    t->base_vocab = json_object_size(t->vocab);
    return ATTN_OK;
}

static bool slow_flag(const json_t *obj, const char *key)
{
    return json_is_true(json_object_get(obj, key));
}

/* tokenizer_config.json's added_tokens_decoder: {"id": {"content", ...}}. */
static attn_status slow_read_added(slow_tokenizer *t, const json_t *decoder)
{
    size_t n = json_object_size(decoder);
    t->added = calloc(n ? n : 1, sizeof *t->added);
    trie_key *keys = calloc(n ? n : 1, sizeof *keys);
    attn_status st = t->added && keys ? ATTN_OK : err_no_memory("added tokens");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)decoder, key, value) {
        if (st != ATTN_OK)
            break;
        char *end;
        long id = strtol(key, &end, 10);
        const json_t *content = json_object_get(value, "content");
        if (*end || end == key || id < 0 || id >= INT32_MAX || !json_is_string(content) ||
            json_string_length(content) == 0) {
            st = err_set(ATTN_E_FORMAT, "tokenizer_config.json: added_tokens_decoder['%s'] needs "
                         "a non-negative id and a non-empty content", key);
            break;
        }
        slow_added *a = &t->added[t->n_added];
        *a = (slow_added){ json_string_value(content), json_string_length(content), (int32_t)id,
                           slow_flag(value, "special"), slow_flag(value, "lstrip"),
                           slow_flag(value, "rstrip"), slow_flag(value, "single_word"),
                           false };
        keys[t->n_added] = (trie_key){ a->content, a->len, (int32_t)t->n_added };
        t->n_added++;
    }
    if (st == ATTN_OK)
        st = trie_build(&t->added_trie, keys, t->n_added);
    free(keys);
    return st;
}

/* Marian folders saved before added_tokens_decoder existed: the special
 * tokens are </s>, <unk> and <pad> from vocab.json. */
static attn_status slow_default_marian_added(slow_tokenizer *t)
{
    static const char *const names[] = { "</s>", "<unk>", "<pad>" };
    json_t *obj = json_object();
    attn_status st = obj ? ATTN_OK : err_no_memory("added tokens");
    for (size_t i = 0; st == ATTN_OK && i < 3; i++) {
        int32_t id;
        if (!strmap_get(&t->vocab_ids, names[i], strlen(names[i]), &id)) {
            st = err_set(ATTN_E_FORMAT, "vocab.json has no '%s'", names[i]);
            break;
        }
        char key[16];
        snprintf(key, sizeof key, "%d", id);
        json_t *tok = json_pack("{s:s, s:b}", "content", names[i], "special", 1);
        if (!tok || json_object_set_new(obj, key, tok) != 0)
            st = err_no_memory("added tokens");
    }
    t->added_json = obj;
    return st == ATTN_OK ? slow_read_added(t, obj) : st;
}

static const slow_added *slow_find_added(const slow_tokenizer *t, const char *s, size_t n)
{
    int32_t i = trie_get(&t->added_trie, s, n);
    return i >= 0 ? &t->added[i] : NULL;
}

static const slow_added *slow_added_by_id(const slow_tokenizer *t, int32_t id)
{
    for (size_t i = 0; i < t->n_added; i++)
        if (t->added[i].id == id)
            return &t->added[i];
    return NULL;
}

/* The id of an M2M100 language token, or -1. */
static int32_t slow_m2m100_lang(const slow_tokenizer *t, const char *s, size_t n)
{
    for (size_t i = 0; i < t->n_langs; i++)
        if (strlen(t->lang_tokens[i]) == n && memcmp(t->lang_tokens[i], s, n) == 0)
            return (int32_t)(t->base_vocab + i);
    return -1;
}

attn_status slow_language_id(const slow_tokenizer *t, const char *lang, int32_t *id)
{
    if (t->family == SLOW_M2M100) {
        char token[64];
        int n = snprintf(token, sizeof token, "__%s__", lang);
        *id = slow_m2m100_lang(t, lang, strlen(lang));
        if (*id < 0 && n > 0 && (size_t)n < sizeof token)
            *id = slow_m2m100_lang(t, token, (size_t)n);
    } else {
        const slow_added *a = slow_find_added(t, lang, strlen(lang));
        *id = a ? a->id : -1;
    }
    if (*id < 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "'%s' is not a language code of this tokenizer",
                       lang);
    return ATTN_OK;
}

static const char *slow_token_name(const json_t *config, const char *key, const char *fallback)
{
    const json_t *v = json_object_get(config, key);
    if (json_is_object(v))
        v = json_object_get(v, "content");
    return json_is_string(v) ? json_string_value(v) : fallback;
}

static attn_status slow_special_id(slow_tokenizer *t, const json_t *config, const char *key,
                                   const char *fallback, int32_t *id)
{
    const char *name = slow_token_name(config, key, fallback);
    if (slow_piece_to_id(t, name, strlen(name), id))
        return ATTN_OK;
    return err_set(ATTN_E_FORMAT, "the %s '%s' is not in the vocabulary", key, name);
}

static attn_status slow_read_files(slow_tokenizer *t, const char *dir, const json_t *config)
{
    attn_status st;
    bool separate = slow_flag(config, "separate_vocabs");
    switch (t->family) {
    case SLOW_MARIAN:
        st = slow_read_spm(dir, t->target ? "target.spm" : "source.spm", &t->spm);
        /* transformers decodes with target.spm whichever side the ids are
         * from; the two agree except on pieces only one of them has. */
        if (st == ATTN_OK && !t->target)
            st = slow_read_spm(dir, "target.spm", &t->decode_spm);
        if (st == ATTN_OK)
            st = slow_read_vocab(t, dir, t->target && separate ? "target_vocab.json"
                                                              : "vocab.json");
        return st;
    case SLOW_M2M100:
        st = slow_read_spm(dir, "sentencepiece.bpe.model", &t->spm);
        return st == ATTN_OK ? slow_read_vocab(t, dir, "vocab.json") : st;
    case SLOW_T5:
        st = slow_read_spm(dir, "spiece.model", &t->spm);
        t->base_vocab = t->spm.n_pieces;
        return st;
    default:
        st = slow_read_spm(dir, "sentencepiece.bpe.model", &t->spm);
        t->base_vocab = t->spm.n_pieces + 1; /* the fairseq offset */
        return st;
    }
}

/* M2M100's language codes (tokenizer_config.json's language_codes), in
 * id order after vocab.json; its folders do not list them. */
static const char *const m2m100_codes[] = {
    "af", "am", "ar", "ast", "az", "ba", "be", "bg", "bn", "br", "bs", "ca", "ceb", "cs", "cy",
    "da", "de", "el", "en", "es", "et", "fa", "ff", "fi", "fr", "fy", "ga", "gd", "gl", "gu",
    "ha", "he", "hi", "hr", "ht", "hu", "hy", "id", "ig", "ilo", "is", "it", "ja", "jv", "ka",
    "kk", "km", "kn", "ko", "lb", "lg", "ln", "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr",
    "ms", "my", "ne", "nl", "no", "ns", "oc", "or", "pa", "pl", "ps", "pt", "ro", "ru", "sd",
    "si", "sk", "sl", "so", "sq", "sr", "ss", "su", "sv", "sw", "ta", "th", "tl", "tn", "tr",
    "uk", "ur", "uz", "vi", "wo", "xh", "yi", "yo", "zh", "zu",
};
static const char *const wmt21_codes[] = { "en", "ha", "is", "ja", "cs", "ru", "zh", "de" };

/* M2M100's __xx__ language tokens follow vocab.json's ids; they are
 * neither added nor special tokens. */
static attn_status slow_add_m2m100_languages(slow_tokenizer *t, const json_t *config)
{
    const json_t *set = json_object_get(config, "language_codes");
    bool wmt21 = json_is_string(set) && strcmp(json_string_value(set), "wmt21") == 0;
    const char *const *codes = wmt21 ? wmt21_codes : m2m100_codes;
    t->n_langs = wmt21 ? sizeof wmt21_codes / sizeof *wmt21_codes
                       : sizeof m2m100_codes / sizeof *m2m100_codes;
    t->lang_tokens = calloc(t->n_langs, sizeof *t->lang_tokens);
    if (!t->lang_tokens)
        return err_no_memory("language tokens");
    for (size_t i = 0; i < t->n_langs; i++)
        snprintf(t->lang_tokens[i], sizeof t->lang_tokens[i], "__%s__", codes[i]);
    return ATTN_OK;
}


static attn_status slow_setup(slow_tokenizer *t, const json_t *config)
{
    const json_t *decoder = json_object_get(config, "added_tokens_decoder");
    attn_status st;
    if (json_is_object(decoder)) {
        t->added_json = json_incref((json_t *)decoder);
        st = slow_read_added(t, decoder);
    }
    else if (t->family == SLOW_MARIAN)
        st = slow_default_marian_added(t);
    else
        return err_set(ATTN_E_UNSUPPORTED, "tokenizer_config.json has no added_tokens_decoder "
                       "(save the tokenizer with transformers >= 4.34 to write one)");
    if (st == ATTN_OK && t->family == SLOW_M2M100)
        st = slow_add_m2m100_languages(t, config);
    static const char *const named[][2] = {
        { "bos_token", NULL }, { "eos_token", "</s>" }, { "unk_token", "<unk>" },
        { "sep_token", NULL }, { "pad_token", "<pad>" }, { "cls_token", NULL },
        { "mask_token", NULL },
    };
    for (size_t i = 0; st == ATTN_OK && i < sizeof named / sizeof *named; i++) {
        const char *name = slow_token_name(config, named[i][0], named[i][1]);
        slow_added *a = name ? (slow_added *)slow_find_added(t, name, strlen(name)) : NULL;
        if (a)
            a->named = true;
    }
    if (st == ATTN_OK)
        st = slow_special_id(t, config, "eos_token", "</s>", &t->eos_id);
    if (st == ATTN_OK)
        st = slow_special_id(t, config, "unk_token", "<unk>", &t->unk_id);
    t->size = t->base_vocab;
    for (size_t i = 0; i < t->n_added; i++)
        if ((size_t)t->added[i].id + 1 > t->size)
            t->size = (size_t)t->added[i].id + 1;
    /* mBART counts its language codes and <mask> in vocab_size. */
    if (t->family == SLOW_MBART || t->family == SLOW_MBART50)
        t->base_vocab = t->size;
    t->legacy_languages = slow_flag(config, "legacy_behaviour");
    t->clean_up = slow_flag(config, "clean_up_tokenization_spaces");
    const json_t *prefix_space = json_object_get(config, "add_prefix_space");
    t->t5_prefix_space = !json_is_false(prefix_space);
    if (st == ATTN_OK && t->family == SLOW_T5 && json_is_false(json_object_get(config, "legacy")))
        return err_set(ATTN_E_UNSUPPORTED, "tokenizer_config.json: T5 with legacy=false is not "
                       "supported yet");
    t->lang_default = -1;
    const char *key = t->target ? "tgt_lang" : "src_lang";
    const json_t *lang = json_object_get(config, key);
    static const char *const defaults[] = { [SLOW_MBART] = "en_XX", [SLOW_MBART50] = "en_XX",
                                            [SLOW_NLLB] = "eng_Latn", [SLOW_M2M100] = "en",
                                            [SLOW_T5] = NULL };
    const char *code = json_is_string(lang) ? json_string_value(lang)
                       : t->target          ? NULL
                                            : defaults[t->family];
    /* A code the file names itself is the file's error, not the caller's. */
    if (st == ATTN_OK && code && slow_language_id(t, code, &t->lang_default) != ATTN_OK)
        st = err_set(ATTN_E_FORMAT, "'%s' is not a language code of this tokenizer", code);
    if (st != ATTN_OK)
        err_prefix(st, "tokenizer_config.json: %s", key);
    return st;
}

attn_status slow_load(const char *dir, int family, bool target, const json_t *config,
                      slow_tokenizer *out)
{
    *out = (slow_tokenizer){ .family = family, .target = target };
    attn_status st = slow_read_files(out, dir, config);
    if (st == ATTN_OK)
        st = slow_setup(out, config);
    if (st != ATTN_OK)
        slow_free(out);
    return st;
}

void slow_free(slow_tokenizer *t)
{
    spm_free(&t->spm);
    spm_free(&t->decode_spm);
    json_decref(t->vocab);
    json_decref(t->added_json);
    strmap_free(&t->vocab_ids);
    free(t->id_pieces);
    free(t->added);
    free(t->lang_tokens);
    trie_free(&t->added_trie);
    *t = (slow_tokenizer){ 0 };
}

/* ---- tokens and ids --------------------------------------------------- */

/* The family's _convert_token_to_id for a token that is not added. */
static int32_t slow_model_id(const slow_tokenizer *t, const char *piece, size_t len)
{
    int32_t id;
    switch (t->family) {
    case SLOW_M2M100:
        if ((id = slow_m2m100_lang(t, piece, len)) >= 0)
            return id;
        return strmap_get(&t->vocab_ids, piece, len, &id) ? id : t->unk_id;
    case SLOW_MARIAN:
        return strmap_get(&t->vocab_ids, piece, len, &id) ? id : t->unk_id;
    case SLOW_T5:
        return spm_piece_id(&t->spm, piece, len);
    default:
        id = spm_piece_id(&t->spm, piece, len);
        return id ? id + 1 : t->unk_id;
    }
}

bool slow_piece_to_id(const slow_tokenizer *t, const char *piece, size_t len, int32_t *id)
{
    const slow_added *a = slow_find_added(t, piece, len);
    if (a) {
        *id = a->id;
        return true;
    }
    if (t->family == SLOW_M2M100 && (*id = slow_m2m100_lang(t, piece, len)) >= 0)
        return true;
    if (t->family == SLOW_MARIAN || t->family == SLOW_M2M100)
        return strmap_get(&t->vocab_ids, piece, len, id);
    int32_t sp;
    if (spm_find_piece(&t->spm, piece, len, &sp)) {
        *id = t->family == SLOW_T5 ? sp : sp + 1;
        return true;
    }
    return false;
}

bool slow_id_to_piece(const slow_tokenizer *t, int32_t id, const char **piece, size_t *len)
{
    const slow_added *a = slow_added_by_id(t, id);
    if (a) {
        *piece = a->content;
        *len = a->len;
        return true;
    }
    if (id < 0)
        return false;
    if (t->n_langs && (size_t)id >= t->base_vocab && (size_t)id - t->base_vocab < t->n_langs) {
        *piece = t->lang_tokens[(size_t)id - t->base_vocab];
        *len = strlen(*piece);
        return true;
    }
    if (t->family == SLOW_MARIAN || t->family == SLOW_M2M100) {
        if ((size_t)id >= t->n_ids || !t->id_pieces[id])
            return false;
        *piece = t->id_pieces[id];
        *len = strlen(*piece);
        return true;
    }
    int64_t sp = t->family == SLOW_T5 ? id : (int64_t)id - 1;
    if (sp < 0 || (size_t)sp >= t->spm.n_pieces)
        return false;
    *piece = t->spm.pieces[sp].text;
    *len = t->spm.pieces[sp].len;
    return true;
}

/* ---- encoding --------------------------------------------------------- */

typedef struct slow_chunk {
    const char *s;
    size_t n;
    const slow_added *token; /* the added token this chunk is, or NULL */
    char *owned;             /* a chunk joined with a single_word token */
} slow_chunk;

typedef struct slow_chunks {
    slow_chunk *v;
    size_t n;
} slow_chunks;

/* Trie.split: the text cut around every added token, leftmost-longest. */
static attn_status slow_split(const slow_tokenizer *t, const char *s, size_t n, slow_chunks *c)
{
    c->n = 0;
    c->v = n < SIZE_MAX / 2 / sizeof *c->v ? malloc((2 * n + 1) * sizeof *c->v) : NULL;
    if (!c->v)
        return err_no_memory("text pieces");
    size_t start = 0;
    for (size_t at = 0; at < n;) {
        size_t len;
        int32_t i = t->n_added ? trie_longest(&t->added_trie, s + at, n - at, &len) : -1;
        if (i < 0) {
            at++;
            continue;
        }
        if (at > start)
            c->v[c->n++] = (slow_chunk){ s + start, at - start, NULL, NULL };
        c->v[c->n++] = (slow_chunk){ s + at, len, &t->added[i], NULL };
        at += len;
        start = at;
    }
    if (n > start)
        c->v[c->n++] = (slow_chunk){ s + start, n - start, NULL, NULL };
    return ATTN_OK;
}

static attn_status slow_join(slow_chunk *into, const char *a, size_t an, const char *b, size_t bn)
{
    char *p = malloc(an + bn + 1);
    if (!p)
        return err_no_memory("text");
    memcpy(p, a, an);
    memcpy(p + an, b, bn);
    free(into->owned);
    *into = (slow_chunk){ p, an + bn, NULL, p };
    return ATTN_OK;
}

/* The lstrip/rstrip/single_word rules of tokenize(). */
static attn_status slow_apply_flags(slow_chunks *c)
{
    attn_status st = ATTN_OK;
    for (size_t i = 0; st == ATTN_OK && i < c->n; i++) {
        const slow_added *a = c->v[i].token;
        if (!a)
            continue;
        slow_chunk *left = i > 0 && c->v[i - 1].n ? &c->v[i - 1] : NULL;
        slow_chunk *right = i + 1 < c->n && c->v[i + 1].n ? &c->v[i + 1] : NULL;
        if (a->rstrip && right)
            py_strip(&right->s, &right->n, true, false);
        if (a->lstrip && left)
            py_strip(&left->s, &left->n, false, true);
        if (a->single_word && left && left->n && left->s[left->n - 1] != ' ') {
            st = slow_join(left, left->s, left->n, a->content, a->len);
            c->v[i].n = 0;
        } else if (a->single_word && right && right->n && right->s[0] != ' ') {
            st = slow_join(right, a->content, a->len, right->s, right->n);
            c->v[i].n = 0;
        }
    }
    return st;
}

/* The match of Marian's language_code_re (">>.+<<", `.` not matching a
 * newline) that starts first in s[from, n): as `.+` is greedy, it starts at
 * the first ">>" of a line and ends at that line's last "<<", at least one
 * byte later. Each line is read once. Returns false when none. */
static bool marian_find_code(const char *s, size_t n, size_t from, size_t *start, size_t *end)
{
    for (size_t line = from; line < n;) {
        size_t line_end = line, last = 0;
        while (line_end < n && s[line_end] != '\n') {
            if (line_end > line && s[line_end - 1] == '<' && s[line_end] == '<')
                last = line_end + 1;
            line_end++;
        }
        for (size_t at = line; at + 5 <= last; at++) {
            if (s[at] == '>' && s[at + 1] == '>') {
                *start = at;
                *end = last;
                return true;
            }
        }
        line = line_end + 1;
    }
    return false;
}

static attn_status slow_encode_pieces(const slow_tokenizer *t, const char *s, size_t n,
                                      spm_encoding *enc, tk_ids *out)
{
    attn_status st = spm_encode(&t->spm, s, n, enc);
    for (size_t i = 0; st == ATTN_OK && i < enc->spans.n; i++) {
        size_t len;
        const char *p = spm_span_text(&t->spm, enc, i, &len);
        st = tk_ids_push(out, slow_model_id(t, p, len));
    }
    return st;
}

static attn_status marian_tokenize(const slow_tokenizer *t, const char *s, size_t n,
                                   spm_encoding *enc, tk_ids *out)
{
    tk_str rest = { 0 };
    attn_status st = tk_str_append(&rest, "", 0);
    size_t start = 0, at, end;
    while (st == ATTN_OK && marian_find_code(s, n, start, &at, &end)) {
        if (at == 0)
            st = tk_ids_push(out, slow_model_id(t, s, end));
        if (st == ATTN_OK)
            st = tk_str_append(&rest, s + start, at - start);
        start = end;
    }
    if (st == ATTN_OK)
        st = tk_str_append(&rest, s + start, n - start);
    if (st == ATTN_OK)
        st = slow_encode_pieces(t, rest.p, rest.n, enc, out);
    tk_str_free(&rest);
    return st;
}

/* prefix_tokens / suffix_tokens of build_inputs_with_special_tokens. */
static attn_status slow_add_specials(const slow_tokenizer *t, int32_t lang, tk_ids *out,
                                     size_t first)
{
    bool lang_first = t->family == SLOW_M2M100 || t->family == SLOW_MBART50 ||
                      (t->family == SLOW_NLLB && !t->legacy_languages);
    bool has_lang = t->family != SLOW_MARIAN && t->family != SLOW_T5;
    if (has_lang && lang < 0)
        return err_set(ATTN_E_INVALID_ARGUMENT, "this tokenizer needs %s",
                       t->target ? "tgt_lang" : "src_lang");
    attn_status st = ATTN_OK;
    if (has_lang && lang_first) {
        st = tk_ids_push(out, 0);
        if (st == ATTN_OK) {
            memmove(out->v + first + 1, out->v + first, (out->n - first - 1) * sizeof *out->v);
            out->v[first] = lang;
        }
    }
    /* T5 does not add </s> after a text that already ends with it. */
    bool eos = !(t->family == SLOW_T5 && out->n > first && out->v[out->n - 1] == t->eos_id);
    if (st == ATTN_OK && eos)
        st = tk_ids_push(out, t->eos_id);
    if (st == ATTN_OK && has_lang && !lang_first)
        st = tk_ids_push(out, lang);
    return st;
}

attn_status slow_encode(const slow_tokenizer *t, const char *text, size_t len, bool add_special,
                        const char *lang, tk_ids *out)
{
    int32_t lang_id = t->lang_default;
    attn_status st = lang ? slow_language_id(t, lang, &lang_id) : ATTN_OK;
    if (st != ATTN_OK)
        return st;
    slow_chunks c = { 0 };
    spm_encoding enc = { 0 };
    size_t first = out->n;
    st = slow_split(t, text, len, &c);
    if (st == ATTN_OK)
        st = slow_apply_flags(&c);
    for (size_t i = 0; st == ATTN_OK && i < c.n; i++) {
        const slow_chunk *k = &c.v[i];
        const slow_added *a = k->n ? slow_find_added(t, k->s, k->n) : NULL;
        if (k->n == 0)
            continue;
        if (a)
            st = tk_ids_push(out, a->id);
        else if (t->family == SLOW_MARIAN)
            st = marian_tokenize(t, k->s, k->n, &enc, out);
        else
            st = slow_encode_pieces(t, k->s, k->n, &enc, out);
    }
    if (st == ATTN_OK && add_special)
        st = slow_add_specials(t, lang_id, out, first);
    for (size_t i = 0; i < c.n; i++)
        free(c.v[i].owned);
    free(c.v);
    spm_encoding_free(&enc);
    return st;
}

/* ---- decoding --------------------------------------------------------- */

typedef struct slow_tokens {
    const char **p;
    size_t *len;
    size_t n;
} slow_tokens;

static bool slow_is_special_text(const slow_tokenizer *t, const char *p, size_t n)
{
    const slow_added *a = slow_find_added(t, p, n);
    return a && a->special;
}

/* Appends `s` with Python's strip() applied. */
static attn_status slow_put_stripped(tk_str *out, const char *s, size_t n)
{
    py_strip(&s, &n, true, true);
    return tk_str_append(out, s, n);
}

/* SentencePiece decode_pieces of tokens[from, to). */
static attn_status slow_spm_pieces(const slow_tokenizer *t, const slow_tokens *k, size_t from,
                                   size_t to, tk_str *out)
{
    const spm_model *m = t->decode_spm.n_pieces ? &t->decode_spm : &t->spm;
    return spm_decode(m, NULL, k->p + from, k->len + from, to - from, out);
}

/* Each family's convert_tokens_to_string of tokens[from, to). */
static attn_status slow_tokens_to_string(const slow_tokenizer *t, slow_tokens *k,
                                         size_t from, size_t to, tk_str *out)
{
    tk_str s = { 0 };
    attn_status st = tk_str_append(&s, "", 0);
    size_t run = from;
    bool prev_special = false;
    bool mbart_like = t->family == SLOW_MBART || t->family == SLOW_MBART50 ||
                      t->family == SLOW_NLLB;
    /* T5 removes the prefix space its tokenize() may have added. */
    if (t->family == SLOW_T5 && t->t5_prefix_space && from < to && k->len[from] >= 3 &&
        memcmp(k->p[from], "\xE2\x96\x81", 3) == 0) {
        k->p[from] += 3;
        k->len[from] -= 3;
    }
    for (size_t i = from; st == ATTN_OK && i < to; i++) {
        if (mbart_like) {
            st = tk_str_append(&s, k->p[i], k->len[i]);
            continue;
        }
        if (!slow_is_special_text(t, k->p[i], k->len[i]))
            continue;
        if (t->family == SLOW_T5 && !prev_special)
            st = tk_str_append(&s, " ", 1);
        if (st == ATTN_OK)
            st = slow_spm_pieces(t, k, run, i, &s);
        if (st == ATTN_OK)
            st = tk_str_append(&s, k->p[i], k->len[i]);
        if (st == ATTN_OK && t->family == SLOW_MARIAN)
            st = tk_str_append(&s, " ", 1);
        run = i + 1;
        prev_special = true;
        if (i + 1 < to && !slow_is_special_text(t, k->p[i + 1], k->len[i + 1]))
            prev_special = false;
    }
    if (st == ATTN_OK && !mbart_like)
        st = slow_spm_pieces(t, k, run, to, &s);
    /* Marian, mBART and NLLB write every U+2581 left as a space. */
    tk_str fixed = { 0 };
    if (st == ATTN_OK && t->family != SLOW_M2M100 && t->family != SLOW_T5) {
        st = tk_str_append(&fixed, "", 0);
        for (size_t i = 0; st == ATTN_OK && i < s.n;) {
            bool mark = i + 3 <= s.n && memcmp(s.p + i, "\xE2\x96\x81", 3) == 0;
            st = tk_str_append(&fixed, mark ? " " : s.p + i, 1);
            i += mark ? 3 : 1;
        }
        tk_str_free(&s);
        s = fixed;
    }
    if (st == ATTN_OK)
        st = slow_put_stripped(out, s.p, s.n);
    tk_str_free(&s);
    return st;
}

/* clean_up_tokenization: no space before . ? ! , and some contractions. */
static attn_status slow_clean_up(tk_str *s, size_t from)
{
    static const char *const pairs[][2] = {
        { " .", "." }, { " ?", "?" }, { " !", "!" }, { " ,", "," }, { " ' ", "'" },
        { " n't", "n't" }, { " 'm", "'m" }, { " 's", "'s" }, { " 've", "'ve" }, { " 're", "'re" },
    };
    for (size_t r = 0; r < sizeof pairs / sizeof *pairs; r++) {
        size_t from_len = strlen(pairs[r][0]), to_len = strlen(pairs[r][1]);
        size_t w = from;
        for (size_t i = from; i < s->n;) {
            if (i + from_len <= s->n && memcmp(s->p + i, pairs[r][0], from_len) == 0) {
                memmove(s->p + w, pairs[r][1], to_len);
                w += to_len;
                i += from_len;
            } else {
                s->p[w++] = s->p[i++];
            }
        }
        s->n = w;
        s->p[w] = '\0';
    }
    return ATTN_OK;
}

/* A token that _decode keeps out of convert_tokens_to_string: an added
 * token that is not special, or an additional special one (not bos, eos,
 * ...) beyond the base vocabulary. */
static bool slow_is_legacy_added(const slow_tokenizer *t, const char *p, size_t n)
{
    const slow_added *a = slow_find_added(t, p, n);
    return a && (!a->special || (!a->named && (size_t)a->id >= t->base_vocab));
}

attn_status slow_decode(const slow_tokenizer *t, const int32_t *ids, size_t n, bool skip_special,
                        tk_str *out)
{
    bool fits = n < SIZE_MAX / sizeof(size_t);
    slow_tokens k = { fits ? malloc((n ? n : 1) * sizeof *k.p) : NULL,
                      fits ? malloc((n ? n : 1) * sizeof *k.len) : NULL, 0 };
    attn_status st = k.p && k.len ? tk_str_append(out, "", 0) : err_no_memory("tokens");
    for (size_t i = 0; st == ATTN_OK && i < n; i++) {
        const slow_added *a = slow_added_by_id(t, ids[i]);
        if (skip_special && a && a->special)
            continue;
        if (!slow_id_to_piece(t, ids[i], &k.p[k.n], &k.len[k.n]))
            st = err_set(ATTN_E_INVALID_ARGUMENT, "id %d at position %zu is not in the "
                         "vocabulary", ids[i], i);
        k.n++;
    }
    size_t start = out->n, run = 0;
    bool first = true;
    for (size_t i = 0; st == ATTN_OK && i <= k.n; i++) {
        bool legacy = i < k.n && slow_is_legacy_added(t, k.p[i], k.len[i]);
        if (i < k.n && !legacy)
            continue;
        if (i > run) {
            size_t before = out->n;
            if (!first)
                st = tk_str_append(out, " ", 1);
            size_t text_at = out->n;
            if (st == ATTN_OK)
                st = slow_tokens_to_string(t, &k, run, i, out);
            /* An empty string between added tokens is dropped. */
            if (st == ATTN_OK && out->n == text_at && i < k.n) {
                out->n = before;
                out->p[before] = '\0';
            } else {
                first = false;
            }
        }
        if (st == ATTN_OK && legacy) {
            if (!first)
                st = tk_str_append(out, " ", 1);
            if (st == ATTN_OK)
                st = tk_str_append(out, k.p[i], k.len[i]);
            first = false;
        }
        run = i + 1;
    }
    if (st == ATTN_OK && t->clean_up)
        st = slow_clean_up(out, start);
    free(k.p);
    free(k.len);
    return st;
}
