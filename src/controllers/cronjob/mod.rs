//! The CronJob controller's schedule arithmetic (`pkg/controller/cronjob/utils.go` and
//! robfig/cron v3): when a CronJob's next run is due, in its time zone.

pub mod schedule;
