// wrong: cuts the target at its last '?', so a query holding a '?' is logged in part
// expect: the path is the target up to the first '?'
//! # Structured logs, and what never goes into them
//!
//! Logs are read by programs before people: a log pipeline (Loki,
//! Elasticsearch, CloudWatch) searches and counts them. Lines like
//! `login failed for ada` must be parsed with fragile regexes; a **structured**
//! line is one JSON object with named fields:
//!
//! ```text
//! {"timestamp":"2026-05-01T12:00:00.123Z","level":"WARN","target":"obs2",
//!  "message":"login attempt","user":"ada","outcome":"failure"}
//! ```
//!
//! `tracing_subscriber::fmt()` builds such a subscriber: `.json()` writes
//! JSON, `.flatten_event(true)` puts the event's fields (and its `message`)
//! at the top level instead of under `"fields"`, `.with_writer(...)` says
//! where lines go, and `.with_max_level(...)` which levels are kept.
//!
//! Logs are copied to many systems and read by many people, so they must
//! never contain secrets: passwords, tokens, session cookies, API keys
//! (OWASP Logging Cheat Sheet, "data to exclude"). They leak in quiet ways:
//! a `#[derive(Debug)]` on a struct with a password, logged with `?attempt`;
//! a request's headers logged as they came, `Authorization` included; a URL
//! with `?token=...` in its query. Header names are case-insensitive (RFC
//! 9110, section 5.1): `AUTHORIZATION` is the same header as `authorization`.
//!
//! Read more: https://docs.rs/tracing-subscriber/0.3/tracing_subscriber/fmt/index.html,
//! https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html

use std::fmt;
use tracing::{Level, info, warn};
use tracing_subscriber::fmt::MakeWriter;

/// This service's subscriber: one JSON object a line, with "timestamp",
/// "level", "target", "message" and the event's own fields all at the top
/// level of the object; events at INFO and above, nothing below.
fn json_subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_max_level(Level::INFO)
        .with_writer(writer)
        .finish()
}

struct LoginAttempt {
    user: String,
    #[allow(dead_code)] // checked by the login handler, which is not part of this file
    password: String,
}

/// `{:?}` shows the user but never the password: `"[redacted]"` instead.
impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("user", &self.user)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Logs "login attempt" with the fields `user` and `outcome` ("success" or
/// "failure"): at INFO on success, at WARN on failure.
fn log_login(attempt: &LoginAttempt, success: bool) {
    let user = attempt.user.as_str();
    if success {
        info!(user, outcome = "success", "login attempt");
    } else {
        warn!(user, outcome = "failure", "login attempt");
    }
}

/// The values of these headers are never logged, whatever the case of
/// their names.
const SENSITIVE: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// A request's headers as `{:?}` shows them: a map in the order received,
/// names as received, and `"[redacted]"` for each sensitive header's value.
struct RedactedHeaders<'a>(&'a [(&'a str, &'a str)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for &(name, value) in self.0 {
            let sensitive = SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(name));
            let value = if sensitive { "[redacted]" } else { value };
            map.entry(&name, &value);
        }
        map.finish()
    }
}

/// Logs "request received" at INFO with the fields `method`, `path` (the
/// target without its query string, which can carry tokens) and `headers`
/// (redacted, as `RedactedHeaders` shows them).
fn log_request(method: &str, target: &str, headers: &[(&str, &str)]) {
    let path = target.rsplit_once('?').map_or(target, |(path, _)| path);
    info!(method, path, headers = ?RedactedHeaders(headers), "request received");
}

fn main() {
    // Try it: `cargo run --bin obs2`.
    let subscriber = json_subscriber(std::io::stdout);
    tracing::subscriber::with_default(subscriber, || {
        let attempt = LoginAttempt {
            user: "ada".into(),
            password: "correct horse".into(),
        };
        log_login(&attempt, false);
        let headers = [("Host", "localhost"), ("Authorization", "Bearer abc")];
        log_request("GET", "/notes?token=abc", &headers);
    });
}
