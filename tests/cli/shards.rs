//! `grade --class DIR --shard K/N` and `grade merge`: a class graded in shares, each share a
//! process of its own with its own build folder (as CI jobs are), joins into the report an
//! unsharded run gives.

use super::support::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A class of `names`, the k-th with its first k % 3 exercises solved.
fn class_solving(f: &Fixture, names: &[&str]) -> PathBuf {
    let students: Vec<(&str, usize)> = names
        .iter()
        .enumerate()
        .map(|(k, name)| (*name, k % 3))
        .collect();
    class_of(f, &students)
}

fn grade(class: &Path, course: &Path, args: &[&str]) -> Run {
    Run::from(
        command(class)
            .args([
                "grade",
                "--course",
                course.to_str().unwrap(),
                "--class",
                ".",
            ])
            .args(args)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    )
}

fn merge(dir: &Path, course: &Path, shards: &[PathBuf], args: &[&str]) -> Run {
    Run::from(
        command(dir)
            .args(["grade", "merge"])
            .args(shards)
            .args(["--course", course.to_str().unwrap()])
            .args(args)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    )
}

/// The JSON report without its timings, which differ from run to run.
fn timeless(json: &str) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.retain(|k, _| !k.contains("duration") && k != "time");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    strip(&mut v);
    v
}

