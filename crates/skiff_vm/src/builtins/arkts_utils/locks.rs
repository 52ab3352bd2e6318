//! `ArkTSUtils.locks`: `AsyncLock`, `AsyncLockMode`, `AsyncLockOptions`, `ConditionVariable`.
//!
//! Locks park tasks, never threads (docs/shared-heap.md §5). `lockAsync` records the request in
//! this VM's request table (a hidden object, see the module docs of `arkts_utils`) under a
//! per-VM key, then asks the shared lock. The grant — immediate or later, from whichever thread
//! releases — always arrives as a macrotask posted through `vm.event_loop.poster()`, which runs
//! the callback on the requesting VM (the runtime's poster also marks the instance busy and
//! wakes it). When the callback returns, the `lockAsync` promise is resolved with its result; a
//! promise result releases the lock when it settles (ArkTS uses `finally`; `then(release,
//! release)` does the same without a second, unhandled rejection), any other result releases
//! at once. An `AbortSignal` is checked when the grant arrives (as the
//! runtime does): if `signal.aborted`, the request is rejected with `signal.reason` and the lock
//! released without running the callback. `timeout` arms a timer on the requesting VM that
//! cancels the request if it is still pending (BusinessError 10200031).
//!
//! Condition variables work the same way: `wait()` registers a waker that posts the resolution
//! to the waiting VM; `waitFor(ms)` also arms a timer that cancels the wait and resolves anyway.

use super::{param_error, stash, stashed};
use crate::atom::PropKey;
use crate::builtins::promise::{is_promise, new_promise, reject_promise, resolve_promise};
use crate::builtins::{arg, callee_data};
use crate::object::{MapKey, ObjectKind};
use crate::sendable::SharedKind;
use crate::shape::{ATTR_ENUMERABLE, ATTR_WRITABLE};
use crate::value::{ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;
use skiff_shared::lock::{timeout_error, UNAVAILABLE_MESSAGE};
use skiff_shared::{AsyncLock, ConditionVariable, LockMode, LockState, Requested, SharedRef};
use std::sync::Arc;
use std::time::Duration;

// ----- per-VM tables --------------------------------------------------------------------------

/// Entry fields of a pending `lockAsync` (a plain array in the request table).
const E_CALLBACK: usize = 0;
const E_PROMISE: usize = 1;
const E_SIGNAL: usize = 2;
const E_LOCK: usize = 3;
const E_ID: usize = 4;
const E_TIMER: usize = 5;

/// The per-VM table `name` (created on first use): a Map object (not traced as script-visible
/// anywhere), keyed by per-VM numbers, so that entries come and go without creating shapes.
fn table(vm: &mut Vm, name: &str) -> ObjRef {
    if let Some(o) = stashed(vm, name).as_object() {
        return o;
    }
    let o = vm.new_object_with_proto(None, ObjectKind::Map(Box::default()));
    stash(vm, name, Value::object(o));
    o
}

/// A fresh per-VM key for a table entry.
fn next_key(vm: &mut Vm) -> u32 {
    let n = stashed(vm, "nextKey").as_number().unwrap_or(0.0) as u32;
    let n = n.wrapping_add(1);
    stash(vm, "nextKey", Value::number(n as f64));
    n
}

fn map_of<'a>(vm: &'a mut Vm, name: &str) -> Option<&'a mut crate::object::MapData> {
    let t = table(vm, name);
    match &mut vm.heap.obj_mut(t).kind {
        ObjectKind::Map(m) => Some(m),
        _ => None,
    }
}

fn table_key(key: u32) -> MapKey {
    MapKey::Bits(Value::number(f64::from(key)).bits())
}

fn table_put(vm: &mut Vm, name: &str, key: u32, entry: Value) {
    if let Some(m) = map_of(vm, name) {
        m.set(table_key(key), Value::number(f64::from(key)), entry);
    }
}

fn table_get(vm: &mut Vm, name: &str, key: u32) -> Option<ObjRef> {
    map_of(vm, name)?
        .get(&table_key(key))
        .and_then(|v| v.as_object())
}

fn table_take(vm: &mut Vm, name: &str, key: u32) -> Option<ObjRef> {
    let e = table_get(vm, name, key)?;
    if let Some(m) = map_of(vm, name) {
        m.delete(&table_key(key));
    }
    Some(e)
}

fn field(vm: &Vm, e: ObjRef, i: usize) -> Value {
    vm.heap
        .obj(e)
        .elements
        .get(i)
        .copied()
        .unwrap_or(Value::UNDEFINED)
}

