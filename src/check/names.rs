//! The names the grading tests rely on. The tests open with `use super::*`, so every name the
//! learner's code binds at the top level is in their scope, and there it wins over the
//! standard prelude and over the crates (`serde_json::from_str`, `u64::MAX`, `HashMap`): a
//! `mod serde_json` above the marker would give the tests the learner's own "parser". So a
//! name the tests use may be bound above the marker only as the course's own code binds it:
//! a definition where the course defines it, the same import where the course imports it.
//!
//! This is the allow-list a separate tests crate importing named items would give, within
//! one crate: docs/TRUST.md says why the tests are not a crate of their own.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::spanned::Spanned as _;

use super::rules::{Finding, Rule, unraw};

/// How the top level of the code above the marker binds a name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Binding {
    /// An item of the learner's own: `fn`, `struct`, `mod`, `macro_rules!`, …
    Defined,
    /// An import, with the path it leads to (`std::collections::HashMap`).
    Imported(Vec<String>),
}

/// Findings for every top-level name in `learner` that the grading tests (`tests`) use and
/// that `learner` binds otherwise than the course's own code above the marker (`original`).
/// Code that does not parse has no findings here: the rules refuse it already.
pub(crate) fn shadowed(learner: &str, original: &str, tests: &str) -> Vec<Finding> {
    let Ok(file) = syn::parse_file(learner) else {
        return Vec::new();
    };
    let ours = syn::parse_file(original)
        .map(|f| bindings(&f.items))
        .unwrap_or_default();
    let used = names_used(tests);
    let mut found = Vec::new();
    for (name, bound) in bindings(&file.items) {
        if !used.contains(&name) {
            continue;
        }
        for (binding, line) in bound {
            let allowed = match ours.get(&name) {
                None => false,
                Some(course) => course.iter().any(|(theirs, _)| match (theirs, &binding) {
                    (Binding::Defined, _) => true,
                    (Binding::Imported(a), Binding::Imported(b)) => a == b,
                    (Binding::Imported(_), Binding::Defined) => false,
                }),
            };
            if allowed {
                continue;
            }
            let what = match (ours.get(&name).map(|c| &c[0].0), &binding) {
                (Some(Binding::Imported(path)), _) => format!(
                    "`{name}`, which the grading tests use as the course imports it (`{}`)",
                    path.join("::")
                ),
                _ => format!("`{name}`, a name the grading tests use for something else"),
            };
            found.push(Finding {
                line,
                rule: Rule::Tampers,
                what,
            });
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Each name bound at the top level, with how and where (1-based lines).
fn bindings(items: &[syn::Item]) -> BTreeMap<String, Vec<(Binding, usize)>> {
    let mut out: BTreeMap<String, Vec<(Binding, usize)>> = BTreeMap::new();
    let mut define = |name: String, line: usize| {
        out.entry(name).or_default().push((Binding::Defined, line));
    };
    let local_modules: BTreeMap<String, &syn::ItemMod> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) => Some((unraw(&m.ident), m)),
            _ => None,
        })
        .collect();
    let mut imports = Vec::new();
    // Macros whose items are named by their input, in the order they are defined.
    let mut generators = BTreeSet::new();
    for item in items {
        let line = item.span().start().line.max(1);
        match item {
            syn::Item::Const(i) => define(unraw(&i.ident), line),
            syn::Item::Enum(i) => define(unraw(&i.ident), line),
            syn::Item::ExternCrate(i) => {
                define(unraw(i.rename.as_ref().map_or(&i.ident, |(_, r)| r)), line)
            }
            syn::Item::Fn(i) => define(unraw(&i.sig.ident), line),
            syn::Item::Mod(i) => define(unraw(&i.ident), line),
            syn::Item::Static(i) => define(unraw(&i.ident), line),
            syn::Item::Struct(i) => define(unraw(&i.ident), line),
            syn::Item::Trait(i) => define(unraw(&i.ident), line),
            syn::Item::TraitAlias(i) => define(unraw(&i.ident), line),
            syn::Item::Type(i) => define(unraw(&i.ident), line),
            syn::Item::Union(i) => define(unraw(&i.ident), line),
            syn::Item::ForeignMod(m) => {
                for foreign in &m.items {
                    let ident = match foreign {
                        syn::ForeignItem::Fn(f) => &f.sig.ident,
                        syn::ForeignItem::Static(s) => &s.ident,
                        syn::ForeignItem::Type(t) => &t.ident,
                        _ => continue,
                    };
                    define(unraw(ident), foreign.span().start().line.max(1));
                }
            }
            // `macro_rules! name`, and whatever a macro may define: the names after item
            // keywords in its body or in a call at the top level.
            syn::Item::Macro(m) => {
                if let Some(ident) = &m.ident {
                    define(unraw(ident), line);
                }
                let (names, from_input) = defined_by_tokens(m.mac.tokens.clone());
                for (name, line) in names {
                    define(name, line);
                }
                // A call of a macro of the file's own that names items after its input
                // (`mod $name`) may define any identifier it is given.
                let callee = m.mac.path.segments.last().map(|s| unraw(&s.ident));
                if m.ident.is_none() && callee.is_some_and(|c| generators.contains(&c)) {
                    for (name, line) in identifiers(m.mac.tokens.clone()) {
                        define(name, line);
                    }
                }
                if from_input && let Some(ident) = &m.ident {
                    generators.insert(unraw(ident));
                }
            }
            syn::Item::Use(u) => imports.push((&u.tree, line)),
            _ => {}
        }
    }
    for (tree, line) in imports {
        let mut leaves = Vec::new();
        use_leaves(tree, Vec::new(), &mut leaves);
        for (name, path) in leaves {
            match name {
                // A glob of a module of the learner's own brings in its items.
                None => {
                    let local = path
                        .iter()
                        .find(|s| !matches!(s.as_str(), "self" | "crate"))
                        .and_then(|head| local_modules.get(head));
                    if let Some(content) = local.and_then(|m| m.content.as_ref()) {
                        for (name, bound) in bindings(&content.1) {
                            for (_, inner) in bound {
                                out.entry(name.clone())
                                    .or_default()
                                    .push((Binding::Defined, inner));
                            }
                        }
                    }
                }
                Some(name) => {
                    // An import of a module of the learner's own is the learner's item.
                    let head = path
                        .iter()
                        .find(|s| !matches!(s.as_str(), "self" | "crate"));
                    let binding = if head.is_some_and(|h| local_modules.contains_key(h)) {
                        Binding::Defined
                    } else {
                        Binding::Imported(normal_path(&path))
                    };
                    out.entry(name).or_default().push((binding, line));
                }
            }
        }
    }
    out
}

