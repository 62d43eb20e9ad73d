/* unicode.c - see unicode.h. utf8proc 2.8 carries Unicode 15.0; the crates
 * behind tokenizers 0.20.3 carry other versions (unicode_categories:
 * Unicode 8.0, unicode-normalization-alignments: 9.0, Oniguruma 6.9.8:
 * 14.0, regex 1.11 and unicode-segmentation 1.12: 16.0). The tables below
 * are the differences, found by running every code point through
 * tokenizers 0.20.3 and utf8proc, and from unicode-segmentation's table. */
#include "tokenizer/unicode.h"

#include <utf8proc.h>

typedef struct uc_range {
    uint32_t lo, hi;
} uc_range;

/* Characters that gained a decomposition after Unicode 9.0. */
static const uc_range decomposed_after_9[] = {
    { 0x32FF, 0x32FF }, { 0xA7F2, 0xA7F4 }, { 0xAB69, 0xAB69 }, { 0x10781, 0x10785 },
    { 0x10787, 0x107B0 }, { 0x107B2, 0x107BA }, { 0x11938, 0x11938 }, { 0x1E030, 0x1E06D },
    { 0x1F16C, 0x1F16C }, { 0x1FBF0, 0x1FBF9 },
};

/* Marks (M*) assigned or recategorised after Unicode 9.0. */
static const uc_range marks_after_9[] = {
    { 0x7FD, 0x7FD }, { 0x898, 0x89F }, { 0x8CA, 0x8D3 }, { 0x9FE, 0x9FE }, { 0xAFA, 0xAFF },
    { 0xB55, 0xB55 }, { 0xC04, 0xC04 }, { 0xC3C, 0xC3C }, { 0xCF3, 0xCF3 }, { 0xD00, 0xD00 },
    { 0xD3B, 0xD3C }, { 0xD81, 0xD81 }, { 0xEBA, 0xEBA }, { 0xECE, 0xECE }, { 0x1715, 0x1715 },
    { 0x180F, 0x180F }, { 0x1ABF, 0x1ACE }, { 0x1CF7, 0x1CF7 }, { 0x1DF6, 0x1DFA },
    { 0xA82C, 0xA82C }, { 0xA8FF, 0xA8FF }, { 0x10D24, 0x10D27 }, { 0x10EAB, 0x10EAC },
    { 0x10EFD, 0x10EFF }, { 0x10F46, 0x10F50 }, { 0x10F82, 0x10F85 }, { 0x11070, 0x11070 },
    { 0x11073, 0x11074 }, { 0x110C2, 0x110C2 }, { 0x11145, 0x11146 }, { 0x111C9, 0x111C9 },
    { 0x111CE, 0x111CF }, { 0x11241, 0x11241 }, { 0x1133B, 0x1133B }, { 0x1145E, 0x1145E },
    { 0x1182C, 0x1183A }, { 0x11930, 0x11935 }, { 0x11937, 0x11938 }, { 0x1193B, 0x1193E },
    { 0x11940, 0x11940 }, { 0x11942, 0x11943 }, { 0x119D1, 0x119D7 }, { 0x119DA, 0x119E0 },
    { 0x119E4, 0x119E4 }, { 0x11A01, 0x11A0A }, { 0x11A33, 0x11A39 }, { 0x11A3B, 0x11A3E },
    { 0x11A47, 0x11A47 }, { 0x11A51, 0x11A5B }, { 0x11A8A, 0x11A99 }, { 0x11D31, 0x11D36 },
    { 0x11D3A, 0x11D3A }, { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D45 }, { 0x11D47, 0x11D47 },
    { 0x11D8A, 0x11D8E }, { 0x11D90, 0x11D91 }, { 0x11D93, 0x11D97 }, { 0x11EF3, 0x11EF6 },
    { 0x11F00, 0x11F01 }, { 0x11F03, 0x11F03 }, { 0x11F34, 0x11F3A }, { 0x11F3E, 0x11F42 },
    { 0x13440, 0x13440 }, { 0x13447, 0x13455 }, { 0x16F4F, 0x16F4F }, { 0x16F7F, 0x16F87 },
    { 0x16FE4, 0x16FE4 }, { 0x16FF0, 0x16FF1 }, { 0x1CF00, 0x1CF2D }, { 0x1CF30, 0x1CF46 },
    { 0x1E08F, 0x1E08F }, { 0x1E130, 0x1E136 }, { 0x1E2AE, 0x1E2AE }, { 0x1E2EC, 0x1E2EF },
    { 0x1E4EC, 0x1E4EF },
};

