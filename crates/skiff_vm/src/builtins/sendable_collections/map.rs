//! `collections.Map` and `collections.Set` (SendableMap / SendableSet): arkts-runtime-facts.md
//! §9, §10. Keys compare with SameValueZero (`HeapView::map_key`); iterators are cursors that
//! survive deletion and `clear()`; `forEach` holds a reader scope across its callbacks.

use super::{check, load, this_ref, throw};
use crate::atom::PropKey;
use crate::builtins::{arg, iterator};
use crate::object::{IterState, ObjectKind};
use crate::sendable::SharedKind;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_shared::{Cursor, SendableMap, SendableSet, SharedError, SharedWord};
use std::sync::Arc;

fn this_map(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<SendableMap>> {
    let m = this_ref(this).and_then(|r| vm.mutator().map(r).cloned());
    match m {
        Some(m) => Ok(m),
        None => throw(vm, SharedError::cannot_be_bound(name)),
    }
}

fn this_set(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<SendableSet>> {
    let s = this_ref(this).and_then(|r| vm.mutator().set(r).cloned());
    match s {
        Some(s) => Ok(s),
        None => throw(vm, SharedError::cannot_be_bound(name)),
    }
}

/// A key or value to store: non-Sendable values are 401 (with a space).
fn word(vm: &mut Vm, v: Value) -> JsResult<SharedWord> {
    vm.to_shared_word_or(v, SharedError::only_sendable())
}

/// A key to look up: `None` for values no collection can hold (never found).
fn probe(vm: &mut Vm, v: Value) -> Option<SharedWord> {
    vm.to_shared_word(v).ok()
}

// ----- Map ----------------------------------------------------------------------------------

fn map_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return throw(vm, SharedError::constructor_without_new("Map"));
    }
    let native = skiff_shared::Native::Map(Arc::new(SendableMap::new()));
    let r = super::alloc_container(vm, native)?;
    let m = vm.mutator().map(r).cloned();
    let it = arg(args, 0);
    if let (Some(m), false) = (m, it.is_nullish()) {
        let items = iterator::iterate_to_vec(vm, it)?;
        for e in &items {
            vm.root(*e);
        }
        for e in items {
            if !e.is_object() && e.as_shared().is_none() {
                let s = vm.to_display_string(e);
                return Err(vm.type_error(format!("Iterator value {s} is not an entry object")));
            }
            let k = vm.get(e, PropKey::Index(0))?;
            vm.root(k);
            let v = vm.get(e, PropKey::Index(1))?;
            vm.root(v);
            let kw = word(vm, k)?;
            let vw = word(vm, v)?;
            let res = m.set(vm.mutator(), kw, vw);
            check(vm, res)?;
        }
    }
    Ok(vm.shared_value(r))
}

fn size(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let is_set = this_ref(this).is_some_and(|r| vm.mutator().set(r).is_some());
    let n = match is_set {
        true => {
            let s = this_set(vm, this, "size")?;
            s.size()
        }
        false => {
            let m = this_map(vm, this, "size")?;
            m.size()
        }
    };
    let n = check(vm, n)?;
    Ok(Value::number(n as f64))
}

fn map_get(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "get")?;
    let Some(k) = probe(vm, arg(args, 0)) else {
        return Ok(Value::UNDEFINED);
    };
    let r = m.get(vm.mutator(), k);
    let w = check(vm, r)?;
    Ok(load(vm, w))
}

fn map_has(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "has")?;
    let Some(k) = probe(vm, arg(args, 0)) else {
        return Ok(Value::FALSE);
    };
    let r = m.has(vm.mutator(), k);
    check(vm, r).map(Value::bool)
}

fn map_set(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "set")?;
    let k = word(vm, arg(args, 0))?;
    let v = word(vm, arg(args, 1))?;
    let r = m.set(vm.mutator(), k, v);
    check(vm, r)?;
    Ok(this)
}

fn map_put(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "put")?;
    let k = word(vm, arg(args, 0))?;
    let v = word(vm, arg(args, 1))?;
    let r = m.set(vm.mutator(), k, v);
    let old = check(vm, r)?;
    Ok(old.map_or(Value::UNDEFINED, |w| load(vm, w)))
}

fn map_delete(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "delete")?;
    let Some(k) = probe(vm, arg(args, 0)) else {
        return Ok(Value::FALSE);
    };
    let r = m.delete(vm.mutator(), k);
    check(vm, r).map(|o| Value::bool(o.is_some()))
}

fn map_remove(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "remove")?;
    let Some(k) = probe(vm, arg(args, 0)) else {
        return Ok(Value::UNDEFINED);
    };
    let r = m.delete(vm.mutator(), k);
    let old = check(vm, r)?;
    Ok(old.map_or(Value::UNDEFINED, |w| load(vm, w)))
}

