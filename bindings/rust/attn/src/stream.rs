//! Token-by-token generation: a callback or an iterator.

use std::any::Any;
use std::ffi::c_void;
use std::fmt;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::ptr::{self, NonNull};

use attn_sys as sys;

use crate::error::{Result, check};
use crate::options::Options;
use crate::output::Output;
use crate::raw::create;
use crate::session::{Encoding, Session};

/// A generated token.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Token {
    /// The index of the input sequence it belongs to.
    pub input: usize,
    /// Its id.
    pub id: i32,
    /// Its log-probability.
    pub logprob: f32,
}

/// The closure of [`Session::generate_stream`] and the panic it raised.
struct Callback<F> {
    on_token: F,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn trampoline<F: FnMut(Token) -> ControlFlow<()>>(
    user: *mut c_void,
    input: usize,
    id: i32,
    logprob: f32,
) -> i32 {
    // SAFETY: `user` is the Callback<F> that generate_stream lent libattn
    // for the call, on this thread.
    let callback = unsafe { &mut *user.cast::<Callback<F>>() };
    match catch_unwind(AssertUnwindSafe(|| (callback.on_token)(Token { input, id, logprob }))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(panic) => {
            callback.panic = Some(panic);
            1
        }
    }
}

impl Session {
    /// Generates for every sequence of `encoding`, handing each token to
    /// `on_token` as it is chosen (`attn_generate_stream`; greedy decoding or
    /// sampling, so pass `num_beams` 1 for models whose default is beam
    /// search). `ControlFlow::Break` stops after the current step; the output
    /// then holds the tokens so far. A panic in `on_token` stops generation
    /// and resumes once libattn has returned.
    pub fn generate_stream<F>(
        &mut self,
        encoding: &Encoding,
        options: &Options,
        on_token: F,
    ) -> Result<Output>
    where
        F: FnMut(Token) -> ControlFlow<()>,
    {
        let options = options.to_raw()?;
        let mut callback = Callback { on_token, panic: None };
        let mut out = ptr::null_mut();
        // SAFETY: a session, encoding and bag that live through the call;
        // `callback` outlives it and has the type trampoline::<F> expects.
        let status = unsafe {
            sys::attn_generate_stream(
                self.as_ptr(),
                encoding.as_ptr(),
                options.as_ptr(),
                Some(trampoline::<F>),
                (&raw mut callback).cast(),
                &mut out,
            )
        };
        let output = NonNull::new(out).map(Output::from_raw);
        if let Some(panic) = callback.panic {
            resume_unwind(panic);
        }
        if status != sys::ATTN_E_ABORTED {
            check(status)?;
        }
        Ok(output.expect("libattn returned a result"))
    }

    /// Starts pulling tokens of greedy decoding or sampling for every
    /// sequence of `encoding` (`attn_stream_open`; `num_beams` must be 1).
    /// The stream borrows the session and the encoding until it is dropped.
    pub fn stream<'a>(
        &'a mut self,
        encoding: &'a Encoding,
        options: &Options,
    ) -> Result<Stream<'a>> {
        let options = options.to_raw()?;
        // SAFETY: a session and encoding that the stream borrows for its
        // lifetime, a bag or NULL (read during the call), a valid out-pointer.
        let raw = create(|out| unsafe {
            sys::attn_stream_open(self.as_ptr(), encoding.as_ptr(), options.as_ptr(), out)
        })?;
        Ok(Stream { raw, done: false, _borrows: PhantomData })
    }
}

/// Generated tokens, one step's tokens in input order, until every input has
/// finished. Yields an error at most once, then ends.
pub struct Stream<'a> {
    raw: NonNull<sys::attn_stream>,
    done: bool,
    _borrows: PhantomData<(&'a mut Session, &'a Encoding)>,
}

// SAFETY: a stream is used by one thread at a time through `&mut self`, as
// its session may be ("it may move between threads").
unsafe impl Send for Stream<'_> {}

impl Iterator for Stream<'_> {
    type Item = Result<Token>;

    fn next(&mut self) -> Option<Result<Token>> {
        if self.done {
            return None;
        }
        let mut token = Token::default();
        // SAFETY: a live stream and valid out-pointers.
        let status = unsafe {
            sys::attn_stream_next(
                self.raw.as_ptr(),
                &mut token.input,
                &mut token.id,
                &mut token.logprob,
            )
        };
        if status == sys::ATTN_E_NOT_FOUND {
            self.done = true;
            return None;
        }
        let token = check(status).map(|()| token);
        self.done = token.is_err();
        Some(token)
    }
}

impl FusedIterator for Stream<'_> {}

impl Drop for Stream<'_> {
    fn drop(&mut self) {
        // SAFETY: frees the stream this Stream owns.
        unsafe { sys::attn_stream_free(self.raw.as_ptr()) }
    }
}

impl fmt::Debug for Stream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream").field("done", &self.done).finish_non_exhaustive()
    }
}
