//! Sendable classes: the process-wide registry of layouts and each VM's local class objects.
//!
//! A class whose constructor has `FunctionFlags::SENDABLE` is registered when `CreateClass`
//! runs: its `skiff_shared::SendableClass` (name, superclass, field atoms and type masks from
//! `Module::sendable_classes`) is created **once per process**, keyed by (canonical module id,
//! constructor function index), so every thread that evaluates the same class definition gets
//! the same layout and the same `SendableClass::id()`. Each VM then maps that id to its own
//! local constructor and prototype ([`LocalClasses`]); an instance created on any thread finds
//! its methods in the receiving VM through that map.
//!
//! A VM that receives an instance of a class it has never defined (it did not import the
//! defining module) sees the fields but no methods (`realm.sendable_protos[Object]`); see
//! `docs/shared-heap.md`, "Wiring into the VM".

use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;
use rustc_hash::FxHashMap;
use skiff_shared::{FieldDesc, FieldType, SendableClass, SharedError};
use skiff_shared::{SharedHeap, SharedRef};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

/// Where a Sendable class is defined: (canonical module id, constructor function index).
type Site = (String, u32);

#[derive(Default)]
struct Registry {
    by_site: HashMap<Site, Arc<SendableClass>>,
    sites: HashMap<u64, Site>,
    /// `SendableClass::id()` → the shared object holding the class's static data fields (see
    /// [`share_statics`]). Classes are never unregistered, so these are permanent roots.
    statics: BTreeMap<u64, SharedRef>,
}

