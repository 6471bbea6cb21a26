//! The learner's progress (current exercise, finished ones, hints used): one small TOML
//! file in the workspace, written atomically; rebuilt with a warning when missing or corrupt
//! (a copy of a file that cannot be read is kept). Two processes on one workspace lose nothing:
//! each save re-reads the file under a lock and applies only what this process changed.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::course::Course;
use crate::sys::files::write_atomically;

pub(crate) const STATE_FILE: &str = "state.toml";

/// Unknown keys are ignored, not fatal: a state file written by a newer version (or edited by
/// hand) keeps the progress it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    /// The exercise watch mode and `run`/`hint` work on by default.
    pub(crate) current: String,
    #[serde(default)]
    pub(crate) done: BTreeSet<String>,
    /// How many hints of each exercise the learner has seen.
    #[serde(default)]
    pub(crate) hints_used: BTreeMap<String, usize>,
    /// Whether the welcome message was shown.
    #[serde(default)]
    pub(crate) welcomed: bool,
}

/// The state and where it lives.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    pub(crate) state: State,
    /// The state as last read or written: what changed since is what a save applies.
    base: State,
    /// Passes (`true`) and failures recorded since then, in order: a pass on an exercise
    /// that was already done is still news if another terminal undid it meanwhile.
    marks: Vec<(String, bool)>,
}

impl StateFile {
    /// Loads the state, repairing what cannot be trusted. The warnings say what was repaired.
    /// `expected`: the file should exist (a workspace made by `init`; a course folder starts without).
    pub(crate) fn load(
        data_dir: &Path,
        course: &Course,
        expected: bool,
    ) -> (StateFile, Vec<String>) {
        let path = data_dir.join(STATE_FILE);
        let mut warnings = Vec::new();
        let state = match std::fs::read_to_string(&path) {
            Ok(text) => match toml::from_str::<State>(&text) {
                Ok(state) => state,
                Err(e) => {
                    let kept = keep_copy(&path);
                    warnings.push(format!(
                        "the progress file {} was corrupt ({}); it was rebuilt from scratch{}. \
                         Run `backendlings check-all` to mark the exercises you finished as done again.",
                        path.display(),
                        e.message().trim(),
                        kept.map_or(String::new(), |k| format!(" (a copy is kept as {})", k.display()))
                    ));
                    State::default()
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if expected {
                    warnings.push(format!(
                        "no progress file was found; a new one was made at {}. \
                     Run `backendlings check-all` if you had finished exercises.",
                        path.display()
                    ));
                }
                State::default()
            }
            Err(e) => {
                let kept = keep_copy(&path);
                warnings.push(format!(
                    "the progress file {} could not be read ({e}); starting from the first exercise{}",
                    path.display(),
                    kept.map_or(String::new(), |k| format!(" (a copy is kept as {})", k.display()))
                ));
                State::default()
            }
        };
        let mut file = StateFile {
            path,
            base: state.clone(),
            marks: Vec::new(),
            state,
        };
        warnings.extend(file.repair(course));
        let missing = !file.path.exists();
        if (missing || !warnings.is_empty())
            && let Err(e) = file.save()
        {
            warnings.push(format!("the repaired progress could not be saved: {e}"));
        }
        (file, warnings)
    }

    /// A fresh state at the first exercise (for `init`).
    pub(crate) fn new(data_dir: &Path, course: &Course) -> StateFile {
        let mut file = StateFile {
            path: data_dir.join(STATE_FILE),
            state: State::default(),
            base: State::default(),
            marks: Vec::new(),
        };
        file.repair(course);
        file
    }

    /// Drops exercises the course no longer has and makes `current` valid.
    fn repair(&mut self, course: &Course) -> Vec<String> {
        let mut warnings = Vec::new();
        let known = |name: &String| course.find(name).is_some();
        let unknown: Vec<String> = self
            .state
            .done
            .iter()
            .filter(|n| !known(n))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            warnings.push(format!(
                "the progress file named exercises this course does not have ({}); they were dropped",
                unknown.join(", ")
            ));
            self.state.done.retain(known);
        }
        self.state.hints_used.retain(|name, _| known(name));
        // A count beyond the hints there are (a hand-edited file) means all of them.
        for (name, used) in self.state.hints_used.iter_mut() {
            let available = course.find(name).map_or(0, |ex| ex.hints.len());
            *used = (*used).min(available);
        }
        if !known(&self.state.current) {
            if !self.state.current.is_empty() {
                warnings.push(format!(
                    "the current exercise {:?} is not in this course; moved to the first unfinished one",
                    self.state.current
                ));
            }
            self.state.current = self
                .first_unfinished_after(course, 0)
                .unwrap_or_else(|| course.exercises[0].name.clone());
        }
        warnings
    }

