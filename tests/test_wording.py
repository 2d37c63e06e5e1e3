"""Words a client sees: the problems issue 16 found, checked where the words are made."""

from __future__ import annotations

import io

from formcheck.analysis.assess import Finding
from formcheck.analysis.capabilities import view_reason, view_table
from formcheck.analysis.faults import FAULTS
from formcheck.progress import ProgressBar
from formcheck.render.theme import format_finding


def test_progress_never_shows_more_frames_done_than_expected():
    out = io.StringIO()
    bar = ProgressBar(stream=out)
    bar(171, 170, 2.0)  # the container's frame count was an estimate
    assert "171/171" in out.getvalue() and "171/170" not in out.getvalue()


def test_no_elbows_in_a_shrug_and_no_top_in_a_pulldown():
    for fid, fd in FAULTS.items():
        if "shrug" not in fd.implied_by:
            assert "elbow" not in fd.cue_template("shrug"), (fid, fd.cue_template("shrug"))
    assert "top" not in FAULTS["short_hold"].title
    pulldown = FAULTS["short_hold"]
    assert "lat_pulldown" in pulldown.implied_by or "top" not in pulldown.cue_template("lat_pulldown")
    assert "top" not in FAULTS["short_hold"].cue_template("face_pull")


def test_how_to_film_agrees_with_what_a_side_view_result_says():
    side = next(r for r in view_table() if r["view"] == "side")
    assert side["trunk rotation"] is False and view_reason("rotation", "side")
    assert view_reason("swing", "front").startswith("not measurable from a front view")
    assert "an oblique" in (view_reason("neck", "oblique") or "")


def test_a_measurement_never_reads_the_same_as_its_limit():
    assert format_finding(Finding("short_hold", 0.46, 0.5, "s", 1.0)) == "0.46 s (needs at least 0.50 s)"
    assert format_finding(Finding("short_hold", 0.2, 0.5, "s", 1.0)) == "0.2 s (needs at least 0.5 s)"
    assert format_finding(Finding("shrug", 0.0562, 0.055, "torso", 1.0)) == "+5.6% of torso length (limit 5.5%)"
