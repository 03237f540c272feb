//! Setting any field of the inputs from the command line or a sweep: `--set PATH=VALUE`.
//!
//! A path names a document and a field in it:
//!
//! - `jobs.<name>.<field>` — a field of the Job manifest named `<name>`, as written in the
//!   manifest: `jobs.etl.spec.parallelism`,
//!   `jobs.etl.spec.template.spec.containers[0].resources.requests.cpu`. A name with dots,
//!   or one that needs its namespace, goes in brackets: `jobs[batch/nightly.etl].spec.backoffLimit`.
//! - `spec.<field>` (or `scenario.spec.<field>`) — a field of the Scenario document:
//!   `spec.cluster.nodePools[0].count`, `spec.defaults.pods.failure.probability`.
//!
//! List elements are chosen by position (`containers[0]`) or by a field's value
//! (`nodePools[name=gpu]`, `containers[name=main]`). Missing mappings along the way are
//! created, so a default can be overridden without writing it out first. The change is
//! made on each YAML document as it is parsed, so everything downstream — defaulting,
//! validation with file, line and field in the message, the simulation — sees a plain
//! input, and positions still point into the file as written.

use std::fmt;

use serde_yaml::{Mapping, Value};

use super::yaml::{SourceFile, documents};

/// Which document a path addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Scenario,
    Job {
        namespace: Option<String>,
        name: String,
    },
}

/// One step into a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// The list element whose `key` field equals `value`.
    Select {
        key: String,
        value: String,
    },
}

/// A parsed `--set` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    /// As the user wrote it (column names, messages).
    pub text: String,
    pub target: Target,
    pub steps: Vec<Step>,
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A value to put at a path.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub path: FieldPath,
    pub value: Value,
}

/// Splits `a.b[0].c[name=x]` into steps.
fn parse_steps(s: &str, whole: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return Err(format!("{whole:?}: unclosed '['"));
            };
            let inner = &after[..end];
            steps.push(match inner.split_once('=') {
                Some((k, v)) if !k.is_empty() => Step::Select {
                    key: k.to_string(),
                    value: v.to_string(),
                },
                _ => Step::Index(inner.parse().map_err(|_| {
                    format!("{whole:?}: [{inner}] is neither a list position nor key=value")
                })?),
            });
            rest = &after[end + 1..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = &rest[..end];
        if key.is_empty() {
            return Err(format!("{whole:?}: empty field name"));
        }
        steps.push(Step::Key(key.to_string()));
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Ok(steps)
}

impl FieldPath {
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let text = text.trim();
        let (target, rest) = if let Some(r) = text.strip_prefix("scenario.") {
            (Target::Scenario, r)
        } else if text.starts_with("spec.") || text == "spec" {
            (Target::Scenario, text)
        } else if let Some(r) = text.strip_prefix("jobs[") {
            let Some(end) = r.find(']') else {
                return Err(format!("{text:?}: unclosed '['"));
            };
            let id = &r[..end];
            let (namespace, name) = match id.split_once('/') {
                Some((ns, n)) => (Some(ns.to_string()), n.to_string()),
                None => (None, id.to_string()),
            };
            let after = &r[end + 1..];
            (
                Target::Job { namespace, name },
                after.strip_prefix('.').unwrap_or(after),
            )
        } else if let Some(r) = text.strip_prefix("jobs.") {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            let after = &r[end..];
            (
                Target::Job {
                    namespace: None,
                    name: name.to_string(),
                },
                after.strip_prefix('.').unwrap_or(after),
            )
        } else {
            return Err(format!(
                "{text:?}: a path starts with jobs.<name>. (a Job manifest) or spec. (the scenario), e.g. jobs.etl.spec.parallelism or spec.cluster.nodePools[0].count"
            ));
        };
        if let Target::Job { name, .. } = &target
            && name.is_empty()
        {
            return Err(format!("{text:?}: the Job name is missing"));
        }
        let steps = parse_steps(rest, text)?;
        if steps.is_empty() {
            return Err(format!("{text:?}: name a field inside the document"));
        }
        Ok(FieldPath {
            text: text.to_string(),
            target,
            steps,
        })
    }

    /// The path inside its document as Kubernetes writes field paths
    /// (`spec.template.spec.containers[0].image`); `None` when it selects list elements by
    /// value.
    pub fn relative(&self) -> Option<String> {
        let mut out = String::new();
        for s in &self.steps {
            match s {
                Step::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
                Step::Select { .. } => return None,
            }
        }
        Some(out)
    }

    /// Whether this path addresses `doc` (a whole document's value).
    fn addresses(&self, doc: &Value) -> bool {
        let kind = doc.get("kind").and_then(Value::as_str);
        match &self.target {
            Target::Scenario => kind == Some("Scenario"),
            Target::Job { namespace, name } => {
                matches!(kind, Some("Job" | "CronJob"))
                    && doc
                        .get("metadata")
                        .and_then(|m| m.get("name"))
                        .and_then(Value::as_str)
                        == Some(name.as_str())
                    && namespace.as_deref().is_none_or(|ns| {
                        doc.get("metadata")
                            .and_then(|m| m.get("namespace"))
                            .and_then(Value::as_str)
                            .unwrap_or("default")
                            == ns
                    })
            }
        }
    }
}

