//! `Array` and `Array.prototype` (the ES2023 method set).

use super::{arg, require_callable, set_global};
use crate::atom::{names, PropKey};
use crate::conv::relative_index;
use crate::object::{ElemMode, ObjectKind};
use crate::ops::{same_value_zero, MAX_STRING_LEN};
use crate::shape::ATTR_HIDDEN;
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;

const MAX_DENSE: f64 = (1u64 << 26) as f64;

/// Sets an array's `length` (truncating, or extending with holes).
pub fn set_length(vm: &mut Vm, o: ObjRef, v: Value) -> JsResult<()> {
    let n = vm.to_number(v)?;
    if n < 0.0 || n.fract() != 0.0 || n > 4294967295.0 {
        return Err(vm.range_error("Invalid array length"));
    }
    let obj = vm.heap.obj_mut(o);
    let n = n as usize;
    let cur = obj.array_len();
    if n != cur && (obj.elem_mode == ElemMode::Frozen || obj.length_readonly) {
        return Err(vm.type_error(
            "Cannot assign to read only property 'length' of object '[object Array]'",
        ));
    }
    if n < cur {
        if obj.elem_mode == ElemMode::Sealed {
            return Err(vm.type_error("Cannot delete array elements of a sealed array"));
        }
        obj.elements.truncate(n);
        if obj.shape.has_index_keys {
            let keys: Vec<PropKey> = obj
                .shape
                .keys
                .iter()
                .filter(|k| matches!(k, PropKey::Index(i) if *i as usize >= n))
                .copied()
                .collect();
            for k in keys {
                obj.remove(k);
            }
        }
        obj.sparse_len = if n > obj.elements.len() { n as u32 } else { 0 };
    } else if n > cur {
        // Growing only adds holes, which is allowed even when the array is not extensible.
        if n <= MAX_DENSE as usize && obj.sparse_len == 0 {
            obj.elements.resize(n, Value::HOLE);
        } else {
            obj.sparse_len = n as u32;
        }
    }
    Ok(())
}

/// The dense element vector of `v` if it is an array whose elements can be read directly.
fn dense(vm: &Vm, v: Value) -> Option<&Vec<Value>> {
    let o = vm.heap.try_obj(v)?;
    if o.is_array() && !o.shape.has_index_keys && o.sparse_len == 0 {
        Some(&o.elements)
    } else {
        None
    }
}

fn get_index(vm: &mut Vm, o: Value, i: f64) -> JsResult<Value> {
    if let Some(els) = dense(vm, o) {
        if let Some(e) = els.get(i as usize) {
            if !e.is_hole() {
                return Ok(*e);
            }
        }
    }
    let k = index_key(vm, i)?;
    vm.get(o, k)
}

/// The key of index `i`. Every element access of the generic algorithms that a dense array
/// cannot answer comes through here, so a loop over a huge array-like (`{ length: 2 ** 40 }`)
/// stays stoppable: every 65 536th index checks for `worker.terminate()` and `--timeout`.
fn index_key(vm: &mut Vm, i: f64) -> JsResult<PropKey> {
    if (i as u64) & 0xFFFF == 0 {
        super::check_interrupt(vm)?;
    }
    Ok(if i < 4294967295.0 {
        PropKey::Index(i as u32)
    } else {
        PropKey::from_js_str(&crate::conv::number_to_string(i))
    })
}

fn has_index(vm: &mut Vm, o: Value, i: f64) -> JsResult<bool> {
    let k = index_key(vm, i)?;
    Ok(match o.as_object() {
        Some(r) => vm.has_property(r, k),
        None => false,
    })
}

fn set_index(vm: &mut Vm, o: Value, i: f64, v: Value) -> JsResult<()> {
    let k = index_key(vm, i)?;
    vm.set(o, k, v)
}

fn set_len(vm: &mut Vm, o: Value, n: f64) -> JsResult<()> {
    vm.set(o, PropKey::Str(names::get().length), Value::number(n))
}

/// ArraySpeciesCreate, applied after the fact: `result` is a plain array holding the values;
/// when `original` asks for another constructor (a subclass, or `Symbol.species`), the values
/// are copied into an instance made by that constructor.
fn species_wrap(vm: &mut Vm, original: Value, result: Value) -> JsResult<Value> {
    if !vm.is_array(original) {
        return Ok(result);
    }
    // Fast path: a plain array whose prototype is the intrinsic one with its own constructor.
    if let Some(o) = vm.heap.try_obj(original) {
        if o.proto == Some(vm.realm.array_proto)
            && o.shape
                .lookup(PropKey::Str(names::get().constructor))
                .is_none()
        {
            let ap = vm.heap.obj(vm.realm.array_proto);
            let c = ap
                .get_own(PropKey::Str(names::get().constructor))
                .map(|p| p.value);
            if c == Some(Value::object(vm.realm.array_ctor)) {
                return Ok(result);
            }
        }
    }
    vm.root(result);
    let mut c = vm.get(original, PropKey::Str(names::get().constructor))?;
    if c.is_object() {
        c = vm.get(c, PropKey::Sym(wk::SPECIES))?;
        if c.is_null() {
            c = Value::UNDEFINED;
        }
    }
    if c.is_undefined() || c == Value::object(vm.realm.array_ctor) {
        return Ok(result);
    }
    if !vm.is_constructor(c) {
        return Err(vm.type_error("object.constructor[Symbol.species] is not a constructor"));
    }
    let els: Vec<Value> = vm
        .heap
        .try_obj(result)
        .map(|o| o.elements.clone())
        .unwrap_or_default();
    let a = vm.construct(c, &[Value::number(0.0)], c)?;
    vm.root(a);
    let Some(ao) = a.as_object() else {
        return Err(vm.type_error("species constructor returned a non-object"));
    };
    for (i, v) in els.iter().enumerate() {
        if !v.is_hole() {
            vm.create_data_property(ao, PropKey::Index(i as u32), *v)?;
        }
    }
    set_len(vm, a, els.len() as f64)?;
    Ok(a)
}

