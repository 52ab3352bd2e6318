//! The per-instance event loop: a microtask queue (promise jobs, `queueMicrotask`), a timer
//! heap (`setTimeout`/`setInterval`), and an inbound channel on which other threads post
//! macrotasks (messages, task results) through a [`LoopSender`].

use crate::value::Value;
use crate::vm::Vm;
use crossbeam_channel::{Receiver, Sender};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

/// A microtask.
pub enum Job {
    /// Run a promise reaction: handler (or undefined for pass-through), the derived promise's
    /// resolving functions, the argument, and whether it is a rejection.
    Reaction {
        handler: Value,
        capability: Option<(Value, Value, Value)>,
        arg: Value,
        reject: bool,
    },
    /// NewPromiseResolveThenableJob.
    ResolveThenable {
        promise: Value,
        thenable: Value,
        then: Value,
    },
    /// `queueMicrotask(f)`.
    Callback(Value),
    /// Resume a suspended async function/generator with a settled value.
    Resume {
        gen: Value,
        value: Value,
        throw: bool,
    },
}

impl Job {
    fn trace(&self, out: &mut Vec<Value>) {
        match self {
            Job::Reaction {
                handler,
                capability,
                arg,
                ..
            } => {
                out.push(*handler);
                out.push(*arg);
                if let Some((a, b, c)) = capability {
                    out.extend([*a, *b, *c]);
                }
            }
            Job::ResolveThenable {
                promise,
                thenable,
                then,
            } => out.extend([*promise, *thenable, *then]),
            Job::Callback(f) => out.push(*f),
            Job::Resume { gen, value, .. } => out.extend([*gen, *value]),
        }
    }
}

/// A macrotask posted from another thread. It runs on the VM's thread.
pub type RemoteTask = Box<dyn FnOnce(&mut Vm) -> crate::JsResult<()> + Send>;

/// Posts a macrotask to one VM from any thread; false when that VM is gone. The embedder
/// installs it ([`EventLoop::set_poster`]) when posting must do more than fill the channel,
/// e.g. wake an instance that sleeps outside its loop and keep process-exit bookkeeping right.
pub type Poster = std::sync::Arc<dyn Fn(RemoteTask) -> bool + Send + Sync>;

/// Cloneable, `Send` handle for posting macrotasks to a VM's loop from any thread.
#[derive(Clone)]
pub struct LoopSender {
    tx: Sender<RemoteTask>,
}

impl LoopSender {
    /// Posts a task; returns false when the loop is gone.
    pub fn post(&self, task: RemoteTask) -> bool {
        self.tx.send(task).is_ok()
    }
}

pub struct Timer {
    pub callback: Value,
    pub args: Vec<Value>,
    pub interval: Option<Duration>,
}

pub struct EventLoop {
    pub microtasks: VecDeque<Job>,
    pub timers: FxHashMap<u32, Timer>,
    pub timer_heap: BinaryHeap<Reverse<(Instant, u64, u32)>>,
    next_timer: u32,
    seq: u64,
    rx: Receiver<RemoteTask>,
    tx: Sender<RemoteTask>,
    /// Outstanding reasons to wait for remote tasks (pending task results, live workers that
    /// keep the instance alive, ...). The loop blocks on the channel only while this is > 0.
    pub keep_alive: usize,
    poster: Option<Poster>,
    /// Rejected promises that had no handler at the time of rejection, in order.
    pub unhandled: Vec<Value>,
}

impl Default for EventLoop {
    fn default() -> Self {
        Self::new()
    }
}

impl EventLoop {
    /// True when another thread posted something not yet received (usable while parked).
    pub fn has_messages(&self) -> bool {
        !self.rx.is_empty()
    }

    pub fn new() -> EventLoop {
        let (tx, rx) = crossbeam_channel::unbounded();
        EventLoop {
            microtasks: VecDeque::new(),
            timers: FxHashMap::default(),
            timer_heap: BinaryHeap::new(),
            next_timer: 1,
            seq: 0,
            rx,
            tx,
            keep_alive: 0,
            poster: None,
            unhandled: Vec::new(),
        }
    }

    /// How other threads post to this VM: the embedder's poster, or the bare channel. Natives
    /// whose completion arrives from another thread (a lock grant, a condition variable
    /// notification) must use this rather than [`EventLoop::sender`].
    pub fn poster(&self) -> Poster {
        match &self.poster {
            Some(p) => p.clone(),
            None => {
                let sender = self.sender();
                std::sync::Arc::new(move |task| sender.post(task))
            }
        }
    }

    pub fn set_poster(&mut self, poster: Poster) {
        self.poster = Some(poster);
    }

    pub fn sender(&self) -> LoopSender {
        LoopSender {
            tx: self.tx.clone(),
        }
    }

    pub fn enqueue(&mut self, job: Job) {
        self.microtasks.push_back(job);
    }

    pub fn add_timer(
        &mut self,
        callback: Value,
        args: Vec<Value>,
        delay: Duration,
        repeat: bool,
    ) -> u32 {
        let id = self.next_timer;
        self.next_timer = self.next_timer.wrapping_add(1).max(1);
        self.timers.insert(
            id,
            Timer {
                callback,
                args,
                interval: if repeat { Some(delay) } else { None },
            },
        );
        self.seq += 1;
        self.timer_heap
            .push(Reverse((Instant::now() + delay, self.seq, id)));
        id
    }

