//! The process-wide shared heap: a segmented slab of cells, mutator handles, and the
//! stop-the-world mark-sweep collector.
//!
//! # Memory safety without `unsafe`
//!
//! The slab lives behind one `RwLock` (the *mutator lock*). A running instance holds a read
//! guard inside its [`Mutator`] and borrows cells from it, so a `&Cell` can never outlive the
//! guard; dropping the guard (at a safepoint or when parking) needs `&mut Mutator`, which the
//! borrow checker refuses while any cell borrow is alive. The collector takes the write lock,
//! which gives it `&mut` to the slab and lets it empty dead slots with `OnceLock::take`.
//!
//! Slots are `OnceLock<Cell>` in chunks that never move: chunk `k` holds `4096 << k` slots, so
//! 21 chunks cover every `u32` index and growing the slab never relocates a cell. Installing a
//! cell into an empty slot needs only `&self` (`OnceLock::set`), so many threads allocate
//! concurrently under their read guards.

use crate::array::SendableArray;
use crate::bitvector::BitVector;
use crate::buffer::{SendableArrayBuffer, SendableTypedArray};
use crate::class::{SendableClass, WordKind};
use crate::condvar::{ConditionVariable, CondvarRegistry};
use crate::error::{SharedError, SharedResult};
use crate::lock::{AsyncLock, LockRegistry};
use crate::map::{MapKey, SendableMap, SendableSet};
use crate::module::ModuleRegistry;
use crate::object::{Native, SendableObject, SharedEnv, SharedFunction};
use crate::string::SharedStr;
use crate::word::{SharedRef, SharedWord};
use num_bigint::BigInt;
use rustc_hash::FxHashMap;
use std::cell::Cell as StdCell;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard};

const FIRST_CHUNK_BITS: u32 = 12;
const CHUNKS: usize = 21;
/// How many slot indices a mutator takes from the shared free list at once.
const ALLOC_BATCH: u32 = 64;
/// Entries of a mutator's duplicate filter for its root log.
const LOG_FILTER: usize = 256;
/// The smallest root log (and published set) that is worth deduplicating.
const LOG_COMPACT_MIN: usize = 4096;

/// A shared-heap cell.
#[derive(Debug)]
pub enum Cell {
    /// An instance of a `@Sendable` class.
    Object(SendableObject),
    /// A string that entered the shared heap.
    Str(SharedStr),
    /// A BigInt that entered the shared heap.
    BigInt(BigInt),
    Array(Arc<SendableArray>),
    Map(Arc<SendableMap>),
    Set(Arc<SendableSet>),
    ArrayBuffer(Arc<SendableArrayBuffer>),
    TypedArray(Arc<SendableTypedArray>),
    BitVector(Arc<BitVector>),
    AsyncLock(Arc<AsyncLock>),
    ConditionVariable(Arc<ConditionVariable>),
    /// A Sendable function: code identity plus a shared environment.
    Function(SharedFunction),
    /// A Sendable lexical environment.
    Env(SharedEnv),
}

// Slots are allocated a chunk at a time, so the cell size is the heap's per-object overhead:
// keep it small (large payloads live behind `Box`/`Arc`).
const _: () = assert!(std::mem::size_of::<Cell>() <= 48);

impl Cell {
    /// Pushes the slots this cell references (the collector's edges).
    pub fn trace(&self, out: &mut Vec<u32>) {
        match self {
            Cell::Object(o) => o.trace(out),
            Cell::Array(a) => a.trace(out),
            Cell::Map(m) => m.trace(out),
            Cell::Set(s) => s.trace(out),
            Cell::TypedArray(t) => out.push(t.buffer_ref().0),
            Cell::Function(f) => out.extend(f.env.map(|r| r.0)),
            Cell::Env(e) => e.trace(out),
            Cell::Str(_)
            | Cell::BigInt(_)
            | Cell::ArrayBuffer(_)
            | Cell::BitVector(_)
            | Cell::AsyncLock(_)
            | Cell::ConditionVariable(_) => {}
        }
    }
}

fn locate(i: u32) -> (usize, usize) {
    let j = (u64::from(i) >> FIRST_CHUNK_BITS) + 1;
    let k = 63 - j.leading_zeros();
    let start = ((1u64 << k) - 1) << FIRST_CHUNK_BITS;
    (k as usize, (u64::from(i) - start) as usize)
}

fn chunk_start(k: usize) -> u64 {
    ((1u64 << k) - 1) << FIRST_CHUNK_BITS
}

/// The slab seen through a mutator's read guard: every cell lookup goes through this type.
pub struct HeapView {
    chunks: [OnceLock<Box<[OnceLock<Cell>]>>; CHUNKS],
}

