"""The coach's workspace on a real SQLite file: migrations, clips by sha256, links, accounts, the job queue's
leases, history and the command line. (The worker with the pose model is in test_workspace_worker.py.)"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from _workspace import fake_result, mark_analysed
from formcheck.errors import FormcheckError, OptionError, VideoError
from formcheck.workspace import Workspace, accounts, clients, jobs, migrations, review, sets
from formcheck.workspace.db import metadata

V1_SQL = Path(__file__).parent / "data" / "workspace_v1.sql"


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path / "coach.db")
    yield w
    w.close()


def _columns(engine) -> dict[str, set[str]]:
    insp = inspect(engine)
    return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names() if t != "sqlite_sequence"}


def test_a_new_file_gets_the_latest_schema_in_wal_mode_with_foreign_keys(tmp_path):
    ws = Workspace(tmp_path / "new.db")
    assert ws.schema == (0, migrations.LATEST)
    cols = _columns(ws.engine)
    for table in metadata.sorted_tables:  # the tables the code queries are exactly what the migrations made
        assert cols[table.name] == {c.name for c in table.columns}, table.name
    with ws.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        versions = [r[0] for r in conn.execute(text("SELECT version FROM schema_version ORDER BY version"))]
    assert versions == [v for v, _, _ in migrations.MIGRATIONS]
    ws.close()
    assert Workspace(tmp_path / "new.db").schema == (migrations.LATEST, migrations.LATEST)  # opening again: no-op


def test_a_version_1_file_is_migrated_with_its_data(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(V1_SQL.read_text())
    ws = Workspace(db)
    assert ws.schema == (1, migrations.LATEST)
    assert _columns(ws.engine)["sets"] == {c.name for c in metadata.tables["sets"].columns}
    c = clients.get_client(ws, 1)
    assert (c["name"], c["notes"], c["tempo_target"], c["faults_off"]) == ("Old Client", "knee history", "3-0-1-1", [])
    s = sets.list_sets(ws, 1)[0]
    assert s["original_name"] == "monday row.mp4" and s["load_kg"] == 40.0
    assert review.notes(ws, 1) == [{"id": 1, "set_id": 1, "text": "elbows flared", "rep_index": None,
                                    "created_at": "2025-01-06T09:05:00+00:00"}]
    job = jobs.get(ws, 1)
    assert job["state"] == "queued" and job["attempts"] == 1  # a v1 'running' job had no lease: queued again
    # The new tables work on the old data.
    review.decide(ws, 1, "rep1:shrug", "dismissed")
    assert clients.client_for_token(ws, clients.create_link(ws, 1))["name"] == "Old Client"


def test_a_failing_migration_leaves_the_previous_version_whole(tmp_path, monkeypatch):
    Workspace(tmp_path / "w.db").close()
    broken = (migrations.LATEST + 1, "broken", ["CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"])
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, broken])
    monkeypatch.setattr(migrations, "LATEST", broken[0])
    with pytest.raises(Exception):
        Workspace(tmp_path / "w.db")
    monkeypatch.undo()
    ws = Workspace(tmp_path / "w.db")
    assert ws.schema == (migrations.LATEST, migrations.LATEST)
    assert "half_done" not in inspect(ws.engine).get_table_names()


def test_a_newer_database_is_refused(tmp_path):
    ws = Workspace(tmp_path / "w.db")
    with ws.tx() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (99, 'future', 'x')"))
    with pytest.raises(FormcheckError, match="newer"):
        Workspace(tmp_path / "w.db")


def test_the_same_clip_imported_twice_is_one_set(ws, small_video):
    cid = clients.add_client(ws, "Ana")
    a, new_a = sets.import_clip(ws, cid, small_video, name="monday.mp4")
    b, new_b = sets.import_clip(ws, cid, small_video.read_bytes(), name="again.MP4")
    assert (a, new_a, new_b) == (a, True, False) and b == a
    assert len(jobs.active(ws)) == 1
    stored = list((ws.files / "clips").rglob("*.mp4"))
    assert len(stored) == 1 and stored[0].read_bytes() == small_video.read_bytes()
    assert not list((ws.files / "tmp").iterdir())  # no temporary file left behind
    # Another client sending the same bytes gets their own set, and not the first client's file name.
    other = clients.add_client(ws, "Bo")
    c, new_c = sets.import_clip(ws, other, small_video, name="bo.mp4")
    assert new_c and c != a and sets.list_sets(ws, other)[0]["original_name"] == "bo.mp4"
    assert len(list((ws.files / "clips").rglob("*.mp4"))) == 1


def test_import_checks_what_it_is_given(ws, tmp_path):
    cid = clients.add_client(ws, "Ana")
    with pytest.raises(VideoError, match="not a video"):
        sets.import_clip(ws, cid, b"hello", name="notes.txt")
    with pytest.raises(VideoError, match="empty"):
        sets.import_clip(ws, cid, b"", name="x.mp4")
    with pytest.raises(OptionError, match="YYYY-MM-DD"):
        sets.import_clip(ws, cid, b"abc", name="x.mp4", recorded_on="31/01/2025")
    with pytest.raises(OptionError, match="No client"):
        sets.import_clip(ws, 999, b"abc", name="x.mp4")
    assert sets.list_sets(ws) == []
    assert sets.import_clip(ws, cid, b"abc", name="../../etc/passwd.mp4")[1]
    assert sets.list_sets(ws)[0]["original_name"] == "passwd.mp4"


def test_upload_links_open_one_client_only(ws):
    ana, bo = clients.add_client(ws, "Ana"), clients.add_client(ws, "Bo")
    token = clients.create_link(ws, ana)
    assert len(token) >= 32 and token != clients.create_link(ws, ana)
    assert clients.client_for_token(ws, token)["id"] == ana
    for wrong in (None, "", token[:-1], token + "x", "' OR 1=1 --", "x" * 500):
        assert clients.client_for_token(ws, wrong) is None
    clients.revoke_link(ws, token)
    assert clients.client_for_token(ws, token) is None
    assert clients.client_for_token(ws, clients.create_link(ws, bo))["id"] == bo


def test_coach_passwords_are_stored_hashed(ws):
    accounts.add_coach(ws, "coach", "long enough pw")
    with ws.read() as conn:
        stored = conn.execute(text("SELECT password_hash FROM coaches")).scalar()
    assert stored.startswith("$argon2id$") and "long enough pw" not in stored
    assert accounts.verify_login(ws, "coach", "long enough pw")
    assert not accounts.verify_login(ws, "coach", "long enough pX")
    assert not accounts.verify_login(ws, "nobody", "long enough pw")
    with pytest.raises(OptionError, match="at least"):
        accounts.add_coach(ws, "other", "short")
    with pytest.raises(OptionError, match="already exists"):
        accounts.add_coach(ws, "coach", "another long one")


def test_a_job_is_held_by_one_worker_until_its_lease_runs_out(ws):
    cid = clients.add_client(ws, "Ana")
    set_id, _ = sets.import_clip(ws, cid, b"clip", name="a.mp4")
    job = jobs.claim(ws, "w1", lease_s=0.5)
    assert job["set_id"] == set_id and job["attempts"] == 1
    assert jobs.claim(ws, "w2", lease_s=0.5) is None
    assert jobs.heartbeat(ws, job["id"], "w1", lease_s=0.5, progress=0.3, message="frame 3")
    time.sleep(0.7)  # w1 went quiet: its lease ran out
    again = jobs.claim(ws, "w2", lease_s=30)
    assert again["id"] == job["id"] and again["attempts"] == 2
    assert not jobs.heartbeat(ws, job["id"], "w1")  # w1 woke up: the job is no longer its own
    with ws.tx() as conn:
        assert not jobs.finish(conn, job["id"], "w1")
        assert jobs.finish(conn, job["id"], "w2")
    assert jobs.get(ws, job["id"])["state"] == "done" and jobs.active(ws) == []


def test_a_job_that_keeps_killing_its_worker_fails_with_a_reason(ws):
    cid = clients.add_client(ws, "Ana")
    set_id, _ = sets.import_clip(ws, cid, b"clip", name="a.mp4")
    for _ in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim(ws, "w", lease_s=0.01) is not None
        time.sleep(0.03)
    assert jobs.claim(ws, "w") is None
    s = sets.get_set(ws, set_id)
    assert s["status"] == "failed" and "without finishing" in s["error"]
    jobs.retry(ws, set_id)
    assert sets.get_set(ws, set_id)["status"] == "queued" and len(jobs.active(ws)) == 1


def test_history_of_a_client_with_several_sets(ws):
    cid = clients.add_client(ws, "Ana", tempo_target="3-0-1-1")
    other = clients.add_client(ws, "Bo")
    plan = [("2025-01-13", [["shrug"], ["shrug"], [], []], 0.60),
            ("2025-01-06", [["shrug"], ["shrug", "short_hold"], ["shrug"], []], 0.55),
            ("2025-01-20", [[], [], [], ["short_hold"]], 0.70)]
    ids = {}
    for day, faults, rng in plan:
        set_id, _ = sets.import_clip(ws, cid, day.encode(), name=f"{day}.mp4", recorded_on=day)
        mark_analysed(ws, set_id, fake_result(faults, range_=rng, target=(3, 0, 1, 1)))
        ids[day] = set_id
    queued, _ = sets.import_clip(ws, cid, b"not analysed yet", name="q.mp4", recorded_on="2025-01-27")
    set_b, _ = sets.import_clip(ws, other, b"bo", name="bo.mp4", recorded_on="2025-01-10")
    mark_analysed(ws, set_b, fake_result([["shrug"]]))
    review.decide(ws, ids["2025-01-13"], "rep2:shrug", "dismissed")  # the coach disagreed with one

    h = sets.history(ws, cid)
    assert [r["recorded_on"] for r in h] == ["2025-01-06", "2025-01-13", "2025-01-20"]
    assert [r["clean_rate"] for r in h] == [0.25, 0.75, 0.75]
    assert [r["shrug_reps"] for r in h] == [3, 1, 0]
    assert [r["range"] for r in h] == [0.55, 0.60, 0.70]
    assert all(r["target"] == [3, 0, 1, 1] and r["reps"] == 4 for r in h)
    listed = clients.list_clients(ws)
    ana = next(c for c in listed if c["id"] == cid)
    assert (ana["n_sets"], ana["n_new"], ana["n_waiting"], ana["last_set"]) == (4, 3, 1, "2025-01-27")
    sets.mark_seen(ws, ids["2025-01-06"])
    assert next(c for c in clients.list_clients(ws) if c["id"] == cid)["n_new"] == 2
    assert queued not in {r["set_id"] for r in h}


def test_deleting_is_explicit_and_complete(ws):
    cid = clients.add_client(ws, "Ana")
    set_id, _ = sets.import_clip(ws, cid, b"x", name="a.mp4")
    review.add_note(ws, set_id, "note", rep_index=2)
    (ws.files / "sets" / str(set_id) / "job1-try1").mkdir(parents=True)
    clients.delete_client(ws, cid)
    with ws.read() as conn:
        for table in ("sets", "set_notes", "jobs", "upload_tokens"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0, table
    assert not (ws.files / "sets" / str(set_id)).exists()


def _coach(capsys, *args) -> tuple[int, str, str]:
    """`formcheck coach ARGS` in this process (the entry point itself is run once as a subprocess below)."""
    from formcheck.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["coach", *map(str, args)])
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_coach_command_line_with_json(tmp_path, cli, capsys, small_video):
    db = tmp_path / "c.db"
    code, out, err = _coach(capsys, "--db", db, "add-client", "Ana Lee", "--tempo", "3-0-1-1", "--link", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert made["client_id"] == 1 and len(made["token"]) >= 32
    code, out, err = _coach(capsys, "--db", db, "import", "Ana Lee", small_video, "--date", "2025-02-03",
                            "--load", "40", "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "queued"
    code, out, _ = _coach(capsys, "--db", db, "--json", "import", "1", small_video)
    assert json.loads(out) == {"set_id": 1, "new": False, "status": "queued", "error": None}
    code, out, err = _coach(capsys, "--db", db, "add-client", "X", "--tempo", "fast")
    assert code == 2 and "Tempo must be" in err
    code, out, err = _coach(capsys, "--db", db, "delete", "client", "Ana Lee")
    assert code == 2 and "--yes" in err
    code, out, err = _coach(capsys, "--db", db, "report", "1")
    assert code == 2 and "no analysis yet" in err
    code, out, err = cli("coach", "--db", db, "list", "--json")  # the installed entry point, as a script uses it
    assert code == 0, err
    assert [(c["name"], c["n_sets"], c["n_waiting"]) for c in json.loads(out)] == [("Ana Lee", 1, 1)]


def test_login_sessions_keep_only_a_hash_and_end(ws):
    accounts.add_coach(ws, "coach", "long enough pw")
    token = accounts.start_session(ws, "coach")
    assert accounts.session_user(ws, token) == "coach"
    with ws.read() as conn:
        assert token not in str(conn.execute(text("SELECT * FROM coach_sessions")).all())
    for wrong in (None, "", token[:-1], "x" * 300):
        assert accounts.session_user(ws, wrong) is None
    accounts.end_session(ws, token)
    assert accounts.session_user(ws, token) is None
    old = accounts.start_session(ws, "coach", days=-1)  # already expired
    assert accounts.session_user(ws, old) is None


def test_analysing_again_keeps_the_old_result_until_the_new_one_is_in(ws):
    cid = clients.add_client(ws, "Ana")
    set_id, _ = sets.import_clip(ws, cid, b"clip", name="a.mp4")
    mark_analysed(ws, set_id, fake_result([["shrug"]]))
    job = jobs.retry(ws, set_id)
    assert jobs.retry(ws, set_id) == job  # asking twice queues once
    s = sets.get_set(ws, set_id)
    assert s["status"] == "analysed" and s["result"]["reps"][0]["faults"] == ["shrug"]
    assert [h["set_id"] for h in sets.history(ws, cid)] == [set_id]
