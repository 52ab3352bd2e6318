//! `@arkts.utils` (`ArkTSUtils` of `@kit.ArkTS`): locks, condition variables, ASON, the
//! Sendable LRU cache and `isSendable`, as VM natives on top of `skiff_shared`.
//!
//! * [`locks`]: `locks.AsyncLock`, `AsyncLockMode`, `AsyncLockOptions`, `ConditionVariable`.
//!   Locks and condition variables are shared cells (`SharedKind::AsyncLock` /
//!   `ConditionVariable`); their methods live on `vm.realm.sendable_protos[kind]`, installed on
//!   every VM by [`install`] so that a lock received from another thread works even where
//!   `@arkts.utils` was never imported.
//! * [`ason`]: `ASON.parse` / `ASON.stringify`.
//! * [`lru`]: `SendableLruCache`, a Sendable object of a native class.
//!
//! Per-VM state (pending lock requests and waits, the namespace object) is kept as hidden
//! properties of `sendable_protos[BigInt]`: scripts never see that object (BigInt cells always
//! become local BigInts), so it serves as this module's storage without a new realm field.

pub mod ason;
pub mod locks;
pub mod lru;

use crate::atom::PropKey;
use crate::sendable::SharedKind;
use crate::shape::{ATTR_ENUMERABLE, ATTR_HIDDEN};
use crate::value::{ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;

/// 401 with the concurrency module's prefix (`error_helper.h`, `TYPE_ERROR`).
pub(crate) fn param_error(vm: &mut Vm, detail: &str) -> Value {
    vm.business_error(
        401,
        &format!("Parameter error. The input parameters are invalid, {detail}"),
    )
}

fn store(vm: &Vm) -> ObjRef {
    vm.realm.sendable_protos[SharedKind::BigInt.index()]
}

pub(crate) fn stash(vm: &mut Vm, name: &str, v: Value) {
    let s = store(vm);
    vm.heap
        .obj_mut(s)
        .put_raw(PropKey::from_str(name), v, ATTR_HIDDEN);
}

pub(crate) fn stashed(vm: &Vm, name: &str) -> Value {
    vm.heap
        .obj(store(vm))
        .get_own(PropKey::from_str(name))
        .map_or(Value::UNDEFINED, |p| p.value)
}

/// Installs the lock and condition-variable prototypes on a fresh VM (cheap: a few natives).
pub fn install(vm: &mut Vm) {
    locks::install(vm);
    lru::install(vm);
}

fn put(vm: &mut Vm, o: ObjRef, name: &str, v: Value) {
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str(name), v, ATTR_ENUMERABLE);
}

/// The `ArkTSUtils` namespace object (one per VM).
pub fn arkts_utils_namespace(vm: &mut Vm) -> JsResult<Value> {
    let ns = stashed(vm, "ArkTSUtils");
    if ns.is_object() {
        return Ok(ns);
    }
    let ns = vm.new_object();
    stash(vm, "ArkTSUtils", Value::object(ns));
    let locks = locks::namespace(vm);
    put(vm, ns, "locks", Value::object(locks));
    let cv = vm.get_str(Value::object(locks), "ConditionVariable")?;
    put(vm, ns, "ConditionVariable", cv);
    let ason = ason::namespace(vm);
    put(vm, ns, "ASON", Value::object(ason));
    let f = vm.new_native("isSendable", 1, is_sendable);
    put(vm, ns, "isSendable", Value::object(f));
    let lru = lru::constructor(vm);
    put(vm, ns, "SendableLruCache", lru);
    Ok(Value::object(ns))
}

/// `@arkts.utils`: `import { ArkTSUtils } from '@arkts.utils'` or the default import.
pub fn native_module(vm: &mut Vm) -> JsResult<Value> {
    let ns = arkts_utils_namespace(vm)?;
    let o = vm.new_object();
    put(vm, o, "ArkTSUtils", ns);
    put(vm, o, "default", ns);
    Ok(Value::object(o))
}

/// `ArkTSUtils.isSendable(value)`.
fn is_sendable(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let v = crate::builtins::arg(args, 0);
    Ok(Value::bool(is_sendable_value(vm, v)))
}