impl HeapView {
    fn new() -> HeapView {
        HeapView {
            chunks: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// The cell in a slot, or `None` for a free slot (which a correct program never names).
    #[inline]
    pub fn get(&self, r: SharedRef) -> Option<&Cell> {
        let (k, off) = locate(r.0);
        self.chunks[k].get()?.get(off)?.get()
    }

    fn install(&self, i: u32, cell: Cell) -> SharedResult<()> {
        let (k, off) = locate(i);
        let chunk = self.chunks[k].get_or_init(|| {
            (0..(1usize << (FIRST_CHUNK_BITS as usize + k)))
                .map(|_| OnceLock::new())
                .collect()
        });
        match chunk.get(off) {
            Some(slot) => slot
                .set(cell)
                .map_err(|_| SharedError::Range("Shared heap slot reused while live".into())),
            None => Err(SharedError::Range("Shared heap slot out of range".into())),
        }
    }

    /// The cell behind a word, if the word is a reference.
    #[inline]
    pub fn cell_of(&self, w: SharedWord) -> Option<&Cell> {
        self.get(w.as_ref()?)
    }

    /// The kind of a word as the Sendable field type check sees it.
    pub fn kind_of(&self, w: SharedWord) -> WordKind {
        if w.is_number() {
            return WordKind::Number;
        }
        match w {
            SharedWord::UNDEFINED => return WordKind::Undefined,
            SharedWord::NULL => return WordKind::Null,
            SharedWord::TRUE | SharedWord::FALSE => return WordKind::Boolean,
            _ => {}
        }
        match self.cell_of(w) {
            Some(Cell::Str(_)) => WordKind::String,
            Some(Cell::BigInt(_)) => WordKind::BigInt,
            // A dangling reference (impossible if roots are published correctly) is treated as
            // an object so the check stays total.
            _ => WordKind::Sendable,
        }
    }

    pub fn object(&self, r: SharedRef) -> Option<&SendableObject> {
        match self.get(r)? {
            Cell::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn str(&self, r: SharedRef) -> Option<&SharedStr> {
        match self.get(r)? {
            Cell::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn bigint(&self, r: SharedRef) -> Option<&BigInt> {
        match self.get(r)? {
            Cell::BigInt(b) => Some(b),
            _ => None,
        }
    }

    fn native(&self, r: SharedRef) -> Option<&Native> {
        match self.get(r)? {
            Cell::Object(o) => o.native(),
            _ => None,
        }
    }

    /// A SendableArray, or an instance of a Sendable subclass of SendableArray.
    pub fn array(&self, r: SharedRef) -> Option<&Arc<SendableArray>> {
        match self.get(r)? {
            Cell::Array(a) => Some(a),
            _ => match self.native(r)? {
                Native::Array(a) => Some(a),
                _ => None,
            },
        }
    }

    /// A SendableMap, or an instance of a Sendable subclass of SendableMap.
    pub fn map(&self, r: SharedRef) -> Option<&Arc<SendableMap>> {
        match self.get(r)? {
            Cell::Map(m) => Some(m),
            _ => match self.native(r)? {
                Native::Map(m) => Some(m),
                _ => None,
            },
        }
    }

    /// A SendableSet, or an instance of a Sendable subclass of SendableSet.
    pub fn set(&self, r: SharedRef) -> Option<&Arc<SendableSet>> {
        match self.get(r)? {
            Cell::Set(s) => Some(s),
            _ => match self.native(r)? {
                Native::Set(s) => Some(s),
                _ => None,
            },
        }
    }

    pub fn array_buffer(&self, r: SharedRef) -> Option<&Arc<SendableArrayBuffer>> {
        match self.get(r)? {
            Cell::ArrayBuffer(b) => Some(b),
            _ => None,
        }
    }

    pub fn typed_array(&self, r: SharedRef) -> Option<&Arc<SendableTypedArray>> {
        match self.get(r)? {
            Cell::TypedArray(t) => Some(t),
            _ => None,
        }
    }

    /// A BitVector, or an instance of a Sendable subclass of BitVector.
    pub fn bit_vector(&self, r: SharedRef) -> Option<&Arc<BitVector>> {
        match self.get(r)? {
            Cell::BitVector(b) => Some(b),
            _ => match self.native(r)? {
                Native::BitVector(b) => Some(b),
                _ => None,
            },
        }
    }

    pub fn async_lock(&self, r: SharedRef) -> Option<&Arc<AsyncLock>> {
        match self.get(r)? {
            Cell::AsyncLock(l) => Some(l),
            _ => None,
        }
    }

    pub fn condition_variable(&self, r: SharedRef) -> Option<&Arc<ConditionVariable>> {
        match self.get(r)? {
            Cell::ConditionVariable(c) => Some(c),
            _ => None,
        }
    }

    pub fn function(&self, r: SharedRef) -> Option<&SharedFunction> {
        match self.get(r)? {
            Cell::Function(f) => Some(f),
            _ => None,
        }
    }

    pub fn env(&self, r: SharedRef) -> Option<&SharedEnv> {
        match self.get(r)? {
            Cell::Env(e) => Some(e),
            _ => None,
        }
    }

    /// The key under which a word is stored in a SendableMap or SendableSet (SameValueZero:
    /// strings and BigInts by content, -0 as +0, NaN as NaN, other references by identity).
    pub fn map_key(&self, w: SharedWord) -> MapKey {
        if let Some(n) = w.as_number() {
            return MapKey::Number(if n == 0.0 {
                0
            } else {
                SharedWord::number(n).bits()
            });
        }
        match w.as_ref() {
            None => MapKey::Special(w.bits()),
            Some(r) => match self.get(r) {
                Some(Cell::Str(s)) => MapKey::Str(s.clone()),
                Some(Cell::BigInt(b)) => MapKey::BigInt(b.clone()),
                _ => MapKey::Ref(r.0),
            },
        }
    }

    /// SameValueZero (`includes`, Map and Set keys).
    pub fn same_value_zero(&self, a: SharedWord, b: SharedWord) -> bool {
        a == b || self.map_key(a) == self.map_key(b)
    }

    /// `===` (`indexOf`): like SameValueZero except that NaN differs from itself.
    pub fn strict_equals(&self, a: SharedWord, b: SharedWord) -> bool {
        if let (Some(x), Some(y)) = (a.as_number(), b.as_number()) {
            return x == y;
        }
        self.same_value_zero(a, b)
    }

    /// The number of occupied slots, by scanning (tests and diagnostics; O(slots)).
    pub fn count_occupied(&self) -> usize {
        self.chunks
            .iter()
            .filter_map(|c| c.get())
            .map(|c| c.iter().filter(|s| s.get().is_some()).count())
            .sum()
    }
}

/// Tuning of the collector.
#[derive(Copy, Clone, Debug)]
pub struct HeapConfig {
    /// A collection is requested once this many cells were allocated since the last one, or
    /// as many as survived it, whichever is larger.
    pub min_gc_cells: usize,
}

impl Default for HeapConfig {
    fn default() -> Self {
        HeapConfig {
            min_gc_cells: 64 * 1024,
        }
    }
}

/// Counters for tests, benchmarks and `--stat` output.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Completed collections.
    pub collections: u64,
    /// Cells that survived the last collection.
    pub live_after_last_gc: usize,
    /// Cells freed by the last collection.
    pub freed_by_last_gc: usize,
    /// Cells allocated since the last collection (approximate: mutators report in batches).
    pub allocated_since_gc: usize,
    /// The slab's high-water mark: slot indices ever handed out. Bounded iff memory is.
    pub slots_high_water: u32,
    /// How long the last collection held the world stopped (write lock held), in microseconds.
    pub last_pause_micros: u64,
}

/// What each registered instance shares with the collector.
struct MutatorShared {
    roots: Mutex<Vec<SharedRef>>,
    hook: Option<Arc<dyn Fn() + Send + Sync>>,
}

#[derive(Default)]
struct GcCtl {
    collecting: bool,
    epoch: u64,
    stats: HeapStats,
}

thread_local! {
    /// How many mutator read guards this thread holds; a thread that holds one must not wait
    /// for the write lock (it would wait for itself).
    static GUARDS_HELD: StdCell<u32> = const { StdCell::new(0) };
}

static GLOBAL_HEAP: OnceLock<SharedHeap> = OnceLock::new();

/// `SKIFF_GC_STRESS=N`: request a collection every N allocations of each instance, whatever
/// the heap's size (for tests hunting missing roots).
fn gc_stress() -> Option<u32> {
    static STRESS: OnceLock<Option<u32>> = OnceLock::new();
    *STRESS.get_or_init(|| {
        std::env::var("SKIFF_GC_STRESS")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .map(|n| n.max(1))
    })
}

/// `SKIFF_GC_DEBUG` set: every collection prints one line on stderr (for tuning and benchmarks).
fn debug_collections() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("SKIFF_GC_DEBUG").is_some())
}
static GLOBAL_CONFIG: OnceLock<HeapConfig> = OnceLock::new();

/// The shared heap. There is one per process ([`SharedHeap::global`]); tests make their own.
pub struct SharedHeap {
    slab: RwLock<HeapView>,
    free: Mutex<Vec<u32>>,
    next: AtomicU64,
    gc_requested: AtomicBool,
    ctl: Mutex<GcCtl>,
    ctl_cv: Condvar,
    mutators: Mutex<BTreeMap<u64, Arc<MutatorShared>>>,
    next_mutator: AtomicU64,
    pins: Mutex<FxHashMap<u32, u32>>,
    global_roots: Mutex<BTreeMap<String, Vec<SharedRef>>>,
    pub(crate) locks: LockRegistry,
    pub(crate) condvars: CondvarRegistry,
    pub(crate) modules: ModuleRegistry,
    allocated_since_gc: AtomicUsize,
    live_after_gc: AtomicUsize,
    config: HeapConfig,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these mutexes leaves plain data behind, never a broken
    // invariant that later users could trip on, so poisoning is ignored.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SharedHeap {
    /// The process-wide heap.
    pub fn global() -> &'static SharedHeap {
        GLOBAL_HEAP
            .get_or_init(|| SharedHeap::build(GLOBAL_CONFIG.get().copied().unwrap_or_default()))
    }

    /// Sets the process-wide heap's configuration (from command-line options, say). Only works
    /// before the first use of [`SharedHeap::global`]; returns whether it was applied.
    pub fn configure_global(config: HeapConfig) -> bool {
        GLOBAL_CONFIG.set(config).is_ok() && GLOBAL_HEAP.get().is_none()
    }

    /// A separate heap that lives for the rest of the process (tests, embedders). It is leaked
    /// on purpose: mutators hold `'static` guards into it.
    pub fn leak_new(config: HeapConfig) -> &'static SharedHeap {
        Box::leak(Box::new(SharedHeap::build(config)))
    }

    fn build(config: HeapConfig) -> SharedHeap {
        SharedHeap {
            slab: RwLock::new(HeapView::new()),
            free: Mutex::new(Vec::new()),
            next: AtomicU64::new(0),
            gc_requested: AtomicBool::new(false),
            ctl: Mutex::new(GcCtl::default()),
            ctl_cv: Condvar::new(),
            mutators: Mutex::new(BTreeMap::new()),
            next_mutator: AtomicU64::new(1),
            pins: Mutex::new(FxHashMap::default()),
            global_roots: Mutex::new(BTreeMap::new()),
            locks: LockRegistry::default(),
            condvars: CondvarRegistry::default(),
            modules: ModuleRegistry::default(),
            allocated_since_gc: AtomicUsize::new(0),
            live_after_gc: AtomicUsize::new(0),
            config,
        }
    }

    /// Registers an instance and enters the running state (holding a read guard).
    ///
    /// `on_gc_request` is called (from any thread) when a collection is requested; the VM uses
    /// it to set its attention flag so that it reaches a safepoint soon.
    ///
    /// Register at most one running mutator per thread: a thread that already holds a read
    /// guard and asks for another can deadlock against a collector waiting for the write lock.
    pub fn register(&'static self, on_gc_request: Option<Arc<dyn Fn() + Send + Sync>>) -> Mutator {
        let id = self.next_mutator.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(MutatorShared {
            roots: Mutex::new(Vec::new()),
            hook: on_gc_request,
        });
        lock(&self.mutators).insert(id, shared.clone());
        let mut m = Mutator {
            heap: self,
            guard: None,
            shared,
            id,
            cache: Vec::new(),
            unreported: 0,
            log: Vec::new(),
            filter: Box::new([0; LOG_FILTER]),
            compact_at: LOG_COMPACT_MIN,
            published_compact_at: LOG_COMPACT_MIN,
        };
        m.acquire();
        m
    }

    /// True once a collection has been requested and not yet run. Cheap (one relaxed load):
    /// the VM may poll it at its attention checks instead of installing a hook.
    #[inline]
    pub fn gc_requested(&self) -> bool {
        self.gc_requested.load(Ordering::Relaxed)
    }

    /// Asks every instance to come to a safepoint; the first one there collects.
    pub fn request_gc(&self) {
        if !self.gc_requested.swap(true, Ordering::AcqRel) {
            let hooks: Vec<_> = lock(&self.mutators)
                .values()
                .filter_map(|m| m.hook.clone())
                .collect();
            for h in hooks {
                h();
            }
        }
    }

    /// Unpins a reference pinned with [`Mutator::pin`] (callable from any thread, e.g. after a
    /// message carrying it was decoded or dropped).
    pub fn unpin(&self, r: SharedRef) {
        let mut pins = lock(&self.pins);
        if let Some(n) = pins.get_mut(&r.0) {
            *n -= 1;
            if *n == 0 {
                pins.remove(&r.0);
            }
        }
    }

    /// Replaces the named group of permanent roots (shared-module exports, for example).
    /// An empty list removes the group.
    pub fn set_global_roots(&self, name: &str, refs: Vec<SharedRef>) {
        let mut g = lock(&self.global_roots);
        if refs.is_empty() {
            g.remove(name);
        } else {
            g.insert(name.to_string(), refs);
        }
    }

    /// Counters.
    pub fn stats(&self) -> HeapStats {
        let mut s = lock(&self.ctl).stats;
        s.allocated_since_gc = self.allocated_since_gc.load(Ordering::Relaxed);
        s.slots_high_water = self.next.load(Ordering::Relaxed).min(u64::from(u32::MAX)) as u32;
        s
    }

    /// Runs a collection from a thread that holds no mutator guard (a collector daemon, a test,
    /// the runtime at exit). It waits until every registered instance is at a safepoint or
    /// parked. Returns `None`, without collecting, when called on a thread that holds a guard
    /// (use [`Mutator::collect`] there), because waiting would deadlock.
    pub fn collect(&self) -> Option<HeapStats> {
        self.collect_inner(true)
    }

    /// Joins a running collection, or runs one. With `force == false` (a safepoint answering
    /// a request), a request that another instance already served is not served twice.
    fn collect_inner(&self, force: bool) -> Option<HeapStats> {
        if GUARDS_HELD.with(|g| g.get()) > 0 {
            return None;
        }
        let mut ctl = lock(&self.ctl);
        if ctl.collecting {
            // Someone else is collecting: wait for that cycle, which covers our request.
            let epoch = ctl.epoch;
            while ctl.epoch == epoch {
                ctl = self.ctl_cv.wait(ctl).unwrap_or_else(|e| e.into_inner());
            }
            return Some(ctl.stats);
        }
        // The previous collector cleared the request before it released `ctl`, so under `ctl`
        // a set flag is a request nobody has served yet.
        if !force && !self.gc_requested.load(Ordering::Acquire) {
            return Some(ctl.stats);
        }
        ctl.collecting = true;
        drop(ctl);
        // The request is (re-)raised only now that this thread owns the collector role: no
        // earlier collector can clear it any more, so every running instance is sure to see
        // it at its next safepoint. (Raising it before taking the role let a finishing
        // collector clear it in between, and the new collector then waited for instances
        // that never stopped.)
        self.request_gc();

        let mut slab = self.slab.write().unwrap_or_else(|e| e.into_inner());
        let started = std::time::Instant::now();
        let (garbage, mut stats) = self.mark_sweep(&mut slab);
        self.gc_requested.store(false, Ordering::Release);
        drop(slab);
        stats.last_pause_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        // Cells are dropped after the world restarts, so freeing their memory does not
        // lengthen the pause.
        drop(garbage);
        self.locks.prune();

        let mut ctl = lock(&self.ctl);
        ctl.collecting = false;
        ctl.epoch += 1;
        let collections = ctl.stats.collections + 1;
        if debug_collections() {
            eprintln!(
                "shared gc #{collections}: live {} freed {} pause {}us",
                stats.live_after_last_gc, stats.freed_by_last_gc, stats.last_pause_micros
            );
        }
        ctl.stats = HeapStats {
            collections,
            ..stats
        };
        self.ctl_cv.notify_all();
        Some(ctl.stats)
    }

    fn collect_roots(&self) -> Vec<u32> {
        let mut roots = Vec::new();
        for m in lock(&self.mutators).values() {
            roots.extend(lock(&m.roots).iter().map(|r| r.0));
        }
        roots.extend(lock(&self.pins).keys().copied());
        for refs in lock(&self.global_roots).values() {
            roots.extend(refs.iter().map(|r| r.0));
        }
        self.locks.roots(&mut roots);
        self.condvars.roots(&mut roots);
        self.modules.roots(&mut roots);
        roots
    }

    fn mark_sweep(&self, slab: &mut HeapView) -> (Vec<Cell>, HeapStats) {
        let limit = self
            .next
            .load(Ordering::Acquire)
            .min(u64::from(u32::MAX) + 1) as usize;
        let mut marks = vec![0u64; limit.div_ceil(64)];
        let mut stack = self.collect_roots();
        let mut live = 0usize;
        while let Some(i) = stack.pop() {
            let i_us = i as usize;
            if i_us >= limit || marks[i_us / 64] & (1 << (i_us % 64)) != 0 {
                continue;
            }
            if let Some(cell) = slab.get(SharedRef(i)) {
                marks[i_us / 64] |= 1 << (i_us % 64);
                live += 1;
                cell.trace(&mut stack);
            }
        }
        let mut garbage = Vec::new();
        let mut freed_slots = Vec::new();
        for (k, chunk) in slab.chunks.iter_mut().enumerate() {
            let Some(chunk) = chunk.get_mut() else {
                continue;
            };
            let start = chunk_start(k) as usize;
            if start >= limit {
                break;
            }
            for (off, slot) in chunk.iter_mut().enumerate() {
                let i = start + off;
                if i >= limit {
                    break;
                }
                if marks[i / 64] & (1 << (i % 64)) == 0 {
                    if let Some(cell) = slot.take() {
                        garbage.push(cell);
                        freed_slots.push(i as u32);
                    }
                }
            }
        }
        let freed = freed_slots.len();
        lock(&self.free).extend(freed_slots);
        self.allocated_since_gc.store(0, Ordering::Relaxed);
        self.live_after_gc.store(live, Ordering::Relaxed);
        let stats = HeapStats {
            collections: 0,
            live_after_last_gc: live,
            freed_by_last_gc: freed,
            allocated_since_gc: 0,
            slots_high_water: limit as u32,
            last_pause_micros: 0,
        };
        (garbage, stats)
    }

    /// Takes a batch of free slot indices, reporting `allocated` new cells for the trigger.
    fn refill(&self, out: &mut Vec<u32>, allocated: usize) -> SharedResult<()> {
        let since = self
            .allocated_since_gc
            .fetch_add(allocated, Ordering::Relaxed)
            + allocated;
        let threshold = self
            .config
            .min_gc_cells
            .max(self.live_after_gc.load(Ordering::Relaxed));
        if since >= threshold {
            self.request_gc();
        }
        {
            let mut free = lock(&self.free);
            let n = free.len().min(ALLOC_BATCH as usize);
            let at = free.len() - n;
            out.extend(free.drain(at..));
        }
        if out.is_empty() {
            let start = self
                .next
                .fetch_add(u64::from(ALLOC_BATCH), Ordering::AcqRel);
            if start + u64::from(ALLOC_BATCH) > u64::from(u32::MAX) {
                return Err(SharedError::Range("Shared heap exhausted".into()));
            }
            // Pushed in reverse so that `pop` hands out ascending indices.
            out.extend((start as u32..start as u32 + ALLOC_BATCH).rev());
        }
        Ok(())
    }
}

/// A registered instance's handle on the shared heap.
///
/// While a `Mutator` exists it is *running* (it holds the read side of the mutator lock), except
/// inside [`Mutator::safepoint`], [`Mutator::collect`] and [`Mutator::while_parked`]. It derefs to
/// [`HeapView`] for cell access. It is not `Send`: it belongs to the thread that registered it.
pub struct Mutator {
    heap: &'static SharedHeap,
    /// `Some` except transiently inside `&mut self` methods that release the lock.
    guard: Option<RwLockReadGuard<'static, HeapView>>,
    shared: Arc<MutatorShared>,
    id: u64,
    cache: Vec<u32>,
    unreported: usize,
    /// References that entered this instance since the last full publication, flushed into
    /// the published set when the instance releases the mutator lock.
    log: Vec<SharedRef>,
    /// A direct-mapped filter (slot + 1, 0 = empty) that drops most duplicate log entries.
    filter: Box<[u32; LOG_FILTER]>,
    /// Log length at which the log is deduplicated next.
    compact_at: usize,
    /// Published-set length at which a flush deduplicates it next.
    published_compact_at: usize,
}

impl Deref for Mutator {
    type Target = HeapView;
    fn deref(&self) -> &HeapView {
        match &self.guard {
            Some(g) => g,
            // The guard is only `None` inside methods that take `&mut self`, so no `&self`
            // caller can observe it; re-reading the lock keeps this path total anyway.
            None => unreachable_guard(),
        }
    }
}

#[cold]
fn unreachable_guard() -> &'static HeapView {
    // Not reachable by construction (see `Deref`). An empty view is a safe answer: every
    // lookup in it misses.
    static EMPTY: OnceLock<HeapView> = OnceLock::new();
    EMPTY.get_or_init(HeapView::new)
}

