//! What the end-to-end tests share: fixture courses in temporary folders, a runner for the
//! binary (`Run`), and a driver for watch mode's JSON lines (`Watcher`).

#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_backendlings");

/// An exercise of a fixture course: `answer()` must return 42.
pub fn exercise(name: &str, body: &str) -> String {
    format!(
        "//! # {name}\n//! Make `answer` return 42.\n\n// TODO: return the answer.\nfn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{\n    println!(\"{{}}\", answer());\n}}\n\n\
         // ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n    fn answer_is_42() {{\n        assert_eq!(answer(), 42, \"answer() should be 42\");\n    }}\n\n    #[test]\n    fn answer_is_even() {{\n        assert_eq!(answer() % 2, 0, \"answer() should be even\");\n    }}\n}}\n"
    )
}

/// The solution of a fixture exercise: `answer()` returns `body`, and a comment says what it
/// does where the exercise has its TODO (same lines).
pub fn solution(name: &str, body: &str) -> String {
    exercise(name, body).replace("// TODO: return the answer.", "// Returns the answer.")
}

pub const INFO: &str = r#"format_version = 1
welcome_message = "Welcome to the fixture."
final_message = "All fixture exercises done!"

[[exercises]]
name = "first"
dir = "00_basics"
hints = ["Look at answer.", "It returns 0.", "Return 42."]

[[exercises]]
name = "second"
dir = "00_basics"
hints = ["Same as first."]

[[exercises]]
name = "printer"
dir = "01_more"
mode = "run"
expected_output = "42"
hints = ["Print 42."]
"#;

/// The fixture course with `first` allowed to use `allow` (a TOML list).
pub fn fixture_allowing(allow: &str) -> Fixture {
    let info = INFO.replacen(
        "hints = [\"Look at answer.\", \"It returns 0.\", \"Return 42.\"]",
        &format!(
            "hints = [\"Look at answer.\", \"It returns 0.\", \"Return 42.\"]\nallow = {allow}"
        ),
        1,
    );
    Fixture::with_info(&info)
}

/// A course folder and a workspace made from it, in one temporary folder.
pub struct Fixture {
    pub _tmp: tempfile::TempDir,
    pub course: PathBuf,
    pub ws: PathBuf,
}

impl Fixture {
    /// The fixture course, and a workspace initialised from it.
    pub fn new() -> Fixture {
        Self::with_info(INFO)
    }

    pub fn with_info(info: &str) -> Fixture {
        Self::with_files(info, &[])
    }

    /// The fixture course with `info` and `extra` files, and a workspace made from it.
    pub fn with_files(info: &str, extra: &[(&str, String)]) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let course = tmp.path().join("course");
        let files = [
            ("exercises/00_basics/first.rs", exercise("first", "0")),
            ("solutions/00_basics/first.rs", solution("first", "42")),
            ("exercises/00_basics/second.rs", exercise("second", "1")),
            (
                "solutions/00_basics/second.rs",
                solution("second", "40 + 2"),
            ),
            (
                "exercises/01_more/printer.rs",
                "// TODO: print 42.\nfn main() {\n    println!(\"41\");\n}\n".into(),
            ),
            (
                "solutions/01_more/printer.rs",
                "// Prints 42.\nfn main() {\n    println!(\"42\");\n}\n".into(),
            ),
            ("info.toml", info.to_string()),
        ];
        for (path, text) in files.iter().chain(extra) {
            write(&course.join(path), text);
        }
        let ws = tmp.path().join("ws");
        let fixture = Fixture {
            _tmp: tmp,
            course,
            ws,
        };
        // The fixture's author trusts it (asking is tested on its own).
        let out = Run::from(
            command(fixture.ws.parent().unwrap())
                .args(["init", "ws", "--no-warm", "--course", "course"])
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 0, "init failed: {}", out.stderr);
        fixture
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.ws, args)
    }

    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let output = command(dir).args(args).output().unwrap();
        Run::from(output)
    }

    pub fn solve(&self, path: &str) {
        let solution =
            fs::read_to_string(self.course.join(path.replacen("exercises", "solutions", 1)))
                .unwrap();
        write(&self.ws.join(path), &solution);
    }

    pub fn state(&self) -> String {
        fs::read_to_string(self.ws.join(".backendlings/state.toml")).unwrap()
    }
}

pub fn command(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    c
}

