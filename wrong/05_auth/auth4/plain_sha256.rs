// wrong: hashes key and data with plain SHA-256 instead of HMAC
// expect: not a plain SHA-256
//! # A JSON Web Token, by hand
//!
//! After a login the server hands the client a token, and the client sends it
//! with every request. A JSON Web Token (JWT, RFC 7519) carries its claims
//! (who the user is, until when the token is valid) inside itself, signed by
//! the server, so any server holding the key can check it without a database.
//!
//! A signed JWT is three base64url parts (no padding) joined by dots
//! (JWS Compact Serialization, RFC 7515 §7.1):
//!
//! ```text
//! base64url(header) "." base64url(payload) "." base64url(signature)
//! ```
//!
//! - the header is JSON naming the algorithm: `{"alg":"HS256","typ":"JWT"}`;
//! - the payload is the JSON claims set, e.g. `{"sub":"1234567890",...}`;
//! - the *signing input* is the first two parts with the dot between them,
//!   exactly as they appear in the token (RFC 7515 §5.1);
//! - HS256 signs it with HMAC-SHA256 and a secret key (RFC 7518 §3.2): a
//!   keyed hash that only holders of the key can compute.
//!
//! The key is the whole security of HS256, and anyone holding one token can
//! try keys offline, billions per second on a GPU, until one reproduces the
//! signature: no rate limit, no log line. A password-like key such as
//! `your-256-bit-secret` (jwt.io's example) falls in seconds. RFC 7518 §3.2
//! says a key "of the same size as the hash output (for instance, 256 bits
//! for HS256) or larger MUST be used", and RFC 8725 §3.5 adds that it must
//! be random, not typed by a human: 32 bytes from the OS random generator
//! (`openssl rand -base64 32`), kept in configuration, never in the code.
//! Length is all a function can check, so `encode_jwt` refuses shorter keys.
//!
//! The payload is encoded, not encrypted: anyone holding a token can read it
//! (try pasting one into https://jwt.io). Never put secrets in claims.
//! Read more: RFC 7519 §3 and §7.1, RFC 7515 §5.1, and the `hmac` crate docs
//! https://docs.rs/hmac/0.12/hmac/

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header of every token this server issues.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The key is shorter than 32 bytes (256 bits).
#[derive(Debug, PartialEq)]
struct KeyTooShort;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Claims {
    sub: String,
    name: String,
    iat: u64,
}

/// base64url without padding: what you wrote by hand in auth3.
fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn signing_input(header_json: &str, claims_json: &str) -> String {
    format!(
        "{}.{}",
        b64(header_json.as_bytes()),
        b64(claims_json.as_bytes())
    )
}

fn hmac_sha256(secret: &[u8], data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut hasher = Sha256::new();
    hasher.update(secret);
    hasher.update(data);
    hasher.finalize().to_vec()
}

fn encode_jwt(claims: &Claims, secret: &[u8]) -> Result<String, KeyTooShort> {
    if secret.len() < 32 {
        return Err(KeyTooShort);
    }
    let claims_json = serde_json::to_string(claims).expect("claims serialize to JSON");
    let input = signing_input(HEADER, &claims_json);
    let signature = hmac_sha256(secret, input.as_bytes());
    Ok(format!("{input}.{}", b64(&signature)))
}

fn main() {
    let claims = Claims {
        sub: "1234567890".to_string(),
        name: "John Doe".to_string(),
        iat: 1516239022,
    };
    // A demo key. A real one comes from configuration, made by a random generator.
    let key = b"\xb1\x07\x4e\x2a\xc9\x5d\x13\x88\x6f\xe0\x3a\x91\x2c\x47\xd5\x0b\
                \x7e\xa4\x19\x62\xf3\x8d\x05\xbe\x40\x1c\x9f\x76\x2e\xd8\x53\xaa";
    println!("{:?}", encode_jwt(&claims, key));
    println!("{:?}", encode_jwt(&claims, b"your-256-bit-secret"));
}
