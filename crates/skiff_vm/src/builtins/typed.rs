//! `ArrayBuffer`, the TypedArrays and `DataView` (little-endian host byte order as in V8 on
//! x86/ARM).

use super::{arg, set_global, tick};
use crate::atom::{names, PropKey};
use crate::object::{Buffer, ObjectKind, TypedKind};
use crate::shape::{ATTR_CONFIGURABLE, ATTR_HIDDEN};
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;
use num_bigint::BigInt;
use num_traits::ToPrimitive;

const MAX_BYTES: f64 = (1u64 << 31) as f64;

fn buffer_of(vm: &Vm, b: Value) -> Option<Buffer> {
    match vm.heap.try_obj(b).map(|o| &o.kind) {
        Some(ObjectKind::ArrayBuffer(buf)) => Some(buf.clone()),
        _ => None,
    }
}

pub(crate) fn view(vm: &Vm, o: ObjRef) -> Option<(TypedKind, Buffer, usize, usize)> {
    match &vm.heap.obj(o).kind {
        ObjectKind::TypedArray {
            kind,
            buffer,
            offset,
            length,
        } => Some((*kind, buffer_of(vm, *buffer)?, *offset, *length)),
        _ => None,
    }
}

pub(crate) fn read(
    kind: TypedKind,
    bytes: &[u8],
    at: usize,
    vm_big: &mut dyn FnMut(BigInt) -> Value,
) -> Value {
    let b = |n: usize| -> [u8; 8] {
        let mut a = [0u8; 8];
        a[..n].copy_from_slice(&bytes[at..at + n]);
        a
    };
    match kind {
        TypedKind::Int8 => Value::number(bytes[at] as i8 as f64),
        TypedKind::Uint8 | TypedKind::Uint8Clamped => Value::number(bytes[at] as f64),
        TypedKind::Int16 => Value::number(i16::from_le_bytes([bytes[at], bytes[at + 1]]) as f64),
        TypedKind::Uint16 => Value::number(u16::from_le_bytes([bytes[at], bytes[at + 1]]) as f64),
        TypedKind::Int32 => {
            let a = b(4);
            Value::number(i32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f64)
        }
        TypedKind::Uint32 => {
            let a = b(4);
            Value::number(u32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f64)
        }
        TypedKind::Float32 => {
            let a = b(4);
            Value::number(f32::from_le_bytes([a[0], a[1], a[2], a[3]]) as f64)
        }
        TypedKind::Float64 => Value::number(f64::from_le_bytes(b(8))),
        TypedKind::BigInt64 => vm_big(BigInt::from(i64::from_le_bytes(b(8)))),
        TypedKind::BigUint64 => vm_big(BigInt::from(u64::from_le_bytes(b(8)))),
    }
}

/// Element `i` of typed array `o` (caller checks `i < length`).
pub fn get_index(vm: &mut Vm, o: ObjRef, i: usize) -> Value {
    let Some((kind, buf, off, len)) = view(vm, o) else {
        return Value::UNDEFINED;
    };
    if i >= len {
        return Value::UNDEFINED;
    }
    let bytes = buf.borrow();
    let at = off + i * kind.size();
    if at + kind.size() > bytes.len() {
        return Value::UNDEFINED;
    }
    let mut big = |b: BigInt| vm.heap.alloc_bigint(b);
    read(kind, &bytes, at, &mut big)
}

/// Element `i` for inspection (no allocation: BigInts print via a fresh cell are skipped).
pub fn peek_index(vm: &Vm, o: ObjRef, i: usize) -> Value {
    let Some((kind, buf, off, len)) = view(vm, o) else {
        return Value::UNDEFINED;
    };
    if i >= len || matches!(kind, TypedKind::BigInt64 | TypedKind::BigUint64) {
        return Value::UNDEFINED;
    }
    let bytes = buf.borrow();
    let at = off + i * kind.size();
    if at + kind.size() > bytes.len() {
        return Value::UNDEFINED;
    }
    read(kind, &bytes, at, &mut |_| Value::UNDEFINED)
}

/// Decimal texts (`1n`) of the first `n` elements of a BigInt64/BigUint64 array, for inspect.
pub fn peek_bigint_texts(vm: &Vm, o: ObjRef, n: usize) -> Option<Vec<String>> {
    let (kind, buf, off, len) = view(vm, o)?;
    if !matches!(kind, TypedKind::BigInt64 | TypedKind::BigUint64) {
        return None;
    }
    let bytes = buf.borrow();
    let mut out = Vec::new();
    for i in 0..n.min(len) {
        let at = off + i * 8;
        let mut a = [0u8; 8];
        a.copy_from_slice(bytes.get(at..at + 8)?);
        out.push(if kind == TypedKind::BigInt64 {
            format!("{}n", i64::from_le_bytes(a))
        } else {
            format!("{}n", u64::from_le_bytes(a))
        });
    }
    Some(out)
}

