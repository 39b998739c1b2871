//! Every reference to the design documents resolves inside the repository.
//!
//! Code, tests and docs cite the documents in `docs/` as `docs/<file>.md#<anchor>`. This test
//! walks the repository's sources and documentation and fails when a citation names a file of
//! `docs/` that does not exist or an anchor that no heading of that file produces (GitHub's
//! slug rules), when a link between the docs is broken, or when a file still cites the
//! design documents that lived outside the repository (the old design file or a "spec §"
//! section number). Invariant: the checker itself is tested on inputs it must reject, so it
//! cannot pass by finding nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Extensions of the files whose text may cite the docs.
const EXTENSIONS: &[&str] = &[
    "rs", "js", "mjs", "ts", "md", "json", "sh", "html", "css", "py", "toml", "yml", "yaml",
];

/// Directories never walked: build output, dependencies, and hidden ones (`.git`).
const SKIPPED_DIRS: &[&str] = &["target", "node_modules", "__pycache__", "venv"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// GitHub's anchor for a heading: lowercase, punctuation other than `-` and `_` dropped,
/// spaces turned into hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's ATX headings, outside fenced code; a repeated slug gets
/// `-1`, `-2`, ... as on GitHub.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if fenced || !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let text = line[hashes..].trim().trim_end_matches('#');
        let base = slug(text);
        let count = seen.entry(base.clone()).or_default();
        out.insert(match *count {
            0 => base,
            n => format!("{base}-{n}"),
        });
        *count += 1;
    }
    out
}

/// The anchors of the files of `docs/`, by file name.
type DocAnchors = BTreeMap<String, BTreeSet<String>>;

