//! The iterator protocol, %IteratorPrototype%, and the builtin iterators (array, map, set,
//! string).

use super::arg;
use crate::atom::{names, PropKey};
use crate::object::{IterState, ObjectKind};
use crate::shape::ATTR_CONFIGURABLE;
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;

/// `{ value, done }`.
pub fn iter_result(vm: &mut Vm, value: Value, done: bool) -> Value {
    // Built with its final shape: no shape transitions per result.
    let mut obj = crate::object::Object::new(
        vm.realm.iter_result_shape.clone(),
        Some(vm.realm.object_proto),
        crate::object::ObjectKind::Ordinary,
    );
    obj.slots = vec![value, Value::bool(done)];
    Value::object(vm.heap.alloc_object(obj))
}

/// An iterator record: the iterator object and its `next` method.
#[derive(Copy, Clone)]
pub struct IterRecord {
    pub iter: Value,
    pub next: Value,
}

pub fn get_iterator(vm: &mut Vm, v: Value) -> JsResult<IterRecord> {
    let m = vm.get(v, PropKey::Sym(wk::ITERATOR))?;
    if !vm.is_callable(m) {
        let s = if v.is_object() {
            "object".to_string()
        } else {
            vm.to_display_string(v)
        };
        return Err(vm.type_error(format!("{s} is not iterable")));
    }
    let iter = vm.call(m, v, &[])?;
    if !iter.is_object() {
        return Err(vm.type_error("Result of the Symbol.iterator method is not an object"));
    }
    let next = vm.get(iter, PropKey::Str(names::get().next))?;
    Ok(IterRecord { iter, next })
}

pub fn get_async_iterator(vm: &mut Vm, v: Value) -> JsResult<IterRecord> {
    let m = vm.get(v, PropKey::Sym(wk::ASYNC_ITERATOR))?;
    if m.is_nullish() {
        let sync = get_iterator(vm, v)?;
        return Ok(async_from_sync(vm, sync));
    }
    let iter = vm.call(m, v, &[])?;
    if !iter.is_object() {
        return Err(vm.type_error("Result of the Symbol.asyncIterator method is not an object"));
    }
    let next = vm.get(iter, PropKey::Str(names::get().next))?;
    Ok(IterRecord { iter, next })
}

