"""No network at run time, and one folder for caches.

formcheck analyses videos on the machine it runs on and sends nothing anywhere. Two libraries it loads would
otherwise reach out, or write outside the output folder:

- **MediaPipe's usage logging.** The Tasks runtime in the mediapipe wheels (``mediapipe/tasks/c/libmediapipe.so``,
  1.2.x) has built-in usage statistics: every time a landmarker is created or closed, a worker thread
  (``mediapipe::tasks::core::logging::google_internal::HttpAsyncClient`` -> ``CurlClient::Post``) sends a report to
  ``https://play.googleapis.com/log`` with the libcurl bundled in the library (seen as a DNS query for
  play.googleapis.com under ``strace -f -e trace=network``). The library offers no option or environment variable
  to turn it off (``TaskRunner::Create`` always calls ``CreateTasksLogger``). :func:`block_mediapipe_usage_logging`
  changes that one URL inside the loaded library, in this process's memory only (the file on disk is untouched),
  to a scheme libcurl does not know, so the request fails inside libcurl before any DNS lookup or connection.
  Environment variables for libcurl (e.g. a dead ``https_proxy``) would have done it too, but they leak into
  every child process and into Python's own HTTP clients. ``tests/test_no_network.py`` proves the result.
- **matplotlib's font cache.** MediaPipe's drawing utilities import matplotlib, which writes
  ``~/.cache/matplotlib`` and creates ``~/.config/matplotlib``; ``MPLCONFIGDIR`` sends both to our cache folder.

The cache folder (:func:`cache_dir`) is ``$FORMCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/formcheck``, else
``~/.cache/formcheck``.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import os
import sys
import threading
from importlib import util as importlib_util
from pathlib import Path

log = logging.getLogger(__name__)

#: The usage-logging endpoint compiled into libmediapipe.so, and what it becomes (same length: an unknown scheme).
USAGE_URL = b"https://play.googleapis.com/log"
BLOCKED_URL = b"nonet://play.googleapis.com/log"
assert len(USAGE_URL) == len(BLOCKED_URL)

_lock = threading.Lock()
_blocked: bool | None = None


def cache_dir(create: bool = False) -> Path:
    """Where formcheck (and the libraries it loads) keep caches: one folder, private to the user.

    ``$FORMCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/formcheck``, else ``~/.cache/formcheck``.
    """
    env = os.environ.get("FORMCHECK_CACHE_DIR")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "formcheck"
    if create and not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)  # e.g. ~/.cache, with the usual permissions
        path.mkdir(mode=0o700, exist_ok=True)
    return path


def prepare_mediapipe() -> None:
    """Call before MediaPipe is imported: caches go to :func:`cache_dir`, usage logging is switched off."""
    if "MPLCONFIGDIR" not in os.environ and "matplotlib" not in sys.modules:
        try:
            mpl = cache_dir(create=True) / "matplotlib"
            mpl.mkdir(mode=0o700, exist_ok=True)
            os.environ["MPLCONFIGDIR"] = str(mpl)
        except OSError as exc:  # matplotlib then picks a temporary folder itself
            log.debug("cache folder not usable: %s", exc)
    block_mediapipe_usage_logging()


def _libmediapipe_path() -> Path | None:
    spec = importlib_util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "tasks" / "c" / "libmediapipe.so"
    return path if path.exists() else None


def block_mediapipe_usage_logging() -> bool:
    """Make MediaPipe's usage-logging request impossible in this process (see the module docstring).

    Loads libmediapipe.so (as MediaPipe itself would on first use) and rewrites the endpoint URL in its mapped
    memory. Idempotent. Linux only (it reads /proc/self/maps); elsewhere it logs a warning and returns False.

    Returns:
        True when the endpoint was found and changed (now or earlier in this process).
    """
    global _blocked
    with _lock:
        if _blocked is None:
            _blocked = _block()
        return _blocked


def _block() -> bool:
    lib = _libmediapipe_path()
    if lib is None or not os.path.exists("/proc/self/maps"):
        log.warning("MediaPipe's usage logging could not be switched off here (no libmediapipe.so or no "
                    "/proc/self/maps): block play.googleapis.com on this machine if no request may leave it.")
        return False
    ctypes.CDLL(str(lib))  # the same handle (and mapping) MediaPipe's own ctypes loader gets
    try:
        found = _rewrite_in_mapped_library(lib.name, USAGE_URL, BLOCKED_URL)
    except OSError as exc:
        log.warning("MediaPipe's usage logging could not be switched off (%s): block play.googleapis.com on this "
                    "machine if no request may leave it.", exc)
        return False
    if not found:
        log.warning("MediaPipe's usage-logging endpoint was not found in %s (a new MediaPipe version?): check "
                    "with tests/test_no_network.py.", lib)
    return found


def _rewrite_in_mapped_library(lib_name: str, old: bytes, new: bytes) -> bool:
    """Replace ``old`` by ``new`` in the readable mappings of the loaded library ``lib_name``.

    Returns True when the bytes are ``new`` afterwards (also when an earlier call already changed them).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.memmem.restype = ctypes.c_void_p
    libc.memmem.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    page = mmap.PAGESIZE
    done = False
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        if len(fields) < 6 or os.path.basename(fields[5]) != lib_name or not fields[1].startswith("r"):
            continue
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        prot = (mmap.PROT_READ | (mmap.PROT_EXEC if "x" in fields[1] else 0)
                | (mmap.PROT_WRITE if "w" in fields[1] else 0))
        done = done or bool(libc.memmem(lo, hi - lo, new, len(new)))
        at = lo
        while at < hi:
            hit = libc.memmem(at, hi - at, old, len(old))
            if not hit:
                break
            first = hit - hit % page
            length = hit + len(old) - first
            if libc.mprotect(first, length, prot | mmap.PROT_WRITE) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"mprotect: {os.strerror(err)}")
            try:
                ctypes.memmove(hit, new, len(new))
            finally:
                libc.mprotect(first, length, prot)
            log.debug("MediaPipe usage logging: endpoint at %#x in %s switched off", hit, lib_name)
            done = True
            at = hit + len(old)
    return done
