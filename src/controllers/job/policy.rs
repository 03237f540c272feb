//! podFailurePolicy and successPolicy matching (`pkg/controller/job/pod_failure_policy.go`,
//! `pkg/controller/job/success_policy.go`).

use crate::api::intervals::Intervals;
use crate::api::job::{
    ConditionStatus, ExitCodeOperator, OnExitCodes, PodFailurePolicy, PodFailurePolicyAction,
    PodTemplate, SuccessPolicy,
};
use crate::api::pod::{Pod, PodPhase};

/// The result of `matchPodFailurePolicy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyMatch {
    /// Set when a FailJob rule matched: the FailureTarget message.
    pub fail_job_message: Option<String>,
    /// False when an Ignore rule matched.
    pub count_failed: bool,
    pub action: Option<PodFailurePolicyAction>,
}

impl PolicyMatch {
    const NONE: PolicyMatch = PolicyMatch {
        fail_job_message: None,
        count_failed: true,
        action: None,
    };
}

/// The pod's conditions as a failed pod carries them, in status order: the kubelet's
/// standard conditions, then DisruptionTarget, then conditions set by scenario scripts.
fn pod_conditions(pod: &Pod) -> Vec<(&str, ConditionStatus)> {
    let ready = if pod.ready {
        ConditionStatus::True
    } else {
        ConditionStatus::False
    };
    let scheduled = if pod.node.is_some() {
        ConditionStatus::True
    } else {
        ConditionStatus::False
    };
    let started = if pod.started_at.is_some() {
        ConditionStatus::True
    } else {
        ConditionStatus::False
    };
    let mut out = vec![
        ("PodReadyToStartContainers", started),
        ("Initialized", started),
        ("Ready", ready),
        ("ContainersReady", ready),
        ("PodScheduled", scheduled),
    ];
    if pod.disruption.is_some() {
        out.push(("DisruptionTarget", ConditionStatus::True));
    }
    for c in &pod.extra_conditions {
        out.push((c.as_str(), ConditionStatus::True));
    }
    out
}

/// Terminated containers with a non-zero exit code, regular containers first, then init
/// containers, each group in template order: the candidates of `onExitCodes`.
fn failed_containers<'a>(pod: &Pod, tpl: &'a PodTemplate) -> Vec<(&'a str, i32)> {
    let mut exits: Vec<_> = pod
        .exit
        .iter()
        .chain(pod.other_exits.iter())
        .filter(|e| e.exit_code != 0)
        .copied()
        .collect();
    exits.sort_by_key(|e| e.container);
    let names: Vec<&str> = tpl.container_names().collect();
    exits
        .into_iter()
        .filter_map(|e| names.get(e.container as usize).map(|n| (*n, e.exit_code)))
        .collect()
}

fn exit_code_matches(code: i32, req: &OnExitCodes) -> bool {
    let listed = req.values.binary_search(&code).is_ok();
    match req.operator {
        ExitCodeOperator::In => listed,
        ExitCodeOperator::NotIn => !listed,
    }
}

/// `matchPodFailurePolicy` for a failed pod. `pod_name` is `<namespace>/<name>`.
pub fn match_pod_failure_policy(
    policy: Option<&PodFailurePolicy>,
    pod: &Pod,
    tpl: &PodTemplate,
    pod_name: &dyn Fn() -> String,
) -> PolicyMatch {
    let Some(policy) = policy else {
        return PolicyMatch::NONE;
    };
    for (index, rule) in policy.rules.iter().enumerate() {
        let matched: Option<String> = if let Some(req) = &rule.on_exit_codes {
            failed_containers(pod, tpl)
                .into_iter()
                .find(|(name, code)| {
                    req.container_name.as_deref().is_none_or(|n| n == *name)
                        && exit_code_matches(*code, req)
                })
                .map(|(name, code)| {
                    format!(
                        "Container {name} for pod {} failed with exit code {code} matching {} rule at index {index}",
                        pod_name(),
                        rule.action
                    )
                })
        } else if !rule.on_pod_conditions.is_empty() {
            pod_conditions(pod)
                .into_iter()
                .find(|(t, s)| {
                    rule.on_pod_conditions
                        .iter()
                        .any(|p| p.condition_type == *t && p.status == *s)
                })
                .map(|(t, _)| {
                    format!(
                        "Pod {} has condition {t} matching {} rule at index {index}",
                        pod_name(),
                        rule.action
                    )
                })
        } else {
            None
        };
        let Some(message) = matched else { continue };
        return match rule.action {
            PodFailurePolicyAction::Ignore => PolicyMatch {
                fail_job_message: None,
                count_failed: false,
                action: Some(PodFailurePolicyAction::Ignore),
            },
            PodFailurePolicyAction::Count => PolicyMatch {
                fail_job_message: None,
                count_failed: true,
                action: Some(PodFailurePolicyAction::Count),
            },
            PodFailurePolicyAction::FailJob => PolicyMatch {
                fail_job_message: Some(message),
                count_failed: true,
                action: Some(PodFailurePolicyAction::FailJob),
            },
            PodFailurePolicyAction::FailIndex => PolicyMatch {
                fail_job_message: None,
                count_failed: true,
                action: Some(PodFailurePolicyAction::FailIndex),
            },
        };
    }
    PolicyMatch::NONE
}

