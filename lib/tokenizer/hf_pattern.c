/* hf_pattern.c - the split and replace patterns of tokenizer.json. There
 * is no regex engine: a literal is searched for, and each regex that real
 * files use is recognised by its text and run by a scanner written for it
 * with Oniguruma's leftmost, first-alternative-wins semantics. Any other
 * regex is refused. */
#include <string.h>

#include "base/error.h"
#include "tokenizer/hf_internal.h"
#include "tokenizer/unicode.h"

static const struct {
    const char *regex;
    hf_pattern_kind kind;
} known_regexes[] = {
    { "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      HF_PAT_GPT2 },
    { " {2,}", HF_PAT_SPACES2 },
    { "\\s+", HF_PAT_WHITESPACES },
};

attn_status hf_pattern_literal(const char *s, size_t len, hf_pattern *out)
{
    *out = (hf_pattern){ HF_PAT_LITERAL, NULL, len };
    /* An empty literal becomes an empty regex, which matches between every
     * two characters. */
    if (len == 0)
        return err_set(ATTN_E_UNSUPPORTED, "an empty string pattern");
    return hfj_dup(s, len, &out->literal);
}

attn_status hf_pattern_parse(const json_t *j, const char *path, hf_pattern *out)
{
    const char *s;
    size_t len;
    char where[HF_PATH_MAX];
    *out = (hf_pattern){ 0 };
    if (!json_is_object(j) || json_object_size(j) != 1)
        return err_set(ATTN_E_FORMAT, "%s: expected {\"String\": ...} or {\"Regex\": ...}",
                       path);
    if (json_object_get(j, "String")) {
        attn_status st = hfj_string(j, path, "String", true, &s, &len);
        if (st == ATTN_OK)
            st = hf_pattern_literal(s, len, out);
        return st == ATTN_E_UNSUPPORTED ? err_prefix(st, "%s", path) : st;
    }
    attn_status st = hfj_string(j, path, "Regex", true, &s, &len);
    if (st != ATTN_OK)
        return st;
    for (size_t i = 0; i < sizeof known_regexes / sizeof *known_regexes; i++) {
        if (strlen(known_regexes[i].regex) == len && memcmp(known_regexes[i].regex, s, len) == 0) {
            out->kind = known_regexes[i].kind;
            return ATTN_OK;
        }
    }
    return err_set(ATTN_E_UNSUPPORTED, "%s: the regex \"%s\" is not supported",
                   hfj_key_path(where, path, "Regex"), s);
}

void hf_pattern_free(hf_pattern *p)
{
    free(p->literal);
    *p = (hf_pattern){ 0 };
}

/* The character at s[i] (text is valid UTF-8) and its length. */
static size_t char_at(const char *s, size_t n, size_t i, uint32_t *cp)
{
    size_t len = utf8_decode(s + i, n - i, cp);
    return len ? len : 1;
}

typedef enum char_class { CLASS_SPACE, CLASS_LETTER, CLASS_NUMBER, CLASS_OTHER } char_class;

/* The classes of the GPT-2 regex: \s, \p{L}, \p{N} and the rest. */
static char_class gpt2_class(uint32_t cp)
{
    if (uc_is_white_space(cp))
        return CLASS_SPACE;
    if (uc_is_letter(cp))
        return CLASS_LETTER;
    return uc_is_number(cp) ? CLASS_NUMBER : CLASS_OTHER;
}

/* The end of the run of characters of class `c` from i. */
static size_t class_run(const char *s, size_t n, size_t i, char_class c, size_t *count)
{
    uint32_t cp;
    *count = 0;
    while (i < n) {
        size_t len = char_at(s, n, i, &cp);
        if (gpt2_class(cp) != c)
            break;
        i += len;
        ++*count;
    }
    return i;
}

/* The end of the GPT-2 regex's match at i (one always exists). */
static size_t gpt2_match(const char *s, size_t n, size_t i)
{
    if (s[i] == '\'' && i + 1 < n) {
        char c = s[i + 1], d = i + 2 < n ? s[i + 2] : '\0';
        if (c == 's' || c == 't' || c == 'm' || c == 'd')
            return i + 2;
        if (((c == 'r' || c == 'v') && d == 'e') || (c == 'l' && d == 'l'))
            return i + 3;
    }
    size_t j = i + (s[i] == ' '), count;
    if (j < n) {
        uint32_t cp;
        char_at(s, n, j, &cp);
        char_class c = gpt2_class(cp);
        if (c != CLASS_SPACE)
            return class_run(s, n, j, c, &count); /* ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^...]+` */
    }
    size_t end = class_run(s, n, i, CLASS_SPACE, &count);
    if (end == n || count < 2)
        return end; /* `\s+(?!\S)` to the end, or `\s+` */
    /* `\s+(?!\S)` gives back the last space before a non-space. */
    size_t last = end - 1;
    while ((s[last] & 0xC0) == 0x80)
        last--;
    return last;
}

typedef bool (*char_test)(uint32_t cp);

static bool is_punctuation(uint32_t cp)
{
    return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) ||
           (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E) || uc_is_punctuation(cp);
}

