//! `@arkts.collections`: the Sendable containers as VM natives on top of `skiff_shared`.
//!
//! Every container is a shared cell (`Value::shared`); its methods live on the per-VM prototype
//! `vm.realm.sendable_protos[kind]`, which [`install`] populates, and run with `this` = the
//! shared value. Each method is one fail-fast API call (`skiff_shared` checks the counter);
//! methods that call back into scripts hold a `ReadScope` / `WriteScope` for the whole call.
//!
//! * [`array`][]: `collections.Array` (SendableArray).
//! * [`map`][]: `collections.Map` and `collections.Set`.
//! * [`typed`][]: `collections.ArrayBuffer` and the eleven typed arrays.
//! * [`bitvector`][]: `collections.BitVector`.
//!
//! The namespace object (`collections`) and the iterator prototypes are built once per VM by
//! [`install`] and kept as hidden properties of `sendable_protos[Str]`: scripts never see that
//! object (string cells always become local strings), so it serves as this module's per-VM
//! storage without a new field in the realm. [`collections_namespace`] returns the namespace.

pub mod array;
pub mod bitvector;
pub mod map;
pub mod typed;

use crate::atom::PropKey;
use crate::object::NativeFn;
use crate::sendable::SharedKind;
use crate::shape::{ATTR_CONFIGURABLE, ATTR_ENUMERABLE, ATTR_HIDDEN};
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_shared::{SharedError, SharedRef, SharedWord};

/// The object holding this module's per-VM state (see the module docs).
fn store(vm: &Vm) -> ObjRef {
    vm.realm.sendable_protos[SharedKind::Str.index()]
}

pub(crate) fn stash(vm: &mut Vm, name: &str, v: Value) {
    let s = store(vm);
    vm.heap
        .obj_mut(s)
        .put_raw(PropKey::from_str(name), v, ATTR_HIDDEN);
}

pub(crate) fn stashed(vm: &Vm, name: &str) -> Value {
    vm.heap
        .obj(store(vm))
        .get_own(PropKey::from_str(name))
        .map_or(Value::UNDEFINED, |p| p.value)
}

/// Installs the collections on this VM: prototypes, constructors, the namespace object.
pub fn install(vm: &mut Vm) {
    let ns = vm.new_object();
    stash(vm, "collections", Value::object(ns));
    install_iterator_protos(vm);
    array::install(vm, ns);
    map::install(vm, ns);
    typed::install(vm, ns);
    bitvector::install(vm, ns);
    let t = vm.str_val("collections");
    vm.heap
        .obj_mut(ns)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
}

/// The `collections` namespace object of `@arkts.collections` / `@kit.ArkTS` (one per VM).
pub fn collections_namespace(vm: &mut Vm) -> JsResult<Value> {
    let ns = stashed(vm, "collections");
    if ns.is_object() {
        return Ok(ns);
    }
    install(vm);
    Ok(stashed(vm, "collections"))
}

/// `import collections from '@arkts.collections'` and `import { collections } from …`: a
/// module namespace with `collections` and `default`.
pub fn native_module(vm: &mut Vm) -> JsResult<Value> {
    let ns = collections_namespace(vm)?;
    let o = vm.new_object();
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("collections"), ns, ATTR_ENUMERABLE);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("default"), ns, ATTR_ENUMERABLE);
    Ok(Value::object(o))
}

/// Adds a constructor to the namespace under `key`.
pub(crate) fn export(vm: &mut Vm, ns: ObjRef, key: &str, ctor: ObjRef) {
    vm.heap
        .obj_mut(ns)
        .put_raw(PropKey::from_str(key), Value::object(ctor), ATTR_ENUMERABLE);
}

/// The constructor exported under `key` (`Array`, `Map`, …).
pub(crate) fn ctor_of(vm: &Vm, key: &str) -> Value {
    let ns = stashed(vm, "collections");
    match ns.as_object() {
        Some(o) => vm
            .heap
            .obj(o)
            .get_own(PropKey::from_str(key))
            .map_or(Value::UNDEFINED, |p| p.value),
        None => Value::UNDEFINED,
    }
}

pub(crate) fn set_tag(vm: &mut Vm, o: ObjRef, t: &str) {
    let s = vm.str_val(t);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), s, ATTR_CONFIGURABLE);
}

pub(crate) fn define_species(vm: &mut Vm, ctor: ObjRef) {
    vm.define_getter(
        ctor,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        crate::builtins::species_getter,
    );
}

/// Defines `methods` on `target`.
pub(crate) fn methods(vm: &mut Vm, target: ObjRef, list: &[(&str, u32, NativeFn)]) {
    for &(name, len, f) in list {
        vm.define_method(target, name, len, f);
    }
}

/// Throws a shared-heap error.
pub(crate) fn throw<T>(vm: &mut Vm, e: SharedError) -> JsResult<T> {
    Err(vm.shared_error(e))
}

/// Converts a `skiff_shared` result, throwing its error.
pub(crate) fn check<T>(vm: &mut Vm, r: Result<T, SharedError>) -> JsResult<T> {
    r.or_else(|e| throw(vm, e))
}

