//! `Object` and `Object.prototype`.

use super::{arg, set_global};
use crate::atom::{names, PropKey};
use crate::object::{ElemMode, ObjectKind};
use crate::shape::{ATTR_ACCESSOR, ATTR_CONFIGURABLE, ATTR_ENUMERABLE, ATTR_WRITABLE};
use crate::value::{ObjRef, Value};
use crate::vm::{wk, PropDesc, Vm};
use crate::JsResult;

fn object_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let nt = vm.new_target;
    if !nt.is_undefined() && nt != vm.native_callee {
        let p = vm.realm.object_proto;
        let proto = vm.proto_from_ctor(nt, p)?;
        return Ok(Value::object(
            vm.new_object_with_proto(Some(proto), ObjectKind::Ordinary),
        ));
    }
    let v = arg(args, 0);
    if v.is_nullish() {
        return Ok(Value::object(vm.new_object()));
    }
    Ok(Value::object(vm.to_object(v)?))
}

/// ToPropertyDescriptor.
pub fn to_property_descriptor(vm: &mut Vm, v: Value) -> JsResult<PropDesc> {
    let Some(o) = v.as_object() else {
        let s = vm.to_display_string(v);
        return Err(vm.type_error(format!("Property description must be an object: {s}")));
    };
    let n = names::get();
    let mut d = PropDesc::default();
    let field = |vm: &mut Vm, a| -> JsResult<Option<Value>> {
        let k = PropKey::Str(a);
        if vm.has_property(o, k) {
            Ok(Some(vm.get(v, k)?))
        } else {
            Ok(None)
        }
    };
    if let Some(x) = field(vm, n.enumerable)? {
        d.enumerable = Some(vm.to_boolean(x));
    }
    if let Some(x) = field(vm, n.configurable)? {
        d.configurable = Some(vm.to_boolean(x));
    }
    if let Some(x) = field(vm, n.value)? {
        d.value = Some(x);
    }
    if let Some(x) = field(vm, n.writable)? {
        d.writable = Some(vm.to_boolean(x));
    }
    if let Some(x) = field(vm, n.get)? {
        if !x.is_undefined() && !vm.is_callable(x) {
            let s = vm.to_display_string(x);
            return Err(vm.type_error(format!("Getter must be a function: {s}")));
        }
        d.get = Some(x);
    }
    if let Some(x) = field(vm, n.set)? {
        if !x.is_undefined() && !vm.is_callable(x) {
            let s = vm.to_display_string(x);
            return Err(vm.type_error(format!("Setter must be a function: {s}")));
        }
        d.set = Some(x);
    }
    if d.is_accessor() && (d.value.is_some() || d.writable.is_some()) {
        return Err(vm.type_error(
            "Invalid property descriptor. Cannot both specify accessors and a value or writable attribute",
        ));
    }
    Ok(d)
}

/// FromPropertyDescriptor.
pub fn from_property_descriptor(vm: &mut Vm, d: PropDesc) -> Value {
    let o = vm.new_object();
    let n = names::get();
    if d.is_accessor() {
        let _ = vm.create_data_property(o, PropKey::Str(n.get), d.get.unwrap_or_default());
        let _ = vm.create_data_property(o, PropKey::Str(n.set), d.set.unwrap_or_default());
    } else {
        let _ = vm.create_data_property(o, PropKey::Str(n.value), d.value.unwrap_or_default());
        let _ = vm.create_data_property(
            o,
            PropKey::Str(n.writable),
            Value::bool(d.writable == Some(true)),
        );
    }
    let _ = vm.create_data_property(
        o,
        PropKey::Str(n.enumerable),
        Value::bool(d.enumerable == Some(true)),
    );
    let _ = vm.create_data_property(
        o,
        PropKey::Str(n.configurable),
        Value::bool(d.configurable == Some(true)),
    );
    Value::object(o)
}

pub fn define_property_or_throw(vm: &mut Vm, o: ObjRef, key: PropKey, d: PropDesc) -> JsResult<()> {
    if !vm.define_own_property(o, key, d)? {
        if vm.sendable.classes.is_sealed_class_object(o) {
            return vm.throw_shared(skiff_shared::SharedError::CannotDefineProperty);
        }
        let k = vm.key_display(key);
        return Err(vm.type_error(format!("Cannot redefine property: {k}")));
    }
    Ok(())
}

