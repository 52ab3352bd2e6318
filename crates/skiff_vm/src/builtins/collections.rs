//! `Map`, `Set`, `WeakMap`, `WeakSet`, `WeakRef`.

use super::{arg, require_callable, set_global};
use crate::atom::{names, PropKey};
use crate::object::{IterState, MapData, ObjectKind};
use crate::ops::map_key;
use crate::shape::{ATTR_CONFIGURABLE, ATTR_HIDDEN};
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;

fn map_mut<'a>(vm: &'a mut Vm, this: Value, set: bool, method: &str) -> JsResult<&'a mut MapData> {
    let ok = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Map(_)) => !set,
        Some(ObjectKind::Set(_)) => set,
        _ => false,
    };
    if !ok {
        let s = vm.object_brief(this);
        let cls = if set { "Set" } else { "Map" };
        return Err(vm.type_error(format!(
            "Method {cls}.prototype.{method} called on incompatible receiver {s}"
        )));
    }
    let o = this.as_object().unwrap_or(ObjRef(0));
    match &mut vm.heap.obj_mut(o).kind {
        ObjectKind::Map(m) | ObjectKind::Set(m) => Ok(m),
        _ => Err(Value::UNDEFINED),
    }
}

fn normalize_key(k: Value) -> Value {
    match k.as_number() {
        Some(0.0) => Value::number(0.0),
        _ => k,
    }
}

fn map_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Constructor Map requires 'new'"));
    }
    let nt = vm.new_target;
    let dp = vm.realm.map_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    let m = Value::object(vm.new_object_with_proto(Some(proto), ObjectKind::Map(Box::default())));
    vm.root(m);
    let it = arg(args, 0);
    if !it.is_nullish() {
        let adder = vm.get(m, PropKey::Str(names::get().set))?;
        require_callable(vm, adder)?;
        let items = super::iterator::iterate_to_vec(vm, it)?;
        let hm = vm.handles.len();
        vm.handles.extend_from_slice(&items);
        for e in items {
            if !e.is_object() {
                let s = vm.to_display_string(e);
                return Err(vm.type_error(format!("Iterator value {s} is not an entry object")));
            }
            let k = vm.get(e, PropKey::Index(0))?;
            let v = vm.get(e, PropKey::Index(1))?;
            vm.call(adder, m, &[k, v])?;
        }
        vm.handles.truncate(hm);
    }
    Ok(m)
}

fn map_get(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = map_key(vm, arg(args, 0));
    let m = map_mut(vm, this, false, "get")?;
    Ok(m.get(&k).unwrap_or(Value::UNDEFINED))
}

fn map_set(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let key = normalize_key(arg(args, 0));
    let k = map_key(vm, key);
    let m = map_mut(vm, this, false, "set")?;
    m.set(k, key, arg(args, 1));
    vm.heap.debt += 1;
    Ok(this)
}

fn map_has(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = map_key(vm, arg(args, 0));
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::Set(_))
    );
    let m = map_mut(vm, this, set, "has")?;
    Ok(Value::bool(m.index.contains_key(&k)))
}

fn map_delete(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = map_key(vm, arg(args, 0));
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::Set(_))
    );
    let m = map_mut(vm, this, set, "delete")?;
    let r = m.delete(&k);
    // Compact when mostly tombstones and no iteration can be confused: entries only shift
    // when the table is at least half empty, and iterators re-find their place by index.
    Ok(Value::bool(r))
}

fn map_clear(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::Set(_))
    );
    let m = map_mut(vm, this, set, "clear")?;
    m.clear();
    Ok(Value::UNDEFINED)
}

fn map_size(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::Set(_))
    );
    let m = map_mut(vm, this, set, "size")?;
    Ok(Value::number(m.live as f64))
}

fn map_for_each(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::Set(_))
    );
    map_mut(vm, this, set, "forEach")?;
    let f = require_callable(vm, arg(args, 0))?;
    let mut i = 0;
    loop {
        let e = match vm.heap.try_obj(this).map(|o| &o.kind) {
            Some(ObjectKind::Map(m)) | Some(ObjectKind::Set(m)) => {
                let mut found = None;
                while i < m.entries.len() {
                    let e = m.entries[i];
                    i += 1;
                    if e.is_some() {
                        found = e;
                        break;
                    }
                }
                found
            }
            _ => None,
        };
        let Some((k, v)) = e else { break };
        if set {
            vm.call(f, arg(args, 1), &[k, k, this])?;
        } else {
            vm.call(f, arg(args, 1), &[v, k, this])?;
        }
    }
    Ok(Value::UNDEFINED)
}

fn iter(vm: &mut Vm, this: Value, kind: u8, set: bool) -> JsResult<Value> {
    map_mut(vm, this, set, "entries")?;
    let (p, st) = if set {
        (
            vm.realm.set_iterator_proto,
            IterState::Set {
                target: this,
                index: 0,
                kind,
                done: false,
            },
        )
    } else {
        (
            vm.realm.map_iterator_proto,
            IterState::Map {
                target: this,
                index: 0,
                kind,
                done: false,
            },
        )
    };
    Ok(super::iterator::new_iterator(vm, p, st))
}

