//! Build layers: which of the course's dependencies each exercise needs, so that an exercise
//! is built with those and no more. The first exercises need only std, and a learner's first
//! verdict must not wait for axum, tokio and rusqlite, which only later topics use.
//!
//! Walking the course in order, each exercise's dependencies are added to the ones before
//! it; every distinct set is a layer, and each layer holds the previous one. A file is built
//! in the first layer that holds every dependency it names. Layers nest rather than split by
//! topic because cargo chooses a crate's features from the other crates beside it: nested
//! sets keep almost every crate built once, with one set of features, for all the layers.
//!
//! Each layer is a cargo build of its own, and cargo builds crates in parallel only within
//! one: a layer little smaller than the next costs more than it saves. So a layer is kept
//! only if its dependencies (with theirs, from the lock file) are at most half as many as
//! the next kept layer's: the first (std only) always, then a few steps that double.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};

use super::Course;

/// The course's layers, smallest first; the last holds every dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layers {
    layers: Vec<BTreeSet<String>>,
    /// Each dependency's name as code names it (`tower_http` for `tower-http`), with the
    /// name it has in the manifest.
    names: Vec<(String, String)>,
    /// The file name of each support module, with the dependencies it names.
    support: Vec<(String, BTreeSet<String>)>,
}

impl Layers {
    /// The layers of `course`, from the text of each exercise (what the learner starts from
    /// and, where the course has one, its solution) in course order, and its support modules
    /// (path and text).
    /// Lexing every file of a course takes a while: with `cache`, the layers are kept in that
    /// file, with a fingerprint of everything they were computed from.
    pub(crate) fn of(
        course: &Course,
        texts: impl Fn(&super::Exercise) -> Vec<String>,
        support: &[(String, String)],
        lock: Option<&str>,
        cache: Option<&std::path::Path>,
    ) -> Layers {
        let every: BTreeSet<String> = course.dependencies.keys().cloned().collect();
        let mut layers = Layers {
            layers: vec![],
            names: every
                .iter()
                .map(|name| (name.replace('-', "_"), name.clone()))
                .collect(),
            support: vec![],
        };
        layers.support = support
            .iter()
            .map(|(path, text)| {
                let file = path.rsplit('/').next().unwrap_or(path).to_string();
                (file, layers.named_in(text).unwrap_or_else(|| every.clone()))
            })
            .collect();
        let texts: Vec<Vec<String>> = course.exercises.iter().map(texts).collect();
        let fingerprint = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::hash::DefaultHasher::new();
            (CACHE_VERSION, &every, &texts, support, lock).hash(&mut hasher);
            format!("{CACHE_VERSION} {:016x}", hasher.finish())
        };
        if let Some(cached) = cache.and_then(|path| read_cache(path, &fingerprint)) {
            layers.layers = cached;
            return layers;
        }
        let mut so_far = BTreeSet::new();
        for texts in &texts {
            for text in texts {
                so_far.extend(layers.needs(text));
            }
            if layers.layers.last() != Some(&so_far) {
                layers.layers.push(so_far.clone());
            }
        }
        if layers.layers.last() != Some(&every) {
            layers.layers.push(every);
        }
        layers.keep_doubling(lock);
        if let Some(path) = cache {
            let lines: Vec<String> = layers
                .layers
                .iter()
                .map(|layer| layer.iter().cloned().collect::<Vec<_>>().join(" "))
                .collect();
            // A cache that cannot be written is computed again next time.
            let _ = crate::sys::files::write_atomically(
                path,
                format!("{fingerprint}\n{}\n", lines.join("\n")).as_bytes(),
            );
        }
        layers
    }

    /// Merges each layer that is more than half the size of the next kept one into it.
    fn keep_doubling(&mut self, lock: Option<&str>) {
        let graph = lock.map(dependency_graph).unwrap_or_default();
        let size = |layer: &BTreeSet<String>| closure(layer, &graph).len();
        let mut kept: Vec<BTreeSet<String>> = Vec::new();
        for layer in self.layers.iter().rev() {
            let next = kept.last().map_or(usize::MAX, &size);
            if kept.is_empty() || size(layer).saturating_mul(2) <= next {
                kept.push(layer.clone());
            }
        }
        kept.reverse();
        self.layers = kept;
    }

    /// The layers of the course `source` holds, from its exercises, solutions, support
    /// modules and lock file as shipped.
    pub(crate) fn of_source(course: &Course, source: &super::Source<'_>) -> Layers {
        let text = |path: std::path::PathBuf| source.file(&super::slash_path(&path));
        let support: Vec<(String, String)> = course
            .support
            .iter()
            .filter_map(|path| Some((path.clone(), source.file(path)?)))
            .collect();
        Layers::of(
            course,
            |ex| {
                [text(ex.path()), text(ex.solution_path())]
                    .into_iter()
                    .flatten()
                    .collect()
            },
            &support,
            source.file("course.lock").as_deref(),
            None,
        )
    }

    /// How many layers there are: at least one.
    #[allow(clippy::len_without_is_empty)]
    pub(crate) fn len(&self) -> usize {
        self.layers.len()
    }

    /// The dependencies (manifest names) of layer `index`.
    pub(crate) fn dependencies(&self, index: usize) -> &BTreeSet<String> {
        &self.layers[index]
    }

    /// The first layer that can build `text`: one holding every dependency it names.
    pub(crate) fn layer_of(&self, text: &str) -> usize {
        let needs = self.needs(text);
        self.layers
            .iter()
            .position(|layer| needs.is_subset(layer))
            .unwrap_or(self.layers.len() - 1)
    }

    /// The dependencies (manifest names) `text` names, with those of the support modules it
    /// includes. A file that does not lex (the learner is mid-edit) may name anything: it
    /// needs them all, and builds in the last layer, where its error shows.
    fn needs(&self, text: &str) -> BTreeSet<String> {
        let Some(mut needs) = self.named_in(text) else {
            return self.names.iter().map(|(_, name)| name.clone()).collect();
        };
        for (file, named) in &self.support {
            if text.contains(file.as_str()) {
                needs.extend(named.iter().cloned());
            }
        }
        needs
    }

    /// The dependencies whose name starts a path (`serde_json::to_string`, `use tokio::…`,
    /// `extern crate rand`) anywhere in `text`, macro bodies included. Comments and string
    /// literals name nothing: the text is lexed, not searched. A module of the same name
    /// (`a::serde_json::x`) counts too: building with one crate too many is only slower.
    fn named_in(&self, text: &str) -> Option<BTreeSet<String>> {
        let tokens: TokenStream = text.parse().ok()?;
        let mut found = BTreeSet::new();
        self.scan(tokens, &mut found);
        Some(found)
    }

    fn scan(&self, tokens: TokenStream, found: &mut BTreeSet<String>) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let is_colon = |token: Option<&TokenTree>| matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == ':');
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Group(group) => self.scan(group.stream(), found),
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let name = name.strip_prefix("r#").unwrap_or(&name);
                    let Some((_, manifest)) = self.names.iter().find(|(code, _)| code == name)
                    else {
                        continue;
                    };
                    let starts_path = is_colon(tokens.get(i + 1)) && is_colon(tokens.get(i + 2));
                    let after = i.checked_sub(1).map(|j| tokens[j].to_string());
                    let imported = matches!(after.as_deref(), Some("use" | "crate"));
                    if starts_path || imported {
                        found.insert(manifest.clone());
                    }
                }
                _ => {}
            }
        }
    }
}

