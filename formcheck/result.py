"""AnalysisResult: everything one analysis found, and its JSON / CSV forms."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analysis.assess import FAULT_LABELS, RepAssessment, _r
from .analysis.signals import EXERCISES, Signals
from .series import PoseSeries

RESULT_SCHEMA_VERSION = 1


@dataclass
class AnalysisResult:
    """The outcome of :func:`formcheck.analyze`.

    JSON-facing fields are plain data; ``series``, ``signals``, ``phase`` and
    ``rep_of_frame`` hold per-frame arrays for rendering and charts.
    """

    video: dict
    exercise: str
    exercise_source: str  # "auto (reason)" or "given"
    view: str
    view_source: str
    target_tempo: tuple[float, float, float, float]
    assessed: list[RepAssessment]
    cues: list[dict]
    measurable: dict[str, dict]
    warnings: list[str]
    series: PoseSeries
    signals: Signals | None
    phase: np.ndarray  # (T,) phase name per frame ("" outside reps)
    rep_of_frame: np.ndarray  # (T,) rep number per frame (0 outside reps)
    rep_signal_name: str = "elbow_flexion"
    options: dict = field(default_factory=dict)

    @property
    def rep_count(self) -> int:
        return len(self.assessed)

    @property
    def reps(self):
        return [ra.rep for ra in self.assessed]

    def rep_dicts(self) -> list[dict]:
        out = []
        for ra in self.assessed:
            r = ra.rep
            ecc, pause, conc, hold = r.tempo()
            out.append({
                "index": r.index, "start_s": _r(r.start_s, 3), "peak_s": _r(r.peak_s, 3),
                "hold_end_s": _r(r.hold_end_s, 3), "bottom_s": _r(r.bottom_s, 3), "end_s": _r(r.end_s, 3),
                "eccentric_s": _r(ecc), "pause_s": _r(pause), "concentric_s": _r(conc), "hold_s": _r(hold),
                "tempo": r.tempo_str(),
                "tempo_vs_target_s": [None if v is None else _r(v - want) for v, want in
                                      zip((ecc, pause, conc, hold), self.target_tempo)],
                "faults": ra.faults,
                "fault_details": [f.to_dict() for f in ra.findings],
                "metrics": {k: {"value": _r(v, 3), "unit": u} for k, (v, u) in ra.metrics.items()},
                "not_measurable": dict(ra.unmeasurable),
            })
        return out

    def summary(self) -> dict:
        reps = self.reps
        def avg(vals):
            vals = [v for v in vals if v is not None]
            return round(float(np.mean(vals)), 2) if vals else None
        tempo_avg = [avg([r.eccentric_s for r in reps]), avg([r.pause_s for r in reps]),
                     avg([r.concentric_s for r in reps]), avg([r.hold_s for r in reps])]
        counts: dict[str, int] = {}
        for ra in self.assessed:
            for f in ra.faults:
                counts[f] = counts.get(f, 0) + 1
        if not reps:
            verdict = "No reps found."
        elif not counts:
            verdict = f"{len(reps)} clean reps."
        else:
            worst = max(counts, key=counts.get)
            verdict = (f"{len(reps)} reps; most common problem: {FAULT_LABELS[worst]} "
                       f"({counts[worst]} of {len(reps)}).")
        return {"rep_count": len(reps), "tempo_average": tempo_avg,
                "tempo_average_str": "-".join("?" if v is None else f"{v:.1f}" for v in tempo_avg),
                "tempo_target": list(self.target_tempo),
                "tempo_target_str": "-".join(f"{v:g}" for v in self.target_tempo),
                "fault_counts": counts, "clean_reps": sum(1 for ra in self.assessed if not ra.faults),
                "verdict": verdict, "detection_rate": round(self.series.detection_rate, 3)}

    def to_dict(self) -> dict:
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "video": self.video,
            "exercise": self.exercise,
            "exercise_name": EXERCISES.get(self.exercise, self.exercise),
            "exercise_source": self.exercise_source,
            "view": self.view,
            "view_source": self.view_source,
            "rep_count": self.rep_count,
            "reps": self.rep_dicts(),
            "cues": self.cues,
            "summary": self.summary(),
            "measurable": self.measurable,
            "warnings": self.warnings,
            "options": self.options,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def reps_csv(self) -> str:
        """One row per rep: times, tempo, faults and the main metrics."""
        rows = self.rep_dicts()
        metric_names: list[str] = []
        for r in rows:
            for k in r["metrics"]:
                if k not in metric_names and not k.endswith("_s"):
                    metric_names.append(k)
        buf = io.StringIO()
        w = csv.writer(buf)
        head = ["rep", "start_s", "peak_s", "end_s", "eccentric_s", "pause_s", "concentric_s", "hold_s", "tempo",
                "faults"] + metric_names
        w.writerow(head)
        for r in rows:
            w.writerow([r["index"], r["start_s"], r["peak_s"], r["end_s"], r["eccentric_s"], r["pause_s"],
                        r["concentric_s"], r["hold_s"], r["tempo"], ";".join(r["faults"])] +
                       [r["metrics"].get(k, {}).get("value") for k in metric_names])
        return buf.getvalue()

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write results.json, reps.csv and poses.npz into out_dir; returns name -> path.

        Each file is written atomically and never through a symlink (:mod:`formcheck.atomic`).
        """
        from .atomic import write_text

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"results.json": out / "results.json", "reps.csv": out / "reps.csv", "poses.npz": out / "poses.npz"}
        write_text(paths["results.json"], self.to_json())
        write_text(paths["reps.csv"], self.reps_csv())
        self.series.save(paths["poses.npz"])
        return paths