/// Puts `value` at `steps` inside `node`, creating missing mappings.
fn put(node: &mut Value, steps: &[Step], value: Value, path: &FieldPath) -> Result<(), String> {
    let Some((first, rest)) = steps.split_first() else {
        *node = value;
        return Ok(());
    };
    match first {
        Step::Key(k) => {
            if node.is_null() {
                *node = Value::Mapping(Mapping::new());
            }
            let Some(map) = node.as_mapping_mut() else {
                return Err(format!(
                    "{path}: {k:?} is inside a value that is not a mapping"
                ));
            };
            let key = Value::String(k.clone());
            if !map.contains_key(&key) {
                map.insert(key.clone(), Value::Null);
            }
            let child = map
                .get_mut(&key)
                .unwrap_or_else(|| unreachable!("inserted"));
            put(child, rest, value, path)
        }
        Step::Index(i) => {
            let Some(seq) = node.as_sequence_mut() else {
                return Err(format!(
                    "{path}: [{i}] is applied to a value that is not a list"
                ));
            };
            let len = seq.len();
            let Some(child) = seq.get_mut(*i) else {
                return Err(format!("{path}: the list has {len} element(s), no [{i}]"));
            };
            put(child, rest, value, path)
        }
        Step::Select { key, value: want } => {
            let Some(seq) = node.as_sequence_mut() else {
                return Err(format!(
                    "{path}: [{key}={want}] is applied to a value that is not a list"
                ));
            };
            let found = seq.iter_mut().find(|item| {
                item.get(key.as_str()).is_some_and(|v| match v {
                    Value::String(s) => s == want,
                    Value::Number(n) => n.to_string() == *want,
                    Value::Bool(b) => b.to_string() == *want,
                    _ => false,
                })
            });
            let Some(child) = found else {
                return Err(format!("{path}: no list element with {key}={want}"));
            };
            put(child, rest, value, path)
        }
    }
}

/// Applies the overrides that address `doc` (a document, or the items of a `kind: List`).
pub fn apply_all(doc: &mut Value, overrides: &[Override]) -> Result<(), String> {
    for o in overrides {
        if doc.get("kind").and_then(Value::as_str) == Some("List") {
            if let Some(items) = doc.get_mut("items").and_then(Value::as_sequence_mut) {
                for item in items {
                    if o.path.addresses(item) {
                        put(item, &o.path.steps, o.value.clone(), &o.path)?;
                    }
                }
            }
        } else if o.path.addresses(doc) {
            put(doc, &o.path.steps, o.value.clone(), &o.path)?;
        }
    }
    Ok(())
}