fn map_keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    iter(vm, this, 0, false)
}
fn map_values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    iter(vm, this, 1, false)
}
fn map_entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    iter(vm, this, 2, false)
}
fn set_values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    iter(vm, this, 0, true)
}
fn set_entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    iter(vm, this, 2, true)
}

fn map_group_by(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let f = require_callable(vm, arg(args, 1))?;
    let items = super::iterator::iterate_to_vec(vm, arg(args, 0))?;
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&items);
    let p = vm.realm.map_proto;
    let m = Value::object(vm.new_object_with_proto(Some(p), ObjectKind::Map(Box::default())));
    vm.root(m);
    for (i, it) in items.into_iter().enumerate() {
        let k = normalize_key(vm.call(f, Value::UNDEFINED, &[it, Value::number(i as f64)])?);
        let mk = map_key(vm, k);
        let existing = map_mut(vm, m, false, "groupBy")?.get(&mk);
        match existing.and_then(|a| a.as_object()) {
            Some(a) => vm.heap.obj_mut(a).elements.push(it),
            None => {
                let a = vm.new_array_value(vec![it]);
                map_mut(vm, m, false, "groupBy")?.set(mk, k, a);
            }
        }
    }
    vm.handles.truncate(hm);
    Ok(m)
}

fn set_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Constructor Set requires 'new'"));
    }
    let nt = vm.new_target;
    let dp = vm.realm.set_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    let s = Value::object(vm.new_object_with_proto(Some(proto), ObjectKind::Set(Box::default())));
    vm.root(s);
    let it = arg(args, 0);
    if !it.is_nullish() {
        let items = super::iterator::iterate_to_vec(vm, it)?;
        let adder = vm.get(s, PropKey::from_str("add"))?;
        require_callable(vm, adder)?;
        let hm = vm.handles.len();
        vm.handles.extend_from_slice(&items);
        for e in items {
            vm.call(adder, s, &[e])?;
        }
        vm.handles.truncate(hm);
    }
    Ok(s)
}

fn set_add(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let key = normalize_key(arg(args, 0));
    let k = map_key(vm, key);
    let m = map_mut(vm, this, true, "add")?;
    if !m.index.contains_key(&k) {
        m.set(k, key, key);
    }
    vm.heap.debt += 1;
    Ok(this)
}

/// CanBeHeldWeakly: objects and symbols not in the global registry.
fn weak_key(vm: &mut Vm, v: Value, what: &str) -> JsResult<Value> {
    if v.is_object() && vm.is_real_object(v) {
        return Ok(v);
    }
    if let Some(s) = v.as_symbol() {
        if !vm.symbols.get(s.0 as usize).is_some_and(|d| d.registered) {
            return Ok(v);
        }
    }
    Err(vm.type_error(format!("Invalid value used {what}")))
}

fn weak_ctor(vm: &mut Vm, args: &[Value], set: bool) -> JsResult<Value> {
    let name = if set { "WeakSet" } else { "WeakMap" };
    if vm.new_target.is_undefined() {
        return Err(vm.type_error(format!("Constructor {name} requires 'new'")));
    }
    let nt = vm.new_target;
    let dp = if set {
        vm.realm.weakset_proto
    } else {
        vm.realm.weakmap_proto
    };
    let proto = vm.proto_from_ctor(nt, dp)?;
    let kind = if set {
        ObjectKind::WeakSet(Box::default())
    } else {
        ObjectKind::WeakMap(Box::default())
    };
    let o = Value::object(vm.new_object_with_proto(Some(proto), kind));
    vm.root(o);
    let it = arg(args, 0);
    if !it.is_nullish() {
        let items = super::iterator::iterate_to_vec(vm, it)?;
        let hm = vm.handles.len();
        vm.handles.extend_from_slice(&items);
        for e in items {
            if set {
                weak_set_add(vm, o, &[e])?;
            } else {
                let k = vm.get(e, PropKey::Index(0))?;
                let v = vm.get(e, PropKey::Index(1))?;
                weak_map_set(vm, o, &[k, v])?;
            }
        }
        vm.handles.truncate(hm);
    }
    Ok(o)
}

fn weak_map_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    weak_ctor(vm, args, false)
}

fn weak_set_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    weak_ctor(vm, args, true)
}

#[allow(clippy::needless_lifetimes)]
fn weak_table<'a>(
    vm: &'a mut Vm,
    this: Value,
    set: bool,
) -> JsResult<&'a mut rustc_hash::FxHashMap<Value, Value>> {
    let ok = match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::WeakMap(_)) => !set,
        Some(ObjectKind::WeakSet(_)) => set,
        _ => false,
    };
    if !ok {
        return Err(vm.type_error("WeakMap/WeakSet method called on incompatible receiver"));
    }
    let o = this.as_object().unwrap_or(ObjRef(0));
    match &mut vm.heap.obj_mut(o).kind {
        ObjectKind::WeakMap(m) | ObjectKind::WeakSet(m) => Ok(m),
        _ => Err(Value::UNDEFINED),
    }
}

