//! # capstone_notes: the notes API of stage 3 and the trace of stage 4
//!
//! Spoiler: this is the course's own solution of capstone stage 3 (who is asking, whose
//! note it is) and of stage 4's request tracing. Finish those stages before you read it.
//! Stages 4 and 5 declare it beside `capstone` (which it builds on):
//!
//! ```ignore
//! #[path = "../../support/capstone.rs"]
//! mod capstone;
//! #[path = "../../support/capstone_notes.rs"]
//! mod capstone_notes;
//! ```
#![allow(dead_code)]

use crate::capstone::{App, Claims, LEEWAY, NoteText, Problem, User};
use crate::capstone::{no_such_note, unauthorized, validate_text};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Json, Path, State, rejection::JsonRejection};
use axum::http::{Request, StatusCode, header, request::Parts};
use axum::response::Response;
use jsonwebtoken::{DecodingKey, Validation};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

/// `Authorization: Bearer <jwt>` → the `User` of the token's `sub`, or a 401.
impl FromRequestParts<App> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<User, Response> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(false));
        };
        let value = value.to_str().map_err(|_| unauthorized(true))?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized(false));
        }
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_exp = false; // it reads the system clock: checked below instead
        let key = DecodingKey::from_secret(&app.secret);
        let token = token.trim_start_matches(' ');
        let decoded = jsonwebtoken::decode::<Claims>(token, &key, &validation);
        let claims = decoded.map_err(|_| unauthorized(true))?.claims;
        let now = app.clock.now();
        let in_the_future = |time: f64| time > now + LEEWAY;
        let expired = now >= claims.exp;
        if expired || in_the_future(claims.iat) || claims.nbf.is_some_and(in_the_future) {
            return Err(unauthorized(true));
        }
        let id = claims.sub.parse().map_err(|_| unauthorized(true))?;
        Ok(User { id })
    }
}

// GET /notes/{id}
pub async fn get_note(
    user: User,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Problem> {
    let text = app
        .db
        .call(move |conn| {
            let sql = "SELECT text FROM notes WHERE id = ?1 AND owner = ?2";
            let text = conn.query_row(sql, (id, user.id), |row| row.get::<_, String>(0));
            Ok(text.optional()?)
        })
        .await?;
    let text = text.ok_or_else(no_such_note)?;
    Ok(Json(json!({"id": id, "text": text})))
}

// PUT /notes/{id}
pub async fn update_note(
    user: User,
    State(app): State<App>,
    Path(id): Path<i64>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let Json(note) = note?;
    validate_text(&note.text)?;
    let text = note.text.clone();
    let changed = app
        .db
        .call(move |conn| {
            let sql = "UPDATE notes SET text = ?1 WHERE id = ?2 AND owner = ?3";
            Ok(conn.execute(sql, (&text, id, user.id))?)
        })
        .await?;
    app.forget(user.id);
    if changed == 0 {
        return Err(no_such_note());
    }
    Ok(Json(json!({"id": id, "text": note.text})))
}

// DELETE /notes/{id}
pub async fn delete_note(
    user: User,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let deleted = app
        .db
        .call(move |conn| {
            let sql = "DELETE FROM notes WHERE id = ?1 AND owner = ?2";
            Ok(conn.execute(sql, (id, user.id))?)
        })
        .await?;
    app.forget(user.id);
    match deleted {
        0 => Err(no_such_note()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// One span per request, named "request", with the request's id, method and path, and
/// nothing else of the request: its headers carry tokens and cookies.
pub fn request_span(request: &Request<Body>) -> Span {
    let id = request.headers().get("x-request-id");
    let id = id.and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (method, path) = (request.method(), request.uri().path());
    tracing::info_span!("request", request_id = %id, method = %method, path = %path)
}

/// `routes` with stage 4's layers, outermost first: a request id for every request, a
/// span per request with an INFO line when its response is ready, the id on the response.
pub fn traced(routes: Router) -> Router {
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id());
    routes.layer(layers)
}
