//! `String` and `String.prototype` (UTF-16 semantics throughout).

use super::{arg, set_global};
use crate::atom::{names, PropKey};
use crate::conv::relative_index;
use crate::object::ObjectKind;
use crate::ops::MAX_STRING_LEN;
use crate::string::JsStr;
use crate::value::Value;
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_jslib::string as js;

fn this_str(vm: &mut Vm, this: Value, method: &str) -> JsResult<JsStr> {
    if this.is_nullish() {
        return Err(vm.type_error(format!(
            "String.prototype.{method} called on null or undefined"
        )));
    }
    vm.to_js_string(this)
}

fn string_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let v = if args.is_empty() {
        vm.new_string(JsStr::empty())
    } else if vm.new_target.is_undefined() && args[0].as_symbol().is_some() {
        let s = vm.to_display_string(args[0]);
        vm.str_val(&s)
    } else {
        vm.to_string_value(args[0])?
    };
    if vm.new_target.is_undefined() {
        return Ok(v);
    }
    let nt = vm.new_target;
    let dp = vm.realm.string_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(Value::object(
        vm.new_object_with_proto(Some(proto), ObjectKind::String(v)),
    ))
}

fn from_char_code(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let mut u = Vec::with_capacity(args.len());
    for &a in args {
        u.push(crate::conv::to_uint32(vm.to_number(a)?) as u16);
    }
    Ok(vm.new_string(JsStr::from_units_vec(u)))
}

fn from_code_point(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let mut u = Vec::with_capacity(args.len());
    for &a in args {
        let n = vm.to_number(a)?;
        if n.fract() != 0.0 || !(0.0..=1114111.0).contains(&n) {
            let s = crate::conv::number_to_string(n);
            return Err(vm.range_error(format!("Invalid code point {s}")));
        }
        js::push_code_point(&mut u, n as u32);
    }
    Ok(vm.new_string(JsStr::from_units_vec(u)))
}

fn raw(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let cooked = vm.to_object(arg(args, 0))?;
    let r = vm.get(Value::object(cooked), PropKey::from_str("raw"))?;
    let r = Value::object(vm.to_object(r)?);
    let len = vm.length_of(r)? as usize;
    let mut out = Vec::new();
    for i in 0..len {
        let seg = vm.get(r, PropKey::Index(i as u32))?;
        vm.to_js_string(seg)?.push_units(&mut out);
        if i + 1 < len && i + 1 < args.len() {
            vm.to_js_string(args[i + 1])?.push_units(&mut out);
        }
    }
    Ok(vm.new_string(JsStr::from_units_vec(out)))
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if this.is_string() {
        return Ok(this);
    }
    if let Some(ObjectKind::String(s)) = vm.heap.try_obj(this).map(|o| &o.kind) {
        return Ok(*s);
    }
    Err(vm.type_error("String.prototype.toString requires that 'this' be a String"))
}

fn char_at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "charAt")?;
    let i = vm.to_integer(arg(args, 0))?;
    if i < 0.0 || i >= s.len() as f64 {
        return Ok(vm.new_string(JsStr::empty()));
    }
    Ok(vm.new_string(s.substring(i as usize, i as usize + 1)))
}

fn char_code_at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    // A string primitive and a number index (the usual call) read the unit in place.
    if let (Some(r), Some(n)) = (this.as_string(), arg(args, 0).as_number()) {
        let s = vm.heap.str(r);
        let i = crate::conv::to_integer(n);
        return Ok(if i < 0.0 || i >= s.len() as f64 {
            Value::number(f64::NAN)
        } else {
            Value::number(s.at(i as usize) as f64)
        });
    }
    let s = this_str(vm, this, "charCodeAt")?;
    let i = vm.to_integer(arg(args, 0))?;
    if i < 0.0 || i >= s.len() as f64 {
        return Ok(Value::number(f64::NAN));
    }
    Ok(Value::number(s.at(i as usize) as f64))
}

