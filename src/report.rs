//! `grade`: a non-interactive report of a learner workspace for a class's CI, as JSON or
//! JUnit XML. It reads the workspace and changes nothing.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use serde::Serialize;

use crate::check::{Outcome, Verdict};
use crate::course::Course;
use crate::session::{Error, Session};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Junit,
}

#[derive(Serialize)]
struct JsonReport<'a> {
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
    /// What a learner would see, without terminal colours.
    details: String,
}

pub fn grade(format: Format, output: Option<&Path>) -> Result<ExitCode, Error> {
    console::set_colors_enabled(false);
    let session = Session::open()?;
    let course = &session.ws.course;
    let refs: Vec<_> = course.exercises.iter().collect();
    let verdicts = session.check(&refs, &crate::check::Quiet)?;
    let text = match format {
        Format::Json => json(course, &verdicts),
        Format::Junit => junit(course, &verdicts)?,
    };
    match output {
        Some(path) => std::fs::write(path, text)?,
        None => print!("{text}"),
    }
    let all_passed = verdicts.iter().all(Verdict::passed);
    Ok(crate::commands::exit_for(all_passed))
}

fn json(course: &Course, verdicts: &[Verdict]) -> String {
    let exercises: Vec<JsonExercise> = course
        .exercises
        .iter()
        .zip(verdicts)
        .map(|(ex, v)| JsonExercise {
            name: &ex.name,
            topic: ex.topic(),
            status: v.outcome,
            summary: &v.summary,
            duration_ms: v.duration.as_millis(),
            details: console::strip_ansi_codes(&v.details).into_owned(),
        })
        .collect();
    let report = JsonReport {
        passed: verdicts.iter().filter(|v| v.passed()).count(),
        total: verdicts.len(),
        exercises,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// One test suite per topic, one test case per exercise.
fn junit(course: &Course, verdicts: &[Verdict]) -> Result<String, Error> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("backendlings");
    for (topic, exercises) in course.topics() {
        let mut suite = TestSuite::new(topic);
        for ex in exercises {
            let Some(verdict) = verdicts.iter().find(|v| v.exercise == ex.name) else {
                continue;
            };
            let status = match verdict.outcome {
                Outcome::Passed => TestCaseStatus::success(),
                outcome => {
                    // A compile error or tampering is an error; failing tests are a failure.
                    let kind = match outcome {
                        Outcome::Failed | Outcome::TimedOut => NonSuccessKind::Failure,
                        _ => NonSuccessKind::Error,
                    };
                    let mut status = TestCaseStatus::non_success(kind);
                    status
                        .set_type(outcome.as_str())
                        .set_message(verdict.summary.clone())
                        .set_description(console::strip_ansi_codes(&verdict.details).into_owned());
                    status
                }
            };
            let mut case = TestCase::new(ex.name.clone(), status);
            case.set_classname(topic.to_string())
                .set_time(verdict.duration);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}
