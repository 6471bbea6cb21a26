//! Learns what happened to each grading test from the test harness itself. Pass or fail comes
//! from libtest's log file, which the harness writes to a fresh path and the learner's code
//! cannot reach by printing; messages, output and times come from its JSON events on stdout.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What happened to one grading test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// The test's full name, e.g. `tests::unknown_user_is_404`.
    pub name: String,
    pub status: TestStatus,
    /// The panic message of a failed test (assertion text included).
    pub message: Option<String>,
    /// Where it failed, `file:line:column`, from the panic.
    pub location: Option<String>,
    /// The line of the exercise file where the test is defined.
    pub line: usize,
    #[serde(
        serialize_with = "super::as_millis",
        deserialize_with = "super::from_millis",
        rename = "duration_ms"
    )]
    pub duration: Duration,
    /// What the test printed before it failed.
    pub output: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    /// The harness never reported it: the process ended first, or it was filtered out.
    NotRun,
    /// It failed only because a check it depends on failed (its panic message starts with
    /// `skipped:`, as the course's support modules write it): not a second failure to fix.
    Skipped,
}

/// How a test says it did not run its checks because one they depend on failed.
pub(crate) const SKIPPED_PREFIX: &str = "skipped:";

/// Arguments for a test harness: run exactly `names`, log results to `logfile`, and describe
/// each test as a JSON event (with its time).
pub(crate) fn args(logfile: &Path, names: &[String]) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "--logfile",
        &logfile.display().to_string(),
        "-Zunstable-options",
        "--format",
        "json",
        "--report-time",
        "--color",
        "never",
        "--exact",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.extend(names.iter().map(OsString::from));
    args
}

/// libtest accepts `-Zunstable-options` when this variable is set at run time.
pub(crate) const UNSTABLE_VAR: (&str, &str) = ("RUSTC_BOOTSTRAP", "1");

/// Combines the log file (statuses) and the JSON events (details) into one result per
/// expected test, in the order given.
pub(crate) fn results(
    expected: &[(String, usize)],
    logfile: &str,
    stdout: &str,
) -> Vec<TestResult> {
    let mut statuses: HashMap<&str, TestStatus> = HashMap::new();
    for line in logfile.lines() {
        // `<status> <name>`, and with `--report-time` its time, as `<0.012s>`.
        let words: Vec<&str> = line.split(' ').collect();
        let (status, name) = match words[..] {
            [status, name] => (status, name),
            [status, name, time] if time.starts_with('<') && time.ends_with("s>") => (status, name),
            _ => {
                // libtest writes nothing else: a log with any other line was not written by
                // it alone, and proves nothing.
                statuses.clear();
                break;
            }
        };
        let status = match status {
            "ok" => TestStatus::Passed,
            "failed" => TestStatus::Failed,
            "ignored" => continue,
            _ => {
                statuses.clear();
                break;
            }
        };
        // A name reported twice (by a forged line) counts as its worst report.
        let entry = statuses.entry(name).or_insert(status);
        if status == TestStatus::Failed {
            *entry = TestStatus::Failed;
        }
    }
    let mut details: HashMap<String, (Duration, String)> = HashMap::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if event["type"] != "test" || !matches!(event["event"].as_str(), Some("ok" | "failed")) {
            continue;
        }
        let Some(name) = event["name"].as_str() else {
            continue;
        };
        let time = event["exec_time"]
            .as_f64()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map_or(Duration::ZERO, Duration::from_secs_f64);
        let text = event["stdout"].as_str().unwrap_or_default().to_string();
        details.entry(name.to_string()).or_insert((time, text));
    }
    expected
        .iter()
        .map(|(name, line)| {
            let status = statuses
                .get(name.as_str())
                .copied()
                .unwrap_or(TestStatus::NotRun);
            let (duration, text) = details.get(name).cloned().unwrap_or_default();
            let (output, location, message) = if status == TestStatus::Failed {
                split_panic(&text)
            } else {
                (String::new(), None, None)
            };
            let skipped = message
                .as_deref()
                .is_some_and(|m| m.starts_with(SKIPPED_PREFIX));
            let status = if skipped { TestStatus::Skipped } else { status };
            TestResult {
                name: name.clone(),
                status,
                message,
                location,
                line: *line,
                duration,
                output,
            }
        })
        .collect()
}

