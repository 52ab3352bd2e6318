//! `JSON.parse` (with reviver) and `JSON.stringify` (replacer, indentation, `toJSON`, cycle
//! detection). Parsing uses `skiff_jslib::json`; conversion to JS values is iterative, so deep
//! input cannot overflow the Rust stack.

use super::{arg, set_global};
use crate::atom::{names, PropKey};
use crate::object::ObjectKind;
use crate::ops::MAX_STRING_LEN;
use crate::shape::{ATTR_CONFIGURABLE, ATTR_DEFAULT, ATTR_ENUMERABLE};
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_jslib::json::{self as jj, JsonValue};

const MAX_DEPTH: usize = 3000;

enum Work {
    Arr(ObjRef, std::vec::IntoIter<JsonValue>),
    Obj(ObjRef, std::vec::IntoIter<(Vec<u16>, JsonValue)>),
}

fn make(vm: &mut Vm, mut v: JsonValue, stack: &mut Vec<Work>) -> Value {
    match &mut v {
        JsonValue::Null => Value::NULL,
        JsonValue::Bool(b) => Value::bool(*b),
        JsonValue::Number(n) => Value::number(*n),
        JsonValue::String(s) => vm.new_string(JsStr::from_units(s)),
        JsonValue::Array(items) => {
            let items = std::mem::take(items);
            let a = vm.new_array(Vec::with_capacity(items.len()));
            stack.push(Work::Arr(a, items.into_iter()));
            Value::object(a)
        }
        JsonValue::Object(members) => {
            let members = std::mem::take(members);
            let o = vm.new_object();
            stack.push(Work::Obj(o, members.into_iter()));
            Value::object(o)
        }
    }
}

/// Converts a parsed JSON tree to JS values without recursion.
pub fn to_value(vm: &mut Vm, root: JsonValue) -> Value {
    let mut stack = Vec::new();
    let result = make(vm, root, &mut stack);
    loop {
        let (parent, key, child) = match stack.last_mut() {
            None => break,
            Some(Work::Arr(a, it)) => match it.next() {
                Some(c) => (*a, None, c),
                None => {
                    stack.pop();
                    continue;
                }
            },
            Some(Work::Obj(o, it)) => match it.next() {
                Some((k, c)) => (*o, Some(k), c),
                None => {
                    stack.pop();
                    continue;
                }
            },
        };
        let v = make(vm, child, &mut stack);
        match key {
            None => vm.heap.obj_mut(parent).elements.push(v),
            Some(k) => {
                let key = PropKey::from_js_str(&JsStr::from_units(&k));
                vm.heap.obj_mut(parent).put_raw(key, v, ATTR_DEFAULT);
            }
        }
    }
    result
}

fn internalize(
    vm: &mut Vm,
    holder: Value,
    key: PropKey,
    reviver: Value,
    depth: usize,
) -> JsResult<Value> {
    if depth > MAX_DEPTH {
        return Err(vm.range_error("Maximum call stack size exceeded"));
    }
    let val = vm.get(holder, key)?;
    if let Some(o) = val.as_object() {
        vm.root(val);
        if vm.is_array(val) {
            let len = vm.length_of(val)? as u32;
            for i in 0..len {
                let nv = internalize(vm, val, PropKey::Index(i), reviver, depth + 1)?;
                if nv.is_undefined() {
                    vm.delete_property(o, PropKey::Index(i));
                } else {
                    vm.create_data_property(o, PropKey::Index(i), nv)?;
                }
            }
        } else {
            for k in vm.own_enumerable_string_keys(o) {
                let nv = internalize(vm, val, k, reviver, depth + 1)?;
                if nv.is_undefined() {
                    vm.delete_property(o, k);
                } else {
                    vm.create_data_property(o, k, nv)?;
                }
            }
        }
    }
    let kv = vm.key_to_value(key);
    vm.call(reviver, holder, &[kv, val])
}

fn parse(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let text = vm.to_js_string(arg(args, 0))?;
    let parsed = match jj::parse(&text.units()) {
        Ok(v) => v,
        Err(e) => return Err(vm.syntax_error(e.message())),
    };
    let v = to_value(vm, parsed);
    let reviver = arg(args, 1);
    if vm.is_callable(reviver) {
        let root = vm.new_object();
        vm.root(Value::object(root));
        vm.heap
            .obj_mut(root)
            .put_raw(PropKey::from_str(""), v, ATTR_DEFAULT);
        return internalize(vm, Value::object(root), PropKey::from_str(""), reviver, 0);
    }
    Ok(v)
}

