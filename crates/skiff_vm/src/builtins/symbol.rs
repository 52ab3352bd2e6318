//! `Symbol`: well-known symbols and the registry.

use super::{arg, set_global};
use crate::atom::PropKey;
use crate::object::ObjectKind;
use crate::shape::ATTR_CONFIGURABLE;
use crate::string::JsStr;
use crate::value::{SymbolId, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;

fn symbol_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.new_target.is_undefined() {
        return Err(vm.type_error("Symbol is not a constructor"));
    }
    let d = arg(args, 0);
    let desc = if d.is_undefined() {
        None
    } else {
        Some(vm.to_js_string(d)?)
    };
    Ok(Value::symbol(vm.new_symbol(desc)))
}

fn this_symbol(vm: &mut Vm, this: Value) -> JsResult<SymbolId> {
    if let Some(s) = this.as_symbol() {
        return Ok(s);
    }
    if let Some(ObjectKind::Symbol(s)) = vm.heap.try_obj(this).map(|o| &o.kind) {
        return Ok(*s);
    }
    Err(vm.type_error("Symbol.prototype.valueOf requires that 'this' be a Symbol"))
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_symbol(vm, this)?;
    let t = vm.key_display(PropKey::Sym(s));
    Ok(vm.str_val(&t))
}

fn value_of(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::symbol(this_symbol(vm, this)?))
}

fn description(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_symbol(vm, this)?;
    match vm
        .symbols
        .get(s.0 as usize)
        .and_then(|d| d.description.clone())
    {
        Some(d) => Ok(vm.new_string(d)),
        None => Ok(Value::UNDEFINED),
    }
}

fn symbol_for(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let key = vm.to_js_string(arg(args, 0))?;
    if let Some(&s) = vm.symbol_registry.get(&key) {
        return Ok(Value::symbol(s));
    }
    let s = vm.new_symbol(Some(key.clone()));
    if let Some(d) = vm.symbols.get_mut(s.0 as usize) {
        d.registered = true;
    }
    vm.symbol_registry.insert(key, s);
    Ok(Value::symbol(s))
}

fn key_for(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let Some(s) = arg(args, 0).as_symbol() else {
        let t = vm.to_display_string(arg(args, 0));
        return Err(vm.type_error(format!("{t} is not a symbol")));
    };
    match vm.symbols.get(s.0 as usize) {
        Some(d) if d.registered => {
            let t = d.description.clone().unwrap_or_else(JsStr::empty);
            Ok(vm.new_string(t))
        }
        _ => Ok(Value::UNDEFINED),
    }
}

fn to_primitive(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::symbol(this_symbol(vm, this)?))
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.symbol_proto;
    let ctor = vm.new_constructor("Symbol", 0, symbol_ctor, Some(proto));
    vm.heap.obj_mut(ctor).constructible = false;
    for (i, n) in wk::NAMES.iter().enumerate() {
        vm.define_value(ctor, n, Value::symbol(SymbolId(i as u32)), 0);
    }
    vm.define_method(ctor, "for", 1, symbol_for);
    vm.define_method(ctor, "keyFor", 1, key_for);
    vm.define_method(proto, "toString", 0, to_string);
    vm.define_method(proto, "valueOf", 0, value_of);
    vm.define_getter(
        proto,
        PropKey::from_str("description"),
        "description",
        description,
    );
    let f = vm.new_native("[Symbol.toPrimitive]", 1, to_primitive);
    vm.heap.obj_mut(proto).put_raw(
        PropKey::Sym(wk::TO_PRIMITIVE),
        Value::object(f),
        ATTR_CONFIGURABLE,
    );
    let t = vm.str_val("Symbol");
    vm.heap
        .obj_mut(proto)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "Symbol", Value::object(ctor));
}
