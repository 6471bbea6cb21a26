//! # Header fields and Content-Length
//!
//! After the request-line come the header fields, one per line, as
//! `Name: value` (RFC 9112 §5), then an empty line.
//! - Field names are case-insensitive (RFC 9110 §5.1): `Content-Length` and
//!   `content-length` are the same field. Compare names with
//!   `eq_ignore_ascii_case`, never with `==`.
//! - A field may come on several lines. Its values form one list, in the
//!   order received, which can be combined by joining them with `", "`
//!   (RFC 9110 §5.3). `Set-Cookie` values cannot be joined, which is why you
//!   also need every value separately.
//! - `Content-Length` is the number of body bytes (RFC 9110 §8.6): digits
//!   only. If it is invalid, or several values disagree, nobody can tell
//!   where the body ends: the server must answer 400 and close the
//!   connection (RFC 9112 §6.3). The same number repeated (`5, 5`) may be
//!   accepted as that number. When a proxy and the server behind it read
//!   different lengths, an attacker can hide a second request inside the
//!   first (request smuggling, RFC 9112 §11.2).

#[derive(Debug, PartialEq, Clone)]
enum HeaderError {
    MalformedField(String),
    InvalidContentLength,
    ConflictingContentLength,
}

/// The header fields of one request: (name as sent, value), in order.
struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// Parses field lines (without their CRLF). This part is done for you.
    fn parse(lines: &[&str]) -> Result<Headers, HeaderError> {
        let mut fields = Vec::new();
        for line in lines {
            let malformed = || HeaderError::MalformedField(line.to_string());
            let (name, value) = line.split_once(':').ok_or_else(malformed)?;
            // `Host : x` (space before the colon) must be a 400: RFC 9112 §5.1.
            if name.is_empty() || name.contains([' ', '\t']) {
                return Err(malformed());
            }
            // Spaces and tabs around the value are not part of it.
            let value = value.trim_matches([' ', '\t']);
            fields.push((name.to_string(), value.to_string()));
        }
        Ok(Headers { fields })
    }

    /// Every value of the field `name`, in the order received.
    fn get_all(&self, name: &str) -> Vec<&str> {
        // The values of all fields whose name equals `name`,
        // ignoring ASCII case (`str::eq_ignore_ascii_case`). No match: empty Vec.
        self.fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The combined value of the field `name`.
    fn get(&self, name: &str) -> Option<String> {
        // `None` if the field is absent; otherwise all its values
        // joined with ", " (e.g. "text/html, application/json").
        let values = self.get_all(name);
        if values.is_empty() {
            None
        } else {
            Some(values.join(", "))
        }
    }
}

/// The body length announced by the request, if any.
fn content_length(headers: &Headers) -> Result<Option<u64>, HeaderError> {
    // Every `Content-Length` value is split on ','
    // (a client may send `5, 5`), and each part trimmed of spaces and tabs; then:
    // - a part that is empty or has anything but ASCII digits (careful:
    //   `"+5".parse::<u64>()` succeeds!) or does not fit in a u64
    //   is `InvalidContentLength`;
    // - two parts with different numbers are `ConflictingContentLength`.
    // No Content-Length at all is `Ok(None)`.
    let mut length = None;
    for value in headers.get_all("content-length") {
        for part in value.split(',') {
            let part = part.trim_matches([' ', '\t']);
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HeaderError::InvalidContentLength);
            }
            let n: u64 = part
                .parse()
                .map_err(|_| HeaderError::InvalidContentLength)?;
            match length {
                Some(previous) if previous != n => {
                    return Err(HeaderError::ConflictingContentLength);
                }
                _ => length = Some(n),
            }
        }
    }
    Ok(length)
}

