//! The local heap: an arena of cells addressed by `u32`, with a free list and a non-moving
//! mark-sweep collector.
//!
//! Collection never happens implicitly inside an allocation: allocation only accumulates
//! *debt*, and the interpreter collects at safepoints (calls and backward jumps) once the debt
//! passes the threshold. The VM supplies the roots (see `Vm::collect_garbage`). Natives that
//! hold fresh values while re-entering JS must push them on the VM's handle stack.

use crate::object::{IterState, Object, ObjectKind, Reaction};
use crate::string::JsStr;
use crate::value::{ObjRef, StrRef, Value};
use num_bigint::BigInt;

/// A lexical environment record captured by closures.
pub struct Env {
    pub parent: Value,
    pub slots: Vec<Value>,
}

/// A lazily flattened concatenation (built by `+` on long strings so that repeated
/// appends are linear). The children are read only until the first flatten.
pub struct Rope {
    pub left: Value,
    pub right: Value,
    pub len: usize,
    pub flat: std::cell::OnceCell<JsStr>,
}

pub enum Cell {
    Free(u32),
    Object(Box<Object>),
    String(JsStr),
    Rope(Box<Rope>),
    BigInt(Box<BigInt>),
    /// Accessor pair stored in an accessor property's slot.
    Accessor(Value, Value),
    Env(Env),
}

const NO_FREE: u32 = u32::MAX;

pub struct Heap {
    pub cells: Vec<Cell>,
    marks: Vec<bool>,
    free_head: u32,
    free_count: usize,
    /// Allocation units since the last collection.
    pub debt: usize,
    /// Debt at which the next safepoint collects.
    pub threshold: usize,
    /// Lower bound for the adaptive threshold (tests set it tiny to collect at every safepoint).
    pub min_threshold: usize,
    pub collections: usize,
}

impl Default for Heap {
    fn default() -> Self {
        Self::new()
    }
}

impl Heap {
    pub fn new() -> Heap {
        Heap {
            cells: Vec::with_capacity(1024),
            marks: Vec::new(),
            free_head: NO_FREE,
            free_count: 0,
            debt: 0,
            threshold: 100_000,
            min_threshold: 100_000,
            collections: 0,
        }
    }

    pub fn live_cells(&self) -> usize {
        self.cells.len() - self.free_count
    }

    #[inline]
    fn alloc(&mut self, cell: Cell, cost: usize) -> u32 {
        self.debt += cost;
        if self.free_head != NO_FREE {
            let i = self.free_head;
            if let Cell::Free(next) = self.cells[i as usize] {
                self.free_head = next;
            } else {
                self.free_head = NO_FREE;
            }
            self.free_count -= 1;
            self.cells[i as usize] = cell;
            i
        } else {
            self.cells.push(cell);
            (self.cells.len() - 1) as u32
        }
    }

    pub fn alloc_object(&mut self, obj: Object) -> ObjRef {
        ObjRef(self.alloc(Cell::Object(Box::new(obj)), 1))
    }

    pub fn alloc_string(&mut self, s: JsStr) -> StrRef {
        let cost = 1 + s.len() / 64;
        StrRef(self.alloc(Cell::String(s), cost))
    }

    /// Allocates a rope for `left + right` (both string values).
    pub fn alloc_rope(&mut self, left: Value, right: Value, len: usize) -> StrRef {
        StrRef(self.alloc(
            Cell::Rope(Box::new(Rope {
                left,
                right,
                len,
                flat: std::cell::OnceCell::new(),
            })),
            1,
        ))
    }

    /// Length in code units without flattening.
    pub fn str_len(&self, r: StrRef) -> usize {
        match &self.cells[r.0 as usize] {
            Cell::String(s) => s.len(),
            Cell::Rope(rp) => rp.len,
            _ => panic_bad_handle(r.0),
        }
    }

