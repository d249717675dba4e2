//! Files that hold personal data or secrets (attachments, development mail,
//! generated keys): created owner-only from the first byte, 0600 in 0700
//! directories, with the mode given to `open`, never narrowed by a chmod
//! afterwards (which would leave a moment in which anyone could read them).
//! Written whole to a private temporary file, then moved into place, so a
//! reader never sees half a file.

use std::fs::{DirBuilder, OpenOptions};
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

/// A temporary sibling of `path`, created owner-only (0600), holding `bytes`.
fn temporary(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&tmp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Writes `bytes` to `path` (0600), replacing what is there.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temporary(path, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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
        std::fs::remove_dir_all(&root).unwrap();
    }
}
