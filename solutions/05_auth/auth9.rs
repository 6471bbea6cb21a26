//! # Bearer tokens and 401 Unauthorized
//!
//! Clients send their token in the `Authorization` header with the `Bearer`
//! scheme (RFC 6750 §2.1): `Authorization: Bearer eyJhbGciOi...`. Whoever
//! holds ("bears") the token may use it, which is why tokens travel only over
//! HTTPS and never in URLs. Parsing it carefully:
//! - header names are case-insensitive (`authorization` is the same header);
//! - the scheme is case-insensitive too (RFC 9110 §11.1): `bearer` works;
//! - then one or more spaces (`1*SP`) and the token, which may only contain
//!   letters, digits and `-._~+/`, optionally followed by `=` (the `b64token`
//!   rule), up to the end of the value: `Bearer abc def` is not the token
//!   `abc` with something after it, it is a malformed credential.
//!
//! When the request is not authenticated the answer is `401 Unauthorized`,
//! and a 401 MUST carry a `WWW-Authenticate` header saying how to
//! authenticate (RFC 9110 §15.5.2, §11.6.1). For bearer tokens (RFC 6750 §3):
//! - no credentials at all, or credentials in another scheme such as `Basic`:
//!   `WWW-Authenticate: Bearer realm="notes"` and no error code;
//! - a bearer token that is malformed, expired, or fails its signature:
//!   `WWW-Authenticate: Bearer realm="notes", error="invalid_token"`, so the
//!   client knows to get a new token rather than to log in from scratch.
//!
//! Do not confuse 401 with `403 Forbidden` (RFC 9110 §15.5.4): 401 means
//! "I don't know who you are", 403 means "I know who you are, and you may
//! not do this". That is the next exercise.
//! Read more: RFC 6750 §2.1 and §3, RFC 9110 §11.6.1 and §15.5.2.

const REALM: &str = "notes";

struct Request {
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn new(status: u16, body: &str) -> Response {
        let (headers, body) = (Vec::new(), body.to_string());
        Response {
            status,
            headers,
            body,
        }
    }
}

#[derive(Debug, PartialEq)]
enum AuthError {
    /// No bearer token in the request.
    Missing,
    /// A bearer token was sent, but it is malformed, expired or forged.
    InvalidToken,
}

/// Is `token` a `b64token` (RFC 6750 §2.1)?
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    !body.is_empty() && body.chars().all(allowed)
}

/// Who the token belongs to. A stand-in for verifying a JWT as in auth8.
fn verify_token(token: &str) -> Option<&'static str> {
    match token {
        "mF_9.B5f-4.1JqM" => Some("alice"),
        "2YotnFZFEjr1zCsicMWpAA==" => Some("bob"),
        _ => None,
    }
}

fn bearer_token(request: &Request) -> Result<&str, AuthError> {
    let (_, value) = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .ok_or(AuthError::Missing)?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = rest.trim_start_matches(' ');
    if !is_b64token(token) {
        return Err(AuthError::InvalidToken);
    }
    Ok(token)
}

fn unauthorized(error: AuthError) -> Response {
    let challenge = match error {
        AuthError::Missing => format!("Bearer realm=\"{REALM}\""),
        AuthError::InvalidToken => format!("Bearer realm=\"{REALM}\", error=\"invalid_token\""),
    };
    let mut response = Response::new(401, "authentication required");
    let header = ("WWW-Authenticate".to_string(), challenge);
    response.headers.push(header);
    response
}

/// `GET /me`: who am I?
fn get_me(request: &Request) -> Response {
    let token = bearer_token(request);
    match token.and_then(|token| verify_token(token).ok_or(AuthError::InvalidToken)) {
        Ok(user) => Response::new(200, &format!("you are {user}")),
        Err(error) => unauthorized(error),
    }
}

