//! Shared-heap words: the 8-byte values stored in Sendable fields, collections and envs.
//!
//! # The encoding contract with `skiff_vm::value`
//!
//! A [`SharedWord`] has exactly the bit layout of the VM's NaN-boxed `Value`, so that a field
//! load is a plain `AtomicU64::load` whose result the VM can use as a `Value` without
//! translation, and a store of a number, boolean, null, undefined or shared reference is a plain
//! `AtomicU64::store` of the `Value`'s bits.
//!
//! | pattern                              | meaning                                         |
//! |--------------------------------------|-------------------------------------------------|
//! | below `0xFFF9 << 48`                 | an `f64` (NaN canonicalised to `0x7FF8 << 48`)  |
//! | `0xFFF9_0000_0000_000n`, n = 0..=3   | undefined, null, false, true                    |
//! | `0xFFFE_0000_xxxx_xxxx`              | a shared-heap reference (slot `xxxx_xxxx`)      |
//!
//! The VM's other tags (`0xFFFA` local object, `0xFFFB` local string, `0xFFFC` symbol, `0xFFFD`
//! local BigInt), the array hole (`0xFFF9_..._0004`) and the unused tag `0xFFFF` are *never*
//! valid words: [`SharedWord::from_bits`] rejects them, and it is the only way to build a word
//! from foreign bits. Because every store into the shared heap takes a `SharedWord`, every store
//! is checked, which is how "the shared heap never points into a local heap" is enforced.
//! Strings and BigInts enter the shared heap as cells (see `Mutator::alloc_str`).

use std::fmt;

/// Bits above which a word carries a tag instead of a number.
pub const TAG_SHIFT: u32 = 48;
/// Specials: undefined, null, false, true (and the VM-only hole, which is rejected).
pub const TAG_SPECIAL: u64 = 0xFFF9;
/// Local heap object (rejected).
pub const TAG_LOCAL_OBJECT: u64 = 0xFFFA;
/// Local heap string (rejected).
pub const TAG_LOCAL_STRING: u64 = 0xFFFB;
/// Symbol (rejected: symbols are not Sendable).
pub const TAG_SYMBOL: u64 = 0xFFFC;
/// Local heap BigInt (rejected).
pub const TAG_LOCAL_BIGINT: u64 = 0xFFFD;
/// Shared-heap reference.
pub const TAG_SHARED: u64 = 0xFFFE;
/// The first tagged pattern; everything below it is an `f64`.
pub const FIRST_TAG: u64 = TAG_SPECIAL << TAG_SHIFT;
/// The one NaN pattern ever stored.
pub const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

/// A handle to a shared-heap cell: a `u32` slot index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedRef(pub u32);

impl fmt::Debug for SharedRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shared#{}", self.0)
    }
}

/// Why some bits cannot become a [`SharedWord`].
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Rejected {
    /// A local heap object (tag `0xFFFA`).
    LocalObject,
    /// A local heap string (tag `0xFFFB`): convert it with `Mutator::alloc_str` first.
    LocalString,
    /// A symbol (tag `0xFFFC`): never Sendable.
    Symbol,
    /// A local heap BigInt (tag `0xFFFD`): convert it with `Mutator::alloc_bigint` first.
    LocalBigInt,
    /// The array hole or another special that scripts never see.
    Hole,
    /// A tag no heap defines (`0xFFFF`).
    Unknown,
}

/// An 8-byte value that may live in the shared heap. See the module docs for the layout.
///
/// Invariant: the bits are a number, one of the four specials, or a shared reference.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct SharedWord(u64);

const _: () = assert!(std::mem::size_of::<SharedWord>() == 8);

impl SharedWord {
    pub const UNDEFINED: SharedWord = SharedWord(FIRST_TAG);
    pub const NULL: SharedWord = SharedWord(FIRST_TAG | 1);
    pub const FALSE: SharedWord = SharedWord(FIRST_TAG | 2);
    pub const TRUE: SharedWord = SharedWord(FIRST_TAG | 3);

    /// Checks foreign bits (a VM `Value`) and accepts them only when they are valid in the
    /// shared heap. This is the store barrier of the crate.
    #[inline]
    pub fn from_bits(bits: u64) -> Result<SharedWord, Rejected> {
        if bits < FIRST_TAG {
            return Ok(SharedWord(bits));
        }
        match bits >> TAG_SHIFT {
            TAG_SPECIAL if bits & 0xFFFF_FFFF_FFFF <= 3 => Ok(SharedWord(bits)),
            TAG_SPECIAL => Err(Rejected::Hole),
            TAG_SHARED if bits & 0xFFFF_0000_0000 == 0 => Ok(SharedWord(bits)),
            TAG_LOCAL_OBJECT => Err(Rejected::LocalObject),
            TAG_LOCAL_STRING => Err(Rejected::LocalString),
            TAG_SYMBOL => Err(Rejected::Symbol),
            TAG_LOCAL_BIGINT => Err(Rejected::LocalBigInt),
            _ => Err(Rejected::Unknown),
        }
    }

    /// Rebuilds a word from bits that were read out of the shared heap. Invalid bits (which a
    /// correct program never produces) become undefined rather than a panic.
    #[inline]
    pub(crate) fn from_stored(bits: u64) -> SharedWord {
        SharedWord::from_bits(bits).unwrap_or(SharedWord::UNDEFINED)
    }

