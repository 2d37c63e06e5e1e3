"""The app's private work folders: one per server, one per browser session, swept when sessions end.

Uploads and results never live in a fixed, shared place. Each server process makes its own folder with
:func:`tempfile.mkdtemp` (mode 0700, an unpredictable name) under the system temporary folder or
``$FORMCHECK_APP_DIR``; each app session works in ``ROOT/sessions/<session id>``. A sweep removes the folder
of a session that has ended (the browser tab closed) and of any session idle longer than the retention time,
and, at start, what an earlier server left behind. Nothing here imports Streamlit: the app passes in how to
tell whether a session is still alive.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

ROOT_PREFIX = "formcheck-app-"
#: Session folders idle longer than this are removed even if the session still looks alive (seconds).
DEFAULT_RETENTION_S = 2 * 3600.0
#: A session that has ended keeps its folder this long (a page reload reconnects within seconds).
ENDED_GRACE_S = 120.0


class WorkArea:
    """A private folder tree for one server process: ``ROOT/sessions/<session id>/``.

    Args:
        parent: where to make the root (None: the system temporary folder). Created 0700 if missing.
        retention_s: idle time after which a session's folder is removed.
    """

    def __init__(self, parent: str | os.PathLike | None = None, retention_s: float = DEFAULT_RETENTION_S):
        self.retention_s = float(retention_s)
        base = Path(parent) if parent else Path(tempfile.gettempdir())
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        sweep_old_roots(base, self.retention_s)
        self.root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir=base))  # 0700, name not guessable
        self.sessions = self.root / "sessions"
        self.sessions.mkdir(mode=0o700)
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}  # folder name -> session id
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        atexit.register(self.close)

    def session_dir(self, key: str, session_id: str | None = None) -> Path:
        """The folder of one session (created 0700 on first use); marks the session active now.

        Args:
            key: identifies the session's folder (the app keeps a random token in the session's state); the
                folder is named by a hash of it, so neither key nor session id appears in paths.
            session_id: the server's id for the session, to ask later whether it is still connected
                (defaults to ``key``).
        """
        name = hashlib.sha256(key.encode()).hexdigest()[:24]
        path = self.sessions / name
        with self._lock:
            self._ids[name] = session_id or key
            for folder in (self.root, self.sessions):  # a temp-folder cleaner may have removed them
                folder.mkdir(mode=0o700, exist_ok=True)
            path.mkdir(mode=0o700, exist_ok=True)
            os.utime(path)  # the folder's mtime is the session's last activity
        return path

    def sweep(self, is_active: Callable[[str], bool] | None = None, now: float | None = None) -> list[str]:
        """Remove the folders of ended sessions (after a short grace) and of sessions idle too long.

        Args:
            is_active: tells whether a session id is still connected (None: judge by idle time only).

        Returns:
            The session ids whose folders were removed.
        """
        now = time.time() if now is None else now
        removed = []
        with self._lock:
            try:
                entries = list(os.scandir(self.sessions))
            except OSError:
                return removed
            for entry in entries:
                try:
                    idle = now - entry.stat(follow_symlinks=False).st_mtime
                except OSError:
                    continue
                sid = self._ids.get(entry.name)
                ended = is_active is not None and sid is not None and not is_active(sid) and idle > ENDED_GRACE_S
                if ended or idle > self.retention_s:
                    _remove(Path(entry.path))
                    self._ids.pop(entry.name, None)
                    removed.append(sid or entry.name)
        if removed:
            log.info("removed the work folders of %d ended or idle app sessions", len(removed))
        return removed

    def start_sweeper(self, is_active: Callable[[str], bool] | None = None, interval_s: float = 300.0) -> None:
        """Sweep every interval_s seconds in a daemon thread (once per work area)."""
        if self._thread is not None:
            return

        def loop():
            while not self._stop.wait(interval_s):
                try:
                    self.sweep(is_active)
                except OSError as exc:  # keep sweeping; the next round may succeed
                    log.warning("work folder sweep failed: %s", exc)

        self._thread = threading.Thread(target=loop, name="formcheck-sweeper", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop sweeping and remove the whole work area (the server is going away)."""
        self._stop.set()
        _remove(self.root)


def _remove(path: Path) -> None:
    """Delete a folder tree we made; a symlink is unlinked, never followed."""
    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path)
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)


def sweep_old_roots(base: Path, older_than_s: float) -> None:
    """Remove work areas an earlier server left in ``base`` (ours: our uid, our prefix, idle too long)."""
    now = time.time()
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(ROOT_PREFIX):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if entry.is_dir(follow_symlinks=False) and st.st_uid == os.getuid() and now - st.st_mtime > older_than_s:
            _remove(Path(entry.path))


def safe_file_name(name: str, max_bytes: int = 96) -> str:
    """A file name made from a user's upload name: no folders, no odd characters, short enough for any disk.

    Keeps letters (any script), digits, dot, dash, underscore and space; the extension survives shortening.
    """
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .") or "video"
    stem, dot, ext = base.rpartition(".")
    if not dot or len(ext) > 8:
        stem, ext = base, ""
    ext = f".{ext}" if ext else ""
    budget = max(8, max_bytes - len(ext.encode()))
    stem = stem.encode()[:budget].decode("utf-8", "ignore").strip(" .") or "video"
    return stem + ext


def display_name(name: str, max_chars: int = 60) -> str:
    """A user's file name shortened for messages ('a-very-long-…-name.mp4'), without any folder part."""
    base = Path(name.replace("\\", "/")).name or "video"
    if len(base) <= max_chars:
        return base
    keep = max_chars - 1
    return base[: keep - keep // 3] + "…" + base[-(keep // 3):]


def scrub_paths(text: str, replacements: dict[str, str], roots: list[str | os.PathLike]) -> str:
    """``text`` with known server paths replaced (e.g. the stored upload -> the user's file name) and any other
    path under one of ``roots`` cut down to its last part."""
    for old, new in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
        if old:
            text = text.replace(old, new)
    for root in roots:
        root = str(root).rstrip("/")
        if root:
            text = re.sub(re.escape(root) + r"/(?:[^\s'\"/]+/)*", "", text)
    return text