// not graded: a demo; the tests call the functions it calls
fn main() {
    let headers = vec![("authorization".into(), "Bearer mF_9.B5f-4.1JqM".into())];
    for request in [Request { headers }, Request { headers: vec![] }] {
        let response = get_me(&request);
        println!(
            "{} {:?} {}",
            response.status, response.headers, response.body
        );
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALICE: &str = "mF_9.B5f-4.1JqM";

    fn get(headers: &[(&str, &str)]) -> Response {
        let headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string()));
        let headers = headers.collect();
        get_me(&Request { headers })
    }

    fn assert_401(headers: &[(&str, &str)], invalid_token: bool) {
        let response = get(headers);
        let sent = format!("GET /me with headers {headers:?}");
        let status = response.status;
        let why = match invalid_token {
            true => "the credentials are not exactly `Bearer <one valid token>`",
            false => "there are no Bearer credentials",
        };
        assert_eq!(
            status, 401,
            "{sent} answered {status}, but should answer 401 (not authenticated): {why}"
        );
        let mut found = response.headers.iter();
        let Some((_, value)) = found.find(|(n, _)| n.eq_ignore_ascii_case("www-authenticate"))
        else {
            panic!("{sent} answered 401 without WWW-Authenticate: a 401 must have one");
        };
        let scheme = value.split(' ').next().unwrap_or_default();
        let ok = scheme.eq_ignore_ascii_case("Bearer") && value.contains(r#"realm="notes""#);
        let why = format!("WWW-Authenticate: {value} should be Bearer realm=\"notes\"...");
        assert!(ok, "{sent}: {why}");
        let says_invalid = value.contains(r#"error="invalid_token""#);
        let should = ["should not", "should"][usize::from(invalid_token)];
        let why = format!("WWW-Authenticate: {value} {should} say error=\"invalid_token\"");
        assert_eq!(says_invalid, invalid_token, "{sent}: {why}");
    }

    #[test]
    fn a_valid_bearer_token_is_200() {
        let bob = "2YotnFZFEjr1zCsicMWpAA==";
        for (name, value, user) in [
            ("Authorization", format!("Bearer {ALICE}"), "alice"),
            ("authorization", format!("bearer {ALICE}"), "alice"),
            ("AUTHORIZATION", format!("BEARER {bob}"), "bob"),
        ] {
            let response = get(&[("Accept", "*/*"), (name, &value)]);
            let want = (200, format!("you are {user}"));
            let why = "header name and scheme are case-insensitive, the token is not";
            let sent = format!("GET /me with `{name}: {value}`");
            assert_eq!((response.status, response.body), want, "{sent}; {why}");
        }
    }

    #[test]
    fn bearer_token_takes_the_whole_rest_of_the_value() {
        let cases = [
            ("Bearer mF_9.B5f-4.1JqM", Ok(ALICE), "one space"),
            (
                "Bearer   mF_9.B5f-4.1JqM",
                Ok(ALICE),
                "1*SP: one or more spaces",
            ),
            (
                "Bearer tok@en",
                Err(AuthError::InvalidToken),
                "@ is not in b64token",
            ),
            (
                "Bearer a=b",
                Err(AuthError::InvalidToken),
                "= may only end a b64token",
            ),
            (
                "Bearer mF_9 B5f",
                Err(AuthError::InvalidToken),
                "a token has no spaces",
            ),
            (
                "Basic YWxpY2U6aHVudGVyMg==",
                Err(AuthError::Missing),
                "Basic is not Bearer",
            ),
            (
                "BearermF_9.B5f-4.1JqM",
                Err(AuthError::Missing),
                "the scheme is not Bearer",
            ),
        ];
        for (value, want, why) in cases {
            let headers = vec![("Authorization".to_string(), value.to_string())];
            let request = Request { headers };
            let got = bearer_token(&request);
            let sent = format!("bearer_token for `Authorization: {value}`");
            assert_eq!(got, want, "{sent} gave the left value: {why}");
        }
    }

    #[test]
    fn nothing_after_the_token_is_ignored() {
        for value in [
            format!("Bearer {ALICE} extra"),
            format!("Bearer {ALICE},"),
            format!("Bearer {ALICE} {ALICE}"),
        ] {
            assert_401(&[("Authorization", &value)], true);
        }
    }

    #[test]
    fn no_bearer_token_is_401_without_an_error_code() {
        assert_401(&[], false);
        assert_401(&[("X-Api-Token", ALICE)], false);
        assert_401(&[("Authorization", "Basic YWxpY2U6aHVudGVyMg==")], false);
        assert_401(&[("Authorization", &format!("Bearer{ALICE}"))], false);
    }

    #[test]
    fn an_unknown_token_is_401_invalid_token() {
        assert_401(&[("Authorization", "Bearer mF_9.B5f-4.1JqX")], true);
        assert_401(&[("Authorization", "Bearer expired-or-forged")], true);
    }

    #[test]
    fn a_malformed_bearer_header_is_401_invalid_token() {
        let malformed = [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer tok@en",
            "Bearer =a",
        ];
        for value in malformed {
            assert_401(&[("Authorization", value)], true);
        }
    }

    /// The rules of the lesson, written out: the first Authorization field
    /// (name in any ASCII case), the scheme `Bearer` in any ASCII case, one or
    /// more SP, then a whole b64token to the end of the value.
    fn oracle(headers: &[(String, String)]) -> Result<String, AuthError> {
        let (_, value) = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .ok_or(AuthError::Missing)?;
        let (scheme, rest) = match value.find(' ') {
            Some(i) => (&value[..i], &value[i + 1..]),
            None => (value.as_str(), ""),
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Missing);
        }
        let token = rest.trim_start_matches(' ');
        let body = token.trim_end_matches('=');
        let ok = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
        match !body.is_empty() && body.chars().all(ok) {
            true => Ok(token.to_string()),
            false => Err(AuthError::InvalidToken),
        }
    }

    fn scheme() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => crate::generated::any_case("bearer"),
            1 => proptest::sample::select(vec!["Basic", "Bearer:", "Bearerx", "B\u{435}arer", "Token", ""])
                .prop_map(String::from),
        ]
    }

    fn separator() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => Just(" ".to_string()),
            2 => Just("   ".to_string()),
            1 => Just("\t".to_string()),
            1 => Just(String::new()),
            1 => proptest::sample::select(crate::generated::UNICODE_SPACES.to_vec()).prop_map(String::from),
        ]
    }

    fn token() -> impl Strategy<Value = String> {
        let b64 = "[A-Za-z0-9._~+/-]{1,12}={0,2}";
        prop_oneof![
            6 => b64.prop_map(String::from),
            1 => (b64, crate::generated::tricky_char()).prop_map(|(t, c)| format!("{t}{c}")),
            1 => (crate::generated::tricky_char(), b64).prop_map(|(c, t)| format!("{c}{t}")),
            1 => Just("=".to_string()),
            1 => (b64, b64).prop_map(|(a, b)| format!("{a} {b}")),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn any_authorization_header_gets_the_verdict_of_the_rules(
            name in prop_oneof![6 => crate::generated::any_case("authorization"), 1 => Just("Authorisation".to_string())],
            (scheme, sep, token) in (scheme(), separator(), token()),
            trailing in prop_oneof![6 => Just(""), 1 => Just(" "), 1 => Just("\t")],
        ) {
            let value = format!("{scheme}{sep}{token}{trailing}");
            let headers = vec![("Accept".to_string(), "*/*".to_string()), (name, value)];
            let want = oracle(&headers);
            let got = bearer_token(&Request { headers: headers.clone() }).map(str::to_string);
            prop_assert_eq!(
                &got, &want,
                "bearer_token with the headers {:?} gave the left, but should give the right: \
                 the header name and the scheme `Bearer` in any ASCII case (RFC 9110 §11.1), \
                 then one or more spaces (not tabs, not Unicode spaces), then a whole b64token \
                 to the end of the value (RFC 6750 §2.1); no credentials or another scheme is \
                 Missing, a bad token InvalidToken",
                headers
            );
        }
    }
}
