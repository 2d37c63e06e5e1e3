"""The coach and client pages through AppTest (no browser): what a link with a token shows, and what it hides.

The whole loop in a real browser is in test_coach_browser.py.
"""

from __future__ import annotations

import pytest

from _synth import REPO
from formcheck.workspace import Workspace, clients, sets

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
APP = str(REPO / "app.py")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    db = tmp_path / "coach.db"
    ws = Workspace(db)
    ana, bo = clients.add_client(ws, "Ana Visible"), clients.add_client(ws, "Bo Hidden")
    sets.import_clip(ws, ana, b"ana's clip", name="ana-monday.mp4", recorded_on="2025-01-06")
    sets.import_clip(ws, bo, b"bo's clip", name="bo-private.mp4", recorded_on="2025-01-07")
    monkeypatch.setenv("FORMCHECK_DB", str(db))
    monkeypatch.setenv("FORMCHECK_COACH_WORKER", "0")  # no analysis needed here
    return ws, ana, bo


def _page_text(at) -> str:
    return "\n".join([t.value for t in at.title] + [m.value for m in at.markdown] + [e.value for e in at.error]
                     + [c.value for c in at.caption] + [i.value for i in at.info])


def test_a_client_link_shows_that_client_only(workspace):
    ws, ana, _ = workspace
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["c"] = clients.create_link(ws, ana)
    at.run()
    assert not at.exception
    text = _page_text(at)
    assert at.title[0].value == "Hi Ana Visible"
    assert "ana-monday.mp4" in text and "waiting for analysis" in text
    assert "Bo Hidden" not in text and "bo-private" not in text
    assert not at.sidebar.selectbox and not [s for s in at.selectbox if s.key == "opt_exercise"]  # nothing else
    assert "Analyse a video" not in [t.label for t in at.tabs]


@pytest.mark.parametrize("token", ["wrong-token-0123456789abcdefghij", "", "' OR '1'='1"])
def test_a_wrong_or_revoked_link_shows_nothing(workspace, token):
    ws, ana, _ = workspace
    revoked = clients.create_link(ws, ana)
    clients.revoke_link(ws, revoked)
    for t in (token, revoked):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["c"] = t
        at.run()
        assert not at.exception
        text = _page_text(at)
        assert "not valid" in text
        assert "Ana" not in text and "Bo Hidden" not in text and not at.tabs


def test_side_by_side_pairs_rep_boundaries_in_order():
    import sys

    sys.path.insert(0, str(REPO))
    from app_pages.sync_player import anchors

    a = [{"start_s": 1.0, "end_s": 3.0}, {"start_s": 3.5, "end_s": 6.0}, {"start_s": 6.2, "end_s": 9.0}]
    b = [{"start_s": 0.5, "end_s": 2.0}, {"start_s": 2.4, "end_s": 5.0}]
    # Rep k's start meets rep k's start and its end its end; A's third rep has no partner.
    assert anchors(a, b) == [[0.0, 0.0], [1.0, 0.5], [3.0, 2.0], [3.5, 2.4], [6.0, 5.0]]
    # A rep missing its times, or out of order, is skipped rather than folding time back.
    assert anchors([{"start_s": None, "end_s": 2.0}], [{"start_s": 1.0, "end_s": 2.5}]) == [[0.0, 0.0], [2.0, 2.5]]
