//! Rules on a learner's source, read with a real Rust parser (syn), never by matching text:
//! what the code may use (the file system, processes, the environment, unsafe code, foreign
//! functions), and constructs that would change what the course's tests mean (renamed
//! crates, crate-wide attributes, exported macros, hand-written comparisons). Raw
//! identifiers are the names they spell, `use … as` aliases are followed, and the tokens
//! inside macros are read too, so a path assembled by a macro is still seen.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use serde::{Deserialize, Serialize};
use syn::spanned::Spanned as _;
use syn::visit::Visit;

pub(crate) use crate::course::Capability;

/// What a rule found: a capability used, or a construct that tampers with the tests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "capability")]
pub(crate) enum Rule {
    Uses(Capability),
    Tampers,
}

/// One finding, with the 1-based line of the learner's file where it stands.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub(crate) line: usize,
    pub(crate) rule: Rule,
    /// What was found, as code: `std::fs::write`, `extern crate`, `impl PartialEq`.
    pub(crate) what: String,
}

/// The learner's code could not be parsed (the compiler will say why; if it compiles
/// anyway, the grader cannot vouch for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unreadable {
    pub(crate) line: usize,
}

/// Checks `learner` (the code above the marker) against the rules: findings for everything
/// it uses that `allowed` does not grant and the course's own version (`original`) does not
/// do itself, in line order.
pub(crate) fn check(
    learner: &str,
    original: &str,
    allowed: &[Capability],
) -> Result<Vec<Finding>, Unreadable> {
    let found = scan(learner)?;
    // What the course's own file does (its scaffolding) is not the learner's doing.
    let ours: BTreeSet<(Rule, String)> = scan(original)
        .unwrap_or_default()
        .into_iter()
        .map(|f| (f.rule, f.what))
        .collect();
    let mut findings: Vec<Finding> = found
        .into_iter()
        .filter(|f| !matches!(f.rule, Rule::Uses(c) if allowed.contains(&c)))
        .filter(|f| !ours.contains(&(f.rule.clone(), f.what.clone())))
        .collect();
    findings.sort();
    findings.dedup();
    Ok(findings)
}

