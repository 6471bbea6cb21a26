//! Terminal output: colours (off with `NO_COLOR` or when not a terminal), verdicts,
//! progress bars and links to files.

pub mod output;
pub mod verdict;

use std::io::IsTerminal as _;
use std::path::Path;

use console::style;

use crate::check::{Outcome, Verdict};

/// Decides once whether to colour output: never with `NO_COLOR`, always with
/// `CLICOLOR_FORCE`, otherwise only when stdout is a terminal.
pub fn init_colors() {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let forced = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0");
    let on = !no_color && (forced || std::io::stdout().is_terminal());
    console::set_colors_enabled(on);
    console::set_colors_enabled_stderr(on);
}

pub(crate) fn colors() -> bool {
    console::colors_enabled()
}

pub(crate) fn warn(message: &str) {
    output::error_line(&format!("{} {message}", style("warning:").yellow().bold()));
}

/// A clickable link to a file (OSC 8) where colours are on; plain text otherwise.
pub(crate) fn file_link(path: &Path, text: &str) -> String {
    if !colors() {
        return text.to_string();
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    format!(
        "\x1b]8;;file://{}\x1b\\{}\x1b]8;;\x1b\\",
        absolute.display(),
        style(text).underlined()
    )
}

/// A progress bar on stderr (indicatif draws nothing when stderr is not a terminal).
pub(crate) fn progress_bar(len: usize, prefix: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    let template = format!("{prefix}{{bar:30.green}} {{pos}}/{{len}} {{msg}}");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A check's progress on a bar: crates while building, then one step per verdict. Where
/// the bar is not drawn (stderr is not a terminal: CI, an autograder), a line on stderr every
/// [`PLAIN_PROGRESS_EVERY`] instead, so that a cold build of the dependencies is not minutes
/// of silence; a check shorter than that prints nothing.
pub(crate) struct CheckBar(pub indicatif::ProgressBar);

/// How often a check shows it is alive where no bar is drawn.
pub(crate) const PLAIN_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl CheckBar {
    /// The plain line for `event`, if a new period began since the last one (one check runs
    /// at a time in a process, so the last period shown is the process's).
    fn plain_line(&self, event: &crate::check::Event) -> Option<String> {
        use crate::check::Event;
        use std::sync::atomic::{AtomicU64, Ordering};
        static SHOWN: AtomicU64 = AtomicU64::new(0);
        let elapsed = self.0.elapsed();
        let period = elapsed.as_secs() / PLAIN_PROGRESS_EVERY.as_secs();
        if period == 0 || SHOWN.fetch_max(period, Ordering::Relaxed) >= period {
            return None;
        }
        let secs = elapsed.as_secs();
        Some(match event {
            Event::Compiled(name) => format!(
                "backendlings: still building after {secs} s (just compiled {name}); a first \
                 build compiles every dependency, later ones reuse it"
            ),
            Event::Built => format!("backendlings: built after {secs} s; running the tests"),
            Event::Warming(_) => return None,
            Event::Verdict { .. } => format!(
                "backendlings: {} of {} checked after {secs} s",
                self.0.position(),
                self.0.length().unwrap_or(0)
            ),
        })
    }
}

impl crate::check::Events for CheckBar {
    fn event(&self, event: crate::check::Event) {
        use crate::check::Event;
        if self.0.is_hidden()
            && let Some(line) = self.plain_line(&event)
        {
            output::error_line(&line);
        }
        match event {
            Event::Compiled(name) => self.0.set_message(format!("building {name}")),
            Event::Built => self.0.set_message("running tests"),
            Event::Warming(step) => self.0.set_message(warm_step(&step)),
            Event::Verdict { verdict, .. } => {
                self.0.inc(1);
                self.0.set_message(verdict.exercise.clone());
            }
        }
    }
}

/// What a step of the warm-up builds, e.g. "warming up (3 of 20): crates for the next
/// exercises".
pub(crate) fn warm_step(step: &crate::check::warm::Step) -> String {
    let what = if step.programs {
        "the exercises' programs"
    } else if step.layer == 0 {
        "crates for the first exercises"
    } else {
        "crates for the next exercises"
    };
    format!("warming up ({} of {}): {what}", step.number, step.of)
}

/// "2 of 5 exercises pass", "1 of 5 exercises passes", "1 of 1 exercise passes".
pub(crate) fn passing(passed: usize, total: usize) -> String {
    format!(
        "{passed} of {} {}",
        crate::check::judge::count(total, "exercise", "exercises"),
        if passed == 1 { "passes" } else { "pass" }
    )
}

/// `[#####>-----] 5/12`
pub(crate) fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0);
    let mut bar = "#".repeat(filled);
    if filled < width {
        bar.push('>');
        bar.push_str(&"-".repeat(width - filled - 1));
    }
    format!("[{}] {done}/{total}", style(bar).green())
}

