//! # An error type that is a response
//!
//! Handlers fail: the user does not exist, the input is invalid, the name is
//! taken, the database is down. Instead of building an error response by hand
//! at every `return`, define one error enum for the whole API and implement
//! axum's `IntoResponse` for it. A handler then returns
//! `Result<Json<T>, ApiError>` and uses `?`; with `From<StoreError> for ApiError`
//! the `?` operator converts the store's errors on the way.
//!
//! `into_response` is the one place that decides, for every error, the status
//! code and the body, so every error of the API looks the same to clients:
//! here `{"error": "<machine-readable code>", "message": "<for humans>"}`
//! (RFC 9457 "problem details" is a standard shape for the same idea).
//!
//! "Every error" includes the ones axum finds before your handler runs: a
//! body that is not JSON, a path segment that is not a number. By default
//! each extractor answers those itself, in plain text, in its own words. To
//! keep one shape, ask for `Result<Json<T>, JsonRejection>` instead of
//! `Json<T>`: the handler then receives the rejection as a value and `?`
//! turns it into an `ApiError` (through `From`), keeping the status axum
//! chose (400, 415 or 422) and its explanation.
//!
//! A 500 must not leak internals: hostnames, SQL, file paths and stack traces
//! help an attacker and mean nothing to the client. Log the details on the
//! server and answer a generic message (OWASP Error Handling Cheat Sheet).
//!
//! Read more: https://docs.rs/axum/0.8/axum/error_handling/index.html,
//! https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html

use axum::{
    Json, Router,
    extract::{
        Path, State,
        rejection::{JsonRejection, PathRejection},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, Serialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Debug, Deserialize)]
struct NewUser {
    name: String,
}

/// What the storage layer can report. It knows nothing about HTTP.
#[derive(Debug)]
enum StoreError {
    NotFound,
    Duplicate,
    Unavailable(String),
}

/// A store of users; `online: false` plays a database that is down.
struct Store {
    online: bool,
    users: Mutex<Vec<User>>,
}

impl Store {
    fn connect(&self) -> Result<MutexGuard<'_, Vec<User>>, StoreError> {
        if !self.online {
            let details = "connect to db.internal:5432: connection refused";
            return Err(StoreError::Unavailable(details.into()));
        }
        Ok(self.users.lock().unwrap())
    }

    fn find(&self, id: u64) -> Result<User, StoreError> {
        let users = self.connect()?;
        let user = users.iter().find(|u| u.id == id);
        user.cloned().ok_or(StoreError::NotFound)
    }

    fn insert(&self, name: &str) -> Result<User, StoreError> {
        let mut users = self.connect()?;
        if users.iter().any(|u| u.name == name) {
            return Err(StoreError::Duplicate);
        }
        let id = users.len() as u64 + 1;
        users.push(User {
            id,
            name: name.into(),
        });
        Ok(users[users.len() - 1].clone())
    }
}

/// Every way a request to this API can fail.
#[derive(Debug)]
enum ApiError {
    NotFound(String),
    InvalidInput(String),
    Conflict(String),
    /// An extractor could not read the request: the status it chose and why.
    Unreadable(StatusCode, String),
    /// The details are for the server log only.
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound("no such user".into()),
            StoreError::Duplicate => ApiError::Conflict("this name is taken".into()),
            StoreError::Unavailable(details) => ApiError::Internal(details),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::Unreadable(rejection.status(), rejection.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Unreadable(rejection.status(), rejection.body_text())
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = match self {
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, "not_found", message),
            ApiError::InvalidInput(message) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
            }
            ApiError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message),
            ApiError::Unreadable(status, message) => (status, "bad_request", message),
            ApiError::Internal(details) => {
                eprintln!("internal error: {details}");
                let message = "internal server error".to_string();
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
            }
        };
        (status, Json(ErrorBody { error, message })).into_response()
    }
}

