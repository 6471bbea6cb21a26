//! # server_check: grading a real server by real HTTP requests
//!
//! The course's library for tests that talk to a learner's server over a socket. A test
//! describes each request and what the answer must be, runs the checks in order against
//! `127.0.0.1:<port>`, and fails with a report a learner can act on: what was expected, the
//! request as a `curl` command, the raw bytes sent and received (with a `^` under the first
//! byte that breaks HTTP), and a diff of status, headers and JSON body.
//!
//! ```ignore
//! let mut run = Run::new(addr).replay("cargo run --bin cap1", "http://127.0.0.1:3000");
//! run.check(
//!     Check::new("create an account")
//!         .post("/accounts")
//!         .json(json!({"name": "ada", "password": "correct horse"}))
//!         .expect_status(201)
//!         .expect_header("location", "/accounts/1")
//!         .expect_json(json!({"id": 1, "name": "ada"}))
//!         .expect_not_in_response("correct horse", "the password"),
//! );
//! let login = run.check(Check::new("log in").post("/sessions").depends_on("create an account")
//!     .json(json!({"name": "ada", "password": "correct horse"})).expect_status(200)
//!     .expect_json_at("/token", "<string>"));
//! let token = login.json_str("/token"); // "" when the check failed or was skipped
//! run.check(Check::new("list notes").get("/notes").bearer(&token).depends_on("log in"));
//! run.finish(); // panics with the report if any check failed
//! ```
//!
//! - Requests: `get`/`post`/`put`/`delete`/`method`, `header`, `bearer`, `json` (sets
//!   `content-type: application/json`), `body`, or `raw` bytes for malformed requests. Each check
//!   opens its own connection and sends HTTP/1.1 with `Host`, `Connection: close` and
//!   `Content-Length`; the response is read by its framing (Content-Length, chunked, or to the
//!   close) within the run's timeout (5 s unless `Run::timeout` says otherwise).
//! - Expectations: `expect_status`, `expect_header` (names in any case, value exact),
//!   `expect_header_absent`, `expect_json` (exact), `expect_json_subset` (objects may have more
//!   fields), `expect_json_at("/pointer", value)`, `expect_not_in_response(text, what)` (for
//!   secrets: searched in the head and the body), and `expect(description, |reply| ...)` for
//!   anything else. In expected JSON the strings `"<any>"`, `"<string>"`, `"<number>"` match
//!   any value, any string, any number: for ids and tokens the server chooses.
//! - `depends_on(name)`: the check runs only if that earlier check passed; otherwise it is
//!   reported as skipped. `Run::record(name, ok, message)` adds a check the test decided itself
//!   (a count of database reads, a log line), which later checks may depend on;
//!   `Run::record_after(&[names], ...)` records it only if those checks passed (else skipped).
//!   `Run::verdict` returns the report instead of panicking, and `Run::fork` starts a run whose
//!   replays begin with this one's requests (for generated cases after a shared set-up).
//! - Replays: a failed check's `curl` comes after the commands that replay every request the
//!   run sent before it (a fresh server needs them). `capture(var, key)` keeps a response's
//!   JSON string (a token) in a shell variable that later replays send instead of the value the
//!   test's server issued; `replay_note` says why a replay may answer otherwise (the test moved
//!   its clock); `Run::quiet_check` sends a set-up request that is replayed but not reported.
//! - `Gate`: a start-up shared by the tests of a file (`static`): the test it names fails with the
//!   start-up's error, every other test panics with `skipped: ... (see test <name>)`, which the
//!   runner shows as skipped, not as a second failure.
//!
//! Only std and serde_json; std's macros are called by their full path.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How a response is checked beyond status, headers and JSON.
type Custom = Box<dyn Fn(&Reply) -> Result<(), String>>;

enum Expect {
    Status(u16),
    Header(String, String),
    HeaderAbsent(String),
    Json(Value, bool),
    JsonAt(String, Value),
    NotIn(String, String),
    Custom(String, Custom),
}

/// One request and what its response must be.
pub struct Check {
    name: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    raw: Option<Vec<u8>>,
    expects: Vec<Expect>,
    depends_on: Vec<String>,
    /// Replay: the shell variable that holds this response's JSON string at a top-level key.
    capture: Option<(String, String)>,
    /// Replay: why replaying this check against the learner's own server may answer otherwise.
    replay_note: Option<String>,
}

impl Check {
    /// A check called `name` (shown in reports, and what `depends_on` refers to): `GET /`.
    pub fn new(name: &str) -> Check {
        Check {
            name: name.to_string(),
            method: "GET".into(),
            path: "/".into(),
            headers: Vec::new(),
            body: None,
            raw: None,
            expects: Vec::new(),
            depends_on: Vec::new(),
            capture: None,
            replay_note: None,
        }
    }

