"""The app's uploads and results: private per server and per session, swept, and every bad upload answered.

formcheck.workdir is tested directly (folders, sweeping, names); the app through AppTest (no browser): bad
uploads end in a message in the app's own words with no server path, the next upload works, and two sessions
uploading the same bytes under different names never see each other's names, paths or files.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from _synth import REPO, synthetic_clip
from conftest import write_video
from formcheck.workdir import ENDED_GRACE_S, ROOT_PREFIX, WorkArea, display_name, safe_file_name, scrub_paths

APP = str(REPO / "app.py")


# -- formcheck.workdir ---------------------------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_work_area_is_private_and_unpredictable(tmp_path):
    a, b = WorkArea(tmp_path), WorkArea(tmp_path)
    try:
        assert a.root != b.root and a.root.parent == tmp_path and a.root.name.startswith(ROOT_PREFIX)
        assert _mode(a.root) == 0o700 and _mode(a.sessions) == 0o700
        s1, s2 = a.session_dir("session one"), a.session_dir("session two")
        assert s1 != s2 and _mode(s1) == 0o700
        assert "session" not in s1.name  # folders are named by a hash, not the id
        assert a.session_dir("session one") == s1
    finally:
        a.close()
        b.close()
    assert not a.root.exists()


def test_sweep_removes_ended_and_idle_sessions_only(tmp_path):
    area = WorkArea(tmp_path, retention_s=3600)
    try:
        alive, ended, idle = (area.session_dir(s) for s in ("alive", "ended", "idle"))
        (ended / "upload.mp4").write_bytes(b"x")
        now = time.time()
        for folder, age in ((alive, 10 * ENDED_GRACE_S), (ended, 2 * ENDED_GRACE_S), (idle, 7200)):
            os.utime(folder, (now - age, now - age))
        removed = area.sweep(is_active=lambda sid: sid in ("alive", "idle"), now=now)
        assert sorted(removed) == ["ended", "idle"]
        assert alive.exists() and not ended.exists() and not idle.exists()
        # A session that just ended keeps its folder for the grace period (a reload reconnects).
        fresh = area.session_dir("fresh")
        assert area.sweep(is_active=lambda sid: False) == ["alive"]  # "alive" has ended now, long ago idle
        assert fresh.exists()
    finally:
        area.close()


def test_sweep_never_follows_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    area = WorkArea(tmp_path / "base", retention_s=60)
    try:
        link = area.sessions / "planted"
        link.symlink_to(victim, target_is_directory=True)
        os.utime(link, (0, 0), follow_symlinks=False)
        area.sweep(now=time.time())
        assert not link.exists() and not link.is_symlink()
        assert (victim / "keep.txt").read_text() == "precious"
    finally:
        area.close()


def test_old_work_areas_are_removed_at_start(tmp_path):
    old = tmp_path / f"{ROOT_PREFIX}old"
    (old / "sessions" / "x").mkdir(parents=True)
    os.utime(old, (0, 0))
    recent = tmp_path / f"{ROOT_PREFIX}recent"
    recent.mkdir()
    other = tmp_path / "someone-elses"
    other.mkdir()
    os.utime(other, (0, 0))
    area = WorkArea(tmp_path, retention_s=3600)
    try:
        assert not old.exists() and recent.exists() and other.exists()
    finally:
        area.close()


@pytest.mark.parametrize("name,want", [
    ("set.mp4", "set.mp4"),
    ("../../etc/passwd.mp4", "passwd.mp4"),
    ("C:\\Users\\me\\Videos\\row day.MOV", "row day.MOV"),
    ("rm -rf $(whoami); `id`.mp4", "rm -rf __whoami__ _id_.mp4"),
    ("Übung – Rudern 😀.mp4", "Übung _ Rudern _.mp4"),
    ("", "video"),
    ("...", "video"),
])
def test_safe_file_name(name, want):
    assert safe_file_name(name) == want


def test_very_long_names_fit_any_file_system():
    for name in ("a" * 300 + ".mp4", "é" * 300 + ".mp4", "x" * 300):
        safe = safe_file_name(name)
        assert len(safe.encode()) <= 96
        assert safe.endswith(".mp4") == name.endswith(".mp4")
    shown = display_name("b" * 300 + ".mp4")
    assert len(shown) <= 60 and shown.endswith(".mp4") and "…" in shown


def test_scrub_paths():
    text = "'/srv/tmp/formcheck-app-x/sessions/ab/uploads/12/set.mp4' could not be read; see /srv/tmp/other/f.txt"
    out = scrub_paths(text, {"/srv/tmp/formcheck-app-x/sessions/ab/uploads/12/set.mp4": "My set.mp4"}, ["/srv/tmp"])
    assert out == "'My set.mp4' could not be read; see f.txt"


# -- the app -------------------------------------------------------------------------------------------------------

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
FLAGS = ("--start", "--end", "--exercise", "--view", "--tempo", "--model", "--profile", "--out")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("FORMCHECK_SAMPLE_DIR", str(tmp_path / "no-samples"))
    monkeypatch.setenv("FORMCHECK_APP_DIR", str(tmp_path / "work"))
    st.cache_resource.clear()  # the work area is made once per server: a new one for this test's folder
    yield tmp_path
    st.cache_resource.clear()


def _texts(at) -> list[str]:
    out = []
    for kind in ("error", "warning", "info", "success", "markdown", "caption", "exception"):
        out += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    return out


def _assert_clean(at, tmp_path: Path) -> None:
    """No traceback, no server path, no command-line flag anywhere on the page."""
    assert not at.exception, at.exception
    for text in _texts(at):
        assert str(tmp_path) not in text and "/tmp/" not in text and "formcheck-app-" not in text, text
        assert not any(flag in text for flag in FLAGS), text


def _audio_only(path: Path) -> Path:
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("aac", rate=44100)
        for i in range(10):
            fr = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            fr.sample_rate, fr.pts = 44100, i * 1024
            for p in s.encode(fr):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _bad_uploads(tmp_path: Path) -> list[tuple[str, bytes, str]]:
    """(name, bytes, a phrase the message must hold)."""
    rng = np.random.default_rng(3)
    png = b"\x89PNG\r\n\x1a\n" + bytes(300)
    tiny = write_video(tmp_path / "tiny.mp4", n_frames=3, fps=10, size=(64, 48)).read_bytes()
    return [
        ("empty.mp4", b"", "empty"),
        ("noise.mp4", rng.integers(0, 256, 4000, dtype=np.uint8).tobytes(), "could not be read as a video"),
        ("song.mp4", _audio_only(tmp_path / "song.mp4").read_bytes(), "no video track"),
        ("photo.png", png, "is not a video formcheck can read"),
        ("photo.mp4", png, "could not be"),
        ("x" * 300 + ".mp4", tiny, "too short"),
        ("three_frames.mov", tiny, "too short"),
    ]


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="upload").set_value((name, data, "video/mp4")).run()
    return at


def test_every_bad_upload_gets_a_clear_message_and_the_next_upload_works(app_env):
    tmp_path = app_env
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.radio(key="opt_model").set_value("lite")
    for name, data, phrase in _bad_uploads(tmp_path):
        _upload(at, name, data)
        if not at.error and at.button(key="analyse"):  # it opened: the problem shows when analysing
            at.button(key="analyse").click().run()
        _assert_clean(at, tmp_path)
        msgs = [e.value for e in at.error]
        assert any(phrase in m for m in msgs), (name[:40], msgs)
        assert all(len(m) < 600 for m in msgs)
    # Then a good clip opens normally, with no leftover error.
    good = write_video(tmp_path / "good.mp4", n_frames=20, fps=10, size=(160, 120)).read_bytes()
    _upload(at, "my set.mp4", good)
    _assert_clean(at, tmp_path)
    assert not at.error, [e.value for e in at.error]
    assert any("my set.mp4" in t and "2.0 s" in t for t in _texts(at))


def test_an_upload_over_the_limit_is_explained(app_env):
    from streamlit import config

    before = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 1)
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        _upload(at, "big.mp4", bytes(2 * 1024 * 1024))
        _assert_clean(at, app_env)
        assert any("the limit is 1 MB" in e.value and "Trim" in e.value for e in at.error)
        assert any("up to 1 MB" in c.value and "red mark" in c.value for c in at.caption)
    finally:
        config.set_option("server.maxUploadSize", before)


def _session_files(at) -> dict[str, Path]:
    outs = list(at.session_state["analyses"].values())
    assert len(outs) == 1
    return {k: Path(v) for k, v in outs[0]["files"].items()}


@pytest.mark.slow
def test_two_sessions_never_see_each_others_names_paths_or_files(app_env):
    tmp_path = app_env
    clip, truth = synthetic_clip("row_side_clean", reps=2)
    data = clip.read_bytes()
    sessions = {}
    for who in ("alice_private_name", "bob"):
        at = AppTest.from_file(APP, default_timeout=300).run()
        at.radio(key="opt_model").set_value("lite")
        _upload(at, f"{who}.mp4", data)
        at.button(key="analyse").click().run()
        _assert_clean(at, tmp_path)
        assert not at.error, [e.value for e in at.error]
        sessions[who] = at
    alice, bob = _session_files(sessions["alice_private_name"]), _session_files(sessions["bob"])
    assert alice["results.json"].parent != bob["results.json"].parent
    for name in ("results.json", "report.html", "reps.csv"):
        text = bob[name].read_text(encoding="utf-8")
        assert "alice" not in text and str(tmp_path) not in text and "/tmp/" not in text, name
    bob_result = json.loads(bob["results.json"].read_text())
    assert bob_result["video"]["path"] == "bob.mp4" and bob_result["rep_count"] == len(truth["reps"])
    from formcheck.series import PoseSeries

    assert PoseSeries.load(bob["poses.npz"]).source["path"] == "bob.mp4"
    # Each session's files sit in its own private folder under this server's private work area.
    work = tmp_path / "work"
    (root,) = [p for p in work.iterdir() if p.name.startswith(ROOT_PREFIX)]
    assert _mode(root) == 0o700
    for files in (alice, bob):
        session = files["results.json"].relative_to(root / "sessions").parts[0]
        assert _mode(root / "sessions" / session) == 0o700
    shutil.rmtree(work, ignore_errors=True)
