//! Reads `info.toml` strictly: every problem is reported at once, with file, line, column,
//! the field and what would be right.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{Course, Exercise, Mode, Mutant};

/// The `format_version` this runner reads.
pub(crate) const FORMAT_VERSION: i64 = 1;
/// Time limit for running an exercise's tests when `timeout_secs` is not given.
pub(crate) const DEFAULT_TIMEOUT_SECS: u64 = 10;
const MAX_TIMEOUT_SECS: u64 = 600;

/// One problem found in `info.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) field: String,
    pub(crate) message: String,
    pub(crate) fix: String,
}

/// Everything wrong with one `info.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoError {
    pub(crate) file: String,
    pub(crate) problems: Vec<Problem>,
}

impl fmt::Display for InfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(
            f,
            "{} has {count} problem{}",
            self.file,
            if count == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(
                f,
                "\n  {}:{}:{}: {}: {}\n    fix: {}",
                self.file, p.line, p.column, p.field, p.message, p.fix
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for InfoError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInfo {
    format_version: Spanned<i64>,
    #[serde(default)]
    welcome_message: String,
    #[serde(default)]
    final_message: String,
    #[serde(default)]
    dependencies: toml::Table,
    #[serde(default)]
    optimize_dependencies: Vec<String>,
    #[serde(default)]
    min_wrong_attempts: usize,
    #[serde(default)]
    exercises: Vec<Spanned<RawExercise>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExercise {
    name: Spanned<String>,
    dir: Spanned<String>,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    hints: Option<Spanned<Vec<String>>>,
    timeout_secs: Option<Spanned<u64>>,
    expected_output: Option<Spanned<String>>,
    #[serde(default)]
    mutants: Vec<Spanned<RawMutant>>,
    #[serde(default)]
    allow: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMutant {
    description: String,
}

/// Parses and validates the text of an `info.toml`. `file` names it in error messages.
/// File existence is checked by the caller, who knows where the course lives.
pub fn parse(file: &str, text: &str) -> Result<Course, InfoError> {
    let locate = |span: Range<usize>| line_column(text, span.start);
    let raw: RawInfo = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(&locate).unwrap_or((1, 1));
        let message = e.message().trim().to_string();
        InfoError {
            file: file.to_string(),
            problems: vec![Problem {
                line,
                column,
                field: field_of_serde_message(&message),
                fix: fix_for_serde_message(&message),
                message,
            }],
        }
    })?;

    let mut problems = Vec::new();
    let mut problem = |span: Range<usize>, field: String, message: String, fix: &str| {
        let (line, column) = locate(span);
        problems.push(Problem {
            line,
            column,
            field,
            message,
            fix: fix.to_string(),
        });
    };

    if *raw.format_version.get_ref() != FORMAT_VERSION {
        problem(
            raw.format_version.span(),
            "format_version".into(),
            format!("version {} is not supported", raw.format_version.get_ref()),
            "write `format_version = 1` (or install a newer backendlings)",
        );
    }
    if raw.exercises.is_empty() {
        problem(
            0..0,
            "exercises".into(),
            "the course has no exercises".into(),
            "add at least one `[[exercises]]` table",
        );
    }

    for (name, value) in &raw.dependencies {
        let at = dependency_offset(text, name);
        let span = at..at;
        let field = format!("dependencies.{name}");
        if TOP_LEVEL_KEYS.contains(&name.as_str()) {
            problem(
                span,
                field,
                format!(
                    "`{name}` stands below `[dependencies]`, so TOML reads it as a dependency \
                     named {name:?}"
                ),
                "move the line above `[dependencies]`: in TOML, every key after a `[table]` \
                 line belongs to that table",
            );
        } else if !(value.is_str() || value.is_table()) {
            problem(
                span,
                field,
                format!(
                    "a dependency is a version or a table, not {} {}",
                    if value.is_array() || value.is_integer() {
                        "an"
                    } else {
                        "a"
                    },
                    value.type_str()
                ),
                "write `name = \"1\"` or `name = { version = \"1\", features = [\"...\"] }`, as \
                 in Cargo.toml",
            );
        }
    }

    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut exercises = Vec::new();
    for (index, spanned) in raw.exercises.into_iter().enumerate() {
        let span = spanned.span();
        let ex = spanned.into_inner();
        let at = |field: &str| format!("exercises[{index}].{field}");
        let name = ex.name.get_ref().clone();
        if !is_identifier(&name) {
            problem(
                ex.name.span(),
                at("name"),
                format!("{name:?} is not a valid name"),
                "use only lowercase ASCII letters, digits and `_`, e.g. \"http_routing2\"",
            );
        }
        if let Some(&first_line) = first_seen.get(&name) {
            problem(
                ex.name.span(),
                at("name"),
                format!("{name:?} is already the name of the exercise on line {first_line}"),
                "give every exercise a unique name",
            );
        } else {
            first_seen.insert(name.clone(), locate(ex.name.span()).0);
        }
        let dir = ex.dir.get_ref().clone();
        if !is_identifier(&dir) {
            problem(
                ex.dir.span(),
                at("dir"),
                format!("{dir:?} is not a valid folder name"),
                "use one folder below exercises/ named with lowercase ASCII letters, digits and `_`, e.g. \"01_http\" (no `/`, no `..`)",
            );
        }
        let hints = match ex.hints {
            Some(hints) if hints.get_ref().iter().all(|h| !h.trim().is_empty()) => {
                if hints.get_ref().is_empty() {
                    problem(
                        hints.span(),
                        at("hints"),
                        "the list of hints is empty".into(),
                        "give 2 or 3 hints, from a nudge to nearly the answer",
                    );
                }
                hints.into_inner()
            }
            Some(hints) => {
                problem(
                    hints.span(),
                    at("hints"),
                    "a hint is empty".into(),
                    "remove the empty hint or write it",
                );
                hints.into_inner()
            }
            None => {
                problem(
                    span.clone(),
                    at("hints"),
                    "the exercise has no hints".into(),
                    "add `hints = [\"...\", \"...\"]`: 2 or 3 hints, from a nudge to nearly the answer",
                );
                Vec::new()
            }
        };
        let timeout_secs = match ex.timeout_secs {
            Some(t) if *t.get_ref() == 0 || *t.get_ref() > MAX_TIMEOUT_SECS => {
                problem(
                    t.span(),
                    at("timeout_secs"),
                    format!("{} seconds is not a usable time limit", t.get_ref()),
                    "use a number of seconds from 1 to 600, or leave it out for the default (10)",
                );
                DEFAULT_TIMEOUT_SECS
            }
            Some(t) => t.into_inner(),
            None => DEFAULT_TIMEOUT_SECS,
        };
        let expected_output = match ex.expected_output {
            Some(out) if ex.mode != Mode::Run => {
                problem(
                    out.span(),
                    at("expected_output"),
                    "`expected_output` only applies to `mode = \"run\"`".into(),
                    "remove it, or set `mode = \"run\"`",
                );
                None
            }
            other => other.map(Spanned::into_inner),
        };
        if ex.mode == Mode::Mutants && ex.mutants.is_empty() {
            problem(
                span.clone(),
                at("mutants"),
                "a `mutants` exercise lists no mutants".into(),
                "add `mutants = [{ description = \"...\" }, ...]`, one per buggy variant in the solution",
            );
        }
        if ex.mode != Mode::Mutants
            && let Some(first) = ex.mutants.first()
        {
            problem(
                first.span(),
                at("mutants"),
                "only `mode = \"mutants\"` exercises have mutants".into(),
                "set `mode = \"mutants\"`, or remove the mutants",
            );
        }
        let mut allow = Vec::new();
        if let Some(list) = ex.allow {
            let span = list.span();
            for key in list.into_inner() {
                match super::Capability::from_key(&key) {
                    Some(capability) => allow.push(capability),
                    None => problem(
                        span.clone(),
                        at("allow"),
                        format!("`{key}` is not something a solution can be allowed to use"),
                        "use any of \"file_system\", \"processes\", \"environment\", \"unsafe\", \"ffi\"",
                    ),
                }
            }
        }
        exercises.push(Exercise {
            allow,
            name,
            dir,
            mode: ex.mode,
            hints,
            timeout: Duration::from_secs(timeout_secs),
            expected_output,
            mutants: ex
                .mutants
                .into_iter()
                .map(|m| Mutant {
                    description: m.into_inner().description,
                })
                .collect(),
        });
    }

    if problems.is_empty() {
        Ok(Course {
            welcome_message: raw.welcome_message,
            final_message: raw.final_message,
            dependencies: raw.dependencies,
            optimize_dependencies: raw.optimize_dependencies,
            min_wrong_attempts: raw.min_wrong_attempts,
            exercises,
            support: Vec::new(),
        })
    } else {
        Err(InfoError {
            file: file.to_string(),
            problems,
        })
    }
}

/// Where a field of an exercise is, for a check made after parsing (such as a missing file):
/// the exercise's `name = "..."` line, or its `field` key within the same table.
pub(crate) fn locate_exercise_field(text: &str, name: &str, field: &str) -> (usize, usize) {
    let Some(name_at) = text.find(&format!("name = \"{name}\"")) else {
        return (1, 1);
    };
    let table_end = text[name_at..]
        .find("[[exercises]]")
        .map_or(text.len(), |end| name_at + end);
    let field_at = text[name_at..table_end]
        .find(&format!("{field} ="))
        .map_or(name_at, |offset| name_at + offset);
    let column_of_value = if field_at == name_at {
        "name = ".len()
    } else {
        0
    };
    let (line, column) = line_column(text, field_at);
    (line, column + column_of_value)
}

/// The keys of info.toml's top level: written below `[dependencies]`, TOML reads them as
/// dependencies.
const TOP_LEVEL_KEYS: [&str; 5] = [
    "format_version",
    "welcome_message",
    "final_message",
    "optimize_dependencies",
    "min_wrong_attempts",
];

/// Where the key `name` of the `[dependencies]` table is written (the table's start if it is
/// not found as a plain or quoted key).
fn dependency_offset(text: &str, name: &str) -> usize {
    let mut offset = 0;
    let mut in_table = false;
    let mut table_at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_table = trimmed.starts_with("[dependencies]");
            if in_table {
                table_at = offset;
            }
        } else if in_table {
            let key = trimmed
                .strip_prefix(name)
                .or_else(|| trimmed.strip_prefix(&format!("\"{name}\"")));
            if key.is_some_and(|rest| rest.trim_start().starts_with(['=', '.'])) {
                return offset + line.len() - trimmed.len();
            }
        }
        offset += line.len();
    }
    table_at
}