impl Mutator {
    pub fn heap(&self) -> &'static SharedHeap {
        self.heap
    }

    /// This instance's id in the heap's registry.
    pub fn id(&self) -> u64 {
        self.id
    }

    fn acquire(&mut self) {
        {
            let mut ctl = lock(&self.heap.ctl);
            while ctl.collecting {
                ctl = self
                    .heap
                    .ctl_cv
                    .wait(ctl)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
        self.guard = Some(self.heap.slab.read().unwrap_or_else(|e| e.into_inner()));
        GUARDS_HELD.with(|g| g.set(g.get() + 1));
    }

    fn release(&mut self) {
        if self.guard.take().is_some() {
            GUARDS_HELD.with(|g| g.set(g.get().saturating_sub(1)));
        }
    }

    /// Allocates a cell.
    pub fn alloc(&mut self, cell: Cell) -> SharedResult<SharedRef> {
        let i = match self.cache.pop() {
            Some(i) => i,
            None => {
                let n = std::mem::take(&mut self.unreported);
                self.heap.refill(&mut self.cache, n)?;
                self.cache
                    .pop()
                    .ok_or_else(|| SharedError::Range("Shared heap exhausted".into()))?
            }
        };
        self.unreported += 1;
        match &self.guard {
            Some(g) => g.install(i, cell)?,
            None => return Err(SharedError::Range("Shared heap used while parked".into())),
        }
        // A new cell is reachable only from this instance until it is stored somewhere, so it
        // enters the root log at once (see `note_root`).
        self.note_root(SharedRef(i));
        if let Some(every) = gc_stress() {
            if self.unreported as u32 % every == 0 {
                self.heap.request_gc();
            }
        }
        Ok(SharedRef(i))
    }

    /// Allocates a Sendable instance with every field undefined; the constructor then stores
    /// the fields through [`SendableObject::set`].
    pub fn alloc_object(&mut self, class: &Arc<SendableClass>) -> SharedResult<SharedRef> {
        self.alloc(Cell::Object(SendableObject::new(class.clone(), None)))
    }

    /// Allocates an instance of a Sendable subclass of a built-in collection.
    pub fn alloc_object_with_native(
        &mut self,
        class: &Arc<SendableClass>,
        native: Native,
    ) -> SharedResult<SharedRef> {
        self.alloc(Cell::Object(SendableObject::new(
            class.clone(),
            Some(native),
        )))
    }

    /// A string enters the shared heap (the `Arc` is shared, not copied).
    pub fn alloc_str(&mut self, s: SharedStr) -> SharedResult<SharedWord> {
        Ok(self.alloc(Cell::Str(s))?.into())
    }

    /// A BigInt enters the shared heap.
    pub fn alloc_bigint(&mut self, b: BigInt) -> SharedResult<SharedWord> {
        Ok(self.alloc(Cell::BigInt(b))?.into())
    }

    pub fn alloc_array(&mut self, items: Vec<SharedWord>) -> SharedResult<SharedRef> {
        self.alloc(Cell::Array(Arc::new(SendableArray::new(items))))
    }

    pub fn alloc_map(&mut self) -> SharedResult<SharedRef> {
        self.alloc(Cell::Map(Arc::new(SendableMap::new())))
    }

    pub fn alloc_set(&mut self) -> SharedResult<SharedRef> {
        self.alloc(Cell::Set(Arc::new(SendableSet::new())))
    }

    pub fn alloc_array_buffer(&mut self, bytes: Vec<u8>) -> SharedResult<SharedRef> {
        self.alloc(Cell::ArrayBuffer(Arc::new(SendableArrayBuffer::new(bytes))))
    }

    /// A typed-array view on a buffer cell; fails with 10200001-style RangeErrors when the
    /// view does not fit (see [`SendableTypedArray::new`]).
    pub fn alloc_typed_array(
        &mut self,
        kind: crate::buffer::TypedKind,
        buffer: SharedRef,
        byte_offset: usize,
        length: usize,
    ) -> SharedResult<SharedRef> {
        let buf = self
            .array_buffer(buffer)
            .cloned()
            .ok_or_else(SharedError::only_sendable)?;
        let view = SendableTypedArray::new(kind, buffer, buf, byte_offset, length)?;
        self.alloc(Cell::TypedArray(Arc::new(view)))
    }

    pub fn alloc_bit_vector(&mut self, len: usize) -> SharedResult<SharedRef> {
        self.alloc(Cell::BitVector(Arc::new(BitVector::new(len))))
    }

    /// A Sendable function value.
    pub fn alloc_function(&mut self, f: SharedFunction) -> SharedResult<SharedRef> {
        self.alloc(Cell::Function(f))
    }

    /// A Sendable lexical environment with `size` undefined slots.
    pub fn alloc_env(&mut self, parent: Option<SharedRef>, size: usize) -> SharedResult<SharedRef> {
        self.alloc(Cell::Env(SharedEnv::new(parent, size)))
    }

    /// `new AsyncLock()`: an anonymous lock named `anonymousLock<N>`.
    pub fn new_async_lock(&mut self) -> SharedResult<SharedRef> {
        let heap = self.heap;
        heap.locks
            .create_anonymous(|lock| self.alloc(Cell::AsyncLock(lock)))
    }

    /// `AsyncLock.request(name)`: finds or creates the process-wide lock with that name.
    pub fn request_async_lock(&mut self, name: &str) -> SharedResult<SharedRef> {
        let heap = self.heap;
        heap.locks
            .request(name, |lock| self.alloc(Cell::AsyncLock(lock)))
    }

    /// `new ConditionVariable()`.
    pub fn new_condition_variable(&mut self) -> SharedResult<SharedRef> {
        self.alloc(Cell::ConditionVariable(Arc::new(ConditionVariable::new())))
    }

    /// `ConditionVariable.request(name)`: finds or creates the named condition variable.
    pub fn request_condition_variable(&mut self, name: &str) -> SharedResult<SharedRef> {
        let heap = self.heap;
        heap.condvars
            .request(name, |cv| self.alloc(Cell::ConditionVariable(cv)))
    }

    /// Replaces this instance's published root set (typically after a local GC, with every
    /// shared reference the local heap and the stack still hold) and clears the entry log.
    pub fn publish_roots(&mut self, roots: impl IntoIterator<Item = SharedRef>) {
        let mut g = lock(&self.shared.roots);
        g.clear();
        g.extend(roots);
        self.published_compact_at = (g.len() * 2).max(LOG_COMPACT_MIN);
        drop(g);
        self.log.clear();
        self.compact_at = LOG_COMPACT_MIN;
        self.filter.fill(0);
    }

    /// Adds references to the published root set at once.
    pub fn add_roots(&self, roots: impl IntoIterator<Item = SharedRef>) {
        lock(&self.shared.roots).extend(roots);
    }

    /// Records a shared reference that *entered* this instance: one it allocated, received in
    /// a message, or read out of a shared field, collection or environment. Cheap (no lock,
    /// most duplicates filtered); the log is flushed into the published set whenever the
    /// instance releases the mutator lock. The invariant the collector relies on is
    /// *published set ∪ log ⊇ every shared reference the instance can reach*.
    #[inline]
    pub fn note_root(&mut self, r: SharedRef) {
        let h = (r.0.wrapping_mul(0x9E37_79B9) >> 24) as usize % LOG_FILTER;
        let tag = r.0.wrapping_add(1);
        if self.filter[h] != tag {
            self.filter[h] = tag;
            self.log.push(r);
            if self.log.len() >= self.compact_at {
                self.compact_log();
            }
        }
    }

    /// Keeps the log proportional to the distinct references it names: a thread that keeps
    /// reading more references than the filter holds (a loop over a large collection) would
    /// otherwise grow it without bound between two full publications.
    #[cold]
    fn compact_log(&mut self) {
        self.log.sort_unstable_by_key(|r| r.0);
        self.log.dedup();
        self.compact_at = (self.log.len() * 2).max(LOG_COMPACT_MIN);
    }

    /// The entry log's length. When it grows large, the VM should run a local GC and call
    /// [`Mutator::publish_roots`] with the exact set, which also empties the log.
    pub fn root_log_len(&self) -> usize {
        self.log.len()
    }

    fn flush_log(&mut self) {
        if !self.log.is_empty() {
            let mut roots = lock(&self.shared.roots);
            roots.append(&mut self.log);
            // The published set grows by every flush until the next full publication; an
            // instance that parks after each message (a Worker) must not let it grow without
            // bound, so it is deduplicated once it doubles.
            if roots.len() >= self.published_compact_at {
                roots.sort_unstable_by_key(|r| r.0);
                roots.dedup();
                self.published_compact_at = (roots.len() * 2).max(LOG_COMPACT_MIN);
            }
        }
    }

    /// Pins a reference for a message in flight; [`SharedHeap::unpin`] releases it. Pins count,
    /// so the same reference may be pinned by several messages.
    pub fn pin(&self, r: SharedRef) {
        *lock(&self.heap.pins).entry(r.0).or_insert(0) += 1;
    }

    /// Pins every reference of a message at once (one lock for the whole batch); the returned
    /// [`Pins`] unpins them when it is dropped, after the receiver has rooted them.
    pub fn pin_all(&self, refs: Vec<SharedRef>) -> Pins {
        if !refs.is_empty() {
            let mut pins = lock(&self.heap.pins);
            for r in &refs {
                *pins.entry(r.0).or_insert(0) += 1;
            }
        }
        Pins {
            heap: self.heap,
            refs,
        }
    }

    /// True when a collection is waiting for this instance.
    #[inline]
    pub fn gc_requested(&self) -> bool {
        self.heap.gc_requested()
    }

    /// The safepoint poll with a full root set. If a collection was requested, publishes the
    /// roots that `roots` writes into an empty vector (replacing the published set and the
    /// log), releases the mutator lock, takes part in the collection (running it, or waiting
    /// for the instance that does) and re-acquires the lock. Returns true if a collection
    /// happened.
    pub fn safepoint(&mut self, roots: impl FnOnce(&mut Vec<SharedRef>)) -> bool {
        if !self.heap.gc_requested() {
            return false;
        }
        let mut full = Vec::new();
        roots(&mut full);
        self.publish_roots(full);
        self.release();
        self.heap.collect_inner(false);
        self.acquire();
        true
    }

    /// The safepoint poll with the entry log: if a collection was requested, adds the log to
    /// the published set and takes part in the collection. Use it when the published set plus
    /// [`Mutator::note_root`] entries already cover the instance.
    pub fn safepoint_incremental(&mut self) -> bool {
        if !self.heap.gc_requested() {
            return false;
        }
        self.flush_log();
        self.release();
        self.heap.collect_inner(false);
        self.acquire();
        true
    }

    /// Publishes roots as [`Mutator::safepoint`] does, then collects now.
    pub fn collect(&mut self, roots: impl FnOnce(&mut Vec<SharedRef>)) -> Option<HeapStats> {
        let mut full = Vec::new();
        roots(&mut full);
        self.publish_roots(full);
        self.release();
        let stats = self.heap.collect_inner(true);
        self.acquire();
        stats
    }

    /// Runs `f` with the mutator lock released (the instance is *parked*): for blocking waits
    /// such as the event loop's `recv`, `Atomics.wait` or joining a thread. The entry log is
    /// flushed first; the published set plus the log must cover every shared reference the
    /// instance holds.
    pub fn while_parked<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.park();
        let r = f();
        self.unpark();
        r
    }

    /// Parks until [`Mutator::unpark`], for a wait that cannot be one closure (an interactive
    /// prompt whose helpers still read the instance). While parked, cell lookups miss and
    /// allocation fails; parking twice is harmless.
    pub fn park(&mut self) {
        if self.guard.is_some() {
            self.flush_log();
            self.release();
        }
    }

    /// Ends [`Mutator::park`] (waiting for a running collection first); a no-op when running.
    pub fn unpark(&mut self) {
        if self.guard.is_none() {
            self.acquire();
        }
    }
}

