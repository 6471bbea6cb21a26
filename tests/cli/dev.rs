//! End-to-end: the instructor tools: dev new, add, check (wrong attempts included), the bundled course.

use super::support::*;

use std::fs;
use std::path::Path;

#[test]
fn dev_new_and_dev_add_make_a_course_that_dev_check_passes() {
    let tmp = tempfile::tempdir().unwrap();
    Run::from(
        command(tmp.path())
            .args(["dev", "new", "web-course"])
            .output()
            .unwrap(),
    )
    .expect(0, &["Created the course"]);
    let course = tmp.path().join("web-course");
    Run::from(
        command(&course)
            .args(["dev", "add", "01_http", "routing"])
            .output()
            .unwrap(),
    )
    .expect(0, &["Added routing"]);
    Run::from(command(&course).args(["dev", "check"]).output().unwrap())
        .expect(0, &["2 exercises checked"]);
    // The course folder works as a workspace too.
    Run::from(command(&course).args(["run"]).output().unwrap()).expect(1, &["example1 failed"]);
}

#[test]
fn dev_check_reports_every_kind_of_problem_at_once() {
    let f = Fixture::new();
    let c = &f.course;
    write(
        &c.join("exercises/00_basics/first.rs"),
        &exercise("first", "42"),
    );
    write(
        &c.join("solutions/00_basics/second.rs"),
        &solution("second", "41"),
    );
    write(&c.join("exercises/00_basics/stray.rs"), "fn main() {}\n");
    write(
        &c.join("exercises/01_more/printer.rs"),
        "// TODO: print 42.\nfn main() {   println!(\"41\"); }\n",
    );
    let solution = fs::read_to_string(c.join("solutions/01_more/printer.rs")).unwrap();
    write(
        &c.join("solutions/01_more/printer.rs"),
        &solution.replace("42", "4 2"),
    );
    let out = f.run_in(c, &["dev", "check"]);
    out.expect(
        1,
        &[
            "exercises/00_basics/stray.rs: is not listed in info.toml",
            "exercises/00_basics/first.rs: passes as shipped",
            "solutions/00_basics/second.rs: the solution does not pass: 2 of 2 tests failed",
            "exercises/01_more/printer.rs: is not formatted",
            "solutions/01_more/printer.rs: the solution does not pass",
            "5 problems in the course",
        ],
    );
}

#[test]
fn dev_check_proves_wrong_attempts_fail_with_the_message_they_expect() {
    let f = Fixture::new();
    let wrong = |slug: &str, text: &str| {
        write(
            &f.course.join(format!("wrong/00_basics/first/{slug}.rs")),
            text,
        );
    };
    let code = |body: &str| {
        format!(
            "fn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{\n    println!(\"{{}}\", answer());\n}}\n"
        )
    };
    // Caught, and the learner is told: no problem.
    wrong(
        "off_by_one",
        &format!(
            "// wrong: off by one\n// expect: answer() should be 42\n{}",
            code("41")
        ),
    );
    // Passes: the tests miss this mistake.
    wrong(
        "lucky",
        &format!("// wrong: right by luck\n{}", code("40 + 2")),
    );
    // Fails, but not with the words it promises.
    wrong(
        "silent",
        &format!(
            "// wrong: zero\n// expect: answer() should be positive\n{}",
            code("0")
        ),
    );
    // Proves nothing: it does not compile.
    wrong(
        "broken",
        &format!("// wrong: a type error\n{}", code("\"42\"")),
    );
    wrong("unnamed", &code("7"));
    let out = f.run_in(&f.course, &["dev", "check", "first", "--show-wrong"]);
    out.expect(
        1,
        &[
            "wrong/00_basics/first/off_by_one.rs (off by one)\n    failed: 2 of 2 tests failed",
            "wrong/00_basics/first/lucky.rs: passes, but it is wrong (right by luck): add a test that catches this mistake",
            "wrong/00_basics/first/silent.rs: fails, but the learner is not told [\"answer() should be positive\"]",
            "wrong/00_basics/first/broken.rs: does not compile",
            "wrong/00_basics/first/unnamed.rs: must start with a line `// wrong:",
            "4 problems in the course",
        ],
    );
    assert!(
        !out.stdout.contains("✗ wrong/00_basics/first/off_by_one.rs"),
        "{}",
        out.stdout
    );

    // A course can demand a number of wrong attempts per exercise.
    let info = fs::read_to_string(f.course.join("info.toml")).unwrap();
    write(
        &f.course.join("info.toml"),
        &info.replace(
            "format_version = 1",
            "format_version = 1\nmin_wrong_attempts = 6",
        ),
    );
    f.run_in(&f.course, &["dev", "check", "first"]).expect(
        1,
        &["wrong/00_basics/first: holds 4 wrong attempts; info.toml asks for at least 6"],
    );
}

