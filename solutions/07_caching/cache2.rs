//! # An LRU cache: bounded memory, least recently used goes first
//!
//! The memo of cache1 grows forever; a server that caches every distinct
//! request runs out of memory. A real cache has a *capacity*, and when it is
//! full, putting a new entry *evicts* an old one. Which one? The policy most
//! caches start from is LRU, "least recently used": evict the entry that was
//! read or written longest ago, betting that what was used recently will be
//! used again soon. A `get` that finds an entry counts as a use, so it makes
//! that entry the most recent; a `get` that finds nothing changes nothing.
//!
//! Here the recency order is a `VecDeque` of keys: the front is the least
//! recently used, the back the most recent. Moving a key to the back means
//! finding it (`iter().position`), `remove`-ing it and `push_back`-ing it: O(n)
//! in the number of entries, fine for a lesson. Production LRUs make every
//! operation O(1): a doubly linked list of entries in recency order plus a
//! `HashMap` from key to the entry's list node. A hit unlinks the node and
//! relinks it at the head; eviction takes the tail. In Rust the "pointers"
//! are usually indices into a `Vec` of nodes (that is what the `lru` crate
//! does internally).
//!
//! Read more: https://en.wikipedia.org/wiki/Cache_replacement_policies#LRU
//! and https://docs.rs/lru

use std::collections::{HashMap, VecDeque};

struct LruCache {
    capacity: usize,
    entries: HashMap<String, String>,
    /// Every key of `entries` exactly once: front = least recently used.
    order: VecDeque<String>,
}

