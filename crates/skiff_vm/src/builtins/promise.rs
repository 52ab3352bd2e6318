//! Promises, promise jobs and the combinators (ES2023 semantics and job ordering).

use super::{arg, callee_data, require_callable, set_global};
use crate::atom::{names, PropKey};
use crate::event_loop::Job;
use crate::object::{ObjectKind, PromiseData, PromiseState, Reaction, ReactionKind};
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::{ObjRef, Value};
use crate::vm::{wk, Vm};
use crate::JsResult;

pub fn new_promise_with_proto(vm: &mut Vm, proto: ObjRef) -> Value {
    Value::object(vm.new_object_with_proto(
        Some(proto),
        ObjectKind::Promise(Box::new(PromiseData {
            state: PromiseState::Pending,
            result: Value::UNDEFINED,
            fulfill: Vec::new(),
            reject: Vec::new(),
            handled: false,
        })),
    ))
}

pub fn new_promise(vm: &mut Vm) -> Value {
    let p = vm.realm.promise_proto;
    new_promise_with_proto(vm, p)
}

fn data(vm: &Vm, p: Value) -> Option<&PromiseData> {
    match vm.heap.try_obj(p).map(|o| &o.kind) {
        Some(ObjectKind::Promise(d)) => Some(d),
        _ => None,
    }
}

fn data_mut(vm: &mut Vm, p: Value) -> Option<&mut PromiseData> {
    let o = p.as_object()?;
    match &mut vm.heap.obj_mut(o).kind {
        ObjectKind::Promise(d) => Some(d),
        _ => None,
    }
}

pub fn is_promise(vm: &Vm, v: Value) -> bool {
    data(vm, v).is_some()
}

fn settle(vm: &mut Vm, p: Value, v: Value, state: PromiseState) {
    let Some(d) = data_mut(vm, p) else { return };
    if d.state != PromiseState::Pending {
        return;
    }
    d.state = state;
    d.result = v;
    let fulfill = std::mem::take(&mut d.fulfill);
    let reject = std::mem::take(&mut d.reject);
    let handled = d.handled;
    let list = if state == PromiseState::Fulfilled {
        fulfill
    } else {
        reject
    };
    if state == PromiseState::Rejected && !handled {
        vm.event_loop.unhandled.push(p);
    }
    for r in list {
        vm.event_loop.enqueue(Job::Reaction {
            handler: r.handler,
            capability: r.capability,
            arg: v,
            reject: state == PromiseState::Rejected,
        });
    }
}

pub fn fulfill_promise(vm: &mut Vm, p: Value, v: Value) {
    settle(vm, p, v, PromiseState::Fulfilled);
}

pub fn reject_promise(vm: &mut Vm, p: Value, e: Value) {
    settle(vm, p, e, PromiseState::Rejected);
}

/// The promise resolve function's behaviour (thenables are adopted in a job).
pub fn resolve_promise(vm: &mut Vm, p: Value, v: Value) {
    if v == p {
        let e = vm.type_error("Chaining cycle detected for promise #<Promise>");
        reject_promise(vm, p, e);
        return;
    }
    if !v.is_object() {
        fulfill_promise(vm, p, v);
        return;
    }
    let then = match vm.get(v, PropKey::Str(names::get().then)) {
        Ok(t) => t,
        Err(e) => {
            reject_promise(vm, p, e);
            return;
        }
    };
    if !vm.is_callable(then) {
        fulfill_promise(vm, p, v);
        return;
    }
    vm.event_loop.enqueue(Job::ResolveThenable {
        promise: p,
        thenable: v,
        then,
    });
}

/// Creates the pair of resolving functions for `p`.
pub fn resolving_functions(vm: &mut Vm, p: Value) -> (Value, Value) {
    let flag = vm.new_object();
    let r = vm.new_native_with_data("", 1, resolve_fn, vec![p, Value::object(flag)]);
    let j = vm.new_native_with_data("", 1, reject_fn, vec![p, Value::object(flag)]);
    (Value::object(r), Value::object(j))
}

