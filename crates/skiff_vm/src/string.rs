//! Immutable JavaScript strings.
//!
//! JS strings are sequences of UTF-16 code units. Most strings in practice are ASCII, so a
//! [`JsStr`] is either `Ascii` (one byte per unit, every byte < 0x80) or `Wide` (UTF-16 units,
//! used as soon as one unit is ≥ 0x80). The invariant "Ascii iff every unit < 0x80" makes
//! equality and hashing a plain comparison of the variants. Both variants are `Arc`ed so a
//! string can be shared between heaps and threads without copying.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

#[derive(Clone)]
pub enum JsStr {
    Ascii(Arc<str>),
    Wide(Arc<[u16]>),
}

impl JsStr {
    pub fn empty() -> JsStr {
        JsStr::Ascii(Arc::from(""))
    }

    /// Builds a string from Rust UTF-8 text.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(s: &str) -> JsStr {
        if s.is_ascii() {
            JsStr::Ascii(Arc::from(s))
        } else {
            JsStr::Wide(s.encode_utf16().collect::<Vec<u16>>().into())
        }
    }

    /// Builds a string from bytes the caller knows to be ASCII (checked in debug builds).
    pub fn from_ascii_bytes(b: &[u8]) -> JsStr {
        debug_assert!(b.is_ascii());
        JsStr::Ascii(Arc::from(std::str::from_utf8(b).unwrap_or_default()))
    }

    /// Builds a string from UTF-16 code units, choosing the compact form when possible.
    pub fn from_units(units: &[u16]) -> JsStr {
        if units.iter().all(|&u| u < 0x80) {
            let s: String = units.iter().map(|&u| u as u8 as char).collect();
            JsStr::Ascii(Arc::from(s))
        } else {
            JsStr::Wide(Arc::from(units))
        }
    }

    pub fn from_units_vec(units: Vec<u16>) -> JsStr {
        if units.iter().all(|&u| u < 0x80) {
            let s: String = units.iter().map(|&u| u as u8 as char).collect();
            JsStr::Ascii(Arc::from(s))
        } else {
            JsStr::Wide(Arc::from(units))
        }
    }

    /// Length in UTF-16 code units.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            JsStr::Ascii(s) => s.len(),
            JsStr::Wide(w) => w.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn is_ascii(&self) -> bool {
        matches!(self, JsStr::Ascii(_))
    }

    pub fn as_ascii(&self) -> Option<&str> {
        match self {
            JsStr::Ascii(s) => Some(s),
            JsStr::Wide(_) => None,
        }
    }

    /// The code unit at `i` (caller checks bounds).
    #[inline]
    pub fn at(&self, i: usize) -> u16 {
        match self {
            JsStr::Ascii(s) => s.as_bytes()[i] as u16,
            JsStr::Wide(w) => w[i],
        }
    }

    pub fn get(&self, i: usize) -> Option<u16> {
        if i < self.len() {
            Some(self.at(i))
        } else {
            None
        }
    }

    /// All code units as a vector.
    pub fn units(&self) -> Vec<u16> {
        match self {
            JsStr::Ascii(s) => s.bytes().map(|b| b as u16).collect(),
            JsStr::Wide(w) => w.to_vec(),
        }
    }

    /// Appends the code units to `out`.
    pub fn push_units(&self, out: &mut Vec<u16>) {
        match self {
            JsStr::Ascii(s) => out.extend(s.bytes().map(|b| b as u16)),
            JsStr::Wide(w) => out.extend_from_slice(w),
        }
    }

    /// Lossy conversion to Rust text (lone surrogates become U+FFFD).
    pub fn to_rust_string(&self) -> String {
        match self {
            JsStr::Ascii(s) => s.to_string(),
            JsStr::Wide(w) => String::from_utf16_lossy(w),
        }
    }

    pub fn substring(&self, start: usize, end: usize) -> JsStr {
        let end = end.min(self.len());
        let start = start.min(end);
        match self {
            JsStr::Ascii(s) => JsStr::Ascii(Arc::from(&s[start..end])),
            JsStr::Wide(w) => JsStr::from_units(&w[start..end]),
        }
    }

    /// Joins `parts`, whose lengths add up to `total`, allocating only the result.
    pub fn join_parts<'a, I>(parts: I, total: usize) -> JsStr
    where
        I: Iterator<Item = &'a JsStr> + Clone,
    {
        if parts.clone().all(|p| matches!(p, JsStr::Ascii(_))) {
            // Built in a reused buffer: `Arc<str>` cannot take over a `String`'s allocation, so
            // building in a fresh `String` would allocate twice.
            thread_local! {
                static SCRATCH: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
            }
            let mut buf = SCRATCH.take();
            buf.clear();
            buf.reserve(total);
            for p in parts {
                if let JsStr::Ascii(s) = p {
                    buf.push_str(s);
                }
            }
            let out = JsStr::Ascii(Arc::from(buf.as_str()));
            // A huge result's buffer is not kept for the thread's lifetime.
            if buf.capacity() <= 1 << 16 {
                SCRATCH.set(buf);
            }
            out
        } else {
            let mut v = Vec::with_capacity(total);
            for p in parts {
                p.push_units(&mut v);
            }
            JsStr::Wide(Arc::from(v))
        }
    }

    pub fn concat(&self, other: &JsStr) -> JsStr {
        match (self, other) {
            (JsStr::Ascii(a), JsStr::Ascii(b)) => {
                let mut s = String::with_capacity(a.len() + b.len());
                s.push_str(a);
                s.push_str(b);
                JsStr::Ascii(Arc::from(s))
            }
            _ => {
                let mut v = Vec::with_capacity(self.len() + other.len());
                self.push_units(&mut v);
                other.push_units(&mut v);
                JsStr::Wide(Arc::from(v))
            }
        }
    }

    /// Finds `needle` starting at unit index `from`.
    pub fn index_of(&self, needle: &JsStr, from: usize) -> Option<usize> {
        let n = needle.len();
        let h = self.len();
        if n == 0 {
            return if from <= h { Some(from) } else { None };
        }
        if let (JsStr::Ascii(a), JsStr::Ascii(b)) = (self, needle) {
            if from > h {
                return None;
            }
            // memchr's searcher is cheap to set up, which matters for the usual short needles.
            return memchr::memmem::find(&a.as_bytes()[from..], b.as_bytes()).map(|i| i + from);
        }
        if n > h {
            return None;
        }
        let hu = self.units();
        let nu = needle.units();
        (from..=h - n).find(|&i| hu[i..i + n] == nu[..])
    }

    pub fn last_index_of(&self, needle: &JsStr, from: usize) -> Option<usize> {
        let n = needle.len();
        let h = self.len();
        if n > h {
            return None;
        }
        let hu = self.units();
        let nu = needle.units();
        let start = from.min(h - n);
        (0..=start).rev().find(|&i| hu[i..i + n] == nu[..])
    }

    pub fn starts_with_at(&self, needle: &JsStr, at: usize) -> bool {
        let n = needle.len();
        if at + n > self.len() {
            return false;
        }
        (0..n).all(|i| self.at(at + i) == needle.at(i))
    }

    /// Compares by UTF-16 code units (the JS `<` order on strings).
    pub fn cmp_units(&self, other: &JsStr) -> std::cmp::Ordering {
        match (self, other) {
            (JsStr::Ascii(a), JsStr::Ascii(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => {
                let n = self.len().min(other.len());
                for i in 0..n {
                    let c = self.at(i).cmp(&other.at(i));
                    if c != std::cmp::Ordering::Equal {
                        return c;
                    }
                }
                self.len().cmp(&other.len())
            }
        }
    }

    /// If the string is a canonical array index ("0", "17", not "017", < 2^32 - 1), returns it.
    pub fn as_array_index(&self) -> Option<u32> {
        let s = self.as_ascii()?;
        parse_array_index(s)
    }
}

/// Parses a canonical array index.
pub fn parse_array_index(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    if b[0] == b'0' && b.len() > 1 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u64;
    }
    if n < u32::MAX as u64 {
        Some(n as u32)
    } else {
        None
    }
}

