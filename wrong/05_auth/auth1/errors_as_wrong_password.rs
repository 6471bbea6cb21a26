// wrong: every verification error becomes "wrong password"
// expect: cannot be checked
// expect: not Ok(false)
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
    // `verify_password` takes algorithm, version, parameters and salt from
    // `parsed` and compares the hashes in constant time.
    Ok(argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
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

fn main() {
    let mut store = UserStore::default();
    store.register("alice", "hunter2").unwrap();
    println!("stored for alice: {}", store.users["alice"].password_hash);
    println!("login with hunter2: {:?}", store.login("alice", "hunter2"));
    println!("login with hunter3: {:?}", store.login("alice", "hunter3"));
}
