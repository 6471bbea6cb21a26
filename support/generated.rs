//! Generated inputs for grading tests: proptest with a fixed seed (the same file always gets
//! the same verdict), no failure files, and strategies biased to the edges where mistakes
//! hide: any spelling of a case-insensitive token, Unicode beside ASCII, durations with
//! sub-millisecond parts, sizes at 0, 1 and the maximum.
//!
//! A grading section uses it like `server_check`:
//!
//! ```ignore
//! #[cfg(test)]
//! #[path = "../../support/generated.rs"]
//! mod generated;
//! ```
//!
//! then `proptest! { #![proptest_config(crate::generated::config(128))] … }` in its tests.
//! A failing case is shrunk to a smallest example before it is shown, so the learner reads a
//! concrete input, not a random one.
#![allow(dead_code)]

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The seed every generated test starts from: fixed, so a verdict never depends on luck.
const SEED: u64 = 0x6261_636b_656e_646c;

/// A proptest configuration with `cases` generated inputs, a fixed seed and no failure
/// files written into the learner's workspace.
pub fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(SEED),
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    }
}

/// Any spelling of an ASCII token whose case does not matter: `content-length`,
/// `CONTENT-LENGTH`, `cOnTeNt-LeNgTh`, …
pub fn any_case(token: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<bool>(), token.len()).prop_map(move |upper| {
        token
            .chars()
            .zip(upper)
            .map(|(c, up)| {
                if up {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

/// Characters that look like white space or nothing to a reader, and are not HTTP's
/// optional white space (which is only SP and HTAB, RFC 9110 §5.6.3).
pub const UNICODE_SPACES: &[char] = &[
    '\u{a0}', '\u{85}', '\u{1680}', '\u{2000}', '\u{2003}', '\u{2009}', '\u{200b}', '\u{2028}',
    '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}',
];

/// Look-alikes of ASCII letters and symbols: Cyrillic `а`, Greek `ο`, fullwidth `Ａ`, the
/// fraction slash, a combining accent.
pub const LOOK_ALIKES: &[char] = &[
    '\u{430}', '\u{43e}', '\u{3bf}', '\u{ff21}', '\u{2044}', '\u{301}', '\u{130}', '\u{17f}',
];

/// One character of text from anywhere a request can bring it: mostly ASCII letters and
/// digits, often multi-byte letters, Unicode spaces, look-alikes and control characters.
pub fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('0', '9'),
        2 => proptest::sample::select(vec!['é', 'ß', 'ж', '中', '😀', 'İ', 'ﬃ']),
        1 => proptest::sample::select(UNICODE_SPACES.to_vec()),
        1 => proptest::sample::select(LOOK_ALIKES.to_vec()),
        1 => proptest::sample::select(vec!['\0', '\t', '\r', '\n', '\u{7f}', ' ']),
    ]
}

/// Text of `min..=max` characters built from `tricky_char` (so byte length and character
/// count differ in most cases).
pub fn tricky_text(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(tricky_char(), min..=max).prop_map(|c| c.into_iter().collect())
}

/// A count or size in `0..=max`, half the time at an edge: 0, 1, max - 1, max.
pub fn edge_u64(max: u64) -> impl Strategy<Value = u64> {
    prop_oneof![
        1 => Just(0u64),
        1 => Just(1u64.min(max)),
        1 => Just(max.saturating_sub(1)),
        1 => Just(max),
        4 => 0..=max,
    ]
}

/// A duration in `0..=max`, with sub-millisecond parts: often a whole number of seconds or
/// milliseconds plus or minus one nanosecond, where rounding mistakes show.
pub fn duration_up_to(max: Duration) -> impl Strategy<Value = Duration> {
    let nanos = max.as_nanos().min(u128::from(u64::MAX)) as u64;
    prop_oneof![
        2 => 0..=nanos,
        1 => (0..=nanos / 1_000_000, -1i64..=1).prop_map(|(ms, d)| (ms * 1_000_000).saturating_add_signed(d)),
        1 => (0..=nanos / 1_000_000_000, -1i64..=1)
            .prop_map(|(s, d)| (s * 1_000_000_000).saturating_add_signed(d)),
    ]
    .prop_map(move |n| Duration::from_nanos(n.min(nanos)))
}