    /// A number; NaNs are canonicalised so that no number collides with a tag.
    #[inline]
    pub fn number(n: f64) -> SharedWord {
        if n.is_nan() {
            SharedWord(CANONICAL_NAN)
        } else {
            SharedWord(n.to_bits())
        }
    }

    #[inline]
    pub fn bool(b: bool) -> SharedWord {
        if b {
            SharedWord::TRUE
        } else {
            SharedWord::FALSE
        }
    }

    #[inline]
    pub fn from_ref(r: SharedRef) -> SharedWord {
        SharedWord((TAG_SHARED << TAG_SHIFT) | r.0 as u64)
    }

    /// The raw bits, identical to the VM `Value` with the same meaning.
    #[inline]
    pub fn bits(self) -> u64 {
        self.0
    }

    #[inline]
    pub fn is_number(self) -> bool {
        self.0 < FIRST_TAG
    }

    #[inline]
    pub fn as_number(self) -> Option<f64> {
        if self.is_number() {
            Some(f64::from_bits(self.0))
        } else {
            None
        }
    }

    #[inline]
    pub fn as_bool(self) -> Option<bool> {
        match self {
            SharedWord::TRUE => Some(true),
            SharedWord::FALSE => Some(false),
            _ => None,
        }
    }

    #[inline]
    pub fn is_undefined(self) -> bool {
        self == SharedWord::UNDEFINED
    }

    #[inline]
    pub fn is_null(self) -> bool {
        self == SharedWord::NULL
    }

    #[inline]
    pub fn as_ref(self) -> Option<SharedRef> {
        if self.0 >> TAG_SHIFT == TAG_SHARED {
            Some(SharedRef(self.0 as u32))
        } else {
            None
        }
    }
}

impl Default for SharedWord {
    fn default() -> Self {
        SharedWord::UNDEFINED
    }
}

impl From<SharedRef> for SharedWord {
    fn from(r: SharedRef) -> SharedWord {
        SharedWord::from_ref(r)
    }
}

impl fmt::Debug for SharedWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.as_number() {
            return write!(f, "{n}");
        }
        if let Some(r) = self.as_ref() {
            return write!(f, "{r:?}");
        }
        match *self {
            SharedWord::UNDEFINED => f.write_str("undefined"),
            SharedWord::NULL => f.write_str("null"),
            SharedWord::TRUE => f.write_str("true"),
            _ => f.write_str("false"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding contract, as literal bit patterns. `skiff_vm::value` must produce exactly
    /// these bits for the same values; the VM's test suite mirrors this table.
    #[test]
    fn contract_with_vm_value_layout() {
        assert_eq!(SharedWord::UNDEFINED.bits(), 0xFFF9_0000_0000_0000);
        assert_eq!(SharedWord::NULL.bits(), 0xFFF9_0000_0000_0001);
        assert_eq!(SharedWord::FALSE.bits(), 0xFFF9_0000_0000_0002);
        assert_eq!(SharedWord::TRUE.bits(), 0xFFF9_0000_0000_0003);
        assert_eq!(
            SharedWord::from_ref(SharedRef(7)).bits(),
            0xFFFE_0000_0000_0007
        );
        assert_eq!(
            SharedWord::from_ref(SharedRef(u32::MAX)).bits(),
            0xFFFE_0000_FFFF_FFFF
        );
        assert_eq!(SharedWord::number(f64::NAN).bits(), 0x7FF8_0000_0000_0000);
        assert_eq!(SharedWord::number(1.5).bits(), 1.5f64.to_bits());
        assert_eq!(SharedWord::number(-0.0).bits(), 0x8000_0000_0000_0000);
        assert_eq!(
            (
                TAG_SPECIAL,
                TAG_LOCAL_OBJECT,
                TAG_LOCAL_STRING,
                TAG_SYMBOL,
                TAG_LOCAL_BIGINT,
                TAG_SHARED
            ),
            (0xFFF9, 0xFFFA, 0xFFFB, 0xFFFC, 0xFFFD, 0xFFFE)
        );
    }

    #[test]
    fn local_tags_are_rejected() {
        assert_eq!(
            SharedWord::from_bits(0xFFFA_0000_0000_0001),
            Err(Rejected::LocalObject)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFFB_0000_0000_0001),
            Err(Rejected::LocalString)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFFC_0000_0000_0001),
            Err(Rejected::Symbol)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFFD_0000_0000_0001),
            Err(Rejected::LocalBigInt)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFF9_0000_0000_0004),
            Err(Rejected::Hole)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFFF_0000_0000_0000),
            Err(Rejected::Unknown)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFFE_0001_0000_0000),
            Err(Rejected::Unknown)
        );
        assert_eq!(
            SharedWord::from_bits(0xFFFE_0000_0000_0009)
                .unwrap()
                .as_ref(),
            Some(SharedRef(9))
        );
        assert_eq!(
            SharedWord::from_bits(0xFFF9_0000_0000_0003),
            Ok(SharedWord::TRUE)
        );
        assert_eq!(
            SharedWord::from_bits(42f64.to_bits()).unwrap().as_number(),
            Some(42.0)
        );
        assert_eq!(
            SharedWord::from_bits(f64::NEG_INFINITY.to_bits())
                .unwrap()
                .as_number(),
            Some(f64::NEG_INFINITY)
        );
    }
}
