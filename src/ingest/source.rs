//! Input discovery and opening: files, directories (recursive), gzip, stdin.
//!
//! The list of inputs is sorted by path and de-duplicated, so a run's result never depends
//! on the order paths were given in or on directory iteration order. Gzip is recognised by
//! its magic bytes, not by the name, and a UTF-8 byte-order mark at the start of the
//! (decompressed) text is dropped.
//!
//! One bad file must not end a run: [`open_damaged`] turns a read error (a truncated
//! gzip, an I/O error) into the end of that file's input and keeps the error as
//! [`Damage`], so the reader keeps everything before it and the caller reports the file.
//! A path named on the command line that does not exist at all is still a usage error;
//! anything that exists (a dangling link, a file without read permission) is listed and
//! reported when it is opened.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Problem, SkipReason};

/// The name standing for standard input.
pub const STDIN: &str = "-";

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// Path (`-` for stdin).
    pub path: PathBuf,
    /// How messages name it.
    pub name: String,
    /// Size on disk, 0 for stdin.
    pub size: u64,
}

/// File names read when a directory is walked (a `.gz` suffix is allowed on each): the
/// canonical JSONL and the exported formats of [`crate::ingest::format`].
pub const DIRECTORY_EXTENSIONS: &[&str] = &[
    "jsonl", "ndjson", "json", "csv", "mbox", "mbx", "eml", "txt", "log", "xml",
];

fn wanted_in_directory(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.starts_with('.') {
        return false;
    }
    let name = name.strip_suffix(".gz").unwrap_or(name);
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DIRECTORY_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if wanted_in_directory(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// Expands the given paths: directories recursively ([`DIRECTORY_EXTENSIONS`] only), files as
/// given (whatever their name), `-` as stdin. Sorted by path, duplicates removed.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<InputFile>, Error> {
    let mut paths = Vec::new();
    let mut stdin = false;
    for p in inputs {
        if p.as_os_str() == STDIN {
            stdin = true;
        } else if p.is_dir() {
            walk(p, &mut paths)?;
        } else {
            // `symlink_metadata`: a dangling link exists; it is reported when read.
            std::fs::symlink_metadata(p).map_err(|e| Error::io(p, e))?;
            paths.push(p.clone());
        }
    }
    paths.sort();
    paths.dedup();
    let mut files: Vec<InputFile> = paths
        .into_iter()
        .map(|path| {
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            InputFile {
                name: path.display().to_string(),
                path,
                size,
            }
        })
        .collect();
    if stdin {
        files.push(InputFile {
            path: PathBuf::from(STDIN),
            name: STDIN.to_owned(),
            size: 0,
        });
    }
    Ok(files)
}

/// A reader that adds the bytes it reads (before decompression) to a shared counter.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The UTF-8 byte-order mark some editors put at the start of a text file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file's bytes, gzip decompressed when its magic bytes say so; raw bytes read are
/// added to `counter`.
fn decoded(file: &InputFile, counter: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>, Error> {
    let raw: Box<dyn Read + Send> = if file.path.as_os_str() == STDIN {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(&file.path).map_err(|e| Error::io(&file.path, e))?)
    };
    let mut buffered = BufReader::with_capacity(
        1 << 16,
        Counting {
            inner: raw,
            counter,
        },
    );
    let head = buffered.fill_buf().map_err(|e| Error::io(&file.path, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(buffered)))
    } else {
        Ok(Box::new(buffered))
    }
}

/// `reader` after a leading byte-order mark, if it has one.
fn without_bom(mut reader: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut head = Vec::with_capacity(BOM.len());
    (&mut reader)
        .take(BOM.len() as u64)
        .read_to_end(&mut head)?;
    if head == BOM {
        return Ok(reader);
    }
    Ok(Box::new(io::Cursor::new(head).chain(reader)))
}