fn this_obj(vm: &mut Vm, this: Value) -> JsResult<Value> {
    Ok(Value::object(vm.to_object(this)?))
}

// ----- constructor and statics -------------------------------------------------------------

fn array_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let proto = if vm.new_target.is_undefined() {
        vm.realm.array_proto
    } else {
        let p = vm.realm.array_proto;
        let nt = vm.new_target;
        vm.proto_from_ctor(nt, p)?
    };
    let a = vm.new_array(Vec::new());
    vm.heap.obj_mut(a).proto = Some(proto);
    if args.len() == 1 {
        if let Some(n) = args[0].as_number() {
            if n < 0.0 || n.fract() != 0.0 || n > 4294967295.0 {
                return Err(vm.range_error("Invalid array length"));
            }
            if n <= MAX_DENSE {
                vm.heap.obj_mut(a).elements = vec![Value::HOLE; n as usize];
            } else {
                vm.heap.obj_mut(a).sparse_len = n as u32;
            }
            return Ok(Value::object(a));
        }
    }
    vm.heap.obj_mut(a).elements = args.to_vec();
    Ok(Value::object(a))
}

fn array_is_array(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(vm.is_array(arg(args, 0))))
}

/// Copies `vals` into a new instance of `c` when `c` is a constructor other than Array
/// (`Array.from`/`Array.of` called on a subclass); None means "use a plain array".
fn construct_from(vm: &mut Vm, c: Value, vals: &[Value]) -> JsResult<Option<Value>> {
    if !vm.is_constructor(c) || c == Value::object(vm.realm.array_ctor) {
        return Ok(None);
    }
    let a = vm.construct(c, &[], c)?;
    vm.root(a);
    let Some(ao) = a.as_object() else {
        return Ok(Some(a));
    };
    for (i, v) in vals.iter().enumerate() {
        vm.create_data_property(ao, PropKey::Index(i as u32), *v)?;
    }
    set_len(vm, a, vals.len() as f64)?;
    Ok(Some(a))
}

fn array_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(a) = construct_from(vm, this, args)? {
        return Ok(a);
    }
    Ok(vm.new_array_value(args.to_vec()))
}

fn array_from(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let plain = array_from_plain(vm, args)?;
    if vm.is_constructor(this) && this != Value::object(vm.realm.array_ctor) {
        let vals: Vec<Value> = vm
            .heap
            .try_obj(plain)
            .map(|o| o.elements.clone())
            .unwrap_or_default();
        vm.root(plain);
        if let Some(a) = construct_from(vm, this, &vals)? {
            return Ok(a);
        }
    }
    Ok(plain)
}

fn array_from_plain(vm: &mut Vm, args: &[Value]) -> JsResult<Value> {
    let src = arg(args, 0);
    let f = arg(args, 1);
    let this_arg = arg(args, 2);
    if !f.is_undefined() {
        require_callable(vm, f)?;
    }
    if src.is_nullish() {
        return Err(vm.type_error(format!("{} is not iterable", vm.to_display_string(src))));
    }
    let out = vm.new_array(Vec::new());
    vm.root(Value::object(out));
    let iter_fn = vm.get(src, PropKey::Sym(wk::ITERATOR))?;
    let items: Vec<Value> = if !iter_fn.is_nullish() {
        super::iterator::iterate_to_vec(vm, src)?
    } else {
        let o = this_obj(vm, src)?;
        let len = vm.length_of(o)?;
        if len > MAX_DENSE {
            return Err(vm.range_error("Invalid array length"));
        }
        let mut v = Vec::with_capacity(len as usize);
        for i in 0..len as usize {
            v.push(get_index(vm, o, i as f64)?);
        }
        v
    };
    for (i, it) in items.iter().enumerate() {
        vm.root(*it);
        let v = if f.is_undefined() {
            *it
        } else {
            vm.call(f, this_arg, &[*it, Value::number(i as f64)])?
        };
        vm.heap.obj_mut(out).elements.push(v);
    }
    Ok(Value::object(out))
}

// ----- prototype methods -------------------------------------------------------------------

fn push(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(o) = this.as_object() {
        let obj = vm.heap.obj_mut(o);
        if obj.is_array()
            && obj.sparse_len == 0
            && !obj.length_readonly
            && obj.elem_mode == ElemMode::Normal
            && obj.extensible
        {
            if obj.elements.len() + args.len() > MAX_DENSE as usize {
                return Err(vm.range_error("Invalid array length"));
            }
            obj.elements.extend_from_slice(args);
            let n = obj.elements.len();
            vm.heap.debt += args.len() / 16;
            return Ok(Value::number(n as f64));
        }
    }
    let o = this_obj(vm, this)?;
    let mut len = vm.length_of(o)?;
    for &a in args {
        set_index(vm, o, len, a)?;
        len += 1.0;
    }
    set_len(vm, o, len)?;
    Ok(Value::number(len))
}

