//! `list`: every exercise with topic and status. In a terminal it is interactive (move,
//! filter, make one current, reset one); otherwise a plain table.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use console::{Key, Term, style};

use crate::Error;
use crate::session::Session;

use super::CommandResult;

pub fn list() -> CommandResult {
    let mut session = Session::open()?;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        if let Some(ex) = interactive(&mut session)? {
            println!(
                "{} is now the current exercise: {}",
                ex.name,
                ex.path().display()
            );
        }
    } else {
        print!("{}", table(&session, None, ""));
    }
    Ok(ExitCode::SUCCESS)
}

/// The table: `> name  topic  status`. The `>` marks the selected row where one is (the
/// cursor, visible without colours too), else the current exercise; "(current)" always
/// marks the current one.
pub(crate) fn table(session: &Session, selected: Option<usize>, filter: &str) -> String {
    let mut out = format!("  {:<14} {:<16} {}\n", "exercise", "topic", "status");
    for (i, ex) in visible(session, filter) {
        let current = ex.name == session.state.state.current;
        let status = if session.state.is_done(&ex.name) {
            style("done").green().to_string()
        } else {
            style("pending").yellow().to_string()
        };
        let marked = match selected {
            Some(row) => row == i,
            None => current,
        };
        let line = format!(
            "{} {:<14} {:<16} {}{}",
            if marked { ">" } else { " " },
            ex.name,
            ex.topic(),
            status,
            if current { "  (current)" } else { "" }
        );
        if selected == Some(i) {
            out.push_str(&style(line).reverse().to_string());
        } else {
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

pub(super) fn visible<'a>(
    session: &'a Session,
    filter: &'a str,
) -> impl Iterator<Item = (usize, &'a crate::course::Exercise)> + 'a {
    session
        .ws
        .course
        .exercises
        .iter()
        .enumerate()
        .filter(move |(_, ex)| ex.name.contains(filter) || ex.topic().contains(filter))
}

/// Runs the interactive list until the learner leaves it; returns the exercise made current
/// (Enter), if any.
fn interactive(session: &mut Session) -> Result<Option<crate::course::Exercise>, Error> {
    let term = Term::stdout();
    let mut filter = String::new();
    let mut filtering = false;
    let mut selected = session
        .ws
        .course
        .index_of(&session.state.state.current)
        .unwrap_or(0);
    let mut message = String::new();
    term.hide_cursor()?;
    let result = loop {
        let shown: Vec<usize> = visible(session, &filter).map(|(i, _)| i).collect();
        if !shown.contains(&selected) {
            selected = shown.first().copied().unwrap_or(selected);
        }
        // Enter and `r` act on the selected row only while it is on the screen.
        let target = shown.contains(&selected).then_some(selected);
        let rows = term.size().0.saturating_sub(6).max(5) as usize;
        let pos = shown.iter().position(|&i| i == selected).unwrap_or(0);
        let skip = pos.saturating_sub(rows - 1);
        let mut text = table(session, target, &filter);
        if target.is_none() {
            text.push_str(&format!(
                "  (no exercise matches {filter:?}; esc clears the filter)\n"
            ));
        }
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        term.clear_screen()?;
        println!("{header}");
        for line in lines.skip(skip).take(rows) {
            println!("{line}");
        }
        println!(
            "\n{}",
            if filtering {
                format!("filter: {filter}_   (enter to keep, esc to clear)")
            } else {
                "↑/↓ or j/k move · enter make current · r reset · / filter · q back".to_string()
            }
        );
        if !message.is_empty() {
            println!("{message}");
            message.clear();
        }
        let key = match term.read_key() {
            Ok(key) => key,
            Err(e) => break Err(e.into()),
        };
        let step = |forward: bool| {
            let next = if forward {
                pos + 1
            } else {
                pos.wrapping_sub(1)
            };
            shown.get(next).copied().unwrap_or(selected)
        };
        match (filtering, key) {
            (true, Key::Enter) => filtering = false,
            (true, Key::Escape) => {
                filter.clear();
                filtering = false;
            }
            (true, Key::Backspace) => {
                filter.pop();
            }
            (true, Key::Char(c)) => filter.push(c),
            (_, Key::ArrowDown) | (false, Key::Char('j')) => selected = step(true),
            (_, Key::ArrowUp) | (false, Key::Char('k')) => selected = step(false),
            (false, Key::Char('/')) => filtering = true,
            (false, Key::Enter | Key::Char('r')) if target.is_none() => {
                message = "no exercise is selected: esc clears the filter".to_string();
            }
            (false, Key::Enter) => {
                let ex = session.ws.course.exercises[selected].clone();
                session.set_current(&ex.name)?;
                break Ok(Some(ex));
            }
            (false, Key::Char('r')) => {
                let ex = session.ws.course.exercises[selected].clone();
                println!(
                    "Reset {} to its original? Your version is kept as a backup. [y/N]",
                    ex.path().display()
                );
                let yes = matches!(term.read_key(), Ok(Key::Char('y' | 'Y')));
                message = if !yes {
                    format!("{} was not reset", ex.name)
                } else {
                    match session.ws.reset(&ex) {
                        Ok(Some(backup)) => format!(
                            "{} restored; your version is in {}",
                            ex.name,
                            backup.display()
                        ),
                        Ok(None) => format!("{} was unchanged", ex.name),
                        Err(e) => format!("could not reset {}: {e}", ex.name),
                    }
                };
            }
            (false, Key::Escape) if !filter.is_empty() => filter.clear(),
            (false, Key::Char('q')) | (false, Key::Escape) | (_, Key::CtrlC) => break Ok(None),
            _ => {}
        }
    };
    term.show_cursor()?;
    term.clear_screen()?;
    result
}
