//! # Capstone, stage 3: notes that belong to someone
//!
//! Stage 2 handed out tokens. Now they open doors: the notes API. Stages 1
//! and 2 live in the course's module `support/capstone.rs` (declared below,
//! with `Db`, `Problem`, `App`, `Claims`, `User` and the handlers you wrote),
//! so this file holds only this stage's work.
//!
//! | request                | answer                                         |
//! |------------------------|------------------------------------------------|
//! | `POST /notes {"text"}` | 201, `Location: /notes/<id>`, `{"id", "text"}` |
//! | `GET /notes`           | 200, `{"notes": [{"id", "text"}, ...]}`, by id |
//! | `GET /notes/{id}`      | 200, `{"id", "text"}`                          |
//! | `PUT /notes/{id}`      | 200, `{"id", "text"}` with the new text        |
//! | `DELETE /notes/{id}`   | 204, no body                                   |
//!
//! **Who is asking?** Every notes request carries `Authorization: Bearer
//! <token>` (auth9). An axum extractor (`FromRequestParts`) turns it into a
//! `User`, or answers 401 before the handler runs: without bearer credentials
//! `WWW-Authenticate: Bearer realm="notes"`; with a token that is malformed,
//! forged or not valid now, `Bearer realm="notes", error="invalid_token"`
//! (RFC 6750 §3). Valid now means, by the app's clock (`app.clock`, auth6;
//! jsonwebtoken's own time checks read the system clock, so switch them off):
//! - not expired: a token has expired once the clock reaches its `exp`
//!   (RFC 7519 §4.1.4: "on or after");
//! - not early: its `nbf` (not before, §4.1.5), when it has one, is at most
//!   `LEEWAY` (30 s, for clocks that drift apart) ahead of the clock;
//! - not from the future: its `iat` (issued at, §4.1.6) is at most `LEEWAY`
//!   ahead of the clock. RFC 7519 leaves `iat` to the application; this
//!   service refuses a token that claims to be issued later than now.
//!
//! Times in a token are NumericDates: seconds that may have a fraction
//! (`1900000030.25`). `Claims` reads them as `f64` and `Clock::now` has a
//! fraction too: compare them as they are, never rounded to whole seconds.
//!
//! **Whose note is it?** A note belongs to the account that wrote it. Anyone
//! else gets 404 Not Found, exactly as for a note that does not exist: a 403
//! would confirm that note 7 exists (OWASP: Insecure Direct Object
//! Reference). Put the owner in the SQL (`WHERE id = ?1 AND owner = ?2`)
//! rather than loading the note and comparing afterwards, which is easy to
//! forget on one path. **Valid text** has 1 to 1000 characters and is not
//! only white space (`validate_text`): else 422, on PUT as on POST.
//!
//! Try it: `cargo run --bin cap3`, sign up and log in as in stage 2, then
//! `curl -i localhost:3000/notes -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"text":"milk"}'`
//! Read more: https://docs.rs/axum/0.8/axum/extract/trait.FromRequestParts.html,
//! RFC 6750 §3, RFC 7519 §4.1,
//! https://cheatsheetseries.owasp.org/cheatsheets/Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet.html

#[path = "../../support/capstone.rs"]
mod capstone;

use axum::extract::{FromRequestParts, Json, Path, State, rejection::JsonRejection};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::Response;
use axum::{Router, routing::get, routing::post};
use capstone::{App, Claims, LEEWAY, NoteText, Problem, User};
use capstone::{no_such_note, unauthorized, validate_text};
use jsonwebtoken::{DecodingKey, Validation};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use std::sync::Arc;

// Finds out who is asking, by the rules of the lesson. Without bearer
// credentials (no `Authorization` header, or another scheme): `unauthorized(false)`.
// A bearer token that is not an HS256 JWT signed with `app.secret`, or that is
// not valid now by `app.clock` (expired, not yet valid, issued in the future,
// each as the lesson says): `unauthorized(true)`. Else the `User` whose id is
// the token's `sub`.
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

// GET, PUT and DELETE on one note, as the lesson's table says. A note
// that does not exist and a note of another account are the same
// `no_such_note()`; PUT checks the text like POST.

