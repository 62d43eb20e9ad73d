//! Helpers shared by the wrappers: out-pointers, buffers, strings.

use std::ffi::{CStr, CString, c_char};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::OnceLock;

use attn_sys as sys;

use crate::error::{Error, Result, Status, check};

/// Checks once per process that the loaded libattn serves this crate's
/// header version, as attn.h asks bindings to do.
pub(crate) fn check_library() -> Result<()> {
    static CHECKED: OnceLock<Result<()>> = OnceLock::new();
    // SAFETY: no preconditions.
    CHECKED
        .get_or_init(|| check(unsafe { sys::attn_check_version(sys::ATTN_VERSION_NUMBER) }))
        .clone()
}

/// Runs a C constructor and returns the object it stored in its out-pointer.
pub(crate) fn create<T>(make: impl FnOnce(*mut *mut T) -> sys::attn_status) -> Result<NonNull<T>> {
    let mut out = ptr::null_mut();
    check(make(&mut out))?;
    Ok(NonNull::new(out).expect("libattn returned ATTN_OK without an object"))
}

/// Calls `fill(buffer, &mut needed)`, once more with a buffer of `needed +
/// reserve` elements if it answers `ATTN_E_BUFFER_TOO_SMALL` (`reserve` is 1
/// for text, whose capacity counts a NUL that `needed` does not), and
/// returns the `needed` elements written.
pub(crate) fn fill_buffer<T: Copy + Default>(
    guess: usize,
    reserve: usize,
    mut fill: impl FnMut(&mut [T], &mut usize) -> sys::attn_status,
) -> Result<Vec<T>> {
    let mut buffer = vec![T::default(); guess + reserve];
    let mut needed = 0;
    let mut status = fill(&mut buffer, &mut needed);
    if status == sys::ATTN_E_BUFFER_TOO_SMALL {
        buffer.resize(needed + reserve, T::default());
        status = fill(&mut buffer, &mut needed);
    }
    check(status)?;
    buffer.truncate(needed);
    Ok(buffer)
}

/// libattn's text is UTF-8 (its decoders write U+FFFD for invalid bytes).
pub(crate) fn utf8(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("libattn returned text that is not UTF-8")
}

/// A NUL-terminated string owned by libattn, borrowed for `'a`.
///
/// # Safety
/// `text` is non-NULL, NUL-terminated and valid for `'a`.
pub(crate) unsafe fn borrowed_str<'a>(text: *const c_char) -> &'a str {
    // SAFETY: the caller's promise.
    utf8(unsafe { CStr::from_ptr(text) }.to_bytes())
}

/// `len` elements at `data`, which may be NULL when `len` is 0.
///
/// # Safety
/// A non-empty `data` points to `len` elements valid for `'a`.
pub(crate) unsafe fn slice<'a, T>(data: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller's promise.
    unsafe { std::slice::from_raw_parts(data, len) }
}

/// `text` as a C string; a NUL byte inside is an invalid argument.
pub(crate) fn c_string(text: impl Into<Vec<u8>>) -> Result<CString> {
    CString::new(text).map_err(|e| {
        let text = String::from_utf8_lossy(&e.into_vec()).into_owned();
        Error::new(Status::InvalidArgument, format!("{text:?} contains a NUL byte"))
    })
}

/// A path as libattn takes it: its bytes on Unix, else its UTF-8 text.
pub(crate) fn c_path(path: &Path) -> Result<CString> {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    #[cfg(not(unix))]
    let bytes = path.to_str().map(str::as_bytes).ok_or_else(|| {
        Error::new(Status::InvalidArgument, format!("{} is not UTF-8", path.display()))
    })?;
    c_string(bytes)
}

/// Texts as `attn_translate` takes them: pointers into the borrowed texts, and
/// byte lengths.
pub(crate) fn texts<'a, S: AsRef<str> + 'a>(
    texts: impl Iterator<Item = &'a S>,
) -> (Vec<*const c_char>, Vec<usize>) {
    texts.map(|t| (t.as_ref().as_ptr().cast(), t.as_ref().len())).unzip()
}

/// Id sequences as `attn_encode` takes them: one after another, and lengths.
pub(crate) fn sequences<S: AsRef<[i32]>>(sequences: &[S]) -> (Vec<i32>, Vec<usize>) {
    let ids = sequences.iter().flat_map(|s| s.as_ref().iter().copied()).collect();
    (ids, sequences.iter().map(|s| s.as_ref().len()).collect())
}
