//! The office's letters by post, for what must reach the address on the
//! register rather than an online account (the initial setting's one-time
//! code). There is no postal service to call here: each letter is written as
//! `<dir>/<letter id>.txt`, the file a print-and-post service would take,
//! readable by the server's user only from the moment it exists.

use std::io::Write;
use std::path::PathBuf;

use uuid::Uuid;

/// Where letters go.
#[derive(Debug, Clone)]
pub struct Letters {
    dir: PathBuf,
}

impl Letters {
    /// Letters written under `dir` (created when the first one is sent).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The file of letter `id`.
    pub fn path_of(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.txt"))
    }

    /// Sends (writes) letter `id`; a letter is sent once, never overwritten.
    pub fn send(&self, id: Uuid, text: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Never world-readable, not even for a moment: it holds a code.
            options.mode(0o600);
        }
        let mut file = options.open(self.path_of(id))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    }
}
