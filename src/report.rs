//! Reports of graded workspaces, written from the verdicts' data: JSON (per test, in the
//! fields of Exercism's test-runner results v3), JUnit XML (one suite per exercise, one case
//! per grading test), Gradescope's results.json, and a CSV summary of a class.

use clap::ValueEnum;
use serde::Serialize;

use crate::check::libtest::{TestResult, TestStatus};
use crate::check::{Outcome, Verdict};
use crate::course::{Course, Exercise, tests_section};
use crate::grade::{Graded, StudentResults};
use crate::session::Error;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Junit,
    /// Gradescope's autograder results.json
    Gradescope,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    /// The version of Exercism's test-runner interface whose per-test fields this follows.
    version: u8,
    /// `pass` when every exercise passes, `fail` otherwise.
    status: &'static str,
    passed: usize,
    total: usize,
    exercises: Vec<JsonExercise<'a>>,
}

#[derive(Serialize)]
struct JsonClass<'a> {
    students: Vec<JsonStudent<'a>>,
}

#[derive(Serialize)]
struct JsonStudent<'a> {
    student: &'a str,
    passed: usize,
    total: usize,
    exercises: Vec<JsonExercise<'a>>,
}

#[derive(Serialize)]
struct JsonExercise<'a> {
    name: &'a str,
    topic: &'a str,
    status: Outcome,
    summary: &'a str,
    duration_ms: u128,
    /// What a learner would see.
    details: String,
    tests: Vec<JsonTest>,
    /// The planted bugs the learner's tests missed (mutants exercises).
    survivors: &'a [String],
    needs_review: Vec<Review<'a>>,
}

#[derive(Serialize)]
struct JsonTest {
    name: String,
    /// `pass`, `fail` or `error` (did not run to the end), as Exercism's runners say it.
    status: &'static str,
    message: Option<String>,
    output: Option<String>,
    test_code: Option<String>,
    duration_ms: u128,
}

#[derive(Serialize)]
struct Review<'a> {
    line: usize,
    construct: &'a str,
}

fn exercise_json<'a>(ex: &'a Exercise, graded: &'a Graded) -> JsonExercise<'a> {
    let v = &graded.verdict;
    JsonExercise {
        name: &ex.name,
        topic: ex.topic(),
        status: v.outcome,
        summary: &v.summary,
        duration_ms: v.duration.as_millis(),
        details: console::strip_ansi_codes(&v.details).into_owned(),
        tests: v
            .tests
            .iter()
            .map(|t| JsonTest {
                name: t.name.clone(),
                status: match t.status {
                    TestStatus::Passed => "pass",
                    TestStatus::Failed | TestStatus::Skipped => "fail",
                    TestStatus::NotRun => "error",
                },
                message: t.message.clone(),
                output: (!t.output.is_empty()).then(|| t.output.clone()),
                test_code: test_code(graded, t),
                duration_ms: t.duration.as_millis(),
            })
            .collect(),
        survivors: &v.survivors,
        needs_review: graded
            .needs_review
            .iter()
            .map(|(line, what)| Review {
                line: *line,
                construct: what,
            })
            .collect(),
    }
}

/// The source of a grading test, from the course's copy of the exercise.
fn test_code(graded: &Graded, test: &TestResult) -> Option<String> {
    let section = tests_section::grading_section(graded.original.as_deref()?)?;
    let name = test.name.rsplit("::").next()?;
    crate::check::source::test_code(section, name)
}

fn counts(results: &StudentResults) -> (usize, usize) {
    let passed = results
        .exercises
        .iter()
        .filter(|g| g.verdict.passed())
        .count();
    (passed, results.exercises.len())
}

