//! The one door to YAML. Every YAML read in jobsim goes through here, so switching the
//! parser (serde_yaml is archived upstream; serde_norway is API-identical) is a one-file
//! change.
//!
//! Reading happens in two steps: each document of a file is parsed into a
//! `serde_yaml::Value` (syntax errors carry serde_yaml's own position), then converted
//! into typed structs; type errors carry a field path (serde_path_to_error) that the
//! source index (`locate`) turns back into a line and column.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::diagnostics::{Diagnostic, Diagnostics};
use super::locate::{DocumentIndex, Position, SourceIndex};

/// Largest input file jobsim reads (a guard against reading a disk image by mistake).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// A file read into memory, with its position index.
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    pub index: SourceIndex,
    /// `--set` changes to the documents of this file, applied as they are parsed (so
    /// positions still point into the text as the user wrote it).
    pub overrides: Vec<super::overrides::Override>,
}

impl SourceFile {
    /// Reads a file. Every failure is a diagnostic that names the file.
    // Diagnostics are big and travel the cold path only; boxing them would not pay.
    #[allow(clippy::result_large_err)]
    pub fn read(path: &Path) -> Result<SourceFile, Diagnostic> {
        let meta = std::fs::metadata(path).map_err(|e| {
            Diagnostic::error(format!("cannot read file: {}", io_reason(&e))).in_file(path)
        })?;
        if meta.is_dir() {
            return Err(Diagnostic::error("is a directory, expected a YAML file").in_file(path));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(Diagnostic::error(format!(
                "file is {} bytes, larger than the {} MiB jobsim reads",
                meta.len(),
                MAX_FILE_BYTES >> 20
            ))
            .in_file(path));
        }
        // The size from metadata is 0 for /dev/zero and other special files: stop reading
        // at the limit whatever it said.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| std::io::Read::read_to_end(&mut f.take(MAX_FILE_BYTES + 1), &mut bytes))
            .map_err(|e| {
                Diagnostic::error(format!("cannot read file: {}", io_reason(&e))).in_file(path)
            })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Diagnostic::error(format!(
                "file is larger than the {} MiB jobsim reads",
                MAX_FILE_BYTES >> 20
            ))
            .in_file(path));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let valid = &e.as_bytes()[..at];
            let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let column = std::str::from_utf8(&valid[line_start..]).map_or(1, |s| s.chars().count() + 1);
            Diagnostic::error(format!(
                "file is not valid UTF-8 (invalid byte 0x{:02x} at offset {at}); YAML files must be UTF-8",
                e.as_bytes()[at]
            ))
            .in_file(path)
            .at(Position {
                offset: at,
                line: valid.iter().filter(|b| **b == b'\n').count() + 1,
                column,
            })
        })?;
        Ok(SourceFile::from_text(path, text))
    }

    pub fn from_text(path: &Path, text: String) -> SourceFile {
        // serde_yaml 0.9 reads a byte-order mark as part of the first key; drop it (editors do
        // not show it, so columns stay as the user sees them).
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        let index = SourceIndex::build(&text);
        SourceFile {
            path: path.to_path_buf(),
            text,
            index,
            overrides: Vec::new(),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// One parsed document of a file.
pub struct Doc<'a> {
    pub file: &'a SourceFile,
    /// Position of the document in the file (0-based, counting non-empty documents).
    pub number: usize,
    pub index: &'a DocumentIndex,
    pub value: serde_yaml::Value,
}

impl Doc<'_> {
    /// Where the value at `path` is (the nearest existing ancestor for a missing field).
    pub fn position(&self, path: &str) -> Position {
        self.index.locate(path)
    }

    /// A diagnostic about the field at `path`.
    pub fn diagnostic(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::error(message)
            .in_file(&self.file.path)
            .at(self.position(path));
        if path.is_empty() { d } else { d.field(path) }
    }

    /// Converts the value at `path` (empty: the whole document) into `T`. Unknown fields are
    /// returned as warnings when `T` tolerates them (Kubernetes types), or are errors when
    /// `T` denies them (jobsim's own formats).
    #[allow(clippy::result_large_err)]
    pub fn typed<T: DeserializeOwned>(&self, path: &str) -> Result<(T, Diagnostics), Diagnostic> {
        let value = if path.is_empty() {
            &self.value
        } else {
            lookup(&self.value, path).ok_or_else(|| self.diagnostic(path, "field is missing"))?
        };
        let mut unknown: Vec<String> = Vec::new();
        let mut track = serde_path_to_error::Track::new();
        let de = serde_path_to_error::Deserializer::new(value, &mut track);
        let result: Result<T, _> = serde_ignored::deserialize(de, |p| {
            unknown.push(ignored_path(&p.to_string()));
        });
        match result {
            Ok(v) => {
                let mut warnings = Diagnostics::default();
                for u in unknown {
                    let full = join(path, &u);
                    warnings.push(
                        Diagnostic::warning(format!(
                            "unknown field \"{full}\" (ignored, as kubectl's default field validation does)"
                        ))
                        .in_file(&self.file.path)
                        .at(self.index.key(&full).unwrap_or_else(|| self.position(&full))),
                    );
                }
                Ok((v, warnings))
            }
            Err(e) => {
                let inner = track.path().to_string();
                let full = join(path, &k8s_path(&inner));
                let message = clean_message(&e.to_string());
                let mut d = self.diagnostic(&full, message.clone());
                // An unknown field is best shown at its key.
                if message.starts_with("unknown field")
                    && let Some(at) = self.index.key(&full)
                {
                    d.position = Some(at);
                }
                Err(d)
            }
        }
    }
}

