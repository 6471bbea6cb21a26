//! End-to-end: the class report as an HTML page (`grade --class DIR --format html`), loaded
//! in a real browser: Debian's headless Chromium, with the network off. `.ci/run` installs
//! Chromium; without it (a developer's machine) these tests say so and pass.

use super::support::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use backendlings::check::libtest::{TestResult, TestStatus};
use backendlings::check::modes::Rejection;
use backendlings::check::{Finding, Outcome, Verdict};
use backendlings::report::{Graded, Student, StudentResults};

/// The Chromium to test with: `BACKENDLINGS_CHROMIUM`, or the first of Debian's and other
/// distributions' names on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BACKENDLINGS_CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

macro_rules! chromium_or_skip {
    () => {
        match chromium() {
            Some(path) => path,
            None => {
                // CI installs Chromium (.ci/run): there, its absence is a failure.
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI is set but no Chromium was found: .ci/run installs Debian's chromium"
                );
                eprintln!(
                    "SKIPPED: no Chromium found (chromium, chromium-browser or google-chrome on \
                     the PATH, or BACKENDLINGS_CHROMIUM); install it (`apt-get install chromium`) \
                     to run the HTML report's browser test; .ci/run does"
                );
                return;
            }
        }
    };
}

/// Runs headless Chromium on `page` (with `fragment` after `#`) with every network
/// connection refused, with `what` as its task (`--dump-dom`, `--screenshot=…`); checks that
/// the page's console stayed empty; returns what Chromium printed and how long it took.
fn chromium_on(browser: &Path, page: &Path, fragment: &str, what: &[&str]) -> (String, Duration) {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#{fragment}", page.display());
    let started = Instant::now();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // The network off: no name resolves, and every connection goes to a closed port.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            // The page's console (and a failed load's "Failed to load resource") on stderr.
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(what)
        .arg(&url)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The page writes nothing to its console: any line there is an error, a warning, or a
    // request that was refused.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "the page's console on {url}:\n{}",
        console.join("\n")
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), took)
}

/// The text of the element with this `id` in a dumped DOM (elements without children).
fn element_text<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page:\n{dom}"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    &dom[start..start + dom[start..].find("</").unwrap()]
}

/// What the page counted of its own grid, and that it showed no error.
fn rendered(dom: &str) -> serde_json::Value {
    assert_eq!(element_text(dom, "errors"), "", "the page had errors");
    serde_json::from_str(element_text(dom, "counts")).unwrap()
}

/// The same counts, from the JSON report of the class.
fn counts_of(report: &serde_json::Value) -> serde_json::Value {
    let students = report["students"].as_array().unwrap();
    let mut counts = serde_json::json!({
        "students": students.len(),
        "not_graded": students.iter().filter(|s| s["status"] == "not_graded").count(),
        "review": 0, "not_started": 0, "passed": 0, "failed": 0, "compile_error": 0, "timed_out": 0, "tampered": 0,
    });
    for ex in students
        .iter()
        .flat_map(|s| s["exercises"].as_array().unwrap())
    {
        let status = match ex["started"].as_bool().unwrap() {
            true => ex["status"].as_str().unwrap(),
            false => "not_started",
        };
        counts[status] = (counts[status].as_u64().unwrap() + 1).into();
        if !ex["needs_review"].as_array().unwrap().is_empty() {
            counts["review"] = (counts["review"].as_u64().unwrap() + 1).into();
        }
    }
    counts
}

/// A page of the fixture course's class must load nothing from a network.
fn assert_no_network_address(page: &str) {
    for needle in [
        "http://", "https://", "src=", "href=", "<link", "url(", "@import",
    ] {
        assert!(!page.contains(needle), "the page holds {needle:?}");
    }
}

