//! Watch mode: a loop that turns file saves and commands into checks, and verdicts into
//! screens. Checks run on a worker thread; this loop alone talks to the screen.

mod engine;
mod filter;
mod input;
mod screen;

pub use crate::sys::terminal::restore_terminal;

/// The version of the JSON-lines protocol of `watch --json` (docs/PROTOCOL.md).
pub(crate) const PROTOCOL: u32 = 1;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use notify::Watcher as _;

use crate::Error;
use crate::check::{self, Target, Verdict};
use crate::course::Exercise;
use crate::session::{Advance, Session};
use crate::ui;
use engine::{Job, ToLoop};
use filter::Urgency;
use input::Command;
use screen::{Event, JsonLines, Screen, Terminal};

/// How long to wait for more events after a write that may not be the last one.
const COALESCE: Duration = Duration::from_millis(50);
/// How often the polling watcher looks at the files.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

pub struct Options {
    pub json: bool,
    pub poll: bool,
    pub edit_cmd: Option<String>,
    /// `--edit` was given, but neither `$VISUAL` nor `$EDITOR` names an editor.
    pub no_editor: bool,
}

/// Everything the loop waits for.
enum Input {
    FileChanged(PathBuf, Urgency),
    Command(Command),
    /// A key pressed in the terminal: a command, or a move in the list.
    Key(input::Key),
    Unknown(String),
    /// What a check or the warm-up reported while it ran (`engine`).
    Engine {
        of: Job,
        event: check::Event,
    },
    CheckDone {
        verdict: Result<Box<Verdict>, String>,
        hash: u64,
        /// The check was of the current exercise (not of another one saved).
        of_current: bool,
    },
    CheckAllDone(Result<Vec<Verdict>, String>),
    /// The warm-up ended: everything is built, or it stopped, or it failed.
    Warmed(Result<check::warm::Warmed, String>),
    /// The terminal changed size.
    Resized,
}

pub fn run(options: Options) -> Result<ExitCode, Error> {
    let mut session = Session::open()?;
    session.ensure_trusted()?;
    let (tx, rx) = mpsc::channel();
    let course_folder = session.ws.is_course_folder().then(|| {
        format!(
            "This is a course folder: saves here change the course's own files. To try the \
             course as a learner, make a workspace: backendlings init --course {} ../try-it",
            session.ws.root.display()
        )
    });
    let no_editor = options.no_editor.then(|| {
        "--edit: neither $VISUAL nor $EDITOR is set, so no editor opens the exercises. Set \
         one (export EDITOR=nano), or name the command: backendlings watch --edit-cmd code"
            .to_string()
    });
    let welcome = (!session.state.state.welcomed)
        .then(|| session.ws.course.welcome_message.clone())
        .into_iter()
        .chain(course_folder.clone())
        .chain(no_editor.clone())
        .reduce(|a, b| format!("{}\n\n{b}", a.trim_end()));
    let mut screen: Box<dyn Screen> = if options.json {
        Box::new(JsonLines)
    } else {
        Box::new(Terminal::new(std::io::stdout().is_terminal(), welcome))
    };

    let exercises_dir = session.ws.root.join("exercises");
    let (_watcher, polling) = start_watcher(&exercises_dir, options.poll, tx.clone())?;

    let interactive = !options.json && std::io::stdin().is_terminal();
    let _raw_terminal = if interactive {
        crate::sys::terminal::RawTerminal::enable()
    } else {
        None
    };
    if interactive {
        let tx = tx.clone();
        thread::spawn(move || watch_size(&tx));
    }
    {
        let tx = tx.clone();
        thread::spawn(move || {
            if interactive {
                input::read_keys(tx)
            } else {
                input::read_lines(tx)
            }
        });
    }

    if !session.state.state.welcomed && !options.json {
        session.state.state.welcomed = true;
        session.state.save()?;
    }
    let mut watch = Watch {
        session,
        screen: screen.as_mut(),
        tx,
        running: false,
        checking: None,
        queued: Vec::new(),
        checked: std::collections::HashMap::new(),
        edit_cmd: options.edit_cmd,
        check_all_queued: false,
        cancel: None,
        interactive,
        browsing: None,
        filter: String::new(),
        typing: false,
        warm_up: None,
        compiled: 0,
        verdicts: 0,
    };
    watch.show(&Event::Hello {
        protocol: PROTOCOL,
        version: env!("CARGO_PKG_VERSION"),
    });
    if options.json {
        for message in course_folder.iter().chain(&no_editor) {
            watch.show(&Event::Warning { message });
        }
    }
    watch.show(&Event::Watching {
        exercise: &watch.session.state.state.current.clone(),
        done: watch.session.done_count(),
        total: watch.session.ws.course.exercises.len(),
        polling,
    });
    // The learner's editor opens on the exercise they are on, not only on the next one.
    watch.open_in_editor();
    watch.start_check();
    watch.start_warm_up();
    let ended = watch.run_loop(&rx);
    watch.stop_warm_up();
    ended?;
    Ok(ExitCode::SUCCESS)
}

