//! `collections.ArrayBuffer` and the shared typed arrays (`collections.Int8Array` …
//! `collections.BigUint64Array`): arkts-runtime-facts.md §11.
//!
//! All eleven kinds share one prototype, `sendable_protos[TypedArray]` (the bridge gives every
//! typed-array cell that prototype). Per-kind behaviour comes from the cell's kind: the
//! `constructor`, `BYTES_PER_ELEMENT` and `Symbol.toStringTag` of the prototype are getters,
//! and each constructor has a `Symbol.hasInstance` that checks the kind, so
//! `new collections.Int8Array(1) instanceof collections.Uint8Array` is false.

use super::{check, int_arg, rel_arg, this_ref, throw};
use crate::atom::PropKey;
use crate::builtins::{arg, callee_data, iterator};
use crate::object::ObjectKind;
use crate::sendable::SharedKind;
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use num_bigint::BigInt;
use skiff_shared::{
    codes, Element, SendableArrayBuffer, SendableTypedArray, SharedError, SharedRef, TypedKind,
    WriteScope,
};
use std::sync::Arc;

/// Largest buffer these constructors allocate (bytes).
const MAX_BYTES: f64 = (1u64 << 31) as f64;

const KINDS: [TypedKind; 11] = [
    TypedKind::Int8,
    TypedKind::Uint8,
    TypedKind::Uint8Clamped,
    TypedKind::Int16,
    TypedKind::Uint16,
    TypedKind::Int32,
    TypedKind::Uint32,
    TypedKind::Float32,
    TypedKind::Float64,
    TypedKind::BigInt64,
    TypedKind::BigUint64,
];

/// The kind of the constructor / static method being called (its data slot 0).
fn callee_kind(vm: &Vm) -> TypedKind {
    let i = callee_data(vm, 0).as_number().unwrap_or(0.0) as usize;
    KINDS.get(i).copied().unwrap_or(TypedKind::Int8)
}

fn bound_error(name: &str) -> SharedError {
    SharedError::cannot_be_bound(name)
}