    fn flatten(&self, rope: &Rope) -> JsStr {
        let mut units: Vec<u16> = Vec::with_capacity(rope.len);
        let mut stack = vec![rope.right, rope.left];
        while let Some(v) = stack.pop() {
            let Some(r) = v.as_string() else { continue };
            match &self.cells[r.0 as usize] {
                Cell::String(s) => s.push_units(&mut units),
                Cell::Rope(rp) => match rp.flat.get() {
                    Some(f) => f.push_units(&mut units),
                    None => {
                        stack.push(rp.right);
                        stack.push(rp.left);
                    }
                },
                _ => {}
            }
        }
        JsStr::from_units_vec(units)
    }

    pub fn alloc_bigint(&mut self, b: BigInt) -> Value {
        Value::bigint(self.alloc(Cell::BigInt(Box::new(b)), 1))
    }

    pub fn alloc_accessor(&mut self, get: Value, set: Value) -> Value {
        Value::object(ObjRef(self.alloc(Cell::Accessor(get, set), 1)))
    }

    /// Allocates an environment whose slots are all holes (TDZ).
    pub fn alloc_env_holes(&mut self, parent: Value, size: usize) -> Value {
        let cost = 1 + size / 8;
        Value::object(ObjRef(self.alloc(
            Cell::Env(Env {
                parent,
                slots: vec![Value::HOLE; size],
            }),
            cost,
        )))
    }

    pub fn alloc_env(&mut self, parent: Value, size: usize) -> Value {
        let cost = 1 + size / 8;
        Value::object(ObjRef(self.alloc(
            Cell::Env(Env {
                parent,
                slots: vec![Value::UNDEFINED; size],
            }),
            cost,
        )))
    }

    #[inline]
    pub fn obj(&self, r: ObjRef) -> &Object {
        match &self.cells[r.0 as usize] {
            Cell::Object(o) => o,
            _ => panic_bad_handle(r.0),
        }
    }

    #[inline]
    pub fn obj_mut(&mut self, r: ObjRef) -> &mut Object {
        match &mut self.cells[r.0 as usize] {
            Cell::Object(o) => o,
            _ => panic_bad_handle(r.0),
        }
    }

