//! [`SpillStore`]: bounded-memory staging of records that must be regrouped before use
//! (event lines by conversation, ledger entries by customer).
//!
//! Records go to one of [`PARTITIONS`] partitions chosen by the caller from a stable hash.
//! Buffers stay in memory until their total passes the limit; then every partition is
//! appended to its own temporary file. Reading back is one partition at a time, so the
//! memory needed afterwards is about one partition (total / 64), or less for a caller
//! that streams a partition ([`PartitionData::stream`]) in several passes. Record framing
//! is the caller's: the store only concatenates bytes.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::Error;

/// Number of partitions.
pub const PARTITIONS: usize = 64;

#[derive(Default)]
struct Partition {
    buf: Vec<u8>,
    file: Option<BufWriter<File>>,
}

/// Byte records in [`PARTITIONS`] partitions, kept in memory up to a limit and then
/// appended to one temporary file per partition.
pub struct SpillStore {
    parts: Vec<Mutex<Partition>>,
    buffered: AtomicUsize,
    limit: usize,
    spill_lock: Mutex<()>,
    spilled_bytes: AtomicUsize,
}

impl SpillStore {
    /// A store that spills to temporary files past `limit` buffered bytes.
    pub fn new(limit: usize) -> SpillStore {
        SpillStore {
            parts: (0..PARTITIONS).map(|_| Mutex::default()).collect(),
            buffered: AtomicUsize::new(0),
            limit,
            spill_lock: Mutex::new(()),
            spilled_bytes: AtomicUsize::new(0),
        }
    }

    /// Bytes written to temporary files so far.
    pub fn spilled_bytes(&self) -> usize {
        self.spilled_bytes.load(Ordering::Relaxed)
    }

    /// True when nothing was stored.
    pub fn is_empty(&self) -> bool {
        self.buffered.load(Ordering::Relaxed) == 0 && self.spilled_bytes() == 0
    }

    /// Appends one record, given as the concatenation of `pieces`, to `partition`.
    pub fn push(&self, partition: usize, pieces: &[&[u8]]) -> Result<(), Error> {
        let size: usize = pieces.iter().map(|p| p.len()).sum();
        let buffered = {
            let mut p = self.parts[partition % PARTITIONS]
                .lock()
                .expect("partition lock");
            for piece in pieces {
                p.buf.extend_from_slice(piece);
            }
            // Counted while the partition is locked: a spill that writes these bytes out
            // (and subtracts them) cannot run before they are added.
            self.buffered.fetch_add(size, Ordering::Relaxed)
        };
        if buffered.saturating_add(size) > self.limit {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&self) -> Result<(), Error> {
        let _guard = self.spill_lock.lock().expect("spill lock");
        if self.buffered.load(Ordering::Relaxed) <= self.limit {
            return Ok(()); // another thread spilled meanwhile
        }
        for part in &self.parts {
            let mut p = part.lock().expect("partition lock");
            if p.buf.is_empty() {
                continue;
            }
            if p.file.is_none() {
                let f = tempfile::tempfile().map_err(|e| Error::io("(temporary file)", e))?;
                p.file = Some(BufWriter::new(f));
            }
            let Partition { buf, file } = &mut *p;
            let w = file.as_mut().expect("spill file");
            w.write_all(buf)
                .map_err(|e| Error::io("(temporary file)", e))?;
            self.buffered.fetch_sub(buf.len(), Ordering::Relaxed);
            self.spilled_bytes.fetch_add(buf.len(), Ordering::Relaxed);
            buf.clear();
            buf.shrink_to_fit();
        }
        Ok(())
    }

    /// Empties the store into per-partition handles on all its records.
    pub fn take_partitions(&self) -> Vec<PartitionData> {
        let parts = self
            .parts
            .iter()
            .map(|m| {
                let p = std::mem::take(&mut *m.lock().expect("partition lock"));
                PartitionData {
                    file: p.file,
                    buf: p.buf,
                }
            })
            .collect();
        self.buffered.store(0, Ordering::Relaxed);
        self.spilled_bytes.store(0, Ordering::Relaxed);
        parts
    }
}

/// The records of one partition, on disk and in memory.
pub struct PartitionData {
    file: Option<BufWriter<File>>,
    buf: Vec<u8>,
}

impl PartitionData {
    /// Reads the partition from its start, without loading it; each call starts a new
    /// pass over the same records.
    pub fn stream(&mut self) -> Result<impl Read + '_, Error> {
        let file = match &mut self.file {
            Some(w) => {
                w.flush().map_err(|e| Error::io("(temporary file)", e))?;
                let f = w.get_mut();
                f.seek(SeekFrom::Start(0))
                    .map_err(|e| Error::io("(temporary file)", e))?;
                Some(BufReader::with_capacity(64 << 10, &*f))
            }
            None => None,
        };
        let file: Box<dyn Read + '_> = match file {
            Some(r) => Box::new(r),
            None => Box::new(std::io::empty()),
        };
        Ok(file.chain(&self.buf[..]))
    }

    /// Loads every record of the partition into one buffer.
    pub fn load(self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        if let Some(w) = self.file {
            let mut f = w
                .into_inner()
                .map_err(|e| Error::io("(temporary file)", e.into_error()))?;
            f.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io("(temporary file)", e))?;
            f.read_to_end(&mut out)
                .map_err(|e| Error::io("(temporary file)", e))?;
        }
        out.extend_from_slice(&self.buf);
        Ok(out)
    }
}
