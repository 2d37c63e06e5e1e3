"""Clips analysed by Ray actors (``formcheck batch --ray [ADDRESS]``); Ray is the optional extra
``pip install 'formcheck[cluster]'`` and is imported only here.

``--ray`` starts a local Ray runtime bound to 127.0.0.1 with no dashboard; ``--ray ADDRESS`` joins a
running cluster (``ray://head:10001`` or ``head:6379``). Usage statistics are switched off
(``RAY_USAGE_STATS_ENABLED=0``) before Ray is imported, so it reports nothing anywhere.

Each actor is one worker process: it imports MediaPipe and checks the model once, then runs
:func:`formcheck.batch.run_job` for one clip after another (a fresh landmarker per clip, as everywhere).
On a cluster every node must see the clips and the output folder at the same paths (a shared file
system) and have formcheck installed; the rows say so when a clip is not there.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time

from ..errors import FormcheckError
from .engine import Engine, Job
from .job import error_row

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'formcheck[cluster]'"
_PROGRESS_EVERY_S = 0.5


def import_ray(local: bool = True):
    """Ray, imported with its usage statistics off; a FormcheckError naming the extra when it is missing.

    Args:
        local: a local runtime will be started: keep every Ray process on 127.0.0.1. Ray otherwise binds its
            services to the machine's network address, found by routing towards a public DNS server, and
            reads these settings once, on import.
    """
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # no usage report leaves the machine
    if local:
        # Ray's own switch for "no cluster, loopback only" (named for the platforms where it is the default).
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    try:
        import ray
    except ImportError:
        raise FormcheckError(f"--ray needs Ray, which is not installed. Install it with: {INSTALL_HINT}") from None
    # Ray >= 2.5x logs a warning when it turns token authentication on for a new local runtime: that is the
    # safe default, nothing for a user to act on.
    logging.getLogger("ray._private.authentication").setLevel(logging.ERROR)
    return ray


_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY")


class _loopback_only:
    """While a local runtime starts, point HTTP(S) proxies at a closed loopback port (loopback itself exempt).

    Even with usage statistics off and no dashboard, Ray starts a head process whose usage module asks the
    cloud metadata services who hosts the machine (HTTP to 169.254.169.254 and a DNS lookup of
    metadata.google.internal; seen with strace on Ray 2.60). The processes started now inherit these
    variables, so those requests fail on this machine instead of leaving it; Ray's own traffic is on
    127.0.0.1, which ``no_proxy`` exempts. This process's variables are restored afterwards.
    """

    def __enter__(self):
        self._saved = {k: os.environ.get(k) for k in _PROXY_VARS}
        closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
        os.environ.update({"http_proxy": closed, "HTTP_PROXY": closed, "https_proxy": closed, "HTTPS_PROXY": closed,
                           "no_proxy": "127.0.0.1,localhost,::1", "NO_PROXY": "127.0.0.1,localhost,::1"})
        return self

    def __exit__(self, *exc):
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _ClipWorker:
    """The actor: one process, one clip at a time (made a Ray actor class by :func:`_actor_class`)."""

    def __init__(self, slot: int, model: str, progress_queue, log_level: int):
        logging.basicConfig(level=log_level, format="%(levelname)s: %(message)s")
        from ..pose import warm_up

        self.slot = slot
        self.queue = progress_queue
        try:
            warm_up(model)
        except FormcheckError as exc:  # every clip will say so in its own row
            log.debug("actor %d: model not ready: %s", slot, exc)
        import formcheck.pipeline  # noqa: F401  (the analysis and rendering imports, also once)
        import formcheck.render.outputs  # noqa: F401

    def run(self, job_id: int, job: Job) -> dict:
        from .job import run_job

        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_EVERY_S or done >= total > 0:
                last[0] = now
                try:
                    self.queue.put_nowait((job_id, self.slot, stage, done, total))
                except Exception:  # progress is best effort: a full or gone queue must not fail the clip
                    pass

        return run_job(job.path, job.out_dir, job.options, progress=progress, force=job.force)


def _actor_class(ray):
    return ray.remote(num_cpus=1, max_restarts=0)(_ClipWorker)


class RayEngine(Engine):
    """Analyse clips on Ray actors.

    Args:
        address: None for a local runtime (started here and stopped by :meth:`close`), else a cluster
            address to join.
        workers: actors (clips in parallel); default: one per CPU Ray reports.
        model: the model the actors warm up with.

    Raises:
        FormcheckError: Ray is not installed, or the cluster cannot be reached.
    """

    def __init__(self, address: str | None = None, *, workers: int | None = None, model: str = "full"):
        super().__init__()
        ray = import_ray(local=address is None)
        self._ray = ray
        self._own = not ray.is_initialized()
        if self._own:
            quiet = dict(include_dashboard=False, configure_logging=True, logging_level=logging.WARNING,
                         log_to_driver=False)
            try:
                if address is None:
                    with _loopback_only():
                        ray.init(num_cpus=max(workers or 0, os.cpu_count() or 1), _node_ip_address="127.0.0.1",
                                 **quiet)
                else:
                    ray.init(address=address, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise FormcheckError(f"Could not {'start Ray' if address is None else f'join the Ray cluster at {address}'}"
                                     f" ({exc}). Check the address and that the cluster runs the same Ray "
                                     "version.") from None
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, workers or cpus)
        if self.workers > cpus:
            log.warning("%d workers asked for but Ray has %d CPUs: %d clips run at a time", self.workers, cpus, cpus)
        from ray.util.queue import Queue

        self._queue = Queue(actor_options={"num_cpus": 0})
        self._actor_cls = _actor_class(ray)
        self._model = model
        self._actors = {slot: self._new_actor(slot) for slot in range(self.workers)}
        self._free = collections.deque(range(self.workers))
        self._backlog: collections.deque[tuple[int, Job]] = collections.deque()
        self._in_flight: dict = {}  # ObjectRef -> (job id, slot)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="formcheck-ray", daemon=True)
        self._thread.start()

    def _new_actor(self, slot: int):
        return self._actor_cls.remote(slot, self._model, self._queue, logging.getLogger().level)

    def _dispatch(self, job_id: int, job: Job) -> None:
        with self._lock:
            self._backlog.append((job_id, job))
        self._wake.set()

    def _loop(self) -> None:
        ray = self._ray
        while not self._stop.is_set():
            with self._lock:
                while self._backlog and self._free:
                    job_id, job = self._backlog.popleft()
                    slot = self._free.popleft()
                    self._in_flight[self._actors[slot].run.remote(job_id, job)] = (job_id, slot, job)
                refs = list(self._in_flight)
            if not refs:
                self._wake.wait(0.2)
                self._wake.clear()
                continue
            ready, _ = ray.wait(refs, num_returns=1, timeout=0.25)
            self._drain_progress()
            for ref in ready:
                with self._lock:
                    job_id, slot, job = self._in_flight.pop(ref)
                try:
                    row = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the actor died (crash, OOM, node lost): only this clip fails
                    log.warning("Ray worker %d stopped: %s", slot, exc.__class__.__name__)
                    row = error_row(job.path, job.out_dir, f"the Ray worker analysing this clip stopped "
                                                           f"({exc.__class__.__name__}); the clip may crash the "
                                                           "decoder or the pose model, or memory ran out")
                    self._actors[slot] = self._new_actor(slot)
                with self._lock:
                    self._free.append(slot)
                self._finish(job_id, row)

    def _drain_progress(self) -> None:
        try:
            n = self._queue.size()
            items = self._queue.get_nowait_batch(n) if n else []
        except Exception:  # best effort, as on the actors' side
            return
        for job_id, slot, stage, done, total in items:
            self._progress(job_id, slot, stage, done, total)

    def _shutdown(self, cancel: bool) -> None:
        ray = self._ray
        if not cancel:
            while self._thread.is_alive() and (self._backlog or self._pending):
                time.sleep(0.05)
        self._stop.set()
        self._thread.join(timeout=5)
        for actor in self._actors.values():
            ray.kill(actor)  # running clips stop without a done-marker
        try:
            self._queue.shutdown(force=True)
        except Exception:  # the queue actor may already be gone with the runtime
            pass
        if self._own:
            ray.shutdown()
