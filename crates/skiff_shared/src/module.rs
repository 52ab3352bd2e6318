//! The registry of `"use shared"` modules: evaluated once per process, their environment
//! shared by every instance.
//!
//! A shared module's bindings live in a [`crate::SharedEnv`] cell that the registry roots for
//! the rest of the process. The first instance to import a module allocates the environment,
//! registers it and evaluates the module body; instances on other threads that import it
//! meanwhile wait *parked* (their mutator lock released, so a collection can still run) until
//! the evaluation finishes or fails. A circular import inside the evaluating instance gets the
//! environment at once, as ES module cycles do.

use crate::error::{SharedError, SharedResult};
use crate::heap::Mutator;
use crate::word::SharedRef;
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// What an import of a shared module should do.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ModuleStatus {
    /// Evaluated: use the environment.
    Ready(SharedRef),
    /// This instance must evaluate the module into the new environment, then call
    /// [`Mutator::finish_shared_module`].
    Evaluate(SharedRef),
    /// This instance is already evaluating it (a cycle): use the environment as it is.
    InProgress(SharedRef),
    /// An earlier evaluation threw; the message is what it threw, for the rethrow.
    Failed(String),
}

#[derive(Clone, Debug)]
enum State {
    Evaluating { env: SharedRef, by: u64 },
    Ready(SharedRef),
    Failed { env: SharedRef, message: String },
}

/// The per-heap registry of shared modules.
#[derive(Default)]
pub struct ModuleRegistry {
    modules: Mutex<BTreeMap<String, State>>,
    changed: Condvar,
    /// Instances waiting for an evaluation on another thread: mutator id → module key. Locked
    /// only while `modules` is held (lock order: `modules`, then `waits`).
    waits: Mutex<BTreeMap<u64, String>>,
}

impl ModuleRegistry {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, State>> {
        self.modules.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn waits(&self) -> MutexGuard<'_, BTreeMap<u64, String>> {
        self.waits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True if `me` waiting for an evaluation by `holder` would close a cycle of instances
    /// waiting for each other (each evaluating a module the next one imports).
    fn would_deadlock(&self, modules: &BTreeMap<String, State>, me: u64, holder: u64) -> bool {
        let waits = self.waits();
        let mut at = holder;
        for _ in 0..=waits.len() {
            if at == me {
                return true;
            }
            match waits.get(&at).and_then(|k| modules.get(k)) {
                Some(State::Evaluating { by, .. }) => at = *by,
                _ => return false,
            }
        }
        false
    }

    pub(crate) fn roots(&self, out: &mut Vec<u32>) {
        for st in self.lock().values() {
            let (State::Evaluating { env, .. } | State::Ready(env) | State::Failed { env, .. }) =
                st;
            out.push(env.0);
        }
    }

