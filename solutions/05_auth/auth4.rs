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
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
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

// not graded: a demo; the tests call the functions it calls
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    /// 32 random bytes, as an HS256 key should be.
    const SECRET: &[u8; 32] = b"\x5f\x0c\x9a\x7e\x2b\x3d\x41\xf6\x8e\x1a\x0c\x7b\x9d\x2e\x4f\x6a\
                                \x3c\x8b\x1d\x0e\x7f\x9a\x2c\x4b\x6d\x8e\x0f\x1a\x3c\x5b\x7d\x92";
    /// jwt.io's example claims signed with `SECRET` (made with Python's hmac).
    const JOHN_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
        eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
        L-jptEo7O614lAwn4GBc-BodWaeuYlpd210S9UosBE4";
    const ZOE_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
        eyJzdWIiOiI0MiIsIm5hbWUiOiJab8OrIMOHYSIsImlhdCI6MTcwMDAwMDAwMH0.\
        i9Z23Oof6oglqYIXrdXOnsoebu9G-9n5_EY-E24w2PQ";

    fn john() -> Claims {
        Claims {
            sub: "1234567890".to_string(),
            name: "John Doe".to_string(),
            iat: 1516239022,
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn signing_input_is_header_dot_payload() {
        let claims = r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#;
        let got = signing_input(HEADER, claims);
        let expected = JOHN_TOKEN.rsplit_once('.').unwrap().0;
        assert_eq!(
            got, expected,
            "signing_input should be base64url(header) + \".\" + base64url(claims), no padding"
        );
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // RFC 4231 §4.3, test case 2.
        let got = hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?"));
        assert_eq!(
            got, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "HMAC-SHA256 with key \"Jefe\" gave the wrong tag (shown in hex): use the HMAC \
             construction of the `hmac` crate, not a plain SHA-256 of key and data"
        );
    }

    #[test]
    fn encodes_known_tokens() {
        let zoe = Claims {
            sub: "42".to_string(),
            name: "Zoë Ça".to_string(),
            iat: 1700000000,
        };
        for (claims, expected) in [(john(), JOHN_TOKEN), (zoe, ZOE_TOKEN)] {
            let got = encode_jwt(&claims, SECRET);
            assert_eq!(
                got.as_deref(),
                Ok(expected),
                "encode_jwt({claims:?}) with the test's 32-byte key gave the left value: a JWT \
                 is three base64url parts without padding, the last one the HMAC-SHA256 of \
                 the first two and their dot"
            );
        }
    }

    #[test]
    fn keys_shorter_than_256_bits_are_refused() {
        for len in [0, 19, 31] {
            let got = encode_jwt(&john(), &SECRET[..len]);
            assert_eq!(
                got,
                Err(KeyTooShort),
                "encode_jwt with a {len}-byte key gave the left value: HS256 needs a key of \
                 at least 32 bytes (256 bits, RFC 7518 §3.2)"
            );
        }
        let long = [SECRET.as_slice(), b"+more"].concat();
        for key in [SECRET.as_slice(), &long] {
            let got = encode_jwt(&john(), key);
            assert!(
                got.is_ok(),
                "encode_jwt with a {}-byte key gave {got:?}: exactly 32 bytes or more is \
                 long enough",
                key.len()
            );
        }
    }

    #[test]
    fn the_signature_depends_on_the_secret() {
        let mut other = *SECRET;
        other[31] ^= 1;
        let a = encode_jwt(&john(), SECRET).unwrap();
        let b = encode_jwt(&john(), &other).unwrap();
        assert_ne!(
            a, b,
            "two keys that differ in their last bit gave the same token"
        );
        assert_eq!(
            a.rsplit_once('.').map(|(input, _)| input),
            b.rsplit_once('.').map(|(input, _)| input),
            "only the signature part should change with the secret"
        );
    }

    #[test]
    fn the_jsonwebtoken_crate_accepts_the_token() {
        let token = encode_jwt(&john(), SECRET).unwrap();
        let key = DecodingKey::from_secret(SECRET);
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let decoded = jsonwebtoken::decode::<Claims>(&token, &key, &validation);
        assert_eq!(
            decoded.as_ref().map(|data| &data.claims).ok(),
            Some(&john()),
            "the jsonwebtoken crate could not verify {token:?}: {decoded:?}"
        );
    }
}
