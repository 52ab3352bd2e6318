//! Loading the files a REPL line imports: paths resolve against the importing file's folder,
//! or against the current folder for the REPL lines themselves.

use skiff_diagnostics::{render_all, ColorMode, SourceMap};
use skiff_vm::ModuleLoader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Extensions tried, in order, when a specifier names no existing file.
const EXTENSIONS: [&str; 3] = ["ets", "ts", "js"];

#[derive(Default)]
pub struct ReplLoader {
    sources: SourceMap,
}

impl ReplLoader {
    pub fn new() -> ReplLoader {
        ReplLoader::default()
    }
}

fn with_extension(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    EXTENSIONS.iter().find_map(|ext| {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        let p = PathBuf::from(name);
        p.is_file().then_some(p)
    })
}

impl ModuleLoader for ReplLoader {
    fn resolve(&mut self, specifier: &str, referrer: Option<&str>) -> Result<String, String> {
        let relative = specifier.starts_with("./") || specifier.starts_with("../");
        if !relative && !Path::new(specifier).is_absolute() {
            return Err(format!("Cannot find module '{specifier}'"));
        }
        // REPL lines are named `REPL<n>`, which is not a file: they import from the current folder.
        let base = referrer
            .map(Path::new)
            .filter(|p| p.is_absolute())
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let path = with_extension(&base.join(specifier))
            .ok_or_else(|| format!("Cannot find module '{specifier}'"))?;
        let path = path.canonicalize().unwrap_or(path);
        Ok(path.display().to_string())
    }

    fn load(&mut self, id: &str) -> Result<Arc<skiff_bytecode::Module>, String> {
        let text = std::fs::read_to_string(id).map_err(|e| format!("cannot read {id}: {e}"))?;
        let file = self.sources.add(id, text);
        let parsed = skiff_parser::parse_module(&file.text, file.id);
        let mut diagnostics = parsed.diagnostics;
        if !diagnostics.iter().any(|d| d.is_error()) {
            let compiled = skiff_compiler::compile_module(&parsed.program, &file);
            if let Some(module) = compiled.module {
                return Ok(module);
            }
            diagnostics.extend(compiled.diagnostics);
        }
        Err(render_all(&diagnostics, &self.sources, ColorMode::Never))
    }
}
