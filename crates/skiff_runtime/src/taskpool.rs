//! TaskPool: `@Concurrent` functions on a pool of instances.
//!
//! The classes users see (`Task`, `TaskGroup`, `SequenceRunner`, `AsyncRunner`, ...) and the
//! host-side bookkeeping (promises, dependencies, listeners, delays) are script code
//! (`prelude/taskpool.ts`, module `skiff:taskpool`). This file is the native half
//! (`skiff:taskpool-native`): the process-wide [`Pool`] of threads, the queues, cancellation,
//! and what runs on a pool thread.
//!
//! # Life of an execution
//!
//! 1. The host calls `register(taskId, name)`: the execution gets a process-wide id and is
//!    listed as waiting (so `cancel(taskId)` from any thread finds it, even while it is still
//!    delayed or waiting for dependencies on the host).
//! 2. `submit(...)` checks the function (10200014), serializes the arguments (10200006; every
//!    ArrayBuffer is transferred unless a transfer or clone list says otherwise) and pushes a
//!    [`Job`] into the injector of its priority. Then one free pool thread is woken with a
//!    macrotask, or a thread is started.
//! 3. A pool thread takes jobs in priority order (HIGH, then its own deque, MEDIUM, LOW, then
//!    stealing from the others; IDLE only when every other thread is free and no IDLE job runs).
//!    It runs one execution at a time, including the asynchronous tail of an async function.
//! 4. The result (or the thrown error) is serialized on the pool thread and posted to the host,
//!    whose dispatcher settles the promise.
//!
//! # Process lifetime
//!
//! Pool threads are instances of the [`Runtime`]. Waking a thread posts to it, which marks it
//! busy before the submitting host can go idle, so the process never exits with a job queued
//! and nobody to run it: either a thread was woken, or every thread is occupied and takes the
//! job when its current execution ends.

use crate::clone::{self, Message, Transfer};
use crate::instance::{self, with_ctx, InstanceId, Runtime};
use crate::worker::{business_error, error_message};
use crossbeam_deque::{Injector, Steal, Stealer, Worker as Deque};
use skiff_bytecode::FunctionFlags;
use skiff_vm::atom::PropKey;
use skiff_vm::builtins::arg;
use skiff_vm::object::ObjectKind;
use skiff_vm::shape::ATTR_ENUMERABLE;
use skiff_vm::{JsResult, Value, Vm};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// `Priority.HIGH` … `Priority.IDLE`.
const PRIORITIES: usize = 4;
const MEDIUM: usize = 1;
const IDLE: usize = 3;

/// A pool never grows past this many threads, even when every thread waits on an async task.
const HARD_MAX_THREADS: usize = 64;

pub const NOT_CONCURRENT: (u32, &str) = (10200014, "The function is not marked as concurrent.");
pub const SERIALIZE_ARGS: (u32, &str) = (
    10200006,
    "An exception occurred during serialization, taskpool: failed to serialize arguments.",
);
pub const SERIALIZE_RESULT: (u32, &str) = (
    10200006,
    "An exception occurred during serialization, taskpool: failed to serialize result.",
);
pub const NOT_IN_POOL: (u32, &str) = (
    10200022,
    "The function is not called in the TaskPool thread.",
);
pub const NOT_IN_TASK: (u32, &str) = (
    10200023,
    "The function is not called in the concurrent function.",
);
pub const NO_RECEIVER: (u32, &str) = (10200024, "The callback is not registered on the host side.");

/// Task ids and execution ids come from one process-wide counter, so `cancel(taskId)` works
/// from any thread.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One execution of a task, ready to run on a pool thread.
pub struct Job {
    exec_id: u64,
    host: InstanceId,
    module: String,
    func: u32,
    args: Message,
    priority: usize,
    has_receiver: bool,
    cancel: Arc<AtomicBool>,
    /// The SequenceRunner queue this execution belongs to, if any.
    sequence: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Registered, still on the host (delayed, waiting for dependencies or a runner).
    Host,
    Queued,
    Running {
        thread: usize,
        since: Instant,
    },
}

struct Exec {
    task_id: u64,
    name: String,
    host: InstanceId,
    phase: Phase,
    cancel: Arc<AtomicBool>,
    sequence: Option<String>,
}

