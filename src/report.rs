//! Reports of graded workspaces, written from the verdicts' data: JSON (this runner's own
//! layout, with each exercise's result also as an Exercism test-runner `results.json`, version
//! 3), JUnit XML (one suite per exercise, one case per grading test), Gradescope's
//! results.json, a CSV summary of a class, and a class's HTML page (html.rs).

use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use serde::Serialize;

use crate::Error;
use crate::check::libtest::{TestResult, TestStatus};
use crate::check::{Outcome, Verdict};
use crate::course::{Course, Exercise, tests_section};
use crate::ui::verdict as verdict_words;

mod html;
pub use html::html;

/// A student's workspace: a name for the report, and where it is.
pub struct Student {
    pub name: String,
    pub root: PathBuf,
    /// Why this student's folder could not be graded (empty, one level too deep, a link):
    /// the student is in the reports with this reason, and no exercise.
    pub not_graded: Option<String>,
}

/// One exercise of one student, graded.
pub struct Graded {
    pub verdict: Verdict,
    /// The course's version of the exercise (for the source of its tests in reports).
    pub original: Option<String>,
    /// Constructs an instructor should look at: (line, what).
    pub needs_review: Vec<(usize, String)>,
    /// Whether the student changed the exercise file: false when it is the course's
    /// original, or missing.
    pub started: bool,
}

/// A student's results, in course order.
pub struct StudentResults {
    pub student: Student,
    pub exercises: Vec<Graded>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Junit,
    /// Gradescope's autograder results.json
    Gradescope,
    /// One self-contained HTML page of a class: a grid of students × exercises (`--class`)
    Html,
}

/// The layout of the JSON report; raised when a field changes meaning or goes away.
const REPORT_VERSION: u8 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    report_version: u8,
    /// `passed` when every exercise passes, `failed` otherwise.
    status: &'static str,
    passed: usize,
    total: usize,
    exercises: Vec<JsonExercise<'a>>,
}

#[derive(Serialize)]
struct JsonClass<'a> {
    report_version: u8,
    students: Vec<JsonStudent<'a>>,
}

#[derive(Serialize)]
struct JsonStudent<'a> {
    student: &'a str,
    /// `graded`, or `not_graded` when the student's folder holds no workspace to grade.
    status: &'static str,
    /// Why the student is not graded.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    passed: usize,
    total: usize,
    exercises: Vec<JsonExercise<'a>>,
}

#[derive(Serialize)]
struct JsonExercise<'a> {
    name: &'a str,
    topic: &'a str,
    status: Outcome,
    /// false when the exercise file is the course's original (or missing): not started.
    started: bool,
    summary: String,
    duration_ms: u128,
    /// What a learner would see.
    details: String,
    /// Each grading test: status (`passed`, `failed`, `skipped`, `not_run`), message,
    /// location, the line it stands on, duration and what it printed.
    tests: &'a [TestResult],
    /// The planted bugs the learner's tests missed (mutants exercises).
    survivors: &'a [String],
    needs_review: Vec<Review<'a>>,
    /// The same result as an Exercism test runner's `results.json` (version 3).
    exercism: Exercism,
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
        started: graded.started,
        summary: verdict_words::summary(v),
        duration_ms: v.duration.as_millis(),
        details: console::strip_ansi_codes(&verdict_words::details(v)).into_owned(),
        tests: &v.tests,
        survivors: &v.survivors,
        needs_review: graded
            .needs_review
            .iter()
            .map(|(line, what)| Review {
                line: *line,
                construct: what,
            })
            .collect(),
        exercism: exercism(ex, graded),
    }
}

/// How a case of an exercise ended, in the words the reports share.
#[derive(Clone, Copy, PartialEq)]
enum CaseStatus {
    Passed,
    Failed,
    /// It did not run its checks because one it depends on failed.
    Skipped,
    /// It never ran to the end: a compile error, a crash, a time-out, changed tests.
    Error,
}

/// One graded case of an exercise as the reports show it: a grading test, a planted bug the
/// learner's tests must catch (`mutants` mode), or the whole exercise when it has neither.
struct Case {
    name: String,
    status: CaseStatus,
    /// Why it did not pass, in a line or a few.
    message: Option<String>,
    /// The whole story: the panic with its location, the compiler's errors.
    details: String,
    /// What the learner's code printed.
    output: String,
    time: Option<Duration>,
    test_code: Option<String>,
}

