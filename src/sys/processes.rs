//! Process trees: no process a check started outlives it. The runner adopts orphaned
//! descendants where the platform allows (a child subreaper on Linux, so a test's child in a
//! process group of its own still comes back to us), and on SIGINT, SIGTERM or SIGHUP it ends
//! every descendant (TERM, a short grace, then KILL) before it exits.
//!
//! Signals go through rustix (kill) and signal-hook (handlers); the process table is read from
//! /proc on Linux and from `ps` elsewhere. Windows would use a job object per check, which
//! ends the whole tree when it is closed (docs/TRUST.md, "Platforms").

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, Once};
use std::time::Duration;

use rustix::process::{Pid, Signal};

/// A process id, as the OS numbers it.
pub(crate) type ProcessId = i32;

/// How long descendants get to exit after SIGTERM before they are killed.
const GRACE: Duration = Duration::from_millis(300);

/// Process groups of runs in progress; interrupts signal them even if the process table is
/// unreadable.
static GROUPS: Mutex<Vec<ProcessId>> = Mutex::new(Vec::new());

/// Installs the subreaper and the interrupt handling, once per process. `on_interrupt` runs
/// before the process exits on a signal (to give the terminal back).
pub fn install(on_interrupt: fn()) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
        // signal-hook's handler only writes to a pipe; this thread reads it and does the work.
        // (Blocking the signals instead would pass the blocked mask on to every program a
        // check starts; handlers, unlike masks, are reset by exec.)
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                end_descendants();
                on_interrupt();
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Restores the default action of SIGPIPE (Rust ignores it), so that a closed standard
/// output (`backendlings list | head -1`) ends the process quietly, as it does any Unix tool.
/// Call it before any thread starts.
pub fn default_sigpipe() {
    // SAFETY: signal(2) resetting one signal's disposition to the default, before any other
    // thread exists; no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Records a process group while its run is in progress.
pub(crate) fn register(group: ProcessId) {
    lock().push(group);
}

/// The runner's own children (runs and builds in progress), which are not orphans.
pub(crate) fn own_children() -> HashSet<ProcessId> {
    lock().iter().copied().collect()
}

pub(crate) fn unregister(group: ProcessId) {
    lock().retain(|g| *g != group);
}

fn lock() -> std::sync::MutexGuard<'static, Vec<ProcessId>> {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends `signal` to one process; one that is gone already is not an error worth telling.
fn signal_process(pid: ProcessId, signal: Signal) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// Has the process `command` starts lead a process group of its own, so that it can be ended
/// with everything it starts. (Windows would put it in a job object.)
pub(crate) fn leads_own_group(command: &mut std::process::Command) {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    #[cfg(not(unix))]
    let _ = command;
}

/// Processes started to outlive the runner (`spawn_detached`).
static DETACHED: Mutex<Vec<ProcessId>> = Mutex::new(Vec::new());

/// Starts `command` to outlive this process: in a process group of its own (the terminal's
/// Ctrl-C, which goes to the foreground group, does not reach it), and left alone when this
/// process ends its descendants. (Windows would pass CREATE_NEW_PROCESS_GROUP.)
pub(crate) fn spawn_detached(
    command: &mut std::process::Command,
) -> std::io::Result<std::process::Child> {
    leads_own_group(command);
    let child = command.spawn()?;
    DETACHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(child.id() as ProcessId);
    Ok(child)
}

/// Has the kernel kill the process `command` starts when the thread that starts it ends,
/// however that ends (kill -9 included). A cargo nobody waits for any more then stops at once,
/// instead of building on for minutes and keeping the next check waiting on cargo's lock of
/// the target folder. macOS has no parent-death signal: there such a cargo runs to its end
/// (but for the `GroupGuard`, which ends its group).
pub(crate) fn dies_with_starter(command: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt as _;
        let starter = rustix::process::getpid();
        // SAFETY: between fork and exec the closure makes two system calls, prctl(2) and
        // getppid(2), and allocates nothing.
        unsafe {
            command.pre_exec(move || {
                rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
                // The starter may have died between the fork and the call above.
                if rustix::process::getppid() != Some(starter) {
                    return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// How much nicer than the runner a background build is (nice(1)'s scale, -20 to 19).
const BACKGROUND_NICENESS: i32 = 10;

/// Has the process `command` starts, and everything it starts, run below the runner's other
/// work in CPU priority.
pub(crate) fn yields_cpu(command: &mut std::process::Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: between fork and exec the closure makes two system calls, getpriority(2)
        // and setpriority(2), and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                let now = rustix::process::getpriority_process(None).unwrap_or(0);
                let nicer = (now + BACKGROUND_NICENESS).min(19);
                // Only the priority is lost if this fails: not worth refusing the build.
                let _ = rustix::process::setpriority_process(None, nicer);
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = command;
}

/// A process group that is killed if the runner dies before it says the group is done: the
/// parent-death signal reaches only cargo, not the compilers and build scripts cargo started,
/// which would otherwise build on after a kill -9 and race the next build in the same folder.
///
/// The guard is a shell reading a pipe whose other end only the runner holds. When the runner
/// ends, however it ends, the kernel closes that end; the shell then reads end-of-file instead
/// of "done" and kills the group. It ignores the terminal's signals, so that Ctrl-C, which
/// reaches the runner, does not end the guard before the runner does.
pub(crate) struct GroupGuard {
    tell: Option<std::process::ChildStdin>,
    shell: std::process::Child,
}

/// The guard's script; `$1` is the process group.
const GUARD_SCRIPT: &str = "trap '' INT HUP TERM QUIT; IFS= read -r said; [ \"$said\" = done ] || kill -s KILL -- \"-$1\" 2>/dev/null";

impl GroupGuard {
    /// Starts a guard of `group`; `None` where no shell can be started (the group is then only
    /// as safe as the parent-death signal makes it).
    pub(crate) fn start(group: ProcessId) -> Option<GroupGuard> {
        let mut command = std::process::Command::new("/bin/sh");
        command
            .args(["-c", GUARD_SCRIPT, "guard", &group.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        leads_own_group(&mut command);
        let mut shell = command.spawn().ok()?;
        // The guard is the runner's own child, not an orphan to clear away.
        register(shell.id() as ProcessId);
        Some(GroupGuard {
            tell: shell.stdin.take(),
            shell,
        })
    }

    /// The group is done with: the guard leaves it alone and exits.
    pub(crate) fn release(mut self) {
        use std::io::Write as _;
        if let Some(mut tell) = self.tell.take() {
            let _ = tell.write_all(b"done\n");
        }
    }
}

impl Drop for GroupGuard {
    /// Without `release` (an unwinding thread), the guard kills the group as it would after a
    /// kill -9; either way it is waited for, so no zombie is left.
    fn drop(&mut self) {
        drop(self.tell.take());
        let _ = self.shell.wait();
        unregister(self.shell.id() as ProcessId);
    }
}

/// The descendants of `me` that are not, or are not below, a detached process.
fn ours(me: ProcessId) -> Vec<ProcessId> {
    let detached = DETACHED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut spared: HashSet<ProcessId> = detached.iter().copied().collect();
    for &pid in &detached {
        spared.extend(descendants_of(pid));
    }
    descendants_of(me)
        .into_iter()
        .filter(|pid| !spared.contains(pid))
        .collect()
}

/// Asks another process to end (SIGTERM), as `kill` does.
pub(crate) fn terminate(pid: ProcessId) {
    signal_process(pid, Signal::TERM);
}

/// Kills a whole process group.
pub(crate) fn kill_group(group: ProcessId) {
    if let Some(group) = Pid::from_raw(group) {
        let _ = rustix::process::kill_process_group(group, Signal::KILL);
    }
}

/// Whether a process with this id exists (a zombie counts).
pub(crate) fn exists(pid: ProcessId) -> bool {
    Pid::from_raw(pid).is_some_and(|pid| rustix::process::test_kill_process(pid).is_ok())
}

/// TERM to every descendant and registered group, a grace period, then KILL; a process
/// started detached (`spawn_detached`) and its own descendants are left alone. Returns at
/// once when there is nothing to end.
pub fn end_descendants() {
    let me = std::process::id() as ProcessId;
    if ours(me).is_empty() && lock().is_empty() {
        return;
    }
    for signal in [Signal::TERM, Signal::KILL] {
        let mut targets = ours(me);
        for &group in lock().iter() {
            if let Some(group) = Pid::from_raw(group) {
                let _ = rustix::process::kill_process_group(group, signal);
            }
        }
        targets.sort_unstable();
        for pid in targets {
            signal_process(pid, signal);
        }
        if signal == Signal::TERM {
            std::thread::sleep(GRACE);
        }
    }
}

/// Kills `root` and every process below it, whatever their process group.
pub(crate) fn kill_tree(root: ProcessId) {
    let mut all = descendants_of(root);
    all.push(root);
    for pid in all {
        signal_process(pid, Signal::KILL);
    }
}

/// Kills the processes the runner adopted (orphans whose parent died) that are not one of
/// `own`, its direct children, and everything below them.
pub(crate) fn kill_adopted(own: &HashSet<ProcessId>) {
    let me = std::process::id() as ProcessId;
    for (&pid, &parent) in &parent_map() {
        if parent == me && !own.contains(&pid) {
            kill_tree(pid);
        }
    }
}

/// Every process below `root` (empty where the process table cannot be read).
pub(crate) fn descendants_of(root: ProcessId) -> Vec<ProcessId> {
    let mut children: HashMap<ProcessId, Vec<ProcessId>> = HashMap::new();
    for (&pid, &parent) in &parent_map() {
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
#[cfg(target_os = "linux")]
fn parent_map() -> HashMap<ProcessId, ProcessId> {
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

/// pid → parent pid of every process, from `ps` (macOS and the BSDs have no /proc).
#[cfg(not(target_os = "linux"))]
fn parent_map() -> HashMap<ProcessId, ProcessId> {
    let Ok(out) = std::process::Command::new("ps")
        .args(["-A", "-o", "pid=", "-o", "ppid="])
        .output()
    else {
        return HashMap::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace().map(str::parse);
            Some((fields.next()?.ok()?, fields.next()?.ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process group with a grandchild in it, as cargo's is with a build script.
    fn group_with_grandchild() -> (std::process::Child, ProcessId) {
        use std::os::unix::process::CommandExt as _;
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & echo $!; wait"])
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
            &mut line,
        )
        .unwrap();
        (child, line.trim().parse().unwrap())
    }

    fn running(pid: ProcessId) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
    }

    #[test]
    fn a_group_whose_guard_loses_the_runner_is_killed_and_a_released_one_is_not() {
        let (mut child, grandchild) = group_with_grandchild();
        let guard = GroupGuard::start(child.id() as ProcessId).unwrap();
        guard.release();
        std::thread::sleep(Duration::from_millis(200));
        assert!(running(grandchild), "a released guard killed its group");

        // Dropped without a release, as the kernel closes the pipe of a runner killed outright.
        let guard = GroupGuard::start(child.id() as ProcessId).unwrap();
        drop(guard);
        let _ = child.wait();
        let start = std::time::Instant::now();
        while running(grandchild) {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "the grandchild survived"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

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
        let below = descendants_of(child.id() as ProcessId);
        assert!(below.len() >= 2, "{below:?}");
        kill_tree(child.id() as ProcessId);
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
        for pid in below {
            let alive = exists(pid)
                && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| !s.contains(") Z "));
            assert!(!alive, "{pid} survived");
        }
    }
}