    pub fn method(mut self, method: &str, path: &str) -> Check {
        self.method = method.to_string();
        self.path = path.to_string();
        self
    }
    pub fn get(self, path: &str) -> Check {
        self.method("GET", path)
    }
    pub fn post(self, path: &str) -> Check {
        self.method("POST", path)
    }
    pub fn put(self, path: &str) -> Check {
        self.method("PUT", path)
    }
    pub fn delete(self, path: &str) -> Check {
        self.method("DELETE", path)
    }
    pub fn header(mut self, name: &str, value: &str) -> Check {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Check {
        self.header("authorization", &::std::format!("Bearer {token}"))
    }
    /// A JSON body, with `content-type: application/json`.
    pub fn json(mut self, body: Value) -> Check {
        self.body = Some(body.to_string().into_bytes());
        self.header("content-type", "application/json")
    }
    /// A body as it is (set a content type with `header` if it needs one).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Check {
        self.body = Some(body.into());
        self
    }
    /// For replays: the string at the top-level JSON `key` of this check's response (a token)
    /// is kept in the shell variable `var`, and later replayed requests use `$var` wherever
    /// they send that string, so a replay against the learner's own server carries what that
    /// server issued.
    pub fn capture(mut self, var: &str, key: &str) -> Check {
        self.capture = Some((var.to_string(), key.to_string()));
        self
    }
    /// For replays: why this check's replay against the learner's own server can answer
    /// otherwise (the test set the app's clock, or made a token for the tests' clock).
    pub fn replay_note(mut self, note: &str) -> Check {
        self.replay_note = Some(note.to_string());
        self
    }
    /// Sends these bytes instead of a request built from the fields (for malformed requests).
    pub fn raw(mut self, bytes: impl Into<Vec<u8>>) -> Check {
        self.raw = Some(bytes.into());
        self
    }
    /// Runs only if the earlier check `name` passed.
    pub fn depends_on(mut self, name: &str) -> Check {
        self.depends_on.push(name.to_string());
        self
    }

    pub fn expect_status(mut self, status: u16) -> Check {
        self.expects.push(Expect::Status(status));
        self
    }
    /// The header `name` (any case) is present once, with exactly this value.
    pub fn expect_header(mut self, name: &str, value: &str) -> Check {
        let name = name.to_ascii_lowercase();
        self.expects.push(Expect::Header(name, value.to_string()));
        self
    }
    pub fn expect_header_absent(mut self, name: &str) -> Check {
        let name = name.to_ascii_lowercase();
        self.expects.push(Expect::HeaderAbsent(name));
        self
    }
    /// The body is JSON equal to `want` (the strings "<any>", "<string>", "<number>" match
    /// any value of that kind), and the content type says JSON.
    pub fn expect_json(mut self, want: Value) -> Check {
        self.expects.push(Expect::Json(want, false));
        self
    }
    /// Like `expect_json`, but objects in the body may have fields `want` does not list.
    pub fn expect_json_subset(mut self, want: Value) -> Check {
        self.expects.push(Expect::Json(want, true));
        self
    }
    /// The value at a JSON pointer (`/notes/0/id`) of the body equals `want`.
    pub fn expect_json_at(mut self, pointer: &str, want: impl Into<Value>) -> Check {
        let want = want.into();
        self.expects.push(Expect::JsonAt(pointer.to_string(), want));
        self
    }
    /// `text` appears nowhere in the response (status line, headers, body); `what` names it
    /// for the learner ("the password hash").
    pub fn expect_not_in_response(mut self, text: &str, what: &str) -> Check {
        let (text, what) = (text.to_string(), what.to_string());
        self.expects.push(Expect::NotIn(text, what));
        self
    }
    /// Any other rule: `check` returns `Err(what is wrong)`; `description` says what is expected.
    pub fn expect(
        mut self,
        description: &str,
        check: impl Fn(&Reply) -> Result<(), String> + 'static,
    ) -> Check {
        let custom = Expect::Custom(description.to_string(), Box::new(check));
        self.expects.push(custom);
        self
    }

    /// The bytes this check sends to `addr`.
    fn request_bytes(&self, addr: SocketAddr) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut head = ::std::format!("{} {} HTTP/1.1\r\nHost: {addr}\r\n", self.method, self.path);
        for (name, value) in &self.headers {
            head.push_str(&::std::format!("{name}: {value}\r\n"));
        }
        let has = |n: &str| self.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
        let needs_length = ::std::matches!(self.method.as_str(), "POST" | "PUT" | "PATCH");
        let body = self.body.clone().unwrap_or_default();
        if (self.body.is_some() || needs_length) && !has("content-length") {
            head.push_str(&::std::format!("Content-Length: {}\r\n", body.len()));
        }
        if !has("connection") {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        bytes
    }

    /// A shell command that sends the same request: curl, or printf | nc for raw bytes.
    fn replay(&self, base: &str) -> String {
        self.replay_with(base, &[], false)
    }

