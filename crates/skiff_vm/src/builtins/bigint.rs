//! `BigInt` and `Reflect`.

use super::{arg, set_global};
use crate::atom::PropKey;
use crate::object::ObjectKind;
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::Value;
use crate::vm::{wk, Vm};
use crate::JsResult;
use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

/// ToBigInt.
pub fn to_bigint(vm: &mut Vm, v: Value) -> JsResult<BigInt> {
    let p = vm.to_primitive(v, "number")?;
    if p.as_bigint().is_some() {
        return Ok(vm.bigint_of(p));
    }
    if let Some(b) = p.as_bool() {
        return Ok(if b { BigInt::one() } else { BigInt::zero() });
    }
    if p.is_string() {
        let s = vm.js_str(p).to_rust_string();
        return parse_bigint(s.trim())
            .ok_or_else(|| vm.syntax_error(format!("Cannot convert {s} to a BigInt")));
    }
    let s = vm.to_display_string(p);
    Err(vm.type_error(format!("Cannot convert {s} to a BigInt")))
}

fn parse_bigint(s: &str) -> Option<BigInt> {
    if s.is_empty() {
        return Some(BigInt::zero());
    }
    let (radix, digits) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (2, r)
    } else {
        (10, s)
    };
    if digits.is_empty() || (radix != 10 && digits.starts_with(['+', '-'])) {
        return None;
    }
    BigInt::parse_bytes(digits.as_bytes(), radix)
}

fn bigint_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.new_target.is_undefined() {
        return Err(vm.type_error("BigInt is not a constructor"));
    }
    let v = arg(args, 0);
    let p = vm.to_primitive(v, "number")?;
    if let Some(n) = p.as_number() {
        if !n.is_finite() || n.fract() != 0.0 {
            let s = crate::conv::number_to_string(n);
            return Err(vm.range_error(format!(
                "The number {s} cannot be converted to a BigInt because it is not an integer"
            )));
        }
        let b = BigInt::from(n as i128);
        let b = if n.abs() < 1.7e38 { b } else { big_from_f64(n) };
        return Ok(vm.new_bigint(b));
    }
    let b = to_bigint(vm, p)?;
    Ok(vm.new_bigint(b))
}

fn big_from_f64(n: f64) -> BigInt {
    let bits = n.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1075;
    let mant = (bits & ((1 << 52) - 1)) | (1 << 52);
    let m = BigInt::from(mant);
    let r = if exp >= 0 {
        m << exp as usize
    } else {
        m >> (-exp) as usize
    };
    if n < 0.0 {
        -r
    } else {
        r
    }
}

fn this_bigint(vm: &mut Vm, this: Value) -> JsResult<BigInt> {
    if this.as_bigint().is_some() {
        return Ok(vm.bigint_of(this));
    }
    if let Some(ObjectKind::BigInt(b)) = vm.heap.try_obj(this).map(|o| &o.kind) {
        let b = *b;
        return Ok(vm.bigint_of(b));
    }
    Err(vm.type_error("BigInt.prototype.valueOf requires that 'this' be a BigInt"))
}

fn to_string(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bigint(vm, this)?;
    let r = if arg(args, 0).is_undefined() {
        10.0
    } else {
        vm.to_integer(args[0])?
    };
    if !(2.0..=36.0).contains(&r) {
        return Err(vm.range_error("toString() radix argument must be between 2 and 36"));
    }
    Ok(vm.str_val(&b.to_str_radix(r as u32)))
}

fn value_of(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_bigint(vm, this)?;
    Ok(vm.new_bigint(b))
}

fn as_int_n(vm: &mut Vm, args: &[Value], signed: bool) -> JsResult<Value> {
    let bits = vm.to_integer(arg(args, 0))?;
    if !(0.0..=9007199254740991.0).contains(&bits) {
        return Err(vm.range_error("Invalid value: not (convertible to) a safe integer"));
    }
    let b = to_bigint(vm, arg(args, 1))?;
    let bits = bits as usize;
    if bits == 0 {
        return Ok(vm.new_bigint(BigInt::zero()));
    }
    if bits > 1 << 20 {
        return Ok(vm.new_bigint(b));
    }
    let m = BigInt::one() << bits;
    let mut r = ((b % &m) + &m) % &m;
    if signed && r >= (BigInt::one() << (bits - 1)) {
        r -= m;
    }
    let _ = r.is_negative();
    Ok(vm.new_bigint(r))
}

fn as_int_n_fn(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    as_int_n(vm, args, true)
}

fn as_uint_n_fn(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    as_int_n(vm, args, false)
}

// ----- Reflect ------------------------------------------------------------------------------

fn target(vm: &mut Vm, v: Value) -> JsResult<crate::value::ObjRef> {
    match v.as_object() {
        Some(o) => Ok(o),
        None => {
            // The message names the Reflect function, which is the current native's `name`.
            let callee = vm.native_callee;
            let n = vm
                .heap
                .try_obj(callee)
                .and_then(|f| f.get_own(PropKey::from_str("name")))
                .and_then(|p| p.value.as_string())
                .map(|s| vm.heap.str(s).to_rust_string())
                .unwrap_or_default();
            Err(vm.type_error(format!("Reflect.{n} called on non-object")))
        }
    }
}

fn r_apply(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let list = super::function::list_from_array_like(vm, arg(args, 2))?;
    vm.call(arg(args, 0), arg(args, 1), &list)
}

