//! Wrong attempts stored as patches: `wrong/<dir>/<name>/<slug>.patch` is the attempt's header
//! followed by a unified diff against the learner's part of the solution. Applies them for
//! `dev check`, and writes them from full files for `dev add-wrong` and `dev wrong-to-patch`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::wrong;
use crate::Error;
use crate::check::judge::count;
use crate::course::info::is_identifier;
use crate::course::{Course, Exercise, tests_section};
use crate::workspace::slash_path;

/// Why a patch gives no attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchError {
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
pub fn base(ex: &Exercise, solution: &str) -> String {
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
pub fn apply(base: &str, diff: &str) -> Result<String, PatchError> {
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
pub fn diff(base: &str, code: &str, base_name: &str, code_name: &str) -> String {
    let patch = diffy::DiffOptions::new()
        .set_original_filename(base_name.to_string())
        .set_modified_filename(code_name.to_string())
        .create_patch(base, code);
    diffy::PatchFormatter::new()
        .suppress_blank_empty(false)
        .fmt_patch(&patch)
        .to_string()
}

/// Turns a full-copy attempt (header, then code) into the text of its `.patch` file, which
/// `dev check` turns back into exactly `attempt`. A `test` attempt that carries the exercise's
/// grading tests is stored without them (they are appended again); one that changes them is
/// refused.
pub fn from_full_copy(
    ex: &Exercise,
    solution: &str,
    exercise_text: &str,
    attempt: &str,
    attempt_path: &Path,
) -> Result<String, String> {
    let (header, code) = super::wrong::split_header(attempt);
    if header.is_empty() {
        return Err(super::wrong::no_header());
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
    let base = base(ex, solution);
    let mut shown = attempt_path.to_path_buf();
    shown.set_extension("rs");
    let diff = diff(
        &base,
        &code,
        &slash_path(&ex.solution_path()),
        &slash_path(&shown),
    );
    // What is stored must give back the attempt, byte for byte.
    match apply(&base, &diff) {
        Ok(back) if back == code => Ok(format!("{header}{diff}")),
        _ => Err("could not be written as a patch that gives it back exactly".into()),
    }
}

/// `dev add-wrong <name> <file>`: stores a full-copy attempt of exercise `name` as
/// `wrong/<dir>/<name>/<slug>.patch` (the slug is the file's name unless given), replacing a
/// patch or full copy of that slug.
pub fn add_wrong(name: &str, file: &Path, slug: Option<&str>) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    let ex = course
        .find(name)
        .ok_or_else(|| format!("there is no exercise named {name:?} in info.toml"))?;
    let slug = match slug {
        Some(slug) => slug.to_string(),
        None => file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string(),
    };
    if !is_identifier(&slug) {
        return Err(Error::usage(
            format!("{slug:?} is not a valid slug for a wrong attempt"),
            "name the file `<slug>.rs` with only lowercase ASCII letters, digits and `_`, or \
             pass --slug",
        ));
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let stored = store(&root, ex, &slug, &text)
        .map_err(|message| format!("{}: {message}", file.display()))?;
    // A full copy of the same slug is what the patch replaces.
    let full_copy = root.join(wrong::folder(ex)).join(format!("{slug}.rs"));
    if full_copy.exists() {
        std::fs::remove_file(&full_copy)?;
        if std::path::absolute(file)? != full_copy {
            println!(
                "Removed {}: the patch replaces it.",
                slug_path(ex, &slug, "rs")
            );
        }
    }
    let lines = std::fs::read_to_string(root.join(&stored))?.lines().count();
    println!(
        "Wrote {} ({}); check it with `backendlings dev check {name}`.",
        slash_path(&stored),
        count(lines, "line", "lines")
    );
    Ok(ExitCode::SUCCESS)
}

/// `dev wrong-file <patch>`: prints a patch attempt as the full file it stands for (to edit
/// it and add it again), applied to the course's solution or to `solution`.
pub fn wrong_file(patch_file: &Path, solution: Option<&Path>) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    let ex = patch_file
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .and_then(|name| course.find(name))
        .ok_or_else(|| {
            format!(
                "{} is not in the folder of an exercise (wrong/<dir>/<name>/<slug>.patch)",
                patch_file.display()
            )
        })?;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let text = read(patch_file)?;
    let solution =
        read(&solution.map_or_else(|| root.join(ex.solution_path()), Path::to_path_buf))?;
    let full = wrong::full_file(&text, &base(ex, &solution), ex).map_err(|message| {
        format!(
            "{} {message}\n  to get the attempt back, apply it to the solution it was made \
             from: `git show <commit>:{} > /tmp/solution.rs` and --solution /tmp/solution.rs",
            patch_file.display(),
            slash_path(&ex.solution_path())
        )
    })?;
    print!("{full}");
    Ok(ExitCode::SUCCESS)
}

/// `dev wrong-to-patch [names]`: turns every full-copy attempt (`wrong/**/<slug>.rs`) of the
/// course, or of the named exercises, into a `.patch` that gives it back exactly.
pub fn wrong_to_patch(names: &[String]) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    for name in names {
        if course.find(name).is_none() {
            return Err(format!("there is no exercise named {name:?} in info.toml").into());
        }
    }
    let (mut converted, mut failed) = (0, 0);
    for ex in course
        .exercises
        .iter()
        .filter(|ex| names.is_empty() || names.contains(&ex.name))
    {
        let Ok(entries) = std::fs::read_dir(root.join(wrong::folder(ex))) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        for file in files {
            let slug = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let result = std::fs::read_to_string(&file)
                .map_err(|e| e.to_string())
                .and_then(|text| store(&root, ex, slug, &text));
            match result {
                Ok(_) => {
                    std::fs::remove_file(&file)?;
                    converted += 1;
                }
                Err(message) => {
                    println!("{}: {message}", slug_path(ex, slug, "rs"));
                    failed += 1;
                }
            }
        }
    }
    println!(
        "Converted {} to patches; {failed} left as {}.",
        count(converted, "wrong attempt", "wrong attempts"),
        if failed == 1 { "it was" } else { "they were" }
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes `attempt` as `wrong/<dir>/<name>/<slug>.patch`; returns that path, relative.
fn store(root: &Path, ex: &Exercise, slug: &str, attempt: &str) -> Result<PathBuf, String> {
    let read = |path: PathBuf| {
        std::fs::read_to_string(root.join(&path))
            .map_err(|e| format!("cannot read {}: {e}", slash_path(&path)))
    };
    let solution = read(ex.solution_path())?;
    let exercise_text = read(ex.path())?;
    let relative = wrong::folder(ex).join(format!("{slug}.patch"));
    let text = from_full_copy(ex, &solution, &exercise_text, attempt, &relative)?;
    let path = root.join(&relative);
    std::fs::create_dir_all(path.parent().unwrap_or(root))
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| format!("cannot write {}: {e}", slash_path(&relative)))?;
    Ok(relative)
}

fn slug_path(ex: &Exercise, slug: &str, extension: &str) -> String {
    slash_path(&wrong::folder(ex).join(format!("{slug}.{extension}")))
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
        let (header, diff) = crate::dev::wrong::split_header(&stored);
        assert_eq!(
            format!("{header}{}", apply(&base(&ex, SOLUTION), diff).unwrap()),
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
