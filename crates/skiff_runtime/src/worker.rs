//! The Worker API. The event-target logic and the classes users see are script code
//! (`prelude/worker.ts`, module `skiff:worker`); this file holds the natives it imports from
//! `skiff:worker-native` (start, post, terminate, close) and the Rust side of delivery: every
//! message, error and exit arrives as a macrotask that calls the script dispatcher registered
//! with `setDispatcher`.

use crate::clone::{self, Message};
use crate::instance::{self, with_ctx, InstanceId, SpawnError};
use skiff_vm::atom::PropKey;
use skiff_vm::builtins::arg;
use skiff_vm::object::ObjectKind;
use skiff_vm::sendable::Pins;
use skiff_vm::shape::{ATTR_ENUMERABLE, ATTR_WRITABLE};
use skiff_vm::value::ObjRef;
use skiff_vm::{JsResult, JsStr, Value, Vm};
use std::path::Path;

/// A BusinessError: a plain `Error` with own `code` (a number) and `name: "BusinessError"`.
pub fn business_error(vm: &mut Vm, code: u32, message: &str) -> Value {
    let e = vm.make_error(vm.realm.error_proto, message);
    if let Some(o) = e.as_object() {
        let name = vm.str_val("BusinessError");
        vm.heap.obj_mut(o).put_raw(
            PropKey::from_str("code"),
            Value::number(code as f64),
            ATTR_ENUMERABLE | ATTR_WRITABLE,
        );
        vm.heap.obj_mut(o).put_raw(
            PropKey::from_str("name"),
            name,
            ATTR_ENUMERABLE | ATTR_WRITABLE,
        );
    }
    e
}

pub const SERIALIZATION: (u32, &str) = (10200006, "An exception occurred during serialization.");
pub const NOT_RUNNING: (u32, &str) = (10200004, "The Worker instance is not running.");
pub const INIT_FAILED: (u32, &str) = (10200003, "Worker initialization failed.");
pub const BAD_PATH: (u32, &str) = (10200007, "The worker file path is invalid.");
pub const CALL_TIMEOUT: (u32, &str) = (10200021, "The global call exceeds the timeout.");

fn throw<T>(vm: &mut Vm, (code, message): (u32, &str)) -> JsResult<T> {
    Err(business_error(vm, code, message))
}

/// Builds the `skiff:worker-native` namespace.
pub fn native_module(vm: &mut Vm) -> JsResult<Value> {
    let ns = vm.new_object();
    let fns: [(&str, u32, skiff_vm::object::NativeFn); 8] = [
        ("spawn", 2, spawn),
        ("post", 4, post),
        ("terminate", 2, terminate),
        ("portPost", 3, port_post),
        ("portClose", 0, port_close),
        ("setDispatcher", 1, set_dispatcher),
        ("workerName", 0, worker_name),
        ("callHost", 4, call_host),
    ];
    for (name, len, f) in fns {
        vm.define_method(ns, name, len, f);
    }
    Ok(Value::object(ns))
}

/// The exports of `skiff:worker` (the script part), loaded once per VM.
fn script_exports(vm: &mut Vm) -> JsResult<Value> {
    let m = match vm.load_graph("skiff:worker", None) {
        Ok(m) => m,
        Err(message) => return Err(vm.make_error(vm.realm.error_proto, &message)),
    };
    vm.evaluate_module(m)?;
    vm.namespace_of(m)
}

/// Adds `worker`, `MessageEvents`, `ErrorEvent` and `ThreadWorkerGlobalScope` to `@kit.ArkTS`.
pub fn contribute_kit(vm: &mut Vm, kit: ObjRef) -> JsResult<()> {
    let ns = script_exports(vm)?;
    for name in [
        "worker",
        "MessageEvents",
        "ErrorEvent",
        "ThreadWorkerGlobalScope",
    ] {
        let v = vm.get_str(ns, name)?;
        vm.heap
            .obj_mut(kit)
            .put_raw(PropKey::from_str(name), v, ATTR_ENUMERABLE);
    }
    Ok(())
}

/// `@ohos.worker`: `import worker from '@ohos.worker'`.
pub fn ohos_worker(vm: &mut Vm) -> JsResult<Value> {
    let ns = script_exports(vm)?;
    let w = vm.get_str(ns, "worker")?;
    let o = vm.new_object();
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("default"), w, ATTR_ENUMERABLE);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("worker"), w, ATTR_ENUMERABLE);
    Ok(Value::object(o))
}

