//! The class report as one self-contained HTML page: a grid of students × exercises (grouped
//! by topic), pass rates, filters, and each cell's tests, messages and review flags on a
//! click. The page's data is the JSON report's, embedded in a `<script type="application/json">`
//! and drawn by a little plain JavaScript; it loads nothing (no network, no CDN), so it works
//! from a file on a USB stick.

use std::collections::HashMap;

use serde::Serialize;

use super::{Course, StudentResults};
use crate::check::Outcome;
use crate::check::libtest::TestStatus;

#[derive(Serialize)]
struct Page<'a> {
    exercises: Vec<PageExercise<'a>>,
    students: Vec<PageStudent<'a>>,
    /// Each distinct result once: students who share an exercise file share its result.
    results: Vec<PageResult<'a>>,
}

#[derive(Serialize)]
struct PageExercise<'a> {
    name: &'a str,
    topic: &'a str,
}

#[derive(Serialize)]
struct PageStudent<'a> {
    name: &'a str,
    /// Why the student is not graded (then `cells` is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    passed: usize,
    total: usize,
    /// Per exercise, in course order.
    cells: Vec<Cell<'a>>,
}

/// An exercise's cell: its status, the index of its result in `results`, what needs
/// review, as (line, construct), and whether the student started it.
type Cell<'a> = (Outcome, usize, Vec<(usize, &'a str)>, bool);

#[derive(Serialize)]
struct PageResult<'a> {
    summary: String,
    details: String,
    duration_ms: u128,
    tests: Vec<PageTest<'a>>,
    survivors: &'a [String],
}

/// A grading test as the page shows it: the JSON report's fields, without the empty ones
/// (most tests pass, and a class has thousands).
#[derive(Serialize)]
struct PageTest<'a> {
    name: &'a str,
    status: TestStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    output: &'a str,
}

/// The class's report as an HTML page.
pub fn html(course: &Course, class: &[StudentResults]) -> String {
    let mut results = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let students = class
        .iter()
        .map(|r| {
            let cells = r
                .exercises
                .iter()
                .map(|g| {
                    let v = &g.verdict;
                    let result = PageResult {
                        summary: crate::ui::verdict::summary(v),
                        details: console::strip_ansi_codes(&crate::ui::verdict::details(v))
                            .into_owned(),
                        duration_ms: v.duration.as_millis(),
                        tests: v
                            .tests
                            .iter()
                            .map(|t| PageTest {
                                name: &t.name,
                                status: t.status,
                                message: t.message.as_deref(),
                                location: t.location.as_deref(),
                                output: &t.output,
                            })
                            .collect(),
                        survivors: &v.survivors,
                    };
                    let key = serde_json::to_string(&result).unwrap_or_default();
                    let index = *seen.entry(key).or_insert_with(|| {
                        results.push(result);
                        results.len() - 1
                    });
                    let reviews = g
                        .needs_review
                        .iter()
                        .map(|(line, what)| (*line, what.as_str()))
                        .collect();
                    (v.outcome, index, reviews, g.started)
                })
                .collect();
            let (passed, total) = super::counts(course, r);
            PageStudent {
                name: &r.student.name,
                reason: r.student.not_graded.as_deref(),
                passed,
                total,
                cells,
            }
        })
        .collect();
    let page = Page {
        exercises: course
            .exercises
            .iter()
            .map(|ex| PageExercise {
                name: &ex.name,
                topic: ex.topic(),
            })
            .collect(),
        students,
        results,
    };
    let data = serde_json::to_string(&page).unwrap_or_default();
    TEMPLATE
        .replace(
            "{{title}}",
            &format!(
                "Class report: {}",
                crate::check::judge::count(class.len(), "student", "students")
            ),
        )
        .replace("{{data}}", &script_safe(&data))
}

/// JSON that stays inside its `<script>` element: no `<` at all (so no `</script>` nor
/// `<!--`), written as the JSON escape `\u003c`, which reads back as the same text.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

const TEMPLATE: &str = include_str!("class_report.html");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Verdict};
    use crate::course::{Exercise, Mode};
    use crate::report::{Graded, Student};
    use std::time::Duration;

    fn course() -> Course {
        Course {
            welcome_message: String::new(),
            final_message: String::new(),
            dependencies: toml::Table::new(),
            optimize_dependencies: vec![],
            min_wrong_attempts: 0,
            exercises: vec![Exercise::fixture("first", "00_basics", Mode::Test)],
            support: vec![],
        }
    }

    fn graded(outcome: Outcome, finding: Finding) -> Graded {
        Graded {
            verdict: Verdict {
                duration: Duration::from_millis(3),
                ..Verdict::new("first", outcome, finding)
            },
            original: None,
            needs_review: vec![(4, "unsafe block".into())],
            started: true,
        }
    }

    fn student(name: &str, outcome: Outcome, finding: Finding) -> StudentResults {
        StudentResults {
            student: Student {
                name: name.into(),
                root: "x".into(),
                not_graded: None,
            },
            exercises: vec![graded(outcome, finding)],
        }
    }

    /// The JSON between the data element's tags.
    fn embedded(page: &str) -> &str {
        let start = page.find("id=\"data\">").unwrap() + "id=\"data\">".len();
        &page[start..start + page[start..].find("</script>").unwrap()]
    }

    #[test]
    fn the_embedded_data_cannot_end_its_script_element_and_reads_back_unchanged() {
        let evil = "</script><script>alert(1)</script><!--";
        let unreadable = Finding::Unreadable {
            file: evil.into(),
            line: 1,
        };
        let class = [student(evil, Outcome::Failed, unreadable)];
        let page = html(&course(), &class);
        let json = embedded(&page);
        assert!(!json.contains('<'), "{json}");
        let data: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(data["students"][0]["name"], evil);
        let details = data["results"][0]["details"].as_str().unwrap();
        assert!(details.starts_with(&format!("{evil}:1: ")), "{details}");
        assert_eq!(data["students"][0]["cells"][0][0], "failed");
        assert_eq!(data["students"][0]["cells"][0][2][0][1], "unsafe block");
    }

    #[test]
    fn students_with_the_same_result_share_one_copy_of_it() {
        let compile_error = Finding::DidNotCompile {
            errors: vec!["error[E0308]: mismatched types".into()],
        };
        let class = [
            student("ada", Outcome::Passed, Finding::TestsPassed),
            student("bob", Outcome::Passed, Finding::TestsPassed),
            student("cy", Outcome::CompileError, compile_error),
        ];
        let page = html(&course(), &class);
        let data: serde_json::Value = serde_json::from_str(embedded(&page)).unwrap();
        assert_eq!(data["results"].as_array().unwrap().len(), 2);
        assert_eq!(data["students"][1]["cells"][0][1], 0);
        assert_eq!(data["students"][2]["cells"][0][1], 1);
    }

    #[test]
    fn the_page_loads_nothing_from_a_network() {
        let page = html(
            &course(),
            &[student("ada", Outcome::Passed, Finding::TestsPassed)],
        );
        for needle in [
            "http://", "https://", "//cdn", "src=", "<link", "@import", "url(",
        ] {
            assert!(!page.contains(needle), "the page holds {needle:?}");
        }
    }
}
