// wrong: requires an iss claim but never says which issuer is ours
// expect: our own issuer
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

fn main() {
    let secret = b"a demo key: 32 random bytes in production";
    let token = issue_token("alice", 4_000_000_000, secret).unwrap();
    println!("{token}");
    println!("{:?}", check_token(&token, secret));
}
