//! Composes what is built from one snapshot of each learner file, in a build project of its
//! own (the graded project): the learner's code above the marker followed by the course's
//! own grading tests, the learner's program as it is, or the course's implementation with the
//! learner's tests. Nothing the learner writes below the marker is compiled in `test` mode.

use std::fs;
use std::path::{Path, PathBuf};

use super::Target;
use super::source;
use crate::course::{Mode, tests_section};

/// The marker line above the learner's own tests (mutants mode) starts with this.
pub const YOUR_TESTS_PREFIX: &str = "// ---- your tests";

/// The environment variable through which a run learns its mutant token.
pub const MUTANT_VAR: &str = "BACKENDLINGS_MUTANT";

/// Where graded sources are composed and built. Its target folder is the build project's, so
/// the dependencies are compiled once for both.
pub fn project_dir(build_dir: &Path) -> PathBuf {
    build_dir.join("target").join("backendlings-graded")
}

/// A target ready to build, or the reason it is not worth building.
pub enum Prepared {
    Ready(Composed),
    Rejected(Rejection),
}

/// A composed source: what to expect of its run.
pub struct Composed {
    /// The tests to run by full name, with their line in the learner's file: the grading
    /// tests (`test` mode) or the learner's own (`mutants` mode).
    pub tests: Vec<(String, usize)>,
    /// `mutants` mode: the token that switches each mutant on, in order, and a decoy token
    /// for the run against the correct code (every run sees a token).
    pub mutant_tokens: Vec<String>,
    pub decoy_token: String,
    /// The composed file (blanked after the build in mutants mode).
    pub path: PathBuf,
    /// The line where the rules' parser gave up: if the compiler accepts the file anyway,
    /// the grader cannot vouch for it.
    pub unreadable: Option<usize>,
}

/// Why a snapshot is not built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The grading marker is gone.
    MarkerRemoved,
    /// The grading tests differ from the course's, from this line (of the original file).
    TestsChanged { line: usize, original: String },
    /// Code above the marker does not end at an item boundary: something opened at `line`.
    Unclosed { what: &'static str, line: usize },
    /// Code above the marker redefines names the tests rely on: (line, name).
    Redefines(Vec<(usize, String)>),
    /// Mutants mode: the `// ---- your tests` marker is gone.
    NoTestsMarker,
    /// Mutants mode: no `#[test]` below the marker.
    NoTests,
    /// Code the exercise does not allow, or that would change what the tests mean (rules).
    Rules(Vec<super::rules::Finding>),
    /// The file is not UTF-8 text.
    NotText,
    /// The file could not be read (it is not there).
    Missing,
}

