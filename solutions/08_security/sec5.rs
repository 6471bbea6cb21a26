//! # Secrets from the environment, never in logs
//!
//! A service needs secrets: the key that signs its tokens, the database
//! password. They do not belong in the code or the repository, where everyone
//! who can read the code can read them. The usual place is the environment
//! (The Twelve-Factor App, "III. Config"), filled in by the deployment from a
//! secret store. The service reads its configuration once, at startup, and
//! refuses to start when something is missing or unusable: better a clear
//! error at deploy time than a crash at the first login. The error names the
//! variable, never its value: error messages end up in logs, terminals and bug
//! reports.
//!
//! A key must also be long enough. HMAC-SHA256 (the HS256 of JWTs) needs a
//! key at least as long as its output, 32 bytes (RFC 7518 §3.2). Bytes, not
//! characters: `é` is one character and two bytes in UTF-8.
//!
//! The most common leak is not an attacker: it is `#[derive(Debug)]` on a
//! config struct, then `tracing::info!(?config, "started")`, and the key is in
//! every log aggregator the company uses. Masking part of it (`sk-l****`) still
//! leaks: a few characters make guessing easier and identify the key. The
//! `secrecy` crate's `SecretString` prevents this by construction: its `Debug`
//! prints `[REDACTED]`, it has no `Display` and no `Serialize`, and the only
//! way to the value is `.expose_secret()`, a call you write only where the key
//! is used, and that a reviewer can find with grep.
//!
//! Read more: https://12factor.net/config,
//! https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html,
//! https://docs.rs/secrecy/0.10/secrecy/, RFC 7518 §3.2.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::collections::HashMap;
use std::fmt;

/// HS256 keys must be at least as long as the hash output (RFC 7518 §3.2).
const MIN_KEY_BYTES: usize = 32;

#[derive(Debug, PartialEq)]
enum ConfigError {
    /// The variable is not set, or set to the empty string.
    Missing(&'static str),
    /// The variable is set, but its value cannot be used: `reason` says why.
    Invalid { name: &'static str, reason: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "environment variable {name} is not set"),
            ConfigError::Invalid { name, reason } => {
                write!(f, "environment variable {name} is invalid: {reason}")
            }
        }
    }
}

/// The service's configuration. Its `Debug` output shows the port, and
/// `[REDACTED]` instead of the key.
#[derive(Debug)]
struct Config {
    port: u16,
    signing_key: SecretString,
}

/// The value of a required variable: unset and empty are both missing.
fn required<'a>(
    env: &'a HashMap<String, String>,
    name: &'static str,
) -> Result<&'a str, ConfigError> {
    match env.get(name) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(ConfigError::Missing(name)),
    }
}

impl Config {
    /// Reads `PORT` (a port number) and `SIGNING_KEY` (at least 32 bytes).
    fn from_env(env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let port = required(env, "PORT")?;
        let port = port.parse::<u16>().map_err(|_| ConfigError::Invalid {
            name: "PORT",
            reason: format!("{port:?} is not a port number (0 to 65535)"),
        })?;
        let key = required(env, "SIGNING_KEY")?;
        if key.len() < MIN_KEY_BYTES {
            let reason = format!(
                "it is {} bytes long, it must have at least {MIN_KEY_BYTES}",
                key.len()
            );
            return Err(ConfigError::Invalid {
                name: "SIGNING_KEY",
                reason,
            });
        }
        let signing_key = SecretString::from(key.to_string());
        Ok(Config { port, signing_key })
    }
}

/// Signs `message` with HMAC-SHA256, in lowercase hex: the one place that
/// needs the key itself.
fn sign(config: &Config, message: &str) -> String {
    let key = config.signing_key.expose_secret().as_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message.as_bytes());
    let tag = mac.finalize().into_bytes();
    tag.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Starts the service: reads the configuration and logs what it found.
fn start(env: &HashMap<String, String>) -> Result<Config, ConfigError> {
    match Config::from_env(env) {
        Ok(config) => {
            tracing::info!(?config, "configuration loaded");
            Ok(config)
        }
        Err(error) => {
            tracing::error!(%error, "cannot start");
            Err(error)
        }
    }
}