/// The verdict's headline: `✓ intro1: all 3 tests passed`.
pub(crate) fn headline(verdict: &Verdict) -> String {
    let (mark, word) = match verdict.outcome {
        Outcome::Passed => (style("✓").green().bold(), style("passed").green().bold()),
        Outcome::Failed => (style("✗").red().bold(), style("failed").red().bold()),
        Outcome::CompileError => (
            style("✗").red().bold(),
            style("does not compile").red().bold(),
        ),
        Outcome::TimedOut => (style("✗").red().bold(), style("timed out").red().bold()),
        Outcome::Tampered => (
            style("✗").yellow().bold(),
            style("tests changed").yellow().bold(),
        ),
    };
    format!(
        "{mark} {} {word}: {}",
        style(&verdict.exercise).bold(),
        verdict::summary(verdict)
    )
}

/// Headline and details, ready to print.
pub(crate) fn verdict_text(verdict: &Verdict) -> String {
    let mut text = headline(verdict);
    let details = verdict::details(verdict);
    if !verdict.passed() && !details.is_empty() {
        text.push_str("\n\n");
        text.push_str(&details);
    }
    text
}

/// The width to wrap prose at: the terminal's, or none (0) when output is not a terminal.
pub(crate) fn wrap_width() -> usize {
    let term = console::Term::stdout();
    if term.is_term() {
        usize::from(term.size().1).clamp(40, 120)
    } else {
        0
    }
}

/// Wraps prose at word boundaries to `width` columns (0: unchanged), keeping each line's
/// indentation on the lines it wraps into. Words longer than the width stay whole.
pub(crate) fn wrap(text: &str, width: usize) -> String {
    if width == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let mut column = 0;
        for (k, word) in line.split(' ').filter(|w| !w.is_empty()).enumerate() {
            let len = console::measure_text_width(word);
            if k == 0 {
                out.push_str(&indent);
                column = indent.len();
            } else if column + 1 + len > width {
                out.push('\n');
                out.push_str(&indent);
                column = indent.len();
            } else {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
        }
    }
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// At most `rows` lines of `text`, and a last line saying how many were left out.
pub(crate) fn fit(text: &str, rows: usize, more: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if rows == 0 || lines.len() <= rows {
        return text.to_string();
    }
    let kept = rows.saturating_sub(1).max(1);
    let left_out = lines.len() - kept;
    format!(
        "{}\n… {left_out} more {} ({more})",
        lines[..kept].join("\n"),
        if left_out == 1 { "line" } else { "lines" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_words_and_keeps_indentation() {
        assert_eq!(wrap("  one two three four", 12), "  one two\n  three four");
        assert_eq!(
            wrap("a verylongwordthatdoesnotfit b", 10),
            "a\nverylongwordthatdoesnotfit\nb"
        );
        assert_eq!(wrap("keep\n\nlines\n", 0), "keep\n\nlines\n");
        assert_eq!(wrap("keep\n\nlines\n", 80), "keep\n\nlines\n");
    }

    #[test]
    fn fit_says_how_much_was_left_out() {
        assert_eq!(fit("1\n2\n3\n4", 3, "more"), "1\n2\n… 2 more lines (more)");
        assert_eq!(fit("1\n2", 3, "more"), "1\n2");
        assert_eq!(fit("1\n2", 1, "more"), "1\n… 1 more line (more)");
        assert_eq!(passing(1, 1), "1 of 1 exercise passes");
        assert_eq!(passing(0, 5), "0 of 5 exercises pass");
    }

    #[test]
    fn bar_fills_in_proportion() {
        console::set_colors_enabled(false);
        assert_eq!(bar(0, 4, 8), "[>-------] 0/4");
        assert_eq!(bar(2, 4, 8), "[####>---] 2/4");
        assert_eq!(bar(4, 4, 8), "[########] 4/4");
        assert_eq!(bar(0, 0, 4), "[>---] 0/0");
    }
}
