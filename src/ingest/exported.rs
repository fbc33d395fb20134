//! [`ExportedReader`]: the one interface of the readers of exported formats (social CSV,
//! mbox and `.eml`, chat and call logs, Stack Exchange dumps), so the pipeline reads every
//! format through the same two calls.
//!
//! A reader is given each of its files in turn ([`ExportedReader::read`]) and hands the
//! conversations it has completed to `flush` as it goes, which keeps memory bounded; a
//! format whose conversations span files (e-mail threads) completes them in
//! [`ExportedReader::finish`], after the last file. [`reader_for`] builds the reader of a
//! format; formats that share one reader (mbox and `.eml`) share a [`ReaderFamily`].

use std::io::{self, BufRead};

use crate::ingest::chatlog::{self, ChatPattern};
use crate::ingest::community_xml;
use crate::ingest::email::Threader;
use crate::ingest::format::InputFormat;
use crate::ingest::readers::{ReadOutput, ReadersConfig};
use crate::ingest::social_csv;

/// Hands the conversations completed so far on (and leaves `out` empty of them).
pub type Flush<'f> = &'f mut dyn FnMut(&mut ReadOutput);

/// One input file, as a reader is given it.
#[derive(Debug, Clone, Copy)]
pub struct ExportedFile<'a> {
    /// Index of the file in the run (carried into record positions).
    pub index: u32,
    /// The format chosen for it.
    pub format: InputFormat,
    /// File name without directories and extensions (a chat log's conversation id prefix).
    pub stem: &'a str,
}

/// Reads one exported format into conversations.
pub trait ExportedReader {
    /// Reads one file into `out`, flushing complete conversations as it goes.
    fn read(
        &mut self,
        input: &mut dyn BufRead,
        file: ExportedFile<'_>,
        out: &mut ReadOutput,
        flush: Flush<'_>,
    ) -> io::Result<()>;

    /// True when a file's conversations are complete once [`ExportedReader::read`] returns.
    fn complete_per_file(&self) -> bool {
        true
    }

    /// After the last file: completes what needed every file.
    fn finish(&mut self, out: &mut ReadOutput, flush: Flush<'_>) -> io::Result<()> {
        let _ = (out, flush);
        Ok(())
    }
}

/// Formats read by one shared reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReaderFamily {
    /// mbox and `.eml`: threads are built across every e-mail file.
    Email,
    /// Chat and call logs.
    ChatLog,
    /// Social support CSV.
    SocialCsv,
    /// Stack Exchange XML dumps.
    StackExchangeXml,
}

impl ReaderFamily {
    /// The family of an exported format; `None` for canonical JSONL.
    pub fn of(format: InputFormat) -> Option<ReaderFamily> {
        match format {
            InputFormat::Jsonl => None,
            InputFormat::Mbox | InputFormat::Eml => Some(ReaderFamily::Email),
            InputFormat::ChatLog => Some(ReaderFamily::ChatLog),
            InputFormat::SocialCsv => Some(ReaderFamily::SocialCsv),
            InputFormat::StackExchangeXml => Some(ReaderFamily::StackExchangeXml),
        }
    }

    /// How a failure in [`ExportedReader::finish`] is named: (the input, what was being
    /// done).
    pub fn finishing(self) -> (&'static str, &'static str) {
        match self {
            ReaderFamily::Email => ("(e-mail threads)", "threading e-mail messages"),
            _ => ("(exported files)", "finishing the exported files"),
        }
    }
}

/// The reader of `family`, configured by `config`; `memory` bounds what it holds before
/// spilling to temporary files, and a chat-log reader flushes every `round` conversations.
pub fn reader_for<'a>(
    family: ReaderFamily,
    config: &'a ReadersConfig,
    memory: usize,
    round: usize,
) -> Box<dyn ExportedReader + 'a> {
    match family {
        ReaderFamily::Email => Box::new(EmailReader {
            threader: Some(Threader::with_memory(&config.email, memory)),
        }),
        ReaderFamily::ChatLog => Box::new(ChatLogReader {
            config,
            round,
            pattern: None,
        }),
        ReaderFamily::SocialCsv => Box::new(SocialCsvReader { config, memory }),
        ReaderFamily::StackExchangeXml => Box::new(StackExchangeReader { memory }),
    }
}

struct EmailReader {
    /// Taken by [`ExportedReader::finish`], which consumes it.
    threader: Option<Threader>,
}

impl ExportedReader for EmailReader {
    fn read(
        &mut self,
        input: &mut dyn BufRead,
        file: ExportedFile<'_>,
        out: &mut ReadOutput,
        _flush: Flush<'_>,
    ) -> io::Result<()> {
        let Some(threader) = self.threader.as_mut() else {
            return Ok(()); // finished: no file comes after the last
        };
        match file.format {
            InputFormat::Mbox => threader.add_mbox(input, file.index, out),
            _ => threader.add_eml(input, file.index, out),
        }
    }

    fn complete_per_file(&self) -> bool {
        false
    }

    fn finish(&mut self, out: &mut ReadOutput, flush: Flush<'_>) -> io::Result<()> {
        match self.threader.take() {
            Some(threader) => threader.finish_streaming(out, flush),
            None => Ok(()),
        }
    }
}

struct ChatLogReader<'a> {
    config: &'a ReadersConfig,
    round: usize,
    /// The configured line pattern, compiled on the first file and kept for the rest.
    pattern: Option<ChatPattern>,
}

impl ExportedReader for ChatLogReader<'_> {
    fn read(
        &mut self,
        input: &mut dyn BufRead,
        file: ExportedFile<'_>,
        out: &mut ReadOutput,
        flush: Flush<'_>,
    ) -> io::Result<()> {
        let pattern = match &mut self.pattern {
            Some(pattern) => pattern,
            empty => empty.insert(ChatPattern::new(&self.config.chat).map_err(io::Error::other)?),
        };
        chatlog::read_streaming(
            input, file.index, file.stem, pattern, out, self.round, flush,
        )
    }
}

struct SocialCsvReader<'a> {
    config: &'a ReadersConfig,
    memory: usize,
}

impl ExportedReader for SocialCsvReader<'_> {
    fn read(
        &mut self,
        input: &mut dyn BufRead,
        file: ExportedFile<'_>,
        out: &mut ReadOutput,
        flush: Flush<'_>,
    ) -> io::Result<()> {
        social_csv::read_streaming(
            input,
            file.index,
            &self.config.social,
            out,
            self.memory,
            flush,
        )
    }
}

struct StackExchangeReader {
    memory: usize,
}

impl ExportedReader for StackExchangeReader {
    fn read(
        &mut self,
        input: &mut dyn BufRead,
        file: ExportedFile<'_>,
        out: &mut ReadOutput,
        flush: Flush<'_>,
    ) -> io::Result<()> {
        community_xml::read_streaming(input, file.index, out, self.memory, flush)
    }
}
