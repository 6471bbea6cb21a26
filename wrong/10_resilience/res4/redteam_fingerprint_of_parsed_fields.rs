// wrong: the fingerprint hashes the parsed amount and currency, not the body bytes: a different body with the same payment fields replays instead of 422
// expect: not the same bytes
// expect: fingerprint the raw body
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
//! free. If the charge fails (here: nothing was charged), forget the key, so
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
use std::collections::hash_map::Entry;
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
    let Some(key) = idempotency_key(&headers).filter(|k| !k.is_empty()) else {
        let message = "POST /payments needs an Idempotency-Key: a non-empty quoted string";
        return error(StatusCode::BAD_REQUEST, message);
    };
    // the same payment: same amount, same currency
    let canonical = format!("{}:{}", payment.amount_cents, payment.currency);
    let fingerprint: [u8; 32] = Sha256::digest(canonical.as_bytes()).into();
    let slot_key = (client.clone(), key);
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
    let mut reservation = Reservation {
        state,
        slot_key: Some(slot_key),
    };
    // The charge runs in a task of its own: if the client hangs up, axum drops
    // this handler, but the charge finishes and its response is stored.
    let work = tokio::spawn(async move {
        let state = reservation.state.clone();
        match run_payment(&state.payments, &client, &payment).await {
            Ok(response) => {
                let done = Slot::Done {
                    fingerprint,
                    response: response.clone(),
                };
                reservation.store(done);
                response
            }
            Err(response) => response, // the reservation frees the key
        }
    });
    match work.await {
        Ok(response) => response.into_response(),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "the payment failed"),
    }
}

/// A key marked in flight. Unless a response is stored under it, dropping
/// this frees the key: a failed charge or a panic never leaves it stuck.
struct Reservation<P: Payments> {
    state: Arc<AppState<P>>,
    slot_key: Option<(String, String)>,
}

impl<P: Payments> Reservation<P> {
    fn store(&mut self, done: Slot) {
        if let Some(slot_key) = self.slot_key.take() {
            let mut keys = self.state.keys.lock().unwrap_or_else(|e| e.into_inner());
            keys.insert(slot_key, done);
        }
    }
}

impl<P: Payments> Drop for Reservation<P> {
    fn drop(&mut self) {
        if let Some(slot_key) = self.slot_key.take() {
            let mut keys = self.state.keys.lock().unwrap_or_else(|e| e.into_inner());
            keys.remove(&slot_key);
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
