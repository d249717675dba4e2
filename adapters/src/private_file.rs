//! Files that hold personal data or secrets (attachments, development mail,
//! generated keys): created owner-only from the first byte, 0600 in 0700
//! directories, with the mode given to `open`, never narrowed by a chmod
//! afterwards (which would leave a moment in which anyone could read them).
//! Written whole to a private temporary file, then moved into place, so a
//! reader never sees half a file.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Creates `dir` owner-only (0700) unless it exists; its parents are created
/// with the usual mode (the data directory must stay traversable for the
/// embedded Postgres, which runs as another user).
pub fn dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = DirBuilder::new();
    #[cfg(unix)]
    builder.mode(0o700);
    match builder.create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// A temporary sibling of `path`, created owner-only (0600), open for writing.
fn open_temporary(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options.open(&tmp)?;
    Ok((tmp, file))
}

/// A temporary sibling of `path`, created owner-only (0600), holding `bytes`
/// (synced).
fn temporary(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let (tmp, file) = written(path, bytes)?;
    file.sync_all().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(tmp)
}

/// A temporary sibling of `path`, created owner-only (0600), holding `bytes`
/// (not synced yet).
fn written(path: &Path, bytes: &[u8]) -> io::Result<(PathBuf, File)> {
    let (tmp, mut file) = open_temporary(path)?;
    file.write_all(bytes).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok((tmp, file))
}

/// Writes `bytes` to `path` (0600), replacing what is there.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary(path, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Threads that sync one batch's files at once: a file system commits the
/// syncs that wait together in one journal commit, so eight waiting syncs
/// cost about what one does (38 files: 12 ms one by one, 6 ms eight at a
/// time, measured on this machine's ext4).
const SYNC_THREADS: usize = 8;

/// Writes each file, named in `dir`, as [`replace`] does, and syncs `dir`
/// once at the end, so the new names outlive a crash; one outcome per file.
/// Every file is written before any is synced, and the syncs run on up to
/// [`SYNC_THREADS`] threads, so many files cost little more than one.
pub fn replace_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Vec<io::Result<()>> {
    let written: Vec<_> = files
        .iter()
        .map(|(name, bytes)| written(&dir.join(name), bytes))
        .collect();
    let placed = |(written, name): (io::Result<(PathBuf, File)>, &String)| {
        let (tmp, file) = written?;
        file.sync_all()
            .and_then(|()| std::fs::rename(&tmp, dir.join(name)))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
    };
    let mut pairs: Vec<_> = written
        .into_iter()
        .zip(files.iter().map(|(name, _)| name))
        .collect();
    let chunk = pairs.len().div_ceil(SYNC_THREADS).max(1);
    let outcomes: Vec<io::Result<()>> = std::thread::scope(|scope| {
        let mut chunks = Vec::new();
        while !pairs.is_empty() {
            let rest = pairs.split_off(chunk.min(pairs.len()));
            let mine = std::mem::replace(&mut pairs, rest);
            chunks.push(mine);
        }
        // The last chunk runs on this thread; the others on their own.
        let last = chunks.pop();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|mine| scope.spawn(move || mine.into_iter().map(placed).collect::<Vec<_>>()))
            .collect();
        let last: Vec<_> = last.into_iter().flatten().map(placed).collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .chain(last)
            .collect()
    });
    if !outcomes.iter().any(Result::is_ok) {
        return outcomes;
    }
    match File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => outcomes,
        Err(e) => outcomes
            .into_iter()
            .map(|o| o.and_then(|()| Err(io::Error::new(e.kind(), e.to_string()))))
            .collect(),
    }
}

/// Writes `bytes` to `path` (0600) unless it exists; false when it did (two
/// processes generating the same secret at once keep the first one's).
pub fn create(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    let tmp = temporary(path, bytes)?;
    // A hard link never replaces an existing name, unlike a rename.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_directories_are_owner_only_and_written_whole() {
        let root = std::env::temp_dir().join(format!("private-file-{}", uuid::Uuid::new_v4()));
        let inner = root.join("inner");
        dir(&inner).unwrap();
        dir(&inner).unwrap();
        assert_eq!(mode(&inner), 0o700);
        let path = inner.join("secret");
        assert!(create(&path, b"first").unwrap());
        assert!(
            !create(&path, b"second").unwrap(),
            "an existing file is kept"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(mode(&path), 0o600);
        replace(&path, b"third").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"third");
        assert_eq!(mode(&path), 0o600);
        let names: Vec<_> = std::fs::read_dir(&inner).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
        let files = [("secret", "fourth"), ("other", "fifth"), ("a/b", "none")]
            .map(|(name, text)| (name.to_owned(), text.as_bytes().to_vec()));
        let outcomes = replace_all(&inner, &files);
        assert!(outcomes[0].is_ok() && outcomes[1].is_ok(), "{outcomes:?}");
        assert!(
            outcomes[2].is_err(),
            "a missing directory fails its file only"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"fourth");
        assert_eq!(std::fs::read(inner.join("other")).unwrap(), b"fifth");
        assert_eq!(mode(&inner.join("other")), 0o600);
        let names: Vec<_> = std::fs::read_dir(&inner).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file is left behind");
        // More files than sync threads: each outcome is still its own file's.
        let many: Vec<_> = (0..21)
            .map(|i| {
                let name = if i == 13 {
                    "x/13".into()
                } else {
                    format!("m{i}")
                };
                (name, format!("mail {i}").into_bytes())
            })
            .collect();
        let outcomes = replace_all(&inner, &many);
        for (i, outcome) in outcomes.iter().enumerate() {
            assert_eq!(outcome.is_err(), i == 13, "{i}: {outcome:?}");
        }
        assert_eq!(std::fs::read(inner.join("m20")).unwrap(), b"mail 20");
        assert_eq!(std::fs::read_dir(&inner).unwrap().count(), 22);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
