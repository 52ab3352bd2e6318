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

fn species_getter(_vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(this)
}

pub(crate) fn define_species(vm: &mut Vm, ctor: ObjRef) {
    vm.define_getter(
        ctor,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        species_getter,
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

/// A shared reference as a value.
pub(crate) fn shared_value(r: SharedRef) -> Value {
    Value::shared(r.0)
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

/// The receiver's shared reference, if it is one.
pub(crate) fn this_ref(this: Value) -> Option<SharedRef> {
    this.as_shared().map(SharedRef)
}

// ----- iterators ----------------------------------------------------------------------------

fn install_iterator_protos(vm: &mut Vm) {
    let ip = vm.realm.iterator_proto;
    let array_next = vm
        .heap
        .obj(vm.realm.array_iterator_proto)
        .get_own(PropKey::from_str("next"))
        .map_or(Value::UNDEFINED, |p| p.value);
    for (key, tag, next) in [
        ("arrayIterator", "SharedArray Iterator", None),
        ("bitVectorIterator", "BitVector Iterator", None),
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
        match next {
            Some(f) => {
                vm.define_method(p, "next", 0, f);
            }
            None => vm
                .heap
                .obj_mut(p)
                .put_raw(PropKey::from_str("next"), array_next, ATTR_HIDDEN),
        }
        set_tag(vm, p, tag);
        stash(vm, key, Value::object(p));
    }
}

/// An index-based iterator (values/entries of arrays, typed arrays and bit vectors) with the
/// prototype stashed under `proto_key`; it reads `length` and the elements through the
/// property protocol at each step, like the builtin array iterator.
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
