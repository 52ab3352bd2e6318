//! Module records, linking and evaluation.
//!
//! The VM never parses: the embedder supplies a [`ModuleLoader`] that resolves specifiers and
//! returns compiled, shared `Arc<skiff_bytecode::Module>`s. Each file is instantiated once per
//! VM. Imports are live bindings: an import resolves to (exporting module, env slot) and every
//! `LoadImport` reads the slot. Built-in modules (`@kit.ArkTS`, ...) are native namespace
//! objects produced by builders registered with [`crate::Vm::register_native_module`].

use crate::atom::PropKey;
use crate::object::ObjectKind;
use crate::shape::ATTR_WRITABLE;
use crate::string::JsStr;
use crate::value::Value;
use crate::vm::Vm;
use crate::JsResult;
use rustc_hash::FxHashMap;
use skiff_bytecode::{ExportEntry, ImportName, Module, SlotInit};
use std::rc::Rc;
use std::sync::Arc;

/// Resolves and loads modules for the VM.
pub trait ModuleLoader {
    /// Resolves `specifier` as imported from the module with canonical id `referrer` (None for
    /// the entry point) to a canonical module id (typically an absolute path).
    fn resolve(&mut self, specifier: &str, referrer: Option<&str>) -> Result<String, String>;
    /// Loads and compiles the module with canonical id `id`. The error is a complete,
    /// user-readable message (diagnostics already rendered).
    fn load(&mut self, id: &str) -> Result<Arc<Module>, String>;
}

/// Builds the namespace object of a native module.
pub type NativeModuleBuilder = fn(&mut Vm) -> JsResult<Value>;

/// The immutable, per-VM-shared part of a module instance (cheap to clone into the run loop).
pub struct ModuleCode {
    pub module: Arc<Module>,
    /// Property keys of each function's IC sites, interned once.
    pub ic_keys: Vec<Vec<PropKey>>,
    /// Offset of each function's feedback vector in the VM's flat IC table.
    pub ic_offsets: Vec<u32>,
    /// Offset of each function's constant-string cache in the VM's flat constant table.
    pub const_offsets: Vec<u32>,
    /// Offset of this module's functions in the VM's function-name cache.
    pub fn_base: u32,
    /// String constants of each function, converted to VM strings lazily.
    pub id: Rc<str>,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Status {
    Linked,
    Evaluating,
    Evaluated,
    Errored,
}

#[derive(Copy, Clone, Debug)]
pub enum Binding {
    Slot {
        module: u32,
        slot: u16,
    },
    Namespace(u32),
    /// A name exported by a native module: read from its namespace object.
    NativeProp {
        module: u32,
        key: PropKey,
    },
}

pub struct ModuleState {
    pub code: Option<Rc<ModuleCode>>,
    pub env: Value,
    pub status: Status,
    pub error: Value,
    pub imports: Vec<Binding>,
    pub requested: Vec<u32>,
    pub namespace: Value,
    pub meta: Value,
    /// Evaluation result of an async module body (a promise), or undefined.
    pub promise: Value,
    pub templates: FxHashMap<(u32, u16), Value>,
    /// For native modules: the builder-produced namespace.
    pub native: bool,
}

#[derive(Default)]
pub struct Modules {
    pub list: Vec<ModuleState>,
    pub by_id: FxHashMap<String, u32>,
    pub loader: Option<Box<dyn ModuleLoader>>,
    pub natives: FxHashMap<String, NativeModuleBuilder>,
    /// Modules compiled outside the loader (e.g. REPL lines, tests).
    anon: u32,
    /// `'use shared'` modules (`crate::sendable::shared_module`).
    pub shared: crate::sendable::shared_module::SharedModules,
}

impl Modules {
    pub fn trace(&self, out: &mut Vec<Value>) {
        for m in &self.list {
            out.extend([m.env, m.error, m.namespace, m.meta, m.promise]);
            out.extend(m.templates.values().copied());
        }
    }

    pub fn code(&self, idx: u32) -> Option<Rc<ModuleCode>> {
        self.list.get(idx as usize).and_then(|m| m.code.clone())
    }
}

/// An error from running the main module.
pub enum RunError {
    /// The module graph could not be loaded (the message is complete).
    Load(String),
    /// An uncaught exception.
    Uncaught(Value),
}

impl Vm {
    /// Registers a built-in module (`import ... from 'name'`).
    pub fn register_native_module(&mut self, name: &str, builder: NativeModuleBuilder) {
        self.modules.natives.insert(name.to_string(), builder);
    }

