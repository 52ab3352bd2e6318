//! stub
use crate::value::Value;
use crate::vm::Vm;
pub fn error_to_text(vm: &Vm, e: Value) -> String { vm.to_display_string(e) }
