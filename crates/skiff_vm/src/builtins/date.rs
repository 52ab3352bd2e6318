//! `Date`, over the time arithmetic and formatting of `skiff_jslib::date`.

use super::{arg, set_global};
use crate::atom::PropKey;
use crate::object::ObjectKind;
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::Value;
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_jslib::date as jd;

fn local() -> &'static jd::Zone {
    jd::Zone::local()
}

/// Date.parse: V8's parser as ported in `skiff_jslib::date`.
pub fn parse_date(s: &str) -> f64 {
    jd::parse(s, local())
}

fn this_time(vm: &mut Vm, this: Value) -> JsResult<f64> {
    match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::Date(t)) => Ok(*t),
        _ => Err(vm.type_error("this is not a Date object.")),
    }
}

fn set_time_value(vm: &mut Vm, this: Value, t: f64) -> Value {
    let t = jd::time_clip(t);
    if let Some(o) = this.as_object() {
        vm.heap.obj_mut(o).kind = ObjectKind::Date(t);
    }
    Value::number(t)
}

fn components(vm: &mut Vm, args: &[Value]) -> JsResult<Option<f64>> {
    let mut n = [f64::NAN, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
    for (i, a) in args.iter().take(7).enumerate() {
        n[i] = vm.to_number(*a)?;
    }
    if n.iter().any(|x| !x.is_finite()) {
        return Ok(None);
    }
    let mut y = n[0].trunc();
    if (0.0..=99.0).contains(&y) {
        y += 1900.0;
    }
    Ok(Some(jd::make_date(
        jd::make_day(y, n[1], n[2]),
        jd::make_time(n[3], n[4], n[5], n[6]),
    )))
}

fn date_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        let s = jd::to_date_string(jd::now(), local());
        return Ok(vm.str_val(&s));
    }
    let t = match args.len() {
        0 => jd::now(),
        1 => {
            let v = args[0];
            if let Some(ObjectKind::Date(t)) = vm.heap.try_obj(v).map(|o| &o.kind) {
                *t
            } else {
                let p = vm.to_primitive(v, "default")?;
                if p.is_string() {
                    parse_date(&vm.js_str(p).to_rust_string())
                } else {
                    vm.to_number(p)?
                }
            }
        }
        _ => match components(vm, args)? {
            Some(t) => jd::utc(t, local()),
            None => f64::NAN,
        },
    };
    let nt = vm.new_target;
    let dp = vm.realm.date_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::Date(jd::time_clip(t)),
    )))
}

fn date_now(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::number(jd::now().floor()))
}

fn date_parse(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let s = vm.to_rust_string(arg(args, 0))?;
    Ok(Value::number(parse_date(&s)))
}

fn date_utc(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let args = if args.is_empty() {
        vec![Value::number(f64::NAN)]
    } else {
        args.to_vec()
    };
    Ok(Value::number(match components(vm, &args)? {
        Some(t) => jd::time_clip(t),
        None => f64::NAN,
    }))
}

macro_rules! getter {
    ($name:ident, $f:expr, $local:expr) => {
        fn $name(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
            let t = this_time(vm, this)?;
            if t.is_nan() {
                return Ok(Value::number(f64::NAN));
            }
            let t = if $local {
                jd::local_time(t, local())
            } else {
                t
            };
            let f: fn(f64) -> f64 = $f;
            Ok(Value::number(f(t)))
        }
    };
}

getter!(get_full_year, jd::year_from_time, true);
getter!(get_month, jd::month_from_time, true);
getter!(get_date, jd::date_from_time, true);
getter!(get_day, jd::week_day, true);
getter!(get_hours, jd::hour_from_time, true);
getter!(get_minutes, jd::min_from_time, true);
getter!(get_seconds, jd::sec_from_time, true);
getter!(get_milliseconds, jd::ms_from_time, true);
getter!(get_utc_full_year, jd::year_from_time, false);
getter!(get_utc_month, jd::month_from_time, false);
getter!(get_utc_date, jd::date_from_time, false);
getter!(get_utc_day, jd::week_day, false);
getter!(get_utc_hours, jd::hour_from_time, false);
getter!(get_utc_minutes, jd::min_from_time, false);
getter!(get_utc_seconds, jd::sec_from_time, false);
getter!(get_utc_milliseconds, jd::ms_from_time, false);
getter!(get_time, |t| t, false);

