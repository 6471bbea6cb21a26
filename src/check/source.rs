//! Reads Rust source as tokens (comments and literals understood), for the checks that keep a
//! learner's code from changing what the course's tests mean: the learner's part must end at
//! an item boundary, may not redefine names the tests take from Rust's prelude, and the tests'
//! own macro calls are pinned to the standard library's macros.

/// One token: its kind, its byte range in the source, and its 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Literal,
    Lifetime,
    Punct,
}

/// Why a piece of source does not end cleanly, with the line where the trouble starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unclosed {
    pub(crate) what: &'static str,
    pub(crate) line: usize,
}

/// Splits `src` into tokens. Fails on a comment or literal still open at the end.
pub(crate) fn tokens(src: &str) -> Result<Vec<Token>, Unclosed> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let start_line = line;
        let mut kind = Kind::Punct;
        match c {
            b'\n' => {
                line += 1;
                i += 1;
                continue;
            }
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (None, _) => {
                            return Err(Unclosed {
                                what: "a block comment `/*`",
                                line: start_line,
                            });
                        }
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(b'\n'), _) => {
                            line += 1;
                            i += 1;
                        }
                        _ => i += 1,
                    }
                }
                continue;
            }
            b'"' => {
                i = string_end(bytes, i + 1, &mut line).ok_or(Unclosed {
                    what: "a string `\"`",
                    line: start_line,
                })?;
                kind = Kind::Literal;
            }
            b'\'' => {
                // A char literal ('a', '\n', '\u{1F600}') or a lifetime/label ('a, 'static).
                let next = src[i + 1..].chars().next();
                let after = next.map(|ch| i + 1 + ch.len_utf8());
                if next == Some('\\') {
                    i = char_end(bytes, i + 1).ok_or(Unclosed {
                        what: "a character literal `'`",
                        line: start_line,
                    })?;
                    kind = Kind::Literal;
                } else if after.and_then(|a| bytes.get(a)) == Some(&b'\'') {
                    i = after.unwrap_or(i) + 1;
                    kind = Kind::Literal;
                } else {
                    i += 1;
                    while i < bytes.len() && is_ident_byte(bytes[i]) {
                        i += 1;
                    }
                    kind = Kind::Lifetime;
                }
            }
            _ if c.is_ascii_digit() => {
                i += 1;
                while i < bytes.len()
                    && (is_ident_byte(bytes[i])
                        || (bytes[i] == b'.'
                            && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit())))
                {
                    i += 1;
                }
                kind = Kind::Literal;
            }
            _ if is_ident_start(c) => {
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                let word = &src[start..i];
                let prefix_of_literal = matches!(word, "b" | "c" | "r" | "br" | "cr");
                match bytes.get(i) {
                    Some(b'"') if prefix_of_literal && !word.contains('r') => {
                        i = string_end(bytes, i + 1, &mut line).ok_or(Unclosed {
                            what: "a string `\"`",
                            line: start_line,
                        })?;
                        kind = Kind::Literal;
                    }
                    Some(b'"' | b'#') if prefix_of_literal && word.contains('r') => {
                        // A raw string: r"…", r#"…"#, or a raw identifier r#name.
                        let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
                        if bytes.get(i + hashes) == Some(&b'"') {
                            let closing: Vec<u8> = std::iter::once(b'"')
                                .chain(std::iter::repeat_n(b'#', hashes))
                                .collect();
                            let body = i + hashes + 1;
                            let found = bytes[body..]
                                .windows(closing.len())
                                .position(|w| w == closing.as_slice())
                                .ok_or(Unclosed {
                                    what: "a raw string `r\"`",
                                    line: start_line,
                                })?;
                            line += src[i..body + found].matches('\n').count();
                            i = body + found + closing.len();
                            kind = Kind::Literal;
                        } else if word == "r" && hashes == 1 {
                            i += 1;
                            while i < bytes.len() && is_ident_byte(bytes[i]) {
                                i += 1;
                            }
                            kind = Kind::Ident;
                        } else {
                            kind = Kind::Ident;
                        }
                    }
                    Some(b'\'') if word == "b" => {
                        i = char_end(bytes, i + 1).ok_or(Unclosed {
                            what: "a byte literal `b'`",
                            line: start_line,
                        })?;
                        kind = Kind::Literal;
                    }
                    _ => kind = Kind::Ident,
                }
            }
            _ => {
                // One punctuation character (multi-byte characters kept whole).
                i += src[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
        out.push(Token {
            kind,
            start,
            end: i,
            line: start_line,
        });
    }
    Ok(out)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The index after the closing quote of a string whose body starts at `i`.
fn string_end(bytes: &[u8], mut i: usize, line: &mut usize) -> Option<usize> {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            b'\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index after the closing quote of a char literal whose body starts at `i`.
fn char_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    while i < bytes.len() && bytes[i] != b'\n' {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Checks that the learner's part of a file ends at an item boundary, so that nothing in it
/// can reach into the grading tests appended after it: no open comment, literal or bracket,
/// and no attribute left waiting for an item.
pub(crate) fn ends_cleanly(src: &str) -> Result<(), Unclosed> {
    let toks = tokens(src)?;
    let mut open: Vec<(u8, usize)> = Vec::new();
    for t in &toks {
        if t.kind != Kind::Punct {
            continue;
        }
        match src.as_bytes()[t.start] {
            b @ (b'(' | b'[' | b'{') => open.push((b, t.line)),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    if let Some(&(bracket, line)) = open.first() {
        let what = match bracket {
            b'(' => "a parenthesis `(`",
            b'[' => "a bracket `[`",
            _ => "a brace `{`",
        };
        return Err(Unclosed { what, line });
    }
    // A trailing attribute (`#[cfg(any())]` at the end) would apply to the tests.
    let text = |t: &Token| &src[t.start..t.end];
    if let Some(last) = toks.last().filter(|t| text(t) == "]") {
        let mut depth = 0;
        for (k, t) in toks.iter().enumerate().rev() {
            match text(t) {
                "]" => depth += 1,
                "[" => {
                    depth -= 1;
                    if depth == 0 {
                        let before = toks[..k].iter().rev().map(text);
                        let is_attribute = before.take(2).any(|p| p == "#").then_some(()).is_some();
                        if is_attribute {
                            let line = toks[..k].last().map_or(last.line, |t| t.line);
                            return Err(Unclosed {
                                what: "an attribute `#[…]` with no item after it",
                                line,
                            });
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Names the tests take from Rust's prelude (or as crate roots) that code above the marker
/// must not redefine: a learner's own `Some` or `Vec` would change what a test means.
const PRELUDE_NAMES: &[&str] = &[
    "Some",
    "None",
    "Ok",
    "Err",
    "Option",
    "Vec",
    "String",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Default",
    "Iterator",
    "IntoIterator",
    "Drop",
    "From",
    "Into",
    "AsRef",
    "drop",
    "std",
    "core",
    "alloc",
];

/// The standard library's macros that tests call; pinned to `::std::` in the grading tests.
pub(crate) const STD_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "matches",
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "vec",
    "dbg",
    "concat",
    "stringify",
    "line",
    "file",
    "column",
];

/// Where code above the marker redefines something the tests rely on: a prelude name, a
/// standard macro, or how two values compare. Each is a (line, name) pair, in file order.
/// Names the course's own version of that code defines are allowed (`allowed`).
pub(crate) fn redefinitions(src: &str, allowed: &[String]) -> Vec<(usize, String)> {
    let Ok(toks) = tokens(src) else {
        return Vec::new();
    };
    let text = |t: &Token| &src[t.start..t.end];
    let mut found = Vec::new();
    let mut push = |line: usize, name: String| {
        if !allowed.contains(&name) {
            found.push((line, name));
        }
    };
    // Methods (`fn drop` in `impl Drop for Guard`) are reached through their type, never
    // by a bare name: only items outside `impl` and `trait` blocks can shadow the prelude.
    let in_impl = impl_bodies(src, &toks);
    for (k, t) in toks.iter().enumerate() {
        let word = text(t);
        let next = toks.get(k + 1);
        let next_text = next.map(text);
        match word {
            "fn" | "const" | "type" if in_impl[k] => {}
            "fn" | "struct" | "enum" | "type" | "mod" | "trait" | "const" | "static" | "union"
            | "as"
                if t.kind == Kind::Ident =>
            {
                if let Some(name) = next_text.filter(|n| PRELUDE_NAMES.contains(n)) {
                    push(t.line, name.to_string());
                }
                if word == "enum" {
                    for (line, variant) in enum_variants(src, &toks, k) {
                        if PRELUDE_NAMES.contains(&variant.as_str()) {
                            push(line, variant);
                        }
                    }
                }
            }
            "macro_rules" if next_text == Some("!") => {
                if let Some(name) = toks.get(k + 2).map(text).filter(|n| STD_MACROS.contains(n)) {
                    push(t.line, format!("{name}!"));
                }
            }
            "impl" => {
                // `impl PartialEq for X` / `impl PartialOrd<Y> for X`: how values compare.
                let header: Vec<&str> = toks[k + 1..]
                    .iter()
                    .map(text)
                    .take_while(|w| *w != "{" && *w != ";")
                    .collect();
                if header.contains(&"for") {
                    for compare in ["PartialEq", "PartialOrd", "Ord"] {
                        if header.contains(&compare) {
                            push(t.line, format!("impl {compare}"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// For each token, whether it stands inside the body of an `impl` or `trait` block.
fn impl_bodies(src: &str, toks: &[Token]) -> Vec<bool> {
    let text = |t: &Token| &src[t.start..t.end];
    let mut inside = vec![false; toks.len()];
    // Brace depths at which an impl or trait body opened.
    let mut bodies: Vec<usize> = Vec::new();
    let mut depth = 0;
    let mut pending = false;
    for (k, t) in toks.iter().enumerate() {
        inside[k] = !bodies.is_empty();
        match text(t) {
            "impl" | "trait" if t.kind == Kind::Ident => pending = true,
            ";" if pending => pending = false,
            "{" => {
                depth += 1;
                if pending {
                    bodies.push(depth);
                    pending = false;
                }
            }
            "}" => {
                if bodies.last() == Some(&depth) {
                    bodies.pop();
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    inside
}

/// The variants of the enum whose `enum` keyword is token `k`: (line, name).
fn enum_variants(src: &str, toks: &[Token], k: usize) -> Vec<(usize, String)> {
    let text = |t: &Token| &src[t.start..t.end];
    let Some(open) = toks[k..].iter().position(|t| text(t) == "{").map(|p| k + p) else {
        return Vec::new();
    };
    let mut variants = Vec::new();
    let mut depth = 0;
    let mut expect_name = true;
    for t in &toks[open..] {
        match text(t) {
            "{" | "(" | "[" => {
                depth += 1;
                if depth == 1 {
                    expect_name = true;
                }
                continue;
            }
            "}" | ")" | "]" => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                continue;
            }
            _ => {}
        }
        if depth != 1 {
            continue;
        }
        match text(t) {
            "," => expect_name = true,
            "#" => {}
            word if expect_name && t.kind == Kind::Ident => {
                variants.push((t.line, word.to_string()));
                expect_name = false;
            }
            _ => {}
        }
    }
    variants
}

/// The grading tests with every call of a standard macro written as `::std::name!`, so that
/// a macro of the same name defined above the marker cannot stand in for it. Lines are kept.
pub(crate) fn pin_std_macros(section: &str) -> String {
    let Ok(toks) = tokens(section) else {
        return section.to_string();
    };
    let text = |t: &Token| &section[t.start..t.end];
    // Macros the tests define themselves are theirs to call.
    let own: Vec<&str> = toks
        .windows(3)
        .filter(|w| text(&w[0]) == "macro_rules" && text(&w[1]) == "!")
        .map(|w| text(&w[2]))
        .collect();
    let mut out = String::with_capacity(section.len() + 256);
    let mut copied = 0;
    for (k, t) in toks.iter().enumerate() {
        let word = text(t);
        let is_call = t.kind == Kind::Ident
            && STD_MACROS.contains(&word)
            && !own.contains(&word)
            && toks.get(k + 1).map(text) == Some("!")
            && toks
                .get(k + 2)
                .is_some_and(|n| matches!(text(n), "(" | "[" | "{"));
        let in_path = k > 0 && matches!(text(&toks[k - 1]), ":" | ".");
        if is_call && !in_path {
            out.push_str(&section[copied..t.start]);
            out.push_str("::std::");
            copied = t.start;
        }
    }
    out.push_str(&section[copied..]);
    out
}

/// The tests in a grading section, by their full name as libtest reports it
/// (`tests::answer_is_42`), in the order they stand in the file, with their line.
pub(crate) fn test_names(section: &str) -> Vec<(String, usize)> {
    let Ok(toks) = tokens(section) else {
        return Vec::new();
    };
    let text = |t: &Token| &section[t.start..t.end];
    let mut names = Vec::new();
    // Modules entered: (name, brace depth inside it).
    let mut modules: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut pending_test = false;
    let mut k = 0;
    while k < toks.len() {
        let word = text(&toks[k]);
        match word {
            "{" => depth += 1,
            "}" => {
                if modules.last().is_some_and(|(_, d)| *d == depth) {
                    modules.pop();
                }
                depth -= 1;
            }
            "#" if toks.get(k + 1).map(text) == Some("[") => {
                // An attribute: is its path `test` or `<crate>::test`?
                let mut path = Vec::new();
                let mut j = k + 2;
                while let Some(t) = toks.get(j) {
                    match text(t) {
                        ":" => {}
                        w if t.kind == Kind::Ident => path.push(w),
                        _ => break,
                    }
                    j += 1;
                }
                if path.last() == Some(&"test") && path.first() != Some(&"cfg") {
                    pending_test = true;
                }
            }
            "mod" if toks.get(k + 2).map(text) == Some("{") => {
                let name = toks.get(k + 1).map(text).unwrap_or_default();
                modules.push((name.to_string(), depth + 1));
                depth += 1;
                k += 3;
                continue;
            }
            "fn" if pending_test => {
                if let Some(t) = toks.get(k + 1) {
                    let mut full: Vec<&str> = modules.iter().map(|(m, _)| m.as_str()).collect();
                    full.push(text(t));
                    names.push((full.join("::"), t.line));
                }
                pending_test = false;
            }
            _ => {}
        }
        k += 1;
    }
    names
}

/// The source of the test `name` (its last path segment) in a grading section: from its
/// attributes to the end of its body, as a report shows it next to a failure.
pub(crate) fn test_code(section: &str, name: &str) -> Option<String> {
    let toks = tokens(section).ok()?;
    let text = |t: &Token| &section[t.start..t.end];
    let at = toks
        .windows(2)
        .position(|w| text(&w[0]) == "fn" && text(&w[1]) == name)?;
    // Back over the attributes (`#[...]`) and qualifiers (`async`) right before `fn`.
    let mut start = at;
    while start > 0 {
        let before = text(&toks[start - 1]);
        if before == "async" || before == "pub" {
            start -= 1;
        } else if before == "]" {
            let mut depth = 0;
            let mut k = start - 1;
            loop {
                match text(&toks[k]) {
                    "]" => depth += 1,
                    "[" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                if k == 0 {
                    return None;
                }
                k -= 1;
            }
            if k == 0 || text(&toks[k - 1]) != "#" {
                break;
            }
            start = k - 1;
        } else {
            break;
        }
    }
    let open = toks[at..].iter().position(|t| text(t) == "{")? + at;
    let mut depth = 0;
    for t in &toks[open..] {
        match text(t) {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    let line_start = section[..toks[start].start]
                        .rfind('\n')
                        .map_or(0, |i| i + 1);
                    return Some(dedent(&section[line_start..t.end]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Removes the indentation all lines share.
pub(crate) fn dedent(text: &str) -> String {
    let common = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(common..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Constructs that have no place in an exercise's solution and deserve an instructor's look:
/// ending the process, unsafe code, link-level attributes, reading the runner's environment
/// or other files at compile time. Returns (line, what) for each one the course's own
/// version of the file (`original`) does not have.
pub(crate) fn needs_review(learner: &str, original: &str) -> Vec<(usize, String)> {
    let found = |src: &str| -> Vec<(usize, String)> {
        let Ok(toks) = tokens(src) else {
            return Vec::new();
        };
        let text = |t: &Token| &src[t.start..t.end];
        let mut out = Vec::new();
        for (k, t) in toks.iter().enumerate() {
            let next = toks.get(k + 1).map(text);
            let what = match (text(t), next) {
                ("exit" | "abort", Some("(")) => Some("ends the process"),
                ("unsafe", _) => Some("unsafe code"),
                ("link_section" | "no_mangle" | "export_name" | "used", _) => {
                    // Only as an attribute (`#[used]`, `#[unsafe(no_mangle)]`), not a variable.
                    let before = |n: usize| k.checked_sub(n).map(|i| text(&toks[i]));
                    let attribute = (before(1) == Some("[")
                        && matches!(before(2), Some("#" | "!")))
                        || (before(1) == Some("(") && before(2) == Some("unsafe"));
                    attribute.then_some("a link-level attribute")
                }
                ("var" | "var_os" | "vars" | "vars_os" | "args" | "args_os", Some("(")) => {
                    let path = k >= 2 && text(&toks[k - 1]) == ":" && text(&toks[k - 2]) == ":";
                    let env = k >= 3 && text(&toks[k - 3]) == "env";
                    (path && env).then_some("reads the environment or arguments")
                }
                (
                    "include" | "include_str" | "include_bytes" | "asm" | "global_asm" | "env",
                    Some("!"),
                ) => Some("a compile-time include or environment read"),
                _ => None,
            };
            if let Some(what) = what {
                out.push((t.line, format!("{what} (`{}`)", text(t))));
            }
        }
        out
    };
    let allowed: Vec<String> = found(original).into_iter().map(|(_, w)| w).collect();
    found(learner)
        .into_iter()
        .filter(|(_, what)| !allowed.contains(what))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_code_is_the_whole_test_with_its_attributes() {
        let src = "mod tests {\n    #[test]\n    #[should_panic]\n    fn boom() {\n        if true { panic!(\"}\") }\n    }\n    #[test]\n    fn other() {}\n}\n";
        assert_eq!(
            test_code(src, "boom").unwrap(),
            "#[test]\n#[should_panic]\nfn boom() {\n    if true { panic!(\"}\") }\n}"
        );
        assert_eq!(test_code(src, "missing"), None);
    }

    #[test]
    fn constructs_worth_a_look_are_flagged_with_their_line() {
        let learner = "fn f() {\n    std::process::exit(0);\n}\nfn g() { unsafe { } }\nfn h() { let _ = std::env::var(\"X\"); }\n// std::process::exit(1) in a comment\nconst S: &str = include_str!(\"/etc/passwd\");\n";
        let flagged = needs_review(learner, "");
        let lines: Vec<usize> = flagged.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4, 5, 7]);
        // A variable named like an attribute is just a variable.
        let used = "fn f() { let mut used = 0; used += 1; }\n#[unsafe(no_mangle)]\nfn g() {}\n";
        let flagged: Vec<String> = needs_review(used, "").into_iter().map(|(_, w)| w).collect();
        assert_eq!(
            flagged,
            [
                "unsafe code (`unsafe`)",
                "a link-level attribute (`no_mangle`)"
            ]
        );
        // What the course's own file does is not the learner's doing.
        assert!(needs_review("unsafe fn x() {}", "unsafe fn x() {}").is_empty());
    }

    fn words(src: &str) -> Vec<&str> {
        tokens(src)
            .unwrap()
            .iter()
            .map(|t| &src[t.start..t.end])
            .collect()
    }

    #[test]
    fn comments_and_literals_are_one_token_or_none() {
        let src = "a /* x /* nested */ y */ \"s // t\" 'c' '\\'' 'life b\"x\" r#\"q\"# \"\n\" r#type // end\n z";
        assert_eq!(
            words(src),
            [
                "a",
                "\"s // t\"",
                "'c'",
                "'\\''",
                "'life",
                "b\"x\"",
                "r#\"q\"#",
                "\"\n\"",
                "r#type",
                "z"
            ]
        );
        assert_eq!(tokens(src).unwrap().last().unwrap().line, 3);
    }

    #[test]
    fn open_comments_literals_brackets_and_attributes_are_found() {
        let cases = [
            (
                "fn f() {}\n/* the tests are a comment now",
                "a block comment `/*`",
                2,
            ),
            ("fn f() {}\nconst S: &str = \"", "a string `\"`", 2),
            ("fn f() {}\nconst S: &str = r#\"", "a raw string `r\"`", 2),
            ("fn f() {\n", "a brace `{`", 1),
            (
                "fn f() {}\n#[cfg(any())]\n",
                "an attribute `#[…]` with no item after it",
                2,
            ),
        ];
        for (src, what, line) in cases {
            assert_eq!(ends_cleanly(src), Err(Unclosed { what, line }), "{src}");
        }
        assert_eq!(
            ends_cleanly("#![allow(dead_code)]\nfn f() { let v = [1]; }\n// ok /* */\n"),
            Ok(())
        );
        assert_eq!(
            ends_cleanly("fn f() -> u8 { b'\\'' }\nconst C: char = '\"';\n"),
            Ok(())
        );
    }

    #[test]
    fn redefined_prelude_names_macros_and_comparisons_are_found() {
        let src = "macro_rules! assert_eq { ($($t:tt)*) => {}; }\nenum Fake { Some(u32), None }\nfn drop() {}\nstruct Response;\nimpl PartialEq for Response { fn eq(&self, _: &Self) -> bool { true } }\nuse std::vec::Vec as Vec2;\n";
        let found = redefinitions(src, &[]);
        let names: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            ["assert_eq!", "Some", "None", "drop", "impl PartialEq"]
        );
        assert_eq!(found[1].0, 2);
        // Methods are reached through their type: a Drop guard is not a redefined `drop`.
        let guard = "struct Slot;\nimpl Drop for Slot {\n    fn drop(&mut self) {}\n}\ntrait T { fn into(self); }\n";
        assert!(
            redefinitions(guard, &[]).is_empty(),
            "{:?}",
            redefinitions(guard, &[])
        );
        assert_eq!(
            redefinitions("impl X {}\nfn drop() {}\n", &[]),
            [(2, "drop".to_string())]
        );
        // What the course's own code defines is allowed.
        assert!(redefinitions("impl PartialEq for R {}", &["impl PartialEq".into()]).is_empty());
        assert!(
            redefinitions("#[derive(PartialEq)] struct R; fn f(o: Option<u8>) {}", &[]).is_empty()
        );
    }

    #[test]
    fn std_macro_calls_in_the_tests_are_pinned() {
        let src = "mod tests {\n    #[test]\n    fn t() { assert_eq!(f(), 1, \"assert!(x)\"); std::assert!(true); x.vec![]; my::panic!(); }\n    macro_rules! format { () => {} }\n    fn g() { format!(); }\n}\n";
        let pinned = pin_std_macros(src);
        assert!(
            pinned.contains("{ ::std::assert_eq!(f(), 1, \"assert!(x)\"); std::assert!(true);")
        );
        assert!(pinned.contains("my::panic!()"));
        assert!(pinned.contains("fn g() { format!(); }"));
        assert_eq!(pinned.lines().count(), src.lines().count());
    }

    #[test]
    fn test_names_are_found_in_file_order_with_their_modules() {
        let src = "#[cfg(test)]\nmod tests {\n    use super::*;\n    fn helper() {}\n    #[test]\n    fn b_first() {}\n    #[tokio::test(flavor = \"current_thread\")]\n    async fn a_second() {}\n    mod inner {\n        #[test]\n        #[should_panic]\n        fn deep() {}\n    }\n    #[test]\n    fn last() {}\n}\n";
        assert_eq!(
            test_names(src),
            [
                ("tests::b_first".to_string(), 6),
                ("tests::a_second".to_string(), 8),
                ("tests::inner::deep".to_string(), 12),
                ("tests::last".to_string(), 15),
            ]
        );
    }
}
