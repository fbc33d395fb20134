//! Splits a byte stream into chunks of whole lines, the unit of parallel work.
//!
//! A chunk is about `target` bytes and always ends at a newline (or the end of input); a
//! line longer than `target` makes a larger chunk rather than being cut. Each chunk knows
//! the 1-based number of its first line, so messages can name file and line.
//!
//! A line longer than `max_line` is never held: once the unfinished line passes that size
//! its bytes are dropped as they are read, up to its newline; the line stays in the chunk
//! as an empty line (so numbering is unchanged) and is listed in [`Chunk::oversized`].
//! A chunk is therefore at most about `target + max_line` bytes.

use std::io::{self, Read};

/// A run of whole lines from one file.
#[derive(Debug)]
pub struct Chunk {
    /// Index of the file in the run's input list.
    pub file: u32,
    /// 1-based line number of the first line.
    pub first_line: u64,
    /// Position of the chunk in the whole run (for ordered output).
    pub seq: u64,
    /// The bytes, ending with `\n` except possibly at the end of input.
    pub data: Vec<u8>,
    /// Lines longer than the maximum, dropped while reading: (1-based line number, length
    /// in bytes without the line ending). They are empty lines in `data`.
    pub oversized: Vec<(u64, u64)>,
}

/// Iterator over the chunks of one reader.
pub struct Chunker<R> {
    reader: R,
    file: u32,
    target: usize,
    max_line: usize,
    next_line: u64,
    carry: Vec<u8>,
    /// The line being dropped: its number and the bytes dropped so far.
    skipping: Option<(u64, u64)>,
    done: bool,
}

impl<R: Read> Chunker<R> {
    /// Chunks `reader` (file number `file`) into pieces of about `target` bytes, with no
    /// limit on the length of a line.
    pub fn new(reader: R, file: u32, target: usize) -> Chunker<R> {
        Chunker::with_max_line(reader, file, target, usize::MAX)
    }

    /// Chunks `reader` into pieces of about `target` bytes; lines longer than `max_line`
    /// bytes are dropped while reading and listed in [`Chunk::oversized`].
    pub fn with_max_line(reader: R, file: u32, target: usize, max_line: usize) -> Chunker<R> {
        Chunker {
            reader,
            file,
            target: target.max(1),
            max_line: max_line.max(1),
            next_line: 1,
            carry: Vec::new(),
            skipping: None,
            done: false,
        }
    }

    /// Next chunk (its `seq` is left 0 for the caller to set), or `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let mut data = std::mem::take(&mut self.carry);
        let mut oversized = Vec::new();
        data.reserve(self.target);
        // Start of the unfinished last line of `data` (the carry never holds a newline).
        let mut line_start = 0;
        loop {
            let start = data.len();
            // `read_to_end` on a `Take` fills spare capacity without zeroing it first.
            let n = (&mut self.reader)
                .take(self.target as u64)
                .read_to_end(&mut data)?;
            if n == 0 {
                self.done = true;
                oversized.extend(self.skipping.take());
                break;
            }
            if let Some((number, dropped)) = &mut self.skipping {
                match memchr::memchr(b'\n', &data[start..]) {
                    None => {
                        *dropped += n as u64;
                        data.truncate(start);
                        continue;
                    }
                    Some(i) => {
                        *dropped += i as u64;
                        oversized.push((*number, *dropped));
                        self.skipping = None;
                        // Keep the newline: the dropped line stays as an empty line.
                        data.drain(start..start + i);
                    }
                }
            }
            if let Some(i) = memchr::memrchr(b'\n', &data[start..]) {
                line_start = start + i + 1;
            }
            if data.len() - line_start > self.max_line {
                let number =
                    self.next_line + memchr::memchr_iter(b'\n', &data[..line_start]).count() as u64;
                self.skipping = Some((number, (data.len() - line_start) as u64));
                data.truncate(line_start);
                continue;
            }
            if data.len() >= self.target && line_start > 0 {
                self.carry = data[line_start..].to_vec();
                data.truncate(line_start);
                break;
            }
        }
        if data.is_empty() && oversized.is_empty() {
            return Ok(None);
        }
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &data).count() as u64;
        // A dropped last line without a newline still takes a number.
        if oversized.last().is_some_and(|&(n, _)| n >= self.next_line) {
            self.next_line += 1;
        }
        Ok(Some(Chunk {
            file: self.file,
            first_line,
            seq: 0,
            data,
            oversized,
        }))
    }
}