pub(crate) fn encode(vm: &mut Vm, kind: TypedKind, v: Value) -> JsResult<[u8; 8]> {
    use skiff_jslib::number as jn;
    let mut out = [0u8; 8];
    match kind {
        TypedKind::BigInt64 | TypedKind::BigUint64 => {
            let b = super::bigint::to_bigint(vm, v)?;
            let m: BigInt = BigInt::from(1u8) << 64;
            let r = ((b % &m) + &m) % &m;
            let u = r.to_u64().unwrap_or(0);
            out.copy_from_slice(&u.to_le_bytes());
        }
        _ => {
            let n = vm.to_number(v)?;
            match kind {
                TypedKind::Int8 => out[0] = jn::to_int8(n) as u8,
                TypedKind::Uint8 => out[0] = jn::to_uint8(n),
                TypedKind::Uint8Clamped => out[0] = jn::to_uint8_clamp(n),
                TypedKind::Int16 => out[..2].copy_from_slice(&jn::to_int16(n).to_le_bytes()),
                TypedKind::Uint16 => out[..2].copy_from_slice(&jn::to_uint16(n).to_le_bytes()),
                TypedKind::Int32 => out[..4].copy_from_slice(&jn::to_int32(n).to_le_bytes()),
                TypedKind::Uint32 => out[..4].copy_from_slice(&jn::to_uint32(n).to_le_bytes()),
                TypedKind::Float32 => out[..4].copy_from_slice(&(n as f32).to_le_bytes()),
                _ => out.copy_from_slice(&n.to_le_bytes()),
            }
        }
    }
    Ok(out)
}

/// Stores element `i` (out-of-range writes are ignored, as the spec says).
/// Converts `v` as a store into typed array `o` would (ToNumber or ToBigInt) and drops it: a
/// store to a numeric key that names no element still converts its value.
pub fn convert_element(vm: &mut Vm, o: ObjRef, v: Value) -> JsResult<()> {
    if let ObjectKind::TypedArray { kind, .. } = vm.heap.obj(o).kind {
        encode(vm, kind, v)?;
    }
    Ok(())
}

pub fn set_index(vm: &mut Vm, o: ObjRef, i: usize, v: Value) -> JsResult<()> {
    let Some((kind, _, _, _)) = view(vm, o) else {
        return Ok(());
    };
    let enc = encode(vm, kind, v)?;
    let Some((_, buf, off, len)) = view(vm, o) else {
        return Ok(());
    };
    if i >= len {
        return Ok(());
    }
    let mut bytes = buf.borrow_mut();
    let at = off + i * kind.size();
    if at + kind.size() <= bytes.len() {
        bytes[at..at + kind.size()].copy_from_slice(&enc[..kind.size()]);
    }
    Ok(())
}

fn new_buffer(vm: &mut Vm, proto: ObjRef, len: usize) -> Value {
    vm.heap.debt += len / 64;
    Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::ArrayBuffer(Buffer::local(vec![0u8; len])),
    ))
}

fn array_buffer_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Constructor ArrayBuffer requires 'new'"));
    }
    let n = vm.to_integer(arg(args, 0))?;
    if !(0.0..=MAX_BYTES).contains(&n) {
        return Err(vm.range_error("Invalid array buffer length"));
    }
    let nt = vm.new_target;
    let dp = vm.realm.array_buffer_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(new_buffer(vm, proto, n as usize))
}

/// The buffer of `this` for a method of `ArrayBuffer.prototype` (`shared` false) or
/// `SharedArrayBuffer.prototype` (`shared` true): each refuses the other kind.
fn this_buffer(vm: &mut Vm, this: Value, shared: bool, method: &str) -> JsResult<Buffer> {
    match buffer_of(vm, this) {
        Some(b) if b.is_shared() == shared => Ok(b),
        _ => {
            let class = if shared {
                "SharedArrayBuffer"
            } else {
                "ArrayBuffer"
            };
            Err(vm.type_error(format!(
                "{class}.prototype.{method} called on incompatible receiver"
            )))
        }
    }
}

fn byte_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_buffer(vm, this, false, "byteLength")?;
    let len = b.borrow().len();
    Ok(Value::number(len as f64))
}

fn shared_byte_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let b = this_buffer(vm, this, true, "byteLength")?;
    let len = b.borrow().len();
    Ok(Value::number(len as f64))
}

fn shared_growable(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_buffer(vm, this, true, "growable")?;
    Ok(Value::FALSE)
}

fn shared_array_buffer_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Constructor SharedArrayBuffer requires 'new'"));
    }
    let n = vm.to_integer(arg(args, 0))?;
    if !(0.0..=MAX_BYTES).contains(&n) {
        return Err(vm.range_error("Invalid array buffer length"));
    }
    let nt = vm.new_target;
    let dp = vm.realm.shared_array_buffer_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    vm.heap.debt += n as usize / 64;
    Ok(Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::ArrayBuffer(Buffer::shared(vec![0u8; n as usize])),
    )))
}

/// A `SharedArrayBuffer` object over existing shared memory (structured clone).
pub fn wrap_shared_buffer(vm: &mut Vm, memory: Buffer) -> Value {
    let p = vm.realm.shared_array_buffer_proto;
    Value::object(vm.new_object_with_proto(Some(p), ObjectKind::ArrayBuffer(memory)))
}

fn shared_slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    slice_with_species(vm, this, args, true)
}

fn slice_range(vm: &mut Vm, b: &Buffer, args: &[Value]) -> JsResult<(usize, usize)> {
    let len = b.borrow().len() as f64;
    let s = crate::conv::relative_index(vm.to_integer(arg(args, 0))?, len) as usize;
    let e = if arg(args, 1).is_undefined() {
        len
    } else {
        crate::conv::relative_index(vm.to_integer(args[1])?, len)
    } as usize;
    Ok((s, e))
}

fn buffer_slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    slice_with_species(vm, this, args, false)
}

