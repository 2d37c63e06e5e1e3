"""AnalysisResult: everything one analysis found, and its JSON / CSV forms."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .analysis.assess import RepAssessment, _r
from .analysis.cues import verdict
from .analysis.signals import EXERCISES, Signals
from .config import Profile
from .tempo import Tempo, format_tempo
from .series import PoseSeries

RESULT_SCHEMA_VERSION = 2


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
    target_tempo: tuple[float, float, float, float] | None  # None: nobody set one (tempo reported, not judged)
    assessed: list[RepAssessment]
    cues: list[dict]
    measurable: dict[str, dict]
    warnings: list[str]
    series: PoseSeries
    signals: Signals | None
    phase: np.ndarray  # (T,) phase name per frame ("" outside reps)
    rep_of_frame: np.ndarray  # (T,) rep number per frame (0 outside reps)
    rep_signal_name: str = "elbow_flexion"
    profile: Profile | None = None  # the thresholds applied
    exercise_candidates: list[dict] = field(default_factory=list)  # [{"exercise", "confidence", "reason"}] best first
    set_window: dict | None = None  # where the set is in the clip, and what was left out (see analysis.setwindow)
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
                "partial": ra.partial,
                "eccentric_s": _r(ecc), "pause_s": _r(pause), "concentric_s": _r(conc), "hold_s": _r(hold),
                "tempo": r.tempo_str(),
                "tempo_vs_target_s": None if self.target_tempo is None else
                [None if v is None else _r(v - want) for v, want in zip((ecc, pause, conc, hold), self.target_tempo)],
                "faults": ra.faults,
                "checks": ra.checks,
                "findings": [f.to_dict() for f in ra.findings],
                "metrics": {k: {"value": _r(v, 3), "unit": u} for k, (v, u) in ra.metrics.items()},
                "not_measurable": dict(ra.unmeasurable),
            })
        return out

    def tempo_report(self) -> dict:
        """The set's tempo, per phase over the judged reps: average, spread (max - min) and whether it was
        steady; against the target only when someone set one."""
        judged = [ra.rep for ra in self.assessed if not ra.partial]
        phases = list(zip(*[r.tempo() for r in judged])) if judged else [(), (), (), ()]
        avg, spread = [], []
        for vals in phases:
            v = [x for x in vals if x is not None]
            avg.append(round(float(np.mean(v)), 2) if v else None)
            spread.append(round(float(max(v) - min(v)), 2) if len(v) >= 2 else None)
        ecc_conc = [spread[0], spread[2]]
        steady = None if any(x is None for x in ecc_conc) else all(
            s_ <= max(0.4, 0.35 * (a or 0)) for s_, a in zip(ecc_conc, (avg[0], avg[2])))
        return {"average": avg, "average_str": format_tempo(avg), "spread": spread,
                "steady": steady, "target": None if self.target_tempo is None else list(self.target_tempo),
                "target_str": None if self.target_tempo is None else str(Tempo(*self.target_tempo)),
                "judged_against_target": self.target_tempo is not None}

    def summary(self) -> dict:
        counts: dict[str, int] = {}
        checks: dict[str, int] = {}
        for ra in self.assessed:
            for f in ra.faults:
                counts[f] = counts.get(f, 0) + 1
            for f in ra.checks:
                checks[f] = checks.get(f, 0) + 1
        judged = [ra for ra in self.assessed if not ra.partial]
        tempo = self.tempo_report()
        v = verdict(self.assessed, self.cues, self.exercise)
        return {"rep_count": self.rep_count, "judged_reps": len(judged),
                "partial_reps": [ra.rep.index for ra in self.assessed if ra.partial],
                "tempo": tempo, "tempo_average": tempo["average"], "tempo_average_str": tempo["average_str"],
                "tempo_target": tempo["target"], "tempo_target_str": tempo["target_str"],
                "fault_counts": counts, "check_counts": checks,
                "clean_reps": sum(1 for ra in judged if not ra.faults),
                "verdict": v["text"], "good_set": v["ok"], "main_fault": v["fault"],
                "detection_rate": round(self.series.detection_rate, 3)}

    def to_dict(self) -> dict:
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "video": self.video,
            "exercise": self.exercise,
            "exercise_name": EXERCISES.get(self.exercise, self.exercise),
            "exercise_source": self.exercise_source,
            "exercise_unsure": bool(self.exercise_candidates and self.exercise_source != "given" and
                                    len(self.exercise_candidates) > 1),
            "exercise_candidates": self.exercise_candidates,
            "view": self.view,
            "view_source": self.view_source,
            "set_window": self.set_window,
            "rep_count": self.rep_count,
            "reps": self.rep_dicts(),
            "cues": self.cues,
            "summary": self.summary(),
            "measurable": self.measurable,
            "warnings": self.warnings,
            "options": self.options,
            "profile": None if self.profile is None else self.profile.model_dump(mode="json"),
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
                "faults", "checks", "partial"] + metric_names
        w.writerow(head)
        for r in rows:
            w.writerow([r["index"], r["start_s"], r["peak_s"], r["end_s"], r["eccentric_s"], r["pause_s"],
                        r["concentric_s"], r["hold_s"], r["tempo"], ";".join(r["faults"]), ";".join(r["checks"]),
                        r["partial"] or ""] + [r["metrics"].get(k, {}).get("value") for k in metric_names])
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
