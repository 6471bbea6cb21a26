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
        // Both limits at their maximum must not overflow the semaphore.
        let admitted = limits.max_concurrent.saturating_add(limits.max_waiting);
        let admitted = Semaphore::new(admitted.min(Semaphore::MAX_PERMITS));
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

// not graded: the demo's dependency for `main`; the tests use their own dependencies
impl Dependency for Slow {
    async fn call(&self) -> Result<String, String> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(format!("{} says hello\n", self.0))
    }
}

// not graded: a demo on real time; the tests call `app` with their own dependencies
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::duration_up_to;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use proptest::prelude::*;
    use std::sync::Mutex;
    use tokio::sync::{mpsc, oneshot};
    use tokio::task::JoinHandle;
    use tokio::time::Instant;
    use tower::ServiceExt;

    const N: usize = 3; // max_concurrent
    const Q: usize = 2; // max_waiting
    const WAIT: Duration = Duration::from_secs(2); // max_wait
    const MS: Duration = Duration::from_millis(1);

    enum Reply {
        Ok,
        Fail,
        Panic,
    }

    #[derive(Default)]
    struct Counts {
        running: usize,
        most: usize,
        calls: usize,
    }

    /// A fake dependency: each call waits until the test replies to it.
    struct Fake {
        counts: Arc<Mutex<Counts>>,
        calls: mpsc::UnboundedSender<oneshot::Sender<Reply>>,
    }

    struct Running(Arc<Mutex<Counts>>);

    impl Drop for Running {
        fn drop(&mut self) {
            self.0.lock().unwrap().running -= 1;
        }
    }

    impl Dependency for Fake {
        async fn call(&self) -> Result<String, String> {
            let _running = {
                let mut counts = self.counts.lock().unwrap();
                counts.running += 1;
                counts.calls += 1;
                counts.most = counts.most.max(counts.running);
                Running(self.counts.clone())
            };
            let (reply, replied) = oneshot::channel();
            let _ = self.calls.send(reply);
            match replied.await {
                Ok(Reply::Ok) => Ok("fine".into()),
                Ok(Reply::Panic) => {
                    panic!("the fake dependency panics here on purpose: its permit must come back")
                }
                _ => Err("the fake dependency failed".into()),
            }
        }
    }

    /// The test's side of a fake: its counts and the calls waiting for a reply.
    struct Side {
        counts: Arc<Mutex<Counts>>,
        calls: mpsc::UnboundedReceiver<oneshot::Sender<Reply>>,
    }

    impl Side {
        fn running(&self) -> usize {
            self.counts.lock().unwrap().running
        }
        fn calls(&self) -> usize {
            self.counts.lock().unwrap().calls
        }
        fn most(&self) -> usize {
            self.counts.lock().unwrap().most
        }
        /// Replies to the oldest call still waiting; false if there is none.
        fn reply(&mut self, how: fn() -> Reply) -> bool {
            match self.calls.try_recv() {
                Ok(call) => {
                    let _ = call.send(how());
                    true
                }
                Err(_) => false,
            }
        }
    }

    fn fake() -> (Fake, Side) {
        let counts = Arc::new(Mutex::new(Counts::default()));
        let (tx, rx) = mpsc::unbounded_channel();
        let fake = Fake {
            counts: counts.clone(),
            calls: tx,
        };
        (fake, Side { counts, calls: rx })
    }

    fn setup() -> (Router, Side, Side) {
        let (inventory, inventory_side) = fake();
        let (pricing, pricing_side) = fake();
        let limits = Limits {
            max_concurrent: N,
            max_waiting: Q,
            max_wait: WAIT,
        };
        (
            app(inventory, pricing, limits),
            inventory_side,
            pricing_side,
        )
    }

    struct Answer {
        status: u16,
        retry_after: Option<String>,
    }

    async fn send(app: Router, path: &'static str) -> Answer {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = tokio::time::timeout(Duration::from_secs(60), app.oneshot(request))
            .await
            .unwrap_or_else(|_| panic!("GET {path} got no answer within 60 s"))
            .unwrap();
        let status = response.status().as_u16();
        let retry_after = response.headers().get(RETRY_AFTER);
        let retry_after = retry_after.map(|v| String::from_utf8_lossy(v.as_bytes()).into());
        let _ = to_bytes(response.into_body(), 64 * 1024).await;
        Answer {
            status,
            retry_after,
        }
    }

    fn spawn(app: &Router, path: &'static str, count: usize) -> Vec<JoinHandle<Answer>> {
        (0..count)
            .map(|_| tokio::spawn(send(app.clone(), path)))
            .collect()
    }

    /// Returns once every task is waiting (time is paused: it moves 1 ms).
    async fn settle() {
        tokio::time::sleep(MS).await;
    }

    /// Replies to the calls as they come, until every request has its answer.
    async fn finish(side: &mut Side, handles: Vec<JoinHandle<Answer>>) -> Vec<Answer> {
        while !handles.iter().all(|h| h.is_finished()) {
            while side.reply(|| Reply::Ok) {}
            settle().await;
        }
        let mut answers = Vec::new();
        for handle in handles {
            answers.push(handle.await.unwrap());
        }
        answers
    }

    fn check_shed(answer: &Answer, what: &str) {
        let Answer {
            status,
            retry_after,
        } = answer;
        assert_eq!(
            *status, 503,
            "{what} was answered {status}; the bulkhead sheds it: 503 Service Unavailable \
             (the dependency was never called, so this is not a 504 Gateway Timeout)"
        );
        let seconds = retry_after.as_deref().and_then(|v| v.parse::<u64>().ok());
        assert!(
            seconds.is_some_and(|s| s >= 1),
            "{what} was answered 503 with Retry-After: {retry_after:?}; a shed request should \
             tell the client when to come back, in whole seconds (RFC 9110 §10.2.3)"
        );
    }

    fn check_at_most_n(running: usize) {
        assert!(
            running <= N,
            "{running} calls to the dependency were running at once; the bulkhead allows 3 \
             (max_concurrent)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_max_concurrent_calls_run_at_once() {
        let (app, mut inventory, _) = setup();
        let handles = spawn(&app, "/inventory", N + Q);
        settle().await;
        let running = inventory.running();
        assert_eq!(
            running, N,
            "5 requests arrived at once (max_concurrent 3, max_waiting 2) and {running} calls \
             to the dependency were running at once; exactly 3 should run and 2 wait (hold \
             the permit until the call is over)"
        );
        inventory.reply(|| Reply::Ok);
        settle().await;
        let (calls, running) = (inventory.calls(), inventory.running());
        assert!(
            calls == N + 1 && running == N,
            "one of 3 running calls finished: one waiting request should start at once, \
             making 4 calls in all, 3 running; there were {calls} calls, {running} running"
        );
        let answers = finish(&mut inventory, handles).await;
        for (i, answer) in answers.iter().enumerate() {
            let status = answer.status;
            assert_eq!(
                status,
                200,
                "request {} of 5 (3 running, 2 waiting) got {status}; each should get its \
                 turn and 200",
                i + 1
            );
        }
        assert_eq!(inventory.most(), N, "never more than 3 calls at once");
    }

    #[tokio::test(start_paused = true)]
    async fn the_request_beyond_the_queue_is_shed_at_once() {
        let (app, mut inventory, _) = setup();
        let handles = spawn(&app, "/inventory", N + Q);
        settle().await;
        for (i, handle) in handles.iter().enumerate() {
            assert!(
                !handle.is_finished(),
                "request {} of 5 was answered at once; with 3 running and room for 2 to \
                 wait (max_waiting 2), it should wait for its turn",
                i + 1
            );
        }
        let sixth = spawn(&app, "/inventory", 1).pop().unwrap();
        settle().await;
        let (answered, calls) = (sixth.is_finished(), inventory.calls());
        assert!(
            answered && calls == N,
            "the 6th request came while 3 were running and 2 waiting (the bulkhead is full): \
             it should be shed at once, without calling the dependency; it was {} and the \
             dependency was called {calls} times (should be 3)",
            if answered {
                "answered at once"
            } else {
                "still waiting after 1 ms"
            }
        );
        let answer = sixth.await.unwrap();
        check_shed(&answer, "the 6th request (3 running, 2 waiting)");
        for answer in finish(&mut inventory, handles).await {
            assert_eq!(answer.status, 200, "the 5 let in should all get 200");
        }
        let again = spawn(&app, "/inventory", 1);
        let status = finish(&mut inventory, again).await[0].status;
        assert_eq!(
            status, 200,
            "once the others are done, a new request gets 200"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_waits_max_wait_gets_503() {
        let (app, mut inventory, _) = setup();
        let running = spawn(&app, "/inventory", N);
        settle().await;
        let start = Instant::now();
        let fourth = spawn(&app, "/inventory", 1).pop().unwrap();
        settle().await;
        let calls = inventory.calls();
        assert_eq!(
            calls, N,
            "3 calls were running and a 4th request came: it should wait for a permit, but \
             the dependency was called {calls} times (should be 3)"
        );
        let answer = fourth.await.unwrap();
        let waited = start.elapsed();
        assert!(
            waited >= WAIT && waited < WAIT + 10 * MS,
            "the 4th request (3 running, none finishing) was answered {} after {waited:?}; \
             it should wait max_wait (2 s) for a permit, then give up",
            answer.status
        );
        check_shed(&answer, "the 4th request, after waiting 2 s for a permit");
        let calls = inventory.calls();
        assert_eq!(
            calls, N,
            "the dependency was called {calls} times; only the 3 running requests should have \
             called it, not the 4th, which waited and gave up"
        );

        let late = spawn(&app, "/inventory", 1);
        tokio::time::sleep(WAIT - 100 * MS).await;
        inventory.reply(|| Reply::Ok);
        settle().await;
        assert_eq!(
            inventory.calls(),
            N + 1,
            "a request waited 1.9 s (max_wait 2 s), then a running call finished: it should \
             take the free permit and call the dependency"
        );
        let status = finish(&mut inventory, late).await[0].status;
        assert_eq!(status, 200, "a request that got a permit in time gets 200");
        finish(&mut inventory, running).await;
    }

    #[tokio::test(start_paused = true)]
    async fn max_wait_limits_the_wait_not_the_call() {
        let (app, mut inventory, _) = setup();
        let handles = spawn(&app, "/inventory", 1);
        settle().await;
        tokio::time::sleep(3 * WAIT).await;
        let status = finish(&mut inventory, handles).await[0].status;
        assert_eq!(
            status, 200,
            "a call that got its permit at once and ran for 6 s was answered {status}; \
             max_wait (2 s) limits the wait for a permit, not how long the call runs"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_call_gives_its_permit_back() {
        let (app, mut inventory, _) = setup();
        let handles = spawn(&app, "/inventory", N);
        settle().await;
        while inventory.reply(|| Reply::Fail) {}
        for handle in handles {
            let status = handle.await.unwrap().status;
            assert_eq!(status, 502, "a call that failed is a 502 Bad Gateway");
        }
        let handles = spawn(&app, "/inventory", N + Q);
        settle().await;
        let running = inventory.running();
        let shed = handles.iter().filter(|h| h.is_finished()).count();
        check_at_most_n(running);
        assert!(
            running == N && shed == 0,
            "after 3 calls failed (502), 5 new requests came: {running} ran (should be 3) \
             and {shed} were answered at once (should be 0): a failed call did not give its \
             places back; they must come back on the error path too"
        );
        finish(&mut inventory, handles).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_call_gives_its_permit_back() {
        let (app, mut inventory, _) = setup();
        let handles = spawn(&app, "/inventory", N);
        settle().await;
        while inventory.reply(|| Reply::Panic) {}
        for handle in handles {
            assert!(handle.await.is_err(), "the fake dependency panicked");
        }
        let handles = spawn(&app, "/inventory", N + Q);
        settle().await;
        let running = inventory.running();
        let shed = handles.iter().filter(|h| h.is_finished()).count();
        check_at_most_n(running);
        assert!(
            running == N && shed == 0,
            "after 3 calls panicked, 5 new requests came: {running} ran (should be 3) and \
             {shed} were answered at once (should be 0): a panicking call did not give its \
             places back; let a guard (RAII) give them back when it is dropped"
        );
        finish(&mut inventory, handles).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_went_away_gives_its_place_back() {
        let (app, mut inventory, _) = setup();
        let running = spawn(&app, "/inventory", N);
        settle().await;
        let waiting = spawn(&app, "/inventory", Q);
        settle().await;
        for handle in &waiting {
            handle.abort(); // the client hung up: the request's future is dropped
        }
        settle().await;
        let again = spawn(&app, "/inventory", Q);
        settle().await;
        let shed = again.iter().filter(|h| h.is_finished()).count();
        assert_eq!(
            shed, 0,
            "3 running, 2 waiting; both waiting requests went away (their clients hung up), \
             then 2 new requests came, and {shed} of the 2 were shed at once (should be 0): \
             a request that leaves the queue must give its place back"
        );
        finish(&mut inventory, running).await;
        finish(&mut inventory, again).await;
    }

    #[tokio::test(start_paused = true)]
    async fn each_dependency_has_its_own_bulkhead() {
        let (app, mut inventory, mut pricing) = setup();
        let stuck = spawn(&app, "/inventory", N + Q);
        settle().await;
        let handles = spawn(&app, "/pricing", 1);
        settle().await;
        let reached = pricing.calls();
        let status = finish(&mut pricing, handles).await[0].status;
        assert!(
            reached == 1 && status == 200,
            "inventory was full (3 running, 2 waiting), then GET /pricing was answered \
             {status} {} reaching pricing: a slow dependency must not starve the others, so \
             give each dependency its own bulkhead",
            if reached == 1 { "after" } else { "without" }
        );
        finish(&mut inventory, stuck).await;
    }

    /// One request straight through a `Bulkhead`: its call waits for the test.
    struct Req {
        started: Arc<std::sync::atomic::AtomicBool>,
        release: Option<oneshot::Sender<bool>>,
        handle: JoinHandle<Result<&'static str, BulkheadError<&'static str>>>,
        /// How it ended, once it has.
        ended: Option<String>,
    }

    impl Req {
        fn start(bulkhead: &Arc<Bulkhead>) -> Req {
            let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (release, released) = oneshot::channel::<bool>();
            let handle = tokio::spawn({
                let (bulkhead, started) = (bulkhead.clone(), started.clone());
                async move {
                    let call = async move {
                        started.store(true, std::sync::atomic::Ordering::SeqCst);
                        match released.await {
                            Ok(true) => Ok("done"),
                            _ => Err("failed"),
                        }
                    };
                    bulkhead.run(call).await
                }
            });
            Req {
                started,
                release: Some(release),
                handle,
                ended: None,
            }
        }

        fn started(&self) -> bool {
            self.started.load(std::sync::atomic::Ordering::SeqCst)
        }

        /// What became of it so far: running, waiting, or its result.
        async fn state(&mut self) -> String {
            if let Some(ended) = &self.ended {
                ended.clone()
            } else if self.handle.is_finished() {
                let ended = match (&mut self.handle).await {
                    Ok(result) => format!("{result:?}"),
                    Err(e) => format!("ended by {e}"),
                };
                self.ended = Some(ended.clone());
                ended
            } else if self.started() {
                "running".to_string()
            } else {
                "waiting".to_string()
            }
        }
    }

    /// Lets every task run while the paused clock stands still (a busy
    /// runtime never advances it by itself).
    async fn spin() {
        for _ in 0..64 {
            tokio::task::yield_now().await;
        }
    }

    fn limit() -> impl Strategy<Value = usize> {
        prop_oneof![
            Just(0usize),
            Just(1usize),
            Just(2usize),
            Just(3usize),
            Just(Semaphore::MAX_PERMITS)
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(96))]

        /// Any limits (0, 1, a few, Semaphore::MAX_PERMITS; a max_wait of zero,
        /// sub-millisecond parts or Duration::MAX) and any number of requests:
        /// who runs, waits or is refused; waiting ends at max_wait and not
        /// before, while running calls go on; a place freed while others wait
        /// goes to one of them; then a newcomer is let in by the same rules.
        #[test]
        fn every_limit_holds_at_its_edges(
            max_concurrent in limit(),
            max_waiting in limit(),
            max_wait in prop_oneof![
                1 => Just(Duration::ZERO),
                1 => Just(Duration::MAX),
                4 => duration_up_to(3 * Duration::from_secs(1)),
            ],
            requests in 0usize..8,
            later in prop_oneof![2 => (0u32..=4000).prop_map(Some), 3 => Just(None)],
            near in -2i64..=2,
            outcome in 0u8..3,
        ) {
            let finite = max_wait < Duration::from_secs(3600);
            let tick = max_wait.as_nanos().div_ceil(1_000_000).min(3_600_000) as i64;
            // Whole milliseconds (tokio's timer ticks), often right at max_wait.
            let later = MS * later.unwrap_or((tick + near).clamp(0, 4000) as u32);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(async {
                let limits = Limits { max_concurrent, max_waiting, max_wait };
                let story = format!(
                    "max_concurrent {max_concurrent}, max_waiting {max_waiting}, max_wait \
                     {max_wait:?}: {requests} requests, one after the other"
                );
                let made = std::panic::catch_unwind(|| Bulkhead::new(limits));
                let Ok(bulkhead) = made else {
                    return Err(TestCaseError::fail(format!(
                        "{story}: Bulkhead::new panicked. Each limit may be anything up to \
                         Semaphore::MAX_PERMITS (no limit): adding them must not overflow \
                         (saturating_add, then at most Semaphore::MAX_PERMITS)"
                    )));
                };
                let bulkhead = Arc::new(bulkhead);
                let mut reqs = Vec::new();
                for _ in 0..requests {
                    reqs.push(Req::start(&bulkhead));
                    spin().await;
                }
                // The oracle: the first max_concurrent run, the next max_waiting
                // wait (or give up at once when max_wait is zero), the rest are
                // refused at once.
                let running = requests.min(max_concurrent);
                let waiting = match max_wait.is_zero() {
                    true => 0, // each gives up at once, before the next comes
                    false => (requests - running).min(max_waiting),
                };
                let at_once: Vec<&str> = (0..requests)
                    .map(|i| match i {
                        i if i < running => "running",
                        _ if max_wait.is_zero() && max_waiting > 0 => "Err(TimedOut)",
                        i if i < running + waiting => "waiting",
                        _ => "Err(Full)",
                    })
                    .collect();
                let expect = |i: usize, timed_out: bool| match at_once[i] {
                    "waiting" if timed_out => "Err(TimedOut)",
                    other => other,
                };
                for (i, req) in reqs.iter_mut().enumerate() {
                    let got = req.state().await;
                    let want = expect(i, max_wait.is_zero());
                    prop_assert_eq!(
                        got.as_str(), want,
                        "{}: request {} should be {} at once, but it is {}. At most \
                         max_concurrent calls run, at most max_waiting more wait (a max_wait of \
                         zero gives up at once), any more are refused with Full",
                        story, i + 1, want, got
                    );
                }
                tokio::time::advance(later).await;
                spin().await;
                let timed_out = max_wait.is_zero() || (finite && later >= max_wait);
                for (i, req) in reqs.iter_mut().enumerate() {
                    let got = req.state().await;
                    let want = expect(i, timed_out);
                    prop_assert_eq!(
                        got.as_str(), want,
                        "{}; {:?} later, request {} should be {}, but it is {}. A request that \
                         waited max_wait without a permit gives up with TimedOut, not before; \
                         max_wait bounds the wait for a place, never a call that runs",
                        story, later, i + 1, want, got
                    );
                }
                let still_waiting = if timed_out { 0 } else { waiting };
                if running > 0 {
                    // A place comes back while others may wait.
                    let how = ["succeeds", "fails", "is dropped (the client hung up)"][outcome as usize];
                    match outcome {
                        0 | 1 => {
                            let release = reqs[0].release.take().unwrap();
                            let _ = release.send(outcome == 0);
                        }
                        _ => reqs[0].handle.abort(),
                    }
                    spin().await;
                    let newly: usize = reqs[running..running + waiting]
                        .iter()
                        .filter(|r| r.started())
                        .count();
                    let want = still_waiting.min(1);
                    prop_assert_eq!(
                        newly, want,
                        "{}; {:?} later the first running call {}, while {} request(s) waited: \
                         {} waiting request(s) should have started, but {} did. A place that \
                         comes back (success, error, or a request dropped) goes to one waiting \
                         request, and only one",
                        story, later, how, still_waiting, want, newly
                    );
                    // A newcomer, by the same rules.
                    let occupied = running - 1 + want + (still_waiting - want);
                    let mut newcomer = Req::start(&bulkhead);
                    spin().await;
                    let got = newcomer.state().await;
                    let want = if occupied < max_concurrent {
                        "running"
                    } else if occupied - max_concurrent < max_waiting {
                        if max_wait.is_zero() { "Err(TimedOut)" } else { "waiting" }
                    } else {
                        "Err(Full)"
                    };
                    prop_assert_eq!(
                        got.as_str(), want,
                        "{}; {:?} later the first running call {}; then one more request came, \
                         with {} running or waiting: it should be {}, but it is {}. Every place \
                         that came back can be taken again",
                        story, later, how, occupied, want, got
                    );
                }
                Ok::<(), TestCaseError>(())
            })?;
        }
    }
}