/// `ArrayBuffer.prototype.slice` and `SharedArrayBuffer.prototype.slice`: a copy of the range
/// in a new buffer made by the species constructor, which must give a fresh buffer of the same
/// kind that is long enough.
fn slice_with_species(vm: &mut Vm, this: Value, args: &[Value], shared: bool) -> JsResult<Value> {
    // The intrinsic constructor travels as the method's data (read before any script runs).
    let default = super::callee_data(vm, 0);
    let b = this_buffer(vm, this, shared, "slice")?;
    let (s, e) = slice_range(vm, &b, args)?;
    let n = e.saturating_sub(s);
    let c = super::species_constructor(vm, this, default)?;
    let target = if c == default {
        let p = if shared {
            vm.realm.shared_array_buffer_proto
        } else {
            vm.realm.array_buffer_proto
        };
        let data = if shared {
            Buffer::shared(vec![0; n])
        } else {
            Buffer::local(vec![0; n])
        };
        Value::object(vm.new_object_with_proto(Some(p), ObjectKind::ArrayBuffer(data)))
    } else {
        let made = vm.construct(c, &[Value::number(n as f64)], c)?;
        match buffer_of(vm, made) {
            Some(t) if t.is_shared() == shared => {
                if made == this {
                    return Err(vm.type_error(
                        "ArrayBuffer subclass returned this from species constructor",
                    ));
                }
                if t.borrow().len() < n {
                    return Err(vm.type_error(
                        "Species constructor returned an ArrayBuffer that is too small",
                    ));
                }
                made
            }
            _ => return Err(vm.type_error("Species constructor did not return an ArrayBuffer")),
        }
    };
    if let Some(t) = buffer_of(vm, target) {
        let src: Vec<u8> = {
            let bytes = b.borrow();
            let end = e.min(bytes.len());
            bytes.get(s..end).map(<[u8]>::to_vec).unwrap_or_default()
        };
        t.borrow_mut()[..src.len()].copy_from_slice(&src);
    }
    Ok(target)
}

fn is_view(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(matches!(
        vm.heap.try_obj(arg(args, 0)).map(|o| &o.kind),
        Some(ObjectKind::TypedArray { .. }) | Some(ObjectKind::DataView { .. })
    )))
}

fn kind_index(vm: &Vm) -> usize {
    super::callee_data(vm, 0).as_number().unwrap_or(0.0) as usize
}

fn make_typed(
    vm: &mut Vm,
    kind: TypedKind,
    proto: ObjRef,
    buffer: Value,
    offset: usize,
    length: usize,
) -> Value {
    Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::TypedArray {
            kind,
            buffer,
            offset,
            length,
        },
    ))
}

/// Creates a new typed array of `kind` with `len` zeroed elements.
pub fn new_typed(vm: &mut Vm, kind: TypedKind, len: usize) -> Value {
    let bp = vm.realm.array_buffer_proto;
    let buf = new_buffer(vm, bp, len * kind.size());
    vm.handles.push(buf);
    let idx = TypedKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let p = vm.realm.typed_protos[idx];
    let v = make_typed(vm, kind, p, buf, 0, len);
    vm.handles.pop();
    v
}

fn typed_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let idx = kind_index(vm);
    let kind = TypedKind::ALL[idx];
    if vm.new_target.is_undefined() {
        return Err(vm.type_error(format!("Constructor {} requires 'new'", kind.name())));
    }
    let nt = vm.new_target;
    let dp = vm.realm.typed_protos[idx];
    let proto = vm.proto_from_ctor(nt, dp)?;
    let a0 = arg(args, 0);
    let bp = vm.realm.array_buffer_proto;
    if !a0.is_object() {
        let n = vm.to_integer(a0)?;
        if !(0.0..=MAX_BYTES).contains(&(n * kind.size() as f64)) {
            return Err(vm.range_error(format!(
                "Invalid typed array length: {}",
                crate::conv::number_to_string(n)
            )));
        }
        let buf = new_buffer(vm, bp, n as usize * kind.size());
        vm.root(buf);
        return Ok(make_typed(vm, kind, proto, buf, 0, n as usize));
    }
    if buffer_of(vm, a0).is_some() {
        let blen = buffer_of(vm, a0).map(|b| b.borrow().len()).unwrap_or(0);
        let off = vm.to_integer(arg(args, 1))?;
        if off < 0.0 || !(off as usize).is_multiple_of(kind.size()) {
            return Err(vm.range_error(format!(
                "start offset of {} should be a multiple of {}",
                kind.name(),
                kind.size()
            )));
        }
        let off = off as usize;
        let len = if arg(args, 2).is_undefined() {
            if !blen.is_multiple_of(kind.size()) || off > blen {
                return Err(vm.range_error(format!(
                    "byte length of {} should be a multiple of {}",
                    kind.name(),
                    kind.size()
                )));
            }
            (blen - off) / kind.size()
        } else {
            let l = vm.to_integer(args[2])?;
            if l < 0.0 || off + l as usize * kind.size() > blen {
                return Err(vm.range_error(format!(
                    "Invalid typed array length: {}",
                    crate::conv::number_to_string(l)
                )));
            }
            l as usize
        };
        return Ok(make_typed(vm, kind, proto, a0, off, len));
    }
    // Array-like, iterable or typed array source.
    let items: Vec<Value> = if let Some(o) = a0
        .as_object()
        .filter(|o| matches!(vm.heap.obj(*o).kind, ObjectKind::TypedArray { .. }))
    {
        let len = view(vm, o).map(|v| v.3).unwrap_or(0);
        values_of(vm, o, 0..len)?
    } else {
        let it = vm.get(a0, PropKey::Sym(wk::ITERATOR))?;
        if !it.is_nullish() {
            super::iterator::iterate_to_vec(vm, a0)?
        } else {
            super::function::list_from_array_like(vm, a0)?
        }
    };
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&items);
    let buf = new_buffer(vm, bp, items.len() * kind.size());
    vm.root(buf);
    let t = make_typed(vm, kind, proto, buf, 0, items.len());
    vm.root(t);
    let to = t.as_object().unwrap_or(ObjRef(0));
    for (i, v) in items.iter().enumerate() {
        tick(vm, i)?;
        set_index(vm, to, i, *v)?;
    }
    vm.handles.truncate(hm);
    Ok(t)
}

