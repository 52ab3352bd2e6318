//! Instances: one OS thread + one [`Vm`] + its event loop, and the process-wide bookkeeping that
//! decides when the process may exit.
//!
//! Every instance is registered in the [`Runtime`] with a `busy` flag. Whoever posts a macrotask
//! to an instance sets its flag (under the runtime's lock, while sending, so the task is in the
//! channel before the flag can be observed). Only the instance itself clears it, after its
//! event loop ran dry and, under the lock, its channel is still empty. When the last busy
//! instance goes idle, nothing can happen any more (no instance has code to run, a timer, or a
//! message in flight), so every instance stops and the process exits: an idle Worker does not
//! keep the process alive.

use crate::limits::Limits;
use crate::loader::FileLoader;
use skiff_vm::event_loop::{LoopSender, RemoteTask};
use skiff_vm::module::RunError;
use skiff_vm::vm::{attention, TERMINATION};
use skiff_vm::{Value, Vm};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// Id of an instance within its runtime (the main instance is 0).
pub type InstanceId = u64;

/// At most this many Workers may be alive at once (ArkTS's documented limit).
pub const MAX_WORKERS: usize = 64;

/// Stack of a Worker thread: natives that call back into scripts recurse on the Rust stack.
const WORKER_STACK: usize = 64 * 1024 * 1024;

struct Slot {
    busy: bool,
    sender: LoopSender,
    attention: Arc<AtomicU32>,
    /// For Workers: the instance that created it (events go there).
    host: Option<InstanceId>,
}

#[derive(Default)]
struct State {
    slots: HashMap<InstanceId, Slot>,
    next_id: InstanceId,
    workers: usize,
    /// Set once nothing can happen any more; every instance then stops.
    done: bool,
    /// Exit codes requested for Workers (by `terminate`, `close`, an error tear-down), reported
    /// to the host when the worker stops.
    exit_codes: HashMap<InstanceId, u32>,
    /// Workers told to stop from outside (`terminate`, their host's exit), and when.
    stopping: HashMap<InstanceId, Instant>,
    /// The thread that gives up on stuck Workers is running.
    reaper: bool,
}

/// What all instances of one `skiff run` share.
pub struct Runtime {
    state: Mutex<State>,
    wake: Condvar,
    /// Folder of the main script: Worker paths resolve against it, then against the cwd.
    pub script_dir: PathBuf,
    pub cwd: PathBuf,
    /// The TaskPool, created when the first task is submitted.
    pub(crate) pool: std::sync::OnceLock<crate::taskpool::Pool>,
    pub limits: Limits,
    /// The watchdog stopped the run at its timeout.
    timed_out: std::sync::atomic::AtomicBool,
}

impl Runtime {
    pub fn new(main_script: &Path) -> Arc<Runtime> {
        Runtime::with_limits(main_script, Limits::default())
    }

