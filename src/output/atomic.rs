//! An output folder whose files appear whole or not at all.
//!
//! Each file is written to a hidden temporary file in the same folder and renamed over its
//! final name on [`OutputDir::commit`]; a rename within one file system is atomic. If the
//! run fails or is interrupted before the commit, the temporary files are removed
//! ([`Drop`]) and the previous outputs stay as they were.
//!
//! The folder keeps a `.jobsim-output` marker listing the files jobsim wrote, so that a
//! later run refuses to write into a folder holding other files (unless forced).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Name of the marker file.
pub const MARKER: &str = ".jobsim-output";

/// An output folder being written.
pub struct OutputDir {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
    committed: bool,
    /// The folder did not exist before: an uncommitted run removes it again (if empty).
    created: bool,
}

/// Why the output folder cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    #[error(
        "output folder {dir} holds files jobsim did not write ({examples}); choose another --output or pass --force"
    )]
    Foreign { dir: String, examples: String },
    #[error("output folder {dir}: {source}")]
    Io { dir: String, source: io::Error },
}

impl OutputDir {
    /// Opens (creating it if needed) an output folder. Refuses a folder with files jobsim
    /// did not write, unless `force`.
    pub fn prepare(dir: &Path, force: bool) -> Result<OutputDir, OutputDirError> {
        let io_err = |source| OutputDirError::Io {
            dir: dir.display().to_string(),
            source,
        };
        if dir.exists() && !dir.is_dir() {
            return Err(io_err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "exists and is not a folder",
            )));
        }
        let created = !dir.exists();
        fs::create_dir_all(dir).map_err(io_err)?;
        if !force {
            let ours: Vec<String> = fs::read_to_string(dir.join(MARKER))
                .map(|s| s.lines().map(str::to_string).collect())
                .unwrap_or_default();
            let mut foreign = Vec::new();
            for entry in fs::read_dir(dir).map_err(io_err)? {
                let entry = entry.map_err(io_err)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name == MARKER || name.starts_with(".jobsim-tmp-") || ours.contains(&name) {
                    continue;
                }
                foreign.push(name);
            }
            if !foreign.is_empty() {
                foreign.sort();
                foreign.truncate(3);
                return Err(OutputDirError::Foreign {
                    dir: dir.display().to_string(),
                    examples: foreign.join(", "),
                });
            }
        }
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
            committed: false,
            created,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Starts writing `name`; it becomes visible on [`OutputDir::commit`].
    pub fn create(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        let tmp = self
            .dir
            .join(format!(".jobsim-tmp-{}-{name}", std::process::id()));
        let file = File::create(&tmp)?;
        self.pending.push((tmp, self.dir.join(name)));
        Ok(BufWriter::with_capacity(1 << 16, file))
    }

    /// Writes a whole file at once.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut w = self.create(name)?;
        w.write_all(bytes)?;
        w.flush()
    }

    /// Moves every file into place, removes what an earlier run wrote and this one did
    /// not (so the folder holds one run's outputs, never a mix), and updates the marker.
    pub fn commit(mut self) -> io::Result<Vec<PathBuf>> {
        let old: Vec<String> = fs::read_to_string(self.dir.join(MARKER))
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let mut names: Vec<String> = Vec::new();
        let mut written = Vec::new();
        for (tmp, fin) in &self.pending {
            fs::rename(tmp, fin)?;
            if let Some(n) = fin.file_name() {
                let n = n.to_string_lossy().into_owned();
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            written.push(fin.clone());
        }
        for stale in old.iter().filter(|n| !names.contains(n)) {
            // Only plain names jobsim itself recorded; never anything with a path in it.
            if !stale.is_empty() && !stale.contains(['/', '\\']) && stale != ".." {
                let _ = fs::remove_file(self.dir.join(stale));
            }
        }
        names.sort();
        let marker_tmp = self
            .dir
            .join(format!(".jobsim-tmp-{}-marker", std::process::id()));
        fs::write(&marker_tmp, names.join("\n") + "\n")?;
        fs::rename(&marker_tmp, self.dir.join(MARKER))?;
        self.committed = true;
        self.pending.clear();
        Ok(written)
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            for (tmp, _) in &self.pending {
                let _ = fs::remove_file(tmp);
            }
            if self.created {
                // Fails, as it should, if anything else appeared in the meantime.
                let _ = fs::remove_dir(&self.dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_on_commit() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("out");
        let mut o = OutputDir::prepare(&dir, false).unwrap();
        o.write("a.txt", b"hello").unwrap();
        assert!(!dir.join("a.txt").exists());
        o.commit().unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "hello");
        // A second run may overwrite what jobsim wrote.
        let mut o = OutputDir::prepare(&dir, false).unwrap();
        o.write("a.txt", b"again").unwrap();
        drop(o); // not committed: the old file stays, no temporary is left
        assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "hello");
        let left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}"); // a.txt and the marker
    }

    #[test]
    fn an_uncommitted_new_folder_is_removed_again() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("new");
        let mut o = OutputDir::prepare(&dir, false).unwrap();
        o.write("a.txt", b"partial").unwrap();
        drop(o);
        assert!(!dir.exists());
    }

    #[test]
    fn refuses_folders_with_foreign_files_unless_forced() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("thesis.tex"), "precious").unwrap();
        assert!(matches!(
            OutputDir::prepare(t.path(), false),
            Err(OutputDirError::Foreign { .. })
        ));
        assert!(OutputDir::prepare(t.path(), true).is_ok());
    }

    #[test]
    fn a_new_run_removes_what_the_previous_one_wrote_and_it_did_not() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("out");
        let mut o = OutputDir::prepare(&dir, false).unwrap();
        o.write("a.txt", b"1").unwrap();
        o.write("b.txt", b"1").unwrap();
        o.commit().unwrap();
        fs::write(dir.join("mine.txt"), b"user's").unwrap();
        let mut o = OutputDir::prepare(&dir, true).unwrap();
        o.write("b.txt", b"2").unwrap();
        o.commit().unwrap();
        assert!(!dir.join("a.txt").exists());
        assert_eq!(fs::read_to_string(dir.join("b.txt")).unwrap(), "2");
        // A file jobsim did not write is never removed.
        assert!(dir.join("mine.txt").exists());
        assert_eq!(fs::read_to_string(dir.join(MARKER)).unwrap(), "b.txt\n");
    }
}
