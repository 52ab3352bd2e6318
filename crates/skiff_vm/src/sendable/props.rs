//! Property operations on shared values (`Value::shared`, tag `0xFFFE`).
//!
//! The VM's generic operations ([`Vm::get`], [`Vm::set`], `in`, `delete`, own keys, define,
//! freeze, `getPrototypeOf`) call these for shared receivers:
//!
//! * **Sendable instances** (`Cell::Object`): a key that names a field reads / writes the field
//!   (stores are converted with [`Vm::to_shared_word`] and type-checked by `skiff_shared`);
//!   anything else is looked up on the class's local prototype in this VM ([`proto_of`]), whose
//!   setters run with `this` = the shared value; methods are read-only and unknown keys cannot
//!   be added.
//! * **Every other cell kind** (collections, buffers, locks, …): integer keys on arrays, typed
//!   arrays and bit vectors go to the `skiff_shared` element APIs (10200001 / 10200201 errors
//!   come from there); every other key is looked up on `vm.realm.sendable_protos[kind]`, which
//!   the collections builtins populate (methods, `length`/`size` getters, `Symbol.iterator`).

use super::SharedKind;
use crate::atom::{names, Atom, PropKey};
use crate::shape::{ATTR_ACCESSOR, ATTR_ENUMERABLE, ATTR_WRITABLE};
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{PropDesc, Vm};
use crate::JsResult;
use skiff_shared::{
    Cell, DefineDescriptor, Element, PropertyKey, SharedError, SharedRef, SharedWord,
};

/// The atom under which a Sendable class stores the field named by `key` (`None` for symbols).
pub fn key_atom(key: PropKey) -> Option<u32> {
    match key {
        PropKey::Str(a) => Some(a.0),
        PropKey::Index(i) => Some(Atom::from_str(&i.to_string()).0),
        PropKey::Sym(_) => None,
    }
}

/// The key as message text (`None` for symbols, which ArkTS messages never name).
fn key_text(key: PropKey) -> Option<String> {
    match key {
        PropKey::Str(a) => Some(a.name().to_rust_string()),
        PropKey::Index(i) => Some(i.to_string()),
        PropKey::Sym(_) => None,
    }
}

/// What a cell answers for a key before the prototype is consulted.
enum Hit {
    Word(SharedWord),
    Element(Element),
    Bit(bool),
    Fail(SharedError),
    Miss,
}

fn element_value(vm: &mut Vm, e: Element) -> Value {
    match e {
        Element::Number(n) => Value::number(n),
        Element::BigInt64(i) => vm.new_bigint(num_bigint::BigInt::from(i)),
        Element::BigUint64(u) => vm.new_bigint(num_bigint::BigInt::from(u)),
    }
}

/// The prototype a shared value inherits from in this VM: a Sendable instance's local class
/// prototype (materializing the class if needed, see [`super::class`]), else
/// `realm.sendable_protos[kind]`.
pub fn proto_of(vm: &mut Vm, slot: u32) -> ObjRef {
    let (class, kind) = match vm.mutator().get(SharedRef(slot)) {
        Some(Cell::Object(o)) => (Some(o.class().clone()), SharedKind::Object),
        Some(c) => (None, SharedKind::of(c)),
        None => (None, SharedKind::Object),
    };
    if kind != SharedKind::Object {
        return vm.sendable_proto(kind);
    }
    match class {
        Some(c) => match super::class::materialize(vm, &c) {
            Some((_, p)) => p,
            None => vm.sendable_proto(SharedKind::Object),
        },
        None => vm.sendable_proto(SharedKind::Object),
    }
}

/// `[[Get]]` on a shared value.
pub fn get(vm: &mut Vm, slot: u32, key: PropKey, receiver: Value) -> JsResult<Value> {
    // Elements of Sendable subclasses of collections.Array / BitVector.
    if let PropKey::Index(i) = key {
        if let Some(r) = crate::builtins::sendable_collections::native_element_get(vm, slot, i) {
            return r;
        }
    }
    let atom = key_atom(key);
    let hit = match (vm.mutator().get(SharedRef(slot)), key) {
        (Some(Cell::Object(o)), _) => match atom.and_then(|a| o.get_by_atom(a)) {
            Some(w) => Hit::Word(w),
            None => Hit::Miss,
        },
        (Some(Cell::Array(a)), PropKey::Index(i)) => match a.get(i as usize) {
            Ok(w) => Hit::Word(w),
            Err(e) => Hit::Fail(e),
        },
        (Some(Cell::TypedArray(t)), PropKey::Index(i)) => match t.get(i as usize) {
            Ok(Some(e)) => Hit::Element(e),
            Ok(None) => Hit::Word(SharedWord::UNDEFINED),
            Err(e) => Hit::Fail(e),
        },
        (Some(Cell::BitVector(b)), PropKey::Index(i)) => match b.get(i64::from(i)) {
            Ok(bit) => Hit::Bit(bit),
            Err(e) => Hit::Fail(e),
        },
        _ => Hit::Miss,
    };
    match hit {
        Hit::Word(w) => Ok(vm.from_shared_word(w)),
        Hit::Element(e) => Ok(element_value(vm, e)),
        Hit::Bit(b) => Ok(Value::number(if b { 1.0 } else { 0.0 })),
        Hit::Fail(e) => vm.throw_shared(e),
        Hit::Miss => {
            let p = proto_of(vm, slot);
            if key == PropKey::Str(names::get().proto) {
                return Ok(Value::object(p));
            }
            vm.get_from(p, key, receiver)
        }
    }
}

