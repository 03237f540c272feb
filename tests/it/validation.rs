//! `jobsim validate` rejects every invalid combination of docs/job-semantics.md §2 with the
//! API server's field path and wording (`pkg/apis/batch/validation/validation.go`).

use jobsim::input::load::{LoadOptions, load};

const BASE: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  completions: 4
  parallelism: 2
  template:
    spec:
      containers:
      - name: main
        image: busybox:1
      restartPolicy: Never
";

/// The errors of `BASE` with `spec` lines replaced/added.
fn errors_with(spec_extra: &str, replace: &[(&str, &str)]) -> Vec<String> {
    let mut text = BASE.replace(
        "spec:\n  completions",
        &format!("spec:\n{spec_extra}  completions"),
    );
    for (a, b) in replace {
        text = text.replace(a, b);
    }
    crate::common::load_errors(&text)
}

fn assert_rejected(spec_extra: &str, replace: &[(&str, &str)], want: &str) {
    let errs = errors_with(spec_extra, replace);
    assert!(
        errs.iter().any(|e| e.contains(want)),
        "expected {want:?} among {errs:#?}"
    );
}

#[test]
fn base_manifest_is_valid() {
    assert!(errors_with("", &[]).is_empty());
}

// §2.1 non-negative fields.
#[test]
fn negative_fields() {
    for (field, line) in [
        ("spec.parallelism", ""),
        ("spec.completions", ""),
        (
            "spec.activeDeadlineSeconds",
            "  activeDeadlineSeconds: -1\n",
        ),
        ("spec.backoffLimit", "  backoffLimit: -1\n"),
        (
            "spec.ttlSecondsAfterFinished",
            "  ttlSecondsAfterFinished: -1\n",
        ),
    ] {
        let replace: Vec<(&str, &str)> = match field {
            "spec.parallelism" => vec![("parallelism: 2", "parallelism: -1")],
            "spec.completions" => vec![("completions: 4", "completions: -1")],
            _ => vec![],
        };
        assert_rejected(
            line,
            &replace,
            &format!("{field}: Invalid value: -1: must be greater than or equal to 0"),
        );
    }
    // activeDeadlineSeconds 0 is accepted, although the API doc says "positive".
    assert!(errors_with("  activeDeadlineSeconds: 0\n", &[]).is_empty());
}

// §2.2 restartPolicy.
#[test]
fn restart_policy() {
    let need =
        "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"";
    assert_rejected(
        "",
        &[("restartPolicy: Never", "restartPolicy: Always")],
        need,
    );
    assert_rejected("", &[("      restartPolicy: Never\n", "")], need);
    assert_rejected(
        "",
        &[("restartPolicy: Never", "restartPolicy: Sometimes")],
        "spec.template.spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"OnFailure\", \"Never\"",
    );
}

// §2.3 and §2.9: podFailurePolicy needs restartPolicy Never and podReplacementPolicy Failed.
#[test]
fn pod_failure_policy_constraints() {
    let pfp = "  podFailurePolicy:\n    rules:\n    - action: Ignore\n      onPodConditions:\n      - type: DisruptionTarget\n";
    assert_rejected(
        pfp,
        &[("restartPolicy: Never", "restartPolicy: OnFailure")],
        "only \"Never\" is supported when podFailurePolicy is specified",
    );
    assert_rejected(
        &format!("{pfp}  podReplacementPolicy: TerminatingOrFailed\n"),
        &[],
        "spec.podReplacementPolicy: Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\"",
    );
    assert_rejected(
        "  podReplacementPolicy: Sometimes\n",
        &[],
        "spec.podReplacementPolicy: Unsupported value: \"Sometimes\"",
    );
}

// §2.4 and §2.5: completion mode and Indexed constraints.
#[test]
fn indexed_constraints() {
    assert_rejected(
        "  completionMode: Random\n",
        &[],
        "spec.completionMode: Unsupported value: \"Random\": supported values: \"NonIndexed\", \"Indexed\"",
    );
    assert_rejected(
        "  completionMode: Indexed\n",
        &[("  completions: 4\n", "")],
        "spec.completions: Required value: when completion mode is Indexed",
    );
    assert_rejected(
        "  completionMode: Indexed\n",
        &[("parallelism: 2", "parallelism: 100001")],
        "spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed",
    );
    let long = "n".repeat(60);
    assert_rejected(
        "  completionMode: Indexed\n",
        &[
            ("name: j", &format!("name: {long}")),
            ("completions: 4", "completions: 10000"),
        ],
        "metadata.name: Invalid value:",
    );
}

