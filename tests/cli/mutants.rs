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
