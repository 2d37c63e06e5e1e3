"""The coach's review of a set: notes (on the set or on one rep) and a decision on each finding
(confirmed, dismissed, or edited: confirmed with the coach's own cue)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from ..errors import OptionError
from .db import Workspace, finding_decisions, row_dict, set_notes
from .migrations import now_iso

DECISIONS = ("confirmed", "dismissed", "edited")


def add_note(ws: Workspace, set_id: int, text: str, rep_index: int | None = None) -> int:
    text = (text or "").strip()
    if not text:
        raise OptionError("A note needs some text.")
    with ws.tx() as conn:
        return int(conn.execute(insert(set_notes).values(set_id=set_id, text=text, rep_index=rep_index,
                                                         created_at=now_iso())).inserted_primary_key[0])


def delete_note(ws: Workspace, note_id: int) -> None:
    with ws.tx() as conn:
        conn.execute(delete(set_notes).where(set_notes.c.id == note_id))


def notes(ws: Workspace, set_id: int) -> list[dict]:
    with ws.read() as conn:
        return [row_dict(r) for r in conn.execute(select(set_notes).where(set_notes.c.set_id == set_id)
                                                  .order_by(set_notes.c.rep_index.is_not(None), set_notes.c.rep_index,
                                                            set_notes.c.id))]


def decide(ws: Workspace, set_id: int, finding_key: str, decision: str | None, cue: str | None = None) -> None:
    """Record the coach's decision on a finding (None clears it back to 'not reviewed')."""
    if decision is not None and decision not in DECISIONS:
        raise OptionError(f"A decision is one of {', '.join(DECISIONS)}; got '{decision}'.")
    if decision == "edited" and not (cue or "").strip():
        raise OptionError("An edited finding needs the cue text to send instead.")
    with ws.tx() as conn:
        conn.execute(delete(finding_decisions).where(finding_decisions.c.set_id == set_id,
                                                     finding_decisions.c.finding_key == finding_key))
        if decision is not None:
            conn.execute(insert(finding_decisions).values(set_id=set_id, finding_key=finding_key, decision=decision,
                                                          cue=(cue or "").strip() or None, decided_at=now_iso()))


def decisions(ws: Workspace, set_id: int) -> dict[str, dict]:
    """finding key -> {"decision", "cue", "decided_at"}."""
    with ws.read() as conn:
        return {r.finding_key: {"decision": r.decision, "cue": r.cue, "decided_at": r.decided_at}
                for r in conn.execute(select(finding_decisions).where(finding_decisions.c.set_id == set_id))}


def confirm_rest(ws: Workspace, set_id: int, keys: list[str]) -> int:
    """Confirm every listed finding that has no decision yet; returns how many."""
    done = decisions(ws, set_id)
    todo = [k for k in keys if k not in done]
    with ws.tx() as conn:
        for k in todo:
            conn.execute(insert(finding_decisions).values(set_id=set_id, finding_key=k, decision="confirmed",
                                                          decided_at=now_iso()))
    return len(todo)


__all__ = ["DECISIONS", "add_note", "delete_note", "notes", "decide", "decisions", "confirm_rest"]