fn set_field(vm: &mut Vm, e: ObjRef, i: usize, v: Value) {
    if let Some(s) = vm.heap.obj_mut(e).elements.get_mut(i) {
        *s = v;
    }
}

// ----- AsyncLock ------------------------------------------------------------------------------

fn lock_of(vm: &mut Vm, v: Value) -> Option<Arc<AsyncLock>> {
    let slot = v.as_shared()?;
    vm.mutator().async_lock(SharedRef(slot)).cloned()
}

fn this_lock(vm: &mut Vm, this: Value) -> JsResult<Arc<AsyncLock>> {
    match lock_of(vm, this) {
        Some(l) => Ok(l),
        None => Err(vm.business_error(10200030, "The lock does not exist.")),
    }
}

fn async_lock_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if !args.is_empty() && !arg(args, 0).is_undefined() {
        return async_lock_request(vm, Value::UNDEFINED, args);
    }
    let r = vm.mutator().new_async_lock();
    match r {
        Ok(r) => Ok(vm.shared_value(r)),
        Err(e) => vm.throw_shared(e),
    }
}

/// `AsyncLock.request(name)`: the process-wide lock of that name.
fn async_lock_request(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let name = arg(args, 0);
    if !name.is_string() {
        return Err(param_error(vm, "Request:: param must be string"));
    }
    let name = vm.to_rust_string(name)?;
    let r = vm.mutator().request_async_lock(&name);
    match r {
        Ok(r) => Ok(vm.shared_value(r)),
        Err(e) => vm.throw_shared(e),
    }
}

fn lock_name(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let l = this_lock(vm, this)?;
    Ok(vm.str_val(l.name()))
}

fn info_object(vm: &mut Vm, info: &skiff_shared::LockInfo) -> Value {
    let o = vm.new_object();
    let name = vm.str_val(&info.name);
    let attrs = ATTR_ENUMERABLE | ATTR_WRITABLE;
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("name"), name, attrs);
    vm.heap.obj_mut(o).put_raw(
        PropKey::from_str("mode"),
        Value::number(info.mode as u8 as f64),
        attrs,
    );
    vm.heap.obj_mut(o).put_raw(
        PropKey::from_str("contextId"),
        Value::number(info.context_id as f64),
        attrs,
    );
    Value::object(o)
}

fn state_object(vm: &mut Vm, st: &LockState) -> Value {
    let base = vm.handles.len();
    let held: Vec<Value> = st
        .held
        .iter()
        .map(|i| {
            let v = info_object(vm, i);
            vm.root(v)
        })
        .collect();
    let held = vm.new_array_value(held);
    vm.root(held);
    let pending: Vec<Value> = st
        .pending
        .iter()
        .map(|i| {
            let v = info_object(vm, i);
            vm.root(v)
        })
        .collect();
    let pending = vm.new_array_value(pending);
    vm.root(pending);
    let o = vm.new_object();
    let attrs = ATTR_ENUMERABLE | ATTR_WRITABLE;
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("held"), held, attrs);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("pending"), pending, attrs);
    vm.handles.truncate(base);
    Value::object(o)
}

/// `AsyncLock.query(name)`.
fn async_lock_query(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if args.len() != 1 {
        return Err(param_error(vm, "Invalid number of arguments"));
    }
    let name = arg(args, 0);
    if !name.is_string() {
        return Err(param_error(vm, "Invalid argument type"));
    }
    let name = vm.to_rust_string(name)?;
    let st = vm.mutator().heap().lock_query(&name);
    match st {
        Ok(st) => Ok(state_object(vm, &st)),
        Err(e) => vm.throw_shared(e),
    }
}

/// `AsyncLock.queryAll()`: every live lock, in creation order.
fn async_lock_query_all(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if !args.is_empty() {
        return Err(param_error(vm, "Invalid number of arguments"));
    }
    let all = vm.mutator().heap().lock_query_all();
    let base = vm.handles.len();
    let items: Vec<Value> = all
        .iter()
        .map(|st| {
            let v = state_object(vm, st);
            vm.root(v)
        })
        .collect();
    let a = vm.new_array_value(items);
    vm.handles.truncate(base);
    Ok(a)
}

/// Posts "run request `key`" to this VM; false when the VM is gone.
fn post_grant(poster: &crate::event_loop::Poster, key: u32) -> bool {
    poster(Box::new(move |vm: &mut Vm| {
        run_granted(vm, key);
        Ok(())
    }))
}

