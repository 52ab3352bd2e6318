//! `'use shared'` modules: evaluated once per process, their exports seen by every instance.
//!
//! A module compiled with `Module::shared` goes through the process-wide registry of
//! `skiff_shared` (`Mutator::import_shared_module`, keyed by the module's canonical id) when a
//! VM evaluates it (the hook at the top of [`Vm::evaluate_module`]):
//!
//! * **First importer** (`Evaluate(env)`): the VM evaluates the module as usual (dependencies,
//!   then the body), then *publishes* its module environment: every slot holding a primitive,
//!   a string, a BigInt or a shared value is written into the shared environment `env`; a
//!   Sendable class constructor is recorded by its `SendableClass`; a function declaration is
//!   recorded as "linked" (each VM has its own closure from linking), an enum object by its
//!   members (each VM gets a copy). An *exported* binding holding anything else (a local
//!   object, an arrow function, a symbol) fails the evaluation with ArkTS's `SyntaxError:
//!   Export non-shared object from shared-module, module name is :<record>`. Then `finish_shared_module` makes the module `Ready` (or `Failed` with the
//!   error's text) and wakes the instances waiting for it.
//! * **Later importers** (`Ready(env)`), on any thread: the VM evaluates the module's
//!   dependencies but **not its body**; it materializes the module's Sendable classes (same
//!   layouts and ids, so `instanceof` works on every thread), keeps its own closures of the
//!   function declarations, and fills the other slots from the shared environment, so the
//!   exported Sendable objects are the very same ones.
//! * **Waiting**: an importer on another thread while the evaluation is in progress waits
//!   parked inside `import_shared_module` (its mutator guard released). Two instances
//!   evaluating modules that import each other would wait forever; the registry detects that
//!   and answers `InProgress`, which is reported here as an error instead of a deadlock.
//! * **Failures**: `Failed(text)` rethrows the first evaluation's error (same constructor for
//!   the standard error types, same message) in every later importer. An instance that ends
//!   while evaluating marks the module failed.
//!
//! Bindings are copied when the evaluation ends: objects are shared by reference, but
//! reassigning an exported `let` later is seen only by the instance that does it (ArkTS keeps
//! the whole module environment in the shared heap). A module with top-level `await` is
//! published when its body's promise settles. TaskPool threads never adopt (a `@Concurrent`
//! function cannot use its module's bindings), so a body may await its own tasks.

use crate::atom::PropKey;
use crate::module::Status;
use crate::object::ObjectKind;
use crate::shape::{ATTR_ACCESSOR, ATTR_DEFAULT};
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;
use skiff_bytecode::{ExportEntry, SlotInit};
use skiff_shared::{ModuleStatus, SendableClass, SharedRef};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Per-VM state: modules this VM is evaluating as the first importer (the hook lets the
/// ordinary evaluation through for them).
#[derive(Default)]
pub struct SharedModules {
    evaluating: Vec<u32>,
}

impl SharedModules {
    /// True if [`Vm::evaluate_module`] should hand module `m` to [`evaluate`].
    pub fn intercepts(&self, m: u32) -> bool {
        !self.evaluating.contains(&m)
    }
}

/// How a later importer fills one module-environment slot.
#[derive(Clone)]
enum Slot {
    /// The word at the same index of the shared environment.
    Word,
    /// Still uninitialized (TDZ) when the evaluation ended.
    Hole,
    /// A Sendable class: this VM's constructor of it (materialized).
    Class(Arc<SendableClass>),
    /// Keep what linking put there (function declarations, non-Sendable private values).
    Linked,
    /// An exported enum object (numbers and strings only): each VM gets its own copy, as a
    /// `const enum` is a compile-time constant in ArkTS.
    Enum(Arc<[(PropKey, EnumValue)]>),
}

#[derive(Clone)]
enum EnumValue {
    Num(f64),
    Str(String),
}

/// The members of an enum object: an ordinary object inheriting from `Object.prototype` whose
/// own properties are all string-keyed data properties holding numbers or strings.
fn enum_members(vm: &Vm, v: Value) -> Option<Arc<[(PropKey, EnumValue)]>> {
    let o = v.as_object()?;
    let obj = vm.heap.try_obj(v)?;
    if !matches!(obj.kind, ObjectKind::Ordinary) || obj.proto != Some(vm.realm.object_proto) {
        return None;
    }
    let mut out = Vec::new();
    for k in vm.own_keys(o) {
        if k.is_symbol() {
            return None;
        }
        let p = vm.get_own_property(o, k)?;
        if p.attrs & ATTR_ACCESSOR != 0 {
            return None;
        }
        let member = if let Some(n) = p.value.as_number() {
            EnumValue::Num(n)
        } else if p.value.is_string() {
            EnumValue::Str(vm.js_str(p.value).to_rust_string())
        } else {
            return None;
        };
        out.push((k, member));
    }
    Some(out.into())
}

/// Published layouts, by module key: written before `finish_shared_module`, read after
/// `Ready`, so a reader always finds the entry.
fn layouts() -> &'static Mutex<HashMap<String, Arc<[Slot]>>> {
    static LAYOUTS: OnceLock<Mutex<HashMap<String, Arc<[Slot]>>>> = OnceLock::new();
    LAYOUTS.get_or_init(Default::default)
}

