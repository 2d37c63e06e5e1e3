"""Files written whole or not at all, and never through a symlink.

Every file formcheck saves is first written under a temporary name in its destination folder and then renamed
into place with :func:`os.replace`. The rename is atomic, so an interrupted run leaves the previous file or the
new one under the real name, never a half-written file that looks whole; and a rename replaces a symlink planted
at that name instead of writing through it to wherever it points. Temporary names start with
:data:`TMP_PREFIX` (hidden files); :func:`sweep_stale` removes the ones a killed run left behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)

TMP_PREFIX = ".formcheck-tmp-"


def _file_mode() -> int:
    """The mode a plainly created file gets here (0o666 minus the umask), read without changing the umask."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


FILE_MODE = _file_mode()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PendingFile:
    """A new, empty temporary file beside ``path``: :meth:`commit` renames it to ``path``, :meth:`discard` drops it.

    The temporary name keeps ``path``'s suffix, so writers that pick a format from it pick the right one.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(name)

    def commit(self) -> Path:
        move_into_place(self.tmp, self.path)
        return self.path

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file name beside ``path``; on success it replaces ``path``, on error it is removed.

    For writers that want a file name (PyAV, OpenCV, numpy). Example::

        with atomic_path(out / "poses.npz") as tmp:
            np.savez_compressed(tmp, ...)
    """
    pending = PendingFile(path)
    try:
        yield pending.tmp
        pending.commit()
    except BaseException:
        pending.discard()
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring); returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see the module docstring); returns the path."""
    return write_bytes(path, text.encode(encoding))


def move_into_place(src: Path, dst: Path) -> Path:
    """Rename a finished file from a staging folder to its final name (same file system), replacing what is there.

    A symlink at ``dst`` is replaced, never followed; a folder at ``dst`` is an error (IsADirectoryError).
    """
    os.chmod(src, FILE_MODE)
    _fsync(src)
    os.replace(src, dst)
    return dst


def real_folder(path: Path) -> Path:
    """Make ``path`` a real folder: a symlink found there is removed (never followed), then the folder is created.

    Raises:
        FileExistsError: a regular file holds the name.
    """
    if path.is_symlink():
        log.warning("replacing the symlink %s with a folder (formcheck never writes through links)", path)
        path.unlink()
    path.mkdir(exist_ok=True)
    if path.is_symlink() or not path.is_dir():
        raise FileExistsError(f"'{path}' is not a folder")
    return path


def sweep_stale(folder: Path, older_than_s: float = 3600.0) -> None:
    """Remove temporary files and staging folders that a killed run left in ``folder`` (older than the limit)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < older_than_s:
                continue  # maybe another run writing right now
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError as exc:
            log.debug("could not remove %s: %s", entry.path, exc)
