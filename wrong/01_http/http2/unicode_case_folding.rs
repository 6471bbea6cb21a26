// wrong: names compared with to_lowercase, which folds the Kelvin sign into k
// expect: ignoring ASCII case only
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
        // TODO: return the values of all fields whose name equals `name`
        // ignoring ASCII case (`str::eq_ignore_ascii_case`). No match: empty Vec.
        self.fields
            .iter()
            .filter(|(n, _)| n.to_lowercase() == name.to_lowercase())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The combined value of the field `name`.
    fn get(&self, name: &str) -> Option<String> {
        // TODO: `None` if the field is absent; otherwise all its values
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
    // TODO: look at every `Content-Length` value, and split each on ','
    // (a client may send `5, 5`). Trim spaces and tabs off each part; then:
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

fn main() {
    let headers = Headers::parse(&["Host: example.com", "content-length: 5"]).unwrap();
    println!("Host: {:?}", headers.get("host"));
    println!("Content-Length: {:?}", content_length(&headers));
}