pub fn set_worker_name(_vm: &mut Vm, name: &str) {
    let name = name.to_string();
    with_ctx(|c| c.name = name);
}

fn worker_name(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let name = with_ctx(|c| c.name.clone()).unwrap_or_default();
    Ok(vm.str_val(&name))
}

/// Stores a script-side dispatcher function on the global object under a new private symbol
/// (never listed among the global's keys, but traced as its property) and returns that key.
pub(crate) fn install_dispatcher(vm: &mut Vm, description: &str, f: Value) -> PropKey {
    let sym = vm.new_symbol(Some(JsStr::from_str(description)));
    if let Some(s) = vm.symbols.get_mut(sym.0 as usize) {
        s.private = true;
    }
    let key = PropKey::Sym(sym);
    let g = vm.realm.global;
    vm.heap.obj_mut(g).put_raw(key, f, 0);
    key
}

/// Calls the dispatcher stored under `key` with `(kind, ...rest)`; `rest` must be rooted by
/// the caller.
pub(crate) fn call_dispatcher(
    vm: &mut Vm,
    key: PropKey,
    kind: &str,
    rest: &[Value],
) -> JsResult<()> {
    let base = vm.handles.len();
    vm.handles.extend_from_slice(rest);
    let g = Value::object(vm.realm.global);
    let f = vm.get(g, key)?;
    let k = vm.str_val(kind);
    vm.handles.push(k);
    let mut args = Vec::with_capacity(rest.len() + 1);
    args.push(k);
    args.extend_from_slice(rest);
    let r = vm.call(f, Value::UNDEFINED, &args);
    vm.handles.truncate(base);
    r.map(|_| ())
}

fn set_dispatcher(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let key = install_dispatcher(vm, "skiff.workerDispatch", arg(args, 0));
    with_ctx(|c| c.dispatcher = Some(key));
    Ok(Value::UNDEFINED)
}

/// Calls the script dispatcher with `(kind, instance id, data)`; nothing happens when this
/// instance never loaded the Worker API.
fn dispatch(vm: &mut Vm, kind: &str, from: InstanceId, data: Value) -> JsResult<()> {
    let Some(key) = with_ctx(|c| c.dispatcher).flatten() else {
        return Ok(());
    };
    call_dispatcher(vm, key, kind, &[Value::number(from as f64), data])
}

fn deliver(vm: &mut Vm, kind: &'static str, from: InstanceId, msg: Message) -> JsResult<()> {
    match clone::deserialize(vm, msg) {
        Ok(v) => dispatch(vm, kind, from, v),
        // A message that cannot be rebuilt here goes to `onmessageerror` instead.
        Err(e) => {
            let error_kind = match kind {
                "port-message" => "port-messageerror",
                _ => "messageerror",
            };
            dispatch(vm, error_kind, from, e)
        }
    }
}

/// The exit of Worker `id`, delivered on its host.
pub fn deliver_exit(vm: &mut Vm, id: InstanceId, code: u32) -> JsResult<()> {
    dispatch(vm, "exit", id, Value::number(code as f64))
}

/// Sends an uncaught error of this Worker to its host, which calls `onerror`/`onAllErrors` or,
/// with neither, makes it an uncaught error of its own.
pub fn report_error(vm: &mut Vm, rt: &std::sync::Arc<instance::Runtime>, id: InstanceId, e: Value) {
    let Some(host) = rt.host_of(id) else {
        return;
    };
    // The worker's own `workerPort.onerror` sees it first; what that handler throws is dropped
    // (the error is reported to the host either way).
    let base = vm.handles.len();
    vm.handles.push(e);
    let _ = dispatch(vm, "port-error", id, e);
    vm.handles.truncate(base);
    let mut msg = error_message(vm, e);
    strip_internal_frames(&mut msg);
    rt.post(
        host,
        Box::new(move |vm: &mut Vm| deliver(vm, "error", id, msg)),
    );
}

/// The frames of the runtime's own scripts (`skiff:worker`, `skiff:taskpool`, which call the
/// user's handlers and tasks) are noise in a reported error: users see where their code threw.
/// Removes them from the stack of a message that is an error.
pub(crate) fn strip_internal_frames(msg: &mut Message) {
    if let (clone::Leaf::Obj(i), nodes) = (&msg.root, &mut msg.nodes) {
        if let Some(clone::Node::Error { stack, .. }) = nodes.get_mut(*i) {
            let text = stack.to_rust_string();
            let kept: Vec<&str> = text
                .lines()
                .filter(|l| {
                    let l = l.trim_start();
                    !(l.starts_with("at ")
                        && (l.contains("skiff:worker:") || l.contains("skiff:taskpool:")))
                })
                .collect();
            *stack = JsStr::from_str(&kept.join("\n"));
        }
    }
}

