//! [`ExternalSort`]: sorting more fixed-size records than memory may hold (the customer
//! ledger at settlement, where all contacts of one customer must be seen in order however
//! many there are).
//!
//! Records stay in memory up to a budget; a full buffer is sorted and written to a
//! temporary file as one sorted run, and reading back merges the runs in order. At most
//! [`MAX_RUNS`] runs exist at once (when that many are written, they are merged into one),
//! so the open files and read buffers stay bounded too: memory is the budget plus
//! [`MAX_RUNS`] × [`RUN_BUFFER`]. Input that fits the budget never touches a file.
//! Equal records are interchangeable, so the output depends only on the multiset pushed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use crate::error::Error;

/// Most sorted runs kept before they are merged into one.
pub const MAX_RUNS: usize = 32;
/// Read buffer per run while merging.
pub const RUN_BUFFER: usize = 16 << 10;

/// A record of a fixed number of bytes on disk.
pub trait FixedRecord: Ord + Sized {
    /// Bytes of one encoded record.
    const BYTES: usize;
    /// Appends exactly [`FixedRecord::BYTES`] bytes.
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads back what [`FixedRecord::encode`] wrote.
    fn decode(bytes: &[u8]) -> Self;
}

/// Records pushed in any order, read back sorted.
pub struct ExternalSort<T> {
    capacity: usize,
    buf: Vec<T>,
    runs: Vec<File>,
}

fn temp_error(e: std::io::Error) -> Error {
    Error::io("(temporary file)", e)
}

