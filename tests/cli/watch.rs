//! End-to-end: watch mode through its JSON lines, and in a pseudo-terminal.

use super::support::*;

use std::fs;
use std::process::Command;
use std::time::Duration;

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
fn the_list_in_a_terminal_is_one_to_move_in() {
    let f = Fixture::new();
    let mut pty = Pty::start(&f.ws, "watch", &[]);
    pty.wait_for("first failed");
    pty.clear();
    pty.keys(b"l");
    pty.wait_for("j/k move");
    // The cursor is a `>`, seen without colours (issue 18, 11).
    assert!(pty.seen.contains("> first "), "{}", pty.seen);
    pty.clear();
    pty.keys(b"j");
    pty.wait_for("> second ");
    pty.keys(b"\r");
    pty.wait_for("Current exercise: exercises/00_basics/second.rs");
    pty.keys(b"q");
    assert!(pty.child.wait().unwrap().success());
    assert!(f.state().contains("current = \"second\""), "{}", f.state());
}

/// Issue 18: docs/PROTOCOL.md omitted the `skipped` status. A verdict with a failed and a
/// skipped test goes out as the protocol document says, status by status.
#[test]
fn the_protocol_doc_names_the_statuses_a_verdict_sends() {
    let dependent = |body: &str| {
        format!(
            "// TODO: return 42.\nfn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{}}\n\n\
             // ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\n\
             mod tests {{\n    #[test]\n    fn a_answer_is_42() {{\n        assert_eq!(super::answer(), 42, \"answer() should be 42\");\n    }}\n\n\
             #[test]\n    fn b_then_more() {{\n        if super::answer() != 42 {{\n            panic!(\"skipped: needs answer() to be 42 first\");\n        }}\n    }}\n}}\n"
        )
    };
    let info = INFO.replacen(
        "[[exercises]]",
        "[[exercises]]\nname = \"dependent\"\ndir = \"00_basics\"\nhints = [\"Return 42.\"]\n\n[[exercises]]",
        1,
    );
    let f = Fixture::with_files(
        &info,
        &[
            ("exercises/00_basics/dependent.rs", dependent("0")),
            (
                "solutions/00_basics/dependent.rs",
                dependent("42").replace("// TODO: return 42.", "// Returns 42."),
            ),
        ],
    );
    let mut w = Watcher::start(&f.ws);
    let verdict = w.next("verdict");
    w.send("quit");
    let doc = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PROTOCOL.md")).unwrap();
    let statuses: Vec<&str> = verdict["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "skipped"], "{verdict}");
    assert_eq!(verdict["summary"], "1 of 2 tests failed, 1 skipped");
    // What was found, as data beside the words (the tests it speaks of are `tests`).
    assert_eq!(
        verdict["finding"],
        serde_json::json!({"kind": "tests_failed"})
    );
    for name in statuses.iter().copied().chain([
        verdict["outcome"].as_str().unwrap(),
        verdict["finding"]["kind"].as_str().unwrap(),
        "verdict",
    ]) {
        assert!(
            doc.contains(&format!("`{name}`")),
            "PROTOCOL.md lacks `{name}`"
        );
    }
    for field in verdict.as_object().unwrap().keys() {
        assert!(
            doc.contains(&format!("`{field}`")),
            "PROTOCOL.md lacks `{field}`"
        );
    }
}

/// Issue 18, 10: a save of any exercise is checked, the current one or not, done or not; a
/// done exercise that breaks is named, by the save's check and by `c`.
#[test]
fn a_save_of_any_exercise_is_checked_and_a_regression_is_named() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    f.run(&["run", "first"]).expect(0, &["first passed"]);
    // `first` is done; then broken while watch mode was not running.
    let first = f.ws.join("exercises/00_basics/first.rs");
    write(&first, &exercise("first", "0"));
    let mut w = Watcher::start(&f.ws);
    assert_eq!(w.next("watching")["exercise"], "second");
    assert_eq!(w.next("verdict")["exercise"], "second");
    w.send("check-all");
    let finished = w.next("check_all_finished");
    assert_eq!(finished["passed"], 0, "{finished}");
    assert_eq!(finished["regressed"], serde_json::json!(["first"]));
    assert_eq!(finished["failed"], serde_json::json!(["second", "printer"]));

    // A save of an exercise that is not the current one is checked, and the learner stays.
    f.solve("exercises/00_basics/first.rs");
    assert_eq!(w.next("check_started")["exercise"], "first");
    let verdict = w.next("verdict");
    assert_eq!(
        (verdict["exercise"].as_str(), verdict["outcome"].as_str()),
        (Some("first"), Some("passed"))
    );
    assert_eq!(w.next("solved")["exercise"], "first");
    assert!(f.state().contains("done = [\"first\"]"), "{}", f.state());
    assert!(f.state().contains("current = \"second\""), "{}", f.state());

    // A save that breaks it again is named as a regression.
    write(&first, &exercise("first", "1"));
    let verdict = w.next("verdict");
    assert_eq!(
        (verdict["exercise"].as_str(), verdict["outcome"].as_str()),
        (Some("first"), Some("failed"))
    );
    let warning = w.next("warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .starts_with("first was done, and no longer passes"),
        "{warning}"
    );
    assert!(!f.state().contains("\"first\""), "{}", f.state());
    w.send("quit");
}

