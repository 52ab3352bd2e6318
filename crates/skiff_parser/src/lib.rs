//! skiff_parser
