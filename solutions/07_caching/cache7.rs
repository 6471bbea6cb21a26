//! # Single-flight: many concurrent misses, one load
//!
//! A popular key is missing from the cache (the server just started, or the
//! entry expired) and 50 requests for it arrive at once. With plain
//! cache-aside, each of them misses, each queries the database, and each puts
//! the same value into the cache: 50 identical queries where one would do.
//! Under load that is how a cache expiry takes a database down: a *cache
//! stampede* (also "thundering herd" or "dogpile").
//!
//! *Single-flight* (request coalescing) lets the first caller for a key do
//! the load while the others wait for its result. Rust's std has the building
//! block: `OnceLock::get_or_init(f)` runs `f` in exactly one thread; every
//! other caller blocks until the value is there, then gets it. So keep one
//! slot per key, `Arc<OnceLock<String>>`, in a `Mutex<HashMap<..>>`:
//! 1. lock the map, get the key's slot or insert an empty one
//!    (`entry(..).or_default()`), clone the `Arc`, and *release the lock*;
//! 2. `slot.get_or_init(|| self.store.load(key))`.
//!
//! Step 1 must not hold the map's lock during the load: a lock around the
//! load would make every key wait for one slow query. And step 1 is one lock:
//! a check in one lock and an insert in a second lets two threads that miss
//! together both see "no slot", each insert their own, and both load. Such a
//! race is rare on a quiet machine, so the `Mutex` in this file is the course's
//! (`mod watched` at the bottom: it works like std's) and lets the tests pause
//! a thread between your two locks to make the race happen every time. (A real cache also
//! expires and evicts slots, and decides what a failed load means for the
//! waiters; cache8 uses a crate that does all that.)
//!
//! Read more: https://doc.rust-lang.org/std/sync/struct.OnceLock.html and
//! https://pkg.go.dev/golang.org/x/sync/singleflight (the Go original)

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use watched::Mutex;

/// The slow source of truth. `Send + Sync`: many threads call it at once.
trait Store: Send + Sync {
    fn load(&self, key: &str) -> String;
}

struct SingleFlightCache {
    store: Arc<dyn Store>,
    /// One slot per key: filled once, by whichever caller gets there first.
    slots: Mutex<HashMap<String, Arc<OnceLock<String>>>>,
}

impl SingleFlightCache {
    fn new(store: Arc<dyn Store>) -> Self {
        let slots = Mutex::new(HashMap::new());
        SingleFlightCache { store, slots }
    }

    /// The value of `key`: loaded at most once, however many threads ask.
    fn get(&self, key: &str) -> String {
        let slot = {
            let mut slots = self.slots.lock().unwrap();
            Arc::clone(slots.entry(key.to_string()).or_default())
        }; // the map's lock is released here, before the slow load
        slot.get_or_init(|| self.store.load(key)).clone()
    }
}

// not graded: a demo; the tests call SingleFlightCache with stores of their own
fn main() {
    struct Upper;
    impl Store for Upper {
        fn load(&self, key: &str) -> String {
            key.to_uppercase()
        }
    }
    let cache = SingleFlightCache::new(Arc::new(Upper));
    println!("{}", cache.get("hello"));
}

/// Course code, no need to change it: the `Mutex` this file uses. It works like
/// `std::sync::Mutex` (`Mutex::new`, `lock().unwrap()`, the guard gives the value
/// until it is dropped), and lets the tests pause a thread right after it lets
/// the lock go, so they can try the interleaving where two threads miss at once.
mod watched {
    use std::ops::{Deref, DerefMut};
    use std::sync::{LockResult, MutexGuard, OnceLock, PoisonError};

    /// Called after every unlock; the tests set it.
    pub static AFTER_UNLOCK: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();

    #[derive(Default)]
    pub struct Mutex<T>(std::sync::Mutex<T>);

