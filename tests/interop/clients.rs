// Appended by tests/interop.rs to every interop case: running the real clients.
#[cfg(test)]
#[allow(dead_code)]
mod clients {
    use std::process::{Command, Output};
    use std::time::{Duration, Instant};

    fn run(program: &str, args: &[&str]) -> (Output, Duration) {
        let start = Instant::now();
        let output = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program} ({e}): install it (see .ci/run)"));
        (output, start.elapsed())
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// Runs curl; returns its standard output, its standard error and how long it took.
    /// Panics (with what curl said) if curl fails.
    pub fn curl(args: &[&str]) -> (String, String, Duration) {
        let (out, took) = run("curl", args);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            out.status.success(),
            "curl {args:?} failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        (stdout, stderr, took)
    }

    /// Runs a Python 3 script with `args` (`sys.argv[1:]`); returns what it printed.
    /// Panics with the Python traceback if the script fails (an `assert` in it, say).
    pub fn python(script: &str, args: &[&str]) -> String {
        let mut all = vec!["-c", script];
        all.extend_from_slice(args);
        let (out, _) = run("python3", &all);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            out.status.success(),
            "python3 failed with {args:?}:\n{stdout}\n{stderr}\n--- the script ---\n{script}"
        );
        stdout.trim_end().to_string()
    }
}