/// Primitives other than symbols, shared cells, Sendable functions and Sendable classes.
pub fn is_sendable_value(vm: &Vm, v: Value) -> bool {
    if vm.is_sendable_value(v) {
        return true;
    }
    if crate::sendable::class::is_sendable_ctor(vm, v) {
        return true;
    }
    match vm.heap.try_obj(v).map(|o| &o.kind) {
        Some(crate::object::ObjectKind::Closure(c)) => {
            c.has(skiff_bytecode::FunctionFlags::SENDABLE)
        }
        _ => false,
    }
}

// ----- @kit.BasicServicesKit ------------------------------------------------------------------

/// `new BusinessError(message?, code?, data?)`: an `Error` named `BusinessError`.
fn business_error_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let proto = stashed(vm, "businessErrorProto")
        .as_object()
        .unwrap_or(vm.realm.error_proto);
    let nt = vm.new_target;
    let proto = vm.proto_from_ctor(nt, proto)?;
    let m = crate::builtins::arg(args, 0);
    let m = if m.is_undefined() {
        m
    } else {
        vm.to_string_value(m)?
    };
    let e = crate::builtins::error::create_error(vm, proto, m);
    vm.root(e);
    if let Some(o) = e.as_object() {
        let code = crate::builtins::arg(args, 1);
        let attrs = ATTR_ENUMERABLE | crate::shape::ATTR_WRITABLE;
        if !code.is_undefined() {
            vm.heap
                .obj_mut(o)
                .put_raw(PropKey::from_str("code"), code, attrs);
        }
        let data = crate::builtins::arg(args, 2);
        if !data.is_undefined() {
            vm.heap
                .obj_mut(o)
                .put_raw(PropKey::from_str("data"), data, attrs);
        }
    }
    Ok(e)
}

/// `BusinessError[Symbol.hasInstance]`: instances of the class, and every error the runtime
/// throws as a BusinessError (an `Error` with own `name: "BusinessError"`).
fn business_error_has_instance(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    let v = crate::builtins::arg(args, 0);
    if vm.ordinary_has_instance(this, v)? {
        return Ok(Value::TRUE);
    }
    let Some(o) = v.as_object() else {
        return Ok(Value::FALSE);
    };
    let named = vm
        .heap
        .obj(o)
        .get_own(PropKey::from_str("name"))
        .and_then(|p| p.value.as_string())
        .is_some_and(|s| vm.heap.str(s).to_rust_string() == "BusinessError");
    Ok(Value::bool(named))
}

/// `@kit.BasicServicesKit`: `BusinessError`.
pub fn basic_services_kit(vm: &mut Vm) -> JsResult<Value> {
    let ctor = stashed(vm, "BusinessError");
    let ctor = if ctor.is_object() {
        ctor
    } else {
        let ep = vm.realm.error_proto;
        let proto = vm.new_object_with_proto(Some(ep), crate::object::ObjectKind::Ordinary);
        let name = vm.str_val("BusinessError");
        vm.heap
            .obj_mut(proto)
            .put_raw(PropKey::from_str("name"), name, ATTR_HIDDEN);
        stash(vm, "businessErrorProto", Value::object(proto));
        let c = vm.new_constructor("BusinessError", 1, business_error_ctor, Some(proto));
        let ec = vm.get_str(Value::object(ep), "constructor")?;
        if let Some(ec) = ec.as_object() {
            vm.heap.obj_mut(c).proto = Some(ec);
        }
        vm.define_method_sym(
            c,
            crate::vm::wk::HAS_INSTANCE,
            "[Symbol.hasInstance]",
            1,
            business_error_has_instance,
        );
        stash(vm, "BusinessError", Value::object(c));
        Value::object(c)
    };
    let o = vm.new_object();
    put(vm, o, "BusinessError", ctor);
    Ok(Value::object(o))
}

/// Releases and cancels every AsyncLock request of this VM (held or pending), passing the locks
/// on. An instance that stops calls it *before* it stops counting as busy in the runtime, so the
/// grant it hands to another instance cannot arrive after the process decided to end.
/// (Dropping the VM's mutator does the same, but too late for that decision.)
pub fn abandon_locks(vm: &mut Vm) {
    let m = vm.mutator();
    let (heap, id) = (m.heap(), m.id());
    heap.abandon_lock_context(id);
}
