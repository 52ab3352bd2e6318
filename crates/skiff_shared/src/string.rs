//! Shared strings: the same shape as the VM's `JsStr`, so crossing heaps is an `Arc` clone.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// An immutable string in the shared heap.
///
/// Invariant (the same as `skiff_vm::string::JsStr`): `Ascii` iff every UTF-16 unit is below
/// 0x80, so equal contents always have equal variants and equality is a plain comparison.
/// Converting between `JsStr` and `SharedStr` moves the `Arc`, never the bytes:
/// `JsStr::Ascii(a) <-> SharedStr::Ascii(a.clone())`, `JsStr::Wide(w) <-> SharedStr::Wide(w.clone())`.
#[derive(Clone)]
pub enum SharedStr {
    Ascii(Arc<str>),
    Wide(Arc<[u16]>),
}

impl SharedStr {
    /// Builds a string from Rust text.
    pub fn from_text(s: &str) -> SharedStr {
        if s.is_ascii() {
            SharedStr::Ascii(Arc::from(s))
        } else {
            SharedStr::Wide(s.encode_utf16().collect::<Vec<u16>>().into())
        }
    }

    /// Builds a string from UTF-16 code units, choosing the compact form when possible.
    pub fn from_units(units: &[u16]) -> SharedStr {
        if units.iter().all(|&u| u < 0x80) {
            SharedStr::Ascii(
                units
                    .iter()
                    .map(|&u| u as u8 as char)
                    .collect::<String>()
                    .into(),
            )
        } else {
            SharedStr::Wide(Arc::from(units))
        }
    }

    /// Length in UTF-16 code units.
    pub fn len(&self) -> usize {
        match self {
            SharedStr::Ascii(s) => s.len(),
            SharedStr::Wide(w) => w.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lossy conversion to Rust text (lone surrogates become U+FFFD).
    pub fn to_rust_string(&self) -> String {
        match self {
            SharedStr::Ascii(s) => s.to_string(),
            SharedStr::Wide(w) => String::from_utf16_lossy(w),
        }
    }

    /// Compares by UTF-16 code units (the JS `<` order on strings).
    pub fn cmp_units(&self, other: &SharedStr) -> std::cmp::Ordering {
        match (self, other) {
            (SharedStr::Ascii(a), SharedStr::Ascii(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => self.units().cmp(other.units()),
        }
    }

    fn units(&self) -> impl Iterator<Item = u16> + '_ {
        let (a, w) = match self {
            SharedStr::Ascii(s) => (Some(s.bytes().map(u16::from)), None),
            SharedStr::Wide(w) => (None, Some(w.iter().copied())),
        };
        a.into_iter().flatten().chain(w.into_iter().flatten())
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        match (self, other) {
            (SharedStr::Ascii(a), SharedStr::Ascii(b)) => a == b,
            (SharedStr::Wide(a), SharedStr::Wide(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for SharedStr {}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same scheme as `JsStr`, so both hash equal contents alike.
        match self {
            SharedStr::Ascii(a) => {
                state.write_u8(0);
                a.hash(state)
            }
            SharedStr::Wide(w) => {
                state.write_u8(1);
                w.hash(state)
            }
        }
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_rust_string())
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rust_string())
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr::from_text(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_invariant_and_order() {
        assert_eq!(
            SharedStr::from_text("abc"),
            SharedStr::from_units(&[97, 98, 99])
        );
        assert!(matches!(SharedStr::from_text("abc"), SharedStr::Ascii(_)));
        let wide = SharedStr::from_text("héllo");
        assert_eq!(wide.len(), 5);
        assert_eq!(
            SharedStr::from_units(&wide.units().collect::<Vec<_>>()),
            wide
        );
        assert_eq!(
            SharedStr::from_text("a").cmp_units(&SharedStr::from_text("é")),
            std::cmp::Ordering::Less
        );
        assert_eq!(wide.to_rust_string(), "héllo");
    }
}
