//! # base64url without padding
//!
//! Tokens travel in URLs, headers and cookies, which only take text. Base64
//! turns any bytes into text: every 3 bytes (24 bits) become 4 characters of
//! 6 bits each, taken from a 64-character alphabet. The standard alphabet ends
//! in `+` and `/`, which mean something in URLs, so "base64url" (RFC 4648 §5)
//! uses `-` and `_` instead. JSON Web Tokens use base64url *without* the `=`
//! padding (RFC 7515 §2, "Base64url Encoding"), and so does this exercise.
//!
//! Without padding the last group can be short:
//! - 3 bytes -> 4 characters, 2 bytes -> 3 characters, 1 byte -> 2 characters;
//! - so going back, 4 characters -> 3 bytes, 3 -> 2, 2 -> 1, and a group of a
//!   single character is impossible (6 bits cannot make a byte): a text whose
//!   length is `4k + 1` is not valid base64url.
//!
//! Take the first 3 bytes `b0 b1 b2` as one number
//! `n = (b0 << 16) | (b1 << 8) | b2`; its characters are the sextets
//! `n >> 18`, `n >> 12`, `n >> 6` and `n`, each masked with `& 0b11_1111`
//! and looked up in `ALPHABET`. Decoding runs the same steps backwards.
//! A decoder must reject anything outside the alphabet, including `+`, `/`,
//! `=` and whitespace: tokens are compared and signed as exact strings.
//! For the same reason it rejects a last group whose leftover bits are not
//! zero: 2 characters carry 12 bits for 1 byte, 3 carry 18 for 2, and the 4
//! or 2 bits left over must be 0. Otherwise `Zg` and `Zh` would both decode
//! to `f`, and one token could be written several ways (RFC 4648 §3.5; the
//! `base64` crate rejects them too).
//!
//! Read more: RFC 4648 §4, §5 and the test vectors in §10.
//! (In real code use the `base64` crate, as the later exercises do; here you
//! write it once by hand to see there is no magic.)

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[derive(Debug, PartialEq)]
enum DecodeError {
    InvalidCharacter(char),
    InvalidLength,
    /// The leftover bits of the last group are not all zero.
    NonCanonical,
}

/// The 6-bit value of a base64url character, e.g. `'A'` -> 0, `'_'` -> 63.
fn sextet(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|i| i as u32)
}

fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, &byte) in chunk.iter().enumerate() {
            n |= u32::from(byte) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 0b11_1111) as usize] as char);
        }
    }
    out
}

fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    let mut values = Vec::new();
    for c in text.chars() {
        values.push(sextet(c).ok_or(DecodeError::InvalidCharacter(c))?);
    }
    if values.len() % 4 == 1 {
        return Err(DecodeError::InvalidLength);
    }
    let mut out = Vec::new();
    for group in values.chunks(4) {
        let mut n = 0u32;
        for (i, value) in group.iter().enumerate() {
            n |= value << (18 - 6 * i);
        }
        let bytes = group.len() - 1;
        // The bits below the last decoded byte must all be zero.
        if n & ((1 << (24 - 8 * bytes)) - 1) != 0 {
            return Err(DecodeError::NonCanonical);
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

// not graded: a demo; the tests call the functions it calls
fn main() {
    println!("{}", encode(b"{\"alg\":\"HS256\"}"));
    println!("{:?}", decode("eyJhbGciOiJIUzI1NiJ9"));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    // RFC 4648 §10, with the padding removed.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn encodes_the_rfc_4648_test_vectors() {
        for (plain, encoded) in VECTORS {
            let got = encode(plain.as_bytes());
            assert_eq!(
                got, encoded,
                "encode({plain:?}) gave {got:?}, expected {encoded:?}"
            );
        }
    }

    #[test]
    fn decodes_the_rfc_4648_test_vectors() {
        for (plain, encoded) in VECTORS {
            let got = decode(encoded);
            assert_eq!(
                got,
                Ok(plain.as_bytes().to_vec()),
                "decode({encoded:?}) gave {got:?}, expected the bytes of {plain:?}"
            );
        }
    }

    #[test]
    fn uses_the_url_safe_alphabet() {
        let got = encode(&[0xfb, 0xff, 0xbf, 0xfb, 0xff]);
        assert_eq!(
            got, "-_-_-_8",
            "encode([0xfb, 0xff, 0xbf, 0xfb, 0xff]) gave {got:?}: base64url uses `-` and `_` \
             where standard base64 uses `+` and `/`, and no `=` padding"
        );
        let got = decode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
        assert_eq!(
            got.map(String::from_utf8),
            Ok(Ok(r#"{"alg":"HS256","typ":"JWT"}"#.to_string())),
            "decoding the header of a real JWT went wrong"
        );
    }

    #[test]
    fn agrees_with_the_base64_crate_for_every_length() {
        for len in 0..=48usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len * 11) as u8).collect();
            let expected = URL_SAFE_NO_PAD.encode(&bytes);
            let got = encode(&bytes);
            assert_eq!(
                got, expected,
                "encode({bytes:?}) disagrees with the base64 crate"
            );
            let back = decode(&expected);
            assert_eq!(
                back,
                Ok(bytes),
                "decode({expected:?}) disagrees with the base64 crate"
            );
        }
    }

    #[test]
    fn rejects_characters_outside_the_alphabet() {
        for (text, bad, why) in [
            (
                "Zm9v+A",
                '+',
                "it belongs to standard base64, not base64url",
            ),
            (
                "Zm9v/A",
                '/',
                "it belongs to standard base64, not base64url",
            ),
            (
                "Zg==",
                '=',
                "base64url here has no padding, and `=` must not be skipped",
            ),
            ("Zm9v\n", '\n', "no whitespace may be skipped"),
            ("Zm 9v", ' ', "no whitespace may be skipped"),
            (
                "Zmé9",
                'é',
                "report the character, not one of its two UTF-8 bytes",
            ),
        ] {
            let got = decode(text);
            assert_eq!(
                got,
                Err(DecodeError::InvalidCharacter(bad)),
                "decode({text:?}) gave {got:?}, but {bad:?} is not a base64url character: {why}"
            );
        }
    }

    #[test]
    fn rejects_impossible_lengths() {
        for text in ["Z", "Zm9vY", "Zm9vYmFyZ"] {
            let got = decode(text);
            assert_eq!(
                got,
                Err(DecodeError::InvalidLength),
                "decode({text:?}) gave {got:?}: {} characters leave a last group of one \
                 character, 6 bits, which cannot make a byte",
                text.len()
            );
        }
    }

    #[test]
    fn rejects_leftover_bits_that_are_not_zero() {
        for (text, canonical) in [
            ("Zh", "Zg"),
            ("Zm9", "Zm8"),
            ("Zm9vYh", "Zm9vYg"),
            ("Zm9vYmF", "Zm9vYmE"),
        ] {
            let got = decode(text);
            assert_eq!(
                got,
                Err(DecodeError::NonCanonical),
                "decode({text:?}) gave {got:?}: the unused bits of its last character are not \
                 zero, so it is another spelling of {canonical:?}; a token must have only one"
            );
        }
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn any_bytes_encode_like_the_base64_crate_and_decode_back(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let want = URL_SAFE_NO_PAD.encode(&bytes);
            let got = encode(&bytes);
            prop_assert_eq!(&got, &want, "encode({:?}) disagrees with the base64 crate", bytes);
            let back = decode(&want);
            prop_assert_eq!(back, Ok(bytes.clone()), "decode({:?}) did not give the bytes back", want);
        }

        /// Any text, mostly from the alphabet, sometimes with a character from
        /// elsewhere (standard base64's `+` `/` `=`, white space, Unicode,
        /// look-alikes): the base64 crate decides whether it decodes, and the
        /// first rule broken decides the error.
        #[test]
        fn any_text_decodes_like_the_base64_crate(
            text in proptest::collection::vec(
                prop_oneof![
                    12 => proptest::sample::select(ALPHABET.to_vec()).prop_map(char::from),
                    1 => proptest::sample::select(vec!['+', '/', '=', '.', ' ', '\n']),
                    1 => crate::generated::tricky_char(),
                ],
                0..24,
            ).prop_map(|c| c.into_iter().collect::<String>()),
        ) {
            let got = decode(&text);
            let want = match URL_SAFE_NO_PAD.decode(&text) {
                Ok(bytes) => Ok(bytes),
                Err(_) => match text.chars().find(|&c| !ALPHABET.contains(&(c as u32 as u8)) || !c.is_ascii()) {
                    Some(c) => Err(DecodeError::InvalidCharacter(c)),
                    None if text.len() % 4 == 1 => Err(DecodeError::InvalidLength),
                    None => Err(DecodeError::NonCanonical),
                },
            };
            prop_assert_eq!(
                &got, &want,
                "decode({:?}) gave the left, but should give the right: only the 64 characters \
                 of the base64url alphabet (RFC 4648 §5), no padding, no white space; the first \
                 character outside it is the error, then a length of 4n+1, then leftover bits \
                 that are not zero",
                text
            );
        }
    }
}