// not graded: reads the real environment and prints a demo; the tests call `start` and `sign`
fn main() {
    // Try it: `PORT=8080 SIGNING_KEY=... cargo run --bin sec5`.
    tracing_subscriber::fmt().init();
    let env: HashMap<String, String> = std::env::vars().collect();
    if let Ok(config) = start(&env) {
        println!("{config:?} signs \"hello\" as {}", sign(&config, "hello"));
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::any_case;
    use proptest::prelude::*;
    use std::io;
    use std::sync::{Arc, Mutex};

    /// A distinctive key of 40 bytes: none of its 4-character pieces appears by chance.
    const KEY: &str = "Zq8xW2vL9pR4tY7uB1nM5cE0aH6jDk3Qs5Tg1Fw7";

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let pairs = pairs.iter().map(|(n, v)| (n.to_string(), v.to_string()));
        pairs.collect()
    }

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Runs `start(env)` and answers its result and every log line it wrote.
    fn start_logged(env: &HashMap<String, String>) -> (Result<Config, ConfigError>, String) {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        let result = tracing::subscriber::with_default(subscriber, || start(env));
        let logs = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
        (result, logs)
    }

    /// The first 4-byte piece of `secret` that `text` contains, if any.
    fn leaked<'a>(text: &str, secret: &'a str) -> Option<&'a str> {
        let pieces = (0..=secret.len() - 4).map(|i| &secret[i..i + 4]);
        pieces.into_iter().find(|piece| text.contains(piece))
    }

    fn assert_no_leak(text: &str, secret: &str, place: &str) {
        if let Some(piece) = leaked(text, secret) {
            panic!(
                "{piece:?}, a piece of the secret {secret:?}, appears in {place}; a secret must \
                 never be shown, not even in part. It was: {text}"
            );
        }
    }

    fn expected_signature(key: &str, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(message.as_bytes());
        let tag = mac.finalize().into_bytes();
        tag.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    fn load(port: &str, key: &str) -> Result<Config, ConfigError> {
        Config::from_env(&env(&[("PORT", port), ("SIGNING_KEY", key)]))
    }

    #[test]
    fn reads_the_port_and_signs_with_the_key() {
        let config = load("8080", KEY).expect("PORT=8080 with a 40-byte SIGNING_KEY should load");
        assert_eq!(config.port, 8080, "PORT=8080 should give the port 8080");
        let want = expected_signature(KEY, "hello");
        assert_eq!(
            sign(&config, "hello"),
            want,
            "sign should use the bytes of SIGNING_KEY, exactly as they were set"
        );
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let config = load("8080", KEY).expect("PORT=8080 with a 40-byte SIGNING_KEY should load");
        let debug = format!("{config:?}");
        assert_no_leak(&debug, KEY, "the Debug output of Config");
        assert!(
            debug.contains("8080"),
            "the Debug output of Config should still show what is not secret, like the port \
             8080, but was {debug}"
        );
    }

    #[test]
    fn startup_logs_never_show_the_key() {
        let (result, logs) = start_logged(&env(&[("PORT", "8080"), ("SIGNING_KEY", KEY)]));
        assert!(
            result.is_ok(),
            "start should succeed with PORT=8080 and a 40-byte key"
        );
        assert!(
            logs.contains("configuration loaded"),
            "start should log \"configuration loaded\", but the logs were: {logs:?}"
        );
        assert_no_leak(&logs, KEY, "the logs written by start");
    }

    #[test]
    fn missing_or_empty_variables_are_named() {
        for (pairs, name) in [
            (vec![("SIGNING_KEY", KEY)], "PORT"),
            (vec![("PORT", ""), ("SIGNING_KEY", KEY)], "PORT"),
            (vec![("PORT", "8080")], "SIGNING_KEY"),
            (vec![("PORT", "8080"), ("SIGNING_KEY", "")], "SIGNING_KEY"),
        ] {
            let got = Config::from_env(&env(&pairs)).map(|config| config.port);
            assert_eq!(
                got,
                Err(ConfigError::Missing(name)),
                "with the environment {pairs:?}, {name} is missing (unset or empty counts as \
                 missing): the error should be Missing({name:?})"
            );
        }
    }

    #[test]
    fn the_port_must_be_a_port_number() {
        for port in ["http", "65536", "-1", "80 80"] {
            let got = load(port, KEY).map(|config| config.port);
            let ok = matches!(got, Err(ConfigError::Invalid { name: "PORT", .. }));
            let why = "should be Err(Invalid { name: \"PORT\", .. })";
            assert!(
                ok,
                "PORT={port:?} is not a port number: the result {got:?} {why}"
            );
        }
        let got = load("65535", KEY).map(|config| config.port);
        assert_eq!(got, Ok(65535), "PORT=65535 is the largest port number");
    }

    #[test]
    fn the_key_needs_32_bytes_not_32_characters() {
        let cases = [
            ("a".repeat(32), true, "32 ASCII bytes, exactly the minimum"),
            ("a".repeat(33), true, "33 bytes"),
            ("a".repeat(31), false, "31 bytes, one too few"),
            ("é".repeat(16), true, "16 characters but 32 bytes in UTF-8"),
            (
                "é".repeat(15) + "a",
                false,
                "16 characters but only 31 bytes",
            ),
            ("€".repeat(11), true, "11 characters but 33 bytes"),
        ];
        for (key, ok, why) in cases {
            let got = load("8080", &key).map(|config| config.port);
            let short = matches!(
                got,
                Err(ConfigError::Invalid {
                    name: "SIGNING_KEY",
                    ..
                })
            );
            if ok {
                assert_eq!(got, Ok(8080), "a SIGNING_KEY of {why} should be accepted");
            } else {
                assert!(
                    short,
                    "a SIGNING_KEY of {why} should be refused with Invalid {{ name: \
                     \"SIGNING_KEY\", .. }}, but the result was {got:?}"
                );
            }
        }
    }

    #[test]
    fn a_short_key_is_refused_without_showing_it() {
        let short = "Xy7!Qp2#Lm9$Vb4%";
        let (result, logs) = start_logged(&env(&[("PORT", "8080"), ("SIGNING_KEY", short)]));
        let Err(error) = result else {
            panic!("a SIGNING_KEY of 16 bytes should be refused: the minimum is 32 bytes");
        };
        let (display, debug) = (error.to_string(), format!("{error:?}"));
        assert!(
            display.contains("SIGNING_KEY"),
            "the error should name the variable SIGNING_KEY, but said {display:?}"
        );
        assert_no_leak(&display, short, "the error message (Display)");
        assert_no_leak(&debug, short, "the error (Debug)");
        assert_no_leak(&logs, short, "the logs written by start");
    }

    /// The first 4-byte piece of `secret` (bytes, so any text works) found in `text`.
    fn leaked_bytes(text: &str, secret: &str) -> Option<String> {
        let mut pieces = secret.as_bytes().windows(4);
        let found = pieces.find(|piece| text.as_bytes().windows(4).any(|w| w == *piece))?;
        Some(String::from_utf8_lossy(found).into_owned())
    }

    /// A key of characters that log lines are not made of (no digits, no lowercase ASCII),
    /// often multi-byte, so that its length in bytes and in characters differ.
    fn key() -> impl Strategy<Value = String> {
        let char = prop_oneof![
            4 => proptest::char::range('A', 'Z'),
            1 => prop::sample::select(vec!['!', '#', '%', '&', '*', '+', '?', '@', '^', '~']),
            2 => prop::sample::select(vec!['é', 'ß', 'ж', '€', '中', '😀', 'İ', '\u{a0}']),
        ];
        prop::collection::vec(char, 0..40).prop_map(|c| c.into_iter().collect())
    }

    /// What a variable holds: unset, empty, or a value.
    fn variable(value: impl Strategy<Value = String>) -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(String::new())),
            6 => value.prop_map(Some),
        ]
    }

    /// A port as it may be written: a number in or out of range, with leading zeros, or
    /// digits that only look like ASCII ones.
    fn port() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (0u32..=70_000).prop_map(|n| n.to_string()),
            1 => (0u32..=65_535, 1usize..3).prop_map(|(n, z)| format!("{}{n}", "0".repeat(z))),
            1 => Just("65535".to_string()),
            1 => Just("65536".to_string()),
            1 => (0u32..=9999).prop_map(|n| {
                let fullwidth = |d: char| char::from_u32(0xff10 + d.to_digit(10).unwrap());
                n.to_string().chars().filter_map(fullwidth).collect()
            }),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        #[test]
        fn generated_configurations_are_judged_by_the_rules(
            port in variable(port()),
            key in variable(key()),
            strangers in prop::collection::vec(
                (prop_oneof![any_case("port"), any_case("signing_key")], "[0-9]{1,5}"),
                0..3,
            ),
        ) {
            let mut env = HashMap::new();
            // Names in another case are other variables (on Linux, names are case-sensitive).
            for (name, value) in &strangers {
                if name != "PORT" && name != "SIGNING_KEY" {
                    env.insert(name.clone(), format!("{value}{}", "A".repeat(32)));
                }
            }
            if let Some(port) = &port {
                env.insert("PORT".to_string(), port.clone());
            }
            if let Some(key) = &key {
                env.insert("SIGNING_KEY".to_string(), key.clone());
            }
            let port_problem = match port.as_deref() {
                None | Some("") => Some(ConfigError::Missing("PORT")),
                Some(p) if p.parse::<u16>().is_err() || !p.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(ConfigError::Invalid { name: "PORT", reason: String::new() })
                }
                _ => None,
            };
            let key_problem = match key.as_deref() {
                None | Some("") => Some(ConfigError::Missing("SIGNING_KEY")),
                Some(k) if k.len() < MIN_KEY_BYTES => {
                    Some(ConfigError::Invalid { name: "SIGNING_KEY", reason: String::new() })
                }
                _ => None,
            };
            let (result, logs) = start_logged(&env);
            let shown = |result: &Result<Config, ConfigError>| match result {
                Ok(config) => format!("Ok(port {})", config.port),
                Err(e) => format!("Err({e:?})"),
            };
            let same_kind = |got: &ConfigError, want: &ConfigError| match (got, want) {
                (ConfigError::Missing(a), ConfigError::Missing(b)) => a == b,
                (ConfigError::Invalid { name: a, .. }, ConfigError::Invalid { name: b, .. }) => {
                    a == b
                }
                _ => false,
            };
            let bytes = key.as_ref().map(|k| (k.chars().count(), k.len()));
            let case = format!(
                "PORT {port:?}, SIGNING_KEY {key:?} ({bytes:?} characters and bytes), and \
                 other variables {strangers:?}"
            );
            match (&port_problem, &key_problem, &result) {
                (None, None, Ok(config)) => {
                    let want = port.as_deref().and_then(|p| p.parse::<u16>().ok());
                    prop_assert_eq!(Some(config.port), want, "{}: the port read is wrong", case);
                    let key = key.as_deref().unwrap();
                    prop_assert_eq!(
                        sign(config, "hello"),
                        expected_signature(key, "hello"),
                        "{}: sign should use the bytes of SIGNING_KEY as they were set", case
                    );
                }
                (None, None, Err(_)) => prop_assert!(
                    false,
                    "{}: answered {}; both are usable (a key counts its length in bytes, at \
                     least {} of them), so the configuration should load",
                    case, shown(&result), MIN_KEY_BYTES
                ),
                (_, _, Ok(_)) => prop_assert!(
                    false,
                    "{}: loaded ({}), but {:?} should have stopped it (unset and empty are \
                     Missing; a port is ASCII digits up to 65535; a key has at least {} bytes, \
                     not characters)",
                    case, shown(&result), port_problem.as_ref().or(key_problem.as_ref()), MIN_KEY_BYTES
                ),
                (_, _, Err(got)) => {
                    let wants: Vec<&ConfigError> =
                        [&port_problem, &key_problem].into_iter().flatten().collect();
                    prop_assert!(
                        wants.iter().any(|want| same_kind(got, want)),
                        "{}: answered {}, expected an error like one of {:?} (its kind and the \
                         variable it names): unset and empty are Missing; a port is ASCII \
                         digits up to 65535; a key has at least {} bytes, not characters",
                        case, shown(&result), wants, MIN_KEY_BYTES
                    );
                }
            }
            if let Some(key) = key.as_deref().filter(|k| k.len() >= 4) {
                let places = [
                    ("the logs written by start", logs.clone()),
                    ("the result (its Debug output)", format!("{result:?}")),
                    (
                        "the error's message",
                        result.as_ref().err().map(|e| e.to_string()).unwrap_or_default(),
                    ),
                ];
                for (place, text) in places {
                    let leak = leaked_bytes(&text, key);
                    prop_assert!(
                        leak.is_none(),
                        "{}: {:?}, a piece of the key, appears in {}; a secret is never shown, \
                         not even in part, on the success path or the error path. It was: {}",
                        case, leak, place, text
                    );
                }
            }
        }
    }
}
