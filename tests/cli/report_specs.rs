//! The reports' real consumers, as their specifications state them: Exercism's test-runner
//! `results.json` (version 3), Gradescope's autograder `results.json`, and Jenkins'
//! junit-10.xsd (through xmllint). Each check panics with every rule a report breaks.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Panics unless `doc` is a valid Exercism test-runner `results.json`, version 3, by the rules
/// of <https://exercism.org/docs/building/tooling/test-runners/interface>:
/// - top level: `version` (3), `status` (`pass`, `fail` or `error`), `message` (required when
///   the status is `error`, at most 65535 characters, else null or absent), `tests` (required
///   for `pass` and `fail`), and no other key;
/// - `pass`: every test passed; `fail`: at least one test failed or errored; `error`: no test
///   ran (so none is listed as passed or failed);
/// - per test: `name` and `status` required, `message`, `output` (at most 500 characters),
///   `test_code` strings or null, `task_id` a number, and no other key.
#[track_caller]
pub fn assert_exercism_v3(doc: &Value) {
    let mut wrong = Vec::new();
    let Some(top) = doc.as_object() else {
        panic!("not a JSON object: {doc}");
    };
    for key in top.keys() {
        if !["version", "status", "message", "tests"].contains(&key.as_str()) {
            wrong.push(format!("unknown top-level key `{key}`"));
        }
    }
    if doc["version"] != 3 {
        wrong.push(format!("`version` is {}, not 3", doc["version"]));
    }
    let status = doc["status"].as_str().unwrap_or_default();
    if !["pass", "fail", "error"].contains(&status) {
        wrong.push(format!(
            "`status` {} is not pass, fail or error",
            doc["status"]
        ));
    }
    match (&doc["message"], status) {
        (Value::String(m), "error") if !m.is_empty() && m.chars().count() <= 65535 => {}
        (m, "error") => wrong.push(format!(
            "`message` must be a non-empty string of at most 65535 characters when the status is error, is {m}"
        )),
        (Value::Null, _) => {}
        (m, _) => wrong.push(format!(
            "`message` must be null or absent unless the status is error, is {m}"
        )),
    }
    let tests = match &doc["tests"] {
        Value::Array(tests) => tests.as_slice(),
        Value::Null if status == "error" => &[],
        other => {
            wrong.push(format!("`tests` must be an array, is {other}"));
            &[]
        }
    };
    if matches!(status, "pass" | "fail") && tests.is_empty() {
        wrong.push(format!("status {status} with no test"));
    }
    let statuses: Vec<&str> = tests.iter().filter_map(|t| t["status"].as_str()).collect();
    match status {
        "pass" if statuses.iter().any(|s| *s != "pass") => {
            wrong.push("status pass, but a test did not pass".into())
        }
        "fail" if !statuses.iter().any(|s| *s == "fail" || *s == "error") => {
            wrong.push("status fail, but no test failed or errored".into())
        }
        "error" if statuses.iter().any(|s| *s != "error") => {
            wrong.push("status error (no test ran), but a test passed or failed".into())
        }
        _ => {}
    }
    for (i, test) in tests.iter().enumerate() {
        let Some(fields) = test.as_object() else {
            wrong.push(format!("tests[{i}] is not an object"));
            continue;
        };
        for key in fields.keys() {
            let known = [
                "name",
                "status",
                "message",
                "output",
                "test_code",
                "task_id",
            ];
            if !known.contains(&key.as_str()) {
                wrong.push(format!("tests[{i}]: unknown key `{key}`"));
            }
        }
        if test["name"].as_str().is_none_or(str::is_empty) {
            wrong.push(format!("tests[{i}]: `name` must be a non-empty string"));
        }
        if !["pass", "fail", "error"].contains(&test["status"].as_str().unwrap_or_default()) {
            wrong.push(format!(
                "tests[{i}]: `status` {} is not pass, fail or error",
                test["status"]
            ));
        }
        for key in ["message", "output", "test_code"] {
            if !(test[key].is_null() || test[key].is_string()) {
                wrong.push(format!("tests[{i}]: `{key}` must be a string or null"));
            }
        }
        if let Some(output) = test["output"].as_str()
            && output.chars().count() > 500
        {
            wrong.push(format!(
                "tests[{i}]: `output` has {} characters (at most 500)",
                output.chars().count()
            ));
        }
        if !(test["task_id"].is_null() || test["task_id"].is_number()) {
            wrong.push(format!("tests[{i}]: `task_id` must be a number"));
        }
    }
    assert!(
        wrong.is_empty(),
        "not an Exercism v3 results.json:\n  {}\n{doc:#}",
        wrong.join("\n  ")
    );
}

