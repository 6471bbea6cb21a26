//! `Test`: end-to-end tests that read like just's (casey/just's tests/test.rs). A test sets up
//! the fixture course, runs the real binary with arguments, environment and input, and
//! compares what it printed, whole, with what it should print:
//!
//! ```ignore
//! Test::new()
//!     .solve("exercises/00_basics/first.rs")
//!     .args(["run", "first"])
//!     .snapshot("a_pass");
//! ```
//!
//! Each command run is written down as a transcript (`$ backendlings run first`, its standard
//! output, its standard error, its exit status); `snapshot` compares the transcript with
//! tests/cli/snapshots/cli__<module>__<name>.snap (`INSTA_UPDATE=always` writes it anew;
//! review the diff). `stdout`/`stderr` compare one command's whole output with a string, as
//! just's tests do. `watch` drives watch mode step by step: saves, typed commands, and waits
//! for the screen each of them brings.
//!
//! Only what varies between runs and machines is normalised, each by its own narrow rule
//! ([`Test::normalize`]): the temporary folders (`[WS]`, `[COURSE]`, `[TMP]`), the binary's
//! path (`[BIN]`), durations where a duration is printed (`"duration_ms": [TIME]`,
//! `time="[TIME]"`, `built in [TIME] s`), and the version in watch mode's `hello`. The same
//! placeholders may be written in arguments and paths given to the builder.

#![allow(dead_code)]

use super::support::*;

use std::fs;
use std::io::{Read, Write};
use std::panic::Location;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The fixture course, a workspace made from it, and what was run in it so far.
pub struct Test {
    fixture: Fixture,
    /// The command being set up (by `args`, `env`, `status`…), run by `run` or `snapshot`.
    next: Option<Command>,
    /// What the commands run since the last snapshot printed, normalised.
    transcript: String,
    /// The last command's output, as it came.
    last: Option<Run>,
}

/// A command to run and what is expected of it.
#[derive(Default)]
struct Command {
    args: Vec<String>,
    dir: Option<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
    status: i32,
    stdout: Option<String>,
    stderr: Option<String>,
    /// Applied to standard error before it is normalised (e.g. lines that come in an order
    /// that varies, sorted).
    stderr_filter: Option<fn(&str) -> String>,
    /// Files the command writes, shown in the transcript after its output.
    files: Vec<String>,
}

impl Test {
    /// The fixture course (support.rs's `INFO`) and a fresh workspace made from it.
    pub fn new() -> Test {
        Test::with(Fixture::new())
    }

    /// Another fixture: `mutants_fixture(..)`, `Fixture::with_info(..)`.
    pub fn with(fixture: Fixture) -> Test {
        Test {
            fixture,
            next: None,
            transcript: String::new(),
            last: None,
        }
    }

    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// The output of the last command run, as it came (not normalised).
    pub fn output(&self) -> &Run {
        self.last.as_ref().expect("no command was run yet")
    }

    /// `path` with its placeholders made real; a relative path is the workspace's.
    pub fn path(&self, path: &str) -> PathBuf {
        let path = self.expand(path);
        self.fixture.ws.join(path)
    }

    // ---- the workspace ----

    /// Writes `text` to `path` (relative to the workspace, or with a placeholder).
    pub fn write(self, path: &str, text: &str) -> Test {
        write(&self.path(path), text);
        self
    }

    /// Writes the course's solution over the workspace's exercise file at `path`.
    pub fn solve(self, path: &str) -> Test {
        self.fixture.solve(path);
        self
    }

    /// A class folder, `[TMP]/class`: a copy of the workspace for each student, with its
    /// first exercises solved (support.rs's `class_of`).
    pub fn class(self, students: &[(&str, usize)]) -> Test {
        class_of(&self.fixture, students);
        self
    }

    // ---- the next command ----

    fn next(&mut self) -> &mut Command {
        self.next.get_or_insert_with(Command::default)
    }

    pub fn args<const N: usize>(mut self, args: [&str; N]) -> Test {
        let args = args.iter().map(|a| self.expand(a)).collect();
        self.next().args = args;
        self
    }

