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
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("{header}.{payload}").as_bytes());
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tricky_text;
    use proptest::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;

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

    /// The rules of the lesson, to judge generated tokens by.
    fn oracle(token: &str, secret: &[u8]) -> Result<Claims, VerifyError> {
        let parts: Vec<&str> = token.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(VerifyError::Malformed);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| VerifyError::Malformed)?;
        let mut mac = HmacSha256::new_from_slice(secret).unwrap();
        mac.update(format!("{header}.{payload}").as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| VerifyError::BadSignature)?;
        let claims = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| VerifyError::Malformed)?;
        serde_json::from_slice(&claims).map_err(|_| VerifyError::Malformed)
    }

    /// What happens to a signed token before it arrives.
    #[derive(Debug, Clone)]
    enum Change {
        None,
        /// Signed with another secret.
        OtherSecret(Vec<u8>),
        /// Its payload replaced after signing.
        Payload(String),
        /// Its signature cut to this many bytes, or one byte longer.
        SignatureLength(usize),
        /// One bit of the signature flipped.
        SignatureBit(usize),
        /// A part added or removed.
        Parts(bool),
    }

    fn claims_json() -> impl Strategy<Value = String> {
        prop_oneof![
            (tricky_text(0, 6), tricky_text(0, 6)).prop_map(|(sub, role)| {
                serde_json::json!({"sub": sub, "role": role}).to_string()
            }),
            (tricky_text(0, 6), any::<u64>()).prop_map(|(sub, iat)| {
                format!(
                    "{{ \"role\": \"user\", \"iat\": {iat}, \"sub\": {} }}",
                    serde_json::json!(sub)
                )
            }),
            tricky_text(0, 8),
        ]
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            3 => Just(Change::None),
            1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Change::OtherSecret),
            1 => claims_json().prop_map(Change::Payload),
            1 => (0usize..=33).prop_map(Change::SignatureLength),
            1 => (0usize..256).prop_map(Change::SignatureBit),
            1 => any::<bool>().prop_map(Change::Parts),
        ]
    }

    fn token(claims: &str, secret: &[u8], change: &Change) -> String {
        let signed = match change {
            Change::OtherSecret(other) => sign(claims, other),
            _ => sign(claims, secret),
        };
        let parts: Vec<&str> = signed.split('.').collect();
        let mut tag = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        match change {
            Change::Payload(other) => {
                format!(
                    "{}.{}.{}",
                    parts[0],
                    URL_SAFE_NO_PAD.encode(other),
                    parts[2]
                )
            }
            Change::SignatureLength(n) => {
                tag.resize(*n, 0);
                format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&tag))
            }
            Change::SignatureBit(bit) => {
                tag[bit / 8] ^= 1 << (bit % 8);
                format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(&tag))
            }
            Change::Parts(true) => format!("{signed}.{}", parts[2]),
            Change::Parts(false) => format!("{}.{}", parts[0], parts[1]),
            _ => signed,
        }
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any claims (JSON in any spacing, or not JSON), any secret (empty too),
        /// tokens as signed or changed on the way. signature_matches is watched:
        /// once it agrees with itself, once it says the opposite. The verdict must
        /// be the lesson's, and the decision signature_matches'.
        #[test]
        fn any_token_is_judged_by_signature_matches(
            claims in claims_json(),
            secret in proptest::collection::vec(any::<u8>(), 0..40),
            change in change(),
        ) {
            let token = token(&claims, &secret, &change);
            let want = oracle(&token, &secret);
            for overrule in [false, true] {
                let seen: Rc<RefCell<Vec<Vec<u8>>>> = Rc::default();
                let log = seen.clone();
                watch::HOOK.with(|hook| {
                    *hook.borrow_mut() = Some(Box::new(move |signature: &[u8], verdict: bool| {
                        log.borrow_mut().push(signature.to_vec());
                        verdict != overrule
                    }))
                });
                let got = verify_jwt(&token, &secret);
                watch::HOOK.with(|hook| *hook.borrow_mut() = None);
                let seen = seen.take();
                let parts: Vec<&str> = token.split('.').collect();
                let signature = parts.get(2).and_then(|s| URL_SAFE_NO_PAD.decode(s).ok());
                let story = format!(
                    "the claims {claims:?} signed with the secret {secret:?}, then {change:?}, \
                     give the token {token:?}"
                );
                match (parts.len(), signature) {
                    (3, Some(signature)) => {
                        prop_assert_eq!(
                            &seen, &vec![signature.clone()],
                            "{}: verify_jwt called signature_matches with the signatures on the \
                             left, but should call it once, with the decoded signature (the \
                             right), and let it decide: a `==` or `!=` on the bytes leaks, \
                             through its timing, how much of a forged signature is right",
                            story
                        );
                        if !overrule {
                            prop_assert_eq!(
                                &got, &want,
                                "{}: verify_jwt gave the left, but should give the right: three \
                                 parts, a base64url signature (else Malformed) that is the whole \
                                 HMAC-SHA256 tag of the signing input as received (else \
                                 BadSignature), then the claims (else Malformed)",
                                story
                            );
                        } else if want != Err(VerifyError::BadSignature) {
                            prop_assert_eq!(
                                &got, &Err(VerifyError::BadSignature),
                                "{}: signature_matches said no (the test overruled it), but \
                                 verify_jwt gave the left: its verdict decides",
                                story
                            );
                        } else {
                            prop_assert!(
                                got != Err(VerifyError::BadSignature),
                                "{}: signature_matches said yes (the test overruled it), but \
                                 verify_jwt still answered BadSignature: let its verdict \
                                 decide, do not compare the bytes again yourself",
                                story
                            );
                        }
                    }
                    _ => prop_assert_eq!(
                        &got, &want,
                        "{}: verify_jwt gave the left, but should give the right: a token that \
                         is not three parts, or whose signature is not base64url, is Malformed",
                        story
                    ),
                }
            }
        }
    }
}