/// `lock.lockAsync(callback, mode?, options?)`.
fn lock_async(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let lock = this_lock(vm, this)?;
    let mut mode = LockMode::Exclusive;
    if args.len() > 1 && !arg(args, 1).is_undefined() {
        let n = vm.to_number(arg(args, 1))?;
        mode = match LockMode::from_number(n) {
            Ok(m) => m,
            Err(e) => return vm.throw_shared(e),
        };
    }
    let mut is_available = false;
    let mut signal = Value::UNDEFINED;
    let mut timeout = 0u32;
    let options = arg(args, 2);
    if args.len() > 2 && !options.is_nullish() {
        if !options.is_object() {
            return Err(param_error(vm, "Invalid options."));
        }
        let v = vm.get_str(options, "isAvailable")?;
        is_available = vm.to_boolean(v);
        let s = vm.get_str(options, "signal")?;
        if s.is_object() {
            signal = s;
        }
        let t = vm.get_str(options, "timeout")?;
        if !t.is_nullish() {
            timeout = vm.to_uint32(t)?;
        }
    }
    let promise = new_promise(vm);
    vm.root(promise);
    let entry = vm.new_array_value(vec![
        arg(args, 0),
        promise,
        signal,
        this,
        Value::UNDEFINED,
        Value::UNDEFINED,
    ]);
    vm.root(entry);
    let key = next_key(vm);
    let poster = vm.event_loop.poster();
    let waker_poster = poster.clone();
    let ctx = vm.mutator().id();
    let waker = Box::new(move |_id| post_grant(&waker_poster, key));
    match lock.request(mode, ctx, is_available, waker) {
        Requested::Unavailable => {
            let msg = vm.str_val(UNAVAILABLE_MESSAGE);
            reject_promise(vm, promise, msg);
        }
        Requested::Granted(id) => {
            let e = entry.as_object().unwrap_or(ObjRef(0));
            set_field(vm, e, E_ID, Value::number(id as f64));
            table_put(vm, "requests", key, entry);
            if !post_grant(&poster, key) {
                lock.release(id);
            }
        }
        Requested::Queued(id) => {
            let e = entry.as_object().unwrap_or(ObjRef(0));
            set_field(vm, e, E_ID, Value::number(id as f64));
            table_put(vm, "requests", key, entry);
            if timeout > 0 {
                let f =
                    vm.new_native_with_data("", 0, lock_timeout, vec![Value::number(key as f64)]);
                let t = vm.event_loop.add_timer(
                    Value::object(f),
                    Vec::new(),
                    Duration::from_millis(u64::from(timeout)),
                    false,
                );
                set_field(vm, e, E_TIMER, Value::number(t as f64));
            }
        }
    }
    Ok(promise)
}

/// The `timeout` timer of a queued request: cancel it if it is still pending.
fn lock_timeout(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let key = callee_data(vm, 0).as_number().unwrap_or(0.0) as u32;
    let Some(e) = table_get(vm, "requests", key) else {
        return Ok(Value::UNDEFINED);
    };
    let lock = field(vm, e, E_LOCK);
    let id = field(vm, e, E_ID).as_number().unwrap_or(0.0) as u64;
    let Some(l) = lock_of(vm, lock) else {
        return Ok(Value::UNDEFINED);
    };
    if l.cancel(id) {
        table_take(vm, "requests", key);
        let p = field(vm, e, E_PROMISE);
        let err = vm.shared_error(timeout_error());
        reject_promise(vm, p, err);
    }
    // Otherwise the grant won the race: its task is on its way and runs the callback.
    Ok(Value::UNDEFINED)
}

/// A grant arrived for request `key`: run its callback (or honour its abort signal).
fn run_granted(vm: &mut Vm, key: u32) {
    let Some(e) = table_take(vm, "requests", key) else {
        return;
    };
    let base = vm.handles.len();
    vm.root(Value::object(e));
    if let Some(t) = field(vm, e, E_TIMER).as_number() {
        vm.event_loop.clear_timer(t as u32);
    }
    let promise = field(vm, e, E_PROMISE);
    let lock = field(vm, e, E_LOCK);
    let id = field(vm, e, E_ID).as_number().unwrap_or(0.0) as u64;
    let release = |vm: &mut Vm| {
        if let Some(l) = lock_of(vm, lock) {
            l.release(id);
        }
    };
    let signal = field(vm, e, E_SIGNAL);
    if signal.is_object() {
        let aborted = match vm.get_str(signal, "aborted") {
            Ok(a) => vm.to_boolean(a),
            Err(err) => {
                reject_promise(vm, promise, err);
                release(vm);
                vm.handles.truncate(base);
                return;
            }
        };
        if aborted {
            let reason = vm.get_str(signal, "reason").unwrap_or(Value::UNDEFINED);
            reject_promise(vm, promise, reason);
            release(vm);
            vm.handles.truncate(base);
            return;
        }
    }
    let cb = field(vm, e, E_CALLBACK);
    match vm.call(cb, Value::UNDEFINED, &[]) {
        Ok(result) => {
            vm.root(result);
            resolve_promise(vm, promise, result);
            if is_promise(vm, result) {
                let f = vm.new_native_with_data(
                    "",
                    0,
                    release_native,
                    vec![lock, Value::number(id as f64)],
                );
                let f = Value::object(f);
                vm.root(f);
                if vm
                    .invoke(result, PropKey::from_str("then"), &[f, f])
                    .is_err()
                {
                    release(vm);
                }
            } else {
                release(vm);
            }
        }
        Err(err) => {
            reject_promise(vm, promise, err);
            release(vm);
        }
    }
    vm.handles.truncate(base);
}