    /// `replay`, with each captured value in `vars` (value, variable) sent as `$variable`;
    /// `quiet`: a request before the failing one, whose answer is not shown.
    fn replay_with(&self, base: &str, vars: &[(String, String)], quiet: bool) -> String {
        let substitute = |word: String| {
            let mut word = word;
            for (value, var) in vars {
                let close = match word.starts_with("$'") {
                    true => ::std::format!("'\"${var}\"$'"),
                    false => ::std::format!("'\"${var}\"'"),
                };
                word = word.replace(value.as_str(), &close);
            }
            match word.strip_suffix("''").filter(|w| w.ends_with('"')) {
                Some(shorter) => shorter.to_string(),
                None => word,
            }
        };
        if let Some(raw) = &self.raw {
            let hostport = base.trim_start_matches("http://").trim_end_matches('/');
            let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "80"));
            let raw = substitute(shell_quote(raw));
            return ::std::format!("printf %s {raw} | nc {host} {port}");
        }
        let mut words = match quiet {
            true => ::std::vec!["curl".to_string(), "-s".to_string()],
            false => ::std::vec!["curl".to_string(), "-i".to_string()],
        };
        match self.method.as_str() {
            "GET" => {}
            "HEAD" => words.push("--head".into()),
            m => words.extend(["-X".into(), m.to_string()]),
        }
        words.push(shell_quote(
            ::std::format!("{base}{}", self.path).as_bytes(),
        ));
        for (name, value) in &self.headers {
            words.push("-H".into());
            let header = shell_quote(::std::format!("{name}: {value}").as_bytes());
            words.push(substitute(header));
        }
        if let Some(body) = &self.body {
            words.push("--data-binary".into());
            words.push(substitute(shell_quote(body)));
        }
        words.join(" ")
    }

    /// What the check expects, in one line per rule.
    fn expectations(&self) -> Vec<String> {
        self.expects
            .iter()
            .map(|e| match e {
                Expect::Status(s) => ::std::format!("status {s} {}", reason(*s)),
                Expect::Header(n, v) => ::std::format!("header {n}: {v}"),
                Expect::HeaderAbsent(n) => ::std::format!("no header {n}"),
                Expect::Json(v, false) => ::std::format!("JSON body {}", short(v)),
                Expect::Json(v, true) => ::std::format!("JSON body with at least {}", short(v)),
                Expect::JsonAt(p, v) => ::std::format!("JSON body with {p} = {}", short(v)),
                Expect::NotIn(_, what) => ::std::format!("{what} nowhere in the response"),
                Expect::Custom(d, _) => d.clone(),
            })
            .collect()
    }
}

/// A response as the check read it. Empty (status 0) when the check failed to get one or
/// was skipped, so that a test can go on building later checks (which depend on it).
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    /// Header names in lower case, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of the header `name` (any case), if it appears.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        found.next().map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON, or `Null`.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// The string at a JSON pointer of the body, or "".
    pub fn json_str(&self, pointer: &str) -> String {
        let value = self.json();
        let found = value.pointer(pointer).and_then(Value::as_str);
        found.unwrap_or_default().to_string()
    }
}

/// What happened to one check.
enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// A sequence of checks against one server, and their report.
pub struct Run {
    addr: SocketAddr,
    timeout: Duration,
    replay_base: String,
    replay_how: String,
    outcomes: Vec<(String, Outcome)>,
    /// The shell commands that replay every request sent so far, in order.
    history: Vec<String>,
    /// Captured values and the shell variables that hold them in replays.
    vars: Vec<(String, String)>,
}

/// How many failed checks are shown with their request, bytes and curl command.
const DETAILED: usize = 2;

impl Run {
    pub fn new(addr: SocketAddr) -> Run {
        Run {
            addr,
            timeout: Duration::from_secs(5),
            replay_base: ::std::format!("http://{addr}"),
            replay_how: String::new(),
            outcomes: Vec::new(),
            history: Vec::new(),
            vars: Vec::new(),
        }
    }
    /// How long a check may wait for its complete response.
    pub fn timeout(mut self, timeout: Duration) -> Run {
        self.timeout = timeout;
        self
    }
    /// The curl commands in reports target `base` (e.g. "http://127.0.0.1:3000"), where the
    /// learner's own server listens after `how` (e.g. "cargo run --bin cap1").
    pub fn replay(mut self, how: &str, base: &str) -> Run {
        self.replay_how = how.to_string();
        self.replay_base = base.trim_end_matches('/').to_string();
        self
    }

    /// A new run on the same server whose replays start with every request this one sent
    /// (and its captured values), with no verdicts yet: one per generated case, after a
    /// shared set-up.
    pub fn fork(&self) -> Run {
        Run {
            addr: self.addr,
            timeout: self.timeout,
            replay_base: self.replay_base.clone(),
            replay_how: self.replay_how.clone(),
            outcomes: Vec::new(),
            history: self.history.clone(),
            vars: self.vars.clone(),
        }
    }

    fn passed(&self, name: &str) -> Option<bool> {
        let found = self.outcomes.iter().rev().find(|(n, _)| n == name);
        found.map(|(_, o)| ::std::matches!(o, Outcome::Passed))
    }

    /// Runs `check` (unless a check it depends on did not pass) and returns its response.
    pub fn check(&mut self, check: Check) -> Reply {
        for dependency in &check.depends_on {
            if self.passed(dependency) != Some(true) {
                let why = match self.passed(dependency) {
                    None => ::std::format!("no check called {dependency:?} ran before it"),
                    Some(_) => ::std::format!("it needs {dependency:?}, which did not pass"),
                };
                self.outcomes
                    .push((check.name.clone(), Outcome::Skipped(why)));
                return Reply::default();
            }
        }
        let reply = self.send(&check);
        self.remember(&check, &reply);
        reply
    }

    /// Sends `check` as a step that the test judges itself (it writes data a later check
    /// reads): no verdict of its own, but its request is part of later checks' replays.
    pub fn quiet_check(&mut self, check: Check) -> Reply {
        let before = self.outcomes.len();
        let reply = self.check(check);
        self.outcomes.truncate(before);
        reply
    }