/// Converts a word for a script and keeps it alive until the native returns.
pub(crate) fn load(vm: &mut Vm, w: SharedWord) -> Value {
    let v = vm.from_shared_word(w);
    if v.heap_slot().is_some() {
        vm.root(v);
    }
    v
}

/// ToIntegerOrInfinity of an optional argument (`default` when undefined).
pub(crate) fn int_arg(vm: &mut Vm, v: Value, default: f64) -> JsResult<f64> {
    if v.is_undefined() {
        return Ok(default);
    }
    vm.to_integer(v)
}

/// A relative start/end argument resolved against `len` (slice, splice, fill, …).
pub(crate) fn rel_arg(vm: &mut Vm, v: Value, len: usize, default: usize) -> JsResult<usize> {
    if v.is_undefined() {
        return Ok(default);
    }
    let n = vm.to_integer(v)?;
    Ok(skiff_shared::relative_index(n, len))
}

/// The `fromIndex` of indexOf / includes: negative counts from the end, clamped at 0.
pub(crate) fn from_index(vm: &mut Vm, v: Value, len: usize) -> JsResult<usize> {
    let n = int_arg(vm, v, 0.0)?;
    let l = len as f64;
    Ok(if n < 0.0 {
        (l + n).max(0.0) as usize
    } else {
        n.min(l) as usize
    })
}

/// The `fromIndex` of lastIndexOf: `None` when the search cannot start.
pub(crate) fn last_from_index(
    vm: &mut Vm,
    args: &[Value],
    i: usize,
    len: usize,
) -> JsResult<Option<usize>> {
    if len == 0 {
        return Ok(None);
    }
    let l = len as f64;
    let n = if args.len() > i {
        vm.to_integer(args[i])?
    } else {
        l - 1.0
    };
    let k = if n < 0.0 { l + n } else { n.min(l - 1.0) };
    Ok((k >= 0.0).then_some(k as usize))
}

/// True for the constructors a Sendable class may extend: `collections.Array`, `Map`, `Set`
/// and `BitVector` (`sendable::class::define_class` asks).
pub fn is_collection_ctor(vm: &Vm, v: Value) -> bool {
    v.is_object() && BASE_KEYS.iter().any(|k| ctor_of(vm, k) == v)
}

/// Which collection each Sendable class extending one extends, by `SendableClass::id()`
/// (process-wide, like the class registry): a VM that materializes such a class passes its
/// own constructor of that collection as the heritage.
static NATIVE_BASES: std::sync::Mutex<Vec<(u64, &'static str)>> = std::sync::Mutex::new(Vec::new());

const BASE_KEYS: [&str; 4] = ["Array", "Map", "Set", "BitVector"];

/// Records that the class `id` extends the collection constructor `heritage`.
pub fn note_native_base(vm: &Vm, id: u64, heritage: Value) {
    if let Some(key) = BASE_KEYS.iter().find(|k| ctor_of(vm, k) == heritage) {
        let mut bases = NATIVE_BASES.lock().unwrap_or_else(|e| e.into_inner());
        if !bases.iter().any(|(i, _)| *i == id) {
            bases.push((id, key));
        }
    }
}

/// This VM's constructor of the collection the class `id` extends, or undefined.
pub fn native_base(vm: &Vm, id: u64) -> Value {
    let key = NATIVE_BASES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, k)| *k);
    key.map_or(Value::UNDEFINED, |k| ctor_of(vm, k))
}

/// Allocates the container of a constructor call: a plain cell, or, when `new.target` is a
/// Sendable class extending the collection (`super()` reached the native constructor), an
/// instance of that class carrying the container as its native part.
pub(crate) fn alloc_container(vm: &mut Vm, native: skiff_shared::Native) -> JsResult<SharedRef> {
    use skiff_shared::{Cell, Native};
    let nt = vm.new_target;
    let class = vm.sendable.classes.of_ctor(nt).cloned();
    let m = vm.mutator();
    let r = match class {
        Some(c) => m.alloc_object_with_native(&c, native),
        None => m.alloc(match native {
            Native::Array(a) => Cell::Array(a),
            Native::Map(x) => Cell::Map(x),
            Native::Set(x) => Cell::Set(x),
            Native::BitVector(b) => Cell::BitVector(b),
        }),
    };
    check(vm, r)
}

/// The receiver's shared reference, if it is one.
pub(crate) fn this_ref(this: Value) -> Option<SharedRef> {
    this.as_shared().map(SharedRef)
}

// ----- iterators ----------------------------------------------------------------------------

fn install_iterator_protos(vm: &mut Vm) {
    let ip = vm.realm.iterator_proto;
    for (key, tag, next) in [
        (
            "arrayIterator",
            "SharedArray Iterator",
            Some(index_iter_next as NativeFn),
        ),
        (
            "bitVectorIterator",
            "BitVector Iterator",
            Some(index_iter_next),
        ),
        (
            "mapIterator",
            "SharedMap Iterator",
            Some(map::map_iter_next as NativeFn),
        ),
        (
            "setIterator",
            "SharedSet Iterator",
            Some(map::map_iter_next),
        ),
    ] {
        let p = vm.new_object_with_proto(Some(ip), crate::object::ObjectKind::Ordinary);
        if let Some(f) = next {
            vm.define_method(p, "next", 0, f);
        }
        set_tag(vm, p, tag);
        stash(vm, key, Value::object(p));
    }
}

