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
        // TODO: this follows the header, and the attacker writes the header.
        // Accept only tokens whose `alg` is this verifier's algorithm, spelled
        // exactly the same, and always check the signature with the
        // verifier's algorithm.
        if parsed.alg != "none" {
            let signature = b64_decode(signature)?;
            let input = format!("{header}.{payload}");
            hmac_verify(&parsed.alg, &self.secret, &input, &signature)?;
        }
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{LOOK_ALIKES, UNICODE_SPACES, any_case, tricky_text};
    use hmac::digest::KeyInit;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"9c1f4e7a2b8d5f3e6a0c9b7d4e1f2a8c";
    const ALICE: &str = r#"{"sub":"alice","role":"user"}"#;
    const ADMIN: &str = r#"{"sub":"mallory","role":"admin"}"#;

    fn tag<M: Mac + KeyInit>(input: &str) -> Vec<u8> {
        let mac = <M as KeyInit>::new_from_slice(SECRET).unwrap();
        mac.chain_update(input).finalize().into_bytes().to_vec()
    }

    /// A token with this `alg` in its header, signed with `SECRET` and HS256 or
    /// HS512 if `alg` reads like one of them in any case or spacing (`hs256 `
    /// is signed with HS256), and with an empty signature otherwise.
    fn token(alg: &str, claims: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
        let signature = match alg.trim().to_ascii_uppercase().as_str() {
            "HS256" => tag::<Hmac<Sha256>>(&input),
            "HS512" => tag::<Hmac<Sha512>>(&input),
            _ => Vec::new(),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn expect(algorithm: &'static str, token: &str, want: Result<Claims, VerifyError>, why: &str) {
        let secret = SECRET.to_vec();
        let got = Verifier { algorithm, secret }.verify(token);
        let what = format!("a verifier expecting {algorithm} gave the left value for {token:?}");
        assert_eq!(got, want, "{what}: {why}");
    }

    fn rejects(algorithm: &'static str, header_alg: &str) {
        let why = format!(
            "the header says {header_alg:?}, and only {algorithm:?} may be used, spelled \
             exactly so (`alg` is case-sensitive, RFC 7515 §4.1.1): WrongAlgorithm"
        );
        let want = Err(VerifyError::WrongAlgorithm);
        expect(algorithm, &token(header_alg, ADMIN), want, &why);
    }

    #[test]
    fn accepts_tokens_with_the_expected_algorithm() {
        let alice = || Ok(serde_json::from_str(ALICE).unwrap());
        let why = "the token is signed with the expected algorithm and secret";
        expect("HS256", &token("HS256", ALICE), alice(), why);
        expect("HS512", &token("HS512", ALICE), alice(), why);
    }

    #[test]
    fn rejects_alg_none_in_any_spelling() {
        for header_alg in ["none", "None", "NONE", "nOnE"] {
            rejects("HS256", header_alg);
        }
    }

    #[test]
    fn rejects_another_hmac_algorithm_even_when_correctly_signed() {
        rejects("HS256", "HS512");
        rejects("HS512", "HS256");
    }

    #[test]
    fn compares_the_algorithm_exactly() {
        // Each of these tokens is correctly signed with HS256.
        for header_alg in ["hs256", "Hs256", "HS256 ", " HS256"] {
            rejects("HS256", header_alg);
        }
    }

    #[test]
    fn rejects_asymmetric_algorithms_in_the_header() {
        for header_alg in ["RS256", "ES256", "EdDSA", ""] {
            rejects("HS256", header_alg);
        }
    }

    #[test]
    fn still_checks_the_signature() {
        let unsigned = token("HS256", ADMIN);
        let unsigned = unsigned.trim_end_matches(|c| c != '.');
        let forged = format!("{unsigned}{}", "A".repeat(43));
        let why = "the algorithm is right, but the signature does not match";
        expect("HS256", &forged, Err(VerifyError::BadSignature), why);
    }

    #[test]
    fn a_header_without_alg_is_malformed() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(ADMIN);
        let token = format!("{header}.{claims}.");
        let why = "a header without `alg` is Malformed";
        expect("HS256", &token, Err(VerifyError::Malformed), why);
    }

    /// The lesson's rules, to judge generated tokens by.
    fn oracle(algorithm: &str, secret: &[u8], token: &str) -> Result<Claims, VerifyError> {
        let parts: Vec<&str> = token.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(VerifyError::Malformed);
        };
        let header_json = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| VerifyError::Malformed)?;
        let parsed: Header =
            serde_json::from_slice(&header_json).map_err(|_| VerifyError::Malformed)?;
        if parsed.alg != algorithm {
            return Err(VerifyError::WrongAlgorithm);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| VerifyError::Malformed)?;
        let input = format!("{header}.{payload}");
        let ok = match algorithm {
            "HS256" => <Hmac<Sha256> as Mac>::new_from_slice(secret)
                .unwrap()
                .chain_update(&input)
                .verify_slice(&signature)
                .is_ok(),
            _ => <Hmac<Sha512> as Mac>::new_from_slice(secret)
                .unwrap()
                .chain_update(&input)
                .verify_slice(&signature)
                .is_ok(),
        };
        if !ok {
            return Err(VerifyError::BadSignature);
        }
        let claims = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| VerifyError::Malformed)?;
        serde_json::from_slice(&claims).map_err(|_| VerifyError::Malformed)
    }

    /// `alg` values a character, a case or a space away from the real ones.
    fn header_alg() -> impl Strategy<Value = String> {
        let near = |name: &'static str| {
            (
                any_case(name),
                0usize..=name.len(),
                proptest::sample::select(
                    [UNICODE_SPACES, LOOK_ALIKES, &[' ', '\t', '\0', '-', '_']].concat(),
                ),
                0u8..3,
            )
                .prop_map(|(spelled, at, c, how)| match how {
                    0 => spelled,
                    1 => format!("{}{c}{}", &spelled[..at], &spelled[at..]),
                    _ => format!(
                        "{}{}",
                        &spelled[..at],
                        &spelled[(at + 1).min(spelled.len())..]
                    ),
                })
        };
        prop_oneof![
            3 => proptest::sample::select(vec!["HS256", "HS512"]).prop_map(String::from),
            2 => near("HS256"),
            2 => near("HS512"),
            2 => near("none"),
            1 => proptest::sample::select(vec!["HS384", "RS256", "ES256", "PS512", "EdDSA", ""]).prop_map(String::from),
            1 => tricky_text(0, 6),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        /// Any `alg` in the header (the real ones, other case, spaces and look-alikes,
        /// none, other algorithms), signed with HS256, HS512 or not at all, any secret,
        /// for a verifier of either algorithm: only the verifier's algorithm, spelled
        /// exactly so, with its valid signature, gives the claims.
        #[test]
        fn any_header_alg_gets_the_verdict_of_the_rules(
            algorithm in proptest::sample::select(vec!["HS256", "HS512"]),
            alg in header_alg(),
            signed_with in 0u8..3,
            secret in proptest::collection::vec(any::<u8>(), 0..40),
            claims in proptest::sample::select(vec![ALICE, ADMIN, "not json"]),
        ) {
            let header = URL_SAFE_NO_PAD.encode(serde_json::json!({"alg": alg, "typ": "JWT"}).to_string());
            let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims));
            let signature = match signed_with {
                0 => <Hmac<Sha256> as Mac>::new_from_slice(&secret).unwrap().chain_update(&input).finalize().into_bytes().to_vec(),
                1 => <Hmac<Sha512> as Mac>::new_from_slice(&secret).unwrap().chain_update(&input).finalize().into_bytes().to_vec(),
                _ => Vec::new(),
            };
            let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
            let want = oracle(algorithm, &secret, &token);
            let got = Verifier { algorithm, secret: secret.clone() }.verify(&token);
            prop_assert_eq!(
                &got, &want,
                "a verifier expecting {} (secret {:?}) gave the left for a token whose header \
                 says alg {:?}, signed with {}: only the verifier's own algorithm, spelled \
                 exactly so (case-sensitive, nothing trimmed, RFC 7515 §4.1.1), is accepted \
                 (else WrongAlgorithm, before any signature check); then its signature \
                 (else BadSignature), then the claims (else Malformed)",
                algorithm, secret, alg,
                ["HS256", "HS512", "nothing (an empty signature)"][signed_with as usize]
            );
        }
    }
}