    /// The folder to run in (default: the workspace), e.g. `[TMP]/class`.
    pub fn current_dir(mut self, dir: &str) -> Test {
        self.next().dir = Some(dir.to_string());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.next().env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn stdin(mut self, text: &str) -> Test {
        self.next().stdin = Some(text.to_string());
        self
    }

    /// The exit status expected (default 0).
    pub fn status(mut self, status: i32) -> Test {
        self.next().status = status;
        self
    }

    /// The whole standard output expected, normalised.
    pub fn stdout(mut self, text: &str) -> Test {
        self.next().stdout = Some(text.to_string());
        self
    }

    /// The whole standard error expected, normalised.
    pub fn stderr(mut self, text: &str) -> Test {
        self.next().stderr = Some(text.to_string());
        self
    }

    pub fn stderr_filter(mut self, filter: fn(&str) -> String) -> Test {
        self.next().stderr_filter = Some(filter);
        self
    }

    /// A file the command writes, to be shown after its output.
    pub fn file(mut self, path: &str) -> Test {
        self.next().files.push(path.to_string());
        self
    }

    /// Runs the command set up, checks its status (and its whole output, if given), and
    /// writes it down in the transcript.
    #[track_caller]
    pub fn run(mut self) -> Test {
        let command = self
            .next
            .take()
            .expect("set up a command (args) before run");
        let dir = command
            .dir
            .as_deref()
            .map_or_else(|| self.fixture.ws.clone(), |d| self.path(d));
        let mut child = spawn(&dir, &command.args, &command.env);
        let mut stdin = child.stdin.take().unwrap();
        if let Some(text) = &command.stdin {
            stdin.write_all(text.as_bytes()).unwrap();
        }
        drop(stdin);
        let run = Run::from(child.wait_with_output().unwrap());
        let stdout = self.normalize(&run.stdout);
        let stderr = match command.stderr_filter {
            // A filter gives lines; they end as the output did.
            Some(filter) => {
                let mut lines = filter(&run.stderr);
                if run.stderr.ends_with('\n') && !lines.is_empty() && !lines.ends_with('\n') {
                    lines.push('\n');
                }
                self.normalize(&lines)
            }
            None => self.normalize(&run.stderr),
        };
        let shown_args = self.normalize(&command.args.join(" "));
        assert_eq!(
            run.code, command.status,
            "exit status of `backendlings {shown_args}`\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        assert_plain(&format!("{stdout}{stderr}"));
        if let Some(expected) = &command.stdout {
            assert_eq!(
                &stdout, expected,
                "standard output of `backendlings {shown_args}`"
            );
        }
        if let Some(expected) = &command.stderr {
            assert_eq!(
                &stderr, expected,
                "standard error of `backendlings {shown_args}`"
            );
        }
        let env: String = command
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v} "))
            .collect();
        let mut entry = format!("$ {env}backendlings {shown_args}\n");
        if let Some(dir) = &command.dir {
            entry = format!("$ cd {dir}\n{entry}");
        }
        if let Some(text) = &command.stdin {
            entry.push_str(&section("stdin", text));
        }
        entry.push_str(&section("stdout", &stdout));
        entry.push_str(&section("stderr", &stderr));
        entry.push_str(&format!("--- exit status {}\n", run.code));
        for file in &command.files {
            let text = fs::read_to_string(self.path(file))
                .unwrap_or_else(|e| panic!("{file} was not written: {e}"));
            entry.push_str(&section(&format!("file {file}"), &self.normalize(&text)));
        }
        self.record(&entry);
        self.last = Some(run);
        self
    }

    fn record(&mut self, entry: &str) {
        if !self.transcript.is_empty() {
            self.transcript.push('\n');
        }
        self.transcript.push_str(entry);
    }

    /// Runs the command set up, if any, and compares the transcript of what was run since
    /// the last snapshot with tests/cli/snapshots/cli__<module>__<name>.snap, the module
    /// being the test's.
    #[track_caller]
    pub fn snapshot(mut self, name: &str) -> Test {
        if self.next.is_some() {
            self = self.run();
        }
        let transcript = std::mem::take(&mut self.transcript);
        assert_transcript(Location::caller(), name, &transcript);
        self
    }

    // ---- watch mode ----

    /// Starts `backendlings watch` with `args` (and the environment set up), to be driven
    /// step by step; `quit` writes the session down in the transcript.
    ///
    /// The warm-up (building the rest of the course ahead) is left to "another terminal":
    /// this test holds its lock, as a second watch mode finds it held. Where it runs, its
    /// progress line comes and goes at moments that vary from run to run, and a whole
    /// output cannot be compared. warm.rs tests the warm-up.
    pub fn watch<const N: usize>(mut self, args: [&str; N]) -> Watch {
        let command = self.next.take().unwrap_or_default();
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.fixture.ws.join(".backendlings/warm.lock"))
            .unwrap();
        lock.try_lock().expect("the warm-up's lock is free");
        let watch_args: Vec<String> = std::iter::once("watch")
            .chain(args)
            .map(str::to_string)
            .collect();
        let mut child = spawn(&self.fixture.ws, &watch_args, &command.env);
        let stdin = child.stdin.take().unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let json = args.contains(&"--json");
        let env: String = command
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v} "))
            .collect();
        let args = watch_args.join(" ");
        Watch {
            test: Some(self),
            child,
            stdin: Some(stdin),
            stdout,
            stderr,
            _lock: lock,
            // A screen ends with the keys line; a JSON event with its line.
            screen_end: if json { "\n" } else { "q quit\n" },
            seen: 0,
            written: 0,
            session: format!("$ {env}backendlings {args}\n--- stdout\n"),
        }
    }

    // ---- normalising ----

    /// The real paths for the placeholders, most specific first.
    fn places(&self) -> Vec<(String, &'static str)> {
        let root = self.fixture.ws.parent().unwrap().to_path_buf();
        let mut places = Vec::new();
        for (path, name) in [
            (self.fixture.ws.clone(), "[WS]"),
            (self.fixture.course.clone(), "[COURSE]"),
            (root, "[TMP]"),
        ] {
            // The same folder as the system names it (a /tmp that is a link, as on macOS).
            if let Ok(real) = path.canonicalize()
                && real != path
            {
                places.push((real.display().to_string(), name));
            }
            places.push((path.display().to_string(), name));
        }
        places.push((BIN.to_string(), "[BIN]"));
        places
    }

    fn expand(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (real, name) in self.places().into_iter().rev() {
            text = text.replace(name, &real);
        }
        text
    }

    /// `text` with what varies between runs and machines replaced by placeholders.
    pub fn normalize(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (real, name) in self.places() {
            text = text.replace(&real, name);
        }
        // Durations, where one is printed: JSON lines and pretty JSON, JUnit, grade's log.
        text = redact_number(&text, "\"duration_ms\":", ",", "[TIME]");
        text = redact_number(&text, "\"duration_ms\":", "}", "[TIME]");
        text = redact_number(&text, "\"duration_ms\": ", ",", "[TIME]");
        text = redact_number(&text, "\"duration_ms\": ", "\n", "[TIME]");
        text = redact_number(&text, " time=\"", "\"", "[TIME]");
        text = redact_number(&text, "built in ", " s", "[TIME]");
        // The version, in watch mode's first event.
        text.replace(
            &format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\":\"[VERSION]\"",
        )
    }
}

