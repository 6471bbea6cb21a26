//! # Idempotency keys: a repeated POST runs once
//!
//! A client sends `POST /payments`, and the connection drops before the answer
//! arrives. Was the card charged? The client cannot know. If it retries (res2),
//! it may pay twice; if it does not, it may not pay at all. The fix is on the
//! server: the client puts a unique key of its own choosing (a UUID) in the
//! request, and sends every retry of that payment with the same key:
//!
//! ```text
//! Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"
//! ```
//!
//! The quotes belong to it: the field's value is a Structured Field *String*
//! (RFC 9651 §3.3.3, formerly RFC 8941), printable ASCII between double
//! quotes, where a `"` or a `\` inside is escaped with a `\`. The key is the
//! text between the quotes, unescaped; a value that is not such a string
//! (`k1` without quotes, `"a"b"`) is no key. The server remembers, per key,
//! what it answered:
//!
//! - the first request with a key runs, and its response (status and body) is
//!   stored under the key;
//! - a repeat with the same key and the same body gets the stored response,
//!   without running again: the same payment, charged once;
//! - the same key with a *different* body is a client bug: `422 Unprocessable
//!   Content`, never the other payment's answer;
//! - a repeat that arrives while the first is still running gets `409
//!   Conflict`: "still in progress, try later" (it must not start a second run);
//! - on this endpoint a request without a key (no field, an empty string, or
//!   a value that is not a String) is `400 Bad Request`.
//!
//! Keys belong to a client: two clients may pick the same key, and one must
//! never get the other's stored response. So the store is keyed by (client,
//! key). A request is "the same" when its body is the same bytes: keep a
//! fingerprint (a SHA-256 hash) of the body with the stored response.
//!
//! Mark the key as "in flight" in the same locked step that finds it free:
//! "look up, then later insert" lets two concurrent requests both find it
//! free. Such a race is rare on a quiet machine, so the `Mutex` in this file
//! is the course's (`mod watched`, at the bottom: it works like std's), which
//! lets the tests send a second request right after the first lets the lock
//! go, and make the race happen every time. If the charge fails (here: nothing was charged), forget the key, so
//! that a retry with the same key can try again.
//!
//! And the key must never stay "in flight" for ever. When a client hangs up
//! (its timeout fired: exactly when it will retry), axum drops the handler's
//! future at its current `.await`, and the code after it never runs: a key
//! marked in flight there would answer 409 to every retry, for good. Run the
//! charge in a task of its own (`tokio::spawn`), which goes on when the
//! handler is dropped, so the payment finishes and its response is stored for
//! the retry; and free the key in a guard's `Drop` if that task ends without
//! storing anything (a failed charge, or a panic). (A real service also stores
//! keys in its database, expires them after a day or so, and passes its key on
//! to the payment provider, so that a charge cut off halfway is not repeated.)
//!
//! Read more: the IETF draft "The Idempotency-Key HTTP Header Field"
//! (draft-ietf-httpapi-idempotency-key-header), https://docs.stripe.com/api/idempotent_requests

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use watched::Mutex;

/// The payment provider: the side effect that must happen once.
trait Payments: Send + Sync + 'static {
    /// Charges the client; `Err` means that nothing was charged.
    fn charge(
        &self,
        client: &str,
        amount_cents: u64,
    ) -> impl Future<Output = Result<String, ()>> + Send;
}

/// A response as it is stored under a key, and sent again on a replay.
#[derive(Clone)]
struct Stored {
    status: StatusCode,
    body: String,
}

