//! The learner's one-shot commands: init, run, hint, list, reset, check-all, progress.

mod init;
mod list;
mod warm;

use std::process::ExitCode;

use console::style;

use crate::Error;
use crate::check::Verdict;
use crate::session::{Advance, Session};
use crate::ui;

pub use init::init;
pub use list::list;
pub use warm::warm;

/// The plain exercise table (for watch mode's `l` when not in a terminal).
pub(crate) fn list_table(session: &Session) -> String {
    list::table(session, None, "")
}

/// The exercises (their indices) whose name or topic contains `filter`.
pub(crate) fn list_matching(session: &Session, filter: &str) -> Vec<usize> {
    list::visible(session, filter).map(|(i, _)| i).collect()
}

/// At most `rows` rows of the table of the exercises matching `filter` around `selected`
/// (none: no row is selected), with the header, and how many more there are above and below:
/// watch mode's list fits the terminal.
pub(crate) fn list_window(
    session: &Session,
    selected: Option<usize>,
    filter: &str,
    rows: usize,
) -> String {
    let text = list::table(session, selected, filter);
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let body: Vec<&str> = lines.collect();
    let rows = rows.max(5).min(body.len());
    let position = list_matching(session, filter)
        .iter()
        .position(|&i| Some(i) == selected)
        .unwrap_or(0);
    let start = position
        .saturating_sub(rows / 2)
        .min(body.len().saturating_sub(rows));
    let mut out = format!("{header}\n");
    if start > 0 {
        out.push_str(&format!("  … {start} more above\n"));
    }
    for line in &body[start..start + rows] {
        out.push_str(line);
        out.push('\n');
    }
    let below = body.len() - start - rows;
    if below > 0 {
        out.push_str(&format!("  … {below} more below\n"));
    }
    out
}

pub(crate) type CommandResult = Result<ExitCode, Error>;

pub fn run(name: Option<&str>) -> CommandResult {
    let mut session = Session::open()?;
    session.ensure_trusted()?;
    let ex = session.exercise(name)?.clone();
    let verdict = session.check(&[&ex], &crate::check::Quiet)?.remove(0);
    // Recorded before anything is printed: a closed output (`| head -1`) loses no progress.
    let (advance, solution) = session.record(&verdict)?;
    for warning in std::mem::take(&mut session.warnings) {
        ui::warn(&warning);
    }
    println!("{}", ui::verdict_text(&verdict));
    if let Some(path) = solution {
        println!("\nA solution to compare with yours: {}", path.display());
    }
    match advance {
        Advance::To(next) => println!("Next exercise: {next} (`backendlings run` checks it)"),
        Advance::Finished => println!("\n{}", session.ws.course.final_message),
        Advance::Stay => {}
    }
    Ok(exit_for(verdict.passed()))
}

pub fn hint(name: Option<&str>) -> CommandResult {
    let mut session = Session::open()?;
    let ex = session.exercise(name)?.clone();
    let seen = session.state.use_hint(&ex.name, ex.hints.len());
    session.state.save()?;
    print!("{}", hints_text(&ex.name, &ex.hints, seen));
    Ok(ExitCode::SUCCESS)
}

/// The hints seen so far, the newest last, and whether more remain.
pub(crate) fn hints_text(name: &str, hints: &[String], seen: usize) -> String {
    let mut out = String::new();
    let width = ui::wrap_width();
    for (i, hint) in hints.iter().enumerate().take(seen) {
        let title = format!("Hint {} of {} for {name}:", i + 1, hints.len());
        let text = ui::wrap(&format!("{title} {hint}"), width);
        // The title is bold; wrapping measured it plain.
        out.push_str(&text.replacen(&title, &style(&title).bold().to_string(), 1));
        out.push('\n');
    }
    if seen < hints.len() {
        out.push_str("(ask again for the next hint)\n");
    } else {
        out.push_str("(that was the last hint)\n");
    }
    out
}

pub fn reset(name: &str) -> CommandResult {
    let mut session = Session::open()?;
    if session.ws.is_course_folder() {
        let root = session.ws.root.display();
        return Err(Error::usage(
            format!(
                "{root} is a course folder: its exercise files are the course's originals, so \
                 there is nothing to restore them from"
            ),
            format!(
                "try the course as a learner in a workspace of its own: `backendlings init \
                 --course {root} ../try-it`"
            ),
        ));
    }
    let ex = session.exercise(Some(name))?.clone();
    let backup = session.ws.reset(&ex)?;
    // A restored exercise is not done any more: it fails again as shipped.
    session.state.mark_not_done(&ex.name);
    session.save()?;
    println!("Restored {} to the course's original.", ex.path().display());
    match backup {
        Some(path) => println!("Your version is saved as {}", path.display()),
        None => println!("(it was unchanged, so no backup was needed)"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check_all() -> CommandResult {
    let mut session = Session::open()?;
    session.ensure_trusted()?;
    let bar = ui::progress_bar(session.ws.course.exercises.len(), "");
    let verdicts = session.check_all(&ui::CheckBar(bar.clone()))?;
    bar.finish_and_clear();
    for warning in std::mem::take(&mut session.warnings) {
        ui::warn(&warning);
    }
    let failed: Vec<&Verdict> = verdicts.iter().filter(|v| !v.passed()).collect();
    for verdict in &failed {
        println!("{}", ui::headline(verdict));
    }
    // A blank line between the failures and the summary, none above a summary alone.
    if !failed.is_empty() {
        println!();
    }
    println!(
        "{}. {}",
        ui::passing(verdicts.len() - failed.len(), verdicts.len()),
        if failed.is_empty() {
            "Everything is done!".to_string()
        } else {
            format!("Current exercise: {}", session.state.state.current)
        }
    );
    Ok(exit_for(failed.is_empty()))
}

pub fn progress() -> CommandResult {
    let session = Session::open()?;
    print!("{}", progress_text(&session));
    Ok(ExitCode::SUCCESS)
}

/// One bar per topic, then the total.
pub(crate) fn progress_text(session: &Session) -> String {
    let topics = session.ws.course.topics();
    let width = topics.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (topic, exercises) in &topics {
        let done = exercises
            .iter()
            .filter(|e| session.state.is_done(&e.name))
            .count();
        out.push_str(&format!(
            "{topic:width$}  {}\n",
            ui::bar(done, exercises.len(), 20)
        ));
    }
    out.push_str(&format!(
        "{:width$}  {}\n",
        "all",
        ui::bar(session.done_count(), session.ws.course.exercises.len(), 20)
    ));
    out
}

pub(crate) fn exit_for(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