fn this_typed(vm: &mut Vm, this: Value) -> JsResult<(ObjRef, TypedKind, usize)> {
    if let Some(o) = this.as_object() {
        if let ObjectKind::TypedArray { kind, length, .. } = vm.heap.obj(o).kind {
            return Ok((o, kind, length));
        }
    }
    Err(vm.type_error("this is not a typed array."))
}

fn ta_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (_, _, len) = this_typed(vm, this)?;
    Ok(Value::number(len as f64))
}

fn ta_byte_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (_, kind, len) = this_typed(vm, this)?;
    Ok(Value::number((len * kind.size()) as f64))
}

fn ta_byte_offset(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (o, _, _) = this_typed(vm, this)?;
    match vm.heap.obj(o).kind {
        ObjectKind::TypedArray { offset, .. } => Ok(Value::number(offset as f64)),
        _ => Ok(Value::number(0.0)),
    }
}

fn ta_buffer(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (o, _, _) = this_typed(vm, this)?;
    match vm.heap.obj(o).kind {
        ObjectKind::TypedArray { buffer, .. } => Ok(buffer),
        _ => Ok(Value::UNDEFINED),
    }
}

/// Whether elements of `kind` are BigInts (its content type, in the spec's words).
fn holds_bigints(kind: TypedKind) -> bool {
    matches!(kind, TypedKind::BigInt64 | TypedKind::BigUint64)
}

/// The constructor of `kind`'s typed arrays in this realm.
fn default_ctor(vm: &Vm, kind: TypedKind) -> Value {
    let idx = TypedKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    Value::object(vm.realm.typed_ctors[idx])
}

/// TypedArraySpeciesCreate(exemplar, args): a new typed array from the exemplar's species
/// constructor (its own kind's constructor by default), checked to be a typed array of the
/// same content type (numbers or BigInts) and, for a length argument, at least that long.
fn species_create(
    vm: &mut Vm,
    exemplar: ObjRef,
    kind: TypedKind,
    args: &[Value],
) -> JsResult<(Value, ObjRef)> {
    let default = default_ctor(vm, kind);
    let c = super::species_constructor(vm, Value::object(exemplar), default)?;
    if c == default && args.len() == 1 {
        // The common case: no user code can observe the construction.
        let len = args[0].as_number().unwrap_or(0.0) as usize;
        let r = new_typed(vm, kind, len);
        return Ok((r, r.as_object().unwrap_or(ObjRef(0))));
    }
    let (made, o, made_kind) = typed_array_create(vm, c, args)?;
    if holds_bigints(made_kind) != holds_bigints(kind) {
        return Err(
            vm.type_error("Content type of the species constructor's TypedArray does not match")
        );
    }
    Ok((made, o))
}

/// TypedArrayCreate(c, args): `new c(...args)`, which must be a typed array and, for a length
/// argument, at least that long.
fn typed_array_create(
    vm: &mut Vm,
    c: Value,
    args: &[Value],
) -> JsResult<(Value, ObjRef, TypedKind)> {
    let made = vm.construct(c, args, c)?;
    let Ok((o, made_kind, len)) = this_typed(vm, made) else {
        return Err(vm.type_error("the constructor did not return a TypedArray object"));
    };
    if let [n] = args {
        if n.as_number().is_some_and(|n| (len as f64) < n) {
            return Err(vm.type_error("the constructor returned a TypedArray that is too short"));
        }
    }
    Ok((made, o, made_kind))
}

fn relative_range(vm: &mut Vm, args: &[Value], len: usize) -> JsResult<(usize, usize)> {
    let lf = len as f64;
    let s = crate::conv::relative_index(vm.to_integer(arg(args, 0))?, lf);
    let e = if arg(args, 1).is_undefined() {
        lf
    } else {
        crate::conv::relative_index(vm.to_integer(args[1])?, lf)
    };
    Ok((s as usize, (e.max(s)) as usize))
}

fn ta_subarray(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, kind, len) = this_typed(vm, this)?;
    let (s, e) = relative_range(vm, args, len)?;
    let (buffer, offset) = match vm.heap.obj(o).kind {
        ObjectKind::TypedArray { buffer, offset, .. } => (buffer, offset),
        _ => return Ok(Value::UNDEFINED),
    };
    let begin = Value::number((offset + s * kind.size()) as f64);
    let count = Value::number((e - s) as f64);
    species_create(vm, o, kind, &[buffer, begin, count]).map(|(r, _)| r)
}