fn define_property(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let target = arg(args, 0);
    if let Some(slot) = target.as_shared() {
        let key = vm.to_property_key(arg(args, 1))?;
        let d = to_property_descriptor(vm, arg(args, 2))?;
        crate::sendable::props::define(vm, slot, key, &d)?;
        return Ok(target);
    }
    let Some(o) = target.as_object() else {
        return Err(vm.type_error("Object.defineProperty called on non-object"));
    };
    let key = vm.to_property_key(arg(args, 1))?;
    let d = to_property_descriptor(vm, arg(args, 2))?;
    define_property_or_throw(vm, o, key, d)?;
    Ok(target)
}

/// `Object.prototype.__defineGetter__` / `__defineSetter__` (ES Annex B): an enumerable,
/// configurable accessor half on `this`.
fn define_accessor_legacy(
    vm: &mut Vm,
    this: Value,
    args: &[Value],
    getter: bool,
) -> JsResult<Value> {
    let o = vm.to_object(this)?;
    let f = arg(args, 1);
    if !vm.is_callable(f) {
        let name = if getter { "Getter" } else { "Setter" };
        return Err(vm.type_error(format!(
            "Object.prototype.__define{name}__: Expecting function"
        )));
    }
    let key = vm.to_property_key(arg(args, 0))?;
    let d = PropDesc {
        value: None,
        get: getter.then_some(f),
        set: (!getter).then_some(f),
        writable: None,
        enumerable: Some(true),
        configurable: Some(true),
    };
    define_property_or_throw(vm, o, key, d)?;
    Ok(Value::UNDEFINED)
}

fn define_getter_legacy(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    define_accessor_legacy(vm, this, args, true)
}

fn define_setter_legacy(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    define_accessor_legacy(vm, this, args, false)
}

/// `Object.prototype.__lookupGetter__` / `__lookupSetter__` (ES Annex B): the accessor half of
/// the first own property named `key` along the prototype chain of `this`.
fn lookup_accessor_legacy(
    vm: &mut Vm,
    this: Value,
    args: &[Value],
    getter: bool,
) -> JsResult<Value> {
    let mut o = vm.to_object(this)?;
    let key = vm.to_property_key(arg(args, 0))?;
    loop {
        if let Some(p) = vm.get_own_property(o, key) {
            if p.attrs & ATTR_ACCESSOR == 0 {
                return Ok(Value::UNDEFINED);
            }
            let (g, s) = vm.heap.accessor(p.value);
            return Ok(if getter { g } else { s });
        }
        match vm.heap.obj(o).proto {
            Some(p) => o = p,
            None => return Ok(Value::UNDEFINED),
        }
    }
}

fn lookup_getter_legacy(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    lookup_accessor_legacy(vm, this, args, true)
}

fn lookup_setter_legacy(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    lookup_accessor_legacy(vm, this, args, false)
}

fn define_properties_impl(vm: &mut Vm, o: ObjRef, props: Value) -> JsResult<()> {
    let p = vm.to_object(props)?;
    let mut descs = Vec::new();
    for k in vm.own_keys(p) {
        if let Some(pd) = vm.get_own_property(p, k) {
            if pd.attrs & ATTR_ENUMERABLE != 0 {
                let dv = vm.get(Value::object(p), k)?;
                descs.push((k, to_property_descriptor(vm, dv)?));
            }
        }
    }
    for (k, d) in descs {
        define_property_or_throw(vm, o, k, d)?;
    }
    Ok(())
}

fn define_properties(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let target = arg(args, 0);
    if let Some(slot) = target.as_shared() {
        let p = vm.to_object(arg(args, 1))?;
        for k in vm.own_keys(p) {
            if vm
                .get_own_property(p, k)
                .is_some_and(|x| x.attrs & ATTR_ENUMERABLE != 0)
            {
                let dv = vm.get(Value::object(p), k)?;
                let d = to_property_descriptor(vm, dv)?;
                crate::sendable::props::define(vm, slot, k, &d)?;
            }
        }
        return Ok(target);
    }
    let Some(o) = target.as_object() else {
        return Err(vm.type_error("Object.defineProperties called on non-object"));
    };
    define_properties_impl(vm, o, arg(args, 1))?;
    Ok(target)
}

fn get_own_property_descriptor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let key = vm.to_property_key(arg(args, 1))?;
        return Ok(match crate::sendable::props::get_own(vm, slot, key)? {
            Some((v, attrs)) => from_property_descriptor(vm, PropDesc::data(v, attrs)),
            None => Value::UNDEFINED,
        });
    }
    let o = vm.to_object(arg(args, 0))?;
    let key = vm.to_property_key(arg(args, 1))?;
    match vm.get_own_descriptor(o, key)? {
        Some(d) => Ok(from_property_descriptor(vm, d)),
        None => Ok(Value::UNDEFINED),
    }
}

