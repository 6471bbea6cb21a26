// wrong: only products that exist are cached, so a missing id goes to the store every time
// expect: the missing product 99 three times
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
        if let Some(product) = &loaded {
            self.cache.insert(id, Some(product.clone()));
        }
        loaded
    }
}

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