/// Composes `target` from `snapshot` into the graded project; returns what to expect, or
/// why it is not built. `bins` collects the `[[bin]]` entries of the project's manifest.
pub fn prepare(
    project: &Path,
    target: &Target<'_>,
    snapshot: &str,
    bins: &mut String,
) -> std::io::Result<Prepared> {
    let path = project.join(&target.shown_as);
    let mut composed = Composed {
        tests: Vec::new(),
        mutant_tokens: Vec::new(),
        decoy_token: String::new(),
        path: path.clone(),
        unreadable: None,
    };
    let text = match target.exercise.mode {
        Mode::Run => {
            let original = target.original.as_deref().unwrap_or(snapshot);
            match super::rules::check(snapshot, original, &target.exercise.allow) {
                Ok(findings) if findings.is_empty() => {}
                Ok(findings) => return Ok(Prepared::Rejected(Rejection::Rules(findings))),
                Err(unreadable) => composed.unreadable = Some(unreadable.line),
            }
            snapshot.to_string()
        }
        Mode::Test => {
            let original = target.original.as_deref().unwrap_or(snapshot);
            let text = match graded_test_source(original, snapshot) {
                Ok((text, tests)) => {
                    composed.tests = tests;
                    text
                }
                Err(rejection) => return Ok(Prepared::Rejected(rejection)),
            };
            match super::rules::check(
                tests_section::learner_part(snapshot),
                tests_section::learner_part(original),
                &target.exercise.allow,
            ) {
                Ok(findings) if findings.is_empty() => {}
                Ok(findings) => return Ok(Prepared::Rejected(Rejection::Rules(findings))),
                Err(unreadable) => composed.unreadable = Some(unreadable.line),
            }
            text
        }
        Mode::Mutants => {
            let Some(tests) = learner_tests(snapshot) else {
                return Ok(Prepared::Rejected(Rejection::NoTestsMarker));
            };
            // The names now, from this snapshot: the composed copy on disk may be another
            // check's by the time the tests run.
            composed.tests = source::test_names(&tests);
            if composed.tests.is_empty() {
                return Ok(Prepared::Rejected(Rejection::NoTests));
            }
            // The learner's tests get no capability: nothing in their reach tells which code
            // runs (the token that switches a mutant on is in the environment).
            let scaffold = target
                .original
                .as_deref()
                .and_then(learner_tests)
                .unwrap_or_default();
            // Nor may they name the switch or the decoy the runner compiles in beside them.
            let internals = super::rules::names_starting_with(&tests, "__backendlings");
            if !internals.is_empty() {
                return Ok(Prepared::Rejected(Rejection::Rules(internals)));
            }
            match super::rules::check(&tests, &scaffold, &[]) {
                Ok(findings) if findings.is_empty() => {}
                Ok(findings) => return Ok(Prepared::Rejected(Rejection::Rules(findings))),
                Err(unreadable) => composed.unreadable = Some(unreadable.line),
            }
            let implementation = target.mutants.as_deref().unwrap_or_default();
            let count = target.exercise.mutants.len();
            composed.mutant_tokens = (0..count).map(|_| random_token()).collect();
            composed.decoy_token = random_token();
            let implementation = switch_mutants(implementation, &composed.mutant_tokens);
            // The root holds the implementation and includes the learner's tests, which keep
            // their path and line numbers; it is blanked once built (see `Composed::path`).
            let root = project.join(format!("{}.root.rs", target.bin));
            let shown = crate::workspace::slash_path(&target.shown_as);
            write_if_changed(
                &root,
                &format!(
                    "{}\n{implementation}\ninclude!({shown:?});\n",
                    mutant_prelude(&composed.decoy_token)
                ),
            )?;
            write_if_changed(&path, &tests)?;
            composed.path = root.clone();
            bins.push_str(&bin_entry(&target.bin, &format!("{}.root.rs", target.bin)));
            return Ok(Prepared::Ready(composed));
        }
    };
    write_if_changed(&path, &text)?;
    bins.push_str(&bin_entry(
        &target.bin,
        &crate::workspace::slash_path(&target.shown_as),
    ));
    Ok(Prepared::Ready(composed))
}

fn bin_entry(name: &str, path: &str) -> String {
    format!(
        "\n[[bin]]\nname = {name:?}\npath = {path:?}\ntest = true\ndoctest = false\nbench = false\n"
    )
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
        what: u.what,
        line: u.line,
    })?;
    let allowed: Vec<String> = source::redefinitions(tests_section::learner_part(original), &[])
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let redefined = source::redefinitions(learner, &allowed);
    if !redefined.is_empty() {
        return Err(Rejection::Redefines(redefined));
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

/// The learner's tests (mutants mode): from the marker line to the end of their file, with the
/// lines above kept blank so that errors and panics point at the learner's own line numbers.
pub fn learner_tests(source: &str) -> Option<String> {
    let mut offset = 0;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with(YOUR_TESTS_PREFIX) {
            return Some("\n".repeat(index) + &source[offset..]);
        }
        offset += line.len();
    }
    None
}

/// Defines the switch the course's implementation calls. Every run, the one against the
/// correct code included, sees a random token; only the implementation knows which token
/// means which mutant, and the decoy is compiled in too, so nothing tells the runs apart.
fn mutant_prelude(decoy: &str) -> String {
    format!(
        "#[allow(dead_code)]\nfn __backendlings_switch(token: &str) -> bool {{\n    \
         std::env::var({MUTANT_VAR:?}).is_ok_and(|v| v == token)\n}}\n\
         #[used]\nstatic __BACKENDLINGS_DECOY: &str = {decoy:?};\n"
    )
}

