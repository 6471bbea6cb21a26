//! What watch mode tells the learner, as events; a terminal screen and a JSON-lines stream
//! are two ways of showing the same events.

use std::io::Write as _;

use serde::Serialize;

use crate::check::Verdict;
use crate::session::Session;
use crate::ui;

#[derive(Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event<'a> {
    /// The first event: which version of this protocol (docs/PROTOCOL.md) the stream speaks.
    Hello {
        protocol: u32,
        version: &'static str,
    },
    /// Watch mode started on `exercise`.
    Watching {
        exercise: &'a str,
        done: usize,
        total: usize,
        polling: bool,
    },
    CheckStarted {
        exercise: &'a str,
    },
    /// A verdict, with its words (protocol 1's `summary` and `details`) and its finding.
    Verdict(#[serde(serialize_with = "with_words")] &'a Verdict),
    /// A verdict thrown away because the file changed while it was being checked.
    VerdictDropped {
        exercise: &'a str,
        reason: &'a str,
    },
    /// The exercise passed and is done; its solution was revealed at `solution`.
    Solved {
        exercise: &'a str,
        solution: Option<String>,
    },
    /// The current exercise changed: after a pass (`advanced`) or on request.
    Advanced {
        from: &'a str,
        to: &'a str,
    },
    Current {
        exercise: &'a str,
    },
    Hint {
        exercise: &'a str,
        level: usize,
        of: usize,
        text: &'a str,
    },
    List,
    /// The list to move in (a terminal's `l`): already laid out.
    Browse {
        text: &'a str,
        /// The keys line under it.
        keys: &'a str,
    },
    /// A check of every exercise is under way: `checked` of `total` have their verdict.
    CheckAllProgress {
        checked: usize,
        total: usize,
    },
    /// That check is over. `regressed`: the exercises that were done and now fail;
    /// `failed`: the others that fail.
    CheckAllFinished {
        passed: usize,
        total: usize,
        regressed: &'a [String],
        failed: &'a [String],
    },
    CourseFinished {
        message: &'a str,
    },
    /// A check of `exercise` is building the crates it needs (the warm-up has not built them
    /// yet): `compiled` so far, the last one `latest`.
    Building {
        exercise: &'a str,
        compiled: usize,
        #[serde(rename = "crate")]
        latest: &'a str,
    },
    /// The warm-up (building the rest of the course ahead) began step `step` of `of`.
    WarmingUp {
        step: usize,
        of: usize,
    },
    /// The warm-up is over: every exercise's dependencies and program are built.
    WarmedUp,
    /// The terminal changed size: draw the screen again (never sent in JSON mode).
    Resized,
    Warning {
        message: &'a str,
    },
}

fn with_words<S: serde::Serializer>(verdict: &&Verdict, s: S) -> Result<S::Ok, S::Error> {
    ui::verdict::WithWords(verdict).serialize(s)
}

pub(crate) trait Screen {
    fn show(&mut self, event: &Event<'_>, session: &Session);
}

/// One JSON object per line on stdout, flushed at once.
pub(crate) struct JsonLines;

impl Screen for JsonLines {
    fn show(&mut self, event: &Event<'_>, session: &Session) {
        let mut out = std::io::stdout().lock();
        let line = match event {
            // The list needs the session; serialise it here rather than in the event.
            Event::List => serde_json::json!({
                "event": "list",
                "exercises": session.ws.course.exercises.iter().map(|ex| serde_json::json!({
                    "name": ex.name,
                    "topic": ex.topic(),
                    "done": session.state.is_done(&ex.name),
                    "current": ex.name == session.state.state.current,
                })).collect::<Vec<_>>(),
            })
            .to_string(),
            other => serde_json::to_string(other).unwrap_or_default(),
        };
        // An editor that stopped reading ends watch mode by SIGPIPE; a full disk, here.
        if let Err(error) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            ui::output::write_failed("output", &error);
        }
    }
}