fn get_own_property_descriptors(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let res = vm.new_object();
        vm.root(Value::object(res));
        for k in crate::sendable::props::own_keys(vm, slot) {
            if let Some((v, attrs)) = crate::sendable::props::get_own(vm, slot, k)? {
                let dv = from_property_descriptor(vm, PropDesc::data(v, attrs));
                vm.create_data_property(res, k, dv)?;
            }
        }
        return Ok(Value::object(res));
    }
    let o = vm.to_object(arg(args, 0))?;
    let res = vm.new_object();
    vm.root(Value::object(res));
    for k in vm.own_keys(o) {
        if let Some(d) = vm.get_own_descriptor(o, k)? {
            let dv = from_property_descriptor(vm, d);
            vm.create_data_property(res, k, dv)?;
        }
    }
    Ok(Value::object(res))
}

fn keys_of(vm: &mut Vm, v: Value, kind: u8) -> JsResult<Value> {
    if let Some(slot) = v.as_shared() {
        let keys = crate::sendable::props::own_keys(vm, slot);
        let arr = vm.new_array(Vec::new());
        vm.root(Value::object(arr));
        for k in keys {
            let item = match kind {
                0 => vm.key_to_value(k),
                1 => vm.get(v, k)?,
                _ => {
                    let kv = vm.key_to_value(k);
                    vm.root(kv);
                    let val = vm.get(v, k)?;
                    vm.new_array_value(vec![kv, val])
                }
            };
            vm.heap.obj_mut(arr).elements.push(item);
        }
        return Ok(Value::object(arr));
    }
    let o = vm.to_object(v)?;
    let keys = vm.own_keys(o);
    let mut out = Vec::with_capacity(keys.len());
    let arr = vm.new_array(Vec::new());
    vm.root(Value::object(arr));
    for k in keys {
        if k.is_symbol() {
            continue;
        }
        let Some(p) = vm.get_own_property(o, k) else {
            continue;
        };
        if p.attrs & ATTR_ENUMERABLE == 0 {
            continue;
        }
        let item = match kind {
            0 => vm.key_to_value(k),
            1 => vm.get(Value::object(o), k)?,
            _ => {
                let kv = vm.key_to_value(k);
                let val = vm.get(Value::object(o), k)?;
                vm.new_array_value(vec![kv, val])
            }
        };
        out.push(item);
        vm.heap.obj_mut(arr).elements.push(item);
    }
    Ok(Value::object(arr))
}

fn object_keys(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    keys_of(vm, arg(args, 0), 0)
}

fn object_values(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    keys_of(vm, arg(args, 0), 1)
}

fn object_entries(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    keys_of(vm, arg(args, 0), 2)
}

fn get_own_property_names(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if arg(args, 0).as_shared().is_some() {
        return keys_of(vm, arg(args, 0), 0);
    }
    let o = vm.to_object(arg(args, 0))?;
    let keys: Vec<_> = vm
        .own_keys(o)
        .into_iter()
        .filter(|k| !k.is_symbol())
        .collect();
    let vals: Vec<Value> = keys.into_iter().map(|k| vm.key_to_value(k)).collect();
    Ok(vm.new_array_value(vals))
}

fn get_own_property_symbols(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let o = vm.to_object(arg(args, 0))?;
    let vals: Vec<Value> = vm
        .own_keys(o)
        .into_iter()
        .filter_map(|k| match k {
            PropKey::Sym(s) => Some(Value::symbol(s)),
            _ => None,
        })
        .collect();
    Ok(vm.new_array_value(vals))
}

pub fn assign_props(vm: &mut Vm, target: Value, src: Value) -> JsResult<()> {
    if src.is_nullish() {
        return Ok(());
    }
    if let Some(slot) = src.as_shared() {
        for k in crate::sendable::props::own_keys(vm, slot) {
            let v = vm.get(src, k)?;
            vm.set(target, k, v)?;
        }
        return Ok(());
    }
    let s = vm.to_object(src)?;
    for k in vm.own_keys(s) {
        if let Some(p) = vm.get_own_property(s, k) {
            if p.attrs & ATTR_ENUMERABLE != 0 {
                let v = vm.get(Value::object(s), k)?;
                vm.set(target, k, v)?;
            }
        }
    }
    Ok(())
}

