/*
 * attn.h - the public interface of libattn, a C library that runs
 * attention-based sequence models on CPU from Hugging Face model folders.
 *
 * Thread safety: functions are safe to call from any thread on distinct
 * handles. An attn_model is read-only after load and may be shared by any
 * number of threads. An attn_options bag must not be modified while another
 * thread reads it. attn_last_error() is per thread.
 *
 * Errors: every fallible function returns an attn_status (ATTN_OK = 0,
 * errors negative) and hands objects back through an out-pointer, which is
 * left untouched on failure. After a failure, attn_last_error() on the same
 * thread describes what was wrong and where (file, tensor, option, position).
 *
 * ABI: no structure is passed by value or shared by layout; options are set
 * by name. Within major version 0 the shared object is libattn.so.0 and
 * releases only add functions, option names and status codes.
 */
#ifndef ATTN_H
#define ATTN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(ATTN_BUILDING_LIBRARY)
#    define ATTN_API __declspec(dllexport)
#  else
#    define ATTN_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define ATTN_API __attribute__((visibility("default")))
#else
#  define ATTN_API
#endif

/* Every fallible function returns one of the ATTN_OK / ATTN_E_* codes
 * below. */
typedef int32_t attn_status;

/* ---------------------------------------------------------------- version */

#define ATTN_VERSION_MAJOR 0
#define ATTN_VERSION_MINOR 1
#define ATTN_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, as attn_version() returns it. */
#define ATTN_VERSION_NUMBER \
    (ATTN_VERSION_MAJOR * 10000 + ATTN_VERSION_MINOR * 100 + ATTN_VERSION_PATCH)

/* The version of the library actually loaded, encoded as ATTN_VERSION_NUMBER.
 * Thread-safe; never fails. */
ATTN_API uint32_t attn_version(void);

/* The loaded library's version as text, e.g. "0.1.0". Static storage. */
ATTN_API const char *attn_version_string(void);

/* Checks that the loaded library can serve a caller built against header
 * version `header_version` (pass ATTN_VERSION_NUMBER): the major versions
 * must match and the library must be at least as new as the header, so that
 * every function the caller may call exists.
 * Returns ATTN_OK, or ATTN_E_UNSUPPORTED with both versions in
 * attn_last_error(). Bindings call this once when they load the library. */
ATTN_API attn_status attn_check_version(uint32_t header_version);

/* ----------------------------------------------------------------- status */

/* Status codes. Values are fixed forever; new codes are only appended. */
#define ATTN_OK                    0
#define ATTN_E_INVALID_ARGUMENT  (-1) /* NULL pointer, bad option name/value */
#define ATTN_E_NOT_FOUND         (-2) /* missing file, tensor or key */
#define ATTN_E_FORMAT            (-3) /* malformed file or text */
#define ATTN_E_UNSUPPORTED       (-4) /* well-formed but not handled */
#define ATTN_E_NO_MEMORY         (-5) /* an allocation failed */
#define ATTN_E_IO                (-6) /* the operating system refused */
#define ATTN_E_BUFFER_TOO_SMALL  (-7) /* caller's buffer cannot hold the answer */
#define ATTN_E_ABORTED           (-8) /* a caller's callback asked to stop */
#define ATTN_E_INTERNAL          (-9) /* a bug in libattn or a dependency */

/* A short lower-case description of a status ("bad format"); "unknown
 * status" for a value that is not a status code. Static storage, never
 * NULL, thread-safe. */
ATTN_API const char *attn_status_string(attn_status status);

/* The message of the last failure of a libattn call on this thread, e.g.
 * "model.safetensors: tensor 'lm_head.weight': data_offsets [0, 12) hold 12
 * bytes but shape [2, 3] of F32 needs 24". Empty ("") if no call on this
 * thread has failed. Owned by the library, valid until the next libattn call
 * on this thread. Read it right after the failing call; a successful call
 * does not clear it. */
