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
//!   keyed hash that only holders of the key can compute. The key must be
//!   at least 256 bits of random data, not a password someone could guess
//!   (RFC 7518 §3.2, RFC 8725 §3.5).
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

// TODO: base64url-encode both JSON texts with `b64` and join them with a `.`.
fn signing_input(header_json: &str, claims_json: &str) -> String {
    todo!()
}

// TODO: create the MAC with `HmacSha256::new_from_slice(secret)` (HMAC takes
// keys of any length, so `.expect(...)` is fine), feed it `data` with
// `mac.update(data)`, and return `mac.finalize().into_bytes().to_vec()`.
fn hmac_sha256(secret: &[u8], data: &[u8]) -> Vec<u8> {
    todo!()
}

// TODO: serialize the claims with `serde_json::to_string`, build the signing
// input from `HEADER` and that JSON, sign the signing input's bytes, and
// return `<signing input>.<b64(signature)>`.
fn encode_jwt(claims: &Claims, secret: &[u8]) -> String {
    todo!()
}

fn main() {
    let claims = Claims {
        sub: "1234567890".to_string(),
        name: "John Doe".to_string(),
        iat: 1516239022,
    };
    println!("{}", encode_jwt(&claims, b"your-256-bit-secret"));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    // The example token from https://jwt.io, signed with this secret.
    const SECRET: &[u8] = b"your-256-bit-secret";
    const JWT_IO: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
        eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
        SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

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
        let expected = JWT_IO.rsplit_once('.').unwrap().0;
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
            "HMAC-SHA256 with key \"Jefe\" gave the wrong tag (shown in hex)"
        );
    }

    #[test]
    fn encodes_the_jwt_io_example() {
        let got = encode_jwt(&john(), SECRET);
        assert_eq!(
            got, JWT_IO,
            "encode_jwt for John Doe with secret \"your-256-bit-secret\" should give the \
             token from jwt.io"
        );
    }

    #[test]
    fn the_signature_depends_on_the_secret() {
        let a = encode_jwt(&john(), b"secret-one");
        let b = encode_jwt(&john(), b"secret-two");
        assert_ne!(a, b, "two different secrets gave the same token");
        assert_eq!(
            a.rsplit_once('.').map(|(input, _)| input),
            b.rsplit_once('.').map(|(input, _)| input),
            "only the signature part should change with the secret"
        );
    }

    #[test]
    fn the_jsonwebtoken_crate_accepts_the_token() {
        let token = encode_jwt(&john(), b"a-much-longer-random-secret-for-this-test");
        let key = DecodingKey::from_secret(b"a-much-longer-random-secret-for-this-test");
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
