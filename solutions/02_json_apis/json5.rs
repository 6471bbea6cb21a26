//! # Content negotiation: 415 and 406
//!
//! Two headers say which formats travel in each direction (RFC 9110 §12):
//! - `Content-Type` on the request names the format of the *request body*.
//!   A JSON API that receives `text/plain` or a form must refuse it:
//!   **415 Unsupported Media Type** (RFC 9110 §15.5.16), with an `Accept:
//!   application/json` response header that says what would have worked.
//!   Media types are case-insensitive and may carry parameters:
//!   `Application/JSON; charset=utf-8` is JSON, `application/jsonp` is not.
//!   The white space HTTP allows around them and around `;` and `,` is
//!   spaces and tabs only (OWS, RFC 9110 §5.6.3): a no-break space is not.
//! - `Accept` on the request lists the formats the client can read in the
//!   *response* (RFC 9110 §12.5.1): `text/html, application/json;q=0.5`.
//!   Each media range may be `type/subtype`, `type/*` or `*/*`, and may have
//!   a weight `q` from 0 to 1; `q=0` means "not acceptable". When several
//!   ranges match, the most specific one counts: with
//!   `application/json;q=0, */*` the client takes anything except JSON.
//!   (RFC 9110 does not say what a range listed twice means; here its first
//!   listing counts.)
//!   No `Accept` header at all means "anything". When JSON is not
//!   acceptable, RFC 9110 §12.5.1 leaves the server two choices: ignore the
//!   header and send its default format anyway, or answer **406 Not
//!   Acceptable** (§15.5.7). This API makes the second, stricter choice, so
//!   a client learns at once that it will not get what it asked for.
//!
//! Checking both up front turns confusing failures (a form body parsed as
//! JSON, a browser showing raw JSON) into clear errors.
//! Read https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountRequest {
    text: String,
}

struct Request {
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    /// The value of header `name`; names are case-insensitive.
    fn header(&self, name: &str) -> Option<&str> {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        found.next().map(|(_, value)| value.as_str())
    }
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Response {
    fn new(status: u16, content_type: &str, body: &str) -> Self {
        let headers = vec![("Content-Type", content_type.to_string())];
        Response {
            status,
            headers,
            body: body.to_string(),
        }
    }
}

/// HTTP's optional white space: spaces and tabs (RFC 9110 §5.6.3).
const OWS: [char; 2] = [' ', '\t'];

/// Is `content_type`, the value of a Content-Type header, JSON?
fn is_json(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default();
    media_type
        .trim_matches(OWS)
        .eq_ignore_ascii_case("application/json")
}

/// May the response be JSON, given the request's Accept header?
fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return true;
    };
    // The most specific range that matches JSON so far: (specificity, q).
    let mut best: Option<(u8, f32)> = None;
    for element in accept.split(',') {
        let mut parts = element.split(';').map(|part| part.trim_matches(OWS));
        let media_range = parts.next().unwrap_or_default().to_ascii_lowercase();
        let specificity = match media_range.as_str() {
            "application/json" => 3,
            "application/*" => 2,
            "*/*" => 1,
            _ => continue,
        };
        // The weight's name is case-insensitive too: `Q=0.5` is `q=0.5`.
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim_matches(OWS).eq_ignore_ascii_case("q"))
            .map_or(Ok(1.0), |(_, value)| value.trim_matches(OWS).parse::<f32>());
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q.unwrap_or(1.0)));
        }
    }
    best.is_some_and(|(_, q)| q > 0.0)
}

