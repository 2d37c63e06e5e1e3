"""The workspace worker with the real pose model: a worker killed mid-job (SIGKILL, a real process) leaves the
upload stored, nothing half-written and the job retryable; the client report of a reviewed set."""

from __future__ import annotations

import base64
import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from _synth import REPO, synthetic_clip
from formcheck.render.theme import fault_title
from formcheck.workspace import Workspace, clients, jobs, report, review, sets
from formcheck.workspace.findings import findings
from formcheck.workspace.worker import Worker

pytestmark = pytest.mark.slow


def _start_worker(db, lease_s: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "formcheck", "coach", "--db", str(db), "worker", "--model", "lite",
                             "--lease", str(lease_s)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_job_leaves_the_job_retryable(tmp_path):
    clip, truth = synthetic_clip("row_side_clean", reps=3)
    db = tmp_path / "coach.db"
    ws = Workspace(db)
    cid = clients.add_client(ws, "Ana")
    set_id, _ = sets.import_clip(ws, cid, clip, name="set.mp4")
    proc = _start_worker(db, lease_s=3.0)
    try:
        deadline = time.monotonic() + 120
        while True:  # wait until the worker is inside the pose pass, then kill it without warning
            job = jobs.active(ws)[0]
            if job["state"] == "running" and job["progress"] > 0.05:
                break
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Killed: the upload is stored, the set has no result, no finished outputs folder exists, the job is
    # still 'running' under a lease that will run out.
    s = sets.get_set(ws, set_id)
    assert s["clip_file"].read_bytes() == clip.read_bytes()
    assert (s["status"], s["result"], s["outputs_dir"]) == ("queued", None, None)
    folders = list((ws.files / "sets" / str(set_id)).iterdir())
    assert all(p.name.startswith(".tmp-") for p in folders), folders
    job = jobs.active(ws)[0]
    assert job["state"] == "running" and job["attempts"] == 1
    assert jobs.claim(ws, "eager", lease_s=3) is None  # not before the lease runs out

    time.sleep(max(0.0, job["lease_until"] - time.time()) + 0.2)
    assert Worker(ws, model="lite", lease_s=10).run(once=True) == 1
    s = sets.get_set(ws, set_id)
    assert s["status"] == "analysed" and jobs.get(ws, job["id"])["attempts"] == 2
    assert len(s["result"]["reps"]) == len(truth["reps"])
    assert [p.name for p in (ws.files / "sets" / str(set_id)).iterdir()] == [s["outputs"].name]
    for name in ("results.json", "annotated.mp4", "poses.npz"):
        assert (s["outputs"] / name).stat().st_size > 0


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    clip, _ = synthetic_clip("row_side_clean", reps=3)
    ws = Workspace(tmp_path_factory.mktemp("ws") / "coach.db")
    # The coach set Ana a slow tempo: the scripted 2-0-1-1 reps are too quick for it (findings to review).
    cid = clients.add_client(ws, "Ana Lee", tempo_target="4-0-1-3")
    set_id, _ = sets.import_clip(ws, cid, clip, name="set.mp4", recorded_on="2025-02-03", load_kg=42.5)
    Worker(ws, model="lite").run(once=True)
    return ws, set_id


def test_the_client_report_has_the_coachs_words_and_only_confirmed_findings(analysed):
    ws, set_id = analysed
    s = sets.get_set(ws, set_id)
    found = findings(s["result"])
    assert len(found) >= 2, "the clip at the client's slow target tempo has tempo findings to review"
    dismissed, edited, *rest = found
    review.decide(ws, set_id, dismissed.key, "dismissed")
    review.decide(ws, set_id, edited.key, "edited", "Slow down on the way back: count three.")
    review.add_note(ws, set_id, "Strong set, Ana & co <3")
    review.add_note(ws, set_id, "Here the elbows drifted", rep_index=edited.rep)
    html = report.build(ws, set_id)
    assert "Ana Lee" in html and "2025-02-03" in html and "42.5 kg" in html
    assert "Strong set, Ana &amp; co &lt;3" in html  # escaped
    assert "Here the elbows drifted" in html
    assert "Slow down on the way back: count three." in html
    rows = dict(re.findall(r'<tr><td class="rep"><b>(?:<a [^>]*>)?(\d+)(?:</a>)?</b>(.*?)</tr>', html, re.S))
    assert fault_title(dismissed.name) not in rows[str(dismissed.rep)]
    assert fault_title(edited.name) in rows[str(edited.rep)]
    for f in rest:  # not reviewed: not in the report
        assert fault_title(f.name) not in rows[str(f.rep)]
    assert f'id="frame-rep{dismissed.rep:02d}_{dismissed.name}"' not in html
    assert "@media print" in html and "<script" not in html


def _frames(path) -> list:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray") for f in c.decode(video=0)]


def test_the_report_embeds_the_video_or_zips_it_beside(analysed):
    """The video sent shows only the findings the report keeps: with findings dismissed or unreviewed it is
    drawn again without them; once the coach keeps every finding it is the analysis's own video."""
    ws, set_id = analysed
    s = sets.get_set(ws, set_id)
    video = s["outputs"] / "annotated.mp4"
    left_out = [f for f in findings(s["result"]) if f.key not in
                {k for k, d in review.decisions(ws, set_id).items() if d["decision"] != "dismissed"}]
    assert left_out, "the first report test dismissed one finding and left others unreviewed"
    name, mime, data = report.export(ws, set_id)
    assert name.endswith(".html") and mime == "text/html"
    uri = re.search(rb'<video[^>]+src="data:video/mp4;base64,([^"]+)"', data).group(1)
    sent = base64.b64decode(uri)
    client = report.client_video(ws, set_id)
    assert client != video and client.name.startswith("annotated-client-") and sent == client.read_bytes()
    a, b = _frames(video), _frames(client)
    assert len(a) == len(b) and a[0].shape == b[0].shape  # the same clip, frame for frame
    differs = [i for i, (x, y) in enumerate(zip(a, b)) if abs(x.astype(int) - y.astype(int)).mean() > 0.5]
    assert 0 < len(differs) < len(a), "only the frames that drew a left-out finding change"
    assert report.client_video(ws, set_id) == client  # drawn once per set of kept findings

    name, mime, data = report.export(ws, set_id, embed_limit_bytes=1000)
    assert name.endswith(".zip") and mime == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = sorted(z.namelist())
        stem = names[0].split("/")[0]
        assert names == [f"{stem}/annotated.mp4", f"{stem}/report.html"]
        assert z.read(f"{stem}/annotated.mp4") == client.read_bytes()
        assert 'src="annotated.mp4"' in z.read(f"{stem}/report.html").decode()

    for f in findings(s["result"]):  # the coach keeps everything: the analysis's own video goes out
        review.decide(ws, set_id, f.key, "confirmed")
    assert report.client_video(ws, set_id) == video
    name, _, data = report.export(ws, set_id)
    uri = re.search(rb'<video[^>]+src="data:video/mp4;base64,([^"]+)"', data).group(1)
    assert base64.b64decode(uri) == video.read_bytes()


def test_analysing_again_replaces_the_outputs_and_keeps_the_review(analysed):
    ws, set_id = analysed
    before = sets.get_set(ws, set_id)
    review.add_note(ws, set_id, "kept across a new analysis")
    jobs.retry(ws, set_id)
    assert Worker(ws, model="lite").run(once=True) == 1
    after = sets.get_set(ws, set_id)
    assert after["status"] == "analysed" and after["outputs"] != before["outputs"]
    assert not before["outputs"].exists() and (after["outputs"] / "results.json").exists()
    assert [p.name for p in (ws.files / "sets" / str(set_id)).iterdir()] == [after["outputs"].name]
    assert after["result"]["rep_count"] == before["result"]["rep_count"]
    assert "kept across a new analysis" in [n["text"] for n in review.notes(ws, set_id)]