fn take_flag(vm: &mut Vm) -> bool {
    let flag = callee_data(vm, 1);
    let Some(f) = flag.as_object() else {
        return false;
    };
    let obj = vm.heap.obj_mut(f);
    if obj.elements.is_empty() {
        obj.elements.push(Value::TRUE);
        true
    } else {
        false
    }
}

fn resolve_fn(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if take_flag(vm) {
        let p = callee_data(vm, 0);
        resolve_promise(vm, p, arg(args, 0));
    }
    Ok(Value::UNDEFINED)
}

fn reject_fn(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if take_flag(vm) {
        let p = callee_data(vm, 0);
        reject_promise(vm, p, arg(args, 0));
    }
    Ok(Value::UNDEFINED)
}

/// Adds reactions; `capability` is (promise, resolve, reject) where resolve/reject may be
/// undefined for intrinsic derived promises.
pub fn perform_then(
    vm: &mut Vm,
    p: Value,
    on_f: Value,
    on_r: Value,
    capability: Option<(Value, Value, Value)>,
) {
    // Await reactions (no capability) carry the suspended generator object as the handler.
    let keep = |vm: &Vm, h: Value| capability.is_none() || vm.is_callable(h);
    let on_f = if keep(vm, on_f) {
        on_f
    } else {
        Value::UNDEFINED
    };
    let on_r = if keep(vm, on_r) {
        on_r
    } else {
        Value::UNDEFINED
    };
    let Some(d) = data_mut(vm, p) else { return };
    match d.state {
        PromiseState::Pending => {
            d.fulfill.push(Reaction {
                capability,
                handler: on_f,
                kind: ReactionKind::Fulfill,
            });
            d.reject.push(Reaction {
                capability,
                handler: on_r,
                kind: ReactionKind::Reject,
            });
            d.handled = true;
        }
        PromiseState::Fulfilled => {
            let v = d.result;
            d.handled = true;
            vm.event_loop.enqueue(Job::Reaction {
                handler: on_f,
                capability,
                arg: v,
                reject: false,
            });
        }
        PromiseState::Rejected => {
            let v = d.result;
            d.handled = true;
            vm.event_loop.enqueue(Job::Reaction {
                handler: on_r,
                capability,
                arg: v,
                reject: true,
            });
        }
    }
}

/// Await: resumes `gen` when the promise for `v` settles.
pub fn await_value(vm: &mut Vm, gen: Value, v: Value) {
    let p = if is_promise(vm, v) {
        v
    } else {
        let p = new_promise(vm);
        vm.handles.push(p);
        resolve_promise(vm, p, v);
        vm.handles.pop();
        p
    };
    perform_then(vm, p, gen, gen, None);
}

fn settle_capability(
    vm: &mut Vm,
    cap: (Value, Value, Value),
    v: Value,
    reject: bool,
) -> JsResult<()> {
    let (p, res, rej) = cap;
    if res.is_undefined() {
        if reject {
            reject_promise(vm, p, v);
        } else {
            resolve_promise(vm, p, v);
        }
        Ok(())
    } else {
        vm.call(if reject { rej } else { res }, Value::UNDEFINED, &[v])?;
        Ok(())
    }
}

