//! skiff_bytecode
