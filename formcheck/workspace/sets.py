"""Sets: a stored clip for a client with its date, exercise, load / reps / RPE, and (once analysed) the result.

Importing the same clip twice for a client gives back the same set; a new set is queued for analysis in
the same transaction that records it, so an upload is never stored without its job.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import OptionError, VideoError
from ..video import VIDEO_EXTENSIONS
from . import jobs as jobq
from .clients import get_client
from .db import Workspace, clips, finding_decisions, row_dict, set_notes, sets
from .migrations import now_iso
from .store import safe_name, store_clip

log = logging.getLogger(__name__)

MAX_CLIP_BYTES = 1 << 30


def _check_date(recorded_on) -> str:
    if recorded_on is None:
        return date.today().isoformat()
    if isinstance(recorded_on, date):
        return recorded_on.isoformat()
    try:
        return date.fromisoformat(str(recorded_on)).isoformat()
    except ValueError:
        raise OptionError(f"The date must be YYYY-MM-DD, e.g. {date.today().isoformat()}; got '{recorded_on}'.") \
            from None


def import_clip(ws: Workspace, client_id: int, source, *, name: str, recorded_on=None, exercise: str = "auto",
                load_kg: float | None = None, reps_planned: int | None = None, rpe: float | None = None,
                source_kind: str = "coach") -> tuple[int, bool]:
    """Store a clip for a client and queue its analysis; returns (set id, True when the set is new).

    Args:
        source: a file path, bytes or a binary file object.
        name: the clip's original file name (only its extension and a safe form of it are kept).
    """
    from ..analysis.capabilities import EXERCISES

    get_client(ws, client_id)
    suffix = Path(name).suffix.lower()
    if suffix not in VIDEO_EXTENSIONS:
        raise VideoError(f"'{safe_name(name)}' is not a video formcheck can read (got '{suffix or 'no extension'}'). "
                         f"Use one of: {', '.join(VIDEO_EXTENSIONS)}.")
    if exercise not in ("auto", *EXERCISES):
        raise OptionError(f"Unknown exercise '{exercise}'. Use auto or one of: {', '.join(EXERCISES)}.")
    if rpe is not None and not 1 <= rpe <= 10:
        raise OptionError(f"RPE is from 1 to 10; got {rpe}.")
    when = _check_date(recorded_on)
    sha, rel, size = store_clip(ws.files, source, suffix)
    if size == 0:
        (ws.files / rel).unlink(missing_ok=True)  # never referenced: an empty clip is refused here
        raise VideoError(f"'{safe_name(name)}' is empty (0 bytes). Upload it again.")
    if size > MAX_CLIP_BYTES:
        raise VideoError(f"'{safe_name(name)}' is {size / 1e6:.0f} MB; the limit is {MAX_CLIP_BYTES / 1e6:.0f} MB.")
    for _ in range(2):  # a concurrent import of the same clip may win the insert: then read its set
        try:
            with ws.tx() as conn:
                if conn.execute(select(clips.c.sha256).where(clips.c.sha256 == sha)).first() is None:
                    conn.execute(insert(clips).values(sha256=sha, path=rel, size_bytes=size,
                                                      original_name=safe_name(name), created_at=now_iso()))
                old = conn.execute(select(sets.c.id).where(sets.c.client_id == client_id,
                                                           sets.c.clip_sha256 == sha)).first()
                if old is not None:
                    return int(old.id), False
                set_id = conn.execute(insert(sets).values(
                    client_id=client_id, clip_sha256=sha, recorded_on=when, exercise=exercise, load_kg=load_kg,
                    reps_planned=reps_planned, rpe=rpe, source=source_kind, status="queued", original_name=safe_name(name),
                    created_at=now_iso())).inserted_primary_key[0]
                jobq.enqueue(conn, set_id)
                return int(set_id), True
        except IntegrityError:
            continue
    raise RuntimeError("could not record the set after two attempts")


def _out(row) -> dict | None:
    d = row_dict(row)
    if d is not None:
        d["result"] = json.loads(d["result_json"]) if d.get("result_json") else None
        d.pop("result_json", None)
    return d


def get_set(ws: Workspace, set_id: int, client_id: int | None = None) -> dict:
    """One set with its result, clip path and client name; with client_id, only if it is that client's."""
    from .db import clients

    q = (select(sets, clips.c.path.label("clip_path"), clients.c.name.label("client_name"))
         .join(clips, clips.c.sha256 == sets.c.clip_sha256).join(clients, clients.c.id == sets.c.client_id)
         .where(sets.c.id == set_id))
    if client_id is not None:
        q = q.where(sets.c.client_id == client_id)
    with ws.read() as conn:
        row = conn.execute(q).first()
    if row is None:
        raise OptionError(f"No set with id {set_id}" + (" for this client" if client_id is not None else "") +
                          ". List sets with 'formcheck coach list --sets'.")
    d = _out(row)
    d["clip_file"] = ws.files / d["clip_path"]
    d["outputs"] = (ws.files / d["outputs_dir"]) if d.get("outputs_dir") else None
    return d


