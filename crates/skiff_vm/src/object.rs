//! Objects: shape + slots + dense elements + a kind for exotic and internal state.
//!
//! Integer-keyed properties normally live in `elements` (dense, `Value::HOLE` for holes) with
//! default attributes; `elem_mode` covers objects whose elements were sealed or frozen as a
//! whole. A rare element with unusual attributes (an accessor at an index, say) lives in the
//! shape under a `PropKey::Index` key instead, and is never also present in `elements`.

use crate::atom::PropKey;
use crate::shape::{Shape, ATTR_ACCESSOR, ATTR_CONFIGURABLE, ATTR_DEFAULT, ATTR_WRITABLE};
use crate::string::JsStr;
use crate::value::{ObjRef, SymbolId, Value};
use crate::JsResult;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Signature of a native (Rust) function callable from scripts.
pub type NativeFn = fn(&mut crate::vm::Vm, Value, &[Value]) -> JsResult<Value>;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ElemMode {
    Normal,
    Sealed,
    Frozen,
}

/// Compiled-function closure state.
pub struct Closure {
    /// Index of the module record in the VM.
    pub module: u32,
    /// Function index inside the compiled module.
    pub func: u32,
    /// The captured environment (an `Env` cell, or undefined).
    pub env: Value,
    /// `FunctionFlags` bits of the proto, copied here to avoid a lookup per call.
    pub flags: u32,
    /// Captured `this` for arrow functions (undefined otherwise).
    pub this_val: Value,
    /// Captured `new.target` for arrow functions.
    pub new_target: Value,
    /// The object whose prototype `super` refers to (methods), or undefined.
    pub home: Value,
    /// For class constructors: the class's instance field initializer function, or undefined.
    pub fields: Value,
    /// Copied from the compiled function so that a call needs no module lookup: the frame
    /// size (registers, at least the parameters), the parameter count, and the offset of the
    /// function's inline caches in the VM's table.
    pub frame_size: u32,
    pub param_count: u32,
    pub ic_base: u32,
}

impl Closure {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

pub struct NativeFunction {
    pub f: NativeFn,
    /// Extra per-closure data (bound state, promise capabilities, ...).
    pub data: Vec<Value>,
}

pub struct BoundFunction {
    pub target: Value,
    pub this: Value,
    pub args: Vec<Value>,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum PromiseState {
    Pending,
    Fulfilled,
    Rejected,
}

pub struct Reaction {
    /// Capability promise (or undefined for await reactions).
    pub capability: Option<(Value, Value, Value)>,
    /// Handler function or undefined; for internal await reactions, an async-frame object.
    pub handler: Value,
    pub kind: ReactionKind,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ReactionKind {
    Fulfill,
    Reject,
}

pub struct PromiseData {
    pub state: PromiseState,
    pub result: Value,
    pub fulfill: Vec<Reaction>,
    pub reject: Vec<Reaction>,
    pub handled: bool,
}

/// Key used by Map/Set: SameValueZero on values, by content for strings and bigints.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum MapKey {
    Bits(u64),
    Str(JsStr),
    Big(String),
}

#[derive(Default)]
pub struct MapData {
    pub entries: Vec<Option<(Value, Value)>>,
    pub index: FxHashMap<MapKey, usize>,
    pub live: usize,
}

impl MapData {
    pub fn get(&self, k: &MapKey) -> Option<Value> {
        self.index
            .get(k)
            .and_then(|&i| self.entries[i].map(|(_, v)| v))
    }

    pub fn set(&mut self, k: MapKey, key: Value, value: Value) {
        if let Some(&i) = self.index.get(&k) {
            if let Some(e) = &mut self.entries[i] {
                e.1 = value;
                return;
            }
        }
        if self.entries.len() > 1024 && self.entries.len() >= 4 * (self.live + 1) {
            self.compact();
        }
        self.index.insert(k, self.entries.len());
        self.entries.push(Some((key, value)));
        self.live += 1;
    }

