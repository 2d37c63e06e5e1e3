"""The app and report.html on a phone (390 x 844, touch, a phone user agent) and on a laptop, in a real browser.

On every page (upload, result, live, how to film, the report) nothing reaches past the screen's width, so
the page never scrolls sideways; the result and the report show every key frame, in rep order; the report
enlarges a key frame on a tap. With FORMCHECK_SHOTS=DIR the pages are also photographed into DIR.
"""

from __future__ import annotations

import re
import shutil

import pytest

from _browser import launch_browser, CHROMIUM, SCREENS, settle, shoot, sideways, start_app, stop_app
from _synth import synthetic_clip

pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not CHROMIUM.exists():
    pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

ANALYSIS_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app with one sample (a scripted 3-rep side-view row set, one rep shrugged); yields (url, work dir)."""
    tmp = tmp_path_factory.mktemp("phone-app")
    clip, truth = synthetic_clip("row_side_shrug", reps=3)
    samples = tmp / "samples"
    samples.mkdir()
    shutil.copy(clip, samples / "row_side.mp4")
    url, proc, _ = start_app(tmp, {"FORMCHECK_APP_DIR": str(tmp / "work"), "FORMCHECK_SAMPLE_DIR": str(samples)})
    yield url, tmp / "work", truth
    stop_app(proc)


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def _fits(page, where: str) -> None:
    over = sideways(page)
    assert over == {"document": 0, "inner": 0, "main": 0}, f"the {where} page reaches past the screen: {over}"


def _rep_numbers(captions: list[str]) -> list[int]:
    return [int(re.match(r"Rep (\d+):", c).group(1)) for c in captions]


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_pages_fit_the_screen_and_show_every_key_frame_in_rep_order(app, browser, screen, tmp_path):
    url, work, truth = app
    n = len(truth["reps"])
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        page.get_by_text("No video handy?").wait_for()
        settle(page)
        _fits(page, "upload")
        # The upload offers a phone's camera: the file input accepts any video type.
        assert "video/*" in (page.locator("input[type=file]").get_attribute("accept") or "")
        shoot(page, f"upload-{screen}")

        page.get_by_text("Pose model and camera view").click()
        page.get_by_text("lite", exact=True).click()
        settle(page)
        page.get_by_role("button", name="Try a sample").click()
        page.get_by_text("Downloads", exact=True).wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        settle(page)
        page.locator(".fc-reps table").wait_for()
        page.wait_for_timeout(1500)  # charts draw after the page
        _fits(page, "result")
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert f"{n} reps ·" in body and "None" not in body
        # This browser session's own results (each session has its own private folder): the newest.
        run = max(work.rglob("report.html"), key=lambda p: p.stat().st_mtime).parent
        pngs = sorted((run / "keyframes").glob("*.png"))
        captions = page.locator('[data-testid="stImageCaption"]').all_inner_texts()
        assert len(captions) == len(pngs) >= n, (captions, [p.name for p in pngs])
        reps = _rep_numbers(captions)
        assert reps == sorted(reps) and set(reps) == set(range(1, n + 1)), captions
        assert [c for c in captions if "top of the pull" in c] == [f"Rep {i}: top of the pull" for i in range(1, n + 1)]
        # The rep table fits: its right edge is inside the screen, with one row per rep.
        box = page.locator(".fc-reps table").bounding_box()
        assert box["x"] + box["width"] <= page.viewport_size["width"]
        assert page.locator(".fc-reps tbody tr").count() == n
        shoot(page, f"results-{screen}")

        page.get_by_role("tab", name="How to film").click()
        page.get_by_text("Set up in one minute").wait_for()
        settle(page)
        _fits(page, "how to film")

        page.get_by_role("tab", name="Live").click()
        page.get_by_role("button", name="Finish set").wait_for()
        settle(page)
        page.wait_for_timeout(1500)
        _fits(page, "live")
        assert page.get_by_text("Sound", exact=True).count() >= 1  # the mute switch
        shoot(page, f"live-{screen}")

        report = run / "report.html"
        page.goto(report.as_uri())
        page.get_by_text("Rep by rep").wait_for()
        _fits(page, "report")
        figs = page.locator("figure figcaption b").all_inner_texts()
        assert len(figs) == len(pngs) and _rep_numbers(figs) == sorted(_rep_numbers(figs)), figs
        shoot(page, f"report-{screen}")
        # A tap on a key frame shows it over the whole screen; the close link puts it back.
        fig = page.locator("figure").nth(1)
        fig.locator("a.zoom").click()
        assert fig.evaluate("f => getComputedStyle(f).position") == "fixed"
        fig.locator("a.close").click()
        assert fig.evaluate("f => getComputedStyle(f).position") != "fixed"
    except Exception:
        page.screenshot(path=str(tmp_path / f"failure-{screen}.png"))
        raise
    finally:
        context.close()