// GET /users/{id}
async fn get_user(
    State(store): State<Arc<Store>>,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Json<User>, ApiError> {
    let Path(id) = id?;
    Ok(Json(store.find(id)?))
}

// POST /users
async fn create_user(
    State(store): State<Arc<Store>>,
    new_user: Result<Json<NewUser>, JsonRejection>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let Json(new_user) = new_user?;
    let name = new_user.name.trim();
    // Characters, not bytes: "é" is one character but two bytes in UTF-8.
    if name.is_empty() || name.chars().count() > 32 {
        return Err(ApiError::InvalidInput(
            "name must have 1 to 32 characters".into(),
        ));
    }
    let user = store.insert(name)?;
    Ok((StatusCode::CREATED, Json(user)))
}

fn app(store: Arc<Store>) -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user))
        .with_state(store)
}

// not graded: a demo server on port 3000; the tests call `app` directly
#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum3`, then `curl -i localhost:3000/users/1`.
    let store = Arc::new(Store {
        online: true,
        users: Mutex::new(Vec::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(store)).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, header::CONTENT_TYPE};
    use serde_json::{Value, json};
    use std::time::Duration;
    use tower::ServiceExt;

    /// Sends `request` (no socket) to an app whose store holds the user
    /// 1 "ada", and checks the status. Answers (content type, body).
    async fn call(online: bool, request: Request<Body>, why: &str, want: u16) -> (String, String) {
        let what = format!("{} {} ({why})", request.method(), request.uri());
        let ada = User {
            id: 1,
            name: "ada".into(),
        };
        let store = Arc::new(Store {
            online,
            users: Mutex::new(vec![ada]),
        });
        let response = tokio::time::timeout(Duration::from_secs(5), app(store).oneshot(request))
            .await
            .expect("the router did not answer within 5 s")
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or(""));
        let content_type = content_type.unwrap_or("").to_string();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(
            status.as_u16(),
            want,
            "{what} should answer {want}, but answered {status} with body {body:?}"
        );
        (content_type, body)
    }

    /// Checks the shape every error must have: JSON with "error" and "message".
    fn check_error(content_type: &str, body: &str, code: &str) -> Value {
        assert_eq!(
            content_type, "application/json",
            "every error of this API should be JSON {{\"error\", \"message\"}}, but the \
             Content-Type was {content_type:?} (body {body:?})"
        );
        let value: Value = serde_json::from_str(body).expect("the error body should be JSON");
        assert_eq!(
            value["error"], code,
            "the error code should be {code:?}, but the body was {body}"
        );
        let message = value["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty(),
            "the error body should have a non-empty \"message\", but was {body}"
        );
        value
    }

    fn get_user_req(id: u64) -> Request<Body> {
        Request::get(format!("/users/{id}"))
            .body(Body::empty())
            .unwrap()
    }

    fn post_user(name: &str) -> Request<Body> {
        let body = json!({ "name": name }).to_string();
        let request = Request::post("/users").header(CONTENT_TYPE, "application/json");
        request.body(Body::from(body)).unwrap()
    }

    #[tokio::test]
    async fn success_is_unchanged() {
        call(true, get_user_req(1), "ada exists", 200).await;
        call(true, post_user("grace"), "a new name", 201).await;
    }

    #[tokio::test]
    async fn new_users_get_the_next_id_and_can_be_read_back() {
        // One store for the whole test: ada has id 1, so the next users get 2 and 3.
        let ada = User {
            id: 1,
            name: "ada".into(),
        };
        let store = Arc::new(Store {
            online: true,
            users: Mutex::new(vec![ada]),
        });
        async fn send(store: &Arc<Store>, request: Request<Body>) -> (u16, Value) {
            let response = app(store.clone()).oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
            (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
        }
        for (name, id) in [("grace", 2), (" linus ", 3)] {
            let (status, body) = send(&store, post_user(name)).await;
            let want = json!({"id": id, "name": name.trim()});
            assert!(
                status == 201 && body == want,
                "POST /users {{\"name\": {name:?}}} into a store holding {} user(s) should \
                 answer 201 with {want} (the next id, the trimmed name), but answered \
                 {status} with {body}",
                id - 1
            );
        }
        for (id, name) in [(1, "ada"), (2, "grace"), (3, "linus")] {
            let (status, body) = send(&store, get_user_req(id)).await;
            let want = json!({"id": id, "name": name});
            assert!(
                status == 200 && body == want,
                "GET /users/{id} should answer 200 with {want}, but answered {status} with {body}"
            );
        }
    }

    #[tokio::test]
    async fn error_messages_are_the_variants_text() {
        let cases = [
            (get_user_req(99), 404, "not_found", "no such user"),
            (post_user("ada"), 409, "conflict", "this name is taken"),
            (
                post_user(""),
                422,
                "invalid_input",
                "name must have 1 to 32 characters",
            ),
        ];
        for (request, want, code, message) in cases {
            let what = format!("{} {}", request.method(), request.uri());
            let (content_type, body) = call(true, request, code, want).await;
            let value = check_error(&content_type, &body, code);
            assert_eq!(
                value["message"], message,
                "{what}: the \"message\" of a {code} error is the variant's own text \
                 {message:?}, but the body was {body}"
            );
        }
        let request = Request::post("/users").header(CONTENT_TYPE, "text/plain");
        let request = request.body(Body::from(r#"{"name":"bob"}"#)).unwrap();
        let (content_type, body) = call(true, request, "not declared as JSON", 415).await;
        let value = check_error(&content_type, &body, "bad_request");
        let message = value["message"].as_str().unwrap_or("");
        assert!(
            message.contains("Content-Type"),
            "the \"message\" of a rejected request is axum's own explanation (here that \
             the request needs `Content-Type: application/json`), but the body was {body}"
        );
    }

    #[tokio::test]
    async fn missing_user_is_404_not_found() {
        let (content_type, body) = call(true, get_user_req(99), "no such user", 404).await;
        check_error(&content_type, &body, "not_found");
    }

    #[tokio::test]
    async fn blank_name_is_422_invalid_input() {
        let (content_type, body) = call(true, post_user("   "), "blank name", 422).await;
        check_error(&content_type, &body, "invalid_input");
    }

    #[tokio::test]
    async fn names_are_counted_in_characters_not_bytes() {
        let at_most = ["a".repeat(32), "é".repeat(32), "名".repeat(32)];
        for name in at_most {
            let why = format!(
                "a name of 32 characters ({} bytes in UTF-8) is allowed",
                name.len()
            );
            call(true, post_user(&name), &why, 201).await;
        }
        for name in ["b".repeat(33), "é".repeat(33)] {
            let why = "a name of 33 characters is one too many";
            let (content_type, body) = call(true, post_user(&name), why, 422).await;
            check_error(&content_type, &body, "invalid_input");
        }
    }

    #[tokio::test]
    async fn requests_axum_cannot_read_get_the_same_error_shape() {
        let json = "application/json";
        for (content_type, body, why, want) in [
            (
                "text/plain",
                r#"{"name":"bob"}"#,
                "the body is not declared as JSON",
                415,
            ),
            (json, r#"{"name":"#, "the JSON is cut off", 400),
            (json, r#"{"name":42}"#, "name is not a string", 422),
        ] {
            let request = Request::post("/users").header(CONTENT_TYPE, content_type);
            let request = request.body(Body::from(body)).unwrap();
            let why = format!("{why}; axum's rejection keeps its status");
            let (content_type, body) = call(true, request, &why, want).await;
            check_error(&content_type, &body, "bad_request");
        }
        let request = Request::get("/users/abc").body(Body::empty()).unwrap();
        let why = "abc is not a user id";
        let (content_type, body) = call(true, request, why, 400).await;
        check_error(&content_type, &body, "bad_request");
    }

    #[tokio::test]
    async fn taken_name_is_409_conflict() {
        let (content_type, body) = call(true, post_user("ada"), "ada is taken", 409).await;
        check_error(&content_type, &body, "conflict");
    }

    #[tokio::test]
    async fn outage_is_500_without_internal_details() {
        let (content_type, body) = call(false, get_user_req(1), "database down", 500).await;
        let value = check_error(&content_type, &body, "internal");
        for secret in ["db.internal", "5432", "connection refused"] {
            assert!(
                !body.contains(secret),
                "a 500 must not reveal internal details ({secret:?}): they belong in \
                 the server's log, but the body was {body}"
            );
        }
        assert_eq!(
            value["message"], "internal server error",
            "the 500 message should be generic"
        );
    }
}