def list_sets(ws: Workspace, client_id: int | None = None) -> list[dict]:
    """Sets newest first (without their result JSON), with the latest job's state and progress."""
    from .db import clients, jobs

    from sqlalchemy import func

    newest = select(func.max(jobs.c.id)).group_by(jobs.c.set_id)
    latest = select(jobs.c.set_id, jobs.c.state.label("job_state"), jobs.c.progress, jobs.c.message,
                    jobs.c.id.label("job_id")).where(jobs.c.id.in_(newest)).subquery()
    cols = [c for c in sets.c if c.name != "result_json"]
    q = (select(*cols, clients.c.name.label("client_name"), latest.c.job_state,
                latest.c.progress, latest.c.message, latest.c.job_id)
         .join(clients, clients.c.id == sets.c.client_id)
         .outerjoin(latest, latest.c.set_id == sets.c.id)
         .order_by(sets.c.recorded_on.desc(), sets.c.id.desc()))
    if client_id is not None:
        q = q.where(sets.c.client_id == client_id)
    with ws.read() as conn:
        return [row_dict(r) for r in conn.execute(q)]


def history(ws: Workspace, client_id: int) -> list[dict]:
    """The client's analysed sets oldest first, each with its numbers (:func:`findings.set_metrics`)."""
    from .findings import set_metrics

    with ws.read() as conn:
        rows = conn.execute(select(sets.c.id, sets.c.recorded_on, sets.c.result_json, sets.c.load_kg, sets.c.rpe)
                            .where(sets.c.client_id == client_id, sets.c.status == "analysed")
                            .order_by(sets.c.recorded_on, sets.c.id)).all()
        dismissed: dict[int, set[str]] = {}
        for d in conn.execute(select(finding_decisions.c.set_id, finding_decisions.c.finding_key)
                              .where(finding_decisions.c.decision == "dismissed",
                                     finding_decisions.c.set_id.in_([r.id for r in rows]))):
            dismissed.setdefault(d.set_id, set()).add(d.finding_key)
    out = []
    for r in rows:
        m = set_metrics(json.loads(r.result_json), dismissed.get(r.id, set()))
        out.append({"set_id": r.id, "recorded_on": r.recorded_on, "load_kg": r.load_kg, "rpe": r.rpe, **m})
    return out


def mark_seen(ws: Workspace, set_id: int) -> None:
    with ws.tx() as conn:
        conn.execute(update(sets).where(sets.c.id == set_id, sets.c.seen_by_coach == 0).values(seen_by_coach=1))


def set_shared(ws: Workspace, set_id: int, shared: bool) -> None:
    """Whether the client sees the report of this set on their upload page."""
    with ws.tx() as conn:
        conn.execute(update(sets).where(sets.c.id == set_id).values(shared_at=now_iso() if shared else None))


def delete_set(ws: Workspace, set_id: int) -> None:
    """Delete a set, its notes, decisions and jobs, then its outputs (the stored clip stays for other sets)."""
    get_set(ws, set_id)
    with ws.tx() as conn:
        conn.execute(delete(set_notes).where(set_notes.c.set_id == set_id))
        conn.execute(delete(sets).where(sets.c.id == set_id))
    shutil.rmtree(ws.files / "sets" / str(set_id), ignore_errors=True)
