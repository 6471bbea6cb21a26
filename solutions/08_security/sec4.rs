//! # Rate limiting: a token bucket, and login throttling per account
//!
//! A public endpoint must not let one client use up the server, and a login
//! form must not let anyone try a million passwords. Both need a limit that is
//! cheap to check on every request.
//!
//! **A token bucket** holds at most `capacity` tokens; it starts full, each
//! request takes one, and one token comes back every `interval`. A client may
//! send a burst of `capacity` requests, then one per `interval`. Two details
//! decide whether it is right:
//! - **No drift.** Count time in whole intervals and keep the remainder: a client
//!   that asks every 300 ms must not lose 300 ms of refill each time, and a
//!   floating-point sum of 0.1 + 0.1 + ... is 0.9999999999999999, not 1, at the
//!   boundary. Integers (`Duration` has nanoseconds) do not drift.
//! - **A full bucket banks nothing.** Refill beyond `capacity` is lost, and so
//!   is the part of an interval that passed while the bucket was full: the burst
//!   is `capacity`, never `capacity + 1`.
//!
//! A refused request is answered `429 Too Many Requests` (RFC 6585 §4) with
//! `Retry-After: <seconds>` (RFC 9110 §10.2.3), a whole number of seconds:
//! round UP, or a client that obeys comes back too early and is refused again.
//!
//! **Login throttling** counts failed logins per *account*, not per IP address:
//! an attacker has thousands of addresses. After `max_failures` failures in a
//! window (here: the window opens at the first failure), the account is locked
//! until the window ends, whatever the password and whoever asks. A login of
//! another account must not reset the count (an attacker would log in to their
//! own account between guesses). And the lock must not tell an attacker which
//! accounts exist: an unknown name is counted and locked exactly the same way.
//!
//! Time comes from the caller (`now`, a `Duration` since an arbitrary start), so
//! the tests control the clock exactly.
//! Read more: RFC 6585 §4, RFC 9110 §10.2.3,
//! https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html

use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn new(status: u16, body: &str) -> Response {
        let (headers, body) = (Vec::new(), body.to_string());
        Response {
            status,
            headers,
            body,
        }
    }
}

/// One client's bucket.
struct Bucket {
    /// Whole tokens left.
    tokens: u32,
    /// The moment up to which refill has been counted into `tokens`.
    counted_until: Duration,
}

struct RateLimiter {
    capacity: u32,
    /// One token comes back every `interval`.
    interval: Duration,
    buckets: HashMap<String, Bucket>,
}

impl RateLimiter {
    fn new(capacity: u32, interval: Duration) -> RateLimiter {
        let buckets = HashMap::new();
        RateLimiter {
            capacity,
            interval,
            buckets,
        }
    }

    /// Takes a token from `client`'s bucket at `now`, or says how long until the next one.
    fn check(&mut self, client: &str, now: Duration) -> Result<(), Duration> {
        let (capacity, interval) = (self.capacity, self.interval);
        let bucket = self.buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: capacity,
            counted_until: now,
        });
        // Whole intervals only; the remainder stays in `now - counted_until`.
        let elapsed = now.saturating_sub(bucket.counted_until);
        let earned = elapsed.as_nanos() / interval.as_nanos();
        if u128::from(bucket.tokens) + earned >= u128::from(capacity) {
            bucket.tokens = capacity;
            bucket.counted_until = now; // a full bucket banks no partial interval
        } else {
            let earned = earned as u32; // below `capacity`: checked above
            bucket.tokens += earned;
            bucket.counted_until += interval * earned;
        }
        if bucket.tokens == 0 {
            return Err(bucket.counted_until + interval - now);
        }
        bucket.tokens -= 1;
        Ok(())
    }
}

/// 429 with `Retry-After` in whole seconds, rounded up.
fn too_many_requests(wait: Duration, body: &str) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = Response::new(429, body);
    let retry_after = ("Retry-After".to_string(), seconds.to_string());
    response.headers.push(retry_after);
    response
}

