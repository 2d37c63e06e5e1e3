"""The engine interface: submit clips, get a Future of each one's summary row.

Front ends (``formcheck batch``, the coach workspace's background worker) talk to an :class:`Engine`:

    from formcheck.batch import JobOptions, LocalEngine

    with LocalEngine(workers=2) as engine:
        futures = [engine.submit(path, out_dir / name, JobOptions(tempo="3-0-1-1")) for path, name in clips]
        for f in futures:
            row = f.result()          # a dict: status ok / skipped / error, verdict, rep_count, error, ...

Implementations: :class:`formcheck.batch.local.LocalEngine` (processes on this machine) and
:class:`formcheck.batch.ray_engine.RayEngine` (Ray actors, local or on a cluster). Both run
:func:`formcheck.batch.run_job` in long-lived workers that import MediaPipe and check the model once.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .job import JobOptions

ClipProgress = Callable[[int, str, int, int], None]
"""progress(slot, stage, done, total): which worker (0-based), stage "pose" or "video", frames done of total."""


@dataclass(frozen=True)
class Job:
    """One clip to analyse: where it is, where its outputs go, and how."""

    path: str
    out_dir: str
    options: JobOptions
    force: bool = False


class Engine:
    """Runs :func:`formcheck.batch.run_job` for submitted clips; subclasses say where.

    Thread-safe: ``submit`` may be called from any thread. Use as a context manager, or call
    :meth:`close`. Rows come back as plain dicts (see :data:`formcheck.batch.job.ROW_FIELDS`).
    """

    workers: int = 1

    def __init__(self) -> None:
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[Future, ClipProgress | None, Job]] = {}
        self._closed = False

    # -- what subclasses implement ------------------------------------------------------------------
    def _dispatch(self, job_id: int, job: Job) -> None:
        raise NotImplementedError

    def _shutdown(self, cancel: bool) -> None:
        raise NotImplementedError

    # -- the interface ------------------------------------------------------------------------------
    def submit(self, path: str | Path, out_dir: str | Path, options: JobOptions | dict | None = None, *,
               progress: ClipProgress | None = None, force: bool = False) -> Future:
        """Queue one clip; returns a Future whose result is the clip's summary row (never an exception
        for a bad clip: the row says ``status: "error"``).

        Args:
            path: the clip.
            out_dir: its own output folder.
            options: :class:`JobOptions` or a dict of its fields.
            progress: called as progress(slot, stage, done, total) from the engine's thread while it runs.
            force: analyse even if the folder holds a finished analysis of the same content and settings.
        """
        opts = options if isinstance(options, JobOptions) else JobOptions.from_dict(options)
        job = Job(str(path), str(out_dir), opts, force)
        fut: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("this engine is closed")
            job_id = next(self._ids)
            self._pending[job_id] = (fut, progress, job)
        self._dispatch(job_id, job)
        return fut

    def map(self, jobs: Iterable[Job], *, progress: ClipProgress | None = None) -> Iterator[dict]:
        """Submit every job and yield the rows as clips finish (completion order)."""
        from concurrent.futures import as_completed

        futures = [self.submit(j.path, j.out_dir, j.options, progress=progress, force=j.force) for j in jobs]
        for f in as_completed(futures):
            yield f.result()

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers: after the queued clips (default), or now (``cancel``: running clips are
        abandoned without a done-marker, so a later run analyses them again)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._shutdown(cancel)
        with self._lock:
            left = list(self._pending.values())
            self._pending.clear()
        for fut, _, _ in left:
            fut.cancel()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(cancel=exc_type is not None)

    # -- for subclasses: report back ----------------------------------------------------------------
    def _progress(self, job_id: int, slot: int, stage: str, done: int, total: int) -> None:
        with self._lock:
            entry = self._pending.get(job_id)
        if entry is not None and entry[1] is not None:
            entry[1](slot, stage, done, total)

    def _finish(self, job_id: int, row: dict) -> None:
        with self._lock:
            entry = self._pending.pop(job_id, None)
        if entry is not None and not entry[0].done():
            entry[0].set_result(row)

    def _fail(self, job_id: int, reason: str) -> None:
        """Finish a job whose worker was lost, with an error row saying so."""
        from .job import error_row

        with self._lock:
            entry = self._pending.get(job_id)
        if entry is not None:
            self._finish(job_id, error_row(entry[2].path, entry[2].out_dir, reason))


def make_engine(workers: int | None = 1, *, ray: str | bool | None = None, model: str = "full") -> Engine:
    """An engine for ``workers`` parallel clips: local processes, or Ray actors when ``ray`` is given
    (True or "local": a local Ray runtime; an address such as "ray://head:10001" or "head:6379": a cluster).
    ``workers`` None: 1 locally, one per CPU on Ray.

    Raises:
        FormcheckError: Ray asked for but not installed (the message says which extra to install).
    """
    if ray:
        from .ray_engine import RayEngine

        return RayEngine(None if ray in (True, "local") else str(ray), workers=workers, model=model)
    from .local import LocalEngine

    return LocalEngine(workers=1 if workers is None else workers, model=model)