struct Ser {
    replacer: Value,
    allow: Option<Vec<PropKey>>,
    gap: String,
    indent: String,
    stack: Vec<(ObjRef, PropKey)>,
    /// Shared objects being serialized, with the key each was reached by (cycle detection).
    shared: Vec<(u32, PropKey)>,
    out: Vec<u16>,
}

fn push_str(out: &mut Vec<u16>, s: &str) {
    out.extend(s.encode_utf16());
}

fn circular_error(vm: &mut Vm, ser: &Ser, o: ObjRef, key: PropKey) -> Value {
    let start = ser.stack.iter().position(|(x, _)| *x == o).unwrap_or(0);
    let ctor = |vm: &Vm, r: ObjRef| vm.class_name(Value::object(r));
    let mut msg = format!(
        "Converting circular structure to JSON\n    --> starting at object with constructor '{}'",
        ctor(vm, o)
    );
    let chain = &ser.stack[start + 1..];
    for (obj, k) in chain {
        let kd = match k {
            PropKey::Index(i) => format!("index {i}"),
            _ => format!("property '{}'", vm.key_display(*k)),
        };
        msg.push_str(&format!(
            "\n    |     {} -> object with constructor '{}'",
            kd,
            ctor(vm, *obj)
        ));
    }
    let kd = match key {
        PropKey::Index(i) => format!("index {i}"),
        _ => format!("property '{}'", vm.key_display(key)),
    };
    msg.push_str(&format!("\n    --- {kd} closes the circle"));
    vm.type_error(msg)
}