impl Drop for Test {
    fn drop(&mut self) {
        if self.next.is_some() && !std::thread::panicking() {
            panic!("a command was set up but never run: end with .run() or .snapshot(..)");
        }
    }
}

/// The binary in `dir` with `args` and `env` (and none of [`VARYING_ENV`]), its input and
/// outputs piped.
fn spawn(dir: &std::path::Path, args: &[String], env: &[(String, String)]) -> Child {
    let mut process = super::support::command(dir);
    for var in VARYING_ENV {
        process.env_remove(var);
    }
    process
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The environment of the machine that would change what the runner prints or builds.
const VARYING_ENV: [&str; 8] = [
    "BACKENDLINGS_CARGO",
    "CARGO_TARGET_DIR",
    "RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUST_BACKTRACE",
    "COLUMNS",
    "LINES",
    "EDITOR",
];

/// Without a terminal and with `NO_COLOR`, output has no colours or other escape codes.
#[track_caller]
fn assert_plain(output: &str) {
    assert!(
        !output.contains('\u{1b}'),
        "plain output expected without a terminal:\n{output}"
    );
}

/// `--- name`, then `text` ending with a line break; nothing for empty text.
fn section(name: &str, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let end = if text.ends_with('\n') {
        ""
    } else {
        "\n--- (no line break at the end)\n"
    };
    format!("--- {name}\n{text}{end}")
}

/// `text` with each number that stands between `before` and `after` replaced by `label`.
fn redact_number(text: &str, before: &str, after: &str, label: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(before) {
        let start = at + before.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits > 0 && rest[digits..].starts_with(after) {
            out.push_str(label);
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[track_caller]
fn assert_transcript(caller: &Location<'_>, name: &str, transcript: &str) {
    let module = std::path::Path::new(caller.file())
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("cli")
        .to_string();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(caller.file());
    settings.bind(|| {
        insta::assert_snapshot!(format!("cli__{module}__{name}"), transcript);
    });
}

/// Everything `from` writes, as it comes, read on a thread of its own.
fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let into = text.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut pending = Vec::new();
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
            // Whole characters only: a read may end inside one.
            let valid = match std::str::from_utf8(&pending) {
                Ok(s) => s.len(),
                Err(e) => e.valid_up_to(),
            };
            let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
            into.lock().unwrap().push_str(&text);
            pending.drain(..valid);
        }
        into.lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(&pending));
    });
    text
}