// GET /notes/{id}
async fn get_note(
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
async fn update_note(
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
    if changed == 0 {
        return Err(no_such_note());
    }
    Ok(Json(json!({"id": id, "text": note.text})))
}

// DELETE /notes/{id}
async fn delete_note(
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
    match deleted {
        0 => Err(no_such_note()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(capstone::create_account))
        .route("/accounts/{id}", get(capstone::get_account))
        .route("/sessions", post(capstone::login))
        .route(
            "/notes",
            post(capstone::create_note).get(capstone::list_notes),
        )
        .route(
            "/notes/{id}",
            get(get_note).put(update_note).delete(delete_note),
        )
        .with_state(app)
}

// not graded: a demo server on port 3000 on the real clock; the tests call `app` with a fake clock
#[tokio::main]
async fn main() {
    let db = capstone::Db::open_in_memory();
    let secret = Arc::from(capstone::DEV_SECRET);
    let state = App::new(db, Arc::new(capstone::SystemClock), secret);
    capstone::serve_on_port_3000(app(state)).await;
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/server_check.rs"]
mod server_check;

#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capstone::{Clock, DEV_SECRET, Db};
    use crate::server_check::{Check, Run};
    use jsonwebtoken::{EncodingKey, Header};
    use proptest::prelude::*;
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The tests' time, in milliseconds: 2030-03-17, a quarter of a second past a whole second.
    const NOW_MS: u64 = 1_900_000_000_250;
    const PASSWORD: &str = "correct horse battery";
    const LEEWAY_MS: i64 = 30_000;
    /// For checks whose token the tests made for their own clock.
    const MADE_TOKEN: &str = "the tests made this token for their clock (2030-03-17); \
                              your server reads today's clock, so its answer may differ";

    /// A clock the tests set, in milliseconds.
    struct TestClock(AtomicU64);

    impl Clock for TestClock {
        fn now(&self) -> f64 {
            self.0.load(Ordering::SeqCst) as f64 / 1000.0
        }
    }

    /// Starts `app` on a free port, on a runtime of its own in a background thread.
    fn serve(state: App) -> SocketAddr {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app(state)).await.unwrap();
            });
        });
        rx.recv().expect("the server did not start: `app` panicked")
    }

    /// A fresh server whose accounts Ada and grace have logged in: the check run, the clock,
    /// and their tokens. Checks on notes depend on "log in".
    fn start() -> (Run, Arc<TestClock>, String, String) {
        let clock = Arc::new(TestClock(AtomicU64::new(NOW_MS)));
        let state = App::new(Db::open_in_memory(), clock.clone(), Arc::from(DEV_SECRET));
        let run = Run::new(serve(state)).replay("cargo run --bin cap3", "http://127.0.0.1:3000");
        let mut run = run;
        let mut tokens = Vec::new();
        for (name, var) in [("Ada", "ADA"), ("grace", "GRACE")] {
            let body = json!({"name": name, "password": PASSWORD});
            let what = format!("sign up {name}");
            run.check(
                Check::new(&what)
                    .post("/accounts")
                    .json(body.clone())
                    .expect_status(201),
            );
            let what = format!("log in {name}");
            let login = Check::new(&what)
                .post("/sessions")
                .json(body)
                .expect_status(200)
                .capture(var, "token");
            tokens.push(run.check(login).json_str("/token"));
        }
        let ok = tokens.iter().all(|t| !t.is_empty());
        run.record("log in", ok, "the accounts could not log in (stage 2)");
        let grace = tokens.pop().unwrap();
        let ada = tokens.pop().unwrap();
        (run, clock, ada, grace)
    }

    fn write(what: &str, token: &str, text: &str) -> Check {
        let body = json!({ "text": text });
        let check = Check::new(what).post("/notes").bearer(token).json(body);
        check.depends_on("log in")
    }

    fn created(what: &str, token: &str, text: &str, id: u64) -> Check {
        write(what, token, text)
            .expect_status(201)
            .expect_header("location", &format!("/notes/{id}"))
            .expect_json(json!({"id": id, "text": text}))
    }

    fn list(what: &str, token: &str, notes: Value) -> Check {
        let check = Check::new(what)
            .get("/notes")
            .bearer(token)
            .depends_on("log in");
        check
            .expect_status(200)
            .expect_json(json!({ "notes": notes }))
    }

    fn not_found(check: Check) -> Check {
        let problem = json!({"type": "about:blank", "title": "Not Found", "status": 404});
        check
            .depends_on("log in")
            .expect_status(404)
            .expect_header("content-type", "application/problem+json")
            .expect_json_subset(problem)
    }

    fn unauthorized(check: Check, invalid_token: bool) -> Check {
        let challenge = match invalid_token {
            false => "Bearer realm=\"notes\"",
            true => "Bearer realm=\"notes\", error=\"invalid_token\"",
        };
        let problem = json!({"type": "about:blank", "title": "Unauthorized", "status": 401});
        check
            .depends_on("log in")
            .expect_status(401)
            .expect_header("www-authenticate", challenge)
            .expect_json_subset(problem)
    }

    /// A token for account 1 signed with `key`, with these claims (times in milliseconds).
    fn token(key: &[u8], iat_ms: u64, exp_ms: u64, nbf_ms: Option<u64>) -> String {
        let seconds = |ms: u64| ms as f64 / 1000.0;
        let claims = Claims {
            sub: "1".into(),
            name: "Ada".into(),
            iat: seconds(iat_ms),
            exp: seconds(exp_ms),
            nbf: nbf_ms.map(seconds),
        };
        let key = EncodingKey::from_secret(key);
        jsonwebtoken::encode(&Header::default(), &claims, &key).unwrap()
    }

    #[test]
    fn notes_are_created_read_updated_and_deleted() {
        let (mut run, _, ada, _) = start();
        run.check(created("Ada writes note 1", &ada, "buy milk", 1));
        run.check(created("Ada writes note 2", &ada, "call Émile ☎", 2));
        let one = Check::new("Ada reads note 1").get("/notes/1").bearer(&ada);
        run.check(
            one.expect_status(200)
                .expect_json(json!({"id": 1, "text": "buy milk"})),
        );
        let both = json!([{"id": 1, "text": "buy milk"}, {"id": 2, "text": "call Émile ☎"}]);
        run.check(list("Ada lists her 2 notes, by id", &ada, both));
        let body = json!({"text": "buy oat milk"});
        let update = Check::new("Ada updates note 1")
            .put("/notes/1")
            .bearer(&ada)
            .json(body);
        let update = update.expect_status(200);
        run.check(update.expect_json(json!({"id": 1, "text": "buy oat milk"})));
        let reread = Check::new("note 1 has its new text")
            .get("/notes/1")
            .bearer(&ada);
        let updated = json!({"id": 1, "text": "buy oat milk"});
        run.check(reread.expect_status(200).expect_json(updated));
        let delete = Check::new("Ada deletes note 2").delete("/notes/2");
        let delete = delete.bearer(&ada).expect_status(204);
        run.check(
            delete.expect("no body", |reply| match reply.body.is_empty() {
                true => Ok(()),
                false => Err(format!("a 204 has no body, got {:?}", reply.text())),
            }),
        );
        let gone = Check::new("note 2 is gone after DELETE")
            .get("/notes/2")
            .bearer(&ada);
        run.check(not_found(gone));
        let again = Check::new("deleting note 2 again is 404")
            .delete("/notes/2")
            .bearer(&ada);
        run.check(not_found(again));
        let left = json!([{"id": 1, "text": "buy oat milk"}]);
        run.check(list("Ada lists what is left", &ada, left));
        run.check(not_found(
            Check::new("note 99 does not exist")
                .get("/notes/99")
                .bearer(&ada),
        ));
        let put99 = Check::new("PUT on note 99 is 404")
            .put("/notes/99")
            .bearer(&ada);
        run.check(not_found(put99.json(json!({"text": "x"}))));
        run.finish();
    }

    #[test]
    fn another_users_note_is_404_as_if_it_did_not_exist() {
        let (mut run, _, ada, grace) = start();
        run.check(created("Ada writes note 1", &ada, "Ada's secret", 1));
        run.check(created("grace writes note 2", &grace, "grace's note", 2));
        let read = Check::new("grace reads Ada's note 1: 404, as if it did not exist");
        let read = read.get("/notes/1").bearer(&grace);
        let read = not_found(read).expect_not_in_response("Ada's secret", "Ada's note");
        let other = run.check(read);
        let missing = Check::new("grace reads note 99, which does not exist: 404");
        let missing = run.check(not_found(missing.get("/notes/99").bearer(&grace)));
        if other.status == 404 && missing.status == 404 {
            let same = other.body == missing.body;
            let why = format!(
                "Ada's note answered {:?} and a missing note {:?}: the bodies must be the same, \
                 or grace learns that note 1 exists",
                other.text(),
                missing.text()
            );
            run.record("Ada's note looks exactly like a missing one", same, &why);
        }
        let put = Check::new("grace updates Ada's note 1: 404, as if it did not exist");
        let put = put
            .put("/notes/1")
            .bearer(&grace)
            .json(json!({"text": "hacked"}));
        run.check(not_found(put));
        let delete = Check::new("grace deletes Ada's note 1: 404, as if it did not exist");
        run.check(not_found(delete.delete("/notes/1").bearer(&grace)));
        let grace_list = json!([{"id": 2, "text": "grace's note"}]);
        run.check(list("grace lists only her own note", &grace, grace_list));
        let intact = json!([{"id": 1, "text": "Ada's secret"}]);
        let what = "Ada's note 1 is unchanged after grace's PUT and DELETE";
        run.check(list(what, &ada, intact));
        run.finish();
    }

    #[test]
    fn text_has_1_to_1000_characters_on_post_and_put() {
        let (mut run, _, ada, _) = start();
        let long = "é".repeat(1000);
        run.check(created("a text of 1 character", &ada, "a", 1));
        run.check(created(
            "a text of 1000 characters (é × 1000)",
            &ada,
            &long,
            2,
        ));
        let problem =
            json!({"type": "about:blank", "title": "Unprocessable Content", "status": 422});
        let too_long = "a".repeat(1001);
        for (text, why) in [
            ("", "an empty text"),
            ("   \n", "a text of only white space"),
            (too_long.as_str(), "a text of 1001 characters"),
        ] {
            let what = format!("POST {why} is 422");
            let check = write(&what, &ada, text).expect_status(422);
            run.check(check.expect_json_subset(problem.clone()));
            let what = format!("PUT {why} is 422");
            let put = Check::new(&what).put("/notes/1").bearer(&ada);
            let put = put.json(json!({ "text": text })).depends_on("log in");
            run.check(put.expect_status(422).expect_json_subset(problem.clone()));
        }
        let unchanged = json!({"id": 1, "text": "a"});
        let read = Check::new("note 1 is unchanged after the refused PUTs").get("/notes/1");
        run.check(read.bearer(&ada).expect_status(200).expect_json(unchanged));
        run.finish();
    }

    #[test]
    fn notes_need_a_valid_bearer_token() {
        let (mut run, clock, ada, _) = start();
        let get = |what: &str| Check::new(what).get("/notes");
        run.check(unauthorized(get("no Authorization header is 401"), false));
        let basic = get("Basic credentials are 401 without an error code");
        run.check(unauthorized(
            basic.header("authorization", "Basic YWRhOnB3"),
            false,
        ));
        let lower = get("the scheme in lower case (`bearer`) is accepted");
        let lower = lower.header("authorization", &format!("bearer {ada}"));
        run.check(lower.depends_on("log in").expect_status(200));
        let garbage = get("a token that is not a JWT is 401 invalid_token").bearer("not.a.jwt");
        run.check(unauthorized(garbage, true));
        let other_key = b"another secret, not the app's one";
        let forged = token(other_key, NOW_MS, NOW_MS + 3_600_000, None);
        let forged = get("a token signed with another key is 401 invalid_token").bearer(&forged);
        run.check(unauthorized(forged, true));
        let tampered = get("a token with a changed signature is 401 invalid_token");
        run.check(unauthorized(tampered.bearer(&tampered_token(&ada)), true));
        // Ada's token: iat is the whole second of NOW, exp an hour later.
        let exp_ms = NOW_MS - 250 + 3_600_000;
        let moved = "the test moved the app's clock; your server reads today's clock";
        clock.0.store(exp_ms - 1, Ordering::SeqCst);
        let fresh = get("a millisecond before exp (app clock), the token still works");
        let fresh = fresh.bearer(&ada).depends_on("log in").replay_note(moved);
        run.check(fresh.expect_status(200));
        clock.0.store(exp_ms, Ordering::SeqCst);
        let expired = get("at exp (app clock: the token expired) it is 401 invalid_token");
        run.check(unauthorized(expired.bearer(&ada), true).replay_note(moved));
        clock.0.store(exp_ms + 3_600_000, Ordering::SeqCst);
        let later = get("an hour after exp it is 401 invalid_token");
        run.check(unauthorized(later.bearer(&ada), true).replay_note(moved));
        let post = Check::new("POST /notes with an expired token is 401 and writes nothing");
        let post = post
            .post("/notes")
            .bearer(&ada)
            .json(json!({"text": "late"}));
        run.check(unauthorized(post, true).replay_note(moved));
        run.finish();
    }

    #[test]
    fn tokens_from_the_future_are_401() {
        let (mut run, _, _, _) = start();
        let hour = 3_600_000;
        let get = |what: &str, token: &str| {
            let check = Check::new(what).get("/notes").bearer(token);
            check.replay_note(MADE_TOKEN)
        };
        let valid = token(
            DEV_SECRET,
            NOW_MS - 1000,
            NOW_MS + hour,
            Some(NOW_MS - 1000),
        );
        let what = "a token the app signed, valid now (iat and nbf a second ago), is accepted";
        run.check(get(what, &valid).depends_on("log in").expect_status(200));
        let early = token(DEV_SECRET, NOW_MS, NOW_MS + 2 * hour, Some(NOW_MS + hour));
        let what = "a token with nbf an hour from now is not valid yet: 401 invalid_token";
        run.check(unauthorized(get(what, &early), true));
        let future = token(DEV_SECRET, NOW_MS + hour, NOW_MS + 2 * hour, None);
        let what = "a token with iat an hour from now is 401 invalid_token";
        run.check(unauthorized(get(what, &future), true));
        run.finish();
    }

    /// A server for the generated tests, started once for all their cases.
    fn shared_server() -> SocketAddr {
        static SERVER: std::sync::OnceLock<SocketAddr> = std::sync::OnceLock::new();
        *SERVER.get_or_init(|| {
            let clock = Arc::new(TestClock(AtomicU64::new(NOW_MS)));
            let state = App::new(Db::open_in_memory(), clock, Arc::from(DEV_SECRET));
            serve(state)
        })
    }

    /// The status of `GET /notes` with this token.
    fn status_with(token: &str) -> u16 {
        let mut run = Run::new(shared_server());
        let check = Check::new("GET /notes").get("/notes").bearer(token);
        run.check(check).status
    }

    /// Milliseconds from now, many of them around the leeway, sub-second parts included.
    fn offset_ms() -> impl Strategy<Value = i64> {
        prop_oneof![
            2 => Just(LEEWAY_MS),
            2 => LEEWAY_MS - 2..=LEEWAY_MS + 2,
            4 => LEEWAY_MS - 1500..=LEEWAY_MS + 1500,
            2 => 0..=LEEWAY_MS,
            2 => -3_600_000i64..=3_600_000,
        ]
    }

    /// In words: an offset in milliseconds from the app's clock.
    fn from_now(offset_ms: i64) -> String {
        format!("{:+.3} s from the app's clock", offset_ms as f64 / 1000.0)
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        #[test]
        fn nbf_may_be_at_most_the_leeway_ahead(offset in offset_ms()) {
            let nbf = NOW_MS.saturating_add_signed(offset);
            let token = token(DEV_SECRET, NOW_MS - 1000, NOW_MS + 3_600_000, Some(nbf));
            let status = status_with(&token);
            let valid = offset <= LEEWAY_MS;
            let want = if valid { 200 } else { 401 };
            prop_assert_eq!(
                status,
                want,
                "a token whose nbf is {} (leeway: 30 s) is {}: expected {}, got {}",
                from_now(offset),
                if valid { "valid now" } else { "not valid yet" },
                want,
                status
            );
        }

        #[test]
        fn iat_may_be_at_most_the_leeway_ahead(offset in offset_ms()) {
            let iat = NOW_MS.saturating_add_signed(offset);
            let token = token(DEV_SECRET, iat, NOW_MS + 3_600_000, None);
            let status = status_with(&token);
            let valid = offset <= LEEWAY_MS;
            let want = if valid { 200 } else { 401 };
            prop_assert_eq!(
                status,
                want,
                "a token whose iat is {} (leeway: 30 s) is {}: expected {}, got {}",
                from_now(offset),
                if valid { "valid now" } else { "issued in the future" },
                want,
                status
            );
        }
    }

    /// The token with the first character of its signature changed.
    fn tampered_token(token: &str) -> String {
        let at = token.rfind('.').map_or(0, |dot| dot + 1);
        let Some(first) = token[at..].chars().next() else {
            return token.to_string();
        };
        let other = if first == 'A' { "B" } else { "A" };
        let rest = &token[at + first.len_utf8()..];
        format!("{}{other}{rest}", &token[..at])
    }
}