    pub fn set_loader(&mut self, loader: Box<dyn ModuleLoader>) {
        self.modules.loader = Some(loader);
    }

    fn new_state(code: Option<Rc<ModuleCode>>) -> ModuleState {
        ModuleState {
            code,
            env: Value::UNDEFINED,
            status: Status::Linked,
            error: Value::UNDEFINED,
            imports: Vec::new(),
            requested: Vec::new(),
            namespace: Value::UNDEFINED,
            meta: Value::UNDEFINED,
            promise: Value::UNDEFINED,
            templates: FxHashMap::default(),
            native: false,
        }
    }

    /// Adds a compiled module to the VM (without linking it).
    pub fn add_module(&mut self, id: &str, module: Arc<Module>) -> u32 {
        let mut ic_keys = Vec::with_capacity(module.functions.len());
        let mut ic_offsets = Vec::with_capacity(module.functions.len());
        let mut const_offsets = Vec::with_capacity(module.functions.len());
        for f in &module.functions {
            const_offsets.push(self.interp.consts.len() as u32);
            self.interp
                .consts
                .extend(std::iter::repeat_n(Value::HOLE, f.constants.len()));
            ic_offsets.push(self.interp.ics.len() as u32);
            self.interp.ics.extend(std::iter::repeat_n(
                crate::interp::IcEntry::EMPTY,
                f.ic_sites.len(),
            ));
            ic_keys.push(
                f.ic_sites
                    .iter()
                    .map(|s| match f.const_str(s.name) {
                        Some(js) => PropKey::from_js_str(&convert_str(js)),
                        None => PropKey::from_str(""),
                    })
                    .collect(),
            );
        }
        let fn_base = self.interp.fn_names.len() as u32;
        self.interp
            .fn_names
            .extend(std::iter::repeat_n(Value::HOLE, module.functions.len()));
        let code = Rc::new(ModuleCode {
            module,
            ic_keys,
            ic_offsets,
            const_offsets,
            fn_base,
            id: Rc::from(id),
        });
        let idx = self.modules.list.len() as u32;
        self.modules.list.push(Self::new_state(Some(code)));
        self.modules.by_id.insert(id.to_string(), idx);
        idx
    }

    /// Resolves and loads `specifier` and its whole import graph; returns the module index.
    pub fn load_graph(&mut self, specifier: &str, referrer: Option<&str>) -> Result<u32, String> {
        let root = self.load_one(specifier, referrer)?;
        let mut work = vec![root];
        let mut seen = rustc_hash::FxHashSet::default();
        let mut order = Vec::new();
        while let Some(m) = work.pop() {
            if !seen.insert(m) {
                continue;
            }
            order.push(m);
            let Some(code) = self.modules.code(m) else {
                continue;
            };
            if !self.modules.list[m as usize].requested.is_empty()
                || code.module.requests.is_empty()
            {
                continue;
            }
            let mut req = Vec::new();
            for r in &code.module.requests {
                let dep = self.load_one(r, Some(&code.id))?;
                req.push(dep);
                work.push(dep);
            }
            self.modules.list[m as usize].requested = req;
        }
        for m in order {
            self.link(m)?;
        }
        Ok(root)
    }

    fn load_one(&mut self, specifier: &str, referrer: Option<&str>) -> Result<u32, String> {
        if let Some(&b) = self.modules.natives.get(specifier) {
            if let Some(&i) = self.modules.by_id.get(specifier) {
                return Ok(i);
            }
            let ns = b(self).map_err(|e| crate::inspect::error_to_text(self, e))?;
            let idx = self.modules.list.len() as u32;
            let mut st = Self::new_state(None);
            st.namespace = ns;
            st.native = true;
            st.status = Status::Evaluated;
            self.modules.list.push(st);
            self.modules.by_id.insert(specifier.to_string(), idx);
            return Ok(idx);
        }
        let mut loader = self
            .modules
            .loader
            .take()
            .ok_or_else(|| format!("Cannot find module '{specifier}'"))?;
        let r = (|| {
            let id = loader.resolve(specifier, referrer)?;
            if let Some(&i) = self.modules.by_id.get(&id) {
                return Ok(i);
            }
            let m = loader.load(&id)?;
            Ok(self.add_module(&id, m))
        })();
        self.modules.loader = Some(loader);
        r
    }

