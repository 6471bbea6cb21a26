// wrong: no row with an empty username: dropping the `!username.is_empty()` guard survives
// expect: with an empty username (none chosen yet), every password is refused
//! # Table-driven tests
//!
//! A rule like a password policy needs many cases: each limit from both
//! sides, each special case. Ten near-identical test functions hide the cases
//! in boilerplate. A *table-driven* test lists them as data, one row per case,
//! and runs them all in one loop:
//!
//! ```text
//! let cases = [
//!     // (input, expected)
//!     ("abc", Err(Weakness::TooShort)),
//!     ("long enough", Ok(())),
//! ];
//! for (input, expected) in cases {
//!     assert_eq!(check(input), expected, "check({input:?})");
//! }
//! ```
//!
//! A new case is one more line, and reading the table *is* reading the rule.
//! The message must name the case: "left != right" alone does not say which
//! of twenty rows failed. Pick the rows at the edges: 7 and 8 characters for a
//! minimum of 8, not 3 and 20.
//!
//! The policy below follows today's advice: a minimum length, a generous
//! maximum, no "one digit and one symbol" rules, and a ban on common passwords
//! and on the username (NIST SP 800-63B §5.1.1.2, and the OWASP Authentication
//! Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html).

const MIN_LENGTH: usize = 8;
const MAX_LENGTH: usize = 64;
/// A real service checks a list of the most common and breached passwords,
/// tens of thousands long.
const COMMON_PASSWORDS: [&str; 5] = ["password", "12345678", "qwertyuiop", "iloveyou", "sunshine"];

#[derive(Debug, PartialEq)]
enum Weakness {
    TooShort,
    TooLong,
    Common,
    ContainsUsername,
}

/// Checks a new password for `username`. Lengths count characters, not bytes,
/// and the comparisons ignore upper and lower case.
fn check_password(username: &str, password: &str) -> Result<(), Weakness> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Weakness::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(Weakness::TooLong);
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lowered.as_str()) {
        return Err(Weakness::Common);
    }
    if !username.is_empty() && lowered.contains(&username.to_lowercase()) {
        return Err(Weakness::ContainsUsername);
    }
    Ok(())
}

fn main() {
    for password in [
        "hunter2",
        "Password",
        "alice1987",
        "correct horse battery staple",
    ] {
        println!("{password:?}: {:?}", check_password("alice", password));
    }
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        let x64 = "x".repeat(64);
        let x65 = "x".repeat(65);
        let e7 = "é".repeat(7);
        let e8 = "é".repeat(8);
        let cases = [
            // (username, password, expected)
            ("alice", "abcdefg", Err(Weakness::TooShort)),
            ("alice", "abcdefgh", Ok(())),
            ("alice", e7.as_str(), Err(Weakness::TooShort)),
            ("alice", e8.as_str(), Ok(())),
            ("alice", x64.as_str(), Ok(())),
            ("alice", x65.as_str(), Err(Weakness::TooLong)),
            ("alice", "password", Err(Weakness::Common)),
            ("alice", "PassWord", Err(Weakness::Common)),
            ("alice", "SUNSHINE", Err(Weakness::Common)),
            ("alice", "alice1234", Err(Weakness::ContainsUsername)),
            ("alice", "my-alice-pass", Err(Weakness::ContainsUsername)),
            ("alice", "1234ALICE", Err(Weakness::ContainsUsername)),
            ("Alice", "xxalicexx", Err(Weakness::ContainsUsername)),
            ("alice", "correct horse battery staple", Ok(())),
        ];
        for (username, password, expected) in cases {
            assert_eq!(
                check_password(username, password),
                expected,
                "check_password({username:?}, {password:?})"
            );
        }
    }
}