/// Opens an input for reading, decompressing gzip and dropping a leading byte-order mark;
/// raw bytes read are added to `counter`. Read errors come back from the reader.
pub fn open(file: &InputFile, counter: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>, Error> {
    without_bom(decoded(file, counter)?).map_err(|e| Error::io(&file.path, e))
}

/// Where reading an input broke off.
#[derive(Debug)]
pub struct Damage {
    /// The 1-based line being read when the error came.
    pub line: u64,
    /// The error.
    pub error: io::Error,
}

impl Damage {
    /// The problem reported for `file`: everything before the damage was read.
    pub fn problem(&self, file: &InputFile) -> Problem {
        Problem {
            file: file.name.clone(),
            line: self.line,
            reason: SkipReason::UnreadableFile,
            message: format!(
                "reading stopped here: {}; the lines before were read",
                self.error
            ),
        }
    }
}

/// The problem reported for a file that could not be opened at all.
pub fn unopenable(file: &InputFile, error: &Error) -> Problem {
    let message = match error {
        Error::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    Problem {
        file: file.name.clone(),
        line: 1,
        reason: SkipReason::UnreadableFile,
        message: format!("cannot be read: {message}"),
    }
}

/// Receives the [`Damage`] of an input opened with [`open_damaged`], once its reader has
/// met the end of what could be read.
#[derive(Debug, Clone, Default)]
pub struct DamageSlot(Arc<Mutex<Option<Damage>>>);

impl DamageSlot {
    /// The damage, if reading broke off.
    pub fn take(&self) -> Option<Damage> {
        self.0.lock().expect("damage lock").take()
    }
}

/// Ends the input at the first read error, keeping it in a [`DamageSlot`].
struct StopAtDamage<R> {
    inner: R,
    slot: DamageSlot,
    /// Line breaks read so far.
    lines: u64,
    stopped: bool,
}

impl<R: Read> Read for StopAtDamage<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stopped {
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.stopped = true;
                    let line = self.lines + 1;
                    *self.slot.0.lock().expect("damage lock") = Some(Damage { line, error });
                    return Ok(0);
                }
            }
        }
    }
}

/// Like [`open`], but a read error ends the input instead of failing it: the reader
/// returns everything before the damage, then the end of input, and the error goes to
/// the [`DamageSlot`] for the caller to report. Only a file that cannot be opened (or
/// whose first bytes cannot be read) is an error here.
pub fn open_damaged(
    file: &InputFile,
    counter: Arc<AtomicU64>,
) -> Result<(Box<dyn Read + Send>, DamageSlot), Error> {
    let slot = DamageSlot::default();
    let reader = StopAtDamage {
        inner: decoded(file, counter)?,
        slot: slot.clone(),
        lines: 0,
        stopped: false,
    };
    let reader = without_bom(Box::new(reader)).map_err(|e| Error::io(&file.path, e))?;
    Ok((reader, slot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn directories_are_walked_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in [
            "b.jsonl",
            "a.json",
            "sub/c.jsonl.gz",
            "README.md",
            ".hidden.jsonl",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let files = discover(&[dir.path().to_owned(), dir.path().join("b.jsonl")]).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a.json", "b.jsonl", "sub/c.jsonl.gz"]);
        assert!(discover(&[dir.path().join("missing.jsonl")]).is_err());
    }

    #[test]
    fn gzip_is_detected_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.bin");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"{\"a\":1}\n").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let file = discover(&[path]).unwrap().remove(0);
        let counter = Arc::new(AtomicU64::new(0));
        let mut text = String::new();
        open(&file, counter.clone())
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{\"a\":1}\n");
        assert_eq!(counter.load(Ordering::Relaxed), file.size);
    }

    #[test]
    fn damage_ends_the_input_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let gz = |text: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        };
        // A whole member of two lines, then a second member cut after its 10-byte header.
        let mut bytes = gz(b"one\ntwo\n");
        bytes.extend_from_slice(&gz(b"three\n")[..10]);
        let path = dir.path().join("cut.gz");
        std::fs::write(&path, bytes).unwrap();
        let file = discover(&[path]).unwrap().remove(0);
        let (mut reader, damage) = open_damaged(&file, Arc::default()).unwrap();
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\ntwo\n");
        // Two line breaks read: reading stopped on line 3.
        let d = damage.take().expect("damage recorded");
        assert_eq!(d.line, 3);
        assert_eq!(d.problem(&file).reason, SkipReason::UnreadableFile);
        // The strict opener reports the same damage as an error.
        let mut strict = open(&file, Arc::default()).unwrap();
        assert!(strict.read_to_string(&mut String::new()).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_dropped_plain_or_gzipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"\xEF\xBB\xBF{}\n").unwrap();
        let cases: [(&str, Vec<u8>, &str); 4] = [
            ("bom.jsonl", b"\xEF\xBB\xBF{}\n".to_vec(), "{}\n"),
            ("bom.jsonl.gz", gz.finish().unwrap(), "{}\n"),
            // Shorter than a mark, and a mark not at the start: left alone.
            ("short.jsonl", b"\xEF".to_vec(), "\u{FFFD}"),
            ("inner.jsonl", b"{}\xEF\xBB\xBF".to_vec(), "{}\u{FEFF}"),
        ];
        for (name, bytes, want) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let file = discover(&[path]).unwrap().remove(0);
            let (mut reader, _) = open_damaged(&file, Arc::default()).unwrap();
            let mut got = Vec::new();
            reader.read_to_end(&mut got).unwrap();
            assert_eq!(String::from_utf8_lossy(&got), want, "{name}");
        }
    }
}
