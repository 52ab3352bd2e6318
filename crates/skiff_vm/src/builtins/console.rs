//! stub
use crate::vm::Vm;
pub fn install(_vm: &mut Vm) {}
