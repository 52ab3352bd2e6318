//! Global functions and values: globalThis, parseInt/parseFloat, isNaN/isFinite, URI
//! functions, timers.

use super::{arg, set_global};
use crate::string::JsStr;
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;
use skiff_jslib::{number as jn, uri};
use std::time::Duration;

fn parse_int(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    let r = vm.to_int32(arg(args, 1))?;
    Ok(Value::number(jn::parse_int_utf16(&s.units(), r)))
}

fn parse_float(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_js_string(arg(args, 0))?;
    Ok(Value::number(jn::parse_float_utf16(&s.units())))
}

fn is_nan(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(vm.to_number(arg(args, 0))?.is_nan()))
}

fn is_finite(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(vm.to_number(arg(args, 0))?.is_finite()))
}

macro_rules! uri_fn {
    ($name:ident, $f:path) => {
        fn $name(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
            let s = vm.to_js_string(arg(args, 0))?;
            match $f(&s.units()) {
                Ok(u) => Ok(vm.new_string(JsStr::from_units_vec(u))),
                Err(e) => Err(vm.uri_error(e.message())),
            }
        }
    };
}

uri_fn!(encode_uri, uri::encode_uri);
uri_fn!(encode_uri_component, uri::encode_uri_component);
uri_fn!(decode_uri, uri::decode_uri);
uri_fn!(decode_uri_component, uri::decode_uri_component);

fn timer(vm: &mut Vm, args: &[Value], repeat: bool) -> JsResult<Value> {
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        return Err(vm.type_error("The \"callback\" argument must be of type function."));
    }
    let d = vm.to_number(arg(args, 1))?;
    let ms = if d.is_finite() && d >= 1.0 {
        d.min(2147483647.0)
    } else {
        1.0
    };
    let rest: Vec<Value> = args.iter().skip(2).copied().collect();
    let id = vm
        .event_loop
        .add_timer(f, rest, Duration::from_micros((ms * 1000.0) as u64), repeat);
    Ok(Value::number(id as f64))
}

fn set_timeout(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    timer(vm, args, false)
}

fn set_interval(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    timer(vm, args, true)
}

fn clear_timer(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(n) = arg(args, 0).as_number() {
        vm.event_loop.clear_timer(n as u32);
    }
    Ok(Value::UNDEFINED)
}

pub fn install(vm: &mut Vm) {
    let g = vm.realm.global;
    set_global(vm, "globalThis", Value::object(g));
    let none = 0;
    vm.define_value(g, "NaN", Value::number(f64::NAN), none);
    vm.define_value(g, "Infinity", Value::number(f64::INFINITY), none);
    vm.define_value(g, "undefined", Value::UNDEFINED, none);
    for (n, l, f) in [
        ("parseInt", 2, parse_int as crate::object::NativeFn),
        ("parseFloat", 1, parse_float),
        ("isNaN", 1, is_nan),
        ("isFinite", 1, is_finite),
        ("encodeURI", 1, encode_uri),
        ("encodeURIComponent", 1, encode_uri_component),
        ("decodeURI", 1, decode_uri),
        ("decodeURIComponent", 1, decode_uri_component),
        ("setTimeout", 2, set_timeout),
        ("setInterval", 2, set_interval),
        ("clearTimeout", 1, clear_timer),
        ("clearInterval", 1, clear_timer),
    ] {
        let fun = vm.new_native(n, l, f);
        set_global(vm, n, Value::object(fun));
    }
}