    /// Drops tombstones. Iterators over this table hold entry indices, so compaction only
    /// happens when the table is mostly tombstones (insertion-heavy churn), never on delete.
    fn compact(&mut self) {
        let mut remap = vec![usize::MAX; self.entries.len()];
        let mut n = 0;
        for (i, e) in self.entries.iter().enumerate() {
            if e.is_some() {
                remap[i] = n;
                n += 1;
            }
        }
        self.entries.retain(|e| e.is_some());
        for idx in self.index.values_mut() {
            *idx = remap[*idx];
        }
    }

    pub fn delete(&mut self, k: &MapKey) -> bool {
        if let Some(i) = self.index.remove(k) {
            self.entries[i] = None;
            self.live -= 1;
            true
        } else {
            false
        }
    }

    pub fn clear(&mut self) {
        for e in &mut self.entries {
            *e = None;
        }
        self.index.clear();
        self.live = 0;
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum TypedKind {
    Int8,
    Uint8,
    Uint8Clamped,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Float32,
    Float64,
    BigInt64,
    BigUint64,
}

impl TypedKind {
    pub fn size(self) -> usize {
        match self {
            TypedKind::Int8 | TypedKind::Uint8 | TypedKind::Uint8Clamped => 1,
            TypedKind::Int16 | TypedKind::Uint16 => 2,
            TypedKind::Int32 | TypedKind::Uint32 | TypedKind::Float32 => 4,
            _ => 8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TypedKind::Int8 => "Int8Array",
            TypedKind::Uint8 => "Uint8Array",
            TypedKind::Uint8Clamped => "Uint8ClampedArray",
            TypedKind::Int16 => "Int16Array",
            TypedKind::Uint16 => "Uint16Array",
            TypedKind::Int32 => "Int32Array",
            TypedKind::Uint32 => "Uint32Array",
            TypedKind::Float32 => "Float32Array",
            TypedKind::Float64 => "Float64Array",
            TypedKind::BigInt64 => "BigInt64Array",
            TypedKind::BigUint64 => "BigUint64Array",
        }
    }

    pub const ALL: [TypedKind; 11] = [
        TypedKind::Int8,
        TypedKind::Uint8,
        TypedKind::Uint8Clamped,
        TypedKind::Int16,
        TypedKind::Uint16,
        TypedKind::Int32,
        TypedKind::Uint32,
        TypedKind::Float32,
        TypedKind::Float64,
        TypedKind::BigInt64,
        TypedKind::BigUint64,
    ];
}

/// The bytes of an `ArrayBuffer` or a `SharedArrayBuffer`.
///
/// A local buffer is owned by one VM (`Rc<RefCell>`). A shared one is the same memory for every
/// instance that received it (`Arc<Mutex>`): each access takes the lock for the length of one
/// read, write or atomic operation, so concurrent accesses are data-race free and `Atomics`
/// operations are sequentially consistent. Callers hold a borrow only for one operation and
/// never two borrows of one buffer at once (a second borrow of a shared buffer would wait for
/// itself).
#[derive(Clone)]
pub enum Buffer {
    Local(Rc<RefCell<Vec<u8>>>),
    Shared(SharedMemory),
}

/// The memory of a `SharedArrayBuffer`: the part that crosses threads.
pub type SharedMemory = std::sync::Arc<std::sync::Mutex<Vec<u8>>>;

/// A read borrow of a [`Buffer`]'s bytes.
pub enum BufferRef<'a> {
    Local(std::cell::Ref<'a, Vec<u8>>),
    Shared(std::sync::MutexGuard<'a, Vec<u8>>),
}

/// A write borrow of a [`Buffer`]'s bytes.
pub enum BufferMut<'a> {
    Local(std::cell::RefMut<'a, Vec<u8>>),
    Shared(std::sync::MutexGuard<'a, Vec<u8>>),
}

impl Buffer {
    pub fn local(bytes: Vec<u8>) -> Buffer {
        Buffer::Local(Rc::new(RefCell::new(bytes)))
    }

    pub fn shared(bytes: Vec<u8>) -> Buffer {
        Buffer::Shared(std::sync::Arc::new(std::sync::Mutex::new(bytes)))
    }

    pub fn is_shared(&self) -> bool {
        matches!(self, Buffer::Shared(_))
    }

    pub fn borrow(&self) -> BufferRef<'_> {
        match self {
            Buffer::Local(b) => BufferRef::Local(b.borrow()),
            // A panic while the lock was held cannot leave bytes half-valid: keep going.
            Buffer::Shared(b) => BufferRef::Shared(b.lock().unwrap_or_else(|p| p.into_inner())),
        }
    }

    pub fn borrow_mut(&self) -> BufferMut<'_> {
        match self {
            Buffer::Local(b) => BufferMut::Local(b.borrow_mut()),
            Buffer::Shared(b) => BufferMut::Shared(b.lock().unwrap_or_else(|p| p.into_inner())),
        }
    }
}

impl std::ops::Deref for BufferRef<'_> {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        match self {
            BufferRef::Local(b) => b,
            BufferRef::Shared(b) => b,
        }
    }
}

impl std::ops::Deref for BufferMut<'_> {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        match self {
            BufferMut::Local(b) => b,
            BufferMut::Shared(b) => b,
        }
    }
}