fn pop(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if let Some(o) = this.as_object() {
        let obj = vm.heap.obj_mut(o);
        if obj.is_array()
            && obj.sparse_len == 0
            && !obj.length_readonly
            && obj.elem_mode == ElemMode::Normal
            && !obj.shape.has_index_keys
        {
            return Ok(match obj.elements.pop() {
                Some(v) if !v.is_hole() => v,
                Some(_) => {
                    let p = obj.proto;
                    let n = obj.elements.len();
                    match p {
                        Some(p) => vm.get_from(p, PropKey::Index(n as u32), this)?,
                        None => Value::UNDEFINED,
                    }
                }
                None => Value::UNDEFINED,
            });
        }
    }
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    if len == 0.0 {
        set_len(vm, o, 0.0)?;
        return Ok(Value::UNDEFINED);
    }
    let v = get_index(vm, o, len - 1.0)?;
    let k = index_key(vm, len - 1.0)?;
    delete_or_throw(vm, o, k)?;
    set_len(vm, o, len - 1.0)?;
    Ok(v)
}

fn delete_or_throw(vm: &mut Vm, o: Value, k: PropKey) -> JsResult<()> {
    if let Some(r) = o.as_object() {
        if !vm.delete_property(r, k) {
            let ks = vm.key_display(k);
            return Err(vm.type_error(format!(
                "Cannot delete property '{ks}' of {}",
                vm.object_brief(o)
            )));
        }
    }
    Ok(())
}

fn shift(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if let Some(o) = this.as_object() {
        let obj = vm.heap.obj_mut(o);
        if obj.is_array()
            && obj.elem_mode == ElemMode::Normal
            && !obj.shape.has_index_keys
            && !obj.elements.iter().any(|v| v.is_hole())
        {
            if obj.elements.is_empty() {
                return Ok(Value::UNDEFINED);
            }
            return Ok(obj.elements.remove(0));
        }
    }
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    if len == 0.0 {
        set_len(vm, o, 0.0)?;
        return Ok(Value::UNDEFINED);
    }
    let first = get_index(vm, o, 0.0)?;
    for k in 1..len as u64 {
        let k = k as f64;
        if has_index(vm, o, k)? {
            let v = get_index(vm, o, k)?;
            set_index(vm, o, k - 1.0, v)?;
        } else {
            let key = index_key(vm, k - 1.0)?;
            delete_or_throw(vm, o, key)?;
        }
    }
    let key = index_key(vm, len - 1.0)?;
    delete_or_throw(vm, o, key)?;
    set_len(vm, o, len - 1.0)?;
    Ok(first)
}

fn unshift(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(o) = this.as_object() {
        let obj = vm.heap.obj_mut(o);
        if obj.is_array()
            && obj.elem_mode == ElemMode::Normal
            && obj.extensible
            && !obj.shape.has_index_keys
        {
            obj.elements.splice(0..0, args.iter().copied());
            return Ok(Value::number(obj.elements.len() as f64));
        }
    }
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let n = args.len() as f64;
    let mut k = len;
    while k > 0.0 {
        if has_index(vm, o, k - 1.0)? {
            let v = get_index(vm, o, k - 1.0)?;
            set_index(vm, o, k + n - 1.0, v)?;
        } else {
            let key = index_key(vm, k + n - 1.0)?;
            delete_or_throw(vm, o, key)?;
        }
        k -= 1.0;
    }
    for (j, &a) in args.iter().enumerate() {
        set_index(vm, o, j as f64, a)?;
    }
    set_len(vm, o, len + n)?;
    Ok(Value::number(len + n))
}

fn slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let start = relative_index(vm.to_integer(arg(args, 0))?, len);
    let end = if arg(args, 1).is_undefined() {
        len
    } else {
        relative_index(vm.to_integer(arg(args, 1))?, len)
    };
    if let Some(els) = dense(vm, o) {
        let s = start as usize;
        let e = (end as usize).max(s).min(els.len());
        let v = els[s.min(e)..e].to_vec();
        let r = vm.new_array_value(v);
        return species_wrap(vm, o, r);
    }
    check_array_length(vm, end - start)?;
    let mut out = Vec::new();
    let mut k = start;
    while k < end {
        if has_index(vm, o, k)? {
            out.push(get_index(vm, o, k)?);
        } else {
            out.push(Value::HOLE);
        }
        k += 1.0;
    }
    let r = vm.new_array_value(out);
    species_wrap(vm, o, r)
}

