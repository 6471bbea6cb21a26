//! End-to-end: the words a learner reads, as snapshots (tests/cli/snapshots/). A change of
//! wording shows up as a diff to review: `cargo insta review`, or INSTA_UPDATE=always.

use super::support::*;
use std::fs;

/// The output with the fixture's temporary folder named `[TMP]`.
fn normalized(f: &Fixture, text: &str) -> String {
    let root = f.course.parent().unwrap().display().to_string();
    text.replace(&root, "[TMP]")
}

#[test]
fn a_failing_test() {
    let f = Fixture::new();
    let out = f.run(&["run", "first"]);
    insta::assert_snapshot!(normalized(&f, &out.stdout));
}

#[test]
fn a_compile_error() {
    let f = Fixture::new();
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", "\"forty-two\""),
    );
    let out = f.run(&["run", "first"]);
    insta::assert_snapshot!(normalized(&f, &out.stdout));
}

#[test]
fn changed_grading_tests() {
    let f = Fixture::new();
    let path = f.ws.join("exercises/00_basics/first.rs");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("answer(), 42", "answer(), 0");
    write(&path, &text);
    let out = f.run(&["run", "first"]);
    insta::assert_snapshot!(normalized(&f, &out.stdout));
}

#[test]
fn code_that_redefines_what_the_tests_use() {
    let f = Fixture::new();
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", "0").replace(
            "// TODO",
            "macro_rules! assert_eq { ($($t:tt)*) => {}; }\n// TODO",
        ),
    );
    let out = f.run(&["run", "first"]);
    insta::assert_snapshot!(normalized(&f, &out.stdout));
}

#[test]
fn bugs_the_learners_tests_miss() {
    let weak = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn big_carts_ship_free() {\n        assert_eq!(shipping(100), 0);\n    }\n}\n";
    let f = mutants_fixture(weak);
    let out = f.run(&["run", "shipping"]);
    insta::assert_snapshot!(normalized(&f, &out.stdout));
}

#[test]
fn hints() {
    let f = Fixture::new();
    f.run(&["hint", "first"]);
    let out = f.run(&["hint", "first"]);
    insta::assert_snapshot!(out.stdout);
}

#[test]
fn a_wrong_attempt_in_dev_check() {
    let f = Fixture::new();
    write(
        &f.course.join("wrong/00_basics/first/off_by_one.rs"),
        "// wrong: off by one\n// expect: answer() should be 42\nfn answer() -> u32 {\n    41\n}\n\nfn main() {\n    println!(\"{}\", answer());\n}\n",
    );
    let out = f.run_in(&f.course, &["dev", "check", "first", "--show-wrong"]);
    insta::assert_snapshot!(normalized(&f, &out.stdout));
}

/// Issue 18: "1 exercises … 1 wrong attempts". A count of one takes the singular, in the
/// verdicts, in check-all and in dev check.
#[test]
fn a_count_of_one_is_singular() {
    let single = |body: &str| {
        format!(
            "// TODO: return 1.\nfn one() -> u32 {{\n    {body}\n}}\n\nfn main() {{}}\n\n\
             // ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\n\
             mod tests {{\n    #[test]\n    fn is_one() {{\n        assert_eq!(super::one(), 1, \"one() should be 1\");\n    }}\n}}\n"
        )
    };
    let info = format!(
        "{INFO}\n[[exercises]]\nname = \"single\"\ndir = \"01_more\"\nhints = [\"Return 1.\"]\n"
    );
    let f = Fixture::with_files(
        &info,
        &[
            ("exercises/01_more/single.rs", single("0")),
            (
                "solutions/01_more/single.rs",
                single("1").replace("// TODO: return 1.", "// Returns 1."),
            ),
        ],
    );
    f.run(&["run", "single"])
        .expect(1, &["single failed: 1 of 1 test failed"]);
    f.solve("exercises/01_more/single.rs");
    f.run(&["run", "single"])
        .expect(0, &["single passed: 1 test passed"]);
    f.run(&["check-all"])
        .expect(1, &["1 of 4 exercises passes."]);
    let out = f.run_in(&f.course, &["dev", "check", "single"]);
    out.expect(
        0,
        &["✓ 1 exercise checked: it fails as shipped, its solution passes, there are no wrong attempts"],
    );
    assert!(!out.stdout.contains("1 exercises"), "{}", out.stdout);
}
