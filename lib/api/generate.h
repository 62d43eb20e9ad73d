/* generate.h - what attn_translate shares with the generation functions:
 * the result structure and generation from token ids under a caller's
 * option scope. */
#ifndef ATTN_API_GENERATE_H
#define ATTN_API_GENERATE_H

#include "attn.h"
#include "decode/search.h"

struct attn_result {
    search_result search;
    /* Decoded hypotheses (attn_translate only, else NULL): hypothesis h is
     * text[text_at[h] .. text_at[h + 1] - 1), NUL-terminated. */
    char *text;
    size_t *text_at;
};

/* attn_generate_ids accepting the options of `scope` on behalf of
 * `function`. With OPT_SCOPE_ENCODE in scope, the option tgt_lang makes
 * its language token the default forced_bos_token_id, as transformers'
 * translation inputs do. */
attn_status generate_ids(attn_session *session, const int32_t *ids, const size_t *lengths,
                         size_t batch, const attn_options *options, unsigned scope,
                         const char *function, attn_result **out);

/* attn_score under the options of `scope` on behalf of `function`. */
attn_status score_ids(attn_session *session, const attn_encoding *encoding,
                      const int32_t *targets, const size_t *lengths, const attn_options *options,
                      unsigned scope, const char *function, attn_result **out);

#endif
