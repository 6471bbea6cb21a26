//! End-to-end: what a learner reads, whole, on the fixture course: watch mode's screens
//! (plain, as when its output is not a terminal) and its JSON lines, and the help. Each is a
//! transcript in tests/cli/snapshots/ (builder.rs says what is normalised); run.rs has those
//! of `run`, `hint`, `list`, `progress` and `check-all`.

use super::builder::*;
use super::support::*;

const FIRST: &str = "exercises/00_basics/first.rs";

/// Watch mode from its start to the second exercise: the welcome and the first verdict, a
/// save that still fails, a save that passes and the move to the next exercise, a hint and
/// the list.
#[test]
fn a_watch_session() {
    Test::new()
        .watch([])
        .until("✗ first failed")
        .save(FIRST, &exercise("first", "41"))
        .until("✗ first failed")
        .save_solution(FIRST)
        .until("✗ second failed")
        .send("hint")
        .until("Hint 1 of 1 for second")
        .send("list")
        .until("(current)")
        .quit()
        .snapshot("a_watch_session");
}

/// The same session through the editor protocol (docs/PROTOCOL.md), and `check-all`: every
/// event, as the JSON lines go out.
#[test]
fn a_watch_session_in_json_lines() {
    Test::new()
        .watch(["--json"])
        .until(r#""event":"verdict""#)
        .save(FIRST, &exercise("first", "41"))
        .until(r#""event":"verdict""#)
        .save_solution(FIRST)
        .until(r#""event":"advanced""#)
        .until(r#""event":"verdict""#)
        .send("hint")
        .until(r#""event":"hint""#)
        .send("list")
        .until(r#""event":"list""#)
        .send("check-all")
        .until(r#""event":"check_all_finished""#)
        .quit()
        .snapshot("a_watch_session_in_json_lines");
}

/// A compile error and a program that prints the wrong thing, in watch mode's screen.
#[test]
fn watch_screens_of_a_compile_error_and_a_wrong_output() {
    Test::new()
        .solve(FIRST)
        .solve("exercises/00_basics/second.rs")
        .watch([])
        .until("✗ printer failed")
        .save(FIRST, &exercise("first", "\"forty-two\""))
        .until("✗ first does not compile")
        .quit()
        .snapshot("watch_screens_of_a_compile_error_and_a_wrong_output");
}

/// The help a learner reads first: the main help and watch mode's.
#[test]
fn help() {
    Test::new()
        .current_dir("[TMP]")
        .args(["--help"])
        .run()
        .current_dir("[TMP]")
        .args(["watch", "--help"])
        .snapshot("help");
}

/// What `init` says of the workspace it made (without the background warm-up, whose line
/// names the log it writes).
#[test]
fn init_a_workspace() {
    Test::new()
        .current_dir("[TMP]")
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .args(["init", "again", "--no-warm", "--course", "course"])
        .snapshot("init_a_workspace");
}
