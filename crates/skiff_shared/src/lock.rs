//! `ArkTSUtils.locks.AsyncLock`: the lock state machine and the process-wide registry.
//!
//! Locks park *tasks*, never OS threads. A request that cannot be granted at once is queued
//! with a [`GrantWaker`]; when a release makes it grantable, the lock calls the waker (on the
//! releasing thread, after dropping its own mutex), and the waker posts a "granted" event to the
//! requesting instance's event loop, which then runs the callback. The lock never calls back
//! into a VM and never blocks on anything but its own short critical section.
//!
//! Semantics (arkts-api.md §5): requests are served in FIFO order. A request is grantable
//! when nothing is held, or when it is SHARED and every holder is SHARED; consecutive SHARED
//! requests at the head of the queue are granted together, and an EXCLUSIVE request at the
//! head waits for every holder and blocks the SHARED requests behind it. A new request is
//! granted immediately only if the queue is empty (so nobody overtakes a waiting EXCLUSIVE).
//!
//! Timeouts and `AbortSignal`s are driven by the requester's event loop: it arms its own timer
//! and calls [`AsyncLock::cancel`] when it fires (or when the signal aborts). `cancel` returns
//! true if the request was still pending, in which case the requester rejects its promise
//! (10200031 for a timeout, the signal's reason for an abort); false means the grant won the
//! race and the callback runs normally. No thread is needed for timeouts.

use crate::error::{codes, SharedError, SharedResult};
use crate::word::SharedRef;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// `AsyncLockMode`.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Hash)]
pub enum LockMode {
    Shared = 1,
    Exclusive = 2,
}

impl LockMode {
    /// Converts the script's number; anything else is 401 `Invalid lock mode.`.
    pub fn from_number(n: f64) -> SharedResult<LockMode> {
        if n == 1.0 {
            Ok(LockMode::Shared)
        } else if n == 2.0 {
            Ok(LockMode::Exclusive)
        } else {
            Err(SharedError::business(
                codes::PARAMETER,
                "Parameter error. The input parameters are invalid, Invalid lock mode.",
            ))
        }
    }
}

/// Identifies one `lockAsync` call from request to release.
pub type RequestId = u64;

/// Called once when a queued request is granted. It runs on whichever thread released the
/// lock, so it must only post an event (e.g. through the VM's `LoopSender`). It returns whether
/// the event was delivered: `false` (the requesting instance is gone, its loop closed) makes
/// the lock take the grant back and pass it on, so a terminated Worker cannot wedge a lock.
pub type GrantWaker = Box<dyn FnOnce(RequestId) -> bool + Send>;

/// The rejection text of `isAvailable: true` when the lock is taken (a plain string, as the
/// runtime rejects with it).
pub const UNAVAILABLE_MESSAGE: &str = "The lock is acquired";

/// 10200031 `Timeout exceeded.` for a request cancelled by its timeout.
pub fn timeout_error() -> SharedError {
    SharedError::business(codes::LOCK_TIMEOUT, "Timeout exceeded.")
}

/// What happened to a request.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Requested {
    /// Granted at once: the waker was dropped and the caller runs the callback itself
    /// (typically by posting it to its own loop, like a later grant).
    Granted(RequestId),
    /// Queued: the waker will be called when the request is granted, unless it is cancelled.
    Queued(RequestId),
    /// `isAvailable` was set and the lock could not be taken: reject with
    /// [`UNAVAILABLE_MESSAGE`]. Nothing was queued.
    Unavailable,
}

/// One holder or waiter, as `query` reports it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LockInfo {
    pub name: Arc<str>,
    pub mode: LockMode,
    /// The requesting instance's id (`contextId`).
    pub context_id: u64,
}

/// `AsyncLockState`.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct LockState {
    pub held: Vec<LockInfo>,
    pub pending: Vec<LockInfo>,
}

struct Holder {
    id: RequestId,
    mode: LockMode,
    context_id: u64,
}

struct Waiter {
    id: RequestId,
    mode: LockMode,
    context_id: u64,
    waker: GrantWaker,
}

#[derive(Default)]
struct Inner {
    held: Vec<Holder>,
    pending: VecDeque<Waiter>,
}

