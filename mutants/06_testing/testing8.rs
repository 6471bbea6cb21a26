/// Shortens `text` to at most `max` characters for a preview: when it has to
/// cut, the last of those characters is `…`. Text that fits is unchanged.
fn truncate_chars(text: &str, max: usize) -> String {
    let count = text.chars().count();
    // mutant(1): text of exactly `max` characters is cut.
    let fits = if mutant(1) { count < max } else { count <= max };
    if fits {
        return text.to_string();
    }
    // mutant(3): no special case for 0, so `max - 1` underflows.
    if max == 0 && !mutant(3) {
        return String::new();
    }
    let mut short: String = if mutant(2) {
        // Cuts at a byte position.
        text[..max - 1].to_string()
    } else if mutant(6) {
        // Keeps `max` characters, then adds the … as one more.
        text.chars().take(max).collect()
    } else {
        text.chars().take(max - 1).collect()
    };
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
    // mutant(4): the empty name is not checked.
    if name.is_empty() && !mutant(4) {
        return Err(UsernameError::Empty);
    }
    // mutant(5): the length is counted in bytes.
    let length = if mutant(5) {
        name.len()
    } else {
        name.chars().count()
    };
    if length > MAX_USERNAME_CHARS {
        return Err(UsernameError::TooLong);
    }
    // mutant(8): only ASCII letters and digits are allowed.
    let allowed = |c: char| {
        let letter = if mutant(8) {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric()
        };
        letter || c == '_' || c == '-'
    };
    match name.chars().find(|&c| !allowed(c)) {
        // mutant(7): the error names the first character of the name.
        Some(_) if mutant(7) => Err(UsernameError::InvalidChar(name.chars().next().unwrap())),
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
