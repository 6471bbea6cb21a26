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
    let length = password.chars().count();
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
        return Err(Weakness::TooLong);
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
    let username = username.to_lowercase();
    // mutant(4): only a password equal to the username is caught.
    let has_username = if mutant(4) {
        lowered == username
    } else {
        lowered.contains(&username)
    };
    if !username.is_empty() && has_username {
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