ATTN_API const char *attn_last_error(void);

/* -------------------------------------------------------------------- log */

#define ATTN_LOG_ERROR 0
#define ATTN_LOG_WARN  1
#define ATTN_LOG_INFO  2
#define ATTN_LOG_DEBUG 3

/* Receives the library's log messages: `level` is one of ATTN_LOG_*,
 * `message` is one line without a trailing newline, valid only during the
 * call. May be called from any thread that calls into libattn, one call at
 * a time (calls are serialised); it must not call back into libattn. */
typedef void (*attn_log_fn)(void *user, int32_t level, const char *message);

/* Installs `fn` (NULL removes it) to receive messages at `max_level` and
 * below (ATTN_LOG_WARN passes errors and warnings). Without a callback the
 * library writes nothing anywhere. `user` is passed back unchanged; it must
 * stay valid until the callback is replaced. When this returns, no call of
 * the previous callback is running or will start, so its `user` may be
 * freed. Thread-safe.
 * Errors: ATTN_E_INVALID_ARGUMENT if max_level is not an ATTN_LOG_* value. */
ATTN_API attn_status attn_set_log_callback(attn_log_fn fn, void *user,
                                           int32_t max_level);

/* ---------------------------------------------------------------- options */

/* A bag of named settings passed to functions that accept options. Names
 * and value types are listed in docs/options.md. A setter checks the name,
 * the type and the range at once; a function that receives the bag rejects
 * options that do not apply to it. Values are copied; setting a name again
 * replaces its value. */
typedef struct attn_options attn_options;

/* Creates an empty bag in *out. Free it with attn_options_free().
 * Errors: ATTN_E_INVALID_ARGUMENT (out is NULL), ATTN_E_NO_MEMORY. */
ATTN_API attn_status attn_options_create(attn_options **out);

/* Set an integer, floating-point or string option. Booleans are integers
 * 0 and 1. The string is copied.
 * Errors: ATTN_E_INVALID_ARGUMENT for a NULL argument, an unknown name, a
 * value of the wrong type or out of range (the message names the option and
 * its valid range); ATTN_E_NO_MEMORY. On error the bag is unchanged. */
ATTN_API attn_status attn_options_set_int(attn_options *options,
                                          const char *name, int64_t value);
ATTN_API attn_status attn_options_set_float(attn_options *options,
                                            const char *name, double value);
ATTN_API attn_status attn_options_set_str(attn_options *options,
                                          const char *name, const char *value);

/* Frees a bag. NULL is ignored. */
ATTN_API void attn_options_free(attn_options *options);

/* ------------------------------------------------------------------ model */

/* A loaded model: configuration and weights. Immutable after load; any
 * number of threads may use one model at once. */
typedef struct attn_model attn_model;

/* Loads the Hugging Face model folder at `path`: config.json, the optional
 * generation_config.json, and the weights in model.safetensors or in the
 * shards listed by model.safetensors.index.json. Weights are memory-mapped
 * read-only; float32 tensors are used in place, float16 and bfloat16 ones
 * are converted to float32 once. Every file is validated before use.
 * Options (scope "model"): see docs/options.md. `options` may be NULL.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL path/out, an option that does not
 * apply), ATTN_E_NOT_FOUND (no folder, no config.json, no weights, a tensor
 * of the index missing from its shard), ATTN_E_FORMAT (malformed JSON or
 * safetensors), ATTN_E_UNSUPPORTED (unknown model_type, only
 * pytorch_model.bin present), ATTN_E_IO, ATTN_E_NO_MEMORY.
 * Tokenizer files that are missing or fail to load do not fail the model
 * (it runs on ids): attn_model_tokenizer() reports why, and a successful
 * load leaves attn_last_error() as it was.
 * The result is freed with attn_model_free(). */
ATTN_API attn_status attn_model_load(const char *path,
                                     const attn_options *options,
                                     attn_model **out);

