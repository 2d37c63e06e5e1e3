"""Many clips at once: one job function, engines that run it in parallel, and the batch summary.

    from formcheck.batch import JobOptions, run_job
    row = run_job("set.mp4", "out/set", JobOptions(tempo="3-0-1-1"))   # one clip, in this process
    row["status"], row["verdict"], row["error"]

    from formcheck.batch import LocalEngine
    with LocalEngine(workers=2) as engine:                              # clips in parallel processes
        rows = [f.result() for f in [engine.submit(p, out / p.stem) for p in clips]]

Modules: :mod:`.job` (run_job, JobOptions, the done-marker), :mod:`.engine` (the Engine interface),
:mod:`.local` (processes on this machine), :mod:`.ray_engine` (Ray actors; optional extra, imported only
when asked for), :mod:`.inputs` (folders, globs and list files; folder names), :mod:`.summary`
(summary.csv and index.html).
"""

from .engine import Engine, Job, make_engine
from .job import DONE_MARKER, ROW_FIELDS, JobOptions, read_marker, run_job
from .local import LocalEngine

__all__ = ["run_job", "JobOptions", "Job", "Engine", "LocalEngine", "make_engine", "DONE_MARKER", "ROW_FIELDS",
           "read_marker"]
