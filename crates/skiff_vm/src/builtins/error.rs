//! The Error family, AggregateError, and stack strings.

use super::{arg, set_global};
use crate::atom::{names, PropKey};
use crate::object::ObjectKind;
use crate::shape::ATTR_HIDDEN;
use crate::value::{ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;

/// The `\n    at ...` lines for the current frames.
pub fn frames_text(vm: &Vm) -> String {
    frames_text_from(vm, Value::UNDEFINED)
}

/// The frames below the constructor `new_target` (see `capture_stack_from`).
pub fn frames_text_from(vm: &Vm, new_target: Value) -> String {
    let mut s = String::new();
    for f in crate::interp::capture_stack_from(vm, new_target) {
        s.push_str("\n    at ");
        s.push_str(&f);
    }
    s
}

/// Creates an error object with `proto`, a `message` (if not undefined) and a `stack`.
pub fn create_error(vm: &mut Vm, proto: ObjRef, message: Value) -> Value {
    let frames = frames_text(vm);
    let o = vm.new_object_with_proto(Some(proto), ObjectKind::Error(frames.into()));
    if !message.is_undefined() {
        vm.heap
            .obj_mut(o)
            .put_raw(PropKey::Str(names::get().message), message, ATTR_HIDDEN);
    }
    Value::object(o)
}

/// Stores a materialised `stack` on any object (Error.captureStackTrace).
pub fn install_stack(vm: &mut Vm, o: ObjRef) {
    let s = error_header(vm, Value::object(o)) + &frames_text(vm);
    let sv = vm.str_val(&s);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::Str(names::get().stack), sv, ATTR_HIDDEN);
}

/// The text of an error's `stack` without running script code: the stored property when it
/// was materialised or assigned, otherwise the header plus the captured frames.
pub fn stack_text(vm: &Vm, o: ObjRef) -> String {
    let obj = vm.heap.obj(o);
    if let Some(p) = obj.get_own(PropKey::Str(names::get().stack)) {
        if let Some(s) = p.value.as_string() {
            return vm.heap.str(s).to_rust_string();
        }
        return vm.to_display_string(p.value);
    }
    let frames = match &obj.kind {
        ObjectKind::Error(f) => f.to_string(),
        _ => String::new(),
    };
    error_header(vm, Value::object(o)) + &frames
}

/// `Name: message` (or just `Name`) without calling into JS.
pub fn error_header(vm: &Vm, e: Value) -> String {
    let Some(o) = e.as_object() else {
        return vm.to_display_string(e);
    };
    let lookup = |key| -> Option<String> {
        let (_, p) = vm.find_property(o, PropKey::Str(key))?;
        if p.attrs & crate::shape::ATTR_ACCESSOR != 0 {
            return None;
        }
        p.value.as_string().map(|s| vm.heap.str(s).to_rust_string())
    };
    let name = lookup(names::get().name).unwrap_or_else(|| "Error".into());
    let msg = lookup(names::get().message).unwrap_or_default();
    if msg.is_empty() {
        name
    } else if name.is_empty() {
        msg
    } else {
        format!("{name}: {msg}")
    }
}

fn make_ctor(vm: &mut Vm, proto: ObjRef) -> JsResult<ObjRef> {
    let nt = if vm.new_target.is_undefined() {
        vm.native_callee
    } else {
        vm.new_target
    };
    vm.proto_from_ctor(nt, proto)
}

fn install_cause(vm: &mut Vm, o: ObjRef, options: Value) -> JsResult<()> {
    if let Some(opts) = options.as_object() {
        let key = PropKey::Str(names::get().cause);
        if vm.has_property(opts, key) {
            let c = vm.get(options, key)?;
            vm.heap.obj_mut(o).put_raw(key, c, ATTR_HIDDEN);
        }
    }
    Ok(())
}

fn error_ctor_common(
    vm: &mut Vm,
    default_proto: ObjRef,
    msg: Value,
    options: Value,
) -> JsResult<Value> {
    let proto = make_ctor(vm, default_proto)?;
    let frames = frames_text_from(vm, vm.new_target);
    let o = vm.new_object_with_proto(Some(proto), ObjectKind::Error(frames.into()));
    if !msg.is_undefined() {
        let m = vm.to_string_value(msg)?;
        vm.heap
            .obj_mut(o)
            .put_raw(PropKey::Str(names::get().message), m, ATTR_HIDDEN);
    }
    install_cause(vm, o, options)?;
    Ok(Value::object(o))
}

