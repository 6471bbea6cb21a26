//! # A production cache: moka
//!
//! Everything so far, done well and concurrently, is what a cache crate is
//! for. `moka::sync::Cache` is a thread-safe map (clone it freely: clones
//! share the same cache) with:
//! - a size bound, `max_capacity`. By default it counts entries; with a
//!   `weigher(|key, value| -> u32)` it counts whatever the weigher returns,
//!   for example bytes, which is what actually runs out. When full, moka
//!   uses TinyLFU: a new key gets in only if it was asked for more *often*
//!   than the entry it would push out, and entries that got in leave in LRU
//!   order (cache2). A burst of one-off keys cannot flush the popular ones.
//! - time bounds: `time_to_live` (expires that long after the write, cache3)
//!   and `time_to_idle` (expires that long after the last read or write).
//! - `get_with(key, || load())`: cache-aside with single-flight built in
//!   (cache7): concurrent callers for a missing key wait for one `load`.
//! - `invalidate(&key)` for writes (cache5).
//!
//! moka does its bookkeeping (evictions, counters) in batches, so right after
//! inserts `entry_count()` and `weighted_size()` can lag behind;
//! `run_pending_tasks()` catches up, which makes them exact for a test.
//! Configure it with `Cache::builder()...build()`; `cache.policy()` reports
//! the configuration back.
//!
//! Read more: https://docs.rs/moka/0.12/moka/sync/struct.Cache.html and
//! https://github.com/moka-rs/moka/wiki (eviction and expiration in depth)

use moka::sync::Cache;
use std::time::Duration;

const MAX_BYTES: u64 = 16 * 1024;
const TIME_TO_LIVE: Duration = Duration::from_secs(5 * 60);
const TIME_TO_IDLE: Duration = Duration::from_secs(60);

/// Renders pages (slow: templates and queries) and stores new versions.
trait PageStore: Send + Sync {
    fn render(&self, path: &str) -> String;
    fn publish(&self, path: &str, body: &str);
}

/// Rendered pages by path: at most `MAX_BYTES` of paths and bodies together,
/// each page kept at most `TIME_TO_LIVE`, and dropped after `TIME_TO_IDLE`
/// without a read.
fn page_cache() -> Cache<String, String> {
    // TODO: this cache counts entries (10 000 of them, whatever their size)
    // and never expires anything. Build it with `Cache::builder()` instead:
    // `.max_capacity(MAX_BYTES)`, a `.weigher(...)` returning the bytes of
    // path and page as a `u32`, `.time_to_live(TIME_TO_LIVE)`,
    // `.time_to_idle(TIME_TO_IDLE)`, and finally `.build()`.
    Cache::new(10_000)
}

/// The page at `path`, rendered only on a miss, once for concurrent callers.
fn page(cache: &Cache<String, String>, store: &dyn PageStore, path: &str) -> String {
    // TODO: on a hit, return the cached page; on a miss, render it with
    // `store.render(path)`, cache it and return it, with one render for
    // concurrent misses. A single `Cache` method does all of that.
    todo!()
}

/// Publishes a new version of `path`; no reader may see the old one after.
fn publish(cache: &Cache<String, String>, store: &dyn PageStore, path: &str, body: &str) {
    store.publish(path, body);
    // TODO: the cached page is now out of date: drop it from the cache.
}