impl std::ops::DerefMut for BufferMut<'_> {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        match self {
            BufferMut::Local(b) => b,
            BufferMut::Shared(b) => b,
        }
    }
}

/// Iterator state for the builtin iterators.
pub enum IterState {
    /// Array (and array-like) iteration: target, next index, kind 0=values 1=keys 2=entries.
    Array {
        target: Value,
        index: u32,
        kind: u8,
        done: bool,
    },
    Map {
        target: Value,
        index: usize,
        kind: u8,
        done: bool,
    },
    Set {
        target: Value,
        index: usize,
        kind: u8,
        done: bool,
    },
    Str {
        s: JsStr,
        index: usize,
    },
    RegExp {
        re: Value,
        s: Value,
        global: bool,
        unicode: bool,
        done: bool,
    },
}

/// A suspended generator or async function activation.
pub struct SuspendedFrame {
    pub state: GenState,
    /// The saved frame (function, registers, pc...). Opaque to everything but the interpreter.
    pub frame: Option<Box<crate::interp::SavedFrame>>,
    /// For async functions: the promise returned to the caller.
    pub promise: Value,
    pub is_async: bool,
    /// Async generators: the queue of pending requests (kind, value, capability promise).
    pub queue: std::collections::VecDeque<(u8, Value, Value)>,
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum GenState {
    SuspendedStart,
    SuspendedYield,
    Executing,
    AwaitingReturn,
    Completed,
}

pub enum ObjectKind {
    Ordinary,
    Array,
    Closure(Closure),
    Native(Box<NativeFunction>),
    Bound(Box<BoundFunction>),
    /// An error; the payload is its stack frames (`\n    at ...` lines), formatted into the
    /// `stack` property on first read so the header reflects `name`/`message` set after construction.
    Error(Box<str>),
    Boolean(bool),
    Number(f64),
    String(Value),
    Symbol(SymbolId),
    BigInt(Value),
    Date(f64),
    RegExp(Box<RegExpData>),
    Map(Box<MapData>),
    Set(Box<MapData>),
    /// Keys are objects (held weakly) or unregistered symbols (which never die in this VM).
    WeakMap(Box<FxHashMap<Value, Value>>),
    WeakSet(Box<FxHashMap<Value, Value>>),
    WeakRef(Value),
    Promise(Box<PromiseData>),
    ArrayBuffer(Buffer),
    TypedArray {
        kind: TypedKind,
        buffer: Value,
        offset: usize,
        length: usize,
    },
    DataView {
        buffer: Value,
        offset: usize,
        length: usize,
    },
    Iterator(Box<IterState>),
    Generator(Box<SuspendedFrame>),
    Arguments,
    Namespace(u32),
    /// A `for-in` enumeration snapshot: keys and the next position.
    ForIn(Box<(Vec<Value>, usize)>),
}

pub struct RegExpData {
    pub source: JsStr,
    pub flags: JsStr,
    pub regex: Arc<skiff_jslib::regexp::CompiledRegExp>,
}

pub struct Object {
    pub shape: Rc<Shape>,
    pub slots: Vec<Value>,
    pub proto: Option<ObjRef>,
    pub elements: Vec<Value>,
    pub elem_mode: ElemMode,
    /// Arrays only: a length beyond the dense elements (sparse arrays, `length = 1e9`). The
    /// array length is `max(elements.len(), sparse_len)`.
    pub sparse_len: u32,
    /// Arrays only: `length` was made non-writable with `defineProperty`.
    pub length_readonly: bool,
    pub extensible: bool,
    /// Class constructors and a few builtins are callable-but-not-constructible etc.; this
    /// bit records whether `new` is allowed.
    pub constructible: bool,
    pub kind: ObjectKind,
}

/// A raw own property as stored (the value is an accessor cell when `attrs & ATTR_ACCESSOR`).
#[derive(Copy, Clone, Debug)]
pub struct RawProp {
    pub value: Value,
    pub attrs: u8,
}

impl Object {
    pub fn new(shape: Rc<Shape>, proto: Option<ObjRef>, kind: ObjectKind) -> Object {
        Object {
            shape,
            slots: Vec::new(),
            proto,
            elements: Vec::new(),
            elem_mode: ElemMode::Normal,
            sparse_len: 0,
            length_readonly: false,
            extensible: true,
            constructible: false,
            kind,
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self.kind, ObjectKind::Array)
    }