    /// Marks every module `mutator` was evaluating as failed (its instance went away) and
    /// wakes the waiters.
    pub(crate) fn abandon(&self, mutator: u64) {
        let mut g = self.lock();
        let mut any = false;
        for st in g.values_mut() {
            if let State::Evaluating { env, by } = *st {
                if by == mutator {
                    *st = State::Failed {
                        env,
                        message: "The instance evaluating the shared module ended".into(),
                    };
                    any = true;
                }
            }
        }
        if any {
            self.changed.notify_all();
        }
    }
}

impl Mutator {
    /// Imports the shared module `key` (a process-unique module path). See [`ModuleStatus`].
    /// `env_size` is the number of binding slots of a new environment.
    pub fn import_shared_module(
        &mut self,
        key: &str,
        env_size: usize,
    ) -> SharedResult<ModuleStatus> {
        let heap = self.heap();
        let me = self.id();
        {
            let g = heap.modules.lock();
            match g.get(key) {
                Some(State::Ready(env)) => return Ok(ModuleStatus::Ready(*env)),
                Some(State::Failed { message, .. }) => {
                    return Ok(ModuleStatus::Failed(message.clone()))
                }
                Some(State::Evaluating { env, by }) if *by == me => {
                    return Ok(ModuleStatus::InProgress(*env))
                }
                Some(State::Evaluating { env, by }) => {
                    // Two instances evaluating modules that import each other: waiting would
                    // deadlock, so the import sees the environment as it is (an ES cycle).
                    if heap.modules.would_deadlock(&g, me, *by) {
                        return Ok(ModuleStatus::InProgress(*env));
                    }
                    heap.modules.waits().insert(me, key.to_string());
                }
                None => {
                    drop(g);
                    return self.begin_shared_module(key, env_size);
                }
            }
        }
        // Another instance is evaluating it: wait parked, so that a collection its evaluation
        // triggers can run without us.
        let outcome = self.while_parked(|| {
            let mut g = heap.modules.lock();
            let outcome = loop {
                match g.get(key) {
                    Some(State::Evaluating { .. }) => {
                        g = heap
                            .modules
                            .changed
                            .wait(g)
                            .unwrap_or_else(|e| e.into_inner());
                    }
                    Some(State::Ready(env)) => break Some(ModuleStatus::Ready(*env)),
                    Some(State::Failed { message, .. }) => {
                        break Some(ModuleStatus::Failed(message.clone()))
                    }
                    None => break None,
                }
            };
            heap.modules.waits().remove(&me);
            outcome
        });
        match outcome {
            Some(status) => Ok(status),
            None => self.begin_shared_module(key, env_size),
        }
    }

    fn begin_shared_module(&mut self, key: &str, env_size: usize) -> SharedResult<ModuleStatus> {
        let env = self.alloc_env(None, env_size)?;
        let heap = self.heap();
        let me = self.id();
        let mut g = heap.modules.lock();
        // Another instance may have registered it between our check and the allocation; the
        // fresh environment is then garbage.
        if let Some(st) = g.get(key) {
            return Ok(match st {
                State::Ready(e) => ModuleStatus::Ready(*e),
                State::Failed { message, .. } => ModuleStatus::Failed(message.clone()),
                State::Evaluating { env, by } if *by == me => ModuleStatus::InProgress(*env),
                State::Evaluating { .. } => {
                    drop(g);
                    return self.import_shared_module(key, env_size);
                }
            });
        }
        g.insert(key.to_string(), State::Evaluating { env, by: me });
        Ok(ModuleStatus::Evaluate(env))
    }