fn ta_slice(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, kind, len) = this_typed(vm, this)?;
    let (s, e) = relative_range(vm, args, len)?;
    let n = e - s;
    let (r, ro) = species_create(vm, o, kind, &[Value::number(n as f64)])?;
    vm.root(r);
    // The species constructor may have shrunk the source's view of its buffer meanwhile.
    let len_now = view(vm, o).map_or(0, |v| v.3);
    for i in 0..n.min(len_now.saturating_sub(s)) {
        tick(vm, i)?;
        let v = get_index(vm, o, s + i);
        set_index(vm, ro, i, v)?;
    }
    Ok(r)
}

fn ta_set(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, _, len) = this_typed(vm, this)?;
    let off = vm.to_integer(arg(args, 1))?;
    if off < 0.0 {
        return Err(vm.range_error("offset is out of bounds"));
    }
    let src = arg(args, 0);
    let items: Vec<Value> = match src.as_object().and_then(|s| view(vm, s).map(|v| (s, v.3))) {
        Some((s, n)) => values_of(vm, s, 0..n)?,
        None => super::function::list_from_array_like(vm, src)?,
    };
    if off as usize + items.len() > len {
        return Err(vm.range_error("offset is out of bounds"));
    }
    for (i, v) in items.into_iter().enumerate() {
        tick(vm, i)?;
        set_index(vm, o, off as usize + i, v)?;
    }
    Ok(Value::UNDEFINED)
}

/// The elements at `indices` as values. A typed array can have two billion elements, so the
/// copy checks for termination (and the heap limit) as it goes.
fn values_of(vm: &mut Vm, o: ObjRef, indices: impl Iterator<Item = usize>) -> JsResult<Vec<Value>> {
    let mut out = Vec::new();
    for (step, i) in indices.enumerate() {
        tick(vm, step)?;
        out.push(get_index(vm, o, i));
    }
    Ok(out)
}

fn ta_from_values(vm: &mut Vm, kind: TypedKind, vals: Vec<Value>) -> JsResult<Value> {
    let r = new_typed(vm, kind, vals.len());
    vm.root(r);
    let ro = r.as_object().unwrap_or(ObjRef(0));
    for (i, v) in vals.into_iter().enumerate() {
        tick(vm, i)?;
        set_index(vm, ro, i, v)?;
    }
    Ok(r)
}

fn ta_map(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, kind, len) = this_typed(vm, this)?;
    let f = super::require_callable(vm, arg(args, 0))?;
    let (r, ro) = species_create(vm, o, kind, &[Value::number(len as f64)])?;
    vm.root(r);
    for i in 0..len {
        let v = get_index(vm, o, i);
        let mapped = vm.call(f, arg(args, 1), &[v, Value::number(i as f64), this])?;
        vm.set(Value::object(ro), PropKey::Index(i as u32), mapped)?;
    }
    Ok(r)
}

fn ta_filter(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, kind, len) = this_typed(vm, this)?;
    let f = super::require_callable(vm, arg(args, 0))?;
    let mut kept = Vec::new();
    for i in 0..len {
        let v = get_index(vm, o, i);
        vm.root(v);
        let r = vm.call(f, arg(args, 1), &[v, Value::number(i as f64), this])?;
        if vm.to_boolean(r) {
            kept.push(v);
        }
    }
    let (r, ro) = species_create(vm, o, kind, &[Value::number(kept.len() as f64)])?;
    vm.root(r);
    for (i, v) in kept.into_iter().enumerate() {
        vm.set(Value::object(ro), PropKey::Index(i as u32), v)?;
    }
    Ok(r)
}

fn ta_sort(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, _, len) = this_typed(vm, this)?;
    let cmpf = arg(args, 0);
    let vals = values_of(vm, o, 0..len)?;
    let sorted = if cmpf.is_undefined() {
        let mut v = vals;
        let mut nums: Vec<(f64, Value)> = v
            .drain(..)
            .map(|x| (x.as_number().unwrap_or(0.0), x))
            .collect();
        if nums.iter().all(|(_, x)| x.is_number()) {
            nums.sort_by(|a, b| {
                a.0.partial_cmp(&b.0)
                    .unwrap_or_else(|| a.0.is_nan().cmp(&b.0.is_nan()))
            });
            nums.into_iter().map(|(_, x)| x).collect()
        } else {
            let mut big: Vec<(BigInt, Value)> = nums
                .into_iter()
                .map(|(_, x)| (vm.bigint_of(x), x))
                .collect();
            big.sort_by(|a, b| a.0.cmp(&b.0));
            big.into_iter().map(|(_, x)| x).collect()
        }
    } else {
        super::array::sort_values(vm, vals, cmpf)?
    };
    for (i, v) in sorted.into_iter().enumerate() {
        tick(vm, i)?;
        set_index(vm, o, i, v)?;
    }
    Ok(this)
}

fn ta_to_sorted(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let copy = ta_slice(vm, this, &[])?;
    vm.root(copy);
    ta_sort(vm, copy, args)
}

fn ta_to_reversed(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let (o, kind, len) = this_typed(vm, this)?;
    let vals = values_of(vm, o, (0..len).rev())?;
    ta_from_values(vm, kind, vals)
}

fn ta_with(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let (o, kind, len) = this_typed(vm, this)?;
    let rel = vm.to_integer(arg(args, 0))?;
    let k = if rel >= 0.0 { rel } else { len as f64 + rel };
    if k < 0.0 || k >= len as f64 {
        return Err(vm.range_error("Invalid typed array index"));
    }
    let mut vals = values_of(vm, o, 0..len)?;
    vals[k as usize] = arg(args, 1);
    ta_from_values(vm, kind, vals)
}

