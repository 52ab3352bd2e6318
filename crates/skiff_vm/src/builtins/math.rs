//! `Math`.

use super::{arg, set_global};
use crate::atom::PropKey;
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::Value;
use crate::vm::{wk, Vm};
use crate::JsResult;
use std::cell::Cell;

macro_rules! unary {
    ($name:ident, $f:expr) => {
        fn $name(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
            let x = vm.to_number(arg(args, 0))?;
            let f: fn(f64) -> f64 = $f;
            Ok(Value::number(f(x)))
        }
    };
}

unary!(abs, f64::abs);
unary!(acos, f64::acos);
unary!(acosh, f64::acosh);
unary!(asin, f64::asin);
unary!(asinh, |x| if x == 0.0 { x } else { x.asinh() });
unary!(atan, f64::atan);
unary!(atanh, f64::atanh);
unary!(cbrt, f64::cbrt);
unary!(ceil, f64::ceil);
unary!(cos, f64::cos);
unary!(cosh, f64::cosh);
unary!(exp, f64::exp);
unary!(expm1, f64::exp_m1);
unary!(floor, f64::floor);
unary!(fround, |x| x as f32 as f64);
unary!(log, f64::ln);
unary!(log1p, f64::ln_1p);
unary!(log10, f64::log10);
unary!(log2, f64::log2);
unary!(sign, |x| if x.is_nan() || x == 0.0 {
    x
} else {
    x.signum()
});
unary!(sin, f64::sin);
unary!(sinh, f64::sinh);
unary!(sqrt, f64::sqrt);
unary!(tan, f64::tan);
unary!(tanh, f64::tanh);
unary!(trunc, f64::trunc);
unary!(clz32, |x| crate::conv::to_uint32(x).leading_zeros() as f64);
unary!(round, |x| {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    if x > 0.0 && x < 0.5 {
        return 0.0;
    }
    if (-0.5..0.0).contains(&x) {
        return -0.0;
    }
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
});

fn atan2(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let y = vm.to_number(arg(args, 0))?;
    let x = vm.to_number(arg(args, 1))?;
    Ok(Value::number(y.atan2(x)))
}

fn pow(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let x = vm.to_number(arg(args, 0))?;
    let y = vm.to_number(arg(args, 1))?;
    Ok(Value::number(crate::ops::js_pow(x, y)))
}

fn imul(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let a = vm.to_int32(arg(args, 0))?;
    let b = vm.to_int32(arg(args, 1))?;
    Ok(Value::number(a.wrapping_mul(b) as f64))
}

fn max(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let mut r = f64::NEG_INFINITY;
    let mut nan = false;
    for &a in args {
        let x = vm.to_number(a)?;
        if x.is_nan() {
            nan = true;
        } else if x > r || (x == 0.0 && r == 0.0 && !x.is_sign_negative()) {
            r = x;
        }
    }
    Ok(Value::number(if nan { f64::NAN } else { r }))
}

fn min(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let mut r = f64::INFINITY;
    let mut nan = false;
    for &a in args {
        let x = vm.to_number(a)?;
        if x.is_nan() {
            nan = true;
        } else if x < r || (x == 0.0 && r == 0.0 && x.is_sign_negative()) {
            r = x;
        }
    }
    Ok(Value::number(if nan { f64::NAN } else { r }))
}

fn hypot(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let mut nums = Vec::new();
    for &a in args {
        nums.push(vm.to_number(a)?);
    }
    if nums.iter().any(|x| x.is_infinite()) {
        return Ok(Value::number(f64::INFINITY));
    }
    if nums.iter().any(|x| x.is_nan()) {
        return Ok(Value::number(f64::NAN));
    }
    let m = nums.iter().fold(0.0f64, |a, b| a.max(b.abs()));
    if m == 0.0 {
        return Ok(Value::number(0.0));
    }
    let s: f64 = nums.iter().map(|x| (x / m) * (x / m)).sum();
    Ok(Value::number(m * s.sqrt()))
}

thread_local! {
    static SEED: Cell<u64> = Cell::new({
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        t | 1
    });
}

/// xorshift64*: fast, good enough for Math.random (not cryptographic).
fn random(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let r = SEED.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    });
    Ok(Value::number((r >> 11) as f64 / (1u64 << 53) as f64))
}

pub fn install(vm: &mut Vm) {
    let m = vm.new_object();
    let fns: [(&str, u32, crate::object::NativeFn); 35] = [
        ("abs", 1, abs),
        ("acos", 1, acos),
        ("acosh", 1, acosh),
        ("asin", 1, asin),
        ("asinh", 1, asinh),
        ("atan", 1, atan),
        ("atanh", 1, atanh),
        ("atan2", 2, atan2),
        ("cbrt", 1, cbrt),
        ("ceil", 1, ceil),
        ("clz32", 1, clz32),
        ("cos", 1, cos),
        ("cosh", 1, cosh),
        ("exp", 1, exp),
        ("expm1", 1, expm1),
        ("floor", 1, floor),
        ("fround", 1, fround),
        ("hypot", 2, hypot),
        ("imul", 2, imul),
        ("log", 1, log),
        ("log1p", 1, log1p),
        ("log10", 1, log10),
        ("log2", 1, log2),
        ("max", 2, max),
        ("min", 2, min),
        ("pow", 2, pow),
        ("random", 0, random),
        ("round", 1, round),
        ("sign", 1, sign),
        ("sin", 1, sin),
        ("sinh", 1, sinh),
        ("sqrt", 1, sqrt),
        ("tan", 1, tan),
        ("tanh", 1, tanh),
        ("trunc", 1, trunc),
    ];
    for (n, l, f) in fns {
        vm.define_method(m, n, l, f);
    }
    for (n, v) in [
        ("E", std::f64::consts::E),
        ("LN10", std::f64::consts::LN_10),
        ("LN2", std::f64::consts::LN_2),
        ("LOG10E", std::f64::consts::LOG10_E),
        ("LOG2E", std::f64::consts::LOG2_E),
        ("PI", std::f64::consts::PI),
        ("SQRT1_2", std::f64::consts::FRAC_1_SQRT_2),
        ("SQRT2", std::f64::consts::SQRT_2),
    ] {
        vm.define_value(m, n, Value::number(v), 0);
    }
    let t = vm.str_val("Math");
    vm.heap
        .obj_mut(m)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "Math", Value::object(m));
}
