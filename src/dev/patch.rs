//! Wrong attempts stored as patches: a unified diff against the learner's part of the
//! solution (`base`), written as `diff -u` writes it and applied exactly, without fuzz. Only
//! the format: `wrong` reads and writes the attempts stored this way.

use crate::course::{Exercise, tests_section};

/// Why a patch gives no attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatchError {
    /// The text after the header is not a unified diff.
    NotADiff(String),
    /// A hunk's context or removed lines are not in the solution (any more).
    DoesNotApply {
        /// The hunk's number, from 1, when diffy names it.
        hunk: Option<usize>,
        /// Its header, `@@ -12,7 +12,7 @@`.
        header: String,
    },
}

impl std::fmt::Display for PatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatchError::NotADiff(error) => write!(f, "is not a unified diff ({error})"),
            PatchError::DoesNotApply {
                hunk: Some(n),
                header,
            } => write!(f, "hunk #{n} ({header}) does not apply"),
            PatchError::DoesNotApply { hunk: None, header } => {
                write!(f, "a hunk ({header}) does not apply")
            }
        }
    }
}

/// What a patch applies to, the same text a full-copy attempt replaces: for a `test` exercise,
/// the solution above the grading marker, ending in one newline (the grading tests are appended
/// to the attempt as to a full copy); otherwise the whole solution (a mutants attempt is the
/// learner's whole file).
pub(crate) fn base(ex: &Exercise, solution: &str) -> String {
    match tests_section::grading_section(solution) {
        Some(section) if crate::check::modes::of(ex.mode).course_tests() => {
            let learner = solution[..solution.len() - section.len()].trim_end();
            format!("{learner}\n")
        }
        _ => solution.to_string(),
    }
}

/// Applies `diff` to `base`: context and removed lines must match the base exactly (no fuzz);
/// a hunk may only have moved (lines added or removed above it), as with `patch` and `git apply`.
pub(crate) fn apply(base: &str, diff: &str) -> Result<String, PatchError> {
    // diffy skips text before `---`; here the diff must follow the header at once.
    if !diff.starts_with("--- ") {
        return Err(PatchError::NotADiff(
            "the line after the header must start with `--- `".into(),
        ));
    }
    let patch = diffy::Patch::from_str(diff).map_err(|e| PatchError::NotADiff(e.to_string()))?;
    diffy::apply(base, &patch).map_err(|error| {
        // diffy says which hunk in its message only: "error applying hunk #3".
        let hunk = error
            .to_string()
            .rsplit('#')
            .next()
            .and_then(|n| n.trim().parse::<usize>().ok())
            .filter(|n| (1..=patch.hunks().len()).contains(n));
        let header = hunk.map_or_else(String::new, |n| {
            let h = &patch.hunks()[n - 1];
            format!("@@ -{} +{} @@", h.old_range(), h.new_range())
        });
        PatchError::DoesNotApply { hunk, header }
    })
}

/// The unified diff (as `diff -u` writes it, three lines of context) that turns `base` into
/// `code`, naming the two files.
pub(crate) fn diff(base: &str, code: &str, base_name: &str, code_name: &str) -> String {
    let patch = diffy::DiffOptions::new()
        .set_original_filename(base_name.to_string())
        .set_modified_filename(code_name.to_string())
        .create_patch(base, code);
    diffy::PatchFormatter::new()
        .suppress_blank_empty(false)
        .fmt_patch(&patch)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Mode;

    fn exercise(mode: Mode) -> Exercise {
        Exercise::fixture("first", "00_basics", mode)
    }

    const SOLUTION: &str = "//! lesson\n\nfn answer() -> u32 {\n    42\n}\n\nfn main() {\n    println!(\"{}\", answer());\n}\n\n// ---- grading tests\n#[test]\nfn t() {}\n";
    const CODE: &str = "//! lesson\n\nfn answer() -> u32 {\n    42\n}\n\nfn main() {\n    println!(\"{}\", answer());\n}\n";

    #[test]
    fn the_base_of_a_test_exercise_is_the_solution_above_the_marker() {
        assert_eq!(base(&exercise(Mode::Test), SOLUTION), CODE);
        // A mutants attempt is the learner's whole file, so its base is the whole solution.
        assert_eq!(base(&exercise(Mode::Mutants), SOLUTION), SOLUTION);
    }

    #[test]
    fn a_diff_applies_back_to_the_attempt() {
        let wrong = CODE.replace("42", "41");
        let diff = diff(CODE, &wrong, "solutions/a.rs", "wrong/a/b.rs");
        assert!(
            diff.starts_with("--- solutions/a.rs\n+++ wrong/a/b.rs\n@@ -1,7 +1,7 @@\n"),
            "{diff}"
        );
        // Empty context lines are written as `diff -u` writes them: one space.
        assert!(diff.contains("\n \n"), "{diff}");
        assert_eq!(apply(CODE, &diff).unwrap(), wrong);
    }

    #[test]
    fn a_diff_written_by_diff_u_applies() {
        let diff = "--- solutions/00_basics/first.rs\t2024-05-01 10:00:00.000000000 +0200\n\
                    +++ wrong.rs\t2024-05-01 10:01:00.000000000 +0200\n\
                    @@ -3,3 +3,3 @@\n fn answer() -> u32 {\n-    42\n+    41\n }\n";
        assert_eq!(apply(CODE, diff).unwrap(), CODE.replace("42", "41"));
    }

    #[test]
    fn a_hunk_may_move_but_its_lines_must_match_exactly() {
        let diff = "--- a\n+++ b\n@@ -3,3 +3,3 @@\n fn answer() -> u32 {\n-    42\n+    41\n }\n";
        // Lines added above the hunk: it still applies, further down.
        let moved = format!("// a new first line\n{CODE}");
        assert_eq!(
            apply(&moved, diff).unwrap(),
            moved.replace("42", "41"),
            "a hunk moved by a line applies"
        );
        // A context line that changed, even only in its spaces: no fuzz.
        let changed = CODE.replace("fn answer() -> u32 {", "fn answer() -> u32  {");
        assert_eq!(
            apply(&changed, diff),
            Err(PatchError::DoesNotApply {
                hunk: Some(1),
                header: "@@ -3,3 +3,3 @@".into()
            })
        );
    }

    #[test]
    fn the_first_hunk_that_fails_is_named() {
        let wrong = CODE.replace("42", "41").replace("println", "print");
        // No context: one hunk per changed line, `@@ -4 +4 @@` and `@@ -8 +8 @@`.
        let two = diffy::DiffOptions::new()
            .set_context_len(0)
            .create_patch(CODE, &wrong)
            .to_string();
        let solution = CODE.replace("println!(\"{}\", answer())", "dbg!(answer())");
        assert_eq!(
            apply(&solution, &two),
            Err(PatchError::DoesNotApply {
                hunk: Some(2),
                header: "@@ -8 +8 @@".into()
            })
        );
        assert_eq!(apply(CODE, &two).unwrap(), wrong);
    }

    #[test]
    fn text_that_is_not_a_diff_is_refused() {
        for text in [
            "fn answer() {}\n",
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-x\n",
            "--- a\n+++ b\n@@ garbage @@\n",
            "\n--- a\n+++ b\n",
        ] {
            assert!(
                matches!(apply(CODE, text), Err(PatchError::NotADiff(_))),
                "{text:?}"
            );
        }
    }
}