    /// Ends this instance's evaluation of `key`: `Ok(())` publishes the environment, `Err`
    /// records the thrown message for every later import. Waiting instances wake up.
    pub fn finish_shared_module(
        &mut self,
        key: &str,
        outcome: Result<(), String>,
    ) -> SharedResult<()> {
        let heap = self.heap();
        let me = self.id();
        let mut g = heap.modules.lock();
        match g.get(key).cloned() {
            Some(State::Evaluating { env, by }) if by == me => {
                let st = match outcome {
                    Ok(()) => State::Ready(env),
                    Err(message) => State::Failed { env, message },
                };
                g.insert(key.to_string(), st);
                heap.modules.changed.notify_all();
                Ok(())
            }
            _ => Err(SharedError::Type(
                format!("Shared module {key} is not being evaluated here").into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::{HeapConfig, SharedHeap};
    use crate::word::SharedWord;
    use std::sync::{Arc, Barrier};

    #[test]
    fn evaluated_once_and_shared_by_every_instance() {
        let heap = SharedHeap::leak_new(HeapConfig {
            min_gc_cells: 1 << 30,
        });
        let mut m = heap.register(None);
        let env = match m.import_shared_module("config.ets", 2) {
            Ok(ModuleStatus::Evaluate(env)) => env,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            m.import_shared_module("config.ets", 2),
            Ok(ModuleStatus::InProgress(env)),
            "a cycle"
        );
        let started = Arc::new(Barrier::new(2));
        let s2 = started.clone();
        let waiter = std::thread::spawn(move || {
            let mut m2 = heap.register(None);
            s2.wait();
            m2.import_shared_module("config.ets", 2)
        });
        started.wait();
        // The waiter parks, so a collection can run while the module evaluates.
        std::thread::sleep(std::time::Duration::from_millis(20));
        m.collect(|_| {});
        assert!(
            m.env(env)
                .is_some_and(|e| e.set(0, SharedWord::number(42.0))),
            "the registry roots it"
        );
        assert_eq!(m.finish_shared_module("config.ets", Ok(())), Ok(()));
        assert_eq!(waiter.join().ok(), Some(Ok(ModuleStatus::Ready(env))));
        assert_eq!(
            m.import_shared_module("config.ets", 2),
            Ok(ModuleStatus::Ready(env))
        );
        assert!(
            m.finish_shared_module("config.ets", Ok(())).is_err(),
            "only the evaluator finishes"
        );
    }

    #[test]
    fn failures_are_remembered_and_abandoned_evaluations_fail() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut m = heap.register(None);
        assert!(matches!(
            m.import_shared_module("bad.ets", 0),
            Ok(ModuleStatus::Evaluate(_))
        ));
        assert_eq!(
            m.finish_shared_module("bad.ets", Err("SyntaxError: x".into())),
            Ok(())
        );
        assert_eq!(
            m.import_shared_module("bad.ets", 0),
            Ok(ModuleStatus::Failed("SyntaxError: x".into()))
        );
        let t = std::thread::spawn(move || {
            let mut m2 = heap.register(None);
            matches!(
                m2.import_shared_module("dies.ets", 0),
                Ok(ModuleStatus::Evaluate(_))
            )
            // m2 is dropped here without finishing.
        });
        assert_eq!(t.join().ok(), Some(true));
        assert!(matches!(
            m.import_shared_module("dies.ets", 0),
            Ok(ModuleStatus::Failed(_))
        ));
    }

    #[test]
    fn instances_waiting_for_each_other_do_not_deadlock() {
        let heap = SharedHeap::leak_new(HeapConfig::default());
        let mut a = heap.register(None);
        assert!(matches!(
            a.import_shared_module("a.ets", 1),
            Ok(ModuleStatus::Evaluate(_))
        ));
        let registered = Arc::new(Barrier::new(2));
        let r2 = registered.clone();
        let t = std::thread::spawn(move || {
            let mut b = heap.register(None);
            let own = b.import_shared_module("b.ets", 1);
            r2.wait();
            // `a` is evaluated by the main thread, which will wait for "b.ets": the one that
            // closes the cycle gets InProgress instead of waiting.
            let seen = b.import_shared_module("a.ets", 1);
            let _ = b.finish_shared_module("b.ets", Ok(()));
            (own, seen)
        });
        registered.wait();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let seen_b = a.import_shared_module("b.ets", 1);
        let _ = a.finish_shared_module("a.ets", Ok(()));
        let (own, seen_a) = t.join().unwrap_or((
            Err(SharedError::MismatchedType),
            Err(SharedError::MismatchedType),
        ));
        assert!(matches!(own, Ok(ModuleStatus::Evaluate(_))));
        // Exactly one side saw the cycle; the other waited and got the finished module.
        let cyc = [&seen_a, &seen_b]
            .iter()
            .filter(|s| matches!(s, Ok(ModuleStatus::InProgress(_))))
            .count();
        assert_eq!(cyc, 1, "{seen_a:?} {seen_b:?}");
        assert!(
            matches!(
                seen_a,
                Ok(ModuleStatus::Ready(_)) | Ok(ModuleStatus::InProgress(_))
            ) && matches!(
                seen_b,
                Ok(ModuleStatus::Ready(_)) | Ok(ModuleStatus::InProgress(_))
            )
        );
    }
}
