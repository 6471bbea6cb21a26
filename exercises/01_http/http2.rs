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
        // TODO: the values of every field with this name, by the lesson's
        // rule for names; none at all gives an empty Vec.
        todo!()
    }

    /// The combined value of the field `name`.
    fn get(&self, name: &str) -> Option<String> {
        // TODO: `None` if the field is absent; otherwise its values combined
        // into one, as the lesson describes.
        todo!()
    }
}

/// The body length announced by the request, if any.
fn content_length(headers: &Headers) -> Result<Option<u64>, HeaderError> {
    // TODO: every `Content-Length` line counts, and a line may hold a list
    // (`5, 5`; spaces and tabs around each element are not part of it).
    // Each element must be one or more ASCII digits that fit in a u64
    // (`InvalidContentLength`); elements that disagree are
    // `ConflictingContentLength`. No Content-Length at all is `Ok(None)`.
    todo!()
}

fn main() {
    let headers = Headers::parse(&["Host: example.com", "content-length: 5"]).unwrap();
    println!("Host: {:?}", headers.get("host"));
    println!("Content-Length: {:?}", content_length(&headers));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

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
}
