//! Wrong attempts: files a course ships next to an exercise (`wrong/<dir>/<name>/<slug>.rs`, a
//! full copy, or `<slug>.patch`, a diff against the solution), each a plausible mistake a learner
//! makes. `dev check` proves that every one of them fails, and that the learner would be told
//! what is wrong.

use std::path::{Path, PathBuf};

use super::patch::{self, PatchError};
use crate::course::{Exercise, tests_section};
use crate::workspace::slash_path;

/// A line of the header that names the mistake: `// wrong: exactly 50.00 pays shipping`.
pub(crate) const WHAT_PREFIX: &str = "// wrong:";
/// A header line naming text the learner's failure message must contain: `// expect: 404`.
const EXPECT_PREFIX: &str = "// expect:";

/// One wrong attempt, read from the course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WrongAttempt {
    /// `wrong/<dir>/<name>/<slug>.rs` or `.patch`, relative to the course root.
    pub(crate) path: PathBuf,
    /// The slug, unique within the exercise: `[a-z0-9_]+`.
    pub(crate) slug: String,
    /// What is wrong, from the `// wrong:` line.
    pub(crate) what: String,
    /// Texts the failure message must contain, from the `// expect:` lines.
    pub(crate) expect: Vec<String>,
    /// The attempt as a full file: the `.rs` file, or the `.patch` file's header followed by
    /// the solution with the patch applied.
    pub(crate) file: String,
    /// The file as the learner would have it (the grading tests appended where they were left out).
    pub(crate) source: String,
}

impl WrongAttempt {
    /// Whether the attempt is stored as a patch against the solution.
    pub(crate) fn is_patch(&self) -> bool {
        self.path.extension().is_some_and(|e| e == "patch")
    }

    /// `wrong/<dir>/<name>/<slug>.rs`: the attempt as a full file, where compiler messages
    /// place it (for a patch, a file that exists only in the build folder).
    pub(crate) fn full_path(&self) -> PathBuf {
        self.path.with_extension("rs")
    }
}

/// `wrong/<dir>/<name>/`, relative to the course root.
pub(crate) fn folder(ex: &Exercise) -> PathBuf {
    Path::new("wrong").join(&ex.dir).join(&ex.name)
}

/// Reads an exercise's wrong attempts, sorted by file name. A file that is not a well-formed
/// wrong attempt is returned as a problem (its path and what to fix).
pub(crate) fn read(
    root: &Path,
    ex: &Exercise,
    exercise_text: &str,
) -> (Vec<WrongAttempt>, Vec<(String, String)>) {
    let mut attempts = Vec::new();
    let mut problems = Vec::new();
    let dir = root.join(folder(ex));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (attempts, problems);
    };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    // Read once, when the first patch needs it.
    let mut base: Option<String> = None;
    let mut slugs = std::collections::BTreeSet::new();
    for file in files {
        let relative = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        let place = slash_path(&relative);
        let is_patch = file.extension().is_some_and(|e| e == "patch");
        if !is_patch && file.extension().is_none_or(|e| e != "rs") {
            problems.push((
                place,
                "is neither a `.rs` file nor a `.patch` file; wrong attempts are one of them"
                    .into(),
            ));
            continue;
        }
        let slug = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if slug.is_empty()
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            problems.push((
                place,
                "has a name that is not `[a-z0-9_]+.rs` or `[a-z0-9_]+.patch`; rename it".into(),
            ));
            continue;
        }
        if !slugs.insert(slug.clone()) {
            problems.push((
                place,
                format!("has the name of another attempt ({slug}.rs and {slug}.patch); keep one"),
            ));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            problems.push((place, "cannot be read as UTF-8 text".into()));
            continue;
        };
        let text = if is_patch {
            let base = base.get_or_insert_with(|| {
                let solution =
                    std::fs::read_to_string(root.join(ex.solution_path())).unwrap_or_default();
                patch::base(ex, &solution)
            });
            match full_file(&text, base, ex) {
                Ok(full) => full,
                Err(message) => {
                    problems.push((place, message));
                    continue;
                }
            }
        } else {
            text
        };
        match parse(&text, ex, exercise_text) {
            Ok((what, expect, source)) => attempts.push(WrongAttempt {
                path: relative,
                slug,
                what,
                expect,
                file: text,
                source,
            }),
            Err(message) => problems.push((place, message)),
        }
    }
    (attempts, problems)
}

