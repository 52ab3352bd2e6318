//! Sendable instances, Sendable functions and Sendable lexical environments.

use crate::array::SendableArray;
use crate::bitvector::BitVector;
use crate::class::SendableClass;
use crate::error::{SharedError, SharedResult};
use crate::heap::HeapView;
use crate::map::{SendableMap, SendableSet};
use crate::word::{SharedRef, SharedWord};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The built-in state of an instance of a Sendable subclass of a collection
/// (`class MyMap extends collections.Map`): the collection lives next to the declared fields.
#[derive(Debug, Clone)]
pub enum Native {
    Array(Arc<SendableArray>),
    Map(Arc<SendableMap>),
    Set(Arc<SendableSet>),
    BitVector(Arc<BitVector>),
}

/// A property key as the VM names it, for operations that can fail on unknown keys.
#[derive(Copy, Clone, Debug)]
pub enum PropertyKey<'a> {
    /// A string or index key: its atom and its text (the text goes into messages).
    Named { atom: u32, name: &'a str },
    /// A symbol key: symbols are never fields, and messages print no name for them.
    Symbol,
}

/// The parts of a property descriptor `Object.defineProperty` was given.
#[derive(Copy, Clone, Debug, Default)]
pub struct DefineDescriptor {
    pub value: Option<SharedWord>,
    pub writable: Option<bool>,
    pub enumerable: Option<bool>,
    pub configurable: Option<bool>,
    /// True if the descriptor has `get` or `set`.
    pub accessor: bool,
}

/// An instance of a `@Sendable` class: a fixed layout of atomic words.
///
/// Field loads are `Acquire` and stores `Release`: a reader that sees a reference written by
/// another thread also sees everything that thread did before the store (in particular the
/// initialisation of the referenced object), and an `AtomicU64` never tears. Lost updates on
/// read-modify-write sequences are the script's business (`AsyncLock`).
#[derive(Debug)]
pub struct SendableObject {
    class: Arc<SendableClass>,
    fields: Box<[AtomicU64]>,
    frozen: AtomicBool,
    native: Option<Native>,
}

impl SendableObject {
    pub(crate) fn new(class: Arc<SendableClass>, native: Option<Native>) -> SendableObject {
        let fields = (0..class.field_count())
            .map(|_| AtomicU64::new(SharedWord::UNDEFINED.bits()))
            .collect();
        SendableObject {
            class,
            fields,
            frozen: AtomicBool::new(false),
            native,
        }
    }

    pub fn class(&self) -> &Arc<SendableClass> {
        &self.class
    }

    pub fn native(&self) -> Option<&Native> {
        self.native.as_ref()
    }

    /// Reads a field by slot; an out-of-range slot reads undefined.
    #[inline]
    pub fn get(&self, slot: u32) -> SharedWord {
        match self.fields.get(slot as usize) {
            Some(f) => SharedWord::from_stored(f.load(Ordering::Acquire)),
            None => SharedWord::UNDEFINED,
        }
    }

    /// Reads a field by name; `None` if the class has no such field.
    pub fn get_by_atom(&self, atom: u32) -> Option<SharedWord> {
        self.class.slot_of(atom).map(|s| self.get(s))
    }

    /// Stores into a field, with the frozen check and the declared-type check.
    #[inline]
    pub fn set(&self, view: &HeapView, slot: u32, w: SharedWord) -> SharedResult<()> {
        let Some(field) = self.fields.get(slot as usize) else {
            return Err(SharedError::CannotAddProperty(None));
        };
        if self.frozen.load(Ordering::Acquire) {
            return Err(SharedError::ReadOnlyProperty);
        }
        let ty = self.class.fields()[slot as usize].ty;
        if !ty.accepts(view.kind_of(w)) {
            return Err(SharedError::MismatchedType);
        }
        field.store(w.bits(), Ordering::Release);
        Ok(())
    }

