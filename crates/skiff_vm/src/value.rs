//! The 8-byte NaN-boxed [`Value`].
//!
//! Every bit pattern below `0xFFF9 << 48` is an `f64` (all NaNs are canonicalised to
//! `0x7FF8_0000_0000_0000` when boxed, so no number can collide with a tag). The patterns
//! `0xFFF9..=0xFFFF` in the top 16 bits carry a tag and a 32-bit payload:
//!
//! | tag      | meaning                                           |
//! |----------|---------------------------------------------------|
//! | `0xFFF9` | specials: undefined, null, false, true, hole      |
//! | `0xFFFA` | local heap object (slot index)                    |
//! | `0xFFFB` | local heap string (slot index)                    |
//! | `0xFFFC` | symbol (per-VM symbol table index)                |
//! | `0xFFFD` | BigInt (local heap slot index)                    |
//! | `0xFFFE` | shared-heap reference (reserved for Sendables)    |
//!
//! Everything is integer manipulation on `u64`: no `unsafe`, no pointers.

use std::fmt;

const TAG_SHIFT: u32 = 48;
const TAG_SPECIAL: u64 = 0xFFF9;
const TAG_OBJECT: u64 = 0xFFFA;
const TAG_STRING: u64 = 0xFFFB;
const TAG_SYMBOL: u64 = 0xFFFC;
const TAG_BIGINT: u64 = 0xFFFD;
const TAG_SHARED: u64 = 0xFFFE;
const FIRST_TAG: u64 = TAG_SPECIAL << TAG_SHIFT;
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

/// A JavaScript value. `Copy`, 8 bytes, and deliberately not `Send`-relevant by itself:
/// heap payloads only mean something together with the heap that produced them.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Value(u64);

const _: () = assert!(std::mem::size_of::<Value>() == 8);

/// A handle to a local heap object.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ObjRef(pub u32);

/// A handle to a local heap string.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct StrRef(pub u32);

/// A symbol id (index into the VM's symbol table; well-known symbols have fixed ids).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SymbolId(pub u32);

/// The coarse type of a value, used by `typeof` and dispatch.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Kind {
    Undefined,
    Null,
    Bool,
    Number,
    String,
    Symbol,
    BigInt,
    Object,
    Shared,
    Hole,
}

impl Value {
    pub const UNDEFINED: Value = Value::special(0);
    pub const NULL: Value = Value::special(1);
    pub const FALSE: Value = Value::special(2);
    pub const TRUE: Value = Value::special(3);
    /// The array hole / "empty" marker; never visible to scripts.
    pub const HOLE: Value = Value::special(4);

    const fn special(n: u64) -> Value {
        Value((TAG_SPECIAL << TAG_SHIFT) | n)
    }

    #[inline]
    fn tagged(tag: u64, payload: u32) -> Value {
        Value((tag << TAG_SHIFT) | payload as u64)
    }

    #[inline]
    pub fn number(n: f64) -> Value {
        if n.is_nan() {
            Value(CANONICAL_NAN)
        } else {
            Value(n.to_bits())
        }
    }

    #[inline]
    pub fn int(n: i32) -> Value {
        Value::number(n as f64)
    }

    #[inline]
    pub fn bool(b: bool) -> Value {
        if b {
            Value::TRUE
        } else {
            Value::FALSE
        }
    }

    #[inline]
    pub fn object(r: ObjRef) -> Value {
        Value::tagged(TAG_OBJECT, r.0)
    }

    #[inline]
    pub fn string(r: StrRef) -> Value {
        Value::tagged(TAG_STRING, r.0)
    }

    #[inline]
    pub fn symbol(s: SymbolId) -> Value {
        Value::tagged(TAG_SYMBOL, s.0)
    }

    #[inline]
    pub fn bigint(slot: u32) -> Value {
        Value::tagged(TAG_BIGINT, slot)
    }

    #[inline]
    pub fn shared(slot: u32) -> Value {
        Value::tagged(TAG_SHARED, slot)
    }

    #[inline]
    pub fn bits(self) -> u64 {
        self.0
    }

    #[inline]
    fn tag(self) -> u64 {
        self.0 >> TAG_SHIFT
    }

