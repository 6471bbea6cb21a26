// Appended to solutions/05_auth/auth7.rs by tests/interop.rs: PyJWT makes the algorithm
// attacks; the verifier accepts only its own algorithm.
#[cfg(test)]
mod interop {
    use super::clients::python;
    use super::*;

    const SECRET: &str = "server-secret-of-at-least-64-bytes-for-hs512-server-secret-0123456";

    const MAKE: &str = r#"
import jwt, sys
secret = sys.argv[1].encode()
claims = {"sub": "alice", "role": "user"}
for alg in ["HS256", "HS512"]:
    print(jwt.encode(claims, secret, algorithm=alg))
print(jwt.encode({**claims, "role": "admin"}, None, algorithm="none"))
print(jwt.encode({**claims, "role": "admin"}, None, algorithm="none") + "c2ln")  # none, with a signature
"#;

    #[test]
    fn each_verifier_takes_only_its_algorithm() {
        let out = python(MAKE, &[SECRET]);
        let [hs256, hs512, none, none_signed] = out.lines().collect::<Vec<_>>()[..] else {
            panic!("PyJWT printed {out}");
        };
        let alice = || Claims {
            sub: "alice".into(),
            role: "user".into(),
        };
        let v256 = Verifier {
            algorithm: "HS256",
            secret: SECRET.as_bytes().to_vec(),
        };
        let v512 = Verifier {
            algorithm: "HS512",
            secret: SECRET.as_bytes().to_vec(),
        };
        assert_eq!(
            v256.verify(hs256),
            Ok(alice()),
            "PyJWT HS256 token, HS256 verifier"
        );
        assert_eq!(
            v512.verify(hs512),
            Ok(alice()),
            "PyJWT HS512 token, HS512 verifier"
        );
        assert!(
            v256.verify(hs512).is_err(),
            "an HS512 token passed the HS256 verifier"
        );
        assert!(
            v512.verify(hs256).is_err(),
            "an HS256 token passed the HS512 verifier"
        );
        for token in [none, none_signed] {
            assert!(v256.verify(token).is_err(), "alg none accepted: {token}");
            assert!(v512.verify(token).is_err(), "alg none accepted: {token}");
        }
    }
}