/// `GET /search`, limited per client address.
fn search(limiter: &mut RateLimiter, client: &str, now: Duration) -> Response {
    match limiter.check(client, now) {
        Ok(()) => Response::new(200, "results"),
        Err(wait) => too_many_requests(wait, "too many requests"),
    }
}

/// The failed logins of one account name in the current window.
struct Failures {
    count: u32,
    window_start: Duration,
}

struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    failures: HashMap<String, Failures>,
}

impl LoginThrottle {
    /// `POST /login` from address `ip`. `users` maps names to passwords (a stand-in
    /// for argon2 hashes, auth1).
    fn login(
        &mut self,
        users: &HashMap<&str, &str>,
        ip: &str,
        name: &str,
        password: &str,
        now: Duration,
    ) -> Response {
        let _ = ip; // the account is what is attacked, from any number of addresses
        let window = self.window;
        if let Some(f) = self.failures.get(name) {
            let end = f.window_start + window;
            if now >= end {
                self.failures.remove(name);
            } else if f.count >= self.max_failures {
                return too_many_requests(end - now, "too many failed logins; try again later");
            }
        }
        if users.get(name) == Some(&password) {
            self.failures.remove(name); // this account's failures only
            return Response::new(200, &format!("welcome, {name}"));
        }
        let failures = self.failures.entry(name.to_string()).or_insert(Failures {
            count: 0,
            window_start: now,
        });
        failures.count += 1;
        Response::new(401, "wrong name or password")
    }
}

