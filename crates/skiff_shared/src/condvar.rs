//! `ArkTSUtils.locks.ConditionVariable`: waiters are tasks, woken through wakers.
//!
//! `wait()` queues a waker; `notifyOne()` calls the earliest waiter's waker, `notifyAll()`
//! every waker, each on the notifying thread after the internal mutex is dropped. `waitFor(ms)`
//! is `wait()` plus a timer in the waiter's event loop that calls [`ConditionVariable::cancel`]:
//! if that returns true the wait timed out and the promise resolves anyway (waitFor resolves on
//! notify *or* timeout); if false a notification already won.

use crate::error::SharedResult;
use crate::word::SharedRef;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Identifies one wait.
pub type WaitId = u64;

/// Called once when the wait is notified; it must only post an event to the waiter's loop,
/// and returns whether it could (`false`: the waiting instance is gone).
pub type NotifyWaker = Box<dyn FnOnce(WaitId) -> bool + Send>;

static NEXT_WAIT: AtomicU64 = AtomicU64::new(1);

/// A ConditionVariable.
#[derive(Default)]
pub struct ConditionVariable {
    waiters: Mutex<VecDeque<(WaitId, NotifyWaker)>>,
}

impl std::fmt::Debug for ConditionVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConditionVariable({} waiting)", self.waiting())
    }
}

impl ConditionVariable {
    pub fn new() -> ConditionVariable {
        ConditionVariable::default()
    }

    fn waiters(&self) -> MutexGuard<'_, VecDeque<(WaitId, NotifyWaker)>> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `wait()` / `waitFor()`: queues the waiter.
    pub fn wait(&self, waker: NotifyWaker) -> WaitId {
        let id = NEXT_WAIT.fetch_add(1, Ordering::Relaxed);
        self.waiters().push_back((id, waker));
        id
    }

    /// Removes a waiter (the `waitFor` timeout). True if it was still waiting.
    pub fn cancel(&self, id: WaitId) -> bool {
        let mut g = self.waiters();
        let before = g.len();
        g.retain(|(w, _)| *w != id);
        g.len() != before
    }

    /// `notifyOne()`: wakes the earliest waiter that is still alive (waiters whose instance
    /// is gone are dropped on the way). Returns whether one was woken.
    pub fn notify_one(&self) -> bool {
        loop {
            // The mutex is released before the waker runs.
            let next = self.waiters().pop_front();
            match next {
                Some((id, waker)) => {
                    if waker(id) {
                        return true;
                    }
                }
                None => return false,
            }
        }
    }

    /// `notifyAll()`: wakes every waiter in FIFO order. Returns how many were alive.
    pub fn notify_all(&self) -> usize {
        let all: Vec<_> = self.waiters().drain(..).collect();
        all.into_iter()
            .map(|(id, waker)| waker(id))
            .filter(|&ok| ok)
            .count()
    }

    /// How many tasks are waiting.
    pub fn waiting(&self) -> usize {
        self.waiters().len()
    }
}

/// Named condition variables (`ConditionVariable.request(name)`): permanent heap roots.
#[derive(Default)]
pub struct CondvarRegistry {
    named: Mutex<BTreeMap<Arc<str>, SharedRef>>,
}

impl CondvarRegistry {
    pub(crate) fn request(
        &self,
        name: &str,
        alloc: impl FnOnce(Arc<ConditionVariable>) -> SharedResult<SharedRef>,
    ) -> SharedResult<SharedRef> {
        let mut g = self.named.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = g.get(name) {
            return Ok(*r);
        }
        let r = alloc(Arc::new(ConditionVariable::new()))?;
        g.insert(name.into(), r);
        Ok(r)
    }

    pub(crate) fn roots(&self, out: &mut Vec<u32>) {
        out.extend(
            self.named
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values()
                .map(|r| r.0),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn notify_order_and_timeouts() {
        let cv = ConditionVariable::new();
        let (tx, rx) = mpsc::channel();
        let mk = |tag: u32| {
            let tx = tx.clone();
            Box::new(move |_| tx.send(tag).is_ok()) as NotifyWaker
        };
        cv.wait(mk(1));
        let timed = cv.wait(mk(2));
        cv.wait(mk(3));
        assert!(cv.notify_one());
        assert_eq!(rx.try_recv().ok(), Some(1), "earliest first");
        assert!(cv.cancel(timed), "waitFor timed out before a notify");
        assert!(!cv.cancel(timed));
        assert_eq!(cv.notify_all(), 1);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![3]);
        assert!(!cv.notify_one());
        cv.wait(Box::new(|_| false));
        cv.wait(mk(4));
        assert!(cv.notify_one(), "a dead waiter is skipped");
        assert_eq!(rx.try_recv().ok(), Some(4));
    }

    #[test]
    fn named_registry() {
        use crate::heap::{HeapConfig, SharedHeap};
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let a = m.request_condition_variable("Request1");
        assert_eq!(m.request_condition_variable("Request1"), a);
        let anon = m.new_condition_variable().unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(Ok(anon), a);
        m.collect(|_| {});
        assert!(
            a.as_ref().is_ok_and(|r| m.condition_variable(*r).is_some()),
            "named ones are roots"
        );
        assert!(
            m.condition_variable(anon).is_none(),
            "anonymous ones are collected"
        );
    }
}
