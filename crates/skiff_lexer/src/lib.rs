//! skiff_lexer
