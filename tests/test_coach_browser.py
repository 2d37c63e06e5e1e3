"""The coach's workspace in a real browser (Chromium via Playwright) against `streamlit run app.py`.

One scenario, as a coach and a client would live it: the coach logs in, adds a client and makes an upload
link; the client (a second browser context, phone-sized) opens the link, uploads a clip and sees only their
own set; the worker (started by the app) analyses it; the coach dismisses a finding, adds a note, compares two
sets side by side with both videos playing, and exports the report, which opens offline, shows the note, not
the dismissed finding, and plays its video. A wrong token and a missing login see nothing.

Screenshots of every page at 1280x800 and 390x844 go to $FORMCHECK_SHOTS (default: the test's tmp folder).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from _browser import launch_browser, start_app, stop_app
from _synth import synthetic_clip

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.browser, pytest.mark.slow]
if not CHROMIUM.exists():
    pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from test_app_browser import _screenshots_on_failure  # noqa: E402

from formcheck.render.theme import fault_title  # noqa: E402
from formcheck.workspace import Workspace, accounts, clients, sets  # noqa: E402

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery"
NOTE = "Great depth today - keep the chest on the pad"
ANALYSIS_MS = 240_000


@pytest.fixture(scope="module")
def coach_server(tmp_path_factory):
    """A workspace with a coach account, another client with a set, and the app serving it (worker on)."""
    tmp = tmp_path_factory.mktemp("coach")
    db = tmp / "coach.db"
    ws = Workspace(db)
    accounts.add_coach(ws, "coach", PASSWORD)
    other = clients.add_client(ws, "Bo Otherclient")
    other_clip, _ = synthetic_clip("row_side_clean", reps=2)
    sets.import_clip(ws, other, other_clip, name="bo-secret-set.mp4", recorded_on="2025-01-02")
    ws.close()
    try:
        url, proc, _log = start_app(tmp, env={"FORMCHECK_DB": str(db), "FORMCHECK_COACH_MODEL": "lite",
                                              "FORMCHECK_APP_DIR": str(tmp / "work"),
                                              "FORMCHECK_SAMPLE_DIR": str(tmp / "no-samples")})
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield {"url": url, "db": db, "tmp": tmp}
    stop_app(proc)


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def _settle(page) -> None:
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=120_000)


def _shoot(page, folder: Path, name: str, sizes=(DESKTOP, PHONE)) -> None:
    """Screenshots of the page at desktop and phone width (the viewport is restored afterwards)."""
    folder.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size in sizes:
        page.set_viewport_size(size)
        page.wait_for_timeout(700)
        # Streamlit scrolls inside its main element: make the window as tall as the content to see it all.
        tall = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                                        return m ? m.scrollHeight : document.documentElement.scrollHeight; }""")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 6000))})
        page.wait_for_timeout(700)
        tag = "desktop" if size["width"] > 600 else "phone"
        page.screenshot(path=str(folder / f"{name}-{tag}.png"), full_page=True)
    page.set_viewport_size(before)
    page.wait_for_timeout(300)