pub fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn expect(&self, code: i32, stdout_has: &[&str]) -> &Run {
        assert_eq!(
            self.code, code,
            "exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        for needle in stdout_has {
            assert!(
                self.stdout.contains(needle),
                "stdout lacks {needle:?}:\n{}\nstderr:\n{}",
                self.stdout,
                self.stderr
            );
        }
        assert!(
            !self.stdout.contains('\u{1b}'),
            "plain output expected without a terminal:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needles: &[&str]) -> &Run {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr lacks {needle:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// Processes whose command line contains `needle`.
pub fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let zombie = fs::read_to_string(entry.path().join("stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            });
            if cmdline.contains(needle) && !zombie {
                found.push(cmdline);
            }
        }
    }
    found
}

/// Signal names for `kill`.
pub mod libc_signal {
    pub const TERM: &str = "-TERM";
    pub const INT: &str = "-INT";
    pub const HUP: &str = "-HUP";
}

/// Watch mode in its machine-readable mode: JSON lines out, commands in.
pub struct Watcher {
    pub child: Child,
    pub stdin: ChildStdin,
    pub lines: Receiver<serde_json::Value>,
}

impl Watcher {
    pub fn start(dir: &Path) -> Watcher {
        Self::start_with(dir, &[])
    }

    pub fn start_with(dir: &Path, args: &[&str]) -> Watcher {
        Self::start_with_env(dir, args, &[])
    }

    /// Watch mode with `args`, and `env` set in its environment.
    pub fn start_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Watcher {
        let mut child = command(dir)
            .args(["watch", "--json"])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Watcher {
            child,
            stdin,
            lines,
        }
    }

    /// The next event of `kind`, skipping others; panics after 60 s.
    #[track_caller]
    pub fn next(&self, kind: &str) -> serde_json::Value {
        loop {
            let event = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no {kind:?} event within 60 s"));
            if event["event"] == kind {
                return event;
            }
        }
    }

    /// Every event that arrives within `window`.
    pub fn events_for(&self, window: Duration) -> Vec<serde_json::Value> {
        let end = std::time::Instant::now() + window;
        let mut events = Vec::new();
        while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(event) => events.push(event),
                Err(_) => break,
            }
        }
        events
    }

    pub fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").unwrap();
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file below `dir` (outside target folders) with its bytes: to prove nothing was written.
pub fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "target" {
                    stack.push(path);
                }
            } else {
                files.push((path.clone(), fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

pub const SHIPPING: &str = "//! # shipping\n//! Test the shipping rule.\n\n/// Shipping costs 5 below a total of 50, and nothing from 50 on.\npub fn shipping(total: u32) -> u32 {\n    if total >= 50 { 0 } else { 5 }\n}\n\nfn main() {}\n\n// ---- your tests: write them below ----\n";

pub const SHIPPING_MUTANTS: &str = "pub fn shipping(total: u32) -> u32 {\n    if mutant(1) {\n        return if total > 50 { 0 } else { 5 };\n    }\n    if mutant(2) {\n        return 5;\n    }\n    if total >= 50 { 0 } else { 5 }\n}\n\nfn main() {}\n";

/// The fixture course plus one `mutants` exercise; the learner has written `learner_tests`.
pub fn mutants_fixture(learner_tests: &str) -> Fixture {
    let info = format!(
        "{INFO}\n[[exercises]]\nname = \"shipping\"\ndir = \"02_testing\"\nmode = \"mutants\"\nhints = [\"Test the boundary.\"]\nmutants = [\n    {{ description = \"a cart of exactly 50 is charged shipping\" }},\n    {{ description = \"every cart is charged shipping\" }},\n]\n"
    );
    let todo = "#[cfg(test)]\nmod tests {\n    // TODO: write tests for `shipping`.\n}\n";
    let reference = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn boundary() {\n        assert_eq!(shipping(49), 5);\n        assert_eq!(shipping(50), 0);\n    }\n}\n";
    let f = Fixture::with_files(
        &info,
        &[
            (
                "exercises/02_testing/shipping.rs",
                format!("{SHIPPING}{todo}"),
            ),
            (
                "solutions/02_testing/shipping.rs",
                format!("{SHIPPING}{reference}"),
            ),
            (
                "mutants/02_testing/shipping.rs",
                SHIPPING_MUTANTS.to_string(),
            ),
        ],
    );
    if !learner_tests.is_empty() {
        write(
            &f.ws.join("exercises/02_testing/shipping.rs"),
            &format!("{SHIPPING}{learner_tests}"),
        );
    }
    f
}

/// Copies a fixture course's own files (not what running in it wrote).
pub fn copy_course(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == ".backendlings" || name == "target" {
            continue;
        }
        let target = to.join(&name);
        if entry.path().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_course(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A class folder beside the fixture's workspace: one copy of the workspace per student, each
/// with its first `solved` exercises replaced by the course's solutions.
pub fn class_of(f: &Fixture, students: &[(&str, usize)]) -> PathBuf {
    let class = f.ws.parent().unwrap().join("class");
    for (student, solved) in students {
        let ws = class.join(student);
        copy_course(&f.ws, &ws);
        for path in [
            "exercises/00_basics/first.rs",
            "exercises/00_basics/second.rs",
        ]
        .iter()
        .take(*solved)
        {
            let solution =
                fs::read_to_string(f.course.join(path.replacen("exercises", "solutions", 1)))
                    .unwrap();
            write(&ws.join(path), &solution);
        }
    }
    class
}

// ---- the first hour: what a new learner runs into ----

/// The `done = [...]` line of a state file.
pub fn done_line(state: &str) -> String {
    state
        .lines()
        .find(|l| l.starts_with("done"))
        .unwrap_or("done = []")
        .to_string()
}

/// The binary in a pseudo-terminal (util-linux's `script`), as a learner's terminal runs it:
/// keys in, the screen's bytes out.
pub struct Pty {
    pub child: Child,
    pub stdin: ChildStdin,
    output: Receiver<String>,
    /// What the screen showed since the last `clear`.
    pub seen: String,
}

impl Pty {
    pub fn start(dir: &Path, args: &str, env: &[(&str, &str)]) -> Pty {
        let mut cmd = Command::new("script");
        cmd.args(["-qfec", &format!("{BIN} {args}"), "/dev/null"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, output) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            use std::io::Read as _;
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0
                    || tx
                        .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                        .is_err()
                {
                    break;
                }
            }
        });
        Pty {
            child,
            stdin,
            output,
            seen: String::new(),
        }
    }

    /// Waits (60 s at most) until the screen has shown `needle` since the last `clear`.
    #[track_caller]
    pub fn wait_for(&mut self, needle: &str) {
        self.wait_until(&format!("no {needle:?}"), |seen| seen.contains(needle));
    }

    /// Waits (60 s at most) until what the screen showed since the last `clear` is `done`;
    /// `what` says what never came.
    #[track_caller]
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&str) -> bool) {
        let start = std::time::Instant::now();
        while !done(&self.seen) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{what} in {}",
                self.seen
            );
            if let Ok(chunk) = self.output.recv_timeout(Duration::from_millis(200)) {
                self.seen.push_str(&chunk);
            }
        }
    }

    /// Forgets what the screen showed so far.
    pub fn clear(&mut self) {
        while let Ok(chunk) = self.output.try_recv() {
            self.seen.push_str(&chunk);
        }
        self.seen.clear();
    }

    pub fn keys(&mut self, keys: &[u8]) {
        self.stdin.write_all(keys).unwrap();
        self.stdin.flush().unwrap();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- the README's recipes, read from the README itself ----

pub const README: &str = include_str!("../../README.md");

/// The fenced block that follows the first line of the README containing `after`.
pub fn block_after(after: &str) -> String {
    let start = README
        .find(after)
        .unwrap_or_else(|| panic!("the README no longer says {after:?}"));
    let rest = &README[start..];
    let open = rest.find("```").expect("a fenced block follows");
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").expect("the block is closed")].to_string()
}

/// The lines of `yaml` from the one that is `key:` to the next one indented no deeper
/// (a job of a CI file: `grade:`, `report:`).
pub fn yaml_section(yaml: &str, key: &str) -> String {
    let mut lines = yaml.lines().skip_while(|l| l.trim() != key);
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("no {key:?} in\n{yaml}"));
    let indent = header.len() - header.trim_start().len();
    let body: Vec<&str> = lines
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .collect();
    format!("{header}\n{}\n", body.join("\n"))
}

