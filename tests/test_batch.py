"""formcheck batch: inputs, folder names, the job function, the summary, and (slow) whole batches through
the CLI: bad clips listed and never stopping the batch, resuming after a real SIGINT/SIGTERM, and
--ray giving the same results as local workers."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.batch import DONE_MARKER, JobOptions, read_marker, run_job
from formcheck.batch.inputs import collect_inputs, folder_names
from formcheck.batch.summary import index_html, summary_csv, write_summary
from formcheck.errors import OptionError

REPO = Path(__file__).resolve().parent.parent


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------------------------
# Inputs and folder names


def test_folders_globs_and_list_files(tmp_path):
    a = _touch(tmp_path / "in" / "a.mp4")
    b = _touch(tmp_path / "in" / "sub" / "b.mov")
    notes = _touch(tmp_path / "in" / "notes.txt")
    _touch(tmp_path / "in" / ".hidden.mp4")
    _touch(tmp_path / "in" / ".cache" / "c.mp4")
    out = tmp_path / "in" / "results"
    _touch(out / "old" / "annotated.mp4")  # the batch's own output is never an input
    assert collect_inputs([str(tmp_path / "in")], out_dir=out) == [a, notes, b]

    g = _touch(tmp_path / "g" / "x1.mp4")
    _touch(tmp_path / "g" / "x2.mkv")
    assert collect_inputs([str(tmp_path / "g" / "*.mp4")]) == [g]

    lst = tmp_path / "clips.txt"
    lst.write_text(f"# clients\n\nin/a.mp4\n{b}\nmissing.mp4\n")
    # Relative to the list's folder; a missing entry stays (reported as a failed clip); duplicates go.
    assert collect_inputs([str(lst), str(a)]) == [a, b, tmp_path / "missing.mp4"]


def test_nothing_found_says_what_to_give(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OptionError, match="No clips found in 'empty', 'x/\\*.mp4'.*folders holding videos.*list file"):
        collect_inputs(["empty", "x/*.mp4"])


def test_folder_names_are_stable_and_collision_free(tmp_path):
    paths = [tmp_path / "a" / "set 1.mp4", tmp_path / "b" / "set 1.mp4", tmp_path / "c" / "Set 1.MOV",
             tmp_path / "other.mp4"]
    names = folder_names(paths)
    assert names[tmp_path / "other.mp4"] == "other"
    clashing = [names[p] for p in paths[:3]]
    assert len(set(n.lower() for n in clashing)) == 3 and all(n.lower().startswith("set_1-") for n in clashing)
    assert folder_names(list(reversed(paths))) == names  # order does not matter


# ---------------------------------------------------------------------------------------------------------------
# The job function on clips that cannot be analysed (no pose model needed)


@pytest.mark.parametrize("name, data, says", [
    ("notes.txt", b"shopping list\n", "not a supported video type"),
    ("broken.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8, "could not be"),
    ("empty.mp4", b"", "empty"),
])
def test_run_job_reports_a_bad_clip_and_never_raises(tmp_path, name, data, says):
    clip = _touch(tmp_path / name, data)
    row = run_job(clip, tmp_path / "out" / "x", JobOptions(video=False))
    assert row["status"] == "error" and says in row["error"], row
    assert row["clip"] == name and row["verdict"] is None and row["rep_count"] is None
    assert read_marker(tmp_path / "out" / "x") is None


def test_run_job_on_a_missing_file(tmp_path):
    row = run_job(tmp_path / "nope.mp4", tmp_path / "out")
    assert row["status"] == "error" and "No file at" in row["error"]


def test_job_options_from_dict_and_settings(tmp_path):
    with pytest.raises(OptionError, match="Unknown job option.*tempoo"):
        JobOptions.from_dict({"tempoo": "3-0-1-1"})
    prof = tmp_path / "p.json"
    prof.write_text("{}")
    s1 = JobOptions(profile=str(prof)).settings()
    prof.write_text('{"reps": {}}')
    assert JobOptions(profile=str(prof)).settings() != s1  # the profile's content counts, not only its name
    assert JobOptions(video=False, video_size="720p").settings() == JobOptions(video=False,
                                                                               video_size="source").settings()
    assert JobOptions(max_fps=None).settings()["max_fps"] == JobOptions(max_fps=0).settings()["max_fps"] == 0.0


def test_job_options_check(tmp_path):
    JobOptions().check()
    with pytest.raises(OptionError, match="Unknown exercise"):
        JobOptions(exercise="squat").check()
    with pytest.raises(OptionError, match="Unknown video size"):
        JobOptions(video_size="4k").check()


# ---------------------------------------------------------------------------------------------------------------
# Summary


def test_summary_csv_and_index_link_reports_and_escape_text():
    rows = [
        {"clip": "a.mp4", "status": "ok", "verdict": "5 clean reps.", "rep_count": 5, "clean_reps": 5,
         "exercise": "bent-over row", "view": "side", "folder": "a", "report": "a/report.html"},
        {"clip": "<b>.mp4", "status": "error", "error": "'<b>.mp4' is empty & broken", "folder": "b"},
        {"clip": "c.mp4", "status": None, "folder": "c"},
    ]
    text = summary_csv(rows)
    parsed = list(csv.DictReader(text.splitlines()))
    assert [r["clip"] for r in parsed] == ["a.mp4", "<b>.mp4", "c.mp4"]
    assert parsed[0]["rep_count"] == "5" and parsed[1]["error"].startswith("'<b>.mp4' is empty")
    page = index_html(rows)
    assert '<a href="a/report.html">a.mp4</a>' in page and "5 clean reps." in page
    assert "&lt;b&gt;.mp4" in page and "<b>.mp4" not in page and "empty &amp; broken" in page
    assert "1 of 3 clips analysed, 1 failed, 1 not done yet" in page
    assert "http" not in page.replace('href="a/report.html"', "")  # self-contained: nothing fetched


def test_write_summary_is_atomic_and_leaves_no_temporary_files(tmp_path):
    write_summary(tmp_path, [{"clip": "a.mp4", "status": "ok"}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "summary.csv"]


# ---------------------------------------------------------------------------------------------------------------
# The command line, without the pose model


def test_cli_no_clips_found(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = cli("batch", tmp_path / "empty", "--out", tmp_path / "out")
    assert code == 2 and "No clips found" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_ray_missing_names_the_extra(monkeypatch):
    from formcheck.batch.ray_engine import import_ray
    from formcheck.errors import FormcheckError

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(FormcheckError, match=r"pip install 'formcheck\[cluster\]'"):
        import_ray()


def test_in_thread_engine_returns_rows_as_futures(tmp_path):
    """LocalEngine(workers=0): clips one after another in a thread of this process (for a caller that is
    itself a background worker); rows arrive through Futures, bad clips as rows."""
    from formcheck.batch import LocalEngine

    bad = [_touch(tmp_path / f"bad{i}.mp4", b"no video here") for i in range(3)]
    seen = []
    with LocalEngine(workers=0) as engine:
        futures = [engine.submit(p, tmp_path / "out" / p.stem, {"video": False}) for p in bad]
        rows = [f.result(timeout=60) for f in futures]
        seen = list(engine.map([]))
    assert [r["clip"] for r in rows] == ["bad0.mp4", "bad1.mp4", "bad2.mp4"]
    assert all(r["status"] == "error" and "could not be" in r["error"] for r in rows)
    assert seen == []
    with pytest.raises(RuntimeError, match="closed"):
        engine.submit(bad[0], tmp_path / "x")


# ---------------------------------------------------------------------------------------------------------------
# Whole batches with the pose model (slow)


@pytest.mark.slow
def test_a_worker_that_dies_fails_only_its_clip(clips, tmp_path):
    """A worker process killed mid-clip (as a decoder crash or the OOM killer would) gives that clip an error
    row; the engine starts another worker and the next clip is analysed."""
    from formcheck.batch import LocalEngine

    with LocalEngine(workers=1) as engine:
        first = engine.submit(clips[0], tmp_path / "a", {"video": False})
        started = time.monotonic()
        while not engine._running and time.monotonic() - started < 120:  # the worker took the clip
            time.sleep(0.1)
        os.kill(engine._procs[0].pid, signal.SIGKILL)
        second = engine.submit(clips[1], tmp_path / "b", {"video": False})
        row1, row2 = first.result(timeout=300), second.result(timeout=300)
    assert row1["status"] == "error" and "worker analysing this clip stopped" in row1["error"]
    assert row2["status"] == "ok" and row2["rep_count"] == 2


@pytest.fixture(scope="module")
def clips():
    from _synth import synthetic_clip

    return [synthetic_clip("row_side_clean", reps=2)[0], synthetic_clip("shrug_front", reps=2)[0],
            synthetic_clip("row_front_clean", reps=2)[0]]


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as f:
        return {r["clip"]: r for r in csv.DictReader(f)}


@pytest.mark.slow
def test_batch_over_a_folder_with_bad_clips(cli, clips, tmp_path):
    src = tmp_path / "clients"
    src.mkdir()
    shutil.copy(clips[0], src / "anna row.mp4")
    shutil.copy(clips[1], src / "ben.mp4")
    good = clips[0].read_bytes()
    (src / "corrupt.mp4").write_bytes(good[:2000] + bytes(range(256)) * 40)
    (src / "programme.txt").write_text("week 1: rows\n")
    out = tmp_path / "out"
    code, stdout, err = cli("batch", src, "--out", out, "--workers", "2", "--no-video", timeout=600)
    assert code == 2, err
    assert err.strip().splitlines()[-1] == f"formcheck: 2 of 4 clips failed (reasons in {out / 'summary.csv'})."
    rows = _rows(out)
    assert {k: r["status"] for k, r in rows.items()} == {"anna row.mp4": "ok", "ben.mp4": "ok",
                                                          "corrupt.mp4": "error", "programme.txt": "error"}
    assert "could not be" in rows["corrupt.mp4"]["error"] and "not a supported video" in rows["programme.txt"]["error"]
    for name, folder in (("anna row.mp4", "anna_row"), ("ben.mp4", "ben")):
        r = rows[name]
        assert r["folder"] == folder and r["report"] == f"{folder}/report.html" and int(r["rep_count"]) == 2
        for f in ("results.json", "reps.csv", "poses.npz", "report.html", DONE_MARKER):
            assert (out / folder / f).exists(), f
        assert r["verdict"] == json.loads((out / folder / "results.json").read_text())["summary"]["verdict"]
    page = (out / "index.html").read_text()
    assert '<a href="anna_row/report.html">anna row.mp4</a>' in page and "not a supported video type" in page

    # Again: the two analysed clips are skipped (same content, same settings), the bad ones tried again.
    code, stdout, err = cli("batch", src, "--out", out, "--workers", "2", "--no-video", timeout=600)
    assert code == 2
    rows2 = _rows(out)
    assert rows2["anna row.mp4"]["status"] == rows2["ben.mp4"]["status"] == "skipped"
    assert rows2["anna row.mp4"]["verdict"] == rows["anna row.mp4"]["verdict"]
    assert "(done before)" in stdout
    # Other settings are another analysis.
    code, _, _ = cli("batch", src / "ben.mp4", "--out", out, "--no-video", "--tempo", "2-0-1-1", timeout=600)
    assert code == 0 and _rows(out)["ben.mp4"]["status"] == "ok"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_batch_resumes_with_the_rest(clips, tmp_path, sig):
    src = tmp_path / "in"
    src.mkdir()
    for i, c in enumerate(clips):
        shutil.copy(c, src / f"clip{i}.mp4")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "formcheck", "batch", str(src), "--out", str(out), "--no-video"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob(f"*/{DONE_MARKER}")):  # wait for the first finished clip
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        proc.send_signal(sig)
        stdout, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Run the same command again" in err
    done_first = {p.parent.name for p in out.glob(f"*/{DONE_MARKER}")}
    assert 1 <= len(done_first) < 3
    assert not [p for p in out.rglob("*.tmp")]  # nothing half-written left as a temporary file
    rows = _rows(out)
    assert sum(r["status"] in ("ok", "skipped") for r in rows.values()) == len(done_first)

    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = _rows(out)
    assert {r["folder"] for r in rows.values() if r["status"] == "skipped"} == done_first
    assert {r["folder"] for r in rows.values() if r["status"] == "ok"} == {"clip0", "clip1", "clip2"} - done_first


def _same_runs(out_a: Path, out_b: Path) -> None:
    """Same summary (timings aside) and byte-identical results.json for every clip."""
    rows_a, rows_b = _rows(out_a), _rows(out_b)
    for rows in (rows_a, rows_b):
        for r in rows.values():
            r.pop("elapsed_s")
    assert rows_a == rows_b
    for r in rows_a.values():
        if r["status"] == "ok":
            assert (out_a / r["folder"] / "results.json").read_bytes() == \
                (out_b / r["folder"] / "results.json").read_bytes(), r["clip"]


@pytest.mark.slow
def test_ray_gives_the_same_results_as_local_workers(cli, clips, tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'formcheck[cluster]' (the cluster extra)")
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(clips[0], src / "a.mp4")
    shutil.copy(clips[2], src / "c.mp4")
    (src / "bad.mp4").write_bytes(b"not a video at all")
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    code, _, err = cli("batch", src, "--out", local, "--workers", "1", timeout=600)
    assert code == 2, err
    code, _, err = cli("batch", src, "--out", on_ray, "--ray", "--workers", "2", timeout=600)
    assert code == 2, err
    assert "Traceback" not in err
    _same_runs(local, on_ray)
    assert (on_ray / "a" / "annotated.mp4").exists()