fn cases(ex: &Exercise, graded: &Graded) -> Vec<Case> {
    let v = &graded.verdict;
    let details = console::strip_ansi_codes(&verdict_words::details(v)).into_owned();
    let mut cases: Vec<Case> = if !v.tests.is_empty() {
        v.tests
            .iter()
            .map(|t| {
                let (status, message, text) = match t.status {
                    TestStatus::Passed => (CaseStatus::Passed, None, String::new()),
                    TestStatus::Failed | TestStatus::Skipped => {
                        let message = t.message.clone().unwrap_or_else(|| "failed".into());
                        let at = t
                            .location
                            .as_ref()
                            .map_or(String::new(), |l| format!("\n(at {l})"));
                        let status = match t.status {
                            TestStatus::Skipped => CaseStatus::Skipped,
                            _ => CaseStatus::Failed,
                        };
                        (status, Some(message.clone()), format!("{message}{at}"))
                    }
                    TestStatus::NotRun => (
                        CaseStatus::Error,
                        Some(format!(
                            "did not run to the end: {}",
                            verdict_words::summary(v)
                        )),
                        details.clone(),
                    ),
                };
                Case {
                    name: t.name.clone(),
                    status,
                    message,
                    details: text,
                    output: t.output.clone(),
                    time: Some(t.duration),
                    test_code: test_code(graded, t),
                }
            })
            .collect()
    } else if !ex.mutants.is_empty() && (v.passed() || !v.survivors.is_empty()) {
        // The learner's tests ran against each planted bug: one case per bug.
        ex.mutants
            .iter()
            .map(|m| {
                let caught = !v.survivors.contains(&m.description);
                Case {
                    name: format!("catches: {}", m.description),
                    status: if caught {
                        CaseStatus::Passed
                    } else {
                        CaseStatus::Failed
                    },
                    message: (!caught).then(|| "a planted bug went unnoticed".to_string()),
                    details: if caught {
                        String::new()
                    } else {
                        m.description.clone()
                    },
                    output: String::new(),
                    time: None,
                    test_code: None,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    // The whole exercise is a case of its own when it has no other, or when it did not pass
    // though each of its cases did (the run ended badly after its tests).
    if !cases.is_empty() && (v.passed() || cases.iter().any(|c| c.status != CaseStatus::Passed)) {
        return cases;
    }
    let status = match v.outcome {
        Outcome::Passed => CaseStatus::Passed,
        Outcome::Failed | Outcome::TimedOut => CaseStatus::Failed,
        Outcome::CompileError | Outcome::Tampered => CaseStatus::Error,
    };
    cases.push(Case {
        name: ex.name.clone(),
        status,
        message: (status != CaseStatus::Passed).then(|| verdict_words::summary(v)),
        details: if status == CaseStatus::Passed {
            String::new()
        } else {
            details
        },
        output: String::new(),
        time: Some(v.duration),
        test_code: None,
    });
    cases
}

/// The body of a grading test, from the course's copy of the exercise: what Exercism's
/// `test_code` holds (the test's statements, without its `fn` line).
fn test_code(graded: &Graded, test: &TestResult) -> Option<String> {
    let section = tests_section::grading_section(graded.original.as_deref()?)?;
    let name = test.name.rsplit("::").next()?;
    let code = crate::check::source::test_code(section, name)?;
    // The attributes before `fn` may hold braces (`#[should_panic(expected = "{")]`).
    let signature = code.find(&format!("fn {name}"))?;
    let open = signature + code[signature..].find('{')?;
    let body = code[open + 1..code.rfind('}')?].trim_matches('\n');
    Some(crate::check::source::dedent(body).trim_end().to_string())
}

/// An exercise's result as an Exercism test runner reports it: `results.json`, version 3
/// (<https://exercism.org/docs/building/tooling/test-runners/interface>).
#[derive(Serialize)]
struct Exercism {
    version: u8,
    /// `pass`: every test passed; `fail`: at least one failed; `error`: no test ran (the
    /// file does not compile, say).
    status: &'static str,
    /// What went wrong, when the status is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// In the order the tests stand in the file.
    tests: Vec<ExercismTest>,
}

#[derive(Serialize)]
struct ExercismTest {
    name: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// What the learner's code printed, at most 500 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_code: Option<String>,
}

/// Exercism's limit on a test's `output`, and the notice that ends a cut one.
const EXERCISM_OUTPUT_LIMIT: usize = 500;
const EXERCISM_OUTPUT_CUT: &str = "Output was truncated. Please limit to 500 chars";
/// Exercism's limit on the top-level `message` (stored as at most 65535 bytes).
const EXERCISM_MESSAGE_LIMIT: usize = 65535;

fn exercism(ex: &Exercise, graded: &Graded) -> Exercism {
    let v = &graded.verdict;
    let cases = cases(ex, graded);
    // `error` only when no test ran: the file does not compile, its tests were changed, or
    // every test ended before it finished.
    let none_ran = matches!(v.outcome, Outcome::CompileError | Outcome::Tampered)
        || cases.iter().all(|c| c.status == CaseStatus::Error);
    if none_ran && !v.passed() {
        let details = verdict_words::details(v);
        let summary = verdict_words::summary(v);
        let message = match console::strip_ansi_codes(&details).trim() {
            "" => summary,
            text => format!("{summary}\n\n{text}"),
        };
        return Exercism {
            version: 3,
            status: "error",
            message: Some(cut(
                &message,
                EXERCISM_MESSAGE_LIMIT,
                "(cut: the rest is in the `details` field)",
            )),
            tests: Vec::new(),
        };
    }
    Exercism {
        version: 3,
        status: if v.passed() { "pass" } else { "fail" },
        message: None,
        tests: cases
            .into_iter()
            .map(|c| ExercismTest {
                name: c
                    .name
                    .strip_prefix("tests::")
                    .unwrap_or(&c.name)
                    .to_string(),
                status: match c.status {
                    CaseStatus::Passed => "pass",
                    CaseStatus::Failed | CaseStatus::Skipped => "fail",
                    CaseStatus::Error => "error",
                },
                message: c
                    .message
                    .map(|m| if c.details.is_empty() { m } else { c.details }),
                output: (!c.output.is_empty())
                    .then(|| cut(&c.output, EXERCISM_OUTPUT_LIMIT, EXERCISM_OUTPUT_CUT)),
                test_code: c.test_code,
            })
            .collect(),
    }
}

/// `text` in at most `limit` bytes (so at most `limit` characters too): when it is longer,
/// its beginning and `notice` on a line of its own.
fn cut(text: &str, limit: usize, notice: &str) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit.saturating_sub(notice.len() + 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n{notice}", &text[..end])
}

/// How many of the course's exercises a student passes, and how many there are.
fn counts(course: &Course, results: &StudentResults) -> (usize, usize) {
    let passed = results
        .exercises
        .iter()
        .filter(|g| g.verdict.passed())
        .count();
    (passed, course.exercises.len())
}

/// One workspace's report.
pub(crate) fn json(course: &Course, results: &StudentResults) -> String {
    let (passed, total) = counts(course, results);
    let report = JsonReport {
        report_version: REPORT_VERSION,
        status: if passed == total { "passed" } else { "failed" },
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
        report_version: REPORT_VERSION,
        students: class
            .iter()
            .map(|results| {
                let (passed, total) = counts(course, results);
                let reason = results.student.not_graded.as_deref();
                JsonStudent {
                    student: &results.student.name,
                    status: if reason.is_some() {
                        "not_graded"
                    } else {
                        "graded"
                    },
                    reason,
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
pub(crate) fn junit(course: &Course, class: &[StudentResults]) -> Result<String, Error> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("backendlings");
    let many = class.len() > 1;
    for results in class {
        if let Some(reason) = &results.student.not_graded {
            // One case in error: the student is counted, and the reason is shown.
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(format!("not graded: {reason}"));
            let mut case = TestCase::new("submission", status);
            case.set_classname(results.student.name.clone());
            let mut suite = TestSuite::new(results.student.name.clone());
            suite.add_test_case(case);
            report.add_test_suite(suite);
        }
        for (ex, graded) in course.exercises.iter().zip(&results.exercises) {
            let suite_name = if many {
                format!("{}/{}", results.student.name, ex.name)
            } else {
                ex.name.clone()
            };
            let classname = format!("{}.{}", ex.topic(), ex.name);
            let mut suite = TestSuite::new(suite_name);
            for case in cases(ex, graded) {
                let mut status = match case.status {
                    CaseStatus::Passed => TestCaseStatus::success(),
                    CaseStatus::Skipped => TestCaseStatus::skipped(),
                    CaseStatus::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
                    CaseStatus::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
                };
                if let Some(message) = &case.message {
                    status.set_message(message.clone());
                }
                if !case.details.is_empty() {
                    status.set_description(case.details.clone());
                }
                let mut test_case = TestCase::new(case.name, status);
                test_case.set_classname(classname.clone());
                if let Some(time) = case.time {
                    test_case.set_time(time);
                }
                suite.add_test_case(test_case);
            }
            report.add_test_suite(suite);
        }
    }
    disabled_as_skipped(&report.to_string().map_err(xml_error)?)
}

/// quick-junit gives each `<testsuite>` a `disabled` attribute (its count of skipped cases),
/// which Jenkins' junit-10.xsd does not allow; the schema's name for that count is `skipped`.
fn disabled_as_skipped(xml: &str) -> Result<String, Error> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Eof => break,
            Event::Start(tag) if tag.name().as_ref() == b"testsuite" => {
                let mut renamed = BytesStart::new("testsuite");
                for attribute in tag.attributes() {
                    let mut attribute = attribute.map_err(xml_error)?;
                    if attribute.key.as_ref() == b"disabled" {
                        attribute.key = quick_xml::name::QName(b"skipped");
                    }
                    renamed.push_attribute(attribute);
                }
                writer
                    .write_event(Event::Start(renamed))
                    .map_err(xml_error)?;
            }
            event => writer.write_event(event).map_err(xml_error)?,
        }
    }
    String::from_utf8(writer.into_inner()).map_err(xml_error)
}

fn xml_error(error: impl std::fmt::Display) -> Error {
    Error::Report(error.to_string())
}

#[derive(Serialize)]
struct Gradescope<'a> {
    /// The points earned; the points available are the sum of the tests' `max_score` (the
    /// spec has no top-level `max_score`).
    score: f64,
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

/// Gradescope's autograder results (results.json), in the fields of its spec
/// (<https://gradescope-autograders.readthedocs.io/en/latest/specs/>): one test per exercise,
/// one point each.
pub(crate) fn gradescope(course: &Course, results: &StudentResults) -> String {
    let (passed, total) = counts(course, results);
    let tests = course
        .exercises
        .iter()
        .zip(&results.exercises)
        .enumerate()
        .map(|(i, (ex, g))| {
            let v: &Verdict = &g.verdict;
            let mut output = format!("{}: {}", v.outcome.as_str(), verdict_words::summary(v));
            let details = verdict_words::details(v);
            if !v.passed() && !details.is_empty() {
                output.push_str("\n\n");
                output.push_str(&console::strip_ansi_codes(&details));
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
        output: crate::ui::passing(passed, total),
        tests,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// One row per student: each exercise's outcome, then passed, total and whether the student
/// was graded (`graded`, or `not graded: ` and why, with empty exercise cells); an exercise
/// that needs an instructor's look is marked `*`.
pub(crate) fn csv(course: &Course, class: &[StudentResults]) -> String {
    let mut out = String::from("student");
    for ex in &course.exercises {
        out.push(',');
        out.push_str(&ex.name);
    }
    out.push_str(",passed,total,status\n");
    for results in class {
        out.push_str(&csv_field(&results.student.name));
        if results.student.not_graded.is_some() {
            out.push_str(&",".repeat(course.exercises.len()));
        }
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
        let (passed, total) = counts(course, results);
        let status = match &results.student.not_graded {
            Some(reason) => csv_field(&format!("not graded: {reason}")),
            None => "graded".into(),
        };
        out.push_str(&format!(",{passed},{total},{status}\n"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Mode;

    #[test]
    fn an_exercise_that_failed_though_each_test_passed_has_a_failing_case_of_its_own() {
        let ex = Exercise::fixture("first", "00_basics", Mode::Test);
        let killed = crate::check::Finding::TestsEndedAbnormally {
            ending: crate::check::finding::Ending {
                exit: Some(crate::check::finding::Exit::Signal(9)),
                stdout_tail: String::new(),
                stderr_tail: String::new(),
            },
        };
        let graded = Graded {
            verdict: Verdict {
                duration: Duration::from_millis(5),
                tests: vec![TestResult {
                    name: "tests::answer_is_42".into(),
                    status: TestStatus::Passed,
                    message: None,
                    location: None,
                    line: 3,
                    duration: Duration::ZERO,
                    output: String::new(),
                }],
                ..Verdict::new("first", Outcome::Failed, killed)
            },
            original: None,
            needs_review: vec![],
            started: true,
        };
        let statuses: Vec<(String, &str)> = exercism(&ex, &graded)
            .tests
            .into_iter()
            .map(|t| (t.name, t.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("answer_is_42".to_string(), "pass"),
                ("first".to_string(), "fail")
            ]
        );
        assert_eq!(exercism(&ex, &graded).status, "fail");
    }

    #[test]
    fn a_cut_text_fits_its_limit_in_bytes_and_ends_with_the_notice() {
        assert_eq!(cut("short", 500, EXERCISM_OUTPUT_CUT), "short");
        // Two bytes a character: the cut falls between characters.
        let long = "é".repeat(600);
        let text = cut(&long, EXERCISM_OUTPUT_LIMIT, EXERCISM_OUTPUT_CUT);
        assert!(text.len() <= EXERCISM_OUTPUT_LIMIT, "{}", text.len());
        assert!(text.starts_with("éé"));
        assert!(text.ends_with("é\nOutput was truncated. Please limit to 500 chars"));
    }
}