/// Changes when the way layers are computed changes: a cache of another version is not read.
const CACHE_VERSION: &str = "layers-1";

/// The layers kept in `path`, if they were computed from what `fingerprint` says.
fn read_cache(path: &std::path::Path, fingerprint: &str) -> Option<Vec<BTreeSet<String>>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != fingerprint {
        return None;
    }
    let layers: Vec<BTreeSet<String>> = lines
        .map(|line| line.split_whitespace().map(str::to_string).collect())
        .collect();
    (!layers.is_empty()).then_some(layers)
}

/// Each package of a Cargo.lock with the names of the packages it depends on.
fn dependency_graph(lock: &str) -> std::collections::HashMap<String, Vec<String>> {
    let Ok(lock) = lock.parse::<toml::Table>() else {
        return Default::default();
    };
    let packages = lock.get("package").and_then(toml::Value::as_array);
    packages
        .into_iter()
        .flatten()
        .filter_map(|package| {
            let name = package.get("name")?.as_str()?.to_string();
            let dependencies = package
                .get("dependencies")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str()?.split(' ').next().map(str::to_string))
                .collect();
            Some((name, dependencies))
        })
        .collect()
}

/// `roots` and every package they depend on, directly or not (by name; without a lock
/// file, the roots alone).
fn closure(
    roots: &BTreeSet<String>,
    graph: &std::collections::HashMap<String, Vec<String>>,
) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut next: Vec<&str> = roots.iter().map(String::as_str).collect();
    while let Some(name) = next.pop() {
        if found.insert(name.to_string()) {
            next.extend(graph.get(name).into_iter().flatten().map(String::as_str));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::Source;

    fn bundled() -> (Course, Layers) {
        let source = Source::Bundled;
        let course = source.course().unwrap();
        let layers = Layers::of_source(&course, &source);
        (course, layers)
    }

    #[test]
    fn the_first_exercise_needs_no_crate_and_later_ones_build_in_bigger_layers() {
        let (course, layers) = bundled();
        assert!(layers.dependencies(0).is_empty());
        let every: BTreeSet<String> = course.dependencies.keys().cloned().collect();
        assert_eq!(layers.dependencies(layers.len() - 1), &every);
        for pair in layers.layers.windows(2) {
            assert!(pair[0].is_subset(&pair[1]) && pair[0] != pair[1]);
        }
        let layer_of = |name: &str| {
            let ex = course.find(name).unwrap();
            let text = Source::Bundled
                .file(&crate::course::slash_path(&ex.path()))
                .unwrap();
            layers.layer_of(&text)
        };
        assert_eq!(layer_of("intro1"), 0);
        assert!(layer_of("intro3") < layer_of("axum1"));
        assert!(layer_of("axum1") <= layer_of("res1"));
        // Each layer has at most half the packages of the next.
        let lock = Source::Bundled.file("course.lock").unwrap();
        let graph = dependency_graph(&lock);
        let sizes: Vec<usize> = layers
            .layers
            .iter()
            .map(|l| closure(l, &graph).len())
            .collect();
        assert!(sizes.windows(2).all(|w| w[0] * 2 <= w[1]), "{sizes:?}");
        assert!(layers.len() >= 3, "{sizes:?}");
    }

    #[test]
    fn the_cache_is_read_only_for_the_same_course() {
        let (course, layers) = bundled();
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("layers");
        let texts = |ex: &super::super::Exercise| vec![format!("use {}::x;", ex.name)];
        let of = |texts: &dyn Fn(&super::super::Exercise) -> Vec<String>| {
            Layers::of(&course, texts, &[], None, Some(&cache))
        };
        let fresh = of(&texts);
        assert!(cache.is_file());
        assert_eq!(of(&texts), fresh, "read back from the cache");
        // Other texts: computed again, not read from the cache.
        let other = of(&|_| vec!["fn f() { serde_json::to_string(&1); }".to_string()]);
        assert_eq!(other.dependencies(0).len(), 1);
        assert_ne!(other, fresh);
        // A cache of something else entirely is ignored.
        std::fs::write(&cache, "layers-1 0000000000000000\nnonsense\n").unwrap();
        assert_eq!(of(&texts), fresh);
        assert!(layers.len() >= 3);
    }

    #[test]
    fn crates_are_named_by_paths_and_imports_not_by_comments_or_strings() {
        let (_, layers) = bundled();
        let named = |text: &str| layers.named_in(text).unwrap();
        assert!(named("// serde_json::to_string\nfn f() { let s = \"tokio::spawn\"; }").is_empty());
        assert_eq!(
            named("fn f() { let v = serde_json::json!({}); }"),
            BTreeSet::from(["serde_json".to_string()])
        );
        assert_eq!(
            named("use tower_http::cors; extern crate rand;"),
            BTreeSet::from(["tower-http".to_string(), "rand".to_string()])
        );
        assert_eq!(
            named("proptest! { fn t(x in 0..3) { tokio::spawn(async {}); } }"),
            BTreeSet::from(["tokio".to_string()])
        );
        // A file mid-edit that does not lex may need anything: the last layer.
        assert_eq!(layers.layer_of("fn f() { \"unclosed"), layers.len() - 1);
    }
}
