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

fn verify_jwt(token: &str, secret: &[u8]) -> Result<Claims, VerifyError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(VerifyError::Malformed);
    };
    let signature = b64_decode(signature)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("{header}.{payload}").as_bytes());
    // Constant time, and only the full 32-byte tag matches.
    mac.verify_slice(&signature)
        .map_err(|_| VerifyError::BadSignature)?;
    let claims = b64_decode(payload)?;
    serde_json::from_slice(&claims).map_err(|_| VerifyError::Malformed)
}

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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"4f1c0e9d7b2a8c6e5f3d1b0a9c8e7d6f";
    const ALICE: &str = r#"{"sub":"alice","role":"user"}"#;

    fn alice() -> Claims {
        Claims {
            sub: "alice".to_string(),
            role: "user".to_string(),
        }
    }

    fn expect(token: &str, want: Result<Claims, VerifyError>, what: &str) {
        let got = verify_jwt(token, SECRET);
        assert_eq!(
            got, want,
            "verify_jwt({token:?}) gave the left value, but {what}"
        );
    }

    #[test]
    fn accepts_a_token_signed_with_the_secret() {
        let token = sign(ALICE, SECRET);
        let what = "a correctly signed token gives its claims";
        expect(&token, Ok(alice()), what);
    }

    #[test]
    fn accepts_a_token_from_the_jsonwebtoken_crate() {
        // Its header is {"typ":"JWT","alg":"HS256"}: other bytes, same meaning.
        let header = jsonwebtoken::Header::default();
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
        let token = jsonwebtoken::encode(&header, &alice(), &key).unwrap();
        let what = "it is valid: sign the header as received";
        expect(&token, Ok(alice()), what);
    }

    #[test]
    fn rejects_a_token_signed_with_another_secret() {
        let token = sign(ALICE, b"a-secret-the-attacker-made-up");
        let what = "a token signed with another secret should be BadSignature";
        expect(&token, Err(VerifyError::BadSignature), what);
    }

    #[test]
    fn rejects_a_tampered_payload() {
        let token = sign(ALICE, SECRET);
        let parts: Vec<&str> = token.split('.').collect();
        let admin = URL_SAFE_NO_PAD.encode(r#"{"sub":"alice","role":"admin"}"#);
        let tampered = format!("{}.{admin}.{}", parts[0], parts[2]);
        let what = "the payload was changed to role=admin after signing: BadSignature";
        expect(&tampered, Err(VerifyError::BadSignature), what);
    }

    #[test]
    fn rejects_a_signature_from_another_token() {
        let token = sign(ALICE, SECRET);
        let other = sign(r#"{"sub":"mallory","role":"user"}"#, SECRET);
        let (input, _) = token.rsplit_once('.').unwrap();
        let (_, signature) = other.rsplit_once('.').unwrap();
        let swapped = format!("{input}.{signature}");
        let what = "the signature belongs to another token: BadSignature";
        expect(&swapped, Err(VerifyError::BadSignature), what);
    }

    #[test]
    fn rejects_malformed_tokens() {
        let token = sign(ALICE, SECRET);
        let (input, _) = token.rsplit_once('.').unwrap();
        for bad in [
            String::new(),
            "not-a-token".to_string(),
            input.to_string(),
            format!("{token}.{}", "AAAA"),
            format!("{input}.!!!"),
        ] {
            let what = "not three parts, or a signature that is not base64url, is Malformed";
            expect(&bad, Err(VerifyError::Malformed), what);
        }
    }

    #[test]
    fn accepts_claims_exactly_as_they_were_signed() {
        let spaced = r#"{ "role": "user", "sub": "alice", "iat": 1700000000 }"#;
        let token = sign(spaced, SECRET);
        let what = "its claims were signed as they are, with spaces, another key order and an \
                    extra claim: verify the signing input exactly as received, never a \
                    re-serialization of the parsed claims";
        expect(&token, Ok(alice()), what);
    }

    #[test]
    fn a_signature_must_be_the_whole_tag() {
        let token = sign(ALICE, SECRET);
        let (input, signature) = token.rsplit_once('.').unwrap();
        let tag = URL_SAFE_NO_PAD.decode(signature).unwrap();
        let longer = [tag.as_slice(), &[0]].concat();
        for forged in [&tag[..1], &tag[..16], &tag[..31], &longer] {
            let forged_token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(forged));
            let got = verify_jwt(&forged_token, SECRET);
            assert!(
                got.is_err(),
                "verify_jwt accepted a signature of {} bytes ({forged_token:?}): an HS256 \
                 signature is exactly 32 bytes; accepting a prefix of the tag lets an \
                 attacker guess a 1-byte signature in 256 tries",
                forged.len()
            );
        }
    }

    #[test]
    fn checks_the_signature_before_reading_the_payload() {
        let unsigned = format!("eyJhbGciOiJIUzI1NiJ9.%%%not-base64%%%.{}", "A".repeat(43));
        let what = "an unsigned payload must not even be decoded: BadSignature, not Malformed";
        expect(&unsigned, Err(VerifyError::BadSignature), what);
        let signed_nonsense = sign("this is not JSON", SECRET);
        let what = "correctly signed claims that are not JSON are Malformed";
        expect(&signed_nonsense, Err(VerifyError::Malformed), what);
    }
}