impl IntoResponse for Stored {
    fn into_response(self) -> Response {
        let json = [(CONTENT_TYPE, "application/json")];
        (self.status, json, self.body).into_response()
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({ "error": message }).to_string();
    Stored { status, body }.into_response()
}

/// What the store knows about one (client, key).
enum Slot {
    /// The first request with this key is still running.
    InFlight { fingerprint: [u8; 32] },
    /// It has finished: this is its response.
    Done {
        fingerprint: [u8; 32],
        response: Stored,
    },
}

struct AppState<P> {
    payments: P,
    /// (client, idempotency key) -> slot.
    keys: Mutex<HashMap<(String, String), Slot>>,
}

#[derive(Deserialize)]
struct NewPayment {
    amount_cents: u64,
    currency: String,
}

/// Provided: who is calling. A gateway in front of this service authenticates
/// the client and tells us who it is in `X-Client-Id`.
fn client_id(headers: &HeaderMap) -> Option<String> {
    let id = headers.get("x-client-id")?.to_str().ok()?;
    (!id.is_empty()).then(|| id.to_string())
}

/// Provided: the `Idempotency-Key`, read as a Structured Field String (RFC
/// 9651 §3.3.3 and §4.2.5): one field line holding `"` printable ASCII `"`,
/// with `\"` and `\\` the only escapes, spaces around it ignored. `None` when
/// there is no such field, more than one, or a value that is not a String.
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    let mut values = headers.get_all("idempotency-key").iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    let value = value.to_str().ok()?.trim_matches(' ');
    let mut chars = value.strip_prefix('"')?.chars();
    let mut key = String::new();
    loop {
        match chars.next()? {
            '\\' => match chars.next()? {
                c @ ('"' | '\\') => key.push(c),
                _ => return None,
            },
            '"' => break,
            c @ ' '..='~' => key.push(c),
            _ => return None,
        }
    }
    chars.as_str().is_empty().then_some(key)
}

/// Provided: runs the side effect. `Err`: nothing was charged.
async fn run_payment<P: Payments>(
    payments: &P,
    client: &str,
    new: &NewPayment,
) -> Result<Stored, Stored> {
    match payments.charge(client, new.amount_cents).await {
        Ok(id) => {
            let (amount_cents, currency) = (new.amount_cents, &new.currency);
            let body = json!({ "id": id, "amount_cents": amount_cents, "currency": currency });
            let (status, body) = (StatusCode::CREATED, body.to_string());
            Ok(Stored { status, body })
        }
        Err(()) => {
            let message = "the payment provider is unavailable; nothing was charged";
            let body = json!({ "error": message }).to_string();
            let status = StatusCode::BAD_GATEWAY;
            Err(Stored { status, body })
        }
    }
}

// POST /payments
async fn create_payment<P: Payments>(
    State(state): State<Arc<AppState<P>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(client) = client_id(&headers) else {
        return error(StatusCode::UNAUTHORIZED, "who are you? (no X-Client-Id)");
    };
    let Ok(payment) = serde_json::from_slice::<NewPayment>(&body) else {
        let message = "expected {\"amount_cents\": <number>, \"currency\": <text>}";
        return error(StatusCode::UNPROCESSABLE_ENTITY, message);
    };
    // TODO: this runs every request, so a retry pays twice. Make it idempotent,
    // by the lesson's rules, with `state.keys`:
    // - no `Idempotency-Key` (read it with `idempotency_key`), or an empty one: 400;
    // - a (client, key) never seen: mark it in flight with the body's fingerprint
    //   (in the same locked step), run the payment, store its response;
    // - seen with another fingerprint: 422; still in flight: 409; done: the
    //   stored response, without running anything;
    // - a failed payment (`Err`) stores nothing and frees the key.
    // - cancel-safe: axum drops this future when the client hangs up, and a
    //   key must never stay in flight for ever (the lesson says how).
    // Never hold the lock across an `.await` (the compiler will insist).
    match run_payment(&state.payments, &client, &payment).await {
        Ok(response) | Err(response) => response.into_response(),
    }
}

fn app<P: Payments>(payments: P) -> Router {
    let keys = Mutex::new(HashMap::new());
    let state = Arc::new(AppState { payments, keys });
    Router::new()
        .route("/payments", post(create_payment::<P>))
        .with_state(state)
}

struct Printer;