/// The group of permanent shared-heap roots that keeps every class's statics alive.
const STATICS_ROOTS: &str = "sendable-class-statics";

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The definition site of a registered class: (canonical module id, constructor function
/// index). The runtime or a VM can use it to load the defining module.
pub fn class_site(id: u64) -> Option<(String, u32)> {
    registry()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .sites
        .get(&id)
        .cloned()
}

/// One VM's local class objects.
#[derive(Default)]
pub struct LocalClasses {
    /// `SendableClass::id()` → (constructor, prototype) in this VM (the latest definition).
    by_id: FxHashMap<u64, (ObjRef, ObjRef)>,
    /// Local constructor → its class.
    by_ctor: FxHashMap<ObjRef, Arc<SendableClass>>,
    /// Classes this VM failed to materialize (not retried).
    unavailable: rustc_hash::FxHashSet<u64>,
    /// Sealed local constructors and prototypes (`SealSendableClass`): failed stores on them
    /// report ArkTS's messages.
    sealed: rustc_hash::FxHashSet<ObjRef>,
}

impl LocalClasses {
    /// Keeps every local class object alive (instances in the shared heap may need them at
    /// any time, from any thread).
    pub fn trace(&self, out: &mut Vec<Value>) {
        for &(c, p) in self.by_id.values() {
            out.push(Value::object(c));
            out.push(Value::object(p));
        }
        out.extend(self.by_ctor.keys().map(|&c| Value::object(c)));
    }

    /// True if `o` is a sealed Sendable constructor or prototype of this VM.
    pub fn is_sealed_class_object(&self, o: ObjRef) -> bool {
        !self.sealed.is_empty() && self.sealed.contains(&o)
    }

    /// True once this VM has defined a Sendable class.
    pub fn has_any(&self) -> bool {
        !self.by_ctor.is_empty()
    }

    /// The class of a local Sendable constructor.
    pub fn of_ctor(&self, ctor: Value) -> Option<&Arc<SendableClass>> {
        self.by_ctor.get(&ctor.as_object()?)
    }

    /// The local (constructor, prototype) of a class.
    pub fn local(&self, id: u64) -> Option<(ObjRef, ObjRef)> {
        self.by_id.get(&id).copied()
    }
}

/// The local prototype of `class` in this VM, if this VM has defined it.
pub fn local_proto(vm: &mut Vm, class: &Arc<SendableClass>) -> Option<ObjRef> {
    vm.sendable.classes.local(class.id()).map(|(_, p)| p)
}

/// The local constructor of `class` in this VM, if this VM has defined it.
pub fn local_ctor(vm: &mut Vm, class: &Arc<SendableClass>) -> Option<ObjRef> {
    vm.sendable.classes.local(class.id()).map(|(c, _)| c)
}

/// True if `v` is a local Sendable class constructor.
pub fn is_sendable_ctor(vm: &Vm, v: Value) -> bool {
    vm.sendable.classes.of_ctor(v).is_some()
}

/// `CreateClass` of a `SENDABLE` constructor, after the ordinary class objects `f` / `p` exist:
/// registers (or finds) the process-wide layout and records the local class. The prototype of
/// a base Sendable class's prototype becomes `realm.sendable_object_proto`.
pub fn define_class(
    vm: &mut Vm,
    module: u32,
    ctor: u32,
    heritage: Value,
    derived: bool,
    f: ObjRef,
    p: ObjRef,
) -> JsResult<()> {
    let superclass = if derived && !heritage.is_null() {
        match vm.sendable.classes.of_ctor(heritage) {
            Some(c) => Some(c.clone()),
            // `extends collections.Array/Map/Set/BitVector`: a base class whose instances
            // carry the container as their native part (allocated by the collection's
            // constructor when `super()` reaches it).
            None if crate::builtins::sendable_collections::is_collection_ctor(vm, heritage) => None,
            None => return vm.throw_shared(SharedError::class_not_derived_from_sendable()),
        }
    } else {
        None
    };
    let Some(code) = vm.modules.code(module) else {
        return Ok(());
    };
    let site: Site = (code.id.to_string(), ctor);
    let class = {
        let mut reg = registry().lock().unwrap_or_else(|e| e.into_inner());
        match reg.by_site.get(&site) {
            // The same definition evaluated again (another thread, or a class declared in a
            // function called twice) with the same superclass layout: one layout per process.
            Some(c) if c.superclass().map(|s| s.id()) == superclass.as_ref().map(|s| s.id()) => {
                c.clone()
            }
            _ => {
                let info = code.module.sendable_class(ctor);
                let name = info.map(|i| i.name.to_string()).unwrap_or_default();
                let fields = info
                    .map(|i| {
                        i.fields
                            .iter()
                            .map(|fd| FieldDesc {
                                atom: crate::atom::Atom::intern(&JsStr::from_str(&fd.name)).0,
                                name: fd.name.clone(),
                                ty: FieldType(fd.ty),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let c = match SendableClass::new(&name, superclass, fields) {
                    Ok(c) => c,
                    Err(e) => {
                        drop(reg);
                        return vm.throw_shared(e);
                    }
                };
                reg.by_site.insert(site.clone(), c.clone());
                reg.sites.insert(c.id(), site);
                c
            }
        }
    };
    if !derived {
        let root = vm.realm.sendable_object_proto;
        vm.heap.obj_mut(p).proto = Some(root);
    } else if class.superclass().is_none() {
        // Remembers which collection the class extends, for materialization elsewhere.
        crate::builtins::sendable_collections::note_native_base(vm, class.id(), heritage);
    }
    vm.sendable.classes.by_id.insert(class.id(), (f, p));
    vm.sendable.classes.by_ctor.insert(f, class);
    vm.note_module_with_sendables(module);
    Ok(())
}

/// `this` for `[[Construct]]` of a base Sendable constructor `f`: a new instance of
/// `new_target`'s class (or `f`'s) in the shared heap, every field undefined.
pub fn allocate(vm: &mut Vm, f: Value, new_target: Value) -> JsResult<Value> {
    let class = vm
        .sendable
        .classes
        .of_ctor(new_target)
        .or_else(|| vm.sendable.classes.of_ctor(f))
        .cloned();
    let Some(class) = class else {
        return vm.throw_shared(SharedError::failed_to_create_object());
    };
    match vm.mutator().alloc_object(&class) {
        Ok(r) => Ok(vm.shared_value(r)),
        Err(e) => vm.throw_shared(e),
    }
}

/// The local (constructor, prototype) of `class` in this VM, defining it first if needed.
///
/// A VM that has not evaluated the class definition (it received an instance from another
/// thread) *materializes* the defining module: loads and links it through the module loader
/// (`load_graph` with the canonical id from the registry), evaluates its dependencies — not
/// its body — and calls the factory function of every registered top-level Sendable class of
/// that module in source order (superclasses first, materialized recursively), storing each
/// constructor into its module-environment slot so that methods referring to sibling classes
/// find them. Returns `None` when the class cannot be materialized (no factory: a class
/// declared inside a function; a module the loader cannot load; an error while defining).
pub fn materialize(vm: &mut Vm, class: &Arc<SendableClass>) -> Option<(ObjRef, ObjRef)> {
    if let Some(l) = vm.sendable.classes.local(class.id()) {
        return Some(l);
    }
    if vm.sendable.classes.unavailable.contains(&class.id()) {
        return None;
    }
    let Some((module_id, _)) = class_site(class.id()) else {
        vm.sendable.classes.unavailable.insert(class.id());
        return None;
    };
    if vm.sendable.materializing.contains(&module_id) {
        return None;
    }
    vm.sendable.materializing.push(module_id.clone());
    let r = materialize_module(vm, &module_id);
    vm.sendable.materializing.retain(|m| *m != module_id);
    let local = match r {
        Ok(()) => vm.sendable.classes.local(class.id()),
        Err(_) => None,
    };
    if local.is_none() {
        // Not materializable here (no factory, or the module failed): do not retry on every
        // property access; a later definition of the class in this VM still registers it.
        vm.sendable.classes.unavailable.insert(class.id());
    }
    local
}

fn materialize_module(vm: &mut Vm, id: &str) -> JsResult<()> {
    let m = match vm.modules.by_id.get(id) {
        Some(&m) => m,
        None => match vm.load_graph(id, None) {
            Ok(m) => m,
            Err(message) => {
                let p = vm.realm.error_proto;
                return Err(vm.make_error(p, &message));
            }
        },
    };
    let deps = vm.modules.list[m as usize].requested.clone();
    for d in deps {
        vm.evaluate_module(d)?;
    }
    vm.adopt_module_bindings(m);
    let Some(code) = vm.modules.code(m) else {
        return Ok(());
    };
    let env = vm.modules.list[m as usize].env;
    for info in &code.module.sendable_classes {
        let Some(factory) = info.factory else {
            continue;
        };
        let site: Site = (id.to_string(), info.ctor.0);
        let registered = registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_site
            .get(&site)
            .cloned();
        let Some(class) = registered else {
            continue;
        };
        if vm.sendable.classes.local(class.id()).is_some() {
            continue;
        }
        let heritage = match class.superclass() {
            Some(s) => match materialize(vm, s) {
                Some((c, _)) => Value::object(c),
                None => continue,
            },
            // A class extending a collection gets this VM's collection constructor.
            None => crate::builtins::sendable_collections::native_base(vm, class.id()),
        };
        let f = crate::interp::make_closure(vm, m, factory.0, env, None);
        let ctor = vm.call(Value::object(f), Value::UNDEFINED, &[heritage])?;
        if let (Some(slot), Some(_)) = (info.slot, vm.heap.try_env(env)) {
            if let Some(s) = vm.heap.env_mut(env).slots.get_mut(slot as usize) {
                *s = ctor;
            }
        }
    }
    Ok(())
}

impl Vm {
    /// Makes sure this VM can use the shared value `v`: registers the mutator, and for a
    /// Sendable instance materializes its class (see [`materialize`]) so that its methods are
    /// available. The runtime may call it when a message brings shared values in; property
    /// access does it lazily anyway.
    pub fn materialize_shared(&mut self, v: Value) {
        let Some(slot) = v.as_shared() else {
            return;
        };
        let class = match self.mutator().object(skiff_shared::SharedRef(slot)) {
            Some(o) => o.class().clone(),
            None => return,
        };
        materialize(self, &class);
    }
}

/// `SealSendableClass`: see the instruction's documentation. Fails when a static field holds
/// a value a Sendable field cannot hold (ArkTS: `Cannot set sendable property with mismatched
/// type`, thrown when the class is defined).
pub fn seal_class(vm: &mut Vm, ctor: Value) -> JsResult<()> {
    use crate::object::ObjectKind;
    use crate::shape::{ATTR_ACCESSOR, ATTR_WRITABLE};
    let Some(f) = ctor.as_object() else {
        return Ok(());
    };
    let Some(class) = vm.sendable.classes.by_ctor.get(&f).cloned() else {
        return Ok(());
    };
    let Some(&(_, p)) = vm.sendable.classes.by_id.get(&class.id()) else {
        return Ok(());
    };
    share_statics(vm, &class, f)?;
    // Prototype: every data property (methods, `constructor`) read-only; accessors as they are.
    for k in vm.own_keys(p) {
        if let Some(prop) = vm.get_own_property(p, k) {
            if prop.attrs & (ATTR_ACCESSOR | ATTR_WRITABLE) == ATTR_WRITABLE {
                vm.heap
                    .obj_mut(p)
                    .put_raw(k, prop.value, prop.attrs & !ATTR_WRITABLE);
            }
        }
    }
    vm.heap.obj_mut(p).extensible = false;
    // Constructor: static methods read-only, static fields writable.
    for k in vm.own_keys(f) {
        if let Some(prop) = vm.get_own_property(f, k) {
            let is_method = matches!(
                vm.heap.try_obj(prop.value).map(|o| &o.kind),
                Some(ObjectKind::Closure(c)) if c.has(skiff_bytecode::FunctionFlags::METHOD)
            );
            if is_method && prop.attrs & (ATTR_ACCESSOR | ATTR_WRITABLE) == ATTR_WRITABLE {
                vm.heap
                    .obj_mut(f)
                    .put_raw(k, prop.value, prop.attrs & !ATTR_WRITABLE);
            }
        }
    }
    vm.heap.obj_mut(f).extensible = false;
    vm.sendable.classes.sealed.insert(f);
    vm.sendable.classes.sealed.insert(p);
    Ok(())
}

/// Moves the static data fields of a Sendable class into the shared heap, so that every
/// thread sees one value per field, as in ArkTS, where the class object itself is shared.
///
/// Each VM has its own local constructor (see the module docs), so the fields' values live in
/// one process-wide Sendable object per class (its fields typed as the class declares them),
/// and each local constructor gets an enumerable accessor per field that reads and writes it. The first VM to seal the class creates that object from its initial
/// values, which are type-checked like any Sendable field store; a later definition of the
/// same class (a Worker importing the module, a thread materializing the class) keeps the
/// current values, so its own initializers' results are dropped.
fn share_statics(vm: &mut Vm, class: &Arc<SendableClass>, f: ObjRef) -> JsResult<()> {
    use crate::shape::{ATTR_ACCESSOR, ATTR_CONFIGURABLE, ATTR_ENUMERABLE, ATTR_WRITABLE};
    let data_field = ATTR_WRITABLE | ATTR_ENUMERABLE;
    let fields: Vec<(crate::atom::PropKey, Value)> = vm
        .own_keys(f)
        .into_iter()
        .filter(|k| !k.is_symbol())
        .filter_map(|k| {
            let prop = vm.get_own_property(f, k)?;
            (prop.attrs & (ATTR_ACCESSOR | data_field) == data_field).then_some((k, prop.value))
        })
        .collect();
    if fields.is_empty() {
        return Ok(());
    }
    let existing = lock_registry().statics.get(&class.id()).copied();
    let holder = match existing {
        Some(r) => vm.shared_value(r),
        None => {
            let declared = declared_static_types(vm, class);
            let layout = fields
                .iter()
                .filter_map(|&(k, _)| {
                    let name: Arc<str> = k.to_js_str()?.to_rust_string().into();
                    // A field the compiler did not see declared (one a static block adds
                    // cannot be: the class is sealed) stays untyped.
                    let ty = declared
                        .iter()
                        .find(|(n, _)| **n == *name)
                        .map_or(FieldType::NONE, |&(_, t)| FieldType(t));
                    Some(FieldDesc {
                        atom: super::props::key_atom(k)?,
                        name,
                        ty,
                    })
                })
                .collect();
            let statics_class = match SendableClass::new(class.name(), None, layout) {
                Ok(c) => c,
                Err(e) => return vm.throw_shared(e),
            };
            let r = match vm.mutator().alloc_object(&statics_class) {
                Ok(r) => r,
                Err(e) => return vm.throw_shared(e),
            };
            let holder = vm.shared_value(r);
            for &(k, v) in &fields {
                vm.set(holder, k, v)?;
            }
            // Another thread may have sealed the same class meanwhile: the first one wins.
            let mut reg = lock_registry();
            let r = *reg.statics.entry(class.id()).or_insert(r);
            let all = reg.statics.values().copied().collect();
            SharedHeap::global().set_global_roots(STATICS_ROOTS, all);
            drop(reg);
            vm.shared_value(r)
        }
    };
    for (k, _) in fields {
        let name = k
            .to_js_str()
            .map(|s| s.to_rust_string())
            .unwrap_or_default();
        let data = vec![holder, encode_key(k)];
        let get = vm.new_native_with_data(&format!("get {name}"), 0, static_getter, data.clone());
        let set = vm.new_native_with_data(&format!("set {name}"), 1, static_setter, data);
        let acc = vm
            .heap
            .alloc_accessor(Value::object(get), Value::object(set));
        vm.heap
            .obj_mut(f)
            .put_raw(k, acc, ATTR_ACCESSOR | ATTR_ENUMERABLE | ATTR_CONFIGURABLE);
    }
    Ok(())
}

/// The declared types of `class`'s static fields (name, `field_type` mask), from the module
/// that defines it.
fn declared_static_types(vm: &Vm, class: &Arc<SendableClass>) -> Vec<(Arc<str>, u8)> {
    let Some((module_id, ctor)) = class_site(class.id()) else {
        return Vec::new();
    };
    let Some(&m) = vm.modules.by_id.get(&module_id) else {
        return Vec::new();
    };
    vm.modules
        .code(m)
        .and_then(|code| {
            code.module.sendable_class(ctor).map(|info| {
                info.static_fields
                    .iter()
                    .map(|f| (f.name.clone(), f.ty))
                    .collect()
            })
        })
        .unwrap_or_default()
}

fn lock_registry() -> std::sync::MutexGuard<'static, Registry> {
    registry().lock().unwrap_or_else(|e| e.into_inner())
}

/// The getter of a shared static field: callee data is (holder, key).
fn static_getter(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let holder = crate::builtins::callee_data(vm, 0);
    let key = decode_key(crate::builtins::callee_data(vm, 1));
    vm.get(holder, key)
}

/// The setter of a shared static field: a type-checked store into the holder (read-only once
/// the class is frozen, see [`freeze_statics`]).
fn static_setter(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let holder = crate::builtins::callee_data(vm, 0);
    let key = decode_key(crate::builtins::callee_data(vm, 1));
    vm.set(holder, key, crate::builtins::arg(args, 0))?;
    Ok(Value::UNDEFINED)
}

/// The shared object holding a static field's value, and the field's key, if `getter` is the
/// getter of a shared static field (for `inspect`, which shows the value, not the accessor).
pub fn peek_static_getter(vm: &Vm, getter: Value) -> Option<(u32, crate::atom::PropKey)> {
    let crate::object::ObjectKind::Native(n) = &vm.heap.try_obj(getter)?.kind else {
        return None;
    };
    if n.f as usize != static_getter as crate::object::NativeFn as usize {
        return None;
    }
    let holder = n.data.first()?.as_shared()?;
    Some((holder, decode_key(*n.data.get(1)?)))
}

/// A static field's key as accessor data: an atom as itself, an index `i` as `-1 - i`
/// (static fields never have symbol keys: Sendable classes have no computed names).
fn encode_key(k: crate::atom::PropKey) -> Value {
    match k {
        crate::atom::PropKey::Str(a) => Value::number(f64::from(a.0)),
        crate::atom::PropKey::Index(i) => Value::number(-1.0 - f64::from(i)),
        crate::atom::PropKey::Sym(_) => Value::UNDEFINED,
    }
}

fn decode_key(v: Value) -> crate::atom::PropKey {
    let n = v.as_number().unwrap_or(0.0);
    if n < 0.0 {
        crate::atom::PropKey::Index((-1.0 - n) as u32)
    } else {
        crate::atom::PropKey::Str(crate::atom::Atom(n as u32))
    }
}

/// `Object.freeze` of a Sendable class constructor also freezes its shared statics, so that
/// later stores through any thread's constructor fail with `Cannot assign to read only
/// property`.
pub fn freeze_statics(vm: &mut Vm, ctor: ObjRef) -> JsResult<()> {
    let Some(class) = vm.sendable.classes.by_ctor.get(&ctor).cloned() else {
        return Ok(());
    };
    let holder = lock_registry().statics.get(&class.id()).copied();
    match holder {
        Some(r) => super::props::freeze(vm, r.0),
        None => Ok(()),
    }
}

/// Registers a Sendable class implemented by natives (`ArkTSUtils.SendableLruCache`) in this
/// VM: `f` / `p` become its local constructor and prototype (`p` chains to
/// `realm.sendable_object_proto`). The module that owns the class calls it on every VM.
pub fn define_native_class(vm: &mut Vm, class: Arc<SendableClass>, f: ObjRef, p: ObjRef) {
    let root = vm.realm.sendable_object_proto;
    vm.heap.obj_mut(p).proto = Some(root);
    vm.sendable.classes.by_id.insert(class.id(), (f, p));
    vm.sendable.classes.by_ctor.insert(f, class);
}
