//! Opening input: files or bundled bytes, gzip decoded transparently (by its magic bytes, not
//! the extension), and guarded so that binary data and runaway lines are reported as such
//! instead of being parsed into a wrong graph or swallowing memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};

use flate2::bufread::MultiGzDecoder;

use super::{Location, Problem, ReadError};

/// Longest line accepted in tabular files. Real rows are under a kilobyte; anything near this
/// is not a connectome table.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// An input stream with the path used in messages.
pub struct Source {
    pub path: PathBuf,
    reader: Box<dyn Read + Send>,
}

/// The payload of the io errors raised by the guard, so they can be told apart from real
/// I/O errors after passing through a parser.
#[derive(Debug)]
struct Guarded {
    line: Option<u64>,
    problem: Problem,
}

impl std::fmt::Display for Guarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.problem.fmt(f)
    }
}

impl std::error::Error for Guarded {}

impl Source {
    pub fn open(path: &Path) -> Result<Source, ReadError> {
        let file = File::open(path).map_err(|e| ReadError::new(path, Location::File, Problem::Io(e.to_string())))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(ReadError::new(
                path,
                Location::File,
                Problem::Io("it is a folder".into()),
            ));
        }
        Ok(Source {
            path: path.to_owned(),
            reader: Box::new(file),
        })
    }

    /// Bytes compiled into the binary (bundled datasets), named `name` in messages.
    pub fn bytes(name: impl Into<PathBuf>, bytes: &'static [u8]) -> Source {
        Source {
            path: name.into(),
            reader: Box::new(bytes),
        }
    }

    /// Any reader (tests, fuzzing), named `name` in messages.
    pub fn reader(name: impl Into<PathBuf>, reader: impl Read + Send + 'static) -> Source {
        Source {
            path: name.into(),
            reader: Box::new(reader),
        }
    }

    /// The decoded text stream. `max_line` limits line length (tables); XML passes `None`
    /// because a whole document may legitimately sit on one line.
    pub fn text(self, max_line: Option<usize>) -> Result<(PathBuf, Guard), ReadError> {
        let mut buffered = BufReader::with_capacity(1 << 16, self.reader);
        let head = buffered.fill_buf().map_err(|e| from_io(&self.path, &e, None))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        let inner: Box<dyn Read + Send> = if gzip {
            Box::new(ThreadedGzip::spawn(buffered))
        } else {
            Box::new(buffered)
        };
        let guard = Guard {
            inner,
            gzip,
            line: 1,
            line_len: 0,
            max_line: max_line.unwrap_or(usize::MAX),
        };
        Ok((self.path, guard))
    }
}

/// Turns an io error (possibly raised by the guard, possibly wrapped by a parser) into a
/// `ReadError`; `line` is the parser's idea of where it was, used when the guard has none.
pub fn from_io(path: &Path, err: &io::Error, line: Option<u64>) -> ReadError {
    if let Some(g) = err.get_ref().and_then(|e| e.downcast_ref::<Guarded>()) {
        let location = match g.line.or(line) {
            Some(l) => Location::Line(l),
            None => Location::File,
        };
        return ReadError::new(path, location, g.problem.clone());
    }
    let location = line.map_or(Location::File, Location::Line);
    ReadError::new(path, location, Problem::Io(err.to_string()))
}

/// Bytes handed from the inflating thread to the reader at a time.
const GZIP_CHUNK: usize = 1 << 18;

/// Gzip decoded on a thread of its own, so that inflating and parsing a large table (a
/// whole-brain connection list is ~270 MB of text) use two cores. Chunks go through a small
/// bounded channel, and used buffers come back to be refilled.
struct ThreadedGzip {
    chunks: Receiver<Result<Vec<u8>, Problem>>,
    spare: Sender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    /// Once decoding failed, every later read fails the same way.
    failed: Option<Problem>,
}