    pub struct Guard<'a, T>(Option<MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub fn new(value: T) -> Self {
            Mutex(std::sync::Mutex::new(value))
        }

        pub fn lock(&self) -> LockResult<Guard<'_, T>> {
            match self.0.lock() {
                Ok(guard) => Ok(Guard(Some(guard))),
                Err(poisoned) => Err(PoisonError::new(Guard(Some(poisoned.into_inner())))),
            }
        }
    }

    impl<T> Deref for Guard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0
                .as_deref()
                .expect("the guard is held until it is dropped")
        }
    }

    impl<T> DerefMut for Guard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0
                .as_deref_mut()
                .expect("the guard is held until it is dropped")
        }
    }

    impl<T> Drop for Guard<'_, T> {
        fn drop(&mut self) {
            drop(self.0.take());
            if let Some(after_unlock) = AFTER_UNLOCK.get() {
                after_unlock();
            }
        }
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::mpsc::{self, Receiver, Sender};
    use std::sync::{Barrier, Condvar, Mutex};
    use std::thread;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(5);

    /// Counts loads and reports each one on `started`. A load of "slow" then
    /// blocks until the test calls `open` (or 5 s pass, so nothing hangs).
    struct GatedStore {
        loads: AtomicUsize,
        started: Sender<String>,
        gate: Mutex<bool>,
        opened: Condvar,
    }

    impl GatedStore {
        fn new() -> (Arc<GatedStore>, Receiver<String>) {
            let (started, rx) = mpsc::channel();
            let store = GatedStore {
                loads: AtomicUsize::new(0),
                started,
                gate: Mutex::new(false),
                opened: Condvar::new(),
            };
            (Arc::new(store), rx)
        }
        fn open(&self) {
            *self.gate.lock().unwrap() = true;
            self.opened.notify_all();
        }
    }

    impl Store for GatedStore {
        fn load(&self, key: &str) -> String {
            self.loads.fetch_add(1, SeqCst);
            let _ = self.started.send(key.to_string());
            if key == "slow" {
                let gate = self.gate.lock().unwrap();
                drop(self.opened.wait_timeout_while(gate, WAIT, |open| !*open));
            }
            format!("value of {key}")
        }
    }

    #[test]
    fn fifty_concurrent_misses_cause_one_load() {
        let (store, started) = GatedStore::new();
        let cache = Arc::new(SingleFlightCache::new(store.clone()));
        let barrier = Arc::new(Barrier::new(50));
        let (done, results) = mpsc::channel();
        for _ in 0..50 {
            let (cache, barrier, done) = (cache.clone(), barrier.clone(), done.clone());
            thread::spawn(move || {
                barrier.wait();
                let _ = done.send(cache.get("slow"));
            });
        }
        let first = started.recv_timeout(WAIT);
        assert!(
            first.is_ok(),
            "50 threads called get(\"slow\"), but none reached the store within 5 s"
        );
        // While the first load is blocked, give the other 49 callers time to
        // miss as well: a cache without single-flight loads again meanwhile.
        let _ = started.recv_timeout(Duration::from_millis(500));
        store.open();
        for returned in 0..50 {
            let value = results.recv_timeout(WAIT);
            let value = value.unwrap_or_else(|_| {
                panic!("only {returned} of the 50 calls to get(\"slow\") returned within 5 s")
            });
            assert_eq!(value, "value of slow", "get(\"slow\") returned {value:?}");
        }
        let loads = store.loads.load(SeqCst);
        assert_eq!(
            loads, 1,
            "50 concurrent get(\"slow\") calls for a missing key loaded it from the store {loads} times; they should share a single load"
        );
    }

    #[test]
    fn a_slow_load_does_not_block_other_keys() {
        let (store, started) = GatedStore::new();
        let cache = Arc::new(SingleFlightCache::new(store.clone()));
        let slow = thread::spawn({
            let cache = cache.clone();
            move || cache.get("slow")
        });
        let first = started.recv_timeout(WAIT);
        assert_eq!(
            first.as_deref(),
            Ok("slow"),
            "get(\"slow\") did not reach the store within 5 s"
        );
        let (done, result) = mpsc::channel();
        thread::spawn(move || done.send(cache.get("fast")));
        let fast = result.recv_timeout(Duration::from_secs(2));
        store.open();
        assert_eq!(
            fast.as_deref(),
            Ok("value of fast"),
            "while the load of \"slow\" was in flight, get(\"fast\") did not return within 2 s: hold the map's lock only to find the slot, never during a load"
        );
        let slow = slow.join().unwrap();
        assert_eq!(slow, "value of slow", "get(\"slow\") returned {slow:?}");
    }

    #[test]
    fn loaded_values_stay_cached() {
        let (store, _started) = GatedStore::new();
        let cache = SingleFlightCache::new(store.clone());
        for key in ["a", "b", "a", "b", "a"] {
            let value = cache.get(key);
            assert_eq!(
                value,
                format!("value of {key}"),
                "get({key:?}) gave {value:?}"
            );
        }
        let loads = store.loads.load(SeqCst);
        assert_eq!(
            loads, 2,
            "reading a, b, a, b, a loaded from the store {loads} times; it should load each key once"
        );
    }

    /// Counts the loads of each key; answers at once.
    #[derive(Default)]
    struct CountingStore {
        loads: Mutex<HashMap<String, usize>>,
    }

    impl Store for CountingStore {
        fn load(&self, key: &str) -> String {
            *self
                .loads
                .lock()
                .unwrap()
                .entry(key.to_string())
                .or_default() += 1;
            format!("value of {key}")
        }
    }

    thread_local! {
        /// What the watched `Mutex` calls in this thread after each unlock.
        static AFTER_UNLOCK: RefCell<Option<Box<dyn Fn()>>> = RefCell::new(None);
    }

    /// How far thread A got: its unlocks, whether it is paused or finished, and
    /// whether B has finished.
    #[derive(Default)]
    struct Progress {
        unlocks: usize,
        paused: bool,
        a_done: bool,
        b_done: bool,
    }

    proptest! {
        #![proptest_config(crate::generated::config(24))]

        /// Thread A calls get and is paused right after its first (or second, or
        /// third) unlock of the map; meanwhile thread B calls get for the same key,
        /// or for a key that differs only by case or a character. Whatever the
        /// interleaving, each key is loaded once and both get its value.
        #[test]
        fn two_misses_in_any_interleaving_share_one_load(
            pause_after in 1usize..=3,
            (key_a, key_b) in proptest::sample::select(vec![
                ("k", "k"), ("k", "K"), ("ключ", "ключ"), ("ключ", "Ключ"), ("k", "k "), ("", ""),
            ]),
        ) {
            watched::AFTER_UNLOCK.get_or_init(|| {
                Box::new(|| AFTER_UNLOCK.with(|hook| {
                    if let Some(hook) = hook.borrow().as_ref() {
                        hook()
                    }
                }))
            });
            let store = Arc::new(CountingStore::default());
            let cache = Arc::new(SingleFlightCache::new(store.clone()));
            let progress = Arc::new((Mutex::new(Progress::default()), Condvar::new()));
            let a = thread::spawn({
                let (cache, progress) = (cache.clone(), progress.clone());
                move || {
                    let hook_progress = progress.clone();
                    AFTER_UNLOCK.with(|hook| {
                        *hook.borrow_mut() = Some(Box::new(move || {
                            let (state, changed) = &*hook_progress;
                            let mut state = state.lock().unwrap();
                            state.unlocks += 1;
                            if state.unlocks == pause_after {
                                state.paused = true;
                                changed.notify_all();
                                let (state, _) = changed
                                    .wait_timeout_while(state, WAIT, |s| !s.b_done)
                                    .unwrap();
                                drop(state);
                            }
                        }))
                    });
                    let value = cache.get(key_a);
                    AFTER_UNLOCK.with(|hook| *hook.borrow_mut() = None);
                    let (state, changed) = &*progress;
                    state.lock().unwrap().a_done = true;
                    changed.notify_all();
                    value
                }
            });
            {
                let (state, changed) = &*progress;
                let state = state.lock().unwrap();
                let (state, _) = changed
                    .wait_timeout_while(state, WAIT, |s| !s.paused && !s.a_done)
                    .unwrap();
                prop_assert!(
                    state.paused || state.a_done,
                    "get({:?}) in thread A neither returned nor let go of the map's lock within 5 s",
                    key_a
                );
            }
            let (done, result) = mpsc::channel();
            thread::spawn({
                let cache = cache.clone();
                move || done.send(cache.get(key_b))
            });
            let value_b = result.recv_timeout(WAIT);
            {
                let (state, changed) = &*progress;
                state.lock().unwrap().b_done = true;
                changed.notify_all();
            }
            let value_a = a.join().unwrap();
            let unlocks = progress.0.lock().unwrap().unlocks;
            let story = format!(
                "thread A called get({key_a:?}) and was paused right after it let go of the \
                 map's lock for the {} time (if it did; it did {unlocks} times in all); \
                 meanwhile thread B called get({key_b:?})",
                ["first", "second", "third"][pause_after - 1]
            );
            prop_assert!(
                unlocks > 0,
                "{}: get never locked the map through this file's `Mutex`: keep the slots in \
                 a `Mutex<HashMap<..>>` (the course's watched one, as the file has it)",
                story
            );
            prop_assert_eq!(value_a, format!("value of {key_a}"), "{}: A got the left value", story);
            let want_b = format!("value of {key_b}");
            prop_assert_eq!(
                value_b.as_deref().ok(),
                Some(want_b.as_str()),
                "{}: B got the left value (None: B had no answer within 5 s)",
                story
            );
            let loads = store.loads.lock().unwrap().clone();
            let mut want = HashMap::new();
            want.insert(key_a.to_string(), 1);
            want.insert(key_b.to_string(), 1);
            prop_assert_eq!(
                &loads, &want,
                "{}: the store loaded each key the number of times on the left, but each key \
                 should load once (the right). Finding the key's slot and inserting it when \
                 there is none must happen under one lock (`entry(..).or_default()`): a check \
                 in one lock and an insert in another lets two threads that miss together \
                 each insert a slot of their own and both load",
                story
            );
        }
    }
}
