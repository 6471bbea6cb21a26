//! The workspace and the learner's progress together: what every learner command starts
//! from, and the one place where a verdict changes progress.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::check::{self, Events, Target, Verdict};
use crate::course::{Exercise, layout};
use crate::state::StateFile;
use crate::ui;
use crate::workspace::{Workspace, WorkspaceError};

/// The file in `.backendlings/` that records a learner's go-ahead for a course folder.
pub(crate) const TRUST_MARKER: &str = "trusted";
/// Set to 1 to trust a course folder without being asked (automation).
pub(crate) const TRUST_VAR: &str = "BACKENDLINGS_TRUST_COURSE";

pub struct Session {
    pub(crate) ws: Workspace,
    pub(crate) state: StateFile,
    /// The course's support modules as shipped, for every check.
    pub(crate) support: Vec<(String, String)>,
    /// Problems that did not stop the command (progress that could not be saved).
    pub(crate) warnings: Vec<String>,
}

/// What recording a verdict changed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Advance {
    /// Not passed, or not the current exercise: nothing moves.
    Stay,
    /// Passed the current exercise; the new current one.
    To(String),
    /// Passed, and every exercise is done.
    Finished,
}

impl Session {
    /// Opens the workspace the current folder is in, printing any repair of the progress file.
    pub(crate) fn open() -> Result<Session, WorkspaceError> {
        let here = std::env::current_dir()
            .map_err(crate::workspace::io_error("cannot read the current folder"))?;
        Self::open_at(&here)
    }

    /// Opens the workspace (or course folder) that `path` is in, looking upward from it as
    /// cargo finds its Cargo.toml.
    pub fn open_at(path: &std::path::Path) -> Result<Session, WorkspaceError> {
        let root = crate::workspace::find_root(path).unwrap_or_else(|| path.to_path_buf());
        let ws = Workspace::open(&root)?;
        let (state, warnings) = StateFile::load(&ws.data_dir(), &ws.course, !ws.is_course_folder());
        for warning in warnings {
            ui::warn(&warning);
        }
        let support = ws.support_files();
        Ok(Session {
            ws,
            state,
            support,
            warnings: Vec::new(),
        })
    }

    /// For a course folder nobody vouched for yet: the question to ask before its code runs
    /// on this machine. `None` when there is nothing to ask.
    pub fn trust_question(&self) -> Option<String> {
        let marker = self.ws.data_dir().join(TRUST_MARKER);
        (self.ws.is_course_folder()
            && !marker.exists()
            && std::env::var_os(TRUST_VAR).is_none_or(|v| v != "1"))
        .then(|| trust_question_for(&self.ws.root))
    }

    /// Records the user's go-ahead to run this course folder's code.
    pub fn trust(&self) -> Result<(), Error> {
        let marker = self.ws.data_dir().join(TRUST_MARKER);
        std::fs::create_dir_all(self.ws.data_dir())?;
        std::fs::write(marker, "This course folder was trusted to run its code.\n")?;
        Ok(())
    }

    /// Before the first build in a course folder nobody vouched for, say that its code will
    /// run on this machine, and ask in the terminal. (`init` and `dev new` are such a say-so.)
    pub(crate) fn ensure_trusted(&self) -> Result<(), Error> {
        if !self.ws.is_course_folder() {
            return Ok(());
        }
        confirm_trust(&self.ws.root)
    }

    /// The named exercise, or the current one. A name may also be the path of an exercise's
    /// file, as a shell completes it (`exercises/01_http/http1.rs`, `./exercises/…`, or an
    /// absolute path), from the folder the command runs in.
    pub fn exercise(&self, name: Option<&str>) -> Result<&Exercise, Error> {
        let name = name.unwrap_or(&self.state.state.current);
        if name.contains('/') || name.ends_with(".rs") {
            return self.exercise_at(Path::new(name));
        }
        self.ws.course.find(name).ok_or_else(|| {
            let mut message = format!("there is no exercise named {name:?}");
            if let Some(close) = self.closest_name(name) {
                message.push_str(&format!("; did you mean {close:?}?"));
            }
            Error::usage(message, "`backendlings list` shows every exercise's name")
        })
    }