/// The leaves of a `use` tree: (the name it binds, or `None` for a glob; the full path).
fn use_leaves(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    out: &mut Vec<(Option<String>, Vec<String>)>,
) {
    let with = |ident: &syn::Ident| {
        let mut path = prefix.clone();
        path.push(unraw(ident));
        path
    };
    match tree {
        syn::UseTree::Path(p) => use_leaves(&p.tree, with(&p.ident), out),
        syn::UseTree::Name(n) if n.ident == "self" => {
            out.push((prefix.last().cloned(), prefix.clone()));
        }
        syn::UseTree::Name(n) => out.push((Some(unraw(&n.ident)), with(&n.ident))),
        syn::UseTree::Rename(r) => out.push((Some(unraw(&r.rename)), with(&r.ident))),
        syn::UseTree::Glob(_) => out.push((None, prefix)),
        syn::UseTree::Group(g) => {
            for item in &g.items {
                use_leaves(item, prefix.clone(), out);
            }
        }
    }
}

/// `::std::…` and `std::…` are one path, and `core`/`alloc` are parts of std.
fn normal_path(path: &[String]) -> Vec<String> {
    path.iter()
        .filter(|s| !s.is_empty())
        .map(|s| match s.as_str() {
            "core" | "alloc" => "std".to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The names a macro may define: the identifier after each item keyword in its tokens; and
/// whether an item is named by the macro's input (`fn $name`), in which case any identifier
/// of a call could be a name it defines.
fn defined_by_tokens(tokens: TokenStream) -> (Vec<(String, usize)>, bool) {
    const ITEM_KEYWORDS: &[&str] = &[
        "fn",
        "struct",
        "enum",
        "union",
        "type",
        "trait",
        "const",
        "static",
        "mod",
        "macro_rules",
        "as",
        "crate",
    ];
    let mut out = Vec::new();
    let mut from_input = false;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (k, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(g) => {
                let (inner, inner_from_input) = defined_by_tokens(g.stream());
                out.extend(inner);
                from_input |= inner_from_input;
            }
            TokenTree::Ident(keyword) if ITEM_KEYWORDS.contains(&unraw(keyword).as_str()) => {
                // `macro_rules! name`: skip the `!`.
                let mut next = trees.get(k + 1);
                if matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                    next = trees.get(k + 2);
                }
                match next {
                    Some(TokenTree::Ident(name)) => {
                        out.push((unraw(name), name.span().start().line.max(1)));
                    }
                    Some(TokenTree::Punct(p)) if p.as_char() == '$' => from_input = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (out, from_input)
}

/// Every identifier in `tokens`, with its line.
fn identifiers(tokens: TokenStream) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => out.extend(identifiers(g.stream())),
            TokenTree::Ident(ident) => out.push((unraw(&ident), ident.span().start().line.max(1))),
            _ => {}
        }
    }
    out
}

/// Every name the tests may look up in their scope: each identifier that can start a path
/// (not a method or field after `.`, not a later segment after `::`), inside macro calls
/// too; minus the names a tests module binds itself at its top level (its own imports and
/// items win over `use super::*`), and minus the names the tests bind as locals (a
/// parameter or field before a single `:`, after `let`, before `in`), which shadow items.
fn names_used(tests: &str) -> BTreeSet<String> {
    let Ok(tokens) = tests.parse::<TokenStream>() else {
        return BTreeSet::new();
    };
    let mut names = Names::default();
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut k = 0;
    while k < trees.len() {
        // `mod name { … }`: its own bindings shield the names it uses.
        if let (Some(TokenTree::Ident(keyword)), Some(TokenTree::Group(body))) =
            (trees.get(k), trees.get(k + 2))
            && keyword == "mod"
            && body.delimiter() == Delimiter::Brace
        {
            let mut here = Names::default();
            here.read(body.stream());
            if let Ok(file) = syn::parse2::<syn::File>(body.stream()) {
                let own: BTreeSet<String> = bindings(&file.items).into_keys().collect();
                here.used.retain(|name| !own.contains(name));
            }
            names.used.extend(here.used);
            names.locals.extend(here.locals);
            k += 3;
            continue;
        }
        names.read(trees[k].clone().into());
        k += 1;
    }
    names.used.retain(|name| !names.locals.contains(name));
    names.used
}

#[derive(Default)]
struct Names {
    used: BTreeSet<String>,
    locals: BTreeSet<String>,
}

impl Names {
    fn read(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let punct = |t: Option<&TokenTree>, c: char, spacing: Option<Spacing>| {
            matches!(t, Some(TokenTree::Punct(p))
                if p.as_char() == c && spacing.is_none_or(|s| p.spacing() == s))
        };
        let word =
            |t: Option<&TokenTree>, w: &str| matches!(t, Some(TokenTree::Ident(i)) if i == w);
        for (k, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(g) => self.read(g.stream()),
                TokenTree::Ident(ident) => {
                    let at =
                        |offset: isize| k.checked_add_signed(offset).and_then(|j| trees.get(j));
                    // `a.b`, `'a`, and `x::b` (`::` is a joint `:` then a `:`).
                    let after_path_sep =
                        punct(at(-1), ':', None) && punct(at(-2), ':', Some(Spacing::Joint));
                    if punct(at(-1), '.', None) || punct(at(-1), '\'', None) || after_path_sep {
                        continue;
                    }
                    let name = unraw(ident);
                    let before_colon = punct(at(1), ':', Some(Spacing::Alone));
                    let after_let =
                        word(at(-1), "let") || word(at(-1), "mut") || word(at(-1), "ref");
                    if before_colon || after_let || word(at(1), "in") {
                        self.locals.insert(name);
                    } else {
                        self.used.insert(name);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TESTS: &str = "#[cfg(test)]\nmod tests {\n    use super::*;\n    use std::time::Duration;\n    \
        #[test]\n    fn parses() {\n        let got: Counts = count(\"a a\");\n        \
        let v = serde_json::from_str::<Value>(&got.body).unwrap();\n        \
        assert_eq!(v.get(\"a\"), Some(&1));\n        assert!(u64::MAX > 0);\n        \
        let _ = Duration::from_secs(1);\n        let _ = Point { x: 1 };\n    }\n}\n";
    const ORIGINAL: &str = "use std::collections::HashMap as Counts;\nuse serde_json::Value;\n\
        fn count(text: &str) -> Counts { todo!() }\nstruct Point { x: u8 }\n";

    fn found(learner: &str) -> Vec<(usize, String)> {
        shadowed(learner, ORIGINAL, TESTS)
            .into_iter()
            .map(|f| (f.line, f.what))
            .collect()
    }

    #[test]
    fn the_course_own_bindings_and_new_names_the_tests_do_not_use_pass() {
        assert_eq!(found(ORIGINAL), []);
        let solved = format!(
            "{ORIGINAL}fn helper() {{}}\nmod parsing {{ pub fn from_str() {{}} }}\nstruct Duration;\nconst body: u8 = 0;\n"
        );
        assert_eq!(found(&solved), []);
        // The course imports `Value` from serde_json; `::serde_json::Value` is the same.
        let respelled = ORIGINAL.replace(
            "use serde_json::Value",
            "use ::serde_json::{self as j, Value}",
        );
        assert_eq!(found(&respelled), []);
    }

    #[test]
    fn a_crate_or_primitive_name_the_tests_use_cannot_be_taken() {
        assert_eq!(
            found(&format!("{ORIGINAL}mod serde_json {{ pub fn from_str() {{}} }}\n")),
            [
                // `use serde_json::Value` now imports the learner's own `Value`.
                (2, "`Value`, which the grading tests use as the course imports it (`serde_json::Value`)".to_string()),
                (5, "`serde_json`, a name the grading tests use for something else".to_string())
            ]
        );
        assert_eq!(
            found(&format!(
                "{ORIGINAL}mod r#u64 {{ pub const MAX: u64 = 1; }}\n"
            )),
            [(
                5,
                "`u64`, a name the grading tests use for something else".to_string()
            )]
        );
        // By a glob of a module of the learner's own, or by a macro.
        assert_eq!(
            found(&format!(
                "{ORIGINAL}mod m {{ pub mod serde_json {{}} }}\nuse m::*;\n"
            )),
            [(
                5,
                "`serde_json`, a name the grading tests use for something else".to_string()
            )]
        );
        assert_eq!(
            found(&format!(
                "{ORIGINAL}macro_rules! make {{ () => {{ mod serde_json {{}} }} }}\nmake!();\n"
            ))
            .len(),
            1
        );
        // A macro that names its items after its input.
        assert_eq!(
            found(&format!(
                "{ORIGINAL}macro_rules! make {{ ($n:ident) => {{ mod $n {{}} }} }}\nmake!(serde_json);\n"
            )),
            [(
                6,
                "`serde_json`, a name the grading tests use for something else".to_string()
            )]
        );
    }

    #[test]
    fn an_import_the_tests_rely_on_must_stay_the_course_import() {
        let own = ORIGINAL.replace("use std::collections::HashMap as Counts;", "struct Counts;");
        assert_eq!(
            found(&own),
            [(1, "`Counts`, which the grading tests use as the course imports it (`std::collections::HashMap`)".to_string())]
        );
        let other = ORIGINAL.replace("std::collections::HashMap", "std::collections::BTreeMap");
        assert_eq!(found(&other).len(), 1);
    }
}