/// Handles `POST /word-count`.
fn word_count(req: &Request) -> Response {
    if !req.header("Content-Type").is_some_and(is_json) {
        let mut resp = Response::new(415, "text/plain", "send the body as application/json");
        resp.headers.push(("Accept", "application/json".into()));
        return resp;
    }
    if !accepts_json(req.header("Accept")) {
        return Response::new(406, "text/plain", "this API only answers application/json");
    }
    let Ok(request) = serde_json::from_str::<CountRequest>(&req.body) else {
        return Response::new(400, "text/plain", "expected {\"text\": \"...\"}");
    };
    let words = request.text.split_whitespace().count();
    let body = serde_json::json!({ "words": words }).to_string();
    Response::new(200, "application/json", &body)
}

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    // Try it: `cargo run --bin json5`
    let headers = vec![("Content-Type".to_string(), "text/plain".to_string())];
    let body = "one two three".to_string();
    let resp = word_count(&Request { headers, body });
    println!("{} {:?} {}", resp.status, resp.headers, resp.body);
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Sends `{"text": "one two three"}` with these headers and checks the status.
    #[track_caller]
    fn send(content_type: Option<&str>, accept: Option<&str>, status: u16, why: &str) -> Response {
        let headers = [("content-type", content_type), ("Accept", accept)].into_iter();
        let headers = headers.filter_map(|(n, v)| Some((n.to_string(), v?.to_string())));
        let body = r#"{"text": "one two three"}"#.to_string();
        let resp = word_count(&Request {
            headers: headers.collect(),
            body,
        });
        assert_eq!(
            resp.status, status,
            "Content-Type {content_type:?}, Accept {accept:?}: should answer {status} \
             ({why}), but answered {}",
            resp.status
        );
        resp
    }

    fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
        let mut found = resp
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        found.next().map(|(_, value)| value.as_str())
    }

    #[test]
    fn json_in_json_out() {
        let resp = send(
            Some("application/json"),
            None,
            200,
            "a JSON body, no Accept",
        );
        assert_eq!(
            header(&resp, "Content-Type"),
            Some("application/json"),
            "the answer is JSON"
        );
        assert_eq!(
            resp.body, r#"{"words":3}"#,
            "\"one two three\" has three words"
        );
    }

    #[test]
    fn content_type_is_case_insensitive_and_may_have_parameters() {
        for content_type in [
            "APPLICATION/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            "application/json ; charset=utf-8",
        ] {
            let why = "this is JSON: media types are case-insensitive, and parameters \
                       after `;` (with optional spaces around it) do not change the type";
            send(Some(content_type), None, 200, why);
        }
    }

    #[test]
    fn other_or_missing_content_type_is_415_with_accept() {
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/jsonp"),
            Some("text/plain; profile=application/json"),
            None,
        ] {
            let why = "the media type (before any `;`) is not exactly application/json, \
                       so the body is not JSON: 415 Unsupported Media Type";
            let resp = send(content_type, None, 415, why);
            let accept = header(&resp, "Accept");
            assert_eq!(
                accept,
                Some("application/json"),
                "a 415 should say what it accepts: `Accept: application/json`"
            );
        }
    }

    #[test]
    fn accept_that_allows_json_is_200() {
        for (accept, why) in [
            ("application/json", "JSON is asked for"),
            ("Application/JSON", "media ranges are case-insensitive"),
            ("*/*", "`*/*` means anything"),
            ("application/*", "`application/*` includes application/json"),
            (
                "text/html, application/json;q=0.5",
                "JSON with a weight above 0",
            ),
            (
                "text/html,application/xhtml+xml,*/*;q=0.8",
                "a browser's default",
            ),
            (
                "application/json;q=0.001",
                "the smallest weight above 0 is still acceptable",
            ),
            (
                "application/*;q=0, application/json",
                "the more specific application/json decides, and it has q=1",
            ),
            (
                "application/json, application/json;q=0",
                "a range listed twice counts by its first listing (the lesson's rule)",
            ),
        ] {
            send(Some("application/json"), Some(accept), 200, why);
        }
    }

    #[test]
    fn accept_without_json_is_406() {
        for (accept, why) in [
            ("text/html", "only HTML is acceptable"),
            ("text/*", "only text types are acceptable"),
            ("application/json;q=0", "q=0 means not acceptable"),
            (
                "application/json;q=0.000",
                "q=0.000 is the number 0: not acceptable",
            ),
            (
                "application/json;Q=0",
                "the parameter name `q` is case-insensitive",
            ),
            (
                "application/json;q=0, */*",
                "the more specific application/json;q=0 beats */*",
            ),
            (
                "*/*, application/json;q=0",
                "specificity decides, not the order in the header",
            ),
            ("text/html, */*;q=0", "anything but HTML is refused"),
            (
                "*/*;q=0, application/*;q=0, application/json;q=0, application/json",
                "a range listed twice counts by its first listing (the lesson's rule)",
            ),
        ] {
            send(Some("application/json"), Some(accept), 406, why);
        }
    }

    /// HTTP's optional white space: only spaces and tabs (RFC 9110 §5.6.3).
    fn ows() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(vec![' ', '\t']), 0..=2)
            .prop_map(|c| c.into_iter().collect())
    }

    /// Something that is not white space to HTTP: a Unicode space or a control.
    fn not_ows() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(crate::generated::UNICODE_SPACES.to_vec()),
            proptest::sample::select(vec!['\u{b}', '\u{c}', '\r', '\n', '\0']),
        ]
        .prop_map(String::from)
    }

    /// `token` in any case, sometimes with one letter swapped for a look-alike
    /// (then it is another token).
    fn spelled(token: &'static str) -> impl Strategy<Value = (String, bool)> {
        let swap = proptest::option::weighted(
            0.15,
            (
                0..token.len(),
                proptest::sample::select(crate::generated::LOOK_ALIKES.to_vec()),
            ),
        );
        (crate::generated::any_case(token), swap).prop_map(|(text, swap)| match swap {
            Some((at, c)) if text.as_bytes()[at].is_ascii_alphabetic() => {
                let mut chars: Vec<char> = text.chars().collect();
                chars[at] = c;
                (chars.into_iter().collect(), false)
            }
            _ => (text, true),
        })
    }

    /// A Content-Type: `application/json` or another type, in any case, with
    /// white space (HTTP's, or other) around it, and maybe parameters.
    fn content_type() -> impl Strategy<Value = (String, bool)> {
        let media = prop_oneof![
            4 => spelled("application/json"),
            2 => proptest::sample::select(vec![
                "application/jsonp", "application/json-seq", "application/vnd.api+json",
                "text/json", "text/plain", "application/x-www-form-urlencoded", "json",
                "application /json", "application/ json", "",
            ])
            .prop_map(|m| (m.to_string(), false)),
        ];
        let space = prop_oneof![4 => ows().prop_map(|s| (s, true)), 1 => not_ows().prop_map(|s| (s, false))];
        let params = proptest::sample::select(vec![
            "",
            ";charset=utf-8",
            "; charset=UTF-8",
            ";\tq=1;x=\"a;b\"",
        ]);
        (space.clone(), media, space, params).prop_map(|((a, a_ok), (m, m_ok), (b, b_ok), p)| {
            (format!("{a}{m}{b}{p}"), a_ok && m_ok && b_ok)
        })
    }

    /// A weight as RFC 9110 §12.4.2 writes it, and whether it is above 0.
    fn qvalue() -> impl Strategy<Value = (String, bool)> {
        (
            any::<bool>(),
            proptest::sample::select(vec![
                ("0", false),
                ("0.", false),
                ("0.0", false),
                ("0.00", false),
                ("0.000", false),
                ("0.001", true),
                ("0.01", true),
                ("0.5", true),
                ("1", true),
                ("1.0", true),
                ("1.000", true),
            ]),
        )
            .prop_map(|(upper, (q, above))| {
                (format!("{}={q}", if upper { "Q" } else { "q" }), above)
            })
    }

    /// One element of an Accept header: its text, and its specificity for
    /// JSON (3 `application/json`, 2 `application/*`, 1 `*/*`, 0 none) with
    /// whether its weight is above 0.
    fn accept_element() -> impl Strategy<Value = (String, u8, bool)> {
        let range = prop_oneof![
            2 => spelled("application/json").prop_map(|(t, ok)| (t, if ok { 3 } else { 0 })),
            2 => spelled("application/*").prop_map(|(t, ok)| (t, if ok { 2 } else { 0 })),
            2 => Just(("*/*".to_string(), 1)),
            2 => proptest::sample::select(vec![
                "text/html", "text/*", "application/xml", "application/jsonp",
                "application/problem+json", "image/*", "text/json",
            ])
            .prop_map(|r| (r.to_string(), 0)),
        ];
        let param = proptest::sample::select(vec!["", ";charset=utf-8", ";level=1"]);
        (range, param, proptest::option::of((ows(), ows(), qvalue()))).prop_map(
            |((range, specificity), param, weight)| match weight {
                Some((a, b, (q, above))) => {
                    (format!("{range}{param}{a};{b}{q}"), specificity, above)
                }
                None => (format!("{range}{param}"), specificity, true),
            },
        )
    }

    /// An Accept header of 1 to 4 elements, at most one of each specificity
    /// for JSON, in any order, with any HTTP white space around the commas.
    fn accept() -> impl Strategy<Value = (String, bool)> {
        (proptest::collection::vec((accept_element(), ows(), ows()), 1..=4)).prop_map(|elements| {
            let mut seen = [false; 4];
            let mut parts = Vec::new();
            let mut best: Option<(u8, bool)> = None;
            for ((text, specificity, above), a, b) in elements {
                if specificity > 0 && std::mem::replace(&mut seen[specificity as usize], true) {
                    continue;
                }
                if specificity > 0 && best.is_none_or(|(s, _)| specificity > s) {
                    best = Some((specificity, above));
                }
                parts.push(format!("{a}{text}{b}"));
            }
            (parts.join(","), best.is_some_and(|(_, above)| above))
        })
    }

    fn status_for(content_type: Option<&str>, accept: Option<&str>) -> (u16, Option<String>) {
        let headers = [("Content-Type", content_type), ("Accept", accept)].into_iter();
        let headers = headers.filter_map(|(n, v)| Some((n.to_string(), v?.to_string())));
        let resp = word_count(&Request {
            headers: headers.collect(),
            body: r#"{"text": "one two three"}"#.to_string(),
        });
        (resp.status, header(&resp, "Accept").map(str::to_string))
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        /// Any Content-Type: JSON exactly when its media type is
        /// application/json in any case, with only spaces and tabs around it.
        #[test]
        fn any_content_type_is_judged_by_its_media_type((content_type, json) in content_type()) {
            let (status, accept) = status_for(Some(&content_type), None);
            if json {
                prop_assert_eq!(
                    status, 200,
                    "Content-Type {:?} is application/json (media types are case-insensitive, \
                     parameters may follow, HTTP white space is spaces and tabs), so it should \
                     be 200, but answered {}", content_type, status
                );
            } else {
                prop_assert!(
                    status == 415 && accept.as_deref() == Some("application/json"),
                    "Content-Type {:?} is not application/json (another type, a look-alike \
                     letter, or white space that is not HTTP's: only spaces and tabs are), so \
                     it should be 415 with Accept: application/json, but answered {} with \
                     Accept {:?}", content_type, status, accept
                );
            }
        }

        /// Any Accept header: of the ranges covering JSON, the most specific
        /// decides, wherever it stands, in any case and spacing; q in any case,
        /// 0 in any spelling is "not acceptable".
        #[test]
        fn any_accept_header_is_negotiated_by_the_rule((accept, acceptable) in accept()) {
            let (status, _) = status_for(Some("application/json"), Some(&accept));
            let want = if acceptable { 200 } else { 406 };
            prop_assert_eq!(
                status, want,
                "Accept {:?} should answer {}, but answered {}: of the ranges that cover JSON \
                 (application/json, application/*, */*, in any case), the most specific one \
                 decides wherever it stands; its q (named q or Q, 1 when absent) must be above \
                 0 (0, 0.0, 0.000 are all zero); no such range means 406",
                accept, want, status
            );
        }
    }
}
