//! The register interpreter.
//!
//! Frames live on a VM-owned stack (`Interp::frames`) and registers in one VM-owned register
//! file (`Interp::regs`); a script → script call pushes a frame and continues the same loop, so
//! script recursion never grows the Rust stack. Natives that call back into scripts enter
//! [`run`] again with an *entry* frame; that nesting is bounded by `Limits::max_native_depth`.
//!
//! Generators and async functions run as entry frames: at `InitialYield`/`Yield`/`Await` the
//! frame (with its registers) is moved into the generator object and `run` returns a
//! suspension to the Rust code that resumed it.

use crate::atom::{names, PropKey};
use crate::builtins::iterator::{iter_result, IterRecord};
use crate::heap::Cell;
use crate::module::ModuleCode;
use crate::object::{Closure, GenState, ObjectKind, SuspendedFrame};
use crate::ops::{num_op, ArithOp, CmpOp};
use crate::shape::{
    ATTR_ACCESSOR, ATTR_CONFIGURABLE, ATTR_DEFAULT, ATTR_ENUMERABLE, ATTR_HIDDEN, ATTR_WRITABLE,
};
use crate::string::JsStr;
use crate::value::{ObjRef, Value};
use crate::vm::{attention, PropDesc, Vm, TERMINATION};
use crate::JsResult;
use skiff_bytecode::{Constant, FunctionFlags as FF, FunctionProto, Instr, Reg};
use std::rc::Rc;

/// How many prototypes an inline cache may walk from the receiver to the holder.
const IC_DEPTH: usize = 4;

/// One way of an inline cache: a receiver shape and where its property was found.
#[derive(Copy, Clone, Debug)]
pub struct IcWay {
    /// The receiver's shape id; 0 (which no object has) stands for a string primitive.
    pub shape: u32,
    pub slot: u32,
    /// Prototypes walked from the receiver to the holder (0: an own property).
    pub depth: u32,
    /// The objects on that walk, the last one the holder, and the shape id each had: equal ids
    /// mean the same keys, so the intermediate objects still lack the property.
    pub protos: [u32; IC_DEPTH],
    pub proto_shapes: [u32; IC_DEPTH],
    /// The slot holds an accessor pair (whose getter a read calls) rather than a value.
    pub getter: bool,
}

impl IcWay {
    const EMPTY: IcWay = IcWay {
        shape: u32::MAX,
        slot: 0,
        depth: 0,
        protos: [u32::MAX; IC_DEPTH],
        proto_shapes: [0; IC_DEPTH],
        getter: false,
    };

    fn own(shape: u32, slot: usize) -> IcWay {
        IcWay {
            shape,
            slot: slot as u32,
            ..IcWay::EMPTY
        }
    }
}

/// Ways per inline cache.
const IC_WAYS: usize = 4;

/// The inline cache of one instruction: a few ways, most recently filled first, so that a site
/// seeing several receiver shapes (a class hierarchy, a polymorphic call) keeps hitting.
#[derive(Copy, Clone, Debug)]
pub struct IcEntry {
    pub ways: [IcWay; IC_WAYS],
}

impl IcEntry {
    pub const EMPTY: IcEntry = IcEntry {
        ways: [IcWay::EMPTY; IC_WAYS],
    };

    fn fill(&mut self, w: IcWay) {
        self.ways.copy_within(0..IC_WAYS - 1, 1);
        self.ways[0] = w;
    }
}

/// Reads a property through a cache way, if the way applies to `obj` (whose shape id the
/// caller has already compared).
#[inline]
fn ic_read(heap: &crate::heap::Heap, first_proto: Option<ObjRef>, w: &IcWay) -> Option<Value> {
    let mut p = first_proto?;
    let mut d = 0;
    loop {
        if p.0 != w.protos[d] {
            return None;
        }
        let Some(Cell::Object(po)) = heap.cells.get(p.0 as usize) else {
            return None;
        };
        if po.shape.id != w.proto_shapes[d] {
            return None;
        }
        d += 1;
        if d == w.depth as usize {
            return po.slots.get(w.slot as usize).copied();
        }
        p = po.proto?;
    }
}

/// What a named read found: a value, or the getter of an accessor, still to be called with the
/// receiver (undefined for an accessor without a getter).
enum Got {
    Value(Value),
    Getter(Value),
}

/// The result of a cache hit on `w` whose slot holds `v`.
#[inline]
fn ic_got(heap: &crate::heap::Heap, w: &IcWay, v: Value) -> Got {
    if w.getter {
        Got::Getter(heap.accessor(v).0)
    } else {
        Got::Value(v)
    }
}

/// Looks `key` up along the prototype chain starting at `first` for a cacheable property
/// (data or accessor): every object on the way must be an ordinary-enough, non-dictionary object.
fn ic_walk(vm: &Vm, shape: u32, mut next: Option<ObjRef>, key: PropKey) -> Option<(IcWay, Value)> {
    let mut w = IcWay {
        shape,
        ..IcWay::EMPTY
    };
    for d in 0..IC_DEPTH {
        let p = next?;
        let po = vm.heap.obj(p);
        if po.shape.dict || !ic_plain_kind(&po.kind, key) {
            return None;
        }
        w.protos[d] = p.0;
        w.proto_shapes[d] = po.shape.id;
        if let Some(i) = po.shape.lookup(key) {
            w.getter = po.shape.attrs[i] & ATTR_ACCESSOR != 0;
            w.depth = d as u32 + 1;
            w.slot = i as u32;
            return Some((w, po.slots[i]));
        }
        next = po.proto;
    }
    None
}

/// Whether an object of this kind holds `key` (a named key) only in its shape: no virtual
/// property and no lookup that stops at it.
fn ic_plain_kind(kind: &ObjectKind, key: PropKey) -> bool {
    let n = names::get();
    match kind {
        ObjectKind::TypedArray { .. } | ObjectKind::Namespace(_) => false,
        ObjectKind::Array | ObjectKind::String(_) => key != PropKey::Str(n.length),
        ObjectKind::Error(_) => key != PropKey::Str(n.stack),
        _ => true,
    }
}

const F_ENTRY: u8 = 1;
const F_CONSTRUCT: u8 = 2;

/// An activation record.
#[derive(Clone)]
pub struct Frame {
    pub module: u32,
    pub func: u32,
    pub pc: u32,
    pub base: u32,
    pub ic_base: u32,
    pub env: Value,
    pub this: Value,
    pub new_target: Value,
    pub callee: Value,
    /// All actual arguments, kept only for functions that need `arguments`/rest.
    pub args: Option<Box<[Value]>>,
    /// Register of the caller receiving the result.
    pub ret: u16,
    pub flags: u8,
    /// The generator/async object this frame belongs to, or undefined.
    pub gen: Value,
}

/// A suspended frame with its registers, stored in a generator object.
pub struct SavedFrame {
    pub frame: Frame,
    pub regs: Vec<Value>,
}

impl SavedFrame {
    pub fn trace(&self, out: &mut Vec<Value>) {
        trace_frame(&self.frame, out);
        out.extend_from_slice(&self.regs);
    }
}

fn trace_frame(f: &Frame, out: &mut Vec<Value>) {
    out.extend([f.env, f.this, f.new_target, f.callee, f.gen]);
    if let Some(a) = &f.args {
        out.extend_from_slice(a);
    }
}

#[derive(Default)]
pub struct Interp {
    pub frames: Vec<Frame>,
    pub regs: Vec<Value>,
    pub ics: Vec<IcEntry>,
    /// Materialised string/BigInt constants, per function (hole = not created yet).
    pub consts: Vec<Value>,
    /// Shared `name` strings of compiled functions (hole = not created yet).
    pub fn_names: Vec<Value>,
    /// Reusable argument buffer for calls to natives.
    pub arg_buf: Vec<Value>,
    pub join_stack: Vec<ObjRef>,
    /// Objects being visited by inspect / JSON.stringify (cycle detection).
    pub visiting: Vec<Value>,
}

impl Interp {
    pub fn trace(&self, out: &mut Vec<Value>) {
        out.extend_from_slice(&self.regs);
        out.extend(self.consts.iter().copied().filter(|v| !v.is_hole()));
        out.extend(self.fn_names.iter().copied().filter(|v| !v.is_hole()));
        for f in &self.frames {
            trace_frame(f, out);
        }
        out.extend_from_slice(&self.visiting);
        out.extend(self.join_stack.iter().map(|o| Value::object(*o)));
    }
}

/// How `run` left the loop.
pub enum Exit {
    Return(Value),
    /// The entry frame suspended (yield/await); the value is the yielded/awaited operand.
    Yield(Value),
    YieldRaw(Value),
    Await(Value),
    Initial,
}

// ----- closures ---------------------------------------------------------------------------

/// Creates a function object for `functions[func]` of module `m`.
pub fn make_closure(
    vm: &mut Vm,
    m: u32,
    func: u32,
    env: Value,
    frame: Option<(Value, Value, Value)>,
) -> ObjRef {
    let Some(code) = vm.modules.code(m) else {
        return vm.realm.function_proto;
    };
    let p = &code.module.functions[func as usize];
    let flags = p.flags;
    let (this_val, new_target, home) = match (flags.has(FF::ARROW), frame) {
        (true, Some((this, nt, callee))) => {
            let home = closure_home(vm, callee);
            (this, nt, home)
        }
        _ => (Value::UNDEFINED, Value::UNDEFINED, Value::UNDEFINED),
    };
    let proto = if flags.has(FF::ASYNC) && !flags.has(FF::GENERATOR) {
        vm.realm.async_function_proto
    } else if flags.has(FF::GENERATOR) && flags.has(FF::ASYNC) {
        vm.realm.async_generator_function_proto
    } else if flags.has(FF::GENERATOR) {
        vm.realm.generator_function_proto
    } else {
        vm.realm.function_proto
    };
    let c = Closure {
        module: m,
        func,
        flags: flags.0,
        env,
        this_val,
        new_target,
        home,
        fields: Value::UNDEFINED,
        frame_size: u32::from(p.register_count).max(u32::from(p.param_count)),
        param_count: u32::from(p.param_count),
        ic_base: code.ic_offsets[func as usize],
    };
    // The name string is created once per function and shared by all its closures.
    let ni = code.fn_base as usize + func as usize;
    let mut name = vm.interp.fn_names.get(ni).copied().unwrap_or(Value::HOLE);
    if name.is_hole() {
        name = vm.new_string(JsStr::from_str(&p.name));
        if let Some(slot) = vm.interp.fn_names.get_mut(ni) {
            *slot = name;
        }
    }
    // Every closure starts from the shared `{ length, name }` shape.
    let mut object = crate::object::Object::new(
        vm.realm.fn_shape.clone(),
        Some(proto),
        ObjectKind::Closure(c),
    );
    let mut slots = Vec::with_capacity(3);
    slots.push(Value::number(p.length as f64));
    slots.push(name);
    object.slots = slots;
    let o = vm.heap.alloc_object(object);
    let obj = vm.heap.obj_mut(o);
    if flags.is_constructor() && !flags.has(FF::CLASS_CONSTRUCTOR) {
        obj.constructible = true;
        let po = vm.new_object();
        vm.heap.obj_mut(po).put_raw(
            PropKey::Str(names::get().constructor),
            Value::object(o),
            ATTR_HIDDEN,
        );
        vm.heap.obj_mut(o).put_raw(
            PropKey::Str(names::get().prototype),
            Value::object(po),
            ATTR_WRITABLE,
        );
    } else if flags.has(FF::GENERATOR) {
        let gp = if flags.has(FF::ASYNC) {
            vm.realm.async_generator_proto
        } else {
            vm.realm.generator_proto
        };
        let po = vm.new_object_with_proto(Some(gp), ObjectKind::Ordinary);
        vm.heap.obj_mut(o).put_raw(
            PropKey::Str(names::get().prototype),
            Value::object(po),
            ATTR_WRITABLE,
        );
    } else if flags.has(FF::CLASS_CONSTRUCTOR) {
        vm.heap.obj_mut(o).constructible = true;
    }
    o
}

fn closure_home(vm: &Vm, f: Value) -> Value {
    match vm.heap.try_obj(f).map(|o| &o.kind) {
        Some(ObjectKind::Closure(c)) => c.home,
        _ => Value::UNDEFINED,
    }
}

struct CallInfo {
    module: u32,
    func: u32,
    flags: u32,
    env: Value,
    this_val: Value,
    new_target: Value,
    frame_size: u32,
    param_count: u32,
    ic_base: u32,
}

impl CallInfo {
    #[inline]
    fn of(c: &Closure) -> CallInfo {
        CallInfo {
            module: c.module,
            func: c.func,
            flags: c.flags,
            env: c.env,
            this_val: c.this_val,
            new_target: c.new_target,
            frame_size: c.frame_size,
            param_count: c.param_count,
            ic_base: c.ic_base,
        }
    }
}

fn closure_info(vm: &Vm, f: Value) -> Option<CallInfo> {
    match vm.heap.try_obj(f).map(|o| &o.kind) {
        Some(ObjectKind::Closure(c)) => Some(CallInfo::of(c)),
        _ => None,
    }
}

// ----- entry points -----------------------------------------------------------------------

/// Calls a compiled function from Rust (natives, the event loop, module evaluation).
pub fn call_closure(
    vm: &mut Vm,
    f: Value,
    this: Value,
    args: &[Value],
    new_target: Value,
) -> JsResult<Value> {
    let Some(info) = closure_info(vm, f) else {
        return Err(vm.not_a_function(f));
    };
    if vm.native_depth >= vm.limits.max_native_depth {
        return Err(vm.range_error("Maximum call stack size exceeded"));
    }
    vm.native_depth += 1;
    let hm = vm.handles.len();
    let r = call_closure_inner(vm, f, info, this, args, new_target);
    vm.handles.truncate(hm);
    vm.native_depth -= 1;
    r
}