    /// Saves what this process changed since it last read or wrote the file, merged into
    /// what is on disk now (another terminal may have recorded progress meanwhile). Under a
    /// lock, so that two saves never interleave.
    pub(crate) fn save(&mut self) -> io::Result<()> {
        self.save_merged().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot save the progress to {}: {e}", self.path.display()),
            )
        })
    }

    fn save_merged(&mut self) -> io::Result<()> {
        let _lock = crate::sys::files::lock_file(&self.path.with_extension("lock"))?;
        if let Some(dir) = self.path.parent() {
            remove_unrenamed_copies(dir);
        }
        let on_disk = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| toml::from_str::<State>(&text).ok());
        let merged = match on_disk {
            Some(disk) => merge(&self.base, &self.state, &self.marks, disk),
            None => self.state.clone(),
        };
        let text = toml::to_string(&merged).map_err(io::Error::other)?;
        write_atomically(&self.path, text.as_bytes())?;
        self.state = merged.clone();
        self.base = merged;
        self.marks.clear();
        Ok(())
    }

    pub(crate) fn is_done(&self, name: &str) -> bool {
        self.state.done.contains(name)
    }

    /// The next unfinished exercise at or after position `start`, wrapping around.
    pub(crate) fn first_unfinished_after(&self, course: &Course, start: usize) -> Option<String> {
        let n = course.exercises.len();
        (0..n)
            .map(|i| &course.exercises[(start + i) % n])
            .find(|ex| !self.is_done(&ex.name))
            .map(|ex| ex.name.clone())
    }

    /// Records a pass and returns the next unfinished exercise (`None`: the course is
    /// finished). The learner moves there only if `name` was the exercise they were on:
    /// passing another one (with `run NAME`, or `check-all`) does not move them.
    pub(crate) fn mark_done(&mut self, course: &Course, name: &str) -> Option<String> {
        self.state.done.insert(name.to_string());
        self.marks.push((name.to_string(), true));
        let after = course.index_of(name).map_or(0, |i| i + 1);
        let next = self.first_unfinished_after(course, after);
        if let Some(next) = &next
            && self.state.current == name
        {
            self.state.current = next.clone();
        }
        next
    }

    /// Records that an exercise did not pass (after a `check-all`, say).
    pub(crate) fn mark_not_done(&mut self, name: &str) {
        self.state.done.remove(name);
        self.marks.push((name.to_string(), false));
    }

    /// Counts one more hint seen; returns how many the learner has seen now.
    pub(crate) fn use_hint(&mut self, name: &str, available: usize) -> usize {
        let used = self.state.hints_used.entry(name.to_string()).or_insert(0);
        *used = used.saturating_add(1).min(available);
        *used
    }
}

/// `disk` with the changes from `base` to `ours` applied: exercises done or undone, hints
/// seen (the larger count wins), a move of the current exercise, the welcome shown.
fn merge(base: &State, ours: &State, marks: &[(String, bool)], mut disk: State) -> State {
    for name in ours.done.difference(&base.done) {
        disk.done.insert(name.clone());
    }
    for name in base.done.difference(&ours.done) {
        disk.done.remove(name);
    }
    // What this process saw happen, in order, wins over what it merely had read.
    for (name, passed) in marks {
        if *passed {
            disk.done.insert(name.clone());
        } else {
            disk.done.remove(name);
        }
    }
    for (name, &used) in &ours.hints_used {
        if base.hints_used.get(name) != Some(&used) {
            let entry = disk.hints_used.entry(name.clone()).or_insert(0);
            *entry = (*entry).max(used);
        }
    }
    if ours.current != base.current {
        disk.current = ours.current.clone();
    }
    disk.welcomed |= ours.welcomed;
    disk
}