    /// Keeps the shell command that replays `check` for the reports of later checks.
    fn remember(&mut self, check: &Check, reply: &Reply) {
        let command = check.replay_with(&self.replay_base, &self.vars, true);
        let captured = check.capture.as_ref().and_then(|(var, key)| {
            let value = reply.json().get(key.as_str())?.as_str()?.to_string();
            (!value.is_empty()).then(|| (var.clone(), key.clone(), value))
        });
        let line = match (captured, check.raw.is_some()) {
            (Some((var, key, value)), _) => {
                self.vars.push((value, var.clone()));
                let sed = ::std::format!("sed -E 's/.*\"{key}\": *\"([^\"]*)\".*/\\1/'");
                ::std::format!("{var}=$({command} | {sed})")
            }
            (None, true) => ::std::format!("{command} > /dev/null"),
            (None, false) => ::std::format!("{command} -o /dev/null"),
        };
        self.history.push(line);
    }

    /// Sends `check` and judges its response; a failure is reported.
    fn send(&mut self, check: &Check) -> Reply {
        let sent = check.request_bytes(self.addr);
        let head = check.method == "HEAD" && check.raw.is_none();
        let (received, ending) = exchange(self.addr, &sent, self.timeout, head);
        let mut problems = Vec::new();
        let reply = match parse_response(&received, ending.is_closed(), head) {
            Parsed::Complete(reply) => Some(reply),
            Parsed::Malformed(at, why) => {
                problems.push(::std::format!("the response is not valid HTTP/1.1: {why}"));
                self.report(check, problems, &sent, &received, Some((at, why)));
                return Reply::default();
            }
            Parsed::Incomplete | Parsed::Interim(_) => None,
        };
        let Some(reply) = reply else {
            let problem = match ending {
                Ending::Connect(e) => ::std::format!("could not connect to the server ({e})"),
                Ending::TimedOut if received.is_empty() => ::std::format!(
                    "no response within {:?}: does the server answer at all?",
                    self.timeout
                ),
                Ending::TimedOut => ::std::format!(
                    "the response was still incomplete after {:?} (check its Content-Length)",
                    self.timeout
                ),
                Ending::Closed | Ending::Complete if received.is_empty() => {
                    "the server closed the connection without answering (did it panic?)".into()
                }
                Ending::Closed | Ending::Complete => {
                    "the server closed the connection before the response \
                                   was complete (check its Content-Length)"
                        .into()
                }
                Ending::Broken(e) => ::std::format!("the connection broke ({e})"),
            };
            let at = (!received.is_empty()).then(|| (received.len(), "ends here".to_string()));
            self.report(check, ::std::vec![problem], &sent, &received, at);
            return Reply::default();
        };
        for expect in &check.expects {
            differences(expect, &reply, &received, &mut problems);
        }
        if problems.is_empty() {
            self.outcomes.push((check.name.clone(), Outcome::Passed));
        } else {
            self.report(check, problems, &sent, &received, None);
        }
        reply
    }

    /// Like `record`, but only if every check in `depends_on` passed: otherwise `name` is
    /// reported as skipped (its verdict would only repeat theirs).
    pub fn record_after(&mut self, depends_on: &[&str], name: &str, ok: bool, message: &str) {
        for dependency in depends_on {
            if self.passed(dependency) != Some(true) {
                let why = match self.passed(dependency) {
                    None => ::std::format!("no check called {dependency:?} ran before it"),
                    Some(_) => ::std::format!("it needs {dependency:?}, which did not pass"),
                };
                self.outcomes
                    .push((name.to_string(), Outcome::Skipped(why)));
                return;
            }
        }
        self.record(name, ok, message);
    }

    /// Records a check the test decided itself; later checks may depend on `name`.
    pub fn record(&mut self, name: &str, ok: bool, message: &str) {
        let outcome = match ok {
            true => Outcome::Passed,
            false => Outcome::Failed(::std::format!("✗ {name}\n  {message}\n")),
        };
        self.outcomes.push((name.to_string(), outcome));
    }

    fn report(
        &mut self,
        check: &Check,
        problems: Vec<String>,
        sent: &[u8],
        received: &[u8],
        caret: Option<(usize, String)>,
    ) {
        let failed_before = self.outcomes.iter();
        let failed_before = failed_before.filter(|(_, o)| ::std::matches!(o, Outcome::Failed(_)));
        let detailed = failed_before.count() < DETAILED;
        let line = request_line(check, sent);
        let mut text = ::std::format!("✗ {} ({line})\n", check.name);
        let expected = check.expectations();
        if !expected.is_empty() {
            text.push_str(&::std::format!("  expected: {}\n", expected.join("; ")));
        }
        text.push_str("  what differs:\n");
        for problem in &problems {
            text.push_str(&::std::format!("    - {problem}\n"));
        }
        if detailed {
            text.push_str("  reproduce it");
            let before = self.history.len();
            match (self.replay_how.is_empty(), before) {
                (true, 0) => {}
                (false, 0) => text.push_str(&::std::format!(
                    " (start your server with `{}`)",
                    self.replay_how
                )),
                (true, _) => text.push_str(&::std::format!(
                    " (on a fresh server: the {before} requests before it, then this one)"
                )),
                (false, _) => text.push_str(&::std::format!(
                    " (start a fresh server with `{}`, then send the {before} requests \
                     before it, in order, and this one)",
                    self.replay_how
                )),
            }
            text.push_str(":\n");
            for line in &self.history {
                text.push_str(&::std::format!("    {line}\n"));
            }
            text.push_str(&::std::format!(
                "    {}\n",
                check.replay_with(&self.replay_base, &self.vars, false)
            ));
            if let Some(note) = &check.replay_note {
                text.push_str(&::std::format!("  (replay: {note})\n"));
            }
            text.push_str(&::std::format!("  sent ({} bytes):\n", sent.len()));
            text.push_str(&show_bytes(sent, None));
            text.push_str(&::std::format!("  received ({} bytes):\n", received.len()));
            let caret = caret.as_ref().map(|(at, why)| (*at, why.as_str()));
            text.push_str(&show_bytes(received, caret));
        }
        self.outcomes
            .push((check.name.clone(), Outcome::Failed(text)));
    }