    /// Creates the module environment and resolves imports.
    fn link(&mut self, m: u32) -> Result<(), String> {
        let Some(code) = self.modules.code(m) else {
            return Ok(());
        };
        if !self.modules.list[m as usize].env.is_undefined() {
            return Ok(());
        }
        let module = code.module.clone();
        let env = self
            .heap
            .alloc_env(Value::UNDEFINED, module.env_slots.len());
        self.modules.list[m as usize].env = env;
        for (i, s) in module.env_slots.iter().enumerate() {
            let v = match &s.init {
                SlotInit::Hole => Value::HOLE,
                SlotInit::Undefined => Value::UNDEFINED,
                SlotInit::Function(f) => {
                    Value::object(crate::interp::make_closure(self, m, f.0, env, None))
                }
            };
            self.heap.env_mut(env).slots[i] = v;
        }
        let mut bindings = Vec::with_capacity(module.imports.len());
        for imp in &module.imports {
            let dep = self.modules.list[m as usize]
                .requested
                .get(imp.request as usize)
                .copied()
                .ok_or_else(|| "bad import request".to_string())?;
            let b = match &imp.name {
                ImportName::Namespace => Binding::Namespace(dep),
                ImportName::Named(n) => match self.resolve_export(dep, n, &mut Vec::new()) {
                    Some(b) => b,
                    None => {
                        let file = self.module_id(dep);
                        return Err(format!(
                            "{}: SyntaxError: The requested module '{}' does not provide an export named '{}'",
                            code.id, file, n
                        ));
                    }
                },
            };
            bindings.push(b);
        }
        self.modules.list[m as usize].imports = bindings;
        Ok(())
    }

    pub fn module_id(&self, m: u32) -> String {
        match self.modules.code(m) {
            Some(c) => c.id.to_string(),
            None => self
                .modules
                .by_id
                .iter()
                .find(|(_, &v)| v == m)
                .map(|(k, _)| k.clone())
                .unwrap_or_default(),
        }
    }

    /// ResolveExport with cycle protection.
    fn resolve_export(
        &mut self,
        m: u32,
        name: &str,
        visited: &mut Vec<(u32, String)>,
    ) -> Option<Binding> {
        if visited.iter().any(|(vm, vn)| *vm == m && vn == name) {
            return None;
        }
        visited.push((m, name.to_string()));
        let Some(code) = self.modules.code(m) else {
            // Native module: every property of the namespace is an export.
            let key = PropKey::from_str(name);
            let ns = self.modules.list.get(m as usize)?.namespace;
            let o = ns.as_object()?;
            return self
                .get_own_property(o, key)
                .map(|_| Binding::NativeProp { module: m, key });
        };
        // The requested modules of `m` must be loaded already (load_graph does that).
        let exports = code.module.exports.clone();
        for e in &exports {
            match e {
                ExportEntry::Local { name: n, slot } if &**n == name => {
                    return Some(Binding::Slot {
                        module: m,
                        slot: *slot,
                    });
                }
                ExportEntry::Indirect {
                    name: n,
                    request,
                    import,
                } if &**n == name => {
                    let dep = *self.modules.list[m as usize]
                        .requested
                        .get(*request as usize)?;
                    return match import {
                        ImportName::Namespace => Some(Binding::Namespace(dep)),
                        ImportName::Named(x) => {
                            let x = x.clone();
                            self.resolve_export(dep, &x, visited)
                        }
                    };
                }
                _ => {}
            }
        }
        if name == "default" {
            return None;
        }
        for e in &exports {
            if let ExportEntry::Star { request } = e {
                let dep = *self.modules.list[m as usize]
                    .requested
                    .get(*request as usize)?;
                if let Some(b) = self.resolve_export(dep, name, visited) {
                    return Some(b);
                }
            }
        }
        None
    }