/// An index-based iterator (values/entries of arrays and bit vectors, Sendable subclass
/// instances included) with the prototype stashed under `proto_key`; each step re-reads the
/// length and the element from the container without a fail-fast scope.
pub(crate) fn index_iterator(vm: &mut Vm, target: Value, kind: u8, proto_key: &str) -> Value {
    let p = stashed(vm, proto_key)
        .as_object()
        .unwrap_or(vm.realm.array_iterator_proto);
    crate::builtins::iterator::new_iterator(
        vm,
        p,
        crate::object::IterState::Array {
            target,
            index: 0,
            kind,
            done: false,
        },
    )
}

/// The element at `i` of an array or bit-vector container (or of a Sendable subclass
/// instance carrying one): `None` past the end or for other cells.
fn element_at(vm: &mut Vm, r: SharedRef, i: usize) -> Option<SharedWord> {
    let m = vm.mutator();
    if let Some(a) = m.array(r) {
        return a.iter_at(i);
    }
    let b = m.bit_vector(r)?.bit_at(i)?;
    Some(SharedWord::number(if b { 1.0 } else { 0.0 }))
}

/// `next` of the SharedArray / BitVector iterators.
fn index_iter_next(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    use crate::object::{IterState, ObjectKind};
    let state = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Iterator(b)) => match &**b {
            IterState::Array {
                target,
                index,
                kind,
                done,
            } => Some((*target, *index, *kind, *done)),
            _ => None,
        },
        _ => None,
    };
    let Some((target, index, kind, done)) = state else {
        return Err(vm.type_error("next method called on incompatible receiver"));
    };
    let step = if done {
        None
    } else {
        this_ref(target).and_then(|r| element_at(vm, r, index as usize))
    };
    if let Some(o) = this.as_object() {
        if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
            if let IterState::Array {
                index: i, done: d, ..
            } = &mut **b
            {
                *d = step.is_none();
                if step.is_some() {
                    *i += 1;
                }
            }
        }
    }
    let Some(w) = step else {
        return Ok(crate::builtins::iterator::iter_result(
            vm,
            Value::UNDEFINED,
            true,
        ));
    };
    let v = load(vm, w);
    let out = if kind == 2 {
        vm.new_array_value(vec![Value::number(index as f64), v])
    } else {
        v
    };
    Ok(crate::builtins::iterator::iter_result(vm, out, false))
}

// ----- elements of Sendable subclass instances -------------------------------------------------

/// The container a Sendable subclass instance carries (`class X extends collections.Array`),
/// if `slot` is such an instance.
fn native_of(vm: &mut Vm, slot: u32) -> Option<skiff_shared::Native> {
    use skiff_shared::{Cell, Native};
    match vm.mutator().get(SharedRef(slot))? {
        Cell::Object(o) => match o.native()? {
            Native::Array(a) => Some(Native::Array(a.clone())),
            Native::BitVector(b) => Some(Native::BitVector(b.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// `inst[i]` on an instance of a Sendable subclass of `collections.Array` / `BitVector`:
/// `None` when `slot` is not one (the bridge then goes on as usual).
pub fn native_element_get(vm: &mut Vm, slot: u32, i: u32) -> Option<JsResult<Value>> {
    use skiff_shared::Native;
    let r = match native_of(vm, slot)? {
        Native::Array(a) => a.get(i as usize),
        Native::BitVector(b) => b
            .get(i64::from(i))
            .map(|x| SharedWord::number(if x { 1.0 } else { 0.0 })),
        _ => return None,
    };
    Some(match r {
        Ok(w) => Ok(vm.from_shared_word(w)),
        Err(e) => Err(vm.shared_error(e)),
    })
}

/// `inst[i] = v` on an instance of a Sendable subclass of `collections.Array` / `BitVector`.
pub fn native_element_set(vm: &mut Vm, slot: u32, i: u32, v: Value) -> Option<JsResult<()>> {
    use skiff_shared::Native;
    let native = native_of(vm, slot)?;
    Some((|| {
        let r = match native {
            Native::Array(a) => {
                let w = vm.to_shared_word_or(v, SharedError::array_only_sendable())?;
                a.set(i as usize, w)
            }
            Native::BitVector(b) => {
                let n = vm.to_number(v)?;
                b.set(i64::from(i), n != 0.0 && !n.is_nan())
            }
            _ => Ok(()),
        };
        check(vm, r)
    })())
}

/// `i in inst` for an instance of a Sendable subclass of `collections.Array` / `BitVector`.
pub fn native_element_has(vm: &mut Vm, slot: u32, i: u32) -> bool {
    use skiff_shared::Native;
    match native_of(vm, slot) {
        Some(Native::Array(a)) => a.len().is_ok_and(|n| (i as usize) < n),
        Some(Native::BitVector(b)) => b.len().is_ok_and(|n| (i as usize) < n),
        _ => false,
    }
}