/// Grades share K of N into its own file, in a build folder of its own.
fn shard(class: &Path, course: &Path, k: usize, n: usize) -> PathBuf {
    let out = class
        .parent()
        .unwrap()
        .join(format!("shard-{k}-of-{n}.json"));
    let build = class.parent().unwrap().join(format!("build-{k}-of-{n}"));
    let share = format!("{k}/{n}");
    let run = grade(
        class,
        course,
        &[
            "--shard",
            &share,
            "--output",
            out.to_str().unwrap(),
            "--build-dir",
            build.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    out
}

fn students_in(shard: &Path) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(shard).unwrap()).unwrap();
    v["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shards_merge_into_the_unsharded_report_in_every_format() {
    let f = Fixture::new();
    let names = ["ada", "bob", "cy", "dee", "eve", "fay", "gus"];
    let class = class_solving(&f, &names);
    let top = class.parent().unwrap();
    let whole_json = grade(&class, &f.course, &[]);
    let whole_csv = top.join("whole.csv");
    grade(&class, &f.course, &["--csv", whole_csv.to_str().unwrap()]);
    let whole_junit = grade(&class, &f.course, &["--format", "junit"]);

    let shards: Vec<PathBuf> = (1..=3).map(|k| shard(&class, &f.course, k, 3)).collect();
    // Every student is in exactly one share.
    let mut seen: Vec<String> = shards.iter().flat_map(|s| students_in(s)).collect();
    seen.sort();
    assert_eq!(seen, names);

    let merged_csv = top.join("merged.csv");
    let merged = merge(
        top,
        &f.course,
        &shards,
        &["--csv", merged_csv.to_str().unwrap()],
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(timeless(&merged.stdout), timeless(&whole_json.stdout));
    assert_eq!(
        fs::read_to_string(&merged_csv).unwrap(),
        fs::read_to_string(&whole_csv).unwrap()
    );
    let junit = merge(top, &f.course, &shards, &["--format", "junit"]);
    assert_eq!(no_times(&junit.stdout), no_times(&whole_junit.stdout));
}

/// A JUnit report with every number in an attribute (the timings) as `N`.
fn no_times(xml: &str) -> String {
    xml.split('"')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && part.parse::<f64>().is_ok() {
                "N"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("\"")
}

#[test]
fn a_new_student_moves_no_one_else_and_mismatched_shards_are_refused() {
    let f = Fixture::new();
    let class = class_solving(&f, &["ada", "bob", "cy", "dee"]);
    let top = class.parent().unwrap().to_path_buf();
    let before: Vec<Vec<String>> = (1..=2)
        .map(|k| students_in(&shard(&class, &f.course, k, 2)))
        .collect();
    let old = [top.join("shard-1-of-2.json"), top.join("shard-2-of-2.json")];
    let kept: Vec<PathBuf> = old
        .iter()
        .map(|p| {
            let kept = p.with_extension("old.json");
            fs::rename(p, &kept).unwrap();
            kept
        })
        .collect();
    copy_course(&f.ws, &class.join("zed"));
    for k in 1..=2 {
        let after = students_in(&shard(&class, &f.course, k, 2));
        let mut without_zed = after.clone();
        without_zed.retain(|s| s != "zed");
        assert_eq!(without_zed, before[k - 1], "share {k}/2");
    }

    // A share missing, shares of another class, of another N, one twice.
    merge(&top, &f.course, &kept[..1], &[])
        .expect(2, &[])
        .stderr_has(&["share 2/2 is missing"]);
    merge(
        &top,
        &f.course,
        &[kept[0].clone(), top.join("shard-2-of-2.json")],
        &[],
    )
    .expect(2, &[])
    .stderr_has(&["of another class"]);
    let three = shard(&class, &f.course, 1, 3);
    merge(
        &top,
        &f.course,
        &[top.join("shard-1-of-2.json"), three],
        &[],
    )
    .expect(2, &[])
    .stderr_has(&["another number of shares"]);
    merge(&top, &f.course, &[kept[0].clone(), kept[0].clone()], &[])
        .expect(2, &[])
        .stderr_has(&["the same share"]);
    // A share written by another version, whose verdicts read otherwise: named as such.
    let older = top.join("shard-older.json");
    let text = fs::read_to_string(&kept[0]).unwrap();
    assert!(text.contains("\"version\": 2,"), "{text}");
    let text = text.replace("\"version\": 2,", "\"version\": 1,");
    write(&older, &text.replace("\"finding\":", "\"summary\":"));
    merge(&top, &f.course, &[older, kept[1].clone()], &[])
        .expect(2, &[])
        .stderr_has(&["is not a shard file of this version of backendlings (kind \"backendlings-shard\", version 1)"]);
    // Graded with another course.
    let other = top.join("other-course");
    copy_course(&f.course, &other);
    let info = fs::read_to_string(other.join("info.toml")).unwrap();
    write(
        &other.join("info.toml"),
        &info.replace("Look at answer.", "Read answer."),
    );
    merge(&top, &other, &kept, &[])
        .expect(2, &[])
        .stderr_has(&["graded with another course"]);
    // Not a share.
    let usage = Run::from(
        command(&class)
            .args(["grade", "--class", ".", "--shard", "3/2"])
            .output()
            .unwrap(),
    );
    usage
        .expect(2, &[])
        .stderr_has(&["K/N, with K from 1 to N"]);
}

// ---- the README's recipes for a class in shares, run as written ----
//
// Each recipe's commands are read from the README and run with `sh`, as its CI runs them: a
// job (a pod) is a folder of its own with the class in it and its own build folder, the
// shares run at once as N processes, and the CI's variables are set as the CI sets them
// (`SHARE` from the matrix, `CI_NODE_INDEX`/`CI_NODE_TOTAL`, `JOB_COMPLETION_INDEX`). What
// differs from a CI runner: `backendlings` is this build's binary on `PATH` (tests/recipes.rs
// runs the `cargo install` steps), the course is the fixture, given with `--course DIR` as
// the README says for a course of one's own, and an artifact or a shared volume is a folder.

/// `program args` in `dir`, started (not waited for), with `env` set and this build's
/// `backendlings` first on `PATH`.
fn start(dir: &Path, program: &str, args: &[&str], env: &[(&str, String)]) -> Child {
    let bin = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `sh -c script` in `dir`, started, with `env` set.
fn start_sh(dir: &Path, script: &str, env: &[(&str, String)]) -> Child {
    start(dir, "sh", &["-c", script], env)
}

/// Waits for every job; each one must succeed.
#[track_caller]
fn all_succeed(jobs: Vec<(String, Child)>) {
    for (what, job) in jobs {
        let run = Run::from(job.wait_with_output().unwrap());
        assert_eq!(run.code, 0, "{what}\n{}{}", run.stdout, run.stderr);
    }
}

/// A CI job's (a pod's) folder: the class, checked out into `submissions` below `at`.
fn job_folder(at: PathBuf, class: &Path) -> PathBuf {
    copy_course(class, &at.join("submissions"));
    at
}

/// The class's unsharded reports, graded on one machine: JSON, JUnit and the CSV.
struct Whole {
    json: String,
    junit: String,
    csv: String,
}

fn whole(class: &Path, course: &Path) -> Whole {
    let dir = job_folder(class.parent().unwrap().join("whole"), class);
    let submissions = dir.join("submissions");
    let build = ["--build-dir", dir.join("build").to_str().unwrap()].map(str::to_string);
    let json = grade(&submissions, course, &[&build[0], &build[1]]);
    let csv = dir.join("whole.csv");
    let junit = grade(
        &submissions,
        course,
        &[
            &build[0],
            &build[1],
            "--format",
            "junit",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    Whole {
        json: json.stdout,
        junit: junit.stdout,
        csv: fs::read_to_string(csv).unwrap(),
    }
}

/// The numbers of a YAML flow list on the line that starts with `key` (`share: [1, 2]`).
fn yaml_numbers(yaml: &str, key: &str) -> Vec<usize> {
    let line = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key:?} in\n{yaml}"));
    line.trim_matches(|c: char| c == ' ' || c == '[' || c == ']')
        .split(',')
        .map(|n| n.trim().parse().unwrap())
        .collect()
}

fn read(path: PathBuf) -> String {
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A recipe of the README to run: the fixture course, a class whose shares of 4 each hold
/// students, the class's unsharded reports, and the recipe's YAML.
struct Recipe {
    f: Fixture,
    class: PathBuf,
    whole: Whole,
    yaml: String,
}

impl Recipe {
    /// The recipe in the README's block after the line that has `after`.
    fn new(after: &str) -> Recipe {
        let f = Fixture::new();
        let names = ["ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal", "ivy"];
        let class = class_solving(&f, &names);
        let whole = whole(&class, &f.course);
        let yaml = block_after(after);
        Recipe {
            f,
            class,
            whole,
            yaml,
        }
    }

    /// Where the jobs' folders are.
    fn top(&self) -> &Path {
        self.class.parent().unwrap()
    }

    /// The recipe's `grade:` and `report:` jobs.
    fn jobs(&self) -> (String, String) {
        (
            yaml_section(&self.yaml, "grade:"),
            yaml_section(&self.yaml, "report:"),
        )
    }
}

#[test]
fn the_readmes_github_actions_matrix_merges_into_the_unsharded_report() {
    let r = Recipe::new("GitHub Actions, a matrix of");
    let (f, class, top) = (&r.f, &r.class, r.top());
    let (grade_job, report_job) = r.jobs();
    let [step] = &yaml_commands(&grade_job, "run", &f.course)[..] else {
        panic!("one run step in\n{grade_job}")
    };
    assert!(
        grade_job.contains("SHARE: ${{ matrix.share }}"),
        "{grade_job}"
    );
    // The build folder is the one the job's cache step keeps, keyed on course.lock.
    assert!(step.contains("--build-dir build "), "{step}");
    assert!(
        grade_job.contains("path: build/") && grade_job.contains("hashFiles('**/course.lock')"),
        "{grade_job}"
    );
    // What each job uploads, and the report job downloads into its folder.
    let upload = grade_job
        .split("path: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an upload path");
    let shares = yaml_numbers(&grade_job, "share:");
    assert_eq!(shares, [1, 2, 3, 4]);
    let jobs = shares
        .iter()
        .map(|k| {
            let dir = job_folder(top.join(format!("github-{k}")), class);
            (
                step.clone(),
                start_sh(&dir, step, &[("SHARE", k.to_string())]),
            )
        })
        .collect();
    all_succeed(jobs);
    let report = top.join("github-report");
    fs::create_dir_all(&report).unwrap();
    for k in &shares {
        let file = upload.replace("${{ matrix.share }}", &k.to_string());
        fs::copy(
            top.join(format!("github-{k}")).join(&file),
            report.join(&file),
        )
        .unwrap();
    }
    let [merge] = &yaml_commands(&report_job, "run", &f.course)[..] else {
        panic!("one run step in\n{report_job}")
    };
    all_succeed(vec![(merge.clone(), start_sh(&report, merge, &[]))]);
    assert_eq!(
        no_times(&read(report.join("report.xml"))),
        no_times(&r.whole.junit)
    );
    assert_eq!(read(report.join("class.csv")), r.whole.csv);
}

#[test]
fn the_readmes_gitlab_parallel_jobs_merge_into_the_unsharded_report() {
    let r = Recipe::new("GitLab CI (`parallel:`");
    let (f, class, top) = (&r.f, &r.class, r.top());
    let (grade_job, report_job) = r.jobs();
    let [n] = yaml_numbers(&grade_job, "parallel:")[..] else {
        panic!("parallel: N in\n{grade_job}")
    };
    // `cargo install` is tested by tests/recipes.rs; here `backendlings` is this build's.
    let script = |job: &str| -> String {
        yaml_commands(job, "script", &f.course)
            .into_iter()
            .filter(|c| !c.starts_with("cargo install "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let jobs = (1..=n)
        .map(|k| {
            let dir = job_folder(top.join(format!("gitlab-{k}")), class);
            let env = [
                ("CI_NODE_INDEX", k.to_string()),
                ("CI_NODE_TOTAL", n.to_string()),
            ];
            let grade = script(&grade_job);
            let job = start_sh(&dir, &grade, &env);
            (grade, job)
        })
        .collect();
    all_succeed(jobs);
    // The build folder is one the job's cache keeps, keyed on course.lock.
    assert!(
        script(&grade_job).contains("--build-dir build "),
        "{grade_job}"
    );
    assert!(
        grade_job.contains("build/]") && grade_job.contains("course.lock]"),
        "{grade_job}"
    );
    // The report job `needs: [grade]`: it gets every grade job's artifacts.
    assert!(grade_job.contains("paths: [shard-*.json]"), "{grade_job}");
    let report = top.join("gitlab-report");
    fs::create_dir_all(&report).unwrap();
    for k in 1..=n {
        for shard in fs::read_dir(top.join(format!("gitlab-{k}")))
            .unwrap()
            .flatten()
        {
            let name = shard.file_name().to_string_lossy().into_owned();
            if name.starts_with("shard-") && name.ends_with(".json") {
                fs::copy(shard.path(), report.join(&name)).unwrap();
            }
        }
    }
    let merge = script(&report_job);
    all_succeed(vec![(merge.clone(), start_sh(&report, &merge, &[]))]);
    assert_eq!(
        no_times(&read(report.join("report.xml"))),
        no_times(&r.whole.junit)
    );
}

#[test]
fn the_readmes_kubernetes_indexed_job_merges_into_the_unsharded_report() {
    let r = Recipe::new("A Kubernetes Indexed Job");
    let (f, class, top, yaml) = (&r.f, &r.class, r.top(), &r.yaml);
    let [n] = yaml_numbers(yaml, "completions:")[..] else {
        panic!("completions: N in\n{yaml}")
    };
    assert!(yaml.contains("completionMode: Indexed"), "{yaml}");
    let command: Vec<String> = serde_json::from_str(
        yaml.lines()
            .find_map(|l| l.trim().strip_prefix("command: "))
            .expect("the container's command"),
    )
    .unwrap();
    // A pod's own folders (the image's /work, its /tmp) are a folder of the pod's; /out is
    // the volume every pod mounts.
    let volume = top.join("volume");
    fs::create_dir_all(&volume).unwrap();
    let in_pod = |text: &str, pod: &Path| -> String {
        text.split(' ')
            .map(|word| {
                for (from, to) in [
                    ("/work/", pod.join("work")),
                    ("/tmp/", pod.join("tmp")),
                    ("/out/", volume.clone()),
                ] {
                    if let Some(rest) = word.strip_prefix(from) {
                        return format!("{}/{rest}", to.display());
                    }
                }
                word.to_string()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let [sh, dash_c, script] = &command[..] else {
        panic!("sh -c SCRIPT: {command:?}")
    };
    let pods = (0..n)
        .map(|index| {
            let pod = top.join(format!("pod-{index}"));
            job_folder(pod.join("work"), class);
            let script = with_course(&in_pod(script, &pod), &f.course);
            let env = [("JOB_COMPLETION_INDEX", index.to_string())];
            let child = start(&pod, sh, &[dash_c, &script], &env);
            (script, child)
        })
        .collect();
    all_succeed(pods);
    let then = README
        .split("then, once it completes, `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("the README's merge command for the Indexed Job");
    let merge = with_course(&in_pod(then, &top.join("pod-merge")), &f.course);
    let report = top.join("kubernetes-report");
    fs::create_dir_all(&report).unwrap();
    all_succeed(vec![(merge.clone(), start_sh(&report, &merge, &[]))]);
    assert_eq!(
        timeless(&read(report.join("class.json"))),
        timeless(&r.whole.json)
    );
}
