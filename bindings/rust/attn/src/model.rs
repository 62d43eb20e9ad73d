//! Loaded models.

use std::fmt;
use std::path::Path;
use std::ptr::NonNull;

use attn_sys as sys;

use crate::error::{Result, check};
use crate::options::Options;
use crate::raw::{borrowed_str, c_path, c_string, check_library, create};
use crate::tokenizer::Tokenizer;

/// A model loaded from a Hugging Face folder: configuration and weights.
///
/// Sessions, encodings and tokenizers made from it hold their own reference
/// to it in libattn, so it may be dropped before them.
pub struct Model {
    raw: NonNull<sys::attn_model>,
}

// SAFETY: attn.h: "An attn_model is read-only after load and may be shared
// by any number of threads"; its references are counted atomically, so it
// may also be freed from any thread.
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

/// Which of a model's tokenizers [`Model::tokenizer`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Encodes the model's input text.
    Source,
    /// Decodes the model's output.
    Target,
}

impl Model {
    /// Loads the model folder at `path` (`attn_model_load`).
    pub fn load(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        check_library()?;
        let path = c_path(path.as_ref())?;
        let options = options.to_raw()?;
        // SAFETY: NUL-terminated path, a bag or NULL, a valid out-pointer.
        let raw =
            create(|out| unsafe { sys::attn_model_load(path.as_ptr(), options.as_ptr(), out) })?;
        Ok(Model { raw })
    }

    /// The config.json `model_type`, e.g. "marian".
    pub fn model_type(&self) -> &str {
        // SAFETY: a live model's type is a string it owns.
        unsafe { borrowed_str(sys::attn_model_type(self.raw.as_ptr())) }
    }

    /// An integer property such as `vocab_size` or `decoder_start_token_id`
    /// (`attn_model_get_int` lists them).
    pub fn get_int(&self, name: &str) -> Result<i64> {
        let name = c_string(name)?;
        let mut value = 0;
        // SAFETY: a live model, a NUL-terminated name, a valid out-pointer.
        check(unsafe { sys::attn_model_get_int(self.raw.as_ptr(), name.as_ptr(), &mut value) })?;
        Ok(value)
    }

    /// The tokenizer loaded with the model for `side`.
    pub fn tokenizer(&self, side: Side) -> Result<Tokenizer> {
        let side = match side {
            Side::Source => sys::ATTN_TOKENIZER_SOURCE,
            Side::Target => sys::ATTN_TOKENIZER_TARGET,
        };
        // SAFETY: a live model and a valid out-pointer.
        create(|out| unsafe { sys::attn_model_tokenizer(self.raw.as_ptr(), side, out) })
            .map(Tokenizer::from_raw)
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::attn_model {
        self.raw.as_ptr()
    }

    /// A model that owns a reference `attn_session_model` or another call
    /// returned.
    pub(crate) fn from_raw(raw: NonNull<sys::attn_model>) -> Self {
        Model { raw }
    }
}

impl Clone for Model {
    /// Another handle to the same loaded model (`attn_model_retain`); the
    /// weights are not copied.
    fn clone(&self) -> Self {
        // SAFETY: a live model; the new reference is owned by the clone.
        let raw = unsafe { sys::attn_model_retain(self.raw.as_ptr()) };
        Model { raw: NonNull::new(raw).expect("attn_model_retain returns its argument") }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: releases the reference this Model owns.
        unsafe { sys::attn_model_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model").field("model_type", &self.model_type()).finish_non_exhaustive()
    }
}
