//! Named settings, converted to an `attn_options` bag when a call uses them.

use std::fmt::Write;
use std::ptr;

use attn_sys as sys;

use crate::error::{Result, check};
use crate::raw::{c_string, create};

/// Named settings for a call (`docs/options.md` lists them), built as
/// `Options::new().set("num_beams", 4).set("length_penalty", 1.0)`.
///
/// Setting is infallible: libattn checks each name, type and range when a
/// call receives the options, and that call fails with its message.
/// Setting a name again replaces its value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    values: Vec<(String, OptionValue)>,
}

/// An option value: booleans are integers 0 and 1, token id lists JSON text.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Int(i64),
    Float(f64),
    Str(String),
}

impl Options {
    /// No options: every setting at its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`.
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<OptionValue>) -> Self {
        self.values.push((name.into(), value.into()));
        self
    }

    /// The bag for a C call; NULL when there are no options.
    pub(crate) fn to_raw(&self) -> Result<RawOptions> {
        if self.values.is_empty() {
            return Ok(RawOptions(ptr::null_mut()));
        }
        // SAFETY: `out` is a valid out-pointer.
        let raw = RawOptions(create(|out| unsafe { sys::attn_options_create(out) })?.as_ptr());
        for (name, value) in &self.values {
            let (bag, name) = (raw.0, c_string(name.as_str())?);
            // SAFETY: `bag` is a live bag that only this thread uses; the
            // strings are NUL-terminated and the setters copy them.
            let status = match value {
                OptionValue::Int(v) => unsafe { sys::attn_options_set_int(bag, name.as_ptr(), *v) },
                OptionValue::Float(v) => unsafe {
                    sys::attn_options_set_float(bag, name.as_ptr(), *v)
                },
                OptionValue::Str(v) => {
                    let v = c_string(v.as_str())?;
                    unsafe { sys::attn_options_set_str(bag, name.as_ptr(), v.as_ptr()) }
                }
            };
            check(status)?;
        }
        Ok(raw)
    }
}

/// An `attn_options` bag owned for the duration of one call.
pub(crate) struct RawOptions(*mut sys::attn_options);

impl RawOptions {
    pub(crate) fn as_ptr(&self) -> *const sys::attn_options {
        self.0
    }
}

impl Drop for RawOptions {
    fn drop(&mut self) {
        // SAFETY: a bag from attn_options_create, or NULL, which is ignored.
        unsafe { sys::attn_options_free(self.0) }
    }
}

macro_rules! from_number {
    ($variant:ident($as:ty): $($t:ty),*) => {$(
        impl From<$t> for OptionValue {
            fn from(value: $t) -> Self {
                OptionValue::$variant(<$as>::from(value))
            }
        }
    )*};
}

from_number!(Int(i64): i32, i64, u32, bool);
from_number!(Float(f64): f32, f64);

impl From<&str> for OptionValue {
    fn from(value: &str) -> Self {
        OptionValue::Str(value.to_owned())
    }
}

impl From<String> for OptionValue {
    fn from(value: String) -> Self {
        OptionValue::Str(value)
    }
}

/// Token ids, or lists of them, written as the JSON text that list options
/// such as `bad_words_ids` (`[[39]]`) and `suppress_tokens` take.
pub trait TokenIds {
    /// Appends the JSON text.
    fn write_json(&self, out: &mut String);
}

impl TokenIds for i32 {
    fn write_json(&self, out: &mut String) {
        write!(out, "{self}").expect("writing to a String");
    }
}

impl<T: TokenIds> TokenIds for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: TokenIds + ?Sized> TokenIds for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: TokenIds> TokenIds for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: TokenIds, const N: usize> TokenIds for [T; N] {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

fn json(ids: &impl TokenIds) -> OptionValue {
    let mut text = String::new();
    ids.write_json(&mut text);
    OptionValue::Str(text)
}

impl<T: TokenIds> From<&[T]> for OptionValue {
    fn from(ids: &[T]) -> Self {
        json(&ids)
    }
}

impl<T: TokenIds> From<Vec<T>> for OptionValue {
    fn from(ids: Vec<T>) -> Self {
        json(&ids)
    }
}

impl<T: TokenIds, const N: usize> From<[T; N]> for OptionValue {
    fn from(ids: [T; N]) -> Self {
        json(&ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let options = Options::new()
            .set("num_beams", 4)
            .set("length_penalty", 1.0)
            .set("src_lang", "fr")
            .set("early_stopping", true)
            .set("bad_words_ids", [[39], [1]])
            .set("suppress_tokens", vec![3, 4])
            .set("eos_token_id", &[0][..]);
        let values: Vec<_> = options.values.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            [
                OptionValue::Int(4),
                OptionValue::Float(1.0),
                OptionValue::Str("fr".into()),
                OptionValue::Int(1),
                OptionValue::Str("[[39],[1]]".into()),
                OptionValue::Str("[3,4]".into()),
                OptionValue::Str("[0]".into()),
            ]
        );
    }
}
