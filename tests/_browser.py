"""Shared helpers for the real-browser tests: the app server, phone and desktop browser contexts, page checks.

Chromium is Debian's /usr/bin/chromium driven by Playwright (it cannot download browsers here).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _synth import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36")
#: A 390 x 844 phone (an iPhone 12-15 sized screen) with touch and a phone user agent; a laptop screen.
SCREENS = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                     "user_agent": PHONE_UA, "device_scale_factor": 2},
           "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}}
#: Screenshots go here when set (the tests take them on the way; nothing is compared).
SHOTS = os.environ.get("FORMCHECK_SHOTS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, env: dict | None = None, timeout_s: float = 90.0):
    """`streamlit run app.py` on a free port: (url, process, log path). Raises RuntimeError if it does not start."""
    port = free_port()
    log_path = tmp / "streamlit.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=REPO, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return url, proc, log_path
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def settle(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished the rerun a widget change started (its status widget is gone)."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=timeout_ms)


def sideways(page) -> dict:
    """How far the page reaches past the screen's width (all 0 when it never scrolls sideways).

    A phone browser widens its layout viewport to fit content that is too wide (then zooms out), so the
    screen's own width is the yardstick, not window.innerWidth alone. Streamlit scrolls its main block
    rather than the document: both are measured.
    """
    return page.evaluate("""(w) => {
        const main = document.querySelector('[data-testid="stMain"]');
        return {document: Math.max(0, document.scrollingElement.scrollWidth - w),
                inner: Math.max(0, window.innerWidth - w),
                main: main ? Math.max(0, main.scrollWidth - main.clientWidth) : 0}; }""",
                         page.viewport_size["width"])


def shoot(page, name: str) -> None:
    """A full-length screenshot into $FORMCHECK_SHOTS (Streamlit scrolls inside its main block, so the
    viewport is stretched to the page's length for the picture)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    h = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
        return Math.max(m ? m.scrollHeight : 0, document.scrollingElement.scrollHeight); }""")
    page.set_viewport_size({"width": size["width"], "height": min(int(h) + 40, 16000)})
    page.wait_for_timeout(1200)
    page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def launch_browser():
    """A module fixture body: Debian's Chromium through Playwright, closed at the end (``yield from``)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
