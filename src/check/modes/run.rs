//! `run` mode: the learner's program as it is, run once; its output may be compared with the
//! course's expected output.

use std::path::{Path, PathBuf};

use super::super::{Target, Verdict, rules, run_program, verdict_of};
use super::{Composed, GradingMode, Rejection};

pub(crate) struct Run;

impl GradingMode for Run {
    fn compose(
        &self,
        target: &Target<'_>,
        snapshot: &str,
        composed: &mut Composed,
    ) -> Result<Vec<(PathBuf, String)>, Rejection> {
        let original = target.original.as_deref().unwrap_or(snapshot);
        match rules::check(snapshot, original, &target.exercise.allow) {
            Ok(findings) if findings.is_empty() => {}
            Ok(findings) => return Err(Rejection::Rules { findings }),
            Err(unreadable) => composed.unreadable = Some(unreadable.line),
        }
        Ok(vec![(target.shown_as.clone(), snapshot.to_string())])
    }

    fn builds_program(&self) -> bool {
        true
    }

    fn has_wrong_attempts(&self) -> bool {
        false
    }

    fn grade(
        &self,
        executable: &Path,
        build_dir: &Path,
        target: &Target<'_>,
        _composed: &Composed,
    ) -> Verdict {
        verdict_of(target.exercise, run_program(executable, build_dir, target))
    }
}
