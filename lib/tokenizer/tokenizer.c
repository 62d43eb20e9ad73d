/* tokenizer.c - finding a folder's tokenizer files and dispatching to the
 * SentencePiece, tokenizer.json or model-family implementation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "io/json.h"
#include "io/mapped_file.h"
#include "io/path.h"
#include "tokenizer/hf.h"
#include "tokenizer/slow.h"
#include "tokenizer/spm.h"
#include "tokenizer/tokenizer.h"

enum tok_kind { TOK_SPM, TOK_HF, TOK_SLOW };

struct tokenizer {
    int kind;
    bool target;
    spm_model spm;
    hf_tokenizer *hf;
    slow_tokenizer slow;
};

static const char *const family_names[] = {
    [SLOW_MARIAN] = "marian", [SLOW_MBART] = "mbart", [SLOW_MBART50] = "mbart50",
    [SLOW_NLLB] = "nllb",     [SLOW_M2M100] = "m2m100", [SLOW_T5] = "t5",
};

const char *tokenizer_kind(const tokenizer *tok)
{
    if (tok->kind == TOK_SPM)
        return "sentencepiece";
    if (tok->kind == TOK_HF)
        return "tokenizer.json";
    return family_names[tok->slow.family];
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static attn_status load_spm_file(const char *path, tokenizer *tok)
{
    mf_file f = { 0 };
    attn_status st = mf_open(path, true, &f);
    if (st == ATTN_OK)
        st = spm_parse(f.data, f.size, path, &tok->spm);
    mf_close(&f);
    tok->kind = TOK_SPM;
    return st;
}

static attn_status load_hf_file(const char *path, tokenizer *tok)
{
    json_t *root = NULL;
    attn_status st = js_load_object_file(path, &root);
    if (st == ATTN_OK)
        st = hf_parse(root, path, &tok->hf);
    json_decref(root);
    tok->kind = TOK_HF;
    return st;
}

/* The family of a folder's SentencePiece tokenizer, from its files and
 * tokenizer_class; -1 when it has none. */
static int folder_family(const char *dir, const json_t *config)
{
    const json_t *cls = json_object_get(config, "tokenizer_class");
    const char *name = json_is_string(cls) ? json_string_value(cls) : "";
    if (path_exists_in(dir, "source.spm"))
        return SLOW_MARIAN;
    if (path_exists_in(dir, "spiece.model"))
        return SLOW_T5;
    if (!path_exists_in(dir, "sentencepiece.bpe.model"))
        return -1;
    if (path_exists_in(dir, "vocab.json"))
        return SLOW_M2M100;
    if (strncmp(name, "Nllb", 4) == 0)
        return SLOW_NLLB;
    return strncmp(name, "MBart50", 7) == 0 ? SLOW_MBART50 : SLOW_MBART;
}

static attn_status load_folder(const char *dir, bool target, tokenizer *tok)
{
    json_t *config = NULL;
    attn_status st = ATTN_OK;
    if (path_exists_in(dir, "tokenizer_config.json"))
        st = js_load_object_in(dir, "tokenizer_config.json", true, &config);
    int family = st == ATTN_OK ? folder_family(dir, config) : -1;
    if (st == ATTN_OK && family >= 0) {
        tok->kind = TOK_SLOW;
        st = slow_load(dir, family, target, config, &tok->slow);
        if (st != ATTN_OK)
            err_prefix(st, "%s", dir);
    } else if (st == ATTN_OK && path_exists_in(dir, "tokenizer.json")) {
        char *path = path_join(dir, "tokenizer.json");
        st = path ? load_hf_file(path, tok) : err_no_memory("a path");
        free(path);
    } else if (st == ATTN_OK) {
        st = err_set(ATTN_E_NOT_FOUND, "%s has no tokenizer (looked for source.spm, spiece.model, "
                     "sentencepiece.bpe.model and tokenizer.json)", dir);
    }
    json_decref(config);
    return st;
}