    /// `obj[key] = w`: a declared field is type-checked; any other key cannot be added.
    pub fn set_property(
        &self,
        view: &HeapView,
        key: PropertyKey<'_>,
        w: SharedWord,
    ) -> SharedResult<()> {
        match key {
            PropertyKey::Named { atom, name } => match self.class.slot_of(atom) {
                Some(slot) => self.set(view, slot, w),
                None => Err(SharedError::CannotAddProperty(Some(name.to_string()))),
            },
            PropertyKey::Symbol => Err(SharedError::CannotAddProperty(None)),
        }
    }

    /// `delete obj[key]`: Sendable layouts never lose a property.
    pub fn delete_property(&self, _key: PropertyKey<'_>) -> SharedResult<bool> {
        Err(SharedError::CannotDeleteProperty)
    }

    /// `Object.defineProperty(obj, key, desc)` (arkts-runtime-facts.md §4): only the value of
    /// an existing field may change, with its attributes left as they are.
    pub fn define_property(
        &self,
        view: &HeapView,
        key: PropertyKey<'_>,
        desc: &DefineDescriptor,
    ) -> SharedResult<()> {
        let slot = match key {
            PropertyKey::Named { atom, .. } => self.class.slot_of(atom),
            PropertyKey::Symbol => None,
        };
        let Some(slot) = slot else {
            return Err(SharedError::CannotDefineProperty);
        };
        if desc.accessor || desc.configurable == Some(true) {
            return Err(SharedError::CannotDefineProperty);
        }
        if desc.writable == Some(false) || desc.enumerable == Some(false) {
            return Err(SharedError::CannotChangeAttributes);
        }
        match desc.value {
            Some(w) => self.set(view, slot, w),
            None => Ok(()),
        }
    }

    /// `Object.setPrototypeOf(obj, p)` and `obj.__proto__ = p`.
    pub fn set_prototype(&self) -> SharedResult<()> {
        Err(SharedError::CannotSetProto)
    }

    /// `Object.freeze`: from now on every store fails in every thread.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::Release);
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::Acquire)
    }

    /// Field names and values in declaration order (`Object.keys`, `for…in`, JSON).
    pub fn entries(&self) -> Vec<(Arc<str>, SharedWord)> {
        self.class
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), self.get(i as u32)))
            .collect()
    }

    pub(crate) fn trace(&self, out: &mut Vec<u32>) {
        for f in self.fields.iter() {
            if let Some(r) = SharedWord::from_stored(f.load(Ordering::Acquire)).as_ref() {
                out.push(r.0);
            }
        }
        match &self.native {
            Some(Native::Array(a)) => a.trace(out),
            Some(Native::Map(m)) => m.trace(out),
            Some(Native::Set(s)) => s.trace(out),
            Some(Native::BitVector(_)) | None => {}
        }
    }
}

/// A Sendable function: shared by its code identity plus a shared environment. Every
/// instance that calls it runs the function `function_index` of its own instance of module
/// `module_id` (loading it on first use), with `env` as the captured environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedFunction {
    pub module_id: u32,
    pub function_index: u32,
    pub env: Option<SharedRef>,
}

/// A Sendable lexical environment (`ldsendablevar`/`stsendablevar`): a parent link and words.
#[derive(Debug)]
pub struct SharedEnv {
    parent: Option<SharedRef>,
    slots: Box<[AtomicU64]>,
}

impl SharedEnv {
    pub(crate) fn new(parent: Option<SharedRef>, size: usize) -> SharedEnv {
        SharedEnv {
            parent,
            slots: (0..size)
                .map(|_| AtomicU64::new(SharedWord::UNDEFINED.bits()))
                .collect(),
        }
    }

