// wrong: books fetched ORDER BY author_id only: titles within an author are not guaranteed in book id order
// expect: each with all their books by book id
// expect: Only an ORDER BY promises an order
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
//
// TODO: the answer is right, but it runs 1 query for the authors plus 1 per
// author. Rewrite it so it runs at most two queries, however many authors
// there are, and still gives exactly the same answer.
fn authors_with_books(conn: &Connection) -> Result<Vec<AuthorWithBooks>> {
    let mut stmt = conn.prepare("SELECT id, name FROM authors ORDER BY id")?;
    let rows = stmt.query_map((), |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut ids = Vec::new();
    let mut authors = Vec::new();
    for row in rows {
        let (id, name) = row?;
        ids.push(id);
        authors.push(AuthorWithBooks {
            name,
            books: Vec::new(),
        });
    }
    let position: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut books = conn.prepare("SELECT author_id, title FROM books ORDER BY author_id")?;
    let mut rows = books.query(())?;
    while let Some(row) = rows.next()? {
        let author_id: i64 = row.get(0)?;
        if let Some(&i) = position.get(&author_id) {
            authors[i].books.push(row.get(1)?);
        }
    }
    Ok(authors)
}

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
