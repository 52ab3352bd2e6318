//! `collections.Array` (SendableArray): arkts-runtime-facts.md §8, §9, §14.

use super::{check, from_index, int_arg, last_from_index, load, rel_arg, this_ref, throw};
use crate::atom::PropKey;
use crate::builtins::{arg, iterator};
use crate::object::ObjectKind;
use crate::sendable::SharedKind;
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use skiff_shared::{validate_length, SendableArray, SharedError, SharedWord};
use std::cell::RefCell;
use std::sync::Arc;

/// Longest array `create` / `extendTo` will allocate (the runtime's limit is 2^32 - 1, which
/// would exhaust memory here instead of throwing).
const MAX_ALLOC: u32 = 1 << 27;

thread_local! {
    /// Arrays being joined on this thread (a self-reference joins as the empty string).
    static JOINING: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// The receiver's array, or 10200011 `The <name> method cannot be bound.`.
pub(crate) fn this_array(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<SendableArray>> {
    let a = this_ref(this).and_then(|r| vm.mutator().array(r).cloned());
    match a {
        Some(a) => Ok(a),
        None => throw(vm, SharedError::cannot_be_bound(name)),
    }
}

fn word(vm: &mut Vm, v: Value) -> JsResult<SharedWord> {
    vm.to_shared_word_or(v, SharedError::array_only_sendable())
}

fn words(vm: &mut Vm, vals: &[Value]) -> JsResult<Vec<SharedWord>> {
    vals.iter().map(|v| word(vm, *v)).collect()
}

/// A new SendableArray holding `items`.
pub(crate) fn new_array(vm: &mut Vm, items: Vec<SharedWord>) -> JsResult<Value> {
    let r = vm.mutator().alloc_array(items);
    check(vm, r).map(|r| vm.shared_value(r))
}

/// The array a method that builds a new array returns for `this`: for an instance of a
/// Sendable subclass of `collections.Array`, a new instance of that subclass, made by calling
/// its constructor with the length (as ArkTS does) and then holding `items`; otherwise a new
/// SendableArray.
fn species_array(vm: &mut Vm, this: Value, items: Vec<SharedWord>) -> JsResult<Value> {
    let class = this_ref(this).and_then(|r| match vm.mutator().get(r) {
        Some(skiff_shared::Cell::Object(o)) => Some(o.class().clone()),
        _ => None,
    });
    let ctor = class.and_then(|c| crate::sendable::class::materialize(vm, &c));
    let Some((ctor, _)) = ctor else {
        return new_array(vm, items);
    };
    let ctor = Value::object(ctor);
    // `items` stays in this Rust frame while the constructor runs script code.
    vm.with_shared_words_held(|vm| {
        let made = vm.construct(ctor, &[Value::number(items.len() as f64)], ctor)?;
        let Some(a) = this_ref(made).and_then(|r| vm.mutator().array(r).cloned()) else {
            return Err(vm.type_error("The subclass constructor did not return an Array"));
        };
        check(vm, a.shrink_to(0))?;
        check(vm, a.push(&items))?;
        Ok(made)
    })
}

fn callable(vm: &mut Vm, f: Value, predicate: bool) -> JsResult<Value> {
    if vm.is_callable(f) {
        Ok(f)
    } else if predicate {
        throw(vm, SharedError::predicate_not_callable())
    } else {
        throw(vm, SharedError::callback_not_callable())
    }
}

// ----- constructor and statics --------------------------------------------------------------

fn ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return throw(vm, SharedError::constructor_without_new("Array"));
    }
    let items = words(vm, args)?;
    let native = skiff_shared::Native::Array(Arc::new(SendableArray::new(items)));
    super::alloc_container(vm, native).map(|r| vm.shared_value(r))
}

fn length_arg(vm: &mut Vm, v: Value) -> JsResult<u32> {
    let n = match v.as_number() {
        Some(n) => validate_length(n),
        None => Err(SharedError::invalid_array_length()),
    };
    let n = check(vm, n)?;
    if n > MAX_ALLOC {
        return Err(vm.range_error("Invalid array length"));
    }
    Ok(n)
}

fn create(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if args.len() < 2 {
        return throw(vm, SharedError::not_enough_parameters());
    }
    let n = length_arg(vm, args[0])?;
    let init = word(vm, args[1])?;
    new_array(vm, vec![init; n as usize])
}

