// Appended to solutions/05_auth/auth5.rs by tests/interop.rs: tokens made by PyJWT verify
// here; PyJWT-made tampered, re-signed and `alg: none` tokens do not.
#[cfg(test)]
mod interop {
    use super::clients::python;
    use super::*;

    const SECRET: &str = "server-secret-of-at-least-32-bytes";

    /// PyJWT tokens for `{"sub": "alice", "role": "user"}`: valid, then each kind of forgery.
    const MAKE: &str = r#"
import base64, jwt, sys
secret = sys.argv[1].encode()
claims = {"sub": "alice", "role": "user"}
good = jwt.encode(claims, secret, algorithm="HS256")
head, _, sig = good.split(".")
admin = base64.urlsafe_b64encode(b'{"sub":"alice","role":"admin"}').rstrip(b"=").decode()
print(good)
print(f"{head}.{admin}.{sig}")                                            # payload changed
print(jwt.encode({**claims, "role": "admin"}, b"guessed-secret-guessed-secret-32", algorithm="HS256"))
print(jwt.encode({**claims, "role": "admin"}, None, algorithm="none"))   # alg none, no signature
"#;

    #[test]
    fn pyjwt_tokens_verify_and_forgeries_do_not() {
        let out = python(MAKE, &[SECRET]);
        let tokens: Vec<&str> = out.lines().collect();
        let secret = SECRET.as_bytes();
        let alice = Claims {
            sub: "alice".into(),
            role: "user".into(),
        };
        assert_eq!(
            verify_jwt(tokens[0], secret),
            Ok(alice),
            "a PyJWT HS256 token"
        );
        for (token, what) in
            tokens[1..]
                .iter()
                .zip(["a changed payload", "another secret", "alg none"])
        {
            assert!(
                verify_jwt(token, secret).is_err(),
                "{what}: PyJWT's forged token {token} was accepted"
            );
        }
    }

    #[test]
    fn a_token_made_here_verifies_in_pyjwt() {
        let token = sign(r#"{"sub":"bob","role":"admin"}"#, SECRET.as_bytes());
        let script = r#"
import jwt, sys
print(jwt.decode(sys.argv[1], sys.argv[2].encode(), algorithms=["HS256"])["role"])
"#;
        assert_eq!(python(script, &[&token, SECRET]), "admin");
    }
}
