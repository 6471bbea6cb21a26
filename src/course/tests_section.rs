//! The grading tests at the bottom of a `test`-mode exercise: finding them, and telling
//! whether a learner changed them.

/// The marker line starts with this; from it to the end of the file, the text is the course's.
pub(crate) const MARKER_PREFIX: &str = "// ---- grading tests";

/// The grading section of an exercise file (from the marker line to the end), if it has one.
pub(crate) fn grading_section(source: &str) -> Option<&str> {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if line.trim_start().starts_with(MARKER_PREFIX) {
            return Some(&source[offset..]);
        }
        offset += line.len();
    }
    None
}

/// How a learner's file differs from the original in its grading section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tampering {
    /// The marker line is gone (and with it, maybe, the tests).
    MarkerRemoved,
    /// The tests differ; the first differing line of the original, 1-based within the file.
    Changed {
        original_line: usize,
        original: String,
    },
}

/// Compares the learner's grading section with the original's, ignoring white space
/// (so that rustfmt or an editor's trailing-space trimming is not called tampering).
/// Text added after the end of the tests (a note, a test of the learner's own) is fine:
/// it cannot change the tests above it.
pub(crate) fn find_tampering(original_file: &str, learner_file: &str) -> Option<Tampering> {
    let original = grading_section(original_file)?;
    let Some(learner) = grading_section(learner_file) else {
        return Some(Tampering::MarkerRemoved);
    };
    if squash(learner).starts_with(&squash(original)) {
        return None;
    }
    // Name the first original line that no longer stands in the learner's section.
    let first_line = original_file.len() - original.len();
    let line_offset = original_file[..first_line].matches('\n').count();
    let learner_lines: Vec<String> = learner.lines().map(squash).collect();
    let mut learner_iter = learner_lines.iter().filter(|l| !l.is_empty());
    for (i, line) in original.lines().enumerate() {
        let wanted = squash(line);
        if wanted.is_empty() {
            continue;
        }
        if learner_iter.next() != Some(&wanted) {
            return Some(Tampering::Changed {
                original_line: line_offset + i + 1,
                original: line.trim().to_string(),
            });
        }
    }
    // Unreachable in practice: every original line was found, so the learner's text starts
    // with the original's. Report the end of the tests rather than nothing.
    Some(Tampering::Changed {
        original_line: line_offset + original.lines().count(),
        original: original
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string(),
    })
}

/// The learner's part of a file: everything before the grading marker (all of it when there
/// is none).
pub(crate) fn learner_part(source: &str) -> &str {
    let section = grading_section(source).unwrap_or_default();
    &source[..source.len() - section.len()]
}

/// Text without its white space, so that reformatting does not count as a change.
pub(crate) fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "fn f() -> u8 { todo!() }\n\n// ---- grading tests: do not change ----\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn one() {\n        assert_eq!(super::f(), 1, \"f should return 1\");\n    }\n}\n";

    #[test]
    fn finds_the_section_from_the_marker() {
        let section = grading_section(ORIGINAL).unwrap();
        assert!(section.starts_with("// ---- grading tests"));
        assert_eq!(learner_part(ORIGINAL), "fn f() -> u8 { todo!() }\n\n");
        assert_eq!(learner_part("fn main() {}\n"), "fn main() {}\n");
        assert_eq!(grading_section("fn main() {}\n"), None);
    }

    #[test]
    fn changed_code_above_the_marker_is_fine() {
        let solved = ORIGINAL.replace("todo!()", "1");
        assert_eq!(find_tampering(ORIGINAL, &solved), None);
    }

    #[test]
    fn whitespace_changes_are_fine() {
        let reformatted = ORIGINAL.replace("    #[test]", "  #[test]  ");
        assert_eq!(find_tampering(ORIGINAL, &reformatted), None);
    }

    #[test]
    fn weakened_assertion_is_found_with_its_line() {
        let weakened = ORIGINAL.replace("super::f(), 1", "1, 1");
        assert_eq!(
            find_tampering(ORIGINAL, &weakened),
            Some(Tampering::Changed {
                original_line: 8,
                original: "assert_eq!(super::f(), 1, \"f should return 1\");".into()
            })
        );
    }

    #[test]
    fn removed_marker_is_found() {
        let cut = ORIGINAL.split("// ----").next().unwrap();
        assert_eq!(
            find_tampering(ORIGINAL, cut),
            Some(Tampering::MarkerRemoved)
        );
    }

    #[test]
    fn code_added_after_the_tests_is_fine() {
        let appended = format!("{ORIGINAL}// my notes\nmod more {{}}\n");
        assert_eq!(find_tampering(ORIGINAL, &appended), None);
    }

    #[test]
    fn a_removed_test_is_found() {
        let removed = ORIGINAL.replace("    #[test]\n    fn one() {\n        assert_eq!(super::f(), 1, \"f should return 1\");\n    }\n", "");
        assert!(matches!(
            find_tampering(ORIGINAL, &removed),
            Some(Tampering::Changed {
                original_line: 6,
                ..
            })
        ));
    }
}