    /// The object behind a value, if it is a (real) object.
    #[inline]
    pub fn try_obj(&self, v: Value) -> Option<&Object> {
        match &self.cells.get(v.as_object()?.0 as usize)? {
            Cell::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The text of a string that is not a rope (nor a rope flattened already).
    #[inline]
    pub fn flat_str(&self, r: StrRef) -> Option<&JsStr> {
        match &self.cells[r.0 as usize] {
            Cell::String(s) => Some(s),
            Cell::Rope(rp) => rp.flat.get(),
            _ => None,
        }
    }

    #[inline]
    pub fn str(&self, r: StrRef) -> &JsStr {
        match &self.cells[r.0 as usize] {
            Cell::String(s) => s,
            Cell::Rope(rp) => rp.flat.get_or_init(|| self.flatten(rp)),
            _ => panic_bad_handle(r.0),
        }
    }

    pub fn bigint(&self, slot: u32) -> &BigInt {
        match &self.cells[slot as usize] {
            Cell::BigInt(b) => b,
            _ => panic_bad_handle(slot),
        }
    }

    pub fn accessor(&self, v: Value) -> (Value, Value) {
        match v.as_object().map(|r| &self.cells[r.0 as usize]) {
            Some(Cell::Accessor(g, s)) => (*g, *s),
            _ => (Value::UNDEFINED, Value::UNDEFINED),
        }
    }

    #[inline]
    pub fn env(&self, v: Value) -> &Env {
        match v.as_object().map(|r| &self.cells[r.0 as usize]) {
            Some(Cell::Env(e)) => e,
            _ => panic_bad_handle(v.bits() as u32),
        }
    }

    pub fn try_env(&self, v: Value) -> Option<&Env> {
        match v.as_object().and_then(|r| self.cells.get(r.0 as usize)) {
            Some(Cell::Env(e)) => Some(e),
            _ => None,
        }
    }

    #[inline]
    pub fn env_mut(&mut self, v: Value) -> &mut Env {
        match v.as_object().map(|r| &mut self.cells[r.0 as usize]) {
            Some(Cell::Env(e)) => e,
            _ => panic_bad_handle(v.bits() as u32),
        }
    }

    pub fn should_collect(&self) -> bool {
        self.debt >= self.threshold
    }

    /// Runs a full mark-sweep collection from `roots`. Returns the slots of the shared-heap
    /// references met while marking: with complete roots, every shared reference this heap
    /// and its roots can reach (the VM publishes them as its shared-heap roots).
    pub fn collect(&mut self, roots: &[Value]) -> Vec<u32> {
        self.marks.clear();
        self.marks.resize(self.cells.len(), false);
        let mut stack: Vec<u32> = Vec::with_capacity(256);
        let mut shared: Vec<u32> = Vec::new();
        for &r in roots {
            self.push_value(&mut stack, &mut shared, r);
        }
        self.drain(&mut stack, &mut shared);
        // Ephemerons: a WeakMap value is live only if its key is live. Iterate to a fixpoint.
        loop {
            let mut changed = false;
            for i in 0..self.cells.len() {
                if !self.marks[i] {
                    continue;
                }
                if let Cell::Object(o) = &self.cells[i] {
                    if let ObjectKind::WeakMap(m) = &o.kind {
                        for (k, v) in m.iter() {
                            let key_live = match k.as_object() {
                                Some(r) => self.marks[r.0 as usize],
                                None => true,
                            };
                            if key_live {
                                if let Some(s) = v.as_shared() {
                                    shared.push(s);
                                }
                                if let Some(s) = v.heap_slot() {
                                    if !self.marks[s as usize] {
                                        stack.push(s);
                                        self.marks[s as usize] = true;
                                        changed = true;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
            self.drain(&mut stack, &mut shared);
        }
        // Clear weak entries whose keys died.
        let marks = std::mem::take(&mut self.marks);
        for (i, cell) in self.cells.iter_mut().enumerate() {
            if !marks[i] {
                continue;
            }
            if let Cell::Object(o) = cell {
                match &mut o.kind {
                    ObjectKind::WeakMap(m) | ObjectKind::WeakSet(m) => {
                        m.retain(|k, _| match k.as_object() {
                            Some(r) => marks.get(r.0 as usize).copied().unwrap_or(false),
                            None => true,
                        })
                    }
                    ObjectKind::WeakRef(t) => {
                        if let Some(s) = t.heap_slot() {
                            if !marks[s as usize] {
                                *t = Value::UNDEFINED;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // Sweep.
        let mut live = 0usize;
        for (i, cell) in self.cells.iter_mut().enumerate() {
            if marks[i] {
                live += 1;
                continue;
            }
            if matches!(cell, Cell::Free(_)) {
                continue;
            }
            *cell = Cell::Free(self.free_head);
            self.free_head = i as u32;
            self.free_count += 1;
        }
        self.marks = marks;
        self.debt = 0;
        self.threshold = (live * 2).max(self.min_threshold);
        self.collections += 1;
        shared.sort_unstable();
        shared.dedup();
        shared
    }

    #[inline]
    fn push_value(&mut self, stack: &mut Vec<u32>, shared: &mut Vec<u32>, v: Value) {
        if let Some(s) = v.heap_slot() {
            let s = s as usize;
            if s < self.marks.len() && !self.marks[s] {
                self.marks[s] = true;
                stack.push(s as u32);
            }
        } else if let Some(s) = v.as_shared() {
            shared.push(s);
        }
    }

    fn drain(&mut self, stack: &mut Vec<u32>, shared: &mut Vec<u32>) {
        let mut children: Vec<Value> = Vec::new();
        while let Some(i) = stack.pop() {
            children.clear();
            trace_cell(&self.cells[i as usize], &mut children);
            for &c in &children {
                self.push_value(stack, shared, c);
            }
        }
    }
}

#[cold]
fn panic_bad_handle(i: u32) -> ! {
    // A stale or mistyped handle is an engine bug (a missing GC root), never a script error.
    panic!("skiff_vm: invalid heap handle {i}")
}

fn trace_reactions(rs: &[Reaction], out: &mut Vec<Value>) {
    for r in rs {
        out.push(r.handler);
        if let Some((p, a, b)) = r.capability {
            out.extend([p, a, b]);
        }
    }
}

fn trace_cell(cell: &Cell, out: &mut Vec<Value>) {
    match cell {
        Cell::Free(_) | Cell::String(_) | Cell::BigInt(_) => {}
        Cell::Accessor(g, s) => out.extend([*g, *s]),
        Cell::Rope(r) => {
            if r.flat.get().is_none() {
                out.extend([r.left, r.right]);
            }
        }
        Cell::Env(e) => {
            out.push(e.parent);
            out.extend_from_slice(&e.slots);
        }
        Cell::Object(o) => {
            if let Some(p) = o.proto {
                out.push(Value::object(p));
            }
            out.extend_from_slice(&o.slots);
            out.extend_from_slice(&o.elements);
            match &o.kind {
                ObjectKind::Ordinary
                | ObjectKind::Array
                | ObjectKind::Error(_)
                | ObjectKind::Boolean(_)
                | ObjectKind::Number(_)
                | ObjectKind::Symbol(_)
                | ObjectKind::Date(_)
                | ObjectKind::RegExp(_)
                | ObjectKind::ArrayBuffer(_)
                | ObjectKind::Arguments
                | ObjectKind::Namespace(_) => {}
                // The local collector cannot see whether a shared cell is still reachable from
                // other threads, so a weak reference to one holds it like a strong one (the
                // shared heap must never hand a reused slot to a stale key).
                ObjectKind::WeakSet(m) | ObjectKind::WeakMap(m) => {
                    out.extend(m.keys().filter(|k| k.as_shared().is_some()))
                }
                ObjectKind::WeakRef(t) => {
                    if t.as_shared().is_some() {
                        out.push(*t)
                    }
                }
                ObjectKind::String(s) | ObjectKind::BigInt(s) => out.push(*s),
                ObjectKind::Closure(c) => {
                    out.extend([c.env, c.this_val, c.new_target, c.home, c.fields])
                }
                ObjectKind::Native(n) => out.extend_from_slice(&n.data),
                ObjectKind::Bound(b) => {
                    out.push(b.target);
                    out.push(b.this);
                    out.extend_from_slice(&b.args);
                }
                ObjectKind::Map(m) | ObjectKind::Set(m) => {
                    for (k, v) in m.entries.iter().flatten() {
                        out.push(*k);
                        out.push(*v);
                    }
                }
                ObjectKind::Promise(p) => {
                    out.push(p.result);
                    trace_reactions(&p.fulfill, out);
                    trace_reactions(&p.reject, out);
                }
                ObjectKind::TypedArray { buffer, .. } | ObjectKind::DataView { buffer, .. } => {
                    out.push(*buffer)
                }
                ObjectKind::Iterator(it) => match &**it {
                    IterState::Array { target, .. }
                    | IterState::Map { target, .. }
                    | IterState::Set { target, .. } => out.push(*target),
                    IterState::Str { .. } => {}
                    IterState::RegExp { re, s, .. } => out.extend([*re, *s]),
                },
                ObjectKind::Generator(g) => {
                    out.push(g.promise);
                    for (_, v, p) in &g.queue {
                        out.push(*v);
                        out.push(*p);
                    }
                    if let Some(f) = &g.frame {
                        f.trace(out);
                    }
                }
                ObjectKind::ForIn(f) => out.extend_from_slice(&f.0),
            }
        }
    }
}
