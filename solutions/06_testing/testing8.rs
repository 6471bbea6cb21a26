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

// not graded: prints demo results; the learner's tests call `truncate_chars` and `validate_username`
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

    #[test]
    fn truncate_chars_cases() {
        let cases = [
            // (text, max, expected)
            ("hello", 10, "hello"),
            ("hello", 5, "hello"),
            ("hello world", 8, "hello w…"),
            ("", 5, ""),
            ("", 0, ""),
            ("hello", 0, ""),
            ("hello", 1, "…"),
            ("héllo", 5, "héllo"),
            ("ééééé", 3, "éé…"),
            ("😀😀😀", 2, "😀…"),
        ];
        for (text, max, expected) in cases {
            let got = truncate_chars(text, max);
            assert_eq!(got, expected, "truncate_chars({text:?}, {max})");
            let length = got.chars().count();
            assert!(
                length <= max,
                "truncate_chars({text:?}, {max}) gave {length} characters"
            );
        }
    }

    #[test]
    fn validate_username_cases() {
        let (twenty, twenty_one) = ("x".repeat(20), "x".repeat(21));
        let (twenty_accented, twenty_one_chinese) = ("é".repeat(20), "李".repeat(21));
        let cases = [
            // (name, expected)
            ("", Err(UsernameError::Empty)),
            ("a", Ok(())),
            ("José_99", Ok(())),
            (twenty.as_str(), Ok(())),
            (twenty_one.as_str(), Err(UsernameError::TooLong)),
            (twenty_accented.as_str(), Ok(())),
            (twenty_one_chinese.as_str(), Err(UsernameError::TooLong)),
            ("two words", Err(UsernameError::InvalidChar(' '))),
            ("semi;colon", Err(UsernameError::InvalidChar(';'))),
        ];
        for (name, expected) in cases {
            let chars = name.chars().count();
            let got = validate_username(name);
            assert_eq!(
                got, expected,
                "validate_username({name:?}), {chars} characters"
            );
        }
    }
}
