//! End-to-end: run, hint, list, progress, reset, check-all on a fixture course.

use super::builder::*;
use super::support::*;

use std::fs;
use std::time::Duration;

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
    let test = Test::new()
        .solve("exercises/00_basics/first.rs")
        .args(["run"])
        .snapshot("run_a_solved_exercise_passes_reveals_the_solution_and_moves_on");
    let f = test.fixture();
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
    Test::new()
        .args(["run", "secnd"])
        .status(2)
        .stdout("")
        .stderr(
            "error: there is no exercise named \"secnd\"; did you mean \"second\"?\n  \
             fix: `backendlings list` shows every exercise's name\n",
        )
        .run();
}

#[test]
fn run_mode_compares_the_output() {
    Test::new()
        .args(["run", "printer"])
        .status(1)
        .run()
        .solve("exercises/01_more/printer.rs")
        .args(["run", "printer"])
        .snapshot("run_mode_compares_the_output");
}

/// Each `hint` shows one more, up to the last, which says so.
#[test]
fn hints_are_progressive() {
    Test::new()
        .args(["hint"])
        .run()
        .args(["hint"])
        .run()
        .args(["hint"])
        .run()
        .args(["hint"])
        .snapshot("hints_are_progressive");
}

#[test]
fn list_and_progress_show_status() {
    Test::new()
        .solve("exercises/00_basics/first.rs")
        .args(["run"])
        .run()
        .args(["list"])
        .run()
        .args(["progress"])
        .snapshot("list_and_progress_show_status");
}

/// Issue 18, 12: the warnings that unfinished `todo!()` stubs alone cause (their unused
/// parameters, unused imports, items never used) are not listed as ones that explain a
/// failure; a warning from finished code still is.
#[test]
fn warnings_of_unfinished_stubs_are_not_presented_as_important() {
    let f = Fixture::new();
    let first = f.ws.join("exercises/00_basics/first.rs");
    let stub = "todo!()\n}\n\nuse std::collections::HashMap;\n\nstruct Request;\n\n\
                fn helper(line: &str, strict: bool) -> u32 {\n    todo!()";
    write(&first, &exercise("first", stub));
    let out = f.run(&["run", "first"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for noise in [
        "The compiler also warned",
        "unused variable",
        "unused import",
        "never constructed",
    ] {
        assert!(!out.stdout.contains(noise), "{noise:?} in:\n{}", out.stdout);
    }

    // `answer` is finished (no `todo!()`), and its unused variable may explain its failure.
    let finished = stub.replacen("todo!()", "let doubled = 21 * 2;\n    0", 1);
    write(&first, &exercise("first", &finished));
    let out = f.run(&["run", "first"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let warned = out
        .stdout
        .split("The compiler also warned (a warning often explains a failure):")
        .nth(1)
        .unwrap_or_else(|| panic!("no warnings shown:\n{}", out.stdout));
    assert!(warned.contains("unused variable: `doubled`"), "{warned}");
    for noise in ["`line`", "`strict`", "HashMap", "Request"] {
        assert!(!warned.contains(noise), "{noise} in:\n{warned}");
    }
}

/// Issue 18, 15: `run` takes the path a shell completes to an exercise file, relative (with
/// or without `./`, from a subfolder too) or absolute; a path to anything else is named.
#[test]
fn run_takes_the_path_of_an_exercise_file() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/second.rs");
    let absolute = f.ws.join("exercises/00_basics/second.rs");
    for path in [
        "exercises/00_basics/second.rs",
        "./exercises/00_basics/second.rs",
        absolute.to_str().unwrap(),
    ] {
        f.run(&["run", path]).expect(0, &["second passed"]);
    }
    f.run_in(&f.ws.join("exercises/00_basics"), &["run", "second.rs"])
        .expect(0, &["second passed"]);
    f.run(&["hint", "exercises/00_basics/first.rs"])
        .expect(0, &["Look at answer."]);
    let outside = f.course.join("exercises/00_basics/second.rs");
    let out = f.run(&["run", outside.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    out.stderr_has(&[
        "is not an exercise file of the workspace in",
        "fix: give an exercise's name or the path of its file",
    ]);
    let out = f.run(&["run", "exercises/00_basics/nope.rs"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    out.stderr_has(&["cannot read exercises/00_basics/nope.rs"]);
}

/// Issue 18, 11: the interactive list's cursor is a `>` that needs no colour; Enter and `r`
/// act only on a row on the screen, reset asks first, and Enter says what became current.
#[test]
fn the_list_cursor_shows_without_colour_and_reset_asks_first() {
    let f = Fixture::new();
    let (first, second) = (
        f.ws.join("exercises/00_basics/first.rs"),
        f.ws.join("exercises/00_basics/second.rs"),
    );
    write(&first, &exercise("first", "7"));
    write(&second, &exercise("second", "7"));
    let mut pty = Pty::start(&f.ws, "list", &[]);
    pty.wait_for("q back");
    assert!(pty.seen.contains("> first "), "{}", pty.seen);
    pty.clear();
    pty.keys(b"j");
    pty.wait_for("q back");
    assert!(pty.seen.contains("> second "), "{}", pty.seen);
    assert!(!pty.seen.contains("> first "), "{}", pty.seen);

    // A filter that matches nothing: no row is selected, so `r` and Enter act on none.
    pty.keys(b"/zzz\r");
    pty.wait_for("no exercise matches \"zzz\"");
    pty.clear();
    pty.keys(b"r");
    pty.wait_for("no exercise is selected");
    pty.clear();
    pty.keys(b"\r");
    pty.wait_for("no exercise is selected");
    assert!(fs::read_to_string(&first).unwrap().contains("    7\n"));

    // Esc clears the filter; the selection is where it was. Reset asks first.
    pty.keys(b"\x1b");
    pty.wait_for("> second ");
    pty.clear();
    pty.keys(b"r");
    pty.wait_for("Reset exercises/00_basics/second.rs to its original? Your version is kept as a backup. [y/N]");
    pty.keys(b"n");
    pty.wait_for("second was not reset");
    assert!(fs::read_to_string(&second).unwrap().contains("    7\n"));
    pty.keys(b"r");
    pty.wait_for("[y/N]");
    pty.keys(b"y");
    pty.wait_for("second restored; your version is in");
    assert!(fs::read_to_string(&second).unwrap().contains("    1\n"));
    assert!(fs::read_to_string(&first).unwrap().contains("    7\n"));

    pty.keys(b"\r");
    pty.wait_for("second is now the current exercise: exercises/00_basics/second.rs");
    assert!(pty.child.wait().unwrap().success());
    assert!(f.state().contains("current = \"second\""), "{}", f.state());
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
    let test = Test::new()
        .solve("exercises/00_basics/second.rs")
        .args(["check-all"])
        .status(1)
        .run();
    assert!(
        test.fixture().state().contains("done = [\"second\"]"),
        "{}",
        test.fixture().state()
    );
    test.solve("exercises/00_basics/first.rs")
        .solve("exercises/01_more/printer.rs")
        .args(["check-all"])
        .snapshot("check_all_grades_everything_and_records_progress");
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