/// A SequenceRunner's queue: at most one of its executions is in the pool at a time.
#[derive(Default)]
struct Sequence {
    /// The priority fixed when the runner was first created.
    priority: usize,
    /// An execution of this sequence is queued or running in the pool.
    busy: bool,
    waiting: std::collections::VecDeque<Job>,
}

struct PoolThread {
    instance: InstanceId,
    stealer: Stealer<Job>,
    /// The execution this thread runs (including its async tail), if any.
    running: Option<u64>,
    /// The running execution's synchronous part returned a pending promise.
    awaiting: bool,
    /// A wake-up was posted and not yet handled: do not pick this thread again.
    woken: bool,
    idle_job: bool,
}

#[derive(Default)]
struct PoolState {
    threads: Vec<PoolThread>,
    /// Every registered execution, by id (so `getTaskPoolInfo` lists them in creation order).
    execs: BTreeMap<u64, Exec>,
    idle_running: bool,
    /// SequenceRunner queues by name (process-wide: named runners are shared by every
    /// instance; unnamed ones get a unique internal name).
    sequences: std::collections::HashMap<String, Sequence>,
}

/// The process-wide TaskPool.
pub struct Pool {
    injectors: [Injector<Job>; PRIORITIES],
    state: Mutex<PoolState>,
    /// Threads started before the pool prefers queueing over growing.
    max_threads: usize,
}

/// A pool thread reserved (its slot exists, marked woken) but not started yet.
struct NewThread {
    index: usize,
    deque: Deque<Job>,
}

/// Starts a reserved pool thread with `vm` parked (see [`Pool::start_thread`]).
fn start_reserved(vm: &mut Vm, rt: &Arc<Runtime>, new: Option<NewThread>) {
    if let Some(new) = new {
        vm.parked(|| pool(rt).start_thread(rt, new));
    }
}

