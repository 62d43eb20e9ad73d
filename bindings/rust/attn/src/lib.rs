//! Safe Rust API of libattn: Hugging Face seq2seq models such as Marian
//! (opus-mt) on CPU.
//!
//! ```no_run
//! use attn::{Model, Options, Session};
//!
//! let model = Model::load("models/dates", &Options::new())?;
//! let mut session = Session::new(&model, &Options::new().set("threads", 1))?;
//! let output = session.translate(&["3 mars 2021"], &Options::new().set("num_beams", 4))?;
//! println!("{}", output.best(0).unwrap().text.unwrap());
//! # Ok::<(), attn::Error>(())
//! ```
//!
//! Every handle frees its C object on drop, in any order: libattn counts
//! references, so a session, encoding or tokenizer keeps its model alive.
//! Failures are [`Error`]s carrying the status and libattn's message.

mod error;
mod log;
mod model;
mod options;
mod output;
mod raw;
mod session;
mod stream;
mod tokenizer;

pub use error::{Error, Result, Status};
pub use log::{LogLevel, clear_log_handler, set_log_handler};
pub use model::{Model, Side};
pub use options::{OptionValue, Options, TokenIds};
pub use output::{Hypothesis, Output};
pub use session::{Encoding, Session};
pub use stream::{Stream, Token};
pub use tokenizer::Tokenizer;

/// The loaded libattn's version, e.g. "0.1.0".
pub fn version() -> &'static str {
    // SAFETY: attn_version_string returns static storage.
    unsafe { raw::borrowed_str(attn_sys::attn_version_string()) }
}