/// Attaches to `file` the overrides that address its documents, counting per override the
/// documents it addresses. They are applied whenever the file's documents are parsed.
pub fn attach(mut file: SourceFile, overrides: &[Override], hits: &mut [usize]) -> SourceFile {
    if overrides.is_empty() {
        return file;
    }
    let (docs, _) = documents(&file);
    let mut mine = Vec::new();
    for (k, o) in overrides.iter().enumerate() {
        let mut n = 0;
        for d in &docs {
            if d.value.get("kind").and_then(Value::as_str) == Some("List") {
                n += d
                    .value
                    .get("items")
                    .and_then(Value::as_sequence)
                    .map_or(0, |items| {
                        items.iter().filter(|i| o.path.addresses(i)).count()
                    });
            } else if o.path.addresses(&d.value) {
                n += 1;
            }
        }
        if n > 0 {
            hits[k] += n;
            mine.push(o.clone());
        }
    }
    file.overrides = mine;
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(path: &str, value: &str) -> Override {
        Override {
            path: FieldPath::parse(path).unwrap(),
            value: serde_yaml::from_str(value).unwrap(),
        }
    }

    #[test]
    fn paths_parse() {
        let p = FieldPath::parse("jobs.etl.spec.template.spec.containers[0].resources").unwrap();
        assert_eq!(
            p.target,
            Target::Job {
                namespace: None,
                name: "etl".into()
            }
        );
        assert_eq!(p.steps[4], Step::Index(0));
        let p = FieldPath::parse("jobs[batch/nightly.etl].spec.backoffLimit").unwrap();
        assert_eq!(
            p.target,
            Target::Job {
                namespace: Some("batch".into()),
                name: "nightly.etl".into()
            }
        );
        let p = FieldPath::parse("spec.cluster.nodePools[name=gpu].count").unwrap();
        assert_eq!(p.target, Target::Scenario);
        assert_eq!(
            p.steps[3],
            Step::Select {
                key: "name".into(),
                value: "gpu".into()
            }
        );
        assert!(FieldPath::parse("parallelism").is_err());
        assert!(FieldPath::parse("jobs.etl").is_err());
        assert!(FieldPath::parse("spec.a[x").is_err());
    }

    #[test]
    fn overrides_change_the_named_documents_only() {
        let text = "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n  cluster:\n    nodePools:\n    - {name: a, count: 1}\n    - {name: gpu, count: 2}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: etl}\nspec:\n  parallelism: 2\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: other}\nspec:\n  parallelism: 3\n";
        let f = SourceFile::from_text(std::path::Path::new("s.yaml"), text.to_string());
        let o = vec![
            set("jobs.etl.spec.parallelism", "8"),
            set("spec.cluster.nodePools[name=gpu].count", "5"),
            set("spec.defaults.pods.failure.probability", "0.1"),
            set("jobs.nope.spec.parallelism", "1"),
        ];
        let mut hits = vec![0; 4];
        let changed = attach(f, &o, &mut hits);
        assert_eq!(hits, vec![1, 1, 1, 0]);
        let (docs, problems) = documents(&changed);
        assert!(!problems.has_errors());
        assert_eq!(docs[0].value["spec"]["cluster"]["nodePools"][1]["count"], 5);
        assert_eq!(
            docs[0].value["spec"]["defaults"]["pods"]["failure"]["probability"],
            0.1
        );
        assert_eq!(docs[1].value["spec"]["parallelism"], 8);
        assert_eq!(docs[2].value["spec"]["parallelism"], 3);
        // Positions still point into the text as written.
        assert_eq!(docs[1].position("spec.parallelism").line, 13);
        let mut hits = vec![0];
        let bad = attach(
            SourceFile::from_text(std::path::Path::new("s.yaml"), text.to_string()),
            &[set("spec.cluster.nodePools[7].count", "1")],
            &mut hits,
        );
        let (_, problems) = documents(&bad);
        let msg = problems.errors().next().unwrap().message.clone();
        assert!(msg.contains("the list has 2 element(s), no [7]"), "{msg}");
    }
}