fn weak_map_set(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = weak_key(vm, arg(args, 0), "as weak map key")?;
    weak_table(vm, this, false)?.insert(k, arg(args, 1));
    Ok(this)
}

fn weak_map_get(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = arg(args, 0);
    Ok(weak_table(vm, this, false)?
        .get(&k)
        .copied()
        .unwrap_or(Value::UNDEFINED))
}

fn weak_has(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::WeakSet(_))
    );
    let t = weak_table(vm, this, set)?;
    Ok(Value::bool(t.contains_key(&arg(args, 0))))
}

fn weak_delete(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let set = matches!(
        vm.heap.try_obj(this).map(|o| &o.kind),
        Some(ObjectKind::WeakSet(_))
    );
    let t = weak_table(vm, this, set)?;
    Ok(Value::bool(t.remove(&arg(args, 0)).is_some()))
}

fn weak_set_add(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = weak_key(vm, arg(args, 0), "in weak set")?;
    weak_table(vm, this, true)?.insert(k, Value::TRUE);
    Ok(this)
}

fn weak_ref_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Constructor WeakRef requires 'new'"));
    }
    let t = weak_key(vm, arg(args, 0), "as WeakRef target")?;
    let nt = vm.new_target;
    let dp = vm.realm.weakref_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::WeakRef(t),
    )))
}

fn weak_ref_deref(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::WeakRef(t)) => Ok(*t),
        _ => Err(vm.type_error("WeakRef.prototype.deref called on incompatible receiver")),
    }
}

fn tag(vm: &mut Vm, o: ObjRef, t: &str) {
    let s = vm.str_val(t);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), s, ATTR_CONFIGURABLE);
}

pub fn install(vm: &mut Vm) {
    let mp = vm.realm.map_proto;
    let mc = vm.new_constructor("Map", 0, map_ctor, Some(mp));
    vm.define_method(mp, "get", 1, map_get);
    vm.define_method(mp, "set", 2, map_set);
    vm.define_method(mp, "has", 1, map_has);
    vm.define_method(mp, "delete", 1, map_delete);
    vm.define_method(mp, "clear", 0, map_clear);
    vm.define_method(mp, "forEach", 1, map_for_each);
    vm.define_method(mp, "keys", 0, map_keys);
    vm.define_method(mp, "values", 0, map_values);
    let e = vm.define_method(mp, "entries", 0, map_entries);
    vm.heap
        .obj_mut(mp)
        .put_raw(PropKey::Sym(wk::ITERATOR), Value::object(e), ATTR_HIDDEN);
    vm.define_getter(mp, PropKey::from_str("size"), "size", map_size);
    vm.define_method(mc, "groupBy", 2, map_group_by);
    vm.define_getter(
        mc,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    tag(vm, mp, "Map");
    set_global(vm, "Map", Value::object(mc));

    let sp = vm.realm.set_proto;
    let sc = vm.new_constructor("Set", 0, set_ctor, Some(sp));
    vm.define_method(sp, "add", 1, set_add);
    vm.define_method(sp, "has", 1, map_has);
    vm.define_method(sp, "delete", 1, map_delete);
    vm.define_method(sp, "clear", 0, map_clear);
    vm.define_method(sp, "forEach", 1, map_for_each);
    vm.define_method(sp, "entries", 0, set_entries);
    let v = vm.define_method(sp, "values", 0, set_values);
    vm.heap
        .obj_mut(sp)
        .put_raw(PropKey::from_str("keys"), Value::object(v), ATTR_HIDDEN);
    vm.heap
        .obj_mut(sp)
        .put_raw(PropKey::Sym(wk::ITERATOR), Value::object(v), ATTR_HIDDEN);
    vm.define_getter(sp, PropKey::from_str("size"), "size", map_size);
    vm.define_getter(
        sc,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    tag(vm, sp, "Set");
    set_global(vm, "Set", Value::object(sc));

    let wmp = vm.realm.weakmap_proto;
    let wmc = vm.new_constructor("WeakMap", 0, weak_map_ctor, Some(wmp));
    vm.define_method(wmp, "get", 1, weak_map_get);
    vm.define_method(wmp, "set", 2, weak_map_set);
    vm.define_method(wmp, "has", 1, weak_has);
    vm.define_method(wmp, "delete", 1, weak_delete);
    tag(vm, wmp, "WeakMap");
    set_global(vm, "WeakMap", Value::object(wmc));

    let wsp = vm.realm.weakset_proto;
    let wsc = vm.new_constructor("WeakSet", 0, weak_set_ctor, Some(wsp));
    vm.define_method(wsp, "add", 1, weak_set_add);
    vm.define_method(wsp, "has", 1, weak_has);
    vm.define_method(wsp, "delete", 1, weak_delete);
    tag(vm, wsp, "WeakSet");
    set_global(vm, "WeakSet", Value::object(wsc));

    let wrp = vm.realm.weakref_proto;
    let wrc = vm.new_constructor("WeakRef", 1, weak_ref_ctor, Some(wrp));
    vm.define_method(wrp, "deref", 0, weak_ref_deref);
    tag(vm, wrp, "WeakRef");
    set_global(vm, "WeakRef", Value::object(wrc));
}
