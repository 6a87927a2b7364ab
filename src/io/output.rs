//! Writing output files so that an interrupted run never leaves a file that looks complete, and
//! so that an output never destroys something it should not.
//!
//! - A path that does not exist, or names a regular file, is written to a temporary file
//!   (`.moderate-XXXXXX.partial`) in the destination's folder, renamed over the destination only
//!   once all of it is written and flushed. A new file gets the mode `0666` less the umask (like
//!   `cp`); a replaced file keeps its mode (and, where allowed, its owner).
//! - A symbolic link is followed: its final target is replaced as above and the link stays.
//!   A dangling link is refused (as `cp` does).
//! - A FIFO or a character device (`/dev/null`, a terminal) is written through: opened and written
//!   directly, never renamed over. An interrupted run leaves there what was already written.
//! - A directory, a socket or a block device is refused.
//!
//! [`check_outputs`] checks all the outputs of a command before any work: what each path is, that
//! its folder exists and takes a new file, and that no output is one of the inputs or another
//! output. The temporary files alive are registered, so that a signal handler can remove them
//! ([`remove_partial_files`]).

use std::fs::{self, File, Metadata, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// What a path given as an output is.
#[derive(Debug)]
pub enum Target {
    /// Nothing is there yet: a new file `dest` (mode `0666` less the umask).
    New { dest: PathBuf },
    /// A regular file (`dest`: the path itself, or a symbolic link's final target), replaced by
    /// a rename; `meta`: its metadata (mode and owner kept).
    Replace { dest: PathBuf, meta: Metadata },
    /// A FIFO or a character device, written directly.
    WriteThrough,
}

impl Target {
    /// What is at `path`; an error for what cannot be an output (a directory, a socket, a block
    /// device, a dangling symbolic link).
    pub fn of(path: &Path) -> Result<Target> {
        let refuse = |message: String| Error::io(path, io::Error::other(message));
        let link = match fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Target::New {
                    dest: path.to_path_buf(),
                })
            }
            Err(e) => return Err(Error::io(path, e)),
            Ok(m) => m,
        };
        let (dest, meta) = if link.file_type().is_symlink() {
            let meta = match fs::metadata(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    let to = fs::read_link(path)
                        .map_or_else(|_| "?".into(), |p| p.display().to_string());
                    return Err(refuse(format!(
                        "a symbolic link to {to}, which does not exist: not writing through it"
                    )));
                }
                r => r.map_err(|e| Error::io(path, e))?,
            };
            (
                fs::canonicalize(path).map_err(|e| Error::io(path, e))?,
                meta,
            )
        } else {
            (path.to_path_buf(), link)
        };
        let t = meta.file_type();
        if t.is_file() {
            Ok(Target::Replace { dest, meta })
        } else if t.is_fifo() || t.is_char_device() {
            Ok(Target::WriteThrough)
        } else if t.is_dir() {
            Err(refuse("is a directory, not a file to write".into()))
        } else if t.is_socket() {
            Err(refuse("is a socket: refusing to write to it".into()))
        } else if t.is_block_device() {
            Err(refuse("is a block device: refusing to write to it".into()))
        } else {
            Err(refuse(
                "is not a regular file: refusing to write to it".into(),
            ))
        }
    }
}

/// The folder a new file at `dest` goes in.
fn folder_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary files alive (see [`remove_partial_files`]); `closed` once they were removed, so
/// that no rename happens after.
struct Partials {
    paths: Vec<PathBuf>,
    closed: bool,
}

fn partials() -> MutexGuard<'static, Partials> {
    static PARTIALS: Mutex<Partials> = Mutex::new(Partials {
        paths: Vec::new(),
        closed: false,
    });
    PARTIALS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remove every temporary output file alive, and make any later [`AtomicFile::commit`] fail: for
/// a signal handler about to end the process. Returns how many files were removed.
pub fn remove_partial_files() -> usize {
    let mut p = partials();
    p.closed = true;
    let paths = std::mem::take(&mut p.paths);
    paths.iter().filter(|f| fs::remove_file(f).is_ok()).count()
}