    #[inline]
    fn payload(self) -> u32 {
        self.0 as u32
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

    /// The number inside, assuming `is_number()`.
    #[inline]
    pub fn num(self) -> f64 {
        f64::from_bits(self.0)
    }

    #[inline]
    pub fn is_undefined(self) -> bool {
        self == Value::UNDEFINED
    }

    #[inline]
    pub fn is_null(self) -> bool {
        self == Value::NULL
    }

    #[inline]
    pub fn is_nullish(self) -> bool {
        self == Value::UNDEFINED || self == Value::NULL
    }

    #[inline]
    pub fn is_hole(self) -> bool {
        self == Value::HOLE
    }

    #[inline]
    pub fn is_bool(self) -> bool {
        self == Value::TRUE || self == Value::FALSE
    }

    #[inline]
    pub fn as_bool(self) -> Option<bool> {
        if self == Value::TRUE {
            Some(true)
        } else if self == Value::FALSE {
            Some(false)
        } else {
            None
        }
    }

    #[inline]
    pub fn as_object(self) -> Option<ObjRef> {
        if self.tag() == TAG_OBJECT {
            Some(ObjRef(self.payload()))
        } else {
            None
        }
    }

    #[inline]
    pub fn is_object(self) -> bool {
        self.tag() == TAG_OBJECT
    }

    #[inline]
    pub fn as_string(self) -> Option<StrRef> {
        if self.tag() == TAG_STRING {
            Some(StrRef(self.payload()))
        } else {
            None
        }
    }

    #[inline]
    pub fn is_string(self) -> bool {
        self.tag() == TAG_STRING
    }

    #[inline]
    pub fn as_symbol(self) -> Option<SymbolId> {
        if self.tag() == TAG_SYMBOL {
            Some(SymbolId(self.payload()))
        } else {
            None
        }
    }

    #[inline]
    pub fn as_bigint(self) -> Option<u32> {
        if self.tag() == TAG_BIGINT {
            Some(self.payload())
        } else {
            None
        }
    }

    #[inline]
    pub fn as_shared(self) -> Option<u32> {
        if self.tag() == TAG_SHARED {
            Some(self.payload())
        } else {
            None
        }
    }

    /// The value with the bits of a shared-heap word. Only for `crate::sendable`, which
    /// converts string and BigInt cells to local values first (every `SharedWord` is a valid
    /// `Value` encoding: a number, a special or a shared reference).
    #[inline]
    pub(crate) fn from_shared_bits(w: skiff_shared::SharedWord) -> Value {
        Value(w.bits())
    }

    /// The slot index of a heap-allocated payload (object, string, bigint), if any.
    #[inline]
    pub fn heap_slot(self) -> Option<u32> {
        match self.tag() {
            TAG_OBJECT | TAG_STRING | TAG_BIGINT => Some(self.payload()),
            _ => None,
        }
    }

    pub fn kind(self) -> Kind {
        if self.is_number() {
            return Kind::Number;
        }
        match self.tag() {
            TAG_SPECIAL => match self.payload() {
                0 => Kind::Undefined,
                1 => Kind::Null,
                2 | 3 => Kind::Bool,
                _ => Kind::Hole,
            },
            TAG_OBJECT => Kind::Object,
            TAG_STRING => Kind::String,
            TAG_SYMBOL => Kind::Symbol,
            TAG_BIGINT => Kind::BigInt,
            _ => Kind::Shared,
        }
    }
}

impl Default for Value {
    fn default() -> Self {
        Value::UNDEFINED
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            Kind::Number => write!(f, "{}", self.num()),
            Kind::Undefined => write!(f, "undefined"),
            Kind::Null => write!(f, "null"),
            Kind::Bool => write!(f, "{}", *self == Value::TRUE),
            Kind::Hole => write!(f, "<hole>"),
            Kind::Object => write!(f, "obj#{}", self.payload()),
            Kind::String => write!(f, "str#{}", self.payload()),
            Kind::Symbol => write!(f, "sym#{}", self.payload()),
            Kind::BigInt => write!(f, "bigint#{}", self.payload()),
            Kind::Shared => write!(f, "shared#{}", self.payload()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for n in [
            0.0,
            -0.0,
            1.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let v = Value::number(n);
            assert!(v.is_number());
            assert_eq!(v.num().to_bits(), n.to_bits());
        }
        let nan = Value::number(f64::from_bits(0xFFFF_FFFF_FFFF_FFFF));
        assert!(nan.is_number() && nan.num().is_nan());
    }

    #[test]
    fn tags_are_distinct() {
        assert_eq!(Value::UNDEFINED.kind(), Kind::Undefined);
        assert_eq!(Value::NULL.kind(), Kind::Null);
        assert_eq!(Value::TRUE.as_bool(), Some(true));
        assert_eq!(Value::object(ObjRef(7)).as_object(), Some(ObjRef(7)));
        assert_eq!(Value::string(StrRef(9)).as_string(), Some(StrRef(9)));
        assert_eq!(Value::object(ObjRef(7)).as_string(), None);
        assert_eq!(Value::symbol(SymbolId(3)).kind(), Kind::Symbol);
        assert_eq!(Value::bigint(3).kind(), Kind::BigInt);
        assert!(!Value::UNDEFINED.is_number());
    }
}
