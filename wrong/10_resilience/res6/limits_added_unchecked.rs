// wrong: adds max_concurrent and max_waiting as they are: at their maximum the sum is more than a semaphore may hold, and it panics
// expect: adding them must not overflow
//! # A bulkhead: bounding concurrency and shedding load
//!
//! Your service calls a slow dependency (another service, a database). When
//! the dependency slows down, requests pile up: each one holds memory, a
//! connection and a task while it waits, and the dependency, already
//! struggling, gets ever more calls at once. Soon the whole service is down,
//! including the parts that never needed that dependency.
//!
//! A *bulkhead* (the watertight walls of a ship, Nygard's "Release It!") bounds
//! the damage. Each dependency gets its own small pool of places:
//!
//! - at most `max_concurrent` calls to it run at once: a
//!   `tokio::sync::Semaphore` with that many permits, one held for the whole
//!   call;
//! - at most `max_waiting` more requests may wait for a permit;
//! - any request beyond those is *shed* at once: `503 Service Unavailable` with
//!   a `Retry-After` header (RFC 9110 §15.6.4, §10.2.3), without waiting. A
//!   quick "no, come back in a second" is better than a slow timeout;
//! - a request that waited `max_wait` without getting a permit gives up: 503
//!   too (its call never started, so this is not 504 Gateway Timeout).
//!   `max_wait` bounds the wait for a place, not the call itself.
//!
//! A permit must come back, always: when the call succeeds, when it fails,
//! when it panics, and when the client hangs up and the request's future is
//! dropped, waiting or running. Counting by hand (`forget` and `add_permits`, a
//! counter decremented after an `.await`) misses some of those paths; a guard
//! that gives its place back when dropped (RAII) does not: `acquire()` returns
//! a `SemaphorePermit`. (Careful: `let _ = ...` drops a value at once.)
//!
//! And one pool per dependency: if inventory and pricing share one, a slow
//! inventory fills it and pricing, healthy, is refused too.
//!
//! Read more: https://learn.microsoft.com/en-us/azure/architecture/patterns/bulkhead
//! and https://docs.rs/tokio/latest/tokio/sync/struct.Semaphore.html

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header::RETRY_AFTER},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A slow dependency: another service, a database.
trait Dependency: Send + Sync + 'static {
    fn call(&self) -> impl Future<Output = Result<String, String>> + Send;
}

/// Each limit may be anything from zero up: `max_concurrent` and
/// `max_waiting` up to `Semaphore::MAX_PERMITS` (which means "no limit"),
/// `max_wait` up to `Duration::MAX` (wait as long as it takes).
#[derive(Clone, Copy)]
struct Limits {
    max_concurrent: usize,
    max_waiting: usize,
    max_wait: Duration,
}

#[derive(Debug, PartialEq)]
enum BulkheadError<E> {
    /// Refused at once: `max_concurrent` running and `max_waiting` waiting.
    Full,
    /// Waited `max_wait` for a permit without getting one.
    TimedOut,
    /// The call ran and failed with this error.
    Failed(E),
}

/// How many seconds a shed client should wait before trying again.
const RETRY_AFTER_SECS: u64 = 1;

struct Bulkhead {
    limits: Limits,
    /// One permit per call that may run: `max_concurrent`.
    running: Semaphore,
    /// One permit per request let in at all, running or waiting.
    admitted: Semaphore,
}

impl Bulkhead {
    fn new(limits: Limits) -> Bulkhead {
        let running = Semaphore::new(limits.max_concurrent);
        let admitted = Semaphore::new(limits.max_concurrent + limits.max_waiting);
        Bulkhead {
            limits,
            running,
            admitted,
        }
    }

    /// Runs `call` when a permit is free, by the lesson's rules.
    async fn run<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, BulkheadError<E>> {
        // Both permits are guards: dropped (and given back) however this ends.
        let _admitted = self
            .admitted
            .try_acquire()
            .map_err(|_| BulkheadError::Full)?;
        let _running = tokio::time::timeout(self.limits.max_wait, self.running.acquire())
            .await
            .map_err(|_| BulkheadError::TimedOut)?
            .expect("the semaphore is never closed");
        call.await.map_err(BulkheadError::Failed)
    }
}

struct AppState<D> {
    inventory: D,
    pricing: D,
    inventory_bulkhead: Bulkhead,
    pricing_bulkhead: Bulkhead,
}

/// The answer for a call through a bulkhead.
fn answer(result: Result<String, BulkheadError<String>>) -> Response {
    match result {
        Ok(body) => (StatusCode::OK, body).into_response(),
        // The dependency's own error message stays out of the client's answer.
        Err(BulkheadError::Failed(_)) => {
            let body = json!({ "error": "the dependency failed" });
            (StatusCode::BAD_GATEWAY, Json(body)).into_response()
        }
        Err(BulkheadError::Full | BulkheadError::TimedOut) => {
            let body = json!({ "error": "too busy, try again later" });
            let retry_after = [(RETRY_AFTER, RETRY_AFTER_SECS.to_string())];
            (StatusCode::SERVICE_UNAVAILABLE, retry_after, Json(body)).into_response()
        }
    }
}

// GET /inventory
async fn get_inventory<D: Dependency>(State(state): State<Arc<AppState<D>>>) -> Response {
    let call = state.inventory.call();
    answer(state.inventory_bulkhead.run(call).await)
}

// GET /pricing
async fn get_pricing<D: Dependency>(State(state): State<Arc<AppState<D>>>) -> Response {
    let call = state.pricing.call();
    answer(state.pricing_bulkhead.run(call).await)
}

fn app<D: Dependency>(inventory: D, pricing: D, limits: Limits) -> Router {
    let state = Arc::new(AppState {
        inventory,
        pricing,
        inventory_bulkhead: Bulkhead::new(limits),
        pricing_bulkhead: Bulkhead::new(limits),
    });
    Router::new()
        .route("/inventory", get(get_inventory::<D>))
        .route("/pricing", get(get_pricing::<D>))
        .with_state(state)
}

/// A dependency that takes a second to answer.
struct Slow(&'static str);

impl Dependency for Slow {
    async fn call(&self) -> Result<String, String> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(format!("{} says hello\n", self.0))
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin res6`, then ten requests at once:
    // for i in $(seq 10); do curl -s -o /dev/null -w '%{http_code} ' localhost:3000/inventory & done
    let wait = Duration::from_secs(2);
    let limits = Limits {
        max_concurrent: 3,
        max_waiting: 2,
        max_wait: wait,
    };
    let app = app(Slow("inventory"), Slow("pricing"), limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
