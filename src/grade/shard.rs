//! Grading a class in shares: `grade --class DIR --shard K/N` grades the students whose name
//! falls to share K of N and writes a shard file; `grade merge` joins the N shard files into
//! the report an unsharded run gives, in any format. A CI's matrix (GitHub Actions), its
//! `parallel:` (GitLab) or an Indexed Job (Kubernetes) runs the shares side by side.
//!
//! A student's share depends on their folder's name alone (a stable hash, not the order of
//! the class), so adding a student moves no one else. Each shard file names the class (a hash
//! of every student's name, which every share reads) and the course (a hash of its files),
//! so shards of different classes, courses or N are refused.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::check::Verdict;
use crate::course::{Course, Source};
use crate::report::{Graded, Student, StudentResults};

/// What a shard file says it is.
const KIND: &str = "backendlings-shard";
/// 2: a verdict holds what was found (`finding`), not its words.
const VERSION: u32 = 2;

/// Share `index` (from 1) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub(crate) index: usize,
    pub(crate) total: usize,
}

impl std::str::FromStr for Share {
    type Err = String;

    /// `K/N`, with 1 ≤ K ≤ N (Kubernetes' JOB_COMPLETION_INDEX counts from 0: add 1).
    fn from_str(text: &str) -> Result<Share, String> {
        let usage = || {
            format!(
                "{text:?} is not a share: write K/N, with K from 1 to N (e.g. 2/4; from a \
                 Kubernetes Indexed Job, $((JOB_COMPLETION_INDEX + 1))/N)"
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let (index, total) = (
            k.trim().parse().map_err(|_| usage())?,
            n.trim().parse().map_err(|_| usage())?,
        );
        if total == 0 || index == 0 || index > total {
            return Err(usage());
        }
        Ok(Share { index, total })
    }
}

impl Share {
    /// Whether the student with this folder name is in this share.
    pub(crate) fn holds(self, name: &str) -> bool {
        (fnv1a(name.as_bytes()) % self.total as u64) as usize == self.index - 1
    }
}

/// One share's results, as written to its file.
#[derive(Serialize, Deserialize)]
struct ShardFile {
    kind: String,
    version: u32,
    /// A hash of every student's folder name in the class.
    class: String,
    /// A hash of the course's files.
    course: String,
    index: usize,
    total: usize,
    students: Vec<ShardStudent>,
}

#[derive(Serialize, Deserialize)]
struct ShardStudent {
    name: String,
    not_graded: Option<String>,
    exercises: Vec<ShardExercise>,
}

#[derive(Serialize, Deserialize)]
struct ShardExercise {
    verdict: Verdict,
    needs_review: Vec<(usize, String)>,
    started: bool,
}

/// The class's identity: every student's name, whichever share grades them.
pub(crate) fn class_id(students: &[Student]) -> String {
    let mut names: Vec<&str> = students.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    format!("{:016x}", fnv1a(names.join("\n").as_bytes()))
}

/// The course's identity: its info.toml and every exercise as shipped.
pub(crate) fn course_id(course: &Course, source: Source<'_>) -> String {
    let mut text = source.file("info.toml").unwrap_or_default();
    for ex in &course.exercises {
        text.push('\0');
        text.push_str(
            &source
                .file(&crate::course::slash_path(&ex.path()))
                .unwrap_or_default(),
        );
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// The shard file of share `share` of the class `class`.
pub(crate) fn write(
    share: Share,
    class: String,
    course: String,
    results: &[StudentResults],
) -> String {
    let file = ShardFile {
        kind: KIND.into(),
        version: VERSION,
        class,
        course,
        index: share.index,
        total: share.total,
        students: results
            .iter()
            .map(|r| ShardStudent {
                name: r.student.name.clone(),
                not_graded: r.student.not_graded.clone(),
                exercises: r
                    .exercises
                    .iter()
                    .map(|g| ShardExercise {
                        verdict: g.verdict.clone(),
                        needs_review: g.needs_review.clone(),
                        started: g.started,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
}

/// Reads the shard files `paths` and joins them into the class's results, in the order an
/// unsharded run gives them; refuses shards of another class, course or N, the same share
/// twice, and a missing share.
pub(crate) fn merge(
    paths: &[PathBuf],
    course: &Course,
    source: Source<'_>,
) -> Result<Vec<StudentResults>, Error> {
    let wanted_course = course_id(course, source);
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for path in paths {
        let shard = read(path)?;
        if shard.course != wanted_course {
            return Err(Error::usage(
                format!(
                    "{} was graded with another course than this one",
                    path.display()
                ),
                "merge with the same course the shards were graded with (--course DIR, or none \
                 for the bundled one)",
            ));
        }
        if let Some((first, other)) = shards.first() {
            let differs = if other.class != shard.class {
                Some("another class")
            } else if other.total != shard.total {
                Some("another number of shares")
            } else if other.index == shard.index {
                Some("the same share")
            } else {
                None
            };
            if let Some(what) = differs {
                return Err(format!(
                    "{} and {} are of {what} (share {}/{} and {}/{}): only the N shares of one \
                     grading of one class merge",
                    first.display(),
                    path.display(),
                    other.index,
                    other.total,
                    shard.index,
                    shard.total
                )
                .into());
            }
        }
        if let Some((earlier, _)) = shards.iter().find(|(_, s)| s.index == shard.index) {
            return Err(format!(
                "{} and {} are both share {}/{}",
                earlier.display(),
                path.display(),
                shard.index,
                shard.total
            )
            .into());
        }
        shards.push((path.clone(), shard));
    }
    let Some(total) = shards.first().map(|(_, s)| s.total) else {
        return Err("no shard files to merge".into());
    };
    let missing: Vec<String> = (1..=total)
        .filter(|k| shards.iter().all(|(_, s)| s.index != *k))
        .map(|k| format!("{k}/{total}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(
            format!(
                "share {} is missing: the merged report would leave students out",
                missing.join(", ")
            ),
            "pass every share's file",
        ));
    }
    let mut results: Vec<StudentResults> = Vec::new();
    for (_, shard) in shards {
        for student in shard.students {
            let exercises = course
                .exercises
                .iter()
                .zip(student.exercises)
                .map(|(ex, e)| Graded {
                    verdict: e.verdict,
                    original: source.file(&crate::course::slash_path(&ex.path())),
                    needs_review: e.needs_review,
                    started: e.started,
                })
                .collect();
            results.push(StudentResults {
                student: Student {
                    name: student.name,
                    root: PathBuf::new(),
                    not_graded: student.not_graded,
                },
                exercises,
            });
        }
    }
    results.sort_by(|a, b| a.student.name.cmp(&b.student.name));
    Ok(results)
}

fn read(path: &Path) -> Result<ShardFile, Error> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::File {
        doing: "cannot read the shard file",
        path: path.to_path_buf(),
        error,
    })?;
    let not_a_shard = |e: serde_json::Error| {
        Error::usage(
            format!("{} is not a shard file ({e})", path.display()),
            "pass the files that `grade --class DIR --shard K/N --output FILE` wrote",
        )
    };
    // Kind and version first: another version's verdicts may not read as this one's.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(not_a_shard)?;
    let (kind, version) = (&value["kind"], &value["version"]);
    if kind.as_str() != Some(KIND) || version.as_u64() != Some(VERSION.into()) {
        return Err(format!(
            "{} is not a shard file of this version of backendlings (kind {kind}, version \
             {version})",
            path.display(),
        )
        .into());
    }
    serde_json::from_value(value).map_err(not_a_shard)
}

/// FNV-1a, 64 bits: stable across runs, machines and versions (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_parsed_and_every_name_falls_to_exactly_one() {
        assert_eq!("2/4".parse(), Ok(Share { index: 2, total: 4 }));
        for bad in ["0/4", "5/4", "1/0", "4", "a/b", ""] {
            assert!(bad.parse::<Share>().is_err(), "{bad}");
        }
        for name in ["ada", "grace", "linus", "émilie", ""] {
            let holders = (1..=3)
                .filter(|&index| Share { index, total: 3 }.holds(name))
                .count();
            assert_eq!(holders, 1, "{name}");
        }
        // The hash is fixed: a share never changes between versions or machines.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
