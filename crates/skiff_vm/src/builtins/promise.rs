//! stub
use crate::vm::Vm;
pub fn install(_vm: &mut Vm) {}
pub fn run_job(_vm: &mut Vm, _j: crate::event_loop::Job) -> crate::JsResult<()> { Ok(()) }
