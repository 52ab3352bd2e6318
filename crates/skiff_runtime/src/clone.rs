//! Structured clone between heaps (the one audited place where values cross threads).
//!
//! [`serialize`] walks a value graph of one VM and produces a [`Message`]: an owned, `Send`
//! tree with no heap references in it. [`deserialize`] rebuilds that graph in another VM.
//!
//! * Objects are numbered in discovery order; every reference to an already seen object is
//!   [`Leaf::Obj`] with its number, so shared and cyclic references survive the trip.
//! * Both directions use explicit worklists: a million-deep linked list must not overflow the
//!   Rust stack.
//! * Cloneable: primitives (not symbols), plain objects (own enumerable string-keyed
//!   properties; prototypes and methods are dropped, so a class instance arrives as a plain
//!   object), arrays (holes and extra named properties kept), Map, Set, Date, RegExp, Error
//!   objects (name, message, stack and own enumerable properties such as `code`), ArrayBuffer,
//!   TypedArrays, DataView, and the wrapper objects of booleans, numbers, strings and BigInts.
//! * Anything else (functions, symbols, promises, weak collections, generators, ...) is a
//!   [`CloneError`]; the Worker API turns it into BusinessError 10200006.
//! * A SharedArrayBuffer is not copied: the receiver's wrapper is over the same memory.
//! * ArrayBuffers listed in the transfer list are *moved*: their bytes leave the sender, whose
//!   buffer is detached (byteLength 0). Detaching happens only after the whole graph was
//!   serialized, so a failed `postMessage` has no side effect.

use num_bigint::BigInt;
use skiff_vm::atom::PropKey;
use skiff_vm::object::{Buffer, ObjectKind, TypedKind};
use skiff_vm::sendable::{Pins, SharedRef};
use skiff_vm::value::{Kind, ObjRef};
use skiff_vm::{JsResult, JsStr, Value, Vm};
use std::collections::HashMap;

/// A value that is not an object, or a reference to object number `n` of the message.
#[derive(Clone, Debug)]
pub enum Leaf {
    Undefined,
    Null,
    /// An array hole (never a script-visible value).
    Hole,
    Bool(bool),
    Number(f64),
    Str(JsStr),
    BigInt(BigInt),
    Obj(usize),
    /// A Sendable value: a reference into the process-wide shared heap, passed as is.
    Shared(u32),
}

/// One object of the message. Property keys are atoms or indices, which mean the same in every
/// VM of the process (the atom table is process-wide).
#[derive(Debug)]
pub enum Node {
    /// Not filled yet (only while serializing).
    Pending,
    Plain(Vec<(PropKey, Leaf)>),
    Array {
        length: u32,
        props: Vec<(PropKey, Leaf)>,
    },
    Map(Vec<(Leaf, Leaf)>),
    Set(Vec<Leaf>),
    Date(f64),
    /// A wrapper object of a primitive (`new String('x')`, `Object(1n)`, ...).
    Boxed(Leaf),
    RegExp {
        source: JsStr,
        flags: JsStr,
    },
    Error {
        /// Which constructor's prototype to use (`TypeError`, ...); `Error` when unknown.
        proto: ErrorProto,
        message: Option<JsStr>,
        stack: JsStr,
        props: Vec<(PropKey, Leaf)>,
    },
    ArrayBuffer(Vec<u8>),
    /// A SharedArrayBuffer: the receiver wraps the same memory.
    SharedArrayBuffer(skiff_vm::object::SharedMemory),
    Typed {
        kind: usize,
        buffer: usize,
        offset: usize,
        length: usize,
    },
    DataView {
        buffer: usize,
        offset: usize,
        length: usize,
    },
}

#[derive(Copy, Clone, Debug)]
pub enum ErrorProto {
    Error,
    Type,
    Range,
    Reference,
    Syntax,
    Eval,
    Uri,
}

/// A serialized value graph: the root and the objects it reaches.
#[derive(Debug)]
pub struct Message {
    pub root: Leaf,
    pub nodes: Vec<Node>,
    /// Keeps the message's shared references alive while it is in flight (no instance holds
    /// them then); dropping the message after decoding it releases them.
    pub pins: Pins,
}

/// Why a value could not be cloned (the detail is for diagnostics; users see 10200006).
#[derive(Debug)]
pub struct CloneError(pub String);

