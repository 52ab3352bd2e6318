//! Generator and async generator objects.

use super::arg;
use crate::atom::PropKey;
use crate::builtins::iterator::iter_result;
use crate::builtins::promise::{new_promise, reject_promise, resolve_promise};
use crate::interp::{generator_resume, resume_frame, Exit, ResumeMode};
use crate::object::{GenState, ObjectKind};
use crate::shape::ATTR_CONFIGURABLE;
use crate::value::Value;
use crate::vm::{wk, Vm};
use crate::JsResult;

fn gen_next(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    generator_resume(vm, this, arg(args, 0), ResumeMode::Next)
}

fn gen_return(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    generator_resume(vm, this, arg(args, 0), ResumeMode::Return)
}

fn gen_throw(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    generator_resume(vm, this, arg(args, 0), ResumeMode::Throw)
}

fn mode_of(n: u8) -> ResumeMode {
    match n {
        1 => ResumeMode::Return,
        2 => ResumeMode::Throw,
        _ => ResumeMode::Next,
    }
}

fn async_gen_enqueue(vm: &mut Vm, this: Value, v: Value, mode: u8) -> JsResult<Value> {
    let p = new_promise(vm);
    let ok = matches!(vm.heap.try_obj(this).map(|o| &o.kind), Some(ObjectKind::Generator(g)) if g.is_async);
    if !ok {
        let e = vm.type_error("AsyncGenerator method called on incompatible receiver");
        reject_promise(vm, p, e);
        return Ok(p);
    }
    let idle = if let Some(o) = this.as_object() {
        if let ObjectKind::Generator(g) = &mut vm.heap.obj_mut(o).kind {
            g.queue.push_back((mode, v, p));
            g.state != GenState::Executing
        } else {
            false
        }
    } else {
        false
    };
    if idle {
        vm.root(p);
        drain(vm, this)?;
    }
    Ok(p)
}

fn front(vm: &Vm, gen: Value) -> Option<(u8, Value, Value, GenState)> {
    match vm.heap.try_obj(gen).map(|o| &o.kind) {
        Some(ObjectKind::Generator(g)) => g.queue.front().map(|&(m, v, p)| (m, v, p, g.state)),
        _ => None,
    }
}

fn pop_front(vm: &mut Vm, gen: Value) {
    if let Some(o) = gen.as_object() {
        if let ObjectKind::Generator(g) = &mut vm.heap.obj_mut(o).kind {
            g.queue.pop_front();
        }
    }
}

fn set_state(vm: &mut Vm, gen: Value, s: GenState) {
    if let Some(o) = gen.as_object() {
        if let ObjectKind::Generator(g) = &mut vm.heap.obj_mut(o).kind {
            g.state = s;
            if s == GenState::Completed {
                g.frame = None;
            }
        }
    }
}

/// Handles one step's outcome; returns true when the generator is now awaiting.
fn handle_exit(vm: &mut Vm, gen: Value, r: JsResult<Exit>) -> JsResult<bool> {
    let Some((_, _, p, _)) = front(vm, gen) else {
        return Ok(false);
    };
    match r {
        Ok(Exit::Await(v)) => {
            set_state(vm, gen, GenState::Executing);
            crate::builtins::promise::await_value(vm, gen, v);
            return Ok(true);
        }
        Ok(Exit::Yield(v)) | Ok(Exit::YieldRaw(v)) => {
            set_state(vm, gen, GenState::SuspendedYield);
            let res = iter_result(vm, v, false);
            pop_front(vm, gen);
            resolve_promise(vm, p, res);
        }
        Ok(Exit::Initial) => {
            set_state(vm, gen, GenState::SuspendedStart);
        }
        Ok(Exit::Return(v)) => {
            set_state(vm, gen, GenState::Completed);
            let res = iter_result(vm, v, true);
            pop_front(vm, gen);
            resolve_promise(vm, p, res);
        }
        Err(e) => {
            if e == crate::vm::TERMINATION {
                return Err(e);
            }
            set_state(vm, gen, GenState::Completed);
            pop_front(vm, gen);
            reject_promise(vm, p, e);
        }
    }
    Ok(false)
}