fn code_point_at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "codePointAt")?;
    let i = vm.to_integer(arg(args, 0))?;
    if i < 0.0 || i >= s.len() as f64 {
        return Ok(Value::UNDEFINED);
    }
    let u = s.units();
    Ok(match js::code_point_at(&u, i as usize) {
        Some((cp, _)) => Value::number(cp as f64),
        None => Value::UNDEFINED,
    })
}

fn at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "at")?;
    let rel = vm.to_integer(arg(args, 0))?;
    let len = s.len() as f64;
    let k = if rel >= 0.0 { rel } else { len + rel };
    if k < 0.0 || k >= len {
        return Ok(Value::UNDEFINED);
    }
    Ok(vm.new_string(s.substring(k as usize, k as usize + 1)))
}

/// IsRegExp(v): `v[Symbol.match]` when defined, else whether `v` is a RegExp object.
pub(crate) fn is_regexp_arg(vm: &mut Vm, v: Value) -> JsResult<bool> {
    if !v.is_object() {
        return Ok(false);
    }
    let m = vm.get(v, PropKey::Sym(wk::MATCH))?;
    if !m.is_undefined() {
        return Ok(vm.to_boolean(m));
    }
    Ok(super::regexp::is_regexp(vm, v))
}

fn search_arg(vm: &mut Vm, v: Value, method: &str) -> JsResult<JsStr> {
    if is_regexp_arg(vm, v)? {
        return Err(vm.type_error(format!(
            "First argument to String.prototype.{method} must not be a regular expression"
        )));
    }
    vm.to_js_string(v)
}

fn includes(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "includes")?;
    let n = search_arg(vm, arg(args, 0), "includes")?;
    let pos = vm.to_integer(arg(args, 1))?.clamp(0.0, s.len() as f64) as usize;
    Ok(Value::bool(s.index_of(&n, pos).is_some()))
}

fn starts_with(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "startsWith")?;
    let n = search_arg(vm, arg(args, 0), "startsWith")?;
    let pos = vm.to_integer(arg(args, 1))?.clamp(0.0, s.len() as f64) as usize;
    Ok(Value::bool(s.starts_with_at(&n, pos)))
}

fn ends_with(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "endsWith")?;
    let n = search_arg(vm, arg(args, 0), "endsWith")?;
    let end = if arg(args, 1).is_undefined() {
        s.len()
    } else {
        vm.to_integer(args[1])?.clamp(0.0, s.len() as f64) as usize
    };
    if n.len() > end {
        return Ok(Value::FALSE);
    }
    Ok(Value::bool(s.starts_with_at(&n, end - n.len())))
}

/// `args[i]` when it is a number or absent (undefined): the common arguments of the string
/// methods' fast paths, which need no conversion that could run script code.
fn plain_number_arg(args: &[Value], i: usize) -> Option<Option<f64>> {
    let v = arg(args, i);
    if v.is_undefined() {
        Some(None)
    } else {
        v.as_number().map(Some)
    }
}

fn index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    // A string primitive searched for a string (the usual call) is read in place.
    if let (Some(r), Some(needle), Some(pos)) = (
        this.as_string(),
        arg(args, 0).as_string(),
        plain_number_arg(args, 1),
    ) {
        let (s, n) = (vm.heap.str(r), vm.heap.str(needle));
        let pos = crate::conv::to_integer(pos.unwrap_or(0.0)).clamp(0.0, s.len() as f64);
        return Ok(Value::number(
            s.index_of(n, pos as usize).map_or(-1.0, |i| i as f64),
        ));
    }
    let s = this_str(vm, this, "indexOf")?;
    let n = vm.to_js_string(arg(args, 0))?;
    let pos = vm.to_integer(arg(args, 1))?.clamp(0.0, s.len() as f64) as usize;
    Ok(Value::number(
        s.index_of(&n, pos).map(|i| i as f64).unwrap_or(-1.0),
    ))
}

