//! `pods.csv` and `events.csv`, written row by row as the run goes, so memory does not grow
//! with the number of pods that have finished.
//!
//! `pods.csv` columns: job, namespace, pod, index, ordinal, attempt, node, created,
//! scheduled, started, finished, deleted, phase, exitCode, reason, restarts.
//! `events.csv` columns: time, namespace, object, type, reason, message.
//! Times are simulated seconds with three decimals; an empty cell means "never".

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::api::names::{RANDOM_LENGTH, pod_name, pod_name_into};
use crate::api::pod::NO_INDEX;
use crate::engine::time::SimTime;
use crate::sim::records::{EventKind, EventRecord, ObjectRef, PodName, PodRecord};
use crate::sim::{Observer, World};

use super::names::NameSource;

pub const POD_COLUMNS: [&str; 16] = [
    "job",
    "namespace",
    "pod",
    "index",
    "ordinal",
    "attempt",
    "node",
    "created",
    "scheduled",
    "started",
    "finished",
    "deleted",
    "phase",
    "exitCode",
    "reason",
    "restarts",
];

pub const EVENT_COLUMNS: [&str; 6] = ["time", "namespace", "object", "type", "reason", "message"];

/// Bytes of rows collected before they go to the file (a W1 run writes 800,000 rows).
const FLUSH_AT: usize = 256 * 1024;

/// Writes pod and event rows to two CSV streams (either may be off).
pub struct RecordWriter<W: Write> {
    pods: Option<CsvFile<W>>,
    events: Option<CsvFile<W>>,
    pub pods_written: u64,
    pub events_written: u64,
    /// The text of a name or message, reused for every row: writing a row allocates
    /// nothing.
    text: String,
}

/// A CSV file and its rows not yet written: rows are formatted straight into the buffer
/// that goes to the file.
struct CsvFile<W: Write> {
    out: W,
    rows: Row,
}

impl<W: Write> CsvFile<W> {
    fn new(out: W, columns: &[&str]) -> CsvFile<W> {
        let mut rows = Row {
            buf: String::with_capacity(FLUSH_AT + 4096),
            fields: 0,
        };
        for c in columns {
            rows.text(c);
        }
        rows.end();
        CsvFile { out, rows }
    }

