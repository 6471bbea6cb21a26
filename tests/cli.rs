//! End-to-end tests: the real binary on small fixture courses in temporary folders.
//! Fixture exercises use no dependencies, so each check builds in well under a second.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_backendlings");

/// An exercise of a fixture course: `answer()` must return 42.
fn exercise(name: &str, body: &str) -> String {
    format!(
        "//! # {name}\n//! Make `answer` return 42.\n\n// TODO: return the answer.\nfn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{\n    println!(\"{{}}\", answer());\n}}\n\n\
         // ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n    fn answer_is_42() {{\n        assert_eq!(answer(), 42, \"answer() should be 42\");\n    }}\n\n    #[test]\n    fn answer_is_even() {{\n        assert_eq!(answer() % 2, 0, \"answer() should be even\");\n    }}\n}}\n"
    )
}

const INFO: &str = r#"format_version = 1
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

/// A course folder and a workspace made from it, in one temporary folder.
struct Fixture {
    _tmp: tempfile::TempDir,
    course: PathBuf,
    ws: PathBuf,
}

impl Fixture {
    /// The fixture course, and a workspace initialised from it.
    fn new() -> Fixture {
        Self::with_info(INFO)
    }

    fn with_info(info: &str) -> Fixture {
        Self::with_files(info, &[])
    }

    /// The fixture course with `info` and `extra` files, and a workspace made from it.
    fn with_files(info: &str, extra: &[(&str, String)]) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let course = tmp.path().join("course");
        let files = [
            ("exercises/00_basics/first.rs", exercise("first", "0")),
            ("solutions/00_basics/first.rs", exercise("first", "42")),
            ("exercises/00_basics/second.rs", exercise("second", "1")),
            (
                "solutions/00_basics/second.rs",
                exercise("second", "40 + 2"),
            ),
            (
                "exercises/01_more/printer.rs",
                "// TODO: print 42.\nfn main() {\n    println!(\"41\");\n}\n".into(),
            ),
            (
                "solutions/01_more/printer.rs",
                "// TODO: print 42.\nfn main() {\n    println!(\"42\");\n}\n".into(),
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
                .args(["init", "ws", "--no-prebuild", "--course", "course"])
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 0, "init failed: {}", out.stderr);
        fixture
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.ws, args)
    }

    fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        let output = command(dir).args(args).output().unwrap();
        Run::from(output)
    }

    fn solve(&self, path: &str) {
        let solution =
            fs::read_to_string(self.course.join(path.replacen("exercises", "solutions", 1)))
                .unwrap();
        write(&self.ws.join(path), &solution);
    }

    fn state(&self) -> String {
        fs::read_to_string(self.ws.join(".backendlings/state.toml")).unwrap()
    }
}

fn command(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    c
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
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
    fn expect(&self, code: i32, stdout_has: &[&str]) -> &Run {
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
    fn stderr_has(&self, needles: &[&str]) -> &Run {
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

#[test]
fn init_writes_a_workspace_and_refuses_a_non_empty_folder() {
    let f = Fixture::new();
    for file in [
        "Cargo.toml",
        "Cargo.toml",
        "exercises/00_basics/first.rs",
        ".vscode/settings.json",
        ".backendlings/state.toml",
    ] {
        assert!(f.ws.join(file).is_file(), "{file} missing");
    }
    assert!(
        !f.ws.join("solutions/00_basics/first.rs").exists(),
        "solutions stay hidden until earned"
    );
    assert!(f.state().contains("current = \"first\""));
    f.run_in(
        f.ws.parent().unwrap(),
        &["init", "ws", "--no-prebuild", "--course", "course"],
    )
    .expect(2, &[])
    .stderr_has(&["already exists and is not empty", "fix:"]);
}

#[test]
fn init_with_the_bundled_course() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Run::from(
        command(tmp.path())
            .args(["init", "--no-prebuild"])
            .output()
            .unwrap(),
    );
    out.expect(0, &["Created backendlings with", "cd backendlings"]);
    let ws = tmp.path().join("backendlings");
    assert!(ws.join("exercises/00_intro/intro1.rs").is_file());
    assert!(
        ws.join("Cargo.lock").is_file(),
        "the course's lock file pins the dependencies"
    );
    let list = Run::from(command(&ws).arg("list").output().unwrap());
    list.expect(0, &["> intro1", "00_intro", "http1"]);
}

#[test]
fn run_shows_the_failing_tests_messages_and_exits_1() {
    let f = Fixture::new();
    f.run(&["run"]).expect(
        1,
        &[
            "✗ first failed: 1 of 2 tests failed",
            "answer() should be 42",
            "left: 0",
            "(at exercises/00_basics/first.rs:",
        ],
    );
}

#[test]
fn run_a_solved_exercise_passes_reveals_the_solution_and_moves_on() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    f.run(&["run"]).expect(
        0,
        &[
            "✓ first passed: all 2 tests passed",
            "solutions/00_basics/first.rs",
            "Next exercise: second",
        ],
    );
    assert!(f.ws.join("solutions/00_basics/first.rs").is_file());
    assert!(f.state().contains("current = \"second\""), "{}", f.state());
    let settings = fs::read_to_string(f.ws.join(".vscode/settings.json")).unwrap();
    assert!(
        settings.contains(r#"["--bin", "second", "--profile", "test"]"#),
        "the editor checks the current exercise only:\n{settings}"
    );
}

#[test]
fn compile_errors_are_shown_as_rustc_renders_them() {
    let f = Fixture::new();
    write(
        &f.ws.join("exercises/00_basics/second.rs"),
        &exercise("second", "\"forty-two\""),
    );
    f.run(&["run", "second"]).expect(
        1,
        &[
            "second does not compile",
            "error[E0308]: mismatched types",
            "second.rs:",
        ],
    );
}

#[test]
fn unknown_exercise_suggests_a_close_name() {
    Fixture::new()
        .run(&["run", "secnd"])
        .expect(2, &[])
        .stderr_has(&["no exercise named \"secnd\"", "did you mean \"second\""]);
}

#[test]
fn run_mode_compares_the_output() {
    let f = Fixture::new();
    f.run(&["run", "printer"]).expect(
        1,
        &[
            "printer failed",
            "should print:\n  42",
            "but printed:\n  41",
        ],
    );
    f.solve("exercises/01_more/printer.rs");
    f.run(&["run", "printer"]).expect(0, &["✓ printer passed"]);
}

#[test]
fn hints_are_progressive() {
    let f = Fixture::new();
    f.run(&["hint"])
        .expect(0, &["Hint 1 of 3 for first: Look at answer.", "ask again"]);
    let second = f.run(&["hint"]);
    second.expect(0, &["Hint 1 of 3", "Hint 2 of 3 for first: It returns 0."]);
    assert!(!second.stdout.contains("Hint 3"));
    f.run(&["hint"]).expect(
        0,
        &[
            "Hint 3 of 3 for first: Return 42.",
            "that was the last hint",
        ],
    );
    f.run(&["hint"])
        .expect(0, &["Hint 3 of 3", "that was the last hint"]);
}

#[test]
fn list_and_progress_show_status() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    f.run(&["run"]).expect(0, &[]);
    f.run(&["list"]).expect(
        0,
        &[
            "  first          00_basics        done",
            "> second         00_basics        pending  (current)",
        ],
    );
    f.run(&["progress"]).expect(
        0,
        &[
            "00_basics  [##########>---------] 1/2",
            "01_more    [>-------------------] 0/1",
            "all        [######>-------------] 1/3",
        ],
    );
}

#[test]
fn reset_restores_the_original_and_keeps_a_backup() {
    let f = Fixture::new();
    let file = f.ws.join("exercises/00_basics/first.rs");
    let original = fs::read_to_string(&file).unwrap();
    write(&file, "my work in progress");
    let out = f.run(&["reset", "first"]);
    out.expect(
        0,
        &[
            "Restored exercises/00_basics/first.rs",
            "Your version is saved as",
        ],
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), original);
    let backups: Vec<_> = fs::read_dir(f.ws.join(".backendlings/backups"))
        .unwrap()
        .collect();
    assert_eq!(backups.len(), 1);
    let backup = backups[0].as_ref().unwrap().path();
    assert_eq!(fs::read_to_string(backup).unwrap(), "my work in progress");
}