    /// Passes if every check passed; otherwise panics with the report of all of them.
    #[track_caller]
    pub fn finish(self) {
        match self.verdict() {
            Ok(()) => {}
            Err(text) => ::std::panic!("{text}"),
        }
    }

    /// `Ok` if every check passed; otherwise the report `finish` would panic with (starting
    /// with `skipped: ` when checks were only skipped). For generated cases, which must
    /// return their failure rather than panic.
    pub fn verdict(&self) -> Result<(), String> {
        let failed = self.outcomes.iter();
        let failed = failed.filter(|(_, o)| ::std::matches!(o, Outcome::Failed(_)));
        let failed = failed.count();
        let skipped = self.outcomes.iter();
        let skipped = skipped.filter(|(_, o)| ::std::matches!(o, Outcome::Skipped(_)));
        let skipped = skipped.count();
        if failed == 0 && skipped == 0 {
            return Ok(());
        }
        let total = self.outcomes.len();
        let checks = if total == 1 { "check" } else { "checks" };
        let mut text = ::std::format!("{failed} of {total} {checks} against the server failed");
        if skipped > 0 {
            text.push_str(&::std::format!(", {skipped} skipped"));
        }
        text.push_str(":\n\n");
        // What failed comes first, in full: it is what the learner has to fix, and a screen
        // that cuts a long report keeps its top. Then what was not run, then what passed.
        for (_, outcome) in &self.outcomes {
            if let Outcome::Failed(report) = outcome {
                text.push_str(report);
            }
        }
        for (name, outcome) in &self.outcomes {
            if let Outcome::Skipped(why) = outcome {
                text.push_str(&::std::format!("⊘ {name}: not run, {why}\n"));
            }
        }
        let passed: ::std::vec::Vec<&str> = self
            .outcomes
            .iter()
            .filter(|(_, o)| ::std::matches!(o, Outcome::Passed))
            .map(|(name, _)| name.as_str())
            .collect();
        if !passed.is_empty() {
            text.push_str(&::std::format!("✓ passed: {}\n", passed.join(" · ")));
        }
        if failed == 0 {
            // Only skips: a dependency of this run was recorded as not passed elsewhere.
            return Err(::std::format!("skipped: {text}"));
        }
        Err(text)
    }
}

/// A start-up shared by the tests of a file, e.g. `static SERVER: Gate<SocketAddr> =
/// Gate::new("server_starts");`. The test named `owner` fails with the start-up's error;
/// every other test is skipped with a pointer to it.
pub struct Gate<T> {
    owner: &'static str,
    cell: OnceLock<Result<T, String>>,
}

impl<T> Gate<T> {
    pub const fn new(owner: &'static str) -> Gate<T> {
        Gate {
            owner,
            cell: OnceLock::new(),
        }
    }

    /// Runs `start` once for all tests; returns its value, or panics (failed in the owner's
    /// test, `skipped:` in any other).
    #[track_caller]
    pub fn get(&self, start: impl FnOnce() -> Result<T, String>) -> &T {
        match self.cell.get_or_init(start) {
            Ok(value) => value,
            Err(why) => {
                let current = ::std::thread::current();
                let test = current.name().unwrap_or_default();
                let test = test.rsplit("::").next().unwrap_or_default();
                if test == self.owner {
                    ::std::panic!("{why}");
                }
                let first = why.lines().next().unwrap_or_default();
                ::std::panic!("skipped: {first} (see test {})", self.owner);
            }
        }
    }
}

/// How reading the response ended.
enum Ending {
    Connect(std::io::Error),
    /// The response was complete (by its framing) before the connection closed.
    Complete,
    Closed,
    TimedOut,
    Broken(std::io::Error),
}

impl Ending {
    fn is_closed(&self) -> bool {
        ::std::matches!(self, Ending::Closed)
    }
}

/// Responses larger than this are cut off (and fail as incomplete).
const MAX_RESPONSE: usize = 1 << 20;

/// Sends `request` on a new connection and reads until the response is complete by its
/// framing, the server closes, or `timeout` passes.
fn exchange(addr: SocketAddr, request: &[u8], timeout: Duration, head: bool) -> (Vec<u8>, Ending) {
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => stream,
        Err(e) => return (Vec::new(), Ending::Connect(e)),
    };
    let deadline = Instant::now() + timeout;
    // A server may answer (413, 431) and close before it has read everything: read its answer
    // even when the rest of the request could not be sent.
    let unsent = stream.write_all(request).err();
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (received, Ending::TimedOut);
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut buf) {
            Ok(0) if received.is_empty() && unsent.is_some() => {
                return (received, Ending::Broken(unsent.unwrap()));
            }
            Ok(0) => return (received, Ending::Closed),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if ::std::matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (received, Ending::TimedOut);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // A reset after a complete response is still a complete response.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                return (received, Ending::Closed);
            }
            Err(e) => return (received, Ending::Broken(e)),
        }
        if received.len() > MAX_RESPONSE {
            return (received, Ending::TimedOut);
        }
        match parse_response(&received, false, head) {
            Parsed::Complete(_) | Parsed::Malformed(..) => return (received, Ending::Complete),
            Parsed::Incomplete | Parsed::Interim(_) => {}
        }
    }
}