/// Converts a value for a field store: non-Sendable values are a mismatched type.
fn field_word(vm: &mut Vm, v: Value) -> JsResult<SharedWord> {
    vm.to_shared_word_or(v, SharedError::MismatchedType)
}

/// `[[Set]]` on a shared value (strict: failures throw).
pub fn set(vm: &mut Vm, slot: u32, key: PropKey, value: Value, receiver: Value) -> JsResult<()> {
    // Elements of Sendable subclasses of collections.Array / BitVector.
    if let PropKey::Index(i) = key {
        let hook = crate::builtins::sendable_collections::native_element_set(vm, slot, i, value);
        if let Some(r) = hook {
            return r;
        }
    }
    let r = SharedRef(slot);
    let atom = key_atom(key);
    enum Target {
        Field(u32),
        ArrayIndex(u32),
        TypedIndex(u32, bool),
        Bit(u32),
        Other,
    }
    let target = match (vm.mutator().get(r), key) {
        (Some(Cell::Object(o)), _) => match atom.and_then(|a| o.class().slot_of(a)) {
            Some(s) => Target::Field(s),
            None => Target::Other,
        },
        (Some(Cell::Array(_)), PropKey::Index(i)) => Target::ArrayIndex(i),
        (Some(Cell::TypedArray(t)), PropKey::Index(i)) => {
            Target::TypedIndex(i, t.kind().is_bigint())
        }
        (Some(Cell::BitVector(_)), PropKey::Index(i)) => Target::Bit(i),
        _ => Target::Other,
    };
    let result = match target {
        Target::Field(s) => {
            let w = field_word(vm, value)?;
            let m = vm.mutator();
            match m.object(r) {
                Some(o) => o.set(m, s, w),
                None => Ok(()),
            }
        }
        Target::ArrayIndex(i) => {
            let w = vm.to_shared_word_or(value, SharedError::array_only_sendable())?;
            match vm.mutator().array(r).cloned() {
                Some(a) => a.set(i as usize, w),
                None => Ok(()),
            }
        }
        Target::TypedIndex(i, big) => {
            let t = vm.mutator().typed_array(r).cloned();
            if big {
                let b = crate::builtins::bigint::to_bigint(vm, value)?;
                // BigInt.asUintN(64, b): the low 64 bits of the two's complement.
                let m = num_bigint::BigInt::from(1u8) << 64u32;
                let low = ((b % &m) + &m) % &m;
                let bits = u64::try_from(low).unwrap_or(0);
                t.map_or(Ok(false), |t| t.set_bigint_bits(i as usize, bits))
                    .map(|_| ())
            } else {
                let n = vm.to_number(value)?;
                t.map_or(Ok(false), |t| t.set(i as usize, n)).map(|_| ())
            }
        }
        Target::Bit(i) => {
            let n = vm.to_number(value)?;
            match vm.mutator().bit_vector(r).cloned() {
                Some(b) => b.set(i64::from(i), n != 0.0 && !n.is_nan()),
                None => Ok(()),
            }
        }
        Target::Other if key == PropKey::Str(names::get().proto) => {
            Err(SharedError::CannotSetProto)
        }
        Target::Other => {
            // Setters on the prototype chain run; methods are read-only; nothing can be added.
            let p = proto_of(vm, slot);
            match vm.find_property(p, key) {
                Some((_, prop)) if prop.attrs & ATTR_ACCESSOR != 0 => {
                    let (_, s) = vm.heap.accessor(prop.value);
                    if s.is_undefined() {
                        Err(SharedError::ReadOnlyProperty)
                    } else {
                        vm.call(s, receiver, &[value])?;
                        Ok(())
                    }
                }
                Some(_) => Err(SharedError::ReadOnlyProperty),
                None => Err(SharedError::CannotAddProperty(key_text(key))),
            }
        }
    };
    result.or_else(|e| vm.throw_shared(e))
}