/// The values of an iterable or array-like (holes and missing elements are undefined).
pub(crate) fn collect_items(vm: &mut Vm, items: Value) -> JsResult<Vec<Value>> {
    let it = if items.is_object() || items.is_string() || items.as_shared().is_some() {
        vm.get(items, PropKey::Sym(wk::ITERATOR))?
    } else {
        Value::UNDEFINED
    };
    let vals = if !it.is_nullish() {
        iterator::iterate_to_vec(vm, items)?
    } else if items.is_object() || items.as_shared().is_some() {
        let len = vm.length_of(items)?;
        let mut out = Vec::new();
        for i in 0..len as u32 {
            let v = vm.get(items, PropKey::Index(i))?;
            vm.root(v);
            out.push(v);
        }
        out
    } else {
        Vec::new()
    };
    for v in &vals {
        vm.root(*v);
    }
    Ok(vals)
}

fn is_typed_array(vm: &mut Vm, v: Value) -> bool {
    matches!(
        vm.heap.try_obj(v).map(|o| &o.kind),
        Some(ObjectKind::TypedArray { .. })
    ) || vm.shared_kind(v) == Some(SharedKind::TypedArray)
}

fn from(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let items = arg(args, 0);
    if items.is_nullish() {
        return throw(vm, SharedError::items_null());
    }
    let mapfn = arg(args, 1);
    let mapping = !mapfn.is_undefined();
    if mapping && !vm.is_callable(mapfn) {
        return throw(vm, SharedError::mapfn_not_callable());
    }
    if !mapping && is_typed_array(vm, items) {
        return throw(vm, SharedError::typed_array_not_supported());
    }
    let vals = collect_items(vm, items)?;
    let mut out = Vec::with_capacity(vals.len());
    for (i, v) in vals.into_iter().enumerate() {
        let v = if mapping {
            let r = vm.call(mapfn, Value::UNDEFINED, &[v, Value::number(i as f64)])?;
            vm.root(r)
        } else {
            v
        };
        out.push(word(vm, v)?);
    }
    new_array(vm, out)
}

/// `collections.Array.isArray(v)`: shared arrays (and `collections.Array.prototype`).
fn is_array(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let v = arg(args, 0);
    if v.as_object() == Some(vm.sendable_proto(SharedKind::Array)) {
        return Ok(Value::TRUE);
    }
    let yes = this_ref(v).is_some_and(|r| vm.mutator().array(r).is_some());
    Ok(Value::bool(yes))
}

fn of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let own = super::ctor_of(vm, "Array");
    if vm.is_callable(this) && this != own && !crate::sendable::class::is_sendable_ctor(vm, this) {
        return throw(vm, SharedError::failed_to_create_object());
    }
    let items = words(vm, args)?;
    new_array(vm, items)
}

// ----- accessors and simple methods ---------------------------------------------------------

fn length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "length")?;
    let n = check(vm, a.len())?;
    Ok(Value::number(n as f64))
}

/// `arr.length = n` is silently ignored (runtime facts §8).
fn set_length(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::UNDEFINED)
}

fn push(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "push")?;
    let items = words(vm, args)?;
    let n = check(vm, a.push(&items))?;
    Ok(Value::number(n as f64))
}

fn pop(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "pop")?;
    let w = check(vm, a.pop())?;
    Ok(load(vm, w))
}

fn shift(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "shift")?;
    let w = check(vm, a.shift())?;
    Ok(load(vm, w))
}

fn unshift(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "unshift")?;
    let items = words(vm, args)?;
    let n = check(vm, a.unshift(&items))?;
    Ok(Value::number(n as f64))
}

fn at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "at")?;
    let len = check(vm, a.len())? as f64;
    let n = int_arg(vm, arg(args, 0), 0.0)?;
    let k = if n < 0.0 { len + n } else { n };
    if k < 0.0 || k >= len {
        return Ok(Value::UNDEFINED);
    }
    let w = check(vm, a.get(k as usize))?;
    Ok(load(vm, w))
}

