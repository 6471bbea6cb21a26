// Appended to solutions/05_auth/auth4.rs by tests/interop.rs: tokens signed by hand verify
// in PyJWT, byte for byte the same claims.
#[cfg(test)]
mod interop {
    use super::clients::python;
    use super::*;

    const SECRET_HEX: &str = "b1074e2ac95d13886fe03a912c47d50b7ea41962f38d05be401c9f762ed853aa";

    fn secret() -> Vec<u8> {
        let hex = |i: usize| u8::from_str_radix(&SECRET_HEX[i..i + 2], 16).unwrap();
        (0..SECRET_HEX.len()).step_by(2).map(hex).collect()
    }

    const DECODE: &str = r#"
import jwt, json, sys
token, secret = sys.argv[1], bytes.fromhex(sys.argv[2])
header = jwt.get_unverified_header(token)
assert header == {"alg": "HS256", "typ": "JWT"}, header
print(json.dumps(jwt.decode(token, secret, algorithms=["HS256"]), sort_keys=True))
"#;

    #[test]
    fn a_token_signed_here_verifies_in_pyjwt() {
        let claims = Claims {
            sub: "1234567890".into(),
            name: "Zoë \"the\" Dev ✓".into(),
            iat: 1516239022,
        };
        let token = encode_jwt(&claims, &secret()).expect("a 32-byte key is long enough");
        let decoded = python(DECODE, &[&token, SECRET_HEX]);
        let expected =
            r#"{"iat": 1516239022, "name": "Zo\u00eb \"the\" Dev \u2713", "sub": "1234567890"}"#;
        assert_eq!(
            decoded, expected,
            "PyJWT decoded the token made by encode_jwt"
        );
    }

    #[test]
    fn pyjwt_rejects_it_with_another_secret() {
        let claims = Claims {
            sub: "alice".into(),
            name: "Alice".into(),
            iat: 1516239022,
        };
        let token = encode_jwt(&claims, &secret()).unwrap();
        let script = r#"
import jwt, sys
try:
    jwt.decode(sys.argv[1], b"another secret, 32 bytes long!!!", algorithms=["HS256"])
except jwt.InvalidSignatureError:
    print("rejected")
"#;
        assert_eq!(python(script, &[&token]), "rejected");
    }
}