/// The transfer list of `postMessage(msg, transfer)` / `postMessage(msg, { transfer })`.
fn transfer_list(vm: &mut Vm, t: Value) -> JsResult<Vec<Value>> {
    let Some(o) = t.as_object() else {
        return Ok(Vec::new());
    };
    let list = if vm.is_array(t) {
        t
    } else {
        match vm.heap.obj(o).kind {
            ObjectKind::Ordinary => vm.get_str(t, "transfer")?,
            _ => Value::UNDEFINED,
        }
    };
    match list.as_object() {
        Some(l) if vm.is_array(list) => Ok(vm.heap.obj(l).elements.clone()),
        _ => Ok(Vec::new()),
    }
}

/// A message for another instance. `share` (postMessageWithSharedSendable) passes Sendable
/// instances by reference; plain postMessage copies them.
fn serialize(vm: &mut Vm, msg: Value, transfer: Value, share: bool) -> JsResult<Message> {
    let list = transfer_list(vm, transfer)?;
    let r = if share {
        clone::serialize(vm, msg, &list)
    } else {
        clone::serialize_copying_sendables(vm, msg, &list)
    };
    match r {
        Ok(r) => r,
        Err(_) => throw(vm, SERIALIZATION),
    }
}

/// Resolves a Worker script path: against the main script's folder, then the working folder
/// (ArkTS's `entry/ets/workers/W.ets` works when that file exists under one of them).
fn resolve_worker_path(rt: &instance::Runtime, url: &str) -> Option<std::path::PathBuf> {
    let url = url.strip_prefix('@').unwrap_or(url);
    let p = Path::new(url);
    let bases = [rt.script_dir.clone(), rt.cwd.clone()];
    bases.iter().find_map(|b| {
        crate::loader::find_file(&crate::loader::normalize(&b.join(p)))
            .map(|f| crate::loader::normalize(&f))
    })
}

/// `spawn(url, name)` → instance id.
fn spawn(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let url = arg(args, 0);
    if !url.is_string() {
        return Err(business_error(
            vm,
            401,
            "Parameter error. The type of \"scriptURL\" must be string.",
        ));
    }
    let url = vm.js_str(url).to_rust_string();
    let name = match arg(args, 1) {
        v if v.is_string() => vm.js_str(v).to_rust_string(),
        _ => String::new(),
    };
    let Some((rt, me)) = with_ctx(|c| (c.rt.clone(), c.id)) else {
        return throw(vm, INIT_FAILED);
    };
    let Some(path) = resolve_worker_path(&rt, &url) else {
        return throw(vm, BAD_PATH);
    };
    // The new thread registers with the shared heap before it answers, which waits for a
    // running collection: this one must not hold that collection up meanwhile.
    match vm.parked(|| instance::spawn_worker(&rt, me, path, name)) {
        Ok(id) => Ok(Value::number(id as f64)),
        Err(SpawnError::TooMany) | Err(SpawnError::Failed) => throw(vm, INIT_FAILED),
    }
}

fn instance_arg(v: Value) -> InstanceId {
    v.as_number().unwrap_or(-1.0).max(0.0) as InstanceId
}

/// `post(id, msg, transfer)` → false when the Worker is gone.
fn post(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let to = instance_arg(arg(args, 0));
    let share = vm.to_boolean(arg(args, 3));
    let msg = serialize(vm, arg(args, 1), arg(args, 2), share)?;
    let Some((rt, me)) = with_ctx(|c| (c.rt.clone(), c.id)) else {
        return Ok(Value::FALSE);
    };
    let sent = rt.post(
        to,
        Box::new(move |vm: &mut Vm| {
            if with_ctx(|c| c.closing).unwrap_or(false) {
                return Ok(());
            }
            deliver(vm, "port-message", me, msg)
        }),
    );
    Ok(Value::bool(sent))
}

/// `terminate(id, code)`.
fn terminate(_vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let id = instance_arg(arg(args, 0));
    let code = arg(args, 1).as_number().unwrap_or(0.0) as u32;
    let Some(rt) = with_ctx(|c| c.rt.clone()) else {
        return Ok(Value::FALSE);
    };
    Ok(Value::bool(rt.terminate(id, code)))
}

