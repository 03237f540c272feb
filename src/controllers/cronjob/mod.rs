//! The CronJob controller (`pkg/controller/cronjob/`): its schedule arithmetic (`utils.go`
//! and robfig/cron v3) and its reconcile step (`cronjob_controllerv2.go`).

#[cfg(test)]
mod conformance;
pub mod controller;
pub mod schedule;