fn r_construct(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let f = arg(args, 0);
    let nt = if args.len() > 2 { args[2] } else { f };
    if !vm.is_constructor(f) {
        return Err(vm.type_error("Reflect.construct: target is not a constructor"));
    }
    if !vm.is_constructor(nt) {
        return Err(vm.type_error("Reflect.construct: newTarget is not a constructor"));
    }
    let list = super::function::list_from_array_like(vm, arg(args, 1))?;
    vm.construct(f, &list, nt)
}

fn r_define_property(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let o = target(vm, arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    let d = super::object::to_property_descriptor(vm, arg(args, 2))?;
    Ok(Value::bool(vm.define_own_property(o, k, d)?))
}

fn r_delete_property(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let k = vm.to_property_key(arg(args, 1))?;
        return crate::sendable::props::delete(vm, slot, k).map(Value::bool);
    }
    let o = target(vm, arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    Ok(Value::bool(vm.delete_property(o, k)))
}

fn r_get(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let k = vm.to_property_key(arg(args, 1))?;
        let recv = if args.len() > 2 {
            args[2]
        } else {
            arg(args, 0)
        };
        return crate::sendable::props::get(vm, slot, k, recv);
    }
    let o = target(vm, arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    let recv = if args.len() > 2 {
        args[2]
    } else {
        Value::object(o)
    };
    vm.get_from(o, k, recv)
}

fn r_set(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let k = vm.to_property_key(arg(args, 1))?;
        let ok = crate::sendable::props::set(vm, slot, k, arg(args, 2), arg(args, 0)).is_ok();
        return Ok(Value::bool(ok));
    }
    let o = target(vm, arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    Ok(Value::bool(
        vm.set(Value::object(o), k, arg(args, 2)).is_ok(),
    ))
}

fn r_has(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let k = vm.to_property_key(arg(args, 1))?;
        return Ok(Value::bool(crate::sendable::props::has(vm, slot, k)));
    }
    let o = target(vm, arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    Ok(Value::bool(vm.has_property(o, k)))
}

fn r_own_keys(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        let keys = crate::sendable::props::own_keys(vm, slot);
        let vals: Vec<Value> = keys.into_iter().map(|k| vm.key_to_value(k)).collect();
        return Ok(vm.new_array_value(vals));
    }
    let o = target(vm, arg(args, 0))?;
    let keys = vm.own_keys(o);
    let vals: Vec<Value> = keys.into_iter().map(|k| vm.key_to_value(k)).collect();
    Ok(vm.new_array_value(vals))
}

fn r_get_prototype_of(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(slot) = arg(args, 0).as_shared() {
        return Ok(Value::object(crate::sendable::props::proto_of(vm, slot)));
    }
    let o = target(vm, arg(args, 0))?;
    Ok(vm
        .heap
        .obj(o)
        .proto
        .map(Value::object)
        .unwrap_or(Value::NULL))
}

fn r_set_prototype_of(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let o = target(vm, arg(args, 0))?;
    let p = arg(args, 1);
    if !p.is_object() && !p.is_null() {
        return Err(vm.type_error("Object prototype may only be an Object or null"));
    }
    Ok(Value::bool(super::object::set_proto(vm, o, p.as_object())))
}

fn r_is_extensible(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if arg(args, 0).as_shared().is_some() {
        return Ok(Value::FALSE);
    }
    let o = target(vm, arg(args, 0))?;
    Ok(Value::bool(vm.heap.obj(o).extensible))
}

fn r_prevent_extensions(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let o = target(vm, arg(args, 0))?;
    vm.heap.obj_mut(o).extensible = false;
    Ok(Value::TRUE)
}

fn r_gopd(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let o = target(vm, arg(args, 0))?;
    let k = vm.to_property_key(arg(args, 1))?;
    match vm.get_own_descriptor(o, k)? {
        Some(d) => Ok(super::object::from_property_descriptor(vm, d)),
        None => Ok(Value::UNDEFINED),
    }
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.bigint_proto;
    let ctor = vm.new_constructor("BigInt", 1, bigint_ctor, Some(proto));
    vm.heap.obj_mut(ctor).constructible = false;
    vm.define_method(proto, "toString", 0, to_string);
    vm.define_method(proto, "toLocaleString", 0, to_string);
    vm.define_method(proto, "valueOf", 0, value_of);
    vm.define_method(ctor, "asIntN", 2, as_int_n_fn);
    vm.define_method(ctor, "asUintN", 2, as_uint_n_fn);
    let t = vm.str_val("BigInt");
    vm.heap
        .obj_mut(proto)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "BigInt", Value::object(ctor));

    let r = vm.new_object();
    for (n, l, f) in [
        ("apply", 3, r_apply as crate::object::NativeFn),
        ("construct", 2, r_construct),
        ("defineProperty", 3, r_define_property),
        ("deleteProperty", 2, r_delete_property),
        ("get", 2, r_get),
        ("set", 3, r_set),
        ("has", 2, r_has),
        ("ownKeys", 1, r_own_keys),
        ("getPrototypeOf", 1, r_get_prototype_of),
        ("setPrototypeOf", 2, r_set_prototype_of),
        ("isExtensible", 1, r_is_extensible),
        ("preventExtensions", 1, r_prevent_extensions),
        ("getOwnPropertyDescriptor", 2, r_gopd),
    ] {
        vm.define_method(r, n, l, f);
    }
    let t = vm.str_val("Reflect");
    vm.heap
        .obj_mut(r)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "Reflect", Value::object(r));
}