#[test]
fn check_all_grades_everything_and_records_progress() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/second.rs");
    f.run(&["check-all"]).expect(
        1,
        &[
            "✗ first failed",
            "✗ printer failed",
            "1 of 3 exercises pass",
            "Current exercise: first",
        ],
    );
    assert!(f.state().contains("done = [\"second\"]"), "{}", f.state());
    for path in [
        "exercises/00_basics/first.rs",
        "exercises/01_more/printer.rs",
    ] {
        f.solve(path);
    }
    f.run(&["check-all"])
        .expect(0, &["3 of 3 exercises pass", "Everything is done!"]);
}

#[test]
fn corrupt_state_is_rebuilt_with_a_warning() {
    let f = Fixture::new();
    write(
        &f.ws.join(".backendlings/state.toml"),
        "current = \"first\"\ndone = 7 what",
    );
    f.run(&["progress"])
        .expect(0, &["all"])
        .stderr_has(&["warning:", "was corrupt", "check-all"]);
    assert!(f.state().contains("current = \"first\""));
    f.run(&["progress"]).expect(0, &[]);
}

#[test]
fn a_broken_info_toml_names_file_line_field_and_fix() {
    let f = Fixture::new();
    let info = INFO.replace("name = \"second\"", "name = \"second\"\nhint = \"typo\"");
    write(&f.ws.join("info.toml"), &info);
    f.run(&["run"]).expect(2, &[]).stderr_has(&[
        "info.toml:12:1: hint: unknown field `hint`",
        "fix: remove the key",
    ]);
    let duplicate = INFO
        .replace("name = \"second\"", "name = \"first\"")
        .replace("dir = \"01_more\"", "dir = \"../up\"");
    write(&f.ws.join("info.toml"), &duplicate);
    f.run(&["list"]).expect(2, &[]).stderr_has(&[
        "has 2 problems",
        "info.toml:11:8: exercises[1].name: \"first\" is already the name of the exercise on line 6",
        "exercises[2].dir: \"../up\" is not a valid folder name",
    ]);
}

#[test]
fn changed_grading_tests_are_not_a_pass() {
    let f = Fixture::new();
    let file = f.ws.join("exercises/00_basics/first.rs");
    let weakened = fs::read_to_string(&file)
        .unwrap()
        .replace("assert_eq!(answer(), 42", "assert_eq!(42, 42");
    write(&file, &weakened);
    f.run(&["run"]).expect(
        1,
        &[
            "first tests changed",
            "line 20",
            "assert_eq!(answer(), 42, \"answer() should be 42\");",
            "backendlings reset first",
        ],
    );
    let deleted = fs::read_to_string(&file).unwrap();
    write(
        &file,
        deleted.split("// ---- grading tests").next().unwrap(),
    );
    f.run(&["run"]).expect(1, &["tests changed", "are gone"]);
}

#[test]
fn code_above_the_marker_cannot_make_the_tests_pass() {
    let f = Fixture::new();
    let file = f.ws.join("exercises/00_basics/first.rs");
    let attacks = [
        // A macro that stands in for the assertions.
        (
            exercise("first", "0").replace(
                "// TODO",
                "macro_rules! assert_eq { ($($t:tt)*) => {}; }\n// TODO",
            ),
            "macro_rules! assert_eq",
            "redefines what the tests rely on",
        ),
        // Printing the harness's summary, then leaving before the tests report.
        (
            exercise(
                "first",
                "{ use std::io::Write as _; let _ = std::io::stdout().write_all(b\"test result: ok. 2 passed; 0 failed; 0 ignored\\n\"); std::process::exit(0) }",
            ),
            "fake summary",
            "first failed",
        ),
        // A comment left open swallows the tests; tests of its own come after.
        (
            exercise("first", "0").replace("\n// ---- grading", "\n/*\n// ---- grading")
                + "*/\n#[test]\nfn mine() {}\n",
            "open comment",
            "never closed",
        ),
        // An attribute that switches the tests off.
        (
            exercise("first", "0").replace("\n// ---- grading", "\n#[cfg(any())]\n// ---- grading"),
            "dangling cfg",
            "an attribute `#[…]` with no item after it",
        ),
        // A type of its own named like the prelude's.
        (
            exercise("first", "0").replace(
                "// TODO",
                "#[allow(dead_code)]\nenum Fake { Some(u32), None }\n// TODO",
            ),
            "prelude names",
            "`Some`",
        ),
    ];
    for (text, what, message) in attacks {
        write(&file, &text);
        let out = f.run(&["run", "first"]);
        assert_eq!(out.code, 1, "{what} passed:\n{}", out.stdout);
        assert!(out.stdout.contains(message), "{what}: {}", out.stdout);
    }
}