/// Which ArrayBuffers of a message are moved rather than copied.
#[derive(Clone, Copy)]
pub enum Transfer<'a> {
    /// Exactly these (Worker `postMessage`).
    Listed(&'a [Value]),
    /// Every non-empty buffer except these (TaskPool's default, minus the clone list).
    AllExcept(&'a [Value]),
}

/// Serializes `value`; the ArrayBuffers in `transfer` are moved rather than copied.
/// A script error (a throwing getter) is returned as `Ok(Err(thrown))`.
pub fn serialize(
    vm: &mut Vm,
    value: Value,
    transfer: &[Value],
) -> Result<JsResult<Message>, CloneError> {
    serialize_with(vm, value, Transfer::Listed(transfer))
}

/// [`serialize`], except that `@Sendable` class instances are copied (Worker `postMessage`)
/// instead of shared (`postMessageWithSharedSendable`, TaskPool).
pub fn serialize_copying_sendables(
    vm: &mut Vm,
    value: Value,
    transfer: &[Value],
) -> Result<JsResult<Message>, CloneError> {
    serialize_inner(vm, value, Transfer::Listed(transfer), true, &[])
}

/// [`serialize`] with an explicit transfer policy.
pub fn serialize_with(
    vm: &mut Vm,
    value: Value,
    transfer: Transfer<'_>,
) -> Result<JsResult<Message>, CloneError> {
    serialize_inner(vm, value, transfer, false, &[])
}

/// [`serialize_with`] for a TaskPool task: the `@Sendable` instances in `clone_list` are copied,
/// every other Sendable is shared.
pub fn serialize_with_clone_list(
    vm: &mut Vm,
    value: Value,
    transfer: Transfer<'_>,
    clone_list: &[Value],
) -> Result<JsResult<Message>, CloneError> {
    serialize_inner(vm, value, transfer, false, clone_list)
}

fn serialize_inner(
    vm: &mut Vm,
    value: Value,
    transfer: Transfer<'_>,
    copy_all_sendables: bool,
    clone_list: &[Value],
) -> Result<JsResult<Message>, CloneError> {
    // Sendable methods and functions in this message may read their module's exported
    // variables on the receiving thread.
    vm.publish_module_bindings();
    let (listed, move_all) = match transfer {
        Transfer::Listed(l) => (l, false),
        Transfer::AllExcept(l) => (l, true),
    };
    let mut transfer_set = Vec::new();
    for t in listed {
        match t.as_object().map(|o| &vm.heap.obj(o).kind) {
            Some(ObjectKind::ArrayBuffer(_)) => {
                transfer_set.push(t.as_object().unwrap_or(ObjRef(0)))
            }
            // The buffers to keep may come with the Sendables of a clone list.
            _ if move_all => {}
            _ => {
                return Err(CloneError(
                    "the transfer list holds a non-ArrayBuffer".into(),
                ))
            }
        }
    }
    let mut w = Writer {
        nodes: Vec::new(),
        memo: HashMap::new(),
        work: Vec::new(),
        listed: transfer_set,
        move_all,
        moved: Vec::new(),
        copy_all_sendables,
        copy_listed: clone_list.iter().filter_map(|v| v.as_shared()).collect(),
        copies: HashMap::new(),
        shared: Vec::new(),
    };
    // Getters run while we walk, and a getter may detach an object still on the worklist from
    // the graph; every object we reached stays rooted until the walk ends.
    let base = vm.handles.len();
    // The nodes hold shared references that no local root shows while getters run.
    let r = vm.with_shared_words_held(|vm| {
        let root = w.leaf(vm, value)?;
        vm.handles
            .extend(w.work.iter().map(|(o, _)| Value::object(*o)));
        while let Some((o, idx)) = w.work.pop() {
            let before = w.work.len();
            let node = match w.node(vm, o)? {
                Ok(n) => n,
                Err(thrown) => return Ok(Err(thrown)),
            };
            vm.handles
                .extend(w.work[before..].iter().map(|(o, _)| Value::object(*o)));
            w.nodes[idx] = node;
        }
        Ok(Ok(root))
    });
    vm.handles.truncate(base);
    let root = match r {
        Ok(Ok(root)) => root,
        Ok(Err(thrown)) => return Ok(Err(thrown)),
        Err(e) => return Err(e),
    };
    // Everything serialized: now the transferred buffers may give up their bytes.
    for o in std::mem::take(&mut w.moved) {
        let Some(&idx) = w.memo.get(&o.0) else {
            continue;
        };
        if let ObjectKind::ArrayBuffer(buf) = &vm.heap.obj(o).kind {
            let bytes = std::mem::take(&mut *buf.borrow_mut());
            w.nodes[idx] = Node::ArrayBuffer(bytes);
        }
    }
    let pins = vm.pin_shared(std::mem::take(&mut w.shared));
    Ok(Ok(Message {
        root,
        nodes: w.nodes,
        pins,
    }))
}

struct Writer {
    nodes: Vec<Node>,
    memo: HashMap<u32, usize>,
    work: Vec<(ObjRef, usize)>,
    /// The buffers named by the caller: the ones to move, or with `move_all` the ones to copy.
    listed: Vec<ObjRef>,
    move_all: bool,
    /// Buffers whose bytes leave the sender once the whole graph is serialized.
    moved: Vec<ObjRef>,
    /// Which Sendable class instances travel as copies rather than by reference: all of them
    /// (plain `postMessage`), or those listed (a TaskPool clone list). Each is copied once per
    /// message.
    copy_all_sendables: bool,
    copy_listed: Vec<u32>,
    copies: HashMap<u32, u32>,
    /// The shared references the message carries, to pin.
    shared: Vec<u32>,
}

impl Writer {
    fn leaf(&mut self, vm: &mut Vm, v: Value) -> Result<Leaf, CloneError> {
        Ok(match v.kind() {
            Kind::Undefined => Leaf::Undefined,
            Kind::Null => Leaf::Null,
            Kind::Bool => Leaf::Bool(v.as_bool().unwrap_or(false)),
            Kind::Number => Leaf::Number(v.num()),
            Kind::String => Leaf::Str(vm.js_str(v)),
            Kind::BigInt => match v.as_bigint() {
                Some(slot) => Leaf::BigInt(vm.heap.bigint(slot).clone()),
                None => Leaf::Undefined,
            },
            Kind::Object => {
                let Some(o) = v.as_object() else {
                    return Err(CloneError("not an object".into()));
                };
                // A `@Sendable` function crosses by reference, like every Sendable.
                if let Some(word) = vm.sendable_function_word(v) {
                    let slot = word
                        .ok()
                        .and_then(|w| w.as_ref())
                        .ok_or_else(|| CloneError("the shared heap is exhausted".into()))?;
                    self.shared.push(slot.0);
                    return Ok(Leaf::Shared(slot.0));
                }
                if let Some(&i) = self.memo.get(&o.0) {
                    return Ok(Leaf::Obj(i));
                }
                let i = self.nodes.len();
                self.nodes.push(Node::Pending);
                self.memo.insert(o.0, i);
                self.work.push((o, i));
                Leaf::Obj(i)
            }
            Kind::Hole => Leaf::Hole,
            Kind::Shared => match v.as_shared() {
                Some(slot) if self.copy_all_sendables || self.copy_listed.contains(&slot) => {
                    if let Some(&copy) = self.copies.get(&slot) {
                        return Ok(Leaf::Shared(copy));
                    }
                    let copy = vm
                        .copy_sendable(v)
                        .and_then(|c| c.as_shared())
                        .unwrap_or(slot);
                    self.copies.insert(slot, copy);
                    self.shared.push(copy);
                    Leaf::Shared(copy)
                }
                Some(slot) => {
                    self.shared.push(slot);
                    Leaf::Shared(slot)
                }
                None => Leaf::Undefined,
            },
            other => return Err(CloneError(format!("{other:?} values cannot be cloned"))),
        })
    }

    /// Own enumerable string-keyed properties (getters run, like the HTML algorithm).
    fn props(
        &mut self,
        vm: &mut Vm,
        o: ObjRef,
    ) -> Result<JsResult<Vec<(PropKey, Leaf)>>, CloneError> {
        let keys = vm.own_enumerable_string_keys(o);
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let v = match vm.get(Value::object(o), k) {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            out.push((k, self.leaf(vm, v)?));
        }
        Ok(Ok(out))
    }

    fn node(&mut self, vm: &mut Vm, o: ObjRef) -> Result<JsResult<Node>, CloneError> {
        // Copy out what the kind holds first: reading properties needs `&mut Vm`.
        enum K {
            Plain,
            Array(u32),
            Map(Vec<(Value, Value)>, bool),
            Date(f64),
            Boxed(Value),
            RegExp(JsStr, JsStr),
            Error,
            Buffer(Vec<u8>),
            SharedBuffer(skiff_vm::object::SharedMemory),
            Typed(usize, Value, usize, usize),
            View(Value, usize, usize),
            Bad(&'static str),
        }
        let obj = vm.heap.obj(o);
        let k = match &obj.kind {
            ObjectKind::Ordinary | ObjectKind::Arguments => K::Plain,
            ObjectKind::Array => K::Array((obj.elements.len() as u32).max(obj.sparse_len)),
            ObjectKind::Map(m) => K::Map(m.entries.iter().flatten().copied().collect(), true),
            ObjectKind::Set(m) => K::Map(m.entries.iter().flatten().copied().collect(), false),
            ObjectKind::Date(t) => K::Date(*t),
            ObjectKind::Boolean(b) => K::Boxed(Value::bool(*b)),
            ObjectKind::Number(n) => K::Boxed(Value::number(*n)),
            ObjectKind::String(v) | ObjectKind::BigInt(v) => K::Boxed(*v),
            ObjectKind::RegExp(r) => K::RegExp(r.source.clone(), r.flags.clone()),
            ObjectKind::Error(_) => K::Error,
            ObjectKind::ArrayBuffer(Buffer::Shared(memory)) => K::SharedBuffer(memory.clone()),
            ObjectKind::ArrayBuffer(b) => {
                let listed = self.listed.contains(&o);
                // Empty buffers are never transferred: there is nothing to move.
                let moves = if self.move_all {
                    !listed && !b.borrow().is_empty()
                } else {
                    listed
                };
                if moves {
                    self.moved.push(o);
                    // Moved after serialization completes (see `serialize`).
                    K::Buffer(Vec::new())
                } else {
                    K::Buffer(b.borrow().clone())
                }
            }
            ObjectKind::TypedArray {
                kind,
                buffer,
                offset,
                length,
            } => K::Typed(
                TypedKind::ALL.iter().position(|k| k == kind).unwrap_or(0),
                *buffer,
                *offset,
                *length,
            ),
            ObjectKind::DataView {
                buffer,
                offset,
                length,
            } => K::View(*buffer, *offset, *length),
            ObjectKind::Closure(_) | ObjectKind::Native(_) | ObjectKind::Bound(_) => {
                K::Bad("functions")
            }
            ObjectKind::Promise(_) => K::Bad("promises"),
            ObjectKind::WeakMap(_) | ObjectKind::WeakSet(_) | ObjectKind::WeakRef(_) => {
                K::Bad("weak collections")
            }
            _ => K::Bad("objects of this kind"),
        };
        Ok(Ok(match k {
            K::Bad(what) => return Err(CloneError(format!("{what} cannot be cloned"))),
            K::Plain => match self.props(vm, o)? {
                Ok(p) => Node::Plain(p),
                Err(e) => return Ok(Err(e)),
            },
            K::Array(length) => match self.props(vm, o)? {
                Ok(props) => Node::Array { length, props },
                Err(e) => return Ok(Err(e)),
            },
            K::Map(entries, is_map) => {
                if is_map {
                    let mut out = Vec::with_capacity(entries.len());
                    for (k, v) in entries {
                        out.push((self.leaf(vm, k)?, self.leaf(vm, v)?));
                    }
                    Node::Map(out)
                } else {
                    let mut out = Vec::with_capacity(entries.len());
                    for (k, _) in entries {
                        out.push(self.leaf(vm, k)?);
                    }
                    Node::Set(out)
                }
            }
            K::Date(t) => Node::Date(t),
            K::Boxed(v) => Node::Boxed(self.leaf(vm, v)?),
            K::RegExp(source, flags) => Node::RegExp { source, flags },
            K::Error => {
                let name = match vm.get_str(Value::object(o), "name") {
                    Ok(v) => vm.to_display_string(v),
                    Err(e) => return Ok(Err(e)),
                };
                let proto = match name.as_str() {
                    "TypeError" => ErrorProto::Type,
                    "RangeError" => ErrorProto::Range,
                    "ReferenceError" => ErrorProto::Reference,
                    "SyntaxError" => ErrorProto::Syntax,
                    "EvalError" => ErrorProto::Eval,
                    "URIError" => ErrorProto::Uri,
                    _ => ErrorProto::Error,
                };
                let message = match vm.get_str(Value::object(o), "message") {
                    Ok(v) if v.is_undefined() => None,
                    Ok(v) => Some(JsStr::from_str(&vm.to_display_string(v))),
                    Err(e) => return Ok(Err(e)),
                };
                let stack = JsStr::from_str(&skiff_vm::builtins::error::stack_text(vm, o));
                let mut props = match self.props(vm, o)? {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                // A custom name set on the instance (BusinessError) must survive even when it
                // is not enumerable.
                let name_key = PropKey::from_str("name");
                if vm.heap.obj(o).get_own(name_key).is_some()
                    && !props.iter().any(|(k, _)| *k == name_key)
                {
                    props.push((name_key, Leaf::Str(JsStr::from_str(&name))));
                }
                Node::Error {
                    proto,
                    message,
                    stack,
                    props,
                }
            }
            K::Buffer(bytes) => Node::ArrayBuffer(bytes),
            K::SharedBuffer(memory) => Node::SharedArrayBuffer(memory),
            K::Typed(kind, buffer, offset, length) => match self.leaf(vm, buffer)? {
                Leaf::Obj(buffer) => Node::Typed {
                    kind,
                    buffer,
                    offset,
                    length,
                },
                _ => return Err(CloneError("typed array without a buffer".into())),
            },
            K::View(buffer, offset, length) => match self.leaf(vm, buffer)? {
                Leaf::Obj(buffer) => Node::DataView {
                    buffer,
                    offset,
                    length,
                },
                _ => return Err(CloneError("DataView without a buffer".into())),
            },
        }))
    }
}

/// Rebuilds a message in `vm`'s heap. Every object is allocated first (so references in any
/// direction resolve), then filled; all of them stay rooted until the root is returned.
pub fn deserialize(vm: &mut Vm, msg: Message) -> JsResult<Value> {
    let base = vm.handles.len();
    let mut objs: Vec<Value> = Vec::with_capacity(msg.nodes.len());
    let r = (|| {
        // Pass 1: shells. Buffers come before the views on them, but views may refer to a
        // buffer numbered later, so views are created in pass 2.
        for node in &msg.nodes {
            let (proto, kind) = match node {
                Node::Pending | Node::Plain(_) => (vm.realm.object_proto, ObjectKind::Ordinary),
                Node::Array { .. } => {
                    let a = vm.new_array(Vec::new());
                    objs.push(vm.root(Value::object(a)));
                    continue;
                }
                Node::Map(_) => (vm.realm.map_proto, ObjectKind::Map(Box::default())),
                Node::Set(_) => (vm.realm.set_proto, ObjectKind::Set(Box::default())),
                Node::Date(t) => (vm.realm.date_proto, ObjectKind::Date(*t)),
                Node::Boxed(leaf) => {
                    let v = value(vm, leaf, &[]);
                    let o = vm.to_object(v)?;
                    objs.push(vm.root(Value::object(o)));
                    continue;
                }
                Node::RegExp { source, flags } => {
                    let ctor = Value::object(vm.realm.regexp_ctor);
                    let s = vm.new_string(source.clone());
                    let f = vm.new_string(flags.clone());
                    let re = vm.construct(ctor, &[s, f], ctor)?;
                    objs.push(vm.root(re));
                    continue;
                }
                Node::Error {
                    proto,
                    message,
                    stack,
                    props,
                } => {
                    // A message or stack the sender made an own enumerable property (assigned
                    // to an error made without a message, or defined) is among `props`, and is
                    // defined there, in its place in the key order.
                    let in_props =
                        |name: &str| props.iter().any(|(k, _)| *k == PropKey::from_str(name));
                    let (own_message, own_stack) = (in_props("message"), in_props("stack"));
                    let p = match proto {
                        ErrorProto::Error => vm.realm.error_proto,
                        ErrorProto::Type => vm.realm.type_error_proto,
                        ErrorProto::Range => vm.realm.range_error_proto,
                        ErrorProto::Reference => vm.realm.reference_error_proto,
                        ErrorProto::Syntax => vm.realm.syntax_error_proto,
                        ErrorProto::Eval => vm.realm.eval_error_proto,
                        ErrorProto::Uri => vm.realm.uri_error_proto,
                    };
                    let e = vm.new_object_with_proto(Some(p), ObjectKind::Error("".into()));
                    vm.root(Value::object(e));
                    if let Some(m) = message.as_ref().filter(|_| !own_message) {
                        let m = vm.new_string(m.clone());
                        vm.heap
                            .obj_mut(e)
                            .put_raw(PropKey::from_str("message"), m, HIDDEN);
                    }
                    // The sender's stack, so an error reported here still points at the code
                    // that threw it.
                    if !own_stack {
                        let s = vm.new_string(stack.clone());
                        vm.heap
                            .obj_mut(e)
                            .put_raw(PropKey::from_str("stack"), s, HIDDEN);
                    }
                    objs.push(Value::object(e));
                    continue;
                }
                Node::ArrayBuffer(bytes) => (
                    vm.realm.array_buffer_proto,
                    ObjectKind::ArrayBuffer(Buffer::local(bytes.clone())),
                ),
                Node::SharedArrayBuffer(memory) => (
                    vm.realm.shared_array_buffer_proto,
                    ObjectKind::ArrayBuffer(Buffer::Shared(memory.clone())),
                ),
                Node::Typed { .. } | Node::DataView { .. } => {
                    // Placeholder, replaced in pass 2.
                    objs.push(Value::UNDEFINED);
                    continue;
                }
            };
            let o = vm.new_object_with_proto(Some(proto), kind);
            objs.push(vm.root(Value::object(o)));
        }
        for (i, node) in msg.nodes.iter().enumerate() {
            match node {
                Node::Typed {
                    kind,
                    buffer,
                    offset,
                    length,
                } => {
                    let k = TypedKind::ALL
                        .get(*kind)
                        .copied()
                        .unwrap_or(TypedKind::Uint8);
                    let proto = vm.realm.typed_protos.get(*kind).copied();
                    let o = vm.new_object_with_proto(
                        proto,
                        ObjectKind::TypedArray {
                            kind: k,
                            buffer: objs[*buffer],
                            offset: *offset,
                            length: *length,
                        },
                    );
                    objs[i] = vm.root(Value::object(o));
                }
                Node::DataView {
                    buffer,
                    offset,
                    length,
                } => {
                    let proto = vm.realm.data_view_proto;
                    let o = vm.new_object_with_proto(
                        Some(proto),
                        ObjectKind::DataView {
                            buffer: objs[*buffer],
                            offset: *offset,
                            length: *length,
                        },
                    );
                    objs[i] = vm.root(Value::object(o));
                }
                _ => {}
            }
        }
        // Pass 2: contents.
        for (i, node) in msg.nodes.iter().enumerate() {
            let Some(o) = objs[i].as_object() else {
                continue;
            };
            match node {
                Node::Plain(props) | Node::Error { props, .. } => {
                    for (k, l) in props {
                        let v = value(vm, l, &objs);
                        vm.create_data_property(o, *k, v)?;
                    }
                }
                Node::Array { length, props } => {
                    for (k, l) in props {
                        let v = value(vm, l, &objs);
                        vm.create_data_property(o, *k, v)?;
                    }
                    let len = Value::number(*length as f64);
                    vm.set(objs[i], PropKey::from_str("length"), len)?;
                }
                Node::Map(entries) => {
                    for (k, v) in entries {
                        let (k, v) = (value(vm, k, &objs), value(vm, v, &objs));
                        let mk = skiff_vm::ops::map_key(vm, k);
                        if let ObjectKind::Map(m) = &mut vm.heap.obj_mut(o).kind {
                            m.set(mk, k, v);
                        }
                    }
                }
                Node::Set(entries) => {
                    for k in entries {
                        let k = value(vm, k, &objs);
                        let mk = skiff_vm::ops::map_key(vm, k);
                        if let ObjectKind::Set(m) = &mut vm.heap.obj_mut(o).kind {
                            m.set(mk, k, k);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(value(vm, &msg.root, &objs))
    })();
    vm.handles.truncate(base);
    r
}

/// Non-enumerable, writable, configurable: how `message` and `stack` sit on errors.
const HIDDEN: u8 = skiff_vm::shape::ATTR_WRITABLE | skiff_vm::shape::ATTR_CONFIGURABLE;

fn value(vm: &mut Vm, l: &Leaf, objs: &[Value]) -> Value {
    match l {
        Leaf::Undefined => Value::UNDEFINED,
        Leaf::Null => Value::NULL,
        Leaf::Hole => Value::HOLE,
        Leaf::Bool(b) => Value::bool(*b),
        Leaf::Number(n) => Value::number(*n),
        Leaf::Str(s) => vm.new_string(s.clone()),
        Leaf::BigInt(b) => vm.heap.alloc_bigint(b.clone()),
        Leaf::Obj(i) => objs.get(*i).copied().unwrap_or(Value::UNDEFINED),
        // Through the word conversion: a function cell becomes this VM's closure.
        Leaf::Shared(slot) => vm.from_shared_word(SharedRef(*slot).into()),
    }
}
