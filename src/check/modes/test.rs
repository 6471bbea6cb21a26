//! `test` mode: the learner's code above the marker, followed by the course's own grading
//! tests, with their standard macros pinned to the standard library's. Nothing the learner
//! writes below the marker is compiled.

use std::path::{Path, PathBuf};

use super::super::{Target, Verdict, judge_tests, rules, source};
use super::{Composed, GradingMode, Rejection};
use crate::course::tests_section;

pub(crate) struct Test;

impl GradingMode for Test {
    fn compose(
        &self,
        target: &Target<'_>,
        snapshot: &str,
        composed: &mut Composed,
    ) -> Result<Vec<(PathBuf, String)>, Rejection> {
        let original = target.original.as_deref().unwrap_or(snapshot);
        let (text, tests) = graded_test_source(original, snapshot)?;
        composed.tests = tests;
        let learner = tests_section::learner_part(snapshot);
        let ours = tests_section::learner_part(original);
        match rules::check(learner, ours, &target.exercise.allow) {
            Ok(mut findings) => {
                let tests = tests_section::grading_section(original).unwrap_or_default();
                findings.extend(super::super::names::shadowed(learner, ours, tests));
                if !findings.is_empty() {
                    findings.sort();
                    return Err(Rejection::Rules { findings });
                }
            }
            Err(unreadable) => composed.unreadable = Some(unreadable.line),
        }
        Ok(vec![(target.shown_as.clone(), text)])
    }

    fn grade(
        &self,
        executable: &Path,
        build_dir: &Path,
        target: &Target<'_>,
        composed: &Composed,
    ) -> Verdict {
        judge_tests(executable, build_dir, target, &composed.tests)
    }

    fn course_tests(&self) -> bool {
        true
    }
}

/// For `test` mode: the learner's code above the marker, then the course's grading tests with
/// their macros pinned to the standard library's; and the tests by name and line.
fn graded_test_source(
    original: &str,
    snapshot: &str,
) -> Result<(String, Vec<(String, usize)>), Rejection> {
    let Some(section) = tests_section::grading_section(original) else {
        // An exercise without grading tests: build it as it is.
        return Ok((snapshot.to_string(), Vec::new()));
    };
    match tests_section::find_tampering(original, snapshot) {
        Some(tests_section::Tampering::MarkerRemoved) => return Err(Rejection::MarkerRemoved),
        Some(tests_section::Tampering::Changed {
            original_line,
            original,
        }) => {
            return Err(Rejection::TestsChanged {
                line: original_line,
                original,
            });
        }
        None => {}
    }
    let learner = tests_section::learner_part(snapshot);
    source::ends_cleanly(learner).map_err(|u| Rejection::Unclosed {
        what: u.what.to_string(),
        line: u.line,
    })?;
    let allowed: Vec<String> = source::redefinitions(tests_section::learner_part(original), &[])
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let redefined = source::redefinitions(learner, &allowed);
    if !redefined.is_empty() {
        return Err(Rejection::Redefines { found: redefined });
    }
    let offset = learner.matches('\n').count();
    let tests = source::test_names(section)
        .into_iter()
        .map(|(name, line)| (name, line + offset))
        .collect();
    Ok((
        format!("{learner}{}", source::pin_std_macros(section)),
        tests,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "fn answer() -> u32 {\n    0\n}\n\n// ---- grading tests\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn is_42() {\n        assert_eq!(answer(), 42);\n    }\n}\n";

    #[test]
    fn the_course_tests_follow_the_learner_code_with_lines_kept() {
        let learner = ORIGINAL.replace("    0\n", "    // done\n    42\n")
            + "\n// my notes\n#[test]\nfn extra() {}\n";
        let (text, tests) = graded_test_source(ORIGINAL, &learner).unwrap();
        assert!(text.starts_with("fn answer() -> u32 {\n    // done\n    42\n}\n"));
        assert!(text.contains("::std::assert_eq!(answer(), 42);"));
        // What the learner added after the tests is not compiled.
        assert!(!text.contains("fn extra"));
        assert_eq!(tests, [("tests::is_42".to_string(), 11)]);
        assert_eq!(text.lines().nth(10).unwrap().trim(), "fn is_42() {");
    }

    #[test]
    fn code_that_reaches_into_the_tests_is_rejected() {
        let shadow = format!("macro_rules! assert_eq {{ ($($t:tt)*) => {{}}; }}\n{ORIGINAL}");
        assert_eq!(
            graded_test_source(ORIGINAL, &shadow).unwrap_err(),
            Rejection::Redefines {
                found: vec![(1, "assert_eq!".into())]
            }
        );
        let comment = ORIGINAL.replace("}\n\n// ---- grading", "}\n/*\n// ---- grading");
        assert!(matches!(
            graded_test_source(ORIGINAL, &comment),
            Err(Rejection::Unclosed { line: 4, .. }) | Err(Rejection::TestsChanged { .. })
        ));
        let cfg = ORIGINAL.replace("}\n\n// ---- grading", "}\n#[cfg(any())]\n// ---- grading");
        assert_eq!(
            graded_test_source(ORIGINAL, &cfg).unwrap_err(),
            Rejection::Unclosed {
                what: "an attribute `#[…]` with no item after it".into(),
                line: 4
            }
        );
    }
}