macro_rules! error_ctor {
    ($fname:ident, $proto:ident) => {
        fn $fname(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
            let p = vm.realm.$proto;
            error_ctor_common(vm, p, arg(args, 0), arg(args, 1))
        }
    };
}

error_ctor!(error_ctor, error_proto);
error_ctor!(type_error_ctor, type_error_proto);
error_ctor!(range_error_ctor, range_error_proto);
error_ctor!(reference_error_ctor, reference_error_proto);
error_ctor!(syntax_error_ctor, syntax_error_proto);
error_ctor!(eval_error_ctor, eval_error_proto);
error_ctor!(uri_error_ctor, uri_error_proto);

fn aggregate_error_ctor(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let p = vm.realm.aggregate_error_proto;
    let e = error_ctor_common(vm, p, arg(args, 1), arg(args, 2))?;
    vm.root(e);
    let list = super::iterator::iterate_to_vec(vm, arg(args, 0))?;
    let arr = vm.new_array_value(list);
    if let Some(o) = e.as_object() {
        vm.heap
            .obj_mut(o)
            .put_raw(PropKey::Str(names::get().errors), arr, ATTR_HIDDEN);
    }
    Ok(e)
}

fn error_to_string(vm: &mut Vm, this: Value, _args: &[Value]) -> JsResult<Value> {
    if !this.is_object() {
        return Err(vm.type_error("Error.prototype.toString requires that 'this' be an Object"));
    }
    let n = vm.get(this, PropKey::Str(names::get().name))?;
    let name = if n.is_undefined() {
        "Error".to_string()
    } else {
        vm.to_rust_string(n)?
    };
    let m = vm.get(this, PropKey::Str(names::get().message))?;
    let msg = if m.is_undefined() {
        String::new()
    } else {
        vm.to_rust_string(m)?
    };
    let s = if name.is_empty() {
        msg
    } else if msg.is_empty() {
        name
    } else {
        format!("{name}: {msg}")
    };
    Ok(vm.str_val(&s))
}

fn capture_stack_trace(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    if let Some(o) = arg(args, 0).as_object() {
        install_stack(vm, o);
    }
    Ok(Value::UNDEFINED)
}

pub fn install(vm: &mut Vm) {
    let base = vm.realm.error_proto;
    let list: [(&str, ObjRef, crate::object::NativeFn, u32); 8] = [
        ("Error", vm.realm.error_proto, error_ctor, 1),
        ("TypeError", vm.realm.type_error_proto, type_error_ctor, 1),
        (
            "RangeError",
            vm.realm.range_error_proto,
            range_error_ctor,
            1,
        ),
        (
            "ReferenceError",
            vm.realm.reference_error_proto,
            reference_error_ctor,
            1,
        ),
        (
            "SyntaxError",
            vm.realm.syntax_error_proto,
            syntax_error_ctor,
            1,
        ),
        ("EvalError", vm.realm.eval_error_proto, eval_error_ctor, 1),
        ("URIError", vm.realm.uri_error_proto, uri_error_ctor, 1),
        (
            "AggregateError",
            vm.realm.aggregate_error_proto,
            aggregate_error_ctor,
            2,
        ),
    ];
    let mut base_ctor = None;
    for (name, proto, f, len) in list {
        let c = vm.new_constructor(name, len, f, Some(proto));
        let n = vm.str_val(name);
        vm.define_value(proto, "name", n, ATTR_HIDDEN);
        let empty = vm.str_val("");
        vm.define_value(proto, "message", empty, ATTR_HIDDEN);
        if proto != base {
            vm.heap.obj_mut(proto).proto = Some(base);
            if let Some(bc) = base_ctor {
                vm.heap.obj_mut(c).proto = Some(bc);
            }
        } else {
            base_ctor = Some(c);
            vm.define_method(proto, "toString", 0, error_to_string);
            vm.define_method(c, "captureStackTrace", 1, capture_stack_trace);
        }
        set_global(vm, name, Value::object(c));
    }
}
