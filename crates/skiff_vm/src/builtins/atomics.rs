//! `Atomics`: atomic read-modify-write operations on integer typed arrays, and `wait` /
//! `notify` on `SharedArrayBuffer` memory across instances.
//!
//! Every operation runs under the buffer's lock (see [`crate::object::Buffer`]), which makes
//! it atomic with respect to every other access of that memory and sequentially consistent.
//! Waiters are kept in one process-wide list; `wait` checks the value and enqueues itself while
//! holding that list's lock, and `notify` takes the same lock, so no wake-up is lost.

use super::{arg, set_global};
use crate::atom::PropKey;
use crate::object::{Buffer, ObjectKind, TypedKind};
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::Value;
use crate::vm::{wk, Vm};
use crate::JsResult;
use num_bigint::BigInt;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A validated atomic access: the element kind, the memory and the byte index.
struct Access {
    kind: TypedKind,
    buffer: Buffer,
    at: usize,
}

/// ValidateIntegerTypedArray + ValidateAtomicAccess.
fn access(vm: &mut Vm, ta: Value, index: Value, waitable: bool) -> JsResult<Access> {
    let Some(o) = ta.as_object() else {
        return Err(vm.type_error("Argument is not a typed array"));
    };
    if !matches!(vm.heap.obj(o).kind, ObjectKind::TypedArray { .. }) {
        return Err(vm.type_error("Argument is not a typed array"));
    }
    let Some((kind, _, _, _)) = super::typed::view(vm, o) else {
        return Err(vm.type_error("Argument is not a typed array"));
    };
    let valid = if waitable {
        matches!(kind, TypedKind::Int32 | TypedKind::BigInt64)
    } else {
        !matches!(
            kind,
            TypedKind::Float32 | TypedKind::Float64 | TypedKind::Uint8Clamped
        )
    };
    if !valid {
        let what = if waitable {
            "an int32 or BigInt64"
        } else {
            "an integer"
        };
        return Err(vm.type_error(format!(
            "[object {}] is not {what} typed array.",
            kind.name()
        )));
    }
    let i = vm.to_integer(index)?;
    let Some((kind, buffer, offset, length)) = super::typed::view(vm, o) else {
        return Err(vm.type_error("Argument is not a typed array"));
    };
    if !(0.0..9007199254740992.0).contains(&i) || i as usize >= length {
        return Err(vm.range_error("Invalid atomic access index"));
    }
    Ok(Access {
        kind,
        buffer,
        at: offset + i as usize * kind.size(),
    })
}

/// The element at `a` as raw little-endian bits.
fn load_raw(bytes: &[u8], a: &Access) -> u64 {
    let n = a.kind.size();
    let mut b = [0u8; 8];
    if let Some(src) = bytes.get(a.at..a.at + n) {
        b[..n].copy_from_slice(src);
    }
    u64::from_le_bytes(b)
}

fn store_raw(bytes: &mut [u8], a: &Access, raw: u64) {
    let n = a.kind.size();
    if let Some(dst) = bytes.get_mut(a.at..a.at + n) {
        dst.copy_from_slice(&raw.to_le_bytes()[..n]);
    }
}

/// The script value of raw element bits.
fn raw_to_value(vm: &mut Vm, kind: TypedKind, raw: u64) -> Value {
    let bytes = raw.to_le_bytes();
    let mut big = |b: BigInt| vm.heap.alloc_bigint(b);
    super::typed::read(kind, &bytes, 0, &mut big)
}

/// Converts an operand to the element's raw bits (modular, as a typed array store does).
fn operand(vm: &mut Vm, kind: TypedKind, v: Value) -> JsResult<u64> {
    let enc = super::typed::encode(vm, kind, v)?;
    let mut b = [0u8; 8];
    b[..kind.size()].copy_from_slice(&enc[..kind.size()]);
    Ok(u64::from_le_bytes(b))
}

fn mask(kind: TypedKind) -> u64 {
    match kind.size() {
        8 => u64::MAX,
        n => (1u64 << (n * 8)) - 1,
    }
}

/// One read-modify-write: `f(old, operand)` is stored, the old value returned.
fn rmw(vm: &mut Vm, args: &[Value], f: fn(u64, u64) -> u64) -> JsResult<Value> {
    let a = access(vm, arg(args, 0), arg(args, 1), false)?;
    let v = operand(vm, a.kind, arg(args, 2))?;
    let old = {
        let mut bytes = a.buffer.borrow_mut();
        let old = load_raw(&bytes, &a);
        store_raw(&mut bytes, &a, f(old, v) & mask(a.kind));
        old
    };
    Ok(raw_to_value(vm, a.kind, old))
}

macro_rules! rmw_ops {
    ($($name:ident => $f:expr;)*) => {
        $(
            fn $name(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
                rmw(vm, args, $f)
            }
        )*
    };
}

rmw_ops! {
    add => |a, b| a.wrapping_add(b);
    sub => |a, b| a.wrapping_sub(b);
    and => |a, b| a & b;
    or => |a, b| a | b;
    xor => |a, b| a ^ b;
    exchange => |_, b| b;
}

fn load(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let a = access(vm, arg(args, 0), arg(args, 1), false)?;
    let raw = load_raw(&a.buffer.borrow(), &a);
    Ok(raw_to_value(vm, a.kind, raw))
}