impl<T: FixedRecord> ExternalSort<T> {
    /// A sort that keeps about `memory` bytes of records in memory (at least one record).
    pub fn new(memory: usize) -> ExternalSort<T> {
        ExternalSort {
            capacity: (memory / std::mem::size_of::<T>().max(1)).max(1),
            buf: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// A sort of `records`, all kept in memory whatever their number.
    pub fn in_memory(records: Vec<T>) -> ExternalSort<T> {
        ExternalSort {
            capacity: usize::MAX,
            buf: records,
            runs: Vec::new(),
        }
    }

    /// Sorted runs written so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Adds a record.
    pub fn push(&mut self, record: T) -> Result<(), Error> {
        self.buf.push(record);
        if self.buf.len() >= self.capacity {
            self.write_run()?;
        }
        Ok(())
    }

    /// Every record pushed, in order.
    pub fn finish(mut self) -> Result<Sorted<T>, Error> {
        if self.runs.is_empty() {
            self.buf.sort_unstable();
            return Ok(Sorted::Memory(self.buf.into_iter()));
        }
        if !self.buf.is_empty() {
            self.write_run()?;
        }
        Ok(Sorted::Merge(Merge::new(std::mem::take(&mut self.runs))?))
    }

    fn write_run(&mut self) -> Result<(), Error> {
        if self.runs.len() >= MAX_RUNS {
            let runs = std::mem::take(&mut self.runs);
            let merged: Merge<T> = Merge::new(runs)?;
            self.runs.push(write_sorted(merged)?);
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.sort_unstable();
        self.runs.push(write_sorted(buf.into_iter().map(Ok))?);
        Ok(())
    }
}

/// Writes sorted records to a new temporary file, rewound for reading.
fn write_sorted<T: FixedRecord>(
    records: impl Iterator<Item = Result<T, Error>>,
) -> Result<File, Error> {
    let file = tempfile::tempfile().map_err(temp_error)?;
    let mut w = BufWriter::with_capacity(RUN_BUFFER, file);
    let mut bytes = Vec::with_capacity(T::BYTES);
    for record in records {
        bytes.clear();
        record?.encode(&mut bytes);
        w.write_all(&bytes).map_err(temp_error)?;
    }
    let mut file = w.into_inner().map_err(|e| temp_error(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(temp_error)?;
    Ok(file)
}

/// The sorted records of an [`ExternalSort`].
pub enum Sorted<T> {
    /// Everything fitted in memory.
    Memory(std::vec::IntoIter<T>),
    /// Merged from runs on disk.
    Merge(Merge<T>),
}

impl<T: FixedRecord> Iterator for Sorted<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        match self {
            Sorted::Memory(records) => records.next().map(Ok),
            Sorted::Merge(merge) => merge.next(),
        }
    }
}

/// A k-way merge of sorted runs: the smallest head of all runs comes next.
pub struct Merge<T> {
    runs: Vec<BufReader<File>>,
    heads: BinaryHeap<Reverse<(T, usize)>>,
    failed: bool,
}

impl<T: FixedRecord> Merge<T> {
    fn new(files: Vec<File>) -> Result<Merge<T>, Error> {
        let mut merge = Merge {
            runs: files
                .into_iter()
                .map(|f| BufReader::with_capacity(RUN_BUFFER, f))
                .collect(),
            heads: BinaryHeap::new(),
            failed: false,
        };
        for run in 0..merge.runs.len() {
            merge.refill(run)?;
        }
        Ok(merge)
    }

    /// Reads the next record of `run` into the heap, if the run has one.
    fn refill(&mut self, run: usize) -> Result<(), Error> {
        let mut bytes = vec![0; T::BYTES];
        let r = &mut self.runs[run];
        let mut filled = 0;
        while filled < bytes.len() {
            match r.read(&mut bytes[filled..]) {
                Ok(0) if filled == 0 => return Ok(()),
                Ok(0) => {
                    let cut = std::io::Error::other("sorted run cut inside a record");
                    return Err(temp_error(cut));
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(temp_error(e)),
            }
        }
        self.heads.push(Reverse((T::decode(&bytes), run)));
        Ok(())
    }
}

impl<T: FixedRecord> Iterator for Merge<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Result<T, Error>> {
        if self.failed {
            return None;
        }
        let Reverse((record, run)) = self.heads.pop()?;
        if let Err(e) = self.refill(run) {
            self.failed = true;
            return Some(Err(e));
        }
        Some(Ok(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl FixedRecord for u32 {
        const BYTES: usize = 4;
        fn encode(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.to_le_bytes());
        }
        fn decode(bytes: &[u8]) -> u32 {
            u32::from_le_bytes(bytes.try_into().expect("4 bytes"))
        }
    }

    fn sort_with(memory: usize, values: &[u32]) -> (Vec<u32>, usize) {
        let mut sort = ExternalSort::new(memory);
        let mut most_runs = 0;
        for &v in values {
            sort.push(v).unwrap();
            most_runs = most_runs.max(sort.runs());
        }
        let out = sort
            .finish()
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        (out, most_runs)
    }

    #[test]
    fn runs_on_disk_merge_into_the_same_order_as_memory() {
        // 10 000 values with repeats, in a scrambled order.
        let values: Vec<u32> = (0..10_000u32)
            .map(|i| i.wrapping_mul(7_919) % 3_001)
            .collect();
        let mut expected = values.clone();
        expected.sort_unstable();
        let (in_memory, runs) = sort_with(usize::MAX, &values);
        assert_eq!((in_memory.len(), runs), (10_000, 0));
        assert_eq!(in_memory, expected);
        // 400 bytes = 100 values a run: 100 runs, merged down each time 32 exist.
        let (merged, runs) = sort_with(400, &values);
        assert_eq!(runs, MAX_RUNS);
        assert_eq!(merged, expected);
        // One value a run.
        let (tiny, _) = sort_with(1, &values[..100]);
        let mut head = values[..100].to_vec();
        head.sort_unstable();
        assert_eq!(tiny, head);
    }

    #[test]
    fn nothing_pushed_gives_nothing() {
        assert_eq!(sort_with(1, &[]).0, Vec::<u32>::new());
        assert_eq!(sort_with(usize::MAX, &[]).0, Vec::<u32>::new());
    }
}