    /// All export names of a module (for namespace objects), sorted.
    fn export_names(&mut self, m: u32, visited: &mut Vec<u32>) -> Vec<String> {
        if visited.contains(&m) {
            return Vec::new();
        }
        visited.push(m);
        let Some(code) = self.modules.code(m) else {
            let ns = self.modules.list[m as usize].namespace;
            return match ns.as_object() {
                Some(o) => self
                    .own_keys(o)
                    .into_iter()
                    .filter_map(|k| k.to_js_str().map(|s| s.to_rust_string()))
                    .collect(),
                None => Vec::new(),
            };
        };
        let mut names = Vec::new();
        for e in code.module.exports.iter() {
            match e {
                ExportEntry::Local { name, .. } | ExportEntry::Indirect { name, .. } => {
                    names.push(name.to_string())
                }
                ExportEntry::Star { request } => {
                    if let Some(&dep) = self.modules.list[m as usize]
                        .requested
                        .get(*request as usize)
                    {
                        for n in self.export_names(dep, visited) {
                            if n != "default" && !names.contains(&n) {
                                names.push(n);
                            }
                        }
                    }
                }
            }
        }
        names
    }

    /// The module namespace object (a snapshot-on-access object whose getters read live
    /// bindings would be more faithful; we install accessors that read the bindings).
    pub fn namespace_of(&mut self, m: u32) -> JsResult<Value> {
        let ns = self.modules.list[m as usize].namespace;
        if !ns.is_undefined() {
            return Ok(ns);
        }
        let o = self.new_object_with_proto(None, ObjectKind::Namespace(m));
        self.modules.list[m as usize].namespace = Value::object(o);
        let mut names = self.export_names(m, &mut Vec::new());
        names.sort();
        for n in names {
            if let Some(b) = self.resolve_export(m, &n, &mut Vec::new()) {
                let getter = self.new_native_with_data(
                    &n,
                    0,
                    namespace_getter,
                    vec![
                        Value::number(encode_binding(&b).0),
                        Value::number(encode_binding(&b).1),
                    ],
                );
                let acc = self
                    .heap
                    .alloc_accessor(Value::object(getter), Value::UNDEFINED);
                self.heap.obj_mut(o).put_raw(
                    PropKey::from_str(&n),
                    acc,
                    crate::shape::ATTR_ENUMERABLE | crate::shape::ATTR_ACCESSOR,
                );
            }
        }
        let tag = self.str_val("Module");
        self.heap
            .obj_mut(o)
            .put_raw(PropKey::Sym(crate::vm::wk::TO_STRING_TAG), tag, 0);
        self.heap.obj_mut(o).extensible = false;
        let _ = ATTR_WRITABLE;
        Ok(Value::object(o))
    }

    /// Reads an import binding.
    pub fn read_binding(&mut self, b: Binding) -> JsResult<Value> {
        match b {
            Binding::Slot { module, slot } => {
                let env = self.modules.list[module as usize].env;
                if env.is_undefined() {
                    return Ok(Value::HOLE);
                }
                Ok(self
                    .heap
                    .env(env)
                    .slots
                    .get(slot as usize)
                    .copied()
                    .unwrap_or(Value::UNDEFINED))
            }
            Binding::Namespace(m) => self.namespace_of(m),
            Binding::NativeProp { module, key } => {
                let ns = self.modules.list[module as usize].namespace;
                self.get(ns, key)
            }
        }
    }

