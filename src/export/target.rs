//! Where an import builds the new ledger: the target must not exist or be an
//! empty directory, the temporary directory sits beside it (same file system, so
//! the final rename is atomic), and a refused import removes it again.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::ImportError;

/// Whether the target is an empty directory (to be replaced); an error if
/// anything else is there.
pub(super) fn check_target(target: &Path) -> Result<bool, ImportError> {
    let exists = || ImportError::TargetExists {
        path: target.to_path_buf(),
    };
    let io = |source| ImportError::Io {
        what: "inspect",
        path: target.to_path_buf(),
        source,
    };
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(e)),
        Ok(meta) if meta.is_dir() => {
            let mut entries = fs::read_dir(target).map_err(io)?;
            if entries.next().is_none() {
                Ok(true)
            } else {
                Err(exists())
            }
        }
        Ok(_) => Err(exists()),
    }
}

/// `.<name>.import-<pid>` beside the target: on the same file system, so the
/// final rename is atomic, and hidden from directory listings.
pub(super) fn temp_dir_for(target: &Path) -> Result<PathBuf, ImportError> {
    let name = target.file_name().ok_or_else(|| ImportError::BadTarget {
        path: target.to_path_buf(),
    })?;
    let parent = target.parent().unwrap_or(Path::new(""));
    if !parent.as_os_str().is_empty() && !parent.is_dir() {
        return Err(ImportError::NoParent {
            path: target.to_path_buf(),
            parent: parent.to_path_buf(),
        });
    }
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".import-{}", std::process::id()));
    Ok(parent.join(tmp_name))
}

/// Removes the temporary directory after `cause`, and returns `cause`.
pub(super) fn discard(tmp: &Path, cause: ImportError) -> ImportError {
    let mut attempt = 0;
    loop {
        match fs::remove_dir_all(tmp) {
            Ok(()) => return cause,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return cause,
            // sled's background threads may still be finishing for a few
            // milliseconds after the journal is dropped.
            Err(_) if attempt < 50 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(source) => {
                return ImportError::Abandoned {
                    cause: Box::new(cause),
                    path: tmp.to_path_buf(),
                    source,
                }
            }
        }
    }
}
