//! `collections.Map` and `collections.Set`: insertion-ordered, SameValueZero keys, fail-fast.
//!
//! Entries live in a vector in insertion order, each tagged with a sequence number that never
//! changes; deletion leaves a tombstone and compaction drops tombstones without renumbering.
//! Iteration uses a *cursor* (the next sequence number to visit) instead of a vector index, so
//! an iterator survives deletions, compactions and `clear()` and still visits entries added
//! later, as JS requires. Iterator steps do not touch the fail-fast counter (ArkTS iterators
//! hold no lock); `forEach` holds a [`ReadScope`] for its whole call.

use crate::error::SharedResult;
use crate::failfast::{FailFast, Guarded, ReadGuard, ReadScope, WriteGuard};
use crate::heap::HeapView;
use crate::string::SharedStr;
use crate::word::SharedWord;
use num_bigint::BigInt;
use rustc_hash::FxHashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A key under SameValueZero: numbers by value (-0 as +0, one NaN), strings and BigInts by
/// content, every other reference by identity. Built by [`HeapView::map_key`].
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum MapKey {
    Number(u64),
    Special(u64),
    Str(SharedStr),
    BigInt(BigInt),
    Ref(u32),
}

/// An iteration cursor: the sequence number of the next entry to visit. Start at
/// [`Cursor::START`]; each step returns the cursor for the following one.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct Cursor(pub u64);

impl Cursor {
    pub const START: Cursor = Cursor(0);
}

#[derive(Debug)]
struct Entry {
    seq: u64,
    key: SharedWord,
    value: SharedWord,
    live: bool,
}

#[derive(Debug, Default)]
struct Table {
    entries: Vec<Entry>,
    index: FxHashMap<MapKey, usize>,
    next_seq: u64,
    dead: usize,
}

impl Table {
    fn len(&self) -> usize {
        self.entries.len() - self.dead
    }

    fn get(&self, k: &MapKey) -> Option<&Entry> {
        self.index.get(k).map(|&i| &self.entries[i])
    }

    /// Inserts or updates; returns the previous value.
    fn insert(&mut self, k: MapKey, key: SharedWord, value: SharedWord) -> Option<SharedWord> {
        if let Some(&i) = self.index.get(&k) {
            return Some(std::mem::replace(&mut self.entries[i].value, value));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.index.insert(k, self.entries.len());
        self.entries.push(Entry {
            seq,
            key,
            value,
            live: true,
        });
        None
    }

    fn remove(&mut self, k: &MapKey) -> Option<SharedWord> {
        let i = self.index.remove(k)?;
        let e = &mut self.entries[i];
        e.live = false;
        let old = e.value;
        e.key = SharedWord::UNDEFINED;
        e.value = SharedWord::UNDEFINED;
        self.dead += 1;
        if self.dead > 16 && self.dead * 2 > self.entries.len() {
            self.compact();
        }
        Some(old)
    }

    fn compact(&mut self) {
        // Old position -> new position for live entries; the index is remapped in place, and
        // sequence numbers (what cursors hold) do not change.
        let mut new_pos = vec![usize::MAX; self.entries.len()];
        let mut next = 0;
        for (old, e) in self.entries.iter().enumerate() {
            if e.live {
                new_pos[old] = next;
                next += 1;
            }
        }
        self.entries.retain(|e| e.live);
        for pos in self.index.values_mut() {
            *pos = new_pos[*pos];
        }
        self.dead = 0;
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
        self.dead = 0;
    }

    /// The first live entry whose sequence number is ≥ the cursor.
    fn at_cursor(&self, c: Cursor) -> Option<(Cursor, SharedWord, SharedWord)> {
        let start = self.entries.partition_point(|e| e.seq < c.0);
        self.entries[start..]
            .iter()
            .find(|e| e.live)
            .map(|e| (Cursor(e.seq + 1), e.key, e.value))
    }

    fn trace(&self, out: &mut Vec<u32>) {
        for e in self.entries.iter().filter(|e| e.live) {
            out.extend(e.key.as_ref().map(|r| r.0));
            out.extend(e.value.as_ref().map(|r| r.0));
        }
    }
}

fn read_table(t: &RwLock<Table>) -> RwLockReadGuard<'_, Table> {
    // Held for one call only; the fail-fast counter excludes conflicting callers.
    t.read().unwrap_or_else(|e| e.into_inner())
}

