//! Taking part in shared-heap collection (docs/shared-heap.md §6, §10 "Collection").
//!
//! The shared heap is collected stop-the-world: a collection waits until every registered
//! instance is at a safepoint or parked, and marks from the roots they published. This VM keeps
//! the invariant the collector relies on — *published set ∪ entry log ⊇ every shared reference
//! the instance can reach* — like this:
//!
//! * **Entry log.** Every shared reference that enters the VM is logged: allocation (inside
//!   `Mutator::alloc`), loads ([`Vm::from_shared_word`]), references made from a `SharedRef`
//!   ([`Vm::shared_value`]) and message decoding (the runtime's clone, through `shared_value`).
//! * **Full publication.** A local collection marks from every local root and meets every
//!   shared reference the VM holds in values, so that set replaces the published set and the
//!   log — unless some native on the Rust stack holds shared words in Rust variables that no
//!   local root shows (a structured clone running a getter, ASON's
//!   `toJSON`, the LRU cache's `afterRemoval` while it evicts several entries). Such natives call scripts through [`Vm::with_shared_words_held`], and
//!   while one is active only the log is added. (Natives that hold *values* root them on the
//!   handle stack for the local collector already, whatever heap they point into.)
//! * **Safepoints.** The mutator's hook sets [`attention::SHARED_GC`] on a request; the
//!   interpreter's safepoint and every event-loop turn answer it ([`Vm::shared_safepoint`]).
//!   A request served while this VM was parked leaves its published set stale (larger than
//!   needed), so the next turn republishes it exactly.
//! * **Parking.** Every blocking wait of a VM's thread goes through [`Vm::parked`] /
//!   [`SendableState::parked`], which releases the mutator lock: a VM blocked with the lock would
//!   stop every other instance at its next safepoint.

use super::SendableState;
use crate::value::Value;
use crate::vm::{attention, Vm};
use skiff_shared::{Mutator, Pins, SharedHeap, SharedRef};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Entries in the root log above which an instance that goes to sleep republishes its roots
/// exactly (a local collection) instead of leaving them all rooted.
const PUBLISH_BEFORE_PARK: usize = 1024;

/// Registers a mutator for a VM whose attention word is `attention`.
pub(super) fn register(attention: &Arc<AtomicU32>) -> Mutator {
    let attention = attention.clone();
    SharedHeap::global().register(Some(Arc::new(move || {
        attention.fetch_or(attention::SHARED_GC, Ordering::Relaxed);
    })))
}

impl SendableState {
    /// Runs `f` with this VM parked: the mutator lock is released, so a shared-heap collection
    /// can run meanwhile. `f` must not touch the shared heap. Use it around every blocking wait
    /// (channel receives, condition variables, joins).
    pub fn parked<R>(&mut self, f: impl FnOnce() -> R) -> R {
        match self.mutator.as_mut() {
            Some(m) => m.while_parked(f),
            None => f(),
        }
    }
}

impl Vm {
    /// [`SendableState::parked`] for code that does not need other parts of the VM inside `f`.
    pub fn parked<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.sendable.parked(f)
    }

    /// Parks this VM until [`Vm::unpark`]: for an embedder that waits outside the VM (the
    /// REPL's prompt) and still reads the VM meanwhile. Shared cells read as missing while
    /// parked.
    pub fn park(&mut self) {
        if let Some(m) = self.sendable.mutator.as_mut() {
            m.park();
        }
    }

    /// Ends [`Vm::park`].
    pub fn unpark(&mut self) {
        if let Some(m) = self.sendable.mutator.as_mut() {
            m.unpark();
        }
    }

    /// A shared reference as a value of this VM, logged as an entry (see the module docs).
    /// Use it wherever a `SharedRef` that did not come out of a value becomes one.
    pub fn shared_value(&mut self, r: SharedRef) -> Value {
        self.mutator().note_root(r);
        Value::shared(r.0)
    }

    /// Called before this VM parks with nothing of its own to run (the top of its event loop):
    /// if many references entered since the last full publication, publishes the exact set
    /// now, so that what the instance dropped does not stay rooted while it sleeps.
    pub fn before_park(&mut self) {
        let logged = self
            .sendable
            .mutator
            .as_ref()
            .map_or(0, |m| m.root_log_len());
        if logged >= PUBLISH_BEFORE_PARK && self.native_depth == 0 {
            self.collect_garbage();
        }
    }

    /// Runs `f` (which calls scripts) while the caller holds shared words or references in
    /// Rust variables that no local root shows: until it returns, collections this VM takes
    /// part in keep everything that entered it (see the module docs).
    pub fn with_shared_words_held<R>(&mut self, f: impl FnOnce(&mut Vm) -> R) -> R {
        self.sendable.words_held += 1;
        let r = f(self);
        self.sendable.words_held -= 1;
        r
    }

    /// Pins the shared references of an outgoing message (slots of `Value::shared`s) until the
    /// returned [`Pins`] is dropped: in flight, no instance holds them.
    pub fn pin_shared(&mut self, slots: impl IntoIterator<Item = u32>) -> Pins {
        let refs: Vec<SharedRef> = slots.into_iter().map(SharedRef).collect();
        self.mutator().pin_all(refs)
    }

    /// Answers a shared-heap collection request (or refreshes a stale root set): publishes
    /// this VM's roots and takes part in the collection if one is still pending.
    pub fn shared_safepoint(&mut self) {
        if self.sendable.mutator.is_none() {
            return;
        }
        if self.sendable.words_held == 0 {
            // The local collection publishes the exact set (`publish_shared_roots`).
            self.collect_garbage();
        } else {
            self.sendable.roots_stale = true;
        }
        self.mutator().safepoint_incremental();
    }

    /// Called by every event-loop turn, where no script runs: answers a pending request or
    /// replaces a root set left stale by a collection that ran while this VM was parked or deep
    /// in native code.
    pub(crate) fn shared_turn(&mut self) {
        let requested = self.poll_attention() & attention::SHARED_GC != 0;
        if requested {
            self.attention
                .fetch_and(!attention::SHARED_GC, Ordering::Relaxed);
        }
        if requested || self.sendable.roots_stale {
            self.shared_safepoint();
        }
    }

    /// Publishes the shared references found by a local collection as this VM's roots, when
    /// they are complete (see the module docs).
    pub(crate) fn publish_shared_roots(&mut self, shared: Vec<u32>) {
        if self.sendable.words_held > 0 {
            return;
        }
        if let Some(m) = self.sendable.mutator.as_mut() {
            m.publish_roots(shared.into_iter().map(SharedRef));
            self.sendable.roots_stale = false;
        }
    }
}
