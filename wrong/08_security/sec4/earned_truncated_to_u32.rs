// wrong: casts the intervals earned to u32 before comparing, so a long pause wraps around
// expect: At the last call it panicked
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
        let earned = (elapsed.as_nanos() / interval.as_nanos()) as u32;
        if u64::from(bucket.tokens) + u64::from(earned) >= u64::from(capacity) {
            bucket.tokens = capacity;
            bucket.counted_until = now; // a full bucket banks no partial interval
        } else {
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

fn main() {
    let mut limiter = RateLimiter::new(2, Duration::from_secs(1));
    for ms in [0, 10, 20, 999, 1000] {
        let response = search(&mut limiter, "10.0.0.1", Duration::from_millis(ms));
        println!("{ms:>4} ms: {} {:?}", response.status, response.headers);
    }
}