/// Issue 18, 15: `--edit` with no editor set says so (it was silently ignored).
#[test]
fn watch_edit_without_an_editor_says_so() {
    let f = Fixture::new();
    let w = Watcher::start_with_env(&f.ws, &["--edit"], &[("VISUAL", ""), ("EDITOR", "")]);
    let warning = w.next("warning");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .starts_with("--edit: neither $VISUAL nor $EDITOR is set, so no editor opens"),
        "{warning}"
    );
    assert_eq!(w.next("verdict")["exercise"], "first");
}

/// Issue 18, 14: an exercise file that is a folder is said, not checked in silence.
#[test]
fn an_exercise_file_that_is_a_folder_is_said() {
    let f = Fixture::new();
    let first = f.ws.join("exercises/00_basics/first.rs");
    fs::remove_file(&first).unwrap();
    fs::create_dir(&first).unwrap();
    let w = Watcher::start(&f.ws);
    let warning = w.next("warning");
    assert_eq!(
        warning["message"],
        "exercises/00_basics/first.rs is a folder, not a file, so first cannot be checked. \
         Move the folder away; `backendlings reset first` then restores the exercise"
    );
}

/// Issue 18, 14: watch mode's list has a `/` filter (typed letters go to it, not to
/// commands), and the screen is drawn again when the terminal changes size.
#[test]
fn the_list_filters_and_the_screen_follows_the_terminal_size() {
    let f = Fixture::new();
    let mut pty = Pty::start(&f.ws, "watch", &[]);
    pty.wait_for("first failed");
    pty.keys(b"l");
    pty.wait_for("/ filter");
    pty.clear();
    // `h`, `n`, `p`, `c` and `r` are commands outside the filter; here they are letters.
    pty.keys(b"/hncr");
    pty.wait_for("filter: hncr_");
    pty.wait_for("no exercise matches \"hncr\"");
    for _ in 0..4 {
        pty.keys(b"\x7f");
    }
    pty.keys(b"rint\r");
    pty.wait_for("filter: rint_");
    pty.clear();
    pty.keys(b"j");
    pty.wait_for("> printer ");
    // Only `printer` matches: the list shows it alone.
    assert!(!pty.seen.contains(" first "), "{}", pty.seen);
    pty.keys(b"\r");
    pty.wait_for("Current exercise: exercises/01_more/printer.rs");
    pty.wait_for("printer failed");
    assert!(f.state().contains("current = \"printer\""), "{}", f.state());
    assert!(
        !f.state().contains("first = "),
        "a typed h asked for a hint: {}",
        f.state()
    );

    // The terminal becomes narrower: the screen is drawn again.
    pty.clear();
    resize_terminal_of(&f.ws, 50, 30);
    pty.wait_for("Current exercise: exercises/01_more/printer.rs");
    pty.keys(b"q");
    assert!(pty.child.wait().unwrap().success());
}

/// Gives the terminal of the backendlings process running in `dir` a new size, as a
/// learner's window does: the process gets SIGWINCH.
fn resize_terminal_of(dir: &std::path::Path, cols: u16, rows: u16) {
    let tty = terminal_of(dir);
    let resized = Command::new("stty")
        .args([
            "-F",
            &tty,
            "cols",
            &cols.to_string(),
            "rows",
            &rows.to_string(),
        ])
        .status()
        .unwrap();
    assert!(resized.success());
}

