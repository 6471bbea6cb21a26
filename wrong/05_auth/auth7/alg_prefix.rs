// wrong: accepts any alg that starts with the expected one ("HS256x", "HS256 ")
// expect: spelled exactly so
//! # Attacks on JWT: `alg: none` and algorithm confusion
//!
//! A JWT names its own algorithm in the header, and for years libraries
//! believed it. Two famous attacks follow from that (Tim McLean, 2015):
//!
//! - `alg: none`. JWS defines an "unsecured" token with the algorithm `none`
//!   and an empty signature (RFC 7518 §3.6). A verifier that follows the header
//!   accepts `{"alg":"none"}` + `{"sub":"mallory","role":"admin"}` + `""`:
//!   anyone can be anyone.
//! - Algorithm confusion. A server that signs with RS256 (RSA) verifies with
//!   its *public* key, which everybody may know. If the header can switch the
//!   verifier to HS256, the attacker computes an HMAC with the public key as
//!   the secret, and the server, using the same key bytes, accepts it.
//!
//! The fix is the same for both: the verifier decides the algorithm, never
//! the token. A server is configured with the one algorithm it expects (here
//! HS256, or HS512), rejects every token whose `alg` is anything else (even a
//! correctly signed HS512 token when it expects HS256), and verifies with the
//! algorithm it expects, not with the one in the header. The comparison is
//! exact: `alg` values are case-sensitive (RFC 7515 §4.1.1), so `hs256` or
//! `HS256 ` is another, unknown algorithm (RFC 8725 §2.1, §3.1:
//! "libraries MUST enable the caller to specify a supported set of algorithms
//! and MUST NOT use any other algorithms when performing cryptographic
//! operations").
//!
//! Read more: RFC 8725 (JSON Web Token Best Current Practices) §2.1 and §3.1,
//! https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Sha256, Sha512};

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Claims {
    sub: String,
    role: String,
}

#[derive(Debug, PartialEq)]
enum VerifyError {
    Malformed,
    WrongAlgorithm,
    BadSignature,
}

fn b64_decode(text: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| VerifyError::Malformed)
}

/// Checks an HMAC `signature` over `input` with `alg` (`"HS256"` or `"HS512"`).
fn hmac_verify(alg: &str, secret: &[u8], input: &str, signature: &[u8]) -> Result<(), VerifyError> {
    let checked = match alg {
        "HS256" => Hmac::<Sha256>::new_from_slice(secret)
            .expect("HMAC takes keys of any length")
            .chain_update(input)
            .verify_slice(signature),
        "HS512" => Hmac::<Sha512>::new_from_slice(secret)
            .expect("HMAC takes keys of any length")
            .chain_update(input)
            .verify_slice(signature),
        _ => return Err(VerifyError::WrongAlgorithm),
    };
    checked.map_err(|_| VerifyError::BadSignature)
}

struct Verifier {
    /// The one algorithm this server accepts: `"HS256"` or `"HS512"`.
    algorithm: &'static str,
    secret: Vec<u8>,
}

impl Verifier {
    fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let parts: Vec<&str> = token.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(VerifyError::Malformed);
        };
        let header_json = b64_decode(header)?;
        let parsed: Header =
            serde_json::from_slice(&header_json).map_err(|_| VerifyError::Malformed)?;
        if !parsed.alg.starts_with(self.algorithm) {
            return Err(VerifyError::WrongAlgorithm);
        }
        let signature = b64_decode(signature)?;
        let input = format!("{header}.{payload}");
        hmac_verify(self.algorithm, &self.secret, &input, &signature)?;
        let claims = b64_decode(payload)?;
        serde_json::from_slice(&claims).map_err(|_| VerifyError::Malformed)
    }
}

fn main() {
    let verifier = Verifier {
        algorithm: "HS256",
        secret: b"a demo key: 32 random bytes in production".to_vec(),
    };
    let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5Iiwicm9sZSI6ImFkbWluIn0.";
    println!("alg none: {:?}", verifier.verify(none));
}
