#[derive(Debug, Clone, PartialEq)]
struct User {
    id: u64,
    email: String,
    name: String,
}

trait UserRepo {
    fn find_by_email(&self, email: &str) -> Option<User>;
    fn insert(&self, email: &str, name: &str) -> User;
}

#[derive(Debug, PartialEq)]
enum SignupError {
    InvalidEmail,
    EmailTaken,
}

struct Signup<'a> {
    repo: &'a dyn UserRepo,
}

impl Signup<'_> {
    fn register(&self, email: &str, name: &str) -> Result<User, SignupError> {
        // mutant(2): the email is only trimmed, not lowercased.
        let email = if mutant(2) {
            email.trim().to_string()
        } else if mutant(5) {
            // The email is lowercased but not trimmed.
            email.to_lowercase()
        } else {
            email.trim().to_lowercase()
        };
        if mutant(3) {
            // Validation after the insert: an invalid email is stored anyway.
            let user = self.repo.insert(&email, name.trim());
            if !is_plausible_email(&email) {
                return Err(SignupError::InvalidEmail);
            }
            return Ok(user);
        }
        if !is_plausible_email(&email) {
            return Err(SignupError::InvalidEmail);
        }
        // mutant(1): the duplicate check is forgotten.
        if self.repo.find_by_email(&email).is_some() && !mutant(1) {
            // mutant(6): a taken email is reported as an invalid one.
            if mutant(6) {
                return Err(SignupError::InvalidEmail);
            }
            return Err(SignupError::EmailTaken);
        }
        // mutant(7): the name is stored with the spaces around it.
        let name = if mutant(7) { name } else { name.trim() };
        let user = self.repo.insert(&email, name);
        if mutant(4) {
            // Builds the answer itself instead of returning the stored user.
            return Ok(User {
                id: 0,
                email,
                name: name.trim().to_string(),
            });
        }
        Ok(user)
    }
}

fn is_plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        // mutant(8): nothing before the @ is accepted.
        // mutant(9): a domain without a dot is accepted.
        Some((local, domain)) => {
            (mutant(8) || !local.is_empty())
                && if mutant(9) {
                    !domain.is_empty()
                } else {
                    domain.contains('.')
                }
        }
        None => false,
    }
}

/// A *stub* for `main`: it knows no users and pretends to store them.
struct StubRepo;

impl UserRepo for StubRepo {
    fn find_by_email(&self, _email: &str) -> Option<User> {
        None
    }
    fn insert(&self, email: &str, name: &str) -> User {
        let (email, name) = (email.to_string(), name.to_string());
        User { id: 1, email, name }
    }
}

fn main() {
    // Your tests use a fake instead: `cargo test --bin testing4`.
    let signup = Signup { repo: &StubRepo };
    println!("{:?}", signup.register(" Alice@Example.COM ", "Alice"));
    println!("{:?}", signup.register("not-an-email", "Bob"));
}