// not graded: prints a demo; the tests call `search` and `LoginThrottle::login`
fn main() {
    let mut limiter = RateLimiter::new(2, Duration::from_secs(1));
    for ms in [0, 10, 20, 999, 1000] {
        let response = search(&mut limiter, "10.0.0.1", Duration::from_millis(ms));
        println!("{ms:>4} ms: {} {:?}", response.status, response.headers);
    }
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

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    fn retry_after(response: &Response) -> Option<&str> {
        let mut headers = response.headers.iter();
        let found = headers.find(|(n, _)| n.eq_ignore_ascii_case("retry-after"));
        found.map(|(_, v)| v.as_str())
    }

    /// Expects `search` at `at` ms to be allowed (200) or refused (429).
    fn expect(limiter: &mut RateLimiter, client: &str, at: u64, allowed: bool, why: &str) {
        let response = search(limiter, client, ms(at));
        let (want, got) = ([429, 200][usize::from(allowed)], response.status);
        assert_eq!(
            got, want,
            "GET /search from {client} at {at} ms answered {got}, expected {want}: {why}"
        );
    }

    #[test]
    fn a_burst_of_capacity_then_429() {
        let mut limiter = RateLimiter::new(3, ms(1000));
        for n in 1..=3 {
            let why = format!("request {n} of a burst of 3 fits a bucket of capacity 3");
            expect(&mut limiter, "10.0.0.1", 0, true, &why);
        }
        let why = "the 4th request at once finds the bucket of capacity 3 empty";
        expect(&mut limiter, "10.0.0.1", 0, false, why);
        let response = search(&mut limiter, "10.0.0.1", ms(0));
        let why = "a 429 must say when to come back: `Retry-After: 1` (next token in 1 s, \
                   RFC 9110 §10.2.3)";
        assert_eq!(retry_after(&response), Some("1"), "{why}");
    }

    #[test]
    fn each_client_has_its_own_bucket() {
        let mut limiter = RateLimiter::new(2, ms(1000));
        for _ in 0..2 {
            expect(&mut limiter, "10.0.0.1", 0, true, "a burst of 2 fits");
        }
        let why = "10.0.0.1 emptied its own bucket, not this client's";
        expect(&mut limiter, "10.0.0.2", 0, true, why);
        expect(
            &mut limiter,
            "10.0.0.1",
            0,
            false,
            "10.0.0.1's bucket is empty",
        );
    }

    #[test]
    fn a_token_comes_back_exactly_at_the_interval_however_often_one_asks() {
        for step in [100, 250, 1000] {
            let mut limiter = RateLimiter::new(1, ms(1000));
            expect(&mut limiter, "c", 0, true, "the bucket starts full");
            let mut at = step;
            while at < 1000 {
                let why = format!("asking every {step} ms: the next token comes at 1000 ms");
                expect(&mut limiter, "c", at, false, &why);
                at += step;
            }
            let why = format!(
                "asking every {step} ms, the token is back at exactly 1000 ms: time counted \
                 in whole intervals with no drift (0.1 added ten times as f64 is not 1.0)"
            );
            expect(&mut limiter, "c", 1000, true, &why);
            expect(&mut limiter, "c", 1000, false, "that token is used up");
        }
    }

    #[test]
    fn partial_intervals_are_kept_not_lost() {
        let mut limiter = RateLimiter::new(3, ms(1000));
        let allowed: Vec<u64> = (0..34)
            .map(|n| n * 300)
            .filter(|&at| search(&mut limiter, "c", ms(at)).status == 200)
            .collect();
        let want = [
            0, 300, 600, 1200, 2100, 3000, 4200, 5100, 6000, 7200, 8100, 9000,
        ];
        assert_eq!(
            allowed, want,
            "a client asking every 300 ms (capacity 3, 1 token per 1000 ms) was allowed at \
             the left times (ms), expected the right ones: tokens come back at 1000, 2000, \
             3000... ms; the 300 ms that pass between two refused requests count towards \
             the next token (do not restart the interval at each request)"
        );
    }

    #[test]
    fn a_full_bucket_banks_nothing() {
        let mut limiter = RateLimiter::new(3, ms(1000));
        expect(&mut limiter, "c", 0, true, "the bucket starts full");
        for _ in 0..3 {
            let why = "after 10.5 s idle the bucket is full again: a burst of 3 fits";
            expect(&mut limiter, "c", 10_500, true, why);
        }
        let why = "the bucket was full from 2 s to 10.5 s; the 0.5 s of refill that passed \
                   while it was full are lost, so the next token comes at 11.5 s, not 11 s \
                   (else the burst is 4, not 3)";
        expect(&mut limiter, "c", 11_400, false, why);
        expect(
            &mut limiter,
            "c",
            11_500,
            true,
            "one token 1 s after the bucket was emptied",
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        for (at, want) in [(0, "2"), (500, "2"), (1000, "1"), (1999, "1")] {
            let mut limiter = RateLimiter::new(1, ms(2000));
            expect(&mut limiter, "c", 0, true, "the bucket starts full");
            let response = search(&mut limiter, "c", ms(at));
            let wait = 2000 - at;
            let why = format!(
                "refused at {at} ms, the next token comes in {wait} ms: `Retry-After: {want}` \
                 (whole seconds, rounded up; RFC 9110 §10.2.3)"
            );
            assert_eq!(response.status, 429, "{why}");
            assert_eq!(retry_after(&response), Some(want), "{why}");
        }
    }

    const PASSWORDS: [(&str, &str); 2] = [("alice", "correct horse"), ("mallory", "mallory1")];

    fn throttle() -> (LoginThrottle, HashMap<&'static str, &'static str>) {
        let failures = HashMap::new();
        let window = Duration::from_secs(60);
        let throttle = LoginThrottle {
            max_failures: 5,
            window,
            failures,
        };
        (throttle, HashMap::from(PASSWORDS))
    }

    /// Logs in and expects `status` (and `retry` as `Retry-After` for a 429).
    fn attempt(
        t: &mut (LoginThrottle, HashMap<&str, &str>),
        (ip, name, password): (&str, &str, &str),
        at: u64,
        (status, retry): (u16, Option<&str>),
        why: &str,
    ) -> Response {
        let response = t.0.login(&t.1, ip, name, password, ms(at));
        let sent = format!("POST /login as {name:?} with {password:?} from {ip} at {at} ms");
        let got = response.status;
        assert_eq!(
            got, status,
            "{sent} answered {got}, expected {status}: {why}"
        );
        let got = retry_after(&response);
        let why = format!("{sent}: expected Retry-After {retry:?}, got {got:?}: {why}");
        assert_eq!(got, retry, "{why}");
        response
    }

    #[test]
    fn the_sixth_attempt_within_the_window_is_locked_whatever_the_password() {
        let mut t = throttle();
        for n in 0..5 {
            let why = format!("failure {} of 5 allowed in the window", n + 1);
            attempt(
                &mut t,
                ("1.1.1.1", "alice", "guess"),
                n * 10_000,
                (401, None),
                &why,
            );
        }
        let why = "5 failures since 0 s lock alice until 60 s, even with the right password \
                   (else the lock does not stop guessing): 429, Retry-After 19";
        let right = ("1.1.1.1", "alice", "correct horse");
        attempt(&mut t, right, 41_000, (429, Some("19")), why);
        let why = "locked until 60 s: at 59.5 s still 429, Retry-After 1 (0.5 s rounded up)";
        attempt(&mut t, right, 59_500, (429, Some("1")), why);
        let why = "the window of 60 s that opened at the first failure has ended at 60 s";
        attempt(&mut t, right, 60_000, (200, None), why);
    }

    #[test]
    fn the_lock_holds_from_every_address() {
        let mut t = throttle();
        for n in 0..5 {
            let ip = format!("10.0.0.{n}");
            let why = "failure from a new address";
            attempt(&mut t, (&ip, "alice", "guess"), 1000, (401, None), why);
        }
        let why = "5 failures from 5 addresses: the account is locked, from a 6th address too \
                   (count per account, not per IP)";
        let right = ("10.9.9.9", "alice", "correct horse");
        attempt(&mut t, right, 2000, (429, Some("59")), why);
    }

    #[test]
    fn another_accounts_login_does_not_reset_the_count() {
        let mut t = throttle();
        let ip = "6.6.6.6";
        for _ in 0..4 {
            attempt(&mut t, (ip, "alice", "guess"), 0, (401, None), "a failure");
        }
        let why = "mallory's own password is right";
        attempt(&mut t, (ip, "mallory", "mallory1"), 0, (200, None), why);
        let why = "alice's 5th failure: mallory's success (same address) reset nothing";
        attempt(&mut t, (ip, "alice", "guess"), 0, (401, None), why);
        let why = "alice has 5 failures: locked; mallory's login from the same address must not \
                   reset alice's count";
        attempt(&mut t, (ip, "alice", "guess"), 0, (429, Some("60")), why);
        let why = "mallory's account has no failures: not locked";
        attempt(&mut t, (ip, "mallory", "mallory1"), 0, (200, None), why);
    }

    #[test]
    fn unknown_accounts_are_locked_the_same_way() {
        let mut t = throttle();
        let mut bodies = Vec::new();
        for name in ["alice", "nobody"] {
            for _ in 0..5 {
                let why = "a failure (unknown names fail like wrong passwords)";
                let response = attempt(&mut t, ("1.1.1.1", name, "guess"), 0, (401, None), why);
                bodies.push(response.body);
            }
            let why = "after 5 failures a name is locked, whether the account exists or not: \
                       else the lock tells an attacker which names are real";
            let response = attempt(&mut t, ("1.1.1.1", name, "x"), 0, (429, Some("60")), why);
            bodies.push(response.body);
        }
        assert_eq!(
            bodies[..6],
            bodies[6..],
            "alice (exists) got the left bodies, nobody (does not) the right ones: they must \
             be the same, or they tell which accounts exist"
        );
    }

    #[test]
    fn failures_of_an_ended_window_do_not_count() {
        let mut t = throttle();
        for _ in 0..4 {
            attempt(
                &mut t,
                ("1.1.1.1", "alice", "guess"),
                0,
                (401, None),
                "a failure",
            );
        }
        for n in 0..5 {
            let why = format!(
                "the window 0..60 s ended: this failure is number {} of a new window",
                n + 1
            );
            attempt(
                &mut t,
                ("1.1.1.1", "alice", "guess"),
                60_000,
                (401, None),
                &why,
            );
        }
        let why = "5 failures in the window that opened at 60 s lock alice until 120 s";
        attempt(
            &mut t,
            ("1.1.1.1", "alice", "x"),
            61_000,
            (429, Some("59")),
            why,
        );
    }

    #[test]
    fn a_success_clears_the_accounts_own_failures() {
        let mut t = throttle();
        for _ in 0..4 {
            attempt(
                &mut t,
                ("1.1.1.1", "alice", "guess"),
                0,
                (401, None),
                "a failure",
            );
        }
        let right = ("1.1.1.1", "alice", "correct horse");
        attempt(&mut t, right, 1000, (200, None), "4 failures do not lock");
        for _ in 0..5 {
            let why = "alice logged in: her earlier failures no longer count";
            attempt(&mut t, ("1.1.1.1", "alice", "typo"), 2000, (401, None), why);
        }
    }

    thread_local! {
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Runs `f`; a panic becomes an error with its message, printed by the failing case only
    /// once (not again at every step of shrinking it to a smallest example).
    fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET.with(|quiet| quiet.get()) {
                    default(info);
                }
            }));
        });
        QUIET.with(|quiet| quiet.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        QUIET.with(|quiet| quiet.set(false));
        result.map_err(|panic| {
            let text = panic.downcast_ref::<&str>().map(|s| s.to_string());
            let text = text.or_else(|| panic.downcast_ref::<String>().cloned());
            format!("it panicked: {}", text.unwrap_or_default())
        })
    }

    /// The token bucket of the lesson, as a model: `Ok` or the exact wait, per client.
    struct Model {
        capacity: u128,
        interval: u128,
        /// Per client: whole tokens, and the nanosecond up to which refill is counted.
        buckets: HashMap<String, (u128, u128)>,
    }

    impl Model {
        fn check(&mut self, client: &str, now: Duration) -> Result<(), Duration> {
            let now = now.as_nanos();
            let (capacity, interval) = (self.capacity, self.interval);
            let entry = self.buckets.entry(client.to_string());
            let (tokens, since) = entry.or_insert((capacity, now));
            let earned = (now - *since) / interval;
            if *tokens + earned >= capacity {
                (*tokens, *since) = (capacity, now);
            } else {
                (*tokens, *since) = (*tokens + earned, *since + earned * interval);
            }
            if *tokens == 0 {
                return Err(Duration::from_nanos((*since + interval - now) as u64));
            }
            *tokens -= 1;
            Ok(())
        }
    }

    fn describe(calls: &[(usize, Duration)]) -> String {
        let mut at = Duration::ZERO;
        let steps: Vec<String> = calls
            .iter()
            .map(|(client, step)| {
                at += *step;
                format!("client {client} at {at:?}")
            })
            .collect();
        steps.join(", ")
    }

    /// A step of the clock: any length with sub-millisecond parts, or a whole number of
    /// intervals plus or minus a nanosecond (right across a refill).
    /// A client that asks every `interval / rhythm` sums fractions of an interval that a
    /// float does not add up exactly (ten times 0.1 is not 1.0).
    fn step(interval: Duration, rhythm: u32) -> impl Strategy<Value = Duration> {
        prop_oneof![
            1 => duration_up_to(Duration::from_secs(3)),
            1 => Just(Duration::ZERO),
            4 => Just(interval / rhythm),
            // A pause of about 2^32 intervals: more than a u32 counts.
            1 => (0u32..3).prop_map(move |k| interval * u32::MAX + interval * k),
            1 => (0u32..4, -1i64..=1).prop_map(move |(n, d)| {
                (interval * n).saturating_add(Duration::from_nanos(d.max(0) as u64))
                    .saturating_sub(Duration::from_nanos((-d).max(0) as u64))
            }),
        ]
    }

    fn bucket_case() -> impl Strategy<Value = (u32, Duration, Vec<(usize, Duration)>)> {
        let capacity = prop_oneof![
            1 => Just(0u32),
            2 => Just(1u32),
            3 => 2u32..6,
            1 => Just(u32::MAX),
        ];
        let interval = prop_oneof![
            3 => duration_up_to(Duration::from_secs(2)),
            1 => Just(Duration::from_nanos(1)),
            1 => (1u64..4).prop_map(Duration::from_secs),
            2 => (1u64..3000).prop_map(|ms| Duration::from_millis(ms * 10)),
        ]
        .prop_map(|d| d.max(Duration::from_nanos(1)));
        let rhythm = prop::sample::select(vec![3u32, 7, 10, 10]);
        (capacity, interval, rhythm).prop_flat_map(|(capacity, interval, rhythm)| {
            let client = prop_oneof![3 => Just(0usize), 1 => 1usize..3];
            let mixed = prop::collection::vec((client, step(interval, rhythm)), 1..40);
            let steady = prop::collection::vec((Just(0usize), Just(interval / rhythm)), 1..40);
            let calls = prop_oneof![2 => mixed, 1 => steady];
            (Just(capacity), Just(interval), calls)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            max_shrink_iters: 1024,
            ..crate::generated::config(64)
        })]

        #[test]
        fn the_bucket_follows_the_model_on_generated_calls(
            (capacity, interval, calls) in bucket_case()
        ) {
            let mut limiter = RateLimiter::new(capacity, interval);
            let mut model = Model {
                capacity: u128::from(capacity),
                interval: interval.as_nanos(),
                buckets: HashMap::new(),
            };
            let mut now = Duration::ZERO;
            for (n, (client, step)) in calls.iter().enumerate() {
                now += *step;
                let client = format!("10.0.0.{client}");
                let want = model.check(&client, now);
                let got = quietly(|| limiter.check(&client, now)).map_err(|e| {
                    let calls = describe(&calls[..=n]);
                    TestCaseError::fail(format!(
                        "capacity {capacity}, one token per {interval:?}; calls: {calls}. At \
                         the last call {e}"
                    ))
                })?;
                prop_assert_eq!(
                    got,
                    want,
                    "capacity {}, one token per {:?}; calls: {}. Call {} ({} at {:?}) \
                     answered the left, expected the right: a new client starts full, one \
                     token comes back per whole interval since refill was last counted (the \
                     rest of an interval is kept, counted in integer nanoseconds), a full \
                     bucket banks nothing, and a refused call says exactly how long until \
                     the next token",
                    capacity,
                    interval,
                    describe(&calls[..=n]),
                    n + 1,
                    client,
                    now
                );
            }
        }

        #[test]
        fn a_refusal_says_when_to_come_back_in_whole_seconds_rounded_up(
            (capacity, interval, calls) in bucket_case()
        ) {
            let mut limiter = RateLimiter::new(capacity, interval);
            let mut model = Model {
                capacity: u128::from(capacity),
                interval: interval.as_nanos(),
                buckets: HashMap::new(),
            };
            let mut now = Duration::ZERO;
            for (client, step) in &calls {
                now += *step;
                let client = format!("10.0.0.{client}");
                let response = quietly(|| search(&mut limiter, &client, now)).map_err(|e| {
                    let calls = describe(&calls);
                    TestCaseError::fail(format!(
                        "capacity {capacity}, one token per {interval:?}; calls: {calls}. GET \
                         /search from {client} at {now:?}: {e}"
                    ))
                })?;
                match model.check(&client, now) {
                    Ok(()) => prop_assert_eq!(
                        response.status, 200,
                        "GET /search from {} at {:?} should be allowed (capacity {}, a token \
                         per {:?}); calls: {}", client, now, capacity, interval, describe(&calls)
                    ),
                    Err(wait) => {
                        let secs = wait.as_nanos().div_ceil(1_000_000_000).to_string();
                        prop_assert_eq!(
                            (response.status, retry_after(&response)),
                            (429, Some(secs.as_str())),
                            "GET /search from {} at {:?} is refused and the next token comes in \
                             {:?}: 429 with `Retry-After: {}` (whole seconds, rounded up, never \
                             0 while refused; RFC 9110 §10.2.3); calls: {}",
                            client, now, wait, secs, describe(&calls)
                        );
                    }
                }
            }
        }

    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn retry_after_rounds_any_wait_up(
            wait in duration_up_to(Duration::from_secs(100_000))
                .prop_filter("a refusal waits for something", |d| !d.is_zero())
        ) {
            let response = quietly(|| too_many_requests(wait, "slow down"))
                .map_err(|e| TestCaseError::fail(format!("a wait of {wait:?}: {e}")))?;
            let secs = wait.as_nanos().div_ceil(1_000_000_000).to_string();
            prop_assert_eq!(
                (response.status, retry_after(&response), response.body.as_str()),
                (429, Some(secs.as_str()), "slow down"),
                "a wait of {:?} ({} ns) is `Retry-After: {}`: whole seconds, rounded up (a \
                 client that comes back earlier is refused again)",
                wait, wait.as_nanos(), secs
            );
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig {
            max_shrink_iters: 1024,
            ..crate::generated::config(96)
        })]

        #[test]
        fn logins_follow_the_model_on_generated_attempts(
            max_failures in edge_u64(5).prop_map(|n| n.max(1) as u32),
            window in duration_up_to(Duration::from_secs(120))
                .prop_map(|d| d.max(Duration::from_nanos(1))),
            attempts in prop::collection::vec(
                (0usize..3, 0usize..3, 0usize..3, -1i64..=1, 0u64..3),
                1..40,
            ),
        ) {
            let names = ["alice", "mallory", "nobody"];
            let passwords = ["correct horse", "mallory1", "guess"];
            let users = HashMap::from(PASSWORDS);
            let failures = HashMap::new();
            let mut throttle = LoginThrottle { max_failures, window, failures };
            // The model: per name, (failures, window start).
            let mut model: HashMap<&str, (u32, Duration)> = HashMap::new();
            let mut now = Duration::ZERO;
            let mut log = Vec::new();
            for (ip, name, password, nudge, windows) in attempts {
                // Steps of whole windows, a nanosecond either side, or nothing.
                now = (now + window * windows as u32 / 2)
                    .saturating_add(Duration::from_nanos(nudge.max(0) as u64))
                    .saturating_sub(Duration::from_nanos((-nudge).max(0) as u64));
                let (name, password) = (names[name], passwords[password]);
                let ip = format!("10.0.0.{ip}");
                log.push(format!("{name:?} with {password:?} from {ip} at {now:?}"));
                let want: (u16, Option<String>) = {
                    let entry = model.get(name).copied();
                    match entry {
                        Some((_, start)) if now >= start + window => {
                            model.remove(name);
                            None
                        }
                        Some((count, start)) if count >= max_failures => {
                            let wait = start + window - now;
                            Some((429, Some(wait.as_nanos().div_ceil(1_000_000_000).to_string())))
                        }
                        _ => None,
                    }
                    .unwrap_or_else(|| {
                        if users.get(name) == Some(&password) {
                            model.remove(name);
                            (200, None)
                        } else {
                            model.entry(name).or_insert((0, now)).0 += 1;
                            (401, None)
                        }
                    })
                };
                let response = quietly(|| throttle.login(&users, &ip, name, password, now))
                    .map_err(|e| {
                        let log = log.join("\n");
                        TestCaseError::fail(format!("the attempts so far:\n{log}\nThe last: {e}"))
                    })?;
                let got = (response.status, retry_after(&response).map(str::to_string));
                prop_assert_eq!(
                    got,
                    want,
                    "{} failures allowed per window of {:?} (it opens at a name's first \
                     failure); the attempts so far:\n{}\nThe last one answered the left (status, \
                     Retry-After), expected the right: a name with {} failures in its open \
                     window is locked until the window ends, whatever the password and from \
                     any address; an ended window's failures no longer count; a success \
                     forgets that name's failures only",
                    max_failures,
                    window,
                    log.join("\n"),
                    max_failures
                );
            }
        }
    }
}
