//! `grade`'s progress on standard error, read from the check's events. On a terminal, the
//! check's bar, with how many students are graded. Elsewhere (a CI log, an autograder), where
//! no bar is drawn, plain lines: when the build starts and when it ends, one per student as
//! the last of their exercise files gets its verdict, and the check's own line every 30 s
//! while a long build runs. Standard output is only ever the report.

use std::sync::Mutex;

use crate::check::judge::count;
use crate::check::{self, Event};
use crate::ui;

/// A class's grading: the bar, and which students each checked target belongs to.
pub(crate) struct Progress {
    bar: ui::CheckBar,
    /// Per target, the students (by index) whose exercise file it grades.
    owners: Vec<Vec<usize>>,
    names: Vec<String>,
    /// Students to grade, and the exercises each one has.
    students: usize,
    exercises: usize,
    tally: Mutex<Tally>,
}

/// Per student: exercises still waiting for a verdict, and exercises passed; and how many
/// students are graded so far.
struct Tally {
    waiting: Vec<usize>,
    passed: Vec<usize>,
    graded: usize,
}

impl Progress {
    /// The progress of checking `targets` targets, where `owners[t]` are the students whose
    /// file target `t` grades, of students named `names`, each with `exercises` exercises
    /// (a student who owns no target is not graded, and not counted).
    pub(crate) fn new(
        targets: usize,
        owners: Vec<Vec<usize>>,
        names: Vec<String>,
        exercises: usize,
    ) -> Self {
        let mut waiting = vec![0; names.len()];
        for student in owners.iter().flatten() {
            waiting[*student] += 1;
        }
        let students = waiting.iter().filter(|w| **w > 0).count();
        // One workspace is named; a class is counted, its files shared between students.
        let (who, files) = match (students, waiting.iter().position(|w| *w > 0)) {
            (1, Some(only)) => (
                names[only].clone(),
                count(targets, "exercise file", "exercise files"),
            ),
            _ => (
                count(students, "student", "students"),
                count(targets, "distinct exercise file", "distinct exercise files"),
            ),
        };
        let bar = ui::progress_bar(targets, "");
        bar.set_message(format!("grading {who}: {files}"));
        if bar.is_hidden() {
            ui::output::error_line(&format!("backendlings: grading {who}: building {files}"));
        }
        Progress {
            bar: ui::CheckBar(bar),
            owners,
            names,
            students,
            exercises,
            tally: Mutex::new(Tally {
                passed: vec![0; waiting.len()],
                waiting,
                graded: 0,
            }),
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.0.finish_and_clear();
    }

    /// Where no bar is drawn: CI logs, autograders, tests.
    fn plain(&self) -> bool {
        self.bar.0.is_hidden()
    }

    /// Counts `target`'s verdict for its students: the line of each student it completes.
    fn count_verdict(&self, target: usize, passed: bool) -> Vec<String> {
        let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines = Vec::new();
        for &student in self.owners.get(target).into_iter().flatten() {
            tally.waiting[student] -= 1;
            tally.passed[student] += usize::from(passed);
            if tally.waiting[student] == 0 {
                tally.graded += 1;
                let passing = ui::passing(tally.passed[student], self.exercises);
                let name = &self.names[student];
                lines.push(if self.students == 1 {
                    format!("graded {name}: {passing}")
                } else {
                    format!(
                        "graded {} of {}: {name}, {passing}",
                        tally.graded,
                        count(self.students, "student", "students"),
                    )
                });
            }
        }
        lines
    }
}

impl check::Events for Progress {
    fn event(&self, event: Event) {
        match &event {
            Event::Built if self.plain() => {
                self.bar.0.set_message("running tests");
                ui::output::error_line(&format!(
                    "backendlings: built in {} s; running the tests",
                    self.bar.0.elapsed().as_secs()
                ));
            }
            Event::Verdict { target, verdict } => {
                let lines = self.count_verdict(*target, verdict.passed());
                if self.plain() {
                    // The check's own line every 30 s: a long run of tests is not silent.
                    self.bar.event(event);
                    for line in lines {
                        ui::output::error_line(&format!("backendlings: {line}"));
                    }
                } else {
                    self.bar.0.inc(1);
                    if let Some(line) = lines.last() {
                        self.bar.0.set_message(line.clone());
                    }
                }
            }
            _ => self.bar.event(event),
        }
    }
}
