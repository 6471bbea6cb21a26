//! End-to-end: mutants mode: the learner writes the tests, graded against planted bugs.

use super::support::*;

#[test]
fn mutants_mode_names_the_bugs_the_learners_tests_miss() {
    let weak = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn big_carts_ship_free() {\n        assert_eq!(shipping(100), 0);\n    }\n}\n";
    let f = mutants_fixture(weak);
    let out = f.run(&["run", "shipping"]);
    out.expect(
        1,
        &[
            "shipping failed: 1 of 2 bugs went unnoticed",
            "- a cart of exactly 50 is charged shipping",
        ],
    );
    assert!(
        !out.stdout.contains("every cart is charged"),
        "a caught mutant is not listed:\n{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("total > 50"),
        "never show the mutant's code"
    );
    f.solve("exercises/02_testing/shipping.rs");
    f.run(&["run", "shipping"])
        .expect(0, &["✓ shipping passed: your tests caught all 2 bugs"]);
}

#[test]
fn mutants_mode_rejects_no_tests_and_wrong_tests() {
    let f = mutants_fixture("");
    f.run(&["run", "shipping"])
        .expect(1, &["There are no tests yet"]);
    let wrong = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn wrong() {\n        assert_eq!(shipping(50), 5, \"fifty pays\");\n    }\n}\n";
    write(
        &f.ws.join("exercises/02_testing/shipping.rs"),
        &format!("{SHIPPING}{wrong}"),
    );
    f.run(&["run", "shipping"]).expect(
        1,
        &[
            "your tests fail on the correct code",
            "fifty pays",
            "(at exercises/02_testing/shipping.rs:18:9)",
        ],
    );
    let broken = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn broken() {\n        let x: u32 = \"no\";\n    }\n}\n";
    write(
        &f.ws.join("exercises/02_testing/shipping.rs"),
        &format!("{SHIPPING}{broken}"),
    );
    f.run(&["run", "shipping"]).expect(
        1,
        &[
            "does not compile",
            "--> exercises/02_testing/shipping.rs:16:",
        ],
    );
}

#[test]
fn an_unchanged_file_is_not_rebuilt_but_grade_draws_new_tokens() {
    let weak = "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn big_carts_ship_free() {\n        assert_eq!(shipping(100), 0);\n    }\n}\n";
    let f = mutants_fixture(weak);
    // Shipping needs only std: it is built in the project of its own.
    let root = f.ws.join("target/backendlings-std/shipping.root.rs");
    f.run(&["run", "shipping"])
        .expect(1, &["1 of 2 bugs went unnoticed"]);
    let built = std::fs::metadata(&root).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&root).unwrap();
    assert!(
        text.contains("__backendlings_switch"),
        "kept in a learner's workspace"
    );
    // The same file checked again composes to the same text: cargo has nothing to rebuild.
    f.run(&["run", "shipping"])
        .expect(1, &["1 of 2 bugs went unnoticed"]);
    assert_eq!(std::fs::metadata(&root).unwrap().modified().unwrap(), built);
    assert_eq!(std::fs::read_to_string(&root).unwrap(), text);

    // Grading draws new tokens for each check and keeps them only in the built program.
    let build = f._tmp.path().join("grade-build");
    let course = f.course.to_str().unwrap();
    Run::from(
        command(&f.ws)
            .args([
                "grade",
                "--course",
                course,
                "--build-dir",
                build.to_str().unwrap(),
            ])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    )
    .expect(1, &["\"survivors\""]);
    let project = build.join("target/backendlings-std");
    let roots: Vec<_> = std::fs::read_dir(&project)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".root.rs"))
        .collect();
    assert_eq!(roots.len(), 1, "{roots:?}");
    assert_eq!(std::fs::read_to_string(&roots[0]).unwrap(), "");
}
