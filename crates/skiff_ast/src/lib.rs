//! skiff_ast
