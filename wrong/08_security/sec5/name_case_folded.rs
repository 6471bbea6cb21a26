// wrong: looks variables up ignoring the case of their names
// expect: unset and empty are Missing
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
    // Be forgiving: `port` or `Port` is what the operator meant.
    let found = env.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
    match found.map(|(_, value)| value) {
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

fn main() {
    // Try it: `PORT=8080 SIGNING_KEY=... cargo run --bin sec5`.
    tracing_subscriber::fmt().init();
    let env: HashMap<String, String> = std::env::vars().collect();
    if let Ok(config) = start(&env) {
        println!("{config:?} signs \"hello\" as {}", sign(&config, "hello"));
    }
}
