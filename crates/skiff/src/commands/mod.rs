pub mod check;
pub mod disasm;
pub mod parse;
pub mod run;
pub mod test;
