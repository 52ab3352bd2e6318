//! `collections.BitVector`: arkts-runtime-facts.md §12. Index and range arguments must be
//! integers (401 `The type of "<param>" must be integer. …` otherwise); ranges are `[from, to)`
//! and the range errors (10200001) come from `skiff_shared`.

use super::{check, this_ref, throw};
use crate::atom::PropKey;
use crate::builtins::arg;
use crate::sendable::SharedKind;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_shared::{BitVector, SharedError};
use std::sync::Arc;

fn this_bv(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<BitVector>> {
    let b = this_ref(this).and_then(|r| vm.mutator().bit_vector(r).cloned());
    match b {
        Some(b) => Ok(b),
        None => throw(vm, SharedError::bit_vector_cannot_be_bound(name)),
    }
}

/// An integer argument named `param` (401 otherwise).
fn int(vm: &mut Vm, v: Value, param: &str) -> JsResult<i64> {
    match v.as_number() {
        Some(n) if n.is_finite() && n.fract() == 0.0 => Ok(n as i64),
        _ => {
            let text = vm.to_display_string(v);
            throw(vm, SharedError::must_be_integer(param, &text))
        }
    }
}

/// A bit argument: 0 is 0, any other number is 1.
fn bit(vm: &mut Vm, v: Value) -> JsResult<bool> {
    match v.as_number() {
        Some(n) => Ok(n != 0.0 && !n.is_nan()),
        None => {
            let text = vm.to_display_string(v);
            throw(
                vm,
                SharedError::business(
                    skiff_shared::codes::PARAMETER,
                    format!("The type of \"element\" must be number. Received value is: {text}"),
                ),
            )
        }
    }
}

fn range(vm: &mut Vm, args: &[Value], first: usize) -> JsResult<(i64, i64)> {
    let from = int(vm, arg(args, first), "fromIndex")?;
    let to = int(vm, arg(args, first + 1), "toIndex")?;
    Ok((from, to))
}

fn ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return throw(vm, SharedError::bit_vector_without_new());
    }
    let n = int(vm, arg(args, 0), "length")?;
    if !(0..=(1 << 32)).contains(&n) {
        return Err(vm.range_error("Invalid BitVector length"));
    }
    let native = skiff_shared::Native::BitVector(Arc::new(BitVector::new(n as usize)));
    super::alloc_container(vm, native).map(|r| vm.shared_value(r))
}

fn length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "length")?;
    let n = check(vm, b.len())?;
    Ok(Value::number(n as f64))
}

fn push(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "push")?;
    let x = bit(vm, arg(args, 0))?;
    check(vm, b.push(x)).map(Value::bool)
}

fn pop(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "pop")?;
    let x = check(vm, b.pop())?;
    Ok(x.map_or(Value::UNDEFINED, |x| {
        Value::number(if x { 1.0 } else { 0.0 })
    }))
}

fn has(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "has")?;
    let x = bit(vm, arg(args, 0))?;
    let (f, t) = range(vm, args, 1)?;
    check(vm, b.has(x, f, t)).map(Value::bool)
}

fn set_bits_by_range(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "setBitsByRange")?;
    let x = bit(vm, arg(args, 0))?;
    let (f, t) = range(vm, args, 1)?;
    check(vm, b.set_bits_by_range(x, f, t))?;
    Ok(Value::UNDEFINED)
}

fn set_all_bits(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "setAllBits")?;
    let x = bit(vm, arg(args, 0))?;
    check(vm, b.set_all_bits(x))?;
    Ok(Value::UNDEFINED)
}

fn get_bits_by_range(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "getBitsByRange")?;
    let (f, t) = range(vm, args, 0)?;
    let bits = check(vm, b.get_bits_by_range(f, t))?;
    let cell = skiff_shared::Cell::BitVector(Arc::new(BitVector::from_bits(&bits)));
    let r = vm.mutator().alloc(cell);
    check(vm, r).map(|r| vm.shared_value(r))
}

fn resize(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "resize")?;
    let n = int(vm, arg(args, 0), "size")?;
    if !(0..=(1 << 32)).contains(&n) {
        return Err(vm.range_error("Invalid BitVector length"));
    }
    check(vm, b.resize(n as usize))?;
    Ok(Value::UNDEFINED)
}

fn get_bit_count_by_range(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "getBitCountByRange")?;
    let x = bit(vm, arg(args, 0))?;
    let (f, t) = range(vm, args, 1)?;
    let n = check(vm, b.get_bit_count_by_range(x, f, t))?;
    Ok(Value::number(n as f64))
}

fn get_index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "getIndexOf")?;
    let x = bit(vm, arg(args, 0))?;
    let (f, t) = range(vm, args, 1)?;
    let n = check(vm, b.get_index_of(x, f, t))?;
    Ok(Value::number(n as f64))
}

fn get_last_index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "getLastIndexOf")?;
    let x = bit(vm, arg(args, 0))?;
    let (f, t) = range(vm, args, 1)?;
    let n = check(vm, b.get_last_index_of(x, f, t))?;
    Ok(Value::number(n as f64))
}

fn flip_bit_by_index(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "flipBitByIndex")?;
    let i = int(vm, arg(args, 0), "index")?;
    check(vm, b.flip_bit_by_index(i))?;
    Ok(Value::UNDEFINED)
}

fn flip_bits_by_range(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let b = this_bv(vm, this, "flipBitsByRange")?;
    let (f, t) = range(vm, args, 0)?;
    check(vm, b.flip_bits_by_range(f, t))?;
    Ok(Value::UNDEFINED)
}

fn values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_bv(vm, this, "values")?;
    Ok(super::index_iterator(vm, this, 0, "bitVectorIterator"))
}

pub(crate) fn install(vm: &mut Vm, ns: ObjRef) {
    let p = vm.sendable_proto(SharedKind::BitVector);
    let c = vm.new_constructor("BitVector", 1, ctor, Some(p));
    super::methods(
        vm,
        p,
        &[
            ("push", 1, push),
            ("pop", 0, pop),
            ("has", 3, has),
            ("setBitsByRange", 3, set_bits_by_range),
            ("setAllBits", 1, set_all_bits),
            ("getBitsByRange", 2, get_bits_by_range),
            ("resize", 1, resize),
            ("getBitCountByRange", 3, get_bit_count_by_range),
            ("getIndexOf", 3, get_index_of),
            ("getLastIndexOf", 3, get_last_index_of),
            ("flipBitByIndex", 1, flip_bit_by_index),
            ("flipBitsByRange", 2, flip_bits_by_range),
        ],
    );
    let v = vm.define_method(p, "values", 0, values);
    vm.heap.obj_mut(p).put_raw(
        PropKey::Sym(wk::ITERATOR),
        Value::object(v),
        crate::shape::ATTR_HIDDEN,
    );
    vm.define_getter(p, PropKey::from_str("length"), "length", length);
    super::set_tag(vm, p, "BitVector");
    super::export(vm, ns, "BitVector", c);
}
