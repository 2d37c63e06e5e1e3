"""Clients (name, notes, their own tempo target and fault switches) and their upload links."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import and_, case, delete, func, insert, select, update

from ..tempo import Tempo
from ..errors import OptionError
from .db import Workspace, clients, jobs, row_dict, sets, upload_tokens
from .migrations import now_iso

TOKEN_BYTES = 24  # 32 url-safe characters: unguessable


def _check(name: str | None, tempo: str | None, faults_off) -> None:
    if name is not None and not name.strip():
        raise OptionError("A client needs a name.")
    if tempo:
        Tempo.parse(tempo)
    if faults_off is not None:
        from .findings import FAULT_NAMES

        unknown = sorted(set(faults_off) - set(FAULT_NAMES))
        if unknown:
            raise OptionError(f"Unknown fault switches {unknown}; known: {', '.join(FAULT_NAMES)}.")


def _out(row) -> dict | None:
    d = row_dict(row)
    if d is not None:
        d["faults_off"] = json.loads(d.get("faults_off") or "[]")
    return d


def add_client(ws: Workspace, name: str, *, notes: str = "", tempo_target: str | None = None,
               faults_off: list[str] | None = None) -> int:
    _check(name, tempo_target, faults_off)
    with ws.tx() as conn:
        return conn.execute(insert(clients).values(
            name=name.strip(), notes=notes or "", tempo_target=(tempo_target or None),
            faults_off=json.dumps(sorted(faults_off or [])), created_at=now_iso())).inserted_primary_key[0]


def update_client(ws: Workspace, client_id: int, *, name: str | None = None, notes: str | None = None,
                  tempo_target: str | None = None, faults_off: list[str] | None = None,
                  clear_tempo: bool = False) -> None:
    _check(name, tempo_target, faults_off)
    values = {}
    if name is not None:
        values["name"] = name.strip()
    if notes is not None:
        values["notes"] = notes
    if tempo_target or clear_tempo:
        values["tempo_target"] = tempo_target or None
    if faults_off is not None:
        values["faults_off"] = json.dumps(sorted(faults_off))
    if values:
        with ws.tx() as conn:
            conn.execute(update(clients).where(clients.c.id == client_id).values(**values))


def get_client(ws: Workspace, client_id: int) -> dict:
    with ws.read() as conn:
        row = conn.execute(select(clients).where(clients.c.id == client_id)).first()
    if row is None:
        raise OptionError(f"No client with id {client_id} in this workspace. List them with 'formcheck coach list'.")
    return _out(row)


def find_client(ws: Workspace, ref: str | int) -> dict:
    """A client by id or by exact name (case-insensitive)."""
    if isinstance(ref, int) or str(ref).isdigit():
        return get_client(ws, int(ref))
    with ws.read() as conn:
        rows = conn.execute(select(clients).where(func.lower(clients.c.name) == str(ref).strip().lower())).all()
    if len(rows) != 1:
        raise OptionError(f"{'No' if not rows else 'More than one'} client named '{ref}'; use the client's id "
                          "from 'formcheck coach list'.")
    return _out(rows[0])


def list_clients(ws: Workspace) -> list[dict]:
    """Every client with counts: sets, new (analysed, not yet opened by the coach), waiting jobs, last date."""
    new = func.sum(case((and_(sets.c.status == "analysed", sets.c.seen_by_coach == 0), 1), else_=0))
    per_client = (select(sets.c.client_id, func.count(sets.c.id).label("n_sets"), new.label("n_new"),
                         func.max(sets.c.recorded_on).label("last_set"))
                  .group_by(sets.c.client_id).subquery())
    waiting = (select(sets.c.client_id, func.count(jobs.c.id).label("n_waiting"))
               .select_from(jobs.join(sets, jobs.c.set_id == sets.c.id))
               .where(jobs.c.state.in_(("queued", "running"))).group_by(sets.c.client_id).subquery())
    q = (select(clients, func.coalesce(per_client.c.n_sets, 0).label("n_sets"),
                func.coalesce(per_client.c.n_new, 0).label("n_new"), per_client.c.last_set,
                func.coalesce(waiting.c.n_waiting, 0).label("n_waiting"))
         .select_from(clients.outerjoin(per_client, per_client.c.client_id == clients.c.id)
                      .outerjoin(waiting, waiting.c.client_id == clients.c.id))
         .order_by(func.lower(clients.c.name), clients.c.id))
    with ws.read() as conn:
        return [_out(r) for r in conn.execute(q)]


def delete_client(ws: Workspace, client_id: int) -> None:
    """Delete a client with their sets, notes, decisions, jobs and links (explicit: nothing else deletes).

    Stored clips stay (another client may share them); outputs folders are removed after the commit.
    """
    import shutil

    get_client(ws, client_id)
    with ws.tx() as conn:
        set_ids = [r.id for r in conn.execute(select(sets.c.id).where(sets.c.client_id == client_id))]
        conn.execute(delete(clients).where(clients.c.id == client_id))
    for sid in set_ids:
        shutil.rmtree(ws.files / "sets" / str(sid), ignore_errors=True)


def create_link(ws: Workspace, client_id: int) -> str:
    """A new upload token for the client (older ones keep working until revoked)."""
    get_client(ws, client_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with ws.tx() as conn:
        conn.execute(insert(upload_tokens).values(token=token, client_id=client_id, created_at=now_iso()))
    return token


def client_links(ws: Workspace, client_id: int) -> list[dict]:
    with ws.read() as conn:
        return [row_dict(r) for r in conn.execute(
            select(upload_tokens).where(upload_tokens.c.client_id == client_id, upload_tokens.c.revoked_at.is_(None))
            .order_by(upload_tokens.c.created_at))]


def revoke_link(ws: Workspace, token: str) -> None:
    with ws.tx() as conn:
        conn.execute(update(upload_tokens).where(upload_tokens.c.token == token).values(revoked_at=now_iso()))


def client_for_token(ws: Workspace, token: str | None) -> dict | None:
    """The client a live upload token belongs to, or None (unknown, revoked or malformed: no hint which)."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    with ws.read() as conn:
        row = conn.execute(select(clients).join(upload_tokens, upload_tokens.c.client_id == clients.c.id)
                           .where(upload_tokens.c.token == token, upload_tokens.c.revoked_at.is_(None))).first()
    return _out(row)