enum Parsed {
    Complete(Reply),
    Incomplete,
    /// An interim (1xx) response of this many bytes, before the final one.
    Interim(usize),
    /// The offset of the first byte that breaks HTTP/1.1, and what is wrong with it.
    Malformed(usize, String),
}

/// Parses an HTTP/1.1 response (RFC 9112), after any interim 1xx responses. `closed`: the
/// server has closed the connection, which ends a body that has no other framing. `head`: the
/// request was HEAD, so the response has no body whatever its headers say.
fn parse_response(bytes: &[u8], closed: bool, head: bool) -> Parsed {
    let mut base = 0;
    loop {
        match parse_one(&bytes[base..], closed, head) {
            Parsed::Interim(length) => base += length,
            Parsed::Malformed(k, why) => return Parsed::Malformed(base + k, why),
            parsed => return parsed,
        }
    }
}

/// Parses one response (final or interim) at the start of `bytes`.
fn parse_one(bytes: &[u8], closed: bool, head: bool) -> Parsed {
    let mut at = 0;
    let mut lines = Vec::new();
    loop {
        let Some(lf) = bytes[at..].iter().position(|&b| b == b'\n') else {
            // No line end yet: check what is there so far, to fail early on garbage.
            if at == 0 && !bytes.is_empty() {
                let prefix = &bytes[..bytes.len().min(5)];
                if !b"HTTP/".starts_with(prefix) {
                    return malformed_status_line(bytes, false);
                }
            }
            return Parsed::Incomplete;
        };
        let end = at + lf;
        if end == at || bytes[end - 1] != b'\r' {
            let why = "a line ends with \\n without \\r before it (lines end with \\r\\n, \
                       RFC 9112 §2.2)";
            return Parsed::Malformed(end, why.into());
        }
        let line = &bytes[at..end - 1];
        let start = at;
        at = end + 1;
        if line.is_empty() {
            break;
        }
        lines.push((start, line));
    }
    let Some(&(_, status_line)) = lines.first() else {
        return Parsed::Malformed(0, "the response starts with an empty line".into());
    };
    if let Parsed::Malformed(k, why) = malformed_status_line(status_line, true) {
        return Parsed::Malformed(k, why);
    }
    let status: u16 = std::str::from_utf8(&status_line[9..12])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut headers = Vec::new();
    for &(start, line) in &lines[1..] {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Parsed::Malformed(start, "a header line without a colon".into());
        };
        let name = &line[..colon];
        if let Some(k) = name.iter().position(|&b| !is_tchar(b)) {
            let why = "a header name may only contain letters, digits and !#$%&'*+-.^_`|~ \
                       (no spaces, RFC 9112 §5.1)";
            return Parsed::Malformed(start + k, why.into());
        }
        if name.is_empty() {
            return Parsed::Malformed(start, "a header line with an empty name".into());
        }
        let value = String::from_utf8_lossy(&line[colon + 1..])
            .trim()
            .to_string();
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        headers.push((name, value));
    }
    let head_end = at;
    let rest = &bytes[head_end..];
    let values = |n: &str| -> Vec<&str> {
        let found = headers.iter().filter(|(h, _)| h == n);
        found.map(|(_, v)| v.as_str()).collect()
    };
    if status / 100 == 1 && status != 101 {
        return Parsed::Interim(head_end);
    }
    let no_body = head || status / 100 == 1 || status == 204 || status == 304;
    let chunked = values("transfer-encoding")
        .iter()
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    let lengths = values("content-length");
    let body = if no_body {
        Vec::new()
    } else if chunked {
        match decode_chunked(rest) {
            Ok(Some(body)) => body,
            Ok(None) => return Parsed::Incomplete,
            Err(k) => {
                let why = "a chunk size that is not hexadecimal, or a chunk not followed by \\r\\n";
                return Parsed::Malformed(head_end + k, why.into());
            }
        }
    } else if let Some(first) = lengths.first() {
        let start = lines.iter().find(|(_, l)| {
            let l = String::from_utf8_lossy(l).to_ascii_lowercase();
            l.starts_with("content-length")
        });
        let start = start.map_or(0, |(s, _)| *s);
        if lengths.iter().any(|l| l != first) {
            let why = "two different Content-Length headers (RFC 9112 §6.3)";
            return Parsed::Malformed(start, why.into());
        }
        let Ok(length) = first.parse::<usize>() else {
            let why = "Content-Length is not a number (RFC 9110 §8.6)";
            return Parsed::Malformed(start, why.into());
        };
        if rest.len() < length {
            return Parsed::Incomplete;
        }
        if rest.len() > length {
            let why = "more bytes than Content-Length announced";
            return Parsed::Malformed(head_end + length, why.into());
        }
        rest.to_vec()
    } else if closed {
        rest.to_vec()
    } else {
        return Parsed::Incomplete;
    };
    if no_body && !rest.is_empty() {
        let why = ::std::format!("a {status} response has no body, but bytes follow its head");
        return Parsed::Malformed(head_end, why);
    }
    Parsed::Complete(Reply {
        status,
        headers,
        body,
    })
}