/// Replaces each `mutant(k)` call with the switch for the k-th token.
fn switch_mutants(implementation: &str, tokens: &[String]) -> String {
    let mut out = String::with_capacity(implementation.len());
    let mut rest = implementation;
    while let Some(at) = rest.find("mutant(") {
        let is_call = !rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let after = &rest[at + "mutant(".len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let closes = after[digits.len()..].starts_with(')');
        let token = digits
            .parse::<usize>()
            .ok()
            .and_then(|k| tokens.get(k.checked_sub(1)?));
        match token {
            Some(token) if is_call && closes => {
                out.push_str(&rest[..at]);
                out.push_str(&format!("__backendlings_switch({token:?})"));
                rest = &after[digits.len() + 1..];
            }
            _ => {
                out.push_str(&rest[..at + "mutant(".len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// 128 random bits as hex, from the operating system.
fn random_token() -> String {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    let read = fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No /dev/urandom: the clock and the process id are still unknown to the tests.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mixed = nanos ^ (u128::from(std::process::id()) << 64);
        bytes = mixed.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the course's support modules into the graded project, their std macros pinned like
/// the grading tests' (a module declared after the learner's code is in reach of its macros).
pub fn write_support(project: &Path, support: &[(String, String)]) -> std::io::Result<()> {
    for (path, text) in support {
        write_if_changed(&project.join(path), &source::pin_std_macros(text))?;
    }
    Ok(())
}

/// The package of a build project (see `layout::cargo_toml`), and of the graded project.
const WORKSPACE_PACKAGE: &str = "name = \"backendlings-exercises\"";
const GRADED_PACKAGE: &str = "name = \"backendlings-graded\"";

/// Writes the graded project's manifest: the build project's package, dependencies and
/// profiles, with `bins`; and its lock file.
pub fn write_manifest(build_dir: &Path, bins: &str) -> std::io::Result<()> {
    let project = project_dir(build_dir);
    fs::create_dir_all(&project)?;
    let manifest = fs::read_to_string(build_dir.join("Cargo.toml"))?;
    // A package of its own name: cargo tells units apart by package, so the graded builds and
    // a `cargo test` in the workspace never take each other's fingerprints or binaries.
    let mut text = manifest
        .split("\n[[bin]]")
        .next()
        .unwrap_or(&manifest)
        .replacen(WORKSPACE_PACKAGE, GRADED_PACKAGE, 1);
    text.push_str(bins);
    write_if_changed(&project.join("Cargo.toml"), &text)?;
    if let Ok(lock) = fs::read_to_string(build_dir.join("Cargo.lock")) {
        let lock = lock.replacen(WORKSPACE_PACKAGE, GRADED_PACKAGE, 1);
        write_if_changed(&project.join("Cargo.lock"), &lock)?;
    }
    Ok(())
}

/// Cargo decides what to rebuild by modification time: rewrite only what changed.
pub fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, text)?;
    }
    Ok(())
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
            Rejection::Redefines(vec![(1, "assert_eq!".into())])
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
                what: "an attribute `#[…]` with no item after it",
                line: 4
            }
        );
    }

    #[test]
    fn mutant_switches_take_tokens() {
        let tokens = vec!["aa".to_string(), "bb".to_string()];
        let text = "if mutant(1) { x } else if mutant(2) { y }\n// mutant(3): not a switch\nfn my_mutant(1) {}";
        assert_eq!(
            switch_mutants(text, &tokens),
            "if __backendlings_switch(\"aa\") { x } else if __backendlings_switch(\"bb\") { y }\n// mutant(3): not a switch\nfn my_mutant(1) {}"
        );
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 32);
    }

    #[test]
    fn learner_tests_keep_their_line_numbers() {
        let source =
            "fn f() {}\n\n// ---- your tests: write them below ----\n#[cfg(test)]\nmod tests {}\n";
        let tests = learner_tests(source).unwrap();
        assert_eq!(
            tests,
            "\n\n// ---- your tests: write them below ----\n#[cfg(test)]\nmod tests {}\n"
        );
        assert_eq!(learner_tests("fn f() {}\n"), None);
    }
}