fn get_timezone_offset(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_time(vm, this)?;
    if t.is_nan() {
        return Ok(Value::number(f64::NAN));
    }
    Ok(Value::number(jd::timezone_offset_minutes(t, local())))
}

fn set_time(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    this_time(vm, this)?;
    let t = vm.to_number(arg(args, 0))?;
    Ok(set_time_value(vm, this, t))
}

/// Generic setter: `field` 0=year 1=month 2=date 3=hours 4=minutes 5=seconds 6=ms.
fn setter(
    vm: &mut Vm,
    this: Value,
    args: &[Value],
    field: usize,
    is_local: bool,
) -> JsResult<Value> {
    let t0 = this_time(vm, this)?;
    let mut nums = Vec::new();
    for a in args.iter().take(match field {
        0 => 3,
        1 => 2,
        3 => 4,
        4 => 3,
        5 => 2,
        _ => 1,
    }) {
        nums.push(vm.to_number(*a)?);
    }
    if nums.is_empty() {
        nums.push(f64::NAN);
    }
    let base = if t0.is_nan() {
        if field == 0 {
            0.0
        } else {
            return Ok(Value::number(f64::NAN));
        }
    } else if is_local {
        jd::local_time(t0, local())
    } else {
        t0
    };
    let mut f = [
        jd::year_from_time(base),
        jd::month_from_time(base),
        jd::date_from_time(base),
        jd::hour_from_time(base),
        jd::min_from_time(base),
        jd::sec_from_time(base),
        jd::ms_from_time(base),
    ];
    for (i, n) in nums.iter().enumerate() {
        if field + i < 7 {
            f[field + i] = *n;
        }
    }
    let t = jd::make_date(
        jd::make_day(f[0], f[1], f[2]),
        jd::make_time(f[3], f[4], f[5], f[6]),
    );
    let t = if is_local { jd::utc(t, local()) } else { t };
    Ok(set_time_value(vm, this, t))
}

macro_rules! setter_fn {
    ($name:ident, $field:expr, $local:expr) => {
        fn $name(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
            setter(vm, this, args, $field, $local)
        }
    };
}

setter_fn!(set_full_year, 0, true);
setter_fn!(set_month, 1, true);
setter_fn!(set_date, 2, true);
setter_fn!(set_hours, 3, true);
setter_fn!(set_minutes, 4, true);
setter_fn!(set_seconds, 5, true);
setter_fn!(set_milliseconds, 6, true);
setter_fn!(set_utc_full_year, 0, false);
setter_fn!(set_utc_month, 1, false);
setter_fn!(set_utc_date, 2, false);
setter_fn!(set_utc_hours, 3, false);
setter_fn!(set_utc_minutes, 4, false);
setter_fn!(set_utc_seconds, 5, false);
setter_fn!(set_utc_milliseconds, 6, false);

macro_rules! formatter {
    ($name:ident, $f:expr) => {
        fn $name(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
            let t = this_time(vm, this)?;
            if t.is_nan() {
                return Ok(vm.str_val("Invalid Date"));
            }
            let f: fn(f64) -> String = $f;
            let s = f(t);
            Ok(vm.str_val(&s))
        }
    };
}

formatter!(to_string, |t| jd::to_date_string(t, local()));
formatter!(to_date_string, |t| jd::to_date_only_string(t, local()));
formatter!(to_time_string, |t| jd::to_time_string(t, local()));
formatter!(to_utc_string, jd::to_utc_string);
formatter!(to_locale_string, |t| jd::to_locale_string(t, local()));
formatter!(to_locale_date_string, |t| jd::to_locale_date_string(
    t,
    local()
));
formatter!(to_locale_time_string, |t| jd::to_locale_time_string(
    t,
    local()
));

fn to_iso_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_time(vm, this)?;
    match jd::to_iso_string(t) {
        Ok(s) => Ok(vm.str_val(&s)),
        Err(e) => Err(vm.range_error(e.message())),
    }
}