/// `portPost(msg, transfer)`: from a Worker to its host.
fn port_post(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let Some((rt, me, host, closing)) = with_ctx(|c| (c.rt.clone(), c.id, c.host, c.closing))
    else {
        return throw(vm, NOT_RUNNING);
    };
    let Some(host) = host.filter(|_| !closing) else {
        return throw(vm, NOT_RUNNING);
    };
    let share = vm.to_boolean(arg(args, 2));
    let msg = serialize(vm, arg(args, 0), arg(args, 1), share)?;
    if !rt.post(
        host,
        Box::new(move |vm: &mut Vm| deliver(vm, "message", me, msg)),
    ) {
        return throw(vm, NOT_RUNNING);
    }
    Ok(Value::UNDEFINED)
}

/// `portClose()`: the Worker stops after the current macrotask; further messages are dropped.
fn port_close(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let Some((rt, me, is_worker)) = with_ctx(|c| {
        let was = c.closing;
        c.closing = true;
        (c.rt.clone(), c.id, c.host.is_some() && !was)
    }) else {
        return Ok(Value::UNDEFINED);
    };
    if is_worker {
        rt.close(me);
    }
    Ok(Value::UNDEFINED)
}

/// `callHost(instanceName, methodName, timeoutMs, args)`: `callGlobalCallObjectMethod` in a
/// Worker. The host runs the call (`hostCall` in the script part) as a macrotask of its own loop
/// and answers through a channel; this thread blocks until the answer or the timeout.
fn call_host(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let Some((rt, host)) = with_ctx(|c| (c.rt.clone(), c.host)) else {
        return throw(vm, NOT_RUNNING);
    };
    let Some(host) = host else {
        return throw(vm, NOT_RUNNING);
    };
    let name = vm.js_str(arg(args, 0)).to_rust_string();
    let method = vm.js_str(arg(args, 1)).to_rust_string();
    let timeout = match arg(args, 2).as_number() {
        Some(t) if t >= 1.0 => t.min(5000.0),
        _ => 5000.0,
    };
    let msg = serialize(vm, arg(args, 3), Value::UNDEFINED, false)?;
    // The answer: the cloned result, or the cloned error the host threw.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Message, Message>>(1);
    let posted = rt.post(
        host,
        Box::new(move |vm: &mut Vm| {
            let outcome = (|| -> JsResult<Value> {
                let args = clone::deserialize(vm, msg)?;
                let base = vm.handles.len();
                vm.handles.push(args);
                let ns = script_exports(vm);
                let call = ns.and_then(|ns| vm.get_str(ns, "hostCall"));
                let r = call.and_then(|f| {
                    let n = vm.str_val(&name);
                    vm.handles.push(n);
                    let m = vm.str_val(&method);
                    vm.handles.push(m);
                    vm.call(f, Value::UNDEFINED, &[n, m, args])
                });
                vm.handles.truncate(base);
                r
            })();
            let answer = match outcome {
                Ok(v) => match clone::serialize(vm, v, &[]) {
                    Ok(Ok(m)) => Ok(m),
                    Ok(Err(e)) => Err(error_message(vm, e)),
                    Err(_) => {
                        let e = business_error(vm, SERIALIZATION.0, SERIALIZATION.1);
                        Err(error_message(vm, e))
                    }
                },
                Err(e) => Err(error_message(vm, e)),
            };
            let _ = tx.send(answer);
            Ok(())
        }),
    );
    if !posted {
        return throw(vm, NOT_RUNNING);
    }
    let wait = std::time::Duration::from_secs_f64(timeout / 1000.0);
    // Blocked here, this thread must not hold up a shared-heap collection.
    match vm.parked(|| rx.recv_timeout(wait)) {
        Ok(Ok(m)) => clone::deserialize(vm, m),
        Ok(Err(m)) => Err(clone::deserialize(vm, m)?),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => throw(vm, CALL_TIMEOUT),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => throw(vm, NOT_RUNNING),
    }
}

/// A thrown value as a message for another instance; an uncloneable one travels as its text.
pub(crate) fn error_message(vm: &mut Vm, e: Value) -> Message {
    match clone::serialize(vm, e, &[]) {
        Ok(Ok(m)) => m,
        _ => {
            let text = vm.format_uncaught(e);
            let text = text.strip_prefix("Uncaught ").unwrap_or(&text).to_string();
            Message {
                root: clone::Leaf::Str(JsStr::from_str(&text)),
                nodes: Vec::new(),
                pins: Pins::none(),
            }
        }
    }
}
