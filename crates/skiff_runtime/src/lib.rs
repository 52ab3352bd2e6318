//! skiff_runtime — the concurrency runtime around `skiff_vm`.
//!
//! * [`instance`]: an instance is one OS thread + one VM + its event loop; the [`instance::Runtime`]
//!   tracks every instance of the process and decides when the process exits.
//! * [`loader`]: the file module loader (with a process-wide cache of compiled modules).
//! * [`clone`]: structured clone between heaps.
//! * [`worker`]: the Worker API (`@kit.ArkTS`'s `worker`, `@ohos.worker`).
//! * [`taskpool`]: the TaskPool (`@kit.ArkTS`'s `taskpool`, `@ohos.taskpool`).
//!
//! The embedder (the CLI) calls [`instance::run_main`] on a thread with a large stack.

#![forbid(unsafe_code)]

pub mod clone;
pub mod instance;
pub mod limits;
pub mod loader;
pub mod taskpool;
pub mod worker;

use skiff_vm::atom::PropKey;
use skiff_vm::value::ObjRef;
use skiff_vm::{JsResult, Value, Vm};

/// Adds its exports to the `@kit.ArkTS` namespace object.
pub type KitContributor = fn(&mut Vm, ObjRef) -> JsResult<()>;

/// Everything that makes up `@kit.ArkTS`. TaskPool, collections and ArkTSUtils add themselves
/// here, so one import gives all of them.
pub const ARKTS_KIT: &[KitContributor] = &[
    worker::contribute_kit,
    taskpool::contribute_kit,
    collections_kit,
    arkts_utils_kit,
];

/// Adds `ArkTSUtils` (`@arkts.utils`) to `@kit.ArkTS`.
fn arkts_utils_kit(vm: &mut Vm, kit: ObjRef) -> JsResult<()> {
    let ns = skiff_vm::builtins::arkts_utils::arkts_utils_namespace(vm)?;
    vm.heap.obj_mut(kit).put_raw(
        PropKey::from_str("ArkTSUtils"),
        ns,
        skiff_vm::shape::ATTR_ENUMERABLE,
    );
    Ok(())
}

/// Adds `collections` (`@arkts.collections`) to `@kit.ArkTS`.
fn collections_kit(vm: &mut Vm, kit: ObjRef) -> JsResult<()> {
    let ns = skiff_vm::builtins::sendable_collections::collections_namespace(vm)?;
    vm.heap.obj_mut(kit).put_raw(
        PropKey::from_str("collections"),
        ns,
        skiff_vm::shape::ATTR_ENUMERABLE,
    );
    Ok(())
}

fn arkts_kit(vm: &mut Vm) -> JsResult<Value> {
    let kit = vm.new_object();
    // Contributors may run script code (and so collect garbage): keep the kit rooted.
    let base = vm.handles.len();
    vm.handles.push(Value::object(kit));
    let r = ARKTS_KIT
        .iter()
        .try_for_each(|contribute| contribute(vm, kit));
    vm.handles.truncate(base);
    r?;
    // `import kit from '@kit.ArkTS'` gives the same object.
    vm.heap
        .obj_mut(kit)
        .put_raw(PropKey::from_str("default"), Value::object(kit), 0);
    Ok(Value::object(kit))
}

/// Registers the runtime's built-in modules on a fresh VM.
pub fn register_builtins(vm: &mut Vm) {
    vm.register_native_module("@kit.ArkTS", arkts_kit);
    vm.register_native_module("@ohos.worker", worker::ohos_worker);
    vm.register_native_module("skiff:worker-native", worker::native_module);
    vm.register_native_module("@ohos.taskpool", taskpool::ohos_taskpool);
    vm.register_native_module("skiff:taskpool-native", taskpool::native_module);
    use skiff_vm::builtins::arkts_utils;
    vm.register_native_module("@arkts.utils", arkts_utils::native_module);
    vm.register_native_module("@kit.BasicServicesKit", arkts_utils::basic_services_kit);
    vm.register_native_module(
        "@arkts.collections",
        skiff_vm::builtins::sendable_collections::native_module,
    );
}