/// `[a-z0-9_]+`: exercise names double as cargo target names and path segments.
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn field_of_serde_message(message: &str) -> String {
    let between_backticks = |m: &str| m.split('`').nth(1).map(str::to_string);
    if message.starts_with("unknown field") || message.starts_with("missing field") {
        between_backticks(message).unwrap_or_else(|| "(key)".into())
    } else if message.contains("variant") {
        "mode".into()
    } else {
        "(syntax)".into()
    }
}

fn fix_for_serde_message(message: &str) -> String {
    if message.starts_with("unknown field") {
        "remove the key or correct its spelling (see docs/COURSE_FORMAT.md for the keys)".into()
    } else if message.starts_with("missing field") {
        "add the key; every `[[exercises]]` needs `name`, `dir` and `hints`".into()
    } else if message.contains("variant") {
        "use `mode = \"test\"`, `mode = \"run\"` or `mode = \"mutants\"`".into()
    } else if message.starts_with("invalid type") {
        "give the value the type the key expects (see docs/COURSE_FORMAT.md)".into()
    } else {
        "correct the TOML syntax at this position (https://toml.io/en/v1.0.0)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"format_version = 1
welcome_message = "hi"

[dependencies]
serde = "1"

[[exercises]]
name = "intro1"
dir = "00_intro"
hints = ["a", "b"]

[[exercises]]
name = "run1"
dir = "00_intro"
mode = "run"
expected_output = "hello"
timeout_secs = 3
hints = ["a"]
"#;

    #[test]
    fn parses_a_valid_course() {
        let course = parse("info.toml", GOOD).unwrap();
        assert_eq!(course.exercises.len(), 2);
        assert_eq!(course.exercises[0].mode, Mode::Test);
        assert_eq!(course.exercises[0].timeout, Duration::from_secs(10));
        assert_eq!(course.exercises[1].mode, Mode::Run);
        assert_eq!(
            course.exercises[1].expected_output.as_deref(),
            Some("hello")
        );
        assert!(course.dependencies.contains_key("serde"));
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse("info.toml", text).unwrap_err().problems
    }

    #[test]
    fn unknown_key_names_line_column_and_field() {
        let text = GOOD.replace("hints = [\"a\", \"b\"]", "hints = [\"a\"]\nhint = \"x\"");
        let p = &problems(&text)[0];
        assert_eq!((p.line, p.field.as_str()), (11, "hint"));
        assert!(p.message.contains("unknown field"), "{p:?}");
        assert!(p.fix.contains("spelling"));
    }

    #[test]
    fn reports_every_semantic_problem_at_once() {
        let text = GOOD
            .replace("name = \"run1\"", "name = \"intro1\"")
            .replace("dir = \"00_intro\"\nhints", "dir = \"../x\"\nhints")
            .replace("timeout_secs = 3", "timeout_secs = 0");
        let found = problems(&text);
        let fields: Vec<&str> = found.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "exercises[0].dir",
                "exercises[1].name",
                "exercises[1].timeout_secs"
            ]
        );
        assert_eq!(found[1].line, 13);
        assert!(found[1].message.contains("line 8"), "{:?}", found[1]);
    }

    #[test]
    fn rejects_names_that_are_not_identifiers() {
        for bad in ["Intro1", "intro-1", "", "a/b", "..", "é"] {
            assert!(!is_identifier(bad), "{bad:?} should be rejected");
        }
        assert!(is_identifier("sql_10"));
    }

    #[test]
    fn missing_hints_are_a_problem() {
        let text = GOOD.replace("hints = [\"a\"]\n", "");
        let p = &problems(&text)[0];
        assert_eq!(p.field, "exercises[1].hints");
        assert_eq!(p.line, 12);
    }

    #[test]
    fn unknown_mode_suggests_the_valid_ones() {
        let text = GOOD.replace("mode = \"run\"", "mode = \"tests\"");
        let p = &problems(&text)[0];
        assert_eq!(p.field, "mode");
        assert!(p.fix.contains("\"test\""));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let p = &problems("format_version = 1\n[[exercises]\n")[0];
        assert_eq!(p.line, 2);
        assert_eq!(p.field, "(syntax)");
    }

    #[test]
    fn fields_are_located_within_their_exercise() {
        assert_eq!(locate_exercise_field(GOOD, "run1", "name"), (13, 8));
        assert_eq!(locate_exercise_field(GOOD, "run1", "mode"), (15, 1));
        assert_eq!(
            locate_exercise_field(GOOD, "intro1", "mode"),
            (8, 8),
            "intro1 has no mode: its name"
        );
    }

    #[test]
    fn a_top_level_key_below_dependencies_is_named_with_its_line() {
        // docs/COURSE_FORMAT.md's example had this mistake: TOML puts every key after
        // `[dependencies]` into that table, so the list read as a dependency.
        let text = "format_version = 1\n\n[dependencies]\nserde = \"1\"\n\
                    optimize_dependencies = [\"argon2\"]\n\"weird\" = 3\n\n\
                    [[exercises]]\nname = \"a\"\ndir = \"t\"\nhints = [\"h\"]\n";
        let err = parse("info.toml", text).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        let [moved, typed] = &err.problems[..] else {
            unreachable!()
        };
        assert_eq!((moved.line, moved.column), (5, 1));
        assert_eq!(moved.field, "dependencies.optimize_dependencies");
        assert!(
            moved
                .fix
                .starts_with("move the line above `[dependencies]`")
        );
        assert_eq!(
            (typed.line, typed.field.as_str()),
            (6, "dependencies.weird")
        );
        assert_eq!(
            typed.message,
            "a dependency is a version or a table, not an integer"
        );
    }

    #[test]
    fn unsupported_format_version() {
        let p = &problems(&GOOD.replace("format_version = 1", "format_version = 7"))[0];
        assert_eq!((p.line, p.column), (1, 18));
    }
}