/// Checks `HTTP/1.1 SP 3DIGIT SP reason` (RFC 9112 §4) as far as `line` goes; `complete`:
/// the line has ended.
fn malformed_status_line(line: &[u8], complete: bool) -> Parsed {
    let why = "the status line must be `HTTP/1.1 <3 digits> <reason>` (RFC 9112 §4)";
    let template = b"HTTP/1.1 ";
    for (k, &b) in line.iter().enumerate().take(template.len()) {
        let ok = if k == 7 {
            b == b'1' || b == b'0'
        } else {
            b == template[k]
        };
        if !ok {
            return Parsed::Malformed(k, why.into());
        }
    }
    if let Some(k) = (9..12.min(line.len())).find(|&k| !line[k].is_ascii_digit()) {
        return Parsed::Malformed(k, why.into());
    }
    if line.len() > 12 && line[12] != b' ' {
        return Parsed::Malformed(12, why.into());
    }
    if line.len() < 12 && complete {
        return Parsed::Malformed(line.len(), why.into());
    }
    Parsed::Incomplete
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Decodes a chunked body: `Ok(None)` while incomplete, `Err(offset)` when malformed.
fn decode_chunked(bytes: &[u8]) -> Result<Option<Vec<u8>>, usize> {
    let (mut at, mut body) = (0, Vec::new());
    loop {
        let Some(lf) = bytes[at..].iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line = &bytes[at..at + lf];
        let line = line.strip_suffix(b"\r").ok_or(at + lf)?;
        let size = line.split(|&b| b == b';').next().unwrap_or_default();
        let size = std::str::from_utf8(size).map_err(|_| at)?.trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| at)?;
        at += lf + 1;
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                let Some(lf) = bytes[at..].iter().position(|&b| b == b'\n') else {
                    return Ok(None);
                };
                let empty = lf <= 1;
                at += lf + 1;
                if empty {
                    return Ok(Some(body));
                }
            }
        }
        if bytes.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&bytes[at..at + size]);
        if &bytes[at + size..at + size + 2] != b"\r\n" {
            return Err(at + size);
        }
        at += size + 2;
    }
}

/// The differences between what `expect` wants and `reply`, in learner words.
fn differences(expect: &Expect, reply: &Reply, raw: &[u8], out: &mut Vec<String>) {
    match expect {
        Expect::Status(want) if reply.status != *want => out.push(::std::format!(
            "status: expected {want} {}, got {} {}",
            reason(*want),
            reply.status,
            reason(reply.status)
        )),
        Expect::Header(name, want) => {
            let found: Vec<&String> = reply
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect();
            match found[..] {
                [] => out.push(::std::format!("header {name}: missing (expected {want:?})")),
                [got] if got == want => {}
                [got] => out.push(::std::format!(
                    "header {name}: expected {want:?}, got {got:?}"
                )),
                _ => out.push(::std::format!(
                    "header {name}: sent {} times ({found:?}), expected once: {want:?}",
                    found.len()
                )),
            }
        }
        Expect::HeaderAbsent(name) => {
            if let Some(got) = reply.header(name) {
                out.push(::std::format!(
                    "header {name}: should not be sent, got {got:?}"
                ));
            }
        }
        Expect::Json(want, subset) => {
            let Some(got) = body_json(reply, out) else {
                return;
            };
            diff_json("", want, &got, *subset, out);
        }
        Expect::JsonAt(pointer, want) => {
            let Some(got) = body_json(reply, out) else {
                return;
            };
            match got.pointer(pointer) {
                None => out.push(::std::format!(
                    "body {pointer}: missing (expected {})",
                    short(want)
                )),
                Some(got) => diff_json(pointer, want, got, false, out),
            }
        }
        Expect::NotIn(text, what) => {
            let needle = text.as_bytes();
            let found = !needle.is_empty() && raw.windows(needle.len()).any(|w| w == needle);
            if found {
                out.push(::std::format!(
                    "the response contains {what} ({text:?}): it must never be sent to a client"
                ));
            }
        }
        Expect::Custom(_, check) => {
            if let Err(why) = check(reply) {
                out.push(why);
            }
        }
        Expect::Status(_) => {}
    }
}

/// The body as JSON, with a difference noted if it is not JSON or not declared as JSON.
fn body_json(reply: &Reply, out: &mut Vec<String>) -> Option<Value> {
    let content_type = reply.header("content-type").unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let media = media.to_ascii_lowercase();
    let declared = media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"));
    let already = out.iter().any(|p| p.starts_with("header content-type"));
    if !declared && !already {
        out.push(::std::format!(
            "header content-type: expected application/json (or application/*+json), got {:?}",
            content_type
        ));
    }
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(value) => Some(value),
        Err(e) => {
            let text = String::from_utf8_lossy(&reply.body);
            let already = out.iter().any(|p| p.starts_with("body: not JSON"));
            if !already {
                out.push(::std::format!("body: not JSON ({e}): {}", cut(&text, 120)));
            }
            None
        }
    }
}