impl LruCache {
    fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "an LRU cache needs room for at least one entry"
        );
        LruCache {
            capacity,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Makes `key` (already in `order`) the most recently used.
    fn touch(&mut self, key: &str) {
        if let Some(i) = self.order.iter().position(|k| k == key) {
            let key = self.order.remove(i).expect("the index was just found");
            self.order.push_back(key);
        }
    }

    /// The value of `key`, if cached; a hit makes `key` the most recently used.
    fn get(&mut self, key: &str) -> Option<String> {
        let value = self.entries.get(key)?.clone();
        self.touch(key);
        Some(value)
    }

    /// Stores `value` under `key` as the most recently used entry. If that
    /// needs room, evicts the least recently used entry and returns its key.
    fn put(&mut self, key: &str, value: &str) -> Option<String> {
        if self.entries.contains_key(key) {
            self.entries.insert(key.to_string(), value.to_string());
            self.touch(key);
            return None;
        }
        let mut evicted = None;
        if self.entries.len() == self.capacity {
            let oldest = self.order.pop_front().expect("a full cache has keys");
            self.entries.remove(&oldest);
            evicted = Some(oldest);
        }
        self.entries.insert(key.to_string(), value.to_string());
        self.order.push_back(key.to_string());
        evicted
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

// not graded: a demo; the tests call the functions it calls
fn main() {
    let mut cache = LruCache::new(2);
    cache.put("/a", "page a");
    cache.put("/b", "page b");
    cache.get("/a");
    println!("evicted: {:?}", cache.put("/c", "page c"));
    println!("{} entries", cache.len());
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn put(cache: &mut LruCache, key: &str, expected: Option<&str>, why: &str) {
        let evicted = cache.put(key, &format!("value of {key}"));
        assert_eq!(
            evicted.as_deref(),
            expected,
            "put({key:?}) evicted {evicted:?}, but it should evict {expected:?} ({why})"
        );
    }

    fn cache_with(capacity: usize, keys: &[&str]) -> LruCache {
        let mut cache = LruCache::new(capacity);
        for key in keys {
            put(&mut cache, key, None, "the cache still had room");
        }
        cache
    }

    #[test]
    fn full_cache_evicts_the_least_recently_used() {
        let mut cache = cache_with(2, &["a", "b"]);
        put(&mut cache, "c", Some("a"), "a is the oldest of [a, b]");
        let (a, c) = (cache.get("a"), cache.get("c"));
        assert_eq!(a, None, "a was evicted, but get(a) still finds {a:?}");
        let c = c.as_deref();
        assert_eq!(
            c,
            Some("value of c"),
            "get(c) right after put(c) gave {c:?}"
        );
        let len = cache.len();
        assert_eq!(
            len, 2,
            "a full cache of capacity 2 should hold 2 entries, not {len}"
        );
    }

    #[test]
    fn get_makes_an_entry_the_most_recent() {
        let mut cache = cache_with(2, &["a", "b"]);
        let a = cache.get("a");
        assert_eq!(
            a.as_deref(),
            Some("value of a"),
            "get(a) gave {a:?} though a is cached"
        );
        put(&mut cache, "c", Some("b"), "get(a) made b the oldest");
        assert!(
            cache.get("a").is_some(),
            "a was read last, but get(a) finds nothing"
        );
    }

    #[test]
    fn put_of_a_cached_key_updates_and_refreshes_it() {
        let mut cache = cache_with(2, &["a", "b"]);
        let evicted = cache.put("a", "new a");
        assert_eq!(evicted, None, "put(a) of a cached key evicted {evicted:?}");
        let len = cache.len();
        assert_eq!(len, 2, "after updating a, len() is {len}; it should stay 2");
        put(&mut cache, "c", Some("b"), "updating a made b the oldest");
        let a = cache.get("a");
        assert_eq!(
            a.as_deref(),
            Some("new a"),
            "get(a) after updating a: {a:?}"
        );
    }

    #[test]
    fn a_miss_changes_nothing() {
        let mut cache = cache_with(2, &["a", "b"]);
        let x = cache.get("x");
        assert_eq!(x, None, "get(x) of a key never put gave {x:?}");
        let len = cache.len();
        assert_eq!(len, 2, "after a miss, len() is {len}; it should stay 2");
        put(&mut cache, "c", Some("a"), "a miss changes no recency");
    }

    #[test]
    fn exact_eviction_order_over_a_session() {
        let mut cache = cache_with(3, &["a", "b", "c"]); // least recent first: a b c
        cache.get("a"); // b c a
        put(&mut cache, "d", Some("b"), "oldest first: b c a"); // c a d
        cache.get("c"); // a d c
        cache.put("a", "a2"); // d c a
        put(&mut cache, "e", Some("d"), "oldest first: d c a"); // c a e
        put(&mut cache, "f", Some("c"), "oldest first: c a e"); // a e f
        cache.get("e"); // a f e
        put(&mut cache, "g", Some("a"), "oldest first: a f e"); // f e g
        put(&mut cache, "h", Some("f"), "oldest first: f e g"); // e g h
    }

    #[derive(Debug, Clone)]
    enum Op {
        Get(&'static str),
        Put(&'static str, u8),
    }

    /// Keys that differ only in case or by a look-alike letter are other keys.
    const KEYS: &[&str] = &["/a", "/b", "/c", "/d", "/A", "/\u{430}", "/é", "/e\u{301}"];

    fn op() -> impl Strategy<Value = Op> {
        let key = proptest::sample::select(KEYS.to_vec());
        prop_oneof![
            1 => key.clone().prop_map(Op::Get),
            1 => (key, any::<u8>()).prop_map(|(k, v)| Op::Put(k, v)),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any session, at capacity 1 up to one more than the keys in use,
        /// against a model: a list from least to most recently used.
        #[test]
        fn any_session_matches_the_lru_model(
            capacity in prop_oneof![Just(1usize), Just(2), 1..=KEYS.len() + 1],
            ops in proptest::collection::vec(op(), 0..40),
        ) {
            let mut cache = LruCache::new(capacity);
            let mut model: Vec<(&str, String)> = Vec::new();
            for (step, op) in ops.iter().enumerate() {
                let done = &ops[..step];
                match *op {
                    Op::Get(key) => {
                        let want = model.iter().position(|(k, _)| *k == key).map(|i| {
                            let entry = model.remove(i);
                            model.push(entry.clone());
                            entry.1
                        });
                        let got = cache.get(key);
                        prop_assert_eq!(
                            &got, &want,
                            "capacity {}: after {:?}, get({:?}) gave the left, but should give \
                             the right (a hit makes the key the most recently used; keys are \
                             compared exactly)",
                            capacity, done, key
                        );
                    }
                    Op::Put(key, v) => {
                        let value = format!("v{v}");
                        let want = match model.iter().position(|(k, _)| *k == key) {
                            Some(i) => {
                                model.remove(i);
                                None
                            }
                            None if model.len() == capacity => Some(model.remove(0).0.to_string()),
                            None => None,
                        };
                        model.push((key, value.clone()));
                        let got = cache.put(key, &value);
                        prop_assert_eq!(
                            &got, &want,
                            "capacity {}: after {:?}, put({:?}) evicted the left, but should \
                             evict the right: the least recently used entry goes, and only when \
                             a new key needs room (an update is a use, never an eviction)",
                            capacity, done, key
                        );
                    }
                }
                prop_assert_eq!(
                    cache.len(), model.len(),
                    "capacity {}: after {:?} the cache holds {} entries, but should hold {}",
                    capacity, &ops[..=step], cache.len(), model.len()
                );
            }
        }
    }
}
