"""The app in a real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`.

(a) upload a scripted clip and see its rep count and a playable annotated video;
(b) two browser sessions at once each get their own result;
(c) live: Chromium's fake camera plays a scripted clip into the WebRTC stream and
    the page's rep counter reaches the clip's rep count, the cues the page played (its
    WebRTC audio track) came in the order they were raised, which is the order of a rep's
    phases, then "Finish set" gives the report.

Waits are for specific text, never for "page loaded". Skipped without /usr/bin/chromium.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from _browser import start_app, stop_app
from _synth import synthetic_clip, write_y4m

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not CHROMIUM.exists():
    pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ANALYSIS_TIMEOUT_MS = 180_000  # pose pass + annotated video on a busy 2-core machine


@contextlib.contextmanager
def _screenshots_on_failure(tmp_path: Path, *pages):
    """On a failure, save what each page showed (the path is in the failure message)."""
    try:
        yield
    except Exception as exc:
        shots = []
        for i, page in enumerate(pages):
            try:
                path = tmp_path / f"failure-page{i}.png"
                page.screenshot(path=str(path))
                shots.append(str(path))
            except Exception:  # the page may be gone
                pass
        raise AssertionError(f"{exc}\nscreenshots: {shots}") from exc


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a free port; yields its URL."""
    tmp = tmp_path_factory.mktemp("app")
    try:
        url, proc, _log = start_app(tmp, env={"FORMCHECK_APP_DIR": str(tmp / "work"),
                                              "FORMCHECK_SAMPLE_DIR": str(tmp / "no-samples")})
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield b
    b.close()


def _open(context, url):
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.get_by_text("No video handy?").wait_for()
    return page


