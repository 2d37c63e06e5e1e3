"""Clips analysed in worker processes on this machine (``formcheck batch --workers N``).

Each worker is its own process, started with "spawn" (a forked copy of a process that already runs
MediaPipe's or FFmpeg's threads can deadlock). It imports MediaPipe and checks the model once, then runs
:func:`formcheck.batch.run_job` for one clip after another; every clip gets its own landmarker (never
shared between threads, processes or clips). Workers ignore SIGINT: the parent decides, and on Ctrl-C or
SIGTERM it stops them (their unfinished clips have no done-marker and are analysed again next time).
A worker that dies (a crash in native code, the OOM killer) fails only its clip and is replaced.

Jobs wait in the parent and go to the workers one at a time per free worker, so stopping early leaves
nothing queued in a pipe.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing as mp
import queue
import signal
import threading
import time

from .engine import Engine, Job
from .job import run_job

log = logging.getLogger(__name__)

_PROGRESS_EVERY_S = 0.25  # progress messages per clip: at most 4 a second


def _worker_main(slot: int, tasks, results, model: str, log_level: int) -> None:
    """A worker process: warm up once, then run jobs until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(levelname)s: %(message)s")
    from ..errors import FormcheckError
    from ..pose import warm_up

    try:
        warm_up(model)
    except FormcheckError as exc:  # every clip will say so in its own row
        log.debug("worker %d: model not ready: %s", slot, exc)
    import formcheck.pipeline  # noqa: F401  (the analysis and rendering imports, also once)
    import formcheck.render.outputs  # noqa: F401
    while True:
        item = tasks.get()
        if item is None:
            return
        job_id, job = item
        results.put(("started", job_id, slot))
        last = [0.0]

        def progress(stage: str, done: int, total: int, _id=job_id) -> None:
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_EVERY_S or done >= total > 0:
                last[0] = now
                results.put(("progress", _id, slot, stage, done, total))

        row = run_job(job.path, job.out_dir, job.options, progress=progress, force=job.force)
        results.put(("done", job_id, slot, row))


class LocalEngine(Engine):
    """Analyse clips in ``workers`` processes on this machine (0: in one background thread of this process).

    Args:
        workers: clips analysed in parallel. Each process needs ~0.6 GB and about one core with the full
            model; more workers than cores only adds waiting. 0 runs the clips one after another in a
            thread of the calling process (for a caller that is itself a background worker); a clip
            running there cannot be cancelled, only the ones waiting.
        model: the model the workers warm up with (a job may still name another).
    """

    def __init__(self, workers: int = 1, *, model: str = "full"):
        super().__init__()
        if workers < 0:
            raise ValueError(f"workers must be 0 or more, got {workers}")
        self.workers = workers
        self._model = model
        self._ctx = mp.get_context("spawn")
        self._backlog: collections.deque[tuple[int, Job]] = collections.deque()
        self._in_flight = 0
        self._procs: dict[int, mp.process.BaseProcess] = {}
        self._running: dict[int, int] = {}  # slot -> job id
        self._stop = threading.Event()
        self._wake = threading.Event()
        if workers:
            self._tasks = self._ctx.Queue()
            self._results = self._ctx.Queue()
            for slot in range(workers):
                self._start_worker(slot)
            target = self._collect
        else:
            target = self._run_in_thread
        self._thread = threading.Thread(target=target, name="formcheck-batch", daemon=True)
        self._thread.start()

    def _start_worker(self, slot: int) -> None:
        p = self._ctx.Process(target=_worker_main, name=f"formcheck-worker-{slot}", daemon=True,
                              args=(slot, self._tasks, self._results, self._model, logging.getLogger().level))
        p.start()
        self._procs[slot] = p

    def _dispatch(self, job_id: int, job: Job) -> None:
        with self._lock:
            self._backlog.append((job_id, job))
        self._pump()

    def _pump(self) -> None:
        """Hand waiting jobs to free workers (process mode), or wake the thread (in-thread mode)."""
        if not self.workers:
            self._wake.set()
            return
        with self._lock:
            while self._backlog and self._in_flight < self.workers and not self._stop.is_set():
                self._tasks.put(self._backlog.popleft())
                self._in_flight += 1

    def _next(self) -> tuple[int, Job] | None:
        with self._lock:
            return self._backlog.popleft() if self._backlog else None

    # -- in-thread mode (workers=0) --------------------------------------------------------------------
    def _run_in_thread(self) -> None:
        while not self._stop.is_set():
            item = self._next()
            if item is None:
                self._wake.wait(0.2)
                self._wake.clear()
                continue
            job_id, job = item
            row = run_job(job.path, job.out_dir, job.options, force=job.force,
                          progress=lambda stage, done, total, _id=job_id: self._progress(_id, 0, stage, done, total))
            self._finish(job_id, row)

    # -- process mode ----------------------------------------------------------------------------------
    def _collect(self) -> None:
        checked = time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - checked > 0.5:
                self._check_workers()
                checked = time.monotonic()
            try:
                msg = self._results.get(timeout=0.5)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):  # the queue was closed under us: shutting down
                return
            kind, job_id, slot = msg[:3]
            if kind == "started":
                self._running[slot] = job_id
            elif kind == "progress":
                self._progress(job_id, slot, *msg[3:])
            elif kind == "done":
                self._running.pop(slot, None)
                self._job_left(job_id, msg[3])

    def _job_left(self, job_id: int, row: dict | None, reason: str | None = None) -> None:
        with self._lock:
            self._in_flight -= 1
        if row is not None:
            self._finish(job_id, row)
        else:
            self._fail(job_id, reason or "the worker stopped")
        self._pump()

    def _check_workers(self) -> None:
        """A worker that died fails its clip (the row says so) and is replaced."""
        for slot, p in list(self._procs.items()):
            if p.is_alive() or self._stop.is_set():
                continue
            log.warning("worker %d stopped (exit code %s); starting another", slot, p.exitcode)
            self._start_worker(slot)
            job_id = self._running.pop(slot, None)
            if job_id is not None:
                self._job_left(job_id, None, f"the worker analysing this clip stopped (exit code {p.exitcode}): "
                                             "the clip may crash the video decoder or the pose model, or memory "
                                             "ran out")

    def _shutdown(self, cancel: bool) -> None:
        if not self.workers:
            if cancel:
                with self._lock:
                    self._backlog.clear()
                self._stop.set()
            else:
                while self._thread.is_alive() and (self._backlog or self._pending):
                    time.sleep(0.05)
                self._stop.set()
            self._thread.join(timeout=None if not cancel else 1)
            return
        if not cancel:
            while self._thread.is_alive() and (self._backlog or self._pending):
                time.sleep(0.05)
        self._stop.set()
        with self._lock:
            self._backlog.clear()
        for _ in self._procs:
            self._tasks.put(None)
        for p in self._procs.values():
            if cancel and p.is_alive():
                p.terminate()  # SIGTERM to our own worker: its clip stays without a done-marker
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
        self._thread.join(timeout=5)
        for q in (self._tasks, self._results):
            q.cancel_join_thread()  # never block this process's exit on a pipe nobody reads any more
            q.close()
