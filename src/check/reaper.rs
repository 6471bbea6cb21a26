//! Makes sure no process a check started outlives it: the runner adopts orphaned descendants
//! (a child subreaper, so a test's child in a process group of its own still comes back to
//! us), and on SIGINT, SIGTERM or SIGHUP it ends every descendant (TERM, a short grace, then
//! KILL) before it exits.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, Once};
use std::time::Duration;

/// How long descendants get to exit after SIGTERM before they are killed.
const GRACE: Duration = Duration::from_millis(300);

/// The write end of the pipe that carries a caught signal to the thread that handles it.
static SIGNAL_PIPE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

extern "C" fn on_signal(signal: libc::c_int) {
    let fd = SIGNAL_PIPE.load(std::sync::atomic::Ordering::SeqCst);
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; one byte from a local.
    unsafe {
        libc::write(fd, (&byte as *const u8).cast(), 1);
    }
}

/// Process groups of runs in progress; interrupts signal them even if /proc is unreadable.
static GROUPS: Mutex<Vec<libc::pid_t>> = Mutex::new(Vec::new());

/// Installs the subreaper and the interrupt handling, once per process. `on_interrupt` runs
/// before the process exits on a signal (to give the terminal back).
pub fn install(on_interrupt: fn()) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only changes how orphans are reparented.
        #[cfg(target_os = "linux")]
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
        // A handler that only writes the signal's number to a pipe; a thread reads it and does
        // the work. (Blocking the signals instead would pass the blocked mask on to every
        // program a check starts.) Handlers are reset to the default in programs we start.
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2(2) into a local array of two descriptors, closed on exec.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        SIGNAL_PIPE.store(fds[1], std::sync::atomic::Ordering::SeqCst);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: installs an async-signal-safe handler (it only calls write(2)).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
        let read_end = fds[0];
        std::thread::spawn(move || {
            let mut byte = [0u8; 1];
            // SAFETY: read(2) of one byte into a local buffer from the pipe we made.
            let n = unsafe { libc::read(read_end, byte.as_mut_ptr().cast(), 1) };
            if n != 1 {
                return;
            }
            end_descendants();
            on_interrupt();
            std::process::exit(128 + i32::from(byte[0]));
        });
    });
}

/// Records a process group while its run is in progress.
pub fn register(group: libc::pid_t) {
    lock().push(group);
}

/// The runner's own children (runs and builds in progress), which are not orphans.
pub fn own_children() -> HashSet<libc::pid_t> {
    lock().iter().copied().collect()
}

pub fn unregister(group: libc::pid_t) {
    lock().retain(|g| *g != group);
}

fn lock() -> std::sync::MutexGuard<'static, Vec<libc::pid_t>> {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// TERM to every descendant and registered group, a grace period, then KILL. Returns at once
/// when there is nothing to end.
pub fn end_descendants() {
    let me = std::process::id() as libc::pid_t;
    if descendants_of(me).is_empty() && lock().is_empty() {
        return;
    }
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        let mut targets = descendants_of(me);
        for group in lock().iter() {
            // SAFETY: kill(2) on a process group; no memory effects.
            unsafe { libc::kill(-group, signal) };
        }
        targets.sort_unstable();
        for pid in targets {
            // SAFETY: kill(2) on a pid read from /proc; no memory effects.
            unsafe { libc::kill(pid, signal) };
        }
        if signal == libc::SIGTERM {
            std::thread::sleep(GRACE);
        }
    }
}

/// Kills `root` and every process below it, whatever their process group.
pub fn kill_tree(root: libc::pid_t) {
    let mut all = descendants_of(root);
    all.push(root);
    for pid in all {
        // SAFETY: kill(2); no memory effects.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Kills the processes the runner adopted (orphans whose parent died) that are not one of
/// `own`, its direct children, and everything below them.
pub fn kill_adopted(own: &HashSet<libc::pid_t>) {
    let me = std::process::id() as libc::pid_t;
    let parents = parent_map();
    for (&pid, &parent) in &parents {
        if parent == me && !own.contains(&pid) {
            kill_tree(pid);
        }
    }
}

/// Every process below `root`, from /proc (empty where /proc is not available).
pub fn descendants_of(root: libc::pid_t) -> Vec<libc::pid_t> {
    let parents = parent_map();
    let mut children: HashMap<libc::pid_t, Vec<libc::pid_t>> = HashMap::new();
    for (&pid, &parent) in &parents {
        children.entry(parent).or_default().push(pid);
    }
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            found.push(child);
            stack.push(child);
        }
    }
    found
}

/// pid → parent pid of every process, read from /proc/<pid>/stat.
fn parent_map() -> HashMap<libc::pid_t, libc::pid_t> {
    let mut map = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return map;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces and parentheses; read after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            map.insert(pid, ppid);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendants_are_found_across_process_groups() {
        use std::os::unix::process::CommandExt as _;
        // A shell whose child starts a process group of its own.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 30 & sleep 30"])
            .process_group(0)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let below = descendants_of(child.id() as libc::pid_t);
        assert!(below.len() >= 2, "{below:?}");
        kill_tree(child.id() as libc::pid_t);
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
        for pid in below {
            // SAFETY: kill with signal 0 only asks whether the process exists.
            let alive = unsafe { libc::kill(pid, 0) } == 0
                && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| !s.contains(") Z "));
            assert!(!alive, "{pid} survived");
        }
    }
}