def _nav(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(name, exact=True).click()
    _settle(page)


def _body(page) -> str:
    return page.inner_text("body")


def test_coach_and_client_workflow(coach_server, browser, tmp_path):
    url = coach_server["url"]
    shots = Path(os.environ.get("FORMCHECK_SHOTS") or tmp_path / "shots")
    clip, _ = synthetic_clip("row_side_clean", reps=3)
    earlier, _ = synthetic_clip("row_side_shrug", reps=4)  # (not 3: that renders the same bytes as the clean 3)

    coach_ctx = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    coach = coach_ctx.new_page()
    coach.set_default_timeout(60_000)
    client_ctx = browser.new_context(viewport=PHONE)
    client = client_ctx.new_page()
    client.set_default_timeout(60_000)
    with _screenshots_on_failure(tmp_path, coach, client):
        # No login: the coach's pages do not exist; the address of one shows nobody's data.
        for path in ("coach", "client?client=1", "set?set=1", "compare"):
            coach.goto(url + path)
            coach.get_by_text("No video handy?").or_(coach.get_by_role("button", name="Log in")).first.wait_for()
            assert "Bo Otherclient" not in _body(coach)
        coach.goto(url + "coach")
        coach.get_by_role("button", name="Log in").wait_for()
        _shoot(coach, shots, "01-login")

        # The coach logs in (a wrong password first), adds a client, makes an upload link.
        coach.get_by_label("User name").fill("coach")
        coach.get_by_role("textbox", name="Password").fill("wrong password")
        coach.get_by_role("button", name="Log in").click()
        coach.get_by_text("Wrong user name or password.").wait_for()
        coach.get_by_role("textbox", name="Password").fill(PASSWORD)
        coach.get_by_role("button", name="Log in").click()
        coach.get_by_role("heading", name="Clients").wait_for()
        coach.get_by_text("Bo Otherclient").first.wait_for()
        coach.wait_for_timeout(500)
        coach.reload()  # the login survives a reload (a cookie with a session token)
        coach.get_by_role("heading", name="Clients").wait_for()
        form = coach.locator('[data-testid="stForm"]')
        form.get_by_label("Name").fill("Ana Newclient")
        form.get_by_role("textbox", name="Target tempo").fill("4-0-1-3")  # slower than the clip's reps: findings to review
        form.get_by_role("button", name="Add client").click()
        coach.get_by_role("heading", name="Ana Newclient").wait_for()
        coach.get_by_role("button", name="Create an upload link").click()
        link = coach.locator("code", has_text="?c=").first
        link.wait_for()
        token = re.search(r"\?c=([\w-]+)", link.inner_text()).group(1)
        assert len(token) >= 30

        # The coach also uploads last week's set for this client (the one to compare with).
        coach.get_by_text("Upload a set for this client").click()
        coach.locator("input[type=file]").first.set_input_files(str(earlier))
        coach.get_by_role("button", name="Send the video").first.click()
        coach.get_by_text("Received. It is queued for analysis.").wait_for()

        # A wrong token sees nothing.
        client.goto(url + "?c=" + token[:-3] + "xyz")
        client.get_by_text("This upload link is not valid").wait_for()
        assert "Ana" not in _body(client) and "Bo Otherclient" not in _body(client)
        _shoot(client, shots, "02-wrong-token", sizes=(PHONE,))

        # The client opens the link on a phone, uploads a set, sees only their own sets.
        client.goto(url + "?c=" + token)
        client.get_by_role("heading", name="Hi Ana Newclient").wait_for()
        client.locator("input[type=file]").set_input_files(str(clip))
        client.get_by_text(re.compile(r"^\d+(\.\d+)?\s?[KM]B$")).first.wait_for()  # the chosen file, with its size
        client.get_by_role("button", name="Send the video").click()
        client.get_by_text("Received. It is queued for analysis.").wait_for()
        client.get_by_text(clip.name[:20]).first.wait_for()
        body = _body(client)
        assert "Bo Otherclient" not in body and "bo-secret-set" not in body
        assert body.count("Download your report") == 0
        _shoot(client, shots, "03-client-upload")

        # The coach sees both sets analysed (the app's worker), with what is new. (The login lives in the
        # browser session: move with the app's own links, a reload would log out.)
        _nav(coach, "Client")
        coach.get_by_role("heading", name="Ana Newclient").wait_for()
        deadline = time.monotonic() + ANALYSIS_MS / 1000
        while coach.get_by_role("button", name="Review").count() < 2:
            assert time.monotonic() < deadline, _body(coach)[-1500:]
            coach.wait_for_timeout(2000)
            show = coach.get_by_role("button", name=re.compile("finished: show the results"))
            if show.count():
                show.click()
                _settle(coach)
        assert "could not be analysed" not in _body(coach)
        _shoot(coach, shots, "04-client-page")

        # Review the client's own upload (the newest set): dismiss a finding, confirm the rest, add a note.
        coach.get_by_role("button", name="Review").first.click()
        coach.get_by_role("heading", name="Findings").wait_for()
        coach.locator("video").first.wait_for()
        first = coach.locator("[class*='st-key-finding-rep']").first
        first.wait_for()
        key = re.search(r"st-key-finding-rep(\d+)-(\w+)", first.get_attribute("class"))
        rep, fault = int(key.group(1)), key.group(2)
        first.get_by_role("button", name="Dismiss").click()
        first.get_by_text("dismissed").wait_for()
        _settle(coach)
        coach.get_by_role("button", name=re.compile(r"Confirm the \d+ not reviewed")).click()
        coach.get_by_text(re.compile(r"findings?, 0 not reviewed")).wait_for()
        confirmed = [re.search(r"st-key-finding-rep(\d+)-(\w+)", c.get_attribute("class")).groups()
                     for c in coach.locator("[class*='st-key-finding-rep']").all()[1:]]
        assert confirmed, "the clip has findings to confirm besides the dismissed one"
        notes_form = coach.locator('[data-testid="stForm"]').filter(has_text="Note for the client")
        notes_form.get_by_label("Note for the client").fill(NOTE)
        notes_form.get_by_role("button", name="Add note").click()
        coach.get_by_text(NOTE).first.wait_for()
        _shoot(coach, shots, "05-set-review")

        # Export the report.
        coach.get_by_role("button", name="Prepare the report").click()
        dl_button = coach.get_by_role("button", name=re.compile(r"Download .*\.html"))
        dl_button.wait_for(timeout=120_000)
        with coach.expect_download() as dl:
            dl_button.click()
        report_path = tmp_path / dl.value.suggested_filename
        dl.value.save_as(report_path)
        html = report_path.read_text()
        assert NOTE in html and "Ana Newclient" in html
        rows = re.findall(r'<tr><td class="rep"><b>(?:<a [^>]*>)?(\d+)(?:</a>)?</b>(.*?)</tr>', html, re.S)
        row = dict(rows)[str(rep)]
        assert fault_title(fault) not in row, f"dismissed {fault} on rep {rep} is in the report"
        for r, name in confirmed:
            assert fault_title(name) in dict(rows)[r], f"confirmed {name} on rep {r} is missing from the report"

        # Share it: the client's page now offers the report.
        coach.get_by_text("Client can see this report on their page").click()
        _settle(coach)
        client.reload()
        client.get_by_role("button", name="Download your report").wait_for()

        # Side by side: both videos play, in step.
        _nav(coach, "Client")
        coach.get_by_role("heading", name="Ana Newclient").wait_for()
        for box in coach.locator('[data-testid="stCheckbox"]').all()[:2]:
            box.click()
            _settle(coach)
        coach.get_by_role("button", name="Compare the two picked sets side by side").click()
        coach.get_by_role("heading", name="Side by side").wait_for()
        frame = coach.frame_locator("iframe").first
        frame.get_by_role("button", name="Play both").click()
        coach.wait_for_timeout(1500)
        times = frame.locator("body").evaluate(
            "() => [...document.querySelectorAll('video')].map(v => [v.currentTime, v.paused, v.readyState])")
        assert len(times) == 2 and all(t > 0.2 and not paused and rs >= 2 for t, paused, rs in times), times
        _shoot(coach, shots, "06-compare")
        _nav(coach, "Clients")
        coach.get_by_role("heading", name="Clients").wait_for()
        _shoot(coach, shots, "07-client-list")
        coach.get_by_role("button", name="Log out").click()
        coach.get_by_role("button", name="Log in").wait_for()
        coach.wait_for_timeout(500)
        coach.reload()  # logged out for good: the cookie's session is gone
        coach.get_by_role("button", name="Log in").wait_for()
        assert "Ana Newclient" not in _body(coach)

    # The exported report, opened with no network, shows its video playing.
    offline = browser.new_context(viewport=PHONE, offline=True)
    page = offline.new_page()
    with _screenshots_on_failure(tmp_path, page):
        page.goto(report_path.as_uri())
        page.get_by_text(NOTE).wait_for()
        page.wait_for_function(
            """() => { const v = document.querySelector('video');
                       if (!v) return false;
                       if (v.readyState < 2) { v.muted = true; v.play().catch(() => {}); }
                       return v.readyState >= 2 && v.videoWidth > 0; }""", timeout=60_000, polling=500)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the report scrolls sideways on a phone ({width} px)"
        _shoot(page, shots, "08-report")
    offline.close()
    coach_ctx.close()
    client_ctx.close()
