//! # Query strings and percent-decoding
//!
//! In `GET /search?q=caf%C3%A9+au+lait&page=2 HTTP/1.1` the part after `?` is
//! the *query*: `name=value` pairs joined by `&`, and only by `&`. (Some old
//! servers also split on `;`. A cache or firewall that does not then sees other
//! parameters than the server: the "parameter cloaking" attack.) Characters that
//! mean something in a URL (`&`, `=`, `/`, `?`, `#`, space, anything non-ASCII) cannot appear
//! as themselves inside a value, so they are *percent-encoded*: each byte is
//! written as `%` and two hex digits (RFC 3986 §2.1). `%2F` is `/`, and `%C3%A9`
//! are the two UTF-8 bytes of `é`.
//!
//! HTML forms add one rule (`application/x-www-form-urlencoded`, WHATWG URL
//! Standard §5): a space may be sent as `+`, so a real `+` arrives as `%2B`.
//! That rule is for queries and form bodies only; in a path, `+` is just `+`.
//!
//! The order of the steps matters, and getting it wrong is a classic bug:
//! - split on `&` and on the first `=` *before* decoding, or `q=a%26b`
//!   (the value `a&b`) is cut in two; names are decoded exactly like values
//!   (`first+name=x` is the name `first name`);
//! - turn `+` into a space *before* percent-decoding, or `%2B` becomes a space.
//!
//! A `%` that is not followed by two hex digits is malformed. The WHATWG parser
//! lets it through unchanged; we are stricter and reject it (and decoded bytes
//! that are not UTF-8), so the server can answer 400 Bad Request instead of
//! guessing what the client meant.
//!
//! Read more: RFC 3986 §2.1 and §3.4; https://url.spec.whatwg.org/#urlencoded-parsing

#[derive(Debug, PartialEq)]
enum DecodeError {
    /// A `%` not followed by two hex digits, e.g. `%zz` or a lone `%` at the end.
    InvalidEscape,
    /// The decoded bytes are not valid UTF-8, e.g. `%FF`.
    InvalidUtf8,
}

/// Percent-decodes one component (RFC 3986 §2.1). `+` stays `+`.
fn percent_decode(input: &str) -> Result<String, DecodeError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|&b| (b as char).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|&b| (b as char).to_digit(16));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(DecodeError::InvalidEscape),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
}

/// Decodes one form-encoded name or value: `+` is a space, then percent-decoding.
fn form_decode(input: &str) -> Result<String, DecodeError> {
    percent_decode(&input.replace('+', " "))
}

/// Parses a query string (without the `?`) into decoded `(name, value)` pairs,
/// in order. Empty pieces (`a=1&&b=2`) are skipped; `flag` without `=` has the
/// value `""`.
fn parse_query(query: &str) -> Result<Vec<(String, String)>, DecodeError> {
    let mut pairs = Vec::new();
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        pairs.push((form_decode(name)?, form_decode(value)?));
    }
    Ok(pairs)
}

