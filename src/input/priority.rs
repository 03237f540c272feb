//! `scheduling.k8s.io/v1` PriorityClass documents and the Priority admission plugin
//! (`plugin/pkg/admission/priority/admission.go`): a pod's `priorityClassName` resolves to
//! the class's `value` and `preemptionPolicy`; a pod without one gets the global default
//! class, or priority 0.

use k8s_openapi::api::scheduling::v1 as scheduling;

use super::diagnostics::Diagnostics;
use super::yaml::{Doc, join};
use crate::api::job::{PodTemplate, PreemptionPolicy};

/// `HighestUserDefinablePriority` (`pkg/apis/scheduling/types.go`).
const HIGHEST_USER_DEFINABLE_PRIORITY: i32 = 1_000_000_000;

/// One PriorityClass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriorityClass {
    pub name: String,
    pub value: i32,
    pub global_default: bool,
    pub preemption_policy: PreemptionPolicy,
}

/// The classes every cluster has (`pkg/apis/scheduling/types.go`).
pub fn system_classes() -> Vec<PriorityClass> {
    [
        ("system-cluster-critical", 2_000_000_000),
        ("system-node-critical", 2_000_001_000),
    ]
    .into_iter()
    .map(|(name, value)| PriorityClass {
        name: name.to_string(),
        value,
        global_default: false,
        preemption_policy: PreemptionPolicy::PreemptLowerPriority,
    })
    .collect()
}

/// Reads and validates one PriorityClass document (at `prefix` inside `doc`).
pub fn import_priority_class(doc: &Doc, prefix: &str) -> Result<PriorityClass, Diagnostics> {
    let mut diags = Diagnostics::default();
    let api_version = super::yaml::lookup(&doc.value, &join(prefix, "apiVersion"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    if api_version != "scheduling.k8s.io/v1" {
        diags.push(doc.diagnostic(
            &join(prefix, "apiVersion"),
            format!(
                "unsupported apiVersion {api_version:?} for kind PriorityClass: expected \"scheduling.k8s.io/v1\""
            ),
        ));
        return Err(diags);
    }
    let pc: scheduling::PriorityClass = match doc.typed(prefix) {
        Ok((pc, w)) => {
            diags.extend(w);
            pc
        }
        Err(d) => {
            diags.push(d);
            return Err(diags);
        }
    };
    let name = pc.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        diags.push(doc.diagnostic(
            &join(prefix, "metadata.name"),
            "Required value: name is required",
        ));
    } else if name.starts_with("system-") {
        diags.push(doc.diagnostic(
            &join(prefix, "metadata.name"),
            format!(
                "Invalid value: {name:?}: priority class names with 'system-' prefix are reserved"
            ),
        ));
    }
    if pc.value > HIGHEST_USER_DEFINABLE_PRIORITY {
        diags.push(doc.diagnostic(
            &join(prefix, "value"),
            format!(
                "Invalid value: {}: must not be greater than {HIGHEST_USER_DEFINABLE_PRIORITY}",
                pc.value
            ),
        ));
    }
    let preemption_policy = match pc.preemption_policy.as_deref() {
        None | Some("PreemptLowerPriority") => PreemptionPolicy::PreemptLowerPriority,
        Some("Never") => PreemptionPolicy::Never,
        Some(other) => {
            diags.push(doc.diagnostic(
                &join(prefix, "preemptionPolicy"),
                format!("Unsupported value: {other:?}: supported values: \"Never\", \"PreemptLowerPriority\""),
            ));
            PreemptionPolicy::PreemptLowerPriority
        }
    };
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(PriorityClass {
        name,
        value: pc.value,
        global_default: pc.global_default.unwrap_or(false),
        preemption_policy,
    })
}

/// The Priority admission plugin for one pod template: `Err` carries the API server's
/// message when the class does not exist.
pub fn admit(tpl: &mut PodTemplate, classes: &[PriorityClass]) -> Result<(), String> {
    let class = match &tpl.priority_class_name {
        Some(name) => match classes.iter().find(|c| &c.name == name) {
            Some(c) => Some(c),
            None => return Err(format!("no PriorityClass with name {name} was found")),
        },
        None => classes.iter().find(|c| c.global_default),
    };
    let priority = class.map_or(0, |c| c.value);
    if let Some(given) = tpl.spec_priority
        && given != priority
    {
        return Err(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        ));
    }
    tpl.priority = priority;
    if let Some(c) = class {
        tpl.preemption_policy = c.preemption_policy;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::scheduler::tests::template;

    fn class(name: &str, value: i32, global_default: bool) -> PriorityClass {
        PriorityClass {
            name: name.into(),
            value,
            global_default,
            preemption_policy: PreemptionPolicy::PreemptLowerPriority,
        }
    }

    #[test]
    fn named_classes_global_default_and_missing_ones() {
        let mut classes = system_classes();
        classes.push(class("high", 1000, false));
        classes.push(class("batch", 10, true));
        let mut t = template(100, 1 << 20);
        t.priority_class_name = Some("high".into());
        admit(&mut t, &classes).unwrap();
        assert_eq!(t.priority, 1000);
        let mut t = template(100, 1 << 20);
        admit(&mut t, &classes).unwrap();
        assert_eq!(t.priority, 10);
        let mut t = template(100, 1 << 20);
        t.priority_class_name = Some("system-node-critical".into());
        admit(&mut t, &classes).unwrap();
        assert_eq!(t.priority, 2_000_001_000);
        let mut t = template(100, 1 << 20);
        t.priority_class_name = Some("nope".into());
        assert_eq!(
            admit(&mut t, &classes),
            Err("no PriorityClass with name nope was found".into())
        );
        // spec.priority must agree with the class.
        let mut t = template(100, 1 << 20);
        t.priority_class_name = Some("high".into());
        t.spec_priority = Some(5);
        assert!(
            admit(&mut t, &classes)
                .unwrap_err()
                .contains("must not be provided")
        );
        t.spec_priority = Some(1000);
        assert_eq!(admit(&mut t, &classes), Ok(()));
    }
}