/// Settlement handler of a callback's promise: releases the lock.
fn release_native(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let lock = callee_data(vm, 0);
    let id = callee_data(vm, 1).as_number().unwrap_or(0.0) as u64;
    if let Some(l) = lock_of(vm, lock) {
        l.release(id);
    }
    Ok(Value::UNDEFINED)
}

/// `new AsyncLockOptions()`: `{ isAvailable: false, signal: null, timeout: 0 }`.
fn options_ctor(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let proto = stashed(vm, "optionsProto")
        .as_object()
        .unwrap_or(vm.realm.object_proto);
    let nt = vm.new_target;
    let proto = vm.proto_from_ctor(nt, proto)?;
    let o = vm.new_object_with_proto(Some(proto), ObjectKind::Ordinary);
    let attrs = ATTR_ENUMERABLE | ATTR_WRITABLE | crate::shape::ATTR_CONFIGURABLE;
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("isAvailable"), Value::FALSE, attrs);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("signal"), Value::NULL, attrs);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("timeout"), Value::number(0.0), attrs);
    Ok(Value::object(o))
}

// ----- ConditionVariable ----------------------------------------------------------------------

fn condvar_of(vm: &mut Vm, v: Value) -> Option<Arc<ConditionVariable>> {
    let slot = v.as_shared()?;
    vm.mutator().condition_variable(SharedRef(slot)).cloned()
}

fn this_condvar(vm: &mut Vm, this: Value, name: &str) -> JsResult<Arc<ConditionVariable>> {
    match condvar_of(vm, this) {
        Some(c) => Ok(c),
        None => Err(vm.type_error(format!("The {name} method cannot be bound."))),
    }
}

fn condvar_ctor(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let r = vm.mutator().new_condition_variable();
    match r {
        Ok(r) => Ok(vm.shared_value(r)),
        Err(e) => vm.throw_shared(e),
    }
}

fn condvar_request(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let name = arg(args, 0);
    if !name.is_string() {
        return Err(param_error(vm, "Request:: param must be string"));
    }
    let name = vm.to_rust_string(name)?;
    let r = vm.mutator().request_condition_variable(&name);
    match r {
        Ok(r) => Ok(vm.shared_value(r)),
        Err(e) => vm.throw_shared(e),
    }
}

/// Entry of a pending wait: [promise, timer id, condition variable, wait id].
fn start_wait(vm: &mut Vm, this: Value, timeout: Option<f64>, name: &str) -> JsResult<Value> {
    let cv = this_condvar(vm, this, name)?;
    let promise = new_promise(vm);
    vm.root(promise);
    let entry = vm.new_array_value(vec![promise, Value::UNDEFINED, this, Value::UNDEFINED]);
    vm.root(entry);
    let key = next_key(vm);
    table_put(vm, "waits", key, entry);
    let poster = vm.event_loop.poster();
    let id = cv.wait(Box::new(move |_id| {
        poster(Box::new(move |vm: &mut Vm| {
            finish_wait(vm, key);
            Ok(())
        }))
    }));
    let e = entry.as_object().unwrap_or(ObjRef(0));
    set_field(vm, e, 3, Value::number(id as f64));
    if let Some(ms) = timeout {
        let f = vm.new_native_with_data("", 0, wait_timeout, vec![Value::number(key as f64)]);
        let t = vm.event_loop.add_timer(
            Value::object(f),
            Vec::new(),
            Duration::from_millis(ms as u64),
            false,
        );
        set_field(vm, e, 1, Value::number(t as f64));
    }
    Ok(promise)
}