/// Every use of a name that starts with `prefix`, in any case (raw identifiers unrawed,
/// macro bodies included): the runner's own internals are out of bounds for the learner.
pub(crate) fn names_starting_with(src: &str, prefix: &str) -> Vec<Finding> {
    fn walk(tokens: TokenStream, prefix: &str, out: &mut Vec<Finding>) {
        for tree in tokens {
            match tree {
                TokenTree::Group(g) => walk(g.stream(), prefix, out),
                TokenTree::Ident(ident)
                    if unraw(&ident).to_ascii_lowercase().starts_with(prefix) =>
                {
                    out.push(Finding {
                        line: ident.span().start().line.max(1),
                        rule: Rule::Tampers,
                        what: format!("`{}`", unraw(&ident)),
                    });
                }
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    if let Ok(tokens) = src.parse::<TokenStream>() {
        walk(tokens, prefix, &mut found);
    }
    found
}

/// Everything the rules look at in `src`, allowed or not.
fn scan(src: &str) -> Result<Vec<Finding>, Unreadable> {
    let file = syn::parse_file(src).map_err(|e| Unreadable {
        line: e.span().start().line,
    })?;
    let mut aliases = Aliases::default();
    aliases.collect_file(&file);
    let mut visitor = Visitor {
        aliases: &aliases,
        found: Vec::new(),
    };
    for attr in &file.attrs {
        if !is_lint_attribute(attr) {
            visitor.push(attr.span(), Rule::Tampers, "a crate-wide attribute `#![…]`");
        }
    }
    visitor.visit_file(&file);
    Ok(visitor.found)
}

/// Where each name a `use` declares leads: `use std::fs as f;` maps `f` to `std::fs`.
/// Module scopes are merged: a name is suspect if any of its meanings is.
#[derive(Default)]
struct Aliases {
    names: HashMap<String, Vec<Vec<String>>>,
    /// Paths imported with `*`.
    globs: Vec<(Vec<String>, proc_macro2::Span)>,
}

impl Aliases {
    fn collect_file(&mut self, file: &syn::File) {
        struct Uses<'a>(&'a mut Aliases);
        impl<'ast> Visit<'ast> for Uses<'_> {
            fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
                self.0.collect_tree(&item.tree, Vec::new());
            }
        }
        Uses(self).visit_file(file);
    }

    fn collect_tree(&mut self, tree: &syn::UseTree, prefix: Vec<String>) {
        let with = |name: &syn::Ident| {
            let mut path = prefix.clone();
            path.push(unraw(name));
            path
        };
        match tree {
            syn::UseTree::Path(p) => self.collect_tree(&p.tree, with(&p.ident)),
            syn::UseTree::Name(n) => {
                let path = with(&n.ident);
                let name = unraw(&n.ident);
                // `use std::fs::{self}` names the module itself.
                let (name, path) = if name == "self" {
                    (prefix.last().cloned().unwrap_or_default(), prefix.clone())
                } else {
                    (name, path)
                };
                self.names.entry(name).or_default().push(path);
            }
            syn::UseTree::Rename(r) => {
                let path = with(&r.ident);
                self.names.entry(unraw(&r.rename)).or_default().push(path);
            }
            syn::UseTree::Glob(g) => self.globs.push((prefix, g.span())),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.collect_tree(item, prefix.clone());
                }
            }
        }
    }

    /// Every full path `segments` may mean, following aliases (to a fixed depth, so that a
    /// cycle of aliases ends).
    fn resolve(&self, segments: &[String]) -> Vec<Vec<String>> {
        let mut paths = vec![segments.to_vec()];
        for _ in 0..8 {
            let mut next = Vec::new();
            let mut changed = false;
            for path in &paths {
                // `crate::x`, `self::x`, `super::x`: x may be an alias declared anywhere.
                let skip = path
                    .iter()
                    .take_while(|s| matches!(s.as_str(), "crate" | "self" | "super"))
                    .count();
                let Some(head) = path.get(skip) else {
                    next.push(path.clone());
                    continue;
                };
                // A name brought in by a glob import (`use std::*;` then `fs::read`).
                for (glob, _) in &self.globs {
                    let mut full = glob.clone();
                    full.extend_from_slice(&path[skip..]);
                    if !next.contains(&full) {
                        next.push(full);
                    }
                }
                match self.names.get(head) {
                    Some(targets) if targets.iter().all(|t| t != &path[skip..=skip]) => {
                        for target in targets {
                            let mut full = target.clone();
                            full.extend_from_slice(&path[skip + 1..]);
                            if !next.contains(&full) {
                                next.push(full);
                            }
                        }
                        // The name may also be a local item of the same name.
                        next.push(path[skip..].to_vec());
                        changed = true;
                    }
                    _ => next.push(path[skip..].to_vec()),
                }
            }
            next.dedup();
            paths = next;
            if !changed {
                break;
            }
        }
        paths
    }
}

/// Capabilities by the paths that reach them; a path reaches one when it starts with any of
/// these (after aliases are followed). More specific entries come first.
const CAPABILITY_PATHS: &[(&[&str], Capability)] = &[
    (&["std", "os", "raw"], Capability::Ffi),
    (&["std", "os", "unix", "process"], Capability::Processes),
    (&["std", "os"], Capability::FileSystem),
    (&["std", "fs"], Capability::FileSystem),
    (&["tokio", "fs"], Capability::FileSystem),
    (&["rusqlite", "Connection", "open"], Capability::FileSystem),
    (
        &["rusqlite", "Connection", "open_with_flags"],
        Capability::FileSystem,
    ),
    (&["std", "process"], Capability::Processes),
    (&["tokio", "process"], Capability::Processes),
    (&["std", "env"], Capability::Environment),
    (&["std", "intrinsics"], Capability::Unsafe),
    (&["libc"], Capability::Ffi),
    (&["nix"], Capability::Ffi),
    (&["rustix"], Capability::Ffi),
];

/// Macros that read files or the environment while compiling, or that are unsafe.
const CAPABILITY_MACROS: &[(&str, Capability)] = &[
    ("include", Capability::FileSystem),
    ("include_str", Capability::FileSystem),
    ("include_bytes", Capability::FileSystem),
    ("env", Capability::Environment),
    ("option_env", Capability::Environment),
    ("asm", Capability::Unsafe),
    ("global_asm", Capability::Unsafe),
    ("naked_asm", Capability::Unsafe),
];

