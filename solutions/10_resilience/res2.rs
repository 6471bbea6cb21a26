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
    let factor = 2u32.checked_pow(retry - 1).unwrap_or(u32::MAX);
    policy.base.saturating_mul(factor).min(policy.cap)
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

// not graded: prints a demo retry schedule; the tests call the retry loop with a fake sleep
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{duration_up_to, edge_u64};
    use proptest::prelude::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    const MS: Duration = Duration::from_millis(1);
    const SEED: u64 = 2024;

    fn policy(max_attempts: u32) -> Policy {
        let (base, cap) = (100 * MS, 2000 * MS);
        Policy {
            max_attempts,
            base,
            cap,
        }
    }

    fn request(method: Method, key: Option<&str>) -> Request {
        Request {
            method,
            path: "/orders/7".into(),
            idempotency_key: key.map(String::from),
        }
    }

    fn status(status: u16) -> Outcome {
        let retry_after = None;
        Outcome::Response {
            status,
            retry_after,
        }
    }

    fn retry_after(status: u16, value: &str) -> Outcome {
        let retry_after = Some(value.to_string());
        Outcome::Response {
            status,
            retry_after,
        }
    }

    struct Run {
        last: Outcome,
        attempts: usize,
        sleeps: Vec<Duration>,
    }

    /// Runs `call_with_retries` against an upstream that answers `script`, one
    /// outcome per attempt (the last one again once the script runs out).
    fn run(policy: &Policy, request: &Request, script: &[Outcome]) -> Run {
        let mut rng = StdRng::seed_from_u64(SEED);
        let (mut attempts, mut sleeps) = (0, Vec::new());
        let mut sleep = |d: Duration| sleeps.push(d);
        let mut send = |_: &Request| {
            attempts += 1;
            script[(attempts - 1).min(script.len() - 1)].clone()
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            call_with_retries(policy, request, &mut rng, &mut sleep, &mut send)
        }));
        let Ok(last) = result else {
            panic!(
                "call_with_retries panicked after {attempts} attempts (max_attempts {}): \
                 an overflow? 2 to the power of 39 does not fit in a u32; the ceiling \
                 stops growing at `cap` anyway",
                policy.max_attempts
            );
        };
        Run {
            last,
            attempts,
            sleeps,
        }
    }

    /// The waits that full jitter gives, with the same seed, for these ceilings.
    fn jittered(ceilings_ms: &[u32]) -> Vec<Duration> {
        let mut rng = StdRng::seed_from_u64(SEED);
        let ceilings = ceilings_ms.iter().map(|&c| c * MS);
        ceilings.map(|c| full_jitter(&mut rng, c)).collect()
    }

    fn describe(script: &[Outcome]) -> String {
        let one = |o: &Outcome| match o {
            Outcome::Response {
                status,
                retry_after: Some(v),
            } => format!("{status} with Retry-After: {v}"),
            Outcome::Response { status, .. } => status.to_string(),
            other => format!("{other:?}"),
        };
        let all: Vec<String> = script.iter().map(one).collect();
        format!("[{}] (the last one repeats)", all.join(", "))
    }

    fn check(what: &str, request: &Request, script: &[Outcome], want: (usize, Vec<Duration>)) {
        let policy = policy(5);
        let got = run(&policy, request, script);
        let sent = format!(
            "{} {}{} against an upstream answering {}",
            request.method,
            request.path,
            match request.idempotency_key {
                Some(_) => " with an Idempotency-Key",
                None => "",
            },
            describe(script)
        );
        let (attempts, sleeps) = want;
        assert_eq!(
            got.attempts, attempts,
            "{sent}: {what}, so it should be sent {attempts} time(s), but was sent {} \
             time(s) (max_attempts 5)",
            got.attempts
        );
        assert_eq!(
            got.sleeps, sleeps,
            "{sent}: {what}; the waits (left) should be the right ones. Before retry n, \
             wait full_jitter(min(cap, base * 2^(n-1))), one random draw per backoff, \
             or exactly Retry-After; never after the last attempt"
        );
        let last = &script[(attempts - 1).min(script.len() - 1)];
        assert_eq!(&got.last, last, "{sent}: return the last outcome");
    }

    #[test]
    fn a_success_is_not_retried() {
        check(
            "the first answer is 200",
            &request(Method::GET, None),
            &[status(200)],
            (1, vec![]),
        );
    }

    #[test]
    fn passing_failures_are_retried_with_growing_jittered_waits() {
        let get = request(Method::GET, None);
        let why = "502, 503 and 504 are passing failures; 200 ends it";
        let script = [status(503), status(502), status(504), status(200)];
        check(why, &get, &script, (4, jittered(&[100, 200, 400])));
        let why = "a refused connection and a timeout are passing failures";
        let script = [Outcome::ConnectError, Outcome::Timeout, status(200)];
        check(why, &get, &script, (3, jittered(&[100, 200])));
    }

    #[test]
    fn attempts_stop_at_max_attempts() {
        let put = request(Method::PUT, None);
        let why = "PUT is idempotent and 503 passes, but after 5 attempts in all, give up";
        check(
            why,
            &put,
            &[status(503)],
            (5, jittered(&[100, 200, 400, 800])),
        );
        let delete = request(Method::DELETE, None);
        let why = "DELETE is idempotent; it times out every time";
        let waits = jittered(&[100, 200, 400, 800]);
        check(why, &delete, &[Outcome::Timeout], (5, waits));
    }

    #[test]
    fn the_ceiling_stops_at_cap() {
        let get = request(Method::GET, None);
        let got = run(&policy(8), &get, &[status(503)]);
        let want = jittered(&[100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(
            got.sleeps, want,
            "GET against an upstream answering 503 for ever, max_attempts 8: the waits \
             (left) should have the ceilings 100, 200, 400, 800, 1600, then 2000 ms (cap) \
             and stay there"
        );
        let got = run(&policy(40), &get, &[status(503)]);
        assert_eq!(got.attempts, 40, "max_attempts 40 means 40 attempts");
        let over = got.sleeps.iter().find(|&&d| d > 2000 * MS);
        assert_eq!(over, None, "with 40 attempts, a wait was above cap (2 s)");
    }

    #[test]
    fn requests_that_fail_for_good_are_not_retried() {
        let get = request(Method::GET, None);
        for code in [400, 401, 403, 404, 409, 422, 500, 501] {
            let why = match code {
                500 => "this client's policy retries only connection errors, timeouts, 502, \
                        503, 504 and 429 (a 500 may be retried on an idempotent request, but \
                        it is often a bug the same request hits again)"
                    .to_string(),
                _ => format!("{code} will fail again: do not retry it"),
            };
            check(&why, &get, &[status(code), status(200)], (1, vec![]));
        }
    }

    #[test]
    fn a_post_is_never_retried_without_an_idempotency_key() {
        for (method, why) in [
            (
                Method::POST,
                "the POST may have been carried out: a retry could do it twice",
            ),
            (Method::PATCH, "PATCH is not idempotent either"),
        ] {
            let request = request(method, None);
            check(why, &request, &[Outcome::Timeout, status(200)], (1, vec![]));
            check(why, &request, &[status(503), status(200)], (1, vec![]));
        }
    }

    #[test]
    fn a_post_with_an_idempotency_key_is_retried() {
        let post = request(Method::POST, Some("order-7-attempt"));
        let why = "the Idempotency-Key lets the server recognise a repeat, so retrying is safe";
        let script = [Outcome::Timeout, status(503), status(201)];
        check(why, &post, &script, (3, jittered(&[100, 200])));
    }

    #[test]
    fn retry_after_is_honoured() {
        let get = request(Method::GET, None);
        let why = "429 with Retry-After: 1 means wait exactly 1 s, without a random draw";
        let script = [retry_after(429, "1"), status(503), status(200)];
        // The second retry backs off with the ceiling 200 ms and the FIRST random draw.
        let waits = vec![1000 * MS, first_draw(200)];
        check(why, &get, &script, (3, waits));
        let why = "503 with Retry-After: 2 (exactly cap) means wait 2 s";
        let script = [retry_after(503, "2"), status(200)];
        check(why, &get, &script, (2, vec![2000 * MS]));
        let why = "Retry-After: soon is not a number of seconds: back off as usual";
        let script = [retry_after(503, "soon"), status(200)];
        check(why, &get, &script, (2, jittered(&[100])));
    }

    /// The first random draw of the seeded RNG, with this ceiling.
    fn first_draw(ceiling_ms: u32) -> Duration {
        let mut rng = StdRng::seed_from_u64(SEED);
        full_jitter(&mut rng, ceiling_ms * MS)
    }

    #[test]
    fn a_retry_after_above_cap_gives_up_at_once() {
        let get = request(Method::GET, None);
        let why = "the server asks for 3 s (Retry-After: 3), more than cap (2 s): give up \
                   at once instead of hanging";
        check(
            why,
            &get,
            &[retry_after(429, "3"), status(200)],
            (1, vec![]),
        );
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Full jitter draws from the whole range: never above the ceiling,
        /// not always the same, and near both ends.
        #[test]
        fn full_jitter_spreads_over_zero_to_the_ceiling(
            ceiling in duration_up_to(Duration::from_secs(30)),
            seed in any::<u64>(),
        ) {
            let mut rng = StdRng::seed_from_u64(seed);
            let waits: Vec<Duration> = (0..64).map(|_| full_jitter(&mut rng, ceiling)).collect();
            let (low, high) = (waits.iter().min().unwrap(), waits.iter().max().unwrap());
            prop_assert!(
                *high <= ceiling,
                "full_jitter(ceiling {:?}) answered {:?}: a wait is never above its ceiling",
                ceiling, high
            );
            if ceiling >= Duration::from_micros(1) {
                prop_assert!(
                    low != high,
                    "64 draws of full_jitter(ceiling {:?}) all answered {:?}: full jitter \
                     picks a random wait between zero and the ceiling",
                    ceiling, low
                );
                prop_assert!(
                    *high >= ceiling.mul_f64(0.8) && *low <= ceiling.mul_f64(0.2),
                    "64 draws of full_jitter(ceiling {:?}) stayed between {:?} and {:?}: \
                     full jitter draws evenly from zero to the ceiling",
                    ceiling, low, high
                );
            }
        }
    }

    #[test]
    fn waits_grow_with_each_retry_until_cap() {
        // Many seeds: the average wait before retry n is half its ceiling.
        let get = request(Method::GET, None);
        let ceilings = [100, 200, 400, 800, 1600, 2000, 2000];
        let mut total = [Duration::ZERO; 7];
        let runs = 200;
        for seed in 0..runs {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut sleeps = Vec::new();
            let mut sleep = |d: Duration| sleeps.push(d);
            let mut send = |_: &Request| status(503);
            call_with_retries(&policy(8), &get, &mut rng, &mut sleep, &mut send);
            for (sum, wait) in total.iter_mut().zip(&sleeps) {
                *sum += *wait;
            }
        }
        for (n, (sum, ceiling)) in total.iter().zip(ceilings).enumerate() {
            let mean = *sum / runs as u32;
            let (low, high) = (ceiling * 4 / 10, ceiling * 6 / 10);
            assert!(
                mean >= low * MS && mean <= high * MS,
                "over {runs} runs, the wait before retry {} averaged {mean:?}: with full \
                 jitter of the ceiling {ceiling} ms it should average about half of it \
                 ({low} to {high} ms). The ceilings double from base and stop at cap",
                n + 1
            );
        }
    }

    /// The lesson's rules written again, as the oracle: how many attempts,
    /// and which waits, with the same seeded random numbers.
    fn oracle(policy: &Policy, request: &Request, script: &[Outcome]) -> (usize, Vec<Duration>) {
        let mut rng = StdRng::seed_from_u64(SEED);
        let safe = request.method.is_idempotent() || request.idempotency_key.is_some();
        let mut waits = Vec::new();
        for attempt in 1.. {
            let outcome = &script[(attempt - 1).min(script.len() - 1)];
            if attempt as u64 >= u64::from(policy.max_attempts) || !safe {
                return (attempt, waits);
            }
            let asked = match outcome {
                Outcome::ConnectError | Outcome::Timeout => None,
                Outcome::Response {
                    status: 429 | 502 | 503 | 504,
                    retry_after,
                } => retry_after
                    .as_deref()
                    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<u64>().ok()),
                Outcome::Response { .. } => return (attempt, waits),
            };
            match asked {
                Some(secs) if Duration::from_secs(secs) > policy.cap => return (attempt, waits),
                Some(secs) => waits.push(Duration::from_secs(secs)),
                None => {
                    let doubled = 1u128 << (attempt - 1).min(100);
                    let nanos = policy.base.as_nanos().saturating_mul(doubled);
                    let ceiling = if nanos >= policy.cap.as_nanos() {
                        policy.cap
                    } else {
                        Duration::from_nanos(nanos as u64)
                    };
                    waits.push(full_jitter(&mut rng, ceiling));
                }
            }
        }
        unreachable!()
    }

    fn any_outcome() -> impl Strategy<Value = Outcome> {
        let retry_after = proptest::option::of(proptest::sample::select(vec![
            "0", "1", "2", "3", "10", "soon", "", "1.5",
        ]));
        prop_oneof![
            1 => Just(Outcome::ConnectError),
            1 => Just(Outcome::Timeout),
            4 => (
                proptest::sample::select(vec![200, 201, 204, 400, 404, 409, 429, 500, 501, 502, 503, 504]),
                retry_after,
            )
                .prop_map(|(status, v)| Outcome::Response {
                    status,
                    retry_after: v.map(String::from),
                }),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any policy (sub-millisecond base and cap, 1 attempt to many), any
        /// method, with or without a key, against any sequence of answers.
        #[test]
        fn every_rule_holds_for_any_policy_and_upstream(
            max_attempts in edge_u64(12).prop_map(|n| n.max(1) as u32),
            base in duration_up_to(Duration::from_millis(500)),
            cap in duration_up_to(Duration::from_secs(4)),
            method in proptest::sample::select(vec![
                Method::GET, Method::HEAD, Method::PUT, Method::DELETE, Method::OPTIONS,
                Method::POST, Method::PATCH,
            ]),
            key in any::<bool>(),
            script in proptest::collection::vec(any_outcome(), 1..8),
        ) {
            let policy = Policy { max_attempts, base, cap };
            let request = request(method, key.then_some("order-7"));
            let got = run(&policy, &request, &script);
            let (attempts, waits) = oracle(&policy, &request, &script);
            let sent = format!(
                "{} {}{} against an upstream answering {}, with max_attempts {}, base {:?}, \
                 cap {:?}",
                request.method,
                request.path,
                if key { " with an Idempotency-Key" } else { "" },
                describe(&script),
                max_attempts,
                base,
                cap
            );
            prop_assert_eq!(
                got.attempts,
                attempts,
                "{}: it should be sent {} time(s): retry only a request safe to repeat, only \
                 after a connection error, a timeout, 502, 503, 504 or 429, at most \
                 max_attempts in all, and give up when Retry-After asks for more than cap",
                sent, attempts
            );
            prop_assert_eq!(
                &got.sleeps,
                &waits,
                "{}: the waits (left) should be the right ones. Before retry n, wait \
                 full_jitter(min(cap, base * 2^(n-1))) computed to the nanosecond, one random \
                 draw per backoff, or exactly the Retry-After seconds; never after the last \
                 attempt",
                sent
            );
            let last = &script[(attempts - 1).min(script.len() - 1)];
            prop_assert_eq!(&got.last, last, "{}: return the last outcome", sent);
        }
    }
}