fn this_typed(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<SendableTypedArray>> {
    let t = this_ref(this).and_then(|r| vm.mutator().typed_array(r).cloned());
    match t {
        Some(t) => Ok(t),
        None => throw(vm, bound_error(name)),
    }
}

fn this_typed_prop(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<SendableTypedArray>> {
    let t = this_ref(this).and_then(|r| vm.mutator().typed_array(r).cloned());
    match t {
        Some(t) => Ok(t),
        None => throw(
            vm,
            SharedError::business(codes::BIND, format!("The {name} property cannot be bound.")),
        ),
    }
}

fn this_buffer(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<SendableArrayBuffer>> {
    let b = this_ref(this).and_then(|r| vm.mutator().array_buffer(r).cloned());
    match b {
        Some(b) => Ok(b),
        None => throw(vm, bound_error(name)),
    }
}

/// An element converted for a store.
#[derive(Copy, Clone)]
enum Num {
    F(f64),
    Bits(u64),
}

fn to_num(vm: &mut Vm, kind: TypedKind, v: Value) -> JsResult<Num> {
    if kind.is_bigint() {
        let b = crate::builtins::bigint::to_bigint(vm, v)?;
        let m = BigInt::from(1u8) << 64u32;
        let low = ((b % &m) + &m) % &m;
        Ok(Num::Bits(u64::try_from(low).unwrap_or(0)))
    } else {
        Ok(Num::F(vm.to_number(v)?))
    }
}

fn put(s: &WriteScope<SendableTypedArray>, i: usize, n: Num) {
    match n {
        Num::F(x) => s.put(i, x),
        Num::Bits(b) => s.put_bigint_bits(i, b),
    };
}

fn put_element(s: &WriteScope<SendableTypedArray>, i: usize, e: Element) {
    match e {
        Element::Number(x) => s.put(i, x),
        Element::BigInt64(x) => s.put_bigint_bits(i, x as u64),
        Element::BigUint64(x) => s.put_bigint_bits(i, x),
    };
}

fn element_value(vm: &mut Vm, e: Element) -> Value {
    let v = match e {
        Element::Number(n) => return Value::number(n),
        Element::BigInt64(i) => vm.new_bigint(BigInt::from(i)),
        Element::BigUint64(u) => vm.new_bigint(BigInt::from(u)),
    };
    vm.root(v)
}

fn element_text(e: Element) -> JsStr {
    match e {
        Element::Number(n) => crate::conv::number_to_string(n),
        Element::BigInt64(i) => JsStr::from_str(&i.to_string()),
        Element::BigUint64(u) => JsStr::from_str(&u.to_string()),
    }
}

/// A fresh typed array of `kind` with `len` zero elements.
fn alloc_typed(
    vm: &mut Vm,
    kind: TypedKind,
    len: usize,
) -> JsResult<(Value, Arc<SendableTypedArray>)> {
    let bytes = len as f64 * kind.element_size() as f64;
    if bytes > MAX_BYTES {
        return Err(vm.range_error(format!("Invalid typed array length: {len}")));
    }
    let m = vm.mutator();
    let r = m
        .alloc_array_buffer(vec![0; len * kind.element_size()])
        .and_then(|b| m.alloc_typed_array(kind, b, 0, len));
    let r = check(vm, r)?;
    let t = vm.mutator().typed_array(r).cloned();
    match t {
        Some(t) => Ok((vm.shared_value(r), t)),
        None => Err(vm.type_error("typed array allocation failed")),
    }
}

/// A typed array of `kind` holding `vals` (converted as stores do).
fn typed_from_values(vm: &mut Vm, kind: TypedKind, vals: &[Value]) -> JsResult<Value> {
    let mut nums = Vec::with_capacity(vals.len());
    for v in vals {
        nums.push(to_num(vm, kind, *v)?);
    }
    let (v, t) = alloc_typed(vm, kind, nums.len())?;
    let s = check(vm, t.write_scope())?;
    for (i, n) in nums.into_iter().enumerate() {
        put(&s, i, n);
    }
    Ok(v)
}

fn typed_from_elements(vm: &mut Vm, kind: TypedKind, els: &[Element]) -> JsResult<Value> {
    let (v, t) = alloc_typed(vm, kind, els.len())?;
    let s = check(vm, t.write_scope())?;
    for (i, e) in els.iter().enumerate() {
        put_element(&s, i, *e);
    }
    Ok(v)
}

fn to_index(vm: &mut Vm, v: Value, what: &str) -> JsResult<usize> {
    let n = int_arg(vm, v, 0.0)?;
    if !(0.0..=MAX_BYTES).contains(&n) {
        return Err(vm.range_error(format!("Invalid {what}: {}", vm.to_display_string(v))));
    }
    Ok(n as usize)
}

// ----- ArrayBuffer --------------------------------------------------------------------------

fn buffer_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return throw(vm, SharedError::constructor_without_new("ArrayBuffer"));
    }
    let n = to_index(vm, arg(args, 0), "array buffer length")?;
    let r = vm.mutator().alloc_array_buffer(vec![0; n]);
    check(vm, r).map(|r| vm.shared_value(r))
}

fn buffer_byte_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_buffer(vm, this, "byteLength")?;
    Ok(Value::number(b.byte_length() as f64))
}

fn buffer_slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_buffer(vm, this, "slice")?;
    let len = b.byte_length();
    let start = rel_arg(vm, arg(args, 0), len, 0)?;
    let end = rel_arg(vm, arg(args, 1), len, len)?;
    let bytes = check(vm, b.slice(start, end))?;
    let r = vm.mutator().alloc_array_buffer(bytes);
    check(vm, r).map(|r| vm.shared_value(r))
}

fn buffer_is_view(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let v = arg(args, 0);
    Ok(Value::bool(
        vm.shared_kind(v) == Some(SharedKind::TypedArray),
    ))
}

