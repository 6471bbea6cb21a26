// wrong: split_whitespace: tab as separator and trailing whitespace after the token are accepted
// expect: one or more spaces (not tabs, not Unicode spaces)
// expect: a whole b64token to the end of the value
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

// TODO: return the token of the request's bearer credentials, by the rules
// above: no `Authorization` header, or another scheme, is `Missing`; a
// bearer token that is empty or not a whole `b64token` is `InvalidToken`.
fn bearer_token(request: &Request) -> Result<&str, AuthError> {
    let value = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.as_str())
        .ok_or(AuthError::Missing)?;
    let mut parts = value.split_whitespace();
    let scheme = parts.next().unwrap_or("");
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = parts.next().unwrap_or("");
    // `Bearer abc def`: something after the token is malformed
    if parts.next().is_some() || !is_b64token(token) {
        return Err(AuthError::InvalidToken);
    }
    Ok(token)
}

// TODO: a 401 must say how to authenticate: answer 401 with the
// `WWW-Authenticate` challenge the lesson gives for each error.
fn unauthorized(error: AuthError) -> Response {
    let challenge = match error {
        AuthError::Missing => format!("Bearer realm=\"{REALM}\""),
        AuthError::InvalidToken => format!("Bearer realm=\"{REALM}\", error=\"invalid_token\""),
    };
    let mut response = Response::new(401, "unauthorized");
    response
        .headers
        .push(("WWW-Authenticate".to_string(), challenge));
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