/// The pins of a message in flight ([`Mutator::pin_all`]): they keep the message's shared
/// references alive while no instance holds them, and are released when the message is dropped
/// (decoded, or discarded because its receiver is gone).
pub struct Pins {
    heap: &'static SharedHeap,
    refs: Vec<SharedRef>,
}

impl Pins {
    /// No pins (a message without shared references).
    pub fn none() -> Pins {
        Pins {
            heap: SharedHeap::global(),
            refs: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Pins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pins({})", self.refs.len())
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        if self.refs.is_empty() {
            return;
        }
        let mut pins = lock(&self.heap.pins);
        for r in &self.refs {
            if let Some(n) = pins.get_mut(&r.0) {
                *n -= 1;
                if *n == 0 {
                    pins.remove(&r.0);
                }
            }
        }
    }
}

impl Drop for Mutator {
    fn drop(&mut self) {
        self.release();
        // An instance that goes away (a terminated Worker) must not wedge anyone: modules it
        // was evaluating fail, and lock requests made with its id as `contextId` are dropped.
        self.heap.modules.abandon(self.id);
        self.heap.abandon_lock_context(self.id);
        lock(&self.heap.mutators).remove(&self.id);
        lock(&self.heap.free).append(&mut self.cache);
        self.heap
            .allocated_since_gc
            .fetch_add(self.unreported, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_geometry_covers_u32() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(4095), (0, 4095));
        assert_eq!(locate(4096), (1, 0));
        assert_eq!(locate(12287), (1, 8191));
        assert_eq!(locate(12288), (2, 0));
        let (k, off) = locate(u32::MAX);
        assert_eq!(k, CHUNKS - 1);
        assert!(off < 1 << (FIRST_CHUNK_BITS as usize + k));
    }

