//! `grade --class DIR --shard K/N` and `grade merge`: a class graded in shares, each share a
//! process of its own with its own build folder (as CI jobs are), joins into the report an
//! unsharded run gives.

use super::support::*;

use std::fs;
use std::path::{Path, PathBuf};

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
    let no_times = |xml: &str| {
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
    };
    assert_eq!(no_times(&junit.stdout), no_times(&whole_junit.stdout));
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