    /// The `length` of an array.
    #[inline]
    pub fn array_len(&self) -> usize {
        self.elements.len().max(self.sparse_len as usize)
    }

    pub fn is_callable(&self) -> bool {
        matches!(
            self.kind,
            ObjectKind::Closure(_) | ObjectKind::Native(_) | ObjectKind::Bound(_)
        )
    }

    fn elem_attrs(&self) -> u8 {
        match self.elem_mode {
            ElemMode::Normal => ATTR_DEFAULT,
            ElemMode::Sealed => ATTR_DEFAULT & !ATTR_CONFIGURABLE,
            ElemMode::Frozen => ATTR_DEFAULT & !ATTR_CONFIGURABLE & !ATTR_WRITABLE,
        }
    }

    /// Looks up an own property that is stored in the object (not virtual ones such as array
    /// `length` or string indices, which the VM layer adds).
    #[inline]
    pub fn get_own(&self, key: PropKey) -> Option<RawProp> {
        if let PropKey::Index(i) = key {
            if let Some(&v) = self.elements.get(i as usize) {
                if !v.is_hole() {
                    return Some(RawProp {
                        value: v,
                        attrs: self.elem_attrs(),
                    });
                }
            }
            if !self.shape.has_index_keys {
                return None;
            }
        }
        let i = self.shape.lookup(key)?;
        Some(RawProp {
            value: self.slots[i],
            attrs: self.shape.attrs[i],
        })
    }

    /// Adds or overwrites an own property with the given attributes without any checks.
    pub fn put_raw(&mut self, key: PropKey, value: Value, attrs: u8) {
        if let PropKey::Index(i) = key {
            let i = i as usize;
            let in_shape = self.shape.has_index_keys && self.shape.lookup(key).is_some();
            if !in_shape && attrs == self.elem_attrs() && attrs & ATTR_ACCESSOR == 0 {
                if i < self.elements.len() {
                    self.elements[i] = value;
                    return;
                }
                // Keep arrays dense when appending or nearly appending.
                if self.sparse_len == 0
                    && (i < self.elements.len() + 1024 || (self.is_array() && i < (1 << 26)))
                {
                    self.elements.resize(i, Value::HOLE);
                    self.elements.push(value);
                    return;
                }
            } else if i < self.elements.len() {
                self.elements[i] = Value::HOLE;
            }
        }
        match self.shape.lookup(key) {
            Some(idx) => {
                self.slots[idx] = value;
                Shape::with_attrs(&mut self.shape, idx, attrs);
            }
            None => {
                Shape::with_added(&mut self.shape, key, attrs);
                self.slots.push(value);
            }
        }
        if let (PropKey::Index(i), true) = (key, self.is_array()) {
            if i as usize >= self.elements.len() {
                if (i as usize) < (1 << 26) && self.sparse_len == 0 {
                    self.elements.resize(i as usize + 1, Value::HOLE);
                } else {
                    self.sparse_len = self.sparse_len.max(i + 1);
                }
            }
        }
    }