fn write_table(t: &RwLock<Table>) -> RwLockWriteGuard<'_, Table> {
    t.write().unwrap_or_else(|e| e.into_inner())
}

/// A SendableMap.
#[derive(Debug, Default)]
pub struct SendableMap {
    ff: FailFast,
    table: RwLock<Table>,
}

impl Guarded for SendableMap {
    fn fail_fast(&self) -> &FailFast {
        &self.ff
    }
}

impl SendableMap {
    pub fn new() -> SendableMap {
        SendableMap::default()
    }

    /// Enters a reader scope for `forEach` (held while the callbacks run).
    pub fn read_scope(self: &Arc<Self>) -> SharedResult<ReadScope<SendableMap>> {
        ReadScope::new(self)
    }

    /// `size`.
    pub fn size(&self) -> SharedResult<usize> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(read_table(&self.table).len())
    }

    /// `get(k)`: undefined when absent.
    pub fn get(&self, view: &HeapView, key: SharedWord) -> SharedResult<SharedWord> {
        let _g = ReadGuard::new(&self.ff)?;
        let k = view.map_key(key);
        Ok(read_table(&self.table)
            .get(&k)
            .map_or(SharedWord::UNDEFINED, |e| e.value))
    }

    /// `has(k)`.
    pub fn has(&self, view: &HeapView, key: SharedWord) -> SharedResult<bool> {
        let _g = ReadGuard::new(&self.ff)?;
        let k = view.map_key(key);
        Ok(read_table(&self.table).get(&k).is_some())
    }

    /// `set(k, v)` and `put(k, v)`: returns the previous value (`put`'s result).
    pub fn set(
        &self,
        view: &HeapView,
        key: SharedWord,
        value: SharedWord,
    ) -> SharedResult<Option<SharedWord>> {
        let _g = WriteGuard::new(&self.ff)?;
        let k = view.map_key(key);
        Ok(write_table(&self.table).insert(k, key, value))
    }

    /// `delete(k)` (`is_some()`) and `remove(k)` (the removed value).
    pub fn delete(&self, view: &HeapView, key: SharedWord) -> SharedResult<Option<SharedWord>> {
        let _g = WriteGuard::new(&self.ff)?;
        let k = view.map_key(key);
        Ok(write_table(&self.table).remove(&k))
    }

    /// `clear()`.
    pub fn clear(&self) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        write_table(&self.table).clear();
        Ok(())
    }

    /// `containsValue(v)` under SameValueZero.
    pub fn contains_value(&self, view: &HeapView, value: SharedWord) -> SharedResult<bool> {
        let _g = ReadGuard::new(&self.ff)?;
        let t = read_table(&self.table);
        Ok(t.entries
            .iter()
            .any(|e| e.live && view.same_value_zero(e.value, value)))
    }

    /// One iterator step: the entry at or after `cursor`, and the cursor for the next step.
    /// Iterators take no fail-fast scope; deletion, insertion and `clear()` in between steps
    /// are allowed and observed as in JS.
    pub fn entry_at(&self, cursor: Cursor) -> Option<(Cursor, SharedWord, SharedWord)> {
        read_table(&self.table).at_cursor(cursor)
    }

    /// All entries in insertion order.
    pub fn entries(&self) -> SharedResult<Vec<(SharedWord, SharedWord)>> {
        let _g = ReadGuard::new(&self.ff)?;
        let t = read_table(&self.table);
        Ok(t.entries
            .iter()
            .filter(|e| e.live)
            .map(|e| (e.key, e.value))
            .collect())
    }

    pub(crate) fn trace(&self, out: &mut Vec<u32>) {
        read_table(&self.table).trace(out);
    }
}

/// Entry access inside a `forEach` reader scope.
impl ReadScope<SendableMap> {
    /// One step of `forEach`: like [`SendableMap::entry_at`].
    pub fn next_entry(&self, cursor: Cursor) -> Option<(Cursor, SharedWord, SharedWord)> {
        read_table(&self.table).at_cursor(cursor)
    }
}

