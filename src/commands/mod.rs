//! The learner's one-shot commands: init, run, hint, list, reset, check-all, progress.

mod init;
mod list;

use std::process::ExitCode;

use console::style;

use crate::check::Verdict;
use crate::session::{Advance, Error, Session};
use crate::ui;

pub use init::init;
pub use list::list;

/// The plain exercise table (for watch mode's `l`).
pub fn list_table(session: &Session) -> String {
    list::table(session, None, "")
}

pub type CommandResult = Result<ExitCode, Error>;

pub fn run(name: Option<&str>) -> CommandResult {
    let mut session = Session::open()?;
    let ex = session.exercise(name)?.clone();
    let verdict = session.check(&[&ex], &crate::check::Quiet)?.remove(0);
    println!("{}", ui::verdict_text(&verdict));
    let (advance, solution) = session.record(&verdict)?;
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
pub fn hints_text(name: &str, hints: &[String], seen: usize) -> String {
    let mut out = String::new();
    for (i, hint) in hints.iter().enumerate().take(seen) {
        out.push_str(&format!(
            "{} {}\n",
            style(format!("Hint {} of {} for {name}:", i + 1, hints.len())).bold(),
            hint
        ));
    }
    if seen < hints.len() {
        out.push_str("(ask again for the next hint)\n");
    } else {
        out.push_str("(that was the last hint)\n");
    }
    out
}

pub fn reset(name: &str) -> CommandResult {
    let session = Session::open()?;
    let ex = session.exercise(Some(name))?;
    let backup = session.ws.reset(ex)?;
    println!("Restored {} to the course's original.", ex.path().display());
    match backup {
        Some(path) => println!("Your version is saved as {}", path.display()),
        None => println!("(it was unchanged, so no backup was needed)"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check_all() -> CommandResult {
    let mut session = Session::open()?;
    let bar = ui::progress_bar(session.ws.course.exercises.len(), "");
    let verdicts = session.check_all(&ui::CheckBar(bar.clone()))?;
    bar.finish_and_clear();
    let failed: Vec<&Verdict> = verdicts.iter().filter(|v| !v.passed()).collect();
    for verdict in &failed {
        println!("{}", ui::headline(verdict));
    }
    println!(
        "\n{} of {} exercises pass. {}",
        verdicts.len() - failed.len(),
        verdicts.len(),
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
pub fn progress_text(session: &Session) -> String {
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

pub fn exit_for(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
