//! Who runs a workspace's warm-up (`check::warm`): one process at a time, recorded in the
//! data folder. `init` starts it in the background; watch mode takes it over (and stops it
//! when the learner quits: the next start resumes it); a second terminal leaves it to the
//! first.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::Error;
use crate::check::{Events, warm::Warmed};
use crate::session::Session;
use crate::sys::files::is_locked;
use crate::sys::processes::{self, ProcessId};

/// Locked by the process running the warm-up.
const LOCK: &str = "warm.lock";
/// Who holds the lock: `background <pid>` or `watch <pid>`.
const OWNER: &str = "warm.owner";
/// Where a background warm-up writes what it says.
pub(crate) const LOG: &str = "warm.log";

/// The right to run the warm-up, until dropped.
pub(crate) struct Owner(#[allow(dead_code)] fs::File);

/// Takes the warm-up of `data_dir` for this process, unless another one runs it (with
/// `wait`: once the other one is over).
pub(crate) fn take(data_dir: &Path, background: bool, wait: bool) -> Option<Owner> {
    fs::create_dir_all(data_dir).ok()?;
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join(LOCK))
        .ok()?;
    if wait {
        file.lock().ok()?;
    } else {
        file.try_lock().ok()?;
    }
    let kind = if background { "background" } else { "watch" };
    let _ = fs::write(
        data_dir.join(OWNER),
        format!("{kind} {}\n", std::process::id()),
    );
    Some(Owner(file))
}

/// Stops a warm-up running in the background (watch mode runs its own instead); one that
/// another watch runs is left alone. Waits a few seconds at most for it to end.
pub(crate) fn stop_background(data_dir: &Path) {
    if !is_locked(&data_dir.join(LOCK)) {
        return;
    }
    let owner = fs::read_to_string(data_dir.join(OWNER)).unwrap_or_default();
    let Some(pid) = owner
        .strip_prefix("background ")
        .and_then(|pid| pid.trim().parse::<ProcessId>().ok())
    else {
        return;
    };
    processes::terminate(pid);
    let start = Instant::now();
    while is_locked(&data_dir.join(LOCK)) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the warm-up of `session`'s workspace: every exercise, as its file is now.
pub(crate) fn run(
    session: &Session,
    events: &dyn Events,
    stop: &AtomicBool,
) -> Result<Warmed, Error> {
    let targets: Vec<_> = session
        .ws
        .course
        .exercises
        .iter()
        .map(|ex| session.target(ex))
        .collect();
    Ok(crate::check::warm::warm(
        &session.ws.build_dir,
        &session.ws.layers,
        &targets,
        &crate::check::Options::default(),
        events,
        stop,
    )?)
}

/// Starts `backendlings warm` in `dir`, detached from this terminal, writing to its log.
pub(crate) fn start_in_background(dir: &Path) -> std::io::Result<()> {
    let data_dir = dir.join(crate::workspace::DATA_DIR);
    fs::create_dir_all(&data_dir)?;
    let log = fs::File::create(data_dir.join(LOG))?;
    let mut command = Command::new(std::env::current_exe()?);
    command
        .arg("warm")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // The terminal's Ctrl-C is for the learner's command, not for the warm-up.
    processes::spawn_detached(&mut command)?;
    Ok(())
}