/// The native watcher, or the polling one when asked or when the native one fails.
fn start_watcher(
    dir: &Path,
    force_poll: bool,
    tx: Sender<Input>,
) -> Result<(Box<dyn notify::Watcher>, bool), Error> {
    let root = dir.to_path_buf();
    let handler = move |result: notify::Result<notify::Event>| {
        let Ok(event) = result else { return };
        let Some(urgency) = filter::classify(&event.kind) else {
            return;
        };
        for path in filter::relevant_paths(&root, &event.paths) {
            let _ = tx.send(Input::FileChanged(path.clone(), urgency));
        }
    };
    if !force_poll {
        let native = notify::recommended_watcher(handler.clone()).and_then(|mut w| {
            w.watch(dir, notify::RecursiveMode::Recursive)?;
            Ok(w)
        });
        match native {
            Ok(watcher) => return Ok((Box::new(watcher), false)),
            Err(e) => ui::warn(&format!(
                "the system's file watcher is not available ({e}); polling the files instead"
            )),
        }
    }
    let config = notify::Config::default()
        .with_poll_interval(POLL_INTERVAL)
        .with_compare_contents(true);
    let mut watcher = notify::PollWatcher::new(handler, config)?;
    watcher.watch(dir, notify::RecursiveMode::Recursive)?;
    Ok((Box::new(watcher), true))
}

struct Watch<'s> {
    session: Session,
    screen: &'s mut dyn Screen,
    tx: Sender<Input>,
    /// A check is running on the worker thread.
    running: bool,
    /// The exercise the running check is of (none for a check of every exercise).
    checking: Option<String>,
    /// Exercises saved (or asked for) while a check ran: checked, in order, when it is done.
    queued: Vec<String>,
    /// Hash of the content each exercise's latest check started from (saves that change
    /// nothing are ignored).
    checked: std::collections::HashMap<String, u64>,
    edit_cmd: Option<String>,
    /// `c` was pressed while a check ran: check everything when it is done.
    check_all_queued: bool,
    /// Ends the running check early when its verdict is no longer wanted.
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Keys come from a terminal (the list can be moved in).
    interactive: bool,
    /// The list is open with this exercise selected (`l`).
    browsing: Option<usize>,
    /// The list shows only the exercises whose name or topic contains this (`/`).
    filter: String,
    /// Keys typed in the list go to the filter (after `/`, until Enter or Esc).
    typing: bool,
    /// The warm-up this watch runs: set `stop` to end it.
    warm_up: Option<(Arc<AtomicBool>, thread::JoinHandle<()>)>,
    /// Counted from the running check's events, for its progress line: the crates a check
    /// of one exercise compiled, the verdicts a check of every exercise gave.
    compiled: usize,
    verdicts: usize,
}

/// What a check of some exercises needs from the session, to be made into `Target`s on
/// another thread: each exercise with its file, original and mutants.
type Parts = Vec<(Exercise, PathBuf, Option<String>, Option<String>)>;

