//! stub
use crate::vm::Vm;
pub fn install(_vm: &mut Vm) {}
pub fn get_index(_vm: &mut Vm, _o: crate::value::ObjRef, _i: usize) -> crate::value::Value { crate::value::Value::UNDEFINED }
pub fn set_index(_vm: &mut Vm, _o: crate::value::ObjRef, _i: usize, _v: crate::value::Value) -> crate::JsResult<()> { Ok(()) }
pub fn peek_index(_vm: &Vm, _o: crate::value::ObjRef, _i: usize) -> crate::value::Value { crate::value::Value::UNDEFINED }