fn call_closure_inner(
    vm: &mut Vm,
    f: Value,
    info: CallInfo,
    this: Value,
    args: &[Value],
    new_target: Value,
) -> JsResult<Value> {
    let flags = FF(info.flags);
    if flags.has(FF::CLASS_CONSTRUCTOR) && new_target.is_undefined() {
        let n = vm.get(f, PropKey::Str(names::get().name))?;
        let n = vm.to_display_string(n);
        return Err(vm.type_error(format!(
            "Class constructor {n} cannot be invoked without 'new'"
        )));
    }
    let is_gen = flags.has(FF::GENERATOR);
    let is_async = flags.has(FF::ASYNC);
    let mut frame_flags = F_ENTRY;
    let mut this = this;
    if !new_target.is_undefined() {
        frame_flags |= F_CONSTRUCT;
        // A `@Sendable` function is an ordinary constructor; only Sendable classes allocate
        // their instances in the shared heap.
        if flags.has(FF::SENDABLE) && flags.has(FF::CLASS_CONSTRUCTOR) && !flags.has(FF::DERIVED) {
            this = crate::sendable::class::allocate(vm, f, new_target)?;
        } else if !flags.has(FF::DERIVED) {
            let dp = vm.realm.object_proto;
            let proto = vm.proto_from_ctor(new_target, dp)?;
            this = Value::object(vm.new_object_with_proto(Some(proto), ObjectKind::Ordinary));
        } else {
            this = Value::HOLE;
        }
    }
    if flags.has(FF::ARROW) {
        this = info.this_val;
    }
    let nt = if flags.has(FF::ARROW) {
        info.new_target
    } else {
        new_target
    };
    let gen = if is_gen || is_async {
        let promise = if is_async && !is_gen {
            crate::builtins::promise::new_promise(vm)
        } else {
            Value::UNDEFINED
        };
        let proto = if is_gen {
            let default = if is_async {
                vm.realm.async_generator_proto
            } else {
                vm.realm.generator_proto
            };
            vm.proto_from_ctor(f, default)?
        } else {
            vm.realm.object_proto
        };
        let g = vm.new_object_with_proto(
            Some(proto),
            ObjectKind::Generator(Box::new(SuspendedFrame {
                state: GenState::Executing,
                frame: None,
                promise,
                is_async,
                queue: Default::default(),
            })),
        );
        Value::object(g)
    } else {
        Value::UNDEFINED
    };
    push_frame(vm, f, &info, this, nt, args, 0, frame_flags, gen)?;
    if gen.is_undefined() {
        match run(vm)? {
            Exit::Return(v) => Ok(v),
            _ => Ok(Value::UNDEFINED),
        }
    } else if is_gen {
        vm.handles.push(gen);
        let r = run(vm);
        let g = gen.as_object().unwrap_or(ObjRef(0));
        match r {
            Ok(Exit::Initial) => {
                set_gen_state(vm, g, GenState::SuspendedStart);
                Ok(gen)
            }
            Ok(_) => {
                set_gen_state(vm, g, GenState::Completed);
                Ok(gen)
            }
            Err(e) => Err(e),
        }
    } else {
        let promise = gen_promise(vm, gen);
        vm.handles.push(promise);
        let r = run(vm);
        after_async_step(vm, gen, r);
        Ok(promise)
    }
}

fn gen_promise(vm: &Vm, gen: Value) -> Value {
    match vm.heap.try_obj(gen).map(|o| &o.kind) {
        Some(ObjectKind::Generator(g)) => g.promise,
        _ => Value::UNDEFINED,
    }
}

fn set_gen_state(vm: &mut Vm, g: ObjRef, s: GenState) {
    if let ObjectKind::Generator(b) = &mut vm.heap.obj_mut(g).kind {
        b.state = s;
    }
}

/// Handles the outcome of running an async function's frame.
fn after_async_step(vm: &mut Vm, gen: Value, r: JsResult<Exit>) {
    let promise = gen_promise(vm, gen);
    match r {
        Ok(Exit::Await(v)) => {
            crate::builtins::promise::await_value(vm, gen, v);
        }
        Ok(Exit::Return(v)) => {
            if let Some(g) = gen.as_object() {
                set_gen_state(vm, g, GenState::Completed);
            }
            crate::builtins::promise::resolve_promise(vm, promise, v);
        }
        Ok(_) => {}
        Err(e) => {
            if let Some(g) = gen.as_object() {
                set_gen_state(vm, g, GenState::Completed);
            }
            if e == TERMINATION {
                vm.terminating = true;
                return;
            }
            crate::builtins::promise::reject_promise(vm, promise, e);
        }
    }
}