fn ta_to_string_tag(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    match vm.heap.try_obj(this).map(|o| &o.kind) {
        Some(ObjectKind::TypedArray { kind, .. }) => {
            let n = kind.name();
            Ok(vm.str_val(n))
        }
        _ => Ok(Value::UNDEFINED),
    }
}

/// A %TypedArray%.prototype method that shares its algorithm with the Array method of the
/// same name (callee data 0): it first checks that `this` is a typed array, as every
/// %TypedArray% method does, and is a function object of its own.
fn ta_generic(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let f = super::callee_data(vm, 0);
    this_typed(vm, this)?;
    TYPED_ARRAY_METHODS.with(|d| d.set(d.get() + 1));
    let r = vm.call(f, this, args);
    TYPED_ARRAY_METHODS.with(|d| d.set(d.get() - 1));
    r
}

thread_local! {
    /// How many [`ta_generic`] calls are on this thread's stack: their shared Array algorithms
    /// take a typed array's length from its internal slot, not from its `length` property.
    static TYPED_ARRAY_METHODS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// True while a %TypedArray%.prototype method that shares an Array algorithm runs.
pub(crate) fn in_typed_array_method() -> bool {
    TYPED_ARRAY_METHODS.with(|d| d.get() > 0)
}

fn ta_values(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_typed(vm, this)?;
    Ok(super::iterator::array_iterator(vm, this, 0))
}

fn ta_keys(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_typed(vm, this)?;
    Ok(super::iterator::array_iterator(vm, this, 1))
}

fn ta_entries(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    this_typed(vm, this)?;
    Ok(super::iterator::array_iterator(vm, this, 2))
}

fn ta_static_from(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.is_constructor(this) {
        return Err(vm.type_error("TypedArray.from: this is not a constructor"));
    }
    let src = arg(args, 0);
    let mapfn = arg(args, 1);
    if !mapfn.is_undefined() && !vm.is_callable(mapfn) {
        let shown = vm.to_display_string(mapfn);
        return Err(vm.type_error(format!("{shown} is not a function")));
    }
    let it = vm.get(src, PropKey::Sym(wk::ITERATOR))?;
    let (items, from_iterator) = if !it.is_nullish() {
        (super::iterator::iterate_to_vec(vm, src)?, true)
    } else {
        (Vec::new(), false)
    };
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&items);
    let result = (|| {
        let len = if from_iterator {
            items.len() as f64
        } else {
            let o = vm.to_object(src)?;
            vm.length_of(Value::object(o))?
        };
        let (target, _, _) = typed_array_create(vm, this, &[Value::number(len)])?;
        vm.handles.push(target);
        for k in 0..len as usize {
            tick(vm, k)?;
            let v = if from_iterator {
                items.get(k).copied().unwrap_or(Value::UNDEFINED)
            } else {
                vm.get(src, PropKey::Index(k as u32))?
            };
            let mapped = if mapfn.is_undefined() {
                v
            } else {
                vm.call(mapfn, arg(args, 2), &[v, Value::number(k as f64)])?
            };
            vm.set(target, PropKey::Index(k as u32), mapped)?;
        }
        Ok(target)
    })();
    vm.handles.truncate(hm);
    result
}

fn ta_static_of(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !vm.is_constructor(this) {
        return Err(vm.type_error("TypedArray.of: this is not a constructor"));
    }
    let (target, _, _) = typed_array_create(vm, this, &[Value::number(args.len() as f64)])?;
    vm.root(target);
    for (k, &v) in args.iter().enumerate() {
        vm.set(target, PropKey::Index(k as u32), v)?;
    }
    Ok(target)
}

// ----- DataView --------------------------------------------------------------------------

fn data_view_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Constructor DataView requires 'new'"));
    }
    let b = arg(args, 0);
    let Some(buf) = buffer_of(vm, b) else {
        return Err(vm.type_error("First argument to DataView constructor must be an ArrayBuffer"));
    };
    let blen = buf.borrow().len();
    let off = vm.to_integer(arg(args, 1))?;
    if off < 0.0 || off as usize > blen {
        return Err(vm.range_error(format!(
            "Start offset {} is outside the bounds of the buffer",
            crate::conv::number_to_string(off)
        )));
    }
    let len = if arg(args, 2).is_undefined() {
        blen - off as usize
    } else {
        let l = vm.to_integer(args[2])?;
        if l < 0.0 || off as usize + l as usize > blen {
            return Err(vm.range_error(format!(
                "Invalid DataView length {}",
                crate::conv::number_to_string(l)
            )));
        }
        l as usize
    };
    let nt = vm.new_target;
    let dp = vm.realm.data_view_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    Ok(Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::DataView {
            buffer: b,
            offset: off as usize,
            length: len,
        },
    )))
}

fn dv(vm: &mut Vm, this: Value) -> JsResult<(Buffer, usize, usize, Value)> {
    if let Some(ObjectKind::DataView {
        buffer,
        offset,
        length,
    }) = vm.heap.try_obj(this).map(|o| &o.kind)
    {
        let (b, o, l) = (*buffer, *offset, *length);
        if let Some(buf) = buffer_of(vm, b) {
            return Ok((buf, o, l, b));
        }
    }
    Err(vm.type_error("Receiver is not a DataView"))
}