/// Runs one microtask. Errors returned are uncaught exceptions of the job (only from
/// termination or `queueMicrotask` callbacks).
pub fn run_job(vm: &mut Vm, job: Job) -> JsResult<()> {
    match job {
        Job::Reaction {
            handler,
            capability,
            arg,
            reject,
        } => {
            if let Some(ObjectKind::Generator(_)) = vm.heap.try_obj(handler).map(|o| &o.kind) {
                if capability.is_none() {
                    return crate::interp::resume_async(vm, handler, arg, reject);
                }
            }
            let hm = vm.handles.len();
            vm.handles.extend([handler, arg]);
            let r = if handler.is_undefined() {
                Ok(arg)
            } else {
                vm.call(handler, Value::UNDEFINED, &[arg])
            };
            let out = match (r, capability) {
                (Err(e), _) if e == crate::vm::TERMINATION => Err(e),
                (Ok(v), Some(cap)) => {
                    settle_capability(vm, cap, v, reject && handler.is_undefined())
                }
                (Err(e), Some(cap)) => settle_capability(vm, cap, e, true),
                (_, None) => Ok(()),
            };
            vm.handles.truncate(hm);
            out
        }
        Job::ResolveThenable {
            promise,
            thenable,
            then,
        } => {
            let (res, rej) = resolving_functions(vm, promise);
            let hm = vm.handles.len();
            vm.handles.extend([promise, thenable, then, res, rej]);
            let r = vm.call(then, thenable, &[res, rej]);
            if let Err(e) = r {
                if e == crate::vm::TERMINATION {
                    vm.handles.truncate(hm);
                    return Err(e);
                }
                let _ = vm.call(rej, Value::UNDEFINED, &[e]);
            }
            vm.handles.truncate(hm);
            Ok(())
        }
        Job::Callback(f) => {
            vm.handles.push(f);
            let r = vm.call(f, Value::UNDEFINED, &[]);
            vm.handles.pop();
            r.map(|_| ())
        }
        Job::Resume { gen, value, throw } => crate::interp::resume_async(vm, gen, value, throw),
    }
}

/// NewPromiseCapability(C).
pub fn new_capability(vm: &mut Vm, c: Value) -> JsResult<(Value, Value, Value)> {
    if c.as_object() == Some(vm.realm.promise_ctor) {
        let p = new_promise(vm);
        return Ok((p, Value::UNDEFINED, Value::UNDEFINED));
    }
    if !vm.is_constructor(c) {
        return Err(vm.type_error("Promise resolve or reject function is not callable"));
    }
    let holder = vm.new_object();
    vm.root(Value::object(holder));
    let exec = vm.new_native_with_data("", 2, capability_executor, vec![Value::object(holder)]);
    let p = vm.construct(c, &[Value::object(exec)], c)?;
    let res = vm
        .heap
        .obj(holder)
        .elements
        .first()
        .copied()
        .unwrap_or_default();
    let rej = vm
        .heap
        .obj(holder)
        .elements
        .get(1)
        .copied()
        .unwrap_or_default();
    if !vm.is_callable(res) || !vm.is_callable(rej) {
        return Err(vm.type_error("Promise resolve or reject function is not callable"));
    }
    Ok((p, res, rej))
}

fn capability_executor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let h = callee_data(vm, 0);
    if let Some(o) = h.as_object() {
        // A constructor that calls its executor twice may not replace functions it got.
        let set = vm.heap.obj(o).elements.iter().any(|v| !v.is_undefined());
        if set {
            return Err(vm.type_error(
                "Promise executor has already been invoked with non-undefined arguments",
            ));
        }
        vm.heap.obj_mut(o).elements = vec![arg(args, 0), arg(args, 1)];
    }
    Ok(Value::UNDEFINED)
}

fn promise_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if vm.new_target.is_undefined() {
        return Err(vm.type_error("Promise constructor cannot be invoked without 'new'"));
    }
    let exec = arg(args, 0);
    if !vm.is_callable(exec) {
        let s = vm.to_display_string(exec);
        return Err(vm.type_error(format!("Promise resolver {s} is not a function")));
    }
    let nt = vm.new_target;
    let dp = vm.realm.promise_proto;
    let proto = vm.proto_from_ctor(nt, dp)?;
    let p = new_promise_with_proto(vm, proto);
    vm.root(p);
    let (res, rej) = resolving_functions(vm, p);
    vm.root(res);
    vm.root(rej);
    if let Err(e) = vm.call(exec, Value::UNDEFINED, &[res, rej]) {
        if e == crate::vm::TERMINATION {
            return Err(e);
        }
        vm.call(rej, Value::UNDEFINED, &[e])?;
    }
    Ok(p)
}