/// Splits an attempt into its header (the `// wrong:` line and the `// expect:` lines after
/// it, as written) and the rest. The header is empty when the first line is not `// wrong:`.
pub(crate) fn split_header(text: &str) -> (&str, &str) {
    let mut end = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let prefix = if i == 0 { WHAT_PREFIX } else { EXPECT_PREFIX };
        if !line.starts_with(prefix) {
            break;
        }
        end += line.len();
    }
    text.split_at(end)
}

/// The full file a patch attempt stands for: its header, then the solution with the patch
/// applied. A patch that does not apply is a problem that says which hunk and what to do.
pub(crate) fn full_file(text: &str, base: &str, ex: &Exercise) -> Result<String, String> {
    let (header, diff) = split_header(text);
    if header.is_empty() {
        return Err(no_header());
    }
    let solution = slash_path(&ex.solution_path());
    match patch::apply(base, diff) {
        Ok(code) => Ok(format!("{header}{code}")),
        Err(error @ PatchError::NotADiff(_)) => Err(format!(
            "{error}; after the header comes a unified diff against {solution}: write the \
             attempt as a full file and run `backendlings dev add-wrong {} <file>`",
            ex.name
        )),
        Err(error @ PatchError::DoesNotApply { .. }) => Err(format!(
            "does not apply to {solution}: {error} (the solution changed). Regenerate the \
             patch: rebuild the attempt as a full file and run `backendlings dev add-wrong {} \
             <file>` (see \"Wrong attempts stored as patches\" in docs/COURSE_FORMAT.md)",
            ex.name
        )),
    }
}

/// Turns a full-copy attempt (header, then code) into the text of its `.patch` file, which
/// `dev check` turns back into exactly `attempt`. A `test` attempt that carries the exercise's
/// grading tests is stored without them (they are appended again); one that changes them is
/// refused.
pub(crate) fn from_full_copy(
    ex: &Exercise,
    solution: &str,
    exercise_text: &str,
    attempt: &str,
    attempt_path: &Path,
) -> Result<String, String> {
    let (header, code) = split_header(attempt);
    if header.is_empty() {
        return Err(no_header());
    }
    let mut code = code.to_string();
    if crate::check::modes::of(ex.mode).course_tests()
        && let Some(section) = tests_section::grading_section(&code)
    {
        if Some(section) != tests_section::grading_section(exercise_text) {
            return Err(
                "changes the grading tests; leave the marker and the tests out, they are \
                 appended for you"
                    .into(),
            );
        }
        let above = code[..code.len() - section.len()].trim_end();
        // Stored without the tests only when appending them gives back the same file.
        if format!("{above}\n\n{section}") == code {
            code = format!("{above}\n");
        }
    }
    let base = patch::base(ex, solution);
    let mut shown = attempt_path.to_path_buf();
    shown.set_extension("rs");
    let diff = patch::diff(
        &base,
        &code,
        &slash_path(&ex.solution_path()),
        &slash_path(&shown),
    );
    // What is stored must give back the attempt, byte for byte.
    match patch::apply(&base, &diff) {
        Ok(back) if back == code => Ok(format!("{header}{diff}")),
        _ => Err("could not be written as a patch that gives it back exactly".into()),
    }
}

/// Reads the header (`// wrong:` first, then any `// expect:` lines) and composes the file the
/// learner would have: a test-mode attempt without the grading marker gets the exercise's
/// grading tests appended, so that authors write only the code that is wrong.
fn parse(
    text: &str,
    ex: &Exercise,
    exercise_text: &str,
) -> Result<(String, Vec<String>, String), String> {
    let mut lines = text.lines();
    let what = lines
        .next()
        .and_then(|l| l.strip_prefix(WHAT_PREFIX))
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .ok_or_else(no_header)?;
    let expect: Vec<String> = lines
        .map_while(|l| l.strip_prefix(EXPECT_PREFIX))
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    let mut source = text.to_string();
    if crate::check::modes::of(ex.mode).course_tests()
        && tests_section::grading_section(text).is_none()
    {
        let Some(section) = tests_section::grading_section(exercise_text) else {
            return Err("its exercise has no grading tests to append".into());
        };
        if !source.ends_with('\n') {
            source.push('\n');
        }
        source.push('\n');
        source.push_str(section);
    }
    Ok((what, expect, source))
}

pub(crate) fn no_header() -> String {
    format!(
        "must start with a line `{WHAT_PREFIX} <the mistake, in a few words>` so that readers \
         know what it proves"
    )
}

