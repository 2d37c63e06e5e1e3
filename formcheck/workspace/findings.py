"""The one place that reads an analysis result's JSON (``results.json`` / ``AnalysisResult.to_dict()``).

The result format is evolving (findings gain value, threshold, confidence and a status "fault" or "check";
reps may be marked partial), so everything else in the workspace reads results through these functions,
which accept the old and the new shape and never fail on a missing field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..analysis.faults import FAULTS

#: fault id -> label in running text (from the fault table)
FAULT_LABELS = {f.id: f.label for f in FAULTS.values()}
FAULT_NAMES: tuple[str, ...] = tuple(FAULT_LABELS)
PHASES = ("eccentric", "pause", "concentric", "hold")


@dataclass(frozen=True)
class Finding:
    """One fault (or check) the analysis found on one rep."""

    key: str  # stable id within a set: "rep3:shrug"
    rep: int
    name: str
    label: str
    value: float | None = None
    threshold: float | None = None
    unit: str = ""
    worst_s: float | None = None
    status: str = "fault"  # "fault" or "check" (worth a look, not certain)
    confidence: float | None = None

    def measured(self) -> str:
        """'0.28 s (limit 0.5 s)' or '' when the result carries no numbers."""
        if self.value is None:
            return ""
        unit = f" {self.unit}" if self.unit else ""
        limit = f" (limit {self.threshold:g}{unit})" if self.threshold is not None else ""
        return f"{self.value:g}{unit}{limit}"


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def finding_key(rep: int, name: str) -> str:
    return f"rep{int(rep)}:{name}"


def findings(result: dict | None) -> list[Finding]:
    """Every per-rep finding, in rep order."""
    out: list[Finding] = []
    for rep in (result or {}).get("reps") or []:
        idx = int(rep.get("index") or 0)
        details = rep.get("fault_details") or rep.get("findings")
        if details is None:  # oldest shape: names only
            details = [{"name": n} for n in rep.get("faults") or []]
        for f in details:
            if isinstance(f, str):
                f = {"name": f}
            name = str(f.get("name") or f.get("fault") or "")
            if not name:
                continue
            out.append(Finding(key=finding_key(idx, name), rep=idx, name=name,
                               label=str(f.get("label") or FAULT_LABELS.get(name, name.replace("_", " "))),
                               value=_num(f.get("value")), threshold=_num(f.get("threshold")),
                               unit=str(f.get("unit") or ""), worst_s=_num(f.get("worst_s")),
                               status=str(f.get("status") or "fault"), confidence=_num(f.get("confidence"))))
    return out


def default_cue(result: dict | None, name: str) -> str:
    """The analysis's own cue for a fault (set level), else its label."""
    for cue in (result or {}).get("cues") or []:
        if cue.get("fault") == name and cue.get("text"):
            return str(cue["text"])
    return FAULT_LABELS.get(name, name.replace("_", " ")).capitalize() + "."


def fault_label(name: str) -> str:
    return FAULT_LABELS.get(name, name.replace("_", " "))


def reps(result: dict | None) -> list[dict]:
    """Per rep: index, start_s, end_s, peak_s, tempo (4 values, None when unknown), tempo_str, faults, partial,
    range, shrug (shoulder rise) and hold_s."""
    rows = []
    for r in (result or {}).get("reps") or []:
        metrics = r.get("metrics") or {}

        def metric(name):
            m = metrics.get(name)
            return _num(m.get("value") if isinstance(m, dict) else m)

        tempo = [_num(r.get(f"{p}_s")) for p in PHASES]
        rows.append({"index": int(r.get("index") or len(rows) + 1), "start_s": _num(r.get("start_s")),
                     "end_s": _num(r.get("end_s")), "peak_s": _num(r.get("peak_s")), "tempo": tempo,
                     "tempo_str": r.get("tempo") or "-".join("?" if v is None else f"{v:.1f}" for v in tempo),
                     "faults": [f.name for f in findings({"reps": [r]})],
                     "partial": bool(r.get("partial")), "range": metric("range"),
                     "shrug": metric("shoulder_rise"), "hold_s": tempo[3]})
    return rows


def tempo_target(result: dict | None) -> list[float] | None:
    s = (result or {}).get("summary") or {}
    t = s.get("tempo_target")
    return [float(x) for x in t] if isinstance(t, (list, tuple)) and len(t) == 4 else None


def exercise_name(result: dict | None) -> str:
    r = result or {}
    return str(r.get("exercise_name") or r.get("exercise") or "set")


def _mean(vals) -> float | None:
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else None


def set_metrics(result: dict | None, dismissed: set[str] = frozenset()) -> dict:
    """One set's numbers for the history charts (findings the coach dismissed do not count)."""
    rs = [r for r in reps(result) if not r["partial"]]
    fs = [f for f in findings(result) if f.key not in dismissed and f.status == "fault"]
    faulty = {f.rep for f in fs}
    shrug = {f.rep for f in fs if f.name == "shrug"}
    n = len(rs)
    tempo_avg = [_mean(r["tempo"][i] for r in rs) for i in range(4)]
    return {"reps": n, "clean_rate": (sum(1 for r in rs if r["index"] not in faulty) / n) if n else None,
            "shrug_reps": len(shrug), "eccentric_s": tempo_avg[0], "concentric_s": tempo_avg[2],
            "hold_s": tempo_avg[3], "range": _mean(r["range"] for r in rs), "target": tempo_target(result),
            "exercise": (result or {}).get("exercise"), "view": (result or {}).get("view")}