impl Payments for Printer {
    async fn charge(&self, client: &str, amount_cents: u64) -> Result<String, ()> {
        println!("charging {client} {amount_cents} cents");
        Ok(format!("pay_{amount_cents}"))
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin res4`, then twice:
    // curl -i localhost:3000/payments -H 'X-Client-Id: alice' -H 'Idempotency-Key: "k1"' \
    //   -H 'Content-Type: application/json' -d '{"amount_cents": 500, "currency": "EUR"}'
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Printer)).await.unwrap();
}

/// Course code, no need to change it: the `Mutex` this file uses. It works like
/// `std::sync::Mutex` (`Mutex::new`, `lock().unwrap()`, the guard gives the value
/// until it is dropped), and lets the tests run a second request right after a
/// request lets the lock go, so they can try the interleaving where two requests
/// with one key race.
mod watched {
    use std::ops::{Deref, DerefMut};
    use std::sync::{LockResult, MutexGuard, PoisonError};

    tokio::task_local! {
        /// What runs right after each unlock by the request it is set for (tests only).
        pub static AFTER_UNLOCK: Box<dyn Fn()>;
    }

    #[derive(Default)]
    pub struct Mutex<T>(std::sync::Mutex<T>);

    pub struct Guard<'a, T>(Option<MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub fn new(value: T) -> Self {
            Mutex(std::sync::Mutex::new(value))
        }

        pub fn lock(&self) -> LockResult<Guard<'_, T>> {
            match self.0.lock() {
                Ok(guard) => Ok(Guard(Some(guard))),
                Err(poisoned) => Err(PoisonError::new(Guard(Some(poisoned.into_inner())))),
            }
        }
    }

    impl<T> Deref for Guard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0
                .as_ref()
                .expect("a guard holds the lock until dropped")
        }
    }

    impl<T> DerefMut for Guard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0
                .as_mut()
                .expect("a guard holds the lock until dropped")
        }
    }

    impl<T> Drop for Guard<'_, T> {
        // not graded: the tests' window into the lock; it does not change what it does
        fn drop(&mut self) {
            drop(self.0.take());
            let _ = AFTER_UNLOCK.try_with(|hook| hook());
        }
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tricky_char;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
    use std::time::Duration;
    use tokio::sync::{Semaphore, mpsc};
    use tower::ServiceExt;

    const FIVE_EUROS: &str = r#"{"amount_cents": 500, "currency": "EUR"}"#;
    const SIX_EUROS: &str = r#"{"amount_cents": 600, "currency": "EUR"}"#;
    /// Idempotency-Key values: Structured Field Strings, quotes included.
    const K1: &str = r#""k1""#;
    const K2: &str = r#""k2""#;

    /// A payment provider that counts its charges. While `gate` has no permits,
    /// a charge waits (the test decides when it finishes).
    struct Provider {
        charges: AtomicU32,
        /// Charges that got through the gate and were not refused.
        completed: AtomicU32,
        down: AtomicBool,
        gate: Semaphore,
        started: mpsc::UnboundedSender<()>,
    }

    impl Payments for Arc<Provider> {
        async fn charge(&self, client: &str, amount_cents: u64) -> Result<String, ()> {
            let n = self.charges.fetch_add(1, SeqCst) + 1;
            let _ = self.started.send(());
            self.gate.acquire().await.unwrap().forget();
            match self.down.load(SeqCst) {
                true => Err(()),
                false => {
                    self.completed.fetch_add(1, SeqCst);
                    Ok(format!("pay_{n}_{client}_{amount_cents}"))
                }
            }
        }
    }

    fn provider(open: bool) -> (Arc<Provider>, mpsc::UnboundedReceiver<()>) {
        let (started, rx) = mpsc::unbounded_channel();
        let permits = if open { Semaphore::MAX_PERMITS } else { 0 };
        let provider = Provider {
            charges: AtomicU32::new(0),
            completed: AtomicU32::new(0),
            down: AtomicBool::new(false),
            gate: Semaphore::new(permits),
            started,
        };
        (Arc::new(provider), rx)
    }

    fn post(client: &str, key: Option<&str>, body: &str) -> Request<Body> {
        let mut request = Request::post("/payments")
            .header("X-Client-Id", client)
            .header(CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.body(Body::from(body.to_string())).unwrap()
    }

    fn describe(client: &str, key: Option<&str>, body: &str) -> String {
        let key = key.map_or("no Idempotency-Key".into(), |k| {
            format!("Idempotency-Key: {k}")
        });
        format!("POST /payments by {client} with {key} and the body {body}")
    }

    async fn send(app: &Router, client: &str, key: Option<&str>, body: &str) -> (u16, String) {
        let response = app.clone().oneshot(post(client, key, body)).await.unwrap();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    fn charges(provider: &Provider) -> u32 {
        provider.charges.load(SeqCst)
    }

    /// Sends `POST /payments` (acme, K1, five euros) and, right after it lets the keys'
    /// lock go for the `pause_at`-th time, sends the same request on another thread
    /// and waits for its answer; then lets the first go on. Answers both, in that
    /// order, and whether the second ran during the pause.
    async fn same_key_across_a_pause(
        app: &Router,
        pause_at: usize,
    ) -> ((u16, String), (u16, String), bool) {
        let second: Arc<std::sync::Mutex<Option<(u16, String)>>> = Arc::default();
        let unlocks = std::cell::Cell::new(0);
        let (other, into) = (app.clone(), Arc::clone(&second));
        let hook: Box<dyn Fn()> = Box::new(move || {
            unlocks.set(unlocks.get() + 1);
            if unlocks.get() == pause_at {
                let other = other.clone();
                let answer = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(send(&other, "acme", Some(K1), FIVE_EUROS))
                });
                *into.lock().unwrap() = Some(answer.join().unwrap());
            }
        });
        let first = watched::AFTER_UNLOCK.scope(hook, send(app, "acme", Some(K1), FIVE_EUROS));
        let first = first.await;
        let during = second.lock().unwrap().take();
        match during {
            Some(second) => (first, second, true),
            None => (first, send(app, "acme", Some(K1), FIVE_EUROS).await, false),
        }
    }

    #[tokio::test]
    async fn two_requests_with_one_key_charge_once_however_they_interleave() {
        for pause_at in 1..=4 {
            let (provider, _started) = provider(true);
            let app = app(Arc::clone(&provider));
            let (first, second, paused) = same_key_across_a_pause(&app, pause_at).await;
            let when = if paused {
                format!(
                    "the second sent while the first was paused right after its unlock \
                     number {pause_at} of the keys' lock"
                )
            } else {
                "the second sent after the first".to_string()
            };
            let rule = "two requests with one key charge once, however they interleave: find \
                        the key free and mark it in flight in ONE locked step (a look-up under \
                        one lock and a mark under another lets both find it free)";
            let n = charges(&provider);
            assert_eq!(
                n, 1,
                "two POST /payments by acme with Idempotency-Key {K1}, {when}, charged {n} \
                 times; answers {first:?} and {second:?}: {rule}"
            );
            let ok = |(status, _): &(u16, String)| *status == 201;
            let same = first == second;
            let one_conflict = (ok(&first) && second.0 == 409) || (ok(&second) && first.0 == 409);
            assert!(
                (ok(&first) && same) || one_conflict,
                "two POST /payments with one key, {when}, answered {first:?} and {second:?}: \
                 one runs the charge (201); the other gets the stored response (the same 201) \
                 or 409 while the first is in flight: {rule}"
            );
        }
    }

    #[tokio::test]
    async fn the_first_request_with_a_key_runs() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        let what = describe("alice", Some(K1), FIVE_EUROS);
        let (status, body) = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        assert_eq!(
            status, 201,
            "{what} answered {status} {body}; it should pay: 201"
        );
        assert!(
            body.contains("pay_1_alice_500"),
            "{what}: the body was {body}"
        );
        assert_eq!(
            charges(&provider),
            1,
            "{what}: the card should be charged once"
        );
    }

    #[tokio::test]
    async fn a_replay_returns_the_stored_response_without_charging_again() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        let first = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        for attempt in 2..=3 {
            let again = send(&app, "alice", Some(K1), FIVE_EUROS).await;
            let what = describe("alice", Some(K1), FIVE_EUROS);
            assert_eq!(
                again, first,
                "{what}, sent again (attempt {attempt}): a replay gets the first response \
                 (right), status and body: the same payment"
            );
            assert_eq!(
                charges(&provider),
                1,
                "{what}, sent {attempt} times: the card was charged {} times; a replay must not \
                 run the payment again",
                charges(&provider)
            );
        }
        let other = send(&app, "alice", Some(K2), FIVE_EUROS).await;
        assert_eq!(other.0, 201, "a new key (k2) is a new payment: 201");
        assert_eq!(
            charges(&provider),
            2,
            "a new key (k2) is a new payment, charged"
        );
    }

    #[tokio::test]
    async fn the_same_key_with_another_body_is_422() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        send(&app, "alice", Some(K1), FIVE_EUROS).await;
        let what = describe("alice", Some(K1), SIX_EUROS);
        let (status, body) = send(&app, "alice", Some(K1), SIX_EUROS).await;
        assert_eq!(
            status, 422,
            "{what} (k1 was used for 500 cents before) answered {status} {body}: reusing a key \
             for a different request is 422 Unprocessable Content, never the stored answer of \
             the other request"
        );
        assert_eq!(charges(&provider), 1, "{what}: nothing may be charged");
        let first = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        assert_eq!(
            first.0, 201,
            "the original request with k1 still gets its 201"
        );
    }

    #[tokio::test]
    async fn keys_belong_to_one_client() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        let alice = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        let what = describe("bob", Some(K1), FIVE_EUROS);
        let bob = send(&app, "bob", Some(K1), FIVE_EUROS).await;
        assert!(
            bob.0 == 201 && bob.1.contains("bob"),
            "{what} (alice used k1 before) answered {} {}: keys are per client, so bob's k1 is \
             a new payment of bob's; he must never see alice's payment",
            bob.0,
            bob.1
        );
        assert_eq!(
            charges(&provider),
            2,
            "alice and bob should be charged once each"
        );
        let again = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        assert_eq!(
            again, alice,
            "alice's replay of k1 should get her own first response"
        );
    }

    #[tokio::test]
    async fn a_request_without_a_key_is_400() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        for key in [None, Some(""), Some(r#""""#)] {
            let what = describe("alice", key, FIVE_EUROS);
            let (status, body) = send(&app, "alice", key, FIVE_EUROS).await;
            assert_eq!(
                status, 400,
                "{what} answered {status} {body}: this endpoint needs an Idempotency-Key \
                 (an empty one is none): 400 Bad Request"
            );
        }
        assert_eq!(
            charges(&provider),
            0,
            "without a key, nothing may be charged"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_repeat_while_the_first_runs_is_409() {
        let (provider, mut started) = provider(false);
        let app = app(provider.clone());
        let mut first = tokio::spawn({
            let app = app.clone();
            async move { send(&app, "alice", Some(K1), FIVE_EUROS).await }
        });
        let what = describe("alice", Some(K1), FIVE_EUROS);
        // The first charge is running now (the test holds it), unless the first request
        // answered without charging, or got stuck before its charge.
        tokio::select! {
            _ = started.recv() => {}
            answer = &mut first => {
                let (status, body) = answer.unwrap();
                panic!(
                    "{what} answered {status} {body} without charging the card: the first \
                     request with a key should run the payment (this test holds the charge \
                     and sends the same request again while it runs)"
                );
            }
            _ = tokio::time::sleep(Duration::from_secs(5)) => panic!(
                "{what}: no answer and no charge after 5 s: the first request with a key \
                 should run the payment (is it waiting for a lock it holds itself?)"
            ),
        }
        let second = tokio::time::timeout(
            Duration::from_secs(5),
            send(&app, "alice", Some(K1), FIVE_EUROS),
        )
        .await;
        let (status, body) = second.unwrap_or((0, "(no answer: it is waiting)".into()));
        assert_eq!(
            (status, charges(&provider)),
            (409, 1),
            "{what}, sent again while the first was still charging: it answered {status} {body} \
             and the card was charged {} times (right: 409 Conflict, charged once). Mark the \
             key as in flight in the same locked step that finds it free",
            charges(&provider)
        );
        provider.gate.add_permits(Semaphore::MAX_PERMITS);
        let first = first.await.unwrap();
        assert_eq!(first.0, 201, "the first request should finish with 201");
        let third = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        assert_eq!(
            third, first,
            "once the first is done, a replay gets its response"
        );
    }

    #[tokio::test]
    async fn a_failed_charge_frees_the_key() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        provider.down.store(true, SeqCst);
        let what = describe("alice", Some(K1), FIVE_EUROS);
        let (status, body) = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        assert_eq!(
            status, 502,
            "{what}, with the provider down: {status} {body}"
        );
        provider.down.store(false, SeqCst);
        let (status, body) = send(&app, "alice", Some(K1), FIVE_EUROS).await;
        assert_eq!(
            (status, charges(&provider)),
            (201, 2),
            "{what}: the first try failed with 502 and charged nothing, so the retry with the \
             same key should run the payment again (right: 201, a 2nd charge attempt); it \
             answered {status} {body}. Forget the key when the charge fails",
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_hangs_up_mid_charge_does_not_block_its_key() {
        let (provider, mut started) = provider(false);
        let app = app(provider.clone());
        let what = describe("alice", Some(K1), FIVE_EUROS);
        // The client's timeout fires while the charge runs: it hangs up, and
        // axum drops the handler's future.
        let first = send(&app, "alice", Some(K1), FIVE_EUROS);
        let hung_up = tokio::time::timeout(Duration::from_secs(1), first).await;
        assert!(
            hung_up.is_err(),
            "{what}: the charge was held, yet it answered"
        );
        assert!(
            started.try_recv().is_ok(),
            "{what}: the charge should have started"
        );
        provider.gate.add_permits(Semaphore::MAX_PERMITS);
        // The client retries, a second apart, as long as the answer is 409.
        let mut answers = Vec::new();
        for _ in 0..10 {
            let answer = send(&app, "alice", Some(K1), FIVE_EUROS).await;
            answers.push(answer.0);
            if answer.0 != 409 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(
            answers.last(),
            Some(&201),
            "{what}: the client hung up while its card was being charged (axum dropped the \
             handler's future at its .await), then retried with the same key, a second apart, \
             and got {answers:?}. The key stayed in flight for ever: the code after the \
             .await never ran. Let the charge finish in a task of its own, and free the key \
             in a guard's Drop if nothing was stored"
        );
        assert_eq!(
            provider.completed.load(SeqCst),
            1,
            "{what}: the client hung up once and retried: the card should be charged exactly once"
        );
    }

    /// A key as a Structured Field String: quoted, `"` and `\` escaped.
    fn quoted(key: &str) -> String {
        let escaped = key.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        /// Any key of printable ASCII (quotes and backslashes too), written as
        /// a String with or without spaces around: the first request runs, a
        /// replay gets its response, another key is another payment.
        #[test]
        fn any_quoted_key_works(
            key in "[ -~]{1,16}",
            other in "[ -~]{1,16}",
            spaces in (0usize..3, 0usize..3),
        ) {
            prop_assume!(key != other);
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let (provider, _) = provider(true);
                let app = app(provider.clone());
                let value = quoted(&key);
                let spaced = format!("{}{value}{}", " ".repeat(spaces.0), " ".repeat(spaces.1));
                let what = describe("alice", Some(value.as_str()), FIVE_EUROS);
                let first = send(&app, "alice", Some(value.as_str()), FIVE_EUROS).await;
                prop_assert_eq!(first.0, 201, "{}: the first request with a key should pay", what);
                let again = send(&app, "alice", Some(spaced.as_str()), FIVE_EUROS).await;
                prop_assert_eq!(
                    &again,
                    &first,
                    "{}, then again as Idempotency-Key: {:?} (the same String; spaces around a \
                     field value are not part of it): a replay gets the first response",
                    what, spaced
                );
                prop_assert_eq!(charges(&provider), 1, "{}: a replay must not charge again", what);
                let other_value = quoted(&other);
                let next = send(&app, "alice", Some(other_value.as_str()), FIVE_EUROS).await;
                prop_assert_eq!(
                    (next.0, charges(&provider)),
                    (201, 2),
                    "{} and then with Idempotency-Key: {}, another key: it is another payment \
                     (compare the keys, not the raw field values)",
                    what, other_value
                );
                Ok::<(), TestCaseError>(())
            })?;
        }

