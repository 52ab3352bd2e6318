//! `ArkTSUtils.SendableLruCache`.

use crate::value::Value;
use crate::vm::Vm;

/// The `SendableLruCache` constructor.
pub fn constructor(_vm: &mut Vm) -> Value {
    Value::UNDEFINED
}
