//! File-driven parser suites.
//!
//! - `tests/parse/valid/*.ets` must parse with no diagnostics; the snapshot `name.snap` beside
//!   each file holds the syntax tree.
//! - `tests/parse/invalid/*.ets` must produce at least one diagnostic; the snapshot holds the
//!   rendered diagnostics, without colour.
//!
//! Accept new or changed snapshots with `INSTA_UPDATE=always cargo test -p skiff_parser` (or
//! `cargo insta review`) and review them.

use skiff_diagnostics::{render_all, ColorMode, SourceMap};
use std::path::Path;

fn snapshot_settings(path: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(path.parent().expect("a test file lives in a folder"));
    settings.set_prepend_module_to_snapshot(false);
    settings.remove_snapshot_suffix();
    settings.set_input_file(path);
    settings.set_omit_expression(true);
    settings
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn valid_programs_parse_cleanly() {
    insta::glob!("../../../tests/parse", "valid/*.ets", |path| {
        let text = std::fs::read_to_string(path).expect("readable test file");
        let mut map = SourceMap::new();
        let file = map.add(path.display().to_string(), text.clone());
        let result = skiff_parser::parse_module(&text, file.id);
        assert!(
            result.diagnostics.is_empty(),
            "{} should parse without diagnostics:\n{}",
            path.display(),
            render_all(&result.diagnostics, &map, ColorMode::Never)
        );
        snapshot_settings(path).bind(|| {
            insta::assert_snapshot!(stem(path), format!("{:#?}", result.program));
        });
    });
}

#[test]
fn invalid_programs_report_diagnostics() {
    insta::glob!("../../../tests/parse", "invalid/*.ets", |path| {
        let text = std::fs::read_to_string(path).expect("readable test file");
        let name = format!(
            "invalid/{}",
            path.file_name().expect("a file name").to_string_lossy()
        );
        let mut map = SourceMap::new();
        let file = map.add(name, text.clone());
        let result = skiff_parser::parse_module(&text, file.id);
        assert!(
            !result.diagnostics.is_empty(),
            "{} should produce a diagnostic",
            path.display()
        );
        snapshot_settings(path).bind(|| {
            insta::assert_snapshot!(
                stem(path),
                render_all(&result.diagnostics, &map, ColorMode::Never)
            );
        });
    });
}
