//! End-to-end: grade: a workspace or a class, trusting only exercise files, in every report format.

use super::builder::*;
use super::report_specs::*;
use super::support::*;

use std::fs;
use std::process::Command;

#[test]
fn grade_reports_json_and_junit_without_changing_progress() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    let course = f.course.to_str().unwrap().to_string();
    let grade = |extra: &[&str]| {
        let mut args = vec!["grade", "--course", course.as_str()];
        args.extend_from_slice(extra);
        Run::from(
            command(&f.ws)
                .args(&args)
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        )
    };
    let before = snapshot_tree(&f.ws);
    let json = grade(&[]);
    json.expect(1, &["\"passed\": 1", "\"total\": 3"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["report_version"], 1);
    assert_eq!(report["exercises"][0]["status"], "passed");
    let second = &report["exercises"][1];
    assert_eq!(second["status"], "failed");
    // Per grading test: name, status, message, where it failed.
    let test = &second["tests"][0];
    assert_eq!(test["name"], "tests::answer_is_42");
    assert_eq!(test["status"], "failed");
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .contains("answer() should be 42")
    );
    assert_eq!(test["location"], "exercises/00_basics/second.rs:20:9");
    // The same as Exercism's results.json, with the test's own code.
    assert_eq!(second["exercism"]["status"], "fail");
    assert_eq!(
        second["exercism"]["tests"][0]["test_code"],
        "assert_eq!(answer(), 42, \"answer() should be 42\");"
    );
    // JUnit: a suite per exercise, a case per grading test.
    grade(&["--format", "junit", "--output", "report.xml"]).expect(1, &[]);
    let xml = fs::read_to_string(f.ws.join("report.xml")).unwrap();
    fs::remove_file(f.ws.join("report.xml")).unwrap();
    assert!(
        xml.contains("<testsuite name=\"second\" tests=\"2\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"tests::answer_is_even\" classname=\"00_basics.second\""),
        "{xml}"
    );
    // Gradescope: a point per exercise.
    let gs: serde_json::Value =
        serde_json::from_str(&grade(&["--format", "gradescope"]).stdout).unwrap();
    assert_eq!(gs["score"].as_f64(), Some(1.0));
    let tests = gs["tests"].as_array().unwrap();
    let available: f64 = tests.iter().filter_map(|t| t["max_score"].as_f64()).sum();
    assert_eq!(available, 3.0);
    assert_eq!(gs["tests"][0]["status"], "passed");
    assert_eq!(
        snapshot_tree(&f.ws),
        before,
        "grade must not write into the workspace"
    );
}

