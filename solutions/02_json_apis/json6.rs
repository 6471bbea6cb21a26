//! # Evolving an API without breaking its clients
//!
//! Once an API is public, clients you do not control depend on it: mobile
//! apps that users never update, scripts written years ago. Every change is
//! either *backward compatible* or *breaking*:
//! - Compatible: a new **optional** request field. Old clients do not send
//!   it, so the server must fill in a default: `#[serde(default)]` on the
//!   field uses the type's `Default` (an enum picks its default variant with
//!   `#[default]`). Old payloads keep working.
//! - Compatible: a new response field. Old readers ignore fields they do not
//!   know ("tolerant reader"; that is why *clients* should not use
//!   `deny_unknown_fields` on the responses they read).
//! - Breaking: removing or renaming a field, or changing its type or meaning.
//!   That needs a new *version* of the API. `/v2/...` gets the new shape
//!   while `/v1/...` keeps answering the old one until it is retired; both
//!   are views of the same domain model.
//!
//! Here v1 clients send `{"title": ...}` and read `{"id", "title", "done"}`.
//! Now tasks get a priority, and v2 replaces `done: bool` with
//! `status: "open" | "done"`, a breaking change.
//! Read https://google.aip.dev/180 (backwards compatibility) and
//! https://serde.rs/field-attrs.html#default

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

/// The body of `POST /v1/tasks` and `POST /v2/tasks`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTask {
    title: String,
    #[serde(default)]
    priority: Priority,
}

/// The domain model.
struct Task {
    id: u64,
    title: String,
    priority: Priority,
    done: bool,
}

impl Task {
    fn to_v1(&self) -> TaskV1<'_> {
        TaskV1 {
            id: self.id,
            title: &self.title,
            done: self.done,
            priority: self.priority,
        }
    }
    fn to_v2(&self) -> TaskV2<'_> {
        TaskV2 {
            id: self.id,
            title: &self.title,
            status: if self.done { "done" } else { "open" },
            priority: self.priority,
        }
    }
}

/// A task as `/v1` shows it: the original fields, plus the new ones.
#[derive(Serialize)]
struct TaskV1<'a> {
    id: u64,
    title: &'a str,
    done: bool,
    priority: Priority,
}

/// A task as `/v2` shows it: `status` instead of `done`.
#[derive(Serialize)]
struct TaskV2<'a> {
    id: u64,
    title: &'a str,
    status: &'static str,
    priority: Priority,
}

struct Response {
    status: u16,
    body: String,
}

impl Response {
    fn json(status: u16, value: &impl Serialize) -> Self {
        let body = serde_json::to_string(value).expect("a DTO always serializes");
        Response { status, body }
    }
}

/// Handles `POST /{version}/tasks`; the new task gets `id`.
fn create_task(version: &str, body: &str, id: u64) -> Response {
    let input: CreateTask = match serde_json::from_str(body) {
        Ok(input) => input,
        Err(e) => {
            let status = if e.is_data() { 422 } else { 400 };
            return Response {
                status,
                body: e.to_string(),
            };
        }
    };
    let task = Task {
        id,
        title: input.title,
        priority: input.priority,
        done: false,
    };
    match version {
        "v1" => Response::json(201, &task.to_v1()),
        "v2" => Response::json(201, &task.to_v2()),
        _ => Response {
            status: 404,
            body: format!("there is no API version {version}"),
        },
    }
}

fn main() {
    // Try it: `cargo run --bin json6`
    for version in ["v1", "v2"] {
        let resp = create_task(version, r#"{"title": "water the plants"}"#, 1);
        println!("{version}: {} {}", resp.status, resp.body);
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Expects 201 and returns the JSON body.
    #[track_caller]
    fn created(version: &str, body: &str) -> Value {
        let resp = create_task(version, body, 7);
        let why = format!(
            "POST /{version}/tasks with {body} should be 201, got {}: {}",
            resp.status, resp.body
        );
        assert_eq!(resp.status, 201, "{why}");
        serde_json::from_str(&resp.body).expect("the body should be JSON")
    }

    #[test]
    fn old_v1_payload_is_still_accepted_with_defaults() {
        let task = created("v1", r#"{"title": "buy milk"}"#);
        let expected = json!({"id": 7, "title": "buy milk", "done": false, "priority": "normal"});
        assert_eq!(
            task, expected,
            "a v1 payload has no priority: it should get \"normal\""
        );
    }

    #[test]
    fn new_field_is_accepted() {
        let task = created("v1", r#"{"title": "fix bike", "priority": "high"}"#);
        assert_eq!(
            task["priority"], "high",
            "the priority sent should be kept: {task}"
        );
        let resp = create_task("v1", r#"{"title": "x", "priority": "urgent"}"#, 1);
        assert_eq!(
            resp.status, 422,
            "priority \"urgent\" does not exist: want 422, got {}",
            resp.status
        );
    }

    #[test]
    fn optional_means_only_priority_is_optional() {
        for (body, why) in [
            (r#"{"priority": "high"}"#, "`title` is still required"),
            (r#"{}"#, "`title` is still required"),
            (
                r#"{"title": "x", "priorty": "high"}"#,
                "a misspelled field must not be silently ignored by the server",
            ),
            (
                r#"{"title": "x", "priority": "High"}"#,
                "priorities are lowercase",
            ),
        ] {
            let resp = create_task("v1", body, 1);
            assert_eq!(
                resp.status, 422,
                "POST /v1/tasks with {body} should be 422 ({why}), got {}: {}",
                resp.status, resp.body
            );
        }
    }

    #[test]
    fn old_readers_can_still_read_v1_responses() {
        /// What a v1 client compiled last year expects. It ignores unknown fields.
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct OldClientTask {
            id: u64,
            title: String,
            done: bool,
        }
        let resp = create_task("v1", r#"{"title": "call mom", "priority": "low"}"#, 3);
        if let Err(e) = serde_json::from_str::<OldClientTask>(&resp.body) {
            panic!(
                "an old v1 client cannot read the v1 answer {}: {e}",
                resp.body
            );
        }
    }

    #[test]
    fn v2_has_status_instead_of_done() {
        let task = created("v2", r#"{"title": "buy milk"}"#);
        let expected =
            json!({"id": 7, "title": "buy milk", "status": "open", "priority": "normal"});
        assert_eq!(
            task, expected,
            "v2 shows `status` (\"open\" or \"done\") instead of `done`, and the \
             default priority \"normal\""
        );
    }

    #[test]
    fn unknown_version_is_404() {
        for version in ["v3", "v0", "", "V1"] {
            let resp = create_task(version, r#"{"title": "buy milk"}"#, 1);
            assert_eq!(
                resp.status, 404,
                "POST /{version}/tasks: only v1 and v2 exist (exactly so spelled), \
                 want 404, got {}",
                resp.status
            );
        }
    }
}