/// Parses every non-empty document of a file. Syntax errors become diagnostics; the
/// documents that parsed are returned too.
pub fn documents(file: &SourceFile) -> (Vec<Doc<'_>>, Diagnostics) {
    let mut docs = Vec::new();
    let mut diags = Diagnostics::default();
    // A syntax error anywhere in the stream: report it once with serde_yaml's position.
    if let Err(e) = check_stream(&file.text) {
        let mut message = clean_message(&e.to_string());
        let offset = e.location().map(|l| l.index());
        if let Some(o) = offset
            && file.text[o.min(file.text.len())..].starts_with('\t')
        {
            message.push_str(" (YAML does not allow tabs for indentation; use spaces)");
        }
        // libyaml's reader errors say "at position N" (a byte offset) and carry a location
        // at the start of the file.
        let at_position = message.rsplit_once(" at position ").and_then(|(m, n)| {
            let n = n.parse::<usize>().ok().filter(|n| *n <= file.text.len())?;
            Some((m.to_string(), n))
        });
        let offset = match at_position {
            Some((m, n)) => {
                message = m;
                Some(n)
            }
            None => offset,
        };
        let mut d = Diagnostic::error(message).in_file(&file.path);
        if let Some(o) = offset.filter(|o| file.text.is_char_boundary(*o)) {
            d = d.at(file.index.position_of_offset(o));
        }
        diags.push(d);
        return (docs, diags);
    }
    for (n, index) in file
        .index
        .documents()
        .iter()
        .filter(|d| !d.is_empty())
        .enumerate()
    {
        let range = index.byte_range();
        let text = &file.text[range.clone()];
        match serde_yaml::from_str::<serde_yaml::Value>(text) {
            Ok(serde_yaml::Value::Null) => {}
            Ok(mut value) => {
                if let Err(m) = super::overrides::apply_all(&mut value, &file.overrides) {
                    diags.push(
                        Diagnostic::error(format!("--set {m}"))
                            .in_file(&file.path)
                            .at(file.index.position_of_offset(range.start)),
                    );
                }
                docs.push(Doc {
                    file,
                    number: n,
                    index,
                    value,
                })
            }
            Err(e) => {
                let mut d = Diagnostic::error(clean_message(&e.to_string())).in_file(&file.path);
                if let Some(loc) = e.location() {
                    d = d.at(file.index.position_of_offset(range.start + loc.index()));
                }
                diags.push(d);
            }
        }
    }
    (docs, diags)
}

/// Parses the whole stream once to find syntax errors (and alias or depth bombs) before
/// looking at documents one by one.
fn check_stream(text: &str) -> Result<(), serde_yaml::Error> {
    for doc in serde_yaml::Deserializer::from_str(text) {
        let _: serde::de::IgnoredAny = serde::Deserialize::deserialize(doc)?;
    }
    Ok(())
}

/// The value at a Kubernetes field path.
pub fn lookup<'v>(value: &'v serde_yaml::Value, path: &str) -> Option<&'v serde_yaml::Value> {
    let mut cur = value;
    for seg in split_path(path) {
        cur = match seg {
            Seg::Key(k) => cur.as_mapping()?.get(serde_yaml::Value::String(k))?,
            Seg::Index(i) => cur.as_sequence()?.get(i)?,
        };
    }
    Some(cur)
}

enum Seg {
    Key(String),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut cur)));
                }
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                match inner.parse::<usize>() {
                    Ok(i) => out.push(Seg::Index(i)),
                    Err(_) => out.push(Seg::Key(inner)),
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Seg::Key(cur));
    }
    out
}

/// Joins a prefix and a relative path in Kubernetes notation.
pub fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ if rest.starts_with('[') => format!("{prefix}{rest}"),
        _ => format!("{prefix}.{rest}"),
    }
}