/// The commands of a YAML list at `key:` in `yaml` (`- run: X` items, or `- X` under
/// `key:`), each for the course `course` (see [`with_course`]).
pub fn yaml_commands(yaml: &str, key: &str, course: &Path) -> Vec<String> {
    let commands: Vec<String> = if key == "run" {
        yaml.lines()
            .filter_map(|l| l.trim().strip_prefix("- run: "))
            .map(str::to_string)
            .collect()
    } else {
        let mut lines = yaml.lines().skip_while(|l| l.trim() != format!("{key}:"));
        let header = lines.next().expect("the key is there");
        let indent = header.len() - header.trim_start().len();
        lines
            .take_while(|l| l.len() - l.trim_start().len() > indent)
            .filter_map(|l| l.trim().strip_prefix("- "))
            .map(str::to_string)
            .collect()
    };
    commands.iter().map(|c| with_course(c, course)).collect()
}

/// A command of a recipe, for a course of one's own: `--course DIR` added to each `grade`
/// (after `merge` for `grade merge`) and `init`, as the README says.
pub fn with_course(command: &str, course: &Path) -> String {
    let course = course.display();
    command
        .replace("backendlings grade merge", "\u{0}")
        .replace(
            "backendlings grade",
            &format!("backendlings grade --course {course}"),
        )
        .replace(
            '\u{0}',
            &format!("backendlings grade merge --course {course}"),
        )
        .replace(
            "backendlings init",
            &format!("backendlings init --course {course}"),
        )
}
