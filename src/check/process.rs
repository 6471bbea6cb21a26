//! Runs a program with a time limit and an output cap, in its own process group so that
//! a timeout kills everything it started.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What a limited run produced.
#[derive(Debug)]
pub(crate) struct RunOutput {
    /// `None` when the run was killed for exceeding a limit.
    pub(crate) status: Option<ExitStatus>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) timed_out: bool,
    pub(crate) output_capped: bool,
}

/// Runs `command` (stdin closed) until it exits, `timeout` passes, or it prints more than
/// `cap` bytes on either stream; in the last two cases its whole process group is killed.
pub(crate) fn run_limited(
    mut command: Command,
    timeout: Duration,
    cap: usize,
    cancel: Option<&AtomicBool>,
) -> std::io::Result<RunOutput> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::sys::processes::leads_own_group(&mut command);
    let child = command.spawn()?;
    let group = child.id() as crate::sys::processes::ProcessId;
    crate::sys::processes::register(group);
    let result = supervise(child, group, timeout, cap, cancel);
    crate::sys::processes::unregister(group);
    result
}

/// Waits for `child` under the limits; collects its output.
fn supervise(
    mut child: std::process::Child,
    group: crate::sys::processes::ProcessId,
    timeout: Duration,
    cap: usize,
    cancel: Option<&AtomicBool>,
) -> std::io::Result<RunOutput> {
    let over_cap = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (read_tx, read_rx) = mpsc::channel::<()>();

    let reader = |stream: Option<Box<dyn Read + Send>>| {
        let over_cap = Arc::clone(&over_cap);
        let done_tx = done_tx.clone();
        let read_tx = read_tx.clone();
        thread::spawn(move || {
            let _finished = Finished(read_tx);
            let mut kept = Vec::new();
            if let Some(mut stream) = stream {
                let mut buf = [0u8; 8192];
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) if kept.len() + n > cap => {
                            kept.extend_from_slice(&buf[..cap - kept.len()]);
                            over_cap.store(true, Ordering::SeqCst);
                            let _ = done_tx.send(());
                            break;
                        }
                        Ok(n) => kept.extend_from_slice(&buf[..n]),
                    }
                }
            }
            String::from_utf8_lossy(&kept).into_owned()
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );

    let waiter = thread::spawn(move || {
        let status = child.wait();
        let _ = done_tx.send(());
        status
    });

    // Wait in slices, so that a cancelled run ends within one of them.
    let deadline = std::time::Instant::now() + timeout;
    let mut cancelled = false;
    let timed_out = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match done_rx.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break false,
            Err(mpsc::RecvTimeoutError::Timeout) if left.is_zero() => break true,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
                    cancelled = true;
                    break false;
                }
            }
        }
    };
    let output_capped = over_cap.load(Ordering::SeqCst);
    if timed_out || output_capped || cancelled {
        // Everything below the leader, in whatever process group, then the group itself.
        crate::sys::processes::kill_tree(group);
        crate::sys::processes::kill_group(group);
    }
    let status = waiter
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("waiter panicked")))?;
    // The group may live on after its leader exited (a test that spawned a child):
    // kill what is left so that the pipes close and the readers finish.
    crate::sys::processes::kill_group(group);
    drop(read_tx);
    // A child that left the group may still hold the pipes: it was adopted by the runner
    // (a subreaper) when its parent died; end it rather than wait for it.
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    let mut open_streams = 2;
    while open_streams > 0 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match read_rx.recv_timeout(left) {
            Ok(()) => open_streams -= 1,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let own = crate::sys::processes::own_children();
                crate::sys::processes::kill_adopted(&own);
                break;
            }
        }
    }
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(RunOutput {
        status: (!timed_out && !output_capped && !cancelled).then_some(status),
        stdout,
        stderr,
        timed_out,
        output_capped,
    })
}

/// Tells the supervisor, when dropped, that a stream reader finished.
struct Finished(mpsc::Sender<()>);

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn captures_output_and_status() {
        let out = run_limited(
            sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(5),
            1000,
            None,
        )
        .unwrap();
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(out.status.unwrap().code(), Some(3));
        assert!(!out.timed_out);
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        // The grandchild keeps stdout open; only killing the group lets the run end.
        let start = std::time::Instant::now();
        let out = run_limited(
            sh("sleep 30 & sleep 30"),
            Duration::from_millis(200),
            1000,
            None,
        )
        .unwrap();
        assert!(out.timed_out);
        assert!(out.status.is_none());
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "took {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_cancelled_run_ends_at_once() {
        let cancel = AtomicBool::new(true);
        let start = std::time::Instant::now();
        let out =
            run_limited(sh("sleep 30"), Duration::from_secs(20), 1000, Some(&cancel)).unwrap();
        assert!(out.status.is_none() && !out.timed_out);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn output_cap_stops_a_flood() {
        let out = run_limited(sh("yes flood"), Duration::from_secs(10), 10_000, None).unwrap();
        assert!(out.output_capped);
        assert_eq!(out.stdout.len(), 10_000);
    }
}