/// Whether the pod counts as failed for the Job (`isPodFailed`).
pub fn is_pod_failed(pod: &Pod, only_replace_failed: bool) -> bool {
    if pod.phase == PodPhase::Failed {
        return true;
    }
    if only_replace_failed {
        return false;
    }
    pod.deletion.is_some() && pod.phase != PodPhase::Succeeded
}

/// `matchSuccessPolicy`: the SuccessCriteriaMet message of the first matching rule.
pub fn match_success_policy(
    policy: Option<&SuccessPolicy>,
    succeeded: &Intervals,
) -> Option<String> {
    let policy = policy?;
    if succeeded.is_empty() {
        return None;
    }
    for (index, rule) in policy.rules.iter().enumerate() {
        if let Some(required) = &rule.succeeded_indexes {
            if required.is_empty() {
                continue;
            }
            let contains = required.intersection_count(succeeded);
            let count_ok = rule
                .succeeded_count
                .is_some_and(|c| contains >= c.max(0) as u64);
            if contains == required.total() || count_ok {
                return Some(format!("Matched rules at index {index}"));
            }
        } else if let Some(c) = rule.succeeded_count
            && succeeded.total() >= c.max(0) as u64
        {
            return Some(format!("Matched rules at index {index}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::job::{OnPodCondition, PodFailurePolicyRule, SuccessPolicyRule};
    use crate::api::pod::{ContainerExit, DisruptionReason, TerminationReason};

    fn pod_with_exits(exits: &[(u16, i32)]) -> Pod {
        let mut p = crate::sim::testing::pod();
        p.phase = PodPhase::Failed;
        let mut it = exits.iter().map(|&(c, code)| ContainerExit {
            container: c,
            exit_code: code,
            reason: TerminationReason::Error,
        });
        p.exit = it.next();
        p.other_exits = it.collect();
        p
    }

    fn tpl(containers: &[&str], init: &[&str]) -> PodTemplate {
        let mut t = crate::sim::testing::template();
        let c = t.containers[0].clone();
        t.containers = containers
            .iter()
            .map(|n| crate::api::job::Container {
                name: n.to_string(),
                ..c.clone()
            })
            .collect();
        t.init_containers = init
            .iter()
            .map(|n| crate::api::job::Container {
                name: n.to_string(),
                ..c.clone()
            })
            .collect();
        t
    }

    fn exit_rule(
        action: PodFailurePolicyAction,
        op: ExitCodeOperator,
        values: &[i32],
    ) -> PodFailurePolicyRule {
        PodFailurePolicyRule {
            action,
            on_exit_codes: Some(OnExitCodes {
                container_name: None,
                operator: op,
                values: values.to_vec(),
            }),
            on_pod_conditions: vec![],
        }
    }

    fn name() -> String {
        "default/mypod".to_string()
    }

    // pod_failure_policy_test.go: "multiple containers, first matching rule decides":
    // exit codes (c1=2, c2=6) against [Ignore In{1,2,3}, FailJob In{5,6,7}] -> Ignore.
    #[test]
    fn first_matching_rule_wins_over_containers() {
        let policy = PodFailurePolicy {
            rules: vec![
                exit_rule(
                    PodFailurePolicyAction::Ignore,
                    ExitCodeOperator::In,
                    &[1, 2, 3],
                ),
                exit_rule(
                    PodFailurePolicyAction::FailJob,
                    ExitCodeOperator::In,
                    &[5, 6, 7],
                ),
            ],
        };
        let t = tpl(&["main-container", "sidecar"], &[]);
        let m =
            match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(0, 2), (1, 6)]), &t, &name);
        assert_eq!(m.action, Some(PodFailurePolicyAction::Ignore));
        assert!(!m.count_failed);
    }

    #[test]
    fn fail_job_message_is_upstreams() {
        let policy = PodFailurePolicy {
            rules: vec![exit_rule(
                PodFailurePolicyAction::FailJob,
                ExitCodeOperator::In,
                &[5, 6, 7],
            )],
        };
        let t = tpl(&["main-container"], &[]);
        let m = match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(0, 5)]), &t, &name);
        assert_eq!(
            m.fail_job_message.as_deref(),
            Some(
                "Container main-container for pod default/mypod failed with exit code 5 matching FailJob rule at index 0"
            )
        );
    }

    #[test]
    fn not_in_matches_other_non_zero_codes_only() {
        let policy = PodFailurePolicy {
            rules: vec![exit_rule(
                PodFailurePolicyAction::Count,
                ExitCodeOperator::NotIn,
                &[1],
            )],
        };
        let t = tpl(&["main"], &[]);
        assert_eq!(
            match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(0, 2)]), &t, &name).action,
            Some(PodFailurePolicyAction::Count)
        );
        assert_eq!(
            match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(0, 1)]), &t, &name).action,
            None
        );
        // Exit code 0 never matches, even NotIn.
        assert_eq!(
            match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(0, 0)]), &t, &name).action,
            None
        );
    }

    #[test]
    fn container_name_restricts_and_init_containers_are_looked_at_last() {
        let mut rule = exit_rule(PodFailurePolicyAction::FailJob, ExitCodeOperator::In, &[3]);
        rule.on_exit_codes.as_mut().unwrap().container_name = Some("init-a".into());
        let policy = PodFailurePolicy { rules: vec![rule] };
        let t = tpl(&["main"], &["init-a"]);
        // Container position 1 is the first init container.
        let m = match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(1, 3)]), &t, &name);
        assert_eq!(
            m.fail_job_message.as_deref(),
            Some(
                "Container init-a for pod default/mypod failed with exit code 3 matching FailJob rule at index 0"
            )
        );
        let m = match_pod_failure_policy(Some(&policy), &pod_with_exits(&[(0, 3)]), &t, &name);
        assert_eq!(m.action, None);
    }

    #[test]
    fn disruption_target_condition_matches() {
        let policy = PodFailurePolicy {
            rules: vec![PodFailurePolicyRule {
                action: PodFailurePolicyAction::Ignore,
                on_exit_codes: None,
                on_pod_conditions: vec![OnPodCondition {
                    condition_type: "DisruptionTarget".into(),
                    status: ConditionStatus::True,
                }],
            }],
        };
        let t = tpl(&["main"], &[]);
        let mut p = pod_with_exits(&[(0, 137)]);
        assert_eq!(
            match_pod_failure_policy(Some(&policy), &p, &t, &name).action,
            None
        );
        p.disruption = Some(DisruptionReason::DeletionByTaintManager);
        let m = match_pod_failure_policy(Some(&policy), &p, &t, &name);
        assert_eq!(m.action, Some(PodFailurePolicyAction::Ignore));
        assert!(!m.count_failed);
    }

    // success_policy_test.go TestMatchSuccessPolicy, selected rows.
    #[test]
    fn success_policy_rules() {
        let iv = |s: &str| Intervals::parse(s, 100).unwrap();
        let policy = |rules: Vec<SuccessPolicyRule>| SuccessPolicy { rules };
        let rule = |idx: Option<&str>, count: Option<i32>| SuccessPolicyRule {
            succeeded_indexes: idx.map(iv),
            succeeded_count: count,
        };
        // "rules.succeededIndexes is specified; matching"
        assert_eq!(
            match_success_policy(Some(&policy(vec![rule(Some("0-2"), None)])), &iv("0-3"))
                .as_deref(),
            Some("Matched rules at index 0")
        );
        // not matching
        assert_eq!(
            match_success_policy(Some(&policy(vec![rule(Some("0-2"), None)])), &iv("0,1")),
            None
        );
        // succeededCount only
        assert_eq!(
            match_success_policy(Some(&policy(vec![rule(None, Some(3))])), &iv("5,7,9")).as_deref(),
            Some("Matched rules at index 0")
        );
        // both: count of the listed ones
        assert_eq!(
            match_success_policy(
                Some(&policy(vec![
                    rule(Some("0-5"), Some(2)),
                    rule(None, Some(1))
                ])),
                &iv("4,5,9")
            )
            .as_deref(),
            Some("Matched rules at index 0")
        );
        // second rule matches
        assert_eq!(
            match_success_policy(
                Some(&policy(vec![
                    rule(Some("0-5"), Some(3)),
                    rule(None, Some(3))
                ])),
                &iv("4,5,9")
            )
            .as_deref(),
            Some("Matched rules at index 1")
        );
        // no succeeded indexes at all
        assert_eq!(
            match_success_policy(Some(&policy(vec![rule(None, Some(0))])), &iv("")),
            None
        );
    }
}