fn splice_impl(vm: &mut Vm, this: Value, args: &[Value], copy: bool) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let start = relative_index(vm.to_integer(arg(args, 0))?, len);
    let del = if args.is_empty() {
        0.0
    } else if args.len() == 1 {
        len - start
    } else {
        vm.to_integer(args[1])?.clamp(0.0, len - start)
    };
    let items: Vec<Value> = args.iter().skip(2).copied().collect();
    if len + items.len() as f64 - del > MAX_DENSE {
        return Err(vm.range_error("Invalid array length"));
    }
    if len > MAX_DENSE {
        return Err(vm.range_error("Invalid array length"));
    }
    // Work on a copy of the elements, then write them back; observably equivalent for
    // ordinary arrays and simple for array-likes.
    let mut all = Vec::with_capacity(len as usize);
    for i in 0..len as usize {
        all.push(get_index(vm, o, i as f64)?);
    }
    let (s, d) = (start as usize, del as usize);
    let removed: Vec<Value> = all.splice(s..s + d, items).collect();
    if copy {
        return Ok(vm.new_array_value(all));
    }
    if let Some(r) = o.as_object() {
        let obj = vm.heap.obj_mut(r);
        if obj.is_array()
            && obj.sparse_len == 0
            && !obj.length_readonly
            && obj.elem_mode == ElemMode::Normal
            && !obj.shape.has_index_keys
        {
            obj.elements = all;
            return Ok(vm.new_array_value(removed));
        }
    }
    for (i, v) in all.iter().enumerate() {
        set_index(vm, o, i as f64, *v)?;
    }
    for i in all.len()..len as usize {
        let key = index_key(vm, i as f64)?;
        delete_or_throw(vm, o, key)?;
    }
    set_len(vm, o, all.len() as f64)?;
    Ok(vm.new_array_value(removed))
}

fn splice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    splice_impl(vm, this, args, false)
}

fn to_spliced(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    splice_impl(vm, this, args, true)
}

fn is_concat_spreadable(vm: &mut Vm, v: Value) -> JsResult<bool> {
    if !v.is_object() {
        return Ok(false);
    }
    let s = vm.get(v, PropKey::Sym(wk::IS_CONCAT_SPREADABLE))?;
    if !s.is_undefined() {
        return Ok(vm.to_boolean(s));
    }
    Ok(vm.is_array(v))
}

fn concat(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let mut out = Vec::new();
    let mut list = vec![o];
    list.extend_from_slice(args);
    for item in list {
        if is_concat_spreadable(vm, item)? {
            if let Some(els) = dense(vm, item) {
                out.extend_from_slice(els);
                continue;
            }
            let len = vm.length_of(item)?;
            if out.len() as f64 + len > MAX_DENSE {
                return Err(vm.range_error("Invalid array length"));
            }
            for i in 0..len as usize {
                if has_index(vm, item, i as f64)? {
                    out.push(get_index(vm, item, i as f64)?);
                } else {
                    out.push(Value::HOLE);
                }
            }
        } else {
            out.push(item);
        }
        if out.len() as f64 > MAX_DENSE {
            return Err(vm.range_error("Invalid array length"));
        }
    }
    let r = vm.new_array_value(out);
    species_wrap(vm, o, r)
}

pub fn join_impl(vm: &mut Vm, this: Value, sep: &JsStr) -> JsResult<JsStr> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    // Cycle detection: node prints "" for an array that contains itself.
    let oref = o.as_object().unwrap_or(vm.realm.array_proto);
    if vm.interp.join_stack.contains(&oref) {
        return Ok(JsStr::empty());
    }
    // The separators alone would pass the string limit (a sparse array of length 2 ** 32 - 1):
    // fail before walking billions of holes (found by the clone fuzz target).
    if len > 1.0 && (len - 1.0) * sep.len() as f64 > MAX_STRING_LEN as f64 {
        return Err(vm.range_error("Invalid string length"));
    }
    vm.interp.join_stack.push(oref);
    let mut units: Vec<u16> = Vec::new();
    let mut ascii = String::new();
    let mut is_ascii = sep.is_ascii();
    let mut result = Ok(());
    for i in 0..len as usize {
        if i > 0 {
            if is_ascii {
                ascii.push_str(sep.as_ascii().unwrap_or(""));
            } else {
                sep.push_units(&mut units);
            }
        }
        // The limit of `String.prototype.repeat`: a sparse array of length 2 ** 32 - 1 would
        // otherwise build gigabytes of separators (found by the clone fuzz target).
        if ascii.len().max(units.len()) > MAX_STRING_LEN {
            result = Err(vm.range_error("Invalid string length"));
            break;
        }
        let e = match get_index(vm, o, i as f64) {
            Ok(e) => e,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        if e.is_nullish() {
            continue;
        }
        let s = match vm.to_js_string(e) {
            Ok(s) => s,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        if is_ascii {
            if let Some(a) = s.as_ascii() {
                ascii.push_str(a);
                continue;
            }
            is_ascii = false;
            units = ascii.bytes().map(|b| b as u16).collect();
        }
        s.push_units(&mut units);
    }
    vm.interp.join_stack.pop();
    result?;
    Ok(if is_ascii {
        JsStr::from_str(&ascii)
    } else {
        JsStr::from_units_vec(units)
    })
}

fn join(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let sep = if arg(args, 0).is_undefined() {
        JsStr::from_str(",")
    } else {
        vm.to_js_string(args[0])?
    };
    let s = join_impl(vm, this, &sep)?;
    Ok(vm.new_string(s))
}

fn to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let j = vm.get(o, PropKey::Str(names::get().join))?;
    if vm.is_callable(j) {
        return vm.call(j, o, &[]);
    }
    super::object::object_to_string(vm, o, &[])
}

