// wrong: get touches unconditionally and touch = retain + push_back: a miss pushes a key that is not cached into `order`
// expect: the least recently used entry goes
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
        self.order.retain(|k| k != key);
        self.order.push_back(key.to_string());
    }

    /// The value of `key`, if cached; a hit makes `key` the most recently used.
    fn get(&mut self, key: &str) -> Option<String> {
        self.touch(key);
        self.entries.get(key).cloned()
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

fn main() {
    let mut cache = LruCache::new(2);
    cache.put("/a", "page a");
    cache.put("/b", "page b");
    cache.get("/a");
    println!("evicted: {:?}", cache.put("/c", "page c"));
    println!("{} entries", cache.len());
}