#[test]
fn grade_trusts_nothing_in_the_workspace_but_its_exercise_files() {
    let f = Fixture::new();
    let course = f.course.to_str().unwrap().to_string();
    // A student who weakens everything the workspace holds besides the exercise file...
    let cheat = exercise("first", "0").replace("assert_eq!(answer(), 42", "assert_eq!(answer(), 0");
    write(
        &f.ws
            .join(".backendlings/originals/exercises/00_basics/first.rs"),
        &cheat,
    );
    write(&f.ws.join("exercises/00_basics/first.rs"), &cheat);
    let info = fs::read_to_string(f.ws.join("info.toml")).unwrap();
    write(
        &f.ws.join("info.toml"),
        &info.replace(
            "name = \"first\"\ndir = \"00_basics\"",
            "name = \"first\"\ndir = \"00_basics\"\nmode = \"run\"",
        ),
    );
    // ...and sets the runner's environment in their CI.
    let out = Run::from(
        command(&f.ws)
            .args(["grade", "--course", &course])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .env("BACKENDLINGS_CARGO", "/bin/true")
            .env("RUST_TEST_NOCAPTURE", "1")
            .output()
            .unwrap(),
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report["exercises"][0]["status"], "tampered",
        "{}",
        out.stdout
    );
    // Constructs with no place in a solution are flagged for review, with their line.
    let sneaky = exercise(
        "first",
        "{ if std::env::var(\"CI\").is_ok() { std::process::exit(0) } 42 }",
    );
    write(&f.ws.join("exercises/00_basics/first.rs"), &sneaky);
    let out = Run::from(
        command(&f.ws)
            .args(["grade", "--course", &course])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let review = report["exercises"][0]["needs_review"].as_array().unwrap();
    assert_eq!(review.len(), 2, "{review:?}");
    assert_eq!(review[0]["line"], 6);
}

/// A class of three: its JSON report, and the CSV summary beside it, where copies of the
/// reference solution pass, flagged for review (`pass*`).
#[test]
fn grade_a_class_in_one_build_with_a_csv_summary() {
    Test::new()
        .class(&[("ada", 2), ("bob", 1), ("cy", 0)])
        .current_dir("[TMP]/class")
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .args([
            "grade",
            "--course",
            "[COURSE]",
            "--class",
            ".",
            "--csv",
            "[TMP]/class/summary.csv",
        ])
        .file("[TMP]/class/summary.csv")
        .stderr_filter(progress_lines)
        .snapshot("grade_a_class_in_one_build_with_a_csv_summary");
}

#[test]
fn grade_junit_is_read_back_by_a_junit_consumer() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    let out = Run::from(
        command(&f.ws)
            .args([
                "grade",
                "--format",
                "junit",
                "--course",
                f.course.to_str().unwrap(),
            ])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    let xml = f.ws.parent().unwrap().join("report.xml");
    fs::write(&xml, &out.stdout).unwrap();
    // junitparser (PyPI), as CodeGrade-style consumers read JUnit; .ci/run installs it.
    let script = "import sys, junitparser\nxml = junitparser.JUnitXml.fromfile(sys.argv[1])\nfor suite in xml:\n    for case in suite:\n        state = 'pass' if case.is_passed else ('skip' if case.is_skipped else 'fail')\n        print(suite.name, case.name, state, round(case.time, 3) >= 0)\n";
    let read = Command::new("python3")
        .args(["-c", script])
        .arg(&xml)
        .output();
    let read = match read {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => panic!(
            "junitparser could not read the report (install it: python3 -m pip install junitparser): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("python3 is needed to read the JUnit report back: {e}"),
    };
    assert!(
        read.contains("first tests::answer_is_42 pass True"),
        "{read}"
    );
    assert!(
        read.contains("second tests::answer_is_42 fail True"),
        "{read}"
    );
    assert!(read.contains("printer printer fail True"), "{read}");
}

/// A workspace with one exercise of each kind of result: passed, failed with a long output,
/// not compiling, and a mutants exercise whose planted bugs go unnoticed.
fn every_kind_of_result() -> Fixture {
    // The learner's tests pass, but catch neither planted bug.
    let f = mutants_fixture(
        "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn small_cart() {\n        assert_eq!(shipping(10), 5);\n    }\n}\n",
    );
    f.solve("exercises/00_basics/first.rs");
    write(
        &f.ws.join("exercises/00_basics/second.rs"),
        &exercise("second", "println!(\"{}\", \"la \".repeat(700)); 1"),
    );
    write(
        &f.ws.join("exercises/01_more/printer.rs"),
        "fn main() {\n    println!(\"42\")\n    let\n}\n",
    );
    f
}

fn grade_in(f: &Fixture, extra: &[&str]) -> Run {
    Run::from(
        command(&f.ws)
            .args(["grade", "--course"])
            .arg(&f.course)
            .args(extra)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    )
}

#[test]
fn each_exercise_of_the_json_report_is_an_exercism_v3_results_json() {
    let f = every_kind_of_result();
    let out = grade_in(&f, &[]);
    out.expect(1, &[]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let exercises = report["exercises"].as_array().unwrap();
    assert_eq!(exercises.len(), 4);
    for ex in exercises {
        assert_exercism_v3(&ex["exercism"]);
    }
    let [first, second, printer, shipping] = &exercises[..] else {
        unreachable!()
    };
    assert_eq!(first["exercism"]["status"], "pass");
    // What the learner's code printed is cut at 500 characters, with Exercism's notice;
    // the report's own `tests` keeps all of it.
    let test = &second["exercism"]["tests"][0];
    assert_eq!(second["exercism"]["status"], "fail");
    let output = test["output"].as_str().unwrap();
    assert!(output.chars().count() <= 500, "{output}");
    assert!(output.starts_with("la la "), "{output}");
    assert!(
        output.ends_with("\nOutput was truncated. Please limit to 500 chars"),
        "{output}"
    );
    assert!(second["tests"][0]["output"].as_str().unwrap().len() > 2000);
    // No test ran: `error`, with the compiler's message.
    assert_eq!(printer["exercism"]["status"], "error");
    let message = printer["exercism"]["message"].as_str().unwrap();
    assert!(
        message.contains("exercises/01_more/printer.rs"),
        "{message}"
    );
    // Each planted bug is a test the learner's tests must pass.
    assert_eq!(shipping["exercism"]["status"], "fail");
    assert_eq!(
        shipping["exercism"]["tests"][0]["name"],
        "catches: a cart of exactly 50 is charged shipping"
    );
}

#[test]
fn the_junit_report_validates_against_jenkins_junit_10_xsd() {
    let f = every_kind_of_result();
    let out = grade_in(&f, &["--format", "junit"]);
    out.expect(1, &["<testsuite name=\"second\""]);
    assert_junit_10(&out.stdout);
    // A class, with a test skipped because a check it depends on failed.
    let class = f.ws.parent().unwrap().join("class");
    copy_course(&f.ws, &class.join("ada"));
    copy_course(&f.ws, &class.join("bob"));
    write(
        &class.join("bob/exercises/00_basics/second.rs"),
        &exercise("second", "panic!(\"skipped: answer() needs the server\")"),
    );
    let out = Run::from(
        command(&class)
            .args(["grade", "--format", "junit", "--class", ".", "--course"])
            .arg(&f.course)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(
        0,
        &[
            "<testsuite name=\"bob/second\"",
            "<skipped message=\"skipped:",
        ],
    );
    assert_junit_10(&out.stdout);
}

#[test]
fn the_gradescope_report_has_only_the_fields_of_gradescopes_spec() {
    let f = every_kind_of_result();
    let out = grade_in(&f, &["--format", "gradescope"]);
    out.expect(1, &[]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_gradescope(&report);
    assert_eq!(report["score"], 1.0);
    let statuses: Vec<&str> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "failed", "failed", "failed"]);
}

#[test]
fn a_class_folder_with_no_workspace_to_grade_is_a_student_in_every_report_and_exit_1() {
    let f = Fixture::new();
    let class = f.ws.parent().unwrap().join("class");
    copy_course(&f.ws, &class.join("ada"));
    // dee handed in an empty folder, eve her workspace one level too deep, fay a folder
    // without one; the class's own git folder is not a student.
    fs::create_dir_all(class.join("dee")).unwrap();
    copy_course(&f.ws, &class.join("eve/backendlings"));
    write(&class.join("fay/notes.txt"), "my answers\n");
    fs::create_dir_all(class.join(".git")).unwrap();
    let grade = |format: &str| {
        Run::from(
            command(&class)
                .args(["grade", "--class", ".", "--format", format, "--course"])
                .arg(&f.course)
                .arg("--csv")
                .arg(class.parent().unwrap().join("class.csv"))
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        )
    };
    let out = grade("json");
    out.expect(1, &[]).stderr_has(&[
        "warning: dee is not graded: it holds no workspace: the folder is empty (no submission found)",
        "warning: eve is not graded: its workspace is one level too deep, in eve/backendlings/",
        "warning: fay is not graded: it holds no workspace (no exercises/ folder)",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let students: Vec<(&str, &str)> = report["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["student"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        students,
        [
            ("ada", "graded"),
            ("dee", "not_graded"),
            ("eve", "not_graded"),
            ("fay", "not_graded")
        ]
    );
    let eve = &report["students"][2];
    assert_eq!(
        eve["reason"],
        "its workspace is one level too deep, in eve/backendlings/ (move its contents up into eve/)"
    );
    assert_eq!(
        (eve["passed"].as_u64(), eve["total"].as_u64()),
        (Some(0), Some(3))
    );
    let csv = fs::read_to_string(class.parent().unwrap().join("class.csv")).unwrap();
    assert_eq!(
        csv.lines().nth(2),
        Some(
            "dee,,,,0,3,not graded: it holds no workspace: the folder is empty (no submission found)"
        ),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // JUnit: a suite per student not graded, its one case in error, still valid for Jenkins.
    let out = grade("junit");
    out.expect(
        1,
        &["<testcase name=\"submission\" classname=\"eve\">\n            <error message=\"not graded: its workspace is one level too deep"],
    );
    assert_junit_10(&out.stdout);
}

#[test]
fn grade_where_there_is_no_workspace_says_so_and_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Run::from(command(tmp.path()).arg("grade").output().unwrap());
    out.expect(2, &[]).stderr_has(&[
        "there is no backendlings workspace here: neither ",
        " nor a folder above it has an info.toml, so there is nothing to grade",
        "fix: run `backendlings grade` in a learner's workspace",
        "`backendlings grade --class DIR`",
    ]);
    assert!(
        out.stderr.contains(&tmp.path().display().to_string()),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("reset"), "{}", out.stderr);
    assert_eq!(out.stdout, "", "no report for nothing");
}

#[test]
fn grade_without_course_in_a_workspace_of_another_course_names_course() {
    let f = Fixture::new();
    let out = Run::from(command(&f.ws).arg("grade").output().unwrap());
    out.expect(2, &[]).stderr_has(&[
        "this workspace was not made from the course built into backendlings: ",
        "ws/info.toml is another course's, as `backendlings init --course DIR` makes them",
        "fix: grade against its own course: `backendlings grade --course DIR`, with DIR the \
         course folder it was made from",
    ]);
    assert_eq!(out.stdout, "");
    // A class of such workspaces, likewise.
    let class = f.ws.parent().unwrap().join("class");
    copy_course(&f.ws, &class.join("ada"));
    let out = Run::from(
        command(&class)
            .args(["grade", "--class", "."])
            .output()
            .unwrap(),
    );
    out.expect(2, &[]).stderr_has(&[
        "no workspace in the class was made from the course built into backendlings",
        "with DIR the class's course folder",
    ]);
    // With its course, it is graded.
    grade_in(&f, &[]).expect(1, &["\"total\": 3"]);
}

#[test]
fn grade_without_course_in_a_workspace_of_the_bundled_course_grades_it() {
    let tmp = tempfile::tempdir().unwrap();
    Run::from(
        command(tmp.path())
            .args(["init", "ws", "--no-warm"])
            .output()
            .unwrap(),
    )
    .expect(0, &[]);
    let ws = tmp.path().join("ws");
    // The course is chosen before the build folder is checked: a build folder that grade
    // refuses shows that the course was accepted, without building 85 exercises.
    let build = tmp.path().join("build");
    write(&build.join("target/.cargo/config.toml"), "[build]\n");
    let out = Run::from(
        command(&ws)
            .args(["grade", "--build-dir"])
            .arg(&build)
            .output()
            .unwrap(),
    );
    out.expect(2, &[])
        .stderr_has(&["holds cargo configuration that no build of ours writes"]);
    assert!(!out.stderr.contains("--course"), "{}", out.stderr);
}

/// What a CI log shows of a class's grading (standard error, not a terminal), in the order it
/// comes: timings taken out, the check's 30 s line left out (it depends on the machine's
/// speed), and the students' lines, which come as their grading completes, in name order with
/// their count checked to rise one by one.
pub fn progress_lines(stderr: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut students: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.contains("students' tests run here without")
            || line.contains("still building after")
            || line.contains(" checked after ")
        {
            continue;
        }
        let counted = line
            .strip_prefix("backendlings: graded ")
            .and_then(|rest| rest.split_once(" of "))
            .filter(|(k, _)| k.parse::<usize>().is_ok());
        if let Some((k, rest)) = counted {
            assert_eq!(k, (students.len() + 1).to_string(), "{stderr}");
            students.push(format!("backendlings: graded [K] of {rest}"));
            continue;
        }
        let timeless = line
            .split(' ')
            .map(|w| {
                if w.parse::<u64>().is_ok() && line.contains(&format!("in {w} s")) {
                    "[N]"
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        lines.push(timeless);
    }
    students.sort();
    lines.extend(students);
    lines.join("\n")
}

#[test]
fn a_ci_log_shows_the_build_and_each_student_as_graded() {
    let f = Fixture::new();
    let class = class_of(&f, &[("ada", 2), ("bob", 1), ("cy", 0)]);
    // dee handed in nothing: named once, not counted among the students graded.
    fs::create_dir_all(class.join("dee")).unwrap();
    let out = Run::from(
        command(&class)
            .args(["grade", "--class", ".", "--course"])
            .arg(&f.course)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(1, &[]);
    // Standard output is the report alone.
    serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap();
    insta::assert_snapshot!(progress_lines(&out.stderr), @r"
    warning: dee is not graded: it holds no workspace: the folder is empty (no submission found)
    backendlings: grading 3 students: building 5 distinct exercise files
    backendlings: built in [N] s; running the tests
    backendlings: graded [K] of 3 students: ada, 2 of 3 exercises pass
    backendlings: graded [K] of 3 students: bob, 1 of 3 exercises passes
    backendlings: graded [K] of 3 students: cy, 0 of 3 exercises pass
    ");

    // One workspace is a class of one.
    let out = grade_in(&f, &["--output", "report.json"]);
    out.expect(1, &[]);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(progress_lines(&out.stderr), @r"
    backendlings: grading ws: building 3 exercise files
    backendlings: built in [N] s; running the tests
    backendlings: graded ws: 0 of 3 exercises pass
    ");
    fs::remove_file(f.ws.join("report.json")).unwrap();
}