/// The human screen: the verdict of the current exercise, progress and the keys.
pub(crate) struct Terminal {
    pub(crate) clear: bool,
    /// Shown above the verdict for a while: the welcome, or "intro1 is done!".
    notice: Option<String>,
    /// Checks started since the notice appeared; it goes at the learner's second one.
    checks_since_notice: usize,
    /// The last verdict shown, redrawn under hints and lists.
    last_verdict: Option<String>,
    /// The warm-up's step, shown quietly above the footer while it runs.
    warming: Option<(usize, usize)>,
}

impl Terminal {
    pub(crate) fn new(clear: bool, welcome: Option<String>) -> Terminal {
        Terminal {
            clear,
            notice: welcome.map(|w| w.trim().to_string()),
            checks_since_notice: 0,
            last_verdict: None,
            warming: None,
        }
    }

    fn redraw(&self, session: &Session, below: &str) {
        let term = console::Term::stdout();
        if self.clear {
            let _ = term.clear_screen();
        }
        let width = ui::wrap_width();
        let mut used = 0;
        if let Some(notice) = &self.notice {
            let notice = ui::wrap(notice, width);
            used += notice.lines().count() + 1;
            println!("{notice}\n");
        }
        if let Some(verdict) = &self.last_verdict {
            // Long lines break between words, not where the terminal's edge falls.
            let verdict = &wrap_long(verdict, usize::from(term.size().1));
            // The verdict's first lines and the footer stay on the screen: a long report is
            // cut, and `backendlings run` shows all of it.
            if self.clear {
                let rows = usize::from(term.size().0)
                    .saturating_sub(used + below.lines().count() + 7)
                    .max(8);
                let verdict = ui::fit(verdict, rows, "`backendlings run` shows all of it");
                println!("{verdict}\n");
            } else {
                println!("{verdict}\n");
            }
        }
        if !below.is_empty() {
            println!("{below}");
        }
        // The quiet lines, too, break between words in a narrow terminal.
        let columns = usize::from(term.size().1);
        if let Some((step, of)) = self.warming {
            let line = format!(
                "warming up the course in the background ({step} of {of}); your checks go first"
            );
            println!("{}", console::style(wrap_long(&line, columns)).dim());
        }
        println!("{}", footer(session, columns));
    }
}

/// `text` with each line wider than `width` columns broken between words, the pieces
/// indented as the line is; lines that fit, and the spacing inside lines, stay as they are
/// (compiler output is aligned with spaces). A word wider than the line stays whole.
fn wrap_long(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if width < 20 || console::measure_text_width(line) <= width {
            out.push_str(line);
            continue;
        }
        let rest = line.trim_start_matches(' ');
        let lead = &line[..line.len() - rest.len()];
        let indent = if lead.len() > width / 2 { "" } else { lead };
        out.push_str(lead);
        let mut column = lead.len();
        for (k, word) in rest.split(' ').enumerate() {
            let len = console::measure_text_width(word);
            if k > 0 && !word.is_empty() && column + 1 + len > width {
                out.push('\n');
                out.push_str(indent);
                column = indent.len();
            } else if k > 0 {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
        }
    }
    out
}

/// At most `most` names, and how many more there are.
fn names(all: &[String], most: usize) -> String {
    let mut text = all[..all.len().min(most)].join(", ");
    if all.len() > most {
        text.push_str(&format!(
            " and {} more (`backendlings list` shows them)",
            all.len() - most
        ));
    }
    text
}

fn footer(session: &Session, columns: usize) -> String {
    let course = &session.ws.course;
    let current = &session.state.state.current;
    let (path, topic) = course
        .find(current)
        .map(|ex| (ex.path(), ex.topic().to_string()))
        .unwrap_or_default();
    format!(
        "{}\nCurrent exercise: {} ({topic})\n{}",
        ui::bar(session.done_count(), course.exercises.len(), 40),
        ui::file_link(&session.ws.root.join(&path), &path.display().to_string()),
        console::style(wrap_long(
            "h hint · n next · p previous · l list · c check all · r re-run · q quit",
            columns
        ))
        .dim()
    )
}

