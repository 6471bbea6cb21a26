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
//! old hashes still verify. Never verify by hashing the password again with
//! today's parameters and comparing the strings: that breaks every old hash,
//! and `==` on strings leaks timing (next exercise).
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
// not graded: the course's fast parameters; any argon2id parameters hash correctly
fn argon2() -> Argon2<'static> {
    let params = Params::new(4096, 1, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_password(password: &str) -> Result<String, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2().hash_password(password.as_bytes(), &salt)?;
    Ok(hash.to_string())
}

/// `Ok(true)`: the password is right. `Ok(false)`: it is wrong.
/// `Err(_)`: the stored value cannot be checked at all (not a PHC string, or
/// an algorithm we do not support). That is a broken database, our problem,
/// and must not look like a mistyped password: the caller logs it and
/// answers 500.
fn verify_password(password: &str, stored_hash: &str) -> Result<bool, password_hash::Error> {
    let parsed = PasswordHash::new(stored_hash)?;
    if parsed.hash.is_none() {
        // The crate would call this a wrong password; it is a broken record.
        return Err(password_hash::Error::PhcStringField);
    }
    // `verify_password` takes algorithm, version, parameters and salt from
    // `parsed` and compares the hashes in constant time.
    match argon2().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(unusable) => Err(unusable),
    }
}

impl UserStore {
    fn register(&mut self, username: &str, password: &str) -> Result<(), password_hash::Error> {
        let password_hash = hash_password(password)?;
        self.users
            .insert(username.to_string(), UserRecord { password_hash });
        Ok(())
    }

    /// `Ok(false)` for an unknown user or a wrong password, `Err` for a
    /// stored hash that cannot be checked.
    fn login(&self, username: &str, password: &str) -> Result<bool, password_hash::Error> {
        match self.users.get(username) {
            Some(user) => verify_password(password, &user.password_hash),
            None => Ok(false),
        }
    }
}

// not graded: a demo; the tests call the functions it calls
fn main() {
    let mut store = UserStore::default();
    store.register("alice", "hunter2").unwrap();
    println!("stored for alice: {}", store.users["alice"].password_hash);
    println!("login with hunter2: {:?}", store.login("alice", "hunter2"));
    println!("login with hunter3: {:?}", store.login("alice", "hunter3"));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";
    /// Made earlier with other parameters (m=8 MiB, t=2) and a salt of its own.
    const HUNTER2: &str = "$argon2id$v=19$m=8192,t=2,p=1$c29tZXNhbHRzb21lc2FsdA\
                           $30OdAMzuQXLKZftHpg6nXpyCqTn1xaFRmv0zpOHdBhI";
    /// A well-formed PHC string, but for scrypt, which this server does not use.
    const SCRYPT: &str = "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q\
                          $nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";

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
             store only its hash"
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
             random salt, or two users with the same password get the same hash"
        );
    }

    #[test]
    fn login_accepts_the_right_password() {
        let store = store_with_alice();
        let got = store.login("alice", PASSWORD);
        assert_eq!(
            got,
            Ok(true),
            "login(\"alice\", {PASSWORD:?}) gave the left value, but that is the password she \
             registered with (a stored hash is checked with verify_password, never with ==)"
        );
    }

    #[test]
    fn login_rejects_wrong_password_and_unknown_user() {
        let store = store_with_alice();
        let spaced = format!("{PASSWORD} ");
        for (user, password, why) in [
            ("alice", "Correct horse battery staple", "the case differs"),
            (
                "alice",
                spaced.as_str(),
                "it has a trailing space: every byte counts",
            ),
            (
                "alice",
                "correct horse battery",
                "it is only the start of her password",
            ),
            ("alice", "", "it is empty"),
            ("bob", PASSWORD, "there is no user bob"),
        ] {
            let got = store.login(user, password);
            assert_eq!(
                got,
                Ok(false),
                "login({user:?}, {password:?}) gave the left value, but it should fail: {why}"
            );
        }
    }

    #[test]
    fn verify_reads_salt_and_parameters_from_the_phc_string() {
        assert_eq!(
            verify_password("hunter2", HUNTER2),
            Ok(true),
            "verify_password(\"hunter2\", {HUNTER2:?}) should be Ok(true): that hash was made \
             with m=8192,t=2 and its own salt; verify with what the PHC string says, not by \
             hashing again with today's parameters"
        );
        for wrong in ["hunter3", "Hunter2", "hunter2 ", "hunter"] {
            assert_eq!(
                verify_password(wrong, HUNTER2),
                Ok(false),
                "verify_password({wrong:?}, ...) should be Ok(false) for a hash of \"hunter2\""
            );
        }
    }

    #[test]
    fn a_hash_that_cannot_be_checked_is_an_error_not_a_wrong_password() {
        let cut = "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHRzb21lc2FsdA";
        let m1 = "$argon2id$v=19$m=1,t=1,p=1$c29tZXNhbHRzb21lc2FsdA\
                  $30OdAMzuQXLKZftHpg6nXpyCqTn1xaFRmv0zpOHdBhI";
        for (stored, what) in [
            ("", "an empty string"),
            ("hunter2", "a plaintext password"),
            (
                cut,
                "a PHC string cut off before its hash (a column too short?)",
            ),
            (SCRYPT, "an scrypt hash"),
            (m1, "an argon2 hash with impossible parameters (m=1)"),
        ] {
            let got = verify_password("hunter2", stored);
            assert!(
                got.is_err(),
                "verify_password(\"hunter2\", {stored:?}) gave {got:?}, but {what} cannot be \
                 checked: that is Err (the database is broken, log it and answer 500), not \
                 Ok(false) (the user mistyped), and never Ok(true)"
            );
        }
        let mut store = store_with_alice();
        let password_hash = SCRYPT.to_string();
        store
            .users
            .insert("carol".into(), UserRecord { password_hash });
        let got = store.login("carol", "hunter2");
        assert!(
            got.is_err(),
            "login(\"carol\", ...) gave {got:?}, but carol's stored hash cannot be checked: \
             pass the error on"
        );
    }
}