def _settle(page) -> None:
    """Wait until Streamlit has finished the rerun a widget change started (its status widget is gone)."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=120_000)


def _upload(page, clip: Path, *, tempo: str | None = None):
    """Pick the lite model (and a tempo), upload the clip; returns the Analyse button."""
    page.get_by_text("Pose model and camera view").click()
    page.get_by_text("lite", exact=True).click()
    _settle(page)
    if tempo:
        box = page.get_by_role("textbox", name="Target tempo")
        box.fill(tempo)
        box.press("Enter")
        _settle(page)
    page.locator("input[type=file]").set_input_files(str(clip))
    # The clip's line (name, length, size) shows once the upload has reached this session.
    page.get_by_text(f"{clip.name} ·").wait_for()
    button = page.get_by_role("button", name="Analyse", exact=True)
    button.wait_for()
    return button


def test_upload_shows_reps_and_a_playable_annotated_video(server, browser, tmp_path):
    clip, truth = synthetic_clip("row_side_clean", reps=3)
    n = len(truth["reps"])
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = _open(context, server)
    with _screenshots_on_failure(tmp_path, page):
        _upload(page, clip).click()
        page.get_by_text(f"{n} reps ·").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        page.get_by_text("What to work on").wait_for(timeout=30_000)  # strict: exactly one
        # The annotated MP4 (H.264 from PyAV) must actually decode in Chromium.
        page.locator("video").first.wait_for()
        page.wait_for_function(
            """() => { const v = document.querySelector('video');
                       if (!v) return false;
                       if (v.readyState < 2) { v.muted = true; v.play().catch(() => {}); }
                       return v.readyState >= 2 && v.videoWidth > 0; }""", timeout=60_000, polling=500)
    context.close()


def test_two_sessions_get_their_own_results(server, browser, tmp_path):
    clip2, truth2 = synthetic_clip("row_side_clean", reps=2)
    clip3, truth3 = synthetic_clip("row_side_clean", reps=3)
    n2, n3 = len(truth2["reps"]), len(truth3["reps"])
    a = browser.new_context(viewport={"width": 1300, "height": 1000})
    b = browser.new_context(viewport={"width": 1300, "height": 1000})
    pa, pb = _open(a, server), _open(b, server)
    with _screenshots_on_failure(tmp_path, pa, pb):
        # A different target tempo from the other test, so both analyses really run, side by side.
        go_a = _upload(pa, clip2, tempo="3-0-1-1")
        go_b = _upload(pb, clip3, tempo="3-0-1-1")
        go_a.click()
        go_b.click()
        pa.get_by_text(f"{n2} reps ·").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        pb.get_by_text(f"{n3} reps ·").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        assert pa.get_by_text(f"{n3} reps ·").count() == 0
        assert pb.get_by_text(f"{n2} reps ·").count() == 0
        # Each session still shows its own file after a rerun of the other.
        pb.reload()
        pb.get_by_text("No video handy?").wait_for()
        assert pa.get_by_text(f"{n2} reps ·").count() == 1
    a.close()
    b.close()


def test_live_rep_counter_from_a_fake_camera(server, playwright, tmp_path):
    clip, truth = synthetic_clip("row_side_clean", reps=3)
    n = len(truth["reps"])
    y4m = write_y4m(clip, tmp_path / "camera.y4m")
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS + [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}"])
    try:
        context = b.new_context(viewport={"width": 1300, "height": 1100})
        page = _open(context, server)
        with _screenshots_on_failure(tmp_path, page):
            page.get_by_role("tab", name="Live").click()
            start = page.frame_locator("iframe[title*='webrtc']").first.get_by_role("button", name="START")
            start.wait_for()
            start.click()
            # The camera file loops; the counter must reach the clip's rep count.
            page.wait_for_function(
                """(n) => { const m = document.body.innerText.match(/(\\d+) reps? ·/);
                            return m && parseInt(m[1]) >= n; }""", arg=n, timeout=180_000, polling=500)
            text = page.inner_text("body")
            assert re.search(r"\d+ reps? · (Pull|Squeeze|Lower|Pause)", text), text[-800:]
            # The cues: the stream carries an audio track (no microphone asked for), and the page records
            # what it played; it played them in the order they were raised, and that order is the set's.
            audio = page.frame_locator("iframe[title*='webrtc']").first.locator("video").first.evaluate(
                "v => v.srcObject ? v.srcObject.getAudioTracks().length : 0")
            assert audio == 1
            log = page.locator("#fc-cue-log")
            played = [w for w in (log.get_attribute("data-played") or "").split("|") if w]
            raised = [w for w in (log.get_attribute("data-raised") or "").split("|") if w]
            assert played and played[0] == "ready" and any(w.startswith("rep ") for w in played), played
            _assert_in_order(played, raised)
            _assert_cue_grammar(raised, n)
            page.get_by_role("button", name="Finish set").click(timeout=120_000)
            page.get_by_text("Rep by rep").wait_for(timeout=120_000)
            assert re.search(r"\d+ reps · bent-over row · side view", page.inner_text("body"))
        context.close()
    finally:
        b.close()


def _assert_in_order(played: list[str], raised: list[str]) -> None:
    """played is raised with some cues left out (dropped when they would have come too late), never reordered."""
    it = iter(raised)
    assert all(any(w == r for r in it) for w in played), (played, raised)


def _assert_cue_grammar(raised: list[str], n: int) -> None:
    """Framing before 'ready'; reps counted 1, 2, 3...; in each rep pull, then squeeze, then down and the count."""
    assert "ready" in raised
    body = raised[raised.index("ready") + 1:]
    counted = [int(w.split()[1]) for w in body if w.startswith("rep ")]
    assert counted[:n] == list(range(1, n + 1)), raised
    stage = "idle"
    for w in body:
        if w == "pull":
            stage = "pulled"
        elif w == "squeeze":
            assert stage == "pulled", raised
            stage = "squeezed"
        elif w == "down":
            assert stage in ("pulled", "squeezed"), raised
            stage = "lowering"
        elif w.isdigit():
            assert stage == "lowering", raised
    assert body.count("pull") >= n - 1, raised