fn last_index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "lastIndexOf")?;
    let n = vm.to_js_string(arg(args, 0))?;
    let p = vm.to_number(arg(args, 1))?;
    let pos = if p.is_nan() {
        f64::INFINITY
    } else {
        crate::conv::to_integer(p)
    };
    let pos = pos.clamp(0.0, s.len() as f64) as usize;
    Ok(Value::number(
        s.last_index_of(&n, pos).map(|i| i as f64).unwrap_or(-1.0),
    ))
}

fn slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if let (Some(r), Some(start), Some(end)) = (
        this.as_string(),
        plain_number_arg(args, 0),
        plain_number_arg(args, 1),
    ) {
        let s = vm.heap.str(r);
        let len = s.len() as f64;
        let start = relative_index(crate::conv::to_integer(start.unwrap_or(0.0)), len);
        let end = end.map_or(len, |e| relative_index(crate::conv::to_integer(e), len));
        if start >= end {
            return Ok(vm.empty_string);
        }
        let part = s.substring(start as usize, end as usize);
        return Ok(vm.new_string(part));
    }
    let s = this_str(vm, this, "slice")?;
    let len = s.len() as f64;
    let start = relative_index(vm.to_integer(arg(args, 0))?, len);
    let end = if arg(args, 1).is_undefined() {
        len
    } else {
        relative_index(vm.to_integer(args[1])?, len)
    };
    if start >= end {
        return Ok(vm.new_string(JsStr::empty()));
    }
    Ok(vm.new_string(s.substring(start as usize, end as usize)))
}

fn substring(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if let (Some(r), Some(a), Some(b)) = (
        this.as_string(),
        plain_number_arg(args, 0),
        plain_number_arg(args, 1),
    ) {
        let s = vm.heap.str(r);
        let len = s.len() as f64;
        let a = crate::conv::to_integer(a.unwrap_or(0.0)).clamp(0.0, len);
        let b = b.map_or(len, |b| crate::conv::to_integer(b).clamp(0.0, len));
        let part = s.substring(a.min(b) as usize, a.max(b) as usize);
        return Ok(vm.new_string(part));
    }
    let s = this_str(vm, this, "substring")?;
    let len = s.len() as f64;
    let a = vm.to_integer(arg(args, 0))?.clamp(0.0, len);
    let b = if arg(args, 1).is_undefined() {
        len
    } else {
        vm.to_integer(args[1])?.clamp(0.0, len)
    };
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    Ok(vm.new_string(s.substring(x as usize, y as usize)))
}

fn substr(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "substr")?;
    let len = s.len() as f64;
    let start = relative_index(vm.to_integer(arg(args, 0))?, len);
    let l = if arg(args, 1).is_undefined() {
        len
    } else {
        vm.to_integer(args[1])?
    };
    let end = (start + l.clamp(0.0, len)).min(len);
    if start >= end {
        return Ok(vm.new_string(JsStr::empty()));
    }
    Ok(vm.new_string(s.substring(start as usize, end as usize)))
}

fn pad(vm: &mut Vm, this: Value, args: &[Value], at_start: bool) -> JsResult<Value> {
    let s = this_str(vm, this, if at_start { "padStart" } else { "padEnd" })?;
    let max = vm.to_length(arg(args, 0))?;
    let fill = if arg(args, 1).is_undefined() {
        JsStr::from_str(" ")
    } else {
        vm.to_js_string(args[1])?
    };
    if max <= s.len() as f64 || fill.is_empty() {
        return Ok(vm.new_string(s));
    }
    if max > MAX_STRING_LEN as f64 {
        return Err(vm.range_error("Invalid string length"));
    }
    let need = max as usize - s.len();
    let fu = fill.units();
    let mut p: Vec<u16> = Vec::with_capacity(need);
    while p.len() < need {
        p.push(fu[p.len() % fu.len()]);
    }
    let mut out = Vec::with_capacity(max as usize);
    if at_start {
        out.extend_from_slice(&p);
        s.push_units(&mut out);
    } else {
        s.push_units(&mut out);
        out.extend_from_slice(&p);
    }
    Ok(vm.new_string(JsStr::from_units_vec(out)))
}