fn reverse(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if let Some(r) = this.as_object() {
        let obj = vm.heap.obj_mut(r);
        if obj.is_array()
            && obj.sparse_len == 0
            && !obj.length_readonly
            && obj.elem_mode == ElemMode::Normal
            && !obj.shape.has_index_keys
        {
            obj.elements.reverse();
            return Ok(this);
        }
    }
    // The specification's swap in place: holes move with their elements, and an array-like
    // of any length costs no memory (it used to be copied out first, 8 bytes per index).
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let middle = (len / 2.0).floor();
    let mut lower = 0.0;
    while lower < middle {
        let upper = len - lower - 1.0;
        let hm = vm.handles.len();
        let lower_value = if has_index(vm, o, lower)? {
            let v = get_index(vm, o, lower)?;
            Some(vm.root(v))
        } else {
            None
        };
        let upper_value = if has_index(vm, o, upper)? {
            let v = get_index(vm, o, upper)?;
            Some(vm.root(v))
        } else {
            None
        };
        match upper_value {
            Some(v) => set_index(vm, o, lower, v)?,
            None if lower_value.is_some() => {
                let key = index_key(vm, lower)?;
                delete_or_throw(vm, o, key)?;
            }
            None => {}
        }
        match lower_value {
            Some(v) => set_index(vm, o, upper, v)?,
            None if upper_value.is_some() => {
                let key = index_key(vm, upper)?;
                delete_or_throw(vm, o, key)?;
            }
            None => {}
        }
        vm.handles.truncate(hm);
        lower += 1.0;
    }
    Ok(o)
}

/// ArrayCreate's limit for the methods that copy an array-like into a new array (`toReversed`,
/// `toSorted`, `slice`): checked before the copy, which would otherwise collect billions of
/// values first.
fn check_array_length(vm: &mut Vm, len: f64) -> JsResult<()> {
    if len > 4294967295.0 {
        return Err(vm.range_error("Invalid array length"));
    }
    Ok(())
}

fn to_reversed(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    check_array_length(vm, len)?;
    let mut all = Vec::new();
    for i in 0..len as usize {
        all.push(get_index(vm, o, i as f64)?);
    }
    all.reverse();
    Ok(vm.new_array_value(all))
}

fn index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let target = arg(args, 0);
    let start = relative_index(vm.to_integer(arg(args, 1))?, len);
    if let Some(els) = dense(vm, o) {
        let found = els
            .iter()
            .enumerate()
            .skip(start as usize)
            .find(|(_, e)| !e.is_hole() && crate::ops::strict_equals(vm, **e, target));
        return Ok(Value::number(found.map(|(i, _)| i as f64).unwrap_or(-1.0)));
    }
    let mut k = start;
    while k < len {
        if has_index(vm, o, k)? {
            let e = get_index(vm, o, k)?;
            if crate::ops::strict_equals(vm, e, target) {
                return Ok(Value::number(k));
            }
        }
        k += 1.0;
    }
    Ok(Value::number(-1.0))
}

fn last_index_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let target = arg(args, 0);
    let mut k = if args.len() > 1 {
        let n = vm.to_integer(args[1])?;
        if n < 0.0 {
            len + n
        } else {
            n.min(len - 1.0)
        }
    } else {
        len - 1.0
    };
    while k >= 0.0 {
        if has_index(vm, o, k)? {
            let e = get_index(vm, o, k)?;
            if crate::ops::strict_equals(vm, e, target) {
                return Ok(Value::number(k));
            }
        }
        k -= 1.0;
    }
    Ok(Value::number(-1.0))
}

fn includes(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let target = arg(args, 0);
    let mut k = relative_index(vm.to_integer(arg(args, 1))?, len);
    while k < len {
        let e = get_index(vm, o, k)?;
        if same_value_zero(vm, e, target) {
            return Ok(Value::TRUE);
        }
        k += 1.0;
    }
    Ok(Value::FALSE)
}

fn at(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let rel = vm.to_integer(arg(args, 0))?;
    let k = if rel >= 0.0 { rel } else { len + rel };
    if k < 0.0 || k >= len {
        return Ok(Value::UNDEFINED);
    }
    get_index(vm, o, k)
}

fn with(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let rel = vm.to_integer(arg(args, 0))?;
    let k = if rel >= 0.0 { rel } else { len + rel };
    if k < 0.0 || k >= len {
        return Err(vm.range_error(
            "Invalid index : ".to_string() + &crate::conv::number_to_string(rel).to_string(),
        ));
    }
    if len > MAX_DENSE {
        return Err(vm.range_error("Invalid array length"));
    }
    let mut all = Vec::with_capacity(len as usize);
    for i in 0..len as usize {
        all.push(if i as f64 == k {
            arg(args, 1)
        } else {
            get_index(vm, o, i as f64)?
        });
    }
    Ok(vm.new_array_value(all))
}

fn fill(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let start = relative_index(vm.to_integer(arg(args, 1))?, len);
    let end = if arg(args, 2).is_undefined() {
        len
    } else {
        relative_index(vm.to_integer(args[2])?, len)
    };
    let mut k = start;
    while k < end {
        set_index(vm, o, k, arg(args, 0))?;
        k += 1.0;
    }
    Ok(o)
}

