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

/// Parses the ISO format (and the `toString`/`toUTCString` forms node prints).
pub fn parse_date(s: &str) -> f64 {
    let s = s.trim();
    if let Some(t) = parse_iso(s) {
        return t;
    }
    parse_informal(s).unwrap_or(f64::NAN)
}

fn num(s: &str) -> Option<f64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<f64>().ok()
}

fn parse_iso(s: &str) -> Option<f64> {
    let (date, time) = match s.find('T').or_else(|| s.find(' ').filter(|_| s.len() > 10)) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (sign, body) = if let Some(r) = date.strip_prefix('+') {
        (1.0, r)
    } else if let Some(r) = date.strip_prefix('-') {
        (-1.0, r)
    } else {
        (1.0, date)
    };
    let parts: Vec<&str> = body.split('-').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let year = sign * num(parts[0])?;
    if parts[0].len() != 4 && parts[0].len() != 6 {
        return None;
    }
    let month = if parts.len() > 1 { num(parts[1])? } else { 1.0 };
    let day = if parts.len() > 2 { num(parts[2])? } else { 1.0 };
    if !(1.0..=12.0).contains(&month) || !(1.0..=31.0).contains(&day) {
        return None;
    }
    let mut h = 0.0;
    let mut mi = 0.0;
    let mut sec = 0.0;
    let mut ms = 0.0;
    let mut offset: Option<f64> = None;
    if let Some(t) = time {
        let (clock, tz) = if let Some(r) = t.strip_suffix('Z') {
            (r, Some(0.0))
        } else if let Some(i) = t.rfind(['+', '-']) {
            let z = &t[i + 1..];
            let zs: Vec<&str> = z.split(':').collect();
            let (zh, zm) = if zs.len() == 2 {
                (num(zs[0])?, num(zs[1])?)
            } else if z.len() == 4 {
                (num(&z[..2])?, num(&z[2..])?)
            } else {
                return None;
            };
            let sgn = if &t[i..i + 1] == "-" { -1.0 } else { 1.0 };
            (&t[..i], Some(sgn * (zh * 60.0 + zm)))
        } else {
            (t, None)
        };
        offset = tz;
        let cs: Vec<&str> = clock.split(':').collect();
        if cs.len() < 2 || cs.len() > 3 {
            return None;
        }
        h = num(cs[0])?;
        mi = num(cs[1])?;
        if cs.len() == 3 {
            let (sp, msp) = match cs[2].find('.') {
                Some(i) => (&cs[2][..i], Some(&cs[2][i + 1..])),
                None => (cs[2], None),
            };
            sec = num(sp)?;
            if let Some(m) = msp {
                let digits: String = m.chars().take(3).collect();
                let v = num(&digits)?;
                ms = v * 10f64.powi(3 - digits.len() as i32);
            }
        }
        if h > 24.0 || mi > 59.0 || sec > 59.0 {
            return None;
        }
    }
    let day_v = jd::make_day(year, month - 1.0, day);
    let t = jd::make_date(day_v, jd::make_time(h, mi, sec, ms));
    let t = match (offset, time.is_some()) {
        (Some(o), _) => t - o * 60_000.0,
        (None, true) => jd::utc(t, local()),
        (None, false) => t,
    };
    let t = jd::time_clip(t);
    if t.is_nan() {
        None
    } else {
        Some(t)
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Forms like "Tue Mar 05 2024 10:00:00 GMT+0100", "Mar 5, 2024", "5 March 2024 10:00 UTC".
fn parse_informal(s: &str) -> Option<f64> {
    let cleaned: String = s.chars().map(|c| if c == ',' { ' ' } else { c }).collect();
    let mut year = None;
    let mut month = None;
    let mut day = None;
    let mut time = (0.0, 0.0, 0.0);
    let mut offset: Option<f64> = None;
    for tok in cleaned.split_whitespace() {
        let lower = tok.to_ascii_lowercase();
        if let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m)) {
            month = Some(m as f64);
        } else if tok.contains(':') {
            let p: Vec<&str> = tok.split(':').collect();
            time = (
                num(p[0])?,
                num(p.get(1).copied().unwrap_or("0"))?,
                num(p.get(2).copied().unwrap_or("0"))?,
            );
        } else if lower == "utc" || lower == "gmt" || lower == "z" {
            offset = Some(0.0);
        } else if let Some(z) = lower
            .strip_prefix("gmt")
            .or_else(|| lower.strip_prefix("utc"))
        {
            let sgn = if z.starts_with('-') { -1.0 } else { 1.0 };
            let d = &z[1..];
            if d.len() == 4 {
                offset = Some(sgn * (num(&d[..2])? * 60.0 + num(&d[2..])?));
            }
        } else if tok.starts_with('(') || tok.ends_with(')') {
            continue;
        } else if let Some(n) = num(tok) {
            if day.is_none() && n <= 31.0 && tok.len() <= 2 {
                day = Some(n);
            } else {
                year = Some(n);
            }
        } else if ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .any(|d| lower.starts_with(d))
        {
            continue;
        } else {
            return None;
        }
    }
    let (y, m) = (year?, month?);
    let d = day.unwrap_or(1.0);
    let t = jd::make_date(
        jd::make_day(y, m, d),
        jd::make_time(time.0, time.1, time.2, 0.0),
    );
    let t = match offset {
        Some(o) => t - o * 60_000.0,
        None => jd::utc(t, local()),
    };
    let t = jd::time_clip(t);
    if t.is_nan() {
        None
    } else {
        Some(t)
    }
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
        _ => return Err(vm.type_error("Invalid hint")),
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
