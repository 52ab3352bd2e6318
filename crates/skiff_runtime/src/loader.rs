//! Module loading from files: the CLI's implementation of the VM's `ModuleLoader`.
//!
//! Specifiers starting with `./`, `../` or `/` are files. The suffix is optional: `./lib/x` finds
//! `./lib/x.ets`, `./lib/x.ts`, `./lib/x.js`, or an `index` file in a folder `./lib/x/`. A module's
//! canonical id is its lexically normalised path (relative to the cwd when inside it, else absolute), so the same file imported two ways is
//! one module instance. Built-in modules (`@kit.ArkTS`, …) are resolved by the VM before it asks us.
//!
//! Every instance (the main thread, each Worker) has its own `FileLoader`, but compiled modules
//! are shared: [`load`](ModuleLoader::load) consults a process-wide cache keyed by canonical id,
//! so a Worker importing what the main thread already imported does not parse or compile again.
//! Ids starting with `skiff:` name the runtime's own script modules (the Worker API is written
//! partly in script, see `prelude/`).

use skiff_diagnostics::{has_errors, render_all, ColorMode, SourceMap};
use skiff_vm::ModuleLoader;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Compiled modules by canonical id, shared by every instance of the process. A module is
/// immutable bytecode, so sharing it is safe; each VM instantiates its own records from it.
fn cache() -> &'static Mutex<HashMap<String, Arc<skiff_bytecode::Module>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<skiff_bytecode::Module>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The runtime's own script modules, by id.
const INTERNAL: [(&str, &str); 2] = [
    ("skiff:worker", include_str!("prelude/worker.ts")),
    ("skiff:taskpool", include_str!("prelude/taskpool.ts")),
];

/// Colours in diagnostics only when stderr is a terminal and `NO_COLOR` is unset.
fn stderr_color() -> ColorMode {
    use std::io::IsTerminal;
    if std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal() {
        ColorMode::Always
    } else {
        ColorMode::Never
    }
}

/// Suffixes tried, in order, when an import names a file without one.
const SUFFIXES: [&str; 3] = ["ets", "ts", "js"];

pub struct FileLoader {
    /// The working directory, used to show paths relative to it in stack traces and diagnostics.
    cwd: PathBuf,
    sources: SourceMap,
    /// Folders whose trees modules may be loaded from (None: anywhere).
    roots: Option<Vec<PathBuf>>,
}

impl Default for FileLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl FileLoader {
    pub fn new() -> FileLoader {
        FileLoader {
            cwd: std::env::current_dir().unwrap_or_default(),
            sources: SourceMap::new(),
            roots: None,
        }
    }

    /// A loader that refuses files outside the trees of `roots` (None: no restriction).
    pub fn confined(roots: Option<Vec<PathBuf>>) -> FileLoader {
        let roots = roots.map(|rs| rs.iter().map(|r| canonical(r)).collect());
        FileLoader {
            roots,
            ..FileLoader::new()
        }
    }

    /// Whether `path` (absolute) may be loaded.
    fn allowed(&self, path: &Path) -> bool {
        match &self.roots {
            None => true,
            Some(roots) => {
                let real = canonical(path);
                roots.iter().any(|r| real.starts_with(r))
            }
        }
    }

