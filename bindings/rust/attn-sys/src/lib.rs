//! Raw declarations of libattn's C API, one for one with `include/attn.h`.
//!
//! Every function is `unsafe`: the ownership, lifetime and threading rules
//! are those documented for it in `attn.h`. The safe wrapper is the `attn`
//! crate.

#![no_std]
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_void};
use core::marker::{PhantomData, PhantomPinned};

/// `ATTN_OK` (0) or a negative error code.
pub type attn_status = i32;

pub const ATTN_VERSION_MAJOR: u32 = 0;
pub const ATTN_VERSION_MINOR: u32 = 1;
pub const ATTN_VERSION_PATCH: u32 = 0;
/// The header version these declarations follow, for `attn_check_version`.
pub const ATTN_VERSION_NUMBER: u32 =
    ATTN_VERSION_MAJOR * 10000 + ATTN_VERSION_MINOR * 100 + ATTN_VERSION_PATCH;

pub const ATTN_OK: attn_status = 0;
pub const ATTN_E_INVALID_ARGUMENT: attn_status = -1;
pub const ATTN_E_NOT_FOUND: attn_status = -2;
pub const ATTN_E_FORMAT: attn_status = -3;
pub const ATTN_E_UNSUPPORTED: attn_status = -4;
pub const ATTN_E_NO_MEMORY: attn_status = -5;
pub const ATTN_E_IO: attn_status = -6;
pub const ATTN_E_BUFFER_TOO_SMALL: attn_status = -7;
pub const ATTN_E_ABORTED: attn_status = -8;
pub const ATTN_E_INTERNAL: attn_status = -9;

pub const ATTN_LOG_ERROR: i32 = 0;
pub const ATTN_LOG_WARN: i32 = 1;
pub const ATTN_LOG_INFO: i32 = 2;
pub const ATTN_LOG_DEBUG: i32 = 3;

pub const ATTN_TOKENIZER_SOURCE: i32 = 0;
pub const ATTN_TOKENIZER_TARGET: i32 = 1;

/// Receives one log line (`attn_set_log_callback`).
pub type attn_log_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, level: i32, message: *const c_char)>;

/// Receives each streamed token; nonzero stops (`attn_generate_stream`).
pub type attn_token_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, input: usize, token: i32, logprob: f32) -> i32>;

macro_rules! opaque {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// A bag of named settings.
    attn_options;
    /// A loaded model, shareable between threads.
    attn_model;
    /// Per-thread working state for running a model.
    attn_session;
    /// The encoder's output for a batch of sources.
    attn_encoding;
    /// The outputs of one generation, scoring or translation call.
    attn_result;
    /// Pull-style token generation.
    attn_stream;
    /// Text <-> token ids.
    attn_tokenizer;
}

