// Appended to solutions/05_auth/auth6.rs by tests/interop.rs: `validate_claims` agrees with
// PyJWT (same 30 s leeway) on exp, nbf and iat, well away from the boundaries (PyJWT reads
// the real clock).
#[cfg(test)]
mod interop {
    use super::clients::python;
    use super::*;

    const JUDGE: &str = r#"
import jwt, sys
secret = b"server-secret-of-at-least-32-bytes"
for line in sys.argv[1:]:
    iat, exp, nbf = (int(x) if x != "-" else None for x in line.split(","))
    claims = {"sub": "alice", "iat": iat, "exp": exp}
    if nbf is not None:
        claims["nbf"] = nbf
    token = jwt.encode(claims, secret, algorithm="HS256")
    try:
        jwt.decode(token, secret, algorithms=["HS256"], leeway=30)
        print("valid")
    except jwt.ExpiredSignatureError:
        print("expired")
    except jwt.ImmatureSignatureError:
        print("not yet")
"#;

    #[test]
    fn validate_claims_agrees_with_pyjwt() {
        let now = now_unix();
        // (iat, exp, nbf) relative to now; each at least 10 s from a boundary.
        let cases: [(i64, i64, Option<i64>); 8] = [
            (-60, 900, None),
            (-3600, -100, None), // expired, beyond the leeway
            (-3600, -15, None),  // expired, within the leeway
            (-60, 900, Some(100)),
            (-60, 900, Some(15)),
            (100, 900, None), // issued in the future
            (15, 900, None),
            (-60, 900, Some(-100)),
        ];
        let at = |delta: i64| (now as i64 + delta) as u64;
        let args: Vec<String> = cases
            .iter()
            .map(|(iat, exp, nbf)| {
                let nbf = nbf.map_or("-".to_string(), |n| at(n).to_string());
                format!("{},{},{nbf}", at(*iat), at(*exp))
            })
            .collect();
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let pyjwt = python(JUDGE, &arg_refs);
        for ((iat, exp, nbf), verdict) in cases.iter().zip(pyjwt.lines()) {
            let claims = Claims {
                sub: "alice".into(),
                iat: at(*iat),
                exp: at(*exp),
                nbf: nbf.map(at),
            };
            let ours = validate_claims(&claims, now);
            assert_eq!(
                ours.is_ok(),
                verdict == "valid",
                "iat {iat:+}, exp {exp:+}, nbf {nbf:?} (seconds from now): validate_claims says \
                 {ours:?}, PyJWT says {verdict}"
            );
        }
    }
}
