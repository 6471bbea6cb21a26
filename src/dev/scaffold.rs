//! `dev new` and `dev add`: a new course, and a new exercise in one, both already passing
//! `dev check` so that an author starts from something sound.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use crate::Error;
use crate::course::info::is_identifier;
use crate::course::layout;
use crate::workspace::slash_path;

const INFO_TOML: &str = r#"# The course: exercises in order, their hints and grading, and their dependencies.
# The format is described in docs/COURSE_FORMAT.md of the backendlings repository.
format_version = 1
welcome_message = "Welcome! Edit the exercise that is shown, save, and watch the verdict change."
final_message = "You finished every exercise. Well done!"
# `dev check` demands this many wrong attempts (wrong/<dir>/<name>/*.rs or *.patch) per exercise:
# plausible mistakes, each proven to fail with a message that names it.
min_wrong_attempts = 1

# The exercises' crate dependencies (after a change: `backendlings dev update`).
[dependencies]
"#;

const COURSE_README: &str = "# A backendlings course

- `backendlings dev add TOPIC NAME` adds an exercise (and its solution) to `info.toml`.
- `backendlings dev check` proves the course: every exercise fails as shipped, every
  solution passes, every wrong attempt in `wrong/` fails with the message it expects,
  hints exist, files are formatted. `--show-wrong` shows what a learner who made each
  mistake reads.
- `backendlings dev update` regenerates `Cargo.toml` and `course.lock` after you change
  `[dependencies]` in `info.toml`.
- `backendlings` in this folder runs watch mode on the course, as a learner would.

Learners make a workspace of their own from it, where solutions stay hidden until an
exercise passes and the course's files stay as they are:

    backendlings init --course path/to/this/course my-workspace
    cd my-workspace && backendlings
";

/// The exercise a new scaffold starts from; `solved` gives its solution.
fn exercise_template(name: &str, solved: bool) -> String {
    // A solution is read once the exercise passes: it says what the code does, not what to do.
    let (comment, body) = if solved {
        ("`double` returns twice its input.", "n * 2")
    } else {
        (
            "TODO: make `double` return twice its input.",
            "todo!(\"return twice n\")",
        )
    };
    format!(
        r#"//! # {name}
//!
//! The lesson: what the concept is, why a backend developer cares, and where to read more
//! (the RFC, the OWASP cheat sheet, the crate's documentation).

// {comment}
fn double(n: u32) -> u32 {{
    {body}
}}

fn main() {{
    println!("{{}}", double(21));
}}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {{
    use super::*;

    #[test]
    fn doubles_its_input() {{
        assert_eq!(double(21), 42, "double(21) should be 42");
        assert_eq!(double(0), 0, "double(0) should be 0");
    }}
}}
"#
    )
}

/// A wrong attempt for the template: the kind of slip a learner makes, proven to fail.
fn wrong_template() -> &'static str {
    "// wrong: shifts by two bits, which multiplies by four\n// expect: double(21) should be 42\nfn double(n: u32) -> u32 {\n    n << 2\n}\n\nfn main() {\n    println!(\"{}\", double(21));\n}\n"
}

fn exercise_entry(topic: &str, name: &str) -> String {
    format!(
        r#"
[[exercises]]
name = "{name}"
dir = "{topic}"
mode = "test"
hints = [
    "A nudge: what is the first thing to look at?",
    "Closer: which part of the code has to change?",
    "Nearly the answer: `n * 2`.",
]
"#
    )
}

pub fn new(dir: &Path) -> Result<ExitCode, Error> {
    if dir.exists() && fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(Error::usage(
            format!("{} already exists and is not empty", dir.display()),
            "choose a new folder name",
        ));
    }
    fs::create_dir_all(dir)?;
    fs::write(dir.join("info.toml"), INFO_TOML)?;
    fs::write(dir.join("README.md"), COURSE_README)?;
    fs::write(dir.join(".gitignore"), "target/\n.backendlings/\n")?;
    // A generated Cargo.toml makes the course folder itself a workspace for editors.
    fs::write(
        dir.join("Cargo.toml"),
        format!("{}\n", layout::GENERATED_MARKER),
    )?;
    add_in(dir, "00_basics", "example1")?;
    // Its author trusts it: `backendlings` in the folder does not ask.
    fs::create_dir_all(dir.join(crate::workspace::DATA_DIR))?;
    fs::write(
        dir.join(crate::workspace::DATA_DIR)
            .join(crate::session::TRUST_MARKER),
        "Made by `backendlings dev new`.\n",
    )?;
    println!(
        "Created the course {}.\nNext:\n  cd {}\n  backendlings dev check",
        dir.display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn add(topic: &str, name: &str) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let (exercise, solution) = add_in(&root, topic, name)?;
    println!(
        "Added {name}: edit {exercise} and {solution}, and its hints in info.toml; then `backendlings dev check {name}`."
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the exercise, its solution and its info.toml entry; returns the two paths.
fn add_in(root: &Path, topic: &str, name: &str) -> Result<(String, String), Error> {
    for (what, value) in [("topic", topic), ("name", name)] {
        if !is_identifier(value) {
            return Err(Error::usage(
                format!("{value:?} is not a valid {what}"),
                "use only lowercase ASCII letters, digits and `_`",
            ));
        }
    }
    let info_path = root.join("info.toml");
    let mut info = fs::read_to_string(&info_path).map_err(|e| {
        format!(
            "cannot read {}: {e}; run this in a course folder",
            info_path.display()
        )
    })?;
    if info.contains(&format!("name = \"{name}\"")) {
        return Err(format!("info.toml already has an exercise named {name:?}").into());
    }
    let exercise = Path::new("exercises")
        .join(topic)
        .join(format!("{name}.rs"));
    let solution = Path::new("solutions")
        .join(topic)
        .join(format!("{name}.rs"));
    for (path, solved) in [(&exercise, false), (&solution, true)] {
        let full = root.join(path);
        if full.exists() {
            return Err(format!("{} already exists", path.display()).into());
        }
        fs::create_dir_all(full.parent().unwrap_or(root))?;
        fs::write(&full, exercise_template(name, solved))?;
    }
    let wrong = Path::new("wrong").join(topic).join(name).join("shift.rs");
    if !root.join(&wrong).exists() {
        fs::create_dir_all(root.join(&wrong).parent().unwrap_or(root))?;
        fs::write(root.join(&wrong), wrong_template())?;
    }
    if !info.ends_with('\n') {
        info.push('\n');
    }
    info.push_str(&exercise_entry(topic, name));
    fs::write(&info_path, info)?;
    super::update_in(root)?;
    Ok((slash_path(&exercise), slash_path(&solution)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_entry_parses_as_a_course() {
        let text = format!("{INFO_TOML}{}", exercise_entry("00_basics", "example1"));
        let course = crate::course::info::parse("info.toml", &text).unwrap();
        assert_eq!(course.exercises[0].hints.len(), 3);
    }

    #[test]
    fn solved_template_differs_only_above_the_marker() {
        use crate::course::tests_section::find_tampering;
        let (exercise, solution) = (exercise_template("x", false), exercise_template("x", true));
        assert_ne!(exercise, solution);
        assert_eq!(find_tampering(&exercise, &solution), None);
    }
}