/// One workspace's report.
pub fn json(course: &Course, results: &StudentResults) -> String {
    let (passed, total) = counts(results);
    let report = JsonReport {
        version: 3,
        status: if passed == total { "pass" } else { "fail" },
        passed,
        total,
        exercises: exercises_json(course, results),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// Every exercise of a student's results, in course order.
fn exercises_json<'a>(course: &'a Course, results: &'a StudentResults) -> Vec<JsonExercise<'a>> {
    course
        .exercises
        .iter()
        .zip(&results.exercises)
        .map(|(ex, g)| exercise_json(ex, g))
        .collect()
}

/// A class's report: every student, every exercise.
pub fn json_class(course: &Course, class: &[StudentResults]) -> String {
    let report = JsonClass {
        students: class
            .iter()
            .map(|results| {
                let (passed, total) = counts(results);
                JsonStudent {
                    student: &results.student.name,
                    passed,
                    total,
                    exercises: exercises_json(course, results),
                }
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// JUnit XML: one test suite per exercise (per student and exercise for a class), one test
/// case per grading test with the time of its own run. An exercise that did not build, or
/// whose tests were changed, is one case in error; a mutants exercise has a case per
/// planted bug its tests must catch.
pub fn junit(course: &Course, class: &[StudentResults]) -> Result<String, Error> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("backendlings");
    let many = class.len() > 1;
    for results in class {
        for (ex, graded) in course.exercises.iter().zip(&results.exercises) {
            let v = &graded.verdict;
            let suite_name = if many {
                format!("{}/{}", results.student.name, ex.name)
            } else {
                ex.name.clone()
            };
            let classname = format!("{}.{}", ex.topic(), ex.name);
            let mut suite = TestSuite::new(suite_name);
            let failure = |kind: NonSuccessKind, message: &str, text: &str| {
                let mut status = TestCaseStatus::non_success(kind);
                status
                    .set_message(message.to_string())
                    .set_description(console::strip_ansi_codes(text).into_owned());
                status
            };
            if !v.tests.is_empty() {
                for t in &v.tests {
                    let status = match t.status {
                        TestStatus::Passed => TestCaseStatus::success(),
                        TestStatus::Skipped => TestCaseStatus::skipped(),
                        TestStatus::Failed => failure(
                            NonSuccessKind::Failure,
                            t.message.as_deref().unwrap_or("failed"),
                            &format!(
                                "{}{}",
                                t.message.as_deref().unwrap_or_default(),
                                t.location
                                    .as_ref()
                                    .map_or(String::new(), |l| format!("\n(at {l})"))
                            ),
                        ),
                        TestStatus::NotRun => {
                            failure(NonSuccessKind::Error, "did not run to the end", &v.details)
                        }
                    };
                    let mut case = TestCase::new(t.name.clone(), status);
                    case.set_classname(classname.clone()).set_time(t.duration);
                    suite.add_test_case(case);
                }
            } else if !ex.mutants.is_empty() && (v.passed() || !v.survivors.is_empty()) {
                // The learner's tests ran against each planted bug: one case per bug.
                for m in &ex.mutants {
                    let status = if v.survivors.contains(&m.description) {
                        failure(
                            NonSuccessKind::Failure,
                            "a planted bug went unnoticed",
                            &m.description,
                        )
                    } else {
                        TestCaseStatus::success()
                    };
                    let mut case = TestCase::new(format!("catches: {}", m.description), status);
                    case.set_classname(classname.clone());
                    suite.add_test_case(case);
                }
            } else {
                let status = match v.outcome {
                    Outcome::Passed => TestCaseStatus::success(),
                    Outcome::Failed | Outcome::TimedOut => {
                        failure(NonSuccessKind::Failure, &v.summary, &v.details)
                    }
                    Outcome::CompileError | Outcome::Tampered => {
                        failure(NonSuccessKind::Error, &v.summary, &v.details)
                    }
                };
                let mut case = TestCase::new(ex.name.clone(), status);
                case.set_classname(classname.clone()).set_time(v.duration);
                suite.add_test_case(case);
            }
            report.add_test_suite(suite);
        }
    }
    Ok(report.to_string()?)
}

#[derive(Serialize)]
struct Gradescope<'a> {
    score: f64,
    max_score: f64,
    output: String,
    tests: Vec<GradescopeTest<'a>>,
}

#[derive(Serialize)]
struct GradescopeTest<'a> {
    name: String,
    number: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    output: String,
    visibility: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<&'a str>>,
}

/// Gradescope's autograder results (results.json): one test per exercise, one point each.
pub fn gradescope(course: &Course, results: &StudentResults) -> String {
    let (passed, total) = counts(results);
    let tests = course
        .exercises
        .iter()
        .zip(&results.exercises)
        .enumerate()
        .map(|(i, (ex, g))| {
            let v: &Verdict = &g.verdict;
            let mut output = format!("{}: {}", v.outcome.as_str(), v.summary);
            if !v.passed() && !v.details.is_empty() {
                output.push_str("\n\n");
                output.push_str(&console::strip_ansi_codes(&v.details));
            }
            for (line, what) in &g.needs_review {
                match line {
                    0 => output.push_str(&format!("\n\nneeds review: {what}")),
                    _ => output.push_str(&format!("\n\nneeds review: line {line}: {what}")),
                }
            }
            GradescopeTest {
                name: ex.name.clone(),
                number: format!("{}", i + 1),
                score: if v.passed() { 1.0 } else { 0.0 },
                max_score: 1.0,
                status: if v.passed() { "passed" } else { "failed" },
                output,
                visibility: "visible",
                tags: Some(vec![ex.topic()]),
            }
        })
        .collect();
    let report = Gradescope {
        score: passed as f64,
        max_score: total as f64,
        output: format!("{passed} of {total} exercises pass"),
        tests,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// One row per student: each exercise's outcome, then passed and total; an exercise that
/// needs an instructor's look is marked `*`.
pub fn csv(course: &Course, class: &[StudentResults]) -> String {
    let mut out = String::from("student");
    for ex in &course.exercises {
        out.push(',');
        out.push_str(&ex.name);
    }
    out.push_str(",passed,total\n");
    for results in class {
        out.push_str(&csv_field(&results.student.name));
        for g in &results.exercises {
            out.push(',');
            out.push_str(match g.verdict.outcome {
                Outcome::Passed => "pass",
                Outcome::Failed => "fail",
                Outcome::CompileError => "compile_error",
                Outcome::TimedOut => "timed_out",
                Outcome::Tampered => "tampered",
            });
            if !g.needs_review.is_empty() {
                out.push('*');
            }
        }
        let (passed, total) = counts(results);
        out.push_str(&format!(",{passed},{total}\n"));
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