// ----- typed-array constructors and statics -------------------------------------------------

fn typed_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let kind = callee_kind(vm);
    if vm.new_target.is_undefined() {
        return throw(vm, SharedError::constructor_without_new("TypedArray"));
    }
    let a0 = arg(args, 0);
    if let Some(buf) = this_ref(a0).and_then(|r| vm.mutator().array_buffer(r).cloned()) {
        let size = kind.element_size();
        let offset = to_index(vm, arg(args, 1), "typed array offset")?;
        let byte_len = buf.byte_length();
        let len = if arg(args, 2).is_undefined() {
            if byte_len % size != 0 {
                return throw(vm, SendableTypedArray::misaligned_buffer(kind));
            }
            if offset > byte_len {
                return Err(vm.range_error(format!(
                    "Start offset {offset} is outside the bounds of the buffer"
                )));
            }
            (byte_len - offset) / size
        } else {
            to_index(vm, args[2], "typed array length")?
        };
        let r = vm.mutator().alloc_typed_array(
            kind,
            SharedRef(a0.as_shared().unwrap_or(0)),
            offset,
            len,
        );
        return check(vm, r).map(|r| vm.shared_value(r));
    }
    if matches!(
        vm.heap.try_obj(a0).map(|o| &o.kind),
        Some(ObjectKind::ArrayBuffer(_))
    ) {
        return throw(vm, SharedError::only_sendable());
    }
    if a0.is_undefined() {
        return alloc_typed(vm, kind, 0).map(|(v, _)| v);
    }
    if !a0.is_object() && a0.as_shared().is_none() {
        let n = vm.to_integer(a0)?;
        if n < 0.0 || n * kind.element_size() as f64 > MAX_BYTES {
            return Err(vm.range_error(format!("Invalid typed array length: {n}")));
        }
        return alloc_typed(vm, kind, n as usize).map(|(v, _)| v);
    }
    let vals = super::array::collect_items(vm, a0)?;
    typed_from_values(vm, kind, &vals)
}

fn typed_from(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let kind = callee_kind(vm);
    let src = arg(args, 0);
    let mapfn = arg(args, 1);
    if !mapfn.is_undefined() && !vm.is_callable(mapfn) {
        return throw(vm, SharedError::mapfn_not_callable());
    }
    if src.is_nullish() {
        return throw(vm, SharedError::items_null());
    }
    let mut vals = super::array::collect_items(vm, src)?;
    if !mapfn.is_undefined() {
        for (i, v) in vals.iter_mut().enumerate() {
            let r = vm.call(mapfn, Value::UNDEFINED, &[*v, Value::number(i as f64)])?;
            *v = vm.root(r);
        }
    }
    typed_from_values(vm, kind, &vals)
}

fn typed_of(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let kind = callee_kind(vm);
    typed_from_values(vm, kind, args)
}

/// `Symbol.hasInstance` of each constructor: a shared typed array of that kind.
fn typed_has_instance(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let kind = callee_kind(vm);
    let t = this_ref(arg(args, 0)).and_then(|r| vm.mutator().typed_array(r).cloned());
    Ok(Value::bool(t.is_some_and(|t| t.kind() == kind)))
}

// ----- prototype getters --------------------------------------------------------------------

fn get_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_typed_prop(vm, this, "length")?;
    Ok(Value::number(t.length() as f64))
}

fn get_byte_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_typed_prop(vm, this, "byteLength")?;
    Ok(Value::number(t.byte_length() as f64))
}

fn get_byte_offset(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_typed_prop(vm, this, "byteOffset")?;
    Ok(Value::number(t.byte_offset() as f64))
}

fn get_buffer(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_typed_prop(vm, this, "buffer")?;
    Ok(vm.shared_value(t.buffer_ref()))
}

fn get_bytes_per_element(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_typed_prop(vm, this, "BYTES_PER_ELEMENT")?;
    Ok(Value::number(t.kind().element_size() as f64))
}

