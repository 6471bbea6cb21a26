//! # The N+1 query problem
//!
//! A page lists authors with their books. The obvious code runs one query for
//! the authors, then, in a loop, one more query per author for their books:
//! 1 + N queries. With 500 authors that is 501 round trips for one page; with
//! a database server over the network, each costs a millisecond or more. ORMs
//! produce the same pattern silently when they "lazy load" inside a loop.
//! (SQLite runs inside your process, so its queries are cheap; the habit still
//! pays off the day the database is PostgreSQL on another machine.)
//!
//! The fix is to fetch the children for all parents at once, then assemble in
//! Rust. Either:
//! - one query with a join: `authors LEFT JOIN books ...` (LEFT, so authors
//!   without books stay; exercise sql4), ordered so each author's rows come
//!   together, then group consecutive rows; or
//! - two queries: all authors, then all their books in one go (ordered by
//!   `author_id`), matched up in Rust ("eager loading").
//!
//! Reading rows one by one: `let mut rows = stmt.query(())?;` then
//! `while let Some(row) = rows.next()? { ... }`. `Vec::last_mut` gives you the
//! author you are currently filling.
//!
//! Read more: https://docs.sentry.io/product/issues/issue-details/performance-issues/n-one-queries/
//! and https://www.sqlite.org/np1queryprob.html (why SQLite minds less).

use rusqlite::{Connection, Result};

#[derive(Debug, PartialEq)]
struct AuthorWithBooks {
    name: String,
    books: Vec<String>,
}

fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE books (
             id INTEGER PRIMARY KEY,
             author_id INTEGER NOT NULL REFERENCES authors(id),
             title TEXT NOT NULL
         );",
    )
}

// Every author (by id) with the titles of their books (by book id), in at most
// two queries however many authors there are.
fn authors_with_books(conn: &Connection) -> Result<Vec<AuthorWithBooks>> {
    let mut stmt = conn.prepare(
        "SELECT authors.id, authors.name, books.title
         FROM authors LEFT JOIN books ON books.author_id = authors.id
         ORDER BY authors.id, books.id",
    )?;
    let mut rows = stmt.query(())?;
    let mut authors: Vec<AuthorWithBooks> = Vec::new();
    let mut current_id = None;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if current_id != Some(id) {
            current_id = Some(id);
            authors.push(AuthorWithBooks {
                name: row.get(1)?,
                books: Vec::new(),
            });
        }
        if let (Some(title), Some(author)) = (row.get(2)?, authors.last_mut()) {
            author.books.push(title);
        }
    }
    Ok(authors)
}

