//! Unfinished stubs: the functions of an exercise whose body still calls `todo!()` or
//! `unimplemented!()`, and the compiler warnings that they alone cause.
//!
//! An exercise as shipped has stubs, and a stub leaves its parameters unused, the imports and
//! helpers its solution needs unused, and so on: 10 to 25 warnings that say nothing about the
//! learner's code. The rule: while a stub is left, a warning that the stubs explain is not
//! presented as important. That is an unused variable inside a stub (its parameters, a
//! binding before the `todo!()`), an unused import, or an item never used (what the stubs will
//! use). Every other warning is shown as before, an unused variable in a finished function or
//! an unused `Future` included: those explain failures.

use std::path::Path;

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::visit::{self, Visit};

/// The line ranges (1-based, inclusive) of a file's unfinished functions.
#[derive(Debug, Default)]
pub(crate) struct Stubs {
    ranges: Vec<(usize, usize)>,
}

impl Stubs {
    /// The stubs of `source`; none if it does not parse (the compiler says why).
    pub(crate) fn of(source: &str) -> Stubs {
        let mut stubs = Stubs::default();
        if let Ok(file) = syn::parse_file(source) {
            stubs.visit_file(&file);
        }
        stubs
    }

    /// Whether a warning (its lint and the `file:line:column` of its span) comes from the
    /// stubs of `file` alone.
    pub(crate) fn explain_warning(
        &self,
        lint: Option<&str>,
        span: Option<&str>,
        file: &Path,
    ) -> bool {
        let line = span.and_then(|span| {
            let mut parts = span.rsplitn(3, ':');
            let (_column, line, path) = (parts.next()?, parts.next()?, parts.next()?);
            Path::new(path).ends_with(file).then(|| line.parse().ok())?
        });
        line.is_some() && self.explain(lint, line)
    }

    /// Whether a warning (its lint and line in this file) comes from the stubs alone.
    fn explain(&self, lint: Option<&str>, line: Option<usize>) -> bool {
        if self.ranges.is_empty() {
            return false;
        }
        match lint {
            Some("unused_imports" | "dead_code") => true,
            Some("unused_variables") => line.is_some_and(|line| {
                self.ranges
                    .iter()
                    .any(|&(from, to)| (from..=to).contains(&line))
            }),
            _ => false,
        }
    }

    fn function(&mut self, span: Span, body: &syn::Block) {
        let mut finder = Unfinished(false);
        finder.visit_block(body);
        if finder.0 {
            self.ranges.push((span.start().line, span.end().line));
        }
    }
}

impl<'a> Visit<'a> for Stubs {
    fn visit_item_fn(&mut self, item: &'a syn::ItemFn) {
        self.function(item.span(), &item.block);
        visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'a syn::ImplItemFn) {
        self.function(item.span(), &item.block);
        visit::visit_impl_item_fn(self, item);
    }

    fn visit_trait_item_fn(&mut self, item: &'a syn::TraitItemFn) {
        if let Some(body) = &item.default {
            self.function(item.span(), body);
        }
        visit::visit_trait_item_fn(self, item);
    }
}

/// Finds a `todo!` or `unimplemented!` call.
struct Unfinished(bool);

impl<'a> Visit<'a> for Unfinished {
    fn visit_macro(&mut self, mac: &'a syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "todo" || s.ident == "unimplemented")
        {
            self.0 = true;
        }
        visit::visit_macro(self, mac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "use std::collections::HashMap;\n\
        \n\
        fn parse(line: &str, strict: bool) -> u32 {\n\
            todo!()\n\
        }\n\
        \n\
        fn done(unused: u8) -> u8 {\n\
            1\n\
        }\n\
        \n\
        struct Server;\n\
        impl Server {\n\
            fn handle(&self, request: &str) -> String {\n\
                unimplemented!()\n\
            }\n\
        }\n";

    #[test]
    fn warnings_of_unfinished_functions_are_the_stubs_own() {
        let stubs = Stubs::of(SOURCE);
        assert_eq!(stubs.ranges, [(3, 5), (13, 15)]);
        assert!(stubs.explain(Some("unused_variables"), Some(3)));
        assert!(stubs.explain(Some("unused_variables"), Some(13)));
        assert!(stubs.explain(Some("unused_imports"), Some(1)));
        assert!(stubs.explain(Some("dead_code"), Some(11)));
        // A finished function's unused parameter, and what may explain a failure, are shown.
        assert!(!stubs.explain(Some("unused_variables"), Some(7)));
        assert!(!stubs.explain(Some("unused_must_use"), Some(4)));
        assert!(!stubs.explain(None, Some(4)));
    }

    #[test]
    fn without_stubs_every_warning_counts() {
        let finished = SOURCE
            .replace("todo!()", "1")
            .replace("unimplemented!()", "String::new()");
        let stubs = Stubs::of(&finished);
        assert!(!stubs.explain(Some("unused_imports"), Some(1)));
        assert!(!stubs.explain(Some("dead_code"), Some(11)));
        assert!(!stubs.explain(Some("unused_variables"), Some(3)));
        assert!(!Stubs::of("fn broken(").explain(Some("dead_code"), Some(1)));
    }

    #[test]
    fn a_warning_counts_where_its_span_is_in_the_exercise_file() {
        let stubs = Stubs::of(SOURCE);
        let file = Path::new("exercises/01_http/http1.rs");
        let lint = Some("unused_variables");
        assert!(stubs.explain_warning(lint, Some("exercises/01_http/http1.rs:3:10"), file));
        assert!(!stubs.explain_warning(lint, Some("support/http.rs:3:10"), file));
        assert!(!stubs.explain_warning(lint, None, file));
    }
}
