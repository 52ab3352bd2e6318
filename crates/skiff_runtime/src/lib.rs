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

/// Everything that makes up `@kit.ArkTS`: the names each part exports and the function that
/// adds them. TaskPool, collections and ArkTSUtils add themselves here, so one import gives all
/// of them.
const ARKTS_KIT: &[(&[&str], KitContributor)] = &[
    (
        &[
            "worker",
            "MessageEvents",
            "ErrorEvent",
            "ThreadWorkerGlobalScope",
        ],
        worker::contribute_kit,
    ),
    (&["taskpool"], taskpool::contribute_kit),
    (&["collections"], collections_kit),
    (&["ArkTSUtils"], arkts_utils_kit),
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

/// `@kit.ArkTS`. Its parts are built on first use: every name starts as an accessor that runs
/// its part's contributor, which replaces the accessors of that part with the values. Each part
/// costs memory in every instance (the Worker and TaskPool script preludes, the collections and
/// ArkTSUtils namespaces), and a Worker that imports only `worker` needs none of the others.
fn arkts_kit(vm: &mut Vm) -> JsResult<Value> {
    let kit = vm.new_object();
    for (part, (names, _)) in ARKTS_KIT.iter().enumerate() {
        for name in names.iter() {
            let data = vec![Value::object(kit), Value::number(part as f64)];
            let getter = vm.new_native_with_data(name, 0, build_kit_part, data);
            let acc = vm
                .heap
                .alloc_accessor(Value::object(getter), Value::UNDEFINED);
            vm.heap.obj_mut(kit).put_raw(
                PropKey::from_str(name),
                acc,
                skiff_vm::shape::ATTR_ENUMERABLE | skiff_vm::shape::ATTR_ACCESSOR,
            );
        }
    }
    // `import kit from '@kit.ArkTS'` gives the same object.
    vm.heap
        .obj_mut(kit)
        .put_raw(PropKey::from_str("default"), Value::object(kit), 0);
    Ok(Value::object(kit))
}

/// The getter of a `@kit.ArkTS` name not built yet (callee data: the kit, the part's index):
/// builds the part, then reads the name again.
fn build_kit_part(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let kit = skiff_vm::builtins::callee_data(vm, 0);
    let part = skiff_vm::builtins::callee_data(vm, 1)
        .as_number()
        .unwrap_or(0.0) as usize;
    let name = vm.native_callee;
    let key = vm.get_str(name, "name")?;
    let key = vm.to_property_key(key)?;
    let (Some(o), Some((_, contribute))) = (kit.as_object(), ARKTS_KIT.get(part)) else {
        return Ok(Value::UNDEFINED);
    };
    // Contributors may run script code (and so collect garbage): keep the kit rooted.
    let base = vm.handles.len();
    vm.handles.push(kit);
    let r = contribute(vm, o);
    vm.handles.truncate(base);
    r?;
    // The contributor replaced this accessor with the value; a name it did not define stays
    // undefined rather than building the part again.
    match vm.get_own_property(o, key) {
        Some(p) if p.attrs & skiff_vm::shape::ATTR_ACCESSOR == 0 => Ok(p.value),
        _ => Ok(Value::UNDEFINED),
    }
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