// §2.6 and §2.7: backoffLimitPerIndex and maxFailedIndexes.
#[test]
fn per_index_constraints() {
    assert_rejected(
        "  backoffLimitPerIndex: 1\n",
        &[],
        "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
    );
    assert_rejected(
        "  maxFailedIndexes: 1\n",
        &[],
        "spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode",
    );
    assert_rejected(
        "  completionMode: Indexed\n  maxFailedIndexes: 1\n",
        &[],
        "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
    );
    assert_rejected(
        "  completionMode: Indexed\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 5\n",
        &[],
        "spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions",
    );
    for f in ["backoffLimitPerIndex", "maxFailedIndexes"] {
        assert_rejected(
            &format!("  completionMode: Indexed\n  backoffLimitPerIndex: 1\n  {f}: -1\n").replace(
                "backoffLimitPerIndex: 1\n  backoffLimitPerIndex",
                "backoffLimitPerIndex",
            ),
            &[],
            &format!("spec.{f}: Invalid value: -1: must be greater than or equal to 0"),
        );
    }
    let big = [("completions: 4", "completions: 200000")];
    assert_rejected(
        "  completionMode: Indexed\n  backoffLimitPerIndex: 1\n",
        &big,
        "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000",
    );
    assert_rejected(
        "  completionMode: Indexed\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 20000\n",
        &big,
        "spec.maxFailedIndexes: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000",
    );
    assert_rejected(
        "  completionMode: Indexed\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 10\n",
        &[
            ("completions: 4", "completions: 200000"),
            ("parallelism: 2", "parallelism: 20000"),
        ],
        "spec.parallelism: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000",
    );
}