/// CreateAsyncFromSyncIterator: a wrapper whose `next`/`return` await the sync results' values.
fn async_from_sync(vm: &mut Vm, sync: IterRecord) -> IterRecord {
    let p = vm.realm.async_iterator_proto;
    let w = vm.new_object_with_proto(Some(p), ObjectKind::Ordinary);
    vm.root(Value::object(w));
    let next = vm.new_native_with_data("next", 1, async_sync_next, vec![sync.iter, sync.next]);
    let ret = vm.new_native_with_data("return", 1, async_sync_return, vec![sync.iter]);
    vm.heap.obj_mut(w).put_raw(
        PropKey::Str(names::get().next),
        Value::object(next),
        crate::shape::ATTR_HIDDEN,
    );
    vm.heap.obj_mut(w).put_raw(
        PropKey::Str(names::get().r#return),
        Value::object(ret),
        crate::shape::ATTR_HIDDEN,
    );
    IterRecord {
        iter: Value::object(w),
        next: Value::object(next),
    }
}

/// Turns a sync iterator result into a promise for `{ value: await value, done }`.
fn async_sync_continue(vm: &mut Vm, result: Value) -> JsResult<Value> {
    if !result.is_object() {
        let s = vm.to_display_string(result);
        return Err(vm.type_error(format!("Iterator result {s} is not an object")));
    }
    let done = vm.get(result, PropKey::Str(names::get().done))?;
    let done = vm.to_boolean(done);
    let value = vm.get(result, PropKey::Str(names::get().value))?;
    let c = Value::object(vm.realm.promise_ctor);
    let vp = super::promise::promise_resolve(vm, c, value)?;
    vm.root(vp);
    let unwrap = vm.new_native_with_data("", 1, async_sync_unwrap, vec![Value::bool(done)]);
    vm.invoke(
        vp,
        PropKey::Str(names::get().then),
        &[Value::object(unwrap)],
    )
}

fn async_sync_unwrap(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let done = super::callee_data(vm, 0) == Value::TRUE;
    Ok(iter_result(vm, arg(args, 0), done))
}

/// Runs `f`, converting a thrown error into a rejected promise (async iterator methods never
/// throw synchronously).
fn promise_or_reject(vm: &mut Vm, r: JsResult<Value>) -> JsResult<Value> {
    match r {
        Ok(v) => Ok(v),
        Err(e) if e == crate::vm::TERMINATION => Err(e),
        Err(e) => {
            let p = super::promise::new_promise(vm);
            super::promise::reject_promise(vm, p, e);
            Ok(p)
        }
    }
}

fn async_sync_next(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let iter = super::callee_data(vm, 0);
    let next = super::callee_data(vm, 1);
    let r = vm
        .call(next, iter, &args[..args.len().min(1)])
        .and_then(|res| async_sync_continue(vm, res));
    promise_or_reject(vm, r)
}

fn async_sync_return(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let iter = super::callee_data(vm, 0);
    let r = (|| {
        let ret = vm.get(iter, PropKey::Str(names::get().r#return))?;
        if ret.is_nullish() {
            let res = iter_result(vm, arg(args, 0), true);
            let p = super::promise::new_promise(vm);
            super::promise::resolve_promise(vm, p, res);
            return Ok(p);
        }
        let res = vm.call(ret, iter, &args[..args.len().min(1)])?;
        async_sync_continue(vm, res)
    })();
    promise_or_reject(vm, r)
}

/// Calls `next`; returns the result object.
pub fn iter_next(vm: &mut Vm, r: IterRecord) -> JsResult<Value> {
    let res = vm.call(r.next, r.iter, &[])?;
    if !res.is_object() {
        let s = vm.to_display_string(res);
        return Err(vm.type_error(format!("Iterator result {s} is not an object")));
    }
    Ok(res)
}

/// IteratorStep + IteratorValue: `Some(value)` or `None` when done.
pub fn iter_step(vm: &mut Vm, r: IterRecord) -> JsResult<Option<Value>> {
    let res = iter_next(vm, r)?;
    let done = vm.get(res, PropKey::Str(names::get().done))?;
    if vm.to_boolean(done) {
        return Ok(None);
    }
    Ok(Some(vm.get(res, PropKey::Str(names::get().value))?))
}

/// IteratorClose for an abrupt completion that is not a throw.
pub fn iter_close(vm: &mut Vm, iter: Value) -> JsResult<()> {
    let r = vm.get(iter, PropKey::Str(names::get().r#return))?;
    if r.is_nullish() {
        return Ok(());
    }
    let res = vm.call(r, iter, &[])?;
    if !res.is_object() {
        return Err(vm.type_error("iterator.return() did not return an object"));
    }
    Ok(())
}

/// Whether `v` is an array whose iteration is unobservable (default iterator untouched), so
/// its elements can be copied directly.
pub fn is_plain_array_iteration(vm: &Vm, v: Value) -> bool {
    let Some(o) = vm.heap.try_obj(v) else {
        return false;
    };
    if !o.is_array()
        || o.proto != Some(vm.realm.array_proto)
        || o.shape.has_index_keys
        || o.sparse_len != 0
    {
        return false;
    }
    if o.shape.lookup(PropKey::Sym(wk::ITERATOR)).is_some() {
        return false;
    }
    let ap = vm.heap.obj(vm.realm.array_proto);
    let cur = ap.get_own(PropKey::Sym(wk::ITERATOR)).map(|p| p.value);
    let orig = Value::object(vm.realm.array_proto_values);
    if cur != Some(orig) {
        return false;
    }
    // The array iterator's `next` must also be the builtin one.
    true
}

/// Iterates `v` fully and collects the values (fast path for plain arrays).
pub fn iterate_to_vec(vm: &mut Vm, v: Value) -> JsResult<Vec<Value>> {
    if is_plain_array_iteration(vm, v) {
        let els = vm
            .heap
            .try_obj(v)
            .map(|o| o.elements.clone())
            .unwrap_or_default();
        return Ok(els
            .into_iter()
            .map(|e| if e.is_hole() { Value::UNDEFINED } else { e })
            .collect());
    }
    let r = get_iterator(vm, v)?;
    let hm = vm.handles.len();
    vm.handles.push(r.iter);
    vm.handles.push(r.next);
    let mut out = Vec::new();
    let result = loop {
        match iter_step(vm, r) {
            Ok(Some(x)) => {
                vm.handles.push(x);
                out.push(x);
                // Spreading `new Array(2 ** 32 - 1)` steps four billion times and grows as it
                // goes: stoppable by `terminate()`, `--timeout` and `--max-heap`.
                if let Err(e) = super::tick(vm, out.len()) {
                    break Err(e);
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    vm.handles.truncate(hm);
    result.map(|_| out)
}

pub fn new_iterator(vm: &mut Vm, proto: ObjRef, st: IterState) -> Value {
    Value::object(vm.new_object_with_proto(Some(proto), ObjectKind::Iterator(Box::new(st))))
}

fn iterator_self(_vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(this)
}

fn array_iter_next(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let Some(o) = this.as_object() else {
        return Err(vm.type_error("next method called on incompatible receiver"));
    };
    let (target, index, kind, done) = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Iterator(b)) => match &**b {
            IterState::Array {
                target,
                index,
                kind,
                done,
            } => (*target, *index, *kind, *done),
            _ => return Err(vm.type_error("next method called on incompatible receiver")),
        },
        _ => return Err(vm.type_error("next method called on incompatible receiver")),
    };
    if done {
        return Ok(iter_result(vm, Value::UNDEFINED, true));
    }
    let len = match vm.heap.try_obj(target) {
        Some(t) if t.is_array() => t.array_len() as f64,
        Some(t) => match t.kind {
            ObjectKind::TypedArray { length, .. } => length as f64,
            _ => vm.length_of(target)?,
        },
        None => vm.length_of(target)?,
    };
    if index as f64 >= len {
        if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
            if let IterState::Array { done, .. } = &mut **b {
                *done = true;
            }
        }
        return Ok(iter_result(vm, Value::UNDEFINED, true));
    }
    if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
        if let IterState::Array { index: i, .. } = &mut **b {
            *i += 1;
        }
    }
    let v = match kind {
        1 => Value::number(index as f64),
        _ => {
            let fast = vm
                .heap
                .try_obj(target)
                .filter(|t| t.is_array())
                .and_then(|t| t.elements.get(index as usize).copied())
                .filter(|e| !e.is_hole());
            let e = match fast {
                Some(e) => e,
                None => vm.get(target, PropKey::Index(index))?,
            };
            if kind == 0 {
                e
            } else {
                vm.new_array_value(vec![Value::number(index as f64), e])
            }
        }
    };
    Ok(iter_result(vm, v, false))
}

fn map_iter_next(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let Some(o) = this.as_object() else {
        return Err(vm.type_error("next method called on incompatible receiver"));
    };
    let (target, mut index, kind, done, is_map) = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Iterator(b)) => match &**b {
            IterState::Map {
                target,
                index,
                kind,
                done,
            } => (*target, *index, *kind, *done, true),
            IterState::Set {
                target,
                index,
                kind,
                done,
            } => (*target, *index, *kind, *done, false),
            _ => return Err(vm.type_error("next method called on incompatible receiver")),
        },
        _ => return Err(vm.type_error("next method called on incompatible receiver")),
    };
    if done {
        return Ok(iter_result(vm, Value::UNDEFINED, true));
    }
    let entry = match vm.heap.try_obj(target).map(|t| &t.kind) {
        Some(ObjectKind::Map(m)) | Some(ObjectKind::Set(m)) => {
            let mut found = None;
            while index < m.entries.len() {
                let e = m.entries[index];
                index += 1;
                if let Some(kv) = e {
                    found = Some(kv);
                    break;
                }
            }
            found
        }
        _ => None,
    };
    if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
        match &mut **b {
            IterState::Map {
                index: i, done: d, ..
            }
            | IterState::Set {
                index: i, done: d, ..
            } => {
                *i = index;
                *d = entry.is_none();
            }
            _ => {}
        }
    }
    let Some((k, v)) = entry else {
        return Ok(iter_result(vm, Value::UNDEFINED, true));
    };
    let out = match (kind, is_map) {
        (0, true) => k,
        (1, true) => v,
        (_, true) => vm.new_array_value(vec![k, v]),
        (2, false) => vm.new_array_value(vec![k, k]),
        (_, false) => k,
    };
    Ok(iter_result(vm, out, false))
}

fn string_iter_next(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let Some(o) = this.as_object() else {
        return Err(vm.type_error("next method called on incompatible receiver"));
    };
    let (s, index) = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Iterator(b)) => match &**b {
            IterState::Str { s, index } => (s.clone(), *index),
            _ => return Err(vm.type_error("next method called on incompatible receiver")),
        },
        _ => return Err(vm.type_error("next method called on incompatible receiver")),
    };
    if index >= s.len() {
        return Ok(iter_result(vm, Value::UNDEFINED, true));
    }
    let c = s.at(index);
    let n = if (0xD800..0xDC00).contains(&c)
        && s.get(index + 1)
            .is_some_and(|d| (0xDC00..0xE000).contains(&d))
    {
        2
    } else {
        1
    };
    if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
        if let IterState::Str { index: i, .. } = &mut **b {
            *i += n;
        }
    }
    let piece = s.substring(index, index + n);
    let v = vm.new_string(piece);
    Ok(iter_result(vm, v, false))
}

