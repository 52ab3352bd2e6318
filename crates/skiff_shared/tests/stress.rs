//! Multi-threaded stress tests: racing fields never tear, collections either succeed or throw
//! 10200201, an AsyncLock-protected counter is exact, and shared garbage is reclaimed.
//! Each test is sized to finish well under two seconds in a debug build.

use skiff_shared::{
    Cell, FieldDesc, FieldType, HeapConfig, LockMode, Mutator, Requested, SendableClass,
    SharedError, SharedHeap, SharedRef, SharedWord,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

fn class(name: &str, fields: &[(&str, FieldType)]) -> Arc<SendableClass> {
    let own = fields
        .iter()
        .enumerate()
        .map(|(i, (n, ty))| FieldDesc {
            atom: 1000 + i as u32,
            name: (*n).into(),
            ty: *ty,
        })
        .collect();
    SendableClass::new(name, None, own).unwrap_or_else(|e| panic!("{e}"))
}

fn ok<T>(r: Result<T, SharedError>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// A number word whose two 32-bit halves are equal: a torn read would show different halves.
fn paired(k: u32) -> SharedWord {
    let k = k % 0x7FF0_0000;
    let bits = (u64::from(k) << 32) | u64::from(k);
    SharedWord::from_bits(bits).unwrap_or_else(|_| panic!("{bits:x} is a number"))
}

#[test]
fn racing_field_writes_never_tear() {
    let heap = SharedHeap::leak_new(HeapConfig::default());
    let node = class(
        "Node",
        &[("v", FieldType::GENERIC), ("next", FieldType::SENDABLE)],
    );
    let mut m = heap.register(None);
    let target = ok(m.alloc_object(&node));
    let targets: Vec<SharedRef> = (0..4).map(|_| ok(m.alloc_object(&node))).collect();
    m.publish_roots(targets.iter().copied().chain([target]));
    let threads = 6;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let barrier = barrier.clone();
            let targets = targets.clone();
            thread::spawn(move || {
                let m = heap.register(None);
                barrier.wait();
                let Some(o) = m.object(target) else {
                    panic!("target missing")
                };
                for i in 0..40_000u32 {
                    if t % 2 == 0 {
                        ok(o.set(
                            &m,
                            0,
                            paired(i.wrapping_mul(2_654_435_761).wrapping_add(t as u32)),
                        ));
                        ok(o.set(
                            &m,
                            1,
                            SharedWord::from_ref(targets[(i as usize + t) % targets.len()]),
                        ));
                    } else {
                        let w = o.get(0);
                        if let Some(n) = w.as_number() {
                            let bits = n.to_bits();
                            assert_eq!(bits >> 32, bits & 0xFFFF_FFFF, "torn read {bits:x}");
                        } else {
                            assert!(w.is_undefined());
                        }
                        let next = o.get(1);
                        if let Some(r) = next.as_ref() {
                            assert!(
                                targets.contains(&r) && m.object(r).is_some(),
                                "a dangling reference"
                            );
                        }
                    }
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
}

#[test]
fn collections_under_concurrent_use_succeed_or_throw_10200201() {
    let heap = SharedHeap::leak_new(HeapConfig::default());
    let mut m = heap.register(None);
    let arr_ref = ok(m.alloc_array(vec![SharedWord::number(0.0); 8]));
    let map_ref = ok(m.alloc_map());
    m.publish_roots([arr_ref, map_ref]);
    let conflicts = Arc::new(AtomicUsize::new(0));
    let pushes = Arc::new(AtomicUsize::new(0));
    let pops = Arc::new(AtomicUsize::new(0));
    let threads = 6;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (conflicts, pushes, pops) = (conflicts.clone(), pushes.clone(), pops.clone());
            thread::spawn(move || {
                let m = heap.register(None);
                let (Some(arr), Some(map)) = (m.array(arr_ref).cloned(), m.map(map_ref).cloned())
                else {
                    panic!("collections missing")
                };
                let count = |r: Result<(), SharedError>| match r {
                    Ok(()) => {}
                    Err(SharedError::ConcurrentModification) => {
                        conflicts.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => panic!("unexpected {e}"),
                };
                for i in 0..5_000usize {
                    match (i + t) % 6 {
                        0 => count(
                            arr.push(&[SharedWord::number(i as f64)])
                                .map(|_| pushes.fetch_add(1, Ordering::Relaxed))
                                .map(|_| ()),
                        ),
                        1 => count(arr.pop().map(|w| {
                            if !w.is_undefined() {
                                pops.fetch_add(1, Ordering::Relaxed);
                            }
                        })),
                        2 => count(
                            arr.get(i % 16)
                                .map(|w| assert!(w.is_number() || w.is_undefined())),
                        ),
                        3 => {
                            // A forEach: hold a reader scope across the "callbacks".
                            count(arr.read_scope().map(|scope| {
                                for j in 0..scope.length().min(8) {
                                    assert!(scope.at(j).is_number());
                                    // The "callback" gives other threads time to collide.
                                    thread::yield_now();
                                }
                            }))
                        }
                        4 => count(
                            map.set(
                                &m,
                                SharedWord::number((i % 32) as f64),
                                SharedWord::number(t as f64),
                            )
                            .map(|_| ()),
                        ),
                        _ => count(
                            map.delete(&m, SharedWord::number((i % 32) as f64))
                                .map(|_| ()),
                        ),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
    let arr = m.array(arr_ref).cloned();
    let len = arr.map(|a| ok(a.len())).unwrap_or_default();
    assert_eq!(
        len,
        8 + pushes.load(Ordering::Relaxed) - pops.load(Ordering::Relaxed),
        "no lost structural update"
    );
    let size = m.map(map_ref).map(|mp| ok(mp.size())).unwrap_or_default();
    assert!(size <= 32);
    // How often threads collided depends on the scheduler, so it is reported, not asserted.
    eprintln!("conflicts: {}", conflicts.load(Ordering::Relaxed));
}

/// One thread's event queue: grants arrive as messages, as they would on an instance's loop.
fn lock_counter_worker(
    heap: &'static SharedHeap,
    lock_ref: SharedRef,
    obj: SharedRef,
    rounds: usize,
) {
    let mut m = heap.register(None);
    // The instance's id is its `contextId`, so dropping the mutator abandons only its own requests.
    let ctx = m.id();
    let (tx, rx) = mpsc::channel::<u64>();
    let Some(lock) = m.async_lock(lock_ref).cloned() else {
        panic!("lock missing")
    };
    for _ in 0..rounds {
        let tx = tx.clone();
        let id = match lock.request(
            LockMode::Exclusive,
            ctx,
            false,
            Box::new(move |id| tx.send(id).is_ok()),
        ) {
            Requested::Granted(id) => id,
            Requested::Queued(id) => {
                // Park the task (and with it this instance) until the grant event arrives.
                let got = m.while_parked(|| rx.recv());
                assert_eq!(got.ok(), Some(id));
                id
            }
            Requested::Unavailable => panic!("isAvailable was not set"),
        };
        // The critical section: a non-atomic read-modify-write of a Sendable field.
        let Some(o) = m.object(obj) else {
            panic!("counter missing")
        };
        let n = o.get(0).as_number().unwrap_or(f64::NAN);
        ok(o.set(&m, 0, SharedWord::number(n + 1.0)));
        assert!(lock.release(id));
    }
}

#[test]
fn async_lock_counter_is_exact() {
    let done = watchdog("async_lock_counter_is_exact", 30);
    let heap = SharedHeap::leak_new(HeapConfig::default());
    let counter = class("Counter", &[("n", FieldType::NUMBER)]);
    let mut m = heap.register(None);
    let lock_ref = ok(m.request_async_lock("counter"));
    let obj = ok(m.alloc_object(&counter));
    ok(m.object(obj)
        .map_or(Ok(()), |o| o.set(&m, 0, SharedWord::number(0.0))));
    m.publish_roots([obj]);
    let handles: Vec<_> = (0..8u64)
        .map(|_| thread::spawn(move || lock_counter_worker(heap, lock_ref, obj, 10_000)))
        .collect();
    let results: Vec<bool> =
        m.while_parked(|| handles.into_iter().map(|h| h.join().is_ok()).collect());
    assert!(results.iter().all(|&r| r));
    assert_eq!(
        m.object(obj).map(|o| o.get(0)),
        Some(SharedWord::number(80_000.0))
    );
    let st = ok(heap.lock_query("counter"));
    assert!(st.held.is_empty() && st.pending.is_empty());
    done.store(true, Ordering::Relaxed);
}

#[test]
fn shared_garbage_is_reclaimed_under_concurrent_allocation() {
    let done = watchdog(
        "shared_garbage_is_reclaimed_under_concurrent_allocation",
        30,
    );
    let heap = SharedHeap::leak_new(HeapConfig {
        min_gc_cells: 20_000,
    });
    let node = class(
        "Node",
        &[
            ("v", FieldType::NUMBER),
            ("next", FieldType::SENDABLE),
            ("s", FieldType::STRING),
        ],
    );
    let threads = 4;
    let per_thread = 500_000usize;
    let keep = 64usize;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let node = node.clone();
            thread::spawn(move || {
                let mut m: Mutator = heap.register(None);
                let mut ring: Vec<SharedRef> = Vec::with_capacity(keep);
                let mut prev: Option<SharedRef> = None;
                for i in 0..per_thread {
                    let r = ok(m.alloc_object(&node));
                    {
                        let Some(o) = m.object(r) else {
                            panic!("fresh object missing")
                        };
                        ok(o.set(&m, 0, SharedWord::number(i as f64)));
                        if let Some(p) = prev {
                            ok(o.set(&m, 1, SharedWord::from_ref(p)));
                        }
                    }
                    if i % 16 == 0 {
                        let s = ok(m.alloc_str(format!("t{t}-{i}").as_str().into()));
                        ok(m.object(r).map_or(Ok(()), |o| o.set(&m, 2, s)));
                    }
                    // Chains are cut every 8 nodes so most of them become garbage quickly.
                    prev = if i % 8 == 7 { None } else { Some(r) };
                    if ring.len() < keep {
                        ring.push(r);
                    } else {
                        ring[i % keep] = r;
                    }
                    if i % 64 == 0 {
                        let roots = ring.iter().copied().chain(prev);
                        let roots: Vec<SharedRef> = roots.collect();
                        if m.safepoint(|out| out.extend(roots)) {
                            // Live cells after any collection: at most every thread's ring
                            // with its chains and strings, plus what was allocated meanwhile.
                            let live = heap.stats().live_after_last_gc;
                            assert!(live < 60_000, "live cells not bounded: {live}");
                        }
                        // Rooted objects must have survived every collection intact.
                        for &k in &ring {
                            let Some(o) = m.object(k) else {
                                panic!("a rooted object was freed")
                            };
                            assert!(o.get(0).is_number());
                        }
                    }
                }
                m.publish_roots([]);
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
    let stats = heap.stats();
    eprintln!("{stats:?}");
    assert!(stats.collections >= 5, "collections ran: {stats:?}");
    // 2M objects (plus strings) were allocated; the slab must stay at a small multiple of
    // the trigger, not grow with the allocation count.
    assert!(
        stats.slots_high_water < 200_000,
        "slab grew without bound: {stats:?}"
    );
    heap.collect();
    let m = heap.register(None);
    assert_eq!(
        m.count_occupied(),
        0,
        "everything is garbage once the roots are gone"
    );
    assert!(matches!(m.get(SharedRef(0)), None | Some(Cell::Object(_))));
    done.store(true, Ordering::Relaxed);
}

#[test]
fn a_collector_thread_waits_for_safepoints_and_parked_instances() {
    let done = watchdog(
        "a_collector_thread_waits_for_safepoints_and_parked_instances",
        30,
    );
    let heap = SharedHeap::leak_new(HeapConfig {
        min_gc_cells: 1 << 30,
    });
    let stop = Arc::new(AtomicBool::new(false));
    let node = class("Leaf", &[("v", FieldType::NUMBER)]);
    let workers: Vec<_> = (0..3)
        .map(|t| {
            let (stop, node) = (stop.clone(), node.clone());
            thread::spawn(move || {
                let mut m = heap.register(None);
                let mine = ok(m.alloc_object(&node));
                ok(m.object(mine)
                    .map_or(Ok(()), |o| o.set(&m, 0, SharedWord::number(t as f64))));
                m.publish_roots([mine]);
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    ok(m.alloc_str("tmp".into()));
                    if t == 2 && i % 100 == 0 {
                        // This instance spends much of its time parked.
                        m.while_parked(|| thread::sleep(std::time::Duration::from_micros(200)));
                    }
                    m.safepoint(|out| out.push(mine));
                    assert_eq!(
                        m.object(mine).map(|o| o.get(0)),
                        Some(SharedWord::number(t as f64))
                    );
                    i += 1;
                }
            })
        })
        .collect();
    for _ in 0..20 {
        assert!(heap.collect().is_some());
        thread::sleep(std::time::Duration::from_millis(2));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        assert!(w.join().is_ok());
    }
    assert!(heap.stats().collections >= 20);
    done.store(true, Ordering::Relaxed);
}

#[test]
fn condition_variable_wakes_tasks_on_other_threads() {
    let done = watchdog("condition_variable_wakes_tasks_on_other_threads", 30);
    let heap = SharedHeap::leak_new(HeapConfig::default());
    let mut m = heap.register(None);
    let cv_ref = ok(m.request_condition_variable("Request1"));
    let Some(cv) = m.condition_variable(cv_ref).cloned() else {
        panic!("cv missing")
    };
    let waiting = Arc::new(Barrier::new(5));
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let waiting = waiting.clone();
            thread::spawn(move || {
                let mut m = heap.register(None);
                let Some(cv) = m.condition_variable(cv_ref).cloned() else {
                    panic!("cv missing")
                };
                let (tx, rx) = mpsc::channel();
                let id = cv.wait(Box::new(move |id| tx.send(id).is_ok()));
                waiting.wait();
                assert_eq!(m.while_parked(|| rx.recv()).ok(), Some(id));
            })
        })
        .collect();
    waiting.wait();
    assert!(cv.notify_one());
    assert_eq!(cv.notify_all(), 3);
    let joined: Vec<bool> =
        m.while_parked(|| waiters.into_iter().map(|h| h.join().is_ok()).collect());
    assert!(joined.into_iter().all(|j| j));
    done.store(true, Ordering::Relaxed);
}

#[test]
fn objects_reachable_only_through_shared_collections_survive_collections() {
    let done = watchdog(
        "objects_reachable_only_through_shared_collections_survive_collections",
        30,
    );
    let heap = SharedHeap::leak_new(HeapConfig {
        min_gc_cells: 2_000,
    });
    let item = class(
        "Item",
        &[("v", FieldType::NUMBER), ("s", FieldType::STRING)],
    );
    let mut m = heap.register(None);
    let queue = ok(m.alloc_array(vec![]));
    let index = ok(m.alloc_map());
    m.publish_roots([queue, index]);
    let consumed = Arc::new(AtomicUsize::new(0));
    let per_producer = 20_000usize;
    let mut handles = Vec::new();
    for p in 0..2usize {
        let item = item.clone();
        handles.push(thread::spawn(move || {
            let mut m = heap.register(None);
            for i in 0..per_producer {
                let r = ok(m.alloc_object(&item));
                let s = ok(m.alloc_str(format!("{p}:{i}").as_str().into()));
                {
                    let Some(o) = m.object(r) else {
                        panic!("fresh object missing")
                    };
                    ok(o.set(&m, 0, SharedWord::number(i as f64)));
                    ok(o.set(&m, 1, s));
                }
                let (Some(q), Some(ix)) = (m.array(queue).cloned(), m.map(index).cloned()) else {
                    panic!("queue missing")
                };
                // Retry on 10200201 until the element is in; the string key also goes into a map.
                while q.push(&[SharedWord::from_ref(r)]).is_err() {
                    thread::yield_now();
                }
                while ix.set(&m, s, SharedWord::number(i as f64)).is_err() {
                    thread::yield_now();
                }
                // The new object is now reachable only through the shared queue.
                m.safepoint(|_| {});
            }
        }));
    }
    for _ in 0..2 {
        let consumed = consumed.clone();
        handles.push(thread::spawn(move || {
            let mut m = heap.register(None);
            while consumed.load(Ordering::Relaxed) < 2 * per_producer {
                let Some(q) = m.array(queue).cloned() else {
                    panic!("queue missing")
                };
                match q.shift() {
                    Ok(w) if w.is_undefined() => thread::yield_now(),
                    Ok(w) => {
                        let r = w.as_ref().unwrap_or(SharedRef(u32::MAX));
                        let Some(o) = m.object(r) else {
                            panic!("a queued object was freed")
                        };
                        assert!(o.get(0).is_number());
                        let s = o
                            .get(1)
                            .as_ref()
                            .and_then(|s| m.str(s))
                            .map(|s| s.to_rust_string());
                        assert!(s.is_some_and(|s| s.contains(':')), "its string was freed");
                        consumed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(SharedError::ConcurrentModification) => thread::yield_now(),
                    Err(e) => panic!("{e}"),
                }
                m.safepoint(|_| {});
            }
        }));
    }
    let joined: Vec<bool> =
        m.while_parked(|| handles.into_iter().map(|h| h.join().is_ok()).collect());
    assert!(joined.into_iter().all(|j| j));
    let stats = heap.stats();
    assert!(stats.collections > 0, "{stats:?}");
    assert_eq!(m.map(index).map(|ix| ok(ix.size())), Some(2 * per_producer));
    m.collect(|out| out.extend([queue, index]));
    // The consumed items are garbage; the map's 40,000 string keys are not.
    let occupied = m.count_occupied();
    assert!(
        (2 * per_producer..2 * per_producer + 10).contains(&occupied),
        "{occupied}"
    );
    done.store(true, Ordering::Relaxed);
}

/// Fails the whole test binary (instead of hanging it) if a test deadlocks.
fn watchdog(name: &'static str, secs: u64) -> Arc<AtomicBool> {
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < deadline {
            if d.load(Ordering::Relaxed) {
                return;
            }
            thread::sleep(std::time::Duration::from_millis(20));
        }
        eprintln!("{name}: deadlocked (no progress in {secs} s)");
        std::process::exit(101);
    });
    done
}

#[test]
fn gc_request_storm_never_deadlocks() {
    let done = watchdog("gc_request_storm_never_deadlocks", 30);
    // A tiny trigger makes requests, joins and back-to-back collections constant.
    let heap = SharedHeap::leak_new(HeapConfig { min_gc_cells: 64 });
    // A large live set makes every mark phase long, widening the windows in which a thread can
    // be preempted between deciding to collect and claiming the collector role.
    let mut m = heap.register(None);
    let ballast = ok(m.alloc_array(vec![]));
    for _ in 0..20_000 {
        let s = ok(m.alloc_str("ballast".into()));
        m.array(ballast).map(|a| a.push(&[s]));
    }
    heap.set_global_roots("ballast", vec![ballast]);
    drop(m);
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|t| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut m = heap.register(None);
                let keep = ok(m.alloc_array(vec![]));
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let s = ok(m.alloc_str("x".into()));
                    if i % 8 == 0 {
                        if let Some(a) = m.array(keep) {
                            let _ = a.push(&[s]);
                            if ok(a.len()) > 32 {
                                let _ = a.shift();
                            }
                        }
                    }
                    match (i + t) % 3 {
                        0 => {
                            m.safepoint(|out| out.push(keep));
                        }
                        1 => {
                            m.publish_roots([keep]);
                            m.safepoint_incremental();
                        }
                        _ => {
                            m.publish_roots([keep]);
                            if i % 50 == 0 {
                                m.while_parked(thread::yield_now);
                            }
                        }
                    }
                    assert!(m.array(keep).is_some(), "a rooted array was freed");
                    i += 1;
                }
            })
        })
        .collect();
    for _ in 0..30 {
        heap.collect();
        thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        assert!(w.join().is_ok());
    }
    done.store(true, Ordering::Relaxed);
    assert!(heap.stats().collections >= 30);
}
