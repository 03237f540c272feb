//! v1 ResourceQuota manifests → the quotas the API server enforces in the simulation.
//!
//! jobsim models `pods` / `count/pods`, `requests.cpu` / `cpu`, `requests.memory` / `memory`,
//! `limits.memory`, `requests.<extended resource>` and `count/jobs.batch`; other keys, scopes
//! and scope selectors are reported as warnings and ignored.

use k8s_openapi::api::core::v1 as core;

use super::diagnostics::Diagnostics;
use super::yaml::{Doc, join};
use crate::api::quantity::Quantity;
use crate::api::quota::{QuotaResource, ResourceQuota};

/// Reads one ResourceQuota; `None` (with diagnostics) when it is invalid.
pub fn import_resource_quota(
    doc: &Doc,
    prefix: &str,
    diags: &mut Diagnostics,
) -> Option<ResourceQuota> {
    let at = |p: &str| join(prefix, p);
    let api_version = if prefix.is_empty() {
        doc.value.get("apiVersion").and_then(|v| v.as_str())
    } else {
        super::yaml::lookup(&doc.value, &at("apiVersion")).and_then(|v| v.as_str())
    }
    .map(str::to_string);
    if api_version.as_deref() != Some("v1") {
        diags.push(doc.diagnostic(
            &at("apiVersion"),
            format!(
                "unsupported apiVersion {:?} for kind ResourceQuota: expected \"v1\"",
                api_version.unwrap_or_default()
            ),
        ));
        return None;
    }
    let q: core::ResourceQuota = match doc.typed(prefix) {
        Ok((q, w)) => {
            diags.extend(w);
            q
        }
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let before = diags.items.len();
    let name = q.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        diags.push(doc.diagnostic(&at("metadata.name"), "Required value: name is required"));
    }
    let namespace = q
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let spec = q.spec.unwrap_or_default();
    if spec.scopes.as_ref().is_some_and(|s| !s.is_empty()) || spec.scope_selector.is_some() {
        diags.push(
            doc.diagnostic(
                &at("spec.scopes"),
                "quota scopes are not modelled: the quota applies to every pod of the namespace",
            )
            .as_warning(),
        );
    }
    let mut hard = Vec::new();
    for (key, value) in spec.hard.unwrap_or_default() {
        // Keys hold dots (`requests.cpu`): positions point at the map, messages name the key.
        let path = at("spec.hard");
        let Some(resource) = QuotaResource::parse(&key) else {
            diags.push(
                doc.diagnostic(
                    &path,
                    format!("quota resource {key:?} is not modelled and is ignored (jobsim enforces pods, requests.cpu, requests.memory, limits.memory, requests.<extended>, count/jobs.batch)"),
                )
                .as_warning(),
            );
            continue;
        };
        let amount = Quantity::parse(&value.0).and_then(|q| match resource {
            QuotaResource::RequestsCpu => q.milli_value(),
            _ => q.value(),
        });
        match amount {
            Ok(a) if a >= 0 => hard.push((resource, a)),
            Ok(a) => diags.push(doc.diagnostic(
                &path,
                format!(
                    "{key}: Invalid value: \"{}\": must be greater than or equal to 0 ({a})",
                    value.0
                ),
            )),
            Err(e) => diags
                .push(doc.diagnostic(&path, format!("{key}: Invalid value: \"{}\": {e}", value.0))),
        }
    }
    if diags.items[before..].iter().any(|d| d.is_error()) {
        return None;
    }
    Some(ResourceQuota::new(namespace, name, hard))
}