/// Creates a string iterator over `s`.
pub fn string_iterator(vm: &mut Vm, s: JsStr) -> Value {
    let p = vm.realm.string_iterator_proto;
    new_iterator(vm, p, IterState::Str { s, index: 0 })
}

pub fn array_iterator(vm: &mut Vm, target: Value, kind: u8) -> Value {
    let p = vm.realm.array_iterator_proto;
    new_iterator(
        vm,
        p,
        IterState::Array {
            target,
            index: 0,
            kind,
            done: false,
        },
    )
}

fn to_string_tag(vm: &mut Vm, o: ObjRef, tag: &str) {
    let t = vm.str_val(tag);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
}

pub fn install(vm: &mut Vm) {
    let ip = vm.realm.iterator_proto;
    vm.define_method_sym(ip, wk::ITERATOR, "[Symbol.iterator]", 0, iterator_self);
    let aip = vm.realm.async_iterator_proto;
    vm.define_method_sym(
        aip,
        wk::ASYNC_ITERATOR,
        "[Symbol.asyncIterator]",
        0,
        iterator_self,
    );
    for (p, f, tag) in [
        (
            vm.realm.array_iterator_proto,
            array_iter_next as crate::object::NativeFn,
            "Array Iterator",
        ),
        (vm.realm.map_iterator_proto, map_iter_next, "Map Iterator"),
        (vm.realm.set_iterator_proto, map_iter_next, "Set Iterator"),
        (
            vm.realm.string_iterator_proto,
            string_iter_next,
            "String Iterator",
        ),
    ] {
        vm.heap.obj_mut(p).proto = Some(ip);
        vm.define_method(p, "next", 0, f);
        to_string_tag(vm, p, tag);
    }
    let _ = arg(&[], 0);
}