    #[test]
    fn unreachable_cells_are_freed_and_slots_reused() {
        let heap = SharedHeap::leak_new(HeapConfig {
            min_gc_cells: 1 << 30,
        });
        let mut m = heap.register(None);
        let keep = m
            .alloc_array(vec![SharedWord::number(1.0)])
            .unwrap_or_else(|e| panic!("{e}"));
        let s = m.alloc_str("kept".into()).unwrap_or_else(|e| panic!("{e}"));
        m.array(keep).map(|a| a.push(&[s]));
        for _ in 0..100 {
            m.alloc_str("garbage".into())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(m.count_occupied(), 102);
        let stats = m.collect(|roots| roots.push(keep)).unwrap_or_default();
        assert_eq!(stats.live_after_last_gc, 2);
        assert_eq!(stats.freed_by_last_gc, 100);
        assert_eq!(m.count_occupied(), 2);
        assert!(m.str(s.as_ref().unwrap_or(SharedRef(0))).is_some());
        assert_eq!(
            heap.collect(),
            None,
            "a thread holding a guard must not wait for itself"
        );
    }
}

#[cfg(test)]
mod root_tests {
    use super::*;

    #[test]
    fn pins_and_global_roots_keep_cells_alive() {
        let heap = SharedHeap::leak_new(HeapConfig {
            min_gc_cells: 1 << 30,
        });
        let mut m = heap.register(None);
        let pinned = m.alloc_array(vec![]).unwrap_or_else(|e| panic!("{e}"));
        let module_export = m.alloc_map().unwrap_or_else(|e| panic!("{e}"));
        m.pin(pinned);
        m.pin(pinned);
        heap.set_global_roots("module:config", vec![module_export]);
        m.collect(|_| {});
        assert!(m.array(pinned).is_some() && m.map(module_export).is_some());
        heap.unpin(pinned);
        m.collect(|_| {});
        assert!(m.array(pinned).is_some(), "pins count");
        heap.unpin(pinned);
        heap.set_global_roots("module:config", vec![]);
        m.collect(|_| {});
        assert!(m.array(pinned).is_none() && m.map(module_export).is_none());
        assert_eq!(heap.stats().collections, 3);
    }

