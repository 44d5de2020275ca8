//! The file: JSON lines, appended and made durable one at a time.
//!
//! A line is committed once its closing newline is on disk, and
//! [`Journal::append`] returns only after `fsync`: an acknowledged change
//! survives a crash. A crash mid-write leaves at most one unfinished line
//! at the end of the file, with no newline; [`Journal::open`] drops it
//! (the change was never acknowledged, so dropping it whole is what
//! "all or nothing" asks). A complete line that does not decode is damage,
//! not a torn write: the store refuses to open rather than guess.

use std::{
    fs::{File, OpenOptions, TryLockError},
    io::{Read, Write},
    path::Path,
};

use eventcore::StoreError;

use crate::entry::Entry;

/// The open file, locked against other stores.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    /// The length of the committed lines: where the next one starts.
    len: u64,
    /// Set when a write failed: what reached the disk is unknown, so
    /// nothing more is written until the store is reopened (which finds out).
    failed: bool,
}

/// What [`Journal::open`] found in the file.
#[derive(Debug)]
pub(crate) struct Recovered {
    pub(crate) journal: Journal,
    /// The committed entries, in file order.
    pub(crate) entries: Vec<Entry>,
    /// The bytes of an unfinished last line that were dropped (0 if none).
    pub(crate) dropped: u64,
}

impl Journal {
    /// Opens (or creates) the file, takes its lock, reads every committed
    /// line, and cuts off an unfinished last one.
    pub(crate) fn open(path: &Path) -> Result<Recovered, StoreError> {
        let created = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| unavailable(path, "cannot open", e))?;
        // One store per file: two would each assign the same positions.
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Unavailable {
                    message: format!("{} is open in another store", path.display()),
                    source: None,
                });
            }
            Err(TryLockError::Error(e)) => return Err(unavailable(path, "cannot lock", e)),
        }
        if created {
            sync_parent(path)?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| unavailable(path, "cannot read", e))?;
        // Everything up to the last newline is committed; the rest is torn.
        let committed = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let mut entries = Vec::new();
        for (number, line) in bytes[..committed].split(|b| *b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let entry = serde_json::from_slice(line).map_err(|e| StoreError::Corrupt {
                detail: format!("{} line {}: {e}", path.display(), number + 1),
            })?;
            entries.push(entry);
        }
        let dropped = (bytes.len() - committed) as u64;
        if dropped > 0 {
            // Cut the torn line off, so the next line starts on its own.
            file.set_len(committed as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| unavailable(path, "cannot cut the unfinished line off", e))?;
        }
        let journal = Self {
            file,
            len: committed as u64,
            failed: false,
        };
        Ok(Recovered {
            journal,
            entries,
            dropped,
        })
    }

    /// Writes `entry` as one line and waits until it is on disk.
    ///
    /// On failure, takes back what part of the line may have been written
    /// and refuses every later write: after a failed `fsync` the kernel may
    /// have dropped the data while still reporting the next one a success.
    pub(crate) fn append(&mut self, entry: &Entry) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::Unavailable {
                message: "an earlier write to the file failed; reopen the store".to_owned(),
                source: None,
            });
        }
        let mut line = serde_json::to_vec(entry).map_err(|e| StoreError::backend("append", e))?;
        line.push(b'\n');
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(error) = written {
            self.failed = true;
            // Best effort: a line without its newline is dropped on open anyway.
            let _ = self.file.set_len(self.len);
            return Err(StoreError::Unavailable {
                message: "cannot write to the file".to_owned(),
                source: Some(Box::new(error)),
            });
        }
        self.len += line.len() as u64;
        Ok(())
    }
}

fn unavailable(path: &Path, what: &str, error: std::io::Error) -> StoreError {
    StoreError::Unavailable {
        message: format!("{what} {}", path.display()),
        source: Some(Box::new(error)),
    }
}

/// Makes a new file's name durable: its directory entry is data of the
/// directory, synced separately from the file on Unix.
fn sync_parent(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| unavailable(dir, "cannot sync the directory of", e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
