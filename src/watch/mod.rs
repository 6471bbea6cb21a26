//! Watch mode: a loop that turns file saves and commands into checks, and verdicts into
//! screens. Checks run on a worker thread; this loop alone talks to the screen.

mod filter;
mod input;
mod screen;

pub use crate::sys::terminal::restore_terminal;

/// The version of the JSON-lines protocol of `watch --json` (docs/PROTOCOL.md).
pub const PROTOCOL: u32 = 1;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use notify::Watcher as _;

use crate::check::{self, Target, Verdict};
use crate::session::{Advance, Error, Session};
use crate::ui;
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
}

/// Everything the loop waits for.
pub enum Input {
    FileChanged(PathBuf, Urgency),
    Command(Command),
    /// A key pressed in the terminal: a command, or a move in the list.
    Key(input::Key),
    Unknown(String),
    CheckDone {
        verdict: Result<Verdict, String>,
        hash: u64,
    },
    /// One more exercise of a check of all of them has its verdict.
    CheckAllProgress {
        checked: usize,
        total: usize,
    },
    CheckAllDone(Result<Vec<Verdict>, String>),
}

/// Sends the progress of a check of every exercise to the loop.
struct ProgressToLoop {
    tx: Sender<Input>,
    checked: std::sync::atomic::AtomicUsize,
    total: usize,
}

