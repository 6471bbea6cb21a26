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
        if now >= entry.expires_at {
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

// not graded: a demo; the tests call the functions it calls
fn main() {
    let mut cache = TtlCache::new(Rc::new(MonotonicClock), Duration::from_secs(60));
    cache.insert("rates", "EUR=1.08");
    println!("{:?}", cache.get("rates"));
    println!("{} purged, {} left", cache.purge_expired(), cache.len());
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::Cell;

    /// A clock that stands still until the test moves it.
    struct FakeClock {
        start: Instant,
        elapsed: Cell<Duration>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.elapsed.get()
        }
    }

    /// A 60 s TTL cache and its clock, stopped at t = 0.
    fn cache() -> (TtlCache, Rc<FakeClock>) {
        let (start, elapsed) = (Instant::now(), Cell::new(Duration::ZERO));
        let clock = Rc::new(FakeClock { start, elapsed });
        (TtlCache::new(clock.clone(), Duration::from_secs(60)), clock)
    }

    #[track_caller]
    fn at(clock: &FakeClock, millis: u64, cache: &mut TtlCache, want: Option<&str>) {
        clock.elapsed.set(Duration::from_millis(millis));
        let got = cache.get("k");
        assert_eq!(
            got.as_deref(),
            want,
            "at t = {millis} ms, get(\"k\") returned {got:?}, but should return {want:?} (TTL 60 s: fresh while now < inserted_at + 60 s)"
        );
    }

    #[test]
    fn entry_is_fresh_until_just_before_its_ttl() {
        let (mut cache, clock) = cache();
        cache.insert("k", "v");
        at(&clock, 0, &mut cache, Some("v"));
        at(&clock, 59_999, &mut cache, Some("v"));
    }

    #[test]
    fn entry_expires_exactly_at_its_ttl() {
        let (mut cache, clock) = cache();
        cache.insert("k", "v");
        at(&clock, 60_000, &mut cache, None);
        at(&clock, 61_000, &mut cache, None);
    }

    #[test]
    fn reading_does_not_extend_the_ttl() {
        let (mut cache, clock) = cache();
        cache.insert("k", "v");
        at(&clock, 30_000, &mut cache, Some("v"));
        at(&clock, 60_000, &mut cache, None);
    }

    #[test]
    fn inserting_again_starts_a_new_ttl() {
        let (mut cache, clock) = cache();
        cache.insert("k", "v1");
        clock.elapsed.set(Duration::from_secs(50));
        cache.insert("k", "v2"); // at t = 50 s: expires at 110 s
        at(&clock, 109_999, &mut cache, Some("v2"));
        at(&clock, 110_000, &mut cache, None);
    }

    #[test]
    fn expired_entries_are_removed() {
        let (mut cache, clock) = cache();
        cache.insert("k", "v");
        cache.insert("a", "1");
        clock.elapsed.set(Duration::from_secs(30));
        cache.insert("b", "2"); // expires at 90 s
        at(&clock, 60_000, &mut cache, None);
        let len = cache.len();
        assert_eq!(
            len, 2,
            "get of the expired \"k\" must remove it: len() is {len}, should be 2"
        );
        let purged = cache.purge_expired();
        assert_eq!(
            purged, 1,
            "at 60 s only \"a\" is expired, but purge_expired removed {purged}"
        );
        let b = cache.get("b");
        assert_eq!(
            b.as_deref(),
            Some("2"),
            "\"b\" expires at 90 s, but at 60 s get gave {b:?}"
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Advance(Duration),
        Insert(&'static str),
        Get(&'static str),
        Purge,
    }

    fn op(ttl: Duration) -> impl Strategy<Value = Op> {
        let key = proptest::sample::select(vec!["a", "b", "c"]);
        prop_oneof![
            3 => crate::generated::duration_up_to(ttl + ttl / 2 + Duration::from_nanos(2)).prop_map(Op::Advance),
            1 => prop_oneof![Just(ttl), Just(ttl.saturating_sub(Duration::from_nanos(1))), Just(Duration::from_nanos(1))]
                .prop_map(Op::Advance),
            2 => key.clone().prop_map(Op::Insert),
            3 => key.prop_map(Op::Get),
            1 => Just(Op::Purge),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any session with any TTL (0 and sub-millisecond ones too) and a clock
        /// moved by any amount, nanoseconds included, against a model.
        #[test]
        fn any_session_matches_the_ttl_model(
            (ttl, ops) in crate::generated::duration_up_to(Duration::from_millis(2500))
                .prop_flat_map(|ttl| (Just(ttl), proptest::collection::vec(op(ttl), 0..30))),
        ) {
            let (start, elapsed) = (Instant::now(), Cell::new(Duration::ZERO));
            let clock = Rc::new(FakeClock { start, elapsed });
            let mut cache = TtlCache::new(clock.clone(), ttl);
            let mut model: HashMap<&str, Duration> = HashMap::new();
            for (step, op) in ops.iter().enumerate() {
                let now = clock.elapsed.get();
                let done = &ops[..step];
                match *op {
                    Op::Advance(d) => clock.elapsed.set(now + d),
                    Op::Insert(key) => {
                        cache.insert(key, &format!("{key}@{now:?}"));
                        model.insert(key, now + ttl);
                    }
                    Op::Get(key) => {
                        let fresh = model.get(key).is_some_and(|&expires| now < expires);
                        if !fresh {
                            model.remove(key);
                        }
                        let got = cache.get(key).is_some();
                        prop_assert_eq!(
                            got, fresh,
                            "TTL {:?}: after {:?} (now t = {:?}), get({:?}) {} a value, but \
                             should {}: an entry is fresh while now < inserted_at + ttl, to the \
                             nanosecond (no rounding to milliseconds or seconds)",
                            ttl, done, now, key,
                            if got { "returned" } else { "did not return" },
                            if fresh { "return it" } else { "return None and drop the entry" }
                        );
                    }
                    Op::Purge => {
                        let before = model.len();
                        model.retain(|_, expires| now < *expires);
                        let want = before - model.len();
                        let got = cache.purge_expired();
                        prop_assert_eq!(
                            got, want,
                            "TTL {:?}: after {:?} (now t = {:?}), purge_expired() removed {} \
                             entries, but should remove {}: the same rule as get, to the \
                             nanosecond",
                            ttl, done, now, got, want
                        );
                    }
                }
                prop_assert_eq!(
                    cache.len(), model.len(),
                    "TTL {:?}: after {:?} the cache stores {} entries, but should store {}",
                    ttl, &ops[..=step], cache.len(), model.len()
                );
            }
        }
    }
}
