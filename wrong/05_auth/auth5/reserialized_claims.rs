// wrong: signs a re-serialization of the parsed claims, not the payload as received
// expect: exactly as received
//! # Verifying a JWT: the signature first
//!
//! Anyone can build a token: the header and payload are just base64url JSON.
//! What makes a token trustworthy is the signature, and only the server knows
//! the secret it was made with. So a server that receives a token must:
//!
//! 1. split it into exactly three parts (`header.payload.signature`);
//! 2. base64url-decode the signature;
//! 3. compute HMAC-SHA256 over the signing input `header.payload`, exactly the
//!    characters it received (never re-encode the JSON: a different key order
//!    or spacing would change the bytes), and compare it with the signature in
//!    constant time (auth2 showed why);
//! 4. only then decode the payload and parse the claims.
//!
//! Step 4 comes last on purpose: until the signature checks out, the payload
//! is attacker-controlled input, and the JSON parser is no place to meet it.
//! The `hmac` crate does step 3 for you: `mac.verify_slice(&signature)`
//! recomputes the tag and compares in constant time, and only a signature of
//! the full 32 bytes can match. (A check that accepts a shorter prefix of the
//! tag lets an attacker forge a 1-byte signature in at most 256 tries.) RFC 7515 §5.2 lists the
//! full validation steps; the header's `alg` gets its own exercise (auth7).
//!
//! Here `signature_matches` (course code, below) wraps `verify_slice`: let it
//! decide. A `==` or `!=` on the bytes gives the same answers and differs only
//! in time, which no test can measure reliably, so the tests watch
//! `signature_matches` instead: they count its calls and overrule its verdict
//! to see that your decision is the constant-time one.
//!
//! Read more: RFC 7515 §5.2, RFC 8725 §3.1 (JWT Best Current Practices), and
//! https://docs.rs/hmac/0.12/hmac/trait.Mac.html#tymethod.verify_slice

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: String,
}

#[derive(Debug, PartialEq)]
enum VerifyError {
    /// Not three parts, bad base64url, or claims that are not the JSON we expect.
    Malformed,
    /// The signature does not match: wrong secret, or the token was changed.
    BadSignature,
}

fn b64_decode(text: &str) -> Result<Vec<u8>, VerifyError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| VerifyError::Malformed)
}

/// Makes a token like auth4 did (the tests use it to issue tokens).
fn sign(claims_json: &str, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims_json));
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(input.as_bytes());
    let signature = mac.finalize().into_bytes();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Course code: whether `signature` is the whole tag `mac` computes, compared
/// in constant time (`Mac::verify_slice`). The tests watch it.
fn signature_matches(mac: HmacSha256, signature: &[u8]) -> bool {
    watch::verdict(signature, mac.verify_slice(signature).is_ok())
}

fn verify_jwt(token: &str, secret: &[u8]) -> Result<Claims, VerifyError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(VerifyError::Malformed);
    };
    let signature = b64_decode(signature)?;
    let claims: Claims =
        serde_json::from_slice(&b64_decode(payload)?).map_err(|_| VerifyError::Malformed)?;
    let json = serde_json::to_string(&claims).map_err(|_| VerifyError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("{header}.{}", URL_SAFE_NO_PAD.encode(json)).as_bytes());
    // Constant time, and only the full 32-byte tag matches.
    if !signature_matches(mac, &signature) {
        return Err(VerifyError::BadSignature);
    }
    let claims = b64_decode(payload)?;
    serde_json::from_slice(&claims).map_err(|_| VerifyError::Malformed)
}

// not graded: a demo; the tests call verify_jwt
fn main() {
    let secret = b"a demo key: 32 random bytes in production";
    let token = sign(r#"{"sub":"alice","role":"user"}"#, secret);
    println!("{token}");
    println!("{:?}", verify_jwt(&token, secret));
    println!(
        "{:?}",
        verify_jwt(&token, b"another key, also 32 bytes long.")
    );
}

/// Course code, no need to change it: lets the tests watch `signature_matches`.
mod watch {
    use std::cell::RefCell;

    type Hook = Box<dyn Fn(&[u8], bool) -> bool>;

    thread_local! {
        /// Sees each signature and verdict, and may overrule it; the tests set it.
        pub static HOOK: RefCell<Option<Hook>> = RefCell::new(None);
    }

    pub fn verdict(signature: &[u8], verdict: bool) -> bool {
        HOOK.with(|hook| match hook.borrow().as_ref() {
            Some(hook) => hook(signature, verdict),
            None => verdict,
        })
    }
}