/// Joins the elements of the shared array `slot` with `sep`.
pub(crate) fn join_words(
    vm: &mut Vm,
    slot: u32,
    items: &[SharedWord],
    sep: &JsStr,
) -> JsResult<JsStr> {
    if JOINING.with(|j| j.borrow().contains(&slot)) {
        return Ok(JsStr::empty());
    }
    JOINING.with(|j| j.borrow_mut().push(slot));
    let mut parts: Vec<JsStr> = Vec::with_capacity(items.len());
    let mut result = Ok(());
    for &w in items {
        let v = load(vm, w);
        if v.is_nullish() {
            parts.push(JsStr::empty());
            continue;
        }
        match vm.to_js_string(v) {
            Ok(s) => parts.push(s),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    JOINING.with(|j| j.borrow_mut().pop());
    result?;
    let mut units: Vec<u16> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            sep.push_units(&mut units);
        }
        p.push_units(&mut units);
    }
    Ok(JsStr::from_units_vec(units))
}

fn join_with(vm: &mut Vm, this: Value, sep: Value, name: &str) -> JsResult<Value> {
    let a = this_array(vm, this, name)?;
    let sep = if sep.is_undefined() {
        JsStr::from_str(",")
    } else {
        vm.to_js_string(sep)?
    };
    let items = check(vm, a.snapshot())?;
    let slot = this.as_shared().unwrap_or(0);
    let s = join_words(vm, slot, &items, &sep)?;
    Ok(vm.new_string(s))
}

fn join(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    join_with(vm, this, arg(args, 0), "join")
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    join_with(vm, this, Value::UNDEFINED, "toString")
}

fn to_locale_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    join_with(vm, this, Value::UNDEFINED, "ToLocaleString")
}

fn slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "slice")?;
    let len = check(vm, a.len())?;
    let start = rel_arg(vm, arg(args, 0), len, 0)?;
    let end = rel_arg(vm, arg(args, 1), len, len)?;
    let items = check(vm, a.slice(start, end))?;
    species_array(vm, this, items)
}

fn splice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "splice")?;
    if args.is_empty() {
        return new_array(vm, Vec::new());
    }
    let len = check(vm, a.len())?;
    let start = rel_arg(vm, args[0], len, 0)?;
    let count = if args.len() < 2 {
        len - start
    } else {
        let n = vm.to_integer(args[1])?;
        n.clamp(0.0, (len - start) as f64) as usize
    };
    let items = words(vm, args.get(2..).unwrap_or(&[]))?;
    let removed = check(vm, a.splice(start, count, &items))?;
    species_array(vm, this, removed)
}

fn concat(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "concat")?;
    let mut out = check(vm, a.snapshot())?;
    for &v in args {
        let other = this_ref(v).and_then(|r| vm.mutator().array(r).cloned());
        match other {
            Some(o) => {
                let items = check(vm, o.snapshot())?;
                out.extend(items);
            }
            None => out.push(word(vm, v)?),
        }
    }
    species_array(vm, this, out)
}

fn reverse(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "Reverse")?;
    check(vm, a.reverse())?;
    Ok(this)
}

fn fill(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "fill")?;
    let w = word(vm, arg(args, 0))?;
    let len = check(vm, a.len())?;
    let start = rel_arg(vm, arg(args, 1), len, 0)?;
    let end = rel_arg(vm, arg(args, 2), len, len)?;
    check(vm, a.fill(w, start, end))?;
    Ok(this)
}

fn copy_within(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "CopyWithin")?;
    if arg(args, 0).is_undefined() {
        return throw(vm, SharedError::copy_within_target_undefined());
    }
    let len = check(vm, a.len())?;
    let target = rel_arg(vm, args[0], len, 0)?;
    let start = rel_arg(vm, arg(args, 1), len, 0)?;
    let end = rel_arg(vm, arg(args, 2), len, len)?;
    check(vm, a.copy_within(target, start, end))?;
    Ok(this)
}

fn shrink_to(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if args.len() != 1 {
        return throw(vm, SharedError::not_enough_parameter());
    }
    let a = this_array(vm, this, "shrinkTo")?;
    let n = length_arg(vm, args[0])?;
    check(vm, a.shrink_to(n))?;
    Ok(Value::UNDEFINED)
}

fn extend_to(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if args.len() < 2 {
        return throw(vm, SharedError::not_enough_parameters());
    }
    let a = this_array(vm, this, "extendTo")?;
    let n = length_arg(vm, args[0])?;
    let init = word(vm, args[1])?;
    check(vm, a.extend_to(n, init))?;
    Ok(Value::UNDEFINED)
}