fn get_constructor(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_ref(this).and_then(|r| vm.mutator().typed_array(r).cloned());
    let name = t.map_or("Int8Array", |t| t.kind().plain_name());
    Ok(super::ctor_of(vm, name))
}

fn get_tag(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_ref(this).and_then(|r| vm.mutator().typed_array(r).cloned());
    Ok(match t {
        Some(t) => {
            let s = t.kind().to_string_tag();
            vm.str_val(&s)
        }
        None => Value::UNDEFINED,
    })
}

// ----- methods ------------------------------------------------------------------------------

fn elements(vm: &mut Vm, t: &SendableTypedArray) -> JsResult<Vec<Element>> {
    check(vm, t.elements())
}

fn at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "at")?;
    let len = t.length() as f64;
    let n = int_arg(vm, arg(args, 0), 0.0)?;
    let k = if n < 0.0 { len + n } else { n };
    if k < 0.0 || k >= len {
        return Ok(Value::UNDEFINED);
    }
    let e = check(vm, t.get(k as usize))?;
    Ok(e.map_or(Value::UNDEFINED, |e| element_value(vm, e)))
}

fn join_impl(vm: &mut Vm, this: Value, sep: Value, name: &str) -> JsResult<Value> {
    let t = this_typed(vm, this, name)?;
    let sep = if sep.is_undefined() {
        JsStr::from_str(",")
    } else {
        vm.to_js_string(sep)?
    };
    let els = elements(vm, &t)?;
    let mut units = Vec::new();
    for (i, e) in els.iter().enumerate() {
        if i > 0 {
            sep.push_units(&mut units);
        }
        element_text(*e).push_units(&mut units);
        if units.len() > (1 << 29) {
            return Err(vm.range_error("Invalid string length"));
        }
    }
    Ok(vm.new_string(JsStr::from_units_vec(units)))
}

fn join(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    join_impl(vm, this, arg(args, 0), "join")
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    join_impl(vm, this, Value::UNDEFINED, "toString")
}

fn to_locale_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    join_impl(vm, this, Value::UNDEFINED, "toLocaleString")
}

fn fill(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "fill")?;
    let n = to_num(vm, t.kind(), arg(args, 0))?;
    let len = t.length();
    let start = rel_arg(vm, arg(args, 1), len, 0)?;
    let end = rel_arg(vm, arg(args, 2), len, len)?;
    let s = check(vm, t.write_scope())?;
    for i in start..end {
        put(&s, i, n);
    }
    Ok(this)
}

fn reverse(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "reverse")?;
    let s = check(vm, t.write_scope())?;
    let len = t.length();
    let els: Vec<Element> = (0..len).filter_map(|i| s.at(i)).collect();
    for (i, e) in els.into_iter().rev().enumerate() {
        put_element(&s, i, e);
    }
    Ok(this)
}

fn copy_within(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "copyWithin")?;
    let len = t.length();
    let target = rel_arg(vm, arg(args, 0), len, 0)?;
    let start = rel_arg(vm, arg(args, 1), len, 0)?;
    let end = rel_arg(vm, arg(args, 2), len, len)?;
    let s = check(vm, t.write_scope())?;
    let count = end.saturating_sub(start).min(len.saturating_sub(target));
    let els: Vec<Element> = (start..start + count).filter_map(|i| s.at(i)).collect();
    for (k, e) in els.into_iter().enumerate() {
        put_element(&s, target + k, e);
    }
    Ok(this)
}

fn set(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "set")?;
    let src = arg(args, 0);
    let offset = int_arg(vm, arg(args, 1), 0.0)?;
    if offset < 0.0 {
        return Err(vm.range_error("offset is out of bounds"));
    }
    let vals = super::array::collect_items(vm, src)?;
    if offset + vals.len() as f64 > t.length() as f64 {
        return Err(vm.range_error("offset is out of bounds"));
    }
    let mut nums = Vec::with_capacity(vals.len());
    for v in vals {
        nums.push(to_num(vm, t.kind(), v)?);
    }
    let s = check(vm, t.write_scope())?;
    for (k, n) in nums.into_iter().enumerate() {
        put(&s, offset as usize + k, n);
    }
    Ok(Value::UNDEFINED)
}