/// Bin name of a wrong attempt in the dev build project.
pub(crate) fn bin(ex: &Exercise, attempt: &WrongAttempt) -> String {
    format!("{}-wrong-{}", ex.name, attempt.slug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Mode;

    fn exercise(mode: Mode) -> Exercise {
        Exercise::fixture("first", "00_basics", mode)
    }

    const EXERCISE: &str =
        "fn answer() -> u32 { 0 }\n\n// ---- grading tests\n#[test]\nfn t() {}\n";
    const SOLUTION: &str = "//! lesson\n\nfn answer() -> u32 {\n    42\n}\n\nfn main() {\n    println!(\"{}\", answer());\n}\n\n// ---- grading tests\n#[test]\nfn t() {}\n";
    const CODE: &str = "//! lesson\n\nfn answer() -> u32 {\n    42\n}\n\nfn main() {\n    println!(\"{}\", answer());\n}\n";

    #[test]
    fn the_grading_tests_are_appended_when_left_out() {
        let text =
            "// wrong: off by one\n// expect: 42\n// expect: even\nfn answer() -> u32 { 41 }\n";
        let (what, expect, source) = parse(text, &exercise(Mode::Test), EXERCISE).unwrap();
        assert_eq!(what, "off by one");
        assert_eq!(expect, ["42", "even"]);
        assert_eq!(
            source,
            format!("{text}\n// ---- grading tests\n#[test]\nfn t() {{}}\n")
        );
    }

    #[test]
    fn a_file_with_its_own_grading_section_is_kept_as_it_is() {
        let text = "// wrong: tests changed\nfn answer() -> u32 { 41 }\n// ---- grading tests\n";
        let (_, expect, source) = parse(text, &exercise(Mode::Test), EXERCISE).unwrap();
        assert!(expect.is_empty());
        assert_eq!(source, text);
        // Mutants attempts are the learner's whole file: nothing is appended.
        let weak = "// wrong: only counts\nfn f() {}\n// ---- your tests\n";
        let (_, _, source) = parse(weak, &exercise(Mode::Mutants), EXERCISE).unwrap();
        assert_eq!(source, weak);
    }

    #[test]
    fn the_mistake_must_be_named_first() {
        for text in [
            "fn answer() {}\n",
            "// wrong:   \n",
            "// expect: 4\n// wrong: x\n",
        ] {
            let error = parse(text, &exercise(Mode::Test), EXERCISE).unwrap_err();
            assert!(error.contains("// wrong:"), "{error}");
        }
    }

    #[test]
    fn a_full_copy_becomes_a_patch_that_gives_it_back() {
        let ex = exercise(Mode::Test);
        let attempt = format!(
            "// wrong: off by one\n// expect: 42\n{}",
            CODE.replace("42", "41")
        );
        let path = Path::new("wrong/00_basics/first/off_by_one.patch");
        let stored = from_full_copy(&ex, SOLUTION, SOLUTION, &attempt, path).unwrap();
        assert!(
            stored.starts_with(
                "// wrong: off by one\n// expect: 42\n--- solutions/00_basics/first.rs\n\
                 +++ wrong/00_basics/first/off_by_one.rs\n@@ "
            ),
            "{stored}"
        );
        let (header, diff) = split_header(&stored);
        assert_eq!(
            format!(
                "{header}{}",
                patch::apply(&patch::base(&ex, SOLUTION), diff).unwrap()
            ),
            attempt
        );
        // The same attempt with the grading tests copied in is stored the same way.
        let with_tests = format!("{attempt}\n// ---- grading tests\n#[test]\nfn t() {{}}\n");
        assert_eq!(
            from_full_copy(&ex, SOLUTION, SOLUTION, &with_tests, path).unwrap(),
            stored
        );
        // Changed tests or a missing header are refused.
        let changed = with_tests.replace("fn t()", "fn u()");
        let error = from_full_copy(&ex, SOLUTION, SOLUTION, &changed, path).unwrap_err();
        assert!(error.contains("grading tests"), "{error}");
        let error = from_full_copy(&ex, SOLUTION, SOLUTION, CODE, path).unwrap_err();
        assert!(error.contains("// wrong:"), "{error}");
    }

    #[test]
    fn a_file_without_a_final_newline_survives() {
        let ex = exercise(Mode::Mutants);
        let attempt = "// wrong: x\nfn main() {}";
        let path = Path::new("wrong/00_basics/first/x.patch");
        let stored = from_full_copy(&ex, SOLUTION, SOLUTION, attempt, path).unwrap();
        assert!(stored.contains("\\ No newline at end of file"), "{stored}");
    }
}
