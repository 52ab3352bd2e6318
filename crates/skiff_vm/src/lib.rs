//! skiff_vm
