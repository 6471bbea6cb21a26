// Appended to solutions/05_auth/auth1.rs by tests/interop.rs: the PHC strings are the
// standard ones: argon2-cffi verifies ours, and we verify argon2-cffi's.
#[cfg(test)]
mod interop {
    use super::clients::python;
    use super::*;

    const PASSWORD: &str = "correct hörse battery staple";

    #[test]
    fn a_hash_made_here_verifies_in_argon2_cffi() {
        let phc = hash_password(PASSWORD).unwrap();
        let script = r#"
import argon2, sys
ph = argon2.PasswordHasher()
assert ph.verify(sys.argv[1], sys.argv[2])
try:
    ph.verify(sys.argv[1], sys.argv[2] + "!")
except argon2.exceptions.VerifyMismatchError:
    print(argon2.extract_parameters(sys.argv[1]).type.name)
"#;
        assert_eq!(python(script, &[&phc, PASSWORD]), "ID", "{phc}");
    }

    #[test]
    fn a_hash_made_by_argon2_cffi_verifies_here() {
        let script = r#"
import argon2, sys
print(argon2.PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(sys.argv[1]))
"#;
        let phc = python(script, &[PASSWORD]);
        assert_eq!(verify_password(PASSWORD, &phc), Ok(true), "{phc}");
        assert_eq!(
            verify_password("correct horse battery staple", &phc),
            Ok(false),
            "{phc}"
        );
    }
}