unsafe extern "C" {
    pub fn attn_version() -> u32;
    pub fn attn_version_string() -> *const c_char;
    pub fn attn_check_version(header_version: u32) -> attn_status;

    pub fn attn_status_string(status: attn_status) -> *const c_char;
    pub fn attn_last_error() -> *const c_char;

    pub fn attn_set_log_callback(
        fn_: attn_log_fn,
        user: *mut c_void,
        max_level: i32,
    ) -> attn_status;

    pub fn attn_options_create(out: *mut *mut attn_options) -> attn_status;
    pub fn attn_options_set_int(
        options: *mut attn_options,
        name: *const c_char,
        value: i64,
    ) -> attn_status;
    pub fn attn_options_set_float(
        options: *mut attn_options,
        name: *const c_char,
        value: f64,
    ) -> attn_status;
    pub fn attn_options_set_str(
        options: *mut attn_options,
        name: *const c_char,
        value: *const c_char,
    ) -> attn_status;
    pub fn attn_options_free(options: *mut attn_options);

    pub fn attn_model_load(
        path: *const c_char,
        options: *const attn_options,
        out: *mut *mut attn_model,
    ) -> attn_status;
    pub fn attn_model_free(model: *mut attn_model);
    pub fn attn_model_retain(model: *mut attn_model) -> *mut attn_model;
    pub fn attn_model_type(model: *const attn_model) -> *const c_char;
    pub fn attn_model_get_int(
        model: *const attn_model,
        name: *const c_char,
        out: *mut i64,
    ) -> attn_status;

    pub fn attn_session_create(
        model: *mut attn_model,
        options: *const attn_options,
        out: *mut *mut attn_session,
    ) -> attn_status;
    pub fn attn_session_free(session: *mut attn_session);
    pub fn attn_session_model(session: *const attn_session) -> *mut attn_model;

    pub fn attn_encode(
        session: *mut attn_session,
        ids: *const i32,
        lengths: *const usize,
        batch: usize,
        out: *mut *mut attn_encoding,
    ) -> attn_status;
    pub fn attn_encoding_free(encoding: *mut attn_encoding);
    pub fn attn_encoding_output(
        encoding: *const attn_encoding,
        data: *mut *const f32,
        batch: *mut usize,
        max_len: *mut usize,
        d_model: *mut usize,
    ) -> attn_status;
    pub fn attn_decoder_begin(
        session: *mut attn_session,
        encoding: *const attn_encoding,
        src_rows: *const usize,
        rows: usize,
        max_steps: usize,
    ) -> attn_status;
    pub fn attn_decoder_step(
        session: *mut attn_session,
        tokens: *const i32,
        count: usize,
        logits: *mut *const f32,
    ) -> attn_status;
    pub fn attn_decoder_forward(
        session: *mut attn_session,
        encoding: *const attn_encoding,
        targets: *const i32,
        count: usize,
        logits: *mut *const f32,
    ) -> attn_status;
    pub fn attn_decoder_cross_attention(
        session: *mut attn_session,
        layer: usize,
        weights: *mut *const f32,
        src_len: *mut usize,
    ) -> attn_status;

    pub fn attn_generate(
        session: *mut attn_session,
        encoding: *const attn_encoding,
        options: *const attn_options,
        out: *mut *mut attn_result,
    ) -> attn_status;
    pub fn attn_generate_stream(
        session: *mut attn_session,
        encoding: *const attn_encoding,
        options: *const attn_options,
        fn_: attn_token_fn,
        user: *mut c_void,
        out: *mut *mut attn_result,
    ) -> attn_status;
    pub fn attn_generate_ids(
        session: *mut attn_session,
        ids: *const i32,
        lengths: *const usize,
        batch: usize,
        options: *const attn_options,
        out: *mut *mut attn_result,
    ) -> attn_status;
    pub fn attn_stream_open(
        session: *mut attn_session,
        encoding: *const attn_encoding,
        options: *const attn_options,
        out: *mut *mut attn_stream,
    ) -> attn_status;
    pub fn attn_stream_next(
        stream: *mut attn_stream,
        input: *mut usize,
        token: *mut i32,
        logprob: *mut f32,
    ) -> attn_status;
    pub fn attn_stream_free(stream: *mut attn_stream);

    pub fn attn_result_count(result: *const attn_result) -> usize;
    pub fn attn_result_hypotheses(result: *const attn_result, i: usize) -> usize;
    pub fn attn_result_hypothesis(
        result: *const attn_result,
        i: usize,
        j: usize,
        tokens: *mut *const i32,
        count: *mut usize,
        score: *mut f32,
    ) -> attn_status;
    pub fn attn_score(
        session: *mut attn_session,
        encoding: *const attn_encoding,
        targets: *const i32,
        lengths: *const usize,
        options: *const attn_options,
        out: *mut *mut attn_result,
    ) -> attn_status;
    pub fn attn_result_token_scores(
        result: *const attn_result,
        i: usize,
        j: usize,
        logprobs: *mut *const f32,
        count: *mut usize,
    ) -> attn_status;
    pub fn attn_result_alignment(
        result: *const attn_result,
        i: usize,
        j: usize,
        weights: *mut *const f32,
        tokens: *mut usize,
        src_len: *mut usize,
    ) -> attn_status;
    pub fn attn_result_free(result: *mut attn_result);

    pub fn attn_tokenizer_load(
        path: *const c_char,
        options: *const attn_options,
        out: *mut *mut attn_tokenizer,
    ) -> attn_status;
    pub fn attn_model_tokenizer(
        model: *const attn_model,
        side: i32,
        out: *mut *mut attn_tokenizer,
    ) -> attn_status;
    pub fn attn_tokenizer_free(tokenizer: *mut attn_tokenizer);
    pub fn attn_tokenizer_retain(tokenizer: *mut attn_tokenizer) -> *mut attn_tokenizer;
    pub fn attn_tokenizer_kind(tokenizer: *const attn_tokenizer) -> *const c_char;
    pub fn attn_tokenizer_vocab_size(tokenizer: *const attn_tokenizer) -> usize;
    pub fn attn_tokenizer_encode(
        tokenizer: *const attn_tokenizer,
        text: *const c_char,
        length: usize,
        options: *const attn_options,
        ids: *mut i32,
        capacity: usize,
        count: *mut usize,
    ) -> attn_status;
    pub fn attn_tokenizer_decode(
        tokenizer: *const attn_tokenizer,
        ids: *const i32,
        count: usize,
        options: *const attn_options,
        text: *mut c_char,
        capacity: usize,
        length: *mut usize,
    ) -> attn_status;
    pub fn attn_tokenizer_id_to_piece(
        tokenizer: *const attn_tokenizer,
        id: i32,
        piece: *mut c_char,
        capacity: usize,
        length: *mut usize,
    ) -> attn_status;
    pub fn attn_tokenizer_piece_to_id(
        tokenizer: *const attn_tokenizer,
        piece: *const c_char,
        length: usize,
        id: *mut i32,
    ) -> attn_status;

    pub fn attn_translate(
        session: *mut attn_session,
        texts: *const *const c_char,
        lengths: *const usize,
        count: usize,
        options: *const attn_options,
        out: *mut *mut attn_result,
    ) -> attn_status;
    pub fn attn_score_text(
        session: *mut attn_session,
        sources: *const *const c_char,
        source_lengths: *const usize,
        targets: *const *const c_char,
        target_lengths: *const usize,
        count: usize,
        options: *const attn_options,
        out: *mut *mut attn_result,
    ) -> attn_status;
    pub fn attn_result_text(
        result: *const attn_result,
        i: usize,
        j: usize,
        text: *mut *const c_char,
        length: *mut usize,
    ) -> attn_status;
}
