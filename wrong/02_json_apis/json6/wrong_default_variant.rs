// wrong: the default priority is the first variant, Low
// expect: it should get "normal"
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
    #[default]
    Low,
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
    // Not JSON is 400; JSON that is not a `CreateTask` is 422. (Two steps,
    // because serde_json reports some wrong types, like a number where an
    // enum's string belongs, as syntax errors.)
    let input = match serde_json::from_str(body) {
        Ok(value) => serde_json::from_value::<CreateTask>(value).map_err(|e| (422, e)),
        Err(e) => Err((400, e)),
    };
    let input = match input {
        Ok(input) => input,
        Err((status, e)) => {
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