impl Screen for Terminal {
    fn show(&mut self, event: &Event<'_>, session: &Session) {
        match event {
            Event::Hello { .. } => {}
            Event::Watching { polling, .. } => {
                self.redraw(session, "");
                if *polling {
                    ui::warn(
                        "watching by polling the exercise files; press r to re-run at any time",
                    );
                }
            }
            Event::CheckStarted { exercise } => {
                self.checks_since_notice += 1;
                if self.checks_since_notice > 1 {
                    self.notice = None;
                }
                println!("{}", console::style(format!("Checking {exercise}…")).dim());
            }
            Event::Verdict(verdict) => {
                self.last_verdict = Some(ui::verdict_text(verdict));
                self.redraw(session, "");
            }
            Event::VerdictDropped { .. } => {}
            Event::Solved { exercise, solution } => {
                let mut text =
                    format!("{} {exercise} is done!", console::style("✓").green().bold());
                if let Some(path) = solution {
                    text.push_str(&format!(" Compare with the solution: {path}"));
                }
                self.notice = Some(text);
                self.checks_since_notice = 0;
                self.last_verdict = None;
            }
            Event::Advanced { .. } | Event::Current { .. } => {
                self.redraw(session, "");
            }
            Event::Hint {
                exercise, level, ..
            } => {
                let ex = session.ws.course.find(exercise);
                let hints = ex.map(|e| e.hints.as_slice()).unwrap_or_default();
                self.redraw(
                    session,
                    &crate::commands::hints_text(exercise, hints, *level),
                );
            }
            Event::List => {
                self.redraw(session, &crate::commands::list_table(session));
            }
            Event::Browse { text, keys } => {
                let term = console::Term::stdout();
                if self.clear {
                    let _ = term.clear_screen();
                }
                println!("{text}\n{}", console::style(keys).dim());
            }
            Event::Building {
                exercise,
                compiled,
                latest,
            } => {
                // One line, rewritten in place; the verdict's redraw replaces it.
                if self.clear {
                    let term = console::Term::stdout();
                    let _ = term.clear_line();
                    let line = format!(
                        "building the crates {exercise} needs: {compiled} compiled ({latest})"
                    );
                    let _ = term.write_str(&console::style(line).dim().to_string());
                }
            }
            Event::WarmingUp { step, of } => {
                self.warming = Some((*step, *of));
                if self.last_verdict.is_some() {
                    self.redraw(session, "");
                }
            }
            Event::WarmedUp => {
                self.warming = None;
                if self.last_verdict.is_some() {
                    self.redraw(session, "");
                }
            }
            Event::CheckAllProgress { checked, total } => {
                self.redraw(
                    session,
                    &format!(
                        "checking every exercise: {checked} of {total} done (keys still work)"
                    ),
                );
            }
            Event::CheckAllFinished {
                passed,
                total,
                regressed,
                failed,
            } => {
                let mut text = format!("check all: {}", ui::passing(*passed, *total));
                if !regressed.is_empty() {
                    text.push_str(&format!(
                        "\nno longer passing (they were done): {}",
                        names(regressed, regressed.len())
                    ));
                }
                if !failed.is_empty() {
                    text.push_str(&format!("\nnot passing yet: {}", names(failed, 8)));
                }
                self.redraw(session, &ui::wrap(&text, ui::wrap_width()));
            }
            Event::CourseFinished { message } => {
                self.last_verdict = None;
                self.redraw(session, message);
            }
            Event::Resized => self.redraw(session, ""),
            Event::Warning { message } => ui::warn(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_between_words_and_short_ones_keep_their_spacing() {
        let aligned = "   |     ^^^ expected `u32`";
        assert_eq!(wrap_long(aligned, 40), aligned);
        assert_eq!(
            wrap_long("  the quick brown fox jumps over the lazy dog", 20),
            "  the quick brown\n  fox jumps over the\n  lazy dog"
        );
        assert_eq!(
            wrap_long(
                "see https://example.com/a/very/long/address/that/cannot/break ok",
                20
            ),
            "see\nhttps://example.com/a/very/long/address/that/cannot/break\nok"
        );
    }
    use crate::check::libtest::TestStatus;
    use crate::check::{Outcome, Verdict};

    /// docs/PROTOCOL.md names every event, outcome and test status the stream can send. The
    /// matches are exhaustive: a new variant does not compile until it is listed here.
    #[test]
    fn the_protocol_doc_names_everything_the_stream_sends() {
        let doc = include_str!("../../docs/PROTOCOL.md");
        let documented = |name: &str| doc.contains(&format!("`{name}`"));
        let verdict = Verdict {
            exercise: "x".into(),
            outcome: Outcome::Passed,
            duration: std::time::Duration::ZERO,
            tests: Vec::new(),
            survivors: Vec::new(),
            line: None,
            diagnostics: Vec::new(),
            finding: crate::check::Finding::TestsPassed,
            warnings: Vec::new(),
        };
        let events = [
            Event::Hello {
                protocol: 1,
                version: "",
            },
            Event::Watching {
                exercise: "",
                done: 0,
                total: 0,
                polling: false,
            },
            Event::CheckStarted { exercise: "" },
            Event::Verdict(&verdict),
            Event::VerdictDropped {
                exercise: "",
                reason: "",
            },
            Event::Solved {
                exercise: "",
                solution: None,
            },
            Event::Advanced { from: "", to: "" },
            Event::Current { exercise: "" },
            Event::Hint {
                exercise: "",
                level: 1,
                of: 1,
                text: "",
            },
            Event::List,
            Event::CheckAllProgress {
                checked: 0,
                total: 0,
            },
            Event::CheckAllFinished {
                passed: 0,
                total: 0,
                regressed: &[],
                failed: &[],
            },
            Event::CourseFinished { message: "" },
            Event::Building {
                exercise: "",
                compiled: 1,
                latest: "",
            },
            Event::WarmingUp { step: 1, of: 2 },
            Event::WarmedUp,
            Event::Warning { message: "" },
        ];
        for event in &events {
            match event {
                // The terminal's own list and size: never sent in JSON mode (watch::run).
                Event::Browse { .. } | Event::Resized => continue,
                Event::Hello { .. }
                | Event::Watching { .. }
                | Event::CheckStarted { .. }
                | Event::Verdict(_)
                | Event::VerdictDropped { .. }
                | Event::Solved { .. }
                | Event::Advanced { .. }
                | Event::Current { .. }
                | Event::Hint { .. }
                | Event::List
                | Event::CheckAllProgress { .. }
                | Event::CheckAllFinished { .. }
                | Event::CourseFinished { .. }
                | Event::Building { .. }
                | Event::WarmingUp { .. }
                | Event::WarmedUp
                | Event::Warning { .. } => {}
            }
            let json = serde_json::to_value(event).unwrap();
            let name = json["event"].as_str().unwrap();
            assert!(
                documented(name),
                "docs/PROTOCOL.md lacks the event `{name}`"
            );
            let fields = json.as_object().unwrap().keys().filter(|k| *k != "event");
            for field in fields {
                assert!(
                    documented(field),
                    "docs/PROTOCOL.md lacks `{name}`'s `{field}`"
                );
            }
        }
        let outcomes = [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::CompileError,
            Outcome::TimedOut,
            Outcome::Tampered,
        ];
        for outcome in outcomes {
            match outcome {
                Outcome::Passed
                | Outcome::Failed
                | Outcome::CompileError
                | Outcome::TimedOut
                | Outcome::Tampered => {}
            }
            let name = serde_json::to_value(outcome).unwrap();
            assert!(documented(name.as_str().unwrap()), "outcome {name}");
        }
        let statuses = [
            TestStatus::Passed,
            TestStatus::Failed,
            TestStatus::Skipped,
            TestStatus::NotRun,
        ];
        for status in statuses {
            match status {
                TestStatus::Passed
                | TestStatus::Failed
                | TestStatus::Skipped
                | TestStatus::NotRun => {}
            }
            let name = serde_json::to_value(status).unwrap();
            assert!(documented(name.as_str().unwrap()), "status {name}");
        }
    }
}
