//! The shape of the workspace's crates, checked from their source: no module imports one that
//! imports it back.
//!
//! Every `crate::…` and `super::…` path in the non-test code is resolved to the module it names.
//! A reference from module A to module B is an edge between the two siblings, under their
//! nearest common parent, that contain A and B (a child using its parent, or the reverse, is not
//! a circle: a parent declares its children). Any cycle among siblings fails the test, naming
//! the references that close it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

/// Each module of `src/` (test modules left out) and its code without comments or test blocks.
fn modules(src: &Path) -> BTreeMap<ModPath, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = module_path(src, &path);
                if module.iter().any(|c| c == "tests") || path.ends_with("main.rs") {
                    continue;
                }
                let code = std::fs::read_to_string(&path).expect("read file");
                out.insert(module, strip(&code));
            }
        }
    }
    out
}

fn module_path(src: &Path, file: &Path) -> ModPath {
    let rel: PathBuf = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: ModPath = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code without line comments and without a trailing `#[cfg(test)] mod … { … }`.
fn strip(code: &str) -> String {
    let mut out = String::new();
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" && lines.peek().is_some_and(|l| l.trim_start().starts_with("mod ")) {
            let next = lines.next().unwrap_or_default();
            if next.trim_end().ends_with('{') {
                break;
            }
            continue;
        }
        out.push_str(line.split("//").next().unwrap_or_default());
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path named from `crate::` or `super::` in `code` of module `here`, absolute.
fn references(code: &str, here: &ModPath) -> Vec<(ModPath, usize)> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        let boundary = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':' || chars[i - 1] == '$');
        if boundary && (rest == "crate::" || rest == "super::") {
            let line = chars[..i].iter().filter(|c| **c == '\n').count() + 1;
            let mut base: ModPath = Vec::new();
            let mut j = i;
            if rest == "super::" {
                // Each `super::` goes one up from this module's own path.
                base = here.clone();
                while chars[j..].iter().take(7).collect::<String>() == "super::" {
                    base.pop();
                    j += 7;
                }
            } else {
                j += 7;
            }
            for path in tree(&chars, &mut j, base) {
                out.push((path, line));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Parse a use tree (or a plain path) at `*j`, prefixed with `prefix`.
fn tree(chars: &[char], j: &mut usize, prefix: ModPath) -> Vec<ModPath> {
    let mut path = prefix;
    loop {
        while *j < chars.len() && chars[*j].is_whitespace() {
            *j += 1;
        }
        if *j < chars.len() && chars[*j] == '{' {
            *j += 1;
            let mut all = Vec::new();
            loop {
                while *j < chars.len() && (chars[*j].is_whitespace() || chars[*j] == ',') {
                    *j += 1;
                }
                if *j >= chars.len() || chars[*j] == '}' {
                    *j += 1;
                    return all;
                }
                let before = *j;
                all.extend(tree(chars, j, path.clone()));
                if *j == before {
                    *j += 1;
                }
            }
        }
        let start = *j;
        while *j < chars.len() && is_ident(chars[*j]) {
            *j += 1;
        }
        if *j == start {
            return vec![path];
        }
        let ident: String = chars[start..*j].iter().collect();
        if ident != "self" {
            path.push(ident);
        }
        if chars[*j..].iter().take(2).collect::<String>() == "::" {
            *j += 2;
        } else {
            return vec![path];
        }
    }
}

/// The longest prefix of `path` that is a module.
fn resolve(path: &ModPath, known: &BTreeMap<ModPath, String>) -> Option<ModPath> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| known.contains_key(p))
}

/// The crates checked, from the workspace root.
const CRATES: [&str; 5] = ["app", "fakes", "frontend", "lighter-signer", "server"];

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let circles: Vec<String> = CRATES.iter().flat_map(|c| circles(c, &root.join(c).join("src"))).collect();
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

/// Every edge between siblings of `src`'s modules that lies on a cycle, with its references.
fn circles(name: &str, src: &Path) -> Vec<String> {
    let known = modules(src);
    assert!(known.len() > 5, "the walk found {name}'s modules: {}", known.len());
    // (parent, from child, to child) -> the references that make the edge.
    let mut edges: BTreeMap<(ModPath, String, String), Vec<String>> = BTreeMap::new();
    for (module, code) in &known {
        for (path, line) in references(code, module) {
            let Some(target) = resolve(&path, &known) else { continue };
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == module.len() || common == target.len() {
                continue;
            }
            let key = (module[..common].to_vec(), module[common].clone(), target[common].clone());
            edges.entry(key).or_default().push(format!("{}:{line} uses {}", module.join("::"), path.join("::")));
        }
    }
    let mut circles = Vec::new();
    let parents: BTreeSet<ModPath> = edges.keys().map(|(p, _, _)| p.clone()).collect();
    for parent in parents {
        let graph: BTreeMap<&str, Vec<&str>> =
            edges.keys().filter(|(p, _, _)| *p == parent).fold(BTreeMap::new(), |mut g, (_, a, b)| {
                g.entry(a.as_str()).or_insert_with(Vec::new).push(b.as_str());
                g
            });
        for (a, bs) in &graph {
            for b in bs {
                if reaches(&graph, b, a) {
                    let key = (parent.clone(), a.to_string(), b.to_string());
                    circles.push(format!("{name}: {a} -> {b} under `{}`: {:?}", parent.join("::"), edges[&key]));
                }
            }
        }
    }
    circles
}

fn reaches(graph: &BTreeMap<&str, Vec<&str>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n) {
            stack.extend(graph.get(n).into_iter().flatten());
        }
    }
    false
}

#[test]
fn the_parser_reads_use_trees_and_super_paths() {
    let here: ModPath = vec!["engine".into(), "event".into()];
    let code = "use super::risk::{Refusal, RiskApproved};\nuse crate::{db::{self, fills}, venue::VenueEvent};\nlet x = crate::clock::Clock::system();";
    let paths: Vec<String> = references(code, &here).into_iter().map(|(p, _)| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "engine::risk::Refusal",
            "engine::risk::RiskApproved",
            "db",
            "db::fills",
            "venue::VenueEvent",
            "clock::Clock::system"
        ]
    );
}