/// A SendableSet: a [`SendableMap`] whose values are unused.
#[derive(Debug, Default)]
pub struct SendableSet {
    ff: FailFast,
    table: RwLock<Table>,
}

impl Guarded for SendableSet {
    fn fail_fast(&self) -> &FailFast {
        &self.ff
    }
}

impl SendableSet {
    pub fn new() -> SendableSet {
        SendableSet::default()
    }

    /// Enters a reader scope for `forEach`.
    pub fn read_scope(self: &Arc<Self>) -> SharedResult<ReadScope<SendableSet>> {
        ReadScope::new(self)
    }

    pub fn size(&self) -> SharedResult<usize> {
        let _g = ReadGuard::new(&self.ff)?;
        Ok(read_table(&self.table).len())
    }

    pub fn has(&self, view: &HeapView, value: SharedWord) -> SharedResult<bool> {
        let _g = ReadGuard::new(&self.ff)?;
        let k = view.map_key(value);
        Ok(read_table(&self.table).get(&k).is_some())
    }

    /// `add(v)`: returns true if the value was new.
    pub fn add(&self, view: &HeapView, value: SharedWord) -> SharedResult<bool> {
        let _g = WriteGuard::new(&self.ff)?;
        let k = view.map_key(value);
        Ok(write_table(&self.table)
            .insert(k, value, SharedWord::UNDEFINED)
            .is_none())
    }

    /// `delete(v)`: returns true if the value was present.
    pub fn delete(&self, view: &HeapView, value: SharedWord) -> SharedResult<bool> {
        let _g = WriteGuard::new(&self.ff)?;
        let k = view.map_key(value);
        Ok(write_table(&self.table).remove(&k).is_some())
    }

    pub fn clear(&self) -> SharedResult<()> {
        let _g = WriteGuard::new(&self.ff)?;
        write_table(&self.table).clear();
        Ok(())
    }

    /// One iterator step: the value at or after `cursor`, and the next cursor.
    pub fn value_at(&self, cursor: Cursor) -> Option<(Cursor, SharedWord)> {
        read_table(&self.table)
            .at_cursor(cursor)
            .map(|(c, k, _)| (c, k))
    }

    /// All values in insertion order.
    pub fn values(&self) -> SharedResult<Vec<SharedWord>> {
        let _g = ReadGuard::new(&self.ff)?;
        let t = read_table(&self.table);
        Ok(t.entries.iter().filter(|e| e.live).map(|e| e.key).collect())
    }

    pub(crate) fn trace(&self, out: &mut Vec<u32>) {
        read_table(&self.table).trace(out);
    }
}

