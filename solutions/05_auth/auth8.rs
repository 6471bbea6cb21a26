//! # The `jsonwebtoken` crate: issuer and audience
//!
//! You now know what a JWT library does inside, so use a good one:
//! `jsonwebtoken`. `encode(&header, &claims, &key)` signs, and
//! `decode::<Claims>(token, &key, &validation)` checks the signature, the
//! algorithm and the claims, then deserializes the claims into your type.
//!
//! Everything it checks is set in a `Validation`:
//! - `Validation::new(Algorithm::HS256)` accepts only HS256 (auth7), checks
//!   `exp` against the real clock with 60 s of leeway (auth6) and requires an
//!   `exp` claim. Keep that leeway: it is for clock skew, and every second
//!   more keeps a stolen token alive longer.
//! - It does *not* check `nbf` unless you ask: `validation.validate_nbf = true`.
//!   Without it a token marked "not before tomorrow" works today.
//! - `iss` (issuer, RFC 7519 §4.1.1) says who made the token. A company has
//!   several token issuers (staging and production, say); accept only yours:
//!   `validation.set_issuer(&[ISSUER])`.
//! - `aud` (audience, RFC 7519 §4.1.3) says which service the token is for.
//!   A token for the billing API must not open the notes API, even if both
//!   trust the same issuer: `validation.set_audience(&[AUDIENCE])`. `aud` may
//!   be a single string or an array; it matches if one entry is ours.
//! - The other trap: `set_issuer` and `set_audience` check those claims only
//!   when they are *present*. A token without `iss` or `aud` passes unless you also
//!   require them: `validation.set_required_spec_claims(&["exp", "iss", "aud"])`.
//! - `iat` (issued at, RFC 7519 §4.1.6) it does not check at all. As in
//!   auth6, a token issued in the future (beyond the leeway) comes from a
//!   broken clock or a forger: reject it yourself after `decode`, with the
//!   same leeway and error kind as a token whose `nbf` is still ahead. The
//!   clock is a parameter of that check, so tests can place it anywhere
//!   within a second; production passes `SystemTime::now()`.
//!
//! Read more: https://docs.rs/jsonwebtoken/10/jsonwebtoken/struct.Validation.html,
//! RFC 7519 §4.1, and RFC 8725 §3.8 and §3.9 (validate issuer and audience).

use jsonwebtoken::errors::Error;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "notes-api";

/// What the notes API needs to know about the caller.
#[derive(Debug, PartialEq, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    /// When the token was issued, if it says (whole seconds since 1970).
    iat: Option<u64>,
}

fn issue_token(sub: &str, exp: u64, secret: &[u8]) -> Result<String, Error> {
    let claims = json!({ "sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": exp });
    let header = Header::new(Algorithm::HS256);
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret))
}

fn validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_nbf = true;
    validation
}

/// Was a token with this `iat` issued after `now` + `leeway` seconds?
fn issued_in_the_future(iat: u64, now: SystemTime, leeway: u64) -> bool {
    // Exact to the nanosecond: `now` may be anywhere within its second.
    let now = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    Duration::from_secs(iat) > now.saturating_add(Duration::from_secs(leeway))
}

fn check_token(token: &str, secret: &[u8]) -> Result<Claims, Error> {
    let key = DecodingKey::from_secret(secret);
    let validation = validation();
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation)?;
    if let Some(iat) = data.claims.iat
        && issued_in_the_future(iat, SystemTime::now(), validation.leeway)
    {
        return Err(ErrorKind::ImmatureSignature.into());
    }
    Ok(data.claims)
}

