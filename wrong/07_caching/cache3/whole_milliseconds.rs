// wrong: freshness judged on the time left in whole milliseconds
// expect: to the nanosecond
//! # Expiry: a time to live (TTL)
//!
//! Data that can change must not be served from a cache forever. The bluntest
//! and most common remedy is a *time to live*: every entry is stored with an
//! expiry time, `inserted_at + ttl`, and after that it is treated as missing,
//! so the next read goes back to the source. A TTL bounds how stale an answer
//! can be: with a 60 s TTL, a reader sees a change at most 60 s late.
//!
//! Be exact about the boundary. An entry stored at `t` with TTL `d` is fresh
//! while `now < t + d` and expired from `now >= t + d` on: at exactly 60 s it
//! is gone. HTTP caches use the same rule (RFC 9111 §4.2: a response is fresh
//! while its age is *less than* its freshness lifetime). A TTL counts from the
//! write, not from the last read: reading an entry does not extend its life.
//!
//! Expired entries can be dropped lazily (a `get` that finds one removes it)
//! and eagerly (a periodic `purge_expired` sweep), so they do not pile up.
//!
//! Time comes from a `Clock`, not from `Instant::now()` directly: the tests
//! share (through an `Rc`) a fake clock with the cache and move it forward,
//! so they check 59.999 s and 60 s exactly, without sleeping. `Instant` (monotonic) is the right type for
//! durations; wall-clock `SystemTime` can jump when the system clock is reset.
//!
//! Read more: https://www.rfc-editor.org/rfc/rfc9111#section-4.2 and
//! https://doc.rust-lang.org/std/time/struct.Instant.html

use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

trait Clock {
    fn now(&self) -> Instant;
}

/// The real clock, for production.
struct MonotonicClock;

impl Clock for MonotonicClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

struct Entry {
    value: String,
    expires_at: Instant,
}

struct TtlCache {
    clock: Rc<dyn Clock>,
    ttl: Duration,
    entries: HashMap<String, Entry>,
}

impl TtlCache {
    fn new(clock: Rc<dyn Clock>, ttl: Duration) -> Self {
        TtlCache {
            clock,
            ttl,
            entries: HashMap::new(),
        }
    }

    /// Stores `value`; it expires `ttl` from now (a new insert starts anew).
    fn insert(&mut self, key: &str, value: &str) {
        let expires_at = self.clock.now() + self.ttl;
        let entry = Entry {
            value: value.to_string(),
            expires_at,
        };
        self.entries.insert(key.to_string(), entry);
    }

    /// The value of `key` if it is cached and not expired. Finding an expired
    /// entry removes it.
    fn get(&mut self, key: &str) -> Option<String> {
        let now = self.clock.now();
        let entry = self.entries.get(key)?;
        if entry.expires_at.saturating_duration_since(now).as_millis() == 0 {
            self.entries.remove(key);
            return None;
        }
        Some(entry.value.clone())
    }

    /// Removes every expired entry and returns how many were removed.
    fn purge_expired(&mut self) -> usize {
        let now = self.clock.now();
        let before = self.entries.len();
        self.entries.retain(|_, entry| now < entry.expires_at);
        before - self.entries.len()
    }

    /// How many entries are stored, expired or not.
    fn len(&self) -> usize {
        self.entries.len()
    }
}

fn main() {
    let mut cache = TtlCache::new(Rc::new(MonotonicClock), Duration::from_secs(60));
    cache.insert("rates", "EUR=1.08");
    println!("{:?}", cache.get("rates"));
    println!("{} purged, {} left", cache.purge_expired(), cache.len());
}