// ----- searching ----------------------------------------------------------------------------

/// The word to compare with, or `None` for a value no shared array can hold.
fn probe(vm: &mut Vm, v: Value) -> Option<SharedWord> {
    vm.to_shared_word(v).ok()
}

fn index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "indexOf")?;
    let len = check(vm, a.len())?;
    let from = from_index(vm, arg(args, 1), len)?;
    let Some(t) = probe(vm, arg(args, 0)) else {
        return Ok(Value::number(-1.0));
    };
    let m = vm.mutator();
    let r = a.position(from, |w| m.strict_equals(w, t));
    let i = check(vm, r)?;
    Ok(Value::number(i.map_or(-1.0, |i| i as f64)))
}

fn last_index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "lastIndexOf")?;
    let len = check(vm, a.len())?;
    let Some(from) = last_from_index(vm, args, 1, len)? else {
        return Ok(Value::number(-1.0));
    };
    let Some(t) = probe(vm, arg(args, 0)) else {
        return Ok(Value::number(-1.0));
    };
    let m = vm.mutator();
    let r = a.last_position(from, |w| m.strict_equals(w, t));
    let i = check(vm, r)?;
    Ok(Value::number(i.map_or(-1.0, |i| i as f64)))
}

fn includes(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "includes")?;
    let len = check(vm, a.len())?;
    let from = from_index(vm, arg(args, 1), len)?;
    let Some(t) = probe(vm, arg(args, 0)) else {
        return Ok(Value::FALSE);
    };
    let m = vm.mutator();
    let r = a.position(from, |w| m.same_value_zero(w, t));
    let i = check(vm, r)?;
    Ok(Value::bool(i.is_some()))
}

// ----- containsAll / retainAll (newest runtime) ----------------------------------------------

/// The words of a local array or a shared array argument (`None` for anything else).
fn array_argument(vm: &mut Vm, v: Value) -> JsResult<Option<Vec<SharedWord>>> {
    if let Some(a) = this_ref(v).and_then(|r| vm.mutator().array(r).cloned()) {
        return check(vm, a.snapshot()).map(Some);
    }
    if !vm.is_array(v) {
        return Ok(None);
    }
    let vals = collect_items(vm, v)?;
    // Values no shared array can hold cannot match anything: they are left out.
    Ok(Some(
        vals.into_iter()
            .filter_map(|x| vm.to_shared_word(x).ok())
            .collect(),
    ))
}

/// `containsAll(arr)`: every element of `arr` is in this array (SameValueZero).
fn contains_all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "containsAll")?;
    let Some(wanted) = array_argument(vm, arg(args, 0))? else {
        return throw(vm, SharedError::only_array());
    };
    let mine = check(vm, a.snapshot())?;
    let m = vm.mutator();
    let all = wanted
        .iter()
        .all(|w| mine.iter().any(|x| m.same_value_zero(*x, *w)));
    Ok(Value::bool(all))
}

/// `retainAll(arr | predicate)`: keeps the elements found in `arr` (SameValueZero) or
/// accepted by `predicate(value, index)`; returns whether the array changed.
fn retain_all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "retainAll")?;
    let what = arg(args, 0);
    let list = if vm.is_callable(what) {
        None
    } else {
        match array_argument(vm, what)? {
            Some(l) => Some(l),
            None => return throw(vm, SharedError::only_array_or_callable()),
        }
    };
    let scope = check(vm, a.write_scope())?;
    let items = scope.elements();
    let mut kept = Vec::with_capacity(items.len());
    for (i, w) in items.iter().enumerate() {
        let keep = match &list {
            Some(l) => {
                let m = vm.mutator();
                l.iter().any(|x| m.same_value_zero(*x, *w))
            }
            None => {
                let v = load(vm, *w);
                let r = vm.call(what, Value::UNDEFINED, &[v, Value::number(i as f64)])?;
                vm.to_boolean(r)
            }
        };
        if keep {
            kept.push(*w);
        }
    }
    let changed = kept.len() != items.len();
    if changed {
        scope.replace_all(kept);
    }
    Ok(Value::bool(changed))
}

// ----- callback methods ---------------------------------------------------------------------

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
    // `map` keeps the shared copies of the callback's results in a Rust vector while more
    // callbacks run.
    vm.with_shared_words_held(|vm| each_held(vm, this, args, mode, name))
}