/* Releases the caller's reference to a model. NULL is ignored. Objects that
 * hold the model (sessions, in later versions) keep it alive until they are
 * freed too, so handles may be freed in any order. */
ATTN_API void attn_model_free(attn_model *model);

/* Adds a reference to `model` and returns it, so that a second owner can
 * free its own with attn_model_free() in any order. NULL returns NULL.
 * Thread-safe. */
ATTN_API attn_model *attn_model_retain(attn_model *model);

/* The config.json `model_type` ("marian", "bart", ...). Owned by the model;
 * valid while it lives. NULL if model is NULL. Thread-safe. */
ATTN_API const char *attn_model_type(const attn_model *model);

/* Reads one integer property of a loaded model into *out. Names:
 *   "vocab_size", "decoder_vocab_size", "d_model", "encoder_layers",
 *   "decoder_layers", "encoder_attention_heads", "decoder_attention_heads",
 *   "encoder_ffn_dim", "decoder_ffn_dim", "max_position_embeddings",
 *   "pad_token_id", "bos_token_id", "eos_token_id",
 *   "decoder_start_token_id", "num_tensors", "num_parameters".
 * A layer count is 0 for a side the architecture does not have.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL argument, unknown name),
 * ATTN_E_NOT_FOUND (the model does not define it: GPT-2's pad_token_id,
 * T5's max_position_embeddings, as its positions are relative).
 * Thread-safe. */
ATTN_API attn_status attn_model_get_int(const attn_model *model,
                                        const char *name, int64_t *out);

/* ---------------------------------------------------------------- session */

/* The per-thread working state for running a model: scratch buffers, the
 * decoder's self-attention cache and the oneDNN primitives. A session holds
 * a reference to its model, so the two may be freed in either order. One
 * thread at a time may use a session; it may move between threads. Any
 * number of sessions may share one model. */
typedef struct attn_session attn_session;

/* Creates a session for `model` in *out. Options (scope "session"):
 * "threads" (threads for matrix products; default: all cores).
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL model/out, an option that does not
 * apply), ATTN_E_UNSUPPORTED (a model_type that loads but cannot run yet),
 * ATTN_E_NO_MEMORY, ATTN_E_INTERNAL (oneDNN). */
ATTN_API attn_status attn_session_create(attn_model *model, const attn_options *options,
                                         attn_session **out);

/* Frees a session and its buffers; NULL is ignored. Encodings made with it
 * stay valid (they hold the model, not the session). */
ATTN_API void attn_session_free(attn_session *session);

/* The model `session` runs, as a new reference the caller frees with
 * attn_model_free(). NULL returns NULL. Thread-safe while the session is
 * not being freed. */
ATTN_API attn_model *attn_session_model(const attn_session *session);

/* ------------------------------------------------------ encoder and decoder */

/* The encoder's output for a batch of source sequences, with every decoder
 * layer's cross-attention keys and values projected once for it, to be
 * shared by all decoder rows (beams) that read the same source. Immutable;
 * holds a reference to the model. */
typedef struct attn_encoding attn_encoding;

/* Encodes `batch` token sequences of different lengths: `ids` holds them
 * one after another, lengths[i] tokens for sequence i (special tokens such
 * as </s> included, as the caller's tokenizer produced them). Padding is
 * masked, so each sequence encodes as it would alone.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL arguments, batch 0, an empty
 * sequence, a sequence longer than the model's positions, a token id
 * outside the vocabulary; the message names the sequence and position),
 * ATTN_E_NO_MEMORY, ATTN_E_INTERNAL. Free the result with
 * attn_encoding_free(). */
ATTN_API attn_status attn_encode(attn_session *session, const int32_t *ids,
                                 const size_t *lengths, size_t batch, attn_encoding **out);

/* Frees an encoding; NULL is ignored. It must not be in use by a decoder
 * (attn_decoder_begin) at the time. */