fn map_clear(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "clear")?;
    check(vm, m.clear())?;
    Ok(Value::UNDEFINED)
}

fn map_contains_value(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "containsValue")?;
    let Some(v) = probe(vm, arg(args, 0)) else {
        return Ok(Value::FALSE);
    };
    let r = m.contains_value(vm.mutator(), v);
    check(vm, r).map(Value::bool)
}

/// `putAll(map)`: a local `Map` or a SendableMap; inserts stay when one fails.
fn map_put_all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "putAll")?;
    let src = arg(args, 0);
    let entries: Vec<(Value, Value)> =
        if let Some(o) = this_ref(src).and_then(|r| vm.mutator().map(r).cloned()) {
            let e = check(vm, o.entries())?;
            e.into_iter()
                .map(|(k, v)| (load(vm, k), load(vm, v)))
                .collect()
        } else if let Some(ObjectKind::Map(d)) = vm.heap.try_obj(src).map(|o| &o.kind) {
            d.entries.iter().flatten().copied().collect()
        } else {
            return throw(vm, SharedError::only_map());
        };
    for (k, v) in entries {
        let kw = word(vm, k)?;
        let vw = word(vm, v)?;
        let r = m.set(vm.mutator(), kw, vw);
        check(vm, r)?;
    }
    Ok(Value::UNDEFINED)
}

fn map_for_each(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let m = this_map(vm, this, "forEach")?;
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        return throw(vm, SharedError::callback_not_callable());
    }
    let scope = check(vm, m.read_scope())?;
    let mut cur = Cursor::START;
    while let Some((next, k, v)) = scope.next_entry(cur) {
        cur = next;
        let kv = load(vm, k);
        let vv = load(vm, v);
        vm.call(f, Value::UNDEFINED, &[vv, kv, this])?;
    }
    Ok(Value::UNDEFINED)
}

/// A cursor iterator; `kind` 0 = keys, 1 = values, 2 = entries.
fn cursor_iterator(vm: &mut Vm, this: Value, kind: u8, set: bool) -> Value {
    let key = if set { "setIterator" } else { "mapIterator" };
    let p = super::stashed(vm, key)
        .as_object()
        .unwrap_or(vm.realm.iterator_proto);
    let st = if set {
        IterState::Set {
            target: this,
            index: 0,
            kind,
            done: false,
        }
    } else {
        IterState::Map {
            target: this,
            index: 0,
            kind,
            done: false,
        }
    };
    iterator::new_iterator(vm, p, st)
}

fn map_keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_map(vm, this, "keys")?;
    Ok(cursor_iterator(vm, this, 0, false))
}
fn map_values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_map(vm, this, "values")?;
    Ok(cursor_iterator(vm, this, 1, false))
}
fn map_entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_map(vm, this, "entries")?;
    Ok(cursor_iterator(vm, this, 2, false))
}

/// `next` of the SharedMap / SharedSet iterators.
pub(crate) fn map_iter_next(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let state = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Iterator(b)) => match &**b {
            IterState::Map {
                target,
                index,
                kind,
                done,
            } => Some((*target, *index, *kind, *done, false)),
            IterState::Set {
                target,
                index,
                kind,
                done,
            } => Some((*target, *index, *kind, *done, true)),
            _ => None,
        },
        _ => None,
    };
    let Some((target, index, kind, done, set)) = state else {
        return Err(vm.type_error("next method called on incompatible receiver"));
    };
    if done {
        return Ok(iterator::iter_result(vm, Value::UNDEFINED, true));
    }
    let cur = Cursor(index as u64);
    let step = match this_ref(target) {
        Some(r) if set => vm
            .mutator()
            .set(r)
            .cloned()
            .and_then(|s| s.value_at(cur))
            .map(|(c, v)| (c, v, v)),
        Some(r) => vm.mutator().map(r).cloned().and_then(|m| m.entry_at(cur)),
        None => None,
    };
    if let Some(o) = this.as_object() {
        if let ObjectKind::Iterator(b) = &mut vm.heap.obj_mut(o).kind {
            match &mut **b {
                IterState::Map {
                    index: i, done: d, ..
                }
                | IterState::Set {
                    index: i, done: d, ..
                } => {
                    *d = step.is_none();
                    if let Some((c, _, _)) = step {
                        *i = c.0 as usize;
                    }
                }
                _ => {}
            }
        }
    }
    let Some((_, k, v)) = step else {
        return Ok(iterator::iter_result(vm, Value::UNDEFINED, true));
    };
    let out = match kind {
        0 => load(vm, k),
        1 => load(vm, v),
        _ => {
            let kv = load(vm, k);
            let vv = load(vm, v);
            vm.new_array_value(vec![kv, vv])
        }
    };
    Ok(iterator::iter_result(vm, out, false))
}