/// Removes the temporary copies of the state (`.tmpXXXXXX`, as `write_atomically` names them)
/// that saves killed before their rename left in the data folder. Called under the state's
/// lock, so no save is writing one, and nothing else writes temporary files there (`init`
/// finishes before the workspace is used): whatever their age, they are leftovers.
fn remove_unrenamed_copies(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let temporary = name.len() == 10
            && name.starts_with(".tmp")
            && name[4..].chars().all(|c| c.is_ascii_alphanumeric());
        if temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Keeps a copy of a progress file that cannot be read, next to it; returns its path.
fn keep_copy(path: &Path) -> Option<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let copy = path.with_extension(format!("toml.unreadable-{stamp}"));
    std::fs::copy(path, &copy).ok().map(|_| copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::info;

    #[test]
    fn two_processes_saving_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let course = course();
        let mut first = StateFile::new(dir.path(), &course);
        first.save().unwrap();
        let (mut second, _) = StateFile::load(dir.path(), &course, true);
        // Another terminal finishes `c` and reads a hint of `b`...
        second.state.done.insert("c".into());
        second.use_hint("b", 2);
        second.save().unwrap();
        // ...while this one finishes `a` and moves on: both are kept.
        first.mark_done(&course, "a");
        first.save().unwrap();
        let (merged, _) = StateFile::load(dir.path(), &course, true);
        assert_eq!(
            merged.state.done,
            BTreeSet::from(["a".to_string(), "c".to_string()])
        );
        assert_eq!(merged.state.hints_used.get("b"), Some(&1));
        assert_eq!(merged.state.current, "b");
        // Undoing is a change too.
        first.mark_not_done("c");
        first.save().unwrap();
        assert!(!first.state.done.contains("c"));
    }

    #[test]
    fn a_pass_on_an_exercise_already_done_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let course = course();
        let mut first = StateFile::new(dir.path(), &course);
        first.mark_done(&course, "a");
        first.save().unwrap();
        // Another terminal's check of `a` failed (an edit in progress) and was saved...
        let (mut second, _) = StateFile::load(dir.path(), &course, true);
        second.mark_not_done("a");
        second.save().unwrap();
        // ...then this one's check of the finished file passes: `a` is done again.
        first.mark_done(&course, "a");
        first.save().unwrap();
        let (merged, _) = StateFile::load(dir.path(), &course, true);
        assert!(merged.state.done.contains("a"));
    }

    fn course() -> Course {
        let mut text = String::from("format_version = 1\n");
        for name in ["a", "b", "c"] {
            text.push_str(&format!(
                "[[exercises]]\nname = \"{name}\"\ndir = \"t\"\nhints = [\"h1\", \"h2\"]\n"
            ));
        }
        info::parse("info.toml", &text).unwrap()
    }

    #[test]
    fn missing_state_starts_at_the_first_exercise_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (file, warnings) = StateFile::load(dir.path(), &course(), true);
        assert_eq!(file.state.current, "a");
        assert_eq!(warnings.len(), 1);
        assert!(
            dir.path().join(STATE_FILE).exists(),
            "the rebuilt state is saved"
        );
    }

    #[test]
    fn unknown_keys_and_huge_counts_keep_the_progress() {
        let dir = tempfile::tempdir().unwrap();
        let text = "current = \"b\"\ndone = [\"a\"]\nfuture_key = 3\n[hints_used]\nb = 18446744073709551615\n";
        std::fs::write(dir.path().join(STATE_FILE), text).unwrap();
        let (mut file, _) = StateFile::load(dir.path(), &course(), true);
        assert_eq!(file.state.current, "b");
        assert!(file.state.done.contains("a"));
        assert_eq!(file.state.hints_used["b"], 2);
        assert_eq!(file.use_hint("b", 2), 2);
    }

    #[test]
    fn corrupt_state_is_rebuilt_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "current = [[[").unwrap();
        let (file, warnings) = StateFile::load(dir.path(), &course(), true);
        assert_eq!(
            file.state,
            State {
                current: "a".into(),
                ..State::default()
            }
        );
        assert!(warnings[0].contains("corrupt"), "{warnings:?}");
        assert!(warnings[0].contains("a copy is kept"), "{warnings:?}");
    }

    #[test]
    fn saved_state_round_trips_and_unknown_names_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = StateFile::new(dir.path(), &course());
        assert_eq!(file.mark_done(&course(), "a").as_deref(), Some("b"));
        file.state.done.insert("gone".into());
        file.save().unwrap();
        let (loaded, warnings) = StateFile::load(dir.path(), &course(), true);
        assert_eq!(loaded.state.current, "b");
        assert_eq!(loaded.state.done, BTreeSet::from(["a".to_string()]));
        assert!(warnings[0].contains("gone"));
    }

    #[test]
    fn advancing_skips_finished_exercises_and_wraps() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = StateFile::new(dir.path(), &course());
        // Passing an exercise the learner is not on does not move them.
        assert_eq!(file.mark_done(&course(), "b").as_deref(), Some("c"));
        assert_eq!(file.state.current, "a");
        file.state.current = "c".into();
        assert_eq!(file.mark_done(&course(), "c").as_deref(), Some("a"));
        assert_eq!(file.state.current, "a");
        assert_eq!(file.mark_done(&course(), "a"), None, "all done");
    }

    #[test]
    fn hints_count_up_to_the_number_available() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = StateFile::new(dir.path(), &course());
        assert_eq!(file.use_hint("a", 2), 1);
        assert_eq!(file.use_hint("a", 2), 2);
        assert_eq!(file.use_hint("a", 2), 2);
    }
}
