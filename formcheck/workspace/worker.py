"""The background worker: takes queued jobs from the database and analyses them, one at a time.

Crash safety: outputs are written into a temporary folder and renamed when complete; the set's result and
the job's "done" are written in one transaction, and only while this worker still holds the job's lease. A
worker killed at any point leaves the stored clip, the set without a result, and the job running with a
lease that runs out, after which any worker takes it again. Run it with ``formcheck coach worker``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
import uuid

from sqlalchemy import update

from ..errors import FormcheckError
from . import jobs as jobq
from .analyse import analyse_clip
from .clients import get_client
from .db import Workspace, sets
from .migrations import now_iso
from .profile import analysis_options
from .sets import get_set
from .store import new_attempt_dir

log = logging.getLogger(__name__)


class Worker:
    """Runs jobs from a workspace's queue.

    Args:
        ws: the workspace.
        model: pose model for every analysis (lite, full, heavy).
        lease_s: how long a job stays ours without a heartbeat (heartbeats come every lease_s / 3).
        poll_s: pause between looks at an empty queue.
    """

    def __init__(self, ws: Workspace, *, model: str = "full", lease_s: float = jobq.DEFAULT_LEASE_S,
                 poll_s: float = 1.0, name: str | None = None):
        self.ws, self.model, self.lease_s, self.poll_s = ws, model, lease_s, poll_s
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def run(self, stop: threading.Event | None = None, *, once: bool = False, alive=None) -> int:
        """Work until stop is set (or, with once, until the queue is empty); returns the jobs run.

        alive: optional callable; the loop ends when it returns False (e.g. the app that started us is gone).
        """
        stop = stop or threading.Event()
        n = 0
        while not stop.is_set() and (alive is None or alive()):
            if self.run_one():
                n += 1
                continue
            if once:
                break
            stop.wait(self.poll_s)
        return n

    def run_one(self) -> bool:
        job = jobq.claim(self.ws, self.name, self.lease_s)
        if job is None:
            return False
        log.info("job %s: set %s, attempt %s", job["id"], job["set_id"], job["attempts"])
        self._run(job)
        return True

    def _run(self, job: dict) -> None:
        s = get_set(self.ws, job["set_id"])
        client = get_client(self.ws, s["client_id"])
        self._clear_leftovers(s)
        tmp, final = new_attempt_dir(self.ws.files, s["id"], job["id"], job["attempts"])
        beat = _Heartbeat(self, job["id"])
        beat.start()
        error = result = None
        try:
            result = analyse_clip(s["clip_file"], tmp, analysis_options(client, s, self.model), progress=beat.report)
            os.replace(tmp, final)
        except FormcheckError as exc:
            error = str(exc)
        except Exception as exc:  # a bug of ours: record it on the job (the worker keeps going), log the trace
            log.exception("job %s failed", job["id"])
            error = f"Internal error while analysing ({exc.__class__.__name__}: {exc}). Retry, or report it."
        finally:
            beat.stop()
            shutil.rmtree(tmp, ignore_errors=True)
        with self.ws.tx() as conn:
            held = jobq.finish(conn, job["id"], self.name, error=error)
            if held and error is None:
                conn.execute(update(sets).where(sets.c.id == s["id"]).values(
                    status="analysed", result_json=json.dumps(result), error=None, analysed_at=now_iso(),
                    exercise_found=result.get("exercise"),
                    outputs_dir=str(final.relative_to(self.ws.files)), seen_by_coach=0))
            elif held:
                conn.execute(update(sets).where(sets.c.id == s["id"]).values(status="failed", error=error))
        if not held:
            log.warning("job %s: lease lost to another worker; this attempt's outputs are dropped", job["id"])
            shutil.rmtree(final, ignore_errors=True)
        elif error is None and s.get("outputs") and s["outputs"] != final:
            shutil.rmtree(s["outputs"], ignore_errors=True)  # the previous analysis, now replaced

    def _clear_leftovers(self, s: dict) -> None:
        """Folders of attempts that never committed (a killed worker's), keeping the set's current outputs."""
        base = self.ws.files / "sets" / str(s["id"])
        if base.is_dir():
            for p in base.iterdir():
                if p.is_dir() and (s.get("outputs") is None or p.resolve() != s["outputs"].resolve()):
                    shutil.rmtree(p, ignore_errors=True)


class _Heartbeat:
    """Extends a job's lease every lease_s / 3 from its own thread, with the latest progress."""

    def __init__(self, worker: Worker, job_id: int):
        self.worker, self.job_id = worker, job_id
        self._stop = threading.Event()
        self._progress: tuple[float, str] = (0.0, "starting")
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{job_id}", daemon=True)

    def report(self, fraction: float, words: str) -> None:
        self._progress = (fraction, words)

    def start(self) -> None:
        jobq.heartbeat(self.worker.ws, self.job_id, self.worker.name, self.worker.lease_s, 0.0, "starting")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        every = max(0.2, min(2.0, self.worker.lease_s / 3))
        while not self._stop.wait(every):
            frac, words = self._progress
            if not jobq.heartbeat(self.worker.ws, self.job_id, self.worker.name, self.worker.lease_s, frac, words):
                log.warning("job %s: no longer ours", self.job_id)
                return


def parent_alive(pid: int | None):
    """A callable that is True while process pid lives (for a worker started by the app)."""
    if not pid:
        return None

    def alive() -> bool:  # started by pid: when it dies we are handed to another parent
        return os.getppid() == pid

    return alive


def wait_idle(ws: Workspace, timeout_s: float = 600.0) -> bool:
    """Wait until no job is queued or running (for scripts and tests); False on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not jobq.active(ws):
            return True
        time.sleep(0.3)
    return False
