//! The bundled course, embedded in the binary at build time (see build.rs).

include!(concat!(env!("OUT_DIR"), "/embedded_course.rs"));

use super::{Course, InfoError, info};

/// The text of a file of the bundled course, by its path relative to the course root.
pub(crate) fn file(path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// The bundled course's `info.toml`, parsed.
pub(crate) fn course() -> Result<Course, InfoError> {
    let mut course = info::parse("info.toml (bundled)", file("info.toml").unwrap_or(""))?;
    course.support = FILES
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| path.starts_with(&format!("{}/", super::SUPPORT_DIR)))
        .map(String::from)
        .collect();
    Ok(course)
}