#[test]
fn wrong_attempts_stored_as_patches_are_checked_as_their_full_files() {
    let f = Fixture::new();
    let c = &f.course;
    // Written as full files (the grading tests copied along), stored as patches.
    for (slug, what, body) in [
        (
            "off_by_one",
            "off by one\n// expect: answer() should be 42",
            "41",
        ),
        ("lucky", "right by luck", "40 + 2"),
    ] {
        write(
            &c.join(format!("{slug}.rs")),
            &format!("// wrong: {what}\n{}", exercise("first", body)),
        );
        f.run_in(c, &["dev", "add-wrong", "first", &format!("{slug}.rs")])
            .expect(0, &[&format!("Wrote wrong/00_basics/first/{slug}.patch")]);
    }
    let patch = fs::read_to_string(c.join("wrong/00_basics/first/off_by_one.patch")).unwrap();
    assert!(
        patch.starts_with(
            "// wrong: off by one\n// expect: answer() should be 42\n\
             --- solutions/00_basics/first.rs\n+++ wrong/00_basics/first/off_by_one.rs\n@@ "
        ),
        "{patch}"
    );
    assert!(patch.contains("\n-    42\n+    41\n"), "{patch}");
    assert!(!patch.contains("grading tests"), "{patch}");
    // The patch gives back the file it was made from, less the grading tests.
    let full = f.run_in(
        c,
        &[
            "dev",
            "wrong-file",
            "wrong/00_basics/first/off_by_one.patch",
        ],
    );
    let written = fs::read_to_string(c.join("off_by_one.rs")).unwrap();
    assert_eq!(
        format!("{}\n", full.stdout.trim_end()),
        written[..written.find("\n// ---- grading").unwrap()]
    );
    // Formatting is checked on the full file.
    write(
        &c.join("squashed.rs"),
        &format!(
            "// wrong: zero\n{}",
            exercise("first", "0").replace("fn main() {", "fn main()  {")
        ),
    );
    f.run_in(c, &["dev", "add-wrong", "first", "squashed.rs"])
        .expect(0, &[]);
    f.run_in(c, &["dev", "check", "first", "--show-wrong"]).expect(
        1,
        &[
            "wrong/00_basics/first/off_by_one.patch (off by one)\n    failed: 2 of 2 tests failed",
            "wrong/00_basics/first/lucky.patch: passes, but it is wrong (right by luck)",
            "wrong/00_basics/first/squashed.patch: gives an attempt that is not formatted",
            "2 problems in the course",
        ],
    );
    // The solution changes where a patch applies: the patch and its hunk are named.
    let solution = c.join("solutions/00_basics/first.rs");
    let text = fs::read_to_string(&solution).unwrap();
    write(&solution, &text.replace("    42\n", "    40 + 2\n"));
    f.run_in(c, &["dev", "check", "first"]).expect(
        1,
        &[
            "wrong/00_basics/first/off_by_one.patch: does not apply to \
             solutions/00_basics/first.rs: hunk #1 (@@ -",
            "(the solution changed). Regenerate the patch",
            "`backendlings dev add-wrong first <file>`",
        ],
    );
}

#[test]
fn dev_check_finds_changed_tests_in_a_solution() {
    let f = Fixture::new();
    let path = f.course.join("solutions/00_basics/first.rs");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("answer() % 2", "answer() % 1");
    write(&path, &text);
    f.run_in(&f.course, &["dev", "check", "first"]).expect(
        1,
        &[
            "solutions/00_basics/first.rs: the solution's grading tests differ",
            "1 problem in the course",
        ],
    );
}

