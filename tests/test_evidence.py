"""Evidence outputs: annotated.mp4, key frames, charts and report.html, end to end on a scripted lifter.

One short synthetic clip (two reps, a shrug on the second) is analysed once per module; the tests check
the files a user gets. Two tests drive a real Chromium (marked ``browser``): the annotated video plays in a
``<video>`` element with the analysed duration, and the report opens with no request leaving 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

synthetic = pytest.importorskip("formcheck.synthetic", reason="needs the scripted lifter (formcheck.synthetic)")

from formcheck.pipeline import analyze, analyze_series  # noqa: E402
from formcheck.render.outputs import write_outputs  # noqa: E402
from formcheck.render.video import output_size  # noqa: E402
from formcheck.series import LANDMARK, PoseSeries  # noqa: E402
from formcheck.video import open_video  # noqa: E402

pytestmark = pytest.mark.slow  # renders annotated video from an analysed clip

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
browser = pytest.mark.browser
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")


def _spec(**kw):
    from formcheck.synthetic import RepSpec, make_spec

    return make_spec("row_side_shrug", reps=[RepSpec(), RepSpec(shrug=0.12)], tempo=(1, 0, 1, 0.5), fps=15,
                     lead_s=0.5, tail_s=0.5, **kw)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A 6 s, 15 fps, 640x480 side-view bent-over row: rep 1 clean, rep 2 shrugs."""
    path = tmp_path_factory.mktemp("clip") / "row.mp4"
    synthetic.render_clip(_spec(), path)
    return path


@pytest.fixture(scope="module")
def analysed(clip, tmp_path_factory):
    """(result, out_dir, written paths) for the clip, with the annotated video."""
    result = analyze(clip)
    out = tmp_path_factory.mktemp("out")
    written = write_outputs(result, out, video=True, source=clip)
    return result, out, written


def _decode(path: Path) -> tuple[dict, list[np.ndarray]]:
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        info = {"codec": s.codec_context.name, "pix_fmt": s.codec_context.pix_fmt, "width": s.width,
                "height": s.height, "rate": s.average_rate}
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
    return info, frames


# ---------------------------------------------------------------------------------------------------------------


def test_output_size_caps_at_1080p():
    assert output_size(1920, 1080) == (1920, 1080)
    assert output_size(3840, 2160) == (1920, 1080)
    assert output_size(1080, 1920) == (1080, 1920)  # portrait phone clip stays portrait, full size
    w, h = output_size(4032, 3024)  # 4:3 photo-size video: the short side is the binding cap
    assert h <= 1080 and w <= 1920 and w % 2 == 0 and h % 2 == 0
    assert output_size(641, 479) == (641, 479)  # small clips keep their size (the writer pads odd sizes)


def test_writes_every_output(analysed):
    result, out, written = analysed
    for name in ("results.json", "reps.csv", "poses.npz", "annotated.mp4", "report.html", "keyframes"):
        assert name in written and written[name].exists(), name
    assert result.rep_count == 2


def test_annotated_video_is_browser_h264_with_one_frame_per_analysed_frame(analysed):
    result, out, _ = analysed
    info, frames = _decode(out / "annotated.mp4")
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["width"] % 2 == 0 and info["height"] % 2 == 0
    assert (info["width"], info["height"]) == result.series.frame_size == (640, 480)
    assert len(frames) == len(result.series)
    assert abs(float(info["rate"]) - result.series.fps) < 0.01
    # The overlay is there: frames differ from the source where the skeleton is drawn.
    src = [f.image for f in open_video(result.video["path"])]
    j = len(frames) // 2
    assert np.abs(frames[j].astype(int) - src[j].astype(int)).max() > 100


def test_keyframes_per_rep_and_per_fault(analysed):
    result, out, _ = analysed
    names = {p.name for p in (out / "keyframes").glob("*.png")}
    for ra in result.assessed:
        assert f"rep{ra.rep.index:02d}_top.png" in names
        for f in ra.findings:
            assert f"rep{ra.rep.index:02d}_{f.name}.png" in names
    import cv2

    img = cv2.imread(str(out / "keyframes" / "rep01_top.png"))
    assert img is not None and img.shape[:2] == (480, 640)