ATTN_API void attn_encoding_free(attn_encoding *encoding);

/* The encoder output: *data points to (batch, max_len, d_model) floats,
 * row-major; positions at or past a sequence's length hold what the model
 * computes for padding and should be ignored. Owned by the encoding. Any
 * output pointer may be NULL. Errors: ATTN_E_INVALID_ARGUMENT. */
ATTN_API attn_status attn_encoding_output(const attn_encoding *encoding, const float **data,
                                          size_t *batch, size_t *max_len, size_t *d_model);

/* Starts decoding `rows` target sequences over `encoding`: row i reads
 * source sequence src_rows[i] (several rows may read one source, as beams
 * do); src_rows NULL means row i reads source i (rows must equal the
 * encoding's batch). Reserves the self-attention cache for up to
 * `max_steps` tokens per row, so later steps allocate nothing. Replaces
 * any decoding in progress on the session. The encoding must outlive the
 * decoding.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL arguments, rows or max_steps 0, a
 * source index out of range, max_steps beyond the model's positions),
 * ATTN_E_NO_MEMORY, ATTN_E_INTERNAL. */
ATTN_API attn_status attn_decoder_begin(attn_session *session, const attn_encoding *encoding,
                                        const size_t *src_rows, size_t rows, size_t max_steps);

/* Feeds `count` tokens to every row, after those fed before: tokens holds
 * (rows, count) ids row-major (the first call starts with the decoder start
 * token). On success *logits points to (rows, count, decoder_vocab_size)
 * floats, owned by the session and valid until its next call. count 1 is
 * one generation step; count T with a fresh attn_decoder_begin is a
 * teacher-forced forward pass of a whole target.
 * Errors: ATTN_E_INVALID_ARGUMENT (no decoding begun, NULL arguments,
 * count 0, more tokens than max_steps, a token id outside the decoder's
 * vocabulary, naming row and position), ATTN_E_INTERNAL. */
ATTN_API attn_status attn_decoder_step(attn_session *session, const int32_t *tokens,
                                       size_t count, const float **logits);

/* A teacher-forced forward pass: attn_decoder_begin() with src_rows NULL
 * and max_steps `count`, then attn_decoder_step() with the whole target.
 * targets holds (batch, count) ids, row i the target of source i, each
 * starting with the decoder start token; shorter targets are padded at the
 * end (their padded positions do not affect the real ones). *logits as for
 * attn_decoder_step(); attn_decoder_cross_attention() then gives the
 * alignment of every target position. Errors: as those two functions. */
ATTN_API attn_status attn_decoder_forward(attn_session *session, const attn_encoding *encoding,
                                          const int32_t *targets, size_t count,
                                          const float **logits);

/* The cross-attention weights of the last attn_decoder_step in decoder
 * layer `layer`, averaged over heads: *weights points to (rows, count,
 * src_len) floats, where src_len is the encoding's max_len; each row sums
 * to 1 over its source's real tokens and is 0 past them. Owned by the
 * session, valid until its next call.
 * Errors: ATTN_E_INVALID_ARGUMENT (no step run, NULL weights, layer out of
 * range). */
ATTN_API attn_status attn_decoder_cross_attention(attn_session *session, size_t layer,
                                                  const float **weights, size_t *src_len);

/* ------------------------------------------------------------- generation */

/* The outputs of one generation call: for each input, its hypotheses best
 * first, each with its token ids and score. Immutable; owns everything it
 * hands out. */
typedef struct attn_result attn_result;

/* Generates target token ids for every sequence of `encoding`, exactly as
 * transformers' generate() does with the same settings: greedy decoding
 * (num_beams 1) or beam search. Settings are resolved as generate()
 * resolves them: `options` (scope "generate", transformers' names; see
 * docs/options.md) over the model's generation_config.json (or config.json)
 * over transformers' defaults. Finished inputs leave the batch.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL arguments, an option that does not
 * apply, is out of range or contradicts another, naming it),
 * ATTN_E_UNSUPPORTED (a combination not implemented, named),
 * ATTN_E_NO_MEMORY, ATTN_E_INTERNAL. Free the result with
 * attn_result_free(). */
