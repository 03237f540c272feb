//! Parameters of sweeps and the planner: a field path and the values it takes.
//!
//! Values are written as a list (`1,2,4,8`, `250m,500m,1`, `30s,1m,5m`) or a range:
//! `1..64` (every integer), `0..1:0.25` or `0..60:+15` (arithmetic steps), `1..64:x2`
//! (geometric: ×2 each step), `30s..5m:+30s` or `1m..16m:x2` (durations). A range includes
//! its end when a step lands on it. Each list item is read as YAML reads a scalar, so `8` is
//! a number, `0.5` a float, `500m` a string (a quantity) and `true` a boolean — what the
//! field would hold if written in the manifest.

use serde_yaml::Value;

use crate::engine::time::SimDuration;
use crate::input::duration::parse_duration;
use crate::input::overrides::FieldPath;

/// The most values one parameter may take.
pub const MAX_VALUES: usize = 10_000;

/// One swept field.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub path: FieldPath,
    pub values: Vec<Value>,
}

/// `PATH=VALUES`, as `--set` and `--vary` take it.
pub fn parse_assignment(text: &str) -> Result<Parameter, String> {
    let Some((path, values)) = text.split_once('=') else {
        return Err(format!(
            "{text:?}: expected PATH=VALUES, e.g. jobs.etl.spec.parallelism=1,2,4"
        ));
    };
    // A selector such as nodePools[name=gpu] contains '=': split at the first '=' that is
    // not inside brackets.
    let (path, values) = split_outside_brackets(text).unwrap_or((path, values));
    Ok(Parameter {
        path: FieldPath::parse(path)?,
        values: parse_values(values).map_err(|e| format!("{path}: {e}"))?,
    })
}

