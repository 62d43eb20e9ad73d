//! The outputs of generation, translation and scoring calls.

use std::fmt;
use std::ptr::{self, NonNull};

use attn_sys as sys;

use crate::raw::{slice, utf8};

/// For each input of a call, its hypotheses, best first (`attn_result`).
pub struct Output {
    raw: NonNull<sys::attn_result>,
}

// SAFETY: attn.h: an attn_result is "Immutable; owns everything it hands
// out", so any number of threads may read it, and any one may free it.
unsafe impl Send for Output {}
unsafe impl Sync for Output {}

/// One hypothesis of an [`Output`], borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hypothesis<'a> {
    /// The generated ids (the decoder start token excluded, end-of-sequence
    /// included when generated), or the scored target's.
    pub tokens: &'a [i32],
    /// Beam search: the length-normalised log-probability; greedy decoding
    /// and scoring: the sum of the tokens' log-probabilities.
    pub score: f32,
    /// The decoded text, for translations.
    pub text: Option<&'a str>,
    /// Each token's log-probability, for scoring and for generation with the
    /// option `return_scores`.
    pub token_scores: Option<&'a [f32]>,
}

impl Output {
    pub(crate) fn from_raw(raw: NonNull<sys::attn_result>) -> Self {
        Output { raw }
    }

    /// The number of inputs.
    pub fn len(&self) -> usize {
        // SAFETY: a live result.
        unsafe { sys::attn_result_count(self.raw.as_ptr()) }
    }

    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hypotheses of input `input`, best first; none if it is out of range.
    pub fn hypotheses(&self, input: usize) -> impl ExactSizeIterator<Item = Hypothesis<'_>> {
        // SAFETY: a live result; 0 for an input out of range.
        let count = unsafe { sys::attn_result_hypotheses(self.raw.as_ptr(), input) };
        (0..count).map(move |j| self.hypothesis(input, j))
    }

    /// The best hypothesis of input `input`.
    pub fn best(&self, input: usize) -> Option<Hypothesis<'_>> {
        self.hypotheses(input).next()
    }

    /// Hypothesis `j` of input `i`, both in range.
    fn hypothesis(&self, i: usize, j: usize) -> Hypothesis<'_> {
        let result = self.raw.as_ptr();
        let (mut tokens, mut count, mut score) = (ptr::null(), 0, 0.0);
        let (mut text, mut text_len) = (ptr::null(), 0);
        let (mut logprobs, mut logprobs_len) = (ptr::null(), 0);
        // SAFETY: a live result, i and j in range, valid out-pointers; what
        // the result hands out lives as long as it does. Only the first call
        // cannot fail; the others leave their outputs NULL when the result
        // has no text or token scores.
        unsafe {
            let status =
                sys::attn_result_hypothesis(result, i, j, &mut tokens, &mut count, &mut score);
            debug_assert_eq!(status, sys::ATTN_OK);
            sys::attn_result_text(result, i, j, &mut text, &mut text_len);
            sys::attn_result_token_scores(result, i, j, &mut logprobs, &mut logprobs_len);
            Hypothesis {
                tokens: slice(tokens, count),
                score,
                text: (!text.is_null()).then(|| utf8(slice(text.cast::<u8>(), text_len))),
                token_scores: (!logprobs.is_null()).then(|| slice(logprobs, logprobs_len)),
            }
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // SAFETY: frees the result this Output owns.
        unsafe { sys::attn_result_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.hypotheses(i).collect::<Vec<_>>()))
            .finish()
    }
}
