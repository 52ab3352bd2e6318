//! `Number`, `Boolean`.

use super::{arg, set_global};
use crate::object::ObjectKind;
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;
use skiff_jslib::number as jn;

fn number_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let n = if args.is_empty() {
        0.0
    } else {
        let p = vm.to_numeric(args[0])?;
        if p.as_bigint().is_some() {
            use num_traits::ToPrimitive;
            vm.bigint_of(p).to_f64().unwrap_or(f64::NAN)
        } else {
            p.num()
        }
    };
    if vm.new_target.is_undefined() {
        return Ok(Value::number(n));
    }
    let nt = vm.new_target;
    let dp = vm.realm.number_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(Value::object(
        vm.new_object_with_proto(Some(proto), ObjectKind::Number(n)),
    ))
}

fn this_number(vm: &mut Vm, this: Value, method: &str) -> JsResult<f64> {
    if let Some(n) = this.as_number() {
        return Ok(n);
    }
    if let Some(ObjectKind::Number(n)) = vm.heap.try_obj(this).map(|o| &o.kind) {
        return Ok(*n);
    }
    Err(vm.type_error(format!(
        "Number.prototype.{method} requires that 'this' be a Number"
    )))
}

fn to_string(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let n = this_number(vm, this, "toString")?;
    let r = arg(args, 0);
    let radix = if r.is_undefined() {
        10.0
    } else {
        vm.to_integer(r)?
    };
    match jn::to_string_with_radix(n, radix) {
        Ok(s) => Ok(vm.str_val(&s)),
        Err(e) => Err(vm.range_error(e.message())),
    }
}

fn to_locale_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let n = this_number(vm, this, "toLocaleString")?;
    Ok(vm.str_val(&jn::to_locale_string(n)))
}

fn value_of(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::number(this_number(vm, this, "valueOf")?))
}

fn to_fixed(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let n = this_number(vm, this, "toFixed")?;
    let d = vm.to_integer(arg(args, 0))?;
    match jn::to_fixed(n, d) {
        Ok(s) => Ok(vm.str_val(&s)),
        Err(e) => Err(vm.range_error(e.message())),
    }
}

fn to_exponential(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let n = this_number(vm, this, "toExponential")?;
    let d = if arg(args, 0).is_undefined() {
        None
    } else {
        Some(vm.to_integer(args[0])?)
    };
    match jn::to_exponential(n, d) {
        Ok(s) => Ok(vm.str_val(&s)),
        Err(e) => Err(vm.range_error(e.message())),
    }
}

fn to_precision(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let n = this_number(vm, this, "toPrecision")?;
    let d = if arg(args, 0).is_undefined() {
        None
    } else {
        Some(vm.to_integer(args[0])?)
    };
    match jn::to_precision(n, d) {
        Ok(s) => Ok(vm.str_val(&s)),
        Err(e) => Err(vm.range_error(e.message())),
    }
}

fn is_integer_val(v: Value) -> bool {
    v.as_number()
        .is_some_and(|n| n.is_finite() && n.trunc() == n)
}

fn is_integer(_vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(is_integer_val(arg(args, 0))))
}

fn is_safe_integer(_vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let v = arg(args, 0);
    Ok(Value::bool(
        is_integer_val(v) && v.num().abs() <= 9007199254740991.0,
    ))
}

fn n_is_finite(_vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(
        arg(args, 0).as_number().is_some_and(|n| n.is_finite()),
    ))
}

fn n_is_nan(_vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(
        arg(args, 0).as_number().is_some_and(|n| n.is_nan()),
    ))
}

fn boolean_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let b = vm.to_boolean(arg(args, 0));
    if vm.new_target.is_undefined() {
        return Ok(Value::bool(b));
    }
    let nt = vm.new_target;
    let dp = vm.realm.boolean_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::Boolean(b),
    )))
}

fn this_bool(vm: &mut Vm, this: Value, method: &str) -> JsResult<bool> {
    if let Some(b) = this.as_bool() {
        return Ok(b);
    }
    if let Some(ObjectKind::Boolean(b)) = vm.heap.try_obj(this).map(|o| &o.kind) {
        return Ok(*b);
    }
    Err(vm.type_error(format!(
        "Boolean.prototype.{method} requires that 'this' be a Boolean"
    )))
}

fn bool_to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_bool(vm, this, "toString")?;
    Ok(vm.str_val(if b { "true" } else { "false" }))
}

fn bool_value_of(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(this_bool(vm, this, "valueOf")?))
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.number_proto;
    vm.heap.obj_mut(proto).kind = ObjectKind::Number(0.0);
    let ctor = vm.new_constructor("Number", 1, number_ctor, Some(proto));
    vm.define_method(proto, "toString", 1, to_string);
    vm.define_method(proto, "toLocaleString", 0, to_locale_string);
    vm.define_method(proto, "valueOf", 0, value_of);
    vm.define_method(proto, "toFixed", 1, to_fixed);
    vm.define_method(proto, "toExponential", 1, to_exponential);
    vm.define_method(proto, "toPrecision", 1, to_precision);
    vm.define_method(ctor, "isInteger", 1, is_integer);
    vm.define_method(ctor, "isSafeInteger", 1, is_safe_integer);
    vm.define_method(ctor, "isFinite", 1, n_is_finite);
    vm.define_method(ctor, "isNaN", 1, n_is_nan);
    for (n, v) in [
        ("MAX_SAFE_INTEGER", 9007199254740991.0),
        ("MIN_SAFE_INTEGER", -9007199254740991.0),
        ("MAX_VALUE", f64::MAX),
        ("MIN_VALUE", 5e-324),
        ("EPSILON", f64::EPSILON),
        ("POSITIVE_INFINITY", f64::INFINITY),
        ("NEGATIVE_INFINITY", f64::NEG_INFINITY),
        ("NaN", f64::NAN),
    ] {
        vm.define_value(ctor, n, Value::number(v), 0);
    }
    let g = vm.realm.global;
    let pi = vm
        .heap
        .obj(g)
        .get_own(crate::atom::PropKey::from_str("parseInt"))
        .map(|p| p.value);
    let pf = vm
        .heap
        .obj(g)
        .get_own(crate::atom::PropKey::from_str("parseFloat"))
        .map(|p| p.value);
    if let Some(v) = pi {
        vm.define_value(ctor, "parseInt", v, crate::shape::ATTR_HIDDEN);
    }
    if let Some(v) = pf {
        vm.define_value(ctor, "parseFloat", v, crate::shape::ATTR_HIDDEN);
    }
    set_global(vm, "Number", Value::object(ctor));

    let bp = vm.realm.boolean_proto;
    vm.heap.obj_mut(bp).kind = ObjectKind::Boolean(false);
    let bc = vm.new_constructor("Boolean", 1, boolean_ctor, Some(bp));
    vm.define_method(bp, "toString", 0, bool_to_string);
    vm.define_method(bp, "valueOf", 0, bool_value_of);
    set_global(vm, "Boolean", Value::object(bc));
}