fn object_assign(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let t = match arg(args, 0) {
        t if t.as_shared().is_some() => t,
        t => Value::object(vm.to_object(t)?),
    };
    for &s in args.iter().skip(1) {
        assign_props(vm, t, s)?;
    }
    Ok(t)
}

fn object_create(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let p = arg(args, 0);
    if p.as_shared().is_some() || crate::sendable::class::is_sendable_ctor(vm, p) {
        return vm.throw_shared(skiff_shared::SharedError::cannot_create_with_sendable_proto());
    }
    if !p.is_object() && !p.is_null() {
        let s = vm.to_display_string(p);
        return Err(vm.type_error(format!(
            "Object prototype may only be an Object or null: {s}"
        )));
    }
    let o = vm.new_object_with_proto(p.as_object(), ObjectKind::Ordinary);
    let props = arg(args, 1);
    if !props.is_undefined() {
        vm.root(Value::object(o));
        define_properties_impl(vm, o, props)?;
    }
    Ok(Value::object(o))
}

fn get_prototype_of(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        return Ok(Value::object(crate::sendable::props::proto_of(vm, slot)));
    }
    let o = vm.to_object(arg(args, 0))?;
    Ok(vm
        .heap
        .obj(o)
        .proto
        .map(Value::object)
        .unwrap_or(Value::NULL))
}

/// OrdinarySetPrototypeOf; returns false on cycles or non-extensible targets.
pub fn set_proto(vm: &mut Vm, o: ObjRef, proto: Option<ObjRef>) -> bool {
    if vm.heap.obj(o).proto == proto {
        return true;
    }
    if !vm.heap.obj(o).extensible {
        return false;
    }
    let mut p = proto;
    while let Some(x) = p {
        if x == o {
            return false;
        }
        p = vm.heap.obj(x).proto;
    }
    vm.heap.obj_mut(o).proto = proto;
    true
}

fn set_prototype_of(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let t = arg(args, 0);
    let p = arg(args, 1);
    if t.is_nullish() {
        return Err(vm.type_error("Object.setPrototypeOf called on null or undefined"));
    }
    if t.as_shared().is_some() {
        crate::sendable::props::set_prototype(vm)?;
    }
    if !p.is_object() && !p.is_null() {
        let s = vm.to_display_string(p);
        return Err(vm.type_error(format!(
            "Object prototype may only be an Object or null: {s}"
        )));
    }
    if let Some(o) = t.as_object() {
        if !set_proto(vm, o, p.as_object()) {
            if !vm.heap.obj(o).extensible {
                let b = vm.object_brief(t);
                return Err(vm.type_error(format!("{b} is not extensible")));
            }
            return Err(vm.type_error("Cyclic __proto__ value"));
        }
    }
    Ok(t)
}

fn freeze(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let t = arg(args, 0);
    if let Some(slot) = t.as_shared() {
        crate::sendable::props::freeze(vm, slot)?;
    }
    if let Some(o) = t.as_object() {
        if let ObjectKind::TypedArray { length, .. } = vm.heap.obj(o).kind {
            if length > 0 {
                return Err(vm.type_error("Cannot freeze array buffer views with elements"));
            }
        }
        crate::sendable::class::freeze_statics(vm, o)?;
        vm.heap.obj_mut(o).set_integrity(true);
    }
    Ok(t)
}

fn seal(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let t = arg(args, 0);
    if let Some(o) = t.as_object() {
        vm.heap.obj_mut(o).set_integrity(false);
    }
    Ok(t)
}

fn prevent_extensions(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let t = arg(args, 0);
    if let Some(o) = t.as_object() {
        vm.heap.obj_mut(o).extensible = false;
    }
    Ok(t)
}

fn test_integrity(vm: &Vm, o: ObjRef, frozen: bool) -> bool {
    if vm.heap.obj(o).extensible {
        return false;
    }
    for k in vm.own_keys(o) {
        if let Some(p) = vm.get_own_property(o, k) {
            if p.attrs & ATTR_CONFIGURABLE != 0 {
                return false;
            }
            if frozen && p.attrs & ATTR_ACCESSOR == 0 && p.attrs & ATTR_WRITABLE != 0 {
                return false;
            }
        }
    }
    if frozen && vm.heap.obj(o).is_array() && vm.heap.obj(o).elem_mode != ElemMode::Frozen {
        return false;
    }
    true
}