    /// Ends the row being written; writes the buffer out once it is full.
    fn end_row(&mut self) -> io::Result<()> {
        self.rows.end();
        if self.rows.buf.len() >= FLUSH_AT {
            self.out.write_all(self.rows.buf.as_bytes())?;
            self.rows.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        self.out.write_all(self.rows.buf.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> RecordWriter<W> {
    pub fn new(pods: Option<W>, events: Option<W>) -> io::Result<RecordWriter<W>> {
        Ok(RecordWriter {
            pods: pods.map(|w| CsvFile::new(w, &POD_COLUMNS)),
            events: events.map(|w| CsvFile::new(w, &EVENT_COLUMNS)),
            pods_written: 0,
            events_written: 0,
            text: String::new(),
        })
    }

    /// Flushes and returns the underlying writers.
    pub fn finish(self) -> io::Result<(Option<W>, Option<W>)> {
        Ok((
            self.pods.map(CsvFile::finish).transpose()?,
            self.events.map(CsvFile::finish).transpose()?,
        ))
    }
}

/// CSV rows, written as the `csv` crate writes them (RFC 4180, `QuoteStyle::Necessary`): a
/// field is quoted when it holds a comma, a double quote, CR or LF, and a double quote in
/// it is doubled. Text is tested before it is copied in, eight bytes at a time
/// ([`needs_quotes`]); numbers are formatted without `core::fmt`.
struct Row {
    buf: String,
    fields: usize,
}

impl Row {
    #[inline]
    fn separate(&mut self) {
        if self.fields > 0 {
            self.buf.push(',');
        }
        self.fields += 1;
    }

    /// A text field.
    fn text(&mut self, s: &str) {
        self.separate();
        if needs_quotes(s.as_bytes()) {
            self.quoted(s);
        } else {
            self.buf.push_str(s);
        }
    }

    /// `s` in double quotes, its double quotes doubled (rare: messages that hold a comma).
    #[cold]
    fn quoted(&mut self, s: &str) {
        self.buf.push('"');
        self.buf.push_str(&s.replace('"', "\"\""));
        self.buf.push('"');
    }

    /// A text field of a fixed prefix and a name ("Job/pi").
    fn prefixed(&mut self, prefix: &'static str, name: &str) {
        debug_assert!(!needs_quotes(prefix.as_bytes()));
        if needs_quotes(name.as_bytes()) {
            self.text(&format!("{prefix}{name}"));
        } else {
            self.separate();
            self.buf.push_str(prefix);
            self.buf.push_str(name);
        }
    }

    /// A pod's name after `prefix` ("Pod/" or nothing). It is made of its Job's name (cut
    /// if long), the index and five alphanumerics, so it needs quotes only if the Job's
    /// name does; it is then formatted straight into the row.
    fn pod_name(
        &mut self,
        prefix: &'static str,
        job_name: &str,
        index: Option<u32>,
        suffix: &[u8; RANDOM_LENGTH],
    ) {
        debug_assert!(!needs_quotes(prefix.as_bytes()));
        if needs_quotes(job_name.as_bytes()) {
            let mut name = prefix.to_string();
            pod_name_into(&mut name, job_name, index, suffix);
            self.text(&name);
        } else {
            self.separate();
            self.buf.push_str(prefix);
            pod_name_into(&mut self.buf, job_name, index, suffix);
        }
    }

    /// A field from the model's own fixed words (phases, reasons, event types), none of
    /// which needs quotes.
    fn word(&mut self, s: &'static str) {
        debug_assert!(!needs_quotes(s.as_bytes()), "{s:?} needs quotes");
        self.separate();
        self.buf.push_str(s);
    }

    /// An empty field ("never", "none").
    fn empty(&mut self) {
        self.separate();
    }

    fn int(&mut self, v: impl itoa::Integer) {
        self.separate();
        self.buf.push_str(itoa::Buffer::new().format(v));
    }

    fn opt_int(&mut self, v: Option<impl itoa::Integer>) {
        match v {
            Some(v) => self.int(v),
            None => self.empty(),
        }
    }

    /// Seconds with three decimals, as `SimTime`'s `Display` writes them.
    fn time(&mut self, t: SimTime) {
        self.separate();
        let ms = t.as_millis();
        self.buf.push_str(itoa::Buffer::new().format(ms / 1000));
        let frac = ms % 1000;
        self.buf.push('.');
        for digit in [frac / 100, frac / 10 % 10, frac % 10] {
            self.buf.push(char::from(b'0' + digit as u8));
        }
    }

    fn opt_time(&mut self, t: Option<SimTime>) {
        match t {
            Some(t) => self.time(t),
            None => self.empty(),
        }
    }

    /// Ends the row with the line terminator.
    fn end(&mut self) {
        self.buf.push('\n');
        self.fields = 0;
    }
}

/// Whether `text` holds a byte that CSV quotes for. Eight bytes are tested at once, the
/// last word overlapping the one before (fields are 5 to 60 bytes long, and a byte-by-byte
/// scan was a tenth of the writer's time). Text is tested where it was read from rather
/// than after it was copied into the row: a load of bytes just stored by several smaller
/// stores waits for them.
fn needs_quotes(text: &[u8]) -> bool {
    if text.len() < 8 {
        return text
            .iter()
            .any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'));
    }
    let word = |w: &[u8]| special_bytes(u64::from_le_bytes(w.try_into().expect("8 bytes"))) != 0;
    let mut words = text.chunks_exact(8);
    words.any(word) || (!words.remainder().is_empty() && word(&text[text.len() - 8..]))
}

/// The high bit of each byte of `x` that is `,`, `"`, CR or LF.
fn special_bytes(x: u64) -> u64 {
    const fn splat(c: u8) -> u64 {
        u64::from_le_bytes([c; 8])
    }
    zero_bytes(x ^ splat(b','))
        | zero_bytes(x ^ splat(b'"'))
        | zero_bytes(x ^ splat(b'\r'))
        | zero_bytes(x ^ splat(b'\n'))
}

/// The high bit of each zero byte of `x`, exactly (no carry crosses from one byte into the
/// next).
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The full name of a pod.
pub fn full_pod_name<N: NameSource + ?Sized>(names: &N, name: &PodName) -> String {
    pod_name(
        names.job(name.job).name,
        (name.index != NO_INDEX).then_some(name.index),
        &name.suffix,
    )
}

/// `(type, reason, message)` of an event, as Kubernetes components word them.
pub fn describe<N: NameSource + ?Sized>(
    names: &N,
    e: &EventRecord,
) -> (&'static str, String, String) {
    let mut message = String::new();
    let (kind, reason) = describe_into(names, e, &mut message);
    (kind, reason.to_string(), message)
}

/// `(type, reason)` of an event, as Kubernetes components word them; the message is
/// appended to `m`.
pub fn describe_into<'a, N: NameSource + ?Sized>(
    names: &'a N,
    e: &'a EventRecord,
    m: &mut String,
) -> (&'static str, &'a str) {
    let container = |names: &'a N| -> &'a str {
        match e.object {
            ObjectRef::Pod(p) => names.job(p.job).container,
            _ => "",
        }
    };
    let push_pod = |m: &mut String, p: &PodName| {
        pod_name_into(
            m,
            names.job(p.job).name,
            (p.index != NO_INDEX).then_some(p.index),
            &p.suffix,
        );
    };
    let node_name = |object: ObjectRef| match object {
        ObjectRef::Node(n) => names.node(n),
        _ => "",
    };
    match &e.kind {
        EventKind::SuccessfulCreate(p) => {
            m.push_str("Created pod: ");
            push_pod(m, p);
            ("Normal", "SuccessfulCreate")
        }
        EventKind::SuccessfulDelete(p) => {
            m.push_str("Deleted pod: ");
            push_pod(m, p);
            ("Normal", "SuccessfulDelete")
        }
        EventKind::FailedCreate(message) => {
            m.push_str("Error creating: ");
            m.push_str(message);
            ("Warning", "FailedCreate")
        }
        EventKind::Completed => {
            m.push_str("Job completed");
            ("Normal", "Completed")
        }
        EventKind::JobFailed { reason, message } => {
            m.push_str(message);
            ("Warning", reason.as_str())
        }
        EventKind::TooManySucceededPods => {
            m.push_str("Too many succeeded pods running after completion count reached");
            ("Warning", "TooManySucceededPods")
        }
        EventKind::Suspended => {
            m.push_str("Job suspended");
            ("Normal", "Suspended")
        }
        EventKind::Resumed => {
            m.push_str("Job resumed");
            ("Normal", "Resumed")
        }
        EventKind::JobDeleted => {
            m.push_str("Job deleted by the TTL-after-finished controller");
            ("Normal", "Deleted")
        }
        EventKind::Scheduled(node) => {
            if let ObjectRef::Pod(p) = e.object {
                m.push_str("Successfully assigned ");
                m.push_str(names.job(p.job).namespace);
                m.push('/');
                push_pod(m, &p);
                m.push_str(" to ");
                m.push_str(names.node(*node));
            }
            ("Normal", "Scheduled")
        }
        EventKind::FailedScheduling(msg) => {
            m.push_str(msg);
            ("Warning", "FailedScheduling")
        }
        EventKind::Started => {
            m.push_str("Started container ");
            m.push_str(container(names));
            ("Normal", "Started")
        }
        EventKind::Killing => {
            m.push_str("Stopping container ");
            m.push_str(container(names));
            ("Normal", "Killing")
        }
        EventKind::BackOff => {
            m.push_str("Back-off restarting failed container ");
            m.push_str(container(names));
            m.push_str(" in pod ");
            if let ObjectRef::Pod(p) = e.object {
                push_pod(m, &p);
            }
            ("Warning", "BackOff")
        }
        EventKind::Pulling { image } => {
            let _ = write!(m, "Pulling image \"{}\"", names.image(*image));
            ("Normal", "Pulling")
        }
        EventKind::Pulled { image, took, total } => {
            let _ = write!(
                m,
                "Successfully pulled image \"{}\" in {} ({} including waiting)",
                names.image(*image),
                took.as_go_string(),
                total.as_go_string()
            );
            ("Normal", "Pulled")
        }
        EventKind::AlreadyPresent { image } => {
            let _ = write!(
                m,
                "Container image \"{}\" already present on machine",
                names.image(*image)
            );
            ("Normal", "Pulled")
        }
        EventKind::NodeNotReady => {
            let _ = write!(
                m,
                "Node {} status is now: NodeNotReady",
                node_name(e.object)
            );
            ("Normal", "NodeNotReady")
        }
        EventKind::NodeReady => {
            let _ = write!(m, "Node {} status is now: NodeReady", node_name(e.object));
            ("Normal", "NodeReady")
        }
        EventKind::NodeFailure => {
            let _ = write!(m, "Node {} stopped (injected failure)", node_name(e.object));
            ("Warning", "NodeFailure")
        }
        EventKind::TriggeredScaleUp {
            pool,
            from,
            to,
            max,
        } => {
            let _ = write!(
                m,
                "pod triggered scale-up: [{{{} {from}->{to} (max: {max})}}]",
                names.pool(*pool)
            );
            ("Normal", "TriggeredScaleUp")
        }
        EventKind::CronJob {
            warning,
            reason,
            message,
        } => {
            m.push_str(message);
            (if *warning { "Warning" } else { "Normal" }, reason)
        }
        EventKind::NotTriggerScaleUp(why) => {
            let _ = write!(m, "pod didn't trigger scale-up: {why}");
            ("Normal", "NotTriggerScaleUp")
        }
        EventKind::RegisteredNode => {
            let name = node_name(e.object);
            let _ = write!(m, "Node {name} event: Registered Node {name} in Controller");
            ("Normal", "RegisteredNode")
        }
        EventKind::ScaleDown => {
            let _ = write!(m, "Scale-down: removing node {}", node_name(e.object));
            ("Normal", "ScaleDown")
        }
        EventKind::Preempted { by, node } => {
            let _ = write!(m, "Preempted by {}/", names.job(by.job).namespace);
            push_pod(m, by);
            let _ = write!(m, " on node {}", names.node(*node));
            ("Normal", "Preempted")
        }
        EventKind::Evicted(resource) => {
            let _ = write!(m, "The node was low on resource: {resource}.");
            ("Warning", "Evicted")
        }
        EventKind::TaintManagerEviction => {
            m.push_str("Marking for deletion Pod ");
            if let ObjectRef::Pod(p) = e.object {
                m.push_str(names.job(p.job).namespace);
                m.push('/');
                push_pod(m, &p);
            }
            ("Normal", "TaintManagerEviction")
        }
        EventKind::Disrupted(reason) => {
            m.push_str("Pod has DisruptionTarget condition: ");
            m.push_str(reason.as_str());
            ("Warning", "DisruptionTarget")
        }
    }
}

impl<W: Write> RecordWriter<W> {
    /// Writes one row of events.csv (if it is written), resolving ids with `names`.
    pub fn write_event<N: NameSource + ?Sized>(
        &mut self,
        names: &N,
        e: &EventRecord,
    ) -> io::Result<()> {
        let Some(out) = &mut self.events else {
            return Ok(());
        };
        let (row, text) = (&mut out.rows, &mut self.text);
        // The message first: by the time it is tested for quotes and copied, the stores
        // that wrote it are done.
        text.clear();
        let (kind, reason) = describe_into(names, e, text);
        row.time(e.time);
        let namespace = match e.object {
            ObjectRef::Job(j) => names.job(j).namespace,
            ObjectRef::Pod(p) => names.job(p.job).namespace,
            ObjectRef::Node(_) => "",
            ObjectRef::CronJob(c) => names.cronjob(c).1,
        };
        row.text(namespace);
        match e.object {
            ObjectRef::Job(j) => row.prefixed("Job/", names.job(j).name),
            ObjectRef::Pod(p) => {
                let index = (p.index != NO_INDEX).then_some(p.index);
                row.pod_name("Pod/", names.job(p.job).name, index, &p.suffix);
            }
            ObjectRef::Node(n) => row.prefixed("Node/", names.node(n)),
            ObjectRef::CronJob(c) => row.prefixed("CronJob/", names.cronjob(c).0),
        }
        row.word(kind);
        row.text(reason);
        row.text(text);
        out.end_row()?;
        self.events_written += 1;
        Ok(())
    }

    /// Writes one row of pods.csv (if it is written), resolving ids with `names`.
    pub fn write_pod<N: NameSource + ?Sized>(
        &mut self,
        names: &N,
        p: &PodRecord,
    ) -> io::Result<()> {
        let Some(out) = &mut self.pods else {
            return Ok(());
        };
        let row = &mut out.rows;
        let job = names.job(p.name.job);
        let node = p.node.map_or("", |n| names.node(n));
        let reason = match (p.disruption, p.reason) {
            (Some(d), _) => d.as_str(),
            (None, Some(r)) => r.as_str(),
            (None, None) => "",
        };
        let index = (p.name.index != NO_INDEX).then_some(p.name.index);
        row.text(job.name);
        row.text(job.namespace);
        row.pod_name("", job.name, index, &p.name.suffix);
        row.opt_int(index);
        row.int(p.ordinal);
        row.int(p.attempt);
        row.text(node);
        row.time(p.created);
        row.opt_time(p.scheduled);
        row.opt_time(p.started);
        row.opt_time(p.finished);
        row.opt_time(p.deleted);
        row.word(p.phase.as_str());
        row.opt_int(p.exit_code);
        row.word(reason);
        row.int(p.restarts);
        out.end_row()?;
        self.pods_written += 1;
        Ok(())
    }
}

impl<W: Write> Observer for RecordWriter<W> {
    fn event(&mut self, world: &World, e: &EventRecord) -> io::Result<()> {
        self.write_event(world, e)
    }

    fn pod(&mut self, world: &World, p: &PodRecord) -> io::Result<()> {
        self.write_pod(world, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows come out byte for byte as the `csv` crate writes them (which readers of the
    /// files, and the earlier outputs, rely on).
    #[test]
    fn rows_match_the_csv_crate() {
        let fields = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "cr\r",
            "0/3 nodes are available: 3 Insufficient cpu.",
            "\"",
            " spaced ",
            "ünïcode",
        ];
        let mut ours = Row {
            buf: String::new(),
            fields: 0,
        };
        let mut theirs = csv::Writer::from_writer(Vec::new());
        for f in fields {
            ours.text(f);
            theirs.write_field(f).unwrap();
        }
        ours.time(SimTime::from_millis(3_600_007));
        theirs.write_field("3600.007").unwrap();
        ours.opt_time(None);
        theirs.write_field("").unwrap();
        ours.int(-42i32);
        theirs.write_field("-42").unwrap();
        ours.opt_int(Some(u32::MAX));
        theirs.write_field(u32::MAX.to_string()).unwrap();
        ours.end();
        theirs.write_record(None::<&[u8]>).unwrap();
        assert_eq!(
            ours.buf,
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }

    #[test]
    fn times_keep_three_decimals() {
        let mut row = Row {
            buf: String::new(),
            fields: 0,
        };
        for ms in [0u64, 5, 50, 999, 1000, 86_400_123] {
            row.time(SimTime::from_millis(ms));
        }
        assert_eq!(row.buf, "0.000,0.005,0.050,0.999,1.000,86400.123");
    }

    /// The word-at-a-time test agrees with a byte-by-byte one for every length and
    /// position of the special byte.
    #[test]
    fn quoting_is_decided_as_byte_by_byte() {
        let slow = |b: &[u8]| b.iter().any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'));
        for len in 0..40 {
            for special in [None, Some(b','), Some(b'"'), Some(b'\r'), Some(b'\n')] {
                let positions: Vec<Option<usize>> = match special {
                    None => vec![None],
                    Some(_) => (0..len).map(Some).collect(),
                };
                for at in positions {
                    // Bytes next to the special ones in value, and bytes of UTF-8 sequences.
                    let mut text: Vec<u8> = (0..len)
                        .map(|i| [b'a', b'+', b'-', 0x0b, 0x2d, 0xc3, b'.', b' '][i % 8])
                        .collect();
                    if let (Some(c), Some(at)) = (special, at) {
                        text[at] = c;
                    }
                    assert_eq!(needs_quotes(&text), slow(&text), "{text:?}");
                }
            }
        }
    }

    /// Names built into a field are quoted as the whole field would be.
    #[test]
    fn names_in_fields_are_quoted_as_text() {
        let mut row = Row {
            buf: String::new(),
            fields: 0,
        };
        row.prefixed("Job/", "pi");
        row.prefixed("Node/", "a,b");
        row.pod_name("Pod/", "sim", Some(3), b"x2z4q");
        row.pod_name("", "say \"hi\"", None, b"x2z4q");
        assert_eq!(
            row.buf,
            "Job/pi,\"Node/a,b\",Pod/sim-3-x2z4q,\"say \"\"hi\"\"-x2z4q\""
        );
    }
}
