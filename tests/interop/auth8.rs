// Appended to solutions/05_auth/auth8.rs by tests/interop.rs: jsonwebtoken's tokens verify in
// PyJWT (issuer, audience, expiry); PyJWT's tokens are judged by `check_token`.
#[cfg(test)]
mod interop {
    use super::clients::python;
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    const SECRET: &str = "server-secret-of-at-least-32-bytes";

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn a_token_issued_here_verifies_in_pyjwt() {
        let token = issue_token("alice", now() + 900, SECRET.as_bytes()).unwrap();
        let script = r#"
import jwt, sys
claims = jwt.decode(sys.argv[1], sys.argv[2].encode(), algorithms=["HS256"],
                    audience="notes-api", issuer="https://auth.example.com",
                    options={"require": ["exp", "iss", "aud", "sub"]})
print(claims["sub"])
"#;
        assert_eq!(python(script, &[&token, SECRET]), "alice");
    }

    /// One PyJWT token per line: the valid one first, then each that must be rejected.
    const MAKE: &str = r#"
import jwt, sys, time
secret, now = sys.argv[1].encode(), int(time.time())
good = {"sub": "alice", "iss": "https://auth.example.com", "aud": "notes-api", "exp": now + 900}
cases = [
    ("valid", good, "HS256", secret),
    ("expired an hour ago", {**good, "exp": now - 3600}, "HS256", secret),
    ("not valid before an hour from now (nbf)", {**good, "nbf": now + 3600}, "HS256", secret),
    ("another audience", {**good, "aud": "billing-api"}, "HS256", secret),
    ("another issuer", {**good, "iss": "https://evil.example.com"}, "HS256", secret),
    ("no exp", {k: v for k, v in good.items() if k != "exp"}, "HS256", secret),
    ("signed with another secret", good, "HS256", b"another-secret-of-at-least-32-bytes"),
    ("signed with HS512", good, "HS512", secret + secret),
    ("alg none", good, "none", None),
]
for what, claims, alg, key in cases:
    print(what + "\t" + jwt.encode(claims, key, algorithm=alg))
"#;

    #[test]
    fn pyjwt_tokens_are_judged_like_pyjwt_would() {
        let out = python(MAKE, &[SECRET]);
        let mut cases = out.lines().map(|l| l.split_once('\t').unwrap());
        let (_, valid) = cases.next().unwrap();
        let claims = check_token(valid, SECRET.as_bytes()).expect("a valid PyJWT token");
        assert_eq!(claims.sub, "alice");
        for (what, token) in cases {
            assert!(
                check_token(token, SECRET.as_bytes()).is_err(),
                "check_token accepted a PyJWT token {what}: {token}"
            );
        }
    }
}