/// Panics unless `doc` is a Gradescope autograder `results.json`, by the fields of
/// <https://gradescope-autograders.readthedocs.io/en/latest/specs/> ("Output format", "Test
/// case status", "Output String Formatting", "Controlling Test Case Visibility"): only the
/// listed keys, at the top level and per test, with their types and values; a score at the
/// top level or on every test.
#[track_caller]
pub fn assert_gradescope(doc: &Value) {
    const TOP: [&str; 11] = [
        "score",
        "execution_time",
        "output",
        "output_format",
        "test_output_format",
        "test_name_format",
        "visibility",
        "stdout_visibility",
        "extra_data",
        "tests",
        "leaderboard",
    ];
    const TEST: [&str; 11] = [
        "score",
        "max_score",
        "status",
        "name",
        "name_format",
        "number",
        "output",
        "output_format",
        "tags",
        "visibility",
        "extra_data",
    ];
    const VISIBILITY: [&str; 4] = ["hidden", "after_due_date", "after_published", "visible"];
    const FORMATS: [&str; 5] = ["text", "html", "simple_format", "md", "ansi"];
    let mut wrong = Vec::new();
    let Some(top) = doc.as_object() else {
        panic!("not a JSON object: {doc}");
    };
    let check = |fields: &serde_json::Map<String, Value>,
                 known: &[&str],
                 at: &str,
                 wrong: &mut Vec<String>| {
        for (key, value) in fields {
            if !known.contains(&key.as_str()) {
                wrong.push(format!("{at}: `{key}` is not a field of the spec"));
                continue;
            }
            let ok = match key.as_str() {
                "score" | "max_score" | "execution_time" => value.is_number(),
                "output" | "name" | "number" => value.is_string(),
                "visibility" | "stdout_visibility" => {
                    VISIBILITY.contains(&value.as_str().unwrap_or_default())
                }
                "output_format" | "test_output_format" | "test_name_format" | "name_format" => {
                    FORMATS.contains(&value.as_str().unwrap_or_default())
                }
                "status" => ["passed", "failed"].contains(&value.as_str().unwrap_or_default()),
                "tags" => value
                    .as_array()
                    .is_some_and(|tags| tags.iter().all(Value::is_string)),
                "extra_data" => value.is_object(),
                "tests" | "leaderboard" => value.is_array(),
                _ => true,
            };
            if !ok {
                wrong.push(format!(
                    "{at}: `{key}` has a value the spec does not allow: {value}"
                ));
            }
        }
    };
    check(top, &TOP, "top level", &mut wrong);
    let tests = doc["tests"].as_array().cloned().unwrap_or_default();
    for (i, test) in tests.iter().enumerate() {
        match test.as_object() {
            Some(fields) => check(fields, &TEST, &format!("tests[{i}]"), &mut wrong),
            None => wrong.push(format!("tests[{i}] is not an object")),
        }
    }
    if !doc["score"].is_number()
        && (tests.is_empty() || tests.iter().any(|t| !t["score"].is_number()))
    {
        wrong.push("no top-level score, and not every test has one".into());
    }
    assert!(
        wrong.is_empty(),
        "not a Gradescope results.json:\n  {}\n{doc:#}",
        wrong.join("\n  ")
    );
}

/// Panics unless the JUnit XML in `xml` validates against Jenkins' junit-10.xsd (the xUnit
/// plugin's schema, kept in tests/schemas/), checked by xmllint (Debian's libxml2-utils;
/// .ci/run installs it).
#[track_caller]
pub fn assert_junit_10(xml: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.xml");
    std::fs::write(&report, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&report)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "xmllint is needed to validate JUnit reports (apt-get install libxml2-utils): {e}"
            )
        });
    assert!(
        out.status.success(),
        "the JUnit report does not validate against junit-10.xsd:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}
