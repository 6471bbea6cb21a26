// wrong: the cache entry is removed before the store write, so a rejected write still empties it
// expect: Emptying the cache before the write
//! # Invalidation: no stale reads after a write
//!
//! The cache-aside service of cache4 has a bug the moment data changes: after
//! `save_product` changes a price in the store, readers keep getting the old
//! price from the cache. Every write must also fix the cache. Two ways:
//!
//! - *delete on write* (invalidate): write the store, then remove the key from
//!   the cache. The next read misses and loads the new value. Simple, safe to
//!   repeat (a delete is idempotent), and the cache holds only data somebody
//!   read.
//! - *write-through*: write the store, then put the new value (for a delete:
//!   the cached `None`) into the cache. The next read is a hit, at the price of
//!   caching data nobody may ever read.
//!
//! Either way: **the store first, the cache second**, and only if the store
//! accepted the write. Fill the cache first, and a failed write leaves the
//! cache serving a value that was never saved. Invalidating first is wrong
//! too, though it looks safe: a reader that comes between the invalidation
//! and the write loads the old value and caches it again, and once the write
//! succeeds that copy is stale. A rejected write changed nothing, so it must
//! leave the cache exactly as it was, and its error goes back to the caller.
//! Fix only the key that was written: the other products are still right.
//! And a "not found" is cached too: creating a product with an id that was
//! read as missing must replace that cached `None`.
//!
//! Across servers and threads, even "store then invalidate" can race (a slow
//! reader can put an old value back after the delete), which is why real
//! systems also keep a TTL as a safety net (cache3).
//!
//! Read more: "Scaling Memcache at Facebook", NSDI 2013, §2 (delete, not
//! update) and §3.2.1 (leases against stale sets):
//! https://www.usenix.org/system/files/conference/nsdi13/nsdi13-final170_update.pdf

use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
struct Product {
    id: u64,
    name: String,
    price_cents: u64,
}

#[derive(Debug, PartialEq)]
struct StoreError(String);

trait ProductStore {
    fn load(&self, id: u64) -> Option<Product>;
    /// Creates or replaces the product with `product.id`.
    fn save(&self, product: &Product) -> Result<(), StoreError>;
    fn delete(&self, id: u64) -> Result<(), StoreError>;
}

struct ProductService {
    store: Arc<dyn ProductStore>,
    cache: HashMap<u64, Option<Product>>,
}

impl ProductService {
    fn new(store: Arc<dyn ProductStore>) -> Self {
        let cache = HashMap::new();
        ProductService { store, cache }
    }

    /// Cache-aside read, as in cache4.
    fn product(&mut self, id: u64) -> Option<Product> {
        if let Some(cached) = self.cache.get(&id) {
            return cached.clone();
        }
        let loaded = self.store.load(id);
        self.cache.insert(id, loaded.clone());
        loaded
    }

    fn save_product(&mut self, product: Product) -> Result<(), StoreError> {
        self.cache.remove(&product.id);
        self.store.save(&product)?;
        Ok(())
    }

    fn delete_product(&mut self, id: u64) -> Result<(), StoreError> {
        self.cache.remove(&id);
        self.store.delete(id)?;
        Ok(())
    }
}

fn main() {
    // The tests below drive this exercise: they use a store that counts loads.
}