/// Value access inside a `forEach` reader scope.
impl ReadScope<SendableSet> {
    pub fn next_value(&self, cursor: Cursor) -> Option<(Cursor, SharedWord)> {
        read_table(&self.table)
            .at_cursor(cursor)
            .map(|(c, k, _)| (c, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::{HeapConfig, SharedHeap};
    use crate::SharedError;

    fn n(x: f64) -> SharedWord {
        SharedWord::number(x)
    }

    #[test]
    fn same_value_zero_keys() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        let a = m.alloc_str("k".into()).unwrap_or_default();
        let b = m.alloc_str("k".into()).unwrap_or_default();
        let big1 = m.alloc_bigint(BigInt::from(5)).unwrap_or_default();
        let big2 = m.alloc_bigint(BigInt::from(5)).unwrap_or_default();
        let o1 = m
            .alloc_array(vec![])
            .map(SharedWord::from)
            .unwrap_or_default();
        let o2 = m
            .alloc_array(vec![])
            .map(SharedWord::from)
            .unwrap_or_default();
        let map = SendableMap::new();
        let v = &*m;
        map.set(v, n(f64::NAN), n(1.0)).ok();
        assert_eq!(map.get(v, n(f64::NAN)), Ok(n(1.0)));
        map.set(v, n(-0.0), n(2.0)).ok();
        assert_eq!(map.get(v, n(0.0)), Ok(n(2.0)));
        map.set(v, a, n(3.0)).ok();
        assert_eq!(map.get(v, b), Ok(n(3.0)), "strings by content");
        map.set(v, big1, n(4.0)).ok();
        assert_eq!(map.get(v, big2), Ok(n(4.0)), "BigInts by value");
        map.set(v, o1, n(5.0)).ok();
        assert_eq!(
            map.get(v, o2),
            Ok(SharedWord::UNDEFINED),
            "objects by identity"
        );
        assert_eq!(map.size(), Ok(5));
        assert_eq!(
            map.set(v, a, n(6.0)),
            Ok(Some(n(3.0))),
            "put returns the old value"
        );
        assert_eq!(map.delete(v, b), Ok(Some(n(6.0))));
        assert_eq!(map.contains_value(v, n(5.0)), Ok(true));
        assert!(
            v.same_value_zero(n(f64::NAN), n(f64::NAN))
                && !v.strict_equals(n(f64::NAN), n(f64::NAN))
        );
        assert!(v.strict_equals(n(-0.0), n(0.0)) && v.strict_equals(a, b));
        let set = SendableSet::new();
        assert_eq!(set.add(v, a), Ok(true));
        assert_eq!(set.add(v, b), Ok(false));
        assert_eq!(set.has(v, n(1.0)), Ok(false));
        assert_eq!(set.delete(v, b), Ok(true));
        assert_eq!(set.size(), Ok(0));
    }

    #[test]
    fn iteration_tolerates_deletion_compaction_and_clear() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let m = heap.register(None);
        let v = &*m;
        let map = SendableMap::new();
        for i in 0..5 {
            map.set(v, n(i as f64), n(i as f64)).ok();
        }
        // Deleting the even keys while iterating 0..4 leaves size 2.
        let mut c = Cursor::START;
        let mut seen = vec![];
        while let Some((next, k, _)) = map.entry_at(c) {
            seen.push(k.as_number().unwrap_or(-1.0));
            if let Some(x) = k.as_number() {
                if x as i64 % 2 == 0 {
                    map.delete(v, k).ok();
                }
            }
            c = next;
        }
        assert_eq!(seen, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(map.size(), Ok(2));
        // Many deletions force compaction under a live cursor.
        let big = SendableMap::new();
        for i in 0..100 {
            big.set(v, n(i as f64), n(0.0)).ok();
        }
        let (mut c, _, _) = big.entry_at(Cursor::START).unwrap_or_default();
        for i in 1..90 {
            big.delete(v, n(i as f64)).ok();
        }
        let mut rest = vec![];
        while let Some((next, k, _)) = big.entry_at(c) {
            rest.push(k.as_number().unwrap_or(-1.0));
            c = next;
        }
        assert_eq!(rest, (90..100).map(f64::from).collect::<Vec<_>>());
        assert_eq!(
            big.get(v, n(95.0)),
            Ok(n(0.0)),
            "the index survives compaction"
        );
        // clear() ends the loop; entries added afterwards are visited.
        let (c, _, _) = map.entry_at(Cursor::START).unwrap_or_default();
        map.clear().ok();
        assert_eq!(map.entry_at(c), None);
        map.set(v, n(7.0), n(7.0)).ok();
        assert_eq!(map.entry_at(c).map(|e| e.1), Some(n(7.0)));
    }

    #[test]
    fn for_each_scope_blocks_mutation() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let m = heap.register(None);
        let v = &*m;
        let map = Arc::new(SendableMap::new());
        map.set(v, n(1.0), n(1.0)).ok();
        let scope = map.read_scope().unwrap_or_else(|e| panic!("{e}"));
        let mut c = Cursor::START;
        while let Some((next, k, _)) = scope.next_entry(c) {
            assert_eq!(
                map.set(v, n(2.0), n(2.0)),
                Err(SharedError::ConcurrentModification)
            );
            assert_eq!(map.delete(v, k), Err(SharedError::ConcurrentModification));
            assert_eq!(map.clear(), Err(SharedError::ConcurrentModification));
            assert_eq!(map.has(v, k), Ok(true), "reads are fine");
            c = next;
        }
        drop(scope);
        let set = Arc::new(SendableSet::new());
        set.add(v, n(1.0)).ok();
        let scope = set.read_scope().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scope.next_value(Cursor::START).map(|x| x.1), Some(n(1.0)));
        assert_eq!(set.add(v, n(2.0)), Err(SharedError::ConcurrentModification));
    }
}
