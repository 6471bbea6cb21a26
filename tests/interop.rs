//! Interop: reference solutions against clients no one here wrote. Each case composes a
//! solution's code (above its grading marker) with a test module from `tests/interop/`, that
//! drives it with curl, Python's http.client and raw sockets, PyJWT or argon2-cffi.
//! All cases are one cargo project, built once, in the target folder `dev check` uses (so the
//! course's dependencies are compiled once on CI).

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The solutions driven by real clients: (exercise, topic folder).
const CASES: &[(&str, &str)] = &[
    ("http8", "01_http"),
    ("axum5", "03_framework"),
    ("axum6", "03_framework"),
    ("auth1", "05_auth"),
    ("auth4", "05_auth"),
    ("auth5", "05_auth"),
    ("auth6", "05_auth"),
    ("auth7", "05_auth"),
    ("auth8", "05_auth"),
    ("cap3", "11_capstone"),
];

/// What the clients need, and how to install each on Debian.
const CLIENTS: &[(&str, &[&str], &str)] = &[
    ("curl", &["curl", "--version"], "apt-get install curl"),
    (
        "python3",
        &["python3", "--version"],
        "apt-get install python3",
    ),
    (
        "PyJWT",
        &["python3", "-c", "import jwt"],
        "python3 -m pip install pyjwt",
    ),
    (
        "argon2-cffi",
        &["python3", "-c", "import argon2"],
        "python3 -m pip install argon2-cffi",
    ),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Fails, naming what to install, when a client is missing: these tests never skip silently.
fn require_clients() {
    let missing: Vec<String> = CLIENTS
        .iter()
        .filter(|(_, probe, _)| {
            let status = Command::new(probe[0])
                .args(&probe[1..])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            !status.is_ok_and(|s| s.success())
        })
        .map(|(name, _, install)| format!("  {name}: {install}"))
        .collect();
    assert!(
        missing.is_empty(),
        "the interop tests drive the reference solutions with real clients; missing:\n{}\n\
         (.ci/run installs them)",
        missing.join("\n")
    );
}

/// The case's source: the solution above its grading marker, then the interop test module.
fn compose(name: &str, dir: &str) -> String {
    let solution_path = root()
        .join("solutions")
        .join(dir)
        .join(format!("{name}.rs"));
    let solution = fs::read_to_string(&solution_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", solution_path.display()));
    let code = match solution.find("\n// ---- grading tests") {
        Some(end) => &solution[..end + 1],
        None => &solution[..],
    };
    let tests_path = root()
        .join("tests")
        .join("interop")
        .join(format!("{name}.rs"));
    let tests = fs::read_to_string(&tests_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", tests_path.display()));
    let clients = fs::read_to_string(root().join("tests/interop/clients.rs")).unwrap();
    format!("{code}\n{clients}\n{tests}")
}

/// The Cargo.toml: the course's dependencies and profile, exactly as `dev check` writes them
/// (so the compiled dependencies are shared), with one bin per case.
fn cargo_toml(info: &toml::Table) -> String {
    let mut out = String::from(
        "[package]\nname = \"backendlings-exercises\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
         publish = false\nautobins = false\nautoexamples = false\nautotests = false\n\
         autobenches = false\n\n[workspace]\n\n",
    );
    let mut deps = toml::Table::new();
    let course_deps = info.get("dependencies").cloned();
    deps.insert(
        "dependencies".into(),
        course_deps.unwrap_or(toml::Value::Table(toml::Table::new())),
    );
    out.push_str(&toml::to_string(&deps).unwrap());
    out.push_str("\n[profile.dev]\ndebug = 0\n");
    let optimized = info.get("optimize_dependencies").and_then(|v| v.as_array());
    for krate in optimized.into_iter().flatten().filter_map(|v| v.as_str()) {
        out.push_str(&format!(
            "\n[profile.dev.package.{krate:?}]\nopt-level = 3\n"
        ));
    }
    for (name, dir) in CASES {
        out.push_str(&format!(
            "\n[[bin]]\nname = \"interop_{name}\"\npath = \"src/{dir}/{name}.rs\"\ntest = true\n\
             doctest = false\nbench = false\n"
        ));
    }
    out
}

fn write_if_changed(path: &Path, text: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// Builds every case once: the test executable of each, or the compiler's errors.
fn executables() -> &'static HashMap<String, Result<PathBuf, String>> {
    static BUILT: OnceLock<HashMap<String, Result<PathBuf, String>>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = root().join("target").join("backendlings-interop");
        fs::create_dir_all(project.join("src")).unwrap();
        let info = fs::read_to_string(root().join("info.toml")).unwrap();
        let info: toml::Table = toml::from_str(&info).expect("info.toml parses");
        write_if_changed(&project.join("Cargo.toml"), &cargo_toml(&info));
        let lock = fs::read_to_string(root().join("course.lock")).unwrap();
        write_if_changed(&project.join("Cargo.lock"), &lock);
        // Sources at the depth of an exercise file (`src/<dir>/<name>.rs`), so that the
        // course's `#[path = "../../support/…"]` modules resolve to a copy of support/.
        for (name, dir) in CASES {
            let source = project.join("src").join(dir).join(format!("{name}.rs"));
            fs::create_dir_all(source.parent().unwrap()).unwrap();
            write_if_changed(&source, &compose(name, dir));
        }
        fs::create_dir_all(project.join("support")).unwrap();
        for entry in fs::read_dir(root().join("support")).unwrap().flatten() {
            let text = fs::read_to_string(entry.path()).unwrap();
            write_if_changed(&project.join("support").join(entry.file_name()), &text);
        }
        // The folder `dev check` builds in (tests/cli.rs runs it): dependencies compile once.
        // --keep-going: a case that does not compile (a solution being edited) fails alone.
        let target = root().join("target/backendlings-dev/target");
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
            .args(["build", "--tests", "--keep-going", "--message-format=json"])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(&project)
            .env("CARGO_TERM_PROGRESS_WHEN", "never")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cargo runs");
        let stderr = cargo.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || std::io::read_to_string(stderr));
        let mut built: HashMap<String, PathBuf> = HashMap::new();
        let mut errors: HashMap<String, String> = HashMap::new();
        for line in BufReader::new(cargo.stdout.take().unwrap()).lines() {
            let line = line.unwrap_or_default();
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            let target_name = msg["target"]["name"].as_str().unwrap_or("");
            let Some(name) = target_name.strip_prefix("interop_") else {
                continue;
            };
            if msg["reason"] == "compiler-message" && msg["message"]["level"] == "error" {
                let rendered = msg["message"]["rendered"].as_str().unwrap_or("");
                errors.entry(name.into()).or_default().push_str(rendered);
            }
            let exe = msg["executable"].as_str();
            if let Some(exe) = exe.filter(|_| msg["profile"]["test"] == true) {
                built.insert(name.into(), PathBuf::from(exe));
            }
        }
        cargo.wait().expect("cargo finishes");
        let stderr = stderr.join().unwrap().unwrap_or_default();
        let result = |name: &str| match (built.get(name), errors.get(name)) {
            (Some(exe), None) => Ok(exe.clone()),
            (_, Some(errors)) => Err(format!("the composed source does not compile:\n{errors}")),
            (None, None) => Err(format!("cargo built nothing for it:\n{stderr}")),
        };
        let cases = CASES
            .iter()
            .map(|(name, _)| (name.to_string(), result(name)));
        cases.collect()
    })
}