fn is_frozen(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        return Ok(Value::bool(crate::sendable::props::is_frozen(vm, slot)));
    }
    Ok(Value::bool(match arg(args, 0).as_object() {
        Some(o) => test_integrity(vm, o, true),
        None => true,
    }))
}

fn is_sealed(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if arg(args, 0).as_shared().is_some() {
        // Non-extensible with non-configurable fields: always sealed (ES semantics).
        return Ok(Value::TRUE);
    }
    Ok(Value::bool(match arg(args, 0).as_object() {
        Some(o) => test_integrity(vm, o, false),
        None => true,
    }))
}

fn is_extensible(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(match arg(args, 0).as_object() {
        Some(o) => vm.heap.obj(o).extensible,
        None => false,
    }))
}

fn from_entries(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let o = vm.new_object();
    vm.root(Value::object(o));
    let items = super::iterator::iterate_to_vec(vm, arg(args, 0))?;
    for it in items {
        if !it.is_object() {
            return Err(vm.type_error("Iterator value is not an entry object"));
        }
        let k = vm.get(it, PropKey::Index(0))?;
        let v = vm.get(it, PropKey::Index(1))?;
        let key = vm.to_property_key(k)?;
        vm.create_data_property(o, key, v)?;
    }
    Ok(Value::object(o))
}

fn has_own(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let k = vm.to_property_key(arg(args, 1))?;
        let keys = crate::sendable::props::own_keys(vm, slot);
        return Ok(Value::bool(keys.contains(&k)));
    }
    let o = vm.to_object(arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    Ok(Value::bool(vm.get_own_property(o, k).is_some()))
}

fn object_is(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(vm.same_value(arg(args, 0), arg(args, 1))))
}

fn group_by(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let f = super::require_callable(vm, arg(args, 1))?;
    let items = super::iterator::iterate_to_vec(vm, arg(args, 0))?;
    let res = vm.new_object_with_proto(None, ObjectKind::Ordinary);
    vm.root(Value::object(res));
    for (i, it) in items.into_iter().enumerate() {
        let k = vm.call(f, Value::UNDEFINED, &[it, Value::number(i as f64)])?;
        let key = vm.to_property_key(k)?;
        let cur = vm.get(Value::object(res), key)?;
        match cur.as_object() {
            Some(a) => vm.heap.obj_mut(a).elements.push(it),
            None => {
                let a = vm.new_array_value(vec![it]);
                vm.create_data_property(res, key, a)?;
            }
        }
    }
    Ok(Value::object(res))
}

// ----- Object.prototype ------------------------------------------------------------------

fn has_own_property(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = vm.to_property_key(arg(args, 0))?;
    if let Some(slot) = this.as_shared() {
        let keys = crate::sendable::props::own_keys(vm, slot);
        return Ok(Value::bool(keys.contains(&k)));
    }
    let o = vm.to_object(this)?;
    Ok(Value::bool(vm.get_own_property(o, k).is_some()))
}

fn is_prototype_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let Some(v) = arg(args, 0).as_object() else {
        return Ok(Value::FALSE);
    };
    let o = vm.to_object(this)?;
    let mut p = vm.heap.obj(v).proto;
    while let Some(x) = p {
        if x == o {
            return Ok(Value::TRUE);
        }
        p = vm.heap.obj(x).proto;
    }
    Ok(Value::FALSE)
}

fn property_is_enumerable(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let k = vm.to_property_key(arg(args, 0))?;
    if let Some(slot) = this.as_shared() {
        let keys = crate::sendable::props::own_keys(vm, slot);
        return Ok(Value::bool(keys.contains(&k)));
    }
    let o = vm.to_object(this)?;
    Ok(Value::bool(
        vm.get_own_property(o, k)
            .is_some_and(|p| p.attrs & ATTR_ENUMERABLE != 0),
    ))
}