// not graded: prints a demo header lookup; the tests call `Headers::parse` and `content_length` directly
fn main() {
    let headers = Headers::parse(&["Host: example.com", "content-length: 5"]).unwrap();
    println!("Host: {:?}", headers.get("host"));
    println!("Content-Length: {:?}", content_length(&headers));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LINES: &[&str] = &[
        "Content-Type: text/html",
        "Accept: text/html",
        "accept: */*",
    ];

    fn check_get(name: &str, all: &[&str], combined: Option<&str>, why: &str) {
        let h = Headers::parse(LINES).expect("valid test lines");
        let got = h.get_all(name);
        assert_eq!(
            got, all,
            "get_all({name:?}) on {LINES:?} gave {got:?}, but it should give {all:?}: {why}"
        );
        let got = h.get(name);
        assert_eq!(
            got.as_deref(),
            combined,
            "get({name:?}) on {LINES:?} gave {got:?}, but it should give {combined:?}: {why}"
        );
    }

    fn check_length(lines: &[&str], expected: Result<Option<u64>, HeaderError>, why: &str) {
        let got = content_length(&Headers::parse(lines).expect("valid test lines"));
        assert_eq!(
            got, expected,
            "content_length for {lines:?} gave {got:?}, but it should give {expected:?}: {why}"
        );
    }

    #[test]
    fn malformed_field_lines_are_refused() {
        for (line, why) in [
            (
                "Host : example.com",
                "a space between the name and the colon (RFC 9112 §5.1)",
            ),
            (
                "Host\t: example.com",
                "a tab between the name and the colon (RFC 9112 §5.1)",
            ),
            ("X Pad: a", "a space inside the name"),
            (": example.com", "an empty field name"),
            ("no colon here", "no colon at all"),
        ] {
            let lines = ["Accept: */*", line];
            let want = HeaderError::MalformedField(line.to_string());
            match Headers::parse(&lines) {
                Err(got) => assert_eq!(
                    got, want,
                    "Headers::parse({lines:?}) should refuse the line {line:?} ({why})"
                ),
                Ok(h) => panic!(
                    "Headers::parse({lines:?}) should refuse the line {line:?} ({why}) with \
                     {want:?}, but accepted it as {:?}",
                    h.fields
                ),
            }
        }
    }

    #[test]
    fn names_are_case_insensitive() {
        let why = "field names are case-insensitive (RFC 9110 §5.1)";
        check_get("content-type", &["text/html"], Some("text/html"), why);
        check_get("CONTENT-TYPE", &["text/html"], Some("text/html"), why);
    }

    #[test]
    fn missing_field_is_none() {
        check_get("Host", &[], None, "there is no Host field");
    }

    #[test]
    fn repeated_fields_are_listed_in_order_or_combined() {
        let why = "every line of the field counts, in order; combined with \", \" (RFC 9110 §5.3)";
        check_get("ACCEPT", &["text/html", "*/*"], Some("text/html, */*"), why);
    }

    #[test]
    fn content_length_is_optional_and_decimal() {
        check_length(&["Host: a"], Ok(None), "no Content-Length means no length");
        let why = "Content-Length is a decimal number of bytes";
        check_length(&["Content-Length: 42"], Ok(Some(42)), why);
        check_length(&["content-length: 0"], Ok(Some(0)), why);
        check_length(
            &["Content-Length: 007"],
            Ok(Some(7)),
            "leading zeros are digits too",
        );
        let max = ["Content-Length: 18446744073709551615"];
        check_length(&max, Ok(Some(u64::MAX)), "the largest u64 still fits");
    }

    #[test]
    fn content_length_must_be_only_digits() {
        let not_digits = [
            (
                "+5",
                "a sign is not a digit, though `\"+5\".parse::<u64>()` accepts it",
            ),
            ("-1", "a sign is not a digit"),
            ("", "an empty value is no number"),
            ("5,", "an empty part is no number"),
            ("4 2", "a space inside the number"),
            ("0x10", "only decimal digits"),
            ("five", "only decimal digits"),
            (
                "\u{c}5",
                "a form feed is not the optional whitespace (space or tab) to trim",
            ),
            ("18446744073709551616", "one more than the largest u64"),
        ];
        for (value, why) in not_digits {
            let line = format!("Content-Length: {value}");
            check_length(&[&line], Err(HeaderError::InvalidContentLength), why);
        }
    }

    #[test]
    fn conflicting_content_lengths_are_an_error() {
        let conflict = Err(HeaderError::ConflictingContentLength);
        let why = "two lengths that disagree: nobody can tell where the body ends";
        check_length(
            &["Content-Length: 5", "content-length: 6"],
            conflict.clone(),
            why,
        );
        check_length(&["Content-Length: 5, 6"], conflict.clone(), why);
        check_length(
            &["Content-Length: 5", "Content-Length: 5, 6"],
            conflict,
            why,
        );
    }

    #[test]
    fn the_same_length_repeated_is_accepted() {
        let why = "the same number repeated may be accepted as that number (RFC 9110 §8.6)";
        let lines = ["Content-Length: 5", "content-length: 5"];
        check_length(&lines, Ok(Some(5)), why);
        check_length(&["Content-Length: 5,\t5"], Ok(Some(5)), why);
    }

    /// A field name: `target` in any ASCII case, or a look-alike that only
    /// Unicode case folding confuses with it (Kelvin sign `K` for k, long `ſ`
    /// for s, dotted `İ` for i) or a Cyrillic `о` for o, or another name.
    fn field_name(target: &'static str) -> impl Strategy<Value = String> {
        let look_alike = move |seed: usize| {
            let spots: Vec<(usize, char)> = target
                .char_indices()
                .filter_map(|(i, c)| match c.to_ascii_lowercase() {
                    'k' => Some((i, '\u{212a}')),
                    's' => Some((i, '\u{17f}')),
                    'i' => Some((i, '\u{130}')),
                    'o' => Some((i, '\u{43e}')),
                    _ => None,
                })
                .collect();
            let (i, c) = spots[seed % spots.len()];
            let mut name = target.to_string();
            name.replace_range(i..i + 1, &c.to_string());
            name
        };
        prop_oneof![
            4 => crate::generated::any_case(target),
            2 => any::<usize>().prop_map(look_alike),
            1 => Just(format!("{target}s")),
            1 => Just("Accept".to_string()),
        ]
    }

    /// One Content-Length value as a client could send it.
    fn length_value() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            4 => (0u64..100).prop_map(|n| n.to_string()),
            1 => Just(u64::MAX.to_string()),
            1 => Just("18446744073709551616".to_string()),
            1 => Just("007".to_string()),
            1 => Just("7".to_string()),
            1 => proptest::sample::select(vec!["+7", "-7", "", "7a", "0x7", "\u{ff17}", "\u{663}", "7.0"])
                .prop_map(String::from),
        ];
        let pad = prop_oneof![
            4 => Just(String::new()),
            1 => Just(" ".to_string()),
            1 => Just("\t".to_string()),
            1 => proptest::sample::select(crate::generated::UNICODE_SPACES.to_vec()).prop_map(String::from),
        ];
        proptest::collection::vec((pad.clone(), part, pad), 1..3).prop_map(|parts| {
            let parts: Vec<String> = parts
                .into_iter()
                .map(|(a, p, b)| format!("{a}{p}{b}"))
                .collect();
            parts.join(",")
        })
    }

    /// The rules of the TODO, written out: every Content-Length field (name in
    /// any ASCII case), each split on ',', each part trimmed of SP and HTAB only,
    /// ASCII digits only, fitting a u64, all equal.
    fn oracle(fields: &[(String, String)]) -> Result<Option<u64>, HeaderError> {
        let mut length = None;
        let values = fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        for (_, value) in values {
            for part in value.split(',') {
                let part = part.trim_matches(|c| c == ' ' || c == '\t');
                let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
                let n = part.parse::<u64>().ok().filter(|_| digits);
                let n = n.ok_or(HeaderError::InvalidContentLength)?;
                if length.is_some_and(|l| l != n) {
                    return Err(HeaderError::ConflictingContentLength);
                }
                length = Some(n);
            }
        }
        Ok(length)
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn fields_are_found_by_ascii_case_insensitive_name(
            (target, names) in proptest::sample::select(vec!["Host", "X-Kind", "If-None-Match", "Accept-Encoding"])
                .prop_flat_map(|t| (Just(t), proptest::collection::vec(field_name(t), 0..5))),
        ) {
            let fields: Vec<(String, String)> = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), format!("v{i}")))
                .collect();
            let headers = Headers { fields: fields.clone() };
            let want: Vec<&str> = fields
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(target))
                .map(|(_, v)| v.as_str())
                .collect();
            let got = headers.get_all(target);
            prop_assert_eq!(
                &got, &want,
                "get_all({:?}) on the fields {:?} gave the left values, but should give the \
                 right: names match ignoring ASCII case only (RFC 9110 §5.1); a Kelvin sign, a \
                 long s or a dotted I is another character, not a spelling of k, s or i",
                target, fields
            );
            let combined = if want.is_empty() { None } else { Some(want.join(", ")) };
            prop_assert_eq!(
                headers.get(target), combined,
                "get({:?}) on the fields {:?} should join every value with \", \", in order",
                target, fields
            );
        }

        #[test]
        fn content_length_follows_the_rules(
            fields in proptest::collection::vec(
                (field_name("Content-Length"), length_value()),
                0..4,
            ),
        ) {
            let headers = Headers { fields: fields.clone() };
            let want = oracle(&fields);
            let got = content_length(&headers);
            prop_assert_eq!(
                &got, &want,
                "content_length on the fields {:?} gave the left, but should give the right: \
                 every Content-Length field counts (name in any ASCII case only), each value \
                 splits on ',', only spaces and tabs are trimmed (not Unicode spaces), a part \
                 must be ASCII digits only (not +, -, fullwidth or Arabic-Indic digits) and \
                 fit a u64, and all parts must agree (RFC 9110 §8.6, RFC 9112 §6.3)",
                fields
            );
        }
    }
}
