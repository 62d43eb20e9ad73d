//! Statuses and errors.

use std::ffi::CStr;
use std::fmt;

use attn_sys as sys;

/// A libattn error code (`ATTN_E_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// `ATTN_E_INVALID_ARGUMENT`: a bad argument, option name or value.
    InvalidArgument,
    /// `ATTN_E_NOT_FOUND`: a missing file, tensor or key.
    NotFound,
    /// `ATTN_E_FORMAT`: a malformed file or text.
    Format,
    /// `ATTN_E_UNSUPPORTED`: well-formed but not handled.
    Unsupported,
    /// `ATTN_E_NO_MEMORY`: an allocation failed.
    NoMemory,
    /// `ATTN_E_IO`: the operating system refused.
    Io,
    /// `ATTN_E_BUFFER_TOO_SMALL`: a buffer cannot hold the answer.
    BufferTooSmall,
    /// `ATTN_E_ABORTED`: a callback asked to stop.
    Aborted,
    /// `ATTN_E_INTERNAL`: a bug in libattn or a dependency.
    Internal,
    /// A code this crate does not know, from a newer libattn.
    Unknown(i32),
}

const CODES: [(Status, sys::attn_status); 9] = [
    (Status::InvalidArgument, sys::ATTN_E_INVALID_ARGUMENT),
    (Status::NotFound, sys::ATTN_E_NOT_FOUND),
    (Status::Format, sys::ATTN_E_FORMAT),
    (Status::Unsupported, sys::ATTN_E_UNSUPPORTED),
    (Status::NoMemory, sys::ATTN_E_NO_MEMORY),
    (Status::Io, sys::ATTN_E_IO),
    (Status::BufferTooSmall, sys::ATTN_E_BUFFER_TOO_SMALL),
    (Status::Aborted, sys::ATTN_E_ABORTED),
    (Status::Internal, sys::ATTN_E_INTERNAL),
];

impl Status {
    /// The status of an error code (`ATTN_OK` is not one).
    pub fn from_code(code: sys::attn_status) -> Self {
        CODES.iter().find(|&&(_, c)| c == code).map_or(Status::Unknown(code), |&(s, _)| s)
    }

    /// The C code.
    pub fn code(self) -> sys::attn_status {
        match self {
            Status::Unknown(code) => code,
            known => {
                CODES.iter().find(|&&(s, _)| s == known).expect("every known status is in CODES").1
            }
        }
    }
}

impl fmt::Display for Status {
    /// libattn's description, e.g. "bad format".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: attn_status_string returns static storage, never NULL.
        let text = unsafe { CStr::from_ptr(sys::attn_status_string(self.code())) };
        f.write_str(&text.to_string_lossy())
    }
}

/// A failed libattn call: its status and the message of `attn_last_error()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: Status,
    message: String,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(status: Status, message: impl Into<String>) -> Self {
        Error { status, message: message.into() }
    }

    /// The status code.
    pub fn status(&self) -> Status {
        self.status
    }

    /// What was wrong and where, as libattn describes it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for Error {}

/// `Ok` for `ATTN_OK`; else the error with this thread's `attn_last_error()`,
/// so call it right after the failing call.
pub(crate) fn check(code: sys::attn_status) -> Result<()> {
    if code == sys::ATTN_OK {
        return Ok(());
    }
    // SAFETY: attn_last_error never returns NULL; the text is valid until the
    // next libattn call on this thread, and is copied before that.
    let message = unsafe { CStr::from_ptr(sys::attn_last_error()) };
    Err(Error::new(Status::from_code(code), message.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in -12..0 {
            assert_eq!(Status::from_code(code).code(), code);
        }
        assert_eq!(Status::from_code(sys::ATTN_E_FORMAT), Status::Format);
        assert_eq!(Status::from_code(-100), Status::Unknown(-100));
        assert_eq!(Status::Format.to_string(), "bad format");
    }
}
