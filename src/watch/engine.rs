//! The engine's events in watch mode: the checks and the warm-up that run on other threads
//! send theirs to the loop as they are (`check::Event`), marked with the job they come from,
//! and the loop alone counts them and decides what the screen shows.

use std::sync::mpsc::Sender;

use super::screen::Event;
use super::{Input, Watch};
use crate::check;

/// Which of the loop's jobs on another thread an engine event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Job {
    /// The check of one exercise (the loop's `checking`): at most one runs at a time.
    One,
    /// The check of every exercise.
    All,
    /// The warm-up, which runs beside the checks.
    WarmUp,
}

/// Passes a job's events on to the loop, untouched.
pub(super) struct ToLoop {
    pub(super) tx: Sender<Input>,
    pub(super) of: Job,
}

impl check::Events for ToLoop {
    fn event(&self, event: check::Event) {
        let _ = self.tx.send(Input::Engine { of: self.of, event });
    }
}

impl Watch<'_> {
    /// An event of a job: the progress of the running check and the warm-up's steps are
    /// shown. A job sends all its events before its end (`CheckDone`, `CheckAllDone`,
    /// `Warmed`), so they count towards the check that is running.
    pub(super) fn engine_event(&mut self, of: Job, event: check::Event) {
        match (of, event) {
            // A check that needs crates the warm-up has not built yet shows them being
            // built; the exercise's own crate is the check itself.
            (Job::One, check::Event::Compiled(name)) => {
                let Some(exercise) = self.checking.clone() else {
                    return;
                };
                if name == exercise {
                    return;
                }
                self.compiled += 1;
                let compiled = self.compiled;
                self.show(&Event::Building {
                    exercise: &exercise,
                    compiled,
                    latest: &name,
                });
            }
            (Job::All, check::Event::Verdict { .. }) => {
                self.verdicts += 1;
                let (checked, total) = (self.verdicts, self.session.ws.course.exercises.len());
                self.show(&Event::CheckAllProgress { checked, total });
            }
            (Job::WarmUp, check::Event::Warming(step)) => self.show(&Event::WarmingUp {
                step: step.number,
                of: step.of,
            }),
            // The crates a check of all or the warm-up compiles, the end of a build, and the
            // verdict of a check of one (shown whole when the check is done) show nothing.
            _ => {}
        }
    }
}