#[test]
fn the_html_class_report_shows_the_json_reports_grid_and_opens_a_cell_in_a_browser() {
    let f = Fixture::new();
    let class = class_of(&f, &[("ada", 2), ("bob", 1), ("cy", 0)]);
    write(
        &class.join("cy/exercises/01_more/printer.rs"),
        "fn main() {\n    println!(\"42\")\n    let\n}\n",
    );
    // A student with no workspace: a row of its own, not graded.
    fs::create_dir_all(class.join("dee")).unwrap();
    let grade = |format: &str, output: &str| {
        Run::from(
            command(&class)
                .args([
                    "grade", "--class", ".", "--format", format, "--output", output,
                ])
                .arg("--course")
                .arg(&f.course)
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        )
        .expect(1, &[]);
    };
    grade("json", "../class.json");
    grade("html", "../class.html");
    let report: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(f.ws.parent().unwrap().join("class.json")).unwrap(),
    )
    .unwrap();
    let page = f.ws.parent().unwrap().join("class.html");
    let text = fs::read_to_string(&page).unwrap();
    assert_no_network_address(&text);
    assert!(text.starts_with("<!DOCTYPE html>"), "{text}");

    let browser = chromium_or_skip!();
    let (dom, took) = chromium_on(&browser, &page, "review&open=bob/second", &["--dump-dom"]);
    eprintln!("the fixture class's page loaded and rendered in {took:?} (Chromium's whole run)");
    assert_eq!(rendered(&dom), counts_of(&report), "{dom}");
    // The exercises whose files are the course's own: ada's printer, bob's second and
    // printer, cy's first and second.
    assert_eq!(counts_of(&report)["not_started"], 5);
    // The opened cell: bob's second exercise, its failing test and message.
    let details = &dom[dom.find("id=\"details\"").unwrap()..];
    for needle in [
        "bob / second (00_basics)",
        "tests::answer_is_42",
        "answer() should be 42",
        "exercises/00_basics/second.rs:20:9",
    ] {
        assert!(details.contains(needle), "{needle:?} not in\n{details}");
    }
    // Filtered to the students with something to review: ada and bob, whose copies of the
    // reference solution are flagged.
    assert_eq!(element_text(&dom, "shown"), "showing 2 of 4 students");
    assert!(
        dom.contains("<span class=\"c passed r\">✓⚠</span>"),
        "{dom}"
    );
    assert!(dom.contains("⊘ not graded: it holds no workspace"), "{dom}");

    // Clicks, as a user's: on ada's second cell, then on the review filter. A copy of the
    // page with a script that clicks, and writes down the address it ends at.
    let clicked = f.ws.parent().unwrap().join("clicked.html");
    let clicks = "<script>document.querySelector('#rows [data-i=\"0\"] .c:nth-child(4)').click();\
        document.getElementById('only-review').click();\
        document.getElementById('counts').setAttribute('data-hash', location.hash);</script></body>";
    fs::write(&clicked, text.replace("</body>", clicks)).unwrap();
    let (dom, _) = chromium_on(&browser, &clicked, "", &["--dump-dom"]);
    rendered(&dom);
    assert!(dom.contains("<h2>ada / second (00_basics)</h2>"), "{dom}");
    assert_eq!(element_text(&dom, "shown"), "showing 2 of 4 students");
    assert!(
        dom.contains("data-hash=\"#review&amp;open=ada/second\""),
        "{dom}"
    );

    // A screenshot, kept as an artefact of the test run.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("class-report.png");
    let _ = fs::remove_file(&shot);
    chromium_on(
        &browser,
        &page,
        "open=cy/printer",
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
        ],
    );
    assert!(fs::metadata(&shot).unwrap().len() > 10_000, "no screenshot");
    eprintln!("screenshot: {}", shot.display());
}

/// A course of `topics` × `per_topic` exercises.
fn generated_course(topics: usize, per_topic: usize) -> backendlings::course::Course {
    let mut info =
        String::from("format_version = 1\nwelcome_message = \"w\"\nfinal_message = \"f\"\n");
    for t in 0..topics {
        for e in 0..per_topic {
            info.push_str(&format!(
                "\n[[exercises]]\nname = \"topic{t}_ex{e}\"\ndir = \"{t:02}_topic{t}\"\nhints = [\"h\"]\n"
            ));
        }
    }
    backendlings::course::info::parse("info.toml", &info).unwrap()
}