fn species_ctor(vm: &mut Vm, p: Value) -> JsResult<Value> {
    let default = Value::object(vm.realm.promise_ctor);
    super::species_constructor(vm, p, default)
}

fn then(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !is_promise(vm, this) {
        return Err(vm.type_error("Method Promise.prototype.then called on incompatible receiver"));
    }
    let c = species_ctor(vm, this)?;
    let cap = new_capability(vm, c)?;
    perform_then(vm, this, arg(args, 0), arg(args, 1), Some(cap));
    Ok(cap.0)
}

fn catch(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    vm.invoke(
        this,
        PropKey::Str(names::get().then),
        &[Value::UNDEFINED, arg(args, 0)],
    )
}

fn finally(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        return vm.invoke(this, PropKey::Str(names::get().then), &[f, f]);
    }
    let c = species_ctor(vm, this)?;
    let tf = vm.new_native_with_data("", 1, then_finally, vec![f, c, Value::FALSE]);
    let cf = vm.new_native_with_data("", 1, then_finally, vec![f, c, Value::TRUE]);
    vm.invoke(
        this,
        PropKey::Str(names::get().then),
        &[Value::object(tf), Value::object(cf)],
    )
}

fn then_finally(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let f = callee_data(vm, 0);
    let c = callee_data(vm, 1);
    let is_catch = callee_data(vm, 2) == Value::TRUE;
    let r = vm.call(f, Value::UNDEFINED, &[])?;
    let p = promise_resolve(vm, c, r)?;
    let v = arg(args, 0);
    let k = vm.new_native_with_data("", 0, value_thunk, vec![v, Value::bool(is_catch)]);
    vm.invoke(p, PropKey::Str(names::get().then), &[Value::object(k)])
}

fn value_thunk(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let v = callee_data(vm, 0);
    if callee_data(vm, 1) == Value::TRUE {
        Err(v)
    } else {
        Ok(v)
    }
}

/// PromiseResolve(C, x).
pub fn promise_resolve(vm: &mut Vm, c: Value, x: Value) -> JsResult<Value> {
    if is_promise(vm, x) {
        let xc = vm.get(x, PropKey::Str(names::get().constructor))?;
        if xc == c {
            return Ok(x);
        }
    }
    let cap = new_capability(vm, c)?;
    vm.root(cap.0);
    settle_capability(vm, cap, x, false)?;
    Ok(cap.0)
}

fn promise_resolve_static(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    if !this.is_object() {
        return Err(vm.type_error("PromiseResolve called on non-object"));
    }
    promise_resolve(vm, this, arg(args, 0))
}

fn promise_reject_static(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let cap = new_capability(vm, this)?;
    vm.root(cap.0);
    settle_capability(vm, cap, arg(args, 0), true)?;
    Ok(cap.0)
}

fn with_resolvers(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    let cap = new_capability(vm, this)?;
    vm.root(cap.0);
    let (res, rej) = if cap.1.is_undefined() {
        resolving_functions(vm, cap.0)
    } else {
        (cap.1, cap.2)
    };
    let o = vm.new_object();
    vm.create_data_property(o, PropKey::from_str("promise"), cap.0)?;
    vm.create_data_property(o, PropKey::from_str("resolve"), res)?;
    vm.create_data_property(o, PropKey::from_str("reject"), rej)?;
    Ok(Value::object(o))
}

#[derive(Copy, Clone, PartialEq)]
enum Combinator {
    All,
    AllSettled,
    Any,
    Race,
}