fn slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "slice")?;
    let len = t.length();
    let start = rel_arg(vm, arg(args, 0), len, 0)?;
    let end = rel_arg(vm, arg(args, 1), len, len)?;
    let els = elements(vm, &t)?;
    let part = els.get(start..end.max(start)).unwrap_or(&[]).to_vec();
    typed_from_elements(vm, t.kind(), &part)
}

fn subarray(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "subarray")?;
    let len = t.length();
    let start = rel_arg(vm, arg(args, 0), len, 0)?;
    let end = rel_arg(vm, arg(args, 1), len, len)?.max(start);
    let size = t.kind().element_size();
    let r = vm.mutator().alloc_typed_array(
        t.kind(),
        t.buffer_ref(),
        t.byte_offset() + start * size,
        end - start,
    );
    check(vm, r).map(|r| vm.shared_value(r))
}

fn same_element(e: Element, v: Value, vm: &Vm, zero: bool) -> bool {
    match e {
        Element::Number(n) => v
            .as_number()
            .is_some_and(|x| x == n || (zero && x.is_nan() && n.is_nan())),
        Element::BigInt64(i) => v.as_bigint().is_some() && vm.bigint_of(v) == BigInt::from(i),
        Element::BigUint64(u) => v.as_bigint().is_some() && vm.bigint_of(v) == BigInt::from(u),
    }
}

fn index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "indexOf")?;
    let len = t.length();
    let from = super::from_index(vm, arg(args, 1), len)?;
    let els = elements(vm, &t)?;
    let v = arg(args, 0);
    let i = (from..els.len()).find(|&i| same_element(els[i], v, vm, false));
    Ok(Value::number(i.map_or(-1.0, |i| i as f64)))
}

fn last_index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "lastindexOf")?;
    let len = t.length();
    let Some(from) = super::last_from_index(vm, args, 1, len)? else {
        return Ok(Value::number(-1.0));
    };
    let els = elements(vm, &t)?;
    let v = arg(args, 0);
    let i = (0..=from.min(els.len().saturating_sub(1)))
        .rev()
        .find(|&i| i < els.len() && same_element(els[i], v, vm, false));
    Ok(Value::number(i.map_or(-1.0, |i| i as f64)))
}

fn includes(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "includes")?;
    let len = t.length();
    let from = super::from_index(vm, arg(args, 1), len)?;
    let els = elements(vm, &t)?;
    let v = arg(args, 0);
    Ok(Value::bool(
        (from..els.len()).any(|i| same_element(els[i], v, vm, true)),
    ))
}

#[derive(Copy, Clone, PartialEq)]
enum Pass {
    ForEach,
    Map,
    Filter,
    Find,
    FindIndex,
    FindLast,
    FindLastIndex,
    Every,
    Some,
}