    pub fn with_limits(main_script: &Path, limits: Limits) -> Arc<Runtime> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let script = crate::loader::normalize(&cwd.join(main_script));
        Arc::new(Runtime {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            script_dir: script.parent().map(Path::to_path_buf).unwrap_or_default(),
            cwd,
            pool: std::sync::OnceLock::new(),
            limits,
            timed_out: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic on another instance thread must not take this one down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(self: &Arc<Self>, vm: &mut Vm, host: Option<InstanceId>) -> InstanceId {
        let id = self.register_slot(vm, host);
        // Everything posted to this instance from another thread goes through the runtime, so
        // the instance is marked busy and woken even when it sleeps outside its event loop.
        let rt = Arc::downgrade(self);
        vm.event_loop.set_poster(Arc::new(move |task| {
            rt.upgrade().is_some_and(|rt| rt.post(id, task))
        }));
        id
    }

    fn register_slot(&self, vm: &Vm, host: Option<InstanceId>) -> InstanceId {
        let mut st = self.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.slots.insert(
            id,
            Slot {
                busy: true,
                sender: vm.event_loop.sender(),
                attention: vm.attention.clone(),
                host,
            },
        );
        id
    }

    /// Whether the run is over (nothing can happen any more, or the main instance ended).
    pub(crate) fn is_done(&self) -> bool {
        self.lock().done
    }

    /// Sets attention `bit` on every busy instance (an idle one has nothing to interrupt).
    pub(crate) fn flag_busy(&self, bit: u32) {
        let st = self.lock();
        for slot in st.slots.values().filter(|s| s.busy) {
            slot.attention.fetch_or(bit, Ordering::SeqCst);
        }
    }

    /// The timeout: every instance stops (a busy loop too), and the main one reports it.
    pub(crate) fn stop_all_for_timeout(&self) {
        self.timed_out.store(true, Ordering::SeqCst);
        let targets: Vec<(Arc<AtomicU32>, LoopSender)> = {
            let st = self.lock();
            st.slots
                .values()
                .map(|s| (s.attention.clone(), s.sender.clone()))
                .collect()
        };
        for (attn, sender) in targets {
            attn.fetch_or(attention::TERMINATE, Ordering::SeqCst);
            sender.post(Box::new(|vm: &mut Vm| {
                vm.terminating = true;
                Err(TERMINATION)
            }));
        }
        {
            let mut st = self.lock();
            for slot in st.slots.values_mut() {
                slot.busy = true;
            }
        }
        self.wake.notify_all();
    }

    /// Posts a macrotask to instance `to`; false when it is gone.
    pub fn post(&self, to: InstanceId, task: RemoteTask) -> bool {
        let mut st = self.lock();
        let Some(slot) = st.slots.get_mut(&to) else {
            return false;
        };
        if !slot.sender.post(task) {
            return false;
        }
        slot.busy = true;
        drop(st);
        self.wake.notify_all();
        true
    }

    /// The host of Worker `id`.
    pub fn host_of(&self, id: InstanceId) -> Option<InstanceId> {
        self.lock().slots.get(&id).and_then(|s| s.host)
    }

    /// Interrupts Worker `id` (even a busy loop: the attention flag is polled at every call and
    /// backward jump) and wakes it if it is idle. Its exit is reported to its host with `code`.
    pub fn terminate(self: &Arc<Self>, id: InstanceId, code: u32) -> bool {
        let slot = {
            let st = self.lock();
            st.slots
                .get(&id)
                .map(|s| (s.attention.clone(), s.sender.clone()))
        };
        let Some((attn, _)) = slot else {
            return false;
        };
        {
            let mut st = self.lock();
            st.exit_codes.insert(id, code);
            self.watch_stopping(&mut st, id);
        }
        attn.fetch_or(attention::TERMINATE, Ordering::SeqCst);
        // An idle worker blocks on its condvar, not in script code: wake it with a task.
        self.post(
            id,
            Box::new(|vm: &mut Vm| {
                vm.terminating = true;
                Err(TERMINATION)
            }),
        )
    }

    /// `close()` inside Worker `id`: it stops after the macrotasks already queued, without
    /// interrupting the code that called `close`.
    pub fn close(&self, id: InstanceId) {
        self.lock().exit_codes.insert(id, 0);
        self.post(
            id,
            Box::new(|vm: &mut Vm| {
                vm.terminating = true;
                Err(TERMINATION)
            }),
        );
    }

    /// Runs `vm`'s event loop until the process is done (`Ok`) or an uncaught error escapes
    /// (`Err`, the instance stays registered so the caller can decide).
    fn idle_loop(&self, id: InstanceId, vm: &mut Vm) -> Result<(), Value> {
        loop {
            vm.run_event_loop()?;
            let mut st = self.lock();
            if vm.has_pending_work() {
                continue;
            }
            if let Some(s) = st.slots.get_mut(&id) {
                s.busy = false;
            }
            if st.slots.values().all(|s| !s.busy) {
                st.done = true;
                drop(st);
                self.wake.notify_all();
                return Ok(());
            }
            drop(st);
            vm.before_park();
            // Parked while idle, so that shared-heap collections go on without this instance;
            // the runtime lock is released before the shared heap's is taken back.
            let done = vm.parked(|| {
                let mut st = self.lock();
                while !st.done && !st.slots.get(&id).is_some_and(|s| s.busy) {
                    st = self.wake.wait(st).unwrap_or_else(|p| p.into_inner());
                }
                st.done
            });
            if done {
                return Ok(());
            }
        }
    }

    /// Notes that Worker `id` was told to stop, and starts the thread that gives up on it if it
    /// does not within [`STOP_GRACE`](crate::limits::STOP_GRACE).
    ///
    /// A Worker busy in a built-in that never polls its attention flag (a slow regular
    /// expression match not offloaded to a helper thread: the regex engine cannot be
    /// interrupted) would otherwise keep its host waiting for `onexit`, and the process alive, for hours.
    /// Given up, it counts as exited: its host gets `onexit` and the process may end, while
    /// its thread finishes the built-in on its own and then stops without a second report.
    fn watch_stopping(self: &Arc<Self>, st: &mut State, id: InstanceId) {
        st.stopping.entry(id).or_insert_with(Instant::now);
        if st.reaper {
            return;
        }
        let rt = Arc::downgrade(self);
        st.reaper = std::thread::Builder::new()
            .name("skiff-reaper".into())
            .spawn(move || reap_stuck_workers(rt))
            .is_ok();
    }

    /// Removes an exiting Worker and tells its host, in one step under the lock so the host is
    /// marked busy before the worker stops counting.
    fn unregister(self: &Arc<Self>, id: InstanceId, code: u32) {
        let mut st = self.lock();
        st.workers = st.workers.saturating_sub(1);
        st.stopping.remove(&id);
        // A Worker given up on while stuck was reported then.
        if st.slots.contains_key(&id) {
            self.remove_and_report(st, id, code);
        }
    }

    /// Gives up on Worker `id`, told to stop but still running after the grace period: it is
    /// reported as exited (with the code `terminate` asked for). Its thread still counts
    /// towards the Worker limit until it really ends.
    fn give_up(self: &Arc<Self>, id: InstanceId) {
        let st = self.lock();
        if !st.slots.contains_key(&id) {
            return;
        }
        let code = st.exit_codes.get(&id).copied().unwrap_or(1);
        self.remove_and_report(st, id, code);
    }

    fn remove_and_report(
        self: &Arc<Self>,
        mut st: MutexGuard<'_, State>,
        id: InstanceId,
        code: u32,
    ) {
        let host = st.slots.remove(&id).and_then(|s| s.host);
        // Workers started by this one would be orphans nobody can reach or terminate any more:
        // they stop with it (without exit events, their host is gone).
        let children: Vec<InstanceId> = st
            .slots
            .iter()
            .filter(|(_, s)| s.host == Some(id))
            .map(|(c, _)| *c)
            .collect();
        for child in children {
            st.exit_codes.insert(child, 0);
            self.watch_stopping(&mut st, child);
            let Some(slot) = st.slots.get_mut(&child) else {
                continue;
            };
            slot.attention
                .fetch_or(attention::TERMINATE, Ordering::SeqCst);
            let stop: RemoteTask = Box::new(|vm: &mut Vm| {
                vm.terminating = true;
                Err(TERMINATION)
            });
            if slot.sender.post(stop) {
                slot.busy = true;
            }
        }
        if let Some(h) = host {
            if let Some(slot) = st.slots.get_mut(&h) {
                let task: RemoteTask =
                    Box::new(move |vm: &mut Vm| crate::worker::deliver_exit(vm, id, code));
                if slot.sender.post(task) {
                    slot.busy = true;
                }
            }
        }
        if st.slots.values().all(|s| !s.busy) {
            st.done = true;
        }
        drop(st);
        self.wake.notify_all();
    }
}

/// The reaper thread: every tenth of a second, gives up on the Workers told to stop longer than
/// [`STOP_GRACE`](crate::limits::STOP_GRACE) ago that still run (see `Runtime::watch_stopping`).
/// It ends with the run.
fn reap_stuck_workers(rt: std::sync::Weak<Runtime>) {
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let Some(rt) = rt.upgrade() else {
            return;
        };
        let stuck: Vec<InstanceId> = {
            let st = rt.lock();
            if st.done {
                return;
            }
            st.stopping
                .iter()
                .filter(|(_, since)| since.elapsed() >= crate::limits::STOP_GRACE)
                .map(|(id, _)| *id)
                .collect()
        };
        for id in stuck {
            rt.give_up(id);
        }
    }
}

/// Per-thread context of the instance running on this thread.
pub struct Ctx {
    pub rt: Arc<Runtime>,
    pub id: InstanceId,
    pub host: Option<InstanceId>,
    /// The script-side event dispatcher, stored on the global object under this private symbol
    /// (so it is a GC root without being visible to scripts).
    pub dispatcher: Option<skiff_vm::atom::PropKey>,
    /// The TaskPool's script-side dispatcher, kept the same way.
    pub taskpool_dispatcher: Option<skiff_vm::atom::PropKey>,
    /// The Worker's name (`WorkerOptions.name`), empty on the main instance.
    pub name: String,
    /// `close()` was called: drop further messages.
    pub closing: bool,
}

thread_local! {
    static CTX: RefCell<Option<Ctx>> = const { RefCell::new(None) };
}

/// Makes instance `id` of `rt` the one running on this thread.
fn enter(rt: &Arc<Runtime>, id: InstanceId, host: Option<InstanceId>) {
    CTX.with(|c| {
        *c.borrow_mut() = Some(Ctx {
            rt: rt.clone(),
            id,
            host,
            dispatcher: None,
            taskpool_dispatcher: None,
            name: String::new(),
            closing: false,
        })
    });
}

/// Runs `f` with this thread's instance context, if any.
pub fn with_ctx<R>(f: impl FnOnce(&mut Ctx) -> R) -> Option<R> {
    CTX.with(|c| c.borrow_mut().as_mut().map(f))
}

/// Prepares a VM for use as an instance of `rt`: the file loader (confined to the allowed
/// folders), the built-in modules and the stack limit.
fn setup(vm: &mut Vm, rt: &Runtime) {
    let roots = crate::limits::import_roots(&rt.limits, &rt.script_dir, &rt.cwd);
    vm.set_loader(Box::new(FileLoader::confined(roots)));
    crate::register_builtins(vm);
    apply_stack_limit(vm, &rt.limits);
}

fn apply_stack_limit(vm: &mut Vm, limits: &Limits) {
    if let Some(frames) = limits.max_stack_frames {
        vm.limits.max_frames = frames.max(1);
    }
}

/// Runs the main instance on the current thread; returns the process exit status.
pub fn run_main(path: &Path) -> u8 {
    run_main_with(path, Limits::default())
}

/// [`run_main`] under resource limits.
pub fn run_main_with(path: &Path, limits: Limits) -> u8 {
    let rt = Runtime::with_limits(path, limits);
    let mut vm = Vm::new();
    setup(&mut vm, &rt);
    crate::limits::start_watchdog(&rt);
    let id = rt.register(&mut vm, None);
    enter(&rt, id, None);
    let specifier = path.display().to_string();
    let result = match vm.run_main(&specifier) {
        Ok(()) => rt.idle_loop(id, &mut vm).map_err(RunError::Uncaught),
        Err(e) => Err(e),
    };
    let code = match result {
        _ if rt.timed_out.load(Ordering::SeqCst) => {
            let secs = rt.limits.timeout.map_or(0.0, |t| t.as_secs_f64());
            write_stderr_line(&format!(
                "skiff: the run was stopped at its time limit ({secs} s)"
            ));
            crate::limits::TIMED_OUT
        }
        Ok(()) => 0,
        Err(RunError::Load(message)) => {
            write_stderr_line(&message);
            1
        }
        Err(RunError::Uncaught(error)) => {
            write_stderr_line(&vm.format_uncaught(error));
            1
        }
    };
    // Stop every other instance: the process is ending.
    {
        let mut st = rt.lock();
        st.done = true;
    }
    rt.wake.notify_all();
    CTX.with(|c| *c.borrow_mut() = None);
    code
}

/// An instance whose VM an embedder drives itself (the REPL), instead of [`run_main`]: its
/// scripts can use Workers and the TaskPool, and [`Attached::wait_for`] runs the event loop
/// until a condition holds. While it exists the process counts as busy, so Workers and pool
/// threads stay alive between REPL lines; dropping it ends them.
pub struct Attached {
    rt: Arc<Runtime>,
    id: InstanceId,
}

/// Makes `vm` the main instance of a new runtime rooted at the current folder, with the
/// runtime's built-in modules. The VM keeps its own module loader.
pub fn attach(vm: &mut Vm, limits: Limits) -> Attached {
    let rt = Runtime::with_limits(Path::new("repl"), limits);
    crate::register_builtins(vm);
    apply_stack_limit(vm, &rt.limits);
    crate::limits::start_watchdog(&rt);
    let id = rt.register(vm, None);
    enter(&rt, id, None);
    Attached { rt, id }
}

impl Attached {
    /// Runs `vm`'s event loop until `done(vm)` holds or nothing can happen any more (no other
    /// instance is busy and nothing was posted here). Returns the first uncaught error.
    pub fn wait_for(&self, vm: &mut Vm, done: impl Fn(&mut Vm) -> bool) -> Result<(), Value> {
        loop {
            vm.run_event_loop()?;
            if done(vm) {
                return Ok(());
            }
            // Parked while waiting for other instances (see `Runtime::idle_loop`).
            // Only the channel can change while parked: timers and jobs are this thread's own.
            let queued_here = vm.has_pending_work();
            let attention = vm.attention.clone();
            let event_loop = &vm.event_loop;
            let keep_waiting = vm.sendable.parked(|| {
                let mut st = self.rt.lock();
                loop {
                    // Ctrl+C in the REPL: stop waiting for other threads.
                    if attention.load(Ordering::Relaxed) & attention::INTERRUPT != 0 {
                        return false;
                    }
                    if queued_here || event_loop.has_messages() {
                        return true;
                    }
                    let others_busy = st.slots.iter().any(|(id, s)| *id != self.id && s.busy);
                    if !others_busy {
                        return false;
                    }
                    // Woken by every post; the timeout only bounds a missed notification.
                    st = self
                        .rt
                        .wake
                        .wait_timeout(st, std::time::Duration::from_millis(50))
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                }
            });
            if !keep_waiting {
                return Ok(());
            }
        }
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        let mut st = self.rt.lock();
        st.slots.remove(&self.id);
        st.done = true;
        drop(st);
        self.rt.wake.notify_all();
        // A newer attached instance on this thread keeps its context.
        CTX.with(|c| {
            let mut c = c.borrow_mut();
            if c.as_ref().is_some_and(|ctx| Arc::ptr_eq(&ctx.rt, &self.rt)) {
                *c = None;
            }
        });
    }
}

/// Why a Worker could not be started.
pub enum SpawnError {
    TooMany,
    Failed,
}

/// Starts a Worker running the module at `path` (an absolute, existing file); its host is the
/// instance of the calling thread. Blocks only until the Worker's VM exists, so messages posted
/// right after `new ThreadWorker` queue up behind the script's evaluation.
pub fn spawn_worker(
    rt: &Arc<Runtime>,
    host: InstanceId,
    path: PathBuf,
    name: String,
) -> Result<InstanceId, SpawnError> {
    {
        let mut st = rt.lock();
        if st.workers >= MAX_WORKERS {
            return Err(SpawnError::TooMany);
        }
        st.workers += 1;
    }
    let (tx, rx) = std::sync::mpsc::channel::<InstanceId>();
    let rt2 = rt.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("skiff-worker-{name}"))
        .stack_size(WORKER_STACK)
        .spawn(move || worker_thread(rt2, host, path, name, tx));
    if spawned.is_err() {
        rt.lock().workers -= 1;
        return Err(SpawnError::Failed);
    }
    rx.recv().map_err(|_| SpawnError::Failed)
}