/// Attributes that act at link level: each can replace a symbol or run code before `main`.
const LINK_ATTRIBUTES: &[&str] = &[
    "no_mangle",
    "export_name",
    "link_section",
    "used",
    "link",
    "link_name",
    "global_allocator",
    "naked",
    "unsafe",
];

/// Traits that decide how the tests compare values.
const COMPARISON_TRAITS: &[&str] = &["PartialEq", "Eq", "PartialOrd", "Ord", "Hash"];

struct Visitor<'a> {
    aliases: &'a Aliases,
    found: Vec<Finding>,
}

impl Visitor<'_> {
    fn push(&mut self, span: proc_macro2::Span, rule: Rule, what: &str) {
        self.found.push(Finding {
            line: span.start().line.max(1),
            rule,
            what: what.to_string(),
        });
    }

    /// Checks one path (a use, an expression, a type, a macro's name).
    fn check_path(&mut self, segments: &[String], span: proc_macro2::Span) {
        for path in self.aliases.resolve(segments) {
            // `::std::fs` and `std::fs` alike; `core::` and `alloc::` are std's parts.
            let normal: Vec<&str> = path
                .iter()
                .map(|s| match s.as_str() {
                    "core" | "alloc" => "std",
                    other => other,
                })
                .collect();
            for (prefix, capability) in CAPABILITY_PATHS {
                if normal.len() >= prefix.len() && normal[..prefix.len()] == **prefix {
                    self.push(span, Rule::Uses(*capability), &prefix.join("::"));
                    break;
                }
            }
        }
    }

    fn check_attributes(&mut self, attrs: &[syn::Attribute]) {
        for attr in attrs {
            let name = attr.path().segments.last().map(|s| unraw(&s.ident));
            let Some(name) = name else { continue };
            if LINK_ATTRIBUTES.contains(&name.as_str()) {
                self.push(
                    attr.span(),
                    Rule::Uses(Capability::Unsafe),
                    &format!("#[{name}]"),
                );
            } else if name == "macro_export" {
                self.push(attr.span(), Rule::Tampers, "#[macro_export]");
            } else if name == "path" {
                self.push(attr.span(), Rule::Uses(Capability::FileSystem), "#[path]");
            } else if name == "cfg_attr" {
                // `#[cfg_attr(all(), no_mangle)]`: the attributes inside count as written.
                self.check_tokens(attr_tokens(attr));
            }
        }
    }

    /// Reads the tokens of a macro call or definition: paths inside (`std :: fs`, also
    /// starting at a `$metavariable`), nested macros, `unsafe`, and comparison traits.
    fn check_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut k = 0;
        while k < trees.len() {
            match &trees[k] {
                TokenTree::Group(g) => {
                    self.check_tokens(g.stream());
                    k += 1;
                }
                TokenTree::Ident(ident) => {
                    let name = unraw(ident);
                    if name == "unsafe" {
                        self.push(ident.span(), Rule::Uses(Capability::Unsafe), "unsafe");
                    }
                    if name == "extern" {
                        self.push(ident.span(), Rule::Tampers, "extern inside a macro");
                    }
                    if COMPARISON_TRAITS.contains(&name.as_str()) || self.is_comparison(&name) {
                        self.push(
                            ident.span(),
                            Rule::Tampers,
                            &format!("`{name}` inside a macro"),
                        );
                    }
                    // A path: ident (:: ident)*
                    let mut segments = vec![name];
                    let mut j = k + 1;
                    while is_path_sep(&trees[j..]) {
                        match trees.get(j + 2) {
                            Some(TokenTree::Ident(next)) => {
                                segments.push(unraw(next));
                                j += 3;
                            }
                            Some(TokenTree::Punct(p)) if p.as_char() == '$' => {
                                // `std::$module::…`: the rest comes from the macro's caller.
                                let reaches = CAPABILITY_PATHS.iter().any(|(prefix, _)| {
                                    prefix.len() > segments.len()
                                        && prefix[..segments.len()]
                                            .iter()
                                            .zip(&segments)
                                            .all(|(a, b)| a == b)
                                });
                                if reaches {
                                    self.push(
                                        p.span(),
                                        Rule::Tampers,
                                        &format!(
                                            "a path completed by a macro argument (`{}::$…`)",
                                            segments.join("::")
                                        ),
                                    );
                                }
                                break;
                            }
                            _ => break,
                        }
                    }
                    // `name!`: a macro call inside a macro.
                    if let Some(TokenTree::Punct(p)) = trees.get(j)
                        && p.as_char() == '!'
                        && let Some(last) = segments.last()
                    {
                        self.check_macro_name(last, ident.span());
                    }
                    if segments.len() > 1 {
                        self.check_path(&segments, ident.span());
                    }
                    k = j.max(k + 1);
                }
                TokenTree::Punct(p) if p.as_char() == '$' => {
                    // `$root::fs::read`: a path whose start comes from the macro's caller.
                    let rest: Vec<String> = trees[k + 1..]
                        .iter()
                        .filter_map(|t| match t {
                            TokenTree::Ident(i) => Some(unraw(i)),
                            _ => None,
                        })
                        .take(4)
                        .collect();
                    if rest.len() > 1 && is_path_sep(&trees[k + 2..]) {
                        for (prefix, capability) in CAPABILITY_PATHS {
                            if prefix.len() > 1
                                && rest.get(1).map(String::as_str) == Some(prefix[1])
                            {
                                self.push(
                                    p.span(),
                                    Rule::Uses(*capability),
                                    &format!("$…::{}", prefix[1..].join("::")),
                                );
                                break;
                            }
                        }
                    }
                    k += 1;
                }
                _ => k += 1,
            }
        }
    }

    fn check_macro_name(&mut self, name: &str, span: proc_macro2::Span) {
        for (macro_name, capability) in CAPABILITY_MACROS {
            if name == *macro_name
                || self
                    .aliases
                    .resolve(&[name.to_string()])
                    .iter()
                    .any(|p| p.last().map(String::as_str) == Some(macro_name))
            {
                self.push(span, Rule::Uses(*capability), &format!("{macro_name}!"));
            }
        }
    }

    /// Is `name` an alias of a comparison trait (`use std::cmp::PartialEq as Same`)?
    fn is_comparison(&self, name: &str) -> bool {
        self.aliases.resolve(&[name.to_string()]).iter().any(|p| {
            p.len() > 1
                && p.last()
                    .is_some_and(|last| COMPARISON_TRAITS.contains(&last.as_str()))
        })
    }
}

