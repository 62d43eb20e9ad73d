//! Sessions: running a model.

use std::fmt;
use std::ptr::NonNull;

use attn_sys as sys;

use crate::error::Result;
use crate::model::Model;
use crate::options::Options;
use crate::output::Output;
use crate::raw::{self, create};

/// The working state for running a model: buffers and the decoder's cache.
///
/// A session holds a reference to its model in libattn, so the model may be
/// dropped first. Use one session per thread; any number may share a model.
///
/// ```compile_fail
/// fn shared<T: Sync>() {}
/// shared::<attn::Session>(); // one thread at a time: not Sync
/// ```
pub struct Session {
    raw: NonNull<sys::attn_session>,
}

// SAFETY: attn.h: "One thread at a time may use a session; it may move
// between threads." Not Sync: sharing `&Session` would not stop two threads
// from using it at once (every method takes `&mut self` anyway).
unsafe impl Send for Session {}

/// The encoder's output for a batch of token id sequences, to generate from
/// with [`Session::generate_stream`] or [`Session::stream`].
pub struct Encoding {
    raw: NonNull<sys::attn_encoding>,
}

// SAFETY: attn.h: an attn_encoding is "Immutable; holds a reference to the
// model". Freeing it while a decoder reads it is prevented by the borrow that
// every stream holds.
unsafe impl Send for Encoding {}
unsafe impl Sync for Encoding {}

impl Session {
    /// A session for `model` (option "threads": threads for matrix products).
    pub fn new(model: &Model, options: &Options) -> Result<Self> {
        let options = options.to_raw()?;
        // SAFETY: a live model, a bag or NULL, a valid out-pointer.
        let raw = create(|out| unsafe {
            sys::attn_session_create(model.as_ptr(), options.as_ptr(), out)
        })?;
        Ok(Session { raw })
    }

    pub(crate) fn as_ptr(&mut self) -> *mut sys::attn_session {
        self.raw.as_ptr()
    }

    /// The model this session runs (`attn_session_model`), as a handle of
    /// its own.
    pub fn model(&self) -> Model {
        // SAFETY: a live session; the returned reference is the Model's.
        let raw = unsafe { sys::attn_session_model(self.raw.as_ptr()) };
        Model::from_raw(NonNull::new(raw).expect("a session always has a model"))
    }

    /// Translates `texts` with the model's own tokenizers (`attn_translate`):
    /// generation options such as `num_beams` and `num_return_sequences`,
    /// and `src_lang`/`tgt_lang` for multilingual models. Every hypothesis
    /// has its `text`.
    pub fn translate<S: AsRef<str>>(&mut self, texts: &[S], options: &Options) -> Result<Output> {
        let (ptrs, lengths) = raw::texts(texts.iter());
        let options = options.to_raw()?;
        // SAFETY: `ptrs` and `lengths` describe the borrowed texts; a bag or
        // NULL; a valid out-pointer.
        create(|out| unsafe {
            sys::attn_translate(
                self.as_ptr(),
                ptrs.as_ptr(),
                lengths.as_ptr(),
                ptrs.len(),
                options.as_ptr(),
                out,
            )
        })
        .map(Output::from_raw)
    }

    /// Scores (source, target) text pairs (`attn_score_text`): one hypothesis
    /// per pair, the target's ids with their log-probabilities and sum.
    pub fn score<S: AsRef<str>, T: AsRef<str>>(
        &mut self,
        pairs: &[(S, T)],
        options: &Options,
    ) -> Result<Output> {
        let (sources, source_lengths) = raw::texts(pairs.iter().map(|(s, _)| s));
        let (targets, target_lengths) = raw::texts(pairs.iter().map(|(_, t)| t));
        let options = options.to_raw()?;
        // SAFETY: the pointer and length arrays describe the borrowed texts;
        // a bag or NULL; a valid out-pointer.
        create(|out| unsafe {
            sys::attn_score_text(
                self.as_ptr(),
                sources.as_ptr(),
                source_lengths.as_ptr(),
                targets.as_ptr(),
                target_lengths.as_ptr(),
                pairs.len(),
                options.as_ptr(),
                out,
            )
        })
        .map(Output::from_raw)
    }

    /// Generates from token id sequences (`attn_generate_ids`), each as the
    /// source tokenizer makes it (end-of-sequence included).
    pub fn generate<S: AsRef<[i32]>>(
        &mut self,
        sources: &[S],
        options: &Options,
    ) -> Result<Output> {
        let (ids, lengths) = raw::sequences(sources);
        let options = options.to_raw()?;
        // SAFETY: `ids` holds the sequences whose lengths `lengths` lists; a
        // bag or NULL; a valid out-pointer.
        create(|out| unsafe {
            sys::attn_generate_ids(
                self.as_ptr(),
                ids.as_ptr(),
                lengths.as_ptr(),
                lengths.len(),
                options.as_ptr(),
                out,
            )
        })
        .map(Output::from_raw)
    }

    /// Runs the encoder over token id sequences (`attn_encode`).
    pub fn encode<S: AsRef<[i32]>>(&mut self, sources: &[S]) -> Result<Encoding> {
        let (ids, lengths) = raw::sequences(sources);
        // SAFETY: `ids` holds the sequences whose lengths `lengths` lists; a
        // valid out-pointer.
        let raw = create(|out| unsafe {
            sys::attn_encode(self.as_ptr(), ids.as_ptr(), lengths.as_ptr(), lengths.len(), out)
        })?;
        Ok(Encoding { raw })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: frees the session this Session owns; no stream borrows it.
        unsafe { sys::attn_session_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Encoding {
    pub(crate) fn as_ptr(&self) -> *const sys::attn_encoding {
        self.raw.as_ptr()
    }
}

impl Drop for Encoding {
    fn drop(&mut self) {
        // SAFETY: frees the encoding this Encoding owns; no stream borrows it.
        unsafe { sys::attn_encoding_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoding").finish_non_exhaustive()
    }
}