fn main() {
    let cache = page_cache();
    cache.insert("/".to_string(), "<h1>Home</h1>".to_string());
    cache.run_pending_tasks();
    println!(
        "{} page(s), {} bytes",
        cache.entry_count(),
        cache.weighted_size()
    );
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tricky_text;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Barrier, Condvar, Mutex};
    use std::thread;

    /// Every page is 1 KiB unless published; counts renders. A render of
    /// /popular stays in flight until a second one starts (at most 500 ms),
    /// so that concurrent misses really overlap.
    #[derive(Default)]
    struct TestStore {
        renders: AtomicUsize,
        published: Mutex<HashMap<String, String>>,
        popular_in_flight: (Mutex<usize>, Condvar),
    }

    impl PageStore for TestStore {
        fn render(&self, path: &str) -> String {
            self.renders.fetch_add(1, SeqCst);
            if path == "/popular" {
                let (count, changed) = &self.popular_in_flight;
                let mut count = count.lock().unwrap();
                *count += 1;
                changed.notify_all();
                let wait = Duration::from_millis(500);
                drop(changed.wait_timeout_while(count, wait, |count| *count < 2));
            }
            let published = self.published.lock().unwrap().get(path).cloned();
            published.unwrap_or_else(|| "x".repeat(1024))
        }
        fn publish(&self, path: &str, body: &str) {
            let mut published = self.published.lock().unwrap();
            published.insert(path.to_string(), body.to_string());
        }
    }

    #[test]
    fn cache_has_size_and_time_bounds() {
        let policy = page_cache().policy();
        let got = (
            policy.max_capacity(),
            policy.time_to_live(),
            policy.time_to_idle(),
        );
        let want = (
            Some(16 * 1024),
            Some(Duration::from_secs(5 * 60)),
            Some(Duration::from_secs(60)),
        );
        assert_eq!(
            got, want,
            "page_cache() has the left (max_capacity, time_to_live, time_to_idle), but should \
             have the right: 16 KiB, 5 minutes, 1 minute"
        );
    }

    #[test]
    fn size_bound_counts_bytes() {
        let (cache, store) = (page_cache(), TestStore::default());
        for i in 0..64 {
            page(&cache, &store, &format!("/page/{i}"));
        }
        cache.run_pending_tasks();
        let (bytes, pages) = (cache.weighted_size(), cache.entry_count());
        assert!(
            bytes <= MAX_BYTES,
            "after 64 pages of 1 KiB the cache weighs {bytes}, more than MAX_BYTES = {MAX_BYTES}"
        );
        assert!(
            (1..=15).contains(&pages),
            "after 64 pages of 1 KiB the cache holds {pages} pages; only up to 15 fit in 16 KiB: the weigher must count the bytes of path and body"
        );
    }

    #[test]
    fn repeated_reads_render_once() {
        let (cache, store) = (page_cache(), TestStore::default());
        for _ in 0..3 {
            page(&cache, &store, "/about");
        }
        let renders = store.renders.load(SeqCst);
        assert_eq!(
            renders, 1,
            "three reads of /about rendered it {renders} times; it should render once"
        );
    }

    #[test]
    fn concurrent_misses_render_once() {
        let (cache, store) = (page_cache(), TestStore::default());
        let barrier = Barrier::new(8);
        thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    barrier.wait();
                    page(&cache, &store, "/popular")
                });
            }
        });
        let renders = store.renders.load(SeqCst);
        assert_eq!(
            renders, 1,
            "8 concurrent reads of the missing /popular rendered it {renders} times; get_with renders once and makes the others wait"
        );
    }

    #[test]
    fn publish_invalidates_the_cached_page() {
        let (cache, store) = (page_cache(), TestStore::default());
        page(&cache, &store, "/news");
        publish(&cache, &store, "/news", "<h1>Breaking</h1>");
        let body = page(&cache, &store, "/news");
        let new = "<h1>Breaking</h1>";
        assert!(
            body == new,
            "after publish(/news), page(/news) returned a {}-byte page, not the new {new:?}: the cached old page must be invalidated",
            body.len()
        );
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        /// Pages whose paths and bodies hold multi-byte characters, and one page
        /// that fills the cache exactly or overflows it by one byte: the cache
        /// weighs what the pages take in memory, bytes (str::len), not characters.
        #[test]
        fn the_weight_is_the_bytes_of_path_and_body(
            pages in proptest::collection::btree_map(
                tricky_text(0, 8).prop_map(|p| format!("/{p}")),
                tricky_text(0, 40),
                1..5,
            ),
            over in 0usize..=1,
        ) {
            let cache = page_cache();
            for (path, body) in &pages {
                cache.insert(path.clone(), body.clone());
            }
            cache.run_pending_tasks();
            let bytes: u64 = pages.iter().map(|(p, b)| (p.len() + b.len()) as u64).sum();
            let chars: u64 = pages.iter().map(|(p, b)| (p.chars().count() + b.chars().count()) as u64).sum();
            prop_assert_eq!(
                (cache.weighted_size(), cache.entry_count()),
                (bytes, pages.len() as u64),
                "after caching the pages (path, body) {:?}, the cache has the left (weighted \
                 size, pages), but should have the right: the weigher returns the bytes of path \
                 and body (str::len, {} here), not their characters ({} here)",
                pages, bytes, chars
            );
            // A page of 'é' (2 bytes each) that takes MAX_BYTES exactly, or one byte more.
            let cache = page_cache();
            let path = if over == 0 { "/fullx" } else { "/fullxy" };
            let body = "é".repeat((MAX_BYTES as usize - 6) / 2);
            let weight = (path.len() + body.len()) as u64;
            cache.insert(path.to_string(), body.clone());
            cache.run_pending_tasks();
            let kept = cache.contains_key(path);
            prop_assert_eq!(
                kept,
                weight <= MAX_BYTES,
                "a page of {} bytes ({} characters) with MAX_BYTES = {} was {}: a page that \
                 takes more bytes than the cache may hold must not be kept, one that takes \
                 exactly that many fits",
                weight, path.chars().count() + body.chars().count(), MAX_BYTES,
                if kept { "kept" } else { "not kept" }
            );
        }
    }
}
