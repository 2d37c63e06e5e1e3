"""Which clips a batch analyses and the folder each one's outputs go to.

Inputs are folders (every file inside, sub-folders too, hidden files aside), glob patterns
(``clips/*.mp4``, ``**`` for sub-folders) and list files (``.txt``/``.lst``/``.list``: one path per line,
``#`` comments, relative paths from the list's own folder). A folder's files that are not videos are
kept: they are reported as failed clips with the reason, so nothing is passed over silently.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from pathlib import Path

from ..errors import OptionError

LIST_EXTENSIONS = (".txt", ".lst", ".list")
_GLOB_CHARS = re.compile(r"[*?\[]")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _folder_files(folder: Path, skip: Path | None) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder):
        rootp = Path(root)
        # Hidden folders and the batch's own output folder are not inputs.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (skip is None or (rootp / d).resolve() != skip))
        out += [rootp / f for f in sorted(files) if not f.startswith(".")]
    return out


def _list_file(path: Path) -> list[Path]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"The list file '{path}' could not be read ({exc}). Give a text file with one video "
                          "path per line.") from None
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(os.path.expanduser(line))
        out.append(p if p.is_absolute() else path.parent / p)
    return out


def collect_inputs(specs: list[str], *, out_dir: str | Path | None = None) -> list[Path]:
    """The clips named by folders, globs and list files, in a stable order, each once.

    Args:
        specs: the command line's INPUTS.
        out_dir: the batch's output folder, never scanned as input.

    Returns:
        Absolute paths, sorted within each input, duplicates (same resolved file) removed. Paths that do
        not exist are kept (listed in a list file, or given directly): the batch reports them as failed.

    Raises:
        OptionError: nothing found at all, with what was looked at.
    """
    skip = Path(out_dir).resolve() if out_dir is not None else None
    found: list[Path] = []
    for spec in specs:
        p = Path(os.path.expanduser(spec))
        if p.is_dir():
            found += _folder_files(p, skip)
        elif p.is_file() and p.suffix.lower() in LIST_EXTENSIONS:
            found += _list_file(p)
        elif not p.exists() and _GLOB_CHARS.search(spec):
            found += [Path(m) for m in sorted(glob.glob(os.path.expanduser(spec), recursive=True))
                      if Path(m).is_file()]
        else:
            found.append(p)  # a file (or a missing path: reported as a failed clip)
    out, seen = [], set()
    for p in found:
        a = Path(os.path.abspath(p))
        key = os.path.normcase(os.path.realpath(a))
        if skip is not None and (a == skip or skip in a.parents):
            continue
        if key not in seen:
            seen.add(key)
            out.append(a)
    if not out:
        raise OptionError(
            f"No clips found in {', '.join(repr(s) for s in specs) or 'nothing'}. Give folders holding videos, "
            "globs such as 'clips/*.mp4', or a list file (.txt, one video path per line).")
    return out


def folder_names(paths: list[Path]) -> dict[Path, str]:
    """A stable, collision-free output folder name per clip.

    The name is the file's stem with unsafe characters replaced ("client A.mp4" -> "client_A"). Names that
    would clash (case-insensitively, for macOS and Windows file systems: "set.mp4" and "set.MOV", or two
    "set.mp4" in different folders) get a short hash of the clip's full path, so the same input list always
    gives the same folders.
    """
    base = {p: _UNSAFE.sub("_", p.stem).strip("._") or "clip" for p in paths}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    out = {}
    for p, name in base.items():
        if counts[name.lower()] > 1:
            digest = hashlib.sha256(str(p).encode("utf-8", "surrogateescape")).hexdigest()[:8]
            name = f"{name}-{digest}"
        out[p] = name
    return out