    /// The name users see for a module: relative to the working directory when it is inside it.
    fn display_name(&self, path: &Path) -> String {
        path.strip_prefix(&self.cwd)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// The path with symbolic links resolved (itself when it cannot be resolved), so a link
/// cannot lead an import out of the allowed folders.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| normalize(path))
}

/// Removes `.` and `..` components without touching the file system, so that ids are stable and
/// symlinked folders keep the names the user wrote.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

pub(crate) fn find_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    for suffix in SUFFIXES {
        let mut candidate = path.as_os_str().to_os_string();
        candidate.push(".");
        candidate.push(suffix);
        let candidate = PathBuf::from(candidate);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if path.is_dir() {
        return SUFFIXES
            .iter()
            .map(|suffix| path.join(format!("index.{suffix}")))
            .find(|candidate| candidate.is_file());
    }
    None
}

impl ModuleLoader for FileLoader {
    fn resolve(&mut self, specifier: &str, referrer: Option<&str>) -> Result<String, String> {
        if INTERNAL.iter().any(|(id, _)| *id == specifier) {
            return Ok(specifier.to_string());
        }
        let is_path = specifier.starts_with("./")
            || specifier.starts_with("../")
            || specifier.starts_with('/')
            || referrer.is_none();
        if !is_path {
            return Err(format!("Cannot find module '{specifier}'"));
        }
        // Resolution happens on absolute paths (ids may be relative to the cwd, see below).
        let base = match referrer {
            Some(referrer) => self
                .cwd
                .join(referrer)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            None => self.cwd.clone(),
        };
        let wanted = normalize(&base.join(specifier));
        match find_file(&wanted) {
            Some(found) if !self.allowed(&found) => Err(format!(
                "Cannot load module '{specifier}': {} is outside the folders scripts may load \
                 from (the current folder and the main script's folder; \
                 `--allow-outside-imports` lifts this)",
                found.display()
            )),
            // The id is the display name (relative to the cwd when inside it): stack traces
            // show it, and they must not depend on where the project lives. It is still
            // canonical, because the process never changes its working directory.
            Some(found) => Ok(self.display_name(&normalize(&found))),
            None => Err(match referrer {
                Some(referrer) => format!(
                    "Cannot find module '{specifier}' imported from {}",
                    self.display_name(Path::new(referrer))
                ),
                None => format!("Cannot find module '{specifier}'"),
            }),
        }
    }

    fn load(&mut self, id: &str) -> Result<Arc<skiff_bytecode::Module>, String> {
        if let Some(module) = cache().lock().ok().and_then(|c| c.get(id).cloned()) {
            return Ok(module);
        }
        // Compiled outside the lock: two instances may compile the same file at once, and the
        // second insert simply replaces an identical module.
        let module = self.compile(id)?;
        if let Ok(mut c) = cache().lock() {
            c.insert(id.to_string(), module.clone());
        }
        Ok(module)
    }
}

impl FileLoader {
    fn compile(&mut self, id: &str) -> Result<Arc<skiff_bytecode::Module>, String> {
        if let Some((_, text)) = INTERNAL.iter().find(|(name, _)| *name == id) {
            return self.compile_text(id.to_string(), text.to_string());
        }
        let path = self.cwd.join(id);
        let path = path.as_path();
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read {}: {e}", self.display_name(path)))?;
        let name = self.display_name(path);
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                return Err(format!(
                    "{name}: the file is not valid UTF-8 (at byte {})",
                    err.utf8_error().valid_up_to()
                ))
            }
        };
        self.compile_text(name, text)
    }

    fn compile_text(
        &mut self,
        name: String,
        text: String,
    ) -> Result<Arc<skiff_bytecode::Module>, String> {
        let file = self.sources.add(name, text);
        let parsed = skiff_parser::parse_module(&file.text, file.id);
        if has_errors(&parsed.diagnostics) {
            return Err(render_all(
                &parsed.diagnostics,
                &self.sources,
                stderr_color(),
            ));
        }
        let compiled = skiff_compiler::compile_module(&parsed.program, &file);
        let rendered = render_all(&compiled.diagnostics, &self.sources, stderr_color());
        compiled.module.ok_or(rendered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_modules_are_shared_between_loaders() {
        // Two instances (two loaders) loading one file get the same compiled module.
        let dir = std::env::temp_dir().join(format!("skiff_loader_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("m.ets");
        std::fs::write(&file, "export const x = 1;\n").unwrap();
        let spec = file.display().to_string();
        let mut a = FileLoader::new();
        let mut b = FileLoader::new();
        let id = a.resolve(&spec, None).unwrap();
        assert_eq!(b.resolve(&spec, None).unwrap(), id);
        let ma = a.load(&id).unwrap();
        let mb = b.load(&id).unwrap();
        assert!(Arc::ptr_eq(&ma, &mb));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn internal_modules_resolve_and_compile() {
        let mut l = FileLoader::new();
        let id = l.resolve("skiff:worker", None).unwrap();
        assert_eq!(id, "skiff:worker");
        assert!(l.load(&id).is_ok());
    }

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