fn worker_thread(
    rt: Arc<Runtime>,
    host: InstanceId,
    path: PathBuf,
    name: String,
    started: std::sync::mpsc::Sender<InstanceId>,
) {
    let mut vm = Vm::new();
    setup(&mut vm, &rt);
    let id = rt.register(&mut vm, Some(host));
    enter(&rt, id, Some(host));
    crate::worker::set_worker_name(&mut vm, &name);
    let _ = started.send(id);
    let specifier = path.display().to_string();
    let mut result = vm.run_main(&specifier);
    loop {
        match result {
            Ok(()) => match rt.idle_loop(id, &mut vm) {
                Ok(()) => {}
                Err(e) => {
                    result = Err(RunError::Uncaught(e));
                    continue;
                }
            },
            Err(RunError::Load(message)) => {
                // The worker's own script failed to load: report it like an uncaught error.
                let e = vm.make_error(vm.realm.error_proto, message.trim_end());
                crate::worker::report_error(&mut vm, &rt, id, e);
                rt.lock().exit_codes.insert(id, 1);
            }
            Err(RunError::Uncaught(e)) if e == TERMINATION || vm.terminating => {}
            Err(RunError::Uncaught(e)) => {
                crate::worker::report_error(&mut vm, &rt, id, e);
                result = Ok(());
                continue;
            }
        }
        break;
    }
    // Locks this worker holds or waits for pass on while it still counts as busy.
    skiff_vm::builtins::arkts_utils::abandon_locks(&mut vm);
    let requested = rt.lock().exit_codes.remove(&id);
    let stopped = vm.terminating
        || vm.attention.load(Ordering::SeqCst) & attention::TERMINATE != 0
        || requested.is_some();
    let code = requested.unwrap_or(0);
    CTX.with(|c| *c.borrow_mut() = None);
    if stopped || !rt.lock().done {
        rt.unregister(id, code);
    } else {
        // The whole process is ending: no exit event.
        let mut st = rt.lock();
        st.slots.remove(&id);
    }
}