impl PartialEq for JsStr {
    fn eq(&self, other: &JsStr) -> bool {
        match (self, other) {
            (JsStr::Ascii(a), JsStr::Ascii(b)) => a == b,
            (JsStr::Wide(a), JsStr::Wide(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for JsStr {}

impl Hash for JsStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            JsStr::Ascii(a) => {
                state.write_u8(0);
                a.hash(state)
            }
            JsStr::Wide(w) => {
                state.write_u8(1);
                w.hash(state)
            }
        }
    }
}

impl fmt::Debug for JsStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_rust_string())
    }
}

impl fmt::Display for JsStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rust_string())
    }
}

impl From<&str> for JsStr {
    fn from(s: &str) -> JsStr {
        JsStr::from_str(s)
    }
}

impl From<String> for JsStr {
    fn from(s: String) -> JsStr {
        JsStr::from_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_length_and_equality() {
        let a = JsStr::from_str("héllo😀");
        assert_eq!(a.len(), 7);
        assert_eq!(a.at(1), 0xE9);
        assert_eq!(JsStr::from_units(&a.units()), a);
        assert_eq!(JsStr::from_str("abc"), JsStr::from_units(&[97, 98, 99]));
        assert!(JsStr::from_str("abc").is_ascii());
    }

    #[test]
    fn search() {
        let s = JsStr::from_str("abcabc");
        assert_eq!(s.index_of(&"c".into(), 3), Some(5));
        assert_eq!(s.last_index_of(&"ab".into(), 10), Some(3));
        assert_eq!(parse_array_index("01"), None);
        assert_eq!(parse_array_index("4294967294"), Some(4294967294));
        assert_eq!(parse_array_index("4294967295"), None);
    }
}
