//! # Boundaries: empty input, maximums, Unicode
//!
//! Bugs gather at the edges of what a function accepts. Whatever you test,
//! go through this list:
//! - **Empty**: the empty string, the empty list, a limit of 0. Code written
//!   with "some text" in mind often forgets there may be none, or computes
//!   `max - 1` and underflows.
//! - **Exactly the maximum**, and one more: a limit of 20 means 20 passes
//!   and 21 fails.
//! - **Unicode**: in Rust, `str::len()` counts *bytes* of UTF-8, not
//!   characters. `"é".len()` is 2 and `"😀".len()` is 4, so a rule meant for
//!   people ("at most 20 characters") must count `chars()`. Slicing works in
//!   bytes too: `&text[..n]` panics when byte `n` falls inside a character.
//!   Test with accents, other alphabets and emoji, not only ASCII, whose
//!   characters are one byte each and hide every one of these bugs.
//!
//! (A `char` is a Unicode scalar value, and what a reader sees as one
//! character can be several, such as a flag emoji. Counting `char`s is the
//! usual compromise for limits; Rust Book ch. 8.2, "Bytes and Scalar Values
//! and Grapheme Clusters": https://doc.rust-lang.org/book/ch08-02-strings.html)

/// Shortens `text` to at most `max` characters for a preview: when it has to
/// cut, the last of those characters is `…`. Text that fits is unchanged.
fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut short: String = text.chars().take(max - 1).collect();
    short.push('…');
    short
}

const MAX_USERNAME_CHARS: usize = 20;

#[derive(Debug, PartialEq)]
enum UsernameError {
    Empty,
    TooLong,
    InvalidChar(char),
}

/// A username has 1 to 20 characters: letters of any alphabet ("José",
/// "Zoë", "李"), digits, `_` and `-`.
fn validate_username(name: &str) -> Result<(), UsernameError> {
    if name.is_empty() {
        return Err(UsernameError::Empty);
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(UsernameError::TooLong);
    }
    let allowed = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    match name.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(UsernameError::InvalidChar(c)),
        None => Ok(()),
    }
}

fn main() {
    println!("{}", truncate_chars("Crème brûlée with raspberries", 12));
    for name in ["José_99", "", "a b"] {
        println!("{name:?}: {:?}", validate_username(name));
    }
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    // TODO: write two table-driven tests (as in testing3), with the case in
    // every message.
    // `truncate_chars(text, max)`:
    // - text shorter than `max`, and text of exactly `max` characters, is
    //   unchanged; longer text is cut to `max` characters ending in `…`;
    // - empty text; a `max` of 0 (the answer is `""`) and of 1;
    // - non-ASCII text: one that fits in characters but not in bytes
    //   ("héllo", 5), and ones that must be cut ("ééééé", 3), emoji.
    // `validate_username(name)`:
    // - the empty name is `Empty`; 1 character is fine; letters of other
    //   alphabets are fine ("José_99");
    // - exactly 20 characters is fine, 21 is `TooLong`, in ASCII and with
    //   accented or Chinese letters ("é".repeat(20));
    // - a space or `;` is `InvalidChar` with that character.
}
