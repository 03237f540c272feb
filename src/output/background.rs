//! `pods.csv` and `events.csv` formatted and written on a thread of their own.
//!
//! Formatting W1's 840,000 rows and handing 77 MB to the kernel costs more than simulating
//! W1. [`BackgroundRecordWriter`] is the observer the run loop sees: it moves each event's
//! records into a batch (ids and small values, 88 bytes each, no strings in the common
//! ones) and sends full batches over a bounded channel to a thread that owns the
//! [`RecordWriter`]. The rows are formatted by the same code in the same order, so the
//! files are byte for byte those of [`RecordWriter`] on the simulation's thread.
//!
//! Names: the writer thread cannot read the world, so each batch carries the names the
//! world added since the previous batch ([`NamesSent::news`]), and the thread keeps them
//! in a [`NameTable`]. The channel holds at most `IN_FLIGHT` batches: a writer that
//! falls behind (a slow disk) makes the simulation wait instead of letting memory grow.
//!
//! Errors: a write that fails ends the thread with its error; the next batch sent (or
//! [`BackgroundRecordWriter::finish`]) returns that error to the run. A panic on the
//! thread is a bug and is resumed on the simulation's thread.

use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::sim::records::{EventRecord, PodRecord, Record};
use crate::sim::{Observer, World};

use super::names::{NameTable, NamesSent};
use super::records::RecordWriter;

/// Records per batch: large enough that the channel (and waking the thread) costs
/// nothing per record, small enough that the batches alive at once (filling, queued,
/// being written, handed back) stay under a MiB.
const BATCH: usize = 2048;
/// Batches queued for the writer thread before the simulation waits.
const IN_FLIGHT: usize = 2;

/// Records, and the names they need that the thread does not have yet.
struct Batch {
    names: NameTable,
    items: Vec<Record>,
}

/// An observer that writes `pods.csv` and `events.csv` on a thread of its own.
pub struct BackgroundRecordWriter<W: Write + Send + 'static> {
    items: Vec<Record>,
    sent: NamesSent,
    to_writer: Option<SyncSender<Batch>>,
    /// Emptied batches coming back, so that their memory is reused.
    spare: Receiver<Vec<Record>>,
    writer: Option<JoinHandle<io::Result<RecordWriter<W>>>>,
}

impl<W: Write + Send + 'static> BackgroundRecordWriter<W> {
    /// Starts the writer thread, which takes `inner` over.
    pub fn spawn(inner: RecordWriter<W>) -> io::Result<BackgroundRecordWriter<W>> {
        let (to_writer, batches) = mpsc::sync_channel::<Batch>(IN_FLIGHT);
        let (give_back, spare) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("jobsim-records".to_string())
            .spawn(move || write_batches(inner, batches, give_back))?;
        Ok(BackgroundRecordWriter {
            items: Vec::with_capacity(BATCH),
            sent: NamesSent::default(),
            to_writer: Some(to_writer),
            spare,
            writer: Some(writer),
        })
    }

    fn send_if_full(&mut self, world: &World) -> io::Result<()> {
        if self.items.len() >= BATCH {
            let fresh = self.spare();
            let full = std::mem::replace(&mut self.items, fresh);
            self.send(world, full)?;
        }
        Ok(())
    }

    /// An empty vector with room for a batch: one the thread gave back, or a new one.
    fn spare(&self) -> Vec<Record> {
        self.spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH))
    }

    /// Sends `items`, with the names the world added since the last batch.
    fn send(&mut self, world: &World, items: Vec<Record>) -> io::Result<()> {
        let batch = Batch {
            names: self.sent.news(world),
            items,
        };
        let sent = match &self.to_writer {
            Some(to_writer) => to_writer.send(batch).is_ok(),
            None => false,
        };
        if sent { Ok(()) } else { Err(self.stopped()) }
    }

    /// Why the writer thread stopped before it was asked to (it failed to write).
    fn stopped(&mut self) -> io::Error {
        self.to_writer = None;
        match self.join() {
            Some(Err(e)) => e,
            Some(Ok(_)) | None => io::Error::other("the writer of pods.csv and events.csv stopped"),
        }
    }

    /// Waits for the writer thread; `None` if it was joined before.
    fn join(&mut self) -> Option<io::Result<RecordWriter<W>>> {
        let handle = self.writer.take()?;
        match handle.join() {
            Ok(result) => Some(result),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Writes what is left, waits for the thread and returns the flushed writers, as
    /// [`RecordWriter::finish`].
    pub fn finish(mut self, world: &World) -> io::Result<(Option<W>, Option<W>)> {
        let rest = std::mem::take(&mut self.items);
        self.send(world, rest)?;
        self.to_writer = None;
        match self.join() {
            Some(result) => result?.finish(),
            None => Err(self.stopped()),
        }
    }
}

/// The writer thread: formats every batch, in the order sent, until the channel closes.
fn write_batches<W: Write>(
    mut inner: RecordWriter<W>,
    batches: Receiver<Batch>,
    give_back: mpsc::Sender<Vec<Record>>,
) -> io::Result<RecordWriter<W>> {
    let mut names = NameTable::default();
    for batch in batches {
        names.append(batch.names);
        let mut items = batch.items;
        for item in &items {
            match item {
                Record::Event(e) => inner.write_event(&names, e)?,
                Record::Pod(p) => inner.write_pod(&names, p)?,
            }
        }
        items.clear();
        // The simulation may have finished and stopped taking batches back.
        let _ = give_back.send(items);
    }
    Ok(inner)
}

impl<W: Write + Send + 'static> Observer for BackgroundRecordWriter<W> {
    fn event(&mut self, world: &World, event: &EventRecord) -> io::Result<()> {
        self.items.push(Record::Event(event.clone()));
        self.send_if_full(world)
    }

    fn pod(&mut self, world: &World, pod: &PodRecord) -> io::Result<()> {
        self.items.push(Record::Pod(pod.clone()));
        self.send_if_full(world)
    }

    /// The world's records become the batch when they fill one (they wait for
    /// [`Observer::records_batch`]); otherwise they move into it. Nothing is copied twice.
    fn records(&mut self, world: &World, records: &mut Vec<Record>) -> io::Result<()> {
        if self.items.is_empty() && records.len() >= BATCH {
            let full = std::mem::replace(records, self.spare());
            return self.send(world, full);
        }
        self.items.append(records);
        self.send_if_full(world)
    }

    fn records_batch(&self) -> usize {
        BATCH
    }
}

impl<W: Write + Send + 'static> Drop for BackgroundRecordWriter<W> {
    /// A run that stops early (an error, Ctrl-C) drops the writer unfinished: the thread
    /// writes what it was sent and ends before the output folder is cleaned up.
    fn drop(&mut self) {
        self.to_writer = None;
        if let Some(handle) = self.writer.take() {
            // Its result is not wanted; a panic was already reported on its thread.
            let _ = handle.join();
        }
    }
}
