//! What the REPL needs from the VM beyond [`Vm::run_compiled`]: the completion value of a line,
//! and the names offered by tab completion (read without running script code).

use crate::atom::PropKey;
use crate::module::RunError;
use crate::object::{ObjectKind, PromiseState};
use crate::shape::ATTR_ACCESSOR;
use crate::value::Value;
use crate::vm::Vm;
use skiff_bytecode::{FunctionFlags, Module};
use std::sync::Arc;

/// Evaluates a module compiled by `skiff_compiler::compile_repl_line` in this VM (its globals
/// and event loop state carry over between calls) and returns the line's completion value.
///
/// The event loop runs to completion afterwards, exactly as in [`Vm::run_compiled`]. When the
/// line used top-level `await`, its body is async and evaluates to a promise; the value returned
/// here is then what that promise fulfilled with (a rejection is returned as
/// [`RunError::Uncaught`]; a promise still pending once the loop is idle gives `undefined`).
pub fn eval_repl_module(vm: &mut Vm, module: Arc<Module>) -> Result<Value, RunError> {
    eval_repl_module_then(vm, module, &mut |_| Ok(()))
}

/// [`eval_repl_module`], calling `settle` after the line ran and its event loop drained, before
/// the line's value is read: an embedder with other threads waits there for their answers
/// (a TaskPool result the line awaits).
pub fn eval_repl_module_then(
    vm: &mut Vm,
    module: Arc<Module>,
    settle: &mut dyn FnMut(&mut Vm) -> Result<(), Value>,
) -> Result<Value, RunError> {
    let is_async = module
        .functions
        .first()
        .is_some_and(|f| f.flags.has(FunctionFlags::ASYNC));
    // `run_compiled` adds the line's module first, then the modules it imports.
    let m = vm.modules.list.len();
    vm.run_compiled(module)?;
    settle(vm).map_err(RunError::Uncaught)?;
    let Some(state) = vm.modules.list.get(m) else {
        return Ok(Value::UNDEFINED);
    };
    let v = state.promise;
    if !is_async {
        return Ok(v);
    }
    match vm.heap.try_obj(v).map(|o| &o.kind) {
        Some(ObjectKind::Promise(d)) => match d.state {
            PromiseState::Fulfilled => Ok(d.result),
            PromiseState::Rejected => Err(RunError::Uncaught(d.result)),
            PromiseState::Pending => Ok(Value::UNDEFINED),
        },
        _ => Ok(v),
    }
}

/// Sets a property of the global object (the REPL's `_`); errors (a frozen global) are ignored.
pub fn set_global(vm: &mut Vm, name: &str, v: Value) {
    let global = Value::object(vm.realm.global);
    let _ = vm.set(global, PropKey::from_str(name), v);
}

/// The string-keyed property names of the global object and its prototypes.
pub fn global_names(vm: &Vm) -> Vec<String> {
    property_names(vm, Value::object(vm.realm.global))
}

/// The string-keyed property names of `v` (own and inherited; primitives use their prototype),
/// sorted and without duplicates.
pub fn property_names(vm: &Vm, v: Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut o = match v.as_object() {
        Some(o) if vm.heap.try_obj(v).is_some() => Some(o),
        _ => vm.proto_for_primitive(v),
    };
    let mut guard = 0;
    while let Some(r) = o {
        guard += 1;
        if guard > 64 {
            break;
        }
        for key in vm.own_keys(r) {
            if let PropKey::Str(_) = key {
                out.push(vm.key_display(key));
            }
        }
        o = vm.heap.obj(r).proto;
    }
    out.sort();
    out.dedup();
    out
}

/// Follows a chain of property names from the global object (`a.b.c`) through data
/// properties only (getters are not run); `None` when a link is missing or is an accessor.
pub fn lookup_path(vm: &Vm, path: &[&str]) -> Option<Value> {
    let mut v = Value::object(vm.realm.global);
    for name in path {
        let o = match v.as_object() {
            Some(o) if vm.heap.try_obj(v).is_some() => o,
            _ => vm.proto_for_primitive(v)?,
        };
        let (_, p) = vm.find_property(o, PropKey::from_str(name))?;
        if p.attrs & ATTR_ACCESSOR != 0 {
            return None;
        }
        v = p.value;
    }
    Some(v)
}