/// Runs the interop tests of one case, and fails with their output.
fn run_case(name: &str) {
    require_clients();
    let exe = match &executables()[name] {
        Ok(exe) => exe,
        Err(e) => panic!("building the interop case {name} failed: {e}"),
    };
    let out = Command::new(exe)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the interop test executable runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the reference solution of {name} failed against real clients \
         (tests/interop/{name}.rs):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains("running 0 tests"),
        "tests/interop/{name}.rs ran no tests"
    );
}

#[test]
fn http8_server_against_curl_and_python() {
    run_case("http8");
}

#[test]
fn axum5_server_against_curl_and_python() {
    run_case("axum5");
}

#[test]
fn axum6_graceful_shutdown_against_curl() {
    run_case("axum6");
}

#[test]
fn auth1_argon2_against_argon2_cffi() {
    run_case("auth1");
}

#[test]
fn auth4_signed_tokens_verify_in_pyjwt() {
    run_case("auth4");
}

#[test]
fn auth5_verifies_pyjwt_tokens_and_rejects_tampered_ones() {
    run_case("auth5");
}

#[test]
fn auth6_claims_agree_with_pyjwt() {
    run_case("auth6");
}

#[test]
fn auth7_rejects_pyjwt_alg_attacks() {
    run_case("auth7");
}

#[test]
fn auth8_jsonwebtoken_against_pyjwt() {
    run_case("auth8");
}

#[test]
fn cap3_notes_api_against_curl_python_and_pyjwt() {
    run_case("cap3");
}
