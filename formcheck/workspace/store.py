"""Files of a workspace: clips stored once by their sha256, and one outputs folder per analysis attempt.

Writes are atomic (a temporary file or folder, then ``os.replace``): a crash leaves either the old state or
the new one, never half a file under a final name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20
_SAFE = re.compile(r"[^\w.\- ]")


def safe_name(name: str, default: str = "video") -> str:
    """A file name with no folders and no characters outside letters, digits, '.', '-', '_' and spaces."""
    base = _SAFE.sub("_", Path(str(name)).name).strip(" .") or default
    return base[:120]


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def clip_relpath(sha: str, suffix: str) -> str:
    return f"clips/{sha[:2]}/{sha}{suffix.lower()}"


def store_clip(root: Path, source: str | os.PathLike | bytes | BinaryIO, suffix: str) -> tuple[str, str, int]:
    """Copy a clip into the store once; returns (sha256, path relative to root, size in bytes).

    The same bytes stored twice land on the same path and are written once.
    """
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"upload-{uuid.uuid4().hex}{suffix.lower()}"
    h = hashlib.sha256()
    size = 0
    try:
        with open(tmp, "wb") as out:
            if isinstance(source, (bytes, bytearray, memoryview)):
                chunks = [bytes(source)]
            elif hasattr(source, "read"):
                chunks = iter(lambda: source.read(CHUNK), b"")
            else:
                src = open(source, "rb")
                chunks = iter(lambda: src.read(CHUNK), b"")
            for chunk in chunks:
                h.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
            if not isinstance(source, (bytes, bytearray, memoryview)) and not hasattr(source, "read"):
                src.close()
        sha = h.hexdigest()
        rel = clip_relpath(sha, suffix)
        final = root / rel
        if final.exists() and final.stat().st_size == size:
            tmp.unlink()
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        return sha, rel, size
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def new_attempt_dir(root: Path, set_id: int, job_id: int, attempt: int) -> tuple[Path, Path]:
    """(temporary folder to write into, final folder) for one analysis attempt of a set."""
    base = root / "sets" / str(set_id)
    base.mkdir(parents=True, exist_ok=True)
    final = base / f"job{job_id}-try{attempt}"
    tmp = base / f".tmp-{final.name}-{uuid.uuid4().hex[:8]}"
    return tmp, final


def clear_temporaries(root: Path, set_id: int) -> int:
    """Remove folders a crashed attempt left under a set (never a finished attempt); returns how many."""
    base = root / "sets" / str(set_id)
    n = 0
    if base.is_dir():
        for p in base.iterdir():
            if p.is_dir() and p.name.startswith(".tmp-"):
                shutil.rmtree(p, ignore_errors=True)
                n += 1
    return n