impl Inner {
    fn compatible(&self, mode: LockMode) -> bool {
        self.held.is_empty()
            || (mode == LockMode::Shared && self.held.iter().all(|h| h.mode == LockMode::Shared))
    }

    /// Moves grantable waiters from the head of the queue to the holders.
    fn grant_next(&mut self, out: &mut Vec<(RequestId, GrantWaker)>) {
        while let Some(w) = self.pending.front() {
            if !self.compatible(w.mode) {
                break;
            }
            let Some(w) = self.pending.pop_front() else {
                break;
            };
            self.held.push(Holder {
                id: w.id,
                mode: w.mode,
                context_id: w.context_id,
            });
            out.push((w.id, w.waker));
            if self
                .held
                .last()
                .is_some_and(|h| h.mode == LockMode::Exclusive)
            {
                break;
            }
        }
    }
}

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// An AsyncLock.
pub struct AsyncLock {
    name: Arc<str>,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for AsyncLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AsyncLock({:?})", self.name)
    }
}

impl AsyncLock {
    /// A lock that is not in any registry (tests, embedders).
    pub fn new(name: &str) -> AsyncLock {
        AsyncLock {
            name: name.into(),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Poisoning cannot leave the queues inconsistent (every update is a single push or
        // pop), so a panicking waker elsewhere must not wedge the lock.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `name`.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// `lockAsync(cb, mode, {isAvailable})`: see [`Requested`].
    pub fn request(
        &self,
        mode: LockMode,
        context_id: u64,
        is_available: bool,
        waker: GrantWaker,
    ) -> Requested {
        let id = NEXT_REQUEST.fetch_add(1, Ordering::Relaxed);
        let mut g = self.inner();
        if g.pending.is_empty() && g.compatible(mode) {
            g.held.push(Holder {
                id,
                mode,
                context_id,
            });
            return Requested::Granted(id);
        }
        if is_available {
            return Requested::Unavailable;
        }
        g.pending.push_back(Waiter {
            id,
            mode,
            context_id,
            waker,
        });
        Requested::Queued(id)
    }

    /// Releases a granted request (when the callback's promise settles) and grants the next
    /// waiters. Returns false if `id` was not a holder.
    pub fn release(&self, id: RequestId) -> bool {
        self.remove_and_grant(|g| {
            let before = g.held.len();
            g.held.retain(|h| h.id != id);
            g.held.len() != before
        })
    }

    /// Drops a pending request (timeout, abort). Returns true if it was still pending; the
    /// waker is dropped uncalled. Requests behind it may become grantable and are woken.
    pub fn cancel(&self, id: RequestId) -> bool {
        self.remove_and_grant(|g| {
            let before = g.pending.len();
            g.pending.retain(|w| w.id != id);
            g.pending.len() != before
        })
    }

    /// Forgets every request of an instance that is going away (held or pending), as if it had
    /// released or cancelled them, and grants the next waiters. Returns whether any was found.
    pub fn abandon_context(&self, context_id: u64) -> bool {
        self.remove_and_grant(|g| {
            let before = g.held.len() + g.pending.len();
            g.held.retain(|h| h.context_id != context_id);
            g.pending.retain(|w| w.context_id != context_id);
            g.held.len() + g.pending.len() != before
        })
    }

    /// Applies `remove` under the mutex; if it removed something, grants what became
    /// grantable and delivers the grants.
    fn remove_and_grant(&self, remove: impl FnOnce(&mut Inner) -> bool) -> bool {
        let mut wake = Vec::new();
        let found = {
            let mut g = self.inner();
            let found = remove(&mut g);
            if found {
                g.grant_next(&mut wake);
            }
            found
        };
        self.deliver(wake);
        found
    }

    /// Calls the wakers outside the lock's mutex (they take other locks, such as a channel's,
    /// and one that re-entered this lock must not deadlock). Grants that could not be
    /// delivered are taken back and passed on, until every grant has reached a live instance.
    fn deliver(&self, mut wake: Vec<(RequestId, GrantWaker)>) {
        while !wake.is_empty() {
            let undelivered: Vec<RequestId> = wake
                .drain(..)
                .filter_map(|(id, w)| (!w(id)).then_some(id))
                .collect();
            if undelivered.is_empty() {
                return;
            }
            let mut g = self.inner();
            g.held.retain(|h| !undelivered.contains(&h.id));
            g.grant_next(&mut wake);
        }
    }

    /// True if nothing holds the lock and nothing waits for it.
    pub fn is_idle(&self) -> bool {
        let g = self.inner();
        g.held.is_empty() && g.pending.is_empty()
    }

    /// A snapshot for `query`.
    pub fn state(&self) -> LockState {
        let g = self.inner();
        let info = |mode, context_id| LockInfo {
            name: self.name.clone(),
            mode,
            context_id,
        };
        LockState {
            held: g.held.iter().map(|h| info(h.mode, h.context_id)).collect(),
            pending: g
                .pending
                .iter()
                .map(|w| info(w.mode, w.context_id))
                .collect(),
        }
    }
}

#[derive(Default)]
struct RegistryInner {
    /// Named locks: permanent, so they are roots of the shared heap.
    named: BTreeMap<Arc<str>, (SharedRef, Arc<AsyncLock>)>,
    /// Every lock by creation order, for a deterministic `queryAll`.
    all: BTreeMap<u64, Weak<AsyncLock>>,
    next_seq: u64,
    next_anonymous: u64,
}

/// The process-wide lock registry (one per heap).
#[derive(Default)]
pub struct LockRegistry {
    inner: Mutex<RegistryInner>,
}

impl LockRegistry {
    fn lock(&self) -> MutexGuard<'_, RegistryInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn create_anonymous(
        &self,
        alloc: impl FnOnce(Arc<AsyncLock>) -> SharedResult<SharedRef>,
    ) -> SharedResult<SharedRef> {
        let mut g = self.lock();
        g.next_anonymous += 1;
        let lock = Arc::new(AsyncLock::new(&format!(
            "anonymousLock{}",
            g.next_anonymous
        )));
        let seq = g.next_seq;
        g.next_seq += 1;
        g.all.insert(seq, Arc::downgrade(&lock));
        alloc(lock)
    }

    pub(crate) fn request(
        &self,
        name: &str,
        alloc: impl FnOnce(Arc<AsyncLock>) -> SharedResult<SharedRef>,
    ) -> SharedResult<SharedRef> {
        let mut g = self.lock();
        if let Some((r, _)) = g.named.get(name) {
            return Ok(*r);
        }
        let lock = Arc::new(AsyncLock::new(name));
        let r = alloc(lock.clone())?;
        let seq = g.next_seq;
        g.next_seq += 1;
        g.all.insert(seq, Arc::downgrade(&lock));
        g.named.insert(name.into(), (r, lock));
        Ok(r)
    }

    /// `AsyncLock.query(name)`: only for names passed to `request`; else 10200030.
    pub fn query(&self, name: &str) -> SharedResult<LockState> {
        let lock = self.lock().named.get(name).map(|(_, l)| l.clone());
        lock.map(|l| l.state())
            .ok_or_else(SharedError::lock_not_exist)
    }

    /// `AsyncLock.queryAll()`: every live lock in creation order.
    pub fn query_all(&self) -> Vec<LockState> {
        let locks: Vec<Arc<AsyncLock>> =
            self.lock().all.values().filter_map(Weak::upgrade).collect();
        locks.iter().map(|l| l.state()).collect()
    }

    pub(crate) fn roots(&self, out: &mut Vec<u32>) {
        out.extend(self.lock().named.values().map(|(r, _)| r.0));
    }

    /// Forgets locks whose cells were collected.
    pub(crate) fn prune(&self) {
        self.lock().all.retain(|_, w| w.strong_count() > 0);
    }
}

impl crate::heap::SharedHeap {
    /// Releases and cancels every lock request of an instance that is terminating (a Worker
    /// whose callbacks will never settle), so its locks pass to the next waiters.
    pub fn abandon_lock_context(&self, context_id: u64) {
        let locks: Vec<Arc<AsyncLock>> = self
            .locks
            .lock()
            .all
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for l in locks {
            l.abandon_context(context_id);
        }
    }

    /// `AsyncLock.query(name)`.
    pub fn lock_query(&self, name: &str) -> SharedResult<LockState> {
        self.locks.query(name)
    }

    /// `AsyncLock.queryAll()`.
    pub fn lock_query_all(&self) -> Vec<LockState> {
        self.locks.query_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn waker(tx: &mpsc::Sender<RequestId>) -> GrantWaker {
        let tx = tx.clone();
        Box::new(move |id| tx.send(id).is_ok())
    }

    fn id(r: Requested) -> RequestId {
        match r {
            Requested::Granted(i) | Requested::Queued(i) => i,
            Requested::Unavailable => 0,
        }
    }

    #[test]
    fn shared_exclusive_fifo_as_documented() {
        // shared0 + shared1 concurrent -> exclusive0 -> shared2 + shared3.
        let lock = AsyncLock::new("L");
        let (tx, rx) = mpsc::channel();
        let s0 = lock.request(LockMode::Shared, 1, false, waker(&tx));
        let s1 = lock.request(LockMode::Shared, 2, false, waker(&tx));
        assert!(matches!(s0, Requested::Granted(_)) && matches!(s1, Requested::Granted(_)));
        let e0 = lock.request(LockMode::Exclusive, 1, false, waker(&tx));
        let s2 = lock.request(LockMode::Shared, 1, false, waker(&tx));
        let s3 = lock.request(LockMode::Shared, 2, false, waker(&tx));
        assert!(
            matches!(e0, Requested::Queued(_)) && matches!(s2, Requested::Queued(_)),
            "no overtaking"
        );
        let st = lock.state();
        assert_eq!((st.held.len(), st.pending.len()), (2, 3));
        assert_eq!(st.pending[0].mode, LockMode::Exclusive);
        assert_eq!(
            lock.request(LockMode::Shared, 3, true, waker(&tx)),
            Requested::Unavailable
        );
        assert!(lock.release(id(s0)));
        assert!(rx.try_recv().is_err(), "exclusive waits for every holder");
        assert!(lock.release(id(s1)));
        assert_eq!(rx.try_recv().ok(), Some(id(e0)));
        assert!(rx.try_recv().is_err());
        assert!(lock.release(id(e0)));
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            vec![id(s2), id(s3)],
            "consecutive shared granted together"
        );
        assert!(!lock.release(id(e0)), "double release is refused");
        lock.release(id(s2));
        lock.release(id(s3));
        assert!(lock.is_idle());
    }

    #[test]
    fn cancel_unblocks_followers() {
        let lock = AsyncLock::new("L");
        let (tx, rx) = mpsc::channel();
        let s0 = id(lock.request(LockMode::Shared, 1, false, waker(&tx)));
        let e = id(lock.request(LockMode::Exclusive, 1, false, waker(&tx)));
        let s1 = id(lock.request(LockMode::Shared, 1, false, waker(&tx)));
        assert!(lock.cancel(e), "timeout while pending");
        assert_eq!(
            rx.try_recv().ok(),
            Some(s1),
            "the shared waiter joins the shared holder"
        );
        assert!(!lock.cancel(s1), "a granted request cannot be cancelled");
        assert!(lock.release(s0) && lock.release(s1));
        assert_eq!(timeout_error().code(), Some(10200031));
        assert_eq!(
            LockMode::from_number(3.0).err().and_then(|e| e.code()),
            Some(401)
        );
    }

    #[test]
    fn registry_names_and_queries() {
        use crate::heap::{HeapConfig, SharedHeap};
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let a = m.request_async_lock("A").unwrap_or_else(|e| panic!("{e}"));
        let anon = m.new_async_lock().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.request_async_lock("A"), Ok(a), "find-or-create");
        let anon_lock = m.async_lock(anon).cloned();
        assert_eq!(
            anon_lock.as_ref().map(|l| l.name().to_string()),
            Some("anonymousLock1".to_string())
        );
        let lock_a = m.async_lock(a).cloned();
        let g = lock_a
            .as_ref()
            .map(|l| l.request(LockMode::Exclusive, 7, false, Box::new(|_| true)));
        assert!(matches!(g, Some(Requested::Granted(_))));
        let st = heap.lock_query("A").unwrap_or_default();
        assert_eq!(
            st.held,
            vec![LockInfo {
                name: "A".into(),
                mode: LockMode::Exclusive,
                context_id: 7
            }]
        );
        assert_eq!(heap.lock_query("nope"), Err(SharedError::lock_not_exist()));
        let all = heap.lock_query_all();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].held.len(), 1);
        // The anonymous lock is garbage once unreferenced; the named one is a root.
        drop(anon_lock);
        m.collect(|_| {});
        assert_eq!(heap.lock_query_all().len(), 1);
        assert!(m.async_lock(a).is_some());
    }

    /// Random sequences of requests, releases and cancels keep the state machine's invariants:
    /// holders are all SHARED or one EXCLUSIVE, the head of the queue is never grantable while
    /// it waits, every queued request is woken at most once, and grants follow request order.
    #[test]
    fn random_schedules_keep_invariants() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _round in 0..200 {
            let lock = AsyncLock::new("R");
            let (tx, rx) = mpsc::channel();
            let mut held: Vec<RequestId> = vec![];
            let mut queued: Vec<RequestId> = vec![];
            let mut granted_order: Vec<RequestId> = vec![];
            for _ in 0..60 {
                match rand(3) {
                    0 => {
                        let mode = if rand(2) == 0 {
                            LockMode::Shared
                        } else {
                            LockMode::Exclusive
                        };
                        match lock.request(mode, 0, false, waker(&tx)) {
                            Requested::Granted(i) => {
                                held.push(i);
                                granted_order.push(i);
                            }
                            Requested::Queued(i) => queued.push(i),
                            Requested::Unavailable => panic!("isAvailable was not set"),
                        }
                    }
                    1 if !held.is_empty() => {
                        let i = held.remove(rand(held.len() as u64) as usize);
                        assert!(lock.release(i));
                    }
                    2 if !queued.is_empty() => {
                        let i = queued.remove(rand(queued.len() as u64) as usize);
                        // Cancelling a request that was already granted (and not yet seen as
                        // granted here) is refused.
                        if !lock.cancel(i) {
                            queued.push(i);
                        }
                    }
                    _ => {}
                }
                for i in rx.try_iter() {
                    let pos = queued.iter().position(|&q| q == i);
                    assert!(
                        pos.is_some(),
                        "a waker fired twice or for a non-queued request"
                    );
                    queued.retain(|&q| q != i);
                    held.push(i);
                    granted_order.push(i);
                }
                let st = lock.state();
                assert_eq!(st.held.len(), held.len());
                assert_eq!(st.pending.len(), queued.len());
                let exclusive = st
                    .held
                    .iter()
                    .filter(|h| h.mode == LockMode::Exclusive)
                    .count();
                assert!(
                    exclusive == 0 || st.held.len() == 1,
                    "exclusive is exclusive"
                );
                if let Some(head) = st.pending.first() {
                    let compatible =
                        st.held.is_empty() || (head.mode == LockMode::Shared && exclusive == 0);
                    assert!(!compatible, "the head waits although it is grantable");
                }
            }
            let mut sorted = granted_order.clone();
            sorted.sort_unstable();
            assert_eq!(granted_order, sorted, "grants follow request order");
        }
    }

    #[test]
    fn grants_to_dead_instances_pass_on() {
        let lock = AsyncLock::new("L");
        let (tx, rx) = mpsc::channel();
        let held = id(lock.request(LockMode::Exclusive, 1, false, waker(&tx)));
        // Context 2's loop is gone: its waker reports the grant undelivered.
        let dead = id(lock.request(LockMode::Exclusive, 2, false, Box::new(|_| false)));
        let live = id(lock.request(LockMode::Exclusive, 3, false, waker(&tx)));
        assert!(lock.release(held));
        assert_eq!(
            rx.try_recv().ok(),
            Some(live),
            "the dead grant was passed on"
        );
        assert!(!lock.release(dead));
        assert_eq!(lock.state().held.len(), 1);
        // A terminating holder's requests are abandoned wholesale.
        let next = id(lock.request(LockMode::Shared, 4, false, waker(&tx)));
        assert!(lock.abandon_context(3));
        assert_eq!(rx.try_recv().ok(), Some(next));
        assert!(lock.release(next) && lock.is_idle());
    }
}