fn dv_get(vm: &mut Vm, this: Value, args: &[Value], kind: TypedKind) -> JsResult<Value> {
    let (buf, off, len, _) = dv(vm, this)?;
    let idx = vm.to_integer(arg(args, 0))?;
    let little = vm.to_boolean(arg(args, 1));
    let n = kind.size();
    // Compared as numbers: `idx` may be huge (Infinity), and must not wrap around.
    if idx < 0.0 || idx + n as f64 > len as f64 {
        return Err(vm.range_error("Offset is outside the bounds of the DataView"));
    }
    let mut bytes = buf.borrow()[off + idx as usize..off + idx as usize + n].to_vec();
    if !little {
        bytes.reverse();
    }
    let mut big = |b: BigInt| vm.heap.alloc_bigint(b);
    Ok(read(kind, &bytes, 0, &mut big))
}

fn dv_set(vm: &mut Vm, this: Value, args: &[Value], kind: TypedKind) -> JsResult<Value> {
    let (_, _, len, _) = dv(vm, this)?;
    let idx = vm.to_integer(arg(args, 0))?;
    // ToIndex comes before the value's conversion.
    if idx < 0.0 {
        return Err(vm.range_error("Offset is outside the bounds of the DataView"));
    }
    let enc = encode(vm, kind, arg(args, 1))?;
    let little = vm.to_boolean(arg(args, 2));
    let n = kind.size();
    if idx < 0.0 || idx + n as f64 > len as f64 {
        return Err(vm.range_error("Offset is outside the bounds of the DataView"));
    }
    let (buf, off, _, _) = dv(vm, this)?;
    let mut bytes = enc[..n].to_vec();
    if !little {
        bytes.reverse();
    }
    buf.borrow_mut()[off + idx as usize..off + idx as usize + n].copy_from_slice(&bytes);
    Ok(Value::UNDEFINED)
}

macro_rules! dv_methods {
    ($($get:ident, $set:ident, $kind:expr;)*) => {
        $(
            fn $get(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
                dv_get(vm, this, args, $kind)
            }
            fn $set(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
                dv_set(vm, this, args, $kind)
            }
        )*
    };
}

dv_methods! {
    get_int8, set_int8, TypedKind::Int8;
    get_uint8, set_uint8, TypedKind::Uint8;
    get_int16, set_int16, TypedKind::Int16;
    get_uint16, set_uint16, TypedKind::Uint16;
    get_int32, set_int32, TypedKind::Int32;
    get_uint32, set_uint32, TypedKind::Uint32;
    get_float32, set_float32, TypedKind::Float32;
    get_float64, set_float64, TypedKind::Float64;
    get_bigint64, set_bigint64, TypedKind::BigInt64;
    get_biguint64, set_biguint64, TypedKind::BigUint64;
}

fn dv_buffer(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(dv(vm, this)?.3)
}

fn dv_byte_length(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::number(dv(vm, this)?.2 as f64))
}

fn dv_byte_offset(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::number(dv(vm, this)?.1 as f64))
}

fn abstract_ctor(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Err(vm.type_error("Abstract class TypedArray not directly constructable"))
}