#[test]
fn a_mutants_test_cannot_tell_which_bug_is_planted() {
    // The environment looks the same in every run, the correct one included.
    let spy = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn no_mutant_is_set() {\n        assert_eq!(shipping(50), 0);\n        assert!(std::env::var(\"BACKENDLINGS_MUTANT\").is_err(), \"a mutant is planted\");\n    }\n}\n";
    let f = mutants_fixture(spy);
    let out = f.run(&["run", "shipping"]);
    out.expect(
        1,
        &["your tests fail on the correct code", "a mutant is planted"],
    );
    // Nor is the switch the course's code uses callable from the tests.
    let call = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn caught() {\n        assert!(!mutant(1) && !mutant(2));\n    }\n}\n";
    let f = mutants_fixture(call);
    f.run(&["run", "shipping"])
        .expect(1, &["cannot find function `mutant`"]);
}

/// Processes whose command line contains `needle`.
fn processes_with(needle: &str) -> Vec<String> {
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

#[test]
fn interrupting_a_check_ends_every_process_it_started() {
    let f = Fixture::new();
    let ws = f.ws.display().to_string();
    // The test starts a child in a process group of its own, then never ends.
    let body = "{ use std::os::unix::process::CommandExt as _; let _ = std::process::Command::new(\"sleep\").arg(\"4242.5\").process_group(0).spawn(); loop { std::hint::spin_loop() } }";
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", body),
    );
    for signal in [libc_signal::TERM, libc_signal::INT, libc_signal::HUP] {
        let mut child = command(&f.ws)
            .args(["run", "first"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while processes_with("4242.5").is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the test never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success());
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            processes_with("4242.5"),
            Vec::<String>::new(),
            "after {signal}"
        );
        let left: Vec<String> = processes_with(&ws)
            .into_iter()
            .filter(|c| !c.contains("cargo"))
            .collect();
        assert_eq!(left, Vec::<String>::new(), "after {signal}");
    }
}

/// Signal names for `kill`.
mod libc_signal {
    pub const TERM: &str = "-TERM";
    pub const INT: &str = "-INT";
    pub const HUP: &str = "-HUP";
}

#[test]
fn support_modules_are_the_courses_and_cannot_be_edited_into_a_pass() {
    let support = "//! Checks shared by the course's tests.\n\n/// Fails unless `value` is 42.\npub fn expect_42(value: u32) {\n    assert_eq!(value, 42, \"the support module expected 42, got {value}\");\n}\n";
    let helped = |body: &str| {
        format!(
            "// TODO: return 42.\nfn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{}}\n\n// ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\n#[path = \"../../support/checks.rs\"]\nmod checks;\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn answer_is_42() {{\n        crate::checks::expect_42(super::answer());\n    }}\n}}\n"
        )
    };
    let info = format!(
        "{INFO}\n[[exercises]]\nname = \"helped\"\ndir = \"01_more\"\nhints = [\"Return 42.\"]\n"
    );
    let f = Fixture::with_files(
        &info,
        &[
            ("support/checks.rs", support.to_string()),
            ("exercises/01_more/helped.rs", helped("0")),
            ("solutions/01_more/helped.rs", helped("42")),
        ],
    );
    // The workspace has a copy to read; the grader uses the course's.
    let copy = f.ws.join("support/checks.rs");
    assert_eq!(fs::read_to_string(&copy).unwrap(), support);
    write(&copy, "pub fn expect_42(_: u32) {}\n");
    f.run(&["run", "helped"])
        .expect(1, &["the support module expected 42, got 0"]);
    f.solve("exercises/01_more/helped.rs");
    f.run(&["run", "helped"]).expect(0, &["helped passed"]);
    // dev check proves the course with its support module, formatting included.
    f.run_in(&f.course, &["dev", "check", "helped"])
        .expect(0, &["1 exercises checked"]);
}

#[test]
fn a_test_that_never_ends_times_out() {
    let info = INFO.replace(
        "name = \"first\"\ndir = \"00_basics\"",
        "name = \"first\"\ndir = \"00_basics\"\ntimeout_secs = 1",
    );
    let f = Fixture::with_info(&info);
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", "loop { std::hint::spin_loop() }"),
    );
    let start = std::time::Instant::now();
    f.run(&["run"]).expect(
        1,
        &[
            "first timed out: timed out after 1 s",
            "a loop that never ends",
        ],
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn outside_a_workspace_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    Run::from(command(tmp.path()).arg("run").output().unwrap())
        .expect(2, &[])
        .stderr_has(&["is not a backendlings workspace", "backendlings init"]);
}

#[test]
fn help_exists_for_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in [
        &["--help"][..],
        &["watch", "--help"],
        &["init", "--help"],
        &["dev", "check", "--help"],
        &["grade", "--help"],
    ] {
        Run::from(command(tmp.path()).args(cmd).output().unwrap()).expect(0, &["Usage:"]);
    }
}

/// Watch mode in its machine-readable mode: JSON lines out, commands in.
struct Watcher {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<serde_json::Value>,
}

impl Watcher {
    fn start(dir: &Path) -> Watcher {
        Self::start_with(dir, &[])
    }

    fn start_with(dir: &Path, args: &[&str]) -> Watcher {
        let mut child = command(dir)
            .args(["watch", "--json"])
            .args(args)
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
    fn next(&self, kind: &str) -> serde_json::Value {
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
    fn events_for(&self, window: Duration) -> Vec<serde_json::Value> {
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

    fn send(&mut self, command: &str) {
        writeln!(self.stdin, "{command}").unwrap();
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_mode_sees_saves_in_place_and_by_rename_and_advances() {
    let f = Fixture::new();
    let mut w = Watcher::start(&f.ws);
    // The stream says first which protocol it speaks.
    let hello = w.lines.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(
        (hello["event"].as_str(), hello["protocol"].as_u64()),
        (Some("hello"), Some(1))
    );
    assert_eq!(w.next("watching")["exercise"], "first");
    let verdict = w.next("verdict");
    assert_eq!(
        (verdict["exercise"].as_str(), verdict["outcome"].as_str()),
        (Some("first"), Some("failed"))
    );

    // An editor that writes the file in place.
    f.solve("exercises/00_basics/first.rs");
    let verdict = w.next("verdict");
    assert_eq!(verdict["outcome"], "passed", "{verdict}");
    assert_eq!(w.next("advanced")["to"], "second");
    assert_eq!(w.next("verdict")["outcome"], "failed");

    // An editor that writes a temporary file and renames it over the exercise.
    let tmp = f.ws.join("exercises/00_basics/.second.rs.tmp");
    write(&tmp, &exercise("second", "42"));
    fs::rename(&tmp, f.ws.join("exercises/00_basics/second.rs")).unwrap();
    assert_eq!(w.next("verdict")["outcome"], "passed");
    assert_eq!(w.next("advanced")["to"], "printer");

    w.send("hint");
    let hint = w.next("hint");
    assert_eq!(
        (hint["exercise"].as_str(), hint["level"].as_u64()),
        (Some("printer"), Some(1))
    );
    w.send("quit");
    assert!(w.child.wait().unwrap().success());
    assert!(
        f.state().contains("done = [\"first\", \"second\"]"),
        "{}",
        f.state()
    );
}

#[test]
fn watch_mode_ignores_saves_that_change_nothing_and_finishes_the_course() {
    let f = Fixture::new();
    for path in [
        "exercises/00_basics/first.rs",
        "exercises/00_basics/second.rs",
    ] {
        f.solve(path);
    }
    let mut w = Watcher::start(&f.ws);
    assert_eq!(w.next("advanced")["to"], "second");
    assert_eq!(w.next("advanced")["to"], "printer");
    assert_eq!(w.next("verdict")["outcome"], "failed");
    // Same content written again: no new check. Then a real change.
    let printer = f.ws.join("exercises/01_more/printer.rs");
    let same = fs::read_to_string(&printer).unwrap();
    write(&printer, &same);
    let meanwhile = w.events_for(Duration::from_millis(1500));
    assert!(
        meanwhile.iter().all(|e| e["event"] != "check_started"),
        "a save that changed nothing started a check: {meanwhile:?}"
    );
    f.solve("exercises/01_more/printer.rs");
    let started = w.next("check_started");
    assert_eq!(started["exercise"], "printer");
    assert_eq!(w.next("verdict")["outcome"], "passed");
    assert_eq!(
        w.next("course_finished")["message"],
        "All fixture exercises done!"
    );
    w.send("list");
    let list = w.next("list");
    assert!(
        list["exercises"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["done"] == true)
    );
}

#[test]
fn a_save_during_a_check_ends_it_and_checks_again() {
    let f = Fixture::new();
    let w = Watcher::start(&f.ws);
    assert_eq!(w.next("verdict")["outcome"], "failed");
    // A version whose tests take 8 s, so that the next save lands during its check.
    let slow = "{ let start = std::time::Instant::now(); while start.elapsed() < std::time::Duration::from_secs(8) {} 42 }";
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", slow),
    );
    w.next("check_started");
    std::thread::sleep(Duration::from_millis(300));
    let saved = std::time::Instant::now();
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", "40 + 2"),
    );
    let dropped = w.next("verdict_dropped");
    assert_eq!(dropped["exercise"], "first");
    // The stale check was ended, not waited for.
    assert!(
        saved.elapsed() < Duration::from_secs(6),
        "the stale check ran on for {:?}",
        saved.elapsed()
    );
    w.next("check_started");
    assert_eq!(w.next("verdict")["outcome"], "passed");
}

#[test]
fn a_pass_is_never_recorded_for_a_file_that_fails() {
    // Save a failing version A, a passing B (whose tests take a while), then A again while
    // B's tests run: the verdict on B must not count, and nothing is marked done.
    let f = Fixture::new();
    let w = Watcher::start(&f.ws);
    assert_eq!(w.next("verdict")["outcome"], "failed");
    let file = f.ws.join("exercises/00_basics/first.rs");
    let failing = fs::read_to_string(&file).unwrap();
    let slow_pass = "{ let start = std::time::Instant::now(); while start.elapsed() < std::time::Duration::from_millis(1500) {} 42 }";
    write(&file, &exercise("first", slow_pass));
    w.next("check_started");
    std::thread::sleep(Duration::from_millis(400));
    write(&file, &failing);
    let mut events = Vec::new();
    loop {
        let event = w.lines.recv_timeout(Duration::from_secs(60)).unwrap();
        let last = event["event"] == "verdict" && event["outcome"] == "failed";
        events.push(event);
        if last {
            break;
        }
    }
    assert!(
        events
            .iter()
            .all(|e| e["event"] != "solved" && e["outcome"] != "passed"),
        "{events:?}"
    );
    let state = f.state();
    assert!(
        !state
            .lines()
            .any(|l| l.starts_with("done") && l.contains("first")),
        "{state}"
    );
}

#[test]
fn progress_from_another_terminal_is_kept_when_watch_mode_saves() {
    let f = Fixture::new();
    let w = Watcher::start(&f.ws);
    assert_eq!(w.next("verdict")["outcome"], "failed");
    // Another terminal: a hint of `first`, and `second` solved and checked.
    f.run(&["hint", "first"]).expect(0, &["Look at answer."]);
    f.solve("exercises/00_basics/second.rs");
    f.run(&["run", "second"]).expect(0, &["second passed"]);
    // Watch mode then records its own pass, and keeps what the others recorded.
    f.solve("exercises/00_basics/first.rs");
    assert_eq!(w.next("verdict")["outcome"], "passed");
    w.next("advanced");
    let state = f.state();
    assert!(state.contains("done = [\"first\", \"second\"]"), "{state}");
    assert!(state.contains("first = 1"), "{state}");
}

#[test]
fn watch_mode_checks_everything_in_the_background_and_speaks_json_commands() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/second.rs");
    let mut w = Watcher::start(&f.ws);
    assert_eq!(w.next("verdict")["outcome"], "failed");
    w.send("check-all");
    w.send(r#"{"cmd":"hint"}"#);
    let mut events = Vec::new();
    loop {
        let event = w.lines.recv_timeout(Duration::from_secs(60)).unwrap();
        let last = event["event"] == "check_all_finished";
        events.push(event);
        if last {
            break;
        }
    }
    let position = |kind: &str| events.iter().position(|e| e["event"] == kind);
    // The hint was answered while everything was being checked.
    assert!(
        position("hint") < position("check_all_finished"),
        "{events:?}"
    );
    assert!(position("check_all_progress").is_some(), "{events:?}");
    assert_eq!(events.last().unwrap()["passed"], 1);
    // A JSON command that names an exercise moves there and checks it.
    w.send(r#"{"cmd":"check","exercise":"printer"}"#);
    assert_eq!(w.next("current")["exercise"], "printer");
    assert_eq!(w.next("verdict")["exercise"], "printer");
    w.send(r#"{"cmd":"fly"}"#);
    assert!(
        w.next("warning")["message"]
            .as_str()
            .unwrap()
            .contains("unknown command")
    );
}

#[test]
fn watch_mode_polls_when_asked() {
    let f = Fixture::new();
    let w = Watcher::start_with(&f.ws, &["--poll"]);
    assert_eq!(w.next("watching")["polling"], true);
    assert_eq!(w.next("verdict")["outcome"], "failed");
    f.solve("exercises/00_basics/first.rs");
    assert_eq!(w.next("verdict")["outcome"], "passed");
    assert_eq!(w.next("advanced")["to"], "second");
}

#[test]
fn dev_new_and_dev_add_make_a_course_that_dev_check_passes() {
    let tmp = tempfile::tempdir().unwrap();
    Run::from(
        command(tmp.path())
            .args(["dev", "new", "web-course"])
            .output()
            .unwrap(),
    )
    .expect(0, &["Created the course"]);
    let course = tmp.path().join("web-course");
    Run::from(
        command(&course)
            .args(["dev", "add", "01_http", "routing"])
            .output()
            .unwrap(),
    )
    .expect(0, &["Added routing"]);
    Run::from(command(&course).args(["dev", "check"]).output().unwrap())
        .expect(0, &["2 exercises checked"]);
    // The course folder works as a workspace too.
    Run::from(command(&course).args(["run"]).output().unwrap()).expect(1, &["example1 failed"]);
}

#[test]
fn dev_check_reports_every_kind_of_problem_at_once() {
    let f = Fixture::new();
    let c = &f.course;
    write(
        &c.join("exercises/00_basics/first.rs"),
        &exercise("first", "42"),
    );
    write(
        &c.join("solutions/00_basics/second.rs"),
        &exercise("second", "41"),
    );
    write(&c.join("exercises/00_basics/stray.rs"), "fn main() {}\n");
    write(
        &c.join("exercises/01_more/printer.rs"),
        "// TODO: print 42.\nfn main() {   println!(\"41\"); }\n",
    );
    let solution = fs::read_to_string(c.join("solutions/01_more/printer.rs")).unwrap();
    write(
        &c.join("solutions/01_more/printer.rs"),
        &solution.replace("42", "4 2"),
    );
    let out = f.run_in(c, &["dev", "check"]);
    out.expect(
        1,
        &[
            "exercises/00_basics/stray.rs: is not listed in info.toml",
            "exercises/00_basics/first.rs: passes as shipped",
            "solutions/00_basics/second.rs: the solution does not pass: 2 of 2 tests failed",
            "exercises/01_more/printer.rs: is not formatted",
            "solutions/01_more/printer.rs: the solution does not pass",
            "5 problem(s)",
        ],
    );
}

#[test]
fn dev_check_proves_wrong_attempts_fail_with_the_message_they_expect() {
    let f = Fixture::new();
    let wrong = |slug: &str, text: &str| {
        write(
            &f.course.join(format!("wrong/00_basics/first/{slug}.rs")),
            text,
        );
    };
    let code = |body: &str| {
        format!(
            "fn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{\n    println!(\"{{}}\", answer());\n}}\n"
        )
    };
    // Caught, and the learner is told: no problem.
    wrong(
        "off_by_one",
        &format!(
            "// wrong: off by one\n// expect: answer() should be 42\n{}",
            code("41")
        ),
    );
    // Passes: the tests miss this mistake.
    wrong(
        "lucky",
        &format!("// wrong: right by luck\n{}", code("40 + 2")),
    );
    // Fails, but not with the words it promises.
    wrong(
        "silent",
        &format!(
            "// wrong: zero\n// expect: answer() should be positive\n{}",
            code("0")
        ),
    );
    // Proves nothing: it does not compile.
    wrong(
        "broken",
        &format!("// wrong: a type error\n{}", code("\"42\"")),
    );
    wrong("unnamed", &code("7"));
    let out = f.run_in(&f.course, &["dev", "check", "first", "--show-wrong"]);
    out.expect(
        1,
        &[
            "wrong/00_basics/first/off_by_one.rs (off by one)\n    failed: 2 of 2 tests failed",
            "wrong/00_basics/first/lucky.rs: passes, but it is wrong (right by luck): add a test that catches this mistake",
            "wrong/00_basics/first/silent.rs: fails, but the learner is not told [\"answer() should be positive\"]",
            "wrong/00_basics/first/broken.rs: does not compile",
            "wrong/00_basics/first/unnamed.rs: must start with a line `// wrong:",
            "4 problem(s)",
        ],
    );
    assert!(
        !out.stdout.contains("✗ wrong/00_basics/first/off_by_one.rs"),
        "{}",
        out.stdout
    );

    // A course can demand a number of wrong attempts per exercise.
    let info = fs::read_to_string(f.course.join("info.toml")).unwrap();
    write(
        &f.course.join("info.toml"),
        &info.replace(
            "format_version = 1",
            "format_version = 1\nmin_wrong_attempts = 6",
        ),
    );
    f.run_in(&f.course, &["dev", "check", "first"]).expect(
        1,
        &["wrong/00_basics/first: holds 4 wrong attempt(s); info.toml asks for at least 6"],
    );
}

#[test]
fn dev_check_finds_changed_tests_in_a_solution() {
    let f = Fixture::new();
    let path = f.course.join("solutions/00_basics/first.rs");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("answer() % 2", "answer() % 1");
    write(&path, &text);
    f.run_in(&f.course, &["dev", "check", "first"]).expect(
        1,
        &[
            "solutions/00_basics/first.rs: the solution's grading tests differ",
            "1 problem(s)",
        ],
    );
}

#[test]
fn grade_reports_json_and_junit_without_changing_progress() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    let course = f.course.to_str().unwrap().to_string();
    let grade = |extra: &[&str]| {
        let mut args = vec!["grade", "--course", course.as_str()];
        args.extend_from_slice(extra);
        Run::from(
            command(&f.ws)
                .args(&args)
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        )
    };
    let before = snapshot_tree(&f.ws);
    let json = grade(&[]);
    json.expect(1, &["\"passed\": 1", "\"total\": 3"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["version"], 3);
    assert_eq!(report["exercises"][0]["status"], "passed");
    let second = &report["exercises"][1];
    assert_eq!(second["status"], "failed");
    // Per grading test: name, status, message and the test's own code.
    let test = &second["tests"][0];
    assert_eq!(test["name"], "tests::answer_is_42");
    assert_eq!(test["status"], "fail");
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .contains("answer() should be 42")
    );
    assert!(
        test["test_code"]
            .as_str()
            .unwrap()
            .starts_with("#[test]\nfn answer_is_42() {")
    );
    // JUnit: a suite per exercise, a case per grading test.
    grade(&["--format", "junit", "--output", "report.xml"]).expect(1, &[]);
    let xml = fs::read_to_string(f.ws.join("report.xml")).unwrap();
    fs::remove_file(f.ws.join("report.xml")).unwrap();
    assert!(
        xml.contains("<testsuite name=\"second\" tests=\"2\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"tests::answer_is_even\" classname=\"00_basics.second\""),
        "{xml}"
    );
    // Gradescope: a point per exercise.
    let gs: serde_json::Value =
        serde_json::from_str(&grade(&["--format", "gradescope"]).stdout).unwrap();
    assert_eq!(
        (gs["score"].as_f64(), gs["max_score"].as_f64()),
        (Some(1.0), Some(3.0))
    );
    assert_eq!(gs["tests"][0]["status"], "passed");
    assert_eq!(
        snapshot_tree(&f.ws),
        before,
        "grade must not write into the workspace"
    );
}

#[test]
fn grade_trusts_nothing_in_the_workspace_but_its_exercise_files() {
    let f = Fixture::new();
    let course = f.course.to_str().unwrap().to_string();
    // A student who weakens everything the workspace holds besides the exercise file...
    let cheat = exercise("first", "0").replace("assert_eq!(answer(), 42", "assert_eq!(answer(), 0");
    write(
        &f.ws
            .join(".backendlings/originals/exercises/00_basics/first.rs"),
        &cheat,
    );
    write(&f.ws.join("exercises/00_basics/first.rs"), &cheat);
    let info = fs::read_to_string(f.ws.join("info.toml")).unwrap();
    write(
        &f.ws.join("info.toml"),
        &info.replace(
            "name = \"first\"\ndir = \"00_basics\"",
            "name = \"first\"\ndir = \"00_basics\"\nmode = \"run\"",
        ),
    );
    // ...and sets the runner's environment in their CI.
    let out = Run::from(
        command(&f.ws)
            .args(["grade", "--course", &course])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .env("BACKENDLINGS_CARGO", "/bin/true")
            .env("RUST_TEST_NOCAPTURE", "1")
            .output()
            .unwrap(),
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report["exercises"][0]["status"], "tampered",
        "{}",
        out.stdout
    );
    // Constructs with no place in a solution are flagged for review, with their line.
    let sneaky = exercise(
        "first",
        "{ if std::env::var(\"CI\").is_ok() { std::process::exit(0) } 42 }",
    );
    write(&f.ws.join("exercises/00_basics/first.rs"), &sneaky);
    let out = Run::from(
        command(&f.ws)
            .args(["grade", "--course", &course])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let review = report["exercises"][0]["needs_review"].as_array().unwrap();
    assert_eq!(review.len(), 2, "{review:?}");
    assert_eq!(review[0]["line"], 6);
}

#[test]
fn grade_a_class_in_one_build_with_a_csv_summary() {
    let f = Fixture::new();
    let class = f.ws.parent().unwrap().join("class");
    for (student, solved) in [("ada", 2), ("bob", 1), ("cy", 0)] {
        let ws = class.join(student);
        copy_course(&f.ws, &ws);
        for path in [
            "exercises/00_basics/first.rs",
            "exercises/00_basics/second.rs",
        ]
        .iter()
        .take(solved)
        {
            let solution =
                fs::read_to_string(f.course.join(path.replacen("exercises", "solutions", 1)))
                    .unwrap();
            write(&ws.join(path), &solution);
        }
    }
    let csv = class.join("summary.csv");
    let out = Run::from(
        command(&class)
            .args([
                "grade",
                "--course",
                f.course.to_str().unwrap(),
                "--class",
                ".",
            ])
            .arg("--csv")
            .arg(&csv)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(0, &["\"student\": \"ada\""]);
    assert_eq!(
        fs::read_to_string(&csv).unwrap(),
        "student,first,second,printer,passed,total\nada,pass,pass,fail,2,3\nbob,pass,fail,fail,1,3\ncy,fail,fail,fail,0,3\n"
    );
}

#[test]
fn grade_junit_is_read_back_by_a_junit_consumer() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    let out = Run::from(
        command(&f.ws)
            .args([
                "grade",
                "--format",
                "junit",
                "--course",
                f.course.to_str().unwrap(),
            ])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    let xml = f.ws.parent().unwrap().join("report.xml");
    fs::write(&xml, &out.stdout).unwrap();
    // junitparser (PyPI), as CodeGrade-style consumers read JUnit; .ci/run installs it.
    let script = "import sys, junitparser\nxml = junitparser.JUnitXml.fromfile(sys.argv[1])\nfor suite in xml:\n    for case in suite:\n        state = 'pass' if case.is_passed else ('skip' if case.is_skipped else 'fail')\n        print(suite.name, case.name, state, round(case.time, 3) >= 0)\n";
    let read = Command::new("python3")
        .args(["-c", script])
        .arg(&xml)
        .output();
    let read = match read {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => panic!(
            "junitparser could not read the report (install it: python3 -m pip install junitparser): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("python3 is needed to read the JUnit report back: {e}"),
    };
    assert!(
        read.contains("first tests::answer_is_42 pass True"),
        "{read}"
    );
    assert!(
        read.contains("second tests::answer_is_42 fail True"),
        "{read}"
    );
    assert!(read.contains("printer printer fail True"), "{read}");
}

/// Every file below `dir` (outside target folders) with its bytes: to prove nothing was written.
fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
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

/// The bundled course is proven on every test run: each exercise fails as shipped, each
/// solution passes with the same grading tests, hints exist, files are formatted.
#[test]
fn bundled_course_passes_dev_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Run::from(command(root).args(["dev", "check"]).output().unwrap());
    out.expect(0, &["exercises checked"]);
}

const SHIPPING: &str = "//! # shipping\n//! Test the shipping rule.\n\n/// Shipping costs 5 below a total of 50, and nothing from 50 on.\npub fn shipping(total: u32) -> u32 {\n    if total >= 50 { 0 } else { 5 }\n}\n\nfn main() {}\n\n// ---- your tests: write them below ----\n";

const SHIPPING_MUTANTS: &str = "pub fn shipping(total: u32) -> u32 {\n    if mutant(1) {\n        return if total > 50 { 0 } else { 5 };\n    }\n    if mutant(2) {\n        return 5;\n    }\n    if total >= 50 { 0 } else { 5 }\n}\n\nfn main() {}\n";

/// The fixture course plus one `mutants` exercise; the learner has written `learner_tests`.
fn mutants_fixture(learner_tests: &str) -> Fixture {
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

#[test]
fn mutants_mode_names_the_bugs_the_learners_tests_miss() {
    let weak = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn big_carts_ship_free() {\n        assert_eq!(shipping(100), 0);\n    }\n}\n";
    let f = mutants_fixture(weak);
    let out = f.run(&["run", "shipping"]);
    out.expect(
        1,
        &[
            "shipping failed: 1 of 2 bugs went unnoticed",
            "- a cart of exactly 50 is charged shipping",
        ],
    );
    assert!(
        !out.stdout.contains("every cart is charged"),
        "a caught mutant is not listed:\n{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("total > 50"),
        "never show the mutant's code"
    );
    f.solve("exercises/02_testing/shipping.rs");
    f.run(&["run", "shipping"])
        .expect(0, &["✓ shipping passed: your tests caught all 2 bugs"]);
}

#[test]
fn mutants_mode_rejects_no_tests_and_wrong_tests() {
    let f = mutants_fixture("");
    f.run(&["run", "shipping"])
        .expect(1, &["There are no tests yet"]);
    let wrong = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn wrong() {\n        assert_eq!(shipping(50), 5, \"fifty pays\");\n    }\n}\n";
    write(
        &f.ws.join("exercises/02_testing/shipping.rs"),
        &format!("{SHIPPING}{wrong}"),
    );
    f.run(&["run", "shipping"]).expect(
        1,
        &[
            "your tests fail on the correct code",
            "fifty pays",
            "(at exercises/02_testing/shipping.rs:18:9)",
        ],
    );
    let broken = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn broken() {\n        let x: u32 = \"no\";\n    }\n}\n";
    write(
        &f.ws.join("exercises/02_testing/shipping.rs"),
        &format!("{SHIPPING}{broken}"),
    );
    f.run(&["run", "shipping"]).expect(
        1,
        &[
            "does not compile",
            "--> exercises/02_testing/shipping.rs:16:",
        ],
    );
}

#[test]
fn dev_check_proves_mutants_exercises() {
    let f = mutants_fixture("");
    f.run_in(&f.course, &["dev", "check", "shipping"])
        .expect(0, &["1 exercises checked"]);
    write(
        &f.course.join("mutants/02_testing/shipping.rs"),
        &SHIPPING_MUTANTS.replace("mutant(2)", "false"),
    );
    f.run_in(&f.course, &["dev", "check", "shipping"]).expect(
        1,
        &[
            "never calls `mutant(2)`",
            "the solution does not pass: 1 of 2 bugs went unnoticed",
        ],
    );
}

#[test]
fn a_course_folder_not_seen_before_asks_before_running_code() {
    let f = Fixture::new();
    f.run_in(&f.course, &["run"]).expect(2, &[]).stderr_has(&[
        "has not run before",
        "Only continue if you trust its author",
        "BACKENDLINGS_TRUST_COURSE=1",
    ]);
    let out = Run::from(
        command(&f.course)
            .arg("run")
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(1, &["first failed"]);
    assert!(
        !out.stderr.contains("no progress file"),
        "a course folder starts without one: {}",
        out.stderr
    );
    // Making a workspace from an unknown course folder asks the same question.
    let other = f.course.parent().unwrap().join("other");
    fs::create_dir_all(&other).unwrap();
    copy_course(&f.course, &other);
    f.run_in(
        other.parent().unwrap(),
        &["init", "ws2", "--course", "other"],
    )
    .expect(2, &[])
    .stderr_has(&["has not run before", "BACKENDLINGS_TRUST_COURSE=1"]);
    assert!(!other.parent().unwrap().join("ws2").exists());
}

/// Copies a fixture course's own files (not what running in it wrote).
fn copy_course(from: &Path, to: &Path) {
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

#[test]
fn init_without_cargo_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Run::from(
        command(tmp.path())
            .args(["init", "ws"])
            .env("BACKENDLINGS_CARGO", "/nonexistent/cargo")
            .output()
            .unwrap(),
    );
    out.expect(2, &["Created ws"])
        .stderr_has(&["cargo could not be started", "https://rustup.rs"]);
}

#[test]
fn dev_check_names_missing_hints_and_missing_solutions() {
    let f = Fixture::new();
    let no_hints = INFO.replace("hints = [\"Same as first.\"]\n", "");
    write(&f.course.join("info.toml"), &no_hints);
    f.run_in(&f.course, &["dev", "check"])
        .expect(2, &[])
        .stderr_has(&[
            "info.toml:10:1: exercises[1].hints: the exercise has no hints",
            "fix: add `hints = [",
        ]);
    write(&f.course.join("info.toml"), INFO);
    fs::remove_file(f.course.join("solutions/00_basics/second.rs")).unwrap();
    f.run_in(&f.course, &["dev", "check"])
        .expect(2, &[])
        .stderr_has(&["info.toml:11:8: exercise \"second\": the solution file solutions/00_basics/second.rs does not exist"]);
}

// ---- the first hour: what a new learner runs into ----

/// The `done = [...]` line of a state file.
fn done_line(state: &str) -> String {
    state
        .lines()
        .find(|l| l.starts_with("done"))
        .unwrap_or("done = []")
        .to_string()
}

#[test]
fn commands_work_from_a_subfolder_and_init_refuses_a_workspace_inside_one() {
    let f = Fixture::new();
    let topic = f.ws.join("exercises/00_basics");
    f.run_in(&topic, &["list"]).expect(0, &["first", "second"]);
    f.run_in(&topic, &["hint"])
        .expect(0, &["Hint 1 of 3 for first"]);
    f.run_in(&topic, &["init", "nested", "--no-prebuild"])
        .expect(2, &[])
        .stderr_has(&["is inside the workspace", "cd "]);
    assert!(!topic.join("nested").exists());
}

#[test]
fn passing_another_exercise_keeps_the_current_one_and_reset_undoes_done() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/second.rs");
    f.run(&["run", "second"]).expect(0, &["second passed"]);
    assert!(f.state().contains("current = \"first\""), "{}", f.state());
    assert_eq!(done_line(&f.state()), "done = [\"second\"]");
    f.run(&["reset", "second"]).expect(0, &["Restored"]);
    assert_eq!(done_line(&f.state()), "done = []");
    // In the course's own folder there is nothing to restore from.
    let out = Run::from(
        command(&f.course)
            .args(["reset", "first"])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(2, &[])
        .stderr_has(&["is a course folder", "init --course"]);
}

#[test]
fn a_closed_output_loses_no_progress_and_does_not_panic() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    let mut child = command(&f.ws)
        .args(["run", "first"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(done_line(&f.state()), "done = [\"first\"]");
}

#[test]
fn a_file_that_is_not_utf8_is_named_so_and_reset_keeps_its_bytes() {
    let f = Fixture::new();
    let path = f.ws.join("exercises/00_basics/first.rs");
    let mut bytes = exercise("first", "42").into_bytes();
    bytes.splice(0..0, b"// caf\xe9\n".iter().copied());
    fs::write(&path, &bytes).unwrap();
    f.run(&["run", "first"])
        .expect(1, &["could not be read as UTF-8 text"]);
    let out = f.run(&["reset", "first"]);
    out.expect(0, &["Your version is saved as"]);
    let backup = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Your version is saved as "))
        .unwrap();
    assert_eq!(fs::read(backup.trim()).unwrap(), bytes);
}

#[test]
fn a_state_file_it_cannot_read_is_kept_and_unknown_keys_are_not_fatal() {
    let f = Fixture::new();
    let state = f.ws.join(".backendlings/state.toml");
    write(
        &state,
        "current = \"second\"\ndone = [\"first\"]\nfrom_a_newer_version = 1\n",
    );
    f.run(&["list"]).expect(0, &["> second"]);
    assert_eq!(done_line(&f.state()), "done = [\"first\"]");
    fs::write(&state, b"current = \"\xff\"\n").unwrap();
    f.run(&["list"])
        .expect(0, &[])
        .stderr_has(&["a copy is kept as"]);
    let kept = fs::read_dir(f.ws.join(".backendlings"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains("unreadable"));
    assert!(kept);
}

#[test]
fn a_deleted_exercise_is_named_and_reset_brings_it_back() {
    let f = Fixture::new();
    let path = f.ws.join("exercises/00_basics/first.rs");
    fs::remove_file(&path).unwrap();
    f.run(&["list"]).expect(0, &["first"]);
    f.run(&["run", "first"])
        .expect(1, &["does not exist", "reset first"]);
    f.run(&["reset", "first"]).expect(0, &["Restored"]);
    assert_eq!(fs::read_to_string(&path).unwrap(), exercise("first", "0"));
}

#[test]
fn names_are_suggested_whatever_their_case() {
    let f = Fixture::new();
    f.run(&["run", "FIRST"])
        .expect(2, &[])
        .stderr_has(&["did you mean \"first\""]);
}

#[test]
fn stale_temporary_files_of_a_killed_write_are_removed() {
    let f = Fixture::new();
    let stale = f.ws.join(".backendlings/.tmpAb12Cd");
    let fresh = f.ws.join(".backendlings/.tmpXy34Zw");
    write(&stale, "half a state file");
    write(&fresh, "being written right now");
    Command::new("touch")
        .args(["-d", "2 hours ago"])
        .arg(&stale)
        .status()
        .unwrap();
    f.run(&["list"]).expect(0, &[]);
    assert!(!stale.exists());
    assert!(
        fresh.exists(),
        "a temp file that may still be written is kept"
    );
}

#[test]
fn saves_are_seen_in_a_workspace_below_a_folder_named_target() {
    let f = Fixture::new();
    let moved = f.ws.parent().unwrap().join("target").join("ws");
    fs::create_dir_all(moved.parent().unwrap()).unwrap();
    fs::rename(&f.ws, &moved).unwrap();
    let w = Watcher::start(&moved);
    assert_eq!(w.next("verdict")["outcome"], "failed");
    let solution = fs::read_to_string(f.course.join("solutions/00_basics/first.rs")).unwrap();
    write(&moved.join("exercises/00_basics/first.rs"), &solution);
    assert_eq!(w.next("verdict")["outcome"], "passed");
}

#[test]
fn the_editor_opens_on_the_current_exercise_when_watch_mode_starts() {
    let f = Fixture::new();
    let log = f.ws.join("opened.log");
    let script = f.ws.join("editor.sh");
    write(
        &script,
        &format!("#!/bin/sh\necho \"$1\" >> {}\n", log.display()),
    );
    Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let w = Watcher::start_with(&f.ws, &["--edit-cmd", script.to_str().unwrap()]);
    w.next("verdict");
    let opened = fs::read_to_string(&log).unwrap_or_default();
    assert!(
        opened.contains("exercises/00_basics/first.rs"),
        "{opened:?}"
    );
}

#[test]
fn the_readme_commands_exist() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path ."));
    assert!(
        !readme.contains("example.org"),
        "a placeholder address in the README"
    );
    // Commands in code blocks (`backendlings init`), in CI steps (`- run: backendlings ...`)
    // and in the text (`` `backendlings run [NAME]` ``).
    let mut commands: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let trimmed = line.trim_start().trim_start_matches("- run: ");
        if (in_code || line.trim_start().starts_with("- run: "))
            && let Some(rest) = trimmed.strip_prefix("backendlings ")
        {
            commands.push(rest.to_string());
        }
        for (k, piece) in line.split('`').enumerate() {
            if k % 2 == 1
                && let Some(rest) = piece.strip_prefix("backendlings ")
            {
                commands.push(rest.to_string());
            }
        }
    }
    let mut checked = 0;
    for rest in &commands {
        // The whole command up to a comment, a pipe or a `&&`, with `--help` appended: clap
        // checks every subcommand, option and value before it prints the help.
        let words: Vec<&str> = rest
            .split_whitespace()
            .take_while(|w| !matches!(*w, "#" | "|" | "||" | "&&" | ";"))
            .filter(|w| !w.starts_with('[') && !w.ends_with(']'))
            .collect();
        if words.is_empty() || words[0].contains('|') {
            continue;
        }
        // `json|junit` (a choice, its `|` escaped in a table) is checked by its first value.
        let words: Vec<String> = words
            .iter()
            .map(|w| {
                w.replace('\\', "")
                    .split('|')
                    .next()
                    .unwrap_or(w)
                    .to_string()
            })
            .collect();
        let out = Run::from(
            command(Path::new(env!("CARGO_MANIFEST_DIR")))
                .args(&words)
                .arg("--help")
                .output()
                .unwrap(),
        );
        assert_eq!(
            out.code, 0,
            "README: `backendlings {rest}` is not a valid command: {}",
            out.stderr
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} commands found in the README");
}

#[test]
fn a_new_course_readme_tells_learners_to_make_a_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    Run::from(
        command(tmp.path())
            .args(["dev", "new", "c"])
            .output()
            .unwrap(),
    )
    .expect(0, &[]);
    let readme = fs::read_to_string(tmp.path().join("c/README.md")).unwrap();
    assert!(readme.contains("backendlings init --course"), "{readme}");
    assert!(!readme.contains("clone this folder"), "{readme}");
}

#[test]
fn the_list_in_a_terminal_is_one_to_move_in() {
    // A pseudo-terminal through util-linux's `script`, as a learner's terminal would be.
    let f = Fixture::new();
    let mut child = Command::new("script")
        .args(["-qfec", &format!("{BIN} watch"), "/dev/null"])
        .current_dir(&f.ws)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::Read as _;
        let mut stdout = stdout;
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
    let mut seen = String::new();
    let wait_for = |needle: &str, seen: &mut String| {
        let start = std::time::Instant::now();
        while !seen.contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no {needle:?} in {seen}"
            );
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
                seen.push_str(&chunk);
            }
        }
    };
    wait_for("first failed", &mut seen);
    seen.clear();
    stdin.write_all(b"l").unwrap();
    wait_for("j/k move", &mut seen);
    stdin.write_all(b"j\r").unwrap();
    wait_for("Current exercise: exercises/00_basics/second.rs", &mut seen);
    stdin.write_all(b"q").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(f.state().contains("current = \"second\""), "{}", f.state());
}