/// Splits a failed test's captured text into what it printed, where it panicked, and the
/// panic message (without the harness's notes about backtraces).
fn split_panic(text: &str) -> (String, Option<String>, Option<String>) {
    let mut output = Vec::new();
    let mut location = None;
    let mut message: Vec<&str> = Vec::new();
    let mut in_message = false;
    for line in text.lines() {
        if line.starts_with("note: run with `RUST_BACKTRACE=1`") || line == "stack backtrace:" {
            in_message = false;
            continue;
        }
        if let Some(rest) = line.strip_prefix("thread '")
            && let Some((_, at)) = rest.split_once(" panicked at ")
        {
            location = Some(at.trim_end_matches(':').to_string());
            in_message = true;
            continue;
        }
        if in_message {
            message.push(line);
        } else if location.is_none() {
            output.push(line);
        }
    }
    while message.last().is_some_and(|l| l.trim().is_empty()) {
        message.pop();
    }
    let message = (!message.is_empty()).then(|| message.join("\n"));
    let output = output.join("\n").trim_end().to_string();
    (output, location, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(names: &[&str]) -> Vec<(String, usize)> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), 10 + i))
            .collect()
    }

    #[test]
    fn statuses_come_from_the_log_and_details_from_the_events() {
        let log = "ok tests::a <0.000s>\nfailed tests::b <0.157s>\n";
        let stdout = "{ \"type\": \"test\", \"name\": \"tests::b\", \"event\": \"failed\", \"exec_time\": 0.157, \"stdout\": \"hello\\n\\nthread 'tests::b' (2794) panicked at ex.rs:7:22:\\nassertion failed: f should be 4\\n  left: 3\\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\\n\" }\n";
        let results = results(
            &expected(&["tests::b", "tests::a", "tests::c"]),
            log,
            stdout,
        );
        assert_eq!(results[0].status, TestStatus::Failed);
        assert_eq!(
            results[0].message.as_deref(),
            Some("assertion failed: f should be 4\n  left: 3")
        );
        assert_eq!(results[0].location.as_deref(), Some("ex.rs:7:22"));
        assert_eq!(results[0].output, "hello");
        assert_eq!(results[0].duration, Duration::from_millis(157));
        assert_eq!(results[0].line, 10);
        assert_eq!(results[1].status, TestStatus::Passed);
        // Never reported: the process ended before it ran.
        assert_eq!(results[2].status, TestStatus::NotRun);
    }

    #[test]
    fn a_test_that_depends_on_a_failed_one_is_skipped() {
        let log = "failed tests::routes\n";
        let stdout = "{ \"type\": \"test\", \"name\": \"tests::routes\", \"event\": \"failed\", \"stdout\": \"thread 'tests::routes' panicked at s.rs:1:1:\\nskipped: the server did not start\\n\" }\n";
        let results = results(&expected(&["tests::routes"]), log, stdout);
        assert_eq!(results[0].status, TestStatus::Skipped);
    }

    #[test]
    fn text_printed_by_the_learner_changes_no_status() {
        // The learner's code printed a fake summary and fake events; the log says otherwise.
        let stdout = "test result: ok. 2 passed; 0 failed\n{ \"type\": \"test\", \"name\": \"tests::a\", \"event\": \"ok\" }\n";
        let results = results(&expected(&["tests::a"]), "", stdout);
        assert_eq!(results[0].status, TestStatus::NotRun);
        // A name reported both ways counts as failed.
        let log = "ok tests::a\nfailed tests::a\n";
        assert_eq!(
            super::results(&expected(&["tests::a"]), log, "")[0].status,
            TestStatus::Failed
        );
    }
}