ATTN_API attn_status attn_generate(attn_session *session, const attn_encoding *encoding,
                                   const attn_options *options, attn_result **out);

/* Receives each token generated for input `input` (in generation order,
 * inputs interleaved step by step) with its log-probability. Return 0 to
 * go on, anything else to stop. Called on the thread that called
 * attn_generate_stream, only during that call; it must not use the same
 * session. */
typedef int32_t (*attn_token_fn)(void *user, size_t input, int32_t token, float logprob);

/* attn_generate() that hands every token to `fn` as it is chosen (greedy
 * decoding and sampling; num_beams must be 1, since beam search only
 * knows its output at the end). When fn asks to stop, decoding ends after
 * the current step and the call returns ATTN_E_ABORTED with *out holding
 * each input's tokens so far (free it as usual). Errors: as
 * attn_generate(), plus ATTN_E_INVALID_ARGUMENT for a NULL fn and
 * ATTN_E_UNSUPPORTED for num_beams > 1. */
ATTN_API attn_status attn_generate_stream(attn_session *session, const attn_encoding *encoding,
                                          const attn_options *options, attn_token_fn fn,
                                          void *user, attn_result **out);

/* The whole job from token ids: encodes and generates for `batch` source
 * sequences given as attn_encode() takes them. Sequences are sorted by
 * length and processed in sub-batches of at most the option
 * "max_batch_size" sequences (0, the default: all at once), so padding
 * stays small; the result lists the inputs in the order given. Options as
 * attn_generate(). Errors: those of attn_encode() and attn_generate(). */
ATTN_API attn_status attn_generate_ids(attn_session *session, const int32_t *ids,
                                       const size_t *lengths, size_t batch,
                                       const attn_options *options, attn_result **out);

/* Pull-style generation: tokens of greedy decoding or sampling handed out
 * one call at a time, for bindings that expose iterators. Holds the
 * session's decoder: until it is freed, the session and the encoding must
 * not be used for anything else. */
typedef struct attn_stream attn_stream;

/* Starts generating for every sequence of `encoding` with `options` as
 * attn_generate() takes them (num_beams must be 1). Nothing is decoded
 * until the first attn_stream_next(). Errors: as attn_generate(), plus
 * ATTN_E_UNSUPPORTED for num_beams > 1. Free with attn_stream_free(). */
ATTN_API attn_status attn_stream_open(attn_session *session, const attn_encoding *encoding,
                                      const attn_options *options, attn_stream **out);

/* The next token: *input is the sequence it belongs to, *token its id and
 * *logprob its log-probability; tokens of one decoder step come in input
 * order. Returns ATTN_E_NOT_FOUND once every input has finished (its last
 * token being end-of-sequence or the length limit reached). Any output
 * pointer may be NULL. Errors: ATTN_E_INVALID_ARGUMENT (NULL stream),
 * ATTN_E_INTERNAL. */
ATTN_API attn_status attn_stream_next(attn_stream *stream, size_t *input, int32_t *token,
                                      float *logprob);

/* Frees a stream, finished or not; NULL is ignored. */
ATTN_API void attn_stream_free(attn_stream *stream);

/* The number of inputs, and of hypotheses for input i (num_return_sequences
 * for beam search, 1 for greedy). 0 for a NULL result or i out of range. */
ATTN_API size_t attn_result_count(const attn_result *result);
ATTN_API size_t attn_result_hypotheses(const attn_result *result, size_t i);

/* Hypothesis j of input i: *tokens points to *count generated token ids
 * (the decoder start token excluded; an end-of-sequence token included
 * when one was generated), owned by the result. *score is the
 * length-normalised log-probability for beam search (transformers'
 * sequences_scores) and the sum of the chosen tokens' log-probabilities
 * for greedy decoding. Any output pointer may be NULL.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL result, i or j out of range). */