        /// A value that is not a Structured Field String is no key: 400, and
        /// nothing is charged.
        #[test]
        fn a_key_that_is_not_a_quoted_string_is_400(
            value in prop_oneof![
                "[a-zA-Z0-9_-]{1,12}",
                "\"[a-z0-9]{1,8}",
                "[a-z0-9]{1,8}\"",
                "\"[a-z0-9]{0,4}\"[a-z0-9\"]{1,4}\"?",
                "\"[a-z0-9]{0,4}\\\\[a-z0-9 ]\"",
                "\"[a-z]{1,4}\", ?\"[a-z]{1,4}\"",
                "'[a-z0-9]{1,8}'",
                proptest::collection::vec(tricky_char(), 1..6).prop_map(|c| {
                    format!("\"{}\"", c.into_iter().collect::<String>())
                }).prop_filter("a value with a character outside printable ASCII", |v| {
                    v.chars().any(|c| !(' '..='~').contains(&c))
                        && axum::http::HeaderValue::from_str(v).is_ok()
                }),
            ],
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let (provider, _) = provider(true);
                let app = app(provider.clone());
                let what = describe("alice", Some(value.as_str()), FIVE_EUROS);
                let (status, body) = send(&app, "alice", Some(value.as_str()), FIVE_EUROS).await;
                prop_assert_eq!(
                    (status, charges(&provider)),
                    (400, 0),
                    "{} answered {} {} (charged {} time(s)): an Idempotency-Key is a Structured \
                     Field String: printable ASCII between double quotes, `\"` and `\\` escaped \
                     with a backslash, nothing after the closing quote. Anything else is no key: \
                     400 Bad Request, nothing charged",
                    what, status, body, charges(&provider)
                );
                Ok::<(), TestCaseError>(())
            })?;
        }
    }

    /// One payment written as JSON in one of many spellings: either field
    /// first, any white space around the tokens, a character of the currency
    /// as a `\u` escape, an extra field. Every spelling parses to the same
    /// payment; no two spellings are the same bytes.
    fn spelled(
        amount: u64,
        currency: &str,
        how: (bool, [usize; 4], Option<usize>, bool),
    ) -> String {
        let (currency_first, spaces, escaped, extra) = how;
        let ws = |n: usize| [" ", "\n", "  ", "\t", "\r\n"][..n.min(5)].concat();
        let currency: String = currency
            .chars()
            .enumerate()
            .map(|(i, c)| match escaped {
                Some(e) if e % currency.chars().count() == i => format!("\\u{:04x}", c as u32),
                _ => c.to_string(),
            })
            .collect();
        let amount = format!("\"amount_cents\":{}{amount}", ws(spaces[1]));
        let currency = format!("\"currency\":{}\"{currency}\"", ws(spaces[1]));
        let (one, two) = match currency_first {
            true => (currency, amount),
            false => (amount, currency),
        };
        let extra = if extra { ",\"note\":\"rent\"" } else { "" };
        let [before, _, comma, after] = spaces;
        format!(
            "{}{{{one},{}{two}{extra}}}{}",
            ws(before),
            ws(comma),
            ws(after)
        )
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        /// "The same request" means the same body bytes: two bodies that
        /// spell the same payment differently are two requests, so the second
        /// with the key of the first is 422, and the first still replays.
        #[test]
        fn the_same_key_with_other_body_bytes_is_422(
            amount in crate::generated::edge_u64(u64::MAX),
            currency in "[A-Z]{3}",
            first in (any::<bool>(), [0usize..4, 0usize..3, 0usize..3, 0usize..4],
                proptest::option::of(0usize..3), any::<bool>()),
            second in (any::<bool>(), [0usize..4, 0usize..3, 0usize..3, 0usize..4],
                proptest::option::of(0usize..3), any::<bool>()),
        ) {
            let (one, two) = (spelled(amount, &currency, first), spelled(amount, &currency, second));
            prop_assume!(one != two);
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                let (provider, _) = provider(true);
                let app = app(provider.clone());
                let what = describe("alice", Some(K1), &one);
                let original = send(&app, "alice", Some(K1), &one).await;
                prop_assert_eq!(original.0, 201, "{}: the first request with a key should pay", what);
                let (status, body) = send(&app, "alice", Some(K1), &two).await;
                prop_assert_eq!(
                    (status, charges(&provider)),
                    (422, 1),
                    "{}, then the same key with the body {:?}: answered {} {} (charged {} \
                     time(s)). The same amount and currency, but not the same bytes: a request \
                     is the same only when its body is the same bytes (fingerprint the raw \
                     body, not the parsed fields), so this is 422 and nothing more is charged",
                    what, two, status, body, charges(&provider)
                );
                let again = send(&app, "alice", Some(K1), &one).await;
                prop_assert_eq!(
                    &again, &original,
                    "{}, sent again with its own bytes: a replay gets the first response", what
                );
                Ok::<(), TestCaseError>(())
            })?;
        }
    }

    #[tokio::test]
    async fn two_idempotency_keys_are_400() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        let mut request = post("alice", Some(K1), FIVE_EUROS);
        let second = axum::http::HeaderValue::from_static(r#""k2""#);
        request.headers_mut().append("idempotency-key", second);
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(
            (response.status().as_u16(), charges(&provider)),
            (400, 0),
            "POST /payments with two Idempotency-Key fields, \"k1\" and \"k2\": which payment \
             is it? The field holds one String: 400, nothing charged"
        );
    }
}