enum Inner {
    /// Written to `temp`, renamed to `dest` on commit; `mode` set first when replacing a file.
    Temp {
        temp: Option<tempfile::NamedTempFile>,
        dest: PathBuf,
        keep: Option<(u32, u32, u32)>,
    },
    /// Written directly.
    Through(File),
}

/// A file being written; becomes `path` on [`AtomicFile::commit`], vanishes if dropped before
/// (written directly when `path` is a FIFO or a character device: see the module's comment).
pub struct AtomicFile {
    path: PathBuf,
    inner: Inner,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let (dest, keep) = match Target::of(path)? {
            Target::WriteThrough => {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?;
                return Ok(AtomicFile {
                    path: path.to_path_buf(),
                    inner: Inner::Through(file),
                });
            }
            Target::New { dest } => (dest, None),
            Target::Replace { dest, meta } => {
                (dest, Some((meta.mode() & 0o7777, meta.uid(), meta.gid())))
            }
        };
        let dir = folder_of(&dest);
        // Created with 0666 (a new file) or the replaced file's mode: the umask applies, as it
        // does for `cp`; a replaced file's exact mode is set again at commit.
        let mode = keep.map_or(0o666, |(mode, _, _)| mode);
        let mut p = partials();
        let temp = tempfile::Builder::new()
            .prefix(".moderate-")
            .suffix(".partial")
            .permissions(Permissions::from_mode(mode))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(path, folder_error(&dir, e)))?;
        p.paths.push(temp.path().to_path_buf());
        drop(p);
        Ok(AtomicFile {
            path: path.to_path_buf(),
            inner: Inner::Temp {
                temp: Some(temp),
                dest,
                keep,
            },
        })
    }

    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        let err = |e: io::Error| Error::io(&path, e);
        match &mut self.inner {
            Inner::Through(file) => file.flush().map_err(err),
            Inner::Temp { temp, dest, keep } => {
                let Some(t) = temp.as_mut() else {
                    return Ok(());
                };
                t.flush().map_err(err)?;
                if let Some((mode, uid, gid)) = *keep {
                    // The owner only where allowed (root, or a file of one's own group).
                    let _ = std::os::unix::fs::fchown(t.as_file(), Some(uid), Some(gid));
                    t.as_file()
                        .set_permissions(Permissions::from_mode(mode))
                        .map_err(err)?;
                }
                t.as_file().sync_all().map_err(err)?;
                let mut p = partials();
                if p.closed {
                    return Err(err(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "interrupted",
                    )));
                }
                let t = temp
                    .take()
                    .ok_or_else(|| err(io::Error::other("written twice")))?;
                let temp_path = t.path().to_path_buf();
                p.paths.retain(|q| q != &temp_path);
                t.persist(&*dest).map_err(|e| err(e.error))?;
                Ok(())
            }
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Inner::Temp { temp: Some(t), .. } = &self.inner {
            let temp_path = t.path().to_path_buf();
            partials().paths.retain(|q| q != &temp_path);
        }
        // The NamedTempFile, dropped after this, removes the file.
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Through(f) => f.write(buf),
            Inner::Temp { temp: Some(t), .. } => t.write(buf),
            Inner::Temp { temp: None, .. } => Err(io::Error::other("already written")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Through(f) => f.flush(),
            Inner::Temp { temp: Some(t), .. } => t.flush(),
            Inner::Temp { temp: None, .. } => Ok(()),
        }
    }
}

/// A temporary file could not be made in `dir`: say whether the folder is missing or read-only.
fn folder_error(dir: &Path, e: io::Error) -> io::Error {
    match e.kind() {
        io::ErrorKind::NotFound => {
            io::Error::other(format!("the folder {} does not exist", dir.display()))
        }
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => io::Error::other(
            format!("cannot create a file in the folder {} ({e})", dir.display()),
        ),
        _ => e,
    }
}

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.commit()
}

