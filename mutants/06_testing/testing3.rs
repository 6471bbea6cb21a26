const MIN_LENGTH: usize = 8;
const MAX_LENGTH: usize = 64;
const COMMON_PASSWORDS: [&str; 5] = ["password", "12345678", "qwertyuiop", "iloveyou", "sunshine"];

#[derive(Debug, PartialEq)]
enum Weakness {
    TooShort,
    TooLong,
    Common,
    ContainsUsername,
}

fn check_password(username: &str, password: &str) -> Result<(), Weakness> {
    // mutant(6): the length is counted in bytes, not characters.
    let length = if mutant(6) {
        password.len()
    } else {
        password.chars().count()
    };
    // mutant(1): exactly 8 is too short.
    let too_short = if mutant(1) {
        length <= MIN_LENGTH
    } else {
        length < MIN_LENGTH
    };
    if too_short {
        return Err(Weakness::TooShort);
    }
    // mutant(2): exactly 64 is too long.
    let too_long = if mutant(2) {
        length >= MAX_LENGTH
    } else {
        length > MAX_LENGTH
    };
    if too_long {
        // mutant(7): a password that is too long is reported as too short.
        let weakness = if mutant(7) {
            Weakness::TooShort
        } else {
            Weakness::TooLong
        };
        return Err(weakness);
    }
    let lowered = password.to_lowercase();
    // mutant(3): the common list is checked case-sensitively.
    let compared = if mutant(3) {
        password
    } else {
        lowered.as_str()
    };
    if COMMON_PASSWORDS.contains(&compared) {
        return Err(Weakness::Common);
    }
    // mutant(5): the username is looked for in the password's own capitals.
    let username = if mutant(5) {
        username.to_string()
    } else {
        username.to_lowercase()
    };
    let lowered = if mutant(5) {
        password.to_string()
    } else {
        lowered
    };
    // mutant(4): only a password equal to the username is caught.
    let has_username = if mutant(4) {
        lowered == username
    } else {
        lowered.contains(&username)
    };
    // mutant(8): an empty username is looked for too, and every password contains it.
    if (mutant(8) || !username.is_empty()) && has_username {
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