attn_status tokenizer_load(const char *path, bool target, tokenizer **out)
{
    struct stat sb;
    *out = NULL;
    if (stat(path, &sb) != 0)
        return err_set(errno == ENOENT ? ATTN_E_NOT_FOUND : ATTN_E_IO, "tokenizer '%s': %s",
                       path, strerror(errno));
    tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok)
        return err_no_memory("a tokenizer");
    tok->target = target;
    attn_status st;
    if (S_ISDIR(sb.st_mode))
        st = load_folder(path, target, tok);
    else if (has_suffix(path, ".json"))
        st = load_hf_file(path, tok);
    else
        st = load_spm_file(path, tok);
    if (st != ATTN_OK) {
        tokenizer_free(tok);
        return st;
    }
    *out = tok;
    return ATTN_OK;
}

void tokenizer_free(tokenizer *tok)
{
    if (!tok)
        return;
    spm_free(&tok->spm);
    hf_free(tok->hf);
    slow_free(&tok->slow);
    free(tok);
}

bool tokenizer_is_target(const tokenizer *tok)
{
    return tok->target;
}

bool tokenizer_has_languages(const tokenizer *tok)
{
    return tok->kind == TOK_SLOW && tok->slow.family != SLOW_MARIAN &&
           tok->slow.family != SLOW_T5;
}

/* Fails unless the tokenizer takes language codes. */
static attn_status require_languages(const tokenizer *tok)
{
    if (tokenizer_has_languages(tok))
        return ATTN_OK;
    return err_set(ATTN_E_INVALID_ARGUMENT, "a %s tokenizer takes no language code",
                   tokenizer_kind(tok));
}

attn_status tokenizer_language_id(const tokenizer *tok, const char *code, int32_t *id)
{
    attn_status st = require_languages(tok);
    return st == ATTN_OK ? slow_language_id(&tok->slow, code, id) : st;
}

attn_status tokenizer_encode(const tokenizer *tok, const char *text, size_t len,
                             const tokenizer_encode_args *args, tk_ids *out)
{
    attn_status st = args->lang ? require_languages(tok) : ATTN_OK;
    if (st != ATTN_OK)
        return st;
    if (tok->kind == TOK_SPM) {
        /* SentencePiece takes any bytes: malformed ones read as U+FFFD. */
        spm_encoding enc = { 0 };
        st = spm_encode(&tok->spm, text, len, &enc);
        for (size_t i = 0; st == ATTN_OK && i < enc.spans.n; i++)
            st = tk_ids_push(out, enc.spans.v[i].id);
        spm_encoding_free(&enc);
        return st;
    }
    if (tok->kind == TOK_HF)
        return hf_encode(tok->hf, text, len, args->add_special_tokens, out);
    st = utf8_require(text, len, "the text");
    if (st != ATTN_OK)
        return st;
    return slow_encode(&tok->slow, text, len, args->add_special_tokens, args->lang, out);
}

attn_status tokenizer_decode(const tokenizer *tok, const int32_t *ids, size_t n,
                             bool skip_special_tokens, tk_str *out)
{
    if (tok->kind == TOK_SPM)
        return spm_decode(&tok->spm, ids, NULL, NULL, n, out);
    if (tok->kind == TOK_HF)
        return hf_decode(tok->hf, ids, n, skip_special_tokens, out);
    return slow_decode(&tok->slow, ids, n, skip_special_tokens, out);
}

size_t tokenizer_vocab_size(const tokenizer *tok)
{
    if (tok->kind == TOK_SPM)
        return tok->spm.n_pieces;
    if (tok->kind == TOK_HF)
        return hf_vocab_size(tok->hf);
    return tok->slow.size;
}

bool tokenizer_id_to_piece(const tokenizer *tok, int32_t id, const char **piece, size_t *len)
{
    if (tok->kind == TOK_HF)
        return hf_id_to_piece(tok->hf, id, piece, len);
    if (tok->kind == TOK_SLOW)
        return slow_id_to_piece(&tok->slow, id, piece, len);
    if (id < 0 || (size_t)id >= tok->spm.n_pieces)
        return false;
    *piece = tok->spm.pieces[id].text;
    *len = tok->spm.pieces[id].len;
    return true;
}

bool tokenizer_piece_to_id(const tokenizer *tok, const char *piece, size_t len, int32_t *id)
{
    if (tok->kind == TOK_HF)
        return hf_piece_to_id(tok->hf, piece, len, id);
    if (tok->kind == TOK_SLOW)
        return slow_piece_to_id(&tok->slow, piece, len, id);
    return spm_find_piece(&tok->spm, piece, len, id);
}