fn pad_start(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    pad(vm, this, args, true)
}

fn pad_end(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    pad(vm, this, args, false)
}

fn repeat(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "repeat")?;
    let n = vm.to_integer(arg(args, 0))?;
    if n < 0.0 || n.is_infinite() {
        let t = crate::conv::number_to_string(n);
        return Err(vm.range_error(format!("Invalid count value: {t}")));
    }
    if s.is_empty() || n == 0.0 {
        return Ok(vm.new_string(JsStr::empty()));
    }
    if n * s.len() as f64 > MAX_STRING_LEN as f64 {
        return Err(vm.range_error("Invalid string length"));
    }
    let out = match &s {
        JsStr::Ascii(a) => JsStr::from_str(&a.repeat(n as usize)),
        JsStr::Wide(w) => JsStr::from_units_vec(w.repeat(n as usize)),
    };
    Ok(vm.new_string(out))
}

fn trim_impl(vm: &mut Vm, this: Value, w: js::TrimWhere, name: &str) -> JsResult<Value> {
    let s = this_str(vm, this, name)?;
    let u = s.units();
    let t = js::trim(&u, w);
    Ok(vm.new_string(JsStr::from_units(t)))
}

fn trim(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    trim_impl(vm, this, js::TrimWhere::Both, "trim")
}

fn trim_start(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    trim_impl(vm, this, js::TrimWhere::Start, "trimStart")
}

fn trim_end(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    trim_impl(vm, this, js::TrimWhere::End, "trimEnd")
}

fn to_upper(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "toUpperCase")?;
    if let Some(a) = s.as_ascii() {
        return Ok(vm.str_val(&a.to_ascii_uppercase()));
    }
    Ok(vm.new_string(JsStr::from_units_vec(js::to_upper_case(&s.units()))))
}

fn to_lower(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "toLowerCase")?;
    if let Some(a) = s.as_ascii() {
        return Ok(vm.str_val(&a.to_ascii_lowercase()));
    }
    Ok(vm.new_string(JsStr::from_units_vec(js::to_lower_case(&s.units()))))
}

fn normalize(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "normalize")?;
    let form = if arg(args, 0).is_undefined() {
        None
    } else {
        Some(vm.to_js_string(args[0])?.units())
    };
    let f = match js::NormalizationForm::parse(form.as_deref()) {
        Ok(f) => f,
        Err(e) => return Err(vm.range_error(e.message())),
    };
    Ok(vm.new_string(JsStr::from_units_vec(js::normalize(&s.units(), f))))
}

fn locale_compare(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "localeCompare")?;
    let t = vm.to_js_string(arg(args, 0))?;
    Ok(Value::number(
        js::locale_compare(&s.units(), &t.units()) as f64
    ))
}

fn concat(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let mut s = this_str(vm, this, "concat")?;
    for &a in args {
        let t = vm.to_js_string(a)?;
        if s.len() + t.len() > MAX_STRING_LEN {
            return Err(vm.range_error("Invalid string length"));
        }
        s = s.concat(&t);
    }
    Ok(vm.new_string(s))
}

fn is_well_formed(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "isWellFormed")?;
    Ok(Value::bool(js::is_well_formed(&s.units())))
}

fn to_well_formed(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "toWellFormed")?;
    Ok(vm.new_string(JsStr::from_units_vec(js::to_well_formed(&s.units()))))
}

