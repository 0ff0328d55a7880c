//! Bytes on disk: the sum of the sizes of every file under a directory (walked,
//! symlinks not followed), as `du --apparent-size` counts them.

use std::path::Path;

/// The total size of the regular files under `dir`.
pub fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        for entry in std::fs::read_dir(&path)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                total += entry.metadata()?.len();
            }
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_in_subdirectories_are_counted() {
        let root = std::env::temp_dir().join(format!("sitrep-bench-disk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("x"), [0u8; 10]).unwrap();
        std::fs::write(root.join("a/b/y"), [0u8; 32]).unwrap();
        let total = dir_bytes(&root).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(total, 42);
    }
}
