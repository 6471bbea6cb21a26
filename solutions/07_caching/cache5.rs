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
        self.store.save(&product)?;
        self.cache.remove(&product.id);
        Ok(())
    }

    fn delete_product(&mut self, id: u64) -> Result<(), StoreError> {
        self.store.delete(id)?;
        self.cache.remove(&id);
        Ok(())
    }
}

// not graded: a demo; the tests call the functions it calls
fn main() {
    // The tests below drive this exercise: they use a store that counts loads.
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    #[derive(Default)]
    struct TestStore {
        rows: Mutex<HashMap<u64, Product>>,
        loads: AtomicUsize,
        reject_writes: AtomicBool,
    }

    impl TestStore {
        fn refuse(&self) -> Result<(), StoreError> {
            match self.reject_writes.load(Ordering::SeqCst) {
                true => Err(StoreError("disk full".into())),
                false => Ok(()),
            }
        }
    }

    impl ProductStore for TestStore {
        fn load(&self, id: u64) -> Option<Product> {
            self.loads.fetch_add(1, Ordering::SeqCst);
            self.rows.lock().unwrap().get(&id).cloned()
        }
        fn save(&self, product: &Product) -> Result<(), StoreError> {
            self.refuse()?;
            let mut rows = self.rows.lock().unwrap();
            rows.insert(product.id, product.clone());
            Ok(())
        }
        fn delete(&self, id: u64) -> Result<(), StoreError> {
            self.refuse()?;
            self.rows.lock().unwrap().remove(&id);
            Ok(())
        }
    }

    fn product(id: u64, name: &str, price_cents: u64) -> Product {
        let name = name.to_string();
        Product {
            id,
            name,
            price_cents,
        }
    }

    fn teapot(price_cents: u64) -> Product {
        product(1, "Teapot", price_cents)
    }

    /// A service whose store holds the teapot (id 1) at 2500 cents and a mug
    /// (id 2) at 900 cents.
    fn service() -> (ProductService, Arc<TestStore>) {
        let store = Arc::new(TestStore::default());
        store.save(&teapot(2500)).unwrap();
        store.save(&product(2, "Mug", 900)).unwrap();
        (ProductService::new(store.clone()), store)
    }

    #[track_caller]
    fn read(service: &mut ProductService, id: u64, want: Option<Product>, after: &str) {
        let got = service.product(id);
        assert_eq!(
            got, want,
            "after {after}, product({id}) returned {got:?}, but the store has {want:?}: a stale read from the cache"
        );
    }

    fn loads(store: &TestStore) -> usize {
        store.loads.load(Ordering::SeqCst)
    }

    #[test]
    fn read_after_update_sees_the_new_value() {
        let (mut service, _) = service();
        read(&mut service, 1, Some(teapot(2500)), "a first read");
        service.save_product(teapot(3000)).unwrap();
        read(&mut service, 1, Some(teapot(3000)), "saving price 3000");
        service.save_product(teapot(3500)).unwrap();
        read(&mut service, 1, Some(teapot(3500)), "saving price 3500");
    }

    #[test]
    fn read_after_delete_sees_nothing() {
        let (mut service, _) = service();
        read(&mut service, 1, Some(teapot(2500)), "a first read");
        service.delete_product(1).unwrap();
        read(&mut service, 1, None, "deleting product 1");
    }

    #[test]
    fn creating_a_product_replaces_a_cached_not_found() {
        let (mut service, _) = service();
        read(&mut service, 7, None, "reading the missing id 7");
        let bowl = product(7, "Bowl", 1200);
        service.save_product(bowl.clone()).unwrap();
        read(&mut service, 7, Some(bowl), "creating product 7");
    }

    #[test]
    fn a_rejected_write_returns_the_error_and_leaves_the_cache_alone() {
        let (mut service, store) = service();
        read(&mut service, 1, Some(teapot(2500)), "a first read");
        store.reject_writes.store(true, Ordering::SeqCst);
        let disk_full = Err(StoreError("disk full".into()));
        let saved = service.save_product(teapot(1));
        assert_eq!(
            saved, disk_full,
            "the store rejected save_product, whose caller must get the store's error"
        );
        let deleted = service.delete_product(1);
        assert_eq!(
            deleted, disk_full,
            "the store rejected delete_product, whose caller must get the store's error"
        );
        let before = loads(&store);
        read(
            &mut service,
            1,
            Some(teapot(2500)),
            "a rejected save and delete",
        );
        let extra = loads(&store) - before;
        assert_eq!(
            extra, 0,
            "after a rejected save and delete, product(1) loaded from the store {extra} time(s): the writes changed nothing, so the cached teapot was still right and must still be served. Emptying the cache before the write is the bug: a reader between the invalidation and the write would cache the old value again"
        );
    }

    #[test]
    fn reads_between_writes_still_hit_the_cache() {
        let (mut service, store) = service();
        for price in [2600, 2700, 2800] {
            service.save_product(teapot(price)).unwrap();
            for _ in 0..3 {
                let after = format!("saving price {price}");
                read(&mut service, 1, Some(teapot(price)), &after);
            }
        }
        let loads = loads(&store);
        assert!(
            loads <= 3,
            "3 writes each followed by 3 reads loaded from the store {loads} times: at most one load per write is needed, the other reads must be cache hits"
        );
    }

    #[test]
    fn a_write_invalidates_only_its_own_product() {
        let (mut service, store) = service();
        let mug = Some(product(2, "Mug", 900));
        read(&mut service, 2, mug.clone(), "a first read");
        service.save_product(teapot(3000)).unwrap();
        service.delete_product(1).unwrap();
        let before = loads(&store);
        read(&mut service, 2, mug, "writing product 1");
        let extra = loads(&store) - before;
        assert_eq!(
            extra, 0,
            "writing product 1 made product(2) load from the store again: a write must invalidate only the product it changed, not the whole cache"
        );
    }
}