// ----- Set ----------------------------------------------------------------------------------

fn set_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return throw(vm, SharedError::constructor_without_new("Set"));
    }
    let native = skiff_shared::Native::Set(Arc::new(SendableSet::new()));
    let r = super::alloc_container(vm, native)?;
    let s = vm.mutator().set(r).cloned();
    let it = arg(args, 0);
    if let (Some(s), false) = (s, it.is_nullish()) {
        let items = iterator::iterate_to_vec(vm, it)?;
        for e in &items {
            vm.root(*e);
        }
        for e in items {
            // The runtime's quirk (runtime facts §10): a plain array contributes its element 1.
            let e = if vm.is_array(e) {
                let x = vm.get(e, PropKey::Index(1))?;
                vm.root(x)
            } else {
                e
            };
            let w = word(vm, e)?;
            let res = s.add(vm.mutator(), w);
            check(vm, res)?;
        }
    }
    Ok(vm.shared_value(r))
}

fn set_add(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_set(vm, this, "add")?;
    let w = word(vm, arg(args, 0))?;
    let r = s.add(vm.mutator(), w);
    check(vm, r)?;
    Ok(this)
}

fn set_has(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_set(vm, this, "has")?;
    let Some(w) = probe(vm, arg(args, 0)) else {
        return Ok(Value::FALSE);
    };
    let r = s.has(vm.mutator(), w);
    check(vm, r).map(Value::bool)
}

fn set_delete(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_set(vm, this, "delete")?;
    let Some(w) = probe(vm, arg(args, 0)) else {
        return Ok(Value::FALSE);
    };
    let r = s.delete(vm.mutator(), w);
    check(vm, r).map(Value::bool)
}

fn set_clear(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_set(vm, this, "clear")?;
    check(vm, s.clear())?;
    Ok(Value::UNDEFINED)
}

fn set_for_each(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_set(vm, this, "forEach")?;
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        return throw(vm, SharedError::callback_not_callable());
    }
    let scope = check(vm, s.read_scope())?;
    let mut cur = Cursor::START;
    while let Some((next, v)) = scope.next_value(cur) {
        cur = next;
        let vv = load(vm, v);
        vm.call(f, Value::UNDEFINED, &[vv, vv, this])?;
    }
    Ok(Value::UNDEFINED)
}

fn set_values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_set(vm, this, "values")?;
    Ok(cursor_iterator(vm, this, 0, true))
}
fn set_entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_set(vm, this, "entries")?;
    Ok(cursor_iterator(vm, this, 2, true))
}

pub(crate) fn install(vm: &mut Vm, ns: ObjRef) {
    let mp = vm.sendable_proto(SharedKind::Map);
    let mc = vm.new_constructor("SendableMap", 0, map_ctor, Some(mp));
    super::define_species(vm, mc);
    super::methods(
        vm,
        mp,
        &[
            ("get", 1, map_get),
            ("set", 2, map_set),
            ("has", 1, map_has),
            ("delete", 1, map_delete),
            ("clear", 0, map_clear),
            ("forEach", 1, map_for_each),
            ("keys", 0, map_keys),
            ("values", 0, map_values),
            ("containsValue", 1, map_contains_value),
            ("put", 2, map_put),
            ("remove", 1, map_remove),
            ("putAll", 1, map_put_all),
        ],
    );
    let e = vm.define_method(mp, "entries", 0, map_entries);
    vm.heap.obj_mut(mp).put_raw(
        PropKey::Sym(wk::ITERATOR),
        Value::object(e),
        crate::shape::ATTR_HIDDEN,
    );
    vm.define_getter(mp, PropKey::from_str("size"), "size", size);
    super::set_tag(vm, mp, "SendableMap");
    super::export(vm, ns, "Map", mc);

    let sp = vm.sendable_proto(SharedKind::Set);
    let sc = vm.new_constructor("SendableSet", 0, set_ctor, Some(sp));
    super::define_species(vm, sc);
    super::methods(
        vm,
        sp,
        &[
            ("add", 1, set_add),
            ("has", 1, set_has),
            ("delete", 1, set_delete),
            ("clear", 0, set_clear),
            ("forEach", 1, set_for_each),
            ("entries", 0, set_entries),
        ],
    );
    let v = vm.define_method(sp, "values", 0, set_values);
    for key in [PropKey::from_str("keys"), PropKey::Sym(wk::ITERATOR)] {
        vm.heap
            .obj_mut(sp)
            .put_raw(key, Value::object(v), crate::shape::ATTR_HIDDEN);
    }
    vm.define_getter(sp, PropKey::from_str("size"), "size", size);
    super::set_tag(vm, sp, "SendableSet");
    super::export(vm, ns, "Set", sc);
}
