// wrong: leeway added to `now` for nbf/iat (`now + LEEWAY < nbf`): overflows (panics) when now is near u64::MAX
// expect: panicked (attempt to add with overflow)
// expect: no overflow at 0 or u64::MAX
//! # Time claims and an injected clock
//!
//! A valid signature proves the server issued a token, not that it may still
//! be used. Tokens get stolen (from logs, browser storage, proxies), so they
//! are short-lived, and three registered claims say when a token is good for.
//! Each is a NumericDate: whole seconds since 1970-01-01 UTC (RFC 7519 §2).
//!
//! - `exp` (RFC 7519 §4.1.4): the token MUST NOT be accepted on or after this time.
//! - `nbf` (§4.1.5, optional): the token MUST NOT be accepted before this time.
//! - `iat` (§4.1.6): when it was issued. A token issued "in the future" was
//!   made by a server with a broken clock or by someone else; we reject it.
//!
//! Servers' clocks drift apart, so the RFC allows "some small leeway, usually
//! no more than a few minutes" for clock skew. With a leeway of 30 s a token
//! that expired 10 s ago (by our clock) is still accepted, and one whose `nbf`
//! is 10 s ahead is accepted already. The boundaries move with it: "on or
//! after `exp`" becomes "on or after `exp` + 30", and "before `nbf`" becomes
//! "before `nbf` - 30" (the same for `iat`).
//!
//! Code that calls `SystemTime::now()` inside is hard to test: a test would
//! have to sleep until a token expires. So the current time is a parameter,
//! `now`: production passes the real clock (`now_unix()` below), tests pass
//! fixed numbers and check the exact boundaries. Mind the arithmetic too: a
//! `u64` that overflows (`exp + LEEWAY` with `exp` near `u64::MAX`) or goes
//! below zero (`nbf - LEEWAY` with `nbf` = 0) panics in debug builds;
//! `saturating_add` stops at the maximum instead.
//!
//! Read more: RFC 7519 §4.1.4-4.1.6, and how a library does it:
//! https://docs.rs/jsonwebtoken/10/jsonwebtoken/struct.Validation.html#structfield.leeway

use std::time::{SystemTime, UNIX_EPOCH};

/// How much clock skew between servers we tolerate, in seconds.
const LEEWAY: u64 = 30;

#[derive(Debug)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
    nbf: Option<u64>,
}

#[derive(Debug, PartialEq)]
enum ClaimsError {
    Expired,
    NotYetValid,
    IssuedInTheFuture,
}

// TODO: this first attempt ignores the leeway, `nbf` and `iat`. Apply the
// three rules of the lesson, each with `LEEWAY` seconds of tolerance in the
// token's favour, and return the first error in the order of `ClaimsError`.
// No time may overflow or go below zero, whatever the claims hold.
fn validate_claims(claims: &Claims, now: u64) -> Result<(), ClaimsError> {
    if now >= claims.exp.saturating_add(LEEWAY) {
        return Err(ClaimsError::Expired);
    }
    if let Some(nbf) = claims.nbf {
        if now + LEEWAY < nbf {
            return Err(ClaimsError::NotYetValid);
        }
    }
    if now + LEEWAY < claims.iat {
        return Err(ClaimsError::IssuedInTheFuture);
    }
    Ok(())
}

/// The real clock, for production (and `main`). Tests never call it.
fn now_unix() -> u64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH);
    since_epoch.map(|d| d.as_secs()).unwrap_or(0)
}

fn main() {
    let now = now_unix();
    let claims = Claims {
        sub: "alice".to_string(),
        iat: now,
        exp: now + 15 * 60,
        nbf: None,
    };
    println!("{}: {:?}", claims.sub, validate_claims(&claims, now));
}