    /// Evaluates module `m` and its dependencies (depth first, each once).
    pub fn evaluate_module(&mut self, m: u32) -> JsResult<()> {
        match self.modules.list[m as usize].status {
            Status::Evaluated | Status::Evaluating => return Ok(()),
            Status::Errored => return Err(self.modules.list[m as usize].error),
            Status::Linked => {}
        }
        if self.modules.code(m).is_some_and(|c| c.module.shared)
            && self.modules.shared.intercepts(m)
        {
            return crate::sendable::shared_module::evaluate(self, m);
        }
        self.modules.list[m as usize].status = Status::Evaluating;
        let deps = self.modules.list[m as usize].requested.clone();
        for &d in &deps {
            if let Err(e) = self.evaluate_module(d) {
                self.modules.list[m as usize].status = Status::Errored;
                self.modules.list[m as usize].error = e;
                return Err(e);
            }
        }
        // Top-level await: a dependency whose async body has not settled yet delays this
        // module's body until it does.
        let mut pending = Vec::new();
        for &d in &deps {
            let p = self.modules.list[d as usize].promise;
            if let Some(ObjectKind::Promise(pd)) = self.heap.try_obj(p).map(|o| &o.kind) {
                match pd.state {
                    crate::object::PromiseState::Pending => pending.push(p),
                    crate::object::PromiseState::Rejected => {
                        let e = pd.result;
                        self.modules.list[m as usize].status = Status::Errored;
                        self.modules.list[m as usize].error = e;
                        return Err(e);
                    }
                    crate::object::PromiseState::Fulfilled => {}
                }
            }
        }
        if !pending.is_empty() {
            let pm = crate::builtins::promise::new_promise(self);
            self.modules.list[m as usize].promise = pm;
            self.modules.list[m as usize].status = Status::Evaluated;
            let counter = self.new_object();
            self.heap.obj_mut(counter).elements = vec![Value::number(pending.len() as f64)];
            let data = vec![Value::number(m as f64), Value::object(counter), pm];
            for p in pending {
                let ok = self.new_native_with_data("", 1, continue_module, data.clone());
                let err = self.new_native_with_data("", 1, fail_module, data.clone());
                crate::builtins::promise::perform_then(
                    self,
                    p,
                    Value::object(ok),
                    Value::object(err),
                    None,
                );
            }
            return Ok(());
        }
        let r = crate::interp::run_module_body(self, m);
        match r {
            Ok(v) => {
                self.modules.list[m as usize].status = Status::Evaluated;
                self.modules.list[m as usize].promise = v;
                self.publish_module_bindings();
                Ok(())
            }
            Err(e) => {
                self.modules.list[m as usize].status = Status::Errored;
                self.modules.list[m as usize].error = e;
                Err(e)
            }
        }
    }

    /// A fresh closure of function `func` of the module with canonical id `id`, for running a
    /// `@Concurrent` function on another instance (a TaskPool thread). The module is loaded and
    /// linked and its dependencies are evaluated, but its own body is not run: a concurrent
    /// function may only use its parameters, its locals and imported bindings, and top-level
    /// code of the defining file must not run again on every thread that executes a task.
    pub fn concurrent_function(&mut self, id: &str, func: u32) -> JsResult<Value> {
        let m = match self.load_graph(id, None) {
            Ok(m) => m,
            Err(message) => return Err(self.make_error(self.realm.error_proto, &message)),
        };
        let deps = self.modules.list[m as usize].requested.clone();
        for d in deps {
            self.evaluate_module(d)?;
        }
        let valid = self
            .modules
            .code(m)
            .is_some_and(|c| (func as usize) < c.module.functions.len() && func != 0);
        if !valid {
            return Err(self.type_error("The function is not marked as concurrent."));
        }
        // A Sendable function may read its module's exported variables.
        self.adopt_module_bindings(m);
        let env = self.modules.list[m as usize].env;
        Ok(Value::object(crate::interp::make_closure(
            self, m, func, env, None,
        )))
    }

    /// Loads, links and evaluates the entry module, then runs the event loop to completion.
    pub fn run_main(&mut self, specifier: &str) -> Result<(), RunError> {
        let m = self.load_graph(specifier, None).map_err(RunError::Load)?;
        self.evaluate_module(m).map_err(RunError::Uncaught)?;
        // An async module body that rejects is an uncaught error.
        let p = self.modules.list[m as usize].promise;
        self.run_event_loop().map_err(RunError::Uncaught)?;
        if let Some(ObjectKind::Promise(d)) = self.heap.try_obj(p).map(|o| &o.kind) {
            if d.state == crate::object::PromiseState::Rejected {
                return Err(RunError::Uncaught(d.result));
            }
        }
        Ok(())
    }

