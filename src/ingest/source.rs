//! Input discovery and opening: files, directories (recursive), gzip, stdin.
//!
//! The list of inputs is sorted by path and de-duplicated, so a run's result never depends
//! on the order paths were given in or on directory iteration order. Gzip is recognised by
//! its magic bytes, not by the name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;

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
            std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
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

/// Opens an input for reading, decompressing gzip; raw bytes read are added to `counter`.
pub fn open(file: &InputFile, counter: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>, Error> {
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
}