/// Iterates the lines of a chunk with their 1-based numbers, without the line ending.
pub fn lines(chunk: &Chunk) -> impl Iterator<Item = (u64, &[u8])> {
    let data = chunk.data.strip_suffix(b"\n").unwrap_or(&chunk.data);
    let mut rest = (!chunk.data.is_empty()).then_some(data);
    let mut number = chunk.first_line;
    std::iter::from_fn(move || {
        let current = rest?;
        let line = match memchr::memchr(b'\n', current) {
            Some(i) => {
                rest = Some(&current[i + 1..]);
                &current[..i]
            }
            None => {
                rest = None;
                current
            }
        };
        number += 1;
        Some((number - 1, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], target: usize) -> Vec<(u64, Vec<u8>)> {
        let mut c = Chunker::new(input, 0, target);
        let mut out = Vec::new();
        while let Some(ch) = c.next_chunk().unwrap() {
            for (n, l) in lines(&ch) {
                out.push((n, l.to_vec()));
            }
        }
        out
    }

    #[test]
    fn lines_keep_numbers_across_chunks() {
        let input = b"aa\nbbbbbbbbbb\r\n\ncc";
        for target in [1, 3, 4, 100] {
            let got = all(input, target);
            let want: Vec<(u64, Vec<u8>)> = vec![
                (1, b"aa".to_vec()),
                (2, b"bbbbbbbbbb".to_vec()),
                (3, b"".to_vec()),
                (4, b"cc".to_vec()),
            ];
            assert_eq!(got, want, "target {target}");
        }
    }

    /// Numbered lines of a chunked input.
    type Lines = Vec<(u64, Vec<u8>)>;

    /// (lines, oversized) of `input` chunked with `target` and a maximum line of 5 bytes.
    fn capped(input: &[u8], target: usize) -> (Lines, Vec<(u64, u64)>) {
        let mut c = Chunker::with_max_line(input, 0, target, 5);
        let (mut out, mut big) = (Vec::new(), Vec::new());
        while let Some(ch) = c.next_chunk().unwrap() {
            assert!(
                ch.data.len() <= target + 5 + 1,
                "chunk of {}",
                ch.data.len()
            );
            out.extend(lines(&ch).map(|(n, l)| (n, l.to_vec())));
            big.extend(ch.oversized);
        }
        (out, big)
    }

    #[test]
    fn lines_past_the_maximum_are_dropped_and_keep_their_number() {
        // Line 2 has 12 bytes and line 4 has 6 (both > 5, dropped); line 5 has 7 bytes and
        // no newline. Lines 1 and 3 (5 and 0 bytes) are kept.
        let input = b"aaaaa\nbbbbbbbbbbbb\n\ncccccc\nddddddd";
        for target in [1, 2, 3, 4, 7, 100] {
            let (got, big) = capped(input, target);
            // A long line completed inside the reads of one chunk is left whole for the
            // caller's length check; one still unfinished past 5 bytes is dropped. Either
            // way every line keeps its number.
            let mut seen: Vec<(u64, usize)> = got
                .iter()
                .filter(|(_, l)| !l.is_empty())
                .map(|(n, l)| (*n, l.len()))
                .chain(big.iter().map(|&(n, len)| (n, len as usize)))
                .collect();
            seen.sort();
            assert_eq!(
                seen,
                vec![(1, 5), (2, 12), (4, 6), (5, 7)],
                "target {target}"
            );
            assert!(
                got.iter().all(|(_, l)| l.len() <= 5 + target),
                "target {target}"
            );
        }
    }

    #[test]
    fn empty_input_has_no_chunks() {
        assert!(all(b"", 10).is_empty());
        assert_eq!(all(b"\n", 10), vec![(1, vec![])]);
    }
}