/// Compares JSON values; each difference names its JSON pointer. `subset`: objects in `got`
/// may have members `want` does not list.
fn diff_json(path: &str, want: &Value, got: &Value, subset: bool, out: &mut Vec<String>) {
    let at = if path.is_empty() { "body" } else { path };
    let at = if path.is_empty() {
        at.to_string()
    } else {
        ::std::format!("body {at}")
    };
    match (want, got) {
        (Value::String(w), _) if w == "<any>" => {}
        (Value::String(w), Value::String(_)) if w == "<string>" => {}
        (Value::String(w), Value::Number(_)) if w == "<number>" => {}
        (Value::Object(w), Value::Object(g)) => {
            for (key, w_value) in w {
                let path = ::std::format!("{path}/{}", escape_pointer(key));
                match g.get(key) {
                    Some(g_value) => diff_json(&path, w_value, g_value, subset, out),
                    None => out.push(::std::format!(
                        "body {path}: missing (expected {})",
                        short(w_value)
                    )),
                }
            }
            if !subset {
                for (key, g_value) in g.iter().filter(|(k, _)| !w.contains_key(*k)) {
                    let path = ::std::format!("{path}/{}", escape_pointer(key));
                    out.push(::std::format!("body {path}: unexpected {}", short(g_value)));
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if w.len() != g.len() {
                out.push(::std::format!(
                    "{at}: expected {} items, got {}",
                    w.len(),
                    g.len()
                ));
            }
            for (k, (w_item, g_item)) in w.iter().zip(g).enumerate() {
                diff_json(&::std::format!("{path}/{k}"), w_item, g_item, subset, out);
            }
            for (k, w_item) in w.iter().enumerate().skip(g.len()) {
                out.push(::std::format!(
                    "body {path}/{k}: missing (expected {})",
                    short(w_item)
                ));
            }
            for (k, g_item) in g.iter().enumerate().skip(w.len()) {
                out.push(::std::format!(
                    "body {path}/{k}: unexpected {}",
                    short(g_item)
                ));
            }
        }
        (Value::Number(w), Value::Number(g)) if w.as_f64() == g.as_f64() => {}
        (w, g) if w == g => {}
        (w, g) => out.push(::std::format!(
            "{at}: expected {}, got {}",
            short(w),
            short(g)
        )),
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A JSON value in one line, cut to a readable length.
fn short(value: &Value) -> String {
    cut(&value.to_string(), 100)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    ::std::format!("{kept}…")
}

/// `POST /notes`, from the check or from the first line of raw bytes.
fn request_line(check: &Check, sent: &[u8]) -> String {
    if check.raw.is_none() {
        return ::std::format!("{} {}", check.method, check.path);
    }
    let first = sent.split(|&b| b == b'\n').next().unwrap_or_default();
    ::std::format!("raw request {}", cut(&escape(first), 60))
}

/// Quotes bytes for a POSIX shell: '...' for plain text, $'...' with escapes otherwise.
fn shell_quote(bytes: &[u8]) -> String {
    let plain = std::str::from_utf8(bytes)
        .ok()
        .filter(|s| !s.chars().any(char::is_control));
    match plain {
        Some(text) => ::std::format!("'{}'", text.replace('\'', r"'\''")),
        None => {
            let mut out = String::from("$'");
            for &b in bytes {
                match b {
                    b'\'' => out.push_str(r"\'"),
                    b'\\' => out.push_str(r"\\"),
                    b'\r' => out.push_str(r"\r"),
                    b'\n' => out.push_str(r"\n"),
                    b'\t' => out.push_str(r"\t"),
                    0x20..=0x7e => out.push(b as char),
                    _ => out.push_str(&::std::format!("\\x{b:02x}")),
                }
            }
            out.push('\'');
            out
        }
    }
}

/// One byte as the reports show it.
fn escape_byte(b: u8) -> String {
    match b {
        b'\r' => r"\r".into(),
        b'\n' => r"\n".into(),
        b'\t' => r"\t".into(),
        b'\\' => r"\\".into(),
        0x20..=0x7e => (b as char).to_string(),
        _ => ::std::format!("\\x{b:02x}"),
    }
}

/// Bytes as text: valid UTF-8 as its characters (control characters escaped), any other
/// byte as `\xNN`.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                c if c.is_ascii() => out.push_str(&escape_byte(c as u8)),
                c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
                c => out.push(c),
            }
        }
        out.extend(chunk.invalid().iter().map(|&b| escape_byte(b)));
    }
    out
}

/// Bytes shown at most, before and after a caret.
const SHOWN_BYTES: usize = 1500;

/// Raw bytes, escaped, one line of the message per line of HTTP, each framed by `|`; with a
/// `^` under the byte at `caret` and why it is wrong. Long input is cut (around the caret).
fn show_bytes(bytes: &[u8], caret: Option<(usize, &str)>) -> String {
    if bytes.is_empty() {
        return "    (nothing)\n".into();
    }
    let from = match caret {
        Some((at, _)) if at > SHOWN_BYTES => at - SHOWN_BYTES / 2,
        _ => 0,
    };
    let to = bytes.len().min(from + SHOWN_BYTES);
    let mut out = String::new();
    if from > 0 {
        out.push_str(&::std::format!("    … ({from} bytes before)\n"));
    }
    let mut start = from;
    while start < to {
        let end = match bytes[start..to].iter().position(|&b| b == b'\n') {
            Some(lf) => start + lf + 1,
            None => to,
        };
        out.push_str(&::std::format!("    |{}|\n", escape(&bytes[start..end])));
        if let Some((at, why)) = caret
            && ((start..end).contains(&at) || (at == end && end == bytes.len()))
        {
            let column = escape(&bytes[start..at]).chars().count();
            let pad = " ".repeat(column + 5);
            out.push_str(&::std::format!("{pad}^ {why}\n"));
        }
        start = end;
    }
    if to < bytes.len() {
        out.push_str(&::std::format!("    … ({} more bytes)\n", bytes.len() - to));
    }
    out
}

/// The reason phrase of a status code, for reports.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}
