"""Helpers for the workspace tests: a result dict shaped like results.json, and a set written as analysed."""

from __future__ import annotations

import json

from sqlalchemy import update

from formcheck.workspace.db import jobs, sets


def fake_result(faults_per_rep: list[list[str]], *, tempo=(2.0, 0.0, 1.0, 0.5), range_=0.7,
                target=(2.0, 0.0, 1.0, 1.0), exercise="bent_over_row") -> dict:
    """A results.json-shaped dict: one rep per entry, each with those faults."""
    reps = []
    for i, faults in enumerate(faults_per_rep, start=1):
        t0 = 3.0 * (i - 1)
        reps.append({"index": i, "start_s": t0, "peak_s": t0 + 1.0, "end_s": t0 + 3.0,
                     "eccentric_s": tempo[0], "pause_s": tempo[1], "concentric_s": tempo[2], "hold_s": tempo[3],
                     "tempo": "-".join(f"{v:.1f}" for v in tempo), "faults": faults,
                     "fault_details": [{"name": f, "label": f.replace("_", " "), "value": 0.1, "threshold": 0.05,
                                        "unit": "torso", "worst_s": t0 + 1.0} for f in faults],
                     "metrics": {"range": {"value": range_, "unit": "torso"},
                                 "shoulder_rise": {"value": 0.02, "unit": "torso"}}})
    return {"schema_version": 1, "exercise": exercise, "exercise_name": "bent-over row", "view": "side",
            "reps": reps, "cues": [{"fault": "shrug", "reps": [1], "text": "Rep 1: keep the shoulders down.",
                                    "severity": "warning"}],
            "summary": {"tempo_target": list(target)}}


def mark_analysed(ws, set_id: int, result: dict) -> None:
    """Record a set as analysed with this result and its job done (what the worker writes)."""
    with ws.tx() as conn:
        conn.execute(update(sets).where(sets.c.id == set_id).values(status="analysed", result_json=json.dumps(result),
                                                                    outputs_dir=f"sets/{set_id}/fake"))
        conn.execute(update(jobs).where(jobs.c.set_id == set_id).values(state="done", progress=1.0))
