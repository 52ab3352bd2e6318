//! Exported top-level bindings of a module, as seen by threads that did not run its body.
//!
//! A thread that receives a Sendable instance or function materializes the defining module
//! without running its body (see [`super::class::materialize`] and
//! [`Vm::concurrent_function`]): its module environment starts in the temporal dead zone. Yet
//! ArkTS lets Sendable methods and functions read the exported variables of their own module
//! (API 18). So the VM that evaluates a module defining Sendable classes or functions
//! *publishes* the exported bindings that hold a value the shared heap can hold (primitives,
//! strings, BigInts, Sendables) into a process-wide snapshot, and a materializing VM copies
//! them into its environment before it defines anything.
//!
//! When: after the module body has run, and — while the body may still change them (a
//! message can leave before the body ends: `taskpool.execute` in top-level code or top-level
//! `await`) — before every message this VM sends ([`Vm::publish_module_bindings`], called by
//! the runtime's clone writer). A binding is republished only when its value changed. A thread
//! sees the snapshot taken when it materialized the module; later reassignments of an exported
//! `let` stay on the thread that made them, as for shared modules.

use crate::value::Value;
use crate::vm::Vm;
use skiff_shared::{SharedHeap, SharedRef, SharedWord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Published bindings by canonical module id: (environment slot, value).
type Snapshots = HashMap<String, Arc<[(u16, SharedWord)]>>;

fn snapshots() -> &'static Mutex<Snapshots> {
    static SNAPSHOTS: OnceLock<Mutex<Snapshots>> = OnceLock::new();
    SNAPSHOTS.get_or_init(Default::default)
}

/// The name of the permanent shared-heap root group of one module's snapshot.
fn roots_name(id: &str) -> String {
    format!("module-bindings:{id}")
}

/// Per-VM state: the modules whose bindings this VM publishes, with the values it last
/// published (compared bit for bit, so an unchanged binding costs no allocation).
#[derive(Default)]
pub struct Published {
    modules: Vec<(u32, Vec<(u16, Value)>)>,
}

impl Published {
    /// Local values this state keeps alive (their shared copies are in the snapshot).
    pub fn trace(&self, out: &mut Vec<Value>) {
        for (_, values) in &self.modules {
            out.extend(values.iter().map(|&(_, v)| v));
        }
    }
}

impl Vm {
    /// Marks module `m` as one whose exported bindings other threads may need (it defines a
    /// Sendable class or function). Only a VM that runs the module's body publishes: one that
    /// materialized the module holds copies that may be stale. Idempotent.
    pub(crate) fn note_module_with_sendables(&mut self, m: u32) {
        let runs_body = matches!(
            self.modules.list.get(m as usize).map(|st| st.status),
            Some(crate::module::Status::Evaluating | crate::module::Status::Evaluated)
        );
        if !runs_body {
            return;
        }
        let p = &mut self.sendable.bindings;
        if !p.modules.iter().any(|(x, _)| *x == m) {
            p.modules.push((m, Vec::new()));
        }
    }

    /// Publishes the exported bindings of every module noted by
    /// [`Vm::note_module_with_sendables`] whose values changed since the last time.
    pub fn publish_module_bindings(&mut self) {
        if self.sendable.bindings.modules.is_empty() {
            return;
        }
        let modules: Vec<u32> = self.sendable.bindings.modules.iter().map(|e| e.0).collect();
        for m in modules {
            self.publish_bindings_of(m);
        }
    }

    fn publish_bindings_of(&mut self, m: u32) {
        let Some(code) = self.modules.code(m) else {
            return;
        };
        let env = self.modules.list[m as usize].env;
        let mut current: Vec<(u16, Value)> = Vec::new();
        for e in code.module.exports.iter() {
            let skiff_bytecode::ExportEntry::Local { slot, .. } = e else {
                continue;
            };
            let v = self
                .heap
                .try_env(env)
                .and_then(|e| e.slots.get(*slot as usize).copied())
                .unwrap_or(Value::HOLE);
            // Objects are local (classes and functions are defined by the materializing
            // thread itself); holes are still in their temporal dead zone.
            if !v.is_hole() && !v.is_object() && !current.iter().any(|(s, _)| s == slot) {
                current.push((*slot, v));
            }
        }
        let entry = self.sendable.bindings.modules.iter().position(|e| e.0 == m);
        let Some(entry) = entry else {
            return;
        };
        let unchanged = {
            let last = &self.sendable.bindings.modules[entry].1;
            last.len() == current.len()
                && last
                    .iter()
                    .zip(&current)
                    .all(|(a, b)| a.0 == b.0 && a.1.bits() == b.1.bits())
        };
        if unchanged {
            return;
        }
        let mut words = Vec::with_capacity(current.len());
        let mut refs: Vec<SharedRef> = Vec::new();
        for &(slot, v) in &current {
            // A value the shared heap cannot hold (a symbol) stays local.
            if let Ok(w) = self.to_shared_word(v) {
                refs.extend(w.as_ref());
                words.push((slot, w));
            }
        }
        let id = code.id.to_string();
        // Roots first: the words are only held by Rust variables until the snapshot is rooted.
        SharedHeap::global().set_global_roots(&roots_name(&id), refs);
        snapshots()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, words.into());
        self.sendable.bindings.modules[entry].1 = current;
    }

    /// Copies the published bindings of module `m` (see the module docs) into this VM's
    /// environment of it, for a thread that links the module without running its body. Only
    /// slots still in their temporal dead zone are filled.
    pub(crate) fn adopt_module_bindings(&mut self, m: u32) {
        let Some(code) = self.modules.code(m) else {
            return;
        };
        let snapshot = snapshots()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&*code.id)
            .cloned();
        let Some(snapshot) = snapshot else {
            return;
        };
        let env = self.modules.list[m as usize].env;
        for &(slot, w) in snapshot.iter() {
            let v = self.from_shared_word(w);
            if let Some(s) = self
                .heap
                .try_env(env)
                .is_some()
                .then(|| self.heap.env_mut(env).slots.get_mut(slot as usize))
                .flatten()
            {
                if s.is_hole() {
                    *s = v;
                }
            }
        }
    }
}