fn parts(session: &Session, exercises: &[Exercise]) -> Parts {
    let ws = &session.ws;
    exercises
        .iter()
        .map(|ex| {
            let (original, mutants) = (ws.original(ex), ws.mutants_impl(ex));
            (ex.clone(), ws.exercise_file(ex), original, mutants)
        })
        .collect()
}

fn targets<'a>(parts: &'a Parts, support: &'a [(String, String)]) -> Vec<Target<'a>> {
    parts
        .iter()
        .map(|(ex, source, original, mutants)| Target {
            exercise: ex,
            bin: ex.name.clone(),
            source: source.clone(),
            shown_as: ex.path(),
            snapshot: None,
            support,
            cancel: None,
            original: original.clone(),
            mutants: mutants.clone(),
        })
        .collect()
}

impl Watch<'_> {
    fn show(&mut self, event: &Event<'_>) {
        self.screen.show(event, &self.session);
        // What could not be saved is said, once, and watch mode goes on.
        for message in std::mem::take(&mut self.session.warnings) {
            self.screen
                .show(&Event::Warning { message: &message }, &self.session);
        }
    }

    fn run_loop(&mut self, rx: &Receiver<Input>) -> Result<(), Error> {
        let mut deadline: Option<Instant> = None;
        // Exercises written to, waiting for the writer to finish.
        let mut soon: Vec<String> = Vec::new();
        loop {
            let received = match deadline {
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Err(RecvTimeoutError::Timeout) => {
                    deadline = None;
                    for name in std::mem::take(&mut soon) {
                        self.file_saved(&name);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Ok(Input::FileChanged(path, urgency)) => {
                    // A save of any exercise is checked: one already done may have broken.
                    let Some(name) = self.exercise_at(&path) else {
                        continue;
                    };
                    match urgency {
                        Urgency::Now => {
                            soon.retain(|n| *n != name);
                            self.file_saved(&name);
                        }
                        Urgency::Soon => {
                            if !soon.contains(&name) {
                                soon.push(name);
                            }
                            deadline.get_or_insert_with(|| Instant::now() + COALESCE);
                        }
                    }
                }
                Ok(Input::CheckDone {
                    verdict,
                    hash,
                    of_current,
                }) => self.check_done(verdict.map(|v| *v), hash, of_current)?,
                Ok(Input::Engine { of, event }) => self.engine_event(of, event),
                Ok(Input::CheckAllDone(verdicts)) => self.check_all_done(verdicts)?,
                Ok(Input::Warmed(Ok(check::warm::Warmed::Done))) => self.show(&Event::WarmedUp),
                Ok(Input::Warmed(Ok(check::warm::Warmed::Stopped))) => {}
                Ok(Input::Warmed(Err(error))) => self.show(&Event::Warning {
                    message: &format!(
                        "the warm-up stopped: {error}; checks build what they need as they go"
                    ),
                }),
                Ok(Input::Resized) if self.browsing.is_some() => self.show_browse(),
                Ok(Input::Resized) => self.show(&Event::Resized),
                Ok(Input::Unknown(line)) => self.show(&Event::Warning {
                    message: &format!(
                        "unknown command {line:?}; commands: next, hint, list, check-all, run, quit"
                    ),
                }),
                Ok(Input::Command(command)) => {
                    if !self.command(command)? {
                        return Ok(());
                    }
                }
                Ok(Input::Key(key)) => {
                    if !self.key(key)? {
                        return Ok(());
                    }
                }
            }
            if self.check_all_queued && !self.running {
                self.check_all_queued = false;
                self.check_all()?;
            }
        }
    }

    /// The exercise whose file is `path`.
    fn exercise_at(&self, path: &Path) -> Option<String> {
        let ws = &self.session.ws;
        ws.course
            .exercises
            .iter()
            .find(|ex| ws.exercise_file(ex) == path)
            .map(|ex| ex.name.clone())
    }

    fn file_of(&self, name: &str) -> PathBuf {
        self.session
            .ws
            .course
            .find(name)
            .map(|ex| self.session.ws.exercise_file(ex))
            .unwrap_or_default()
    }

    fn hash_of_file(&self, name: &str) -> u64 {
        hash_of(&std::fs::read(self.file_of(name)).unwrap_or_default())
    }

    /// Checks `name` when it is done, unless it is already waiting.
    fn queue(&mut self, name: &str) {
        if !self.queued.iter().any(|n| n == name) {
            self.queued.push(name.to_string());
        }
    }

    /// A save of an exercise: check it, unless its content is what we last checked.
    fn file_saved(&mut self, name: &str) {
        let unchanged = self.checked.get(name) == Some(&self.hash_of_file(name));
        if self.running {
            self.queue(name);
            // The file changed under a running check: its verdict will be dropped, so end it
            // now rather than wait for tests that may take seconds.
            if !unchanged
                && self.checking.as_deref() == Some(name)
                && let Some(cancel) = &self.cancel
            {
                cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        } else if !unchanged {
            self.start_check_of(name);
        }
    }

    /// Checks the next exercise that waits for a check, if any.
    fn check_queued(&mut self) {
        if !self.running && !self.queued.is_empty() {
            let name = self.queued.remove(0);
            self.file_saved(&name);
        }
    }

    /// Checks the current exercise, whatever was checked before.
    fn start_check(&mut self) {
        let current = self.session.state.state.current.clone();
        self.checked.remove(&current);
        self.start_check_of(&current);
    }

    fn start_check_of(&mut self, name: &str) {
        if self.running {
            self.queue(name);
            return;
        }
        self.queued.retain(|n| n != name);
        let Some(ex) = self.session.ws.course.find(name).cloned() else {
            return;
        };
        // One snapshot per check: the bytes hashed are the bytes built and graded.
        let file = self.file_of(name);
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(error) => {
                let shown = ex.path().display().to_string();
                let message = if file.is_dir() {
                    format!(
                        "{shown} is a folder, not a file, so {name} cannot be checked. Move \
                         the folder away; `backendlings reset {name}` then restores the \
                         exercise"
                    )
                } else if error.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "{shown} is missing, so {name} cannot be checked. `backendlings \
                         reset {name}` restores it"
                    )
                } else {
                    format!("cannot read {shown}, so {name} cannot be checked: {error}")
                };
                self.show(&Event::Warning { message: &message });
                return;
            }
        };
        if bytes.is_empty() {
            // An editor that truncates, then writes: wait for the write (its own event).
            return;
        }
        let hash = hash_of(&bytes);
        let snapshot = String::from_utf8(bytes).ok();
        let of_current = *name == self.session.state.state.current;
        self.checked.insert(name.to_string(), hash);
        self.checking = Some(name.to_string());
        self.compiled = 0;
        self.running = true;
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        self.cancel = Some(cancel.clone());
        self.show(&Event::CheckStarted { exercise: &ex.name });
        let target_source = self.session.ws.exercise_file(&ex);
        let original = self.session.ws.original(&ex);
        let mutants = self.session.ws.mutants_impl(&ex);
        let support = self.session.support.clone();
        let build_dir = self.session.ws.build_dir.clone();
        let layers = self.session.ws.layers.clone();
        let tx = self.tx.clone();
        let options = check::Options {
            strict: false,
            color: ui::colors(),
        };
        thread::spawn(move || {
            let target = Target {
                exercise: &ex,
                bin: ex.name.clone(),
                source: target_source,
                shown_as: ex.path(),
                snapshot,
                support: &support,
                cancel: Some(cancel),
                original,
                mutants,
            };
            let events = ToLoop {
                tx: tx.clone(),
                of: Job::One,
            };
            let verdict = check::check(&build_dir, &layers, &[target], &options, &events)
                .map_err(|e| e.to_string())
                .and_then(|mut v| {
                    v.pop()
                        .map(Box::new)
                        .ok_or_else(|| "no verdict".to_string())
                });
            let _ = tx.send(Input::CheckDone {
                verdict,
                hash,
                of_current,
            });
        });
    }

    fn check_done(
        &mut self,
        verdict: Result<Verdict, String>,
        hash: u64,
        of_current: bool,
    ) -> Result<(), Error> {
        self.running = false;
        self.checking = None;
        let verdict = match verdict {
            Ok(verdict) => verdict,
            Err(message) => {
                self.show(&Event::Warning { message: &message });
                self.check_queued();
                return Ok(());
            }
        };
        let name = verdict.exercise.clone();
        if of_current && name != self.session.state.state.current {
            // The learner moved on while it ran; check the exercise they are on now.
            self.start_check();
            return Ok(());
        }
        if self.hash_of_file(&name) != hash {
            self.show(&Event::VerdictDropped {
                exercise: &name,
                reason: "the file changed during the check",
            });
            self.start_check_of(&name);
            return Ok(());
        }
        let was_done = self.session.state.is_done(&name);
        // Recorded first, so that the screen with the verdict shows the progress it made; shown
        // even when the state cannot be saved.
        let recorded = self.session.record(&verdict);
        self.show(&Event::Verdict(&verdict));
        let (advance, solution) = recorded?;
        if was_done && !verdict.passed() {
            let message = format!(
                "{name} was done, and no longer passes: it counts as not done until it passes \
                 again ({})",
                ui::verdict::summary(&verdict)
            );
            self.show(&Event::Warning { message: &message });
        }
        if verdict.passed() {
            self.show(&Event::Solved {
                exercise: &verdict.exercise,
                solution: solution.map(|p| p.display().to_string()),
            });
        }
        match advance {
            Advance::To(next) => {
                self.show(&Event::Advanced {
                    from: &verdict.exercise,
                    to: &next,
                });
                self.open_in_editor();
                self.start_check();
            }
            Advance::Finished => {
                let message = self.session.ws.course.final_message.clone();
                self.show(&Event::CourseFinished { message: &message });
            }
            Advance::Stay => {}
        }
        self.check_queued();
        Ok(())
    }

    /// Handles a key: in the list, a move; otherwise the command it stands for. Returns false
    /// to quit.
    fn key(&mut self, key: input::Key) -> Result<bool, Error> {
        use input::Key;
        let Some(selected) = self.browsing else {
            return match key {
                Key::Quit => Ok(false),
                Key::Char(c) => match Command::parse(&c.to_string()) {
                    Some(command) => self.command(command),
                    None => Ok(true),
                },
                _ => Ok(true),
            };
        };
        // Typed letters go to the filter, not to commands.
        if self.typing {
            match key {
                Key::Quit => return Ok(false),
                Key::Enter => self.typing = false,
                Key::Escape => {
                    self.filter.clear();
                    self.typing = false;
                }
                Key::Backspace => {
                    self.filter.pop();
                }
                Key::Char(c) if !c.is_control() => self.filter.push(c),
                Key::Up | Key::Down | Key::Char(_) => {}
            }
            self.show_browse();
            return Ok(true);
        }
        let shown = crate::commands::list_matching(&self.session, &self.filter);
        let position = shown.iter().position(|&i| i == selected);
        match key {
            Key::Quit => return Ok(false),
            Key::Up | Key::Char('k') => {
                let up = position.map_or(0, |p| p.saturating_sub(1));
                self.browsing = shown.get(up).copied().or(Some(selected));
            }
            Key::Down | Key::Char('j') => {
                let down = position.map_or(0, |p| (p + 1).min(shown.len().saturating_sub(1)));
                self.browsing = shown.get(down).copied().or(Some(selected));
            }
            Key::Char('/') => self.typing = true,
            Key::Enter if position.is_none() => {}
            Key::Enter => {
                self.browsing = None;
                self.filter.clear();
                let name = self.session.ws.course.exercises[selected].name.clone();
                let go_on = self.command(Command::SetCurrent(name))?;
                self.start_check();
                return Ok(go_on);
            }
            Key::Escape if !self.filter.is_empty() => self.filter.clear(),
            Key::Escape | Key::Char('q' | 'l') => {
                self.browsing = None;
                self.filter.clear();
                let current = self.session.state.state.current.clone();
                self.show(&Event::Current { exercise: &current });
                return Ok(true);
            }
            Key::Backspace | Key::Char(_) => return Ok(true),
        }
        self.show_browse();
        Ok(true)
    }

    /// The list, as much of it as fits the terminal, around the selected exercise.
    fn show_browse(&mut self) {
        let Some(selected) = self.browsing else {
            return;
        };
        let shown = crate::commands::list_matching(&self.session, &self.filter);
        // A filter that hides the selection selects the first exercise it shows.
        let selected = if shown.contains(&selected) {
            Some(selected)
        } else {
            shown.first().copied()
        };
        if let Some(row) = selected {
            self.browsing = Some(row);
        }
        let rows = console::Term::stdout().size().0 as usize;
        let mut text = crate::commands::list_window(
            &self.session,
            selected,
            &self.filter,
            rows.saturating_sub(9),
        );
        if selected.is_none() {
            text.push_str(&format!(
                "  (no exercise matches {:?}; esc clears the filter)\n",
                self.filter
            ));
        }
        let keys = if self.typing {
            format!("filter: {}_   (enter to keep, esc to clear)", self.filter)
        } else {
            "↑/↓ or j/k move · enter go there · / filter · q or l back".to_string()
        };
        self.show(&Event::Browse {
            text: &text,
            keys: &keys,
        });
    }

    /// Handles a command; returns false to quit.
    fn command(&mut self, command: Command) -> Result<bool, Error> {
        match command {
            Command::Quit => return Ok(false),
            Command::Previous => {
                let course = &self.session.ws.course;
                let index = course
                    .index_of(&self.session.state.state.current)
                    .unwrap_or(0);
                let count = course.exercises.len();
                let previous = course.exercises[(index + count - 1) % count].name.clone();
                self.command(Command::SetCurrent(previous))?;
                self.start_check();
            }
            Command::Rerun => self.start_check(),
            Command::Hint => {
                let name = self.session.state.state.current.clone();
                // info.toml validation guarantees every exercise at least one hint.
                if let Some(ex) = self.session.ws.course.find(&name).cloned()
                    && !ex.hints.is_empty()
                {
                    let level = self.session.state.use_hint(&name, ex.hints.len());
                    self.session.save_or_warn();
                    self.show(&Event::Hint {
                        exercise: &name,
                        level,
                        of: ex.hints.len(),
                        text: &ex.hints[level - 1],
                    });
                }
            }
            Command::Next => {
                let course = &self.session.ws.course;
                let index = course
                    .index_of(&self.session.state.state.current)
                    .unwrap_or(0);
                let next = course.exercises[(index + 1) % course.exercises.len()]
                    .name
                    .clone();
                self.session.state.state.current = next.clone();
                self.session.save_or_warn();
                self.show(&Event::Current { exercise: &next });
                self.open_in_editor();
                self.start_check();
            }
            // In a terminal, the list is one to move in; elsewhere, one event with every row.
            Command::List if self.interactive => {
                let index = self
                    .session
                    .ws
                    .course
                    .index_of(&self.session.state.state.current)
                    .unwrap_or(0);
                self.browsing = Some(index);
                self.show_browse();
            }
            Command::List => self.show(&Event::List),
            Command::CheckAll => self.check_all()?,
            Command::SetCurrent(name) => {
                if self.session.ws.course.find(&name).is_none() {
                    let message = format!("there is no exercise named {name:?}");
                    self.show(&Event::Warning { message: &message });
                } else if name != self.session.state.state.current {
                    self.session.state.state.current = name.clone();
                    self.session.save_or_warn();
                    self.show(&Event::Current { exercise: &name });
                    self.open_in_editor();
                }
            }
        }
        Ok(true)
    }

    /// Checks every exercise on a worker thread; keys and saves stay live meanwhile.
    fn check_all(&mut self) -> Result<(), Error> {
        if self.running {
            self.check_all_queued = true;
            return Ok(());
        }
        self.running = true;
        self.verdicts = 0;
        let total = self.session.ws.course.exercises.len();
        self.show(&Event::CheckAllProgress { checked: 0, total });
        let ws = &self.session.ws;
        let parts = parts(&self.session, &ws.course.exercises);
        let build_dir = ws.build_dir.clone();
        let layers = ws.layers.clone();
        let support = self.session.support.clone();
        let tx = self.tx.clone();
        let options = check::Options {
            strict: false,
            color: ui::colors(),
        };
        thread::spawn(move || {
            let targets = targets(&parts, &support);
            let events = ToLoop {
                tx: tx.clone(),
                of: Job::All,
            };
            let verdicts = check::check(&build_dir, &layers, &targets, &options, &events)
                .map_err(|e| e.to_string());
            let _ = tx.send(Input::CheckAllDone(verdicts));
        });
        Ok(())
    }

    /// Builds the rest of the course on a thread of its own, in the order the course needs
    /// it (`check::warm`); checks go first. A warm-up `init` started is taken over; one that
    /// another terminal's watch runs is left to it.
    fn start_warm_up(&mut self) {
        let data_dir = self.session.ws.data_dir();
        crate::warm_up::stop_background(&data_dir);
        let Some(owner) = crate::warm_up::take(&data_dir, false, false) else {
            return;
        };
        let parts = parts(&self.session, &self.session.ws.course.exercises);
        let (build_dir, layers) = (
            self.session.ws.build_dir.clone(),
            self.session.ws.layers.clone(),
        );
        let support = self.session.support.clone();
        let tx = self.tx.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = thread::spawn(move || {
            let _owner = owner;
            let targets = targets(&parts, &support);
            let ended = check::warm::warm(
                &build_dir,
                &layers,
                &targets,
                &check::Options::default(),
                &ToLoop {
                    tx: tx.clone(),
                    of: Job::WarmUp,
                },
                &stopped,
            )
            .map_err(|e| e.to_string());
            let _ = tx.send(Input::Warmed(ended));
        });
        self.warm_up = Some((stop, thread));
    }

    /// Stops the warm-up (the next start resumes it), waiting a moment for its cargo to end.
    fn stop_warm_up(&mut self) {
        let Some((stop, thread)) = self.warm_up.take() else {
            return;
        };
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let start = Instant::now();
        while !thread.is_finished() && start.elapsed() < Duration::from_secs(2) {
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn check_all_done(&mut self, verdicts: Result<Vec<Verdict>, String>) -> Result<(), Error> {
        self.running = false;
        match verdicts {
            Ok(verdicts) => {
                let state = &self.session.state;
                // Named before the verdicts are recorded: which of them were done.
                let (regressed, failed): (Vec<String>, Vec<String>) = verdicts
                    .iter()
                    .filter(|v| !v.passed())
                    .map(|v| v.exercise.clone())
                    .partition(|name| state.is_done(name));
                let passed = verdicts.len() - regressed.len() - failed.len();
                self.show(&Event::CheckAllFinished {
                    passed,
                    total: verdicts.len(),
                    regressed: &regressed,
                    failed: &failed,
                });
                self.session.record_all(&verdicts)?;
            }
            Err(message) => self.show(&Event::Warning { message: &message }),
        }
        self.check_queued();
        Ok(())
    }

    fn open_in_editor(&self) {
        let Some(cmd) = &self.edit_cmd else { return };
        // `sh -c 'CMD "$1"' sh PATH`: the command may have arguments; the path is quoted.
        let _ = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{cmd} \"$1\""))
            .arg("sh")
            .arg(self.file_of(&self.session.state.state.current))
            .stdin(std::process::Stdio::null())
            .spawn();
    }
}

/// Tells the loop when the terminal changes size (checked 4 times a second), so that the
/// screen is drawn again for its new width and height.
fn watch_size(tx: &Sender<Input>) {
    let term = console::Term::stdout();
    let mut size = term.size();
    loop {
        thread::sleep(Duration::from_millis(250));
        let now = term.size();
        if now != size {
            size = now;
            if tx.send(Input::Resized).is_err() {
                return;
            }
        }
    }
}

/// A hash of a file's bytes: tells a save that changed nothing from one that did.
fn hash_of(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}
