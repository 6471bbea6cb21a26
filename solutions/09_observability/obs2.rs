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
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    info!(method, path, headers = ?RedactedHeaders(headers), "request received");
}

// not graded: prints demo log lines to stdout; the tests capture `json_subscriber` output
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{any_case, tricky_text};
    use proptest::prelude::*;
    use serde_json::Value;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// Runs `work` with `json_subscriber`; answers everything it wrote.
    fn capture(work: impl FnOnce()) -> String {
        let captured = Captured::default();
        tracing::subscriber::with_default(json_subscriber(captured.clone()), work);
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    /// Each line parsed as one JSON object.
    fn parse(output: &str) -> Vec<Value> {
        let lines = output.lines().map(|line| {
            let value: Value = serde_json::from_str(line).unwrap_or_else(|_| {
                panic!("each log line should be one JSON object, but a line was {line:?}")
            });
            assert!(value.is_object(), "a log line should be an object: {line}");
            value
        });
        lines.collect()
    }

    const PASSWORD: &str = "hunter2-PASSWORD-x9";
    const SECRETS: [&str; 6] = [
        PASSWORD,
        "eyJ-BEARER-t0ken",
        "cHJveHk6UFJPWFk",
        "c00kie-S3SSION",
        "key-APIKEY-42",
        "reset-T0KEN-77",
    ];

    fn ada(password: &str) -> LoginAttempt {
        LoginAttempt {
            user: "ada".into(),
            password: password.into(),
        }
    }

    /// A day in the life of the service: two logins, two requests, a debug event.
    fn scenario() {
        log_login(&ada(PASSWORD), false);
        log_login(&ada(PASSWORD), true);
        let headers = [
            ("Host", "api.example.com"),
            ("AUTHORIZATION", "Bearer eyJ-BEARER-t0ken"),
            ("proxy-Authorization", "Basic cHJveHk6UFJPWFk="),
            ("User-Agent", "curl/8.5.0"),
            ("Cookie", "theme=dark"),
            ("cookie", "session=c00kie-S3SSION"),
            ("X-API-Key", "key-APIKEY-42"),
        ];
        log_request("GET", "/password/reset?token=reset-T0KEN-77&x=1", &headers);
        tracing::debug!(detail = "noisy", "cache lookup");
    }

    #[test]
    fn each_line_is_a_flat_json_object() {
        let events = parse(&capture(scenario));
        assert_eq!(
            events.len(),
            3,
            "the scenario logs 2 login attempts, 1 request and 1 DEBUG event; the DEBUG \
             event is below INFO and should not be written, so 3 lines are expected"
        );
        // The crate's name: the target of the events logged by its functions.
        let target = module_path!().split("::").next().unwrap();
        for event in &events {
            assert!(
                event.get("fields").is_none(),
                "the event's fields should be at the top level of the object (flatten \
                 them), not nested under \"fields\": {event}"
            );
            for key in ["timestamp", "level", "target", "message"] {
                assert!(
                    event[key].is_string(),
                    "every line should have a string {key:?} at the top level, but a line was \
                     {event}"
                );
            }
            let time = event["timestamp"].as_str().unwrap();
            assert!(
                time.len() > 19 && time.as_bytes()[10] == b'T' && time.ends_with('Z'),
                "the timestamp should be RFC 3339 in UTC, like 2026-05-01T12:00:00.123Z, \
                 but was {time:?}"
            );
            assert_eq!(
                event["target"], target,
                "the target is the module that logged"
            );
        }
    }

    #[test]
    fn login_attempts_name_the_user_and_the_outcome() {
        let events = parse(&capture(scenario));
        for (event, level, outcome) in [
            (&events[0], "WARN", "failure"),
            (&events[1], "INFO", "success"),
        ] {
            assert_eq!(event["message"], "login attempt", "the message of {event}");
            assert_eq!(
                (&event["user"], &event["outcome"], &event["level"]),
                (
                    &Value::from("ada"),
                    &Value::from(outcome),
                    &Value::from(level)
                ),
                "a login {outcome} should be logged at {level} with the fields user=\"ada\" \
                 and outcome={outcome:?}, but the line was {event}"
            );
        }
    }

    #[test]
    fn requests_are_logged_without_query_and_with_headers_redacted() {
        let events = parse(&capture(scenario));
        let request = &events[2];
        assert_eq!(
            (&request["message"], &request["level"], &request["method"]),
            (
                &Value::from("request received"),
                &Value::from("INFO"),
                &Value::from("GET")
            ),
            "a request should be logged at INFO as \"request received\" with method=\"GET\", \
             but the line was {request}"
        );
        assert_eq!(
            request["path"], "/password/reset",
            "the path should be logged without the query string (it can carry tokens)"
        );
        let headers = r#"{"Host": "api.example.com", "AUTHORIZATION": "[redacted]", "proxy-Authorization": "[redacted]", "User-Agent": "curl/8.5.0", "Cookie": "[redacted]", "cookie": "[redacted]", "X-API-Key": "[redacted]"}"#;
        assert_eq!(
            request["headers"], headers,
            "the headers field should keep every header in order with its name as \
             received, and show \"[redacted]\" for the value of each sensitive header: \
             header names are case-insensitive, so AUTHORIZATION and cookie are sensitive too"
        );
    }

    #[test]
    fn no_secret_appears_in_any_line() {
        let output = capture(scenario);
        for secret in SECRETS {
            let line = output.lines().find(|line| line.contains(secret));
            assert!(
                line.is_none(),
                "the secret {secret:?} appears in the log: {}",
                line.unwrap_or_default()
            );
        }
    }

    #[test]
    fn debug_of_a_login_attempt_hides_the_password() {
        let shown = format!("{:?}", ada(PASSWORD));
        assert!(
            !shown.contains(PASSWORD) && !shown.contains("hunter2"),
            "{{:?}} of a LoginAttempt shows the password: {shown}. One `?attempt` in a \
             log call would leak it: write Debug by hand"
        );
        assert_eq!(
            shown, r#"LoginAttempt { user: "ada", password: "[redacted]" }"#,
            "{{:?}} should still show the user, and \"[redacted]\" for the password"
        );
    }

    /// What `RedactedHeaders` should show, written again as the oracle.
    struct Expected(Vec<(String, String, bool)>);

    impl fmt::Debug for Expected {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let mut map = f.debug_map();
            for (name, value, sensitive) in &self.0 {
                let value = if *sensitive { "[redacted]" } else { value };
                map.entry(name, &value);
            }
            map.finish()
        }
    }

    /// A header: a sensitive one (name in any case, a secret value) or an
    /// ordinary one, with any text as its value.
    fn header() -> impl Strategy<Value = (String, String, bool)> {
        let sensitive = proptest::sample::select(SENSITIVE.to_vec())
            .prop_flat_map(any_case)
            .prop_flat_map(|name| {
                (Just(name), tricky_text(0, 8))
                    .prop_map(|(name, text)| (name, format!("SECRET-{text}-x9"), true))
            });
        let ordinary = proptest::sample::select(vec![
            "Host",
            "User-Agent",
            "accept",
            "X-Request-Id",
            "Content-Type",
        ])
        .prop_flat_map(|name| (Just(name.to_string()), tricky_text(0, 8), Just(false)));
        prop_oneof![sensitive, ordinary]
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Any headers in any order and case, any query: the headers field shows
        /// each in order, names as received, sensitive values redacted; the path
        /// has no query; no secret value appears anywhere.
        #[test]
        fn no_secret_is_logged_whatever_the_request(
            headers in proptest::collection::vec(header(), 0..8),
            path in "/[a-z]{1,8}(/[a-z0-9]{1,4})?",
            query in proptest::option::of(tricky_text(0, 8)),
        ) {
            let target = match &query {
                Some(query) => format!("{path}?token=SECRET-{query}-x9?again"),
                None => path.clone(),
            };
            let pairs: Vec<(&str, &str)> =
                headers.iter().map(|(n, v, _)| (n.as_str(), v.as_str())).collect();
            let output = capture(|| log_request("POST", &target, &pairs));
            let events = parse(&output);
            prop_assert_eq!(events.len(), 1, "log_request should log one line");
            let event = &events[0];
            prop_assert_eq!(
                &event["path"],
                &Value::from(path.as_str()),
                "log_request(\"POST\", {:?}, ..) logged the path {}: the path is the target up \
                 to the first '?', the query (which can carry tokens) left out",
                target, event["path"]
            );
            let want = format!("{:?}", Expected(headers.clone()));
            prop_assert_eq!(
                &event["headers"],
                &Value::from(want.as_str()),
                "with the headers {:?}, the headers field should keep every header in order \
                 with its name as received, and show \"[redacted]\" for the value of each \
                 sensitive header (names are case-insensitive)",
                pairs
            );
            for line in output.lines() {
                prop_assert!(
                    !line.contains("SECRET-"),
                    "a secret (a sensitive header's value or the query) appears in the log \
                     line {}",
                    line
                );
            }
        }

        /// Any password: `{:?}` of a LoginAttempt never shows it, and a login
        /// logged with it never writes it.
        #[test]
        fn no_password_is_shown_whatever_it_is(
            user in "[a-z]{1,8}",
            password in tricky_text(0, 12),
            success in any::<bool>(),
        ) {
            let password = format!("SECRET-{password}-x9");
            let attempt = LoginAttempt { user: user.clone(), password: password.clone() };
            let shown = format!("{attempt:?}");
            let want = format!("LoginAttempt {{ user: {user:?}, password: \"[redacted]\" }}");
            prop_assert_eq!(
                &shown,
                &want,
                "{{:?}} of a LoginAttempt should show the user and \"[redacted]\" for the \
                 password"
            );
            let output = capture(|| log_login(&attempt, success));
            prop_assert!(
                !output.contains("SECRET-"),
                "log_login wrote the password into the log: {}",
                output
            );
        }
    }
}