/// Serves queued requests until the generator awaits or the queue is empty.
fn drain(vm: &mut Vm, gen: Value) -> JsResult<()> {
    while let Some((mode, v, p, state)) = front(vm, gen) {
        let mode = mode_of(mode);
        match state {
            GenState::Executing => return Ok(()),
            GenState::Completed => {
                pop_front(vm, gen);
                match mode {
                    ResumeMode::Throw => reject_promise(vm, p, v),
                    ResumeMode::Return => {
                        let r = iter_result(vm, v, true);
                        resolve_promise(vm, p, r)
                    }
                    ResumeMode::Next => {
                        let r = iter_result(vm, Value::UNDEFINED, true);
                        resolve_promise(vm, p, r)
                    }
                }
                continue;
            }
            GenState::SuspendedStart if mode != ResumeMode::Next => {
                set_state(vm, gen, GenState::Completed);
                continue;
            }
            _ => {}
        }
        let r = resume_frame(vm, gen, v, mode);
        if handle_exit(vm, gen, r)? {
            return Ok(());
        }
    }
    Ok(())
}

/// Continues an async generator after an `await` settled.
pub fn async_gen_resume_from_await(
    vm: &mut Vm,
    gen: Value,
    value: Value,
    throw: bool,
) -> JsResult<()> {
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
    if handle_exit(vm, gen, r)? {
        return Ok(());
    }
    drain(vm, gen)
}

fn agen_next(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    async_gen_enqueue(vm, this, arg(args, 0), 0)
}

fn agen_return(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    async_gen_enqueue(vm, this, arg(args, 0), 1)
}

fn agen_throw(vm: &mut Vm, this: Value, args: &[Value]) -> JsResult<Value> {
    async_gen_enqueue(vm, this, arg(args, 0), 2)
}

fn no_eval(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Err(vm.type_error("Code generation from strings is not supported"))
}

pub fn install(vm: &mut Vm) {
    let gp = vm.realm.generator_proto;
    vm.heap.obj_mut(gp).proto = Some(vm.realm.iterator_proto);
    vm.define_method(gp, "next", 1, gen_next);
    vm.define_method(gp, "return", 1, gen_return);
    vm.define_method(gp, "throw", 1, gen_throw);
    let t = vm.str_val("Generator");
    vm.heap
        .obj_mut(gp)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    let agp = vm.realm.async_generator_proto;
    vm.heap.obj_mut(agp).proto = Some(vm.realm.async_iterator_proto);
    vm.define_method(agp, "next", 1, agen_next);
    vm.define_method(agp, "return", 1, agen_return);
    vm.define_method(agp, "throw", 1, agen_throw);
    let t = vm.str_val("AsyncGenerator");
    vm.heap
        .obj_mut(agp)
        .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
    // Function prototypes for the special function kinds inherit from Function.prototype.
    let fp = vm.realm.function_proto;
    let fc = vm.realm.function_ctor;
    for (p, tag, instance_proto) in [
        (
            vm.realm.generator_function_proto,
            "GeneratorFunction",
            Some(gp),
        ),
        (vm.realm.async_function_proto, "AsyncFunction", None),
        (
            vm.realm.async_generator_function_proto,
            "AsyncGeneratorFunction",
            Some(agp),
        ),
    ] {
        vm.heap.obj_mut(p).proto = Some(fp);
        let t = vm.str_val(tag);
        vm.heap
            .obj_mut(p)
            .put_raw(PropKey::Sym(wk::TO_STRING_TAG), t, ATTR_CONFIGURABLE);
        // The constructors exist for reflection only: code generation from strings is not
        // supported.
        let c = vm.new_constructor(tag, 1, no_eval, Some(p));
        vm.heap.obj_mut(c).proto = Some(fc);
        if let Some(ip) = instance_proto {
            vm.heap.obj_mut(p).put_raw(
                PropKey::Str(crate::atom::names::get().prototype),
                Value::object(ip),
                ATTR_CONFIGURABLE,
            );
            vm.heap.obj_mut(ip).put_raw(
                PropKey::Str(crate::atom::names::get().constructor),
                Value::object(p),
                ATTR_CONFIGURABLE,
            );
        }
    }
}