/* Mn assigned or recategorised after Unicode 8.0. */
static const uc_range nonspacing_after_8[] = {
    { 0x7FD, 0x7FD }, { 0x898, 0x89F }, { 0x8CA, 0x8E1 }, { 0x9FE, 0x9FE }, { 0xAFA, 0xAFF },
    { 0xB55, 0xB55 }, { 0xC04, 0xC04 }, { 0xC3C, 0xC3C }, { 0xD00, 0xD00 }, { 0xD3B, 0xD3C },
    { 0xD81, 0xD81 }, { 0xEBA, 0xEBA }, { 0xECE, 0xECE }, { 0x180F, 0x180F }, { 0x1885, 0x1886 },
    { 0x1ABF, 0x1ACE }, { 0x1DF6, 0x1DFB }, { 0xA82C, 0xA82C }, { 0xA8C5, 0xA8C5 },
    { 0xA8FF, 0xA8FF }, { 0xA9BD, 0xA9BD }, { 0x10D24, 0x10D27 }, { 0x10EAB, 0x10EAC },
    { 0x10EFD, 0x10EFF }, { 0x10F46, 0x10F50 }, { 0x10F82, 0x10F85 }, { 0x11070, 0x11070 },
    { 0x11073, 0x11074 }, { 0x110C2, 0x110C2 }, { 0x111C9, 0x111C9 }, { 0x111CF, 0x111CF },
    { 0x1123E, 0x1123E }, { 0x11241, 0x11241 }, { 0x1133B, 0x1133B }, { 0x11438, 0x1143F },
    { 0x11442, 0x11444 }, { 0x11446, 0x11446 }, { 0x1145E, 0x1145E }, { 0x1182F, 0x11837 },
    { 0x11839, 0x1183A }, { 0x1193B, 0x1193C }, { 0x1193E, 0x1193E }, { 0x11943, 0x11943 },
    { 0x119D4, 0x119D7 }, { 0x119DA, 0x119DB }, { 0x119E0, 0x119E0 }, { 0x11A01, 0x11A0A },
    { 0x11A33, 0x11A38 }, { 0x11A3B, 0x11A3E }, { 0x11A47, 0x11A47 }, { 0x11A51, 0x11A56 },
    { 0x11A59, 0x11A5B }, { 0x11A8A, 0x11A96 }, { 0x11A98, 0x11A99 }, { 0x11C30, 0x11C36 },
    { 0x11C38, 0x11C3D }, { 0x11C3F, 0x11C3F }, { 0x11C92, 0x11CA7 }, { 0x11CAA, 0x11CB0 },
    { 0x11CB2, 0x11CB3 }, { 0x11CB5, 0x11CB6 }, { 0x11D31, 0x11D36 }, { 0x11D3A, 0x11D3A },
    { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D45 }, { 0x11D47, 0x11D47 }, { 0x11D90, 0x11D91 },
    { 0x11D95, 0x11D95 }, { 0x11D97, 0x11D97 }, { 0x11EF3, 0x11EF4 }, { 0x11F00, 0x11F01 },
    { 0x11F36, 0x11F3A }, { 0x11F40, 0x11F40 }, { 0x11F42, 0x11F42 }, { 0x13440, 0x13440 },
    { 0x13447, 0x13455 }, { 0x16F4F, 0x16F4F }, { 0x16FE4, 0x16FE4 }, { 0x1CF00, 0x1CF2D },
    { 0x1CF30, 0x1CF46 }, { 0x1E000, 0x1E006 }, { 0x1E008, 0x1E018 }, { 0x1E01B, 0x1E021 },
    { 0x1E023, 0x1E024 }, { 0x1E026, 0x1E02A }, { 0x1E08F, 0x1E08F }, { 0x1E130, 0x1E136 },
    { 0x1E2AE, 0x1E2AE }, { 0x1E2EC, 0x1E2EF }, { 0x1E4EC, 0x1E4EF }, { 0x1E944, 0x1E94A },
};

/* \w of regex 1.11 (Unicode 16.0) beyond utf8proc's L, M, Nd, Nl, Pc:
 * Other_Alphabetic symbols and Unicode 16.0 additions. */
