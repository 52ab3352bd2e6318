//! `ArkTSUtils.ASON`.

use crate::value::ObjRef;
use crate::vm::Vm;

/// The `ASON` namespace object.
pub fn namespace(vm: &mut Vm) -> ObjRef {
    vm.new_object()
}