fn finish_wait(vm: &mut Vm, key: u32) {
    let Some(e) = table_take(vm, "waits", key) else {
        return;
    };
    if let Some(t) = field(vm, e, 1).as_number() {
        vm.event_loop.clear_timer(t as u32);
    }
    let p = field(vm, e, 0);
    resolve_promise(vm, p, Value::UNDEFINED);
}

fn wait_timeout(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let key = callee_data(vm, 0).as_number().unwrap_or(0.0) as u32;
    let Some(e) = table_get(vm, "waits", key) else {
        return Ok(Value::UNDEFINED);
    };
    let cv = field(vm, e, 2);
    let id = field(vm, e, 3).as_number().unwrap_or(0.0) as u64;
    if condvar_of(vm, cv).is_some_and(|c| c.cancel(id)) {
        set_field(vm, e, 1, Value::UNDEFINED);
        finish_wait(vm, key);
    }
    Ok(Value::UNDEFINED)
}

fn condvar_wait(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    start_wait(vm, this, None, "wait")
}

fn condvar_wait_for(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let t = arg(args, 0);
    let ms = match t.as_number() {
        Some(n) if n.is_finite() => n.max(0.0),
        _ => return Err(param_error(vm, "Invalid timeout.")),
    };
    start_wait(vm, this, Some(ms), "waitFor")
}

fn condvar_notify_one(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let cv = this_condvar(vm, this, "notifyOne")?;
    cv.notify_one();
    Ok(Value::UNDEFINED)
}

fn condvar_notify_all(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let cv = this_condvar(vm, this, "notifyAll")?;
    cv.notify_all();
    Ok(Value::UNDEFINED)
}

// ----- installation ---------------------------------------------------------------------------

/// Populates `sendable_protos[AsyncLock]` and `[ConditionVariable]` on a fresh VM.
pub fn install(vm: &mut Vm) {
    let lp = vm.sendable_proto(SharedKind::AsyncLock);
    vm.define_method(lp, "lockAsync", 3, lock_async);
    vm.define_getter(lp, PropKey::from_str("name"), "name", lock_name);
    let tag = vm.str_val("AsyncLock");
    vm.heap.obj_mut(lp).put_raw(
        PropKey::Sym(crate::vm::wk::TO_STRING_TAG),
        tag,
        crate::shape::ATTR_CONFIGURABLE,
    );
    let cp = vm.sendable_proto(SharedKind::ConditionVariable);
    vm.define_method(cp, "wait", 0, condvar_wait);
    vm.define_method(cp, "waitFor", 1, condvar_wait_for);
    vm.define_method(cp, "notifyOne", 0, condvar_notify_one);
    vm.define_method(cp, "notifyAll", 0, condvar_notify_all);
    let tag = vm.str_val("ConditionVariable");
    vm.heap.obj_mut(cp).put_raw(
        PropKey::Sym(crate::vm::wk::TO_STRING_TAG),
        tag,
        crate::shape::ATTR_CONFIGURABLE,
    );
}

/// The `locks` namespace object.
pub fn namespace(vm: &mut Vm) -> ObjRef {
    let ns = vm.new_object();
    let put = |vm: &mut Vm, name: &str, v: Value| {
        vm.heap
            .obj_mut(ns)
            .put_raw(PropKey::from_str(name), v, ATTR_ENUMERABLE);
    };
    let lp = vm.sendable_proto(SharedKind::AsyncLock);
    let lock = vm.new_constructor("AsyncLock", 0, async_lock_ctor, Some(lp));
    vm.define_method(lock, "request", 1, async_lock_request);
    vm.define_method(lock, "query", 1, async_lock_query);
    vm.define_method(lock, "queryAll", 0, async_lock_query_all);
    put(vm, "AsyncLock", Value::object(lock));

    let mode = vm.new_object();
    for (name, n) in [("SHARED", 1.0), ("EXCLUSIVE", 2.0)] {
        vm.heap
            .obj_mut(mode)
            .put_raw(PropKey::from_str(name), Value::number(n), ATTR_ENUMERABLE);
    }
    put(vm, "AsyncLockMode", Value::object(mode));

    let op = vm.new_object();
    stash(vm, "optionsProto", Value::object(op));
    let options = vm.new_constructor("AsyncLockOptions", 0, options_ctor, Some(op));
    put(vm, "AsyncLockOptions", Value::object(options));

    let cp = vm.sendable_proto(SharedKind::ConditionVariable);
    let cv = vm.new_constructor("ConditionVariable", 0, condvar_ctor, Some(cp));
    vm.define_method(cv, "request", 1, condvar_request);
    put(vm, "ConditionVariable", Value::object(cv));
    ns
}
