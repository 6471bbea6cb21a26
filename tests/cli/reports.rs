//! End-to-end: `grade`'s reports, whole, in each format (JSON, JUnit, Gradescope), of a
//! workspace with one result of each kind; and grade's own help. The class and its CSV
//! summary are in grade.rs. The reports' specifications are checked in grade.rs too
//! (report_specs.rs); here, every word and field they hold is reviewed.

use super::builder::*;
use super::grade::progress_lines;
use super::support::*;

/// A workspace with one exercise of each kind of result: `first` passes (a copy of the
/// solution, so flagged for review), `second` fails a test, `printer` does not compile, and
/// the learner's tests of `shipping` pass but miss both planted bugs.
fn every_kind_of_result() -> Test {
    let weak = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn small_cart() {\n        assert_eq!(shipping(10), 5);\n    }\n}\n";
    Test::with(mutants_fixture(weak))
        .solve("exercises/00_basics/first.rs")
        .write(
            "exercises/01_more/printer.rs",
            "fn main() {\n    println!(\"42\")\n    let\n}\n",
        )
}

fn graded(format: &str, name: &str) {
    every_kind_of_result()
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .args(["grade", "--course", "[COURSE]", "--format", format])
        .status(1)
        .stderr_filter(progress_lines)
        .snapshot(name);
}

#[test]
fn grade_json() {
    graded("json", "grade_json");
}

#[test]
fn grade_junit() {
    graded("junit", "grade_junit");
}

#[test]
fn grade_gradescope() {
    graded("gradescope", "grade_gradescope");
}

#[test]
fn grade_help() {
    Test::new()
        .current_dir("[TMP]")
        .args(["grade", "--help"])
        .snapshot("grade_help");
}
