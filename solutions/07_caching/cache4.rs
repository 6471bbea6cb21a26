//! # Cache-aside: a cache in front of a slow store
//!
//! A database query takes milliseconds; a `HashMap` lookup takes nanoseconds.
//! When the same rows are read far more often than they change (product
//! pages, user profiles, settings), a cache in front of the store takes most
//! of the load off the database and cuts response times.
//!
//! The most common way to wire it is *cache-aside* (also "lazy loading"):
//! the application talks to both, and on every read it
//! 1. looks in the cache: a *hit* is answered from there;
//! 2. on a *miss*, loads from the store, puts the result into the cache,
//!    and answers with it. The next read of that key is a hit.
//!
//! Only data that is actually read gets cached, and a cache that is emptied
//! (restart, eviction) simply refills. The hit ratio, hits / (hits + misses),
//! is the number to watch in production.
//!
//! Cache "not found" too (*negative caching*): store `None` for an id the
//! store does not have. Otherwise every request for a missing id, say from a
//! crawler or an attacker, goes straight to the database ("cache penetration").
//!
//! Read more: https://learn.microsoft.com/en-us/azure/architecture/patterns/cache-aside
//! and https://docs.aws.amazon.com/whitepapers/latest/database-caching-strategies-using-redis/caching-patterns.html

use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
struct Product {
    id: u64,
    name: String,
    price_cents: u64,
}

/// The slow source of truth, a database in real life.
trait ProductStore {
    fn load(&self, id: u64) -> Option<Product>;
}

struct ProductService {
    store: Arc<dyn ProductStore>,
    /// `Some(product)` for a product that exists, `None` for one that does not.
    cache: HashMap<u64, Option<Product>>,
}

impl ProductService {
    fn new(store: Arc<dyn ProductStore>) -> Self {
        ProductService {
            store,
            cache: HashMap::new(),
        }
    }

    /// Product `id`, from the cache if possible, else from the store.
    fn product(&mut self, id: u64) -> Option<Product> {
        if let Some(cached) = self.cache.get(&id) {
            return cached.clone();
        }
        let loaded = self.store.load(id);
        self.cache.insert(id, loaded.clone());
        loaded
    }
}

// not graded: a demo; the tests call the functions it calls
fn main() {
    struct OneProduct;
    impl ProductStore for OneProduct {
        fn load(&self, id: u64) -> Option<Product> {
            let name = "Teapot".to_string();
            (id == 1).then_some(Product {
                id,
                name,
                price_cents: 2500,
            })
        }
    }
    let mut service = ProductService::new(Arc::new(OneProduct));
    println!("{:?}", service.product(1));
    println!("{:?}", service.product(2));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// What the store holds: products 1, 2 and 3.
    fn catalog(id: u64) -> Option<Product> {
        let name = format!("product {id}");
        (1..=3).contains(&id).then_some(Product {
            id,
            name,
            price_cents: id * 100,
        })
    }

    /// Counts every load.
    struct CountingStore {
        loads: AtomicUsize,
    }

    impl ProductStore for CountingStore {
        fn load(&self, id: u64) -> Option<Product> {
            self.loads.fetch_add(1, Ordering::SeqCst);
            catalog(id)
        }
    }

    fn service() -> (ProductService, Arc<CountingStore>) {
        let store = Arc::new(CountingStore {
            loads: AtomicUsize::new(0),
        });
        (ProductService::new(store.clone()), store)
    }

    #[track_caller]
    fn read(service: &mut ProductService, id: u64) {
        let (got, want) = (service.product(id), catalog(id));
        assert_eq!(
            got, want,
            "product({id}) returned {got:?}, but the store has {want:?}"
        );
    }

    #[track_caller]
    fn assert_loads(store: &CountingStore, want: usize, reads: &str) {
        let loads = store.loads.load(Ordering::SeqCst);
        assert_eq!(
            loads, want,
            "reading {reads} loaded from the store {loads} times; it should load {want} time(s), once per distinct id, and answer the rest from the cache"
        );
    }

    #[test]
    fn a_miss_loads_from_the_store() {
        let (mut service, store) = service();
        read(&mut service, 1);
        assert_loads(&store, 1, "product 1");
    }

    #[test]
    fn repeated_reads_are_served_from_the_cache() {
        let (mut service, store) = service();
        for _ in 0..5 {
            read(&mut service, 2);
        }
        assert_loads(&store, 1, "product 2 five times");
    }

    #[test]
    fn each_id_is_loaded_once() {
        let (mut service, store) = service();
        for id in [1, 2, 1, 3, 2, 1] {
            read(&mut service, id);
        }
        assert_loads(&store, 3, "products 1, 2, 1, 3, 2, 1");
    }

    #[test]
    fn not_found_is_cached_too() {
        let (mut service, store) = service();
        for _ in 0..3 {
            read(&mut service, 99);
        }
        assert_loads(&store, 1, "the missing product 99 three times");
    }
}