impl check::Events for ProgressToLoop {
    fn event(&self, event: check::Event<'_>) {
        if !matches!(event, check::Event::Verdict(_)) {
            return;
        }
        let checked = self
            .checked
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        let _ = self.tx.send(Input::CheckAllProgress {
            checked,
            total: self.total,
        });
    }
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
    let welcome = (!session.state.state.welcomed)
        .then(|| session.ws.course.welcome_message.clone())
        .into_iter()
        .chain(course_folder.clone())
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
        rerun_queued: false,
        last_started: None,
        edit_cmd: options.edit_cmd,
        check_all_queued: false,
        cancel: None,
        interactive,
        browsing: None,
    };
    watch.show(&Event::Hello {
        protocol: PROTOCOL,
        version: env!("CARGO_PKG_VERSION"),
    });
    if let (true, Some(message)) = (options.json, &course_folder) {
        watch.show(&Event::Warning { message });
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
    watch.run_loop(&rx)?;
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
    /// The file changed while a check was running: check again when it is done.
    rerun_queued: bool,
    /// Hash of the content the latest check started from (saves that change nothing are ignored).
    last_started: Option<u64>,
    edit_cmd: Option<String>,
    /// `c` was pressed while a check ran: check everything when it is done.
    check_all_queued: bool,
    /// Ends the running check early when its verdict is no longer wanted.
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// Keys come from a terminal (the list can be moved in).
    interactive: bool,
    /// The list is open with this exercise selected (`l`).
    browsing: Option<usize>,
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
        loop {
            let received = match deadline {
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match received {
                Err(RecvTimeoutError::Timeout) => {
                    deadline = None;
                    self.file_saved();
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Ok(Input::FileChanged(path, urgency)) => {
                    if path != self.current_file() {
                        continue;
                    }
                    match urgency {
                        Urgency::Now => {
                            deadline = None;
                            self.file_saved();
                        }
                        Urgency::Soon => {
                            deadline.get_or_insert_with(|| Instant::now() + COALESCE);
                        }
                    }
                }
                Ok(Input::CheckDone { verdict, hash }) => self.check_done(verdict, hash)?,
                Ok(Input::CheckAllProgress { checked, total }) => {
                    self.show(&Event::CheckAllProgress { checked, total });
                }
                Ok(Input::CheckAllDone(verdicts)) => self.check_all_done(verdicts)?,
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

    fn current_file(&self) -> PathBuf {
        let current = &self.session.state.state.current;
        self.session
            .ws
            .course
            .find(current)
            .map(|ex| self.session.ws.exercise_file(ex))
            .unwrap_or_default()
    }

    fn current_hash(&self) -> u64 {
        hash_of(&std::fs::read(self.current_file()).unwrap_or_default())
    }

    /// A save of the current exercise: check it, unless its content is what we last checked.
    fn file_saved(&mut self) {
        if self.running {
            self.rerun_queued = true;
            // The file changed under a running check: its verdict will be dropped, so end it
            // now rather than wait for tests that may take seconds.
            if self.last_started != Some(self.current_hash())
                && let Some(cancel) = &self.cancel
            {
                cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        } else if self.last_started != Some(self.current_hash()) {
            self.start_check();
        }
    }

    fn start_check(&mut self) {
        if self.running {
            self.rerun_queued = true;
            return;
        }
        let Some(ex) = self
            .session
            .ws
            .course
            .find(&self.session.state.state.current)
            .cloned()
        else {
            return;
        };
        // One snapshot per check: the bytes hashed are the bytes built and graded.
        let bytes = std::fs::read(self.current_file()).unwrap_or_default();
        if bytes.is_empty() {
            // An editor that truncates, then writes: wait for the write (its own event).
            return;
        }
        let hash = hash_of(&bytes);
        let snapshot = String::from_utf8(bytes).ok();
        self.last_started = Some(hash);
        self.running = true;
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        self.cancel = Some(cancel.clone());
        self.show(&Event::CheckStarted { exercise: &ex.name });
        let target_source = self.session.ws.exercise_file(&ex);
        let original = self.session.ws.original(&ex);
        let mutants = self.session.ws.mutants_impl(&ex);
        let support = self.session.support.clone();
        let build_dir = self.session.ws.build_dir.clone();
        let tx = self.tx.clone();
        let color = ui::colors();
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
            let verdict = check::check(&build_dir, &[target], color, &check::Quiet)
                .map_err(|e| e.to_string())
                .and_then(|mut v| v.pop().ok_or_else(|| "no verdict".to_string()));
            let _ = tx.send(Input::CheckDone { verdict, hash });
        });
    }

    fn check_done(&mut self, verdict: Result<Verdict, String>, hash: u64) -> Result<(), Error> {
        self.running = false;
        let verdict = match verdict {
            Ok(verdict) => verdict,
            Err(message) => {
                self.show(&Event::Warning { message: &message });
                return Ok(());
            }
        };
        let still_current = verdict.exercise == self.session.state.state.current;
        if !still_current {
            // The learner moved on while it ran; check the exercise they are on now.
            self.start_check();
            return Ok(());
        }
        if self.current_hash() != hash {
            self.show(&Event::VerdictDropped {
                exercise: &verdict.exercise,
                reason: "the file changed during the check",
            });
            self.rerun_queued = false;
            self.start_check();
            return Ok(());
        }
        self.show(&Event::Verdict(&verdict));
        let (advance, solution) = self.session.record(&verdict)?;
        if verdict.passed() {
            self.show(&Event::Solved {
                exercise: &verdict.exercise,
                solution: solution.map(|p| {
                    let root = &self.session.ws.root;
                    p.strip_prefix(root).unwrap_or(&p).display().to_string()
                }),
            });
        }
        match advance {
            Advance::To(next) => {
                self.show(&Event::Advanced {
                    from: &verdict.exercise,
                    to: &next,
                });
                self.open_in_editor();
                self.rerun_queued = false;
                self.start_check();
            }
            Advance::Finished => {
                let message = self.session.ws.course.final_message.clone();
                self.show(&Event::CourseFinished { message: &message });
            }
            Advance::Stay if self.rerun_queued => {
                self.rerun_queued = false;
                self.file_saved();
            }
            Advance::Stay => {}
        }
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
        let count = self.session.ws.course.exercises.len();
        match key {
            Key::Quit => return Ok(false),
            Key::Up | Key::Char('k') => self.browsing = Some(selected.saturating_sub(1)),
            Key::Down | Key::Char('j') => self.browsing = Some((selected + 1).min(count - 1)),
            Key::Enter => {
                self.browsing = None;
                let name = self.session.ws.course.exercises[selected].name.clone();
                let go_on = self.command(Command::SetCurrent(name))?;
                self.last_started = None;
                self.start_check();
                return Ok(go_on);
            }
            Key::Escape | Key::Char('q' | 'l') => {
                self.browsing = None;
                let current = self.session.state.state.current.clone();
                self.show(&Event::Current { exercise: &current });
                return Ok(true);
            }
            Key::Char(_) => return Ok(true),
        }
        self.show_browse();
        Ok(true)
    }

    /// The list, as much of it as fits the terminal, around the selected exercise.
    fn show_browse(&mut self) {
        let Some(selected) = self.browsing else {
            return;
        };
        let rows = console::Term::stdout().size().0 as usize;
        let text = crate::commands::list_window(&self.session, selected, rows.saturating_sub(8));
        self.show(&Event::Browse { text: &text });
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
                self.last_started = None;
                self.start_check();
            }
            Command::Rerun => {
                self.last_started = None;
                self.start_check();
            }
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
                self.last_started = None;
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
        let total = self.session.ws.course.exercises.len();
        self.show(&Event::CheckAllProgress { checked: 0, total });
        let ws = &self.session.ws;
        let parts: Vec<_> = ws
            .course
            .exercises
            .iter()
            .map(|ex| {
                let (original, mutants) = (ws.original(ex), ws.mutants_impl(ex));
                (ex.clone(), ws.exercise_file(ex), original, mutants)
            })
            .collect();
        let build_dir = ws.build_dir.clone();
        let support = self.session.support.clone();
        let tx = self.tx.clone();
        let color = ui::colors();
        thread::spawn(move || {
            let targets: Vec<Target> = parts
                .iter()
                .map(|(ex, source, original, mutants)| Target {
                    exercise: ex,
                    bin: ex.name.clone(),
                    source: source.clone(),
                    shown_as: ex.path(),
                    snapshot: None,
                    support: &support,
                    cancel: None,
                    original: original.clone(),
                    mutants: mutants.clone(),
                })
                .collect();
            let progress = ProgressToLoop {
                tx: tx.clone(),
                checked: 0.into(),
                total: targets.len(),
            };
            let verdicts =
                check::check(&build_dir, &targets, color, &progress).map_err(|e| e.to_string());
            let _ = tx.send(Input::CheckAllDone(verdicts));
        });
        Ok(())
    }

    fn check_all_done(&mut self, verdicts: Result<Vec<Verdict>, String>) -> Result<(), Error> {
        self.running = false;
        match verdicts {
            Ok(verdicts) => {
                self.session.record_all(&verdicts)?;
                let passed = verdicts.iter().filter(|v| v.passed()).count();
                self.show(&Event::CheckAllFinished {
                    passed,
                    total: verdicts.len(),
                });
            }
            Err(message) => self.show(&Event::Warning { message: &message }),
        }
        if std::mem::take(&mut self.rerun_queued) {
            self.last_started = None;
            self.start_check();
        }
        Ok(())
    }

    fn open_in_editor(&self) {
        let Some(cmd) = &self.edit_cmd else { return };
        // `sh -c 'CMD "$1"' sh PATH`: the command may have arguments; the path is quoted.
        let _ = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{cmd} \"$1\""))
            .arg("sh")
            .arg(self.current_file())
            .stdin(std::process::Stdio::null())
            .spawn();
    }
}

/// A hash of a file's bytes: tells a save that changed nothing from one that did.
fn hash_of(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}