fn copy_within(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let to = relative_index(vm.to_integer(arg(args, 0))?, len);
    let from = relative_index(vm.to_integer(arg(args, 1))?, len);
    let fin = if arg(args, 2).is_undefined() {
        len
    } else {
        relative_index(vm.to_integer(args[2])?, len)
    };
    let mut count = (fin - from).min(len - to);
    // The specification's element-by-element copy, backwards when the ranges overlap with the
    // target after the source; it needs no copy of the range (which for an array-like of
    // length 2 ** 40 was terabytes).
    let (mut from, mut to, step) = if from < to && to < from + count {
        (from + count - 1.0, to + count - 1.0, -1.0)
    } else {
        (from, to, 1.0)
    };
    while count > 0.0 {
        if has_index(vm, o, from)? {
            let v = get_index(vm, o, from)?;
            set_index(vm, o, to, v)?;
        } else {
            let key = index_key(vm, to)?;
            delete_or_throw(vm, o, key)?;
        }
        from += step;
        to += step;
        count -= 1.0;
    }
    Ok(o)
}

/// Shared driver for the callback methods.
#[derive(Copy, Clone, PartialEq)]
enum Iter {
    ForEach,
    Map,
    Filter,
    Some,
    Every,
    Find,
    FindIndex,
    FindLast,
    FindLastIndex,
}

fn iterate(vm: &mut Vm, this: Value, args: &[Value], mode: Iter) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        let s = vm.to_display_string(f);
        return Err(vm.type_error(format!("{s} is not a function")));
    }
    let this_arg = arg(args, 1);
    let out = if matches!(mode, Iter::Map | Iter::Filter) {
        let a = vm.new_array(Vec::new());
        if mode == Iter::Map {
            vm.heap.obj_mut(a).elements = vec![Value::HOLE; len.min(MAX_DENSE) as usize];
        }
        vm.root(Value::object(a));
        Some(a)
    } else {
        None
    };
    let backwards = matches!(mode, Iter::FindLast | Iter::FindLastIndex);
    let n = len as i64;
    for step in 0..n {
        let i = if backwards { n - 1 - step } else { step } as f64;
        let finds = matches!(
            mode,
            Iter::Find | Iter::FindIndex | Iter::FindLast | Iter::FindLastIndex
        );
        if !finds && !has_index(vm, o, i)? {
            continue;
        }
        let v = get_index(vm, o, i)?;
        let r = vm.call(f, this_arg, &[v, Value::number(i), o])?;
        match mode {
            Iter::ForEach => {}
            Iter::Map => {
                if let Some(a) = out {
                    let els = &mut vm.heap.obj_mut(a).elements;
                    if (i as usize) < els.len() {
                        els[i as usize] = r;
                    }
                }
            }
            Iter::Filter => {
                if vm.to_boolean(r) {
                    if let Some(a) = out {
                        vm.heap.obj_mut(a).elements.push(v);
                    }
                }
            }
            Iter::Some => {
                if vm.to_boolean(r) {
                    return Ok(Value::TRUE);
                }
            }
            Iter::Every => {
                if !vm.to_boolean(r) {
                    return Ok(Value::FALSE);
                }
            }
            Iter::Find | Iter::FindLast => {
                if vm.to_boolean(r) {
                    return Ok(v);
                }
            }
            Iter::FindIndex | Iter::FindLastIndex => {
                if vm.to_boolean(r) {
                    return Ok(Value::number(i));
                }
            }
        }
    }
    Ok(match mode {
        Iter::ForEach | Iter::Find | Iter::FindLast => Value::UNDEFINED,
        Iter::Map | Iter::Filter => {
            let r = Value::object(out.unwrap_or(vm.realm.array_proto));
            return species_wrap(vm, o, r);
        }
        Iter::Some => Value::FALSE,
        Iter::Every => Value::TRUE,
        Iter::FindIndex | Iter::FindLastIndex => Value::number(-1.0),
    })
}

macro_rules! iter_method {
    ($name:ident, $mode:expr) => {
        fn $name(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
            iterate(vm, this, args, $mode)
        }
    };
}

iter_method!(for_each, Iter::ForEach);
iter_method!(map, Iter::Map);
iter_method!(filter, Iter::Filter);
iter_method!(some, Iter::Some);
iter_method!(every, Iter::Every);
iter_method!(find, Iter::Find);
iter_method!(find_index, Iter::FindIndex);
iter_method!(find_last, Iter::FindLast);
iter_method!(find_last_index, Iter::FindLastIndex);

fn reduce_impl(vm: &mut Vm, this: Value, args: &[Value], right: bool) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        let s = vm.to_display_string(f);
        return Err(vm.type_error(format!("{s} is not a function")));
    }
    let n = len as i64;
    let idx = |step: i64| if right { n - 1 - step } else { step };
    let mut step = 0;
    let mut acc = if args.len() >= 2 {
        args[1]
    } else {
        loop {
            if step >= n {
                return Err(vm.type_error("Reduce of empty array with no initial value"));
            }
            let i = idx(step) as f64;
            step += 1;
            if has_index(vm, o, i)? {
                break get_index(vm, o, i)?;
            }
        }
    };
    let hm = vm.handles.len();
    while step < n {
        let i = idx(step) as f64;
        step += 1;
        if !has_index(vm, o, i)? {
            continue;
        }
        let v = get_index(vm, o, i)?;
        vm.handles.truncate(hm);
        vm.handles.push(acc);
        acc = vm.call(f, Value::UNDEFINED, &[acc, v, Value::number(i), o])?;
    }
    vm.handles.truncate(hm);
    Ok(acc)
}