static const uc_range word_after_15[] = {
    { 0x897, 0x897 }, { 0x1C89, 0x1C8A }, { 0x24B6, 0x24E9 }, { 0xA7CB, 0xA7CD },
    { 0xA7DA, 0xA7DC }, { 0x105C0, 0x105F3 }, { 0x10D40, 0x10D65 }, { 0x10D69, 0x10D6D },
    { 0x10D6F, 0x10D85 }, { 0x10EC2, 0x10EC4 }, { 0x10EFC, 0x10EFC }, { 0x11380, 0x11389 },
    { 0x1138B, 0x1138B }, { 0x1138E, 0x1138E }, { 0x11390, 0x113B5 }, { 0x113B7, 0x113C0 },
    { 0x113C2, 0x113C2 }, { 0x113C5, 0x113C5 }, { 0x113C7, 0x113CA }, { 0x113CC, 0x113D3 },
    { 0x113E1, 0x113E2 }, { 0x116D0, 0x116E3 }, { 0x11BC0, 0x11BE0 }, { 0x11BF0, 0x11BF9 },
    { 0x11F5A, 0x11F5A }, { 0x13460, 0x143FA }, { 0x16100, 0x16139 }, { 0x16D40, 0x16D6C },
    { 0x16D70, 0x16D79 }, { 0x18CFF, 0x18CFF }, { 0x1CCF0, 0x1CCF9 }, { 0x1E5D0, 0x1E5FA },
    { 0x1F130, 0x1F149 }, { 0x1F150, 0x1F169 }, { 0x1F170, 0x1F189 }, { 0x2EBF0, 0x2EE5D },
};

/* P* assigned after Unicode 8.0. */
static const uc_range punctuation_after_8[] = {
    { 0x61D, 0x61D }, { 0x9FD, 0x9FD }, { 0xA76, 0xA76 }, { 0xC77, 0xC77 }, { 0xC84, 0xC84 },
    { 0x1B7D, 0x1B7E }, { 0x2E43, 0x2E4F }, { 0x2E52, 0x2E5D }, { 0x10EAD, 0x10EAD },
    { 0x10F55, 0x10F59 }, { 0x10F86, 0x10F89 }, { 0x1144B, 0x1144F }, { 0x1145A, 0x1145B },
    { 0x1145D, 0x1145D }, { 0x11660, 0x1166C }, { 0x116B9, 0x116B9 }, { 0x1183B, 0x1183B },
    { 0x11944, 0x11946 }, { 0x119E2, 0x119E2 }, { 0x11A3F, 0x11A46 }, { 0x11A9A, 0x11A9C },
    { 0x11A9E, 0x11AA2 }, { 0x11B00, 0x11B09 }, { 0x11C41, 0x11C45 }, { 0x11C70, 0x11C71 },
    { 0x11EF7, 0x11EF8 }, { 0x11F43, 0x11F4F }, { 0x11FFF, 0x11FFF }, { 0x12FF1, 0x12FF2 },
    { 0x16E97, 0x16E9A }, { 0x16FE2, 0x16FE2 }, { 0x1E95E, 0x1E95F },
};

/* L* and N* assigned in Unicode 15.0. */
static const uc_range letters_numbers_15[] = {
    { 0x1123F, 0x11240 }, { 0x11F02, 0x11F02 }, { 0x11F04, 0x11F10 }, { 0x11F12, 0x11F33 },
    { 0x11F50, 0x11F59 }, { 0x1342F, 0x1342F }, { 0x13441, 0x13446 }, { 0x1B132, 0x1B132 },
    { 0x1B155, 0x1B155 }, { 0x1D2C0, 0x1D2D3 }, { 0x1DF25, 0x1DF2A }, { 0x1E030, 0x1E06D },
    { 0x1E4D0, 0x1E4EB }, { 0x1E4F0, 0x1E4F9 }, { 0x2B739, 0x2B739 }, { 0x31350, 0x323AF },
};

/* C* (format characters) assigned after Unicode 8.0. */
static const uc_range other_after_8[] = {
    { 0x890, 0x891 }, { 0x8E2, 0x8E2 }, { 0x110CD, 0x110CD }, { 0x13430, 0x1343F },
};