fn to_json(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = Value::object(vm.to_object(this)?);
    let tv = vm.to_primitive(o, "number")?;
    if let Some(n) = tv.as_number() {
        if !n.is_finite() {
            return Ok(Value::NULL);
        }
    }
    vm.invoke(o, PropKey::from_str("toISOString"), &[])
}

fn value_of(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::number(this_time(vm, this)?))
}

fn to_primitive(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !this.is_object() {
        return Err(vm.type_error("Date.prototype[Symbol.toPrimitive] called on non-object"));
    }
    let hint = vm.to_rust_string(arg(args, 0))?;
    let order = match hint.as_str() {
        "string" | "default" => ["toString", "valueOf"],
        "number" => ["valueOf", "toString"],
        _ => return Err(vm.type_error(format!("Invalid hint: {hint}"))),
    };
    for n in order {
        let f = vm.get(this, PropKey::from_str(n))?;
        if vm.is_callable(f) {
            let r = vm.call(f, this, &[])?;
            if !r.is_object() {
                return Ok(r);
            }
        }
    }
    Err(vm.type_error("Cannot convert object to primitive value"))
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.date_proto;
    let ctor = vm.new_constructor("Date", 7, date_ctor, Some(proto));
    vm.define_method(ctor, "now", 0, date_now);
    vm.define_method(ctor, "parse", 1, date_parse);
    vm.define_method(ctor, "UTC", 7, date_utc);
    let methods: [(&str, u32, crate::object::NativeFn); 45] = [
        ("getFullYear", 0, get_full_year),
        ("getMonth", 0, get_month),
        ("getDate", 0, get_date),
        ("getDay", 0, get_day),
        ("getHours", 0, get_hours),
        ("getMinutes", 0, get_minutes),
        ("getSeconds", 0, get_seconds),
        ("getMilliseconds", 0, get_milliseconds),
        ("getUTCFullYear", 0, get_utc_full_year),
        ("getUTCMonth", 0, get_utc_month),
        ("getUTCDate", 0, get_utc_date),
        ("getUTCDay", 0, get_utc_day),
        ("getUTCHours", 0, get_utc_hours),
        ("getUTCMinutes", 0, get_utc_minutes),
        ("getUTCSeconds", 0, get_utc_seconds),
        ("getUTCMilliseconds", 0, get_utc_milliseconds),
        ("getTime", 0, get_time),
        ("valueOf", 0, value_of),
        ("getTimezoneOffset", 0, get_timezone_offset),
        ("setTime", 1, set_time),
        ("setFullYear", 3, set_full_year),
        ("setMonth", 2, set_month),
        ("setDate", 1, set_date),
        ("setHours", 4, set_hours),
        ("setMinutes", 3, set_minutes),
        ("setSeconds", 2, set_seconds),
        ("setMilliseconds", 1, set_milliseconds),
        ("setUTCFullYear", 3, set_utc_full_year),
        ("setUTCMonth", 2, set_utc_month),
        ("setUTCDate", 1, set_utc_date),
        ("setUTCHours", 4, set_utc_hours),
        ("setUTCMinutes", 3, set_utc_minutes),
        ("setUTCSeconds", 2, set_utc_seconds),
        ("setUTCMilliseconds", 1, set_utc_milliseconds),
        ("toString", 0, to_string),
        ("toDateString", 0, to_date_string),
        ("toTimeString", 0, to_time_string),
        ("toUTCString", 0, to_utc_string),
        ("toGMTString", 0, to_utc_string),
        ("toISOString", 0, to_iso_string),
        ("toJSON", 1, to_json),
        ("toLocaleString", 0, to_locale_string),
        ("toLocaleDateString", 0, to_locale_date_string),
        ("toLocaleTimeString", 0, to_locale_time_string),
        ("getYear", 0, get_full_year),
    ];
    for (n, l, f) in methods {
        vm.define_method(proto, n, l, f);
    }
    let f = vm.new_native("[Symbol.toPrimitive]", 1, to_primitive);
    vm.heap.obj_mut(proto).put_raw(
        PropKey::Sym(wk::TO_PRIMITIVE),
        Value::object(f),
        ATTR_CONFIGURABLE,
    );
    set_global(vm, "Date", Value::object(ctor));
}
