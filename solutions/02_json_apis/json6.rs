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
    if version != "v1" && version != "v2" {
        return Response {
            status: 404,
            body: format!("there is no API version {version}"),
        };
    }
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
    if version == "v1" {
        Response::json(201, &task.to_v1())
    } else {
        Response::json(201, &task.to_v2())
    }
}

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    // Try it: `cargo run --bin json6`
    for version in ["v1", "v2"] {
        let resp = create_task(version, r#"{"title": "water the plants"}"#, 1);
        println!("{version}: {} {}", resp.status, resp.body);
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    /// A version as a client may write it: the two that exist, or another
    /// spelling (case, spaces, zeros, a slash, a look-alike).
    fn version() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => proptest::sample::select(vec!["v1", "v2"]).prop_map(String::from),
            2 => crate::generated::any_case("v1"),
            2 => crate::generated::any_case("v2"),
            3 => proptest::sample::select(vec![
                "v3", "v0", "", "v01", "v1 ", " v1", "v1/", "v2\t", "1", "v", "v1.0", "\u{3bd}1",
                "v\u{ff11}", "v2\u{200b}",
            ])
            .prop_map(String::from),
        ]
    }

    /// A body: a task with any title and maybe a priority (in any case), or
    /// one that breaks a rule (not JSON, a field missing, misspelled or of
    /// the wrong type, something after the object).
    fn body() -> impl Strategy<Value = String> {
        let title = || crate::generated::tricky_text(0, 6);
        let priority = prop_oneof![
            3 => proptest::sample::select(vec!["low", "normal", "high"]).prop_map(String::from),
            1 => crate::generated::any_case("high"),
            1 => proptest::sample::select(vec!["urgent", "", " low", "NORMAL"]).prop_map(String::from),
        ];
        prop_oneof![
            3 => title().prop_map(|t| json!({"title": t}).to_string()),
            3 => (title(), priority).prop_map(|(t, p)| json!({"priority": p, "title": t}).to_string()),
            1 => Just(json!({"priority": "high"}).to_string()),
            1 => Just(json!({"title": "x", "priorty": "high"}).to_string()),
            1 => Just(json!({"title": "x", "done": true}).to_string()),
            1 => Just(json!({"title": 5}).to_string()),
            1 => Just(json!({"title": "x", "priority": 1}).to_string()),
            1 => proptest::sample::select(vec![
                "", "not json", "{", "{\"title\": \"x\"} x", "null", "[]", "{}",
            ])
            .prop_map(String::from),
        ]
    }

    /// The rules as a reference: status and body for a version and a body.
    fn expected(version: &str, body: &str) -> (u16, Option<Value>, &'static str) {
        if version != "v1" && version != "v2" {
            return (
                404,
                None,
                "only v1 and v2 exist, spelled exactly so, and a version that does not exist \
                 is 404 whatever the body (it names no resource)",
            );
        }
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return (400, None, "a body that is not JSON is 400");
        };
        let fields = value.as_object();
        let valid = fields.is_some_and(|f| {
            f.keys().all(|k| k == "title" || k == "priority")
                && f.get("title").is_some_and(Value::is_string)
                && f.get("priority")
                    .is_none_or(|p| ["low", "normal", "high"].contains(&p.as_str().unwrap_or("")))
        });
        if !valid {
            return (
                422,
                None,
                "JSON that is not a task (title missing or not a string, an unknown field, a \
                 priority other than low, normal, high) is 422",
            );
        }
        let priority = value.get("priority").cloned().unwrap_or(json!("normal"));
        let title = value["title"].clone();
        let task = if version == "v1" {
            json!({"id": 7, "title": title, "done": false, "priority": priority})
        } else {
            json!({"id": 7, "title": title, "status": "open", "priority": priority})
        };
        (
            201,
            Some(task),
            "each version answers in its own shape, priority \"normal\" by default",
        )
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        /// Every combination of version (existing or not) and body (valid or
        /// broken in each way).
        #[test]
        fn any_version_and_body_get_the_right_answer(version in version(), body in body()) {
            let (status, task, why) = expected(&version, &body);
            let resp = create_task(&version, &body, 7);
            let got: Option<Value> = serde_json::from_str(&resp.body).ok();
            let want = match &task {
                Some(task) => format!("{status} {task}"),
                None => status.to_string(),
            };
            prop_assert!(
                resp.status == status && (task.is_none() || got == task),
                "POST /{}/tasks with {:?} answered {} {}, but should answer {}: {}",
                version, body, resp.status, resp.body, want, why
            );
        }
    }
}