impl Pool {
    fn new() -> Pool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pool {
            injectors: Default::default(),
            state: Mutex::new(PoolState::default()),
            max_threads: cores.max(2),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a job and makes sure some thread will run it; a thread that must be started is
    /// returned for [`Pool::start_thread`].
    #[must_use]
    fn push(&self, rt: &Arc<Runtime>, job: Job) -> Option<NewThread> {
        let priority = job.priority.min(IDLE);
        let mut st = self.lock();
        if let Some(e) = st.execs.get_mut(&job.exec_id) {
            e.phase = Phase::Queued;
            e.sequence = job.sequence.clone();
        }
        if let Some(name) = &job.sequence {
            let seq = st.sequences.entry(name.clone()).or_default();
            if seq.busy {
                // Strict order: it enters the pool when the one before it has finished.
                seq.waiting.push_back(job);
                return None;
            }
            seq.busy = true;
        }
        self.injectors[priority].push(job);
        self.wake_one(rt, st)
    }

    /// Wakes a free thread, or reserves a new one when none is free and the pool may grow
    /// (the caller starts it with [`Pool::start_thread`]).
    #[must_use]
    fn wake_one(&self, rt: &Arc<Runtime>, mut st: MutexGuard<'_, PoolState>) -> Option<NewThread> {
        if let Some(i) = st
            .threads
            .iter()
            .position(|t| t.running.is_none() && !t.woken)
        {
            st.threads[i].woken = true;
            let id = st.threads[i].instance;
            drop(st);
            rt.post(id, Box::new(pull));
            return None;
        }
        let n = st.threads.len();
        let all_waiting = st.threads.iter().all(|t| t.awaiting);
        if n < self.max_threads || (all_waiting && n < HARD_MAX_THREADS) {
            let deque = Deque::new_fifo();
            let index = n;
            // The slot exists (and is marked woken) before the thread does, so concurrent
            // submissions do not start a thread each.
            st.threads.push(PoolThread {
                instance: InstanceId::MAX,
                stealer: deque.stealer(),
                running: None,
                awaiting: false,
                woken: true,
                idle_job: false,
            });
            return Some(NewThread { index, deque });
        }
        None
    }

    /// Starts a thread reserved by [`Pool::push`] or [`Pool::wake_one`]. This waits until the
    /// thread has registered, which waits for a running shared-heap collection, so a VM calls
    /// it parked ([`start_reserved`]).
    fn start_thread(&self, rt: &Arc<Runtime>, new: NewThread) {
        let NewThread { index, deque } = new;
        if !instance::spawn_pool_thread(rt, index, deque) {
            // No thread: the slot stays, never woken; the job waits for another one.
            self.lock().threads[index].running = Some(0);
        }
    }

    /// Takes the next job for thread `me` (marking it running), or marks the thread free.
    fn take(&self, me: usize, local: &Deque<Job>) -> Option<Job> {
        let mut st = self.lock();
        if let Some(t) = st.threads.get_mut(me) {
            t.woken = false;
        }
        let job = self.find(&st, me, local);
        let job = match job {
            Some(j) => j,
            None => {
                // IDLE work runs only when every other thread is free.
                let others_free = st
                    .threads
                    .iter()
                    .enumerate()
                    .all(|(i, t)| i == me || t.running.is_none());
                if others_free && !st.idle_running {
                    match steal(&self.injectors[IDLE]) {
                        Some(j) => {
                            st.idle_running = true;
                            if let Some(t) = st.threads.get_mut(me) {
                                t.idle_job = true;
                            }
                            j
                        }
                        None => return None,
                    }
                } else {
                    return None;
                }
            }
        };
        if let Some(t) = st.threads.get_mut(me) {
            t.running = Some(job.exec_id);
            t.awaiting = false;
        }
        if let Some(e) = st.execs.get_mut(&job.exec_id) {
            e.phase = Phase::Running {
                thread: me,
                since: Instant::now(),
            };
        }
        Some(job)
    }

    fn find(&self, st: &PoolState, me: usize, local: &Deque<Job>) -> Option<Job> {
        if let Some(j) = steal(&self.injectors[0]) {
            return Some(j);
        }
        if let Some(j) = local.pop() {
            return Some(j);
        }
        for p in MEDIUM..IDLE {
            loop {
                match self.injectors[p].steal_batch_and_pop(local) {
                    Steal::Success(j) => return Some(j),
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        for (i, t) in st.threads.iter().enumerate() {
            if i == me {
                continue;
            }
            loop {
                match t.stealer.steal() {
                    Steal::Success(j) => return Some(j),
                    Steal::Empty => break,
                    Steal::Retry => continue,
                }
            }
        }
        None
    }

    fn has_queued_work(&self, st: &PoolState) -> bool {
        !self.injectors.iter().all(|q| q.is_empty())
            || st.threads.iter().any(|t| !t.stealer.is_empty())
    }

    /// Thread `me` finished its execution: it is free again, and takes more work if any is
    /// queued.
    fn finished(&self, rt: &Arc<Runtime>, me: usize, exec_id: u64, sequence: Option<&str>) {
        let mut st = self.lock();
        st.execs.remove(&exec_id);
        // The next execution of its sequence may enter the pool now.
        if let Some(seq) = sequence.and_then(|name| st.sequences.get_mut(name)) {
            match seq.waiting.pop_front() {
                Some(next) => self.injectors[next.priority.min(IDLE)].push(next),
                None => seq.busy = false,
            }
        }
        if let Some(t) = st.threads.get_mut(me) {
            t.running = None;
            t.awaiting = false;
            if t.idle_job {
                t.idle_job = false;
                st.idle_running = false;
            }
        }
        if self.has_queued_work(&st) {
            if let Some(t) = st.threads.get_mut(me) {
                t.woken = true;
                let id = t.instance;
                drop(st);
                rt.post(id, Box::new(pull));
            }
        }
    }
}

fn steal(q: &Injector<Job>) -> Option<Job> {
    loop {
        match q.steal() {
            Steal::Success(j) => return Some(j),
            Steal::Empty => return None,
            Steal::Retry => continue,
        }
    }
}

/// The pool of the current process, created on first use.
fn pool(rt: &Runtime) -> &Pool {
    rt.pool.get_or_init(Pool::new)
}

// ----- pool-thread state ----------------------------------------------------------------------

/// What a pool thread knows about itself and its current execution.
struct Local {
    index: usize,
    deque: Deque<Job>,
    current: Option<Current>,
}

struct Current {
    exec_id: u64,
    sequence: Option<String>,
    host: InstanceId,
    has_receiver: bool,
    cancel: Arc<AtomicBool>,
    started: Instant,
    /// Time spent in the synchronous part (the rest of the total is waiting).
    cpu: f64,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// Makes the calling thread pool thread `index` (instance `id`) with its own deque.
pub(crate) fn enter_pool_thread(rt: &Runtime, index: usize, id: InstanceId, deque: Deque<Job>) {
    if let Some(t) = pool(rt).lock().threads.get_mut(index) {
        t.instance = id;
    }
    LOCAL.with(|l| {
        *l.borrow_mut() = Some(Local {
            index,
            deque,
            current: None,
        })
    });
}

fn with_local<R>(f: impl FnOnce(&mut Local) -> R) -> Option<R> {
    LOCAL.with(|l| l.borrow_mut().as_mut().map(f))
}

/// The wake-up macrotask of a pool thread: start the next job, if the thread is free.
pub(crate) fn pull(vm: &mut Vm) -> JsResult<()> {
    let Some(rt) = with_ctx(|c| c.rt.clone()) else {
        return Ok(());
    };
    let p = pool(&rt);
    loop {
        let job = with_local(|l| {
            if l.current.is_some() {
                return None;
            }
            p.take(l.index, &l.deque)
        })
        .flatten();
        let Some(job) = job else {
            return Ok(());
        };
        if job.cancel.load(Ordering::SeqCst) {
            // Cancelled while queued: the host has rejected it already.
            let me = with_local(|l| l.index).unwrap_or(0);
            p.finished(&rt, me, job.exec_id, job.sequence.as_deref());
            continue;
        }
        return start(vm, &rt, job);
    }
}

fn start(vm: &mut Vm, rt: &Arc<Runtime>, job: Job) -> JsResult<()> {
    let exec_id = job.exec_id;
    rt.post(
        job.host,
        Box::new(move |vm: &mut Vm| dispatch(vm, "start", exec_id, Value::UNDEFINED, None)),
    );
    let started = Instant::now();
    with_local(|l| {
        l.current = Some(Current {
            exec_id,
            sequence: job.sequence.clone(),
            host: job.host,
            has_receiver: job.has_receiver,
            cancel: job.cancel.clone(),
            started,
            cpu: 0.0,
        })
    });
    let prepared = (|| -> JsResult<(Value, Value)> {
        let f = vm.concurrent_function(&job.module, job.func)?;
        let base = vm.handles.len();
        vm.handles.push(f);
        let args = clone::deserialize(vm, job.args);
        vm.handles.truncate(base);
        Ok((f, args?))
    })();
    let r = match prepared {
        Ok((f, args)) => {
            let runner = script_export(vm, "runJob")?;
            let base = vm.handles.len();
            vm.handles.extend([f, args, runner]);
            let r = vm.call(
                runner,
                Value::UNDEFINED,
                &[Value::number(exec_id as f64), f, args],
            );
            vm.handles.truncate(base);
            r.map(|_| ())
        }
        Err(e) => finish_exec(vm, exec_id, false, e),
    };
    // The synchronous part is over; if the execution is still current it waits on a promise.
    let cpu = started.elapsed().as_secs_f64() * 1000.0;
    let still_running = with_local(|l| match &mut l.current {
        Some(c) if c.exec_id == exec_id => {
            c.cpu = cpu;
            Some(l.index)
        }
        _ => None,
    })
    .flatten();
    if let Some(me) = still_running {
        let p = pool(rt);
        let mut st = p.lock();
        if let Some(t) = st.threads.get_mut(me) {
            t.awaiting = true;
        }
        // This thread stays reserved while it waits; if the task queued work of its own (or
        // anything else is queued), another thread must take it, or tasks that wait for
        // their subtasks would wait forever.
        if p.has_queued_work(&st) {
            let new = p.wake_one(rt, st);
            start_reserved(vm, rt, new);
        }
    }
    r
}

/// `finish(execId, ok, value)`: called by `runJob` on the pool thread when the function
/// returned, threw, or its promise settled.
fn finish(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let exec_id = arg(args, 0).as_number().unwrap_or(0.0) as u64;
    let ok = vm.to_boolean(arg(args, 1));
    finish_exec(vm, exec_id, ok, arg(args, 2))?;
    Ok(Value::UNDEFINED)
}

fn finish_exec(vm: &mut Vm, exec_id: u64, ok: bool, value: Value) -> JsResult<()> {
    let Some(rt) = with_ctx(|c| c.rt.clone()) else {
        return Ok(());
    };
    let cur = with_local(|l| match &l.current {
        Some(c) if c.exec_id == exec_id => l.current.take().map(|c| (c, l.index)),
        _ => None,
    })
    .flatten();
    let Some((cur, me)) = cur else {
        return Ok(());
    };
    let total = cur.started.elapsed().as_secs_f64() * 1000.0;
    let cpu = if cur.cpu > 0.0 { cur.cpu } else { total };
    let (ok, msg) = match clone::serialize_with(vm, value, Transfer::AllExcept(&[])) {
        Ok(Ok(m)) => (ok, m),
        Ok(Err(thrown)) => (false, error_message(vm, thrown)),
        Err(_) => {
            let e = business_error(vm, SERIALIZE_RESULT.0, SERIALIZE_RESULT.1);
            (false, error_message(vm, e))
        }
    };
    let mut msg = msg;
    if !ok {
        crate::worker::strip_internal_frames(&mut msg);
    }
    let canceled = cur.cancel.load(Ordering::SeqCst);
    let kind = match (canceled, ok) {
        (true, true) => "canceledResult",
        (true, false) => "canceledError",
        (false, true) => "result",
        (false, false) => "error",
    };
    // Unlisted before the host hears of it: once a promise settles, getTaskPoolInfo no longer
    // shows its execution.
    pool(&rt).finished(&rt, me, exec_id, cur.sequence.as_deref());
    rt.post(
        cur.host,
        Box::new(move |vm: &mut Vm| {
            let v = clone::deserialize(vm, msg)?;
            dispatch(vm, kind, exec_id, v, Some((total, cpu)))
        }),
    );
    Ok(())
}

// ----- the native module ------------------------------------------------------------------------

/// Builds the `skiff:taskpool-native` namespace.
pub fn native_module(vm: &mut Vm) -> JsResult<Value> {
    let ns = vm.new_object();
    let fns: [(&str, u32, skiff_vm::object::NativeFn); 11] = [
        ("newTaskId", 0, new_task_id),
        ("isConcurrent", 1, is_concurrent),
        ("register", 2, register),
        ("submit", 8, submit),
        ("cancelTask", 1, cancel_task),
        ("isCanceled", 0, is_canceled),
        ("sendData", 1, send_data),
        ("finish", 3, finish),
        ("setDispatcher", 1, set_dispatcher),
        ("poolInfo", 0, pool_info),
        ("sequenceRunner", 2, sequence_runner),
    ];
    for (name, len, f) in fns {
        vm.define_method(ns, name, len, f);
    }
    Ok(Value::object(ns))
}

fn throw<T>(vm: &mut Vm, (code, message): (u32, &str)) -> JsResult<T> {
    Err(business_error(vm, code, message))
}

fn new_task_id(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    Ok(Value::number(NEXT_ID.fetch_add(1, Ordering::Relaxed) as f64))
}

/// The module id and function index of a `@Concurrent` function, or None.
fn concurrent_target(vm: &Vm, f: Value) -> Option<(String, u32)> {
    let o = f.as_object()?;
    match &vm.heap.obj(o).kind {
        ObjectKind::Closure(c) if c.has(FunctionFlags::CONCURRENT) => {
            Some((vm.module_id(c.module), c.func))
        }
        _ => None,
    }
}

fn is_concurrent(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    Ok(Value::bool(concurrent_target(vm, arg(args, 0)).is_some()))
}

/// `register(taskId, name)` → a new execution id, listed as waiting on the host.
fn register(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let task_id = arg(args, 0).as_number().unwrap_or(0.0) as u64;
    let name = vm.js_str(arg(args, 1)).to_rust_string();
    let Some((rt, host)) = with_ctx(|c| (c.rt.clone(), c.id)) else {
        return Ok(Value::UNDEFINED);
    };
    let exec_id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    pool(&rt).lock().execs.insert(
        exec_id,
        Exec {
            task_id,
            name,
            host,
            phase: Phase::Host,
            cancel: Arc::new(AtomicBool::new(false)),
            sequence: None,
        },
    );
    Ok(Value::number(exec_id as f64))
}

/// The elements of a script array (empty for anything else).
fn array_items(vm: &Vm, v: Value) -> Vec<Value> {
    match v.as_object() {
        Some(o) if vm.is_array(v) => vm.heap.obj(o).elements.clone(),
        _ => Vec::new(),
    }
}

/// `submit(execId, func, args, transferList | undefined, cloneList | undefined, priority,
/// hasReceiver, sequenceName | undefined)`.
fn submit(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let exec_id = arg(args, 0).as_number().unwrap_or(0.0) as u64;
    let r = submit_exec(vm, exec_id, args);
    if r.is_err() {
        // The execution never started: nobody may find it any more.
        if let Some(rt) = with_ctx(|c| c.rt.clone()) {
            pool(&rt).lock().execs.remove(&exec_id);
        }
    }
    r
}

fn submit_exec(vm: &mut Vm, exec_id: u64, args: &[Value]) -> JsResult<Value> {
    let Some((module, func)) = concurrent_target(vm, arg(args, 1)) else {
        return throw(vm, NOT_CONCURRENT);
    };
    let transfer = arg(args, 3);
    let clone_list = array_items(vm, arg(args, 4));
    // The clone list copies its ArrayBuffers (never transferred) and its Sendables (never
    // shared).
    let msg = if transfer.is_undefined() {
        let policy = Transfer::AllExcept(&clone_list);
        clone::serialize_with_clone_list(vm, arg(args, 2), policy, &clone_list)
    } else {
        let mut listed = array_items(vm, transfer);
        listed.retain(|t| !clone_list.contains(t));
        let policy = Transfer::Listed(&listed);
        clone::serialize_with_clone_list(vm, arg(args, 2), policy, &clone_list)
    };
    let msg = match msg {
        Ok(Ok(m)) => m,
        Ok(Err(thrown)) => return Err(thrown),
        Err(_) => return throw(vm, SERIALIZE_ARGS),
    };
    let priority = arg(args, 5).as_number().unwrap_or(MEDIUM as f64);
    let priority = if (0.0..=3.0).contains(&priority) {
        priority as usize
    } else {
        MEDIUM
    };
    let sequence = match arg(args, 7) {
        v if v.is_string() => Some(vm.js_str(v).to_rust_string()),
        _ => None,
    };
    let Some((rt, host)) = with_ctx(|c| (c.rt.clone(), c.id)) else {
        return Ok(Value::UNDEFINED);
    };
    let p = pool(&rt);
    let cancel = match p.lock().execs.get(&exec_id) {
        Some(e) => e.cancel.clone(),
        None => return Ok(Value::FALSE),
    };
    let new = p.push(
        &rt,
        Job {
            exec_id,
            host,
            module,
            func,
            args: msg,
            priority,
            has_receiver: vm.to_boolean(arg(args, 6)),
            cancel,
            sequence,
        },
    );
    start_reserved(vm, &rt, new);
    Ok(Value::TRUE)
}

/// `sequenceRunner(name, priority)` → the runner's priority: a name seen before (on any
/// instance) keeps the priority it was created with.
fn sequence_runner(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let name = vm.js_str(arg(args, 0)).to_rust_string();
    let wanted = arg(args, 1).as_number().unwrap_or(MEDIUM as f64) as usize;
    let Some(rt) = with_ctx(|c| c.rt.clone()) else {
        return Ok(Value::number(wanted as f64));
    };
    let mut st = pool(&rt).lock();
    let seq = st.sequences.entry(name).or_insert_with(|| Sequence {
        priority: wanted.min(IDLE),
        ..Sequence::default()
    });
    Ok(Value::number(seq.priority as f64))
}

/// `cancelTask(taskId)`: cancels every execution of the task, wherever it is. Waiting ones are
/// dropped and their hosts told at once ("canceled"); running ones see `isCanceled()` and
/// report their outcome as cancelled. Returns how many executions were found.
fn cancel_task(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let task_id = arg(args, 0).as_number().unwrap_or(-1.0);
    let Some(rt) = with_ctx(|c| c.rt.clone()) else {
        return Ok(Value::number(0.0));
    };
    let _ = vm;
    let p = pool(&rt);
    let mut notify = Vec::new();
    let mut found = 0;
    {
        let mut st = p.lock();
        let ids: Vec<u64> = st
            .execs
            .iter()
            .filter(|(_, e)| e.task_id as f64 == task_id)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(e) = st.execs.get_mut(&id) else {
                continue;
            };
            found += 1;
            e.cancel.store(true, Ordering::SeqCst);
            if !matches!(e.phase, Phase::Running { .. }) {
                notify.push((e.host, id));
                // A queued job stays in its queue; the thread that takes it drops it.
                st.execs.remove(&id);
            }
        }
    }
    for (host, id) in notify {
        rt.post(
            host,
            Box::new(move |vm: &mut Vm| dispatch(vm, "canceled", id, Value::UNDEFINED, None)),
        );
    }
    Ok(Value::number(found as f64))
}

fn is_canceled(_vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let c = with_local(|l| {
        l.current
            .as_ref()
            .is_some_and(|c| c.cancel.load(Ordering::SeqCst))
    });
    Ok(Value::bool(c.unwrap_or(false)))
}

/// `sendData(argsArray)` inside a running task: calls the task's `onReceiveData` callback on
/// the host with these arguments.
fn send_data(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let Some(cur) = with_local(|l| {
        l.current
            .as_ref()
            .map(|c| (c.exec_id, c.host, c.has_receiver))
    }) else {
        return throw(vm, NOT_IN_POOL);
    };
    let Some((exec_id, host, has_receiver)) = cur else {
        return throw(vm, NOT_IN_TASK);
    };
    if !has_receiver {
        return throw(vm, NO_RECEIVER);
    }
    let msg = match clone::serialize_with(vm, arg(args, 0), Transfer::AllExcept(&[])) {
        Ok(Ok(m)) => m,
        Ok(Err(thrown)) => return Err(thrown),
        Err(_) => return throw(
            vm,
            (
                10200006,
                "An exception occurred during serialization, taskpool: failed to serialize data.",
            ),
        ),
    };
    if let Some(rt) = with_ctx(|c| c.rt.clone()) {
        rt.post(
            host,
            Box::new(move |vm: &mut Vm| {
                let v = clone::deserialize(vm, msg)?;
                dispatch(vm, "data", exec_id, v, None)
            }),
        );
    }
    Ok(Value::UNDEFINED)
}

/// `poolInfo()` → `{ threadInfos, taskInfos }` of the whole process.
fn pool_info(vm: &mut Vm, _this: Value, _args: &[Value]) -> JsResult<Value> {
    let Some(rt) = with_ctx(|c| c.rt.clone()) else {
        return Ok(Value::UNDEFINED);
    };
    struct T {
        tid: u64,
        running: Option<u64>,
    }
    struct E {
        task_id: u64,
        name: String,
        state: u8,
        duration: f64,
    }
    let (threads, execs) = {
        let st = pool(&rt).lock();
        let threads: Vec<T> = st
            .threads
            .iter()
            .filter(|t| t.instance != InstanceId::MAX)
            .map(|t| T {
                tid: t.instance,
                running: t.running.and_then(|e| st.execs.get(&e)).map(|e| e.task_id),
            })
            .collect();
        let execs: Vec<E> = st
            .execs
            .values()
            .map(|e| {
                let (state, duration) = match e.phase {
                    Phase::Running { since, .. } => (2, since.elapsed().as_secs_f64() * 1000.0),
                    _ if e.cancel.load(Ordering::SeqCst) => (3, 0.0),
                    _ => (1, 0.0),
                };
                E {
                    task_id: e.task_id,
                    name: e.name.clone(),
                    state,
                    duration,
                }
            })
            .collect();
        (threads, execs)
    };
    let base = vm.handles.len();
    let mut thread_objs = Vec::new();
    for t in threads {
        let o = vm.new_object();
        vm.handles.push(Value::object(o));
        put(vm, o, "tid", Value::number(t.tid as f64));
        let ids: Vec<Value> = t
            .running
            .map(|id| Value::number(id as f64))
            .into_iter()
            .collect();
        let ids = vm.new_array_value(ids);
        put(vm, o, "taskIds", ids);
        put(vm, o, "priority", Value::number(MEDIUM as f64));
        thread_objs.push(Value::object(o));
    }
    let mut task_objs = Vec::new();
    for e in execs {
        let o = vm.new_object();
        vm.handles.push(Value::object(o));
        let name = vm.str_val(&e.name);
        put(vm, o, "name", name);
        put(vm, o, "taskId", Value::number(e.task_id as f64));
        put(vm, o, "state", Value::number(e.state as f64));
        put(vm, o, "duration", Value::number(e.duration.floor()));
        task_objs.push(Value::object(o));
    }
    let info = vm.new_object();
    vm.handles.push(Value::object(info));
    let threads = vm.new_array_value(thread_objs);
    put(vm, info, "threadInfos", threads);
    let tasks = vm.new_array_value(task_objs);
    put(vm, info, "taskInfos", tasks);
    vm.handles.truncate(base);
    Ok(Value::object(info))
}

fn put(vm: &mut Vm, o: skiff_vm::value::ObjRef, name: &str, v: Value) {
    vm.heap.obj_mut(o).put_raw(
        PropKey::from_str(name),
        v,
        ATTR_ENUMERABLE | skiff_vm::shape::ATTR_WRITABLE,
    );
}

// ----- delivery on the host ---------------------------------------------------------------------

fn set_dispatcher(vm: &mut Vm, _this: Value, args: &[Value]) -> JsResult<Value> {
    let key = crate::worker::install_dispatcher(vm, "skiff.taskpoolDispatch", arg(args, 0));
    with_ctx(|c| c.taskpool_dispatcher = Some(key));
    Ok(Value::UNDEFINED)
}

/// Calls the script dispatcher with `(kind, execId, data, totalMs, cpuMs)`.
fn dispatch(
    vm: &mut Vm,
    kind: &str,
    exec_id: u64,
    data: Value,
    durations: Option<(f64, f64)>,
) -> JsResult<()> {
    let Some(key) = with_ctx(|c| c.taskpool_dispatcher).flatten() else {
        return Ok(());
    };
    let (total, cpu) = durations.unwrap_or((0.0, 0.0));
    let rest = [
        Value::number(exec_id as f64),
        data,
        Value::number(total),
        Value::number(cpu),
    ];
    crate::worker::call_dispatcher(vm, key, kind, &rest)
}

// ----- the script part --------------------------------------------------------------------------

/// The exports of `skiff:taskpool` (the script part), loaded once per VM.
fn script_exports(vm: &mut Vm) -> JsResult<Value> {
    let m = match vm.load_graph("skiff:taskpool", None) {
        Ok(m) => m,
        Err(message) => return Err(vm.make_error(vm.realm.error_proto, &message)),
    };
    vm.evaluate_module(m)?;
    vm.namespace_of(m)
}

fn script_export(vm: &mut Vm, name: &str) -> JsResult<Value> {
    let ns = script_exports(vm)?;
    vm.get_str(ns, name)
}

/// Adds `taskpool` to `@kit.ArkTS`.
pub fn contribute_kit(vm: &mut Vm, kit: skiff_vm::value::ObjRef) -> JsResult<()> {
    let tp = script_export(vm, "taskpool")?;
    vm.heap
        .obj_mut(kit)
        .put_raw(PropKey::from_str("taskpool"), tp, ATTR_ENUMERABLE);
    Ok(())
}

/// `@ohos.taskpool`: `import taskpool from '@ohos.taskpool'`.
pub fn ohos_taskpool(vm: &mut Vm) -> JsResult<Value> {
    let tp = script_export(vm, "taskpool")?;
    let o = vm.new_object();
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("default"), tp, ATTR_ENUMERABLE);
    vm.heap
        .obj_mut(o)
        .put_raw(PropKey::from_str("taskpool"), tp, ATTR_ENUMERABLE);
    Ok(Value::object(o))
}
