//! skiff_compiler
