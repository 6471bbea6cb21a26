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
/// and the comparisons ignore upper and lower case. An empty username (none
/// chosen yet) bans nothing.
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

// not graded: prints demo checks; the learner's tests call `check_password`
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
        let longest = "x".repeat(64);
        let too_long = "x".repeat(65);
        let cases = [
            // (username, password, expected)
            ("alice", "seven77", Err(Weakness::TooShort)),
            ("alice", "eight888", Ok(())),
            ("alice", "ééééééé", Err(Weakness::TooShort)),
            ("alice", "éééééééé", Ok(())),
            ("alice", longest.as_str(), Ok(())),
            ("alice", too_long.as_str(), Err(Weakness::TooLong)),
            ("alice", "correct horse battery staple", Ok(())),
            ("alice", "password", Err(Weakness::Common)),
            ("alice", "PassWord", Err(Weakness::Common)),
            ("alice", "alice1234", Err(Weakness::ContainsUsername)),
            ("alice", "my-ALICE-pass", Err(Weakness::ContainsUsername)),
            ("bob", "alice1234", Ok(())),
            ("", "eight888", Ok(())),
            ("", "correct horse battery staple", Ok(())),
        ];
        for (username, password, expected) in cases {
            let got = check_password(username, password);
            assert_eq!(
                got,
                expected,
                "check_password({username:?}, {password:?}) ({} characters) gave {got:?}, but should give {expected:?}",
                password.chars().count()
            );
        }
    }
}