fn reduce(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    reduce_impl(vm, this, args, false)
}

fn reduce_right(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    reduce_impl(vm, this, args, true)
}

fn flatten_into(vm: &mut Vm, out: &mut Vec<Value>, src: Value, depth: f64) -> JsResult<()> {
    let len = vm.length_of(src)?;
    for i in 0..len as usize {
        if !has_index(vm, src, i as f64)? {
            continue;
        }
        let e = get_index(vm, src, i as f64)?;
        if depth > 0.0 && vm.is_array(e) {
            flatten_into(vm, out, e, depth - 1.0)?;
        } else {
            out.push(e);
            vm.root(e);
        }
    }
    Ok(())
}

fn flat(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let depth = if arg(args, 0).is_undefined() {
        1.0
    } else {
        vm.to_integer(args[0])?
    };
    let mut out = Vec::new();
    flatten_into(vm, &mut out, o, depth.min(1000.0))?;
    let r = vm.new_array_value(out);
    species_wrap(vm, o, r)
}

fn flat_map(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let f = require_callable(vm, arg(args, 0))?;
    let len = vm.length_of(o)?;
    let res = vm.new_array(Vec::new());
    vm.root(Value::object(res));
    for i in 0..len as usize {
        if !has_index(vm, o, i as f64)? {
            continue;
        }
        let e = get_index(vm, o, i as f64)?;
        let r = vm.call(f, arg(args, 1), &[e, Value::number(i as f64), o])?;
        let mut tmp = Vec::new();
        if vm.is_array(r) {
            flatten_into(vm, &mut tmp, r, 0.0)?;
        } else {
            tmp.push(r);
        }
        vm.heap.obj_mut(res).elements.extend(tmp);
    }
    Ok(Value::object(res))
}

/// Stable merge sort with a fallible comparator.
pub fn merge_sort(
    vm: &mut Vm,
    v: &mut Vec<Value>,
    cmp: &mut dyn FnMut(&mut Vm, Value, Value) -> JsResult<bool>,
) -> JsResult<()> {
    // `cmp(a, b)` returns true when b < a (b must come first).
    let n = v.len();
    if n < 2 {
        return Ok(());
    }
    // Insertion sort for small runs keeps the number of comparator calls low.
    if n <= 10 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && cmp(vm, v[j - 1], v[j])? {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
        return Ok(());
    }
    let mut right = v.split_off(n / 2);
    merge_sort(vm, v, cmp)?;
    merge_sort(vm, &mut right, cmp)?;
    let left = std::mem::take(v);
    let (mut i, mut j) = (0, 0);
    v.reserve(left.len() + right.len());
    while i < left.len() && j < right.len() {
        if cmp(vm, left[i], right[j])? {
            v.push(right[j]);
            j += 1;
        } else {
            v.push(left[i]);
            i += 1;
        }
    }
    v.extend_from_slice(&left[i..]);
    v.extend_from_slice(&right[j..]);
    Ok(())
}

/// Sorts values with an optional comparator (undefined sorts last; holes are removed by the
/// caller).
pub fn sort_values(vm: &mut Vm, mut vals: Vec<Value>, cmpf: Value) -> JsResult<Vec<Value>> {
    let undef_count = vals.iter().filter(|v| v.is_undefined()).count();
    vals.retain(|v| !v.is_undefined());
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&vals);
    let r = if cmpf.is_undefined() {
        // Compare by string value; precompute the strings once.
        let mut keyed: Vec<(JsStr, Value)> = Vec::with_capacity(vals.len());
        for (step, v) in vals.iter().enumerate() {
            super::tick(vm, step)?;
            if let Some(n) = v.as_number() {
                keyed.push((crate::conv::number_to_string(n), *v));
            } else {
                keyed.push((vm.to_js_string(*v)?, *v));
            }
        }
        keyed.sort_by(|a, b| a.0.cmp_units(&b.0));
        Ok(keyed.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
    } else {
        let mut cmp = |vm: &mut Vm, a: Value, b: Value| -> JsResult<bool> {
            let r = vm.call(cmpf, Value::UNDEFINED, &[a, b])?;
            let n = if let Some(n) = r.as_number() {
                n
            } else {
                vm.to_number(r)?
            };
            Ok(n > 0.0)
        };
        let mut v = vals;
        merge_sort(vm, &mut v, &mut cmp).map(|_| v)
    };
    vm.handles.truncate(hm);
    let mut out = r?;
    out.extend(std::iter::repeat_n(Value::UNDEFINED, undef_count));
    Ok(out)
}

fn collect_for_sort(vm: &mut Vm, o: Value) -> JsResult<(Vec<Value>, usize)> {
    let len = vm.length_of(o)?;
    let mut vals = Vec::new();
    let mut holes = 0;
    for i in 0..len as usize {
        super::tick(vm, i)?;
        if has_index(vm, o, i as f64)? {
            vals.push(get_index(vm, o, i as f64)?);
        } else {
            holes += 1;
        }
    }
    Ok((vals, holes))
}