    /// Overwrites the value of an existing data property (attributes unchanged).
    pub fn set_existing(&mut self, key: PropKey, value: Value) {
        if let PropKey::Index(i) = key {
            if let Some(slot) = self.elements.get_mut(i as usize) {
                if !slot.is_hole() {
                    *slot = value;
                    return;
                }
            }
        }
        if let Some(idx) = self.shape.lookup(key) {
            self.slots[idx] = value;
        }
    }

    /// Removes an own property; returns whether it existed.
    pub fn remove(&mut self, key: PropKey) -> bool {
        if let PropKey::Index(i) = key {
            if let Some(slot) = self.elements.get_mut(i as usize) {
                if !slot.is_hole() {
                    *slot = Value::HOLE;
                    // Trailing holes of non-arrays can be trimmed.
                    if !matches!(self.kind, ObjectKind::Array) {
                        while self.elements.last().is_some_and(|v| v.is_hole()) {
                            self.elements.pop();
                        }
                    }
                    return true;
                }
            }
        }
        match self.shape.lookup(key) {
            Some(idx) => {
                Shape::with_removed(&mut self.shape, idx);
                self.slots.remove(idx);
                true
            }
            None => false,
        }
    }

    /// Own keys in ES order: integer keys ascending, then strings, then symbols, each in
    /// insertion order.
    pub fn own_keys(&self) -> Vec<PropKey> {
        let mut out = Vec::with_capacity(self.elements.len() + self.shape.len());
        for (i, v) in self.elements.iter().enumerate() {
            if !v.is_hole() {
                out.push(PropKey::Index(i as u32));
            }
        }
        if self.shape.has_index_keys {
            let mut idx: Vec<u32> = self
                .shape
                .keys
                .iter()
                .filter_map(|k| match k {
                    PropKey::Index(i) => Some(*i),
                    _ => None,
                })
                .collect();
            idx.extend(out.iter().filter_map(|k| match k {
                PropKey::Index(i) => Some(*i),
                _ => None,
            }));
            idx.sort_unstable();
            idx.dedup();
            out = idx.into_iter().map(PropKey::Index).collect();
        }
        out.extend(
            self.shape
                .keys
                .iter()
                .filter(|k| matches!(k, PropKey::Str(_))),
        );
        out.extend(
            self.shape
                .keys
                .iter()
                .filter(|k| matches!(k, PropKey::Sym(_))),
        );
        out
    }

    /// Attributes of an own stored property, if present.
    pub fn attrs_of(&self, key: PropKey) -> Option<u8> {
        self.get_own(key).map(|p| p.attrs)
    }

    /// Applies `Object.freeze` (frozen = true) or `Object.seal` to the stored properties.
    pub fn set_integrity(&mut self, frozen: bool) {
        self.extensible = false;
        self.elem_mode = if frozen || self.elem_mode == ElemMode::Frozen {
            ElemMode::Frozen
        } else {
            ElemMode::Sealed
        };
        for i in 0..self.shape.len() {
            let mut a = self.shape.attrs[i] & !ATTR_CONFIGURABLE;
            if frozen && a & ATTR_ACCESSOR == 0 {
                a &= !ATTR_WRITABLE;
            }
            Shape::with_attrs(&mut self.shape, i, a);
        }
    }
}
