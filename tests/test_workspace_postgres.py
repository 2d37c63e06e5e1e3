"""The same workspace code on a real PostgreSQL server (a throw-away cluster started here, Unix socket only).

Skipped, with the reason, when PostgreSQL's server programs (initdb, pg_ctl) or the psycopg driver are absent:
``apt-get install -y postgresql`` and ``pip install -e '.[postgres]'``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from _workspace import fake_result, mark_analysed
from formcheck.workspace import Workspace, clients, jobs, migrations, review, sets
from formcheck.workspace.db import metadata

pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg: pip install -e '.[postgres]'")


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="module")
def pg_url():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server programs not found (apt-get install -y postgresql)")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="formcheck-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the postgres user
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    port = 20000 + os.getpid() % 20000
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True, timeout=120)  # noqa: E731
    try:
        run(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        run(pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
            f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server here: {exc.stderr or exc.stdout}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg(pg_url, tmp_path):
    ws = Workspace(pg_url, tmp_path / "files")
    yield ws
    with ws.tx() as conn:  # a clean database for the next test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    ws.close()


def test_migrations_and_the_schema_match_on_postgresql(pg, pg_url, tmp_path):
    assert pg.schema == (0, migrations.LATEST)
    insp = inspect(pg.engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == {c.name for c in table.columns}, table.name
    again = Workspace(pg_url, tmp_path / "files")
    assert again.schema == (migrations.LATEST, migrations.LATEST)
    again.close()


def test_from_version_1_on_postgresql(pg_url, tmp_path):
    from sqlalchemy import create_engine

    # A bare engine lays down version 1 by hand, as an old formcheck did.
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                          "applied_at TEXT NOT NULL)"))
        for stmt in migrations.MIGRATIONS[0][2]:
            conn.execute(text(stmt.format(**migrations._TYPES["postgresql"])))
        conn.execute(text("INSERT INTO schema_version VALUES (1, 'v1', 'then')"))
        conn.execute(text("INSERT INTO clients (name, created_at) VALUES ('Old', 'then')"))
        conn.execute(text("INSERT INTO clips VALUES ('abc', 'clips/ab/abc.mp4', 3, 'old.mp4', 'then')"))
        conn.execute(text("INSERT INTO sets (client_id, clip_sha256, recorded_on, created_at) VALUES (1, 'abc', "
                          "'2025-01-01', 'then')"))
    engine.dispose()
    ws = Workspace(pg_url, tmp_path / "files")
    try:
        assert ws.schema == (1, migrations.LATEST)
        assert sets.list_sets(ws)[0]["original_name"] == "old.mp4"
        assert clients.get_client(ws, 1)["faults_off"] == []
    finally:
        with ws.tx() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        ws.close()


def test_sets_jobs_and_history_on_postgresql(pg):
    cid = clients.add_client(pg, "Ana", tempo_target="3-0-1-1", faults_off=["swing"])
    assert clients.client_for_token(pg, clients.create_link(pg, cid))["faults_off"] == ["swing"]
    a, new = sets.import_clip(pg, cid, b"same bytes", name="a.mp4", recorded_on="2025-01-06")
    b, again = sets.import_clip(pg, cid, b"same bytes", name="b.mp4")
    assert (new, again, a == b) == (True, False, True)
    job = jobs.claim(pg, "w1", lease_s=0.3)
    assert job["set_id"] == a and jobs.claim(pg, "w2") is None
    time.sleep(0.5)
    assert jobs.claim(pg, "w2")["attempts"] == 2
    mark_analysed(pg, a, fake_result([["shrug"], []]))
    c, _ = sets.import_clip(pg, cid, b"other", name="c.mp4", recorded_on="2025-01-13")
    mark_analysed(pg, c, fake_result([[], []]))
    review.decide(pg, a, "rep1:shrug", "edited", "Shoulders away from the ears.")
    review.add_note(pg, a, "good", rep_index=1)
    h = sets.history(pg, cid)
    assert [(r["recorded_on"], r["clean_rate"], r["shrug_reps"]) for r in h] == [("2025-01-06", 0.5, 1),
                                                                              ("2025-01-13", 1.0, 0)]
    listed = clients.list_clients(pg)[0]
    assert (listed["n_sets"], listed["n_new"], listed["n_waiting"]) == (2, 2, 0)
    clients.delete_client(pg, cid)
    assert sets.list_sets(pg) == [] and review.decisions(pg, a) == {}
