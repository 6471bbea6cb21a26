//! # CORS and security headers
//!
//! A browser lets a page read a response from another origin (scheme, host and
//! port: `https://app.example.com` is not `http://app.example.com`, nor
//! `https://app.example.com:8443`) only if the response says so. That is CORS,
//! the Fetch standard's "CORS protocol":
//! - The browser sends `Origin: https://app.example.com` (the serialized origin:
//!   lowercase host, no default port, no path). If it is on your allow-list, answer
//!   `Access-Control-Allow-Origin` with that exact origin, and
//!   `Access-Control-Allow-Credentials: true` if cookies or `Authorization` may be
//!   sent. Never `*` with credentials (browsers refuse it), and never echo an
//!   origin you did not check. Compare the whole string, byte for byte, as the
//!   browser's check does: `starts_with` lets `https://app.example.com.evil.com`
//!   in, and `null` (sandboxed pages, files) is never a friend.
//! - A "non-simple" request (a `DELETE`, a JSON body, an `Authorization` header)
//!   is first *preflighted*: `OPTIONS` with `Access-Control-Request-Method` and
//!   `Access-Control-Request-Headers` (a comma-separated list of header names, any
//!   case). Allowed: `204 No Content` with `Access-Control-Allow-Methods`,
//!   `-Allow-Headers` and `-Max-Age` (how long the browser may cache the answer).
//! - A response whose headers depend on `Origin` must say `Vary: Origin`, on the
//!   allowed path *and* the refused one, or a cache in between serves one origin's
//!   answer to another.
//!
//! CORS relaxes the browser's same-origin policy; it does not protect your
//! server (curl sends any `Origin`). Authentication does that.
//!
//! Every response of an API, errors included, should also carry (OWASP HTTP Headers
//! Cheat Sheet): `X-Content-Type-Options: nosniff` (do not guess a content type),
//! `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` (a JSON API
//! loads nothing and is framed by no one), `Referrer-Policy: no-referrer`, and
//! `Cache-Control: no-store` (private data stays out of caches).
//!
//! Read more: https://fetch.spec.whatwg.org/#http-cors-protocol,
//! https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::{Path, Request},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{delete, get},
};
use serde::Deserialize;
use serde_json::{Value, json};

const ALLOWED_ORIGINS: [&str; 2] = ["https://app.example.com", "http://localhost:3000"];
const ALLOWED_METHODS: [&str; 3] = ["GET", "POST", "DELETE"];
/// Lowercase: header names ignore case.
const ALLOWED_HEADERS: [&str; 2] = ["content-type", "authorization"];
const MAX_AGE_SECONDS: &str = "600";

#[derive(Deserialize)]
struct NewNote {
    text: String,
}

async fn list_notes() -> Json<Value> {
    Json(json!([{"id": 1, "text": "buy milk"}]))
}

async fn create_note(Json(note): Json<NewNote>) -> (StatusCode, Json<Value>) {
    (
        StatusCode::CREATED,
        Json(json!({"id": 2, "text": note.text})),
    )
}

async fn delete_note(Path(id): Path<u64>) -> StatusCode {
    if id == 1 {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

/// The value of header `name` as text, if it is there and is text.
fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Is `origin` on the allow-list?
fn is_allowed_origin(origin: &str) -> bool {
    ALLOWED_ORIGINS.contains(&origin)
}

/// Answers a preflight request (its `Origin` and `Access-Control-Request-Method` are there).
fn preflight(headers: &HeaderMap) -> Response {
    let origin = header_str(headers, "origin").unwrap_or("");
    let method = header_str(headers, "access-control-request-method").unwrap_or("");
    // Absent is no header asked for; a value that is not text names none we allow.
    let requested = headers.get("access-control-request-headers");
    let requested = requested.map_or(Some(""), |value| value.to_str().ok());
    let Some(requested) = requested else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let headers_ok = requested
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .all(|name| ALLOWED_HEADERS.contains(&name.as_str()));
    if !is_allowed_origin(origin) || !ALLOWED_METHODS.contains(&method) || !headers_ok {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    let allow = |value: &str| HeaderValue::from_str(value).unwrap();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow(origin));
    out.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, allow("true"));
    let methods = allow(&ALLOWED_METHODS.join(", "));
    out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
    let headers = allow(&ALLOWED_HEADERS.join(", "));
    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, headers);
    out.insert(header::ACCESS_CONTROL_MAX_AGE, allow(MAX_AGE_SECONDS));
    response
}