fn split_outside_brackets(text: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '=' if depth == 0 => return Some((&text[..i], &text[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Reads a value list or range.
pub fn parse_values(text: &str) -> Result<Vec<Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("no values".into());
    }
    let values = match text.split_once("..") {
        // A quoted item is a string, even one holding "..".
        Some((a, rest)) if !text.contains(',') && !text.starts_with(['"', '\'']) => {
            let (b, step) = match rest.split_once(':') {
                Some((b, s)) => (b, Some(s)),
                None => (rest, None),
            };
            range(a.trim(), b.trim(), step.map(str::trim))?
        }
        _ => text
            .split(',')
            .map(|item| scalar(item.trim()))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if values.is_empty() {
        return Err(format!("{text:?} gives no values"));
    }
    if values.len() > MAX_VALUES {
        return Err(format!(
            "{text:?} gives {} values; at most {MAX_VALUES}",
            values.len()
        ));
    }
    Ok(values)
}

/// A list item, as YAML would read it.
fn scalar(item: &str) -> Result<Value, String> {
    if item.is_empty() {
        return Err("an empty item in the list".into());
    }
    match serde_yaml::from_str::<Value>(item) {
        Ok(v @ (Value::Number(_) | Value::String(_) | Value::Bool(_))) => Ok(v),
        _ => Ok(Value::String(item.to_string())),
    }
}

enum Step {
    Add(f64),
    Mul(f64),
}

fn parse_step(step: Option<&str>, is_duration: bool) -> Result<Step, String> {
    let Some(s) = step else {
        return Ok(Step::Add(if is_duration { 1000.0 } else { 1.0 }));
    };
    if let Some(f) = s.strip_prefix('x') {
        let f: f64 = f
            .parse()
            .map_err(|_| format!("step {s:?}: expected a factor such as x2"))?;
        if !(f.is_finite() && f > 1.0) {
            return Err(format!("step {s:?}: the factor must be greater than 1"));
        }
        return Ok(Step::Mul(f));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let v = if is_duration {
        parse_duration(s)
            .map_err(|e| format!("step {s:?}: {e}"))?
            .as_millis() as f64
    } else {
        s.parse::<f64>()
            .map_err(|_| format!("step {s:?}: expected a number, +N or xF"))?
    };
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("step {s:?} must be positive"));
    }
    Ok(Step::Add(v))
}

/// The values of `a..b:step`.
fn range(a: &str, b: &str, step: Option<&str>) -> Result<Vec<Value>, String> {
    let ints = a.parse::<i64>().is_ok()
        && b.parse::<i64>().is_ok()
        && step.is_none_or(|s| {
            let s = s.strip_prefix('+').unwrap_or(s);
            s.parse::<i64>().is_ok() || s.starts_with('x')
        });
    let (start, end, duration) = match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x, y, false),
        _ => {
            let x = parse_duration(a).map_err(|e| format!("range start {a:?}: {e}"))?;
            let y = parse_duration(b).map_err(|e| format!("range end {b:?}: {e}"))?;
            (x.as_millis() as f64, y.as_millis() as f64, true)
        }
    };
    if !(start.is_finite() && end.is_finite()) || start > end {
        return Err(format!("range {a}..{b}: the start must not exceed the end"));
    }
    let step = parse_step(step, duration)?;
    if let Step::Mul(_) = step
        && start <= 0.0
    {
        return Err(format!(
            "range {a}..{b}: a geometric range needs a positive start"
        ));
    }
    // Tolerance for float steps landing on the end (0..1:0.1).
    let eps = (end - start).abs() * 1e-9 + 1e-12;
    // The k-th value is computed from the start (no drift from repeated adds or products).
    let nth = |k: f64| match step {
        Step::Add(s) => start + s * k,
        Step::Mul(f) => start * f.powf(k),
    };
    let steps = match step {
        Step::Add(s) => ((end - start + eps) / s).floor(),
        Step::Mul(f) => ((end / start).ln() / f.ln() + 1e-9).floor(),
    };
    // Integer and duration values are rounded; a small factor (1..10:x1.2) rounds several
    // steps to the same value, which is kept once.
    let count = steps + 1.0;
    if count > MAX_VALUES as f64 * 100.0 {
        return Err(format!(
            "range {a}..{b} gives {count:.0} values; at most {MAX_VALUES}"
        ));
    }
    let mut out: Vec<Value> = Vec::new();
    for k in 0..=(steps as u64) {
        let x = nth(k as f64).min(end);
        let v = if duration {
            Value::String(SimDuration::from_millis(x.round() as u64).as_go_string())
        } else if ints {
            Value::Number((x.round() as i64).into())
        } else {
            let rounded = (x * 1e9).round() / 1e9;
            Value::Number(rounded.into())
        };
        if out.last() != Some(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// The text of a value, as it appears in column headers, CSV cells and chart legends.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Whether a path holds a resource quantity (so "500m" is 0.5, not 500 minutes).
fn is_quantity_path(path: &FieldPath) -> bool {
    path.text.contains("resources.")
        || path.text.contains("allocatable")
        || path.text.ends_with(".peak")
}

/// The numeric reading of a parameter's value, when it has one (numbers, durations in
/// seconds, quantities), for chart axes.
pub fn value_number(path: &FieldPath, v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let quantity = || {
                crate::api::quantity::Quantity::parse(s)
                    .ok()
                    .and_then(|q| q.milli_value().ok())
                    .map(|m| m as f64 / 1000.0)
            };
            if is_quantity_path(path) {
                return quantity();
            }
            parse_duration(s)
                .ok()
                .map(|d| d.as_secs_f64())
                .or_else(quantity)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        parse_values(s).unwrap().iter().map(value_text).collect()
    }

    #[test]
    fn lists_keep_yaml_types() {
        let v = parse_values("1,0.5,500m,true").unwrap();
        assert_eq!(v[0], Value::Number(1.into()));
        assert_eq!(v[1], Value::Number(0.5.into()));
        assert_eq!(v[2], Value::String("500m".into()));
        assert_eq!(v[3], Value::Bool(true));
    }

    #[test]
    fn ranges() {
        assert_eq!(texts("1..5"), vec!["1", "2", "3", "4", "5"]);
        assert_eq!(
            texts("1..64:x2"),
            vec!["1", "2", "4", "8", "16", "32", "64"]
        );
        assert_eq!(texts("0..60:+15"), vec!["0", "15", "30", "45", "60"]);
        assert_eq!(
            texts("0..1:0.25"),
            vec!["0.0", "0.25", "0.5", "0.75", "1.0"]
        );
        assert_eq!(texts("0..0.3:0.1"), vec!["0.0", "0.1", "0.2", "0.3"]);
        assert_eq!(texts("30s..2m:+30s"), vec!["30s", "1m0s", "1m30s", "2m0s"]);
        assert_eq!(texts("1m..8m:x2"), vec!["1m0s", "2m0s", "4m0s", "8m0s"]);
        assert!(parse_values("5..1").is_err());
        assert!(parse_values("0..8:x2").is_err());
        assert!(parse_values("1..8:x1").is_err());
        assert!(parse_values("1..1000000").is_err());
        // A small factor on integers: steps that round to the same value are kept once.
        assert_eq!(
            texts("1..10:x1.2"),
            vec!["1", "2", "3", "4", "5", "6", "7", "9"]
        );
        assert_eq!(texts("100..200:x1.5"), vec!["100", "150"]);
        let e = parse_values("1..50000").unwrap_err();
        assert!(e.contains("50000 values"), "{e}");
    }

    #[test]
    fn assignments_split_outside_selectors() {
        let p = parse_assignment("spec.cluster.nodePools[name=gpu].count=1,2").unwrap();
        assert_eq!(p.path.text, "spec.cluster.nodePools[name=gpu].count");
        assert_eq!(p.values.len(), 2);
        assert!(parse_assignment("spec.x").is_err());
    }

    #[test]
    fn numbers_for_axes() {
        let timing = FieldPath::parse("spec.defaults.pods.runTime").unwrap();
        let cpu =
            FieldPath::parse("jobs.j.spec.template.spec.containers[0].resources.requests.cpu")
                .unwrap();
        assert_eq!(
            value_number(&timing, &Value::String("1m30s".into())),
            Some(90.0)
        );
        assert_eq!(
            value_number(&timing, &Value::String("5m".into())),
            Some(300.0)
        );
        assert_eq!(value_number(&cpu, &Value::String("500m".into())), Some(0.5));
        assert_eq!(value_number(&cpu, &Value::Number(8.into())), Some(8.0));
    }
}