// not graded: prints one demo query; the tests call `parse_query` directly
fn main() {
    // Try it: `cargo run --bin http5`
    println!("{:?}", parse_query("q=caf%C3%A9+au+lait&page=2"));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Checks `percent_decode(input) == want`; `rule` says why, for the failure message.
    fn decode(input: &str, want: Result<&str, DecodeError>, rule: &str) {
        let got = percent_decode(input);
        let want = want.map(String::from);
        let msg = format!("percent_decode({input:?}) returned {got:?}, expected {want:?}: {rule}");
        assert_eq!(got, want, "{msg}");
    }

    /// Checks `parse_query(query) == want`; `rule` says why.
    fn query_is(query: &str, want: Result<&[(&str, &str)], DecodeError>, rule: &str) {
        let got = parse_query(query);
        let want = want.map(|w| w.iter().map(|&(n, v)| (n.into(), v.into())).collect());
        let msg = format!("parse_query({query:?}) returned {got:?}, expected {want:?}: {rule}");
        assert_eq!(got, want, "{msg}");
    }

    fn query(query: &str, want: &[(&str, &str)], rule: &str) {
        query_is(query, Ok(want), rule);
    }

    #[test]
    fn percent_escapes_are_decoded() {
        let rule = "`%` and two hex digits (upper or lower case) are one byte";
        decode("a%20b", Ok("a b"), rule);
        decode("%2Fusers%2f7", Ok("/users/7"), rule);
        decode("100%25", Ok("100%"), rule);
        let rule = "collect all the bytes, then make one String";
        decode("caf%C3%A9", Ok("café"), rule);
        let rule = "outside a query, `+` is an ordinary character";
        decode("c++", Ok("c++"), rule);
        let rule = "bytes that are not part of an escape are copied unchanged, all of them";
        decode("café", Ok("café"), rule);
    }

    #[test]
    fn malformed_escapes_are_rejected() {
        let rule = "a `%` must be followed by exactly two hex digits (0-9, a-f, A-F)";
        for input in ["%zz", "%4", "a%2", "50%", "%+1", "%-1", "%é1", "ok%G0"] {
            decode(input, Err(DecodeError::InvalidEscape), rule);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_rejected() {
        let rule = "the byte 0xFF is never valid UTF-8";
        decode("%FF", Err(DecodeError::InvalidUtf8), rule);
        let rule = "%C3 is only the first half of `é`: not valid UTF-8 on its own";
        decode("caf%C3", Err(DecodeError::InvalidUtf8), rule);
    }

    #[test]
    fn plus_means_space_in_a_query() {
        query(
            "q=rust+http",
            &[("q", "rust http")],
            "in a query `+` is a space",
        );
    }

    #[test]
    fn encoded_plus_stays_plus() {
        let rule = "replace `+` by a space before percent-decoding, not after";
        query("sum=1%2B1", &[("sum", "1+1")], rule);
    }

    #[test]
    fn pairs_are_split_before_decoding() {
        let rule = "an encoded `&` or `=` is part of the value: split first, decode after";
        query("q=a%26b%3Dc&page=2", &[("q", "a&b=c"), ("page", "2")], rule);
        let rule = "split each pair on its first `=` only";
        query("expr=a=b", &[("expr", "a=b")], rule);
    }

    #[test]
    fn names_are_decoded_like_values() {
        let rule = "a name is split off first and then decoded like a value (`+`, `%XY`)";
        let want = [("first name", "ada"), ("a&b", "c"), ("k=v", "1")];
        query("first+name=ada&a%26b=c&k%3Dv=1", &want, rule);
    }

    #[test]
    fn only_ampersand_separates_pairs() {
        let rule = "only `&` separates pairs (WHATWG URL Standard §5.1); `;` is an \
                    ordinary character, and splitting on it allows parameter cloaking";
        query("a=1;b=2&c=3", &[("a", "1;b=2"), ("c", "3")], rule);
    }

    #[test]
    fn repeated_names_are_kept_in_order() {
        let want = [("tag", "a"), ("tag", "b"), ("tag", "c")];
        query("tag=a&tag=b&tag=c", &want, "keep every pair, in order");
    }

    #[test]
    fn names_without_value_and_empty_pieces() {
        let rule = "skip empty pieces; a name without `=` has the value \"\"";
        query("&debug&&page=&", &[("debug", ""), ("page", "")], rule);
        query("", &[], "an empty query has no pairs");
        let rule = "`=x` is not an empty piece: it is the name \"\" with the value \"x\"";
        query("=x&a=1", &[("", "x"), ("a", "1")], rule);
    }

    #[test]
    fn a_bad_escape_anywhere_fails_the_query() {
        let rule = "a bad escape is an error, so the server can answer 400";
        query_is("q=%zz", Err(DecodeError::InvalidEscape), rule);
        query_is("a=1&b%=2", Err(DecodeError::InvalidEscape), rule);
        query_is("a=1&b=2%", Err(DecodeError::InvalidEscape), rule);
        query_is("x=%E9", Err(DecodeError::InvalidUtf8), rule);
    }

    /// Form-encodes `text` as a browser might: `choices` picks, per character,
    /// between writing it raw where that is safe (non-ASCII included), `+` for a
    /// space, or `%XX` per UTF-8 byte in upper- or lowercase hex.
    fn encode(text: &str, choices: &[u8]) -> String {
        let mut out = String::new();
        for (i, c) in text.chars().enumerate() {
            let choice = choices.get(i % choices.len().max(1)).copied().unwrap_or(0);
            let special = matches!(c, '%' | '&' | '=' | '+' | '#');
            if c == ' ' && choice % 2 == 0 {
                out.push('+');
            } else if !special && !c.is_ascii_control() && c != ' ' && choice % 3 != 0 {
                out.push(c);
            } else {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let hex = format!("%{b:02X}");
                    out.push_str(&if choice % 4 == 1 {
                        hex.to_lowercase()
                    } else {
                        hex
                    });
                }
            }
        }
        out
    }

    /// The reference rules, written out, for any query at all.
    fn oracle(query: &str) -> Result<Vec<(String, String)>, DecodeError> {
        fn decode(s: &str) -> Result<String, DecodeError> {
            let b = s.as_bytes();
            let (mut out, mut i) = (Vec::new(), 0);
            while i < b.len() {
                match b[i] {
                    b'+' => out.push(b' '),
                    b'%' => {
                        let hex = b
                            .get(i + 1..i + 3)
                            .and_then(|h| std::str::from_utf8(h).ok());
                        let ok = hex.filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                        let byte = ok.and_then(|h| u8::from_str_radix(h, 16).ok());
                        out.push(byte.ok_or(DecodeError::InvalidEscape)?);
                        i += 2;
                    }
                    c => out.push(c),
                }
                i += 1;
            }
            String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
        }
        let pieces = query.split('&').filter(|p| !p.is_empty());
        pieces
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                Ok((decode(n)?, decode(v)?))
            })
            .collect()
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn encoded_pairs_decode_to_what_was_sent(
            pairs in proptest::collection::vec(
                (crate::generated::tricky_text(0, 6), crate::generated::tricky_text(0, 6), any::<bool>()),
                0..4,
            ),
            choices in proptest::collection::vec(any::<u8>(), 1..8),
            doubled in any::<bool>(),
        ) {
            let mut pieces = Vec::new();
            let mut want = Vec::new();
            for (name, value, with_eq) in &pairs {
                let with_eq = *with_eq || !value.is_empty();
                let piece = match with_eq {
                    true => format!("{}={}", encode(name, &choices), encode(value, &choices)),
                    false => encode(name, &choices),
                };
                if !piece.is_empty() {
                    want.push((name.clone(), value.clone()));
                }
                pieces.push(piece);
            }
            let query = pieces.join(if doubled { "&&" } else { "&" });
            let got = parse_query(&query);
            prop_assert_eq!(
                &got, &Ok(want.clone()),
                "parse_query({:?}) gave the left, but the browser sent the pairs on the right: \
                 split on `&` (empty pieces skipped), then on the first `=`, then `+` is a \
                 space and `%XX` is one byte in upper- or lowercase hex, the bytes decoded as \
                 UTF-8; characters sent raw, non-ASCII ones too, stay as they are",
                query
            );
        }

        #[test]
        fn any_query_gets_the_verdict_of_the_rules(
            query in proptest::collection::vec(
                proptest::sample::select(vec!["%", "%2", "%2B", "%c3%a9", "%C3", "%FF", "%+1", "%-1", "%1", "g", "+", "=", "&", "a", "é", "%e2%82%ac", "%zz", "\u{a0}"]),
                0..10,
            ).prop_map(|p| p.concat()),
        ) {
            let want = oracle(&query);
            let got = parse_query(&query);
            prop_assert_eq!(
                &got, &want,
                "parse_query({:?}) gave the left, but should give the right: a `%` needs two \
                 hex digits after it (not a sign, not one digit), else InvalidEscape; decoded \
                 bytes that are not UTF-8 are InvalidUtf8; `+` is a space; the first error \
                 found in order decides",
                query
            );
        }
    }
}