// not graded: a demo; the tests call the functions it calls
fn main() -> Result<()> {
    let conn = Connection::open_in_memory()?;
    create_schema(&conn)?;
    conn.execute_batch(
        "INSERT INTO authors (id, name) VALUES (1, 'Ursula K. Le Guin');
         INSERT INTO books (author_id, title) VALUES (1, 'The Dispossessed');",
    )?;
    println!("{:?}", authors_with_books(&conn)?);
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
    use std::sync::Mutex;

    /// Records the SQL of every statement SQLite starts on `conn`, through
    /// SQLite's own trace hook (`sqlite3_trace_v2`). No need to understand it.
    fn record_statements(conn: &Connection) -> &'static Mutex<Vec<String>> {
        unsafe extern "C" fn on_statement(
            _event: c_uint,
            log: *mut c_void,
            _stmt: *mut c_void,
            sql: *mut c_void,
        ) -> c_int {
            let log = unsafe { &*(log as *const Mutex<Vec<String>>) };
            let sql = unsafe { CStr::from_ptr(sql as *const c_char) };
            if let Ok(mut log) = log.lock() {
                log.push(sql.to_string_lossy().into_owned());
            }
            0
        }
        let log: &'static Mutex<Vec<String>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let mask = rusqlite::ffi::SQLITE_TRACE_STMT;
        let context = log as *const Mutex<Vec<String>> as *mut c_void;
        unsafe {
            rusqlite::ffi::sqlite3_trace_v2(conn.handle(), mask, Some(on_statement), context)
        };
        log
    }

    fn author(name: &str, books: &[&str]) -> AuthorWithBooks {
        let books = books.iter().map(|b| b.to_string()).collect();
        AuthorWithBooks {
            name: name.to_string(),
            books,
        }
    }

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        create_schema(&conn).unwrap();
        conn
    }

    #[test]
    fn every_author_with_their_books_in_order() {
        let conn = db();
        // Two different authors share a name, two books share a title, and two
        // authors (one in the middle, one at the end) have written nothing yet.
        conn.execute_batch(
            "INSERT INTO authors (id, name) VALUES
                 (1, 'Pratchett'), (2, 'Nobody'), (3, 'Anonymous'), (4, 'Anonymous'),
                 (5, 'Le Guin'), (6, 'Newcomer');
             INSERT INTO books (id, author_id, title) VALUES
                 (10, 1, 'Mort'), (11, 5, 'The Lathe of Heaven'), (12, 1, 'Small Gods'),
                 (13, 3, 'Beowulf'), (14, 5, 'The Dispossessed'), (15, 4, 'Sir Gawain'),
                 (16, 1, 'Night Watch'), (17, 3, 'Beowulf'), (18, 4, 'Pearl');",
        )
        .unwrap();
        let got = authors_with_books(&conn).expect("authors_with_books failed");
        let expected = vec![
            author("Pratchett", &["Mort", "Small Gods", "Night Watch"]),
            author("Nobody", &[]),
            author("Anonymous", &["Beowulf", "Beowulf"]),
            author("Anonymous", &["Sir Gawain", "Pearl"]),
            author("Le Guin", &["The Lathe of Heaven", "The Dispossessed"]),
            author("Newcomer", &[]),
        ];
        assert_eq!(
            got.len(),
            expected.len(),
            "there are 6 authors, but authors_with_books returned {}: {got:?}. Every author \
             appears once, also those without books (Nobody, Newcomer: LEFT JOIN), and two \
             authors with the same name are still two authors (ids 3 and 4 are both \
             \"Anonymous\": tell authors apart by id, not by name)",
            got.len()
        );
        for (got, expected) in got.iter().zip(&expected) {
            assert_eq!(
                got, expected,
                "authors_with_books returned {got:?} where {expected:?} was expected: authors \
                 come by id, each with all their books by book id (an author without books \
                 has an empty list, and a title that appears twice is two books)"
            );
        }
    }

    #[test]
    fn at_most_two_statements_for_ten_authors() {
        let conn = db();
        for id in 1..=10 {
            conn.execute(
                "INSERT INTO authors (id, name) VALUES (?1, ?2)",
                (id, format!("author {id}")),
            )
            .unwrap();
            conn.execute(
                "INSERT INTO books (author_id, title) VALUES (?1, 'first'), (?1, 'second')",
                [id],
            )
            .unwrap();
        }
        let log = record_statements(&conn);
        let got = authors_with_books(&conn).expect("authors_with_books failed");
        let ran = log.lock().unwrap().clone();
        assert_eq!(
            got.len(),
            10,
            "there are 10 authors, but authors_with_books returned {}",
            got.len()
        );
        assert!(
            ran.len() <= 2,
            "for 10 authors, authors_with_books ran {} SQL statements:\n  {}\n\
             at most 2 are allowed: fetch the books of all authors at once, not one query per author",
            ran.len(),
            ran.join("\n  ")
        );
    }

    /// Distinct ids (small, 0, negative, the largest), in any order.
    fn ids(max: usize) -> impl Strategy<Value = Vec<i64>> {
        proptest::collection::btree_set(
            prop_oneof![1i64..40, Just(0i64), Just(-1), Just(i64::MAX), any::<i64>()],
            0..=max,
        )
        .prop_map(|set| set.into_iter().collect::<Vec<_>>())
        .prop_shuffle()
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Authors and books stored in any order under any ids, names and titles that
        /// repeat or differ only by case or an accent, and an index on books that a
        /// real schema might have (so the rows SQLite reads first are not always in id
        /// order): every author by id, each with their books by book id, in at most two
        /// statements. Rows that no ORDER BY sorts come back in reverse
        /// (PRAGMA reverse_unordered_selects).
        #[test]
        fn any_authors_and_books_come_by_id(
            author_ids in ids(6),
            book_ids in ids(10),
            picks in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..5), 10),
            names in proptest::collection::vec(0usize..4, 6),
            index in proptest::sample::select(vec![
                "",
                "CREATE INDEX books_by_author ON books (author_id);",
                "CREATE INDEX books_by_author_title ON books (author_id, title);",
                "CREATE INDEX books_by_author_title ON books (author_id, title DESC);",
                "CREATE INDEX books_by_title ON books (title, author_id);",
            ]),
        ) {
            const NAMES: [&str; 4] = ["Anonymous", "anonymous", "Le Guin", "Lé Guin"];
            const TITLES: [&str; 5] = ["Pearl", "pearl", "Beowulf", "Éclair", "Zebra"];
            let conn = db();
            conn.execute_batch(index).unwrap();
            conn.execute_batch("PRAGMA reverse_unordered_selects = ON;").unwrap();
            let mut want: Vec<(i64, AuthorWithBooks)> = Vec::new();
            for (n, id) in author_ids.iter().enumerate() {
                let name = NAMES[names[n] % NAMES.len()];
                conn.execute("INSERT INTO authors (id, name) VALUES (?1, ?2)", (id, name)).unwrap();
                want.push((*id, author(name, &[])));
            }
            let mut books: Vec<(i64, usize, &str)> = Vec::new();
            if !author_ids.is_empty() {
                for (n, book) in book_ids.iter().enumerate() {
                    let (which, title) = picks[n];
                    let author = which.index(author_ids.len());
                    conn.execute(
                        "INSERT INTO books (id, author_id, title) VALUES (?1, ?2, ?3)",
                        (book, author_ids[author], TITLES[title]),
                    )
                    .unwrap();
                    books.push((*book, author, TITLES[title]));
                }
            }
            books.sort();
            for (_, author, title) in &books {
                want[*author].1.books.push(title.to_string());
            }
            want.sort_by_key(|(id, _)| *id);
            let want: Vec<AuthorWithBooks> = want.into_iter().map(|(_, a)| a).collect();
            let log = record_statements(&conn);
            let got = authors_with_books(&conn)
                .map_err(|e| TestCaseError::fail(format!("authors_with_books failed: {e}")))?;
            let ran = log.lock().unwrap().clone();
            let stored = format!(
                "authors (id, name) stored in the order {:?}, books (id, author id, title) in \
                 the order {:?}{}",
                author_ids.iter().zip(&names).map(|(id, n)| (id, NAMES[n % NAMES.len()])).collect::<Vec<_>>(),
                book_ids.iter().zip(&picks).filter(|_| !author_ids.is_empty())
                    .map(|(id, (which, t))| (id, author_ids[which.index(author_ids.len().max(1))], TITLES[*t]))
                    .collect::<Vec<_>>(),
                if index.is_empty() { String::new() } else { format!(", and the index `{index}`") }
            );
            prop_assert_eq!(
                &got, &want,
                "with {}, authors_with_books gave the left, but should give the right: every \
                 author by author id, each with all their books by book id. Only an ORDER BY \
                 promises an order: sort by the author's id, then by the book's id (the order \
                 rows are stored in, or an index SQLite reads them through, is no promise; this \
                 test asks SQLite to return unordered rows in reverse)",
                stored
            );
            prop_assert!(
                ran.len() <= 2,
                "with {}, authors_with_books ran {} SQL statements:\n  {}\nat most 2 are \
                 allowed: fetch the books of all authors at once",
                stored, ran.len(), ran.join("\n  ")
            );
        }
    }
}