    #[test]
    fn the_entry_log_roots_what_entered() {
        let heap = SharedHeap::leak_new(HeapConfig {
            min_gc_cells: 1 << 30,
        });
        let mut m = heap.register(None);
        let a = m.alloc_array(vec![]).unwrap_or_else(|e| panic!("{e}"));
        let b = m.alloc_array(vec![]).unwrap_or_else(|e| panic!("{e}"));
        m.publish_roots([a]);
        m.note_root(b);
        m.note_root(b);
        assert_eq!(m.root_log_len(), 1, "duplicates are filtered");
        let other = std::thread::spawn(move || heap.collect().is_some());
        // Parking flushes the log, so the collector on the other thread sees `b` as a root.
        assert!(m.while_parked(|| other.join().unwrap_or(false)));
        assert!(m.array(a).is_some() && m.array(b).is_some());
        assert_eq!(m.root_log_len(), 0);
        m.publish_roots([b]);
        heap.request_gc();
        assert!(m.safepoint_incremental());
        assert!(m.array(a).is_none() && m.array(b).is_some());
    }

    #[test]
    fn gc_request_hooks_fire_once_per_cycle() {
        let heap = SharedHeap::leak_new(HeapConfig { min_gc_cells: 100 });
        let fired = Arc::new(AtomicUsize::new(0));
        let f = fired.clone();
        let mut m = heap.register(Some(Arc::new(move || {
            f.fetch_add(1, Ordering::Relaxed);
        })));
        for _ in 0..1000 {
            m.alloc_str("x".into()).ok();
        }
        assert!(m.gc_requested());
        assert_eq!(fired.load(Ordering::Relaxed), 1);
        assert!(m.safepoint(|_| {}));
        assert!(!m.gc_requested());
        assert!(!m.safepoint(|_| {}), "no request, no collection");
        assert!(m.count_occupied() < 100);
    }
}
