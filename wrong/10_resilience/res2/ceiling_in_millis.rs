// wrong: computes the ceiling in whole milliseconds
// expect: computed to the nanosecond
//! # Retries with exponential backoff and jitter
//!
//! Networks fail for a moment: a connection is refused while a server restarts,
//! a load balancer answers 503 during a deploy. Trying again often works. But
//! a retry is a second request, so ask two questions first.
//!
//! **Is it safe to send twice?** GET, PUT and DELETE are *idempotent* (RFC 9110
//! §9.2.2): doing them twice has the effect of doing them once. POST is not: a
//! POST that timed out may have charged the card, and a retry charges it again.
//! Retry a POST only when it carries an `Idempotency-Key`, which lets the
//! server recognise the repeat (res4 builds that server).
//!
//! Whether a retry is *safe* depends on the request, not on the answer: once
//! a request is idempotent (or carries a key), any failure may be retried.
//!
//! **Can another try succeed?** A connection error, a timeout, `502 Bad
//! Gateway`, `503 Service Unavailable`, `504 Gateway Timeout` and `429 Too Many
//! Requests` are the usual passing troubles: the way to the server, or its
//! capacity, failed for a moment. Any other 4xx is the request's fault and
//! will fail again. A `500 Internal Server Error` only says that the server
//! failed: an idempotent request may be retried after one, but it is often a
//! bug that the same request hits again, so this client's policy, like many,
//! retries only the six troubles above.
//!
//! **How long to wait?** Not a fixed time: when a service comes back, a crowd of
//! clients retrying in lockstep knocks it over again. Wait exponentially longer
//! (`base`, `2·base`, `4·base`, ..., never above `cap`), and pick the actual wait
//! at random between zero and that ceiling: "full jitter", which spreads the crowd
//! out (AWS Architecture Blog, "Exponential Backoff and Jitter"). Stop after
//! `max_attempts` attempts in all, and do not wait after the last one.
//!
//! When the server says how long to wait, with `Retry-After: <seconds>` on a
//! 429 or a 503 (RFC 9110 §10.2.3, RFC 6585 §4), wait exactly that instead. If it
//! asks for longer than `cap`, give up now: your caller should not hang for it.
//!
//! The sleep and the random numbers are passed in, so that the tests control
//! time and chance: the same seed gives the same waits.
//! Read more: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/,
//! RFC 9110 §9.2.2 and §10.2.3, https://docs.rs/rand/0.8/rand/trait.Rng.html

use hyper::Method;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

struct Request {
    method: Method,
    path: String,
    idempotency_key: Option<String>,
}

/// What one attempt gave.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The upstream answered, with its `Retry-After` header if it sent one.
    Response {
        status: u16,
        retry_after: Option<String>,
    },
    /// No connection could be made.
    ConnectError,
    /// The attempt ran out of time.
    Timeout,
}

struct Policy {
    /// Attempts in all, the first one included.
    max_attempts: u32,
    /// The ceiling of the first backoff; it doubles for each retry after that.
    base: Duration,
    /// No ceiling, and no wait at all, is ever above this.
    cap: Duration,
}

/// Full jitter: a random wait between zero and `ceiling`, both included.
/// One call draws one random number.
fn full_jitter(rng: &mut impl Rng, ceiling: Duration) -> Duration {
    rng.gen_range(Duration::ZERO..=ceiling)
}

/// May this request be sent a second time?
fn is_retry_safe(request: &Request) -> bool {
    request.method.is_idempotent() || request.idempotency_key.is_some()
}

/// The backoff ceiling before retry number `retry` (1 for the first retry).
fn ceiling(policy: &Policy, retry: u32) -> Duration {
    let factor = 2u64.checked_pow(retry - 1).unwrap_or(u64::MAX);
    let millis = (policy.base.as_millis() as u64).saturating_mul(factor);
    Duration::from_millis(millis).min(policy.cap)
}

/// Sends `request` until it succeeds, or fails in a way that another try cannot
/// fix, or the attempts run out; returns the last outcome.
fn call_with_retries(
    policy: &Policy,
    request: &Request,
    rng: &mut impl Rng,
    sleep: &mut dyn FnMut(Duration),
    send: &mut dyn FnMut(&Request) -> Outcome,
) -> Outcome {
    let mut attempt = 1;
    loop {
        let outcome = send(request);
        if attempt >= policy.max_attempts || !is_retry_safe(request) {
            return outcome;
        }
        let asked = match &outcome {
            Outcome::ConnectError | Outcome::Timeout => None,
            Outcome::Response {
                status: 502 | 503 | 504 | 429,
                retry_after,
            } => retry_after.as_deref().and_then(|v| v.parse().ok()),
            Outcome::Response { .. } => return outcome,
        };
        let wait = match asked.map(Duration::from_secs) {
            Some(asked) if asked > policy.cap => return outcome,
            Some(asked) => asked,
            None => full_jitter(rng, ceiling(policy, attempt)),
        };
        sleep(wait);
        attempt += 1;
    }
}

fn main() {
    let policy = Policy {
        max_attempts: 5,
        base: Duration::from_millis(100),
        cap: Duration::from_secs(2),
    };
    let request = Request {
        method: Method::GET,
        path: "/orders/7".into(),
        idempotency_key: None,
    };
    let mut rng = StdRng::seed_from_u64(1);
    let mut sleep = |d: Duration| println!("waiting {d:?}");
    let mut send = |r: &Request| {
        println!("{} {}", r.method, r.path);
        Outcome::Timeout
    };
    let last = call_with_retries(&policy, &request, &mut rng, &mut sleep, &mut send);
    println!("gave up with {last:?}");
}