/// The CORS middleware: answers preflights, and tells the browser who may read responses.
async fn cors(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let origin = header_str(headers, "origin").map(str::to_string);
    let is_preflight = request.method() == Method::OPTIONS
        && origin.is_some()
        && headers.contains_key("access-control-request-method");
    let mut response = if is_preflight {
        preflight(headers)
    } else {
        next.run(request).await
    };
    let out = response.headers_mut();
    out.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin.filter(|origin| is_allowed_origin(origin)) {
        if !is_preflight {
            let origin = HeaderValue::from_str(&origin).unwrap();
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            let credentials = HeaderValue::from_static("true");
            out.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, credentials);
        }
    }
    response
}

/// Adds the security headers to every response.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    let nosniff = HeaderValue::from_static("nosniff");
    out.insert(header::X_CONTENT_TYPE_OPTIONS, nosniff);
    let policy = HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");
    out.insert(header::CONTENT_SECURITY_POLICY, policy);
    out.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn app() -> Router {
    Router::new()
        .route("/notes", get(list_notes).post(create_note))
        .route("/notes/{id}", delete(delete_note))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn(security_headers))
}

// not graded: binds port 3000 and serves for ever; the tests call `app`
#[tokio::main]
async fn main() {
    // Try: curl -i -X OPTIONS -H 'Origin: https://app.example.com' \
    //   -H 'Access-Control-Request-Method: DELETE' http://127.0.0.1:3000/notes/1
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app()).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{LOOK_ALIKES, UNICODE_SPACES, any_case};
    use axum::body::{Body, to_bytes};
    use proptest::prelude::*;
    use tower::ServiceExt;

    const APP: &str = "https://app.example.com";

    struct Reply {
        sent: String,
        status: u16,
        headers: HeaderMap,
    }

    impl Reply {
        /// Every value of header `name`, joined by ", ".
        fn header(&self, name: &str) -> Option<String> {
            let values: Vec<&str> = self
                .headers
                .get_all(name)
                .iter()
                .map(|value| value.to_str().unwrap_or("<not text>"))
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        }

        fn expect_header(&self, name: &str, want: Option<&str>, why: &str) {
            let got = self.header(name);
            assert_eq!(
                got.as_deref(),
                want,
                "{} answered {} with {name}: {got:?}, expected {want:?}: {why}",
                self.sent,
                self.status
            );
        }

        fn expect_vary_origin(&self, why: &str) {
            let vary = self.header("vary").unwrap_or_default();
            let has = vary
                .split(',')
                .any(|v| v.trim().eq_ignore_ascii_case("origin"));
            assert!(
                has,
                "{} answered {} with Vary: {vary:?}; it needs `Vary: Origin`: {why}",
                self.sent, self.status
            );
        }

        fn expect_no_cors(&self, why: &str) {
            for name in [
                "access-control-allow-origin",
                "access-control-allow-credentials",
            ] {
                self.expect_header(name, None, why);
            }
            self.expect_header("access-control-allow-methods", None, why);
        }
    }

    async fn send(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        let response = app().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let _ = to_bytes(body, 1 << 20).await.unwrap();
        let sent = format!("{method} {uri} with {headers:?}");
        let status = parts.status.as_u16();
        let headers = parts.headers;
        Reply {
            sent,
            status,
            headers,
        }
    }

    #[tokio::test]
    async fn an_allowed_origin_is_echoed_with_credentials() {
        for origin in ALLOWED_ORIGINS {
            let reply = send("GET", "/notes", &[("Origin", origin)], "").await;
            assert_eq!(reply.status, 200, "{}: the notes", reply.sent);
            let why = "an allowed origin is echoed exactly (never `*`: browsers refuse `*` \
                       with credentials)";
            reply.expect_header("access-control-allow-origin", Some(origin), why);
            let why = "the page sends cookies or Authorization: say so";
            reply.expect_header("access-control-allow-credentials", Some("true"), why);
            reply.expect_vary_origin("the answer depends on Origin");
        }
    }

    #[tokio::test]
    async fn origins_are_compared_exactly() {
        let cases = [
            (
                "https://app.example.com.evil.com",
                "a prefix is not the origin",
            ),
            ("https://evilapp.example.com", "a suffix is not the origin"),
            ("http://app.example.com", "another scheme is another origin"),
            (
                "https://app.example.com:8443",
                "another port is another origin",
            ),
            (
                "https://APP.EXAMPLE.COM",
                "browsers send the host in lowercase; compare bytes",
            ),
            ("https://app.example.com/", "an origin has no path"),
            ("null", "`null` (sandboxed pages, files) is never allowed"),
            ("", "an empty Origin"),
        ];
        for (origin, what) in cases {
            let reply = send("GET", "/notes", &[("Origin", origin)], "").await;
            let why =
                format!("Origin {origin:?} is not on the allow-list ({what}): no CORS headers");
            reply.expect_no_cors(&why);
            let why = "the headers were chosen by Origin: a cache must not give this answer to an \
                       allowed origin (Vary on the refused path too)";
            reply.expect_vary_origin(why);
        }
    }

    #[tokio::test]
    async fn without_origin_there_are_no_cors_headers_but_vary() {
        let reply = send("GET", "/notes", &[], "").await;
        assert_eq!(reply.status, 200, "{}: the notes", reply.sent);
        reply.expect_no_cors("no Origin (curl, a server, the same origin): no CORS headers");
        reply.expect_vary_origin("with an Origin, the answer would differ");
    }

    #[tokio::test]
    async fn an_allowed_preflight_is_204_with_the_allowed_lists() {
        let cases = [
            ("DELETE", "authorization"),
            ("POST", "content-type,authorization"),
            ("POST", "Content-Type, Authorization"),
            ("GET", ""),
        ];
        for (method, requested) in cases {
            let mut headers = vec![("Origin", APP), ("Access-Control-Request-Method", method)];
            if !requested.is_empty() {
                headers.push(("Access-Control-Request-Headers", requested));
            }
            let reply = send("OPTIONS", "/notes/1", &headers, "").await;
            assert_eq!(
                reply.status, 204,
                "{} answered {}: a preflight for an allowed method, headers (header names ignore \
                 case) and origin is 204 No Content",
                reply.sent, reply.status
            );
            let exact = "a preflight answer names the allowed origin exactly";
            reply.expect_header("access-control-allow-origin", Some(APP), exact);
            reply.expect_header("access-control-allow-credentials", Some("true"), exact);
            let why = "the allowed methods, exactly";
            reply.expect_header(
                "access-control-allow-methods",
                Some("GET, POST, DELETE"),
                why,
            );
            let why = "the allowed request headers, exactly";
            let allowed = Some("content-type, authorization");
            reply.expect_header("access-control-allow-headers", allowed, why);
            let why = "how long the browser may cache this answer";
            reply.expect_header("access-control-max-age", Some("600"), why);
            reply.expect_vary_origin("the preflight answer depends on Origin");
        }
    }

    #[tokio::test]
    async fn a_refused_preflight_is_403_without_cors_headers() {
        let cases = [
            (
                "https://app.example.com.evil.com",
                "DELETE",
                "",
                "the origin is not allowed",
            ),
            (APP, "PUT", "", "PUT is not an allowed method"),
            (
                APP,
                "POST",
                "content-type, x-admin",
                "x-admin is not an allowed header",
            ),
            (APP, "POST", "x-admin", "x-admin is not an allowed header"),
        ];
        for (origin, method, requested, what) in cases {
            let mut headers = vec![
                ("Origin", origin),
                ("Access-Control-Request-Method", method),
            ];
            if !requested.is_empty() {
                headers.push(("Access-Control-Request-Headers", requested));
            }
            let reply = send("OPTIONS", "/notes/1", &headers, "").await;
            let why = format!("{what}: refuse the preflight with 403");
            assert_eq!(
                reply.status, 403,
                "{} answered {}: {why}",
                reply.sent, reply.status
            );
            reply.expect_no_cors(&format!("{what}: a refusal allows nothing"));
            reply.expect_vary_origin("the refusal depends on Origin too");
        }
    }

    #[tokio::test]
    async fn options_without_request_method_is_not_a_preflight() {
        let reply = send("OPTIONS", "/notes", &[("Origin", APP)], "").await;
        let why = "an OPTIONS without Access-Control-Request-Method is not a preflight: it goes \
                   to the router (which allows no OPTIONS on /notes)";
        assert_eq!(
            reply.status, 405,
            "{} answered {}: {why}",
            reply.sent, reply.status
        );
        reply.expect_header("access-control-allow-methods", None, why);
    }

    #[tokio::test]
    async fn every_response_carries_the_security_headers() {
        let preflight = [("Origin", APP), ("Access-Control-Request-Method", "DELETE")];
        let refused = [("Origin", APP), ("Access-Control-Request-Method", "PUT")];
        let json = [("Content-Type", "application/json")];
        let cases: [(&str, &str, &[(&str, &str)], &str, &str, u16); 8] = [
            ("GET", "/notes", &[("Origin", APP)], "", "200", 200),
            ("POST", "/notes", &json, r#"{"text": "hi"}"#, "201", 201),
            ("DELETE", "/notes/1", &[], "", "204", 204),
            ("DELETE", "/notes/9", &[], "", "a 404 from the handler", 404),
            ("GET", "/nope", &[], "", "a 404 for an unknown path", 404),
            (
                "POST",
                "/notes",
                &json,
                "{not json",
                "a 400 for a body that is not JSON",
                400,
            ),
            ("OPTIONS", "/notes/1", &preflight, "", "a preflight", 204),
            (
                "OPTIONS",
                "/notes/1",
                &refused,
                "",
                "a refused preflight",
                403,
            ),
        ];
        for (method, uri, headers, body, what, status) in cases {
            let reply = send(method, uri, headers, body).await;
            assert_eq!(
                reply.status, status,
                "{} answered {}, expected {status} ({what}): the middleware must leave the \
                 routes' own answers as they are",
                reply.sent, reply.status
            );
            let why = format!("every response, {what} included (OWASP HTTP Headers Cheat Sheet)");
            reply.expect_header("x-content-type-options", Some("nosniff"), &why);
            let policy = Some("default-src 'none'; frame-ancestors 'none'");
            reply.expect_header("content-security-policy", policy, &why);
            reply.expect_header("referrer-policy", Some("no-referrer"), &why);
            reply.expect_header("cache-control", Some("no-store"), &why);
        }
    }

    /// Sends a request whose header values may hold any bytes a client can send.
    fn send_raw(method: &str, uri: &str, headers: &[(&str, String)]) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, HeaderValue::from_bytes(value.as_bytes()).unwrap());
        }
        let request = request.body(Body::empty()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let response = runtime.block_on(app().oneshot(request)).unwrap();
        let sent = format!("{method} {uri} with {headers:?}");
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        Reply {
            sent,
            status,
            headers,
        }
    }

    /// An allowed origin, or one a character away from it: a letter in another case, a
    /// look-alike or a Unicode space in its place, a character added or removed, a prefix
    /// or a suffix.
    fn origin() -> impl Strategy<Value = String> {
        let allowed = prop::sample::select(ALLOWED_ORIGINS.to_vec());
        let odd = prop_oneof![
            proptest::char::range('a', 'z'),
            Just('.'),
            Just('/'),
            Just(':'),
            Just(' '),
            prop::sample::select(LOOK_ALIKES.to_vec()),
            prop::sample::select(UNICODE_SPACES.to_vec()),
        ];
        let near = (allowed.clone(), any::<prop::sample::Index>(), odd, 0..5u8).prop_map(
            |(origin, at, odd, how)| {
                let mut chars: Vec<char> = origin.chars().collect();
                let at = at.index(chars.len());
                match how {
                    0 => chars[at] = chars[at].to_ascii_uppercase(),
                    1 => chars[at] = odd,
                    2 => chars.insert(at, odd),
                    3 => drop(chars.remove(at)),
                    _ => chars.push(odd),
                }
                chars.into_iter().collect::<String>()
            },
        );
        let space = prop::sample::select(UNICODE_SPACES.to_vec());
        let padded =
            (allowed.clone(), space, any::<bool>()).prop_map(|(origin, space, end)| match end {
                true => format!("{origin}{space}"),
                false => format!("{space}{origin}"),
            });
        prop_oneof![
            2 => allowed.prop_map(str::to_string),
            4 => near,
            1 => padded,
            1 => any_case("https://app.example.com"),
            1 => Just("null".to_string()),
        ]
        .prop_filter("a header value has no control characters", |o| {
            o.bytes().all(|b| b >= 0x20 && b != 0x7f)
        })
        // HTTP strips spaces and tabs around a field value before anyone reads it.
        .prop_filter("no white space around a field value", |o| {
            o.trim_matches([' ', '\t']) == o
        })
    }

    /// A list of header names as a browser might send it, or a list with a stranger in it.
    fn requested_headers() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            3 => any_case("content-type"),
            3 => any_case("authorization"),
            1 => Just("x-admin".to_string()),
            1 => Just("content-typ".to_string()),
            1 => Just("authorization2".to_string()),
            1 => Just("c\u{43e}ntent-type".to_string()),
            1 => Just(String::new()),
        ];
        let element = ("[ \t]{0,2}", name, "[ \t]{0,2}").prop_map(|(a, n, b)| format!("{a}{n}{b}"));
        prop::collection::vec(element, 0..4).prop_map(|names| names.join(","))
    }

    proptest! {
        #![proptest_config(crate::generated::config(96))]

        #[test]
        fn only_an_allowed_origin_byte_for_byte_is_echoed(origin in origin()) {
            let reply = send_raw("GET", "/notes", &[("Origin", origin.clone())]);
            let allowed = ALLOWED_ORIGINS.contains(&origin.as_str());
            let (want_origin, want_credentials) = match allowed {
                true => (Some(origin.as_str()), Some("true")),
                false => (None, None),
            };
            let got = (
                reply.header("access-control-allow-origin"),
                reply.header("access-control-allow-credentials"),
            );
            prop_assert_eq!(
                (got.0.as_deref(), got.1.as_deref()),
                (want_origin, want_credentials),
                "{} answered the left (Access-Control-Allow-Origin, -Allow-Credentials), \
                 expected the right: {}",
                reply.sent,
                if allowed {
                    "the origin is on the allow-list: echo it exactly, with credentials"
                } else {
                    "the origin is not on the allow-list, byte for byte (case, look-alikes, \
                     spaces, a character more or less all make another origin): no CORS headers"
                }
            );
            let vary = reply.header("vary").unwrap_or_default();
            prop_assert!(
                vary.split(',').any(|v| v.trim().eq_ignore_ascii_case("origin")),
                "{} answered with Vary: {:?}; every answer chosen by Origin needs `Vary: Origin`",
                reply.sent,
                vary
            );
        }

        #[test]
        fn a_preflight_is_judged_on_origin_method_and_every_header(
            origin in origin(),
            method in prop::sample::select(vec![
                "GET", "POST", "DELETE", "DELETE", "PUT", "PATCH", "get", "Post", "OPTIONS",
            ]),
            requested in prop::option::of(requested_headers()),
        ) {
            let mut headers = vec![
                ("Origin", origin.clone()),
                ("Access-Control-Request-Method", method.to_string()),
            ];
            if let Some(requested) = &requested {
                headers.push(("Access-Control-Request-Headers", requested.clone()));
            }
            let reply = send_raw("OPTIONS", "/notes/1", &headers);
            let names_ok = requested.iter().flat_map(|r| r.split(',')).all(|name| {
                let name = name.trim_matches([' ', '\t']).to_ascii_lowercase();
                name.is_empty() || ALLOWED_HEADERS.contains(&name.as_str())
            });
            let allowed = ALLOWED_ORIGINS.contains(&origin.as_str())
                && ALLOWED_METHODS.contains(&method)
                && names_ok;
            let mut got = (reply.status, reply.header("access-control-allow-origin"));
            if !origin.is_ascii() && got == (405, None) {
                got.0 = 403; // an Origin that is not text may count as none: not a preflight
            }
            let want = match allowed {
                true => (204, Some(origin.clone())),
                false => (403, None),
            };
            prop_assert_eq!(
                got,
                want,
                "{} answered the left (status, Access-Control-Allow-Origin), expected the \
                 right: a preflight is allowed only if the origin is on the allow-list byte for \
                 byte, the method is one of {:?} (methods are case-sensitive) and every \
                 requested header name is one of {:?} (names in any case, spaces and empty list \
                 elements do not count)",
                reply.sent,
                ALLOWED_METHODS,
                ALLOWED_HEADERS
            );
        }
    }
}
