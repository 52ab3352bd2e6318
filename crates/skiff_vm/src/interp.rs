//! stub
use crate::value::{ObjRef, Value};
use crate::vm::Vm;
use crate::JsResult;

#[derive(Default)]
pub struct Interp {
    pub join_stack: Vec<ObjRef>,
}

impl Interp {
    pub fn trace(&self, _out: &mut Vec<Value>) {}
}

pub struct SavedFrame {}

impl SavedFrame {
    pub fn trace(&self, _out: &mut Vec<Value>) {}
}

pub fn call_closure(vm: &mut Vm, _f: Value, _this: Value, _args: &[Value], _nt: Value) -> JsResult<Value> {
    Err(vm.type_error("not yet"))
}

pub fn capture_stack(_vm: &Vm) -> Vec<String> {
    Vec::new()
}