ATTN_API attn_status attn_result_hypothesis(const attn_result *result, size_t i, size_t j,
                                            const int32_t **tokens, size_t *count,
                                            float *score);

/* Scores given targets by teacher forcing: for each sequence i of
 * `encoding`, the target targets[offset_i .. offset_i + lengths[i]) (the
 * tokens after the decoder start token, usually ending with </s>; targets
 * one after another) gets the log-probability of every token under the
 * model, and their sum as the hypothesis score. The result holds one
 * hypothesis per input whose tokens are the target; read the per-token
 * values with attn_result_token_scores(). Options (scope "generate"):
 * decoder_start_token_id. Errors: ATTN_E_INVALID_ARGUMENT (NULL arguments,
 * an empty target, one longer than the decoder's positions, a token id
 * outside the vocabulary), ATTN_E_NO_MEMORY, ATTN_E_INTERNAL. */
ATTN_API attn_status attn_score(attn_session *session, const attn_encoding *encoding,
                                const int32_t *targets, const size_t *lengths,
                                const attn_options *options, attn_result **out);

/* The log-probability of each token of hypothesis j of input i:
 * *logprobs points to *count floats owned by the result.
 * Errors: ATTN_E_INVALID_ARGUMENT (NULL result or logprobs, i or j out of
 * range), ATTN_E_NOT_FOUND (the call that made the result did not record
 * them: generation records them with the option return_scores 1). For
 * generation they are the log-probabilities after the logits processors,
 * whose sum (over length^length_penalty for beam search) is the score. */
ATTN_API attn_status attn_result_token_scores(const attn_result *result, size_t i, size_t j,
                                              const float **logprobs, size_t *count);

/* The alignment of hypothesis j of input i, recorded when generating with
 * the option return_attention 1: *weights points to (*tokens, *src_len)
 * floats, row t the source weights of generated token t (the last decoder
 * layer's cross-attention averaged over heads; zero past the input's
 * length), owned by the result. Errors: ATTN_E_INVALID_ARGUMENT (NULL
 * result or weights, i or j out of range), ATTN_E_NOT_FOUND (not
 * recorded). */
ATTN_API attn_status attn_result_alignment(const attn_result *result, size_t i, size_t j,
                                           const float **weights, size_t *tokens,
                                           size_t *src_len);

/* Frees a result; NULL is ignored. */
ATTN_API void attn_result_free(attn_result *result);

/* ------------------------------------------------------------- tokenizer */

/* Text <-> token ids. Immutable once loaded: any number of threads may use
 * one tokenizer at once. Reference-counted, so a tokenizer obtained from a
 * model stays valid after the model is freed. */
typedef struct attn_tokenizer attn_tokenizer;

/* Which of a model's tokenizers attn_model_tokenizer() returns. They differ
 * for Marian models with separate source and target SentencePiece models
 * and, for models with language codes, in the default language. */
#define ATTN_TOKENIZER_SOURCE 0
#define ATTN_TOKENIZER_TARGET 1

/* Loads a tokenizer on its own from `path`: a model folder (its files are
 * found as attn_model_load() finds them: source.spm/target.spm and
 * vocab.json for Marian, spiece.model for T5, sentencepiece.bpe.model for
 * mBART, NLLB and M2M100, else tokenizer.json), a SentencePiece .model
 * file, or a tokenizer.json file. Options (scope "tokenizer"): "target"
 * (1: a folder's target-side tokenizer). Errors: ATTN_E_INVALID_ARGUMENT,
 * ATTN_E_NOT_FOUND (no such path, or no tokenizer files in the folder),
 * ATTN_E_FORMAT (a malformed file; the message names the file and field),
 * ATTN_E_UNSUPPORTED (a component that is not implemented, named),
 * ATTN_E_IO, ATTN_E_NO_MEMORY. Free the result with attn_tokenizer_free(). */