fn each(vm: &mut Vm, this: Value, args: &[Value], mode: Pass, name: &str) -> JsResult<Value> {
    let t = this_typed(vm, this, name)?;
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        let e = if matches!(
            mode,
            Pass::Find | Pass::FindIndex | Pass::FindLast | Pass::FindLastIndex
        ) {
            SharedError::predicate_not_callable()
        } else {
            SharedError::callback_not_callable()
        };
        return throw(vm, e);
    }
    let kind = t.kind();
    let scope = check(vm, t.read_scope())?;
    let len = t.length();
    let backwards = matches!(mode, Pass::FindLast | Pass::FindLastIndex);
    let mut mapped: Vec<Value> = Vec::new();
    let mut kept: Vec<Element> = Vec::new();
    for k in 0..len {
        let i = if backwards { len - 1 - k } else { k };
        let Some(e) = scope.at(i) else { continue };
        let v = element_value(vm, e);
        let r = vm.call(f, Value::UNDEFINED, &[v, Value::number(i as f64), this])?;
        let hit = vm.to_boolean(r);
        match mode {
            Pass::ForEach => {}
            Pass::Map => mapped.push(vm.root(r)),
            Pass::Filter if hit => kept.push(e),
            Pass::Filter => {}
            Pass::Find | Pass::FindLast if hit => return Ok(v),
            Pass::FindIndex | Pass::FindLastIndex if hit => return Ok(Value::number(i as f64)),
            Pass::Every if !hit => return Ok(Value::FALSE),
            Pass::Some if hit => return Ok(Value::TRUE),
            _ => {}
        }
    }
    drop(scope);
    match mode {
        Pass::ForEach | Pass::Find | Pass::FindLast => Ok(Value::UNDEFINED),
        Pass::Map => typed_from_values(vm, kind, &mapped),
        Pass::Filter => typed_from_elements(vm, kind, &kept),
        Pass::FindIndex | Pass::FindLastIndex => Ok(Value::number(-1.0)),
        Pass::Every => Ok(Value::TRUE),
        Pass::Some => Ok(Value::FALSE),
    }
}

fn for_each(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::ForEach, "forEach")
}
fn map(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Map, "map")
}
fn filter(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Filter, "filter")
}
fn find(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Find, "find")
}
fn find_index(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::FindIndex, "findIndex")
}
fn find_last(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::FindLast, "findLast")
}
fn find_last_index(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::FindLastIndex, "findLastIndex")
}
fn every(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Every, "every")
}
fn some(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Some, "some")
}

fn reduce_impl(vm: &mut Vm, this: Value, args: &[Value], right: bool) -> JsResult<Value> {
    let t = this_typed(vm, this, if right { "reduceRight" } else { "reduce" })?;
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        return throw(vm, SharedError::callback_not_callable());
    }
    let scope = check(vm, t.read_scope())?;
    let len = t.length();
    let mut order: Box<dyn Iterator<Item = usize>> = if right {
        Box::new((0..len).rev())
    } else {
        Box::new(0..len)
    };
    let mut acc = if args.len() >= 2 {
        args[1]
    } else {
        match order.next().and_then(|i| scope.at(i)) {
            Some(e) => element_value(vm, e),
            None => return Err(vm.type_error("Reduce of empty array with no initial value")),
        }
    };
    for i in order {
        let Some(e) = scope.at(i) else { continue };
        let v = element_value(vm, e);
        acc = vm.call(
            f,
            Value::UNDEFINED,
            &[acc, v, Value::number(i as f64), this],
        )?;
        vm.root(acc);
    }
    Ok(acc)
}

fn reduce(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    reduce_impl(vm, this, args, false)
}
fn reduce_right(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    reduce_impl(vm, this, args, true)
}

fn sort(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = this_typed(vm, this, "sort")?;
    let cmpf = arg(args, 0);
    if cmpf.is_undefined() {
        check(vm, t.sort_default())?;
        return Ok(this);
    }
    if !vm.is_callable(cmpf) {
        return throw(vm, SharedError::comparator_not_callable());
    }
    let s = check(vm, t.write_scope())?;
    let els: Vec<Element> = (0..t.length()).filter_map(|i| s.at(i)).collect();
    let vals: Vec<Value> = els.iter().map(|e| element_value(vm, *e)).collect();
    let order = super::array::sort_order(vm, &vals, cmpf)?;
    for (i, k) in order.into_iter().enumerate() {
        put_element(&s, i, els[k]);
    }
    Ok(this)
}

fn keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_typed(vm, this, "keys")?;
    Ok(iterator::array_iterator(vm, this, 1))
}
fn values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_typed(vm, this, "values")?;
    Ok(iterator::array_iterator(vm, this, 0))
}
fn entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_typed(vm, this, "entries")?;
    Ok(iterator::array_iterator(vm, this, 2))
}