// not graded: prints a demo token; the tests call `issue_token` and `check_token` directly
fn main() {
    let secret = b"a demo key: 32 random bytes in production";
    let token = issue_token("alice", 4_000_000_000, secret).unwrap();
    println!("{token}");
    println!("{:?}", check_token(&token, secret));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;
    use serde_json::Value;

    const SECRET: &[u8] = b"b7e2c9a41f6d8e3a5c0b9f2d7e4a1c6b";
    /// 2096-10-02: tokens that expire then are valid for the real clock.
    const FUTURE: u64 = 4_000_000_000;
    /// 2001-09-09: long expired.
    const PAST: u64 = 1_000_000_000;

    fn token(alg: Algorithm, claims: &Value) -> String {
        let key = EncodingKey::from_secret(SECRET);
        jsonwebtoken::encode(&Header::new(alg), claims, &key).unwrap()
    }

    /// Valid claims for alice, with `key` set to `value` (or removed if `None`).
    fn alice_with(key: &str, value: Option<Value>) -> Value {
        let mut claims = json!({ "sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "exp": FUTURE });
        match value {
            Some(value) => claims[key] = value,
            None => drop(claims.as_object_mut().unwrap().remove(key)),
        }
        claims
    }

    fn check(alg: Algorithm, claims: &Value) -> Result<Claims, String> {
        let got = check_token(&token(alg, claims), SECRET);
        got.map_err(|e| format!("{:?}", e.kind()))
    }

    fn rejected_with(claims: Value, want: &str, why: &str) {
        let got = check(Algorithm::HS256, &claims);
        let what = format!("check_token gave the left value for a token with claims {claims}");
        assert_eq!(got, Err(want.to_string()), "{what}: {why}");
    }

    fn alice() -> Result<Claims, String> {
        let sub = "alice".to_string();
        Ok(Claims {
            sub,
            exp: FUTURE,
            iat: None,
        })
    }

    #[test]
    fn issued_tokens_name_issuer_and_audience() {
        let issued = issue_token("alice", FUTURE, SECRET).expect("issue_token failed");
        let payload = issued.split('.').nth(1).expect("a JWT has three parts");
        let payload = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
        let claims: Value = serde_json::from_slice(&payload).expect("the payload is JSON");
        let want = alice_with("sub", Some(json!("alice")));
        let why = format!("issue_token(\"alice\", {FUTURE}) made the wrong claims");
        assert_eq!(claims, want, "{why}");
        let checked = check_token(&issued, SECRET).map_err(|e| format!("{:?}", e.kind()));
        let why = "check_token should accept a token from issue_token";
        assert_eq!(checked, alice(), "{why}");
    }

    #[test]
    fn audience_may_be_a_list_that_includes_ours() {
        let claims = alice_with("aud", Some(json!(["billing-api", AUDIENCE])));
        let why = format!("an aud list that includes {AUDIENCE:?} should be accepted");
        assert_eq!(check(Algorithm::HS256, &claims), alice(), "{why}");
    }

    #[test]
    fn another_audience_is_rejected() {
        let claims = alice_with("aud", Some(json!("billing-api")));
        let why = "the token is for another service";
        rejected_with(claims, "InvalidAudience", why);
    }

    #[test]
    fn another_issuer_is_rejected() {
        let claims = alice_with("iss", Some(json!("https://evil.example")));
        let why = "we trust only tokens from our own issuer";
        rejected_with(claims, "InvalidIssuer", why);
    }

    #[test]
    fn an_expired_token_is_rejected() {
        let claims = alice_with("exp", Some(json!(PAST)));
        rejected_with(claims, "ExpiredSignature", "it expired in 2001");
    }

    #[test]
    fn an_audience_list_without_ours_is_rejected() {
        let claims = alice_with("aud", Some(json!(["billing-api", "admin-api"])));
        let why = format!("none of the audiences is {AUDIENCE:?}");
        rejected_with(claims, "InvalidAudience", &why);
    }

    #[test]
    fn the_leeway_is_60_seconds() {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = alice_with("exp", Some(json!(now - 61)));
        let why = "it expired 61 s ago, beyond the default leeway of 60 s; a larger leeway \
                   keeps stolen tokens alive";
        rejected_with(claims, "ExpiredSignature", why);
        let claims = alice_with("exp", Some(json!(now - 50)));
        let got = check(Algorithm::HS256, &claims).map(|c| c.sub);
        let why = format!("a token that expired 50 s ago is within the 60 s leeway: {claims}");
        assert_eq!(got, Ok("alice".to_string()), "{why}");
    }

    #[test]
    fn nbf_is_checked() {
        let now = jsonwebtoken::get_current_timestamp();
        let why = "its nbf is two hours from now: the token is not valid yet (validate_nbf)";
        rejected_with(
            alice_with("nbf", Some(json!(now + 7200))),
            "ImmatureSignature",
            why,
        );
        let why = "its nbf is 65 s from now, beyond the 60 s leeway";
        rejected_with(
            alice_with("nbf", Some(json!(now + 65))),
            "ImmatureSignature",
            why,
        );
        let why = "its nbf is not a number, so it cannot be checked";
        let want = "InvalidClaimFormat(\"nbf\")";
        rejected_with(alice_with("nbf", Some(json!(now.to_string()))), want, why);
        for nbf in [now - 3600, now + 50] {
            let claims = alice_with("nbf", Some(json!(nbf)));
            let got = check(Algorithm::HS256, &claims).map(|c| c.sub);
            let why = format!("nbf lies in the past or within the leeway: {claims}");
            assert_eq!(got, Ok("alice".to_string()), "{why}");
        }
    }

    /// Runs `f` with the current second of jsonwebtoken's clock, again if the
    /// second changed meanwhile, so a check at a boundary second is never flaky.
    fn within_one_second<T>(f: impl Fn(u64) -> T) -> T {
        for _ in 0..5 {
            let now = jsonwebtoken::get_current_timestamp();
            let got = f(now);
            if jsonwebtoken::get_current_timestamp() == now {
                return got;
            }
        }
        panic!("the clock kept ticking over a second boundary; run the tests again");
    }

    #[test]
    fn nbf_and_iat_ahead_are_rejected_beyond_the_leeway() {
        for claim in ["nbf", "iat"] {
            for (ahead, ok) in [(3600, false), (61, false), (60, true), (0, true)] {
                let (claims, got) = within_one_second(|now| {
                    let claims = alice_with(claim, Some(json!(now + ahead)));
                    let got = check(Algorithm::HS256, &claims).map(|c| c.sub);
                    (claims, got)
                });
                let want = match ok {
                    true => Ok("alice".to_string()),
                    false => Err("ImmatureSignature".to_string()),
                };
                assert_eq!(
                    got,
                    want,
                    "check_token gave the left value for a token whose {claim} is {ahead} s \
                     ahead of the clock ({claims}), but should give the right: a token {} \
                     (leeway 60 s; jsonwebtoken checks nbf if validate_nbf is on, iat you \
                     check yourself with ErrorKind::ImmatureSignature)",
                    if ok {
                        "within the leeway is accepted"
                    } else {
                        "beyond the leeway is not valid yet"
                    }
                );
            }
        }
        let claims = alice_with("iat", Some(json!(1_000_000_000u64)));
        let got = check(Algorithm::HS256, &claims).map(|c| c.iat);
        assert_eq!(
            got,
            Ok(Some(1_000_000_000)),
            "a token issued in 2001 that has not expired is fine: {claims}"
        );
    }

    /// The rule, exactly: iat (whole seconds) lies after now + leeway.
    fn oracle(iat: u64, now_secs: u64, now_nanos: u32, leeway: u64) -> bool {
        const NS: u128 = 1_000_000_000;
        u128::from(iat) * NS
            > u128::from(now_secs) * NS + u128::from(now_nanos) + u128::from(leeway) * NS
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn issued_in_the_future_is_exact_to_the_nanosecond(
            now_secs in prop_oneof![Just(0u64), 0..=4_000_000_000u64, 1_600_000_000..=2_000_000_000u64],
            now_nanos in prop_oneof![Just(0u32), Just(1), Just(499_999_999), Just(500_000_000), Just(999_999_999), 0..1_000_000_000u32],
            leeway in prop_oneof![Just(0u64), Just(1), Just(60), 0..=3600u64],
            delta in -2i64..=2,
            far in prop_oneof![4 => Just(None), 1 => Just(Some(u64::MAX)), 1 => Just(Some(0u64))],
        ) {
            let iat = far.unwrap_or_else(|| (now_secs + leeway).saturating_add_signed(delta));
            let now = UNIX_EPOCH + Duration::new(now_secs, now_nanos);
            let want = oracle(iat, now_secs, now_nanos, leeway);
            let got = issued_in_the_future(iat, now, leeway);
            prop_assert_eq!(
                got, want,
                "issued_in_the_future(iat = {}, now = {}.{:09} s, leeway = {} s) answered {}, \
                 but should answer {}: a token is issued in the future when iat is after \
                 now + leeway, with now exact to the nanosecond (no rounding of now to whole \
                 seconds, no f64, which cannot hold a nanosecond at today's times, and no \
                 overflow at u64::MAX)",
                iat, now_secs, now_nanos, leeway, got, want
            );
        }
    }

    #[test]
    fn issuer_and_audience_are_required() {
        let why = "a token without iss must not pass as if it were ours";
        let want = "MissingRequiredClaim(\"iss\")";
        rejected_with(alice_with("iss", None), want, why);
        let why = "a token without aud must not pass as if it were for us";
        let want = "MissingRequiredClaim(\"aud\")";
        rejected_with(alice_with("aud", None), want, why);
        let got = check(Algorithm::HS256, &alice_with("exp", None));
        let why = "a token without exp would be valid forever";
        assert!(
            got.is_err(),
            "check_token accepted a token without exp: {why}"
        );
    }

    #[test]
    fn wrong_algorithm_and_wrong_secret_are_rejected() {
        let got = check(Algorithm::HS512, &alice_with("sub", Some(json!("alice"))));
        let why = "an HS512 token must be rejected: Validation::new(Algorithm::HS256)";
        assert_eq!(got, Err("InvalidAlgorithm".to_string()), "{why}");
        let forged = issue_token("alice", FUTURE, b"not-the-server-secret").unwrap();
        let got = check_token(&forged, SECRET).map_err(|e| format!("{:?}", e.kind()));
        let why = "a token signed with another secret must be rejected";
        assert_eq!(got, Err("InvalidSignature".to_string()), "{why}");
    }
}