    pub fn parent(&self) -> Option<SharedRef> {
        self.parent
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Reads a slot (undefined when out of range).
    pub fn get(&self, i: usize) -> SharedWord {
        self.slots.get(i).map_or(SharedWord::UNDEFINED, |s| {
            SharedWord::from_stored(s.load(Ordering::Acquire))
        })
    }

    /// Writes a slot; returns false when out of range.
    pub fn set(&self, i: usize, w: SharedWord) -> bool {
        match self.slots.get(i) {
            Some(s) => {
                s.store(w.bits(), Ordering::Release);
                true
            }
            None => false,
        }
    }

    pub(crate) fn trace(&self, out: &mut Vec<u32>) {
        out.extend(self.parent.map(|r| r.0));
        for s in self.slots.iter() {
            if let Some(r) = SharedWord::from_stored(s.load(Ordering::Acquire)).as_ref() {
                out.push(r.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::{FieldDesc, FieldType};
    use crate::heap::{HeapConfig, SharedHeap};

    const NAME: u32 = 10;
    const AGE: u32 = 11;
    const FRIEND: u32 = 12;
    const ANY: u32 = 13;

    fn person() -> Arc<SendableClass> {
        let f = |atom, name: &str, ty| FieldDesc {
            atom,
            name: name.into(),
            ty,
        };
        SendableClass::new(
            "Person",
            None,
            vec![
                f(NAME, "name", FieldType::STRING),
                f(AGE, "age", FieldType::NUMBER),
                f(FRIEND, "friend", FieldType::SENDABLE),
                f(ANY, "any", FieldType::GENERIC),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn key(atom: u32, name: &str) -> PropertyKey<'_> {
        PropertyKey::Named { atom, name }
    }

    #[test]
    fn stores_are_type_checked_with_runtime_messages() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let class = person();
        let r = m.alloc_object(&class).unwrap_or_else(|e| panic!("{e}"));
        let other = m
            .alloc_object(&class)
            .map(SharedWord::from)
            .unwrap_or_default();
        let s = m.alloc_str("Tom".into()).unwrap_or_default();
        let big = m.alloc_bigint(1.into()).unwrap_or_default();
        let v = &*m;
        let Some(o) = v.object(r) else {
            panic!("allocated object missing")
        };
        assert_eq!(o.get(1), SharedWord::UNDEFINED, "fields start undefined");
        assert_eq!(o.set_property(v, key(NAME, "name"), s), Ok(()));
        assert_eq!(o.get_by_atom(NAME), Some(s));
        assert_eq!(
            o.set_property(v, key(AGE, "age"), s),
            Err(SharedError::MismatchedType)
        );
        assert_eq!(
            o.set_property(v, key(NAME, "name"), SharedWord::number(1.0)),
            Err(SharedError::MismatchedType)
        );
        assert_eq!(
            o.set_property(v, key(NAME, "name"), SharedWord::NULL),
            Ok(()),
            "null fits string fields"
        );
        assert_eq!(
            o.set_property(v, key(AGE, "age"), SharedWord::NULL),
            Err(SharedError::MismatchedType)
        );
        assert_eq!(
            o.set_property(v, key(AGE, "age"), SharedWord::UNDEFINED),
            Ok(())
        );
        assert_eq!(o.set_property(v, key(FRIEND, "friend"), other), Ok(()));
        assert_eq!(
            o.set_property(v, key(FRIEND, "friend"), SharedWord::number(123.0)),
            Err(SharedError::MismatchedType)
        );
        assert_eq!(
            o.set_property(v, key(FRIEND, "friend"), s),
            Err(SharedError::MismatchedType)
        );
        assert_eq!(o.set_property(v, key(ANY, "any"), big), Ok(()));
        let err = o.set_property(v, key(99, "age2"), SharedWord::TRUE).err();
        assert_eq!(
            err.as_ref().map(|e| e.message()),
            Some("Cannot add property \"age2\" in prevent extensions".into())
        );
        let err = o
            .set_property(v, PropertyKey::Symbol, SharedWord::TRUE)
            .err();
        assert_eq!(
            err.map(|e| e.message()),
            Some("Cannot add property in prevent extensions".into())
        );
        assert_eq!(
            o.delete_property(key(NAME, "name")),
            Err(SharedError::CannotDeleteProperty)
        );
        assert_eq!(o.set_prototype(), Err(SharedError::CannotSetProto));
        let names: Vec<String> = o.entries().iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, ["name", "age", "friend", "any"]);
    }

    #[test]
    fn define_property_rules() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let r = m.alloc_object(&person()).unwrap_or_else(|e| panic!("{e}"));
        let v = &*m;
        let Some(o) = v.object(r) else {
            panic!("allocated object missing")
        };
        let val = |x: f64| DefineDescriptor {
            value: Some(SharedWord::number(x)),
            ..Default::default()
        };
        assert_eq!(
            o.define_property(
                v,
                key(AGE, "age"),
                &DefineDescriptor {
                    writable: Some(true),
                    ..val(3.0)
                }
            ),
            Ok(())
        );
        assert_eq!(o.get(1), SharedWord::number(3.0));
        assert_eq!(
            o.define_property(
                v,
                key(AGE, "age"),
                &DefineDescriptor {
                    configurable: Some(false),
                    ..val(4.0)
                }
            ),
            Ok(())
        );
        assert_eq!(
            o.define_property(
                v,
                key(AGE, "age"),
                &DefineDescriptor {
                    configurable: Some(true),
                    ..val(4.0)
                }
            ),
            Err(SharedError::CannotDefineProperty)
        );
        assert_eq!(
            o.define_property(
                v,
                key(AGE, "age"),
                &DefineDescriptor {
                    writable: Some(false),
                    ..val(4.0)
                }
            ),
            Err(SharedError::CannotChangeAttributes)
        );
        assert_eq!(
            o.define_property(
                v,
                key(AGE, "age"),
                &DefineDescriptor {
                    accessor: true,
                    ..Default::default()
                }
            ),
            Err(SharedError::CannotDefineProperty)
        );
        assert_eq!(
            o.define_property(v, key(77, "x"), &val(1.0)),
            Err(SharedError::CannotDefineProperty)
        );
        assert_eq!(
            o.define_property(v, PropertyKey::Symbol, &val(1.0)),
            Err(SharedError::CannotDefineProperty)
        );
        assert_eq!(
            o.define_property(v, key(NAME, "name"), &val(1.0)),
            Err(SharedError::MismatchedType),
            "the value is type-checked"
        );
    }

    #[test]
    fn frozen_objects_are_read_only_everywhere() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let r = m.alloc_object(&person()).unwrap_or_else(|e| panic!("{e}"));
        let v = &*m;
        let Some(o) = v.object(r) else {
            panic!("allocated object missing")
        };
        o.set(v, 1, SharedWord::number(1.0)).ok();
        assert!(!o.is_frozen());
        o.freeze();
        assert!(o.is_frozen());
        assert_eq!(
            o.set(v, 1, SharedWord::number(2.0)),
            Err(SharedError::ReadOnlyProperty)
        );
        assert_eq!(o.get(1), SharedWord::number(1.0));
        let t = std::thread::spawn(move || {
            let m = heap.register(None);
            m.object(r).map(|o| o.set(&m, 1, SharedWord::number(3.0)))
        });
        assert_eq!(
            t.join().ok().flatten(),
            Some(Err(SharedError::ReadOnlyProperty))
        );
    }

    #[test]
    fn envs_and_functions_are_traced() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let outer = m.alloc_env(None, 1).unwrap_or_else(|e| panic!("{e}"));
        let inner = m
            .alloc_env(Some(outer), 2)
            .unwrap_or_else(|e| panic!("{e}"));
        let s = m.alloc_str("captured".into()).unwrap_or_default();
        assert!(m.env(outer).is_some_and(|e| e.set(0, s)));
        assert!(m.env(inner).is_some_and(|e| !e.set(5, s)), "out of range");
        let f = m
            .alloc_function(SharedFunction {
                module_id: 3,
                function_index: 7,
                env: Some(inner),
            })
            .unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..10 {
            m.alloc_str("garbage".into()).ok();
        }
        m.collect(|roots| roots.push(f));
        assert_eq!(
            m.count_occupied(),
            4,
            "function, two envs and the captured string survive"
        );
        let env = m
            .function(f)
            .and_then(|f| f.env)
            .and_then(|e| m.env(e))
            .and_then(|e| e.parent());
        let captured = env.and_then(|p| m.env(p)).map(|e| e.get(0));
        assert_eq!(captured, Some(s));
        assert!(captured
            .and_then(|w| w.as_ref())
            .and_then(|r| m.str(r))
            .is_some_and(|s| s.to_rust_string() == "captured"));
    }
}
