//! Sendable class descriptors: the fixed layout and per-field type masks of `@Sendable` classes.

use crate::error::{SharedError, SharedResult};
use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The declared type of a Sendable field as a bit set (ArkTS `SharedFieldType`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct FieldType(pub u8);

impl FieldType {
    /// Untyped: behaves like [`FieldType::GENERIC`].
    pub const NONE: FieldType = FieldType(0);
    pub const NUMBER: FieldType = FieldType(1);
    pub const STRING: FieldType = FieldType(1 << 1);
    pub const BOOLEAN: FieldType = FieldType(1 << 2);
    pub const SENDABLE: FieldType = FieldType(1 << 3);
    pub const BIGINT: FieldType = FieldType(1 << 4);
    pub const GENERIC: FieldType = FieldType(1 << 5);
    pub const NULL: FieldType = FieldType(1 << 6);
    pub const UNDEFINED: FieldType = FieldType(1 << 7);

    pub fn contains(self, other: FieldType) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// `ClassHelper::MatchFieldType` (arkts-runtime-facts.md §5), over the kind of the value.
    pub fn accepts(self, kind: WordKind) -> bool {
        match kind {
            // Rule 1: undefined fits every field.
            WordKind::Undefined => true,
            WordKind::Number if self.contains(FieldType::NUMBER) => true,
            WordKind::Boolean if self.contains(FieldType::BOOLEAN) => true,
            // Rule 4: string fields also take null.
            WordKind::String | WordKind::Null if self.contains(FieldType::STRING) => true,
            WordKind::BigInt if self.contains(FieldType::BIGINT) => true,
            // Rule 6: sendable-typed fields also take null.
            WordKind::Sendable | WordKind::Null if self.contains(FieldType::SENDABLE) => true,
            // Rule 8: an explicit `| null`.
            WordKind::Null if self.contains(FieldType::NULL) => true,
            // Rule 7: untyped and generic fields take any shared value or non-symbol primitive,
            // which is every word the shared heap can hold.
            _ => self == FieldType::NONE || self.contains(FieldType::GENERIC),
        }
    }
}

impl std::ops::BitOr for FieldType {
    type Output = FieldType;
    fn bitor(self, rhs: FieldType) -> FieldType {
        FieldType(self.0 | rhs.0)
    }
}

/// The coarse type of a word, as the field type check sees it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum WordKind {
    Undefined,
    Null,
    Boolean,
    Number,
    /// A shared string cell.
    String,
    /// A shared BigInt cell.
    BigInt,
    /// Any other shared cell: Sendable instances, collections, functions, locks.
    Sendable,
}

/// One field of a Sendable class.
#[derive(Clone, Debug)]
pub struct FieldDesc {
    /// The name as an atom of the VM's process-wide interner (opaque here).
    pub atom: u32,
    /// The name as text, for messages and debugging.
    pub name: Arc<str>,
    /// The declared type.
    pub ty: FieldType,
}

/// An immutable Sendable class layout, shared by every instance and every thread.
#[derive(Debug)]
pub struct SendableClass {
    id: u64,
    name: Arc<str>,
    superclass: Option<Arc<SendableClass>>,
    /// All fields, superclass fields first, in declaration order; the index is the slot.
    fields: Box<[FieldDesc]>,
    slots: FxHashMap<u32, u32>,
}

static NEXT_CLASS_ID: AtomicU64 = AtomicU64::new(1);