/// Promise.all / allSettled / any / race. Shared state of the element callbacks:
/// `elements[0]` = remaining count, `elements[1]` = the values array.
fn combinator(vm: &mut Vm, this: Value, args: &[Value], kind: Combinator) -> JsResult<Value> {
    let cap = new_capability(vm, this)?;
    vm.root(cap.0);
    let (res, rej) = if cap.1.is_undefined() {
        resolving_functions(vm, cap.0)
    } else {
        (cap.1, cap.2)
    };
    vm.root(res);
    vm.root(rej);
    let r = combinator_body(vm, this, arg(args, 0), kind, res, rej);
    if let Err(e) = r {
        if e == crate::vm::TERMINATION {
            return Err(e);
        }
        vm.call(rej, Value::UNDEFINED, &[e])?;
    }
    Ok(cap.0)
}

/// GetPromiseResolve, GetIterator and PerformPromiseAll & co.: steps the iterator one value at
/// a time; an error from `resolve` or `then` closes the iterator, one from the iterator itself
/// does not.
fn combinator_body(
    vm: &mut Vm,
    c: Value,
    iterable: Value,
    kind: Combinator,
    res: Value,
    rej: Value,
) -> JsResult<()> {
    let resolve_fn = vm.get(c, PropKey::from_str("resolve"))?;
    require_callable(vm, resolve_fn)?;
    let record = super::iterator::get_iterator(vm, iterable)?;
    vm.root(record.iter);
    vm.root(record.next);
    let values = vm.new_array_value(Vec::new());
    vm.root(values);
    let state = vm.new_object();
    vm.root(Value::object(state));
    vm.heap.obj_mut(state).elements = vec![Value::number(1.0), values];
    let mut index = 0usize;
    while let Some(item) = super::iterator::iter_step(vm, record)? {
        if let Some(a) = values.as_object() {
            vm.heap.obj_mut(a).elements.push(Value::UNDEFINED);
        }
        let remaining = vm.heap.obj(state).elements[0].num();
        vm.heap.obj_mut(state).elements[0] = Value::number(remaining + 1.0);
        let idx = Value::number(index as f64);
        index += 1;
        let step = (|| {
            let next = vm.call(resolve_fn, c, &[item])?;
            vm.root(next);
            let (on_f, on_r) = match kind {
                Combinator::All => (element_fn(vm, 0, idx, state, res), rej),
                Combinator::AllSettled => {
                    let f = element_fn(vm, 1, idx, state, res);
                    let r = element_fn(vm, 2, idx, state, res);
                    (f, r)
                }
                Combinator::Any => (res, element_fn(vm, 3, idx, state, rej)),
                Combinator::Race => (res, rej),
            };
            vm.invoke(next, PropKey::Str(names::get().then), &[on_f, on_r])
        })();
        if let Err(e) = step {
            if e == crate::vm::TERMINATION {
                return Err(e);
            }
            // IteratorClose with a throw completion: the original error wins.
            let _ = super::iterator::iter_close(vm, record.iter);
            return Err(e);
        }
    }
    if kind != Combinator::Race {
        finish_one(
            vm,
            state,
            if kind == Combinator::Any { 3 } else { 0 },
            if kind == Combinator::Any { rej } else { res },
        )?;
    }
    Ok(())
}

fn element_fn(vm: &mut Vm, mode: u8, idx: Value, state: ObjRef, done: Value) -> Value {
    let called = vm.new_object();
    Value::object(vm.new_native_with_data(
        "",
        1,
        element_callback,
        vec![
            Value::number(mode as f64),
            idx,
            Value::object(state),
            done,
            Value::object(called),
        ],
    ))
}