static bool in_table(const uc_range *r, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

#define IN(table, cp) in_table(table, sizeof table / sizeof *table, cp)

static utf8proc_category_t category(uint32_t cp)
{
    return utf8proc_category((utf8proc_int32_t)cp);
}

static bool is_letter(utf8proc_category_t c)
{
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static bool is_mark(utf8proc_category_t c)
{
    return c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME;
}

static bool is_number(utf8proc_category_t c)
{
    return c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO;
}

bool uc_is_white_space(uint32_t cp)
{
    /* utf8proc has no White_Space; the set has not changed since 6.3. */
    switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

bool uc_is_letter(uint32_t cp)
{
    return is_letter(category(cp)) && !IN(letters_numbers_15, cp);
}

bool uc_is_number(uint32_t cp)
{
    return is_number(category(cp)) && !IN(letters_numbers_15, cp);
}

bool uc_is_numeric(uint32_t cp)
{
    return is_number(category(cp));
}

bool uc_is_word(uint32_t cp)
{
    utf8proc_category_t c = category(cp);
    bool join_control = cp == 0x200C || cp == 0x200D;
    return is_letter(c) || is_mark(c) || c == UTF8PROC_CATEGORY_ND ||
           c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_PC || join_control ||
           IN(word_after_15, cp);
}

bool uc_is_punctuation(uint32_t cp)
{
    utf8proc_category_t c = category(cp);
    /* U+166D and U+111C9 were punctuation in Unicode 8.0. */
    return (c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO &&
            !IN(punctuation_after_8, cp)) || cp == 0x166D || cp == 0x111C9;
}

bool uc_is_other(uint32_t cp)
{
    /* Unassigned code points do not count: the crate lists no Cn. */
    utf8proc_category_t c = category(cp);
    bool other = c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF ||
                 c == UTF8PROC_CATEGORY_CO || c == UTF8PROC_CATEGORY_CS;
    return other && !IN(other_after_8, cp);
}

bool uc_is_nonspacing_mark(uint32_t cp)
{
    /* U+1734 was Mn in Unicode 8.0. */
    return (category(cp) == UTF8PROC_CATEGORY_MN && !IN(nonspacing_after_8, cp)) ||
           cp == 0x1734;
}

bool uc_is_mark(uint32_t cp)
{
    /* U+1CF2 and U+1CF3 were marks in Unicode 9.0. */
    return (is_mark(category(cp)) && !IN(marks_after_9, cp)) || cp == 0x1CF2 || cp == 0x1CF3;
}

size_t uc_to_lower(uint32_t cp, uint32_t out[UC_LOWER_MAX])
{
    /* SpecialCasing's one unconditional multi-character lowercase, which
     * utf8proc's 1:1 mapping lacks. */
    if (cp == 0x130) {
        out[0] = 0x69;
        out[1] = 0x307;
        return 2;
    }
    out[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
    return 1;
}

size_t uc_decompose(uint32_t cp, bool compat, uint32_t out[UC_DECOMPOSE_MAX])
{
    utf8proc_int32_t buf[UC_DECOMPOSE_MAX];
    int boundclass = 0;
    utf8proc_option_t opt = UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0);
    utf8proc_ssize_t n = IN(decomposed_after_9, cp) ? 0
                         : utf8proc_decompose_char((utf8proc_int32_t)cp, buf,
                                                   UC_DECOMPOSE_MAX, opt, &boundclass);
    if (n <= 0 || n > UC_DECOMPOSE_MAX) {
        out[0] = cp;
        return 1;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++)
        out[i] = (uint32_t)buf[i];
    return (size_t)n;
}

uint8_t uc_combining_class(uint32_t cp)
{
    /* Combining classes never change; marks Unicode 9.0 did not have are 0. */
    if (IN(marks_after_9, cp))
        return 0;
    return (uint8_t)utf8proc_get_property((utf8proc_int32_t)cp)->combining_class;
}

bool uc_compose(uint32_t a, uint32_t b, uint32_t *out)
{
    utf8proc_int32_t buf[2] = { (utf8proc_int32_t)a, (utf8proc_int32_t)b };
    utf8proc_ssize_t n = utf8proc_normalize_utf32(buf, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n != 1 || IN(decomposed_after_9, (uint32_t)buf[0]))
        return false;
    *out = (uint32_t)buf[0];
    return true;
}

/* Grapheme_Cluster_Break values of Unicode 16.0 that utf8proc's 15.0 data
 * lacks or has otherwise. */
static const uc_range grapheme_16_control[] = {
    { 0x2065, 0x2065 }, { 0xFFF0, 0xFFF8 }, { 0xE0000, 0xE0000 }, { 0xE0002, 0xE001F },
    { 0xE0080, 0xE00FF }, { 0xE01F0, 0xE0FFF },
};

static const uc_range grapheme_16_extend[] = {
    { 0x897, 0x897 }, { 0xCC0, 0xCC0 }, { 0xCC7, 0xCC8 }, { 0xCCA, 0xCCB }, { 0x1715, 0x1715 },
    { 0x1734, 0x1734 }, { 0x1B3B, 0x1B3B }, { 0x1B3D, 0x1B3D }, { 0x1B43, 0x1B44 },
    { 0x1BAA, 0x1BAA }, { 0x1BF2, 0x1BF3 }, { 0xA953, 0xA953 }, { 0xA9C0, 0xA9C0 },
    { 0x10D69, 0x10D6D }, { 0x10EFC, 0x10EFC }, { 0x111C0, 0x111C0 }, { 0x11235, 0x11235 },
    { 0x1134D, 0x1134D }, { 0x113B8, 0x113B8 }, { 0x113BB, 0x113C0 }, { 0x113C2, 0x113C2 },
    { 0x113C5, 0x113C5 }, { 0x113C7, 0x113C9 }, { 0x113CE, 0x113D0 }, { 0x113D2, 0x113D2 },
    { 0x113E1, 0x113E2 }, { 0x116B6, 0x116B6 }, { 0x1193D, 0x1193D }, { 0x11F41, 0x11F41 },
    { 0x11F5A, 0x11F5A }, { 0x1611E, 0x16129 }, { 0x1612D, 0x1612F }, { 0x16FF0, 0x16FF1 },
    { 0x1D166, 0x1D166 }, { 0x1D16D, 0x1D16D }, { 0x1E5EE, 0x1E5EF },
};

static const uc_range grapheme_16_v[] = {
    { 0x16D63, 0x16D63 }, { 0x16D67, 0x16D6A },
};

static const uc_range grapheme_16_spacing_mark[] = {
    { 0x113B9, 0x113BA }, { 0x113CA, 0x113CA }, { 0x113CC, 0x113CD }, { 0x1171E, 0x1171E },
    { 0x1612A, 0x1612C },
};

static const uc_range grapheme_16_prepend[] = {
    { 0x113D1, 0x113D1 },
};

static const uc_range grapheme_16_pictographic[] = {
    { 0x1F02C, 0x1F02F }, { 0x1F094, 0x1F09F }, { 0x1F0AF, 0x1F0B0 }, { 0x1F0C0, 0x1F0C0 },
    { 0x1F0D0, 0x1F0D0 }, { 0x1F0F6, 0x1F0FF }, { 0x1F1AE, 0x1F1E5 }, { 0x1F203, 0x1F20F },
    { 0x1F23C, 0x1F23F }, { 0x1F249, 0x1F24F }, { 0x1F252, 0x1F25F }, { 0x1F266, 0x1F2FF },
    { 0x1F6D8, 0x1F6DB }, { 0x1F6ED, 0x1F6EF }, { 0x1F6FD, 0x1F6FF }, { 0x1F777, 0x1F77A },
    { 0x1F7DA, 0x1F7DF }, { 0x1F7EC, 0x1F7EF }, { 0x1F7F1, 0x1F7FF }, { 0x1F80C, 0x1F80F },
    { 0x1F848, 0x1F84F }, { 0x1F85A, 0x1F85F }, { 0x1F888, 0x1F88F }, { 0x1F8AE, 0x1F8AF },
    { 0x1F8B2, 0x1F8FF }, { 0x1FA54, 0x1FA5F }, { 0x1FA6E, 0x1FA6F }, { 0x1FA7D, 0x1FA7F },
    { 0x1FA89, 0x1FA8F }, { 0x1FABE, 0x1FABE }, { 0x1FAC6, 0x1FACD }, { 0x1FADC, 0x1FADF },
    { 0x1FAE9, 0x1FAEF }, { 0x1FAF9, 0x1FAFF }, { 0x1FC00, 0x1FFFD },
};

/* A code point with cp's Unicode 16.0 grapheme break value: cp itself, or
 * one utf8proc gives that value. */
static utf8proc_int32_t grapheme_as(uint32_t cp)
{
    static const struct {
        const uc_range *table;
        size_t n;
        uint32_t as;
    } classes[] = {
#define CLASS(t, as) { t, sizeof t / sizeof *t, as }
        CLASS(grapheme_16_control, 0x0001), CLASS(grapheme_16_extend, 0x0300),
        CLASS(grapheme_16_v, 0x1161), CLASS(grapheme_16_spacing_mark, 0x0903),
        CLASS(grapheme_16_prepend, 0x0600), CLASS(grapheme_16_pictographic, 0x00A9),
#undef CLASS
    };
    for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
        if (in_table(classes[i].table, classes[i].n, cp))
            return (utf8proc_int32_t)classes[i].as;
    return (utf8proc_int32_t)cp;
}

bool uc_grapheme_break(uint32_t prev, uint32_t next, int32_t *state)
{
    /* Unicode 16.0's GB9c (Indic conjuncts) is not applied: it only joins
     * clusters of 3-byte characters into longer ones, and Precompiled
     * treats clusters of 6 bytes and more character by character either
     * way. */
    return utf8proc_grapheme_break_stateful(grapheme_as(prev), grapheme_as(next), state);
}