ATTN_API attn_status attn_tokenizer_load(const char *path, const attn_options *options,
                                         attn_tokenizer **out);

/* The model's source or target tokenizer (ATTN_TOKENIZER_*), loaded with
 * the model, as a new reference the caller frees with attn_tokenizer_free().
 * Errors: ATTN_E_INVALID_ARGUMENT, ATTN_E_NOT_FOUND (the folder has no
 * tokenizer files), or the error that loading the tokenizer files met
 * (the model itself still loads and runs on ids). Thread-safe. */
ATTN_API attn_status attn_model_tokenizer(const attn_model *model, int32_t side,
                                          attn_tokenizer **out);

/* Releases a reference. NULL is ignored. */
ATTN_API void attn_tokenizer_free(attn_tokenizer *tokenizer);

/* Adds a reference to `tokenizer` and returns it, so that a second owner
 * can free its own with attn_tokenizer_free(). NULL returns NULL.
 * Thread-safe. */
ATTN_API attn_tokenizer *attn_tokenizer_retain(attn_tokenizer *tokenizer);

/* What the tokenizer is: "sentencepiece", "tokenizer.json", "marian",
 * "mbart", "mbart50", "nllb", "m2m100" or "t5". Static string; NULL for a
 * NULL tokenizer. */
ATTN_API const char *attn_tokenizer_kind(const attn_tokenizer *tokenizer);

/* The number of ids, added tokens included (len(tokenizer) in
 * transformers). 0 for a NULL tokenizer. */
ATTN_API size_t attn_tokenizer_vocab_size(const attn_tokenizer *tokenizer);

/* Encodes `length` bytes of UTF-8 text into ids[0..*count). Options (scope
 * "encode"): "add_special_tokens" (default 1: the end-of-sentence token and
 * language codes the model expects), "src_lang" / "tgt_lang" (a language
 * code such as "en_XX", "fra_Latn" or "fr", for the source or target
 * tokenizer of mBART, NLLB and M2M100; default from tokenizer_config.json).
 * When `capacity` is too small the call fails with ATTN_E_BUFFER_TOO_SMALL
 * and *count is the number needed. A bare SentencePiece model reads
 * malformed UTF-8 as SentencePiece does (each bad byte as U+FFFD); every
 * other kind rejects it with ATTN_E_INVALID_ARGUMENT naming the offset.
 * Errors also: ATTN_E_INVALID_ARGUMENT (NULL arguments, an unknown language
 * code), ATTN_E_NO_MEMORY. Thread-safe. */
ATTN_API attn_status attn_tokenizer_encode(const attn_tokenizer *tokenizer, const char *text,
                                           size_t length, const attn_options *options,
                                           int32_t *ids, size_t capacity, size_t *count);

/* Decodes ids into `text` as UTF-8 with a terminating NUL; *length is the
 * length without the NUL. Options (scope "decode"): "skip_special_tokens"
 * (default 0, as in transformers). When `capacity` (NUL included) is too
 * small the call fails with ATTN_E_BUFFER_TOO_SMALL and *length is the
 * length needed, NUL excluded. Errors also: ATTN_E_INVALID_ARGUMENT (NULL
 * arguments, an id outside the vocabulary), ATTN_E_NO_MEMORY. Thread-safe. */
ATTN_API attn_status attn_tokenizer_decode(const attn_tokenizer *tokenizer, const int32_t *ids,
                                           size_t count, const attn_options *options,
                                           char *text, size_t capacity, size_t *length);

/* The vocabulary string of one id, NUL-terminated, with the same buffer
 * rules as attn_tokenizer_decode(). Errors: ATTN_E_INVALID_ARGUMENT,
 * ATTN_E_NOT_FOUND (no such id), ATTN_E_BUFFER_TOO_SMALL. Thread-safe. */
