// wrong: the map's lock is held through the slow load, so one slow key blocks every other key
// expect: hold the map's lock only to find the slot
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
        let mut slots = self.slots.lock().unwrap();
        let slot = slots.entry(key.to_string()).or_default();
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
