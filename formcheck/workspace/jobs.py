"""The job queue, stored in the database: one row per analysis attempt chain of a set.

States: queued -> running -> done | failed. A running job holds a lease (``lease_until``, epoch seconds)
that its worker extends with heartbeats; when a worker dies the lease runs out and the next worker takes
the job again. Claiming is a compare-and-set UPDATE, so two workers never run the same job.
"""

from __future__ import annotations

import time

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection

from .db import Workspace, jobs, row_dict, sets
from .migrations import now_iso

MAX_ATTEMPTS = 3
DEFAULT_LEASE_S = 60.0


def enqueue(conn: Connection, set_id: int) -> int:
    """Queue an analysis of a set (inside the caller's transaction)."""
    now = now_iso()
    return int(conn.execute(insert(jobs).values(set_id=set_id, state="queued", attempts=0, created_at=now,
                                                updated_at=now, progress=0.0, message="waiting")).inserted_primary_key[0])


def retry(ws: Workspace, set_id: int) -> int:
    """Queue a set again (after a failure, or to re-analyse with the client's new settings); returns the job id
    (the one already waiting, if any)."""
    with ws.tx() as conn:
        active = conn.execute(select(jobs.c.id).where(jobs.c.set_id == set_id,
                                                      jobs.c.state.in_(("queued", "running")))).first()
        if active is not None:
            return int(active.id)
        # An analysed set keeps its result (and its place in the history) until the new one replaces it.
        conn.execute(update(sets).where(sets.c.id == set_id, sets.c.status != "analysed")
                     .values(status="queued", error=None))
        return enqueue(conn, set_id)


def _claimable(now: float):
    return or_(jobs.c.state == "queued", and_(jobs.c.state == "running", jobs.c.lease_until < now))


def claim(ws: Workspace, worker: str, lease_s: float = DEFAULT_LEASE_S) -> dict | None:
    """Take the oldest job that is queued or whose worker's lease ran out; None when there is none.

    A job that already used MAX_ATTEMPTS is marked failed instead of being run again (a clip that kills the
    worker every time must not take it down forever).
    """
    for _ in range(5):
        now = time.time()
        with ws.tx() as conn:
            row = conn.execute(select(jobs).where(_claimable(now)).order_by(jobs.c.id).limit(1)).first()
            if row is None:
                return None
            if row.attempts >= MAX_ATTEMPTS:
                msg = (f"Analysis stopped {row.attempts} times without finishing (the worker died each time). "
                       "Check the clip plays, trim it, and retry.")
                conn.execute(update(jobs).where(jobs.c.id == row.id).values(state="failed", error=msg,
                                                                             updated_at=now_iso(), lease_until=None))
                conn.execute(update(sets).where(sets.c.id == row.set_id).values(status="failed", error=msg))
                continue
            got = conn.execute(update(jobs).where(jobs.c.id == row.id, _claimable(now)).values(
                state="running", worker=worker, lease_until=now + lease_s, attempts=row.attempts + 1,
                updated_at=now_iso(), progress=0.0, message="starting")).rowcount
            if got == 1:
                return {**row_dict(row), "state": "running", "worker": worker, "attempts": row.attempts + 1}
    return None


def heartbeat(ws: Workspace, job_id: int, worker: str, lease_s: float = DEFAULT_LEASE_S,
              progress: float | None = None, message: str | None = None) -> bool:
    """Extend the lease (and record progress); False when this worker no longer holds the job."""
    values = {"lease_until": time.time() + lease_s, "updated_at": now_iso()}
    if progress is not None:
        values["progress"] = float(progress)
    if message is not None:
        values["message"] = message
    with ws.tx() as conn:
        return conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.worker == worker,
                                               jobs.c.state == "running").values(**values)).rowcount == 1


def finish(conn: Connection, job_id: int, worker: str, *, error: str | None = None) -> bool:
    """Mark the job done (or failed with error) inside the caller's transaction, if this worker holds it."""
    return conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.state == "running")
                        .values(state="failed" if error else "done", error=error, lease_until=None,
                                progress=1.0 if not error else jobs.c.progress,
                                message="failed" if error else "done", updated_at=now_iso())).rowcount == 1


def active(ws: Workspace, client_id: int | None = None) -> list[dict]:
    """Queued and running jobs, oldest first, with their set's client."""
    from .db import clients

    q = (select(jobs, sets.c.client_id, sets.c.recorded_on, clients.c.name.label("client_name"))
         .join(sets, sets.c.id == jobs.c.set_id).join(clients, clients.c.id == sets.c.client_id)
         .where(jobs.c.state.in_(("queued", "running"))).order_by(jobs.c.id))
    if client_id is not None:
        q = q.where(sets.c.client_id == client_id)
    with ws.read() as conn:
        return [row_dict(r) for r in conn.execute(q)]


def get(ws: Workspace, job_id: int) -> dict | None:
    with ws.read() as conn:
        return row_dict(conn.execute(select(jobs).where(jobs.c.id == job_id)).first())
