//! # Idempotency keys: a repeated POST runs once
//!
//! A client sends `POST /payments`, and the connection drops before the answer
//! arrives. Was the card charged? The client cannot know. If it retries (res2),
//! it may pay twice; if it does not, it may not pay at all. The fix is on the
//! server: the client puts a unique key of its own choosing (a UUID) in the
//! request, `Idempotency-Key: 5f1b...`, and sends every retry of that payment
//! with the same key. The server remembers, per key, what it answered:
//!
//! - the first request with a key runs, and its response (status and body) is
//!   stored under the key;
//! - a repeat with the same key and the same body gets the stored response,
//!   without running again: the same payment, charged once;
//! - the same key with a *different* body is a client bug: `422 Unprocessable
//!   Content`, never the other payment's answer;
//! - a repeat that arrives while the first is still running gets `409
//!   Conflict`: "still in progress, try later" (it must not start a second run);
//! - on this endpoint a request without a key is `400 Bad Request`.
//!
//! Keys belong to a client: two clients may pick the same key, and one must
//! never get the other's stored response. So the store is keyed by (client,
//! key). A request is "the same" when its body is the same bytes: keep a
//! fingerprint (a SHA-256 hash) of the body with the stored response.
//!
//! Mark the key as "in flight" in the same locked step that finds it free:
//! "look up, then later insert" lets two concurrent requests both find it
//! free. If the charge fails (here: nothing was charged), forget the key, so
//! that a retry with the same key can try again. (A real service also stores
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
use std::collections::hash_map::Entry;
use std::future::Future;
use std::sync::{Arc, Mutex};

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
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        let message = "POST /payments needs an Idempotency-Key header";
        return error(StatusCode::BAD_REQUEST, message);
    };
    let fingerprint: [u8; 32] = Sha256::digest(&body).into();
    let slot_key = (client.clone(), key.to_string());
    match state.keys.lock().unwrap().entry(slot_key.clone()) {
        Entry::Vacant(vacant) => {
            vacant.insert(Slot::InFlight { fingerprint });
        }
        Entry::Occupied(slot) => {
            return match slot.get() {
                Slot::InFlight { fingerprint: f } | Slot::Done { fingerprint: f, .. }
                    if *f != fingerprint =>
                {
                    let message = "this Idempotency-Key was used with a different request";
                    error(StatusCode::UNPROCESSABLE_ENTITY, message)
                }
                Slot::InFlight { .. } => {
                    let message = "a request with this Idempotency-Key is still in progress";
                    error(StatusCode::CONFLICT, message)
                }
                Slot::Done { response, .. } => response.clone().into_response(),
            };
        }
    }
    let outcome = run_payment(&state.payments, &client, &payment).await;
    let mut keys = state.keys.lock().unwrap();
    match outcome {
        Ok(response) => {
            let done = Slot::Done {
                fingerprint,
                response: response.clone(),
            };
            keys.insert(slot_key, done);
            response.into_response()
        }
        Err(response) => {
            keys.remove(&slot_key); // nothing happened: the key may be used again
            response.into_response()
        }
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
    // curl -i localhost:3000/payments -H 'X-Client-Id: alice' -H 'Idempotency-Key: k1' \
    //   -H 'Content-Type: application/json' -d '{"amount_cents": 500, "currency": "EUR"}'
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Printer)).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
    use std::time::Duration;
    use tokio::sync::{Semaphore, mpsc};
    use tower::ServiceExt;

    const FIVE_EUROS: &str = r#"{"amount_cents": 500, "currency": "EUR"}"#;
    const SIX_EUROS: &str = r#"{"amount_cents": 600, "currency": "EUR"}"#;

    /// A payment provider that counts its charges. While `gate` has no permits,
    /// a charge waits (the test decides when it finishes).
    struct Provider {
        charges: AtomicU32,
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
                false => Ok(format!("pay_{n}_{client}_{amount_cents}")),
            }
        }
    }

    fn provider(open: bool) -> (Arc<Provider>, mpsc::UnboundedReceiver<()>) {
        let (started, rx) = mpsc::unbounded_channel();
        let permits = if open { Semaphore::MAX_PERMITS } else { 0 };
        let provider = Provider {
            charges: AtomicU32::new(0),
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

    #[tokio::test]
    async fn the_first_request_with_a_key_runs() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        let what = describe("alice", Some("k1"), FIVE_EUROS);
        let (status, body) = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
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
        let first = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        for attempt in 2..=3 {
            let again = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
            let what = describe("alice", Some("k1"), FIVE_EUROS);
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
        let other = send(&app, "alice", Some("k2"), FIVE_EUROS).await;
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
        send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        let what = describe("alice", Some("k1"), SIX_EUROS);
        let (status, body) = send(&app, "alice", Some("k1"), SIX_EUROS).await;
        assert_eq!(
            status, 422,
            "{what} (k1 was used for 500 cents before) answered {status} {body}: reusing a key \
             for a different request is 422 Unprocessable Content, never the stored answer of \
             the other request"
        );
        assert_eq!(charges(&provider), 1, "{what}: nothing may be charged");
        let first = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        assert_eq!(
            first.0, 201,
            "the original request with k1 still gets its 201"
        );
    }

    #[tokio::test]
    async fn keys_belong_to_one_client() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        let alice = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        let what = describe("bob", Some("k1"), FIVE_EUROS);
        let bob = send(&app, "bob", Some("k1"), FIVE_EUROS).await;
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
        let again = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        assert_eq!(
            again, alice,
            "alice's replay of k1 should get her own first response"
        );
    }

    #[tokio::test]
    async fn a_request_without_a_key_is_400() {
        let (provider, _) = provider(true);
        let app = app(provider.clone());
        for key in [None, Some("")] {
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
        let first = tokio::spawn({
            let app = app.clone();
            async move { send(&app, "alice", Some("k1"), FIVE_EUROS).await }
        });
        started.recv().await.unwrap(); // the first charge is running now
        let what = describe("alice", Some("k1"), FIVE_EUROS);
        let second = tokio::time::timeout(
            Duration::from_secs(5),
            send(&app, "alice", Some("k1"), FIVE_EUROS),
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
        let third = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
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
        let what = describe("alice", Some("k1"), FIVE_EUROS);
        let (status, body) = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        assert_eq!(
            status, 502,
            "{what}, with the provider down: {status} {body}"
        );
        provider.down.store(false, SeqCst);
        let (status, body) = send(&app, "alice", Some("k1"), FIVE_EUROS).await;
        assert_eq!(
            (status, charges(&provider)),
            (201, 2),
            "{what}: the first try failed with 502 and charged nothing, so the retry with the \
             same key should run the payment again (right: 201, a 2nd charge attempt); it \
             answered {status} {body}. Forget the key when the charge fails",
        );
    }
}
