//! End-to-end: a pass means correct: code above the marker, mutants, interrupts, support modules.

use super::support::*;

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn code_above_the_marker_cannot_make_the_tests_pass() {
    let f = Fixture::new();
    let file = f.ws.join("exercises/00_basics/first.rs");
    let attacks = [
        // A macro that stands in for the assertions.
        (
            exercise("first", "0").replace(
                "// TODO",
                "macro_rules! assert_eq { ($($t:tt)*) => {}; }\n// TODO",
            ),
            "macro_rules! assert_eq",
            "redefines what the tests rely on",
        ),
        // Printing the harness's summary, then leaving before the tests report.
        (
            exercise(
                "first",
                "{ use std::io::Write as _; let _ = std::io::stdout().write_all(b\"test result: ok. 2 passed; 0 failed; 0 ignored\\n\"); std::process::exit(0) }",
            ),
            "fake summary",
            "first failed",
        ),
        // A comment left open swallows the tests; tests of its own come after.
        (
            exercise("first", "0").replace("\n// ---- grading", "\n/*\n// ---- grading")
                + "*/\n#[test]\nfn mine() {}\n",
            "open comment",
            "never closed",
        ),
        // An attribute that switches the tests off.
        (
            exercise("first", "0").replace("\n// ---- grading", "\n#[cfg(any())]\n// ---- grading"),
            "dangling cfg",
            "an attribute `#[…]` with no item after it",
        ),
        // A type of its own named like the prelude's.
        (
            exercise("first", "0").replace(
                "// TODO",
                "#[allow(dead_code)]\nenum Fake { Some(u32), None }\n// TODO",
            ),
            "prelude names",
            "`Some`",
        ),
    ];
    for (text, what, message) in attacks {
        write(&file, &text);
        let out = f.run(&["run", "first"]);
        assert_eq!(out.code, 1, "{what} passed:\n{}", out.stdout);
        assert!(out.stdout.contains(message), "{what}: {}", out.stdout);
    }
}

#[test]
fn a_mutants_test_cannot_tell_which_bug_is_planted() {
    // The environment looks the same in every run, the correct one included.
    let spy = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn no_mutant_is_set() {\n        assert_eq!(shipping(50), 0);\n        assert!(std::env::var(\"BACKENDLINGS_MUTANT\").is_err(), \"a mutant is planted\");\n    }\n}\n";
    let f = mutants_fixture(spy);
    let out = f.run(&["run", "shipping"]);
    out.expect(
        1,
        &["std::env (the environment and the program's arguments are out of this exercise's bounds)"],
    );
    // Nor is the switch the course's code uses callable from the tests.
    let call = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn caught() {\n        assert!(!mutant(1) && !mutant(2));\n    }\n}\n";
    let f = mutants_fixture(call);
    f.run(&["run", "shipping"])
        .expect(1, &["cannot find function `mutant`"]);
    // The switch it is compiled into, and the decoy token beside it, are out of bounds by
    // any spelling.
    let switch = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn caught() {\n        assert!(r#__backendlings_switch(__BACKENDLINGS_DECOY));\n    }\n}\n";
    let f = mutants_fixture(switch);
    f.run(&["run", "shipping"])
        .expect(1, &["`__backendlings_switch`", "`__BACKENDLINGS_DECOY`"]);
}

#[test]
fn interrupting_a_check_ends_every_process_it_started() {
    let f = fixture_allowing("[\"processes\"]");
    let ws = f.ws.display().to_string();
    // The test starts a child in a process group of its own, then never ends.
    let body = "{ use std::os::unix::process::CommandExt as _; let _ = std::process::Command::new(\"sleep\").arg(\"4242.5\").process_group(0).spawn(); loop { std::hint::spin_loop() } }";
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", body),
    );
    for signal in [libc_signal::TERM, libc_signal::INT, libc_signal::HUP] {
        let mut child = command(&f.ws)
            .args(["run", "first"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while processes_with("4242.5").is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the test never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success());
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            processes_with("4242.5"),
            Vec::<String>::new(),
            "after {signal}"
        );
        let left: Vec<String> = processes_with(&ws)
            .into_iter()
            .filter(|c| !c.contains("cargo"))
            .collect();
        assert_eq!(left, Vec::<String>::new(), "after {signal}");
    }
}

#[test]
fn support_modules_are_the_courses_and_cannot_be_edited_into_a_pass() {
    let support = "//! Checks shared by the course's tests.\n\n/// Fails unless `value` is 42.\npub fn expect_42(value: u32) {\n    assert_eq!(value, 42, \"the support module expected 42, got {value}\");\n}\n";
    let helped = |body: &str| {
        format!(
            "// TODO: return 42.\nfn answer() -> u32 {{\n    {body}\n}}\n\nfn main() {{}}\n\n// ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\n#[path = \"../../support/checks.rs\"]\nmod checks;\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn answer_is_42() {{\n        crate::checks::expect_42(super::answer());\n    }}\n}}\n"
        )
    };
    let info = format!(
        "{INFO}\n[[exercises]]\nname = \"helped\"\ndir = \"01_more\"\nhints = [\"Return 42.\"]\n"
    );
    let f = Fixture::with_files(
        &info,
        &[
            ("support/checks.rs", support.to_string()),
            ("exercises/01_more/helped.rs", helped("0")),
            (
                "solutions/01_more/helped.rs",
                helped("42").replace("// TODO: return 42.", "// Returns 42."),
            ),
        ],
    );
    // The workspace has a copy to read; the grader uses the course's.
    let copy = f.ws.join("support/checks.rs");
    assert_eq!(fs::read_to_string(&copy).unwrap(), support);
    write(&copy, "pub fn expect_42(_: u32) {}\n");
    f.run(&["run", "helped"])
        .expect(1, &["the support module expected 42, got 0"]);
    f.solve("exercises/01_more/helped.rs");
    f.run(&["run", "helped"]).expect(0, &["helped passed"]);
    // dev check proves the course with its support module, formatting included, and a wrong
    // attempt (composed one folder deeper) reaches the module too.
    write(
        &f.course.join("wrong/01_more/helped/off_by_one.rs"),
        "// wrong: off by one\n// expect: the support module expected 42, got 41\n// TODO: return 42.\nfn answer() -> u32 {\n    41\n}\n\nfn main() {}\n",
    );
    f.run_in(&f.course, &["dev", "check", "helped"])
        .expect(0, &["1 exercise checked", "the 1 wrong attempt fails"]);
}