fn split(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(vm.type_error("String.prototype.split called on null or undefined"));
    }
    let sep = arg(args, 0);
    if !sep.is_nullish() {
        let splitter = vm.get(sep, PropKey::Sym(wk::SPLIT))?;
        if !splitter.is_nullish() {
            return vm.call(splitter, sep, &[this, arg(args, 1)]);
        }
    }
    let s = vm.to_js_string(this)?;
    let lim = arg(args, 1);
    let limit = if lim.is_undefined() {
        u32::MAX
    } else {
        vm.to_uint32(lim)?
    } as usize;
    let r = vm.to_js_string(sep)?;
    let mut parts = Vec::new();
    if limit == 0 {
        return Ok(vm.new_array_value(parts));
    }
    if sep.is_undefined() {
        let v = vm.new_string(s);
        return Ok(vm.new_array_value(vec![v]));
    }
    if r.is_empty() {
        for i in 0..s.len().min(limit) {
            parts.push(vm.new_string(s.substring(i, i + 1)));
        }
        return Ok(vm.new_array_value(parts));
    }
    let mut p = 0;
    while let Some(q) = s.index_of(&r, p) {
        parts.push(vm.new_string(s.substring(p, q)));
        if parts.len() >= limit {
            return Ok(vm.new_array_value(parts));
        }
        p = q + r.len();
    }
    parts.push(vm.new_string(s.substring(p, s.len())));
    Ok(vm.new_array_value(parts))
}

fn regexp_dispatch(
    vm: &mut Vm,
    this: Value,
    args: &[Value],
    sym: crate::value::SymbolId,
    name: &str,
    flags: &str,
) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(vm.type_error(format!(
            "String.prototype.{name} called on null or undefined"
        )));
    }
    let re = arg(args, 0);
    if !re.is_nullish() {
        let m = vm.get(re, PropKey::Sym(sym))?;
        if !m.is_nullish() {
            return vm.call(m, re, &[this]);
        }
    }
    let s = vm.to_string_value(this)?;
    let pat = if re.is_undefined() {
        JsStr::empty()
    } else {
        vm.to_js_string(re)?
    };
    let rx = super::regexp::new_regexp(vm, pat, JsStr::from_str(flags))?;
    vm.root(rx);
    vm.invoke(rx, PropKey::Sym(sym), &[s])
}

fn match_(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    regexp_dispatch(vm, this, args, wk::MATCH, "match", "")
}

fn search(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    regexp_dispatch(vm, this, args, wk::SEARCH, "search", "")
}

fn match_all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let re = arg(args, 0);
    if super::regexp::is_regexp(vm, re) {
        let f = vm.get(re, PropKey::Str(names::get().flags))?;
        let f = vm.to_rust_string(f)?;
        if !f.contains('g') {
            return Err(
                vm.type_error("String.prototype.matchAll called with a non-global RegExp argument")
            );
        }
    }
    regexp_dispatch(vm, this, args, wk::MATCH_ALL, "matchAll", "g")
}

fn replace_impl(vm: &mut Vm, this: Value, args: &[Value], all: bool) -> JsResult<Value> {
    let name = if all { "replaceAll" } else { "replace" };
    if this.is_nullish() {
        return Err(vm.type_error(format!(
            "String.prototype.{name} called on null or undefined"
        )));
    }
    let pat = arg(args, 0);
    let rep = arg(args, 1);
    if !pat.is_nullish() {
        if all && super::regexp::is_regexp(vm, pat) {
            let f = vm.get(pat, PropKey::Str(names::get().flags))?;
            let f = vm.to_rust_string(f)?;
            if !f.contains('g') {
                return Err(vm.type_error(
                    "String.prototype.replaceAll called with a non-global RegExp argument",
                ));
            }
        }
        let m = vm.get(pat, PropKey::Sym(wk::REPLACE))?;
        if !m.is_nullish() {
            return vm.call(m, pat, &[this, rep]);
        }
    }
    let s = vm.to_js_string(this)?;
    let search = vm.to_js_string(pat)?;
    let rep = if vm.is_callable(rep) {
        rep
    } else {
        vm.to_string_value(rep)?
    };
    let mut positions = Vec::new();
    let adv = search.len().max(1);
    let mut p = s.index_of(&search, 0);
    while let Some(q) = p {
        positions.push(q);
        if !all {
            break;
        }
        p = s.index_of(&search, q + adv);
    }
    let su = s.units();
    let mut out: Vec<u16> = Vec::new();
    let mut end = 0;
    for q in positions {
        out.extend_from_slice(&su[end..q]);
        let r = super::regexp::replacement_text(vm, &s, &search, q, &[], Value::UNDEFINED, rep)?;
        r.push_units(&mut out);
        end = q + search.len();
    }
    out.extend_from_slice(&su[end.min(su.len())..]);
    Ok(vm.new_string(JsStr::from_units_vec(out)))
}

