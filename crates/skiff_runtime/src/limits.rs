//! Resource limits a user sets on the command line (`skiff run`, `skiff test`, `skiff repl`):
//! a heap limit, a stack-depth limit, a wall-clock timeout, and where modules may be loaded from.
//!
//! The heap limit is on the process's resident memory (every instance shares one address space,
//! so that is what the machine sees). A watchdog thread samples it; when it is over the limit,
//! every busy instance gets the VM's out-of-memory attention flag and throws a catchable
//! `RangeError` at its next safepoint, after a garbage collection. The timeout is enforced by
//! the same thread: it stops every instance, and the run ends with status 124.

use crate::instance::Runtime;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The limits of one run. The default is no limit, imports from the current folder tree and
/// the main script's folder tree.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    /// Resident memory of the process, in MiB.
    pub max_heap_mb: Option<u64>,
    /// Script frames on one instance's call stack (deeper recursion is a `RangeError`).
    pub max_stack_frames: Option<usize>,
    /// Wall-clock time of the whole run.
    pub timeout: Option<Duration>,
    /// Let imports reach files outside the allowed folder trees.
    pub allow_outside_imports: bool,
}

/// Exit status of a run stopped by its timeout (as `timeout(1)` uses).
pub const TIMED_OUT: u8 = 124;

/// How often the watchdog looks at the clock and the memory.
const SAMPLE: Duration = Duration::from_millis(10);

/// After flagging instances for exceeding the heap limit, give them this long to throw and
/// collect before flagging again.
const HEAP_GRACE: Duration = Duration::from_millis(200);

/// The folders imports may come from unless `allow_outside_imports` is set: the current
/// folder's tree and the main script's folder tree.
pub fn import_roots(limits: &Limits, script_dir: &Path, cwd: &Path) -> Option<Vec<PathBuf>> {
    if limits.allow_outside_imports {
        return None;
    }
    Some(vec![cwd.to_path_buf(), script_dir.to_path_buf()])
}

/// Resident memory of this process in bytes (Linux; None elsewhere).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// After a timeout, how long the instances get to reach a safepoint before the process ends
/// without them: native code that never polls the attention flag (a polynomially slow regex
/// that the offloading heuristic of `builtins::regexp` does not recognise) cannot be stopped
/// any other way. A terminated Worker gets as long
/// before its host is told it exited (see `Runtime::terminate`).
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(2);

/// Waits [`STOP_GRACE`] for the run to end after its timeout; ends the process with
/// [`TIMED_OUT`] when it has not.
fn exit_if_stuck(rt: &std::sync::Weak<Runtime>, timeout: Duration) {
    let until = Instant::now() + STOP_GRACE;
    while Instant::now() < until {
        std::thread::sleep(SAMPLE);
        match rt.upgrade() {
            Some(rt) if !rt.is_done() => {}
            _ => return,
        }
    }
    let secs = timeout.as_secs_f64();
    let grace = STOP_GRACE.as_secs();
    // The stuck thread may hold stderr's lock (a script printing); write without waiting for it.
    // The second line tells this case from an ordinary stop: something could not be stopped.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "skiff: the run was stopped at its time limit ({secs} s)\n\
             skiff: a built-in that cannot be interrupted (such as a slow regular expression match) \
             was still running {grace} s later; the process was ended\n"
        )
        .as_bytes(),
    );
    std::process::exit(i32::from(TIMED_OUT));
}

/// Starts the watchdog for `rt` if it has a heap limit or a timeout. It ends with the run.
pub(crate) fn start_watchdog(rt: &Arc<Runtime>) {
    let limits = rt.limits.clone();
    if limits.max_heap_mb.is_none() && limits.timeout.is_none() {
        return;
    }
    let rt_weak = Arc::downgrade(rt);
    let started = Instant::now();
    let spawned = std::thread::Builder::new()
        .name("skiff-watchdog".into())
        .spawn(move || {
            let mut quiet_until = Instant::now();
            loop {
                std::thread::sleep(SAMPLE);
                let Some(rt) = rt_weak.upgrade() else {
                    return;
                };
                if rt.is_done() {
                    return;
                }
                if limits.timeout.is_some_and(|t| started.elapsed() >= t) {
                    rt.stop_all_for_timeout();
                    drop(rt);
                    exit_if_stuck(&rt_weak, limits.timeout.unwrap_or_default());
                    return;
                }
                if let (Some(mb), Some(rss)) = (limits.max_heap_mb, resident_bytes()) {
                    if rss > mb * 1024 * 1024 && Instant::now() >= quiet_until {
                        rt.flag_busy(skiff_vm::vm::attention::OUT_OF_MEMORY);
                        quiet_until = Instant::now() + HEAP_GRACE;
                    }
                }
            }
        });
    // Without a watchdog thread the limits are not enforced, but the run still works.
    let _ = spawned.map(|_| ());
}
