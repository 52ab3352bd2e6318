//! The script suites: every `.ets` file under `tests/run/` is run by the `skiff` binary under a
//! watchdog, and its exit status, stdout and stderr are compared with `name.snap` beside it.
//!
//! Scripts run in parallel (one per core); the comparisons then happen in file order so that the
//! report is stable. A script that outlives its watchdog is killed and its snapshot records the
//! timeout, so a deadlock fails the suite instead of hanging it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Generous: the slowest script in the suites takes well under a second on a release build, and
/// debug builds on a loaded 2-core machine are several times slower.
const WATCHDOG: Duration = Duration::from_secs(30);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn collect_scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            // Folders named `lib` or `_*` hold modules imported by the scripts, not scripts.
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name != "lib" && !name.starts_with('_') {
                collect_scripts(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "ets" || e == "ts" || e == "js") {
            out.push(path);
        }
    }
}

struct Outcome {
    status: String,
    stdout: String,
    stderr: String,
}

fn run_script(root: &Path, relative: &Path) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .arg("run")
        .arg(relative)
        .current_dir(root)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the skiff binary starts");
    // Drain the pipes on their own threads so that a chatty script cannot block on a full pipe.
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("waiting on skiff works") {
            Some(status) => break status.code().map_or("killed by a signal".to_string(), |c| c.to_string()),
            None if started.elapsed() > WATCHDOG => {
                let _ = child.kill();
                let _ = child.wait();
                break format!("timed out after {}s (watchdog)", WATCHDOG.as_secs());
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Outcome {
        status,
        stdout,
        stderr,
    }
}

fn render(outcome: &Outcome) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        outcome.status, outcome.stdout, outcome.stderr
    )
}

fn run_suite(suite: &str) {
    let root = workspace_root();
    let mut scripts = Vec::new();
    collect_scripts(&root.join("tests").join(suite), &mut scripts);
    assert!(!scripts.is_empty(), "no scripts found in tests/{suite}");
    let relative: Vec<PathBuf> = scripts
        .iter()
        .map(|p| p.strip_prefix(&root).expect("scripts live in the workspace").to_path_buf())
        .collect();

    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..relative.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(path) = relative.get(i) else { break };
                let outcome = run_script(&root, path);
                results.lock().expect("no thread panics while holding the lock")[i] = Some(outcome);
            });
        }
    });
    let results = results.into_inner().expect("no thread panicked");

    let mut failures = Vec::new();
    for ((path, absolute), outcome) in relative.iter().zip(&scripts).zip(results) {
        let outcome = outcome.expect("every script ran");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(absolute.parent().expect("a script has a folder"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(absolute);
        settings.set_omit_expression(true);
        settings.set_description(path.to_string_lossy().replace('\\', "/"));
        let name = absolute.file_stem().expect("a script has a name").to_string_lossy().into_owned();
        let rendered = render(&outcome);
        // Keep going after a mismatch so that one run reports every script that changed.
        let checked = std::panic::catch_unwind(|| {
            settings.bind(|| insta::assert_snapshot!(name, rendered));
        });
        if checked.is_err() {
            failures.push(path.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts differ from their snapshots:\n  {}",
        failures.len(),
        scripts.len(),
        failures.join("\n  ")
    );
}

#[test]
fn run_suite_scripts() {
    run_suite("run");
}
