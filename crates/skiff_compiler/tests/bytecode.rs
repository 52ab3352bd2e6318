//! Bytecode snapshot tests: every `tests/bytecode/NAME.ets` is compiled and its disassembly is
//! compared with `tests/bytecode/NAME.snap` beside it. Accept changes with `INSTA_UPDATE=always`.

use skiff_diagnostics::SourceMap;
use std::path::{Path, PathBuf};

fn bytecode_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bytecode")
}

#[test]
fn bytecode_snapshots() {
    let dir = bytecode_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bytecode exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ets"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .ets files in {}", dir.display());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable test file");
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unnamed")
            .to_string();
        let mut sources = SourceMap::new();
        let file = sources.add(format!("{name}.ets"), text);
        let parsed = skiff_parser::parse_module(&file.text, file.id);
        let mut out = String::new();
        for d in &parsed.diagnostics {
            out.push_str(&format!(
                "parse {} {} at {}\n",
                d.code,
                d.message,
                file.location(d.span)
            ));
        }
        let result = skiff_compiler::compile_module(&parsed.program, &file);
        for d in &result.diagnostics {
            out.push_str(&format!(
                "compile {} {} at {}\n",
                d.code,
                d.message,
                file.location(d.span)
            ));
        }
        if let Some(m) = &result.module {
            out.push_str(&skiff_bytecode::disassemble(m));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&path);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, out));
    }
}
