//! Text <-> token ids.

use std::fmt;
use std::path::Path;
use std::ptr::NonNull;

use attn_sys as sys;

use crate::error::{Result, check};
use crate::options::Options;
use crate::raw::{borrowed_str, c_path, check_library, create, fill_buffer, utf8};

/// A tokenizer, loaded on its own or from a [`Model`](crate::Model).
pub struct Tokenizer {
    raw: NonNull<sys::attn_tokenizer>,
}

// SAFETY: attn.h: "Immutable once loaded: any number of threads may use one
// tokenizer at once. Reference-counted", atomically, so any thread may free it.
unsafe impl Send for Tokenizer {}
unsafe impl Sync for Tokenizer {}

impl Tokenizer {
    /// Loads a tokenizer from a model folder, a `SentencePiece` `.model` file or
    /// a `tokenizer.json` (`attn_tokenizer_load`; option "target").
    pub fn load(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        check_library()?;
        let path = c_path(path.as_ref())?;
        let options = options.to_raw()?;
        // SAFETY: NUL-terminated path, a bag or NULL, a valid out-pointer.
        create(|out| unsafe { sys::attn_tokenizer_load(path.as_ptr(), options.as_ptr(), out) })
            .map(Self::from_raw)
    }

    pub(crate) fn from_raw(raw: NonNull<sys::attn_tokenizer>) -> Self {
        Tokenizer { raw }
    }

    /// What it is: "marian", "sentencepiece", "tokenizer.json", ...
    pub fn kind(&self) -> &'static str {
        // SAFETY: a live tokenizer's kind is a static string.
        unsafe { borrowed_str(sys::attn_tokenizer_kind(self.raw.as_ptr())) }
    }

    /// The number of ids, added tokens included.
    pub fn vocab_size(&self) -> usize {
        // SAFETY: a live tokenizer.
        unsafe { sys::attn_tokenizer_vocab_size(self.raw.as_ptr()) }
    }

    /// The ids of `text` (options `add_special_tokens`, `src_lang`, `tgt_lang`).
    pub fn encode(&self, text: &str, options: &Options) -> Result<Vec<i32>> {
        let options = options.to_raw()?;
        fill_buffer(text.len() + 8, 0, |ids, count| {
            // SAFETY: `text` holds text.len() bytes, `ids` ids.len() ids.
            unsafe {
                sys::attn_tokenizer_encode(
                    self.raw.as_ptr(),
                    text.as_ptr().cast(),
                    text.len(),
                    options.as_ptr(),
                    ids.as_mut_ptr(),
                    ids.len(),
                    count,
                )
            }
        })
    }

    /// The text of `ids` (option `skip_special_tokens`).
    pub fn decode(&self, ids: &[i32], options: &Options) -> Result<String> {
        let options = options.to_raw()?;
        let text = fill_buffer(ids.len() * 8, 1, |text: &mut [u8], length| {
            // SAFETY: `ids` holds ids.len() ids, `text` text.len() bytes.
            unsafe {
                sys::attn_tokenizer_decode(
                    self.raw.as_ptr(),
                    ids.as_ptr(),
                    ids.len(),
                    options.as_ptr(),
                    text.as_mut_ptr().cast(),
                    text.len(),
                    length,
                )
            }
        })?;
        Ok(utf8(&text).to_owned())
    }

    /// The vocabulary string of `id`.
    pub fn id_to_piece(&self, id: i32) -> Result<String> {
        let piece = fill_buffer(16, 1, |piece: &mut [u8], length| {
            // SAFETY: `piece` holds piece.len() bytes.
            unsafe {
                sys::attn_tokenizer_id_to_piece(
                    self.raw.as_ptr(),
                    id,
                    piece.as_mut_ptr().cast(),
                    piece.len(),
                    length,
                )
            }
        })?;
        Ok(utf8(&piece).to_owned())
    }

    /// The id of the vocabulary string `piece`.
    pub fn piece_to_id(&self, piece: &str) -> Result<i32> {
        let mut id = 0;
        // SAFETY: `piece` holds piece.len() bytes; a valid out-pointer.
        check(unsafe {
            sys::attn_tokenizer_piece_to_id(
                self.raw.as_ptr(),
                piece.as_ptr().cast(),
                piece.len(),
                &mut id,
            )
        })?;
        Ok(id)
    }
}

impl Clone for Tokenizer {
    /// Another handle to the same tokenizer (`attn_tokenizer_retain`).
    fn clone(&self) -> Self {
        // SAFETY: a live tokenizer; the new reference is owned by the clone.
        let raw = unsafe { sys::attn_tokenizer_retain(self.raw.as_ptr()) };
        Tokenizer { raw: NonNull::new(raw).expect("attn_tokenizer_retain returns its argument") }
    }
}

impl Drop for Tokenizer {
    fn drop(&mut self) {
        // SAFETY: releases the reference this Tokenizer owns.
        unsafe { sys::attn_tokenizer_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("kind", &self.kind())
            .field("vocab_size", &self.vocab_size())
            .finish_non_exhaustive()
    }
}