/// A file a command reads or writes, named by its role in messages (`--data`, `--out`…).
#[derive(Debug, Clone, Copy)]
pub struct Role<'a> {
    pub role: &'a str,
    pub path: &'a Path,
}

/// What a path is, to tell whether two paths are one file: an existing file's device and inode
/// (through symbolic links), else where it would be created.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    /// A character device (`/dev/null`): writing it destroys nothing, so never a clash.
    CharDevice,
    Missing(PathBuf),
}

fn identity(path: &Path) -> Identity {
    match fs::metadata(path) {
        Ok(m) if m.file_type().is_char_device() => Identity::CharDevice,
        Ok(m) => Identity::Inode(m.dev(), m.ino()),
        Err(_) => {
            let dir = folder_of(path);
            let dir = fs::canonicalize(&dir).unwrap_or(dir);
            Identity::Missing(match path.file_name() {
                Some(name) => dir.join(name),
                None => dir,
            })
        }
    }
}

/// Check a command's outputs before it does any work: each is something it may write (see
/// [`Target::of`]), in a folder that exists and takes a new file (a temporary file is created and
/// removed there), and none is one of `inputs` or another output (the same file by device and
/// inode, through symbolic links, or the same path to be created). Character devices are exempt
/// from the last rule.
pub fn check_outputs(outputs: &[Role], inputs: &[Role]) -> Result<()> {
    for (i, out) in outputs.iter().enumerate() {
        let dest = match Target::of(out.path)? {
            Target::WriteThrough => None,
            Target::New { dest } | Target::Replace { dest, .. } => Some(dest),
        };
        let id = identity(out.path);
        if id != Identity::CharDevice {
            let clash = inputs
                .iter()
                .chain(&outputs[..i])
                .find(|other| identity(other.path) == id);
            if let Some(other) = clash {
                let what = if inputs.iter().any(|x| std::ptr::eq(x, other)) {
                    "an input"
                } else {
                    "another output"
                };
                return Err(Error::io(
                    out.path,
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "{} would overwrite {what} ({} {}): choose another path",
                            out.role,
                            other.role,
                            other.path.display()
                        ),
                    ),
                ));
            }
        }
        if let Some(dest) = dest {
            let dir = folder_of(&dest);
            let meta =
                fs::metadata(&dir).map_err(|e| Error::io(out.path, folder_error(&dir, e)))?;
            if !meta.is_dir() {
                return Err(Error::io(
                    out.path,
                    io::Error::other(format!("{} is not a folder", dir.display())),
                ));
            }
            tempfile::Builder::new()
                .prefix(".moderate-")
                .suffix(".partial")
                .tempfile_in(&dir)
                .map_err(|e| Error::io(out.path, folder_error(&dir, e)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"half").unwrap();
        assert!(!path.exists());
        drop(f);
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "temporary file removed"
        );
        write_atomic(&path, b"whole").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
    }

    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_symlink_stays() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, b"old").unwrap();
        std::fs::set_permissions(&real, Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert_eq!(
            std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn outputs_that_are_inputs_or_each_other_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d.csv");
        std::fs::write(&data, b"text\n").unwrap();
        let role = |role, path| Role { role, path };
        let m = dir.path().join("m.json");
        let e = check_outputs(&[role("--out", &data)], &[role("--data", &data)]).unwrap_err();
        assert!(
            e.to_string()
                .contains("--out would overwrite an input (--data "),
            "{e}"
        );
        let other_spelling = dir.path().join(".").join("m.json");
        let e = check_outputs(&[role("--out", &m), role("--report", &other_spelling)], &[])
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("--report would overwrite another output (--out "),
            "{e}"
        );
        check_outputs(&[role("--out", &m)], &[role("--data", &data)]).unwrap();
        let dev_null = Path::new("/dev/null");
        check_outputs(&[role("--out", dev_null), role("--report", dev_null)], &[]).unwrap();
        let missing = dir.path().join("no/m.json");
        let e = check_outputs(&[role("--out", &missing)], &[]).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = check_outputs(&[role("--out", dir.path())], &[]).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
    }
}