fn each_held(vm: &mut Vm, this: Value, args: &[Value], mode: Pass, name: &str) -> JsResult<Value> {
    let a = this_array(vm, this, name)?;
    let predicate = matches!(
        mode,
        Pass::Find | Pass::FindIndex | Pass::FindLast | Pass::FindLastIndex
    );
    let f = callable(vm, arg(args, 0), predicate)?;
    let scope = check(vm, a.read_scope())?;
    let len = scope.length();
    let backwards = matches!(mode, Pass::FindLast | Pass::FindLastIndex);
    let mut out: Vec<SharedWord> = Vec::new();
    for k in 0..len {
        let i = if backwards { len - 1 - k } else { k };
        if i >= scope.length() {
            continue;
        }
        let w = scope.at(i);
        let v = load(vm, w);
        let r = vm.call(f, Value::UNDEFINED, &[v, Value::number(i as f64), this])?;
        match mode {
            Pass::ForEach => {}
            Pass::Map => {
                vm.root(r);
                out.push(word(vm, r)?);
            }
            Pass::Filter => {
                if vm.to_boolean(r) {
                    out.push(w);
                }
            }
            Pass::Find | Pass::FindLast => {
                if vm.to_boolean(r) {
                    return Ok(v);
                }
            }
            Pass::FindIndex | Pass::FindLastIndex => {
                if vm.to_boolean(r) {
                    return Ok(Value::number(i as f64));
                }
            }
            Pass::Every => {
                if !vm.to_boolean(r) {
                    return Ok(Value::FALSE);
                }
            }
            Pass::Some => {
                if vm.to_boolean(r) {
                    return Ok(Value::TRUE);
                }
            }
        }
    }
    drop(scope);
    match mode {
        Pass::ForEach | Pass::Find | Pass::FindLast => Ok(Value::UNDEFINED),
        Pass::Map | Pass::Filter => species_array(vm, this, out),
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
    each(vm, this, args, Pass::FindLast, "FindLast")
}
fn find_last_index(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::FindLastIndex, "FindLastIndex")
}
fn every(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Every, "every")
}
fn some(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    each(vm, this, args, Pass::Some, "some")
}

fn reduce_impl(vm: &mut Vm, this: Value, args: &[Value], right: bool) -> JsResult<Value> {
    let name = if right { "ReduceRight" } else { "reduce" };
    let a = this_array(vm, this, name)?;
    let f = callable(vm, arg(args, 0), false)?;
    let scope = check(vm, a.read_scope())?;
    let len = scope.length();
    let mut order: Box<dyn Iterator<Item = usize>> = if right {
        Box::new((0..len).rev())
    } else {
        Box::new(0..len)
    };
    let mut acc = if args.len() >= 2 {
        args[1]
    } else {
        match order.next() {
            Some(i) => load(vm, scope.at(i)),
            None if right => return throw(vm, SharedError::reduce_empty()),
            None => return Err(vm.type_error("Reduce of empty array with no initial value")),
        }
    };
    for i in order {
        let v = load(vm, scope.at(i));
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

/// Sorts `vals` (as indices into them) with the JS default order or a comparator; returns the
/// permutation. Undefined values sort last without calling the comparator.
pub(crate) fn sort_order(vm: &mut Vm, vals: &[Value], cmpf: Value) -> JsResult<Vec<usize>> {
    let (defined, undef): (Vec<usize>, Vec<usize>) =
        (0..vals.len()).partition(|&i| !vals[i].is_undefined());
    let mut idx: Vec<Value> = defined.iter().map(|&i| Value::number(i as f64)).collect();
    if cmpf.is_undefined() {
        let mut keys: Vec<Option<JsStr>> = vec![None; vals.len()];
        for &i in &defined {
            keys[i] = Some(vm.to_js_string(vals[i])?);
        }
        let mut cmp = |_vm: &mut Vm, a: Value, b: Value| -> JsResult<bool> {
            let (ka, kb) = (&keys[a.num() as usize], &keys[b.num() as usize]);
            Ok(match (ka, kb) {
                (Some(x), Some(y)) => y.cmp_units(x) == std::cmp::Ordering::Less,
                _ => false,
            })
        };
        crate::builtins::array::merge_sort(vm, &mut idx, &mut cmp)?;
    } else {
        let mut cmp = |vm: &mut Vm, a: Value, b: Value| -> JsResult<bool> {
            let (x, y) = (vals[a.num() as usize], vals[b.num() as usize]);
            let r = vm.call(cmpf, Value::UNDEFINED, &[x, y])?;
            let n = match r.as_number() {
                Some(n) => n,
                None => vm.to_number(r)?,
            };
            Ok(n > 0.0)
        };
        crate::builtins::array::merge_sort(vm, &mut idx, &mut cmp)?;
    }
    let mut order: Vec<usize> = idx.into_iter().map(|v| v.num() as usize).collect();
    order.extend(undef);
    Ok(order)
}

fn sort(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let a = this_array(vm, this, "sort")?;
    let cmpf = arg(args, 0);
    if !cmpf.is_undefined() && !vm.is_callable(cmpf) {
        return throw(vm, SharedError::comparator_not_callable());
    }
    let scope = check(vm, a.write_scope())?;
    let items = scope.elements();
    let vals: Vec<Value> = items.iter().map(|w| load(vm, *w)).collect();
    let order = sort_order(vm, &vals, cmpf)?;
    scope.replace_all(order.into_iter().map(|i| items[i]).collect());
    Ok(this)
}

// ----- iteration ----------------------------------------------------------------------------

fn keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_array(vm, this, "keys")?;
    Ok(iterator::array_iterator(vm, this, 1))
}

fn values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_array(vm, this, "values")?;
    Ok(super::index_iterator(vm, this, 0, "arrayIterator"))
}