/// `key in v` / HasProperty on a shared value.
pub fn has(vm: &mut Vm, slot: u32, key: PropKey) -> bool {
    if let PropKey::Index(i) = key {
        if crate::builtins::sendable_collections::native_element_has(vm, slot, i) {
            return true;
        }
    }
    let atom = key_atom(key);
    let own = match (vm.mutator().get(SharedRef(slot)), key) {
        (Some(Cell::Object(o)), _) => atom.is_some_and(|a| o.class().slot_of(a).is_some()),
        (Some(Cell::Array(a)), PropKey::Index(i)) => a.len().is_ok_and(|n| (i as usize) < n),
        (Some(Cell::TypedArray(t)), PropKey::Index(i)) => (i as usize) < t.length(),
        (Some(Cell::BitVector(b)), PropKey::Index(i)) => (i as usize) < b.len().unwrap_or(0),
        _ => false,
    };
    if own {
        return true;
    }
    let p = proto_of(vm, slot);
    vm.has_property(p, key)
}

/// `delete v[key]`: Sendable layouts never lose a property.
pub fn delete(vm: &mut Vm, _slot: u32, _key: PropKey) -> JsResult<bool> {
    vm.throw_shared(SharedError::CannotDeleteProperty)
}

/// Own keys: field names in declaration order (superclass first), or element indices.
pub fn own_keys(vm: &mut Vm, slot: u32) -> Vec<PropKey> {
    match vm.mutator().get(SharedRef(slot)) {
        Some(Cell::Object(o)) => o
            .class()
            .fields()
            .iter()
            .map(|f| PropKey::from_js_str(&JsStr::from_str(&f.name)))
            .collect(),
        Some(Cell::Array(a)) => (0..a.len().unwrap_or(0) as u32)
            .map(PropKey::Index)
            .collect(),
        Some(Cell::TypedArray(t)) => (0..t.length() as u32).map(PropKey::Index).collect(),
        _ => Vec::new(),
    }
}

/// An own property as (value, attributes): fields are writable (until frozen) and
/// enumerable, never configurable.
pub fn get_own(vm: &mut Vm, slot: u32, key: PropKey) -> JsResult<Option<(Value, u8)>> {
    let own = own_keys(vm, slot);
    if !own.contains(&key) {
        return Ok(None);
    }
    let frozen = is_frozen(vm, slot);
    let v = get(vm, slot, key, Value::shared(slot))?;
    let attrs = if frozen {
        ATTR_ENUMERABLE
    } else {
        ATTR_ENUMERABLE | ATTR_WRITABLE
    };
    Ok(Some((v, attrs)))
}

/// `Object.defineProperty(v, key, desc)` (arkts-runtime-facts.md §4).
pub fn define(vm: &mut Vm, slot: u32, key: PropKey, d: &PropDesc) -> JsResult<()> {
    let r = SharedRef(slot);
    let kind = vm.shared_kind(Value::shared(slot));
    let value = match d.value {
        Some(v) => Some(match kind {
            // The runtime's defineProperty text has the space (runtime facts §8, §14).
            Some(SharedKind::Array) => vm.to_shared_word_or(v, SharedError::only_sendable())?,
            _ => field_word(vm, v)?,
        }),
        None => None,
    };
    let desc = DefineDescriptor {
        value,
        writable: d.writable,
        enumerable: d.enumerable,
        configurable: d.configurable,
        accessor: d.is_accessor(),
    };
    let text = key_text(key);
    let pk = match (key_atom(key), &text) {
        (Some(atom), Some(name)) => PropertyKey::Named { atom, name },
        _ => PropertyKey::Symbol,
    };
    let m = vm.mutator();
    let result = match (m.get(r), key) {
        (Some(Cell::Object(o)), _) => o.define_property(m, pk, &desc),
        (Some(Cell::Array(a)), PropKey::Index(i)) => match value {
            Some(w) => a.define_index(i as usize, w),
            None => Ok(()),
        },
        _ => Err(SharedError::CannotDefineProperty),
    };
    result.or_else(|e| vm.throw_shared(e))
}

/// `Object.freeze(v)`.
pub fn freeze(vm: &mut Vm, slot: u32) -> JsResult<()> {
    let result = match vm.mutator().get(SharedRef(slot)) {
        Some(Cell::Object(o)) => {
            o.freeze();
            Ok(())
        }
        Some(Cell::Array(_)) => Err(SharedError::CannotUpdateAttributes),
        Some(Cell::TypedArray(t)) if t.length() > 0 => Err(SharedError::CannotDefineProperty),
        _ => Ok(()),
    };
    result.or_else(|e| vm.throw_shared(e))
}

/// `Object.isFrozen(v)` (and `isSealed`): only a frozen Sendable instance is.
pub fn is_frozen(vm: &mut Vm, slot: u32) -> bool {
    match vm.mutator().get(SharedRef(slot)) {
        Some(Cell::Object(o)) => o.is_frozen(),
        _ => false,
    }
}

/// `Object.setPrototypeOf(v, p)` / `v.__proto__ = p`.
pub fn set_prototype(vm: &mut Vm) -> JsResult<()> {
    vm.throw_shared(SharedError::CannotSetProto)
}