impl ThreadedGzip {
    fn spawn<R: BufRead + Send + 'static>(compressed: R) -> ThreadedGzip {
        // Up to 4 MB decoded ahead: the inflating thread can then keep the parser fed
        // through a while of sharing its core with other work (the annotation tables).
        let (send, chunks) = mpsc::sync_channel(16);
        let (spare, spares) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut decoder = MultiGzDecoder::new(compressed);
            loop {
                let mut buf = spares.try_recv().unwrap_or_default();
                buf.resize(GZIP_CHUNK, 0);
                let (filled, result) = fill(&mut decoder, &mut buf);
                buf.truncate(filled);
                // A send fails only when the reader is gone: then stop quietly.
                if filled > 0 && send.send(Ok(buf)).is_err() {
                    return;
                }
                match result {
                    Ok(()) if filled == GZIP_CHUNK => {}
                    Ok(()) => return,
                    Err(e) => {
                        let _ = send.send(Err(Problem::Gzip(e.to_string())));
                        return;
                    }
                }
            }
        });
        ThreadedGzip {
            chunks,
            spare,
            chunk: Vec::new(),
            pos: 0,
            failed: None,
        }
    }
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> (usize, io::Result<()>) {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (filled, Err(e)),
        }
    }
    (filled, Ok(()))
}

impl Read for ThreadedGzip {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let gzip_error = |p: &Problem| {
            io::Error::other(Guarded {
                line: None,
                problem: p.clone(),
            })
        };
        if let Some(p) = &self.failed {
            return Err(gzip_error(p));
        }
        if self.pos == self.chunk.len() {
            match self.chunks.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.chunk, next);
                    let _ = self.spare.send(used);
                    self.pos = 0;
                }
                Ok(Err(p)) => {
                    let err = gzip_error(&p);
                    self.failed = Some(p);
                    return Err(err);
                }
                // The decoder thread finished: end of input.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Counts lines, rejects NUL bytes (binary data) and over-long lines.
pub struct Guard {
    inner: Box<dyn Read + Send>,
    gzip: bool,
    line: u64,
    line_len: usize,
    max_line: usize,
}

impl Guard {
    /// A parse error in gzip'd input may be the symptom of corruption that the decoder only
    /// detects later (by its checksum). Reads on to find out, and returns the gzip error if
    /// there is one, else `err`.
    pub fn prefer_gzip_error(&mut self, path: &Path, err: ReadError) -> ReadError {
        if !self.gzip || matches!(err.problem, Problem::Gzip(_)) {
            return err;
        }
        let mut sink = vec![0u8; 1 << 16];
        loop {
            match self.inner.read(&mut sink) {
                Ok(0) => return err,
                Ok(_) => {}
                Err(e) => {
                    let gz = from_io(path, &e, None);
                    return if matches!(gz.problem, Problem::Gzip(_)) {
                        gz
                    } else {
                        err
                    };
                }
            }
        }
    }
}

impl Read for Guard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        if let Some(at) = memchr::memchr(0, chunk) {
            let line = self.line + memchr::memchr_iter(b'\n', &chunk[..at]).count() as u64;
            return Err(io::Error::other(Guarded {
                line: Some(line),
                problem: Problem::Binary,
            }));
        }
        if self.line_len + n <= self.max_line {
            // No line in this chunk can be too long: just count (a vectorised count, where
            // the loop below visits every line; this read runs on the parsing thread).
            self.line += memchr::memchr_iter(b'\n', chunk).count() as u64;
            self.line_len = match memchr::memrchr(b'\n', chunk) {
                Some(at) => n - at - 1,
                None => self.line_len + n,
            };
            return Ok(n);
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', chunk) {
            if self.line_len + (nl - start) > self.max_line {
                break;
            }
            self.line += 1;
            self.line_len = 0;
            start = nl + 1;
        }
        self.line_len += n - start;
        if self.line_len > self.max_line {
            return Err(io::Error::other(Guarded {
                line: Some(self.line),
                problem: Problem::LineTooLong(self.max_line),
            }));
        }
        Ok(n)
    }
}