fn entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_array(vm, this, "entries")?;
    Ok(super::index_iterator(vm, this, 2, "arrayIterator"))
}

pub(crate) fn install(vm: &mut Vm, ns: ObjRef) {
    let p = vm.sendable_proto(SharedKind::Array);
    let c = vm.new_constructor("SendableArray", 0, ctor, Some(p));
    super::methods(
        vm,
        c,
        &[
            ("create", 2, create),
            ("from", 1, from),
            ("isArray", 1, is_array),
            ("of", 0, of),
        ],
    );
    super::define_species(vm, c);
    super::methods(
        vm,
        p,
        &[
            ("pop", 0, pop),
            ("push", 1, push),
            ("join", 1, join),
            ("shift", 0, shift),
            ("unshift", 1, unshift),
            ("slice", 2, slice),
            ("sort", 1, sort),
            ("indexOf", 1, index_of),
            ("lastIndexOf", 1, last_index_of),
            ("includes", 1, includes),
            ("at", 1, at),
            ("forEach", 1, for_each),
            ("map", 1, map),
            ("filter", 1, filter),
            ("reduce", 1, reduce),
            ("reduceRight", 1, reduce_right),
            ("find", 1, find),
            ("findIndex", 1, find_index),
            ("findLast", 1, find_last),
            ("findLastIndex", 1, find_last_index),
            ("every", 1, every),
            ("some", 1, some),
            ("fill", 1, fill),
            ("copyWithin", 2, copy_within),
            ("reverse", 0, reverse),
            ("concat", 1, concat),
            ("splice", 2, splice),
            ("shrinkTo", 1, shrink_to),
            ("extendTo", 2, extend_to),
            ("containsAll", 1, contains_all),
            ("retainAll", 1, retain_all),
            ("toString", 0, to_string),
            ("toLocaleString", 0, to_locale_string),
            ("keys", 0, keys),
            ("entries", 0, entries),
        ],
    );
    let v = vm.define_method(p, "values", 0, values);
    vm.heap.obj_mut(p).put_raw(
        PropKey::Sym(wk::ITERATOR),
        Value::object(v),
        crate::shape::ATTR_HIDDEN,
    );
    // `length`: a getter, with a setter that ignores the store.
    let g = vm.new_native("get length", 0, length);
    let s = vm.new_native("set length", 1, set_length);
    let acc = vm.heap.alloc_accessor(Value::object(g), Value::object(s));
    vm.heap.obj_mut(p).put_raw(
        PropKey::from_str("length"),
        acc,
        crate::shape::ATTR_CONFIGURABLE | crate::shape::ATTR_ACCESSOR,
    );
    super::export(vm, ns, "Array", c);
}