/// The terminal (`/dev/pts/N`) of the backendlings process running in `dir`.
fn terminal_of(dir: &std::path::Path) -> String {
    let start = std::time::Instant::now();
    loop {
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let exe = fs::read_link(entry.path().join("exe")).unwrap_or_default();
            let cwd = fs::read_link(entry.path().join("cwd")).unwrap_or_default();
            if exe == std::path::Path::new(BIN) && cwd == dir {
                let tty = fs::read_link(entry.path().join("fd/0")).unwrap();
                return tty.display().to_string();
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no backendlings in {dir:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Issue 18, 10 and 14, as a learner's terminal shows them: `c` names the exercise that was
/// done and no longer passes, and in a narrow terminal a long line of a verdict breaks
/// between words (it was cut wherever the terminal's edge fell).
#[test]
fn the_terminal_names_a_regression_and_breaks_long_lines_between_words() {
    const MESSAGE: &str = "answer() should be 42, the answer to the ultimate question of life, \
                           the universe and everything, as computed by Deep Thought";
    let long = |name: &str, body: &str| {
        exercise(name, body).replace("\"answer() should be 42\"", &format!("{MESSAGE:?}"))
    };
    let f = Fixture::with_files(
        INFO,
        &[
            ("exercises/00_basics/first.rs", long("first", "0")),
            (
                "solutions/00_basics/first.rs",
                long("first", "42").replace("// TODO: return the answer.", "// Returns it."),
            ),
            ("exercises/00_basics/second.rs", long("second", "1")),
        ],
    );
    // `first` is done, then broken while watch mode was not running.
    f.solve("exercises/00_basics/first.rs");
    f.run(&["run", "first"]).expect(0, &["first passed"]);
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &long("first", "0"),
    );
    let mut pty = Pty::start(&f.ws, "watch", &[]);
    pty.wait_for("second failed");
    pty.clear();
    pty.keys(b"c");
    pty.wait_for("no longer passing (they were done): first");
    pty.wait_for("not passing yet: second, printer");

    // 50 columns: the verdict is drawn again, its long line broken between words.
    pty.clear();
    resize_terminal_of(&f.ws, 50, 40);
    // The last whole screen: the verdict, the message's lines no wider than the terminal.
    let message_lines = |seen: &str| -> Option<Vec<String>> {
        let screen = seen.replace("\r\n", "\n");
        let screen = screen.rsplit("\u{1b}[2J").next()?;
        if !screen.contains("q quit") {
            return None;
        }
        let lines: Vec<&str> = screen.lines().collect();
        let end = lines.iter().position(|l| l.contains("Deep Thought"))?;
        let start = lines[..end]
            .iter()
            .rposition(|l| l.contains("failed: answer()"))?;
        let lines = &lines[start..=end];
        lines
            .iter()
            .all(|l| l.chars().count() <= 50)
            .then(|| lines.iter().map(|l| l.trim().to_string()).collect())
    };
    pty.wait_until(
        "no screen with the message in lines of at most 50 columns",
        |seen| message_lines(seen).is_some(),
    );
    // Joined again at the breaks, the lines give the message back: no word was cut.
    let said = message_lines(&pty.seen).unwrap().join(" ");
    assert!(said.ends_with(MESSAGE), "{said:?}\n{}", pty.seen);
    // The line of keys below breaks between words too.
    let screen = pty.seen.replace("\r\n", "\n");
    let screen = screen.rsplit("\u{1b}[2J").next().unwrap();
    let lines: Vec<&str> = screen.lines().collect();
    let first = lines.iter().position(|l| l.starts_with("h hint")).unwrap();
    let last = lines.iter().rposition(|l| l.contains("q quit")).unwrap();
    let keys = &lines[first..=last];
    assert!(keys.iter().all(|l| l.chars().count() <= 50), "{keys:?}");
    assert_eq!(
        keys.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "),
        "h hint · n next · p previous · l list · c check all · r re-run · q quit"
    );
    pty.keys(b"q");
    assert!(pty.child.wait().unwrap().success());
}