pub(crate) fn install(vm: &mut Vm, ns: ObjRef) {
    // ArrayBuffer.
    let bp = vm.sendable_proto(SharedKind::ArrayBuffer);
    let bc = vm.new_constructor("SendableArrayBuffer", 1, buffer_ctor, Some(bp));
    super::define_species(vm, bc);
    vm.define_method(bc, "isView", 1, buffer_is_view);
    vm.define_method(bp, "slice", 2, buffer_slice);
    vm.define_getter(
        bp,
        PropKey::from_str("byteLength"),
        "byteLength",
        buffer_byte_length,
    );
    super::set_tag(vm, bp, "SendableArrayBuffer");
    super::export(vm, ns, "ArrayBuffer", bc);

    // The shared prototype of every typed array.
    let tp = vm.sendable_proto(SharedKind::TypedArray);
    super::methods(
        vm,
        tp,
        &[
            ("at", 1, at),
            ("copyWithin", 2, copy_within),
            ("entries", 0, entries),
            ("every", 1, every),
            ("fill", 1, fill),
            ("filter", 1, filter),
            ("find", 1, find),
            ("findIndex", 1, find_index),
            ("findLast", 1, find_last),
            ("findLastIndex", 1, find_last_index),
            ("forEach", 1, for_each),
            ("includes", 1, includes),
            ("indexOf", 1, index_of),
            ("join", 1, join),
            ("keys", 0, keys),
            ("lastIndexOf", 1, last_index_of),
            ("map", 1, map),
            ("reduce", 1, reduce),
            ("reduceRight", 1, reduce_right),
            ("reverse", 0, reverse),
            ("set", 1, set),
            ("slice", 2, slice),
            ("some", 1, some),
            ("sort", 1, sort),
            ("subarray", 2, subarray),
            ("toString", 0, to_string),
            ("toLocaleString", 0, to_locale_string),
        ],
    );
    let v = vm.define_method(tp, "values", 0, values);
    vm.heap.obj_mut(tp).put_raw(
        PropKey::Sym(wk::ITERATOR),
        Value::object(v),
        crate::shape::ATTR_HIDDEN,
    );
    for (name, f) in [
        ("length", get_length as crate::object::NativeFn),
        ("byteLength", get_byte_length),
        ("byteOffset", get_byte_offset),
        ("buffer", get_buffer),
        ("BYTES_PER_ELEMENT", get_bytes_per_element),
        ("constructor", get_constructor),
    ] {
        vm.define_getter(tp, PropKey::from_str(name), name, f);
    }
    vm.define_getter(
        tp,
        PropKey::Sym(wk::TO_STRING_TAG),
        "[Symbol.toStringTag]",
        get_tag,
    );

    for (i, kind) in KINDS.iter().enumerate() {
        let data = vec![Value::number(i as f64)];
        let c = vm.new_native_with_data(kind.constructor_name(), 3, typed_ctor, data.clone());
        vm.heap.obj_mut(c).constructible = true;
        vm.heap
            .obj_mut(c)
            .put_raw(PropKey::from_str("prototype"), Value::object(tp), 0);
        vm.heap.obj_mut(c).put_raw(
            PropKey::from_str("BYTES_PER_ELEMENT"),
            Value::number(kind.element_size() as f64),
            0,
        );
        for (name, len, f) in [
            ("from", 1, typed_from as crate::object::NativeFn),
            ("of", 0, typed_of),
        ] {
            let m = vm.new_native_with_data(name, len, f, data.clone());
            vm.heap.obj_mut(c).put_raw(
                PropKey::from_str(name),
                Value::object(m),
                crate::shape::ATTR_HIDDEN,
            );
        }
        let h = vm.new_native_with_data("[Symbol.hasInstance]", 1, typed_has_instance, data);
        vm.heap
            .obj_mut(c)
            .put_raw(PropKey::Sym(wk::HAS_INSTANCE), Value::object(h), 0);
        super::define_species(vm, c);
        super::export(vm, ns, kind.plain_name(), c);
    }
}