static bool is_not_space(uint32_t cp)
{
    return !uc_is_white_space(cp);
}

static bool is_word(uint32_t cp)
{
    return uc_is_word(cp);
}

static bool is_other(uint32_t cp) /* [^\w\s] */
{
    return !uc_is_word(cp) && !uc_is_white_space(cp);
}

/* The first character at or after `from` that passes `test`. */
static bool find_char(const char *s, size_t n, size_t from, char_test test, size_t *start,
                      size_t *end)
{
    uint32_t cp;
    for (size_t i = from; i < n;) {
        size_t len = char_at(s, n, i, &cp);
        if (test(cp)) {
            *start = i;
            *end = i + len;
            return true;
        }
        i += len;
    }
    return false;
}

/* Extends [start, *end) over following characters that pass `test`. */
static void extend(const char *s, size_t n, char_test test, size_t *end)
{
    uint32_t cp;
    while (*end < n) {
        size_t len = char_at(s, n, *end, &cp);
        if (!test(cp))
            break;
        *end += len;
    }
}

static bool find_literal(const hf_pattern *p, const char *s, size_t n, size_t from,
                         size_t *start, size_t *end)
{
    for (size_t i = from; i + p->len <= n; i++) {
        if (s[i] == p->literal[0] && memcmp(s + i, p->literal, p->len) == 0) {
            *start = i;
            *end = i + p->len;
            return true;
        }
    }
    return false;
}

static bool find_spaces2(const char *s, size_t n, size_t from, size_t *start, size_t *end)
{
    for (size_t i = from; i + 1 < n; i++) {
        if (s[i] == ' ' && s[i + 1] == ' ') {
            size_t e = i + 2;
            while (e < n && s[e] == ' ')
                e++;
            *start = i;
            *end = e;
            return true;
        }
    }
    return false;
}

/* The leftmost match at or after `from`. */
static bool next_match(const hf_pattern *p, const char *s, size_t n, size_t from,
                       size_t *start, size_t *end)
{
    switch (p->kind) {
    case HF_PAT_LITERAL:
        return find_literal(p, s, n, from, start, end);
    case HF_PAT_GPT2:
        if (from >= n)
            return false;
        *start = from;
        *end = gpt2_match(s, n, from);
        return true;
    case HF_PAT_SPACES2:
        return find_spaces2(s, n, from, start, end);
    case HF_PAT_WHITESPACES:
        if (!find_char(s, n, from, uc_is_white_space, start, end))
            return false;
        extend(s, n, uc_is_white_space, end);
        return true;
    case HF_PAT_WORDS: {
        if (!find_char(s, n, from, is_not_space, start, end))
            return false;
        uint32_t cp;
        char_at(s, n, *start, &cp);
        extend(s, n, uc_is_word(cp) ? is_word : is_other, end);
        return true;
    }
    case HF_PAT_WHITESPACE:
        return find_char(s, n, from, uc_is_white_space, start, end);
    case HF_PAT_PUNCTUATION:
        return find_char(s, n, from, is_punctuation, start, end);
    case HF_PAT_NUMERIC:
        return find_char(s, n, from, uc_is_numeric, start, end);
    }
    return false;
}

attn_status hf_find_matches(hf_work *w, const hf_pattern *p, const char *s, size_t n,
                            bool invert)
{
    size_t prev = 0, start, end;
    attn_status st = ATTN_OK;
    w->matches.n = 0;
    while (st == ATTN_OK && next_match(p, s, n, prev, &start, &end)) {
        if (prev != start)
            st = hf_matches_push(&w->matches, prev, start, invert);
        if (st == ATTN_OK)
            st = hf_matches_push(&w->matches, start, end, !invert);
        prev = end;
    }
    if (st == ATTN_OK && prev != n)
        st = hf_matches_push(&w->matches, prev, n, invert);
    return st;
}

uint32_t hf_byte_char(unsigned char b)
{
    /* Printable Latin-1 maps to itself; the other 68 bytes, in order, to
     * U+0100 onwards. */
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
        return b;
    if (b <= 0x20)
        return 0x100 + b;
    return b == 0xAD ? 0x143 : 0x121 + (uint32_t)(b - 0x7F);
}

int hf_char_byte(uint32_t cp)
{
    if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
        return (int)cp;
    if (cp >= 0x100 && cp <= 0x120)
        return (int)(cp - 0x100);
    if (cp >= 0x121 && cp <= 0x142)
        return (int)(cp - 0x121 + 0x7F);
    return cp == 0x143 ? 0xAD : -1;
}
