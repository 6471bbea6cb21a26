// wrong: weigher counts characters (`chars().count()`), not bytes: non-ASCII pages weigh less than they take
// expect: the weigher returns the bytes of path and body
// expect: not their characters
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
    Cache::builder()
        .max_capacity(MAX_BYTES)
        .weigher(|path: &String, page: &String| -> u32 {
            u32::try_from(path.chars().count() + page.chars().count()).unwrap_or(u32::MAX)
        })
        .time_to_live(TIME_TO_LIVE)
        .time_to_idle(TIME_TO_IDLE)
        .build()
}

/// The page at `path`, rendered only on a miss, once for concurrent callers.
fn page(cache: &Cache<String, String>, store: &dyn PageStore, path: &str) -> String {
    cache.get_with(path.to_string(), || store.render(path))
}

/// Publishes a new version of `path`; no reader may see the old one after.
fn publish(cache: &Cache<String, String>, store: &dyn PageStore, path: &str, body: &str) {
    store.publish(path, body);
    cache.invalidate(path);
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