fn store(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let a = access(vm, arg(args, 0), arg(args, 1), false)?;
    let v = arg(args, 2);
    // The result is the operand after ToIntegerOrInfinity (or ToBigInt), not the stored bits.
    let result = if matches!(a.kind, TypedKind::BigInt64 | TypedKind::BigUint64) {
        let b = super::bigint::to_bigint(vm, v)?;
        vm.heap.alloc_bigint(b)
    } else {
        let n = vm.to_integer(v)?;
        Value::number(if n == 0.0 { 0.0 } else { n })
    };
    let raw = operand(vm, a.kind, result)?;
    store_raw(&mut a.buffer.borrow_mut(), &a, raw);
    Ok(result)
}

fn compare_exchange(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let a = access(vm, arg(args, 0), arg(args, 1), false)?;
    let expected = operand(vm, a.kind, arg(args, 2))?;
    let replacement = operand(vm, a.kind, arg(args, 3))?;
    let old = {
        let mut bytes = a.buffer.borrow_mut();
        let old = load_raw(&bytes, &a);
        if old == expected {
            store_raw(&mut bytes, &a, replacement);
        }
        old
    };
    Ok(raw_to_value(vm, a.kind, old))
}

fn is_lock_free(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let n = vm.to_integer(arg(args, 0))?;
    Ok(Value::bool(
        matches!(n as i64, 1 | 2 | 4 | 8) && n.fract() == 0.0,
    ))
}

// ----- wait / notify ----------------------------------------------------------------------------

struct Waiter {
    /// The shared memory (its address) and the byte index waited on.
    memory: usize,
    at: usize,
    notified: bool,
    wake: Arc<Condvar>,
}

/// Every thread blocked in `Atomics.wait`, in arrival order (notify wakes the oldest first).
static WAITERS: Mutex<Vec<Waiter>> = Mutex::new(Vec::new());

fn memory_id(b: &Buffer) -> Option<usize> {
    match b {
        Buffer::Shared(m) => Some(Arc::as_ptr(m) as *const u8 as usize),
        Buffer::Local(_) => None,
    }
}

fn wait(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    // The buffer must be shared, checked before the index is converted.
    if let Some(o) = arg(args, 0).as_object() {
        if let Some((kind, buffer, _, _)) = super::typed::view(vm, o) {
            if !buffer.is_shared() && matches!(kind, TypedKind::Int32 | TypedKind::BigInt64) {
                let name = kind.name();
                return Err(vm.type_error(format!("[object {name}] is not a shared typed array.")));
            }
        }
    }
    let a = access(vm, arg(args, 0), arg(args, 1), true)?;
    let Some(memory) = memory_id(&a.buffer) else {
        let name = a.kind.name();
        return Err(vm.type_error(format!("[object {name}] is not a shared typed array.")));
    };
    let expected = operand(vm, a.kind, arg(args, 2))?;
    let t = arg(args, 3);
    let timeout = if t.is_undefined() {
        f64::INFINITY
    } else {
        let q = vm.to_number(t)?;
        if q.is_nan() {
            f64::INFINITY
        } else {
            q.max(0.0)
        }
    };
    let deadline =
        (timeout.is_finite()).then(|| Instant::now() + Duration::from_secs_f64(timeout / 1000.0));
    // The wait parks this VM (a blocked thread holding the shared-heap lock would stop every
    // other instance at its next safepoint); the lock is taken back after the waiter list's.
    let outcome = vm.parked(|| {
        let mut list = WAITERS.lock().unwrap_or_else(|p| p.into_inner());
        if load_raw(&a.buffer.borrow(), &a) != expected {
            return "not-equal";
        }
        let wake = Arc::new(Condvar::new());
        list.push(Waiter {
            memory,
            at: a.at,
            notified: false,
            wake: wake.clone(),
        });
        let mine = |l: &Vec<Waiter>| l.iter().position(|w| Arc::ptr_eq(&w.wake, &wake));
        while let Some(i) = mine(&list) {
            if list[i].notified {
                list.remove(i);
                return "ok";
            }
            match deadline {
                None => list = wake.wait(list).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        list.remove(i);
                        return "timed-out";
                    }
                    list = wake
                        .wait_timeout(list, d - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
            }
        }
        "ok"
    });
    Ok(vm.str_val(outcome))
}

fn notify(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let a = access(vm, arg(args, 0), arg(args, 1), true)?;
    let c = arg(args, 2);
    let count = if c.is_undefined() {
        f64::INFINITY
    } else {
        vm.to_integer(c)?.max(0.0)
    };
    let Some(memory) = memory_id(&a.buffer) else {
        return Ok(Value::number(0.0));
    };
    let mut list = WAITERS.lock().unwrap_or_else(|p| p.into_inner());
    let mut woken = 0.0;
    for w in list.iter_mut() {
        if woken >= count {
            break;
        }
        if w.memory == memory && w.at == a.at && !w.notified {
            w.notified = true;
            w.wake.notify_one();
            woken += 1.0;
        }
    }
    Ok(Value::number(woken))
}

pub fn install(vm: &mut Vm) {
    let atomics = vm.new_object();
    let fns: [(&str, u32, crate::object::NativeFn); 12] = [
        ("add", 3, add),
        ("and", 3, and),
        ("compareExchange", 4, compare_exchange),
        ("exchange", 3, exchange),
        ("isLockFree", 1, is_lock_free),
        ("load", 2, load),
        ("notify", 3, notify),
        ("or", 3, or),
        ("store", 3, store),
        ("sub", 3, sub),
        ("wait", 4, wait),
        ("xor", 3, xor),
    ];
    for (name, len, f) in fns {
        vm.define_method(atomics, name, len, f);
    }
    let tag = vm.str_val("Atomics");
    vm.heap
        .obj_mut(atomics)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), tag, ATTR_CONFIGURABLE);
    set_global(vm, "Atomics", Value::object(atomics));
}