/// Watch mode running, driven step by step. Each step waits for the screen the one before
/// brought, so that what is shown comes in one order only.
pub struct Watch {
    /// Given back by `quit`.
    test: Option<Test>,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    _lock: fs::File,
    /// How a screen (or a JSON event) ends.
    screen_end: &'static str,
    /// How much of stdout the steps so far waited for.
    seen: usize,
    /// How much of stdout is in `session`.
    written: usize,
    /// The transcript of this session so far: its output, with the steps between.
    session: String,
}

impl Watch {
    /// Waits (60 s at most) for a screen (a JSON event) that shows `needle`, after those
    /// waited for before.
    #[track_caller]
    pub fn until(mut self, needle: &str) -> Watch {
        let start = Instant::now();
        loop {
            let found = {
                let out = self.stdout.lock().unwrap();
                let rest = &out[self.seen..];
                let found = rest.find(needle).and_then(|at| {
                    let after = at + needle.len();
                    let end = rest[after..].find(self.screen_end)?;
                    Some(after + end + self.screen_end.len())
                });
                assert!(
                    found.is_some() || start.elapsed() < Duration::from_secs(60),
                    "no screen showing {needle:?} within 60 s; after what was waited for:\n{rest}\nstderr:\n{}",
                    self.stderr.lock().unwrap()
                );
                found
            };
            if let Some(length) = found {
                self.seen += length;
                return self;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn test(&self) -> &Test {
        self.test.as_ref().expect("watch mode is running")
    }

    /// Writes down the output so far and then `step`, a thing the learner did.
    fn step(&mut self, step: &str) {
        let out = self.stdout.lock().unwrap();
        // Up to the end of the last whole line: the step comes between lines.
        let upto = out.rfind('\n').map_or(0, |i| i + 1).max(self.written);
        let text = out[self.written..upto].to_string();
        self.written = upto;
        drop(out);
        self.session.push_str(&self.test().normalize(&text));
        self.session.push_str(&format!(">>> {step}\n"));
    }

    /// Saves `text` as `path` (in the workspace) as an editor does: written beside it, then
    /// renamed over it.
    pub fn save(mut self, path: &str, text: &str) -> Watch {
        self.step(&format!("saved {path}"));
        let file = self.test().path(path);
        let name = file.file_name().unwrap().to_str().unwrap();
        let beside = file.with_file_name(format!(".{name}.tmp"));
        write(&beside, text);
        fs::rename(&beside, &file).unwrap();
        self
    }

    /// Saves the course's solution as the exercise file at `path`.
    pub fn save_solution(self, path: &str) -> Watch {
        let solution = fs::read_to_string(self.test().fixture.course.join(path.replacen(
            "exercises",
            "solutions",
            1,
        )))
        .unwrap();
        self.save(path, &solution)
    }

    /// Types a command (a line on standard input).
    pub fn send(mut self, line: &str) -> Watch {
        self.step(&format!("typed: {line}"));
        let stdin = self.stdin.as_mut().expect("watch mode is running");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        self
    }

    /// Types `quit`, waits (60 s at most) for watch mode to end with status 0, and writes
    /// the session down in the transcript.
    #[track_caller]
    pub fn quit(mut self) -> Test {
        self = self.send("quit");
        drop(self.stdin.take());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "watch mode did not quit within 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The readers see the end of the pipes soon after the process ends.
        let end = Instant::now();
        while Arc::strong_count(&self.stdout) > 1 || Arc::strong_count(&self.stderr) > 1 {
            assert!(end.elapsed() < Duration::from_secs(10), "output still open");
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = self.stdout.lock().unwrap()[self.written..].to_string();
        let err = self.stderr.lock().unwrap().clone();
        let mut test = self.test.take().expect("watch mode is running");
        let mut session = std::mem::take(&mut self.session);
        session.push_str(&test.normalize(&out));
        session.push_str(&section("stderr", &test.normalize(&err)));
        let code = status.code().unwrap_or(-1);
        session.push_str(&format!("--- exit status {code}\n"));
        assert_plain(&session);
        assert_eq!(code, 0, "watch mode's exit status\n{session}");
        test.record(&session);
        test
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