fn is_path_sep(trees: &[TokenTree]) -> bool {
    matches!(
        (trees.first(), trees.get(1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && b.as_char() == ':'
    )
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        self.check_attributes(std::slice::from_ref(attr));
        syn::visit::visit_attribute(self, attr);
    }

    fn visit_item_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        self.push(item.span(), Rule::Tampers, "extern crate");
        syn::visit::visit_item_extern_crate(self, item);
    }

    fn visit_item_foreign_mod(&mut self, item: &'ast syn::ItemForeignMod) {
        self.push(
            item.span(),
            Rule::Uses(Capability::Ffi),
            "an `extern` block",
        );
        syn::visit::visit_item_foreign_mod(self, item);
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_none() {
            // `mod x;` reads another file while compiling.
            self.push(
                item.span(),
                Rule::Uses(Capability::FileSystem),
                "a module in another file (`mod x;`)",
            );
        }
        syn::visit::visit_item_mod(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if item.unsafety.is_some() {
            self.push(item.span(), Rule::Uses(Capability::Unsafe), "unsafe");
        }
        if let Some((_, trait_path, _)) = &item.trait_ {
            let segments = path_segments(trait_path);
            let compares = self.aliases.resolve(&segments).iter().any(|p| {
                p.last()
                    .is_some_and(|l| COMPARISON_TRAITS.contains(&l.as_str()))
            });
            if compares {
                let name = segments.last().cloned().unwrap_or_default();
                let trait_name = self
                    .aliases
                    .resolve(&segments)
                    .iter()
                    .filter_map(|p| p.last())
                    .find(|l| COMPARISON_TRAITS.contains(&l.as_str()))
                    .cloned()
                    .unwrap_or(name);
                let self_ty = type_name(&item.self_ty);
                self.push(
                    trait_path.span(),
                    Rule::Tampers,
                    &format!("impl {trait_name} for {self_ty}"),
                );
            }
        }
        syn::visit::visit_item_impl(self, item);
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        if item.unsafety.is_some() {
            self.push(item.span(), Rule::Uses(Capability::Unsafe), "unsafe");
        }
        syn::visit::visit_item_trait(self, item);
    }

    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        if sig.unsafety.is_some() {
            self.push(sig.span(), Rule::Uses(Capability::Unsafe), "unsafe");
        }
        if let Some(abi) = &sig.abi {
            let name = abi.name.as_ref().map(|n| n.value());
            if name.as_deref() != Some("Rust") {
                self.push(
                    abi.span(),
                    Rule::Uses(Capability::Ffi),
                    "an `extern` function",
                );
            }
        }
        syn::visit::visit_signature(self, sig);
    }

    fn visit_expr_unsafe(&mut self, expr: &'ast syn::ExprUnsafe) {
        self.push(expr.span(), Rule::Uses(Capability::Unsafe), "unsafe");
        syn::visit::visit_expr_unsafe(self, expr);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        flatten_use(&item.tree, Vec::new(), &mut paths);
        for (path, span) in paths {
            self.check_path(&path, span);
            // `use std::cmp::PartialEq as Same;` is fine by itself; what it is used for counts.
        }
        syn::visit::visit_item_use(self, item);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.check_path(&path_segments(path), path.span());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let segments = path_segments(&mac.path);
        if let Some(last) = segments.last() {
            self.check_macro_name(last, mac.path.span());
        }
        self.check_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// A glob import that reaches a capability (`use std::*;` brings `fs` and `process`).
fn flatten_use(
    tree: &syn::UseTree,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, proc_macro2::Span)>,
) {
    let with = |name: &syn::Ident| {
        let mut path = prefix.clone();
        path.push(unraw(name));
        path
    };
    match tree {
        syn::UseTree::Path(p) => flatten_use(&p.tree, with(&p.ident), out),
        syn::UseTree::Name(n) if n.ident == "self" => out.push((prefix, n.span())),
        syn::UseTree::Name(n) => out.push((with(&n.ident), n.span())),
        syn::UseTree::Rename(r) => out.push((with(&r.ident), r.span())),
        syn::UseTree::Glob(g) => {
            // Everything below the glob's module comes into scope: check the capability
            // paths that start with it.
            for (capability_path, _) in CAPABILITY_PATHS {
                let reaches = capability_path.len() > prefix.len()
                    && capability_path[..prefix.len()]
                        .iter()
                        .zip(&prefix)
                        .all(|(a, b)| a == b);
                if reaches {
                    let mut path: Vec<String> =
                        capability_path.iter().map(|s| s.to_string()).collect();
                    path.truncate(prefix.len() + 1);
                    out.push((path, g.span()));
                }
            }
            out.push((prefix, g.span()));
        }
        syn::UseTree::Group(g) => {
            for item in &g.items {
                flatten_use(item, prefix.clone(), out);
            }
        }
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| unraw(&s.ident)).collect()
}

/// The identifier as Rust sees it: `r#std` is `std`.
pub(super) fn unraw(ident: &proc_macro2::Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map(str::to_string).unwrap_or(text)
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| unraw(&s.ident))
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => "a type".into(),
    }
}

