//! `skiff run FILE [ARGS]`: load, link and evaluate a module, then run its event loop.

use skiff_runtime::limits::Limits;
use std::path::Path;
use std::process::ExitCode;

/// Scripts run on a thread with a large stack: script-to-script calls never recurse on the Rust
/// stack, but natives that call back into scripts do (bounded by the VM's re-entry limit), and the
/// compiler recurses over the syntax tree (bounded by the parser's nesting limit).
const STACK_SIZE: usize = 256 * 1024 * 1024;

pub fn run(path: &Path, _args: &[String], limits: Limits) -> ExitCode {
    let path = path.to_path_buf();
    let worker = std::thread::Builder::new()
        .name("skiff-main".into())
        .stack_size(STACK_SIZE)
        .spawn(move || skiff_runtime::instance::run_main_with(&path, limits));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => {
            eprintln!("error: skiff crashed; this is a bug in skiff");
            ExitCode::from(70)
        }
        Err(e) => {
            eprintln!("error: cannot start the main thread: {e}");
            ExitCode::FAILURE
        }
    }
}