def test_shrug_rep_is_marked_in_the_video(analysed):
    """The shoulder-to-ear line turns red on the rep with a shrug finding, and not on a clean rep."""
    result, out, _ = analysed
    shrug_reps = [ra.rep for ra in result.assessed if "shrug" in ra.faults]
    clean_reps = [ra.rep for ra in result.assessed if "shrug" not in ra.faults]
    if not shrug_reps or not clean_reps:
        pytest.skip(f"the analysis found shrugs on {[r.index for r in shrug_reps]}: need one shrug and one clean rep")
    _, frames = _decode(out / "annotated.mp4")
    t = result.series.times_s
    xy = result.series.image_xy

    def red_near_neck(rep) -> float:
        j = int(np.searchsorted(t, rep.peak_s))
        mid = (xy[j, LANDMARK["left_shoulder"]] + xy[j, LANDMARK["left_ear"]]) / 2
        x, y = int(mid[0]), int(mid[1])
        patch = frames[j][max(0, y - 12):y + 12, max(0, x - 12):x + 12].astype(int)
        red = (patch[..., 0] > 180) & (patch[..., 1] < 110) & (patch[..., 2] < 110)
        return float(red.mean())

    assert red_near_neck(shrug_reps[0]) > 0.02
    assert red_near_neck(clean_reps[0]) < red_near_neck(shrug_reps[0]) / 3


def test_report_is_self_contained(analysed):
    result, out, _ = analysed
    text = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert "<script" not in text.lower()
    assert "@import" not in text and "url(http" not in text
    assert f"{result.rep_count} reps" in text
    assert text.count("data:image/jpeg;base64,") == len(list((out / "keyframes").glob("*.png")))
    assert text.count("<svg") >= 2  # signals and tempo charts inline


def test_charts_are_valid_vega_lite_with_inline_data(analysed):
    import json

    from formcheck.render.charts import signals_chart, tempo_chart

    result = analysed[0]
    for chart in (signals_chart(result, width="container"), tempo_chart(result)):
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        text = json.dumps(spec)
        assert '"url"' not in text and "http" not in text.replace("https://vega.github.io/schema", "")
        assert spec.get("datasets")


def test_no_video_still_grabs_keyframes_by_seeking(analysed, tmp_path):
    result, out, _ = analysed
    written = write_outputs(result, tmp_path, video=False, source=result.video["path"])
    assert "annotated.mp4" not in written and not (tmp_path / "annotated.mp4").exists()
    with_video = sorted(p.name for p in (out / "keyframes").glob("*.png"))
    assert sorted(p.name for p in (tmp_path / "keyframes").glob("*.png")) == with_video
    import cv2

    # The seek pass finds the same frames as the full pass (same encoder input, so nearly equal pixels).
    a = cv2.imread(str(out / "keyframes" / "rep01_top.png")).astype(int)
    b = cv2.imread(str(tmp_path / "keyframes" / "rep01_top.png")).astype(int)
    assert np.abs(a - b).mean() < 2.0


def test_from_poses_only_skips_video_with_a_note(analysed, tmp_path):
    result, _, _ = analysed
    written = write_outputs(result, tmp_path, video=True, source=None)
    assert "annotated.mp4" not in written and "keyframes" not in written
    text = written["report.html"].read_text(encoding="utf-8")
    assert "saved poses (.npz)" in text


def test_trimmed_analysis_renders_only_the_analysed_range(analysed, tmp_path):
    """Poses trimmed like --start/--end, some frames without a person: one output frame per analysed frame."""
    result, _, _ = analysed
    s = result.series
    keep = (s.times_s >= 1.0) & (s.times_s < 4.0)
    xy, world, vis = s.image_xy[keep].copy(), s.world_xyz[keep].copy(), s.visibility[keep].copy()
    xy[5:8], world[5:8], vis[5:8] = np.nan, np.nan, np.nan  # nobody found in three frames
    trimmed = PoseSeries(s.times_s[keep], s.frame_index[keep], xy, world, vis, s.frame_size, s.fps,
                         {**s.source, "start_s": 1.0, "end_s": 4.0})
    part = analyze_series(trimmed)
    written = write_outputs(part, tmp_path, video=True, source=result.video["path"])
    info, frames = _decode(written["annotated.mp4"])
    assert len(frames) == int(keep.sum())
    # Same pictures as the full render's frames at those times (overlay aside, the body is in the same place).
    src = [f.image for f in open_video(result.video["path"], start_s=1.0, end_s=4.0)]
    assert len(src) == len(frames)


