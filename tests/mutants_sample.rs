//! The course's grading tests measured by a tool nobody here wrote: cargo-mutants plants
//! bugs in a sample of reference solutions, and the grading tests must catch every one.
//! The whole course is `ci/mutants` (about 50 minutes on 2 cores; docs/COURSE_FORMAT.md,
//! "Measuring the tests with cargo-mutants"); CI runs this sample. `.ci/run` installs
//! cargo-mutants.

use std::path::Path;
use std::process::Command;

/// Exercises whose grading tests catch every mutant, one or two per topic (those with a
/// quick test run): a regression here is a test that stopped pinning a rule.
const SAMPLE: &[&str] = &[
    "intro1", "intro2", "http3", "json4", "sql1", "auth9", "cache2", "cache5", "sec4", "sec5",
    "obs3", "res3", "res6",
];

#[test]
fn the_grading_tests_catch_every_mutant_of_a_sample() {
    let installed = Command::new("cargo")
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        installed,
        "cargo-mutants is not installed: `cargo install --locked cargo-mutants` (.ci/run does)"
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg(repo.join("ci/mutants"))
        .arg("--out")
        .arg(out.path())
        .arg("--work")
        .arg(work.path())
        .args(SAMPLE)
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(status.success(), "ci/mutants failed: {status}");
    for name in SAMPLE {
        let report = std::fs::read_to_string(out.path().join(format!("{name}.json")))
            .unwrap_or_else(|e| panic!("no report for {name}: {e}"));
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["baseline"], "Success", "{name}: {report:#}");
        assert!(
            report["tried"].as_u64().unwrap_or(0) > 0,
            "{name}: no mutant tried: {report:#}"
        );
        assert_eq!(
            report["missed"].as_array().map(Vec::len),
            Some(0),
            "{name}: mutants the grading tests miss (see ci/mutants {name}): {report:#}"
        );
        assert_eq!(
            report["timeout"].as_array().map(Vec::len),
            Some(0),
            "{name}: mutants that only time out: {report:#}"
        );
    }
}