    /// The exercise whose file is at `path`.
    fn exercise_at(&self, path: &Path) -> Result<&Exercise, Error> {
        let fix =
            "give an exercise's name or the path of its file (`backendlings list` shows them)";
        let wanted = std::fs::canonicalize(path)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display()), fix))?;
        self.ws
            .course
            .exercises
            .iter()
            .find(|ex| {
                std::fs::canonicalize(self.ws.exercise_file(ex)).is_ok_and(|file| file == wanted)
            })
            .ok_or_else(|| {
                let message = format!(
                    "{} is not an exercise file of the workspace in {}",
                    path.display(),
                    self.ws.root.display()
                );
                Error::usage(message, fix)
            })
    }

    /// The exercise whose name is closest to `name` (case aside), if any is close.
    fn closest_name(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.ws
            .course
            .exercises
            .iter()
            .map(|e| (edit_distance(&name, &e.name), e.name.as_str()))
            .filter(|(d, _)| *d <= 2)
            .min()
            .map(|(_, n)| n)
    }

    pub(crate) fn target<'a>(&'a self, ex: &'a Exercise) -> Target<'a> {
        Target {
            exercise: ex,
            bin: ex.name.clone(),
            source: self.ws.exercise_file(ex),
            shown_as: ex.path(),
            snapshot: None,
            support: &self.support,
            cancel: None,
            original: self.ws.original(ex),
            mutants: self.ws.mutants_impl(ex),
        }
    }

    pub fn check(
        &self,
        exercises: &[&Exercise],
        events: &dyn Events,
    ) -> Result<Vec<Verdict>, Error> {
        // Never a prompt here: the caller asks (`ensure_trusted` in a terminal).
        if let Some(question) = self.trust_question() {
            return Err(not_asked(question));
        }
        let targets: Vec<Target> = exercises.iter().map(|ex| self.target(ex)).collect();
        Ok(check::check(
            &self.ws.build_dir,
            &self.ws.layers,
            &targets,
            &check::Options {
                strict: false,
                color: ui::colors(),
            },
            events,
        )?)
    }

    /// Applies a verdict to the progress: a pass reveals the solution, marks the exercise
    /// done and, for the current exercise, moves on. Saves the state.
    /// Returns where to go and the revealed solution's path.
    pub(crate) fn record(
        &mut self,
        verdict: &Verdict,
    ) -> Result<(Advance, Option<PathBuf>), Error> {
        let Some(ex) = self.ws.course.find(&verdict.exercise) else {
            return Ok((Advance::Stay, None));
        };
        if !verdict.passed() {
            self.state.mark_not_done(&ex.name);
            self.save_or_warn();
            return Ok((Advance::Stay, None));
        }
        // Named from the workspace, as the exercises are (a shorter path to click).
        let solution = self.ws.reveal_solution(ex)?.map(|path| {
            path.strip_prefix(&self.ws.root)
                .map_or_else(|_| path.clone(), Path::to_path_buf)
        });
        let was_current = self.state.state.current == ex.name;
        let next = self.state.mark_done(&self.ws.course, &ex.name.clone());
        self.save_or_warn();
        let advance = match next {
            None => Advance::Finished,
            Some(next) if was_current => Advance::To(next),
            Some(_) => Advance::Stay,
        };
        Ok((advance, solution))
    }

    /// Checks every exercise and records each verdict. The learner stays on their current
    /// exercise unless it passed; then they move to the next unfinished one.
    pub(crate) fn check_all(&mut self, events: &dyn Events) -> Result<Vec<Verdict>, Error> {
        let exercises = self.ws.course.exercises.clone();
        let refs: Vec<&Exercise> = exercises.iter().collect();
        let verdicts = self.check(&refs, events)?;
        self.record_all(&verdicts)?;
        Ok(verdicts)
    }

    /// Records the verdicts of a check of every exercise: the learner stays on their current
    /// exercise unless it passed.
    pub(crate) fn record_all(&mut self, verdicts: &[Verdict]) -> Result<(), Error> {
        let current = self.state.state.current.clone();
        for verdict in verdicts {
            self.record(verdict)?;
        }
        if !self.state.is_done(&current) && self.state.state.current != current {
            self.state.state.current = current;
            self.save_or_warn();
        }
        Ok(())
    }

    /// Moves to another exercise without finishing this one.
    pub(crate) fn set_current(&mut self, name: &str) -> Result<(), Error> {
        self.state.state.current = name.to_string();
        self.save()
    }

    /// Saves the progress, and points the editor's checks at the current exercise.
    pub(crate) fn save(&mut self) -> Result<(), Error> {
        self.state.save()?;
        layout::update_vscode_settings(&self.ws.root, &self.state.state.current).map_err(
            |error| Error::File {
                doing: "cannot update the editor settings in",
                path: self.ws.root.join(".vscode"),
                error,
            },
        )?;
        Ok(())
    }

    /// Saves, and keeps going if that fails: the learner's work is in their files, and the
    /// progress in memory is saved again on the next change. The problem is kept in
    /// `warnings`, for the caller to show.
    pub(crate) fn save_or_warn(&mut self) {
        if let Err(e) = self.save() {
            self.warnings.push(e.to_string());
        }
    }

    pub(crate) fn done_count(&self) -> usize {
        self.state.state.done.len()
    }
}

/// Asks, once per course folder, before its code is compiled and run on this machine (its
/// exercises, solutions and its dependencies' build scripts). The answer is remembered in
/// the folder; `BACKENDLINGS_TRUST_COURSE=1` answers yes for automation.
pub(crate) fn confirm_trust(course_root: &std::path::Path) -> Result<(), Error> {
    let marker = course_root
        .join(crate::workspace::DATA_DIR)
        .join(TRUST_MARKER);
    if marker.exists() || std::env::var_os(TRUST_VAR).is_some_and(|v| v == "1") {
        return Ok(());
    }
    let question = trust_question_for(course_root);
    if !std::io::stdin().is_terminal() {
        return Err(not_asked(question));
    }
    eprint!("{question}\nContinue? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        return Err("stopped: nothing was built or run".into());
    }
    // Remembered in the folder; a folder that cannot be written to is asked about again.
    let _ = std::fs::create_dir_all(marker.parent().unwrap_or(course_root));
    let _ = std::fs::write(marker, "This course folder was trusted to run its code.\n");
    Ok(())
}

/// The error when the trust question cannot be asked (no terminal).
fn not_asked(question: String) -> Error {
    Error::usage(
        question,
        format!("run backendlings once in a terminal to answer, or set {TRUST_VAR}=1"),
    )
}

/// What is asked before a course folder's code runs for the first time.
fn trust_question_for(course_root: &std::path::Path) -> String {
    format!(
        "{} is a course folder backendlings has not run before. Checking its exercises \
         compiles and runs the course's code (and its dependencies' build scripts) on this \
         machine, as `cargo test` would. Only continue if you trust its author.",
        course_root.display()
    )
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(super::edit_distance("http1", "http1"), 0);
        assert_eq!(super::edit_distance("htp1", "http1"), 1);
        assert_eq!(super::edit_distance("sql", "sql10"), 2);
    }
}
