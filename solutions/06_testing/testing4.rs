//! # Test doubles: a fake repository behind a trait
//!
//! The signup service below stores users through a `UserRepo`. In production
//! that is a database; in a unit test you want none: no setup, no cleanup,
//! every test fast and starting from a known state. Because the service only
//! knows the trait (`&dyn UserRepo`), a test can hand it a *test double*, an
//! object that stands in for the real one (Martin Fowler, "Mocks Aren't
//! Stubs": https://martinfowler.com/articles/mocksArentStubs.html):
//! - a *stub* returns canned answers;
//! - a *fake* really works, with a shortcut: a `Vec` instead of a database;
//! - a *mock* records the calls, and the test checks which calls were made.
//!
//! Prefer a fake. A test then checks what the service *did* (what is stored
//! afterwards, what it returned), not how it talked to the repository, so it
//! survives a refactoring that keeps the behaviour.
//!
//! Two practical points:
//! - The trait takes `&self`, like a real connection pool, so the fake keeps
//!   its users in a `RefCell<Vec<User>>` and changes them through
//!   `borrow_mut()` (Rust Book ch. 15.5,
//!   https://doc.rust-lang.org/book/ch15-05-interior-mutability.html).
//! - Keep the fake as plain as the real thing. The database compares emails
//!   exactly and numbers rows from 1; so must the fake. Lowercasing emails is
//!   the service's job, and a fake that did it too would hide the service's bugs.

#[derive(Debug, Clone, PartialEq)]
struct User {
    id: u64,
    email: String,
    name: String,
}

/// Where users live. The real implementation runs SQL (topic 04).
trait UserRepo {
    /// The user whose email is exactly `email`, if there is one.
    fn find_by_email(&self, email: &str) -> Option<User>;
    /// Stores a new user and returns it with the id the store assigned.
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
    /// Registers a user. The email is trimmed and lowercased before it is
    /// checked and stored: `Alice@Example.com` and `alice@example.com` are the
    /// same mailbox, so they must be the same account.
    fn register(&self, email: &str, name: &str) -> Result<User, SignupError> {
        let email = email.trim().to_lowercase();
        if !is_plausible_email(&email) {
            return Err(SignupError::InvalidEmail);
        }
        if self.repo.find_by_email(&email).is_some() {
            return Err(SignupError::EmailTaken);
        }
        Ok(self.repo.insert(&email, name.trim()))
    }
}

/// `something@domain.tld`. The only real check of an address is a
/// confirmation mail; this only catches typos.
fn is_plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.'),
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

// not graded: prints demo signups against a stub; the learner's tests use a fake repository
fn main() {
    // Your tests use a fake instead: `cargo test --bin testing4`.
    let signup = Signup { repo: &StubRepo };
    println!("{:?}", signup.register(" Alice@Example.COM ", "Alice"));
    println!("{:?}", signup.register("not-an-email", "Bob"));
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Stores users in a `Vec`, compares emails exactly and numbers them from 1.
    #[derive(Default)]
    struct FakeRepo {
        users: RefCell<Vec<User>>,
    }

    impl UserRepo for FakeRepo {
        fn find_by_email(&self, email: &str) -> Option<User> {
            let users = self.users.borrow();
            users.iter().find(|user| user.email == email).cloned()
        }

        fn insert(&self, email: &str, name: &str) -> User {
            let mut users = self.users.borrow_mut();
            let id = users.len() as u64 + 1;
            let user = User {
                id,
                email: email.to_string(),
                name: name.to_string(),
            };
            users.push(user.clone());
            user
        }
    }

    #[test]
    fn new_users_are_stored_with_a_lowercased_email_and_their_id() {
        let repo = FakeRepo::default();
        let signup = Signup { repo: &repo };
        let alice = signup.register(" Alice@Example.COM ", " Alice ").unwrap();
        let bob = signup.register("bob@example.com", "Bob").unwrap();
        let stored = repo.users.borrow();
        assert_eq!(
            *stored,
            vec![alice.clone(), bob.clone()],
            "register should return exactly the users it stored"
        );
        assert_eq!(
            (alice.email.as_str(), alice.name.as_str()),
            ("alice@example.com", "Alice"),
            "the email should be stored trimmed and lowercased, the name trimmed"
        );
        assert_eq!(
            (alice.id, bob.id),
            (1, 2),
            "each user should get the id the repository assigned"
        );
    }

    #[test]
    fn taken_email_is_rejected() {
        let repo = FakeRepo::default();
        let signup = Signup { repo: &repo };
        signup.register("alice@example.com", "Alice").unwrap();
        for again in ["alice@example.com", "ALICE@example.com"] {
            assert_eq!(
                signup.register(again, "Mallory"),
                Err(SignupError::EmailTaken),
                "{again:?} is the address of an existing account"
            );
        }
        assert_eq!(
            repo.users.borrow().len(),
            1,
            "only the first signup should be stored"
        );
    }

    #[test]
    fn invalid_emails_are_rejected_and_not_stored() {
        let repo = FakeRepo::default();
        let signup = Signup { repo: &repo };
        // Each part of `something@domain.tld` missing in turn.
        for bad in ["not-an-email", "@example.com", "alice@localhost", "alice@"] {
            assert_eq!(
                signup.register(bad, "Alice"),
                Err(SignupError::InvalidEmail),
                "{bad:?} is not something@domain.tld and should be rejected"
            );
        }
        assert!(
            repo.users.borrow().is_empty(),
            "a rejected signup should store nothing, but the repository holds {:?}",
            repo.users.borrow()
        );
    }
}