pub fn install(vm: &mut Vm) {
    let abp = vm.realm.array_buffer_proto;
    let abc = vm.new_constructor("ArrayBuffer", 1, array_buffer_ctor, Some(abp));
    vm.define_getter(
        abp,
        PropKey::from_str("byteLength"),
        "byteLength",
        byte_length,
    );
    let slice = vm.new_native_with_data("slice", 2, buffer_slice, vec![Value::object(abc)]);
    vm.heap.obj_mut(abp).put_raw(
        PropKey::from_str("slice"),
        Value::object(slice),
        ATTR_HIDDEN,
    );
    vm.define_method(abc, "isView", 1, is_view);
    vm.define_getter(
        abc,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    let t = vm.str_val("ArrayBuffer");
    vm.heap
        .obj_mut(abp)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "ArrayBuffer", Value::object(abc));

    let sabp = vm.realm.shared_array_buffer_proto;
    let sabc = vm.new_constructor("SharedArrayBuffer", 1, shared_array_buffer_ctor, Some(sabp));
    vm.define_getter(
        sabp,
        PropKey::from_str("byteLength"),
        "byteLength",
        shared_byte_length,
    );
    vm.define_getter(
        sabp,
        PropKey::from_str("maxByteLength"),
        "maxByteLength",
        shared_byte_length,
    );
    vm.define_getter(
        sabp,
        PropKey::from_str("growable"),
        "growable",
        shared_growable,
    );
    let slice = vm.new_native_with_data("slice", 2, shared_slice, vec![Value::object(sabc)]);
    vm.heap.obj_mut(sabp).put_raw(
        PropKey::from_str("slice"),
        Value::object(slice),
        ATTR_HIDDEN,
    );
    vm.define_getter(
        sabc,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    let t = vm.str_val("SharedArrayBuffer");
    vm.heap
        .obj_mut(sabp)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "SharedArrayBuffer", Value::object(sabc));

    // %TypedArray% and its prototype; generic Array methods serve the rest.
    let tap = vm.realm.typed_array_proto;
    let tac = vm.new_constructor("TypedArray", 0, abstract_ctor, Some(tap));
    vm.define_getter(tap, PropKey::Str(names::get().length), "length", ta_length);
    vm.define_getter(
        tap,
        PropKey::from_str("byteLength"),
        "byteLength",
        ta_byte_length,
    );
    vm.define_getter(
        tap,
        PropKey::from_str("byteOffset"),
        "byteOffset",
        ta_byte_offset,
    );
    vm.define_getter(tap, PropKey::from_str("buffer"), "buffer", ta_buffer);
    vm.define_getter(
        tap,
        PropKey::Sym(wk::TO_STRING_TAG),
        "[Symbol.toStringTag]",
        ta_to_string_tag,
    );
    for (n, l, f) in [
        ("subarray", 2, ta_subarray as crate::object::NativeFn),
        ("slice", 2, ta_slice),
        ("set", 1, ta_set),
        ("map", 1, ta_map),
        ("filter", 1, ta_filter),
        ("sort", 1, ta_sort),
        ("toSorted", 1, ta_to_sorted),
        ("toReversed", 0, ta_to_reversed),
        ("with", 2, ta_with),
        ("keys", 0, ta_keys),
        ("entries", 0, ta_entries),
    ] {
        vm.define_method(tap, n, l, f);
    }
    let values = vm.define_method(tap, "values", 0, ta_values);
    vm.heap.obj_mut(tap).put_raw(
        PropKey::Sym(wk::ITERATOR),
        Value::object(values),
        ATTR_HIDDEN,
    );
    let ap = vm.realm.array_proto;
    for n in [
        "at",
        "copyWithin",
        "every",
        "fill",
        "find",
        "findIndex",
        "findLast",
        "findLastIndex",
        "forEach",
        "includes",
        "indexOf",
        "join",
        "lastIndexOf",
        "reduce",
        "reduceRight",
        "reverse",
        "some",
        "toLocaleString",
    ] {
        let Some(p) = vm.heap.obj(ap).get_own(PropKey::from_str(n)) else {
            continue;
        };
        let length = vm
            .heap
            .try_obj(p.value)
            .and_then(|f| f.get_own(PropKey::Str(names::get().length)))
            .and_then(|l| l.value.as_number())
            .unwrap_or(0.0);
        let f = vm.new_native_with_data(n, length as u32, ta_generic, vec![p.value]);
        vm.heap
            .obj_mut(tap)
            .put_raw(PropKey::from_str(n), Value::object(f), ATTR_HIDDEN);
    }
    // %TypedArray%.prototype.toString is Array.prototype.toString itself.
    if let Some(p) = vm.heap.obj(ap).get_own(PropKey::from_str("toString")) {
        vm.heap
            .obj_mut(tap)
            .put_raw(PropKey::from_str("toString"), p.value, ATTR_HIDDEN);
    }
    vm.define_getter(
        tac,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    vm.define_method(tac, "from", 1, ta_static_from);
    vm.define_method(tac, "of", 0, ta_static_of);
    for (i, kind) in TypedKind::ALL.iter().enumerate() {
        let p = vm.realm.typed_protos[i];
        vm.heap.obj_mut(p).proto = Some(tap);
        let c = vm.new_native_with_data(kind.name(), 3, typed_ctor, vec![Value::number(i as f64)]);
        vm.heap.obj_mut(c).constructible = true;
        vm.heap.obj_mut(c).proto = Some(tac);
        vm.heap
            .obj_mut(c)
            .put_raw(PropKey::Str(names::get().prototype), Value::object(p), 0);
        vm.heap.obj_mut(p).put_raw(
            PropKey::Str(names::get().constructor),
            Value::object(c),
            ATTR_HIDDEN,
        );
        let bpe = Value::number(kind.size() as f64);
        vm.define_value(c, "BYTES_PER_ELEMENT", bpe, 0);
        vm.define_value(p, "BYTES_PER_ELEMENT", bpe, 0);
        vm.realm.typed_ctors[i] = c;
        set_global(vm, kind.name(), Value::object(c));
    }

    let dvp = vm.realm.data_view_proto;
    let dvc = vm.new_constructor("DataView", 1, data_view_ctor, Some(dvp));
    for (n, f) in [
        ("getInt8", get_int8 as crate::object::NativeFn),
        ("setInt8", set_int8),
        ("getUint8", get_uint8),
        ("setUint8", set_uint8),
        ("getInt16", get_int16),
        ("setInt16", set_int16),
        ("getUint16", get_uint16),
        ("setUint16", set_uint16),
        ("getInt32", get_int32),
        ("setInt32", set_int32),
        ("getUint32", get_uint32),
        ("setUint32", set_uint32),
        ("getFloat32", get_float32),
        ("setFloat32", set_float32),
        ("getFloat64", get_float64),
        ("setFloat64", set_float64),
        ("getBigInt64", get_bigint64),
        ("setBigInt64", set_bigint64),
        ("getBigUint64", get_biguint64),
        ("setBigUint64", set_biguint64),
    ] {
        let length = if n.starts_with("set") { 2 } else { 1 };
        vm.define_method(dvp, n, length, f);
    }
    vm.define_getter(dvp, PropKey::from_str("buffer"), "buffer", dv_buffer);
    vm.define_getter(
        dvp,
        PropKey::from_str("byteLength"),
        "byteLength",
        dv_byte_length,
    );
    vm.define_getter(
        dvp,
        PropKey::from_str("byteOffset"),
        "byteOffset",
        dv_byte_offset,
    );
    let t = vm.str_val("DataView");
    vm.heap
        .obj_mut(dvp)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    set_global(vm, "DataView", Value::object(dvc));
}
