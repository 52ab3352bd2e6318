//! `@Sendable` functions (and functions starting with `'use sendable'`) in the shared heap.
//!
//! In the VM that runs its declaration, a Sendable function is an ordinary closure whose proto
//! carries `FunctionFlags::SENDABLE`. Stored into the shared heap (a Sendable field, a container)
//! or sent to another thread, it becomes a `Cell::Function` naming its definition site: the
//! canonical id of its module (interned process-wide as a number) and its function index. There
//! is one cell per site for the whole process, rooted for good (there are as many as there are
//! Sendable function declarations), so the same function is the same shared value everywhere.
//!
//! Loading the cell gives a closure of this VM: the original one where it was stored, or one
//! made the way the TaskPool makes a `@Concurrent` function — the module is linked and its
//! imports evaluated, not its body — with the module environment as its scope. That is exactly
//! what a Sendable function may use (imports, top-level Sendable classes and functions), so it
//! needs nothing of the thread that declared it. Each VM keeps its closures per cell, so
//! loading a function twice gives the same object.

use crate::value::Value;
use crate::vm::Vm;
use skiff_shared::{Cell, SharedFunction, SharedHeap, SharedRef, SharedResult, SharedWord};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

#[derive(Default)]
struct Registry {
    /// Canonical module ids by number (the `module_id` of a `SharedFunction`).
    modules: Vec<String>,
    module_numbers: HashMap<String, u32>,
    /// The one cell of each (module number, function index).
    cells: HashMap<(u32, u32), SharedRef>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The global-roots group that keeps every function cell alive.
const ROOTS: &str = "sendable functions";

impl Vm {
    /// The shared cell of a Sendable function closure (`None` for any other value).
    pub fn sendable_function_word(&mut self, v: Value) -> Option<SharedResult<SharedWord>> {
        let (module, func) = match self.heap.try_obj(v).map(|o| &o.kind) {
            Some(crate::object::ObjectKind::Closure(c))
                if c.has(skiff_bytecode::FunctionFlags::SENDABLE)
                    && !c.has(skiff_bytecode::FunctionFlags::CLASS_CONSTRUCTOR) =>
            {
                (c.module, c.func)
            }
            _ => return None,
        };
        let id = self.modules.code(module)?.id.to_string();
        let r = {
            let mut reg = registry().lock().unwrap_or_else(|e| e.into_inner());
            let number = match reg.module_numbers.get(&id) {
                Some(&n) => n,
                None => {
                    let n = reg.modules.len() as u32;
                    reg.modules.push(id.clone());
                    reg.module_numbers.insert(id, n);
                    n
                }
            };
            match reg.cells.get(&(number, func)) {
                Some(&r) => r,
                None => {
                    let cell = Cell::Function(SharedFunction {
                        module_id: number,
                        function_index: func,
                        env: None,
                    });
                    let r = match self.mutator().alloc(cell) {
                        Ok(r) => r,
                        Err(e) => return Some(Err(e)),
                    };
                    reg.cells.insert((number, func), r);
                    let all: Vec<SharedRef> = reg.cells.values().copied().collect();
                    SharedHeap::global().set_global_roots(ROOTS, all);
                    r
                }
            }
        };
        self.sendable.functions.insert(r.0, v);
        self.note_module_with_sendables(module);
        Some(Ok(r.into()))
    }

    /// The closure of this VM for a function cell (see the module docs); undefined if its
    /// module cannot be loaded here.
    pub(crate) fn load_sendable_function(&mut self, r: SharedRef, f: (u32, u32)) -> Value {
        if let Some(&v) = self.sendable.functions.get(&r.0) {
            return v;
        }
        let (module_number, func) = f;
        let id = registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .modules
            .get(module_number as usize)
            .cloned();
        let Some(id) = id else {
            return Value::UNDEFINED;
        };
        match self.concurrent_function(&id, func) {
            Ok(v) => {
                self.sendable.functions.insert(r.0, v);
                v
            }
            Err(_) => Value::UNDEFINED,
        }
    }
}
