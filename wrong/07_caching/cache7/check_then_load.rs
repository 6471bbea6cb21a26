// wrong: checks the slot, loads, then sets it: every caller that misses before the first load ends loads again
// expect: they should share a single load
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
//! load would make every key wait for one slow query. (A real cache also
//! expires and evicts slots, and decides what a failed load means for the
//! waiters; cache8 uses a crate that does all that.)
//!
//! Read more: https://doc.rust-lang.org/std/sync/struct.OnceLock.html and
//! https://pkg.go.dev/golang.org/x/sync/singleflight (the Go original)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

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
        if let Some(value) = slot.get() {
            return value.clone();
        }
        let value = self.store.load(key);
        let _ = slot.set(value.clone());
        value
    }
}

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
