//! The script suites under `tests/` run through `skiff test`, the same snapshot runner users get:
//! every script runs in a fresh `skiff run` process under a watchdog, and its exit status, stdout
//! and stderr are compared with `name.snap` beside it. Locally, new snapshots are written for
//! review; with `CI` set, a missing or different snapshot fails.

use std::path::Path;
use std::process::Command;

fn run_suite(suite: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["test", "--timeout", "60"])
        .arg(suite)
        .current_dir(&root)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .expect("the skiff binary starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        output.status.success(),
        "{suite}: {last} (the diffs are printed above)"
    );
    assert!(!last.starts_with("0 passed"), "{suite} ran no script");
}

#[test]
fn run_suite_scripts() {
    run_suite("tests/run");
}

/// The runnable examples of the documentation are snapshot-tested like the suites, so they
/// keep working as the runtime changes.
#[test]
fn run_examples() {
    run_suite("scripts/examples");
}
