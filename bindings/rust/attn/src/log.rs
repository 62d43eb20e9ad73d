//! Receiving libattn's log messages (`attn_set_log_callback`).

use std::ffi::{CStr, c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Mutex;

use attn_sys as sys;

use crate::error::{Result, check};

/// The severity of a log message, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `ATTN_LOG_ERROR`.
    Error,
    /// `ATTN_LOG_WARN`.
    Warn,
    /// `ATTN_LOG_INFO`.
    Info,
    /// `ATTN_LOG_DEBUG`.
    Debug,
}

impl LogLevel {
    fn code(self) -> i32 {
        match self {
            LogLevel::Error => sys::ATTN_LOG_ERROR,
            LogLevel::Warn => sys::ATTN_LOG_WARN,
            LogLevel::Info => sys::ATTN_LOG_INFO,
            LogLevel::Debug => sys::ATTN_LOG_DEBUG,
        }
    }

    fn from_code(code: i32) -> Self {
        match code {
            sys::ATTN_LOG_ERROR => LogLevel::Error,
            sys::ATTN_LOG_WARN => LogLevel::Warn,
            sys::ATTN_LOG_INFO => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }
}

type Handler = Box<dyn Fn(LogLevel, &str) + Send + Sync>;

/// The handler libattn calls, owned here while it is installed; libattn
/// holds a pointer to the inner box.
static INSTALLED: Mutex<Option<Box<Handler>>> = Mutex::new(None);

unsafe extern "C" fn call_handler(user: *mut c_void, level: i32, message: *const c_char) {
    // SAFETY: `user` is the box `install` passed, which stays in INSTALLED
    // until libattn has stopped calling it; `message` is a C string valid
    // during this call.
    let (handler, text) =
        unsafe { (&*(user as *const Handler), CStr::from_ptr(message).to_string_lossy()) };
    // A panic must not unwind into C; the message is dropped instead.
    let _ = catch_unwind(AssertUnwindSafe(|| handler(LogLevel::from_code(level), &text)));
}

fn install(handler: Option<Box<Handler>>, max_level: LogLevel) -> Result<()> {
    let mut installed = INSTALLED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (callback, user): (sys::attn_log_fn, *mut c_void) = match &handler {
        Some(boxed) => (Some(call_handler), &**boxed as *const Handler as *mut c_void),
        None => (None, ptr::null_mut()),
    };
    // SAFETY: `user` points into `handler`, which is kept below for as long
    // as libattn may call it.
    check(unsafe { sys::attn_set_log_callback(callback, user, max_level.code()) })?;
    // When attn_set_log_callback returns, the previous handler is not running
    // and will not be called again (attn.h), so it may be dropped.
    *installed = handler;
    Ok(())
}

/// Sends libattn's log messages at `max_level` and more severe ones to
/// `handler`, replacing any handler set before. Without one, libattn logs
/// nothing. The handler may be called from any thread that runs libattn,
/// one call at a time, and must not call into this crate; a panic in it
/// drops the message.
pub fn set_log_handler<F>(handler: F, max_level: LogLevel) -> Result<()>
where
    F: Fn(LogLevel, &str) + Send + Sync + 'static,
{
    install(Some(Box::new(Box::new(handler))), max_level)
}

/// Stops sending log messages; the handler set before is dropped.
pub fn clear_log_handler() -> Result<()> {
    install(None, LogLevel::Warn)
}
