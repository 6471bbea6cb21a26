//! What an exercise lets its solution use (`allow = [...]` in info.toml).

use serde::{Deserialize, Serialize};

/// What an exercise may let its solution use. Anything else is refused in `run` and flagged
/// in `grade`, with its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Capability {
    /// Files and folders: `std::fs`, `tokio::fs`, OS file handles, compile-time includes.
    FileSystem,
    /// Starting or ending processes: `std::process`, `tokio::process`.
    Processes,
    /// The environment and the program's arguments: `std::env`, `env!`.
    Environment,
    /// `unsafe` code and link-level attributes.
    Unsafe,
    /// Foreign functions: `extern` blocks, `libc`.
    Ffi,
    /// Networks beyond the program's own loopback interface. No rule on source: the
    /// sandbox gives a run a network namespace with only loopback unless this is allowed.
    Network,
}

impl Capability {
    pub(crate) const ALL: [Capability; 6] = [
        Capability::FileSystem,
        Capability::Processes,
        Capability::Environment,
        Capability::Unsafe,
        Capability::Ffi,
        Capability::Network,
    ];

    /// The name used in info.toml (`allow = ["file_system"]`).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Capability::FileSystem => "file_system",
            Capability::Processes => "processes",
            Capability::Environment => "environment",
            Capability::Unsafe => "unsafe",
            Capability::Ffi => "ffi",
            Capability::Network => "network",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.key() == key)
    }
}
