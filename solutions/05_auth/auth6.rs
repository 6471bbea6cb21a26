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

fn validate_claims(claims: &Claims, now: u64) -> Result<(), ClaimsError> {
    if now >= claims.exp.saturating_add(LEEWAY) {
        return Err(ClaimsError::Expired);
    }
    if let Some(nbf) = claims.nbf
        && now.saturating_add(LEEWAY) < nbf
    {
        return Err(ClaimsError::NotYetValid);
    }
    if now.saturating_add(LEEWAY) < claims.iat {
        return Err(ClaimsError::IssuedInTheFuture);
    }
    Ok(())
}

/// The real clock, for production (and `main`). Tests never call it.
// not graded: reads the real clock; the tests pass `now` themselves
fn now_unix() -> u64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH);
    since_epoch.map(|d| d.as_secs()).unwrap_or(0)
}

// not graded: a demo on the real clock; the tests call validate_claims
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The injected clock: 2023-11-14 22:13:20 UTC, in every test.
    const NOW: u64 = 1_700_000_000;

    fn claims(iat: u64, exp: u64, nbf: Option<u64>) -> Claims {
        let sub = "alice".to_string();
        Claims { sub, iat, exp, nbf }
    }

    fn check(c: Claims, want: Result<(), ClaimsError>, why: &str) {
        let run = std::panic::catch_unwind(|| validate_claims(&c, NOW));
        let Ok(got) = run else {
            panic!("validate_claims({c:?}, now = {NOW}) panicked (overflow?); use saturating_add")
        };
        assert_eq!(
            got, want,
            "validate_claims({c:?}, now = {NOW}) gave the left value, but {why}"
        );
    }

    #[test]
    fn a_fresh_token_is_valid() {
        let why = "it was issued a minute ago and expires in 15 minutes";
        check(claims(NOW - 60, NOW + 900, None), Ok(()), why);
        check(claims(NOW - 60, NOW + 900, Some(NOW - 60)), Ok(()), why);
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let why = "it expired an hour ago";
        check(
            claims(NOW - 7200, NOW - 3600, None),
            Err(ClaimsError::Expired),
            why,
        );
    }

    #[test]
    fn exp_has_30_seconds_of_leeway() {
        let why = "it expired 29 s ago, within the 30 s leeway";
        check(claims(NOW - 900, NOW - 29, None), Ok(()), why);
        let why = "it expired 30 s ago: on or after exp + leeway means expired (RFC 7519 §4.1.4)";
        check(
            claims(NOW - 900, NOW - 30, None),
            Err(ClaimsError::Expired),
            why,
        );
        let why = "it expired 31 s ago, beyond the 30 s leeway";
        check(
            claims(NOW - 900, NOW - 31, None),
            Err(ClaimsError::Expired),
            why,
        );
    }

    #[test]
    fn nbf_has_30_seconds_of_leeway() {
        let why = "its nbf is 30 s ahead, within the 30 s leeway";
        check(claims(NOW, NOW + 900, Some(NOW + 30)), Ok(()), why);
        let why = "its nbf is 31 s ahead: now + leeway < nbf means not yet valid";
        let want = Err(ClaimsError::NotYetValid);
        check(claims(NOW, NOW + 900, Some(NOW + 31)), want, why);
    }

    #[test]
    fn iat_in_the_future_is_rejected_beyond_the_leeway() {
        let why = "it was issued 30 s in the future, within the 30 s leeway";
        check(claims(NOW + 30, NOW + 900, None), Ok(()), why);
        let why = "it was issued 31 s in the future: now + leeway < iat is rejected";
        let want = Err(ClaimsError::IssuedInTheFuture);
        check(claims(NOW + 31, NOW + 900, None), want, why);
    }

    #[test]
    fn the_first_failed_check_is_reported() {
        let why = "it is expired (and its nbf and iat lie in the future too): check exp first";
        let want = Err(ClaimsError::Expired);
        check(claims(NOW + 60, NOW - 60, Some(NOW + 60)), want, why);
        let why = "its nbf lies in the future (and its iat too): check nbf before iat";
        let want = Err(ClaimsError::NotYetValid);
        check(claims(NOW + 60, NOW + 900, Some(NOW + 60)), want, why);
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let why = "a token that never expires (exp = u64::MAX) is still valid";
        check(claims(NOW, u64::MAX, None), Ok(()), why);
        let why = "iat = 0 and nbf = 0 lie in the past";
        check(claims(0, NOW + 900, Some(0)), Ok(()), why);
    }

    /// The rules of the lesson, in u128 (which never overflows), except that
    /// `exp + LEEWAY` stops at u64::MAX as the lesson's `saturating_add` does.
    fn oracle(c: &Claims, now: u64) -> Result<(), ClaimsError> {
        let (now, leeway) = (u128::from(now), u128::from(LEEWAY));
        if now >= (u128::from(c.exp) + leeway).min(u128::from(u64::MAX)) {
            return Err(ClaimsError::Expired);
        }
        if c.nbf.is_some_and(|nbf| u128::from(nbf) > now + leeway) {
            return Err(ClaimsError::NotYetValid);
        }
        if u128::from(c.iat) > now + leeway {
            return Err(ClaimsError::IssuedInTheFuture);
        }
        Ok(())
    }

    /// A time near `now` give or take the leeway and a second, or an extreme.
    fn near(now: u64) -> impl Strategy<Value = u64> {
        prop_oneof![
            4 => (-(LEEWAY as i64) - 2..=LEEWAY as i64 + 2).prop_map(move |d| now.saturating_add_signed(d)),
            1 => crate::generated::edge_u64(u64::MAX),
        ]
    }

    thread_local! {
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Runs `f` with its panic not printed (a failing generated case is run many times
    /// while it is shrunk; only the smallest one is shown), and gives the panic's text.
    fn quiet<T>(f: impl FnOnce() -> T) -> Result<T, String> {
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
            text.unwrap_or_default()
        })
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn any_claims_get_the_verdict_of_the_rules(
            (now, iat, exp, nbf) in prop_oneof![
                crate::generated::edge_u64(u64::MAX),
                1_600_000_000u64..2_000_000_000u64,
            ]
            .prop_flat_map(|now| (Just(now), near(now), near(now), proptest::option::of(near(now)))),
        ) {
            let c = Claims { sub: "alice".to_string(), iat, exp, nbf };
            let want = oracle(&c, now);
            let got = quiet(|| validate_claims(&c, now)).map_err(|panic| {
                TestCaseError::fail(format!(
                    "validate_claims({c:?}, now = {now}) panicked ({panic}), but should give \
                     {want:?}: near 0 and u64::MAX, `x + LEEWAY` overflows and `x - LEEWAY` \
                     goes below zero; compute the boundaries with saturating_add / \
                     saturating_sub (or compare without adding), so no overflow at 0 or \
                     u64::MAX"
                ))
            })?;
            prop_assert_eq!(
                &got, &want,
                "validate_claims({:?}, now = {}) gave the left, but should give the right \
                 (leeway {} s): expired when now >= exp + leeway, not yet valid when \
                 nbf > now + leeway, issued in the future when iat > now + leeway, checked \
                 in that order, with no overflow at 0 or u64::MAX",
                c, now, LEEWAY
            );
        }
    }
}
