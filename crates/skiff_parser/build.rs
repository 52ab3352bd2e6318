//! Generates the parser from `grammar/skiff.lalrpop` at the top of the repository.

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let grammar_dir = manifest.join("../../grammar");
    let grammar = grammar_dir.join("skiff.lalrpop");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed={}", grammar.display());
    if let Err(e) = lalrpop::Configuration::new()
        .set_out_dir(&out_dir)
        .emit_rerun_directives(true)
        .process_file(&grammar)
    {
        panic!("LALRPOP failed on {}: {e}", grammar.display());
    }
}