fn replace(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    replace_impl(vm, this, args, false)
}

fn replace_all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    replace_impl(vm, this, args, true)
}

fn iterator(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let s = this_str(vm, this, "[Symbol.iterator]")?;
    Ok(super::iterator::string_iterator(vm, s))
}

fn html(vm: &mut Vm, this: Value, tag: &str) -> JsResult<Value> {
    let s = this_str(vm, this, tag)?;
    Ok(vm.str_val(&format!("<{tag}>{s}</{tag}>")))
}

fn bold(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    html(vm, this, "b")
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.string_proto;
    let e = vm.str_val("");
    vm.heap.obj_mut(proto).kind = ObjectKind::String(e);
    let ctor = vm.new_constructor("String", 1, string_ctor, Some(proto));
    vm.define_method(ctor, "fromCharCode", 1, from_char_code);
    vm.define_method(ctor, "fromCodePoint", 1, from_code_point);
    vm.define_method(ctor, "raw", 1, raw);
    let methods: [(&str, u32, crate::object::NativeFn); 37] = [
        ("toString", 0, to_string),
        ("valueOf", 0, to_string),
        ("charAt", 1, char_at),
        ("charCodeAt", 1, char_code_at),
        ("codePointAt", 1, code_point_at),
        ("at", 1, at),
        ("includes", 1, includes),
        ("startsWith", 1, starts_with),
        ("endsWith", 1, ends_with),
        ("indexOf", 1, index_of),
        ("lastIndexOf", 1, last_index_of),
        ("slice", 2, slice),
        ("substring", 2, substring),
        ("substr", 2, substr),
        ("padStart", 1, pad_start),
        ("padEnd", 1, pad_end),
        ("repeat", 1, repeat),
        ("trim", 0, trim),
        ("trimStart", 0, trim_start),
        ("trimEnd", 0, trim_end),
        ("toUpperCase", 0, to_upper),
        ("toLowerCase", 0, to_lower),
        ("toLocaleUpperCase", 0, to_upper),
        ("toLocaleLowerCase", 0, to_lower),
        ("normalize", 0, normalize),
        ("localeCompare", 1, locale_compare),
        ("concat", 1, concat),
        ("isWellFormed", 0, is_well_formed),
        ("toWellFormed", 0, to_well_formed),
        ("split", 2, split),
        ("match", 1, match_),
        ("matchAll", 1, match_all),
        ("search", 1, search),
        ("replace", 2, replace),
        ("replaceAll", 2, replace_all),
        ("bold", 0, bold),
        ("at", 1, at),
    ];
    for (n, l, f) in methods {
        vm.define_method(proto, n, l, f);
    }
    vm.define_method_sym(proto, wk::ITERATOR, "[Symbol.iterator]", 0, iterator);
    // trimLeft/trimRight are the same function objects as trimStart/trimEnd.
    for (alias, name) in [("trimLeft", "trimStart"), ("trimRight", "trimEnd")] {
        if let Some(p) = vm.heap.obj(proto).get_own(PropKey::from_str(name)) {
            vm.heap.obj_mut(proto).put_raw(
                PropKey::from_str(alias),
                p.value,
                crate::shape::ATTR_HIDDEN,
            );
        }
    }
    set_global(vm, "String", Value::object(ctor));
}