/// Starts TaskPool thread `index` with its deque. Blocks until the thread's instance is
/// registered (and so counts as busy), so the process cannot end before it runs its first job.
pub(crate) fn spawn_pool_thread(
    rt: &Arc<Runtime>,
    index: usize,
    deque: crossbeam_deque::Worker<crate::taskpool::Job>,
) -> bool {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rt2 = rt.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("skiff-taskpool-{index}"))
        .stack_size(WORKER_STACK)
        .spawn(move || pool_thread(rt2, index, deque, tx));
    spawned.is_ok() && rx.recv().is_ok()
}

fn pool_thread(
    rt: Arc<Runtime>,
    index: usize,
    deque: crossbeam_deque::Worker<crate::taskpool::Job>,
    started: std::sync::mpsc::Sender<()>,
) {
    let mut vm = Vm::new();
    setup(&mut vm, &rt);
    let id = rt.register(&mut vm, None);
    enter(&rt, id, None);
    crate::taskpool::enter_pool_thread(&rt, index, id, deque);
    rt.post(id, Box::new(crate::taskpool::pull));
    let _ = started.send(());
    // An error that escapes a task's own handling (a throwing timer callback) is reported the
    // way the main instance reports it; the thread keeps serving tasks.
    while let Err(e) = rt.idle_loop(id, &mut vm) {
        if e == TERMINATION || vm.terminating {
            break;
        }
        write_stderr_line(&vm.format_uncaught(e));
    }
    CTX.with(|c| *c.borrow_mut() = None);
    rt.lock().slots.remove(&id);
}

/// Writes a report to stderr, ending it with a newline. Failures are ignored: a closed pipe
/// (`skiff run x 2>&1 | head`) must not turn an error report into a crash.
fn write_stderr_line(text: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}