ATTN_API attn_status attn_tokenizer_id_to_piece(const attn_tokenizer *tokenizer, int32_t id,
                                                char *piece, size_t capacity, size_t *length);

/* The id of a vocabulary string (`length` bytes). Errors:
 * ATTN_E_INVALID_ARGUMENT, ATTN_E_NOT_FOUND (not in the vocabulary).
 * Thread-safe. */
ATTN_API attn_status attn_tokenizer_piece_to_id(const attn_tokenizer *tokenizer,
                                                const char *piece, size_t length, int32_t *id);

/* ------------------------------------------------------------ translation */

/* Translates `count` UTF-8 texts with the model's own tokenizers: each
 * text is tokenized by the source tokenizer, all are generated for as
 * attn_generate_ids() does (sorted by length, in sub-batches of the option
 * "max_batch_size"), and every hypothesis is decoded by the target
 * tokenizer. This is what transformers' translation pipeline does.
 * lengths[i] is the byte length of texts[i]; `lengths` NULL means every
 * text is NUL-terminated. Options: those of attn_generate_ids() and of
 * attn_tokenizer_encode() / attn_tokenizer_decode(): "src_lang" and
 * "tgt_lang" pick the languages of mBART-50, NLLB and M2M100 models
 * ("tgt_lang" also forces the language token first in the output unless
 * "forced_bos_token_id" is set), "add_special_tokens" (default 1) and
 * "skip_special_tokens" (default 1 here, as in the pipeline). Read the
 * texts with attn_result_text() and ids, scores and alignments as for
 * attn_generate(). Errors: ATTN_E_INVALID_ARGUMENT (NULL arguments, count
 * 0, an option that does not apply, a text that is not UTF-8 or tokenizes
 * to nothing or too many tokens, an unknown language code; the message
 * names the text's index), ATTN_E_NOT_FOUND or the loading error when the
 * model folder has no usable tokenizer, and the errors of
 * attn_generate_ids(). Free the result with attn_result_free(). Uses the
 * session, so one thread at a time per session; ends any decoding begun
 * on it with attn_decoder_begin(). */
ATTN_API attn_status attn_translate(attn_session *session, const char *const *texts,
                                    const size_t *lengths, size_t count,
                                    const attn_options *options, attn_result **out);

/* Scores `count` (source, target) text pairs: the log-probability of each
 * target token given its source, as transformers computes it from
 * tokenizer(source, text_target=target) labels; the target ids include
 * the end-of-sentence token (and the language code where the tokenizer
 * adds one). Lengths in bytes, or NULL for NUL-terminated texts. Pairs are
 * processed in the given order in sub-batches of "max_batch_size" (0: all
 * at once). Options: "src_lang", "tgt_lang", "add_special_tokens",
 * "max_batch_size" and "decoder_start_token_id". The result holds one
 * hypothesis per pair: its tokens are the target ids, its score their
 * summed log-probability, attn_result_token_scores() each token's.
 * Errors: as attn_translate(), the message naming the source or target,
 * and those of attn_score(). Free the result with attn_result_free().
 * Threads: as attn_translate(). */
ATTN_API attn_status attn_score_text(attn_session *session, const char *const *sources,
                                     const size_t *source_lengths,
                                     const char *const *targets,
                                     const size_t *target_lengths, size_t count,
                                     const attn_options *options, attn_result **out);

/* The text of hypothesis j of input i of an attn_translate() result:
 * *text is NUL-terminated UTF-8 owned by the result, *length its length
 * in bytes (may be NULL). Errors: ATTN_E_INVALID_ARGUMENT (NULL result or
 * text, i or j out of range), ATTN_E_NOT_FOUND (a result of token ids,
 * which has no text). Thread-safe: a result is immutable. */
ATTN_API attn_status attn_result_text(const attn_result *result, size_t i, size_t j,
                                      const char **text, size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_H */