fn doc_anchors(root: &Path) -> DocAnchors {
    let mut out = DocAnchors::new();
    for entry in fs::read_dir(root.join("docs")).expect("docs/ exists") {
        let path = entry.expect("readable docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = fs::read_to_string(&path).expect("readable doc");
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.insert(name, anchors(&text));
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The problems of one file's text: citations of the old outside documents, and
/// `docs/<file>.md#<anchor>` citations that do not resolve.
fn check_text(text: &str, docs: &DocAnchors) -> Vec<(usize, String)> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut problems = Vec::new();
    // Built from parts so that this file does not cite what it forbids.
    let old_design = ["DESIGN", ".md"].concat();
    for (at, _) in text.match_indices(&old_design) {
        problems.push((
            line_of(at),
            format!("cites {old_design}, which is not in the repository"),
        ));
    }
    for (at, _) in text.match_indices('§') {
        let before: String = text[..at]
            .chars()
            .rev()
            .take(24)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let before = before.to_lowercase();
        if before.contains("spec") || before.contains(".md") {
            problems.push((
                line_of(at),
                "cites a section number of a spec outside docs/; cite docs/<file>.md#<anchor>"
                    .to_string(),
            ));
        }
    }
    for (at, _) in text.match_indices("docs/") {
        let head = &text[..at];
        match head.chars().next_back() {
            Some(c) if is_word(c) || c == '.' => continue,
            Some('/') if !head.ends_with("../") => continue,
            _ => {}
        }
        let rest = &text[at + "docs/".len()..];
        let stem: String = rest.chars().take_while(|c| is_word(*c)).collect();
        let after = &rest[stem.len()..];
        if stem.is_empty() || !after.starts_with(".md") || after[3..].starts_with(is_word) {
            continue;
        }
        let file = format!("{stem}.md");
        let Some(known) = docs.get(&file) else {
            problems.push((
                line_of(at),
                format!("cites docs/{file}, which does not exist"),
            ));
            continue;
        };
        if let Some(fragment) = after[3..].strip_prefix('#') {
            let anchor: String = fragment.chars().take_while(|c| is_word(*c)).collect();
            if !known.contains(&anchor) {
                problems.push((
                    line_of(at),
                    format!("cites docs/{file}#{anchor}, which no heading of docs/{file} produces"),
                ));
            }
        }
    }
    problems
}

/// Broken relative links `[text](target)` of a Markdown file in `dir`: a missing file, or
/// an anchor that file's headings do not produce.
fn check_links(text: &str, dir: &Path) -> Vec<(usize, String)> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let own = anchors(text);
    let mut problems = Vec::new();
    for (at, _) in text.match_indices("](") {
        let target: String = text[at + 2..]
            .chars()
            .take_while(|c| *c != ')' && !c.is_whitespace())
            .collect();
        if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (target.as_str(), None),
        };
        let known = if path.is_empty() {
            own.clone()
        } else {
            let file = dir.join(path);
            if !file.exists() {
                problems.push((
                    line_of(at),
                    format!("links to {path}, which does not exist"),
                ));
                continue;
            }
            match (anchor, fs::read_to_string(&file)) {
                (Some(_), Ok(linked)) => anchors(&linked),
                _ => continue,
            }
        };
        if let Some(anchor) = anchor.filter(|a| !known.contains(*a)) {
            problems.push((
                line_of(at),
                format!("links to {target}, but no heading there makes #{anchor}"),
            ));
        }
    }
    problems
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("readable entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                walk(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| EXTENSIONS.contains(&&*e.to_string_lossy()))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_citation_of_the_docs_resolves() {
    let root = repo_root();
    let docs = doc_anchors(&root);
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut problems = Vec::new();
    let mut citations = 0;
    for file in &files {
        // This file spells out wrong citations on purpose, to test the checker.
        if file.ends_with("crates/protocol/tests/doc_links.rs") {
            continue;
        }
        let Ok(text) = fs::read_to_string(file) else {
            continue; // not UTF-8: not a source or doc file
        };
        citations += text.matches("docs/").count();
        let relative = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let mut found = check_text(&text, &docs);
        if file.parent().is_some_and(|p| p.ends_with("docs")) {
            found.extend(check_links(&text, file.parent().unwrap()));
        }
        problems.extend(
            found
                .into_iter()
                .map(|(line, why)| format!("{relative}:{line}: {why}")),
        );
    }
    assert!(
        citations > 0,
        "the walk found no citation of docs/ at all: is the root right?"
    );
    assert!(
        problems.is_empty(),
        "unresolved references:\n{}",
        problems.join("\n")
    );
}

#[test]
fn slugs_follow_githubs_rules() {
    assert_eq!(slug("Call lifecycle"), "call-lifecycle");
    assert_eq!(
        slug("SDK behaviours callhost relies on"),
        "sdk-behaviours-callhost-relies-on"
    );
    assert_eq!(
        slug("`SET_WIDGET_URL` (2019 form)"),
        "set_widget_url-2019-form"
    );
    assert_eq!(slug("Help-desk calls"), "help-desk-calls");
    let md = "# A\n## Same\n```\n## Not a heading\n```\n### Same\n####No space\n";
    let found = anchors(md);
    assert_eq!(
        found,
        BTreeSet::from(["a".into(), "same".into(), "same-1".into()])
    );
}

#[test]
fn the_checker_rejects_what_it_must() {
    let docs = DocAnchors::from([("protocol.md".into(), BTreeSet::from(["handshake".into()]))]);
    let ok = "see docs/protocol.md#handshake, and docs/protocol.md; https://x.example/docs/a.md";
    assert_eq!(check_text(ok, &docs), vec![]);
    let bad = [
        "see docs/protocol.md#handshakes",
        "see docs/missing.md",
        "// the spec §1.3 says",
        "// (rest-api.md §6.2)",
        &["see ", "DESIGN", ".md"].concat(),
    ];
    for text in bad {
        assert_eq!(
            check_text(text, &docs).len(),
            1,
            "{text:?} should be one problem"
        );
    }
    // A section sign that is not a spec citation is fine.
    assert_eq!(check_text("RFC 9110 §14.1.2", &docs), vec![]);
}

#[test]
fn broken_links_between_docs_are_found() {
    let dir = repo_root().join("docs");
    assert_eq!(
        check_links("[p](protocol.md#handshake) [s](#x)\n# X\n", &dir),
        vec![]
    );
    assert_eq!(
        check_links("[p](protocol.md#no-such-heading)", &dir).len(),
        1
    );
    assert_eq!(check_links("[p](no-such-file.md)", &dir).len(), 1);
    assert_eq!(check_links("[s](#nowhere)\n# Here\n", &dir).len(), 1);
}