impl SendableClass {
    /// Builds a class from its own fields; the superclass's fields come first. A field that
    /// redeclares an inherited name keeps the inherited slot and takes the new type.
    pub fn new(
        name: &str,
        superclass: Option<Arc<SendableClass>>,
        own_fields: Vec<FieldDesc>,
    ) -> SharedResult<Arc<SendableClass>> {
        let mut fields: Vec<FieldDesc> = superclass
            .as_ref()
            .map(|s| s.fields.to_vec())
            .unwrap_or_default();
        let mut slots: FxHashMap<u32, u32> = superclass
            .as_ref()
            .map(|s| s.slots.clone())
            .unwrap_or_default();
        for f in own_fields {
            if let Some(&slot) = slots.get(&f.atom) {
                fields[slot as usize] = f;
                continue;
            }
            let slot = u32::try_from(fields.len())
                .map_err(|_| SharedError::Range("Too many fields".into()))?;
            slots.insert(f.atom, slot);
            fields.push(f);
        }
        Ok(Arc::new(SendableClass {
            id: NEXT_CLASS_ID.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            superclass,
            fields: fields.into_boxed_slice(),
            slots,
        }))
    }

    /// A process-unique id, for the VM's per-instance side tables (prototypes, method caches).
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn superclass(&self) -> Option<&Arc<SendableClass>> {
        self.superclass.as_ref()
    }

    /// All fields in slot order (superclass fields first).
    pub fn fields(&self) -> &[FieldDesc] {
        &self.fields
    }

    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// The slot of a field, by atom.
    #[inline]
    pub fn slot_of(&self, atom: u32) -> Option<u32> {
        self.slots.get(&atom).copied()
    }

    /// True if `self` is `other` or inherits from it (`instanceof` on shared classes).
    pub fn is_subclass_of(&self, other: &SendableClass) -> bool {
        let mut c = Some(self);
        while let Some(k) = c {
            if k.id == other.id {
                return true;
            }
            c = k.superclass.as_deref();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(atom: u32, name: &str, ty: FieldType) -> FieldDesc {
        FieldDesc {
            atom,
            name: name.into(),
            ty,
        }
    }

    #[test]
    fn match_field_type_rules() {
        use WordKind::*;
        let num = FieldType::NUMBER;
        let s = FieldType::STRING;
        let b = FieldType::BOOLEAN;
        let snd = FieldType::SENDABLE;
        let big = FieldType::BIGINT;
        for t in [num, s, b, snd, big, FieldType::NONE, FieldType::GENERIC] {
            assert!(t.accepts(Undefined), "undefined fits {t:?}");
        }
        assert!(num.accepts(Number) && !num.accepts(String) && !num.accepts(Null));
        assert!(s.accepts(String) && s.accepts(Null) && !s.accepts(Number));
        assert!(b.accepts(Boolean) && !b.accepts(Null));
        assert!(big.accepts(BigInt) && !big.accepts(Number) && !big.accepts(Null));
        assert!(
            snd.accepts(Sendable)
                && snd.accepts(Null)
                && !snd.accepts(Number)
                && !snd.accepts(String)
        );
        assert!((num | FieldType::NULL).accepts(Null));
        assert!(
            (num | FieldType::UNDEFINED).accepts(Undefined)
                && !(num | FieldType::UNDEFINED).accepts(String)
        );
        for k in [Null, Boolean, Number, String, BigInt, Sendable] {
            assert!(FieldType::NONE.accepts(k) && FieldType::GENERIC.accepts(k));
        }
    }

    #[test]
    fn layout_superclass_first() {
        let base = SendableClass::new(
            "A",
            None,
            vec![f(1, "x", FieldType::NUMBER), f(2, "y", FieldType::STRING)],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let sub = SendableClass::new(
            "B",
            Some(base.clone()),
            vec![f(3, "z", FieldType::BOOLEAN), f(1, "x", FieldType::GENERIC)],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = sub.fields().iter().map(|f| &*f.name).collect();
        assert_eq!(names, ["x", "y", "z"]);
        assert_eq!(sub.slot_of(3), Some(2));
        assert_eq!(sub.slot_of(1), Some(0));
        assert_eq!(sub.fields()[0].ty, FieldType::GENERIC);
        assert_eq!(sub.slot_of(9), None);
        assert!(sub.is_subclass_of(&base) && !base.is_subclass_of(&sub));
        assert_ne!(sub.id(), base.id());
    }
}