/// serde_ignored writes `spec.?.template.?.spec.containers.0.resourcez`; Kubernetes writes
/// `spec.template.spec.containers[0].resourcez`.
fn ignored_path(p: &str) -> String {
    k8s_path(
        &p.split('.')
            .filter(|s| *s != "?")
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// serde_path_to_error writes `containers[0].name` already, but map keys with dots come out
/// as plain segments; numeric segments become indexes.
fn k8s_path(p: &str) -> String {
    if p == "." {
        return String::new();
    }
    let mut out = String::new();
    for seg in p.split('.') {
        if seg.is_empty() || seg == "?" {
            continue;
        }
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else if out.is_empty() {
            out.push_str(seg);
        } else {
            out.push('.');
            out.push_str(seg);
        }
    }
    out
}

/// serde_yaml appends " at line L column C" (and sometimes a path prefix we report as
/// the field); positions are reported separately.
fn clean_message(msg: &str) -> String {
    let mut m = msg.to_string();
    if let Some(i) = m.rfind(" at line ") {
        m.truncate(i);
    }
    // serde_yaml reads an integer beyond 64 bits as u128, which serde_yaml::Value cannot hold.
    if let Some((before, rest)) = m.split_once("invalid type: integer `")
        && let Some(n) = rest.strip_suffix("` as u128, expected any YAML value")
    {
        return format!(
            "{before}integer {n} is out of range: jobsim reads integers of at most 64 bits"
        );
    }
    if m == "recursion limit exceeded" {
        m.push_str(
            ": the document nests deeper than 128 levels, or an alias refers to its own anchor",
        );
    } else if m == "repetition limit exceeded" {
        m.push_str(": aliases expand to too many nodes (an alias bomb?)");
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_convert_to_kubernetes_notation() {
        assert_eq!(
            ignored_path("spec.?.template.?.spec.?.containers.?.0.resourcez"),
            "spec.template.spec.containers[0].resourcez"
        );
        assert_eq!(
            k8s_path("spec.containers[0].name"),
            "spec.containers[0].name"
        );
        assert_eq!(
            join("items[2]", "spec.parallelism"),
            "items[2].spec.parallelism"
        );
        assert_eq!(join("a", "[0]"), "a[0]");
    }

    #[test]
    fn lookup_follows_keys_and_indexes() {
        let v: serde_yaml::Value =
            serde_yaml::from_str("a:\n  b:\n    - x: 1\n    - y: {nvidia.com/gpu: 2}\n").unwrap();
        assert_eq!(
            lookup(&v, "a.b[1].y[nvidia.com/gpu]").and_then(|v| v.as_u64()),
            Some(2)
        );
        assert!(lookup(&v, "a.c").is_none());
    }

    #[test]
    fn type_errors_point_at_the_field() {
        let f = SourceFile::from_text(
            Path::new("t.yaml"),
            "kind: Thing\nspec:\n  count: five\n".to_string(),
        );
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct Spec {
            #[allow(dead_code)]
            count: u32,
        }
        let (docs, diags) = documents(&f);
        assert!(diags.is_empty());
        let err = docs[0].typed::<Spec>("spec").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("spec.count"));
        assert_eq!(err.position.map(|p| (p.line, p.column)), Some((3, 10)));
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_and_alias_bombs_fail_fast_on_a_small_stack() {
        // Neither the position index nor the parser may recurse per nesting level beyond
        // serde_yaml's limit of 128: a 10,000-deep document must fail, not overflow, on a
        // quarter of the 2 MiB stack a spawned thread gets (in a debug build).
        let deep_flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let deep_block: String = (0..10_000).map(|_| "- ").collect::<String>() + "x\n";
        let deep_map = format!("a: {}x{}\n", "{a: ".repeat(10_000), "}".repeat(10_000));
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for (prev, c) in "abcdefgh".chars().zip("bcdefghi".chars()) {
            bomb.push_str(&format!(
                "{c}: &{c} [{}]\n",
                vec![format!("*{prev}"); 9].join(",")
            ));
        }
        let handle = std::thread::Builder::new()
            .stack_size(512 << 10)
            .spawn(move || {
                for text in [deep_flow, deep_block, deep_map, bomb] {
                    let f = SourceFile::from_text(Path::new("t.yaml"), text);
                    let (docs, diags) = documents(&f);
                    assert!(docs.is_empty());
                    let d = diags.errors().next().expect("an error");
                    assert!(d.message.contains("limit exceeded"), "{}", d.message);
                }
            })
            .unwrap();
        handle.join().expect("no stack overflow");
    }

    #[test]
    fn syntax_errors_carry_the_file_position() {
        let f = SourceFile::from_text(Path::new("t.yaml"), "a: 1\n---\nb: [1, 2\n".to_string());
        let (_, diags) = documents(&f);
        let d = diags.errors().next().expect("a syntax error");
        assert!(d.position.is_some());
        assert!(d.position.unwrap().line >= 3, "{d:?}");
    }
}