/// Lint levels and documentation are harmless crate-wide; nothing else is.
fn is_lint_attribute(attr: &syn::Attribute) -> bool {
    attr.path().get_ident().is_some_and(|name| {
        matches!(
            unraw(name).as_str(),
            "allow" | "warn" | "deny" | "forbid" | "expect" | "doc"
        )
    })
}

fn attr_tokens(attr: &syn::Attribute) -> TokenStream {
    match &attr.meta {
        syn::Meta::List(list) => {
            let group = proc_macro2::Group::new(Delimiter::Parenthesis, list.tokens.clone());
            TokenStream::from(TokenTree::Group(group))
        }
        _ => TokenStream::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str) -> Vec<(usize, String)> {
        check(src, "", &[])
            .unwrap()
            .into_iter()
            .map(|f| (f.line, f.what))
            .collect()
    }

    #[test]
    fn capabilities_are_seen_through_aliases_raw_names_and_globs() {
        assert_eq!(
            found("fn f() {\n    std::fs::write(\"x\", \"y\").unwrap();\n}\n"),
            [(2, "std::fs".to_string())]
        );
        assert_eq!(
            found("use std::fs as f;\nfn g() { f::read(\"x\").ok(); }\n"),
            [(1, "std::fs".into()), (2, "std::fs".into())]
        );
        assert_eq!(
            found("use r#std::r#env::args as a;\nfn g() { a(); }\n"),
            [(1, "std::env".into()), (2, "std::env".into())]
        );
        assert_eq!(
            found("use std::*;\nfn g() { process::exit(0) }\n"),
            [
                (1, "std::fs".into()),
                (1, "std::os".into()),
                (1, "std::process".into()),
                (1, "std::env".into()),
                (1, "std::intrinsics".into()),
                (2, "std::process".into())
            ]
        );
        assert_eq!(
            found("fn g() { let e = ::core::intrinsics::abort; }\n"),
            [(1, "std::intrinsics".into())]
        );
    }

    #[test]
    fn macros_are_read_inside() {
        assert_eq!(
            found("macro_rules! m { () => { std::process::exit(0) } }\n"),
            [(1, "std::process".into())]
        );
        assert_eq!(
            found("macro_rules! m { ($p:ident) => { std::$p::write(\"a\", \"b\") } }\n"),
            [(1, "a path completed by a macro argument (`std::$…`)".into())]
        );
        assert_eq!(
            found("const S: &str = include_str!(\"/etc/passwd\");\n"),
            [(1, "include_str!".into())]
        );
        assert_eq!(
            found("use std::include_str as inc;\nconst S: &str = inc!(\"x\");\n"),
            [(2, "include_str!".into())]
        );
        assert_eq!(
            found(
                "macro_rules! m { ($t:ident) => { impl $t for X { fn eq(&self, _: &X) -> bool { true } } } }\nm!(PartialEq);\n"
            ),
            [(2, "`PartialEq` inside a macro".into())]
        );
    }

    #[test]
    fn tampering_constructs_are_found() {
        assert_eq!(
            found("extern crate self as r#std;\n"),
            [(1, "extern crate".to_string())]
        );
        assert_eq!(
            found("#![no_implicit_prelude]\n#![allow(dead_code)]\nfn f() {}\n"),
            [(1, "a crate-wide attribute `#![…]`".to_string())]
        );
        assert_eq!(
            found("#[macro_export]\nmacro_rules! r#assert_eq { ($($t:tt)*) => {}; }\n"),
            [(1, "#[macro_export]".to_string())]
        );
        assert_eq!(
            found(
                "use std::cmp::PartialEq as Same;\nstruct X;\nimpl Same for X { fn eq(&self, _: &X) -> bool { true } }\n"
            ),
            [(3, "impl PartialEq for X".to_string())]
        );
        assert_eq!(
            found(
                "struct X;\nimpl<T> r#PartialEq<T> for X { fn eq(&self, _: &T) -> bool { true } }\n"
            ),
            [(2, "impl PartialEq for X".to_string())]
        );
        assert_eq!(
            found("#[unsafe(no_mangle)]\npub extern \"C\" fn exit() {}\n"),
            [
                (1, "#[unsafe]".to_string()),
                (2, "an `extern` function".to_string())
            ]
        );
        assert_eq!(
            found("#[path = \"/etc/passwd\"]\nmod x;\n"),
            [
                (1, "#[path]".to_string()),
                (1, "a module in another file (`mod x;`)".to_string())
            ]
        );
    }

    #[test]
    fn ordinary_code_passes_and_allowances_count() {
        let ordinary = "use std::collections::HashMap;\nuse std::time::Duration;\n#[derive(Debug, PartialEq)]\nstruct A { env: u32 }\nfn process(env: &str) -> usize { env.len() }\nfn f() { let fs = 1; let _ = fs; let _ = vec![1]; println!(\"{}\", process(\"x\")); }\nimpl std::fmt::Display for A { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, \"a\") } }\n";
        assert_eq!(found(ordinary), []);
        let env = "fn key() -> Option<String> { std::env::var(\"KEY\").ok() }\n";
        assert_eq!(check(env, "", &[Capability::Environment]).unwrap(), []);
        // What the course's own file does is allowed.
        assert_eq!(check(env, env, &[]).unwrap(), []);
        assert_eq!(check("fn f( {", "", &[]), Err(Unreadable { line: 1 }));
    }
}