/// `Object.prototype.toString`.
pub fn object_to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if this.as_shared().is_some() {
        let tag = vm.get(this, PropKey::Sym(wk::TO_STRING_TAG))?;
        let t = if tag.is_string() {
            vm.js_str(tag).to_rust_string()
        } else {
            "Object".to_string()
        };
        return Ok(vm.str_val(&format!("[object {t}]")));
    }
    if this.is_undefined() {
        return Ok(vm.str_val("[object Undefined]"));
    }
    if this.is_null() {
        return Ok(vm.str_val("[object Null]"));
    }
    let o = vm.to_object(this)?;
    let builtin = match &vm.heap.obj(o).kind {
        ObjectKind::Array => "Array",
        ObjectKind::Closure(_) | ObjectKind::Native(_) | ObjectKind::Bound(_) => "Function",
        ObjectKind::Error(_) => "Error",
        ObjectKind::Boolean(_) => "Boolean",
        ObjectKind::Number(_) => "Number",
        ObjectKind::String(_) => "String",
        ObjectKind::Date(_) => "Date",
        ObjectKind::RegExp(_) => "RegExp",
        ObjectKind::Arguments => "Arguments",
        _ => "Object",
    };
    let tag = vm.get(Value::object(o), PropKey::Sym(wk::TO_STRING_TAG))?;
    let t = if tag.is_string() {
        vm.js_str(tag).to_rust_string()
    } else {
        builtin.to_string()
    };
    Ok(vm.str_val(&format!("[object {t}]")))
}

fn to_locale_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    vm.invoke(this, PropKey::Str(names::get().to_string), &[])
}

fn value_of(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if this.as_shared().is_some() {
        return Ok(this);
    }
    Ok(Value::object(vm.to_object(this)?))
}

fn proto_getter(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = vm.to_object(this)?;
    Ok(vm
        .heap
        .obj(o)
        .proto
        .map(Value::object)
        .unwrap_or(Value::NULL))
}

fn proto_setter(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let p = arg(args, 0);
    if let Some(o) = this.as_object() {
        if (p.is_object() || p.is_null()) && !set_proto(vm, o, p.as_object()) {
            return Err(vm.type_error("Cyclic __proto__ value"));
        }
    }
    Ok(Value::UNDEFINED)
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.object_proto;
    let ctor = vm.new_constructor("Object", 1, object_ctor, Some(proto));
    vm.realm.object_ctor = ctor;
    let statics: [(&str, u32, crate::object::NativeFn); 26] = [
        ("defineProperty", 3, define_property),
        ("defineProperties", 2, define_properties),
        ("getOwnPropertyDescriptor", 2, get_own_property_descriptor),
        ("getOwnPropertyDescriptors", 1, get_own_property_descriptors),
        ("keys", 1, object_keys),
        ("values", 1, object_values),
        ("entries", 1, object_entries),
        ("getOwnPropertyNames", 1, get_own_property_names),
        ("getOwnPropertySymbols", 1, get_own_property_symbols),
        ("assign", 2, object_assign),
        ("create", 2, object_create),
        ("getPrototypeOf", 1, get_prototype_of),
        ("setPrototypeOf", 2, set_prototype_of),
        ("freeze", 1, freeze),
        ("seal", 1, seal),
        ("preventExtensions", 1, prevent_extensions),
        ("isFrozen", 1, is_frozen),
        ("isSealed", 1, is_sealed),
        ("isExtensible", 1, is_extensible),
        ("fromEntries", 1, from_entries),
        ("hasOwn", 2, has_own),
        ("is", 2, object_is),
        ("groupBy", 2, group_by),
        ("keys", 1, object_keys),
        ("values", 1, object_values),
        ("entries", 1, object_entries),
    ];
    for (n, l, f) in statics {
        vm.define_method(ctor, n, l, f);
    }
    vm.define_method(proto, "hasOwnProperty", 1, has_own_property);
    vm.define_method(proto, "isPrototypeOf", 1, is_prototype_of);
    vm.define_method(proto, "propertyIsEnumerable", 1, property_is_enumerable);
    vm.define_method(proto, "toString", 0, object_to_string);
    vm.define_method(proto, "toLocaleString", 0, to_locale_string);
    vm.define_method(proto, "valueOf", 0, value_of);
    vm.define_method(proto, "__defineGetter__", 2, define_getter_legacy);
    vm.define_method(proto, "__defineSetter__", 2, define_setter_legacy);
    vm.define_method(proto, "__lookupGetter__", 1, lookup_getter_legacy);
    vm.define_method(proto, "__lookupSetter__", 1, lookup_setter_legacy);
    let g = vm.new_native("get __proto__", 0, proto_getter);
    let s = vm.new_native("set __proto__", 1, proto_setter);
    let acc = vm.heap.alloc_accessor(Value::object(g), Value::object(s));
    vm.heap.obj_mut(proto).put_raw(
        PropKey::from_str("__proto__"),
        acc,
        ATTR_CONFIGURABLE | ATTR_ACCESSOR,
    );
    set_global(vm, "Object", Value::object(ctor));
}