/// The circular-structure error for a cycle through shared objects (node's text, with the
/// Sendable class names as constructors).
fn shared_circular_error(vm: &mut Vm, ser: &Ser, slot: u32, key: PropKey) -> Value {
    let name = |vm: &mut Vm, s: u32| -> String {
        vm.mutator()
            .object(skiff_shared::SharedRef(s))
            .map(|o| o.class().name().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Object".into())
    };
    let kd = |vm: &Vm, k: PropKey| match k {
        PropKey::Index(i) => format!("index {i}"),
        _ => format!("property '{}'", vm.key_display(k)),
    };
    let start = ser.shared.iter().position(|(x, _)| *x == slot).unwrap_or(0);
    let first = name(vm, slot);
    let mut msg = format!(
        "Converting circular structure to JSON\n    --> starting at object with constructor '{first}'"
    );
    for (s, k) in &ser.shared[start + 1..] {
        let n = name(vm, *s);
        let k = kd(vm, *k);
        msg.push_str(&format!("\n    |     {k} -> object with constructor '{n}'"));
    }
    let k = kd(vm, key);
    msg.push_str(&format!("\n    --- {k} closes the circle"));
    vm.type_error(msg)
}

/// SerializeJSONProperty; returns false when the value is not serializable (undefined).
fn ser_prop(
    vm: &mut Vm,
    ser: &mut Ser,
    holder: Value,
    key: PropKey,
    mut value: Value,
) -> JsResult<bool> {
    if value.is_object() || value.as_bigint().is_some() || value.as_shared().is_some() {
        let to_json = vm.get(value, PropKey::Str(names::get().to_json))?;
        if vm.is_callable(to_json) {
            let kv = vm.key_to_value(key);
            value = vm.call(to_json, value, &[kv])?;
        }
    }
    if vm.is_callable(ser.replacer) {
        let kv = vm.key_to_value(key);
        value = vm.call(ser.replacer, holder, &[kv, value])?;
    }
    vm.handles.push(value);
    if let Some(o) = vm.heap.try_obj(value) {
        value = match &o.kind {
            ObjectKind::Number(_) => Value::number(vm.to_number(value)?),
            ObjectKind::String(_) => vm.to_string_value(value)?,
            ObjectKind::Boolean(b) => Value::bool(*b),
            ObjectKind::BigInt(b) => *b,
            _ => value,
        };
    }
    if value.is_null() {
        push_str(&mut ser.out, "null");
        return Ok(true);
    }
    if let Some(b) = value.as_bool() {
        push_str(&mut ser.out, if b { "true" } else { "false" });
        return Ok(true);
    }
    if value.is_string() {
        let s = vm.js_str(value);
        jj::quote_json_string_into(&s.units(), &mut ser.out);
        return Ok(true);
    }
    if let Some(n) = value.as_number() {
        push_str(&mut ser.out, &jj::number_to_json(n));
        return Ok(true);
    }
    if value.as_bigint().is_some() {
        return Err(vm.type_error("Do not know how to serialize a BigInt"));
    }
    if value.as_shared().is_some() {
        // Sendable instances and shared collections. Their cycles are caught by the depth
        // limit (the cycle stack holds local objects only).
        if ser.stack.len() > MAX_DEPTH {
            return Err(vm.range_error("Maximum call stack size exceeded"));
        }
        let slot = value.as_shared().unwrap_or(0);
        if ser.shared.iter().any(|(x, _)| *x == slot) {
            return Err(shared_circular_error(vm, ser, slot, key));
        }
        ser.shared.push((slot, key));
        let r = if vm.shared_kind(value) == Some(crate::sendable::SharedKind::Array) {
            ser_array(vm, ser, value)
        } else {
            ser_object(vm, ser, value)
        };
        ser.shared.pop();
        r?;
        return Ok(true);
    }
    if value.is_object() && !vm.is_callable(value) {
        let o = value.as_object().unwrap_or(ObjRef(0));
        if ser.stack.iter().any(|(x, _)| *x == o) {
            return Err(circular_error(vm, ser, o, key));
        }
        if ser.stack.len() > MAX_DEPTH {
            return Err(vm.range_error("Maximum call stack size exceeded"));
        }
        ser.stack.push((o, key));
        let r = if vm.is_array(value) {
            ser_array(vm, ser, value)
        } else {
            ser_object(vm, ser, value)
        };
        ser.stack.pop();
        r?;
        return Ok(true);
    }
    Ok(false)
}

fn ser_object(vm: &mut Vm, ser: &mut Ser, value: Value) -> JsResult<()> {
    let o = value.as_object().unwrap_or(ObjRef(0));
    let stepback = ser.indent.clone();
    ser.indent.push_str(&ser.gap.clone());
    let keys = match (&ser.allow, value.as_shared()) {
        (Some(k), _) => k.clone(),
        (None, Some(slot)) => crate::sendable::props::own_keys(vm, slot),
        (None, None) => vm.own_enumerable_string_keys(o),
    };
    ser.out.push(b'{' as u16);
    let mut any = false;
    for (n, k) in keys.into_iter().enumerate() {
        let v = vm.get(value, k)?;
        let mark = ser.out.len();
        if any {
            ser.out.push(b',' as u16);
        }
        if !ser.gap.is_empty() {
            push_str(&mut ser.out, &format!("\n{}", ser.indent));
        }
        let ks = k.to_js_str().unwrap_or_else(JsStr::empty);
        jj::quote_json_string_into(&ks.units(), &mut ser.out);
        ser.out.push(b':' as u16);
        if !ser.gap.is_empty() {
            ser.out.push(b' ' as u16);
        }
        let hm = vm.handles.len();
        let wrote = ser_prop(vm, ser, value, k, v);
        vm.handles.truncate(hm);
        if wrote? {
            any = true;
        } else {
            ser.out.truncate(mark);
        }
        check_size(vm, ser, n)?;
    }
    if any && !ser.gap.is_empty() {
        push_str(&mut ser.out, &format!("\n{stepback}"));
    }
    ser.out.push(b'}' as u16);
    ser.indent = stepback;
    Ok(())
}

/// After each element or property: the text past the string limit is a RangeError (a sparse
/// array of length 2 ** 32 - 1 is four billion `null`s), and a long serialization stops at
/// `terminate()`, `--timeout` and `--max-heap`.
fn check_size(vm: &mut Vm, ser: &Ser, step: usize) -> JsResult<()> {
    if ser.out.len() > MAX_STRING_LEN {
        return Err(vm.range_error("Invalid string length"));
    }
    super::tick(vm, step)
}

fn ser_array(vm: &mut Vm, ser: &mut Ser, value: Value) -> JsResult<()> {
    let stepback = ser.indent.clone();
    ser.indent.push_str(&ser.gap.clone());
    let len = vm.length_of(value)? as u32;
    ser.out.push(b'[' as u16);
    for i in 0..len {
        if i > 0 {
            ser.out.push(b',' as u16);
        }
        if !ser.gap.is_empty() {
            push_str(&mut ser.out, &format!("\n{}", ser.indent));
        }
        let v = vm.get(value, PropKey::Index(i))?;
        let hm = vm.handles.len();
        let wrote = ser_prop(vm, ser, value, PropKey::Index(i), v);
        vm.handles.truncate(hm);
        if !wrote? {
            push_str(&mut ser.out, "null");
        }
        check_size(vm, ser, i as usize)?;
    }
    if len > 0 && !ser.gap.is_empty() {
        push_str(&mut ser.out, &format!("\n{stepback}"));
    }
    ser.out.push(b']' as u16);
    ser.indent = stepback;
    Ok(())
}

/// JSON.stringify(value, replacer, space); None for undefined results.
pub fn stringify(
    vm: &mut Vm,
    value: Value,
    replacer: Value,
    space: Value,
) -> JsResult<Option<JsStr>> {
    let mut allow = None;
    if vm.is_array(replacer) {
        let len = vm.length_of(replacer)? as u32;
        let mut list: Vec<PropKey> = Vec::new();
        for i in 0..len {
            let v = vm.get(replacer, PropKey::Index(i))?;
            let item = if v.is_string() || v.is_number() {
                Some(vm.to_property_key(v)?)
            } else if matches!(
                vm.heap.try_obj(v).map(|o| &o.kind),
                Some(ObjectKind::String(_)) | Some(ObjectKind::Number(_))
            ) {
                let s = vm.to_js_string(v)?;
                Some(PropKey::from_js_str(&s))
            } else {
                None
            };
            if let Some(k) = item {
                if !list.contains(&k) {
                    list.push(k);
                }
            }
        }
        allow = Some(list);
    }
    let mut space = space;
    if let Some(o) = vm.heap.try_obj(space) {
        match o.kind {
            ObjectKind::Number(_) => space = Value::number(vm.to_number(space)?),
            ObjectKind::String(_) => space = vm.to_string_value(space)?,
            _ => {}
        }
    }
    let gap = if let Some(n) = space.as_number() {
        " ".repeat(crate::conv::to_integer(n).clamp(0.0, 10.0) as usize)
    } else if space.is_string() {
        let s = vm.js_str(space);
        s.substring(0, 10).to_rust_string()
    } else {
        String::new()
    };
    let mut ser = Ser {
        replacer: if vm.is_callable(replacer) {
            replacer
        } else {
            Value::UNDEFINED
        },
        allow,
        gap,
        indent: String::new(),
        stack: Vec::new(),
        shared: Vec::new(),
        out: Vec::new(),
    };
    let wrapper = vm.new_object();
    vm.handles.push(Value::object(wrapper));
    vm.heap
        .obj_mut(wrapper)
        .put_raw(PropKey::from_str(""), value, ATTR_DEFAULT);
    let r = ser_prop(
        vm,
        &mut ser,
        Value::object(wrapper),
        PropKey::from_str(""),
        value,
    );
    vm.handles.pop();
    if r? {
        Ok(Some(JsStr::from_units_vec(ser.out)))
    } else {
        Ok(None)
    }
}

fn stringify_fn(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    match stringify(vm, arg(args, 0), arg(args, 1), arg(args, 2))? {
        Some(s) => Ok(vm.new_string(s)),
        None => Ok(Value::UNDEFINED),
    }
}

/// `%j` in console format strings.
pub fn stringify_simple(vm: &mut Vm, v: Value) -> Option<String> {
    match stringify(vm, v, Value::UNDEFINED, Value::UNDEFINED) {
        Ok(Some(s)) => Some(s.to_rust_string()),
        Ok(None) => None,
        Err(_) => Some("[Circular]".into()),
    }
}

pub fn install(vm: &mut Vm) {
    let j = vm.new_object();
    vm.define_method(j, "parse", 2, parse);
    vm.define_method(j, "stringify", 3, stringify_fn);
    let t = vm.str_val("JSON");
    vm.heap
        .obj_mut(j)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    let _ = ATTR_ENUMERABLE;
    set_global(vm, "JSON", Value::object(j));
}