    /// Runs an already compiled module (no imports other than natives / already loaded ones)
    /// under a synthetic id; used by tests and the REPL.
    pub fn run_compiled(&mut self, module: Arc<Module>) -> Result<(), RunError> {
        self.modules.anon += 1;
        let id = format!("<anonymous-{}>", self.modules.anon);
        let file = module.file.to_string();
        let m = self.add_module(if file.is_empty() { &id } else { &file }, module);
        let code = self.modules.code(m);
        if let Some(code) = code {
            let mut req = Vec::new();
            for r in &code.module.requests {
                req.push(self.load_one(r, Some(&code.id)).map_err(RunError::Load)?);
            }
            self.modules.list[m as usize].requested = req.clone();
            for d in req {
                self.link(d).map_err(RunError::Load)?;
            }
        }
        self.link(m).map_err(RunError::Load)?;
        self.evaluate_module(m).map_err(RunError::Uncaught)?;
        self.run_event_loop().map_err(RunError::Uncaught)
    }
}

/// Reaction to a dependency's async evaluation finishing: runs the waiting module's body once
/// every awaited dependency has settled.
fn continue_module(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let m = crate::builtins::callee_data(vm, 0)
        .as_number()
        .unwrap_or(0.0) as u32;
    let counter = crate::builtins::callee_data(vm, 1);
    let pm = crate::builtins::callee_data(vm, 2);
    let remaining = match counter.as_object() {
        Some(c) => {
            let e = &mut vm.heap.obj_mut(c).elements;
            let n = e.first().map(|v| v.num()).unwrap_or(1.0) - 1.0;
            if let Some(slot) = e.first_mut() {
                *slot = Value::number(n);
            }
            n
        }
        None => 0.0,
    };
    if remaining > 0.0 {
        return Ok(Value::UNDEFINED);
    }
    match crate::interp::run_module_body(vm, m) {
        Ok(v) => crate::builtins::promise::resolve_promise(vm, pm, v),
        Err(e) => {
            vm.modules.list[m as usize].status = Status::Errored;
            vm.modules.list[m as usize].error = e;
            crate::builtins::promise::reject_promise(vm, pm, e);
        }
    }
    Ok(Value::UNDEFINED)
}

fn fail_module(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let pm = crate::builtins::callee_data(vm, 2);
    crate::builtins::promise::reject_promise(vm, pm, crate::builtins::arg(args, 0));
    Ok(Value::UNDEFINED)
}

fn encode_binding(b: &Binding) -> (f64, f64) {
    match b {
        Binding::Slot { module, slot } => (*module as f64, *slot as f64),
        Binding::Namespace(m) => (*m as f64, -1.0),
        Binding::NativeProp { module, key } => match key {
            PropKey::Str(a) => (*module as f64, -2.0 - a.0 as f64),
            _ => (*module as f64, -1.0),
        },
    }
}

/// The current value behind a namespace getter, read without running script code (for inspect).
pub fn peek_namespace_getter(vm: &Vm, getter: Value) -> Option<Value> {
    let f = vm.heap.try_obj(getter)?;
    let ObjectKind::Native(n) = &f.kind else {
        return None;
    };
    if n.f as usize != namespace_getter as crate::object::NativeFn as usize {
        return None;
    }
    let m = n.data.first()?.as_number()? as u32;
    let s = n.data.get(1)?.as_number()?;
    let st = vm.modules.list.get(m as usize)?;
    if s >= 0.0 {
        let env = st.env;
        let v = vm.heap.try_env(env)?.slots.get(s as usize).copied()?;
        return if v.is_hole() { None } else { Some(v) };
    }
    if s == -1.0 {
        return (!st.namespace.is_undefined()).then_some(st.namespace);
    }
    let key = PropKey::Str(crate::atom::Atom((-2.0 - s) as u32));
    let ns = st.namespace.as_object()?;
    let p = vm.heap.obj(ns).get_own(key)?;
    (p.attrs & crate::shape::ATTR_ACCESSOR == 0).then_some(p.value)
}

fn namespace_getter(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let m = crate::builtins::callee_data(vm, 0)
        .as_number()
        .unwrap_or(0.0) as u32;
    let s = crate::builtins::callee_data(vm, 1)
        .as_number()
        .unwrap_or(0.0);
    let b = if s >= 0.0 {
        Binding::Slot {
            module: m,
            slot: s as u16,
        }
    } else if s == -1.0 {
        Binding::Namespace(m)
    } else {
        Binding::NativeProp {
            module: m,
            key: PropKey::Str(crate::atom::Atom((-2.0 - s) as u32)),
        }
    };
    let v = vm.read_binding(b)?;
    if v.is_hole() {
        return Err(vm.reference_error("Cannot access binding before initialization"));
    }
    Ok(v)
}

/// Converts a bytecode string constant to a VM string.
pub fn convert_str(s: &skiff_bytecode::JsStr) -> JsStr {
    match s {
        skiff_bytecode::JsStr::Utf8(t) => JsStr::from_str(t),
        skiff_bytecode::JsStr::Utf16(u) => JsStr::from_units(u),
    }
}