/// A class of `students` with varied results: every outcome, failing tests with messages
/// and output, compile errors with rustc's text, review flags.
fn generated_class(course: &backendlings::course::Course, students: usize) -> Vec<StudentResults> {
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    (0..students)
        .map(|s| StudentResults {
            student: Student {
                name: format!("student{s:03}"),
                root: PathBuf::new(),
                not_graded: None,
            },
            exercises: course
                .exercises
                .iter()
                .map(|ex| {
                    let outcome = match next() % 20 {
                        0..=11 => Outcome::Passed,
                        12..=15 => Outcome::Failed,
                        16..=17 => Outcome::CompileError,
                        18 => Outcome::TimedOut,
                        _ => Outcome::Tampered,
                    };
                    let failing = next() % 3;
                    let tests = (0..3)
                        .map(|i| {
                            let failed = outcome == Outcome::Failed && i <= failing;
                            TestResult {
                                name: format!("tests::case_{i}"),
                                status: if failed { TestStatus::Failed } else { TestStatus::Passed },
                                message: failed.then(|| format!("assertion failed: left == right, student {s}, {}", next())),
                                location: failed.then(|| format!("exercises/{}/{}.rs:{}:9", ex.dir, ex.name, 40 + i)),
                                line: 40 + i,
                                duration: Duration::from_millis(2),
                                output: if failed { "got 41\n".repeat(5) } else { String::new() },
                            }
                        })
                        .collect();
                    let finding = match outcome {
                        Outcome::Passed => Finding::TestsPassed,
                        Outcome::Failed => Finding::TestsFailed,
                        Outcome::CompileError => Finding::DidNotCompile {
                            errors: vec![format!("error[E0308]: mismatched types\n --> exercises/{}/{}.rs:12:5\n   |\n12 |     total\n   |     ^^^^^ expected `u32`, found `&str`\n", ex.dir, ex.name)],
                        },
                        Outcome::TimedOut => Finding::TimedOut {
                            after_secs: 10,
                            stdout_tail: String::new(),
                        },
                        Outcome::Tampered => Finding::Rejected {
                            file: format!("exercises/{}/{}.rs", ex.dir, ex.name),
                            rejection: Rejection::MarkerRemoved,
                        },
                    };
                    Graded {
                        verdict: Verdict {
                            duration: Duration::from_millis((next() % 900) as u64),
                            tests,
                            ..Verdict::new(&ex.name, outcome, finding)
                        },
                        original: None,
                        started: next() % 10 != 0,
                        needs_review: if next() % 40 == 0 {
                            vec![(7, "`unsafe` block".into())]
                        } else {
                            vec![]
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

#[test]
fn the_html_report_of_500_students_by_85_exercises_renders_in_a_browser() {
    let course = generated_course(17, 5);
    let class = generated_class(&course, 500);
    let report: serde_json::Value =
        serde_json::from_str(&backendlings::report::json_class(&course, &class)).unwrap();
    let text = backendlings::report::html(&course, &class);
    assert_no_network_address(&text);
    // Kept, as an artefact: the page to open by hand.
    let page = Path::new(env!("CARGO_TARGET_TMPDIR")).join("class-500x85.html");
    fs::write(&page, &text).unwrap();
    let browser = chromium_or_skip!();
    let (dom, took) = chromium_on(
        &browser,
        &page,
        "failing&student=student49&open=student499/topic16_ex4",
        &["--dump-dom"],
    );
    assert_eq!(rendered(&dom), counts_of(&report));
    assert!(dom.contains("student499 / topic16_ex4 (16_topic16)"));
    // The filters: students whose name holds "student49" and who fail an exercise.
    let failing = report["students"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["student"].as_str().unwrap().contains("student49"))
        .filter(|s| s["passed"] != s["total"])
        .count();
    assert_eq!(
        element_text(&dom, "shown"),
        format!("showing {failing} of 500 students")
    );
    let render_ms: u64 = element_text(&dom, "render-ms").parse().unwrap();
    eprintln!(
        "500 × 85: page {} bytes, first render {render_ms} ms in the page, Chromium's whole run {took:?}",
        text.len()
    );
    // Generous: about 0.5 s measured on the 2-core machine while other builds ran (load 10).
    assert!(render_ms < 10_000, "the first render took {render_ms} ms");
}
