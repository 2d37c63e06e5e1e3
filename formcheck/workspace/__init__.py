"""The coach's workspace: clients, their uploaded sets, analyses in the background, reviews and reports.

    >>> from formcheck.workspace import Workspace, clients, sets
    >>> ws = Workspace("coach.db")
    >>> cid = clients.add_client(ws, "Ana", tempo_target="2-0-1-1")
    >>> set_id, new = sets.import_clip(ws, cid, "row.mp4", name="row.mp4")

Modules: db (engine, tables), migrations, store (clips by sha256), clients (and upload links), accounts,
sets, jobs (the queue), worker, analyse (the one call into formcheck), findings (reads results), review
(notes, decisions), profile (client settings as options), report (the client report), service (the app's
worker process).
"""

from .db import Workspace

__all__ = ["Workspace"]