/// The bundled course is proven on every test run: each exercise fails as shipped, each
/// solution passes with the same grading tests, hints exist, files are formatted.
#[test]
fn bundled_course_passes_dev_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Run::from(command(root).args(["dev", "check"]).output().unwrap());
    out.expect(0, &["exercises checked"]);
}

#[test]
fn dev_check_proves_mutants_exercises() {
    let f = mutants_fixture("");
    f.run_in(&f.course, &["dev", "check", "shipping"])
        .expect(0, &["1 exercise checked: it fails as shipped"]);
    write(
        &f.course.join("mutants/02_testing/shipping.rs"),
        &SHIPPING_MUTANTS.replace("mutant(2)", "false"),
    );
    f.run_in(&f.course, &["dev", "check", "shipping"]).expect(
        1,
        &[
            "never calls `mutant(2)`",
            "the solution does not pass: 1 of 2 bugs went unnoticed",
        ],
    );
}

#[test]
fn dev_check_names_missing_hints_and_missing_solutions() {
    let f = Fixture::new();
    let no_hints = INFO.replace("hints = [\"Same as first.\"]\n", "");
    write(&f.course.join("info.toml"), &no_hints);
    f.run_in(&f.course, &["dev", "check"])
        .expect(2, &[])
        .stderr_has(&[
            "info.toml:10:1: exercises[1].hints: the exercise has no hints",
            "fix: add `hints = [",
        ]);
    write(&f.course.join("info.toml"), INFO);
    fs::remove_file(f.course.join("solutions/00_basics/second.rs")).unwrap();
    f.run_in(&f.course, &["dev", "check"])
        .expect(2, &[])
        .stderr_has(&["info.toml:11:8: exercise \"second\": the solution file solutions/00_basics/second.rs does not exist"]);
}

/// `dev new NAME` in `dir`.
fn dev_new(dir: &Path, name: &str) {
    Run::from(command(dir).args(["dev", "new", name]).output().unwrap())
        .expect(0, &["Created the course"]);
}

#[test]
fn a_new_course_readme_tells_learners_to_make_a_workspace() {
    let tmp = tempfile::tempdir().unwrap();
    dev_new(tmp.path(), "c");
    let readme = fs::read_to_string(tmp.path().join("c/README.md")).unwrap();
    assert!(readme.contains("backendlings init --course"), "{readme}");
    assert!(!readme.contains("clone this folder"), "{readme}");
}

