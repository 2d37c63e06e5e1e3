"""``formcheck coach``: the coach's workspace from the command line (same database as the app).

    formcheck coach --db coach.db add-client "Ana" --tempo 2-0-1-1
    formcheck coach --db coach.db import Ana set.mp4 --date 2025-01-31 --load 40
    formcheck coach --db coach.db worker --once
    formcheck coach --db coach.db report 3 --out reports/
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import OptionError

DEFAULT_DB = Path.home() / ".formcheck" / "workspace.db"


def default_db() -> str:
    return os.environ.get("FORMCHECK_DB") or str(DEFAULT_DB)


def add_parser(sub) -> None:
    from ..analysis.capabilities import EXERCISES
    from .options import model_arg

    p = sub.add_parser("coach", help="the coach's workspace: clients, their sets, analyses, reports",
                       description="A coach's clients and their sets in one database (SQLite file or "
                                   "PostgreSQL URL), analysed in the background by 'worker'.")
    p.add_argument("--db", default=default_db(), help="SQLite file or postgresql:// URL "
                   "(default $FORMCHECK_DB or ~/.formcheck/workspace.db)")
    p.add_argument("--files", default=os.environ.get("FORMCHECK_FILES"),
                   help="folder for clips and outputs (default: <db>-files beside a SQLite file)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    import argparse

    json_opt = argparse.ArgumentParser(add_help=False)
    json_opt.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON on stdout")
    cs = p.add_subparsers(dest="coach_command", metavar="ACTION", parser_class=type(p))
    _add = cs.add_parser
    cs.add_parser = lambda *a, **k: _add(*a, parents=[json_opt], **k)
    a = cs.add_parser("add-client", help="add a client")
    a.add_argument("name")
    a.add_argument("--tempo", default=None, help="the client's target tempo, e.g. 3-0-1-1")
    a.add_argument("--faults-off", default="", help="comma-separated faults not to check for this client")
    a.add_argument("--notes", default="")
    a.add_argument("--link", action="store_true", help="also create an upload link token")
    a.set_defaults(func=cmd_add_client)
    c = cs.add_parser("add-coach", help="add a coach login for the app (password read from stdin)")
    c.add_argument("username")
    c.set_defaults(func=cmd_add_coach)
    lk = cs.add_parser("link", help="create an upload link token for a client")
    lk.add_argument("client", help="client id or name")
    lk.set_defaults(func=cmd_link)
    ls = cs.add_parser("list", help="list clients, or one client's sets")
    ls.add_argument("client", nargs="?", help="client id or name: list their sets")
    ls.add_argument("--jobs", action="store_true", help="list queued and running jobs instead")
    ls.set_defaults(func=cmd_list)
    i = cs.add_parser("import", help="store a clip as a client's set and queue its analysis")
    i.add_argument("client", help="client id or name")
    i.add_argument("video")
    i.add_argument("--date", default=None, help="day of the set, YYYY-MM-DD (default today)")
    i.add_argument("--exercise", default="auto", choices=["auto", *EXERCISES], metavar="NAME")
    i.add_argument("--load", type=float, default=None, help="load in kg")
    i.add_argument("--reps", type=int, default=None, help="reps planned")
    i.add_argument("--rpe", type=float, default=None)
    i.add_argument("--analyse", action="store_true", help="run the analysis now instead of leaving it queued")
    i.add_argument("--model", type=model_arg, default="full")
    i.set_defaults(func=cmd_import)
    r = cs.add_parser("report", help="write the client report of a set (HTML with the video, or a zip)")
    r.add_argument("set_id", type=int)
    r.add_argument("--out", default=".", help="folder or file (default: current folder)")
    r.set_defaults(func=cmd_report)
    e = cs.add_parser("export", help="everything in the workspace as JSON (clients, sets, results, notes, decisions)")
    e.add_argument("--out", default="-", help="file (default stdout)")
    e.set_defaults(func=cmd_export)
    w = cs.add_parser("worker", help="analyse queued sets (runs until stopped; --once: until the queue is empty)")
    w.add_argument("--once", action="store_true")
    w.add_argument("--model", type=model_arg, default="full")
    w.add_argument("--lease", type=float, default=60.0, help="seconds a job stays ours without a heartbeat")
    w.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    w.set_defaults(func=cmd_worker)
    rt = cs.add_parser("retry", help="queue a set's analysis again")
    rt.add_argument("set_id", type=int)
    rt.set_defaults(func=cmd_retry)
    d = cs.add_parser("delete", help="delete a set or a client (with all their sets) for good")
    d.add_argument("what", choices=["set", "client"])
    d.add_argument("ref", help="set id, or client id or name")
    d.add_argument("--yes", action="store_true", help="required: deleting cannot be undone")
    d.set_defaults(func=cmd_delete)
    p.set_defaults(func=lambda args: _no_action(p))


def _no_action(p) -> int:
    p.print_help()
    return 2


def _ws(args):
    from ..workspace import Workspace

    return Workspace(args.db, args.files)


def _emit(args, data, text: str) -> None:
    if args.json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(text + ("\n" if text and not text.endswith("\n") else ""))


def cmd_add_client(args) -> int:
    from ..workspace import clients

    ws = _ws(args)
    off = [f.strip() for f in args.faults_off.split(",") if f.strip()]
    cid = clients.add_client(ws, args.name, notes=args.notes, tempo_target=args.tempo, faults_off=off)
    token = clients.create_link(ws, cid) if args.link else None
    _emit(args, {"client_id": cid, "name": args.name, "token": token},
          f"client {cid}: {args.name}" + (f"\nupload link token: {token}" if token else ""))
    return 0


def cmd_add_coach(args) -> int:
    from ..workspace import accounts

    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    cid = accounts.add_coach(_ws(args), args.username, password)
    _emit(args, {"coach_id": cid, "username": args.username}, f"coach {args.username} added")
    return 0


def cmd_link(args) -> int:
    from ..workspace import clients

    ws = _ws(args)
    c = clients.find_client(ws, args.client)
    token = clients.create_link(ws, c["id"])
    _emit(args, {"client_id": c["id"], "token": token}, f"upload link for {c['name']}: ?c={token}")
    return 0


def cmd_list(args) -> int:
    from ..workspace import clients, jobs, sets

    ws = _ws(args)
    if args.jobs:
        rows = jobs.active(ws)
        _emit(args, rows, "\n".join(f"job {j['id']}  set {j['set_id']}  {j['client_name']}  {j['state']}  "
                                    f"{j['progress']:.0%}  {j['message']}" for j in rows) or "no jobs waiting")
    elif args.client:
        c = clients.find_client(ws, args.client)
        rows = sets.list_sets(ws, c["id"])
        _emit(args, rows, "\n".join(f"set {s['id']}  {s['recorded_on']}  {s['exercise']}  {s['status']}  "
                                    f"{s['original_name']}" for s in rows) or f"{c['name']} has no sets yet")
    else:
        rows = clients.list_clients(ws)
        _emit(args, rows, "\n".join(f"{c['id']:>4}  {c['name']}  {c['n_sets']} sets  {c['n_new']} new  "
                                    f"{c['n_waiting']} waiting  last {c['last_set'] or '-'}" for c in rows)
              or "no clients yet: formcheck coach add-client NAME")
    return 0


def cmd_import(args) -> int:
    from ..workspace import clients, sets
    from ..workspace.worker import Worker

    ws = _ws(args)
    c = clients.find_client(ws, args.client)
    if not Path(args.video).is_file():
        raise OptionError(f"No video file at '{args.video}'.")
    set_id, new = sets.import_clip(ws, c["id"], args.video, name=Path(args.video).name, recorded_on=args.date,
                                   exercise=args.exercise, load_kg=args.load, reps_planned=args.reps, rpe=args.rpe,
                                   source_kind="cli")
    if args.analyse:
        Worker(ws, model=args.model).run(once=True)
    s = sets.get_set(ws, set_id)
    _emit(args, {"set_id": set_id, "new": new, "status": s["status"], "error": s["error"]},
          f"set {set_id} for {c['name']}: {'new' if new else 'already imported'}, {s['status']}"
          + (f" ({s['error']})" if s["error"] else ""))
    return 0


def cmd_report(args) -> int:
    from ..workspace import report

    path = report.export_to(_ws(args), args.set_id, args.out)
    _emit(args, {"set_id": args.set_id, "path": str(path)}, f"wrote {path}")
    return 0


def cmd_export(args) -> int:
    from ..workspace import clients, review, sets

    ws = _ws(args)
    data = {"clients": []}
    for c in clients.list_clients(ws):
        entry = {**c, "sets": []}
        for s in sets.list_sets(ws, c["id"]):
            full = sets.get_set(ws, s["id"])
            entry["sets"].append({**{k: v for k, v in full.items() if k not in ("clip_file", "outputs")},
                                  "notes": review.notes(ws, s["id"]), "decisions": review.decisions(ws, s["id"])})
        data["clients"].append(entry)
    text = json.dumps(data, indent=2, default=str)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def cmd_worker(args) -> int:
    import signal
    import threading

    from ..workspace.worker import Worker, parent_alive

    ws = _ws(args)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    n = Worker(ws, model=args.model, lease_s=args.lease).run(stop, once=args.once, alive=parent_alive(args.parent_pid))
    _emit(args, {"jobs_run": n}, f"{n} job{'s' if n != 1 else ''} run")
    return 0


def cmd_retry(args) -> int:
    from ..workspace import jobs

    job = jobs.retry(_ws(args), args.set_id)
    _emit(args, {"set_id": args.set_id, "job_id": job}, f"set {args.set_id} queued (job {job})")
    return 0


def cmd_delete(args) -> int:
    from ..workspace import clients, sets

    if not args.yes:
        raise OptionError("Deleting cannot be undone: add --yes to confirm.")
    ws = _ws(args)
    if args.what == "set":
        sets.delete_set(ws, int(args.ref))
    else:
        clients.delete_client(ws, clients.find_client(ws, args.ref)["id"])
    _emit(args, {"deleted": args.what, "ref": args.ref}, f"deleted {args.what} {args.ref}")
    return 0
