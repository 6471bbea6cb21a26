//! # Storing passwords: argon2id
//!
//! A server must never store a user's password, not even encrypted: a stolen
//! database (it happens to everyone eventually) would give attackers every
//! password, and people reuse passwords across sites. Store a *password hash*
//! instead, and at login hash the password again and compare.
//!
//! Not any hash will do. SHA-256 is built to be fast, so an attacker with a GPU
//! tries billions of guesses per second against a stolen hash. A password
//! hashing function is deliberately slow and memory-hungry: argon2id (RFC 9106)
//! is the current recommendation. Each hash also gets a random *salt*, so two
//! users with the same password get different hashes and precomputed tables
//! ("rainbow tables") are useless.
//!
//! The result is a self-describing PHC string that holds everything needed to
//! verify it later: `$argon2id$v=19$m=4096,t=1,p=1$<salt>$<hash>` (algorithm,
//! version, memory in KiB, iterations, parallelism, salt, hash). Verifying reads
//! the salt and parameters from the string, so you can raise the cost later and
//! old hashes still verify.
//!
//! OWASP recommends argon2id with m=19 MiB, t=2, p=1 (that is what
//! `Argon2::default()` uses). The tests here use m=4 MiB, t=1 to stay fast.
//! Read more: OWASP Password Storage Cheat Sheet
//! https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
//! and https://docs.rs/argon2/0.5/argon2/

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashMap;

/// What the database keeps about a user.
struct UserRecord {
    password_hash: String,
}

#[derive(Default)]
struct UserStore {
    users: HashMap<String, UserRecord>,
}

/// argon2id with small test parameters (production: `Argon2::default()`).
fn argon2() -> Argon2<'static> {
    let params = Params::new(4096, 1, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

// TODO: generate a fresh random salt with `SaltString::generate(&mut OsRng)`,
// hash with `argon2().hash_password(password.as_bytes(), &salt)?` and return
// the PHC string (the hash's `to_string()`).
fn hash_password(password: &str) -> Result<String, password_hash::Error> {
    todo!()
}

// TODO: parse `stored_hash` with `PasswordHash::new` (a string that does not
// parse never verifies: return false), then return whether
// `argon2().verify_password(password.as_bytes(), &parsed)` is `Ok`.
fn verify_password(password: &str, stored_hash: &str) -> bool {
    todo!()
}

impl UserStore {
    // TODO: this stores the password itself! Store `hash_password(password)?`.
    fn register(&mut self, username: &str, password: &str) -> Result<(), password_hash::Error> {
        let password_hash = password.to_string();
        self.users
            .insert(username.to_string(), UserRecord { password_hash });
        Ok(())
    }

    // TODO: a hash cannot be compared with `==`: use `verify_password`.
    fn login(&self, username: &str, password: &str) -> bool {
        match self.users.get(username) {
            Some(user) => user.password_hash == password,
            None => false,
        }
    }
}

fn main() {
    let mut store = UserStore::default();
    store.register("alice", "hunter2").unwrap();
    println!("stored for alice: {}", store.users["alice"].password_hash);
    println!("login with hunter2: {}", store.login("alice", "hunter2"));
    println!("login with hunter3: {}", store.login("alice", "hunter3"));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";

    fn store_with_alice() -> UserStore {
        let mut store = UserStore::default();
        store.register("alice", PASSWORD).expect("register failed");
        store
    }

    #[test]
    fn stored_record_holds_no_plaintext() {
        let store = store_with_alice();
        let stored = &store.users["alice"].password_hash;
        assert!(
            !stored.contains(PASSWORD),
            "the stored record for alice is {stored:?}: it contains the password itself; \
             store only hash_password(password)"
        );
        assert!(
            stored.starts_with("$argon2id$v=19$"),
            "the stored record for alice is {stored:?}, but it should be an argon2id PHC \
             string starting with `$argon2id$v=19$`"
        );
    }

    #[test]
    fn same_password_gives_different_hashes() {
        let first = hash_password(PASSWORD).unwrap();
        let second = hash_password(PASSWORD).unwrap();
        assert_ne!(
            first, second,
            "hashing the same password twice gave the same string: every hash needs a new \
             random salt (SaltString::generate(&mut OsRng))"
        );
    }

    #[test]
    fn login_accepts_the_right_password() {
        let store = store_with_alice();
        assert!(
            store.login("alice", PASSWORD),
            "login(\"alice\", {PASSWORD:?}) returned false, but that is the password she registered with"
        );
    }

    #[test]
    fn login_rejects_wrong_password_and_unknown_user() {
        let store = store_with_alice();
        for (user, password) in [
            ("alice", "Correct horse battery staple"),
            ("alice", ""),
            ("bob", PASSWORD),
        ] {
            assert!(
                !store.login(user, password),
                "login({user:?}, {password:?}) returned true, but it should fail"
            );
        }
    }

    #[test]
    fn verify_reads_salt_and_parameters_from_the_phc_string() {
        // Made earlier with different parameters (m=8 MiB, t=2) and a salt of its own.
        let stored = "$argon2id$v=19$m=8192,t=2,p=1$c29tZXNhbHRzb21lc2FsdA\
                      $30OdAMzuQXLKZftHpg6nXpyCqTn1xaFRmv0zpOHdBhI";
        assert!(
            verify_password("hunter2", stored),
            "verify_password(\"hunter2\", {stored:?}) returned false: parse the stored string \
             with PasswordHash::new and let verify_password use its salt and parameters"
        );
        assert!(
            !verify_password("hunter3", stored),
            "verify_password(\"hunter3\", ...) returned true for a hash of \"hunter2\""
        );
    }

    #[test]
    fn verify_rejects_a_corrupt_stored_hash() {
        for stored in ["", "hunter2", "$argon2id$v=19$broken"] {
            assert!(
                !verify_password("hunter2", stored),
                "verify_password(\"hunter2\", {stored:?}) returned true; a stored value that \
                 is not a PHC string must never verify (and must not panic)"
            );
        }
    }
}