/// Issue 18: `dev check` passed when `dev update` was forgotten, so `course.lock` pinned
/// nothing. A local crate stands in for a registry dependency (no network in tests).
#[test]
fn dev_check_finds_what_dev_update_would_regenerate() {
    let tmp = tempfile::tempdir().unwrap();
    dev_new(tmp.path(), "c");
    let course = tmp.path().join("c");
    let helper = tmp.path().join("helper");
    write(
        &helper.join("Cargo.toml"),
        "[package]\nname = \"helper\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(&helper.join("src/lib.rs"), "pub const ANSWER: u32 = 42;\n");
    let info = fs::read_to_string(course.join("info.toml")).unwrap();
    let with_helper = info.replace(
        "[dependencies]\n",
        &format!(
            "[dependencies]\nhelper = {{ path = {:?} }}\n",
            helper.display().to_string()
        ),
    );
    write(&course.join("info.toml"), &with_helper);
    let dev_check = || Run::from(command(&course).args(["dev", "check"]).output().unwrap());
    dev_check().expect(
        1,
        &[
            "✗ Cargo.toml: is out of date with info.toml",
            "✗ course.lock: does not match info.toml's [dependencies] (info.toml adds helper): \
             cargo would have to change it to build the course, so it pins nothing; run \
             `backendlings dev update`",
            "2 problems in the course.",
        ],
    );
    Run::from(command(&course).args(["dev", "update"]).output().unwrap()).expect(0, &[]);
    assert!(
        fs::read_to_string(course.join("course.lock"))
            .unwrap()
            .contains("name = \"helper\"")
    );
    dev_check().expect(0, &["1 exercise checked"]);
    // A dependency removed from info.toml leaves the lock stale too.
    write(&course.join("info.toml"), &info);
    dev_check().expect(
        1,
        &["✗ course.lock: does not match info.toml's [dependencies] (info.toml no longer has helper)"],
    );
    // And a course with dependencies needs a lock at all.
    write(&course.join("info.toml"), &with_helper);
    Run::from(command(&course).args(["dev", "update"]).output().unwrap()).expect(0, &[]);
    fs::remove_file(course.join("course.lock")).unwrap();
    dev_check().expect(
        1,
        &["✗ course.lock: is missing, so the dependencies' versions are not pinned"],
    );
}

/// Issue 18: dev check accepted a solution whose text below the grading marker does not
/// compile, and learners read that file. Grading compiles a solution's code with the
/// exercise's tests, and a `mutants` file's tests with the course's implementation: what a
/// learner reads must be checked as they read it.
#[test]
fn dev_check_checks_solutions_as_the_learner_reads_them() {
    let f = mutants_fixture("");
    let c = &f.course;
    let solution = c.join("solutions/00_basics/first.rs");
    let text = fs::read_to_string(&solution).unwrap();
    // Notes after the tests, with an item left open: never compiled by grading.
    write(
        &solution,
        &format!("{text}\n// Learner notes: a second way.\nmod notes {{\n"),
    );
    // Code above a mutants solution's tests that does not compile.
    let shipping = c.join("solutions/02_testing/shipping.rs");
    let text = fs::read_to_string(&shipping).unwrap();
    write(
        &shipping,
        &text.replace("fn main() {}", "fn main() {\n    let _: u32 = \"0\";\n}"),
    );
    f.run_in(c, &["dev", "check", "first", "shipping"]).expect(
        1,
        &[
            "✗ solutions/00_basics/first.rs:28: differs here from the exercise's grading \
             section. Only the exercise's grading tests are compiled with a solution",
            "✗ solutions/02_testing/shipping.rs: does not compile as the learner reads and \
             builds it",
            "solutions/02_testing/shipping.rs:10:18",
            "2 problems in the course.",
        ],
    );
}

/// Issue 18: revealed solutions carried TODO comments (worded differently from the
/// exercise's). A learner reads a solution once the exercise passes: no TODO belongs there.
#[test]
fn dev_check_finds_todo_comments_left_in_solutions() {
    let f = Fixture::new();
    write(
        &f.course.join("solutions/00_basics/first.rs"),
        &exercise("first", "42").replace("    42\n", "    42 // TODO: a constant?\n"),
    );
    f.run_in(&f.course, &["dev", "check", "first"]).expect(
        1,
        &[
            "✗ solutions/00_basics/first.rs:4: has 2 TODO comments (lines 4, 6): the learner \
             reads a solution once the exercise passes, when nothing is left to do; say what \
             the code does instead, or delete it",
            "1 problem in the course.",
        ],
    );
}

/// Issue 18: docs/COURSE_FORMAT.md's example wrote `optimize_dependencies` below
/// `[dependencies]`, where TOML reads it as a dependency (cargo then failed on every build
/// with "invalid type: sequence"). The example loads as written, and the mistake is named.
#[test]
fn the_course_format_example_loads_and_a_key_below_dependencies_is_named() {
    let doc = include_str!("../../docs/COURSE_FORMAT.md");
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    assert!(example.contains("optimize_dependencies"), "{example}");
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("exercises/00_intro/intro1.rs"),
        &exercise("intro1", "0"),
    );
    write(&tmp.path().join("info.toml"), example);
    Run::from(command(tmp.path()).arg("list").output().unwrap()).expect(0, &["intro1"]);
    // The mistake the example made.
    let line = "optimize_dependencies = [\"argon2\", \"blake2\"]\n";
    let mistaken = example.replacen(line, "", 1).replacen(
        "serde_json = \"1\"\n",
        &format!("serde_json = \"1\"\n{line}"),
        1,
    );
    write(&tmp.path().join("info.toml"), &mistaken);
    let at = mistaken[..mistaken.find(line).unwrap()].lines().count() + 1;
    Run::from(command(tmp.path()).arg("list").output().unwrap())
        .expect(2, &[])
        .stderr_has(&[
            &format!(
                "info.toml:{at}:1: dependencies.optimize_dependencies: `optimize_dependencies` \
                 stands below `[dependencies]`, so TOML reads it as a dependency"
            ),
            "fix: move the line above `[dependencies]`",
        ]);
}