/// Resumes a suspended async function with a settled value (a microtask).
pub fn resume_async(vm: &mut Vm, gen: Value, value: Value, throw: bool) -> JsResult<()> {
    // Async generators have no function-level promise (each request carries its own).
    let is_gen = match vm.heap.try_obj(gen).map(|o| &o.kind) {
        Some(ObjectKind::Generator(g)) => g.is_async && !g.promise.is_object(),
        _ => return Ok(()),
    };
    if is_gen {
        return crate::builtins::generator::async_gen_resume_from_await(vm, gen, value, throw);
    }
    let r = resume_frame(
        vm,
        gen,
        value,
        if throw {
            ResumeMode::Throw
        } else {
            ResumeMode::Next
        },
    );
    after_async_step(vm, gen, r);
    if vm.terminating {
        return Err(TERMINATION);
    }
    Ok(())
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ResumeMode {
    Next,
    Return,
    Throw,
}

/// Restores a generator's saved frame and runs it until it suspends or completes.
pub fn resume_frame(vm: &mut Vm, gen: Value, value: Value, mode: ResumeMode) -> JsResult<Exit> {
    let Some(g) = gen.as_object() else {
        return Ok(Exit::Return(Value::UNDEFINED));
    };
    let saved = match &mut vm.heap.obj_mut(g).kind {
        ObjectKind::Generator(b) => {
            b.state = GenState::Executing;
            b.frame.take()
        }
        _ => None,
    };
    let Some(saved) = saved else {
        return Ok(Exit::Return(Value::UNDEFINED));
    };
    if vm.native_depth >= vm.limits.max_native_depth {
        return Err(vm.range_error("Maximum call stack size exceeded"));
    }
    let SavedFrame { mut frame, regs } = *saved;
    let base = vm.interp.regs.len();
    frame.base = base as u32;
    frame.flags |= F_ENTRY;
    vm.interp.regs.extend_from_slice(&regs);
    let pc = frame.pc as usize;
    let module = frame.module;
    let func = frame.func;
    vm.interp.frames.push(frame);
    // Deliver the resumption value according to the suspending instruction.
    let code = vm.modules.code(module);
    let instr = code
        .as_ref()
        .and_then(|c| c.module.functions.get(func as usize))
        .and_then(|f| f.code.get(pc))
        .copied();
    let mut pending_throw = None;
    match instr {
        Some(Instr::Yield { dst, .. }) | Some(Instr::YieldRaw { dst, .. }) => match mode {
            ResumeMode::Throw => pending_throw = Some(value),
            _ => {
                vm.interp.regs[base + dst.0 as usize] = value;
                vm.interp.regs[base + dst.0 as usize + 1] = Value::bool(mode == ResumeMode::Return);
            }
        },
        Some(Instr::Await { dst, .. }) => match mode {
            ResumeMode::Throw => pending_throw = Some(value),
            _ => vm.interp.regs[base + dst.0 as usize] = value,
        },
        _ => {}
    }
    if let Some(f) = vm.interp.frames.last_mut() {
        f.pc += 1;
    }
    vm.native_depth += 1;
    let r = match pending_throw {
        Some(e) => {
            if let Some(f) = vm.interp.frames.last_mut() {
                f.pc -= 1;
            }
            run_with_pending(vm, Some(e))
        }
        None => run(vm),
    };
    vm.native_depth -= 1;
    r
}

/// Runs a module body (function 0) with the module environment; returns the completion value
/// (a promise for async bodies).
pub fn run_module_body(vm: &mut Vm, m: u32) -> JsResult<Value> {
    let env = vm.modules.list[m as usize].env;
    let f = make_closure(vm, m, 0, env, None);
    vm.handles.push(Value::object(f));
    let r = call_closure(
        vm,
        Value::object(f),
        Value::UNDEFINED,
        &[],
        Value::UNDEFINED,
    );
    vm.handles.pop();
    r
}

#[allow(clippy::too_many_arguments)]
fn push_frame(
    vm: &mut Vm,
    callee: Value,
    info: &CallInfo,
    this: Value,
    new_target: Value,
    args: &[Value],
    ret: u16,
    flags: u8,
    gen: Value,
) -> JsResult<()> {
    if vm.interp.frames.len() >= vm.limits.max_frames {
        return Err(vm.range_error("Maximum call stack size exceeded"));
    }
    let base = vm.interp.regs.len();
    let k = (info.param_count as usize).min(args.len());
    let regs = &mut vm.interp.regs;
    regs.extend_from_slice(&args[..k]);
    regs.resize(base + info.frame_size as usize, Value::UNDEFINED);
    let keep_args = info.flags & FF::NEEDS_ARGUMENTS != 0;
    vm.interp.frames.push(Frame {
        module: info.module,
        func: info.func,
        pc: 0,
        base: base as u32,
        ic_base: info.ic_base,
        env: info.env,
        this,
        new_target,
        callee,
        args: if keep_args { Some(args.into()) } else { None },
        ret,
        flags,
        gen,
    });
    Ok(())
}

/// Pushes a frame for a script call whose arguments are in the current frame's registers.
#[allow(clippy::too_many_arguments)]
fn push_frame_from_regs(
    vm: &mut Vm,
    callee: Value,
    info: &CallInfo,
    this: Value,
    new_target: Value,
    args_at: usize,
    argc: usize,
    ret: u16,
    flags: u8,
) -> JsResult<()> {
    if vm.interp.frames.len() >= vm.limits.max_frames {
        return Err(vm.range_error("Maximum call stack size exceeded"));
    }
    let base = vm.interp.regs.len();
    let n = info.frame_size as usize;
    let k = (info.param_count as usize).min(argc);
    // Pushes in a loop inline here; `resize` and `copy_within` are out-of-line calls.
    let regs = &mut vm.interp.regs;
    regs.reserve(n);
    for i in args_at..args_at + k {
        let v = regs[i];
        regs.push(v);
    }
    for _ in k..n {
        regs.push(Value::UNDEFINED);
    }
    let keep_args = info.flags & FF::NEEDS_ARGUMENTS != 0;
    let args = if keep_args {
        Some(vm.interp.regs[args_at..args_at + argc].into())
    } else {
        None
    };
    vm.interp.frames.push(Frame {
        module: info.module,
        func: info.func,
        pc: 0,
        base: base as u32,
        ic_base: info.ic_base,
        env: info.env,
        this,
        new_target,
        callee,
        args,
        ret,
        flags,
        gen: Value::UNDEFINED,
    });
    Ok(())
}

/// The stack trace lines (`fn (file:line:col)`) of the current frames, innermost first.
pub fn capture_stack(vm: &Vm) -> Vec<String> {
    capture_stack_from(vm, Value::UNDEFINED)
}

/// Like [`capture_stack`], but when `skip_to` is a function on the stack, the frames above it
/// and its own frame are left out (V8 omits the constructors of an error subclass).
pub fn capture_stack_from(vm: &Vm, skip_to: Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = 0;
    if skip_to.is_object() {
        if let Some(i) = vm
            .interp
            .frames
            .iter()
            .rev()
            .position(|f| f.callee == skip_to)
        {
            skip = i + 1;
        }
    }
    for f in vm.interp.frames.iter().rev().skip(skip).take(10) {
        let Some(code) = vm.modules.code(f.module) else {
            continue;
        };
        let Some(p) = code.module.functions.get(f.func as usize) else {
            continue;
        };
        // The module's file name is what the user wrote (relative to the working directory);
        // its id is the canonical absolute path, which would make traces depend on the checkout.
        let file: &str = if code.module.file.is_empty() {
            &code.id
        } else {
            &code.module.file
        };
        let pos = p
            .position(f.pc)
            .map(|e| format!("{file}:{}:{}", e.line, e.col))
            .unwrap_or_else(|| file.to_string());
        let name = if p.flags.has(FF::MODULE_BODY) {
            String::new()
        } else {
            let n = vm
                .heap
                .try_obj(f.callee)
                .and_then(|o| o.get_own(PropKey::Str(names::get().name)))
                .and_then(|pr| pr.value.as_string())
                .map(|s| vm.heap.str(s).to_rust_string())
                .unwrap_or_else(|| p.name.to_string());
            if n.is_empty() {
                "<anonymous>".to_string()
            } else if f.flags & F_CONSTRUCT != 0 {
                format!("new {n}")
            } else {
                n
            }
        };
        if name.is_empty() {
            out.push(pos);
        } else {
            out.push(format!("{name} ({pos})"));
        }
    }
    out
}

// ----- the loop ---------------------------------------------------------------------------

/// Runs from the top frame until the entry frame returns or suspends.
pub fn run(vm: &mut Vm) -> JsResult<Exit> {
    run_with_pending(vm, None)
}

macro_rules! r {
    ($vm:expr, $base:expr, $reg:expr) => {
        $vm.interp.regs[$base + $reg.0 as usize]
    };
}

fn run_with_pending(vm: &mut Vm, mut pending: Option<Value>) -> JsResult<Exit> {
    // The running module's code, kept across calls and returns: frames of the same module (the
    // common case) switch without touching the module table or the reference count.
    let mut cached: Option<(u32, Rc<ModuleCode>)> = None;
    'frames: loop {
        if let Some(e) = pending.take() {
            match unwind(vm, e) {
                Ok(()) => {}
                Err(e) => return Err(e),
            }
        }
        let fi = vm.interp.frames.len() - 1;
        let (module, func, start_pc, base, ic_base) = {
            let f = &vm.interp.frames[fi];
            (
                f.module,
                f.func,
                f.pc as usize,
                f.base as usize,
                f.ic_base as usize,
            )
        };
        if cached.as_ref().is_none_or(|(m, _)| *m != module) {
            let Some(c) = vm.modules.code(module) else {
                return Err(vm.type_error("invalid frame"));
            };
            cached = Some((module, c));
        }
        let Some((_, code)) = cached.as_ref() else {
            return Err(vm.type_error("invalid frame"));
        };
        let code: &ModuleCode = code;
        let proto: &FunctionProto = &code.module.functions[func as usize];
        let mut pc = start_pc;
        loop {
            let Some(&ins) = proto.code.get(pc) else {
                vm.interp.frames[fi].pc = pc as u32;
                // Falling off the end returns undefined.
                match do_return(vm, Value::UNDEFINED) {
                    Ok(Some(exit)) => return Ok(exit),
                    Ok(None) => continue 'frames,
                    Err(e) => {
                        pending = Some(e);
                        continue 'frames;
                    }
                }
            };
            // A taken jump; a backward one is the attention poll point.
            macro_rules! jump_to {
                ($off:expr) => {{
                    let off = $off as i64;
                    if off <= 0 {
                        vm.interp.frames[fi].pc = pc as u32;
                        if let Err(e) = poll(vm) {
                            pending = Some(e);
                            continue 'frames;
                        }
                    }
                    pc = (pc as i64 + off) as usize;
                    continue;
                }};
            }
            // Fast paths: the common instructions on the operand types they usually see, where
            // nothing can throw or call out, skip the pc bookkeeping and the generic dispatch.
            // Everything else (including these instructions' other cases) falls through.
            match ins {
                Instr::Mov { dst, src } => {
                    r!(vm, base, dst) = r!(vm, base, src);
                    pc += 1;
                    continue;
                }
                Instr::LoadInt { dst, value } => {
                    r!(vm, base, dst) = Value::number(value as f64);
                    pc += 1;
                    continue;
                }
                Instr::LoadUndefined { dst } => {
                    r!(vm, base, dst) = Value::UNDEFINED;
                    pc += 1;
                    continue;
                }
                Instr::LoadEnv { dst, hops, slot } => {
                    let mut e = vm.interp.frames[fi].env;
                    for _ in 0..hops {
                        e = vm.heap.env(e).parent;
                    }
                    r!(vm, base, dst) = vm.heap.env(e).slots[slot as usize];
                    pc += 1;
                    continue;
                }
                Instr::StoreEnv { src, hops, slot } => {
                    let mut e = vm.interp.frames[fi].env;
                    for _ in 0..hops {
                        e = vm.heap.env(e).parent;
                    }
                    let v = r!(vm, base, src);
                    vm.heap.env_mut(e).slots[slot as usize] = v;
                    pc += 1;
                    continue;
                }
                Instr::Add { dst, a, b } => {
                    if let (Some(p), Some(q)) =
                        (r!(vm, base, a).as_number(), r!(vm, base, b).as_number())
                    {
                        r!(vm, base, dst) = Value::number(p + q);
                        pc += 1;
                        continue;
                    }
                }
                Instr::Sub { dst, a, b } => {
                    if let (Some(p), Some(q)) =
                        (r!(vm, base, a).as_number(), r!(vm, base, b).as_number())
                    {
                        r!(vm, base, dst) = Value::number(p - q);
                        pc += 1;
                        continue;
                    }
                }
                Instr::Mul { dst, a, b } => {
                    if let (Some(p), Some(q)) =
                        (r!(vm, base, a).as_number(), r!(vm, base, b).as_number())
                    {
                        r!(vm, base, dst) = Value::number(p * q);
                        pc += 1;
                        continue;
                    }
                }
                Instr::AddImm { dst, src, imm } => {
                    if let Some(p) = r!(vm, base, src).as_number() {
                        r!(vm, base, dst) = Value::number(p + imm as f64);
                        pc += 1;
                        continue;
                    }
                }
                Instr::SubImm { dst, src, imm } => {
                    if let Some(p) = r!(vm, base, src).as_number() {
                        r!(vm, base, dst) = Value::number(p - imm as f64);
                        pc += 1;
                        continue;
                    }
                }
                Instr::Call { dst, base: b, argc } | Instr::CallPlain { dst, base: b, argc } => {
                    // The callee's return resumes after this instruction.
                    vm.interp.frames[fi].pc = pc as u32;
                    let f = r!(vm, base, b);
                    let this = if matches!(ins, Instr::Call { .. }) {
                        vm.interp.regs[base + b.0 as usize + 1]
                    } else {
                        Value::UNDEFINED
                    };
                    let at = base + b.0 as usize + 2;
                    match call_op(vm, proto, pc, f, this, at, argc as usize, dst) {
                        Ok(Flow::Call) => {
                            if let Err(e) = poll(vm) {
                                pending = Some(e);
                            }
                            continue 'frames;
                        }
                        Ok(_) => {
                            pc += 1;
                            continue;
                        }
                        Err(e) => {
                            pending = Some(e);
                            continue 'frames;
                        }
                    }
                }
                Instr::Return { src } => {
                    match do_return(vm, r!(vm, base, src)) {
                        Ok(Some(exit)) => return Ok(exit),
                        Ok(None) => {}
                        Err(e) => pending = Some(e),
                    }
                    continue 'frames;
                }
                Instr::Inc { dst, src } | Instr::Dec { dst, src } => {
                    if let Some(p) = r!(vm, base, src).as_number() {
                        let d = if matches!(ins, Instr::Inc { .. }) {
                            1.0
                        } else {
                            -1.0
                        };
                        r!(vm, base, dst) = Value::number(p + d);
                        pc += 1;
                        continue;
                    }
                }
                Instr::Lt { dst, a, b }
                | Instr::LtEq { dst, a, b }
                | Instr::Gt { dst, a, b }
                | Instr::GtEq { dst, a, b } => {
                    if let (Some(p), Some(q)) =
                        (r!(vm, base, a).as_number(), r!(vm, base, b).as_number())
                    {
                        let t = match ins {
                            Instr::Lt { .. } => p < q,
                            Instr::LtEq { .. } => p <= q,
                            Instr::Gt { .. } => p > q,
                            _ => p >= q,
                        };
                        r!(vm, base, dst) = Value::bool(t);
                        pc += 1;
                        continue;
                    }
                }
                Instr::StrictEq { dst, a, b } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    r!(vm, base, dst) = Value::bool(t);
                    pc += 1;
                    continue;
                }
                Instr::StrictNotEq { dst, a, b } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    r!(vm, base, dst) = Value::bool(!t);
                    pc += 1;
                    continue;
                }
                Instr::Jump { offset } => jump_to!(offset.0),
                Instr::JumpIfTrue { cond, offset } => {
                    if truthy(vm, r!(vm, base, cond)) {
                        jump_to!(offset.0)
                    }
                    pc += 1;
                    continue;
                }
                Instr::JumpIfFalse { cond, offset } => {
                    if !truthy(vm, r!(vm, base, cond)) {
                        jump_to!(offset.0)
                    }
                    pc += 1;
                    continue;
                }
                Instr::JumpIfLt { a, b, offset }
                | Instr::JumpIfLtEq { a, b, offset }
                | Instr::JumpIfGt { a, b, offset }
                | Instr::JumpIfGtEq { a, b, offset } => {
                    if let (Some(p), Some(q)) =
                        (r!(vm, base, a).as_number(), r!(vm, base, b).as_number())
                    {
                        let t = match ins {
                            Instr::JumpIfLt { .. } => p < q,
                            Instr::JumpIfLtEq { .. } => p <= q,
                            Instr::JumpIfGt { .. } => p > q,
                            _ => p >= q,
                        };
                        if t {
                            jump_to!(offset.0)
                        }
                        pc += 1;
                        continue;
                    }
                }
                Instr::JumpIfNotLt { a, b, offset }
                | Instr::JumpIfNotLtEq { a, b, offset }
                | Instr::JumpIfNotGt { a, b, offset }
                | Instr::JumpIfNotGtEq { a, b, offset } => {
                    if let (Some(p), Some(q)) =
                        (r!(vm, base, a).as_number(), r!(vm, base, b).as_number())
                    {
                        // Written as a negation so that NaN operands jump.
                        let t = match ins {
                            Instr::JumpIfNotLt { .. } => p < q,
                            Instr::JumpIfNotLtEq { .. } => p <= q,
                            Instr::JumpIfNotGt { .. } => p > q,
                            _ => p >= q,
                        };
                        if !t {
                            jump_to!(offset.0)
                        }
                        pc += 1;
                        continue;
                    }
                }
                Instr::JumpIfStrictEq { a, b, offset }
                | Instr::JumpIfStrictNotEq { a, b, offset } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    if t == matches!(ins, Instr::JumpIfStrictEq { .. }) {
                        jump_to!(offset.0)
                    }
                    pc += 1;
                    continue;
                }
                _ => {}
            }
            vm.interp.frames[fi].pc = pc as u32;
            let res: JsResult<Flow> = match ins {
                Instr::Nop => Ok(Flow::Next),
                Instr::Mov { dst, src } => {
                    r!(vm, base, dst) = r!(vm, base, src);
                    Ok(Flow::Next)
                }
                Instr::LoadConst { dst, idx } => {
                    let ci = code.const_offsets[func as usize] as usize + idx.0 as usize;
                    let cached = vm.interp.consts.get(ci).copied().unwrap_or(Value::HOLE);
                    if !cached.is_hole() {
                        r!(vm, base, dst) = cached;
                        Ok(Flow::Next)
                    } else {
                        load_const(vm, proto, idx.0).map(|v| {
                            // Strings and BigInts are immutable, so one value per constant is
                            // shared by every evaluation.
                            if let Some(slot) = vm.interp.consts.get_mut(ci) {
                                *slot = v;
                            }
                            r!(vm, base, dst) = v;
                            Flow::Next
                        })
                    }
                }
                Instr::LoadInt { dst, value } => {
                    r!(vm, base, dst) = Value::number(value as f64);
                    Ok(Flow::Next)
                }
                Instr::LoadUndefined { dst } => {
                    r!(vm, base, dst) = Value::UNDEFINED;
                    Ok(Flow::Next)
                }
                Instr::LoadNull { dst } => {
                    r!(vm, base, dst) = Value::NULL;
                    Ok(Flow::Next)
                }
                Instr::LoadTrue { dst } => {
                    r!(vm, base, dst) = Value::TRUE;
                    Ok(Flow::Next)
                }
                Instr::LoadFalse { dst } => {
                    r!(vm, base, dst) = Value::FALSE;
                    Ok(Flow::Next)
                }
                Instr::LoadHole { dst } => {
                    r!(vm, base, dst) = Value::HOLE;
                    Ok(Flow::Next)
                }
                Instr::LoadThis { dst } => {
                    r!(vm, base, dst) = vm.interp.frames[fi].this;
                    Ok(Flow::Next)
                }
                Instr::LoadNewTarget { dst } => {
                    r!(vm, base, dst) = vm.interp.frames[fi].new_target;
                    Ok(Flow::Next)
                }
                Instr::LoadCallee { dst } => {
                    r!(vm, base, dst) = vm.interp.frames[fi].callee;
                    Ok(Flow::Next)
                }
                Instr::LoadHomeObject { dst } => {
                    let c = vm.interp.frames[fi].callee;
                    r!(vm, base, dst) = closure_home(vm, c);
                    Ok(Flow::Next)
                }
                Instr::PushEnv { size } => {
                    let parent = vm.interp.frames[fi].env;
                    let e = vm.heap.alloc_env_holes(parent, size as usize);
                    vm.interp.frames[fi].env = e;
                    Ok(Flow::Next)
                }
                Instr::PopEnv => {
                    let e = vm.interp.frames[fi].env;
                    let p = vm.heap.env(e).parent;
                    vm.interp.frames[fi].env = p;
                    Ok(Flow::Next)
                }
                Instr::CloneEnv => {
                    let e = vm.interp.frames[fi].env;
                    let (parent, slots) = {
                        let en = vm.heap.env(e);
                        (en.parent, en.slots.clone())
                    };
                    let ne = vm.heap.alloc_env(parent, 0);
                    vm.heap.env_mut(ne).slots = slots;
                    vm.heap.debt += 1;
                    vm.interp.frames[fi].env = ne;
                    Ok(Flow::Next)
                }
                Instr::GetEnv { dst } => {
                    r!(vm, base, dst) = vm.interp.frames[fi].env;
                    Ok(Flow::Next)
                }
                Instr::SetEnv { src } => {
                    vm.interp.frames[fi].env = r!(vm, base, src);
                    Ok(Flow::Next)
                }
                Instr::LoadEnv { dst, hops, slot } => {
                    let mut e = vm.interp.frames[fi].env;
                    for _ in 0..hops {
                        e = vm.heap.env(e).parent;
                    }
                    r!(vm, base, dst) = vm.heap.env(e).slots[slot as usize];
                    Ok(Flow::Next)
                }
                Instr::StoreEnv { src, hops, slot } => {
                    let mut e = vm.interp.frames[fi].env;
                    for _ in 0..hops {
                        e = vm.heap.env(e).parent;
                    }
                    let v = r!(vm, base, src);
                    vm.heap.env_mut(e).slots[slot as usize] = v;
                    Ok(Flow::Next)
                }
                Instr::CheckTdz { src, name } => {
                    if r!(vm, base, src).is_hole() {
                        let n = const_text(proto, name.0);
                        Err(vm
                            .reference_error(format!("Cannot access '{n}' before initialization")))
                    } else {
                        Ok(Flow::Next)
                    }
                }
                Instr::CheckThis { src } => {
                    if r!(vm, base, src).is_hole() {
                        Err(vm.reference_error("Must call super constructor in derived class before accessing 'this' or returning from derived constructor"))
                    } else {
                        Ok(Flow::Next)
                    }
                }
                Instr::CheckThisUninit { src } => {
                    if !r!(vm, base, src).is_hole() {
                        Err(vm.reference_error("Super constructor may only be called once"))
                    } else {
                        Ok(Flow::Next)
                    }
                }
                Instr::LoadGlobal { dst, ic } => {
                    load_global(vm, code, func, ic_base + ic.0 as usize, ic.0, true).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::LoadGlobalOrUndefined { dst, ic } => {
                    load_global(vm, code, func, ic_base + ic.0 as usize, ic.0, false).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::StoreGlobal { src, ic } => {
                    let key = code.ic_keys[func as usize][ic.0 as usize];
                    let g = vm.realm.global;
                    let v = r!(vm, base, src);
                    if vm.has_property(g, key) {
                        vm.set(Value::object(g), key, v).map(|_| Flow::Next)
                    } else {
                        let k = vm.key_display(key);
                        Err(vm.reference_error(format!("{k} is not defined")))
                    }
                }
                Instr::LoadImport { dst, idx } => {
                    let b = vm.modules.list[module as usize]
                        .imports
                        .get(idx as usize)
                        .copied();
                    match b {
                        Some(b) => match vm.read_binding(b) {
                            Ok(v) if v.is_hole() => {
                                let local = code.module.imports[idx as usize].local.clone();
                                Err(vm.reference_error(format!(
                                    "Cannot access '{local}' before initialization"
                                )))
                            }
                            Ok(v) => {
                                r!(vm, base, dst) = v;
                                Ok(Flow::Next)
                            }
                            Err(e) => Err(e),
                        },
                        None => Err(vm.reference_error("unresolved import")),
                    }
                }
                Instr::DynamicImport { dst, specifier } => {
                    let s = r!(vm, base, specifier);
                    let p = dynamic_import(vm, &code.id, s);
                    r!(vm, base, dst) = p;
                    Ok(Flow::Next)
                }
                Instr::ImportMeta { dst } => {
                    let mut meta = vm.modules.list[module as usize].meta;
                    if meta.is_undefined() {
                        let o = vm.new_object_with_proto(None, ObjectKind::Ordinary);
                        let url = vm.str_val(&format!("file://{}", code.id));
                        vm.heap
                            .obj_mut(o)
                            .put_raw(PropKey::from_str("url"), url, ATTR_DEFAULT);
                        meta = Value::object(o);
                        vm.modules.list[module as usize].meta = meta;
                    }
                    r!(vm, base, dst) = meta;
                    Ok(Flow::Next)
                }
                Instr::Add { dst, a, b } => {
                    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
                    if let (Some(p), Some(q)) = (x.as_number(), y.as_number()) {
                        r!(vm, base, dst) = Value::number(p + q);
                        Ok(Flow::Next)
                    } else {
                        vm.add(x, y).map(|v| {
                            r!(vm, base, dst) = v;
                            Flow::Next
                        })
                    }
                }
                Instr::Sub { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Sub),
                Instr::Mul { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Mul),
                Instr::Div { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Div),
                Instr::Rem { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Mod),
                Instr::Exp { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Pow),
                Instr::Shl { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Shl),
                Instr::Shr { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::Shr),
                Instr::UShr { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::UShr),
                Instr::BitAnd { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::BitAnd),
                Instr::BitOr { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::BitOr),
                Instr::BitXor { dst, a, b } => arith(vm, base, dst, a, b, ArithOp::BitXor),
                Instr::AddImm { dst, src, imm } => {
                    let x = r!(vm, base, src);
                    if let Some(p) = x.as_number() {
                        r!(vm, base, dst) = Value::number(p + imm as f64);
                        Ok(Flow::Next)
                    } else {
                        vm.add(x, Value::number(imm as f64)).map(|v| {
                            r!(vm, base, dst) = v;
                            Flow::Next
                        })
                    }
                }
                Instr::SubImm { dst, src, imm } => {
                    let x = r!(vm, base, src);
                    vm.arith(ArithOp::Sub, x, Value::number(imm as f64))
                        .map(|v| {
                            r!(vm, base, dst) = v;
                            Flow::Next
                        })
                }
                Instr::Inc { dst, src } => unary(vm, base, dst, src, |vm, v| vm.increment(v, 1.0)),
                Instr::Dec { dst, src } => unary(vm, base, dst, src, |vm, v| vm.increment(v, -1.0)),
                Instr::Neg { dst, src } => unary(vm, base, dst, src, |vm, v| vm.negate(v)),
                Instr::BitNot { dst, src } => unary(vm, base, dst, src, |vm, v| vm.bit_not(v)),
                Instr::Not { dst, src } => {
                    let v = r!(vm, base, src);
                    r!(vm, base, dst) = Value::bool(!vm.to_boolean(v));
                    Ok(Flow::Next)
                }
                Instr::Typeof { dst, src } => {
                    let v = r!(vm, base, src);
                    let s = vm.typeof_string(v);
                    r!(vm, base, dst) = s;
                    Ok(Flow::Next)
                }
                Instr::ToNumber { dst, src } => unary(vm, base, dst, src, |vm, v| {
                    vm.to_number(v).map(Value::number)
                }),
                Instr::ToNumeric { dst, src } => {
                    unary(vm, base, dst, src, |vm, v| vm.to_numeric(v))
                }
                Instr::ToString { dst, src } => {
                    unary(vm, base, dst, src, |vm, v| vm.to_string_value(v))
                }
                Instr::ConcatStrings {
                    dst,
                    base: b,
                    count,
                } => concat_registers(vm, base + b.0 as usize, count as usize).map(|v| {
                    r!(vm, base, dst) = v;
                    Flow::Next
                }),
                Instr::ToPropertyKey { dst, src } => unary(vm, base, dst, src, |vm, v| {
                    let k = vm.to_property_key(v)?;
                    Ok(vm.key_to_value(k))
                }),
                Instr::Eq { dst, a, b } => {
                    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
                    vm.loose_equals(x, y).map(|t| {
                        r!(vm, base, dst) = Value::bool(t);
                        Flow::Next
                    })
                }
                Instr::NotEq { dst, a, b } => {
                    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
                    vm.loose_equals(x, y).map(|t| {
                        r!(vm, base, dst) = Value::bool(!t);
                        Flow::Next
                    })
                }
                Instr::StrictEq { dst, a, b } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    r!(vm, base, dst) = Value::bool(t);
                    Ok(Flow::Next)
                }
                Instr::StrictNotEq { dst, a, b } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    r!(vm, base, dst) = Value::bool(!t);
                    Ok(Flow::Next)
                }
                Instr::Lt { dst, a, b } => cmp(vm, base, dst, a, b, CmpOp::Lt),
                Instr::LtEq { dst, a, b } => cmp(vm, base, dst, a, b, CmpOp::Le),
                Instr::Gt { dst, a, b } => cmp(vm, base, dst, a, b, CmpOp::Gt),
                Instr::GtEq { dst, a, b } => cmp(vm, base, dst, a, b, CmpOp::Ge),
                Instr::InstanceOf { dst, a, b } => {
                    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
                    vm.instance_of(x, y).map(|t| {
                        r!(vm, base, dst) = Value::bool(t);
                        Flow::Next
                    })
                }
                Instr::In { dst, key, obj } => {
                    let (k, o) = (r!(vm, base, key), r!(vm, base, obj));
                    vm.has_in(k, o).map(|t| {
                        r!(vm, base, dst) = Value::bool(t);
                        Flow::Next
                    })
                }
                Instr::Jump { offset } => Ok(Flow::Jump(offset.0)),
                Instr::JumpIfTrue { cond, offset } => {
                    let v = r!(vm, base, cond);
                    Ok(if vm.to_boolean(v) {
                        Flow::Jump(offset.0)
                    } else {
                        Flow::Next
                    })
                }
                Instr::JumpIfFalse { cond, offset } => {
                    let v = r!(vm, base, cond);
                    Ok(if !vm.to_boolean(v) {
                        Flow::Jump(offset.0)
                    } else {
                        Flow::Next
                    })
                }
                Instr::JumpIfNullish { src, offset } => Ok(if r!(vm, base, src).is_nullish() {
                    Flow::Jump(offset.0)
                } else {
                    Flow::Next
                }),
                Instr::JumpIfNotNullish { src, offset } => Ok(if !r!(vm, base, src).is_nullish() {
                    Flow::Jump(offset.0)
                } else {
                    Flow::Next
                }),
                Instr::JumpIfUndefined { src, offset } => Ok(if r!(vm, base, src).is_undefined() {
                    Flow::Jump(offset.0)
                } else {
                    Flow::Next
                }),
                Instr::JumpIfNotUndefined { src, offset } => {
                    Ok(if !r!(vm, base, src).is_undefined() {
                        Flow::Jump(offset.0)
                    } else {
                        Flow::Next
                    })
                }
                Instr::JumpIfLt { a, b, offset } => jcmp(vm, base, a, b, offset.0, CmpOp::Lt),
                Instr::JumpIfLtEq { a, b, offset } => jcmp(vm, base, a, b, offset.0, CmpOp::Le),
                Instr::JumpIfNotLt { a, b, offset } => njcmp(vm, base, a, b, offset.0, CmpOp::Lt),
                Instr::JumpIfNotLtEq { a, b, offset } => njcmp(vm, base, a, b, offset.0, CmpOp::Le),
                Instr::JumpIfNotGt { a, b, offset } => njcmp(vm, base, a, b, offset.0, CmpOp::Gt),
                Instr::JumpIfNotGtEq { a, b, offset } => njcmp(vm, base, a, b, offset.0, CmpOp::Ge),
                Instr::JumpIfGt { a, b, offset } => jcmp(vm, base, a, b, offset.0, CmpOp::Gt),
                Instr::JumpIfGtEq { a, b, offset } => jcmp(vm, base, a, b, offset.0, CmpOp::Ge),
                Instr::JumpIfStrictEq { a, b, offset } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    Ok(if t {
                        Flow::Jump(offset.0 as i32)
                    } else {
                        Flow::Next
                    })
                }
                Instr::JumpIfStrictNotEq { a, b, offset } => {
                    let t = crate::ops::strict_equals(vm, r!(vm, base, a), r!(vm, base, b));
                    Ok(if !t {
                        Flow::Jump(offset.0 as i32)
                    } else {
                        Flow::Next
                    })
                }
                Instr::GetNamed { dst, obj, ic } => {
                    let o = r!(vm, base, obj);
                    match get_named_ic(vm, code, func, ic_base + ic.0 as usize, ic.0, o) {
                        Ok(Got::Value(v)) => {
                            r!(vm, base, dst) = v;
                            Ok(Flow::Next)
                        }
                        Ok(Got::Getter(g)) if g.is_undefined() => {
                            r!(vm, base, dst) = Value::UNDEFINED;
                            Ok(Flow::Next)
                        }
                        // A getter runs like a call without arguments: a script getter gets a
                        // frame in this loop, and its result lands in `dst`.
                        Ok(Got::Getter(g)) => call_op(vm, proto, pc, g, o, base, 0, dst),
                        Err(e) => Err(e),
                    }
                }
                Instr::SetNamed { obj, value, ic } => {
                    let o = r!(vm, base, obj);
                    let v = r!(vm, base, value);
                    set_named(vm, code, func, ic_base + ic.0 as usize, ic.0, o, v)
                        .map(|_| Flow::Next)
                }
                Instr::GetIndexed { dst, obj, key } => {
                    let (o, k) = (r!(vm, base, obj), r!(vm, base, key));
                    get_indexed(vm, o, k).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::SetIndexed { obj, key, value } => {
                    let (o, k, v) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, value));
                    set_indexed(vm, o, k, v).map(|_| Flow::Next)
                }
                Instr::Delete { dst, obj, key } => {
                    let (o, k) = (r!(vm, base, obj), r!(vm, base, key));
                    delete_op(vm, o, k).map(|t| {
                        r!(vm, base, dst) = Value::bool(t);
                        Flow::Next
                    })
                }
                Instr::DefineNamed { obj, value, ic } => {
                    let key = code.ic_keys[func as usize][ic.0 as usize];
                    let (o, v) = (r!(vm, base, obj), r!(vm, base, value));
                    define_data(vm, o, key, v).map(|_| Flow::Next)
                }
                Instr::DefineIndexed { obj, key, value } => {
                    let (o, k, v) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, value));
                    vm.to_property_key(k)
                        .and_then(|key| define_data(vm, o, key, v))
                        .map(|_| Flow::Next)
                }
                Instr::DefineMethod { obj, key, func: f } => {
                    let (o, k, fv) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_method(vm, o, k, fv, 0).map(|_| Flow::Next)
                }
                Instr::DefineGetter { obj, key, func: f } => {
                    let (o, k, fv) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_method(vm, o, k, fv, 1).map(|_| Flow::Next)
                }
                Instr::DefineSetter { obj, key, func: f } => {
                    let (o, k, fv) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_method(vm, o, k, fv, 2).map(|_| Flow::Next)
                }
                Instr::DefineLitGetter { obj, key, func: f } => {
                    let (o, k, fv) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_method(vm, o, k, fv, 3).map(|_| Flow::Next)
                }
                Instr::DefineLitSetter { obj, key, func: f } => {
                    let (o, k, fv) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_method(vm, o, k, fv, 4).map(|_| Flow::Next)
                }
                Instr::SetHomeObject { func: f, home } => {
                    let (fv, h) = (r!(vm, base, f), r!(vm, base, home));
                    set_home(vm, fv, h);
                    Ok(Flow::Next)
                }
                Instr::SetFunctionName { func: f, key } => {
                    let (fv, k) = (r!(vm, base, f), r!(vm, base, key));
                    set_function_name(vm, fv, k, "").map(|_| Flow::Next)
                }
                Instr::SetProtoLit { obj, value } => {
                    let (o, v) = (r!(vm, base, obj), r!(vm, base, value));
                    if let Some(r) = o.as_object() {
                        if v.is_object() || v.is_null() {
                            crate::builtins::object::set_proto(vm, r, v.as_object());
                        }
                    }
                    Ok(Flow::Next)
                }
                Instr::CopyDataProperties { dst, src } => {
                    let (d, s) = (r!(vm, base, dst), r!(vm, base, src));
                    copy_data_properties(vm, d, s, &[]).map(|_| Flow::Next)
                }
                Instr::CopyRestProperties { dst, src, excluded } => {
                    let (s, ex) = (r!(vm, base, src), r!(vm, base, excluded));
                    copy_rest(vm, s, ex).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::SuperGet { dst, this, key } => {
                    let (t, k) = (r!(vm, base, this), r!(vm, base, key));
                    let callee = vm.interp.frames[fi].callee;
                    super_get(vm, callee, t, k).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::SuperSet { this, key, value } => {
                    let (t, k, v) = (r!(vm, base, this), r!(vm, base, key), r!(vm, base, value));
                    let callee = vm.interp.frames[fi].callee;
                    super_set(vm, callee, t, k, v).map(|_| Flow::Next)
                }
                Instr::NewPrivateName { dst, name } => {
                    let n = const_text(proto, name.0);
                    let s = vm.new_symbol(Some(JsStr::from_str(&n)));
                    if let Some(d) = vm.symbols.get_mut(s.0 as usize) {
                        d.private = true;
                    }
                    r!(vm, base, dst) = Value::symbol(s);
                    Ok(Flow::Next)
                }
                Instr::GetPrivate { dst, obj, key } => {
                    let (o, k) = (r!(vm, base, obj), r!(vm, base, key));
                    get_private(vm, o, k).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::SetPrivate { obj, key, value } => {
                    let (o, k, v) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, value));
                    set_private(vm, o, k, v).map(|_| Flow::Next)
                }
                Instr::DefinePrivate { obj, key, value } => {
                    let (o, k, v) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, value));
                    define_private(vm, o, k, v, 0).map(|_| Flow::Next)
                }
                Instr::DefinePrivateGetter { obj, key, func: f } => {
                    let (o, k, v) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_private(vm, o, k, v, 1).map(|_| Flow::Next)
                }
                Instr::DefinePrivateSetter { obj, key, func: f } => {
                    let (o, k, v) = (r!(vm, base, obj), r!(vm, base, key), r!(vm, base, f));
                    define_private(vm, o, k, v, 2).map(|_| Flow::Next)
                }
                Instr::HasPrivate { dst, obj, key } => {
                    let (o, k) = (r!(vm, base, obj), r!(vm, base, key));
                    match (o.as_object(), k.as_symbol()) {
                        (Some(ob), Some(s)) => {
                            let has = vm.heap.obj(ob).get_own(PropKey::Sym(s)).is_some();
                            r!(vm, base, dst) = Value::bool(has);
                            Ok(Flow::Next)
                        }
                        _ => {
                            let d = private_desc(vm, k);
                            let t = vm.to_display_string(o);
                            Err(vm.type_error(format!(
                                "Cannot use 'in' operator to search for '{d}' in {t}"
                            )))
                        }
                    }
                }
                Instr::NewObject { dst } => {
                    r!(vm, base, dst) = Value::object(vm.new_object());
                    Ok(Flow::Next)
                }
                Instr::NewArray { dst, capacity } => {
                    let a = vm.new_array(Vec::with_capacity(capacity as usize));
                    r!(vm, base, dst) = Value::object(a);
                    Ok(Flow::Next)
                }
                Instr::NewArrayFrom {
                    dst,
                    base: b,
                    count,
                } => {
                    let s = base + b.0 as usize;
                    let els = vm.interp.regs[s..s + count as usize].to_vec();
                    r!(vm, base, dst) = vm.new_array_value(els);
                    Ok(Flow::Next)
                }
                Instr::ArrayPush { arr, value } => {
                    let (a, v) = (r!(vm, base, arr), r!(vm, base, value));
                    if let Some(o) = a.as_object() {
                        vm.heap.obj_mut(o).elements.push(v);
                    }
                    Ok(Flow::Next)
                }
                Instr::ArrayPushHole { arr } => {
                    if let Some(o) = r!(vm, base, arr).as_object() {
                        vm.heap.obj_mut(o).elements.push(Value::HOLE);
                    }
                    Ok(Flow::Next)
                }
                Instr::ArraySpread { arr, src } => {
                    let (a, s) = (r!(vm, base, arr), r!(vm, base, src));
                    check_iterable(vm, proto, pc, s, false)
                        .and_then(|_| crate::builtins::iterator::iterate_to_vec(vm, s))
                        .map(|items| {
                            if let Some(o) = a.as_object() {
                                vm.heap.obj_mut(o).elements.extend(items);
                            }
                            Flow::Next
                        })
                }
                Instr::NewRegExp { dst, idx } => match proto.constants.get(idx.0 as usize) {
                    Some(Constant::Regex { pattern, flags }) => {
                        let p = crate::module::convert_str(pattern);
                        crate::builtins::regexp::new_regexp(vm, p, JsStr::from_str(flags)).map(
                            |v| {
                                r!(vm, base, dst) = v;
                                Flow::Next
                            },
                        )
                    }
                    _ => Err(vm.type_error("bad regexp constant")),
                },
                Instr::GetTemplateObject { dst, idx } => {
                    template_object(vm, module, func, proto, idx.0).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::Closure { dst, func: f } => {
                    let env = vm.interp.frames[fi].env;
                    let fr = &vm.interp.frames[fi];
                    let captured = (fr.this, fr.new_target, fr.callee);
                    let c = make_closure(vm, module, f.0, env, Some(captured));
                    r!(vm, base, dst) = Value::object(c);
                    Ok(Flow::Next)
                }
                Instr::CreateClass {
                    dst,
                    ctor,
                    heritage,
                } => {
                    let env = vm.interp.frames[fi].env;
                    let h = r!(vm, base, heritage);
                    let flags = proto_flags(code, ctor as u32);
                    let derived = flags.has(FF::DERIVED);
                    let sendable = flags.has(FF::SENDABLE);
                    create_class(vm, module, ctor as u32, env, h, derived, sendable).map(
                        |(f, p)| {
                            r!(vm, base, dst) = f;
                            vm.interp.regs[base + dst.0 as usize + 1] = p;
                            Flow::Next
                        },
                    )
                }
                Instr::SetClassFieldInit { ctor, init } => {
                    let (c, i) = (r!(vm, base, ctor), r!(vm, base, init));
                    if let Some(o) = c.as_object() {
                        if let ObjectKind::Closure(cl) = &mut vm.heap.obj_mut(o).kind {
                            cl.fields = i;
                        }
                    }
                    Ok(Flow::Next)
                }
                Instr::InitFields { ctor, this } => {
                    let (c, t) = (r!(vm, base, ctor), r!(vm, base, this));
                    let fields = match vm.heap.try_obj(c).map(|o| &o.kind) {
                        Some(ObjectKind::Closure(cl)) => cl.fields,
                        _ => Value::UNDEFINED,
                    };
                    if fields.is_undefined() {
                        Ok(Flow::Next)
                    } else {
                        vm.call(fields, t, &[]).map(|_| Flow::Next)
                    }
                }
                Instr::SealSendableClass { ctor } => {
                    let c = r!(vm, base, ctor);
                    crate::sendable::class::seal_class(vm, c).map(|()| Flow::Next)
                }
                Instr::CreateRest { dst, start } => {
                    let rest: Vec<Value> = vm.interp.frames[fi]
                        .args
                        .as_ref()
                        .map(|a| a.iter().skip(start as usize).copied().collect())
                        .unwrap_or_default();
                    r!(vm, base, dst) = vm.new_array_value(rest);
                    Ok(Flow::Next)
                }
                Instr::CreateArguments { dst } => {
                    let args: Vec<Value> =
                        vm.interp.frames[fi].args.as_deref().unwrap_or(&[]).to_vec();
                    r!(vm, base, dst) = create_arguments(vm, args);
                    Ok(Flow::Next)
                }
                // Always completed by the fast path above.
                Instr::Call { .. } | Instr::CallPlain { .. } | Instr::Return { .. } => {
                    unreachable!("handled by the fast path")
                }
                Instr::CallMethod { base: b, argc, ic } => {
                    let recv = vm.interp.regs[base + b.0 as usize + 1];
                    match get_named(vm, code, func, ic_base + ic.0 as usize, ic.0, recv) {
                        Ok(f) => {
                            r!(vm, base, b) = f;
                            call_op(
                                vm,
                                proto,
                                pc,
                                f,
                                recv,
                                base + b.0 as usize + 2,
                                argc as usize,
                                b,
                            )
                        }
                        Err(e) => Err(e),
                    }
                }
                Instr::CallArray { dst, base: b } => {
                    let f = r!(vm, base, b);
                    let this = vm.interp.regs[base + b.0 as usize + 1];
                    let arr = vm.interp.regs[base + b.0 as usize + 2];
                    let args = array_elements(vm, arr);
                    call_values(vm, proto, pc, f, this, args, dst)
                }
                Instr::New { dst, base: b, argc } => {
                    let f = r!(vm, base, b);
                    let s = base + b.0 as usize + 1;
                    let args = vm.interp.regs[s..s + argc as usize].to_vec();
                    new_op(vm, proto, pc, f, args, dst)
                }
                Instr::NewArrayArgs { dst, base: b } => {
                    let f = r!(vm, base, b);
                    let arr = vm.interp.regs[base + b.0 as usize + 1];
                    let args = array_elements(vm, arr);
                    new_op(vm, proto, pc, f, args, dst)
                }
                Instr::SuperCall { dst, base: b, argc } => {
                    let f = r!(vm, base, b);
                    let s = base + b.0 as usize + 1;
                    let args = vm.interp.regs[s..s + argc as usize].to_vec();
                    let nt = vm.interp.frames[fi].new_target;
                    super_call(vm, f, args, nt).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::SuperCallArray { dst, base: b } => {
                    let f = r!(vm, base, b);
                    let arr = vm.interp.regs[base + b.0 as usize + 1];
                    let args = array_elements(vm, arr);
                    let nt = vm.interp.frames[fi].new_target;
                    super_call(vm, f, args, nt).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::ReturnUndefined => Ok(Flow::Return(Value::UNDEFINED)),
                Instr::ReturnDerived { value, this } => {
                    let (v, t) = (r!(vm, base, value), r!(vm, base, this));
                    if v.is_object() || v.as_shared().is_some() {
                        Ok(Flow::Return(v))
                    } else if !v.is_undefined() {
                        Err(vm
                            .type_error("Derived constructors may only return object or undefined"))
                    } else if t.is_hole() {
                        Err(vm.reference_error("Must call super constructor in derived class before accessing 'this' or returning from derived constructor"))
                    } else {
                        Ok(Flow::Return(t))
                    }
                }
                Instr::Throw { src } => Err(r!(vm, base, src)),
                Instr::ThrowError { kind, msg } => {
                    let m = const_text(proto, msg.0);
                    let p = match kind {
                        skiff_bytecode::ErrorKind::Error => vm.realm.error_proto,
                        skiff_bytecode::ErrorKind::TypeError => vm.realm.type_error_proto,
                        skiff_bytecode::ErrorKind::ReferenceError => vm.realm.reference_error_proto,
                        skiff_bytecode::ErrorKind::SyntaxError => vm.realm.syntax_error_proto,
                        skiff_bytecode::ErrorKind::RangeError => vm.realm.range_error_proto,
                    };
                    Err(vm.make_error(p, &m))
                }
                Instr::ThrowIfNotObject { src, msg } => {
                    let v = r!(vm, base, src);
                    if v.is_object() {
                        Ok(Flow::Next)
                    } else {
                        let m = const_text(proto, msg.0);
                        let d = vm.to_display_string(v);
                        Err(vm.type_error(m.replace("%s", &d)))
                    }
                }
                Instr::CheckObjectCoercible { src } => {
                    let v = r!(vm, base, src);
                    if v.is_nullish() {
                        let d = if v.is_null() { "null" } else { "undefined" };
                        Err(vm.type_error(format!("Cannot destructure '{d}' as it is {d}.")))
                    } else {
                        Ok(Flow::Next)
                    }
                }
                Instr::GetIterator { dst, src } => {
                    let v = r!(vm, base, src);
                    check_iterable(vm, proto, pc, v, false)
                        .and_then(|_| crate::builtins::iterator::get_iterator(vm, v))
                        .map(|rec| {
                            r!(vm, base, dst) = rec.iter;
                            vm.interp.regs[base + dst.0 as usize + 1] = rec.next;
                            Flow::Next
                        })
                }
                Instr::GetAsyncIterator { dst, src } => {
                    let v = r!(vm, base, src);
                    crate::builtins::iterator::get_async_iterator(vm, v).map(|rec| {
                        r!(vm, base, dst) = rec.iter;
                        vm.interp.regs[base + dst.0 as usize + 1] = rec.next;
                        Flow::Next
                    })
                }
                Instr::IteratorNext { dst, iter } => {
                    let it = r!(vm, base, iter);
                    let next = vm.interp.regs[base + iter.0 as usize + 1];
                    let rec = IterRecord { iter: it, next };
                    vm.call(rec.next, rec.iter, &[]).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::IteratorResultDone { dst, result } => {
                    let res = r!(vm, base, result);
                    if !res.is_object() {
                        let s = vm.to_display_string(res);
                        Err(vm.type_error(format!("Iterator result {s} is not an object")))
                    } else {
                        vm.get(res, PropKey::Str(names::get().done)).map(|d| {
                            r!(vm, base, dst) = Value::bool(vm.to_boolean(d));
                            Flow::Next
                        })
                    }
                }
                Instr::IteratorResultValue { dst, result } => {
                    let res = r!(vm, base, result);
                    vm.get(res, PropKey::Str(names::get().value)).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::ForInPrepare { dst, obj } => {
                    let o = r!(vm, base, obj);
                    for_in_prepare(vm, o).map(|v| {
                        r!(vm, base, dst) = v;
                        Flow::Next
                    })
                }
                Instr::ForInNext { dst, iter } => {
                    let it = r!(vm, base, iter);
                    let v = for_in_next(vm, it);
                    r!(vm, base, dst) = v;
                    Ok(Flow::Next)
                }
                Instr::InitialYield => Ok(Flow::Suspend(Exit::Initial)),
                Instr::Yield { src, .. } => Ok(Flow::Suspend(Exit::Yield(r!(vm, base, src)))),
                Instr::YieldRaw { src, .. } => Ok(Flow::Suspend(Exit::YieldRaw(r!(vm, base, src)))),
                Instr::Await { src, .. } => Ok(Flow::Suspend(Exit::Await(r!(vm, base, src)))),
            };
            match res {
                Ok(Flow::Next) => pc += 1,
                Ok(Flow::Jump(off)) => {
                    if off <= 0 {
                        // Backward jump: the attention poll point.
                        vm.interp.frames[fi].pc = pc as u32;
                        if let Err(e) = poll(vm) {
                            pending = Some(e);
                            continue 'frames;
                        }
                    }
                    pc = (pc as i64 + off as i64) as usize;
                }
                Ok(Flow::Call) => {
                    // A frame was pushed; the caller's pc stays at the call instruction.
                    if let Err(e) = poll(vm) {
                        pending = Some(e);
                    }
                    continue 'frames;
                }
                Ok(Flow::Return(v)) => match do_return(vm, v) {
                    Ok(Some(exit)) => return Ok(exit),
                    Ok(None) => continue 'frames,
                    Err(e) => {
                        pending = Some(e);
                        continue 'frames;
                    }
                },
                Ok(Flow::Suspend(exit)) => {
                    suspend(vm);
                    return Ok(exit);
                }
                Err(e) => {
                    pending = Some(e);
                    continue 'frames;
                }
            }
        }
    }
}

/// ToBoolean with the booleans themselves (what comparisons produce) decided inline.
#[inline(always)]
fn truthy(vm: &Vm, v: Value) -> bool {
    if v == Value::TRUE {
        true
    } else if v == Value::FALSE {
        false
    } else {
        vm.to_boolean(v)
    }
}

enum Flow {
    Next,
    Jump(i32),
    Call,
    Return(Value),
    Suspend(Exit),
}

/// The safepoint: collect garbage if due; honour termination requests. The common case (nothing
/// to do) is decided inline.
#[inline(always)]
fn poll(vm: &mut Vm) -> JsResult<()> {
    if vm.poll_attention() == 0 && !vm.heap.should_collect() {
        return Ok(());
    }
    poll_slow(vm)
}

#[inline(never)]
fn poll_slow(vm: &mut Vm) -> JsResult<()> {
    let a = vm.poll_attention();
    if a != 0 {
        if a & attention::TERMINATE != 0 {
            vm.terminating = true;
            return Err(TERMINATION);
        }
        if a & attention::GC != 0 {
            vm.attention
                .fetch_and(!attention::GC, std::sync::atomic::Ordering::Relaxed);
            vm.collect_garbage();
        }
        if a & attention::SHARED_GC != 0 {
            vm.attention
                .fetch_and(!attention::SHARED_GC, std::sync::atomic::Ordering::Relaxed);
            vm.shared_safepoint();
        }
        if a & attention::INTERRUPT != 0 {
            vm.attention
                .fetch_and(!attention::INTERRUPT, std::sync::atomic::Ordering::Relaxed);
            return Err(vm.make_error(vm.realm.error_proto, "Interrupted"));
        }
        if a & attention::OUT_OF_MEMORY != 0 {
            vm.attention.fetch_and(
                !attention::OUT_OF_MEMORY,
                std::sync::atomic::Ordering::Relaxed,
            );
            // Collect first, so that what the script drops in its catch handler can go.
            vm.collect_garbage();
            return Err(vm.range_error("Out of memory: the heap limit was exceeded"));
        }
    }
    vm.maybe_gc();
    Ok(())
}

/// Moves the (entry) top frame into its generator object.
fn suspend(vm: &mut Vm) {
    let Some(frame) = vm.interp.frames.pop() else {
        return;
    };
    let base = frame.base as usize;
    let regs = vm.interp.regs.split_off(base);
    let gen = frame.gen;
    if let Some(g) = gen.as_object() {
        if let ObjectKind::Generator(b) = &mut vm.heap.obj_mut(g).kind {
            b.frame = Some(Box::new(SavedFrame { frame, regs }));
            b.state = GenState::SuspendedYield;
        }
    }
}

/// Pops the top frame with a return value; returns Some(exit) if it was the entry frame.
fn do_return(vm: &mut Vm, v: Value) -> JsResult<Option<Exit>> {
    let Some(frame) = vm.interp.frames.pop() else {
        return Ok(Some(Exit::Return(v)));
    };
    vm.interp.regs.truncate(frame.base as usize);
    let mut v = v;
    // A Sendable instance (a shared value) is an object too.
    if frame.flags & F_CONSTRUCT != 0 && !v.is_object() && v.as_shared().is_none() {
        v = frame.this;
    }
    if frame.flags & F_ENTRY != 0 {
        return Ok(Some(Exit::Return(v)));
    }
    if let Some(caller) = vm.interp.frames.last_mut() {
        let dst = caller.base as usize + frame.ret as usize;
        caller.pc += 1;
        vm.interp.regs[dst] = v;
    }
    Ok(None)
}

/// Finds a handler for `e`, popping frames up to the entry frame. Returns Err(e) when the
/// entry frame has no handler (the frame is popped).
fn unwind(vm: &mut Vm, e: Value) -> JsResult<()> {
    loop {
        let Some(frame) = vm.interp.frames.last() else {
            return Err(e);
        };
        if e != TERMINATION {
            if let Some(code) = vm.modules.code(frame.module) {
                let p = &code.module.functions[frame.func as usize];
                let pc = frame.pc;
                if let Some(h) = p.handlers.iter().find(|h| h.start <= pc && pc < h.end) {
                    let base = frame.base as usize;
                    let (target, reg) = (h.target, h.reg);
                    vm.interp.regs[base + reg as usize] = e;
                    if let Some(f) = vm.interp.frames.last_mut() {
                        f.pc = target;
                    }
                    return Ok(());
                }
            }
        }
        let frame = vm.interp.frames.pop().expect("frame exists");
        vm.interp.regs.truncate(frame.base as usize);
        if frame.flags & F_ENTRY != 0 {
            return Err(e);
        }
    }
}

// ----- helpers for instructions -----------------------------------------------------------

fn proto_flags(code: &ModuleCode, func: u32) -> FF {
    code.module
        .functions
        .get(func as usize)
        .map(|f| f.flags)
        .unwrap_or_default()
}

fn const_text(p: &FunctionProto, idx: u16) -> String {
    match p.constants.get(idx as usize) {
        Some(Constant::String(s)) => s.to_string_lossy(),
        _ => String::new(),
    }
}

fn load_const(vm: &mut Vm, p: &FunctionProto, idx: u16) -> JsResult<Value> {
    match p.constants.get(idx as usize) {
        Some(Constant::Number(n)) => Ok(Value::number(*n)),
        Some(Constant::String(s)) => Ok(vm.new_string(crate::module::convert_str(s))),
        Some(Constant::BigInt(s)) => match s.parse::<num_bigint::BigInt>() {
            Ok(b) => Ok(vm.new_bigint(b)),
            Err(_) => Err(vm.syntax_error("Invalid BigInt literal")),
        },
        _ => Err(vm.type_error("invalid constant")),
    }
}

#[inline]
fn arith(vm: &mut Vm, base: usize, dst: Reg, a: Reg, b: Reg, op: ArithOp) -> JsResult<Flow> {
    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
    let v = if let (Some(p), Some(q)) = (x.as_number(), y.as_number()) {
        Value::number(num_op(op, p, q))
    } else {
        vm.arith(op, x, y)?
    };
    r!(vm, base, dst) = v;
    Ok(Flow::Next)
}

#[inline]
fn unary(
    vm: &mut Vm,
    base: usize,
    dst: Reg,
    src: Reg,
    f: impl FnOnce(&mut Vm, Value) -> JsResult<Value>,
) -> JsResult<Flow> {
    let v = r!(vm, base, src);
    let r = f(vm, v)?;
    r!(vm, base, dst) = r;
    Ok(Flow::Next)
}

#[inline]
fn num_cmp(op: CmpOp, x: f64, y: f64) -> bool {
    match op {
        CmpOp::Lt => x < y,
        CmpOp::Gt => x > y,
        CmpOp::Le => x <= y,
        CmpOp::Ge => x >= y,
    }
}

#[inline]
fn cmp(vm: &mut Vm, base: usize, dst: Reg, a: Reg, b: Reg, op: CmpOp) -> JsResult<Flow> {
    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
    let t = if let (Some(p), Some(q)) = (x.as_number(), y.as_number()) {
        num_cmp(op, p, q)
    } else {
        vm.compare(op, x, y)?
    };
    r!(vm, base, dst) = Value::bool(t);
    Ok(Flow::Next)
}

#[inline]
fn jcmp(vm: &mut Vm, base: usize, a: Reg, b: Reg, off: i16, op: CmpOp) -> JsResult<Flow> {
    let (x, y) = (r!(vm, base, a), r!(vm, base, b));
    let t = if let (Some(p), Some(q)) = (x.as_number(), y.as_number()) {
        num_cmp(op, p, q)
    } else {
        vm.compare(op, x, y)?
    };
    Ok(if t {
        Flow::Jump(off as i32)
    } else {
        Flow::Next
    })
}

/// `ConcatStrings` over the `n` string registers from `at`. Short flat parts are joined into
/// one new string; otherwise (a rope among them, or a long result) they are added pairwise, so
/// that appending to a long string in a loop (`s = `${s}x``) stays linear with ropes.
fn concat_registers(vm: &mut Vm, at: usize, n: usize) -> JsResult<Value> {
    const FLAT_MAX: usize = 256;
    let parts = &vm.interp.regs[at..at + n];
    let flat = |v: &Value| v.as_string().and_then(|s| vm.heap.flat_str(s));
    let mut total = 0;
    let mut all_flat = true;
    for v in parts {
        match flat(v) {
            Some(s) => total += s.len(),
            None => {
                all_flat = false;
                break;
            }
        }
    }
    if all_flat && total <= FLAT_MAX {
        let s = JsStr::join_parts(parts.iter().filter_map(flat), total);
        return Ok(vm.new_string(s));
    }
    let mut acc = vm.interp.regs[at];
    for i in 1..n {
        let next = vm.interp.regs[at + i];
        acc = vm.add(acc, next)?;
    }
    Ok(acc)
}

/// The negated fused compare-and-branch: jumps when the comparison is false or undefined.
fn njcmp(vm: &mut Vm, base: usize, a: Reg, b: Reg, off: i16, op: CmpOp) -> JsResult<Flow> {
    Ok(match jcmp(vm, base, a, b, 1, op)? {
        Flow::Jump(_) => Flow::Next,
        _ => Flow::Jump(off as i32),
    })
}

fn load_global(
    vm: &mut Vm,
    code: &ModuleCode,
    func: u32,
    slot: usize,
    ic: u16,
    throw: bool,
) -> JsResult<Value> {
    let g = vm.realm.global;
    let w = &vm.interp.ics[slot].ways[0];
    {
        let obj = vm.heap.obj(g);
        if obj.shape.id == w.shape && w.depth == 0 {
            if let Some(v) = obj.slots.get(w.slot as usize) {
                return Ok(*v);
            }
        }
    }
    let key = code.ic_keys[func as usize][ic as usize];
    let obj = vm.heap.obj(g);
    if let Some(i) = obj.shape.lookup(key) {
        if obj.shape.attrs[i] & ATTR_ACCESSOR == 0 {
            let v = obj.slots[i];
            vm.interp.ics[slot].ways[0] = IcWay::own(obj.shape.id, i);
            return Ok(v);
        }
    }
    if vm.has_property(g, key) {
        return vm.get(Value::object(g), key);
    }
    if throw {
        let k = vm.key_display(key);
        Err(vm.reference_error(format!("{k} is not defined")))
    } else {
        Ok(Value::UNDEFINED)
    }
}

/// Named property read with an inline cache; getters are called here.
fn get_named(
    vm: &mut Vm,
    code: &ModuleCode,
    func: u32,
    slot: usize,
    ic: u16,
    o: Value,
) -> JsResult<Value> {
    match get_named_ic(vm, code, func, slot, ic, o)? {
        Got::Value(v) => Ok(v),
        Got::Getter(g) if g.is_undefined() => Ok(Value::UNDEFINED),
        Got::Getter(g) => vm.call(g, o, &[]),
    }
}

/// Named property read with an inline cache, leaving a getter to the caller.
fn get_named_ic(
    vm: &mut Vm,
    code: &ModuleCode,
    func: u32,
    slot: usize,
    ic: u16,
    o: Value,
) -> JsResult<Got> {
    if let Some(r) = o.as_object() {
        if let Some(Cell::Object(obj)) = vm.heap.cells.get(r.0 as usize) {
            for w in &vm.interp.ics[slot].ways {
                if obj.shape.id == w.shape {
                    if w.depth == 0 {
                        if let Some(&v) = obj.slots.get(w.slot as usize) {
                            return Ok(ic_got(&vm.heap, w, v));
                        }
                    } else if let Some(v) = ic_read(&vm.heap, obj.proto, w) {
                        return Ok(ic_got(&vm.heap, w, v));
                    }
                }
            }
        }
        let key = code.ic_keys[func as usize][ic as usize];
        let obj = vm.heap.obj(r);
        if matches!(obj.kind, ObjectKind::Array) && key == PropKey::Str(names::get().length) {
            return Ok(Got::Value(Value::number(obj.array_len() as f64)));
        }
        // Fill the cache for properties found in the shapes along the chain.
        if !matches!(key, PropKey::Index(_)) && ic_plain_kind(&obj.kind, key) {
            let found = match obj.shape.lookup(key) {
                Some(i) => {
                    let mut w = IcWay::own(obj.shape.id, i);
                    w.getter = obj.shape.attrs[i] & ATTR_ACCESSOR != 0;
                    Some((w, obj.slots[i]))
                }
                None if !obj.shape.dict => ic_walk(vm, obj.shape.id, obj.proto, key),
                None => None,
            };
            if let Some((w, v)) = found {
                vm.interp.ics[slot].fill(w);
                return Ok(ic_got(&vm.heap, &w, v));
            }
        }
        return vm.get_from(r, key, o).map(Got::Value);
    }
    if o.is_string() {
        // Methods of string primitives: cached as prototype hits from the pseudo-shape 0.
        let sp = Some(vm.realm.string_proto);
        for w in &vm.interp.ics[slot].ways {
            if w.shape == 0 {
                if let Some(v) = ic_read(&vm.heap, sp, w) {
                    return Ok(ic_got(&vm.heap, w, v));
                }
            }
        }
        let key = code.ic_keys[func as usize][ic as usize];
        // A string's own properties (`length`, indices) are virtual and never cached.
        if key != PropKey::Str(names::get().length) && !matches!(key, PropKey::Index(_)) {
            if let Some((w, v)) = ic_walk(vm, 0, sp, key) {
                vm.interp.ics[slot].fill(w);
                return Ok(ic_got(&vm.heap, &w, v));
            }
        }
        return vm.get(o, key).map(Got::Value);
    }
    let key = code.ic_keys[func as usize][ic as usize];
    vm.get(o, key).map(Got::Value)
}

fn set_named(
    vm: &mut Vm,
    code: &ModuleCode,
    func: u32,
    slot: usize,
    ic: u16,
    o: Value,
    v: Value,
) -> JsResult<()> {
    if let Some(r) = o.as_object() {
        if let Some(Cell::Object(obj)) = vm.heap.cells.get_mut(r.0 as usize) {
            for w in &vm.interp.ics[slot].ways {
                if obj.shape.id == w.shape && w.depth == 0 {
                    if let Some(s) = obj.slots.get_mut(w.slot as usize) {
                        *s = v;
                        return Ok(());
                    }
                }
            }
        }
        let key = code.ic_keys[func as usize][ic as usize];
        vm.set(o, key, v)?;
        let obj = vm.heap.obj(r);
        if let Some(i) = obj.shape.lookup(key) {
            if obj.shape.attrs[i] & (ATTR_ACCESSOR | ATTR_WRITABLE) == ATTR_WRITABLE
                && !matches!(obj.kind, ObjectKind::Array | ObjectKind::TypedArray { .. })
            {
                let w = IcWay::own(obj.shape.id, i);
                vm.interp.ics[slot].fill(w);
            }
        }
        return Ok(());
    }
    let key = code.ic_keys[func as usize][ic as usize];
    vm.set(o, key, v)
}

#[inline]
fn get_indexed(vm: &mut Vm, o: Value, k: Value) -> JsResult<Value> {
    if let (Some(r), Some(n)) = (o.as_object(), k.as_number()) {
        let i = n as usize;
        if i as f64 == n {
            if let Some(Cell::Object(obj)) = vm.heap.cells.get(r.0 as usize) {
                if let Some(&v) = obj.elements.get(i) {
                    if !v.is_hole() {
                        return Ok(v);
                    }
                }
                if let ObjectKind::TypedArray { length, .. } = obj.kind {
                    if i < length {
                        return Ok(crate::builtins::typed::get_index(vm, r, i));
                    }
                    return Ok(Value::UNDEFINED);
                }
            }
        }
    }
    if let (Some(s), Some(n)) = (o.as_string(), k.as_number()) {
        let st = vm.heap.str(s);
        if n >= 0.0 && n.fract() == 0.0 {
            return Ok(match st.get(n as usize) {
                Some(u) => vm.new_string(JsStr::from_units(&[u])),
                None => Value::UNDEFINED,
            });
        }
    }
    if o.is_nullish() {
        let ks = vm.to_display_string(k);
        let what = if o.is_null() { "null" } else { "undefined" };
        return Err(vm.type_error(format!("Cannot read properties of {what} (reading '{ks}')")));
    }
    let key = vm.to_property_key(k)?;
    vm.get(o, key)
}

#[inline]
fn set_indexed(vm: &mut Vm, o: Value, k: Value, v: Value) -> JsResult<()> {
    if let (Some(r), Some(n)) = (o.as_object(), k.as_number()) {
        let i = n as usize;
        if i as f64 == n {
            if let Some(Cell::Object(obj)) = vm.heap.cells.get_mut(r.0 as usize) {
                if obj.elem_mode == crate::object::ElemMode::Normal
                    && matches!(obj.kind, ObjectKind::Array | ObjectKind::Ordinary)
                {
                    if i < obj.elements.len() && !obj.elements[i].is_hole() {
                        obj.elements[i] = v;
                        return Ok(());
                    }
                    if i == obj.elements.len()
                        && obj.is_array()
                        && obj.extensible
                        && !obj.length_readonly
                        && !obj.shape.has_index_keys
                    {
                        // Appending is safe only if no prototype defines the index (setters).
                        let proto_ok = obj.proto.is_none_or(|p| {
                            let po = vm.heap.obj(p);
                            po.elements.len() <= i
                                && !po.shape.has_index_keys
                                && po.proto.is_none_or(|pp| {
                                    let ppo = vm.heap.obj(pp);
                                    ppo.elements.len() <= i
                                        && !ppo.shape.has_index_keys
                                        && ppo.proto.is_none()
                                })
                        });
                        if proto_ok {
                            if let Some(Cell::Object(obj)) = vm.heap.cells.get_mut(r.0 as usize) {
                                obj.elements.push(v);
                            }
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
    if o.is_nullish() {
        let ks = vm.to_display_string(k);
        let what = if o.is_null() { "null" } else { "undefined" };
        return Err(vm.type_error(format!("Cannot set properties of {what} (setting '{ks}')")));
    }
    let key = vm.to_property_key(k)?;
    vm.set(o, key, v)
}

fn delete_op(vm: &mut Vm, o: Value, k: Value) -> JsResult<bool> {
    if o.is_nullish() {
        return Err(vm.type_error("Cannot convert undefined or null to object"));
    }
    let key = vm.to_property_key(k)?;
    if let Some(slot) = o.as_shared() {
        return crate::sendable::props::delete(vm, slot, key);
    }
    let Some(r) = o.as_object() else {
        return Ok(true);
    };
    if !vm.delete_property(r, key) {
        let ks = vm.key_display(key);
        let b = vm.object_brief(o);
        return Err(vm.type_error(format!("Cannot delete property '{ks}' of {b}")));
    }
    Ok(true)
}

fn define_data(vm: &mut Vm, o: Value, key: PropKey, v: Value) -> JsResult<()> {
    if let Some(slot) = o.as_shared() {
        // Field initialisers of Sendable instances: a type-checked store into the layout.
        return crate::sendable::props::set(vm, slot, key, v, o);
    }
    if !vm.is_sendable_value(v)
        && vm.sendable.classes.has_any()
        && crate::sendable::class::is_sendable_ctor(vm, o)
    {
        // A static field of a Sendable class initialised with a local object or function.
        return vm.throw_shared(skiff_shared::SharedError::MismatchedType);
    }
    let Some(r) = o.as_object() else {
        return Err(vm.type_error("Cannot define property on a non-object"));
    };
    // Fast path: new property on an extensible ordinary object.
    {
        let obj = vm.heap.obj_mut(r);
        if obj.extensible && !matches!(obj.kind, ObjectKind::Array | ObjectKind::TypedArray { .. })
        {
            if let PropKey::Str(_) = key {
                if obj.shape.lookup(key).is_none() {
                    obj.put_raw(key, v, ATTR_DEFAULT);
                    return Ok(());
                }
            }
        }
    }
    if !vm.define_own_property(r, key, PropDesc::data(v, ATTR_DEFAULT))? {
        let ks = vm.key_display(key);
        return Err(vm.type_error(format!("Cannot redefine property: {ks}")));
    }
    Ok(())
}

fn set_home(vm: &mut Vm, f: Value, home: Value) {
    if let Some(o) = f.as_object() {
        if let ObjectKind::Closure(c) = &mut vm.heap.obj_mut(o).kind {
            c.home = home;
        }
    }
}

fn set_function_name(vm: &mut Vm, f: Value, key: Value, prefix: &str) -> JsResult<()> {
    let Some(o) = f.as_object() else {
        return Ok(());
    };
    let name = if let Some(s) = key.as_symbol() {
        let d = vm
            .symbols
            .get(s.0 as usize)
            .and_then(|d| d.description.clone())
            .map(|d| d.to_rust_string());
        match d {
            Some(d) => format!("[{d}]"),
            None => String::new(),
        }
    } else {
        vm.to_rust_string(key)?
    };
    let full = if prefix.is_empty() {
        name
    } else {
        format!("{prefix} {name}")
    };
    let n = vm.str_val(&full);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::Str(names::get().name), n, ATTR_CONFIGURABLE);
    Ok(())
}

/// kind: 0 method, 1 getter, 2 setter, 3 enumerable getter, 4 enumerable setter.
fn define_method(vm: &mut Vm, o: Value, k: Value, f: Value, kind: u8) -> JsResult<()> {
    let Some(r) = o.as_object() else {
        return Err(vm.type_error("Cannot define method on a non-object"));
    };
    let key = vm.to_property_key(k)?;
    set_home(vm, f, o);
    let prefix = match kind {
        1 | 3 => "get",
        2 | 4 => "set",
        _ => "",
    };
    let kv = vm.key_to_value(key);
    set_function_name(vm, f, kv, prefix)?;
    let enumerable = kind >= 3;
    let d = match kind {
        0 => PropDesc {
            value: Some(f),
            writable: Some(true),
            enumerable: Some(false),
            configurable: Some(true),
            ..Default::default()
        },
        1 | 3 => PropDesc {
            get: Some(f),
            enumerable: Some(enumerable),
            configurable: Some(true),
            ..Default::default()
        },
        _ => PropDesc {
            set: Some(f),
            enumerable: Some(enumerable),
            configurable: Some(true),
            ..Default::default()
        },
    };
    crate::builtins::object::define_property_or_throw(vm, r, key, d)
}

pub fn copy_data_properties(
    vm: &mut Vm,
    dst: Value,
    src: Value,
    excluded: &[PropKey],
) -> JsResult<()> {
    if src.is_nullish() {
        return Ok(());
    }
    let Some(d) = dst.as_object() else {
        return Ok(());
    };
    if let Some(slot) = src.as_shared() {
        // `{ ...sendable }`: its fields (Sendable instances) or elements (arrays).
        for k in crate::sendable::props::own_keys(vm, slot) {
            if excluded.contains(&k) {
                continue;
            }
            let v = vm.get(src, k)?;
            vm.create_data_property(d, k, v)?;
        }
        return Ok(());
    }
    let s = vm.to_object(src)?;
    for k in vm.own_keys(s) {
        if excluded.contains(&k) {
            continue;
        }
        if let Some(p) = vm.get_own_property(s, k) {
            if p.attrs & ATTR_ENUMERABLE != 0 {
                let v = vm.get(Value::object(s), k)?;
                vm.create_data_property(d, k, v)?;
            }
        }
    }
    Ok(())
}

fn copy_rest(vm: &mut Vm, src: Value, excluded: Value) -> JsResult<Value> {
    if src.is_nullish() {
        let d = if src.is_null() { "null" } else { "undefined" };
        return Err(vm.type_error(format!("Cannot destructure '{d}' as it is {d}.")));
    }
    let ex_vals = array_elements(vm, excluded);
    let mut ex = Vec::new();
    for v in ex_vals {
        ex.push(vm.to_property_key(v)?);
    }
    let o = vm.new_object();
    vm.root(Value::object(o));
    copy_data_properties(vm, Value::object(o), src, &ex)?;
    Ok(Value::object(o))
}

fn home_proto(vm: &mut Vm, callee: Value) -> JsResult<Value> {
    let home = closure_home(vm, callee);
    match home.as_object() {
        Some(h) => Ok(vm
            .heap
            .obj(h)
            .proto
            .map(Value::object)
            .unwrap_or(Value::NULL)),
        None => Err(vm.syntax_error("'super' keyword unexpected here")),
    }
}

fn super_get(vm: &mut Vm, callee: Value, this: Value, k: Value) -> JsResult<Value> {
    let p = home_proto(vm, callee)?;
    let key = vm.to_property_key(k)?;
    match p.as_object() {
        Some(po) => vm.get_from(po, key, this),
        None => {
            let ks = vm.key_display(key);
            Err(vm.type_error(format!("Cannot read properties of null (reading '{ks}')")))
        }
    }
}

fn super_set(vm: &mut Vm, callee: Value, this: Value, k: Value, v: Value) -> JsResult<()> {
    let p = home_proto(vm, callee)?;
    let key = vm.to_property_key(k)?;
    let Some(po) = p.as_object() else {
        return Err(vm.type_error("Cannot set properties of null"));
    };
    if let Some((_, prop)) = vm.find_property(po, key) {
        if prop.attrs & ATTR_ACCESSOR != 0 {
            let (_, s) = vm.heap.accessor(prop.value);
            if s.is_undefined() {
                return Err(vm.type_error("Cannot set property which has only a getter"));
            }
            vm.call(s, this, &[v])?;
            return Ok(());
        }
    }
    match this.as_object() {
        Some(t) => {
            vm.create_data_property(t, key, v)?;
            Ok(())
        }
        None => Err(vm.type_error("Cannot assign to property of a primitive")),
    }
}

fn private_desc(vm: &Vm, k: Value) -> String {
    k.as_symbol()
        .and_then(|s| vm.symbols.get(s.0 as usize))
        .and_then(|d| d.description.clone())
        .map(|d| d.to_rust_string())
        .unwrap_or_default()
}

fn get_private(vm: &mut Vm, o: Value, k: Value) -> JsResult<Value> {
    let found = match (vm.heap.try_obj(o), k.as_symbol()) {
        (Some(obj), Some(s)) => obj.get_own(PropKey::Sym(s)),
        _ => None,
    };
    let Some(p) = found else {
        let d = private_desc(vm, k);
        return Err(vm.type_error(format!(
            "Cannot read private member {d} from an object whose class did not declare it"
        )));
    };
    if p.attrs & ATTR_ACCESSOR != 0 {
        let (g, _) = vm.heap.accessor(p.value);
        if g.is_undefined() {
            let d = private_desc(vm, k);
            return Err(vm.type_error(format!("'{d}' was defined without a getter")));
        }
        return vm.call(g, o, &[]);
    }
    Ok(p.value)
}

fn set_private(vm: &mut Vm, o: Value, k: Value, v: Value) -> JsResult<()> {
    let found = match (vm.heap.try_obj(o), k.as_symbol()) {
        (Some(obj), Some(s)) => obj.get_own(PropKey::Sym(s)).map(|p| (p, s)),
        _ => None,
    };
    let Some((p, s)) = found else {
        let d = private_desc(vm, k);
        return Err(vm.type_error(format!(
            "Cannot write private member {d} to an object whose class did not declare it"
        )));
    };
    if p.attrs & ATTR_ACCESSOR != 0 {
        let (_, st) = vm.heap.accessor(p.value);
        if st.is_undefined() {
            let d = private_desc(vm, k);
            return Err(vm.type_error(format!("'{d}' was defined without a setter")));
        }
        vm.call(st, o, &[v])?;
        return Ok(());
    }
    if p.attrs & ATTR_WRITABLE == 0 {
        return Err(vm.type_error("Private method is not writable"));
    }
    if let Some(r) = o.as_object() {
        vm.heap.obj_mut(r).set_existing(PropKey::Sym(s), v);
    }
    Ok(())
}

/// kind: 0 field or method, 1 getter, 2 setter.
fn define_private(vm: &mut Vm, o: Value, k: Value, v: Value, kind: u8) -> JsResult<()> {
    let (Some(r), Some(s)) = (o.as_object(), k.as_symbol()) else {
        return Err(vm.type_error("Cannot define private member on a non-object"));
    };
    let key = PropKey::Sym(s);
    let existing = vm.heap.obj(r).get_own(key);
    match kind {
        0 => {
            if existing.is_some() {
                let d = private_desc(vm, k);
                return Err(
                    vm.type_error(format!("Cannot initialize {d} twice on the same object"))
                );
            }
            let is_method = match vm.heap.try_obj(v).map(|x| &x.kind) {
                Some(ObjectKind::Closure(c)) => c.has(FF::PRIVATE_METHOD),
                _ => false,
            };
            let attrs = if is_method { 0 } else { ATTR_WRITABLE };
            vm.heap.obj_mut(r).put_raw(key, v, attrs);
        }
        _ => {
            let (mut g, mut st) = match existing {
                Some(p) if p.attrs & ATTR_ACCESSOR != 0 => vm.heap.accessor(p.value),
                _ => (Value::UNDEFINED, Value::UNDEFINED),
            };
            if kind == 1 {
                g = v;
            } else {
                st = v;
            }
            let acc = vm.heap.alloc_accessor(g, st);
            vm.heap.obj_mut(r).put_raw(key, acc, ATTR_ACCESSOR);
        }
    }
    Ok(())
}

fn template_object(
    vm: &mut Vm,
    module: u32,
    func: u32,
    p: &FunctionProto,
    idx: u16,
) -> JsResult<Value> {
    if let Some(v) = vm.modules.list[module as usize].templates.get(&(func, idx)) {
        return Ok(*v);
    }
    let Some(Constant::Template { raw, cooked }) = p.constants.get(idx as usize) else {
        return Err(vm.type_error("bad template constant"));
    };
    let mut cooked_v = Vec::new();
    for c in cooked.iter() {
        cooked_v.push(match c {
            Some(s) => vm.new_string(crate::module::convert_str(s)),
            None => Value::UNDEFINED,
        });
    }
    let mut raw_v = Vec::new();
    for s in raw.iter() {
        raw_v.push(vm.new_string(crate::module::convert_str(s)));
    }
    let ra = vm.new_array(raw_v);
    vm.heap.obj_mut(ra).set_integrity(true);
    let ca = vm.new_array(cooked_v);
    vm.heap
        .obj_mut(ca)
        .put_raw(PropKey::from_str("raw"), Value::object(ra), 0);
    vm.heap.obj_mut(ca).set_integrity(true);
    vm.modules.list[module as usize]
        .templates
        .insert((func, idx), Value::object(ca));
    Ok(Value::object(ca))
}

fn create_class(
    vm: &mut Vm,
    module: u32,
    ctor: u32,
    env: Value,
    heritage: Value,
    derived: bool,
    sendable: bool,
) -> JsResult<(Value, Value)> {
    if derived && !sendable && crate::sendable::class::is_sendable_ctor(vm, heritage) {
        return vm.throw_shared(skiff_shared::SharedError::subclass_must_be_sendable());
    }
    let (proto_parent, ctor_parent) = if !derived {
        (Some(vm.realm.object_proto), vm.realm.function_proto)
    } else if heritage.is_null() {
        (None, vm.realm.function_proto)
    } else if vm.is_constructor(heritage) {
        let pp = vm.get(heritage, PropKey::Str(names::get().prototype))?;
        if !pp.is_object() && !pp.is_null() {
            let s = vm.to_display_string(pp);
            return Err(vm.type_error(format!(
                "Class extends value {s} does not have valid prototype property {s}"
            )));
        }
        (
            pp.as_object(),
            heritage.as_object().unwrap_or(vm.realm.function_proto),
        )
    } else {
        let s = vm.to_display_string(heritage);
        return Err(vm.type_error(format!(
            "Class extends value {s} is not a constructor or null"
        )));
    };
    let f = make_closure(vm, module, ctor, env, None);
    vm.root(Value::object(f));
    vm.heap.obj_mut(f).proto = Some(ctor_parent);
    vm.heap.obj_mut(f).constructible = true;
    let p = vm.new_object_with_proto(proto_parent, ObjectKind::Ordinary);
    vm.heap
        .obj_mut(f)
        .put_raw(PropKey::Str(names::get().prototype), Value::object(p), 0);
    vm.heap.obj_mut(p).put_raw(
        PropKey::Str(names::get().constructor),
        Value::object(f),
        ATTR_HIDDEN,
    );
    set_home(vm, Value::object(f), Value::object(p));
    if sendable {
        crate::sendable::class::define_class(vm, module, ctor, heritage, derived, f, p)?;
    }
    Ok((Value::object(f), Value::object(p)))
}

fn create_arguments(vm: &mut Vm, args: Vec<Value>) -> Value {
    let p = vm.realm.object_proto;
    let o = vm.new_object_with_proto(Some(p), ObjectKind::Arguments);
    let n = args.len();
    let obj = vm.heap.obj_mut(o);
    obj.elements = args;
    obj.put_raw(
        PropKey::Str(names::get().length),
        Value::number(n as f64),
        ATTR_HIDDEN,
    );
    let values = Value::object(vm.realm.array_proto_values);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::Sym(crate::vm::wk::ITERATOR), values, ATTR_HIDDEN);
    Value::object(o)
}

fn array_elements(vm: &mut Vm, arr: Value) -> Vec<Value> {
    match vm.heap.try_obj(arr) {
        Some(o) => o
            .elements
            .iter()
            .map(|v| if v.is_hole() { Value::UNDEFINED } else { *v })
            .collect(),
        None => Vec::new(),
    }
}

/// Throws V8's `x is not iterable` (with the operand's source text when the compiler recorded
/// it) before GetIterator runs on a value without a callable `Symbol.iterator`.
fn check_iterable(
    vm: &mut Vm,
    p: &FunctionProto,
    pc: usize,
    v: Value,
    is_async: bool,
) -> JsResult<()> {
    let m = if v.is_nullish() {
        Value::UNDEFINED
    } else {
        let key = if is_async {
            crate::vm::wk::ASYNC_ITERATOR
        } else {
            crate::vm::wk::ITERATOR
        };
        vm.get(v, PropKey::Sym(key))?
    };
    if vm.is_callable(m) {
        return Ok(());
    }
    let text = match p.callee_name(pc as u32) {
        Some(Constant::String(s)) => s.to_string_lossy(),
        _ => {
            if v.is_object() {
                "object".to_string()
            } else {
                vm.to_display_string(v)
            }
        }
    };
    let what = if is_async {
        "async iterable"
    } else {
        "iterable"
    };
    Err(vm.type_error(format!("{text} is not {what}")))
}

fn callee_text(vm: &Vm, p: &FunctionProto, pc: usize, f: Value) -> String {
    match p.callee_name(pc as u32) {
        Some(Constant::String(s)) => s.to_string_lossy(),
        _ => {
            if f.is_object() {
                vm.object_brief(f)
            } else {
                vm.to_display_string(f)
            }
        }
    }
}

/// A call from registers. A plain script function (the hot case) gets a frame here;
/// everything else goes to [`call_op_other`].
#[allow(clippy::too_many_arguments)]
#[inline]
fn call_op(
    vm: &mut Vm,
    p: &FunctionProto,
    pc: usize,
    f: Value,
    this: Value,
    args_at: usize,
    argc: usize,
    dst: Reg,
) -> JsResult<Flow> {
    if let Some(ObjectKind::Closure(c)) = vm.heap.try_obj(f).map(|o| &o.kind) {
        if c.flags & (FF::GENERATOR | FF::ASYNC | FF::CLASS_CONSTRUCTOR) == 0 {
            let info = CallInfo::of(c);
            let (this, nt) = if info.flags & FF::ARROW != 0 {
                (info.this_val, info.new_target)
            } else {
                (this, Value::UNDEFINED)
            };
            push_frame_from_regs(vm, f, &info, this, nt, args_at, argc, dst.0, 0)?;
            return Ok(Flow::Call);
        }
    }
    call_op_other(vm, p, pc, f, this, args_at, argc, dst)
}

/// [`call_op`] for natives, bound functions, generators, async functions and class
/// constructors (which throw), and values that are not callable.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn call_op_other(
    vm: &mut Vm,
    p: &FunctionProto,
    pc: usize,
    f: Value,
    this: Value,
    args_at: usize,
    argc: usize,
    dst: Reg,
) -> JsResult<Flow> {
    let callable = matches!(
        vm.heap.try_obj(f).map(|o| &o.kind),
        Some(ObjectKind::Closure(_)) | Some(ObjectKind::Native(_)) | Some(ObjectKind::Bound(_))
    );
    if !callable {
        let t = callee_text(vm, p, pc, f);
        return Err(vm.type_error(format!("{t} is not a function")));
    }
    // Reuse one argument buffer for native calls (a nested call finds it taken and allocates
    // its own).
    let mut args = std::mem::take(&mut vm.interp.arg_buf);
    args.clear();
    args.extend_from_slice(&vm.interp.regs[args_at..args_at + argc]);
    let r = vm.call(f, this, &args);
    vm.interp.arg_buf = args;
    let v = r?;
    let fi = vm.interp.frames.len() - 1;
    let base = vm.interp.frames[fi].base as usize;
    vm.interp.regs[base + dst.0 as usize] = v;
    Ok(Flow::Next)
}

fn call_values(
    vm: &mut Vm,
    p: &FunctionProto,
    pc: usize,
    f: Value,
    this: Value,
    args: Vec<Value>,
    dst: Reg,
) -> JsResult<Flow> {
    if !vm.is_callable(f) {
        let t = callee_text(vm, p, pc, f);
        return Err(vm.type_error(format!("{t} is not a function")));
    }
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&args);
    let r = vm.call(f, this, &args);
    vm.handles.truncate(hm);
    let v = r?;
    let fi = vm.interp.frames.len() - 1;
    let base = vm.interp.frames[fi].base as usize;
    vm.interp.regs[base + dst.0 as usize] = v;
    Ok(Flow::Next)
}

fn new_op(
    vm: &mut Vm,
    p: &FunctionProto,
    pc: usize,
    f: Value,
    args: Vec<Value>,
    dst: Reg,
) -> JsResult<Flow> {
    if !vm.is_constructor(f) {
        let t = callee_text(vm, p, pc, f);
        return Err(vm.type_error(format!("{t} is not a constructor")));
    }
    // Plain (non-class, non-derived) script constructors get a frame without Rust recursion.
    if let Some(info) = closure_info(vm, f) {
        if info.flags & (FF::CLASS_CONSTRUCTOR | FF::DERIVED | FF::GENERATOR | FF::ASYNC) == 0
            || (info.flags & FF::CLASS_CONSTRUCTOR != 0 && info.flags & FF::DERIVED == 0)
        {
            let this = if info.flags & FF::SENDABLE != 0 && info.flags & FF::CLASS_CONSTRUCTOR != 0
            {
                crate::sendable::class::allocate(vm, f, f)?
            } else {
                let dp = vm.realm.object_proto;
                let proto = vm.proto_from_ctor(f, dp)?;
                Value::object(vm.new_object_with_proto(Some(proto), ObjectKind::Ordinary))
            };
            vm.handles.push(this);
            let r = push_frame(
                vm,
                f,
                &info,
                this,
                f,
                &args,
                dst.0,
                F_CONSTRUCT,
                Value::UNDEFINED,
            );
            vm.handles.pop();
            r?;
            return Ok(Flow::Call);
        }
    }
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&args);
    let r = vm.construct(f, &args, f);
    vm.handles.truncate(hm);
    let v = r?;
    let fi = vm.interp.frames.len() - 1;
    let base = vm.interp.frames[fi].base as usize;
    vm.interp.regs[base + dst.0 as usize] = v;
    Ok(Flow::Next)
}

fn super_call(vm: &mut Vm, active: Value, args: Vec<Value>, new_target: Value) -> JsResult<Value> {
    let parent = vm
        .heap
        .try_obj(active)
        .and_then(|o| o.proto)
        .map(Value::object);
    let Some(sup) = parent.filter(|p| vm.is_constructor(*p)) else {
        return Err(vm.type_error("Super constructor is not a constructor"));
    };
    let hm = vm.handles.len();
    vm.handles.extend_from_slice(&args);
    let r = vm.construct(sup, &args, new_target);
    vm.handles.truncate(hm);
    r
}

fn for_in_prepare(vm: &mut Vm, o: Value) -> JsResult<Value> {
    let mut keys: Vec<Value> = vec![o];
    if let Some(slot) = o.as_shared() {
        // Sendable instances: their fields in declaration order (methods are not enumerable).
        for k in crate::sendable::props::own_keys(vm, slot) {
            let kv = vm.key_to_value(k);
            keys.push(kv);
        }
    } else if !o.is_nullish() {
        let start = vm.to_object(o)?;
        keys[0] = Value::object(start);
        let mut seen: rustc_hash::FxHashSet<PropKey> = Default::default();
        let mut cur = Some(start);
        while let Some(c) = cur {
            for k in vm.own_keys(c) {
                if k.is_symbol() || !seen.insert(k) {
                    continue;
                }
                if vm
                    .get_own_property(c, k)
                    .is_some_and(|p| p.attrs & ATTR_ENUMERABLE != 0)
                {
                    let kv = vm.key_to_value(k);
                    keys.push(kv);
                }
            }
            cur = vm.heap.obj(c).proto;
        }
    }
    let p = vm.realm.for_in_proto;
    Ok(Value::object(vm.new_object_with_proto(
        Some(p),
        ObjectKind::ForIn(Box::new((keys, 1))),
    )))
}

fn for_in_next(vm: &mut Vm, it: Value) -> Value {
    loop {
        let (obj, key) = match vm.heap.try_obj(it).map(|o| &o.kind) {
            Some(ObjectKind::ForIn(b)) => {
                if b.1 >= b.0.len() {
                    return Value::UNDEFINED;
                }
                (b.0[0], b.0[b.1])
            }
            _ => return Value::UNDEFINED,
        };
        if let Some(r) = it.as_object() {
            if let ObjectKind::ForIn(b) = &mut vm.heap.obj_mut(r).kind {
                b.1 += 1;
            }
        }
        // Skip keys deleted during the enumeration.
        if let Some(o) = obj.as_object() {
            let k = PropKey::from_js_str(&vm.js_str(key));
            if !vm.has_property(o, k) {
                continue;
            }
        }
        return key;
    }
}

fn dynamic_import(vm: &mut Vm, referrer: &str, spec: Value) -> Value {
    let p = crate::builtins::promise::new_promise(vm);
    vm.handles.push(p);
    let r = (|| -> JsResult<Value> {
        let s = vm.to_rust_string(spec)?;
        let m = match vm.load_graph(&s, Some(referrer)) {
            Ok(m) => m,
            Err(msg) => {
                // A module that does not compile or link rejects with a SyntaxError (as the
                // spec's ParseModule and ResolveExport failures do); one that cannot be found
                // with a plain Error, as in node.
                let syntax = msg.starts_with("error[") || msg.contains(": SyntaxError: ");
                let proto = if syntax {
                    vm.realm.syntax_error_proto
                } else {
                    vm.realm.error_proto
                };
                return Err(vm.make_error(proto, &msg));
            }
        };
        vm.evaluate_module(m)?;
        vm.namespace_of(m)
    })();
    match r {
        Ok(ns) => crate::builtins::promise::resolve_promise(vm, p, ns),
        Err(e) => crate::builtins::promise::reject_promise(vm, p, e),
    }
    vm.handles.pop();
    p
}

/// Generator `next`/`return`/`throw` for sync generators.
pub fn generator_resume(
    vm: &mut Vm,
    gen: Value,
    value: Value,
    mode: ResumeMode,
) -> JsResult<Value> {
    let Some(g) = gen.as_object() else {
        return Err(vm.type_error("next method called on incompatible receiver"));
    };
    let state = match &vm.heap.obj(g).kind {
        ObjectKind::Generator(b) if !b.is_async => b.state,
        _ => return Err(vm.type_error("next method called on incompatible receiver")),
    };
    match state {
        GenState::Executing => return Err(vm.type_error("Generator is already running")),
        GenState::Completed => {
            return match mode {
                ResumeMode::Throw => Err(value),
                ResumeMode::Return => Ok(iter_result(vm, value, true)),
                ResumeMode::Next => Ok(iter_result(vm, Value::UNDEFINED, true)),
            };
        }
        GenState::SuspendedStart if mode != ResumeMode::Next => {
            set_gen_state(vm, g, GenState::Completed);
            if let ObjectKind::Generator(b) = &mut vm.heap.obj_mut(g).kind {
                b.frame = None;
            }
            return match mode {
                ResumeMode::Throw => Err(value),
                _ => Ok(iter_result(vm, value, true)),
            };
        }
        _ => {}
    }
    let r = resume_frame(vm, gen, value, mode);
    match r {
        Ok(Exit::Yield(v)) => Ok(iter_result(vm, v, false)),
        Ok(Exit::YieldRaw(v)) => Ok(v),
        Ok(Exit::Return(v)) => {
            set_gen_state(vm, g, GenState::Completed);
            Ok(iter_result(vm, v, true))
        }
        Ok(_) => {
            set_gen_state(vm, g, GenState::Completed);
            Ok(iter_result(vm, Value::UNDEFINED, true))
        }
        Err(e) => {
            set_gen_state(vm, g, GenState::Completed);
            Err(e)
        }
    }
}

impl Vm {
    /// Text of a thrown value for diagnostics (used by the loader for native module errors).
    pub fn describe_thrown(&self, e: Value) -> String {
        crate::inspect::error_to_text(self, e)
    }
}

#[allow(dead_code)]
fn unused(_: &Rc<()>) {}