/// The record name in ArkTS's message: the module id without its extension.
fn record_name(id: &str) -> &str {
    [".d.ets", ".ets", ".ts", ".js", ".mjs"]
        .iter()
        .find_map(|ext| id.strip_suffix(ext))
        .unwrap_or(id)
}

/// Evaluates the shared module `m` through the process-wide registry (see the module docs).
pub fn evaluate(vm: &mut Vm, m: u32) -> JsResult<()> {
    let Some(code) = vm.modules.code(m) else {
        return Ok(());
    };
    let key = code.id.to_string();
    // Dependencies first, before this instance registers as the evaluator: an instance then
    // holds a module "in evaluation" only while it runs that module's own body, which keeps
    // waits between threads from forming cycles through the import graph.
    vm.modules.list[m as usize].status = Status::Evaluating;
    let deps = vm.modules.list[m as usize].requested.clone();
    for d in deps {
        if let Err(e) = vm.evaluate_module(d) {
            return fail_local(vm, m, e);
        }
    }
    vm.modules.list[m as usize].status = Status::Linked;
    let size = code.module.env_slots.len();
    let status = match vm.mutator().import_shared_module(&key, size) {
        Ok(s) => s,
        Err(e) => {
            let err = vm.shared_error(e);
            return fail_local(vm, m, err);
        }
    };
    match status {
        ModuleStatus::Evaluate(env) => evaluate_first(vm, m, &key, env),
        ModuleStatus::Ready(env) => adopt(vm, m, &key, env),
        ModuleStatus::Failed(text) => {
            let e = rebuild_error(vm, &text);
            fail_local(vm, m, e)
        }
        ModuleStatus::InProgress(_) => {
            let msg = format!(
                "Cannot import shared module '{}': another instance is evaluating it and waits \
                 for this one (circular import between threads)",
                record_name(&key)
            );
            let e = vm.reference_error(msg);
            fail_local(vm, m, e)
        }
    }
}

fn fail_local(vm: &mut Vm, m: u32, e: Value) -> JsResult<()> {
    vm.modules.list[m as usize].status = Status::Errored;
    vm.modules.list[m as usize].error = e;
    Err(e)
}

/// This VM is the first importer: ordinary evaluation, then publication.
fn evaluate_first(vm: &mut Vm, m: u32, key: &str, env: SharedRef) -> JsResult<()> {
    vm.modules.shared.evaluating.push(m);
    let r = vm.evaluate_module(m);
    vm.modules.shared.evaluating.retain(|&x| x != m);
    if let Err(e) = r {
        let text = error_text(vm, e);
        let _ = vm.mutator().finish_shared_module(key, Err(text));
        return Err(e);
    }
    // Top-level await: publish once the body's promise settles.
    let p = vm.modules.list[m as usize].promise;
    if let Some(ObjectKind::Promise(d)) = vm.heap.try_obj(p).map(|o| &o.kind) {
        match d.state {
            crate::object::PromiseState::Pending => {
                let data = vec![Value::number(m as f64), Value::number(env.0 as f64)];
                let ok = vm.new_native_with_data("", 1, async_published, data.clone());
                let err = vm.new_native_with_data("", 1, async_failed, data);
                crate::builtins::promise::perform_then(
                    vm,
                    p,
                    Value::object(ok),
                    Value::object(err),
                    None,
                );
                return Ok(());
            }
            crate::object::PromiseState::Rejected => {
                let text = error_text(vm, d.result);
                let _ = vm.mutator().finish_shared_module(key, Err(text));
                return Ok(());
            }
            crate::object::PromiseState::Fulfilled => {}
        }
    }
    match publish(vm, m, key, env) {
        Ok(()) => Ok(()),
        Err(e) => fail_local(vm, m, e),
    }
}

fn async_published(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let m = crate::builtins::callee_data(vm, 0)
        .as_number()
        .unwrap_or(0.0) as u32;
    let env = crate::builtins::callee_data(vm, 1)
        .as_number()
        .unwrap_or(0.0) as u32;
    if let Some(code) = vm.modules.code(m) {
        let key = code.id.to_string();
        // Too late to fail this instance's importers; the others get the error.
        let _ = publish(vm, m, &key, SharedRef(env));
    }
    Ok(Value::UNDEFINED)
}

fn async_failed(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let m = crate::builtins::callee_data(vm, 0)
        .as_number()
        .unwrap_or(0.0) as u32;
    if let Some(code) = vm.modules.code(m) {
        let key = code.id.to_string();
        let text = error_text(vm, crate::builtins::arg(args, 0));
        let _ = vm.mutator().finish_shared_module(&key, Err(text));
    }
    Ok(Value::UNDEFINED)
}