fn sort(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let cmpf = arg(args, 0);
    if !cmpf.is_undefined() && !vm.is_callable(cmpf) {
        return Err(vm.type_error("The comparison function must be either a function or undefined"));
    }
    let o = this_obj(vm, this)?;
    let (vals, holes) = collect_for_sort(vm, o)?;
    let sorted = sort_values(vm, vals, cmpf)?;
    let n = sorted.len();
    for (i, v) in sorted.into_iter().enumerate() {
        super::tick(vm, i)?;
        set_index(vm, o, i as f64, v)?;
    }
    for i in n..n + holes {
        let key = index_key(vm, i as f64)?;
        delete_or_throw(vm, o, key)?;
    }
    Ok(o)
}

fn to_sorted(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let cmpf = arg(args, 0);
    if !cmpf.is_undefined() && !vm.is_callable(cmpf) {
        return Err(vm.type_error("The comparison function must be either a function or undefined"));
    }
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    check_array_length(vm, len)?;
    let mut vals = Vec::new();
    for i in 0..len as usize {
        vals.push(get_index(vm, o, i as f64)?);
    }
    let sorted = sort_values(vm, vals, cmpf)?;
    Ok(vm.new_array_value(sorted))
}

fn keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    Ok(super::iterator::array_iterator(vm, o, 1))
}

fn values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    Ok(super::iterator::array_iterator(vm, o, 0))
}

fn entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    Ok(super::iterator::array_iterator(vm, o, 2))
}

fn to_locale_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let o = this_obj(vm, this)?;
    let len = vm.length_of(o)?;
    // The limits of `join`: the commas alone, or the text so far, past the string limit.
    if len - 1.0 > MAX_STRING_LEN as f64 {
        return Err(vm.range_error("Invalid string length"));
    }
    let mut out = String::new();
    for i in 0..len as usize {
        if i > 0 {
            out.push(',');
        }
        let e = get_index(vm, o, i as f64)?;
        if !e.is_nullish() {
            let r = vm.invoke(e, PropKey::from_str("toLocaleString"), &[])?;
            out.push_str(&vm.to_rust_string(r)?);
        }
        if out.len() > MAX_STRING_LEN {
            return Err(vm.range_error("Invalid string length"));
        }
    }
    Ok(vm.str_val(&out))
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.array_proto;
    vm.heap.obj_mut(proto).kind = ObjectKind::Array;
    let ctor = vm.new_constructor("Array", 1, array_ctor, Some(proto));
    vm.realm.array_ctor = ctor;
    vm.define_method(ctor, "isArray", 1, array_is_array);
    vm.define_method(ctor, "of", 0, array_of);
    vm.define_method(ctor, "from", 1, array_from);
    vm.define_getter(
        ctor,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    let methods: [(&str, u32, crate::object::NativeFn); 40] = [
        ("at", 1, at),
        ("concat", 1, concat),
        ("copyWithin", 2, copy_within),
        ("entries", 0, entries),
        ("every", 1, every),
        ("fill", 1, fill),
        ("filter", 1, filter),
        ("find", 1, find),
        ("findIndex", 1, find_index),
        ("findLast", 1, find_last),
        ("findLastIndex", 1, find_last_index),
        ("flat", 0, flat),
        ("flatMap", 1, flat_map),
        ("forEach", 1, for_each),
        ("includes", 1, includes),
        ("indexOf", 1, index_of),
        ("join", 1, join),
        ("keys", 0, keys),
        ("lastIndexOf", 1, last_index_of),
        ("map", 1, map),
        ("pop", 0, pop),
        ("push", 1, push),
        ("reduce", 1, reduce),
        ("reduceRight", 1, reduce_right),
        ("reverse", 0, reverse),
        ("shift", 0, shift),
        ("slice", 2, slice),
        ("some", 1, some),
        ("sort", 1, sort),
        ("splice", 2, splice),
        ("toLocaleString", 0, to_locale_string),
        ("toReversed", 0, to_reversed),
        ("toSorted", 1, to_sorted),
        ("toSpliced", 2, to_spliced),
        ("toString", 0, to_string),
        ("unshift", 1, unshift),
        ("with", 2, with),
        ("at", 1, at),
        ("includes", 1, includes),
        ("keys", 0, keys),
    ];
    for (n, l, f) in methods {
        vm.define_method(proto, n, l, f);
    }
    let v = vm.define_method(proto, "values", 0, values);
    vm.heap
        .obj_mut(proto)
        .put_raw(PropKey::Sym(wk::ITERATOR), Value::object(v), ATTR_HIDDEN);
    vm.realm.array_proto_values = v;
    let u = vm.new_object_with_proto(None, ObjectKind::Ordinary);
    for n in [
        "at",
        "copyWithin",
        "entries",
        "fill",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "flat",
        "flatMap",
        "includes",
        "keys",
        "toReversed",
        "toSorted",
        "toSpliced",
        "values",
    ] {
        vm.heap.obj_mut(u).put_raw(
            PropKey::from_str(n),
            Value::TRUE,
            crate::shape::ATTR_DEFAULT,
        );
    }
    vm.heap.obj_mut(proto).put_raw(
        PropKey::Sym(wk::UNSCOPABLES),
        Value::object(u),
        crate::shape::ATTR_CONFIGURABLE,
    );
    set_global(vm, "Array", Value::object(ctor));
}