/// Decrements the remaining count and settles when it reaches zero.
fn finish_one(vm: &mut Vm, state: ObjRef, mode: u8, done: Value) -> JsResult<()> {
    let (n, values) = {
        let e = &mut vm.heap.obj_mut(state).elements;
        let n = e[0].num() - 1.0;
        e[0] = Value::number(n);
        (n, e[1])
    };
    if n == 0.0 {
        if mode == 3 {
            let p = vm.realm.aggregate_error_proto;
            let err = vm.make_error(p, "All promises were rejected");
            if let Some(o) = err.as_object() {
                vm.heap.obj_mut(o).put_raw(
                    PropKey::Str(names::get().errors),
                    values,
                    crate::shape::ATTR_HIDDEN,
                );
            }
            vm.call(done, Value::UNDEFINED, &[err])?;
        } else {
            vm.call(done, Value::UNDEFINED, &[values])?;
        }
    }
    Ok(())
}

fn element_callback(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let called = callee_data(vm, 4);
    if let Some(c) = called.as_object() {
        if !vm.heap.obj(c).elements.is_empty() {
            return Ok(Value::UNDEFINED);
        }
        vm.heap.obj_mut(c).elements.push(Value::TRUE);
    }
    let mode = callee_data(vm, 0).num() as u8;
    let idx = callee_data(vm, 1).num() as usize;
    let Some(state) = callee_data(vm, 2).as_object() else {
        return Ok(Value::UNDEFINED);
    };
    let done = callee_data(vm, 3);
    let x = arg(args, 0);
    let v = match mode {
        1 | 2 => {
            let o = vm.new_object();
            let (st, key) = if mode == 1 {
                ("fulfilled", "value")
            } else {
                ("rejected", "reason")
            };
            let s = vm.str_val(st);
            vm.create_data_property(o, PropKey::Str(names::get().status), s)?;
            vm.create_data_property(o, PropKey::from_str(key), x)?;
            Value::object(o)
        }
        _ => x,
    };
    let values = vm.heap.obj(state).elements[1];
    if let Some(a) = values.as_object() {
        if let Some(slot) = vm.heap.obj_mut(a).elements.get_mut(idx) {
            *slot = v;
        }
    }
    finish_one(vm, state, if mode == 3 { 3 } else { 0 }, done)?;
    Ok(Value::UNDEFINED)
}

fn all(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    combinator(vm, this, args, Combinator::All)
}
fn all_settled(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    combinator(vm, this, args, Combinator::AllSettled)
}
fn any(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    combinator(vm, this, args, Combinator::Any)
}
fn race(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    combinator(vm, this, args, Combinator::Race)
}

fn queue_microtask(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let f = arg(args, 0);
    if !vm.is_callable(f) {
        return Err(vm.type_error("The \"callback\" argument must be of type function."));
    }
    vm.event_loop.enqueue(Job::Callback(f));
    Ok(Value::UNDEFINED)
}

pub fn install(vm: &mut Vm) {
    let proto = vm.realm.promise_proto;
    let ctor = vm.new_constructor("Promise", 1, promise_ctor, Some(proto));
    vm.realm.promise_ctor = ctor;
    vm.define_method(proto, "then", 2, then);
    vm.define_method(proto, "catch", 1, catch);
    vm.define_method(proto, "finally", 1, finally);
    let tag = vm.str_val("Promise");
    vm.heap
        .obj_mut(proto)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), tag, ATTR_CONFIGURABLE);
    vm.define_method(ctor, "resolve", 1, promise_resolve_static);
    vm.define_method(ctor, "reject", 1, promise_reject_static);
    vm.define_method(ctor, "withResolvers", 0, with_resolvers);
    vm.define_method(ctor, "all", 1, all);
    vm.define_method(ctor, "allSettled", 1, all_settled);
    vm.define_method(ctor, "any", 1, any);
    vm.define_method(ctor, "race", 1, race);
    vm.define_getter(
        ctor,
        PropKey::Sym(wk::SPECIES),
        "[Symbol.species]",
        super::species_getter,
    );
    set_global(vm, "Promise", Value::object(ctor));
    let q = vm.new_native("queueMicrotask", 1, queue_microtask);
    set_global(vm, "queueMicrotask", Value::object(q));
}