// §2.8: podFailurePolicy rules.
#[test]
fn pod_failure_policy_rules() {
    let rule = |r: &str| format!("  podFailurePolicy:\n    rules:\n{r}");
    assert_rejected(
        &rule(
            &"    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget}]\n".repeat(21),
        ),
        &[],
        "spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items",
    );
    assert_rejected(
        &rule("    - onPodConditions: [{type: DisruptionTarget}]\n"),
        &[],
        "spec.podFailurePolicy.rules[0].action: Required value",
    );
    assert_rejected(
        &rule("    - action: Panic\n      onPodConditions: [{type: DisruptionTarget}]\n"),
        &[],
        "spec.podFailurePolicy.rules[0].action: Unsupported value: \"Panic\"",
    );
    assert_rejected(
        &rule("    - action: FailIndex\n      onPodConditions: [{type: DisruptionTarget}]\n"),
        &[],
        "requires the backoffLimitPerIndex to be set",
    );
    assert_rejected(
        &rule(
            "    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget}]\n      onExitCodes: {operator: In, values: [1]}\n",
        ),
        &[],
        "specifying both OnExitCodes and OnPodConditions is not supported",
    );
    assert_rejected(
        &rule("    - action: Ignore\n"),
        &[],
        "specifying one of OnExitCodes and OnPodConditions is required",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onExitCodes: {operator: Above, values: [1]}\n"),
        &[],
        "onExitCodes.operator: Unsupported value: \"Above\": supported values: \"In\", \"NotIn\"",
    );
    assert_rejected(
        &rule(
            "    - action: Ignore\n      onExitCodes: {containerName: other, operator: In, values: [1]}\n",
        ),
        &[],
        "must be one of the container or initContainer names in the pod template",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onExitCodes: {operator: In, values: []}\n"),
        &[],
        "at least one value is required",
    );
    let many: Vec<String> = (1..=256).map(|i| i.to_string()).collect();
    assert_rejected(
        &rule(&format!(
            "    - action: Ignore\n      onExitCodes: {{operator: In, values: [{}]}}\n",
            many.join(", ")
        )),
        &[],
        "onExitCodes.values: Too many: 256: must have at most 255 items",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onExitCodes: {operator: In, values: [3, 2]}\n"),
        &[],
        "must be ordered",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onExitCodes: {operator: In, values: [2, 2]}\n"),
        &[],
        "values[1]: Duplicate value: 2",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onExitCodes: {operator: In, values: [0, 1]}\n"),
        &[],
        "must not be 0 for the In operator",
    );
    assert!(
        errors_with(
            &rule("    - action: Ignore\n      onExitCodes: {operator: NotIn, values: [0, 1]}\n"),
            &[]
        )
        .is_empty()
    );
    assert_rejected(
        &rule(&format!(
            "    - action: Ignore\n      onPodConditions: [{}]\n",
            vec!["{type: A}"; 21].join(", ")
        )),
        &[],
        "onPodConditions: Too many: 21: must have at most 20 items",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onPodConditions: [{type: \"-bad-\"}]\n"),
        &[],
        "onPodConditions[0].type: Invalid value: \"-bad-\"",
    );
    assert_rejected(
        &rule("    - action: Ignore\n      onPodConditions: [{type: Ready, status: Maybe}]\n"),
        &[],
        "onPodConditions[0].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\"",
    );
}

// §2.10: successPolicy.
#[test]
fn success_policy_rules() {
    let sp = |r: &str| format!("  completionMode: Indexed\n  successPolicy:\n    rules:\n{r}");
    assert_rejected(
        "  successPolicy:\n    rules:\n    - succeededCount: 1\n",
        &[],
        "spec.successPolicy: Invalid value: {...}: requires indexed completion mode",
    );
    assert_rejected(
        &sp("    []\n").replace("rules:\n    []", "rules: []"),
        &[],
        "at least one rules must be specified",
    );
    assert_rejected(
        &sp(&"    - succeededCount: 1\n".repeat(21)),
        &[],
        "spec.successPolicy.rules: Too many: 21: must have at most 20 items",
    );
    assert_rejected(
        &sp("    - {}\n"),
        &[],
        "at least one of succeededCount or succeededIndexes must be specified",
    );
    assert_rejected(
        &sp("    - succeededIndexes: \"0-9\"\n"),
        &[],
        "error parsing succeededIndexes",
    );
    assert_rejected(
        &sp("    - succeededCount: -1\n"),
        &[],
        "succeededCount: Invalid value: -1: must be greater than or equal to 0",
    );
    assert_rejected(
        &sp("    - succeededCount: 5\n"),
        &[],
        "must be less than or equal to 4 (the number of specified completions)",
    );
    assert_rejected(
        &sp("    - succeededIndexes: \"0\"\n      succeededCount: 2\n"),
        &[],
        "must be less than or equal to 1 (the number of indexes in the specified succeededIndexes field)",
    );
}

// §2.11: managedBy.
#[test]
fn managed_by() {
    assert_rejected(
        "  managedBy: nodomain\n",
        &[],
        "spec.managedBy: Invalid value: \"nodomain\"",
    );
    assert_rejected(
        &format!("  managedBy: example.com/{}\n", "x".repeat(60)),
        &[],
        "spec.managedBy: Too long",
    );
}

// §2.12: immutable fields can only change as upstream allows (scenario patches).
#[test]
fn patches_respect_immutability() {
    let scenario = |patch: &str, mode: &str| {
        format!(
            "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n  actions:\n  - {{at: 5s, job: j, patch: {patch}}}\n---\n{}",
            BASE.replace(
                "spec:\n  completions",
                &format!("spec:\n{mode}  completions")
            )
        )
    };
    let errs = |text: String| {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.yaml");
        std::fs::write(&p, text).unwrap();
        match load(&[p], &LoadOptions::default()) {
            Ok(_) => String::new(),
            Err(e) => e
                .diagnostics
                .errors()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    };
    assert!(
        errs(scenario("{completions: 6}", ""))
            .contains("completions can only be modified in tandem with spec.parallelism")
    );
    assert!(
        errs(scenario(
            "{completions: 6, parallelism: 5}",
            "  completionMode: Indexed\n"
        ))
        .contains("in tandem")
    );
    assert!(
        errs(scenario(
            "{completions: 6, parallelism: 6}",
            "  completionMode: Indexed\n"
        ))
        .is_empty()
    );
    assert!(errs(scenario("{parallelism: -2}", "")).contains("must be greater than or equal to 0"));
}

// Template rules the API server applies to every pod template.
#[test]
fn pod_template_rules() {
    assert_rejected(
        "",
        &[("      - name: main\n        image: busybox:1\n", "")],
        "spec.template.spec.containers: Required value",
    );
    assert_rejected(
        "",
        &[("image: busybox:1", "image: \"\"")],
        "spec.template.spec.containers[0].image: Required value",
    );
    assert_rejected(
        "",
        &[("name: main", "name: Main")],
        "spec.template.spec.containers[0].name: Invalid value: \"Main\"",
    );
    assert_rejected(
        "",
        &[(
            "image: busybox:1\n",
            "image: busybox:1\n        resources:\n          requests: {cpu: \"2\"}\n          limits: {cpu: \"1\"}\n",
        )],
        "must be less than or equal to cpu limit of 1",
    );
    assert_rejected(
        "",
        &[(
            "image: busybox:1\n",
            "image: busybox:1\n        resources:\n          requests: {memory: 1Qi}\n",
        )],
        "requests[memory]: Invalid value: \"1Qi\"",
    );
    assert_rejected(
        "",
        &[(
            "image: busybox:1\n",
            "image: busybox:1\n        resources:\n          requests: {cpu: \"-1\"}\n",
        )],
        "requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
    );
    assert_rejected(
        "",
        &[("name: j", "name: J_bad")],
        "metadata.name: Invalid value: \"J_bad\"",
    );
}

/// The errors of a scenario with `scenario_spec` lines under `spec:` and BASE as its Job.
fn scenario_errors(scenario_spec: &str) -> Vec<String> {
    crate::common::load_errors(&format!(
        "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n{scenario_spec}\n---\n{BASE}"
    ))
}

#[test]
fn cluster_and_failure_settings_are_checked() {
    assert_eq!(
        scenario_errors(
            "  defaults:\n    pods:\n      failure: {probability: 0.1, exitCode: 2, exitCodes: [{exitCode: 3, weight: 1}]}"
        ),
        vec!["spec.defaults.pods.failure.exitCodes: give either exitCode or exitCodes, not both"]
    );
    assert_eq!(
        scenario_errors("  cluster:\n    autoscaler: {maxEmptyBulkDelete: 0}"),
        vec!["spec.cluster.autoscaler.maxEmptyBulkDelete: Invalid value: 0: must be at least 1"]
    );
    assert_eq!(
        scenario_errors(
            "  cluster:\n    nodePools:\n    - {name: p, count: 5, allocatable: {cpu: 4, memory: 8Gi}, autoscaling: {minNodes: 1, maxNodes: 3}}"
        ),
        vec![
            "spec.cluster.nodePools[0].count: count (5) must be between minNodes (1) and maxNodes (3)"
        ]
    );
    assert_eq!(
        scenario_errors("  cluster:\n    outages: [{node: nope-0, at: 1m}]"),
        vec![
            "spec.cluster.outages[0].node: no node \"nope-0\" at the start of the run (nodes are named <pool>-<n>, e.g. worker-0)"
        ]
    );
    assert_eq!(
        scenario_errors("  controlPlane:\n    controllerManager: {kubeApiQps: 0}"),
        vec![
            "spec.controlPlane.controllerManager.kubeApiQps: Invalid value: 0: must be a positive number"
        ]
    );
    assert_eq!(
        scenario_errors("  profile: fast"),
        vec![
            "spec.profile: Unsupported value: \"fast\": supported values: \"ideal\", \"realistic\""
        ]
    );
}

/// `load_from_memory` reads the same inputs as `load` without the file system: a listed
/// manifest is found among the given texts, and one that is not given is missing.
#[test]
fn inputs_load_from_memory() {
    use jobsim::input::load::load_from_memory;
    use std::path::PathBuf;
    let scenario =
        "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n  manifests: [jobs/j.yaml]\n";
    let inputs = [PathBuf::from("s/scenario.yaml")];
    let files = vec![
        (inputs[0].clone(), scenario.to_string()),
        (PathBuf::from("s/jobs/j.yaml"), BASE.to_string()),
    ];
    let loaded = load_from_memory(&inputs, &files, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.config.jobs.len(), 1);
    assert!(loaded.has_scenario);
    let err = load_from_memory(&inputs, &files[..1], &LoadOptions::default())
        .err()
        .expect("the listed manifest is missing");
    let messages: Vec<String> = err.diagnostics.errors().map(|d| d.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m
                .contains("s/scenario.yaml:4:15: s/jobs/j.yaml: cannot read file: no such file")),
        "{messages:?}"
    );
}