    pub fn clear_timer(&mut self, id: u32) {
        self.timers.remove(&id);
    }

    /// Cancels every timer (the REPL, after Ctrl+C interrupted a line).
    pub fn clear_timers(&mut self) {
        self.timers.clear();
        self.timer_heap.clear();
    }

    fn rearm(&mut self, id: u32, delay: Duration) {
        self.seq += 1;
        self.timer_heap
            .push(Reverse((Instant::now() + delay, self.seq, id)));
    }

    pub fn trace(&self, out: &mut Vec<Value>) {
        for j in &self.microtasks {
            j.trace(out);
        }
        for t in self.timers.values() {
            out.push(t.callback);
            out.extend_from_slice(&t.args);
        }
        out.extend_from_slice(&self.unhandled);
    }

    /// Pops the next due timer (dropping cancelled entries).
    fn next_due(&mut self, now: Instant) -> Option<u32> {
        while let Some(Reverse((t, _, id))) = self.timer_heap.peek().copied() {
            if !self.timers.contains_key(&id) {
                self.timer_heap.pop();
                continue;
            }
            if t <= now {
                self.timer_heap.pop();
                return Some(id);
            }
            return None;
        }
        None
    }

    fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((t, _, id))) = self.timer_heap.peek().copied() {
            if self.timers.contains_key(&id) {
                return Some(t);
            }
            self.timer_heap.pop();
        }
        None
    }
}

impl Vm {
    /// Runs every queued microtask (including those queued meanwhile).
    pub fn run_microtasks(&mut self) -> crate::JsResult<()> {
        while let Some(job) = self.event_loop.microtasks.pop_front() {
            crate::builtins::promise::run_job(self, job)?;
            self.maybe_gc();
        }
        Ok(())
    }

    /// Checks for promises rejected without a handler after a microtask checkpoint; returns the
    /// first such reason as an uncaught error.
    fn check_unhandled(&mut self) -> crate::JsResult<()> {
        let list = std::mem::take(&mut self.event_loop.unhandled);
        for p in list {
            if let Some(crate::object::ObjectKind::Promise(d)) =
                self.heap.try_obj(p).map(|o| &o.kind)
            {
                if !d.handled {
                    return Err(d.result);
                }
            }
        }
        Ok(())
    }

    /// Runs the event loop until nothing is pending. Returns the first uncaught error.
    pub fn run_event_loop(&mut self) -> crate::JsResult<()> {
        loop {
            self.run_microtasks()?;
            self.check_unhandled()?;
            if self.terminating {
                return Err(crate::vm::TERMINATION);
            }
            // An interrupt (Ctrl+C in the REPL) also stops a loop of timers whose callbacks
            // never reach a safepoint of their own.
            let interrupt = crate::vm::attention::INTERRUPT;
            if self.poll_attention() & interrupt != 0 {
                self.attention
                    .fetch_and(!interrupt, std::sync::atomic::Ordering::Relaxed);
                return Err(self.make_error(self.realm.error_proto, "Interrupted"));
            }
            self.shared_turn();
            let now = Instant::now();
            if let Some(id) = self.event_loop.next_due(now) {
                self.run_timer(id)?;
                continue;
            }
            if let Ok(task) = self.event_loop.rx.try_recv() {
                task(self)?;
                continue;
            }
            let deadline = self.event_loop.next_deadline();
            if deadline.is_some() || self.event_loop.keep_alive > 0 {
                self.before_park();
            }
            match deadline {
                Some(d) => {
                    let wait = d.saturating_duration_since(Instant::now());
                    let rx = &self.event_loop.rx;
                    let received = self.sendable.parked(|| rx.recv_timeout(wait));
                    if let Ok(task) = received {
                        task(self)?;
                    }
                }
                None if self.event_loop.keep_alive > 0 => {
                    let rx = &self.event_loop.rx;
                    let received = self.sendable.parked(|| rx.recv());
                    if let Ok(task) = received {
                        task(self)?;
                    }
                }
                None => return Ok(()),
            }
        }
    }

    fn run_timer(&mut self, id: u32) -> crate::JsResult<()> {
        let Some(t) = self.event_loop.timers.get(&id) else {
            return Ok(());
        };
        let (f, args, interval) = (t.callback, t.args.clone(), t.interval);
        match interval {
            Some(d) => self.event_loop.rearm(id, d),
            None => {
                self.event_loop.timers.remove(&id);
            }
        }
        let hm = self.handles.len();
        self.handles.push(f);
        self.handles.extend_from_slice(&args);
        let r = self.call(f, Value::UNDEFINED, &args);
        self.handles.truncate(hm);
        r.map(|_| ())
    }

    /// Whether any macrotask or microtask is pending.
    pub fn has_pending_work(&mut self) -> bool {
        !self.event_loop.microtasks.is_empty()
            || self.event_loop.next_deadline().is_some()
            || self.event_loop.keep_alive > 0
            || !self.event_loop.rx.is_empty()
    }
}