def test_portrait_phone_clip_gets_portrait_output_with_overlay_on_the_body(tmp_path):
    """A clip stored landscape with a 90-degree display rotation (as phones record portrait)."""
    import av

    from formcheck.synthetic import RepSpec, make_spec

    spec = make_spec("row_side_shrug", reps=[RepSpec()], tempo=(1, 0, 1, 0.5), fps=10, lead_s=0.3, tail_s=0.3,
                     size=(360, 640))
    upright = tmp_path / "upright.mp4"
    truth = synthetic.render_clip(spec, upright)
    rotated = tmp_path / "portrait.mp4"
    rate = Fraction(10)
    with av.open(str(rotated), "w") as c:
        st = c.add_stream("libx264", rate=rate)
        st.width, st.height, st.pix_fmt = 640, 360, "yuv420p"  # stored landscape
        st.set_display_rotation(-90)  # displayed = stored turned 90 degrees clockwise
        for i, fr in enumerate(open_video(upright)):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.rot90(fr.image, k=1)), format="rgb24")
            f.pts, f.time_base = i, 1 / rate
            for p in st.encode(f):
                c.mux(p)
        for p in st.encode():
            c.mux(p)
    result = analyze(rotated)
    assert result.series.frame_size == (360, 640)
    out = tmp_path / "out"
    write_outputs(result, out, video=True, source=rotated)
    info, frames = _decode(out / "annotated.mp4")
    assert (info["width"], info["height"]) == (360, 640)  # portrait
    assert len(frames) == len(result.series)
    src = [f.image for f in open_video(rotated)]
    joints = truth["frames"]["joints"]
    hits = 0
    checked = 0
    for j in range(0, len(frames), max(1, len(frames) // 6)):
        changed = np.abs(frames[j].astype(int) - src[j].astype(int)).max(axis=2) > 60
        sh = (np.array(joints["left_shoulder"][j]) + joints["right_shoulder"][j]) / 2
        hip = (np.array(joints["left_hip"][j]) + joints["right_hip"][j]) / 2
        for f in (0.25, 0.5, 0.75):  # points on the drawn lifter's trunk
            x, y = (hip + f * (sh - hip)).astype(int)
            checked += 1
            hits += bool(changed[max(0, y - 6):y + 7, max(0, x - 6):x + 7].any())
    assert hits >= 0.8 * checked, f"overlay found on the body at {hits} of {checked} trunk points"


# ---------------------------------------------------------------------------------------------------------------
# Real browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def served(analysed):
    """Serve the output folder on 127.0.0.1 (a random free port); yields the base URL."""
    _, out, _ = analysed
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out)))
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b.new_page()
        finally:
            b.close()


@browser
@needs_chromium
def test_browser_plays_annotated_video_with_the_analysed_duration(analysed, served, page):
    result, out, _ = analysed
    (out / "player.html").write_text('<!doctype html><video id="v" src="annotated.mp4" muted preload="auto">'
                                     "</video>", encoding="utf-8")
    page.goto(f"{served}/player.html")
    page.wait_for_function("document.getElementById('v').readyState >= 2", timeout=20000)
    duration = page.evaluate("document.getElementById('v').duration")
    error = page.evaluate("document.getElementById('v').error && document.getElementById('v').error.code")
    assert error is None
    analysed_s = len(result.series) / result.series.fps
    assert abs(duration - analysed_s) < 0.1, (duration, analysed_s)


@browser
@needs_chromium
def test_browser_opens_report_without_leaving_localhost(analysed, served, page):
    result, out, _ = analysed
    requests, failed = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(f"{served}/report.html")
    page.get_by_text(f"{result.rep_count} reps", exact=False).first.wait_for(timeout=10000)
    page.wait_for_load_state("load")
    assert not failed, failed
    hosts = {urlparse(u).hostname for u in requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, requests
    # Every key frame image decoded (data URIs are not network requests, so check them in the page).
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken == 0
    assert page.evaluate("document.images.length") == len(list((out / "keyframes").glob("*.png")))


def test_an_unsure_exercise_is_a_question_in_the_report(analysed):
    """The report names both candidates as a question; it never states the first guess as a fact."""
    import copy

    from formcheck.render.report import build_report

    result = copy.copy(analysed[0])
    result.exercise_source = "detected"
    result.exercise_candidates = [{"exercise": "bent_over_row", "name": "bent-over row", "confidence": 0.5},
                                  {"exercise": "chest_supported_row", "name": "chest-supported row",
                                   "confidence": 0.45}]
    text = build_report(result)
    assert "<title>Bent-over row or chest-supported row? \u2014 form report \u00b7 row.mp4</title>" in text
    assert '<div class="s">bent-over row or chest-supported row?</div>' in text
    plain = build_report(analysed[0])
    assert "<title>Bent-over row \u2014 form report \u00b7 row.mp4</title>" in plain
    assert " or chest-supported" not in plain