/// Writes the module environment of `m` into the shared environment and makes the module
/// ready; on a non-Sendable export, makes it failed and returns the error.
fn publish(vm: &mut Vm, m: u32, key: &str, env: SharedRef) -> Result<(), Value> {
    let Some(code) = vm.modules.code(m) else {
        return Ok(());
    };
    let local = vm.modules.list[m as usize].env;
    let exported: Vec<u16> = code
        .module
        .exports
        .iter()
        .filter_map(|e| match e {
            ExportEntry::Local { slot, .. } => Some(*slot),
            _ => None,
        })
        .collect();
    let mut slots = Vec::with_capacity(code.module.env_slots.len());
    let mut failure = None;
    for (i, decl) in code.module.env_slots.iter().enumerate() {
        let v = vm
            .heap
            .try_env(local)
            .and_then(|e| e.slots.get(i).copied())
            .unwrap_or(Value::UNDEFINED);
        let is_export = exported.contains(&(i as u16));
        let slot = if v.is_hole() {
            Slot::Hole
        } else if let Some(class) = vm.sendable.classes.of_ctor(v).cloned() {
            Slot::Class(class)
        } else if v.is_object() {
            if matches!(decl.init, SlotInit::Function(_)) {
                Slot::Linked
            } else if let Some(members) = matches!(decl.init, SlotInit::Undefined)
                .then(|| enum_members(vm, v))
                .flatten()
            {
                Slot::Enum(members)
            } else if !is_export {
                Slot::Linked
            } else {
                failure.get_or_insert(i);
                Slot::Linked
            }
        } else {
            match vm.to_shared_word(v) {
                Ok(w) => {
                    vm.mutator().env(env).map(|e| e.set(i, w));
                    Slot::Word
                }
                Err(_) if is_export => {
                    failure.get_or_insert(i);
                    Slot::Linked
                }
                Err(_) => Slot::Linked,
            }
        };
        slots.push(slot);
    }
    if failure.is_some() {
        let msg = format!(
            "Export non-shared object from shared-module, module name is :{}",
            record_name(key)
        );
        let e = vm.syntax_error(&msg);
        let _ = vm
            .mutator()
            .finish_shared_module(key, Err(format!("SyntaxError: {msg}")));
        return Err(e);
    }
    layouts()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key.to_string(), slots.into());
    let _ = vm.mutator().finish_shared_module(key, Ok(()));
    Ok(())
}

/// A later importer: the module's dependencies are evaluated (by [`evaluate`]); fill the
/// environment from the published one without running the body.
fn adopt(vm: &mut Vm, m: u32, key: &str, env: SharedRef) -> JsResult<()> {
    vm.modules.list[m as usize].status = Status::Evaluating;
    let layout = layouts()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .cloned();
    let local = vm.modules.list[m as usize].env;
    for (i, slot) in layout.iter().flat_map(|l| l.iter()).enumerate() {
        let v = match slot {
            Slot::Word => {
                let w = vm
                    .mutator()
                    .env(env)
                    .map_or(skiff_shared::SharedWord::UNDEFINED, |e| e.get(i));
                vm.from_shared_word(w)
            }
            Slot::Hole => Value::HOLE,
            Slot::Class(class) => match crate::sendable::class::materialize(vm, class) {
                Some((ctor, _)) => Value::object(ctor),
                None => continue,
            },
            Slot::Linked => continue,
            Slot::Enum(members) => {
                let o = vm.new_object();
                for (k, member) in members.iter() {
                    let v = match member {
                        EnumValue::Num(n) => Value::number(*n),
                        EnumValue::Str(t) => vm.str_val(t),
                    };
                    vm.heap.obj_mut(o).put_raw(*k, v, ATTR_DEFAULT);
                }
                Value::object(o)
            }
        };
        if vm.heap.try_env(local).is_some() {
            if let Some(s) = vm.heap.env_mut(local).slots.get_mut(i) {
                *s = v;
            }
        }
    }
    vm.modules.list[m as usize].status = Status::Evaluated;
    Ok(())
}

/// The text recorded for a failed evaluation: `Name: message` for error objects.
fn error_text(vm: &mut Vm, e: Value) -> String {
    if e.is_object() {
        let name = vm.get_str(e, "name").ok().filter(|v| v.is_string());
        let message = vm.get_str(e, "message").ok().filter(|v| v.is_string());
        if let (Some(n), Some(msg)) = (name, message) {
            let n = vm.js_str(n).to_rust_string();
            let msg = vm.js_str(msg).to_rust_string();
            return if msg.is_empty() {
                n
            } else {
                format!("{n}: {msg}")
            };
        }
    }
    crate::inspect::error_to_text(vm, e)
}

/// The error a later importer throws for a failed evaluation's text.
fn rebuild_error(vm: &mut Vm, text: &str) -> Value {
    let (name, msg) = text.split_once(": ").unwrap_or((text, ""));
    let proto = match name {
        "TypeError" => vm.realm.type_error_proto,
        "RangeError" => vm.realm.range_error_proto,
        "ReferenceError" => vm.realm.reference_error_proto,
        "SyntaxError" => vm.realm.syntax_error_proto,
        "URIError" => vm.realm.uri_error_proto,
        "EvalError" => vm.realm.eval_error_proto,
        "Error" => vm.realm.error_proto,
        _ => {
            let p = vm.realm.error_proto;
            return vm.make_error(p, text);
        }
    };
    vm.make_error(proto, msg)
}
