"""Synthetic accuracy suite: render scripted clips, analyse them, compare with the truth.

Prints, per clip, the rep count against the truth, phase-boundary errors in
frames, and per-rep fault precision / recall for shrug, swing, rushed
eccentric and short hold over the whole suite (targets: counts exact on every
clip; boundary median <= 2 frames, p90 <= 4; precision and recall >= 0.9).

    python benchmarks/synthetic_suite.py [--model full] [--quick] [--cache DIR] [--only NAME]

Clips are cached in --cache (default: .cache/synthetic_suite) keyed by their spec.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.pipeline import analyze  # noqa: E402
from formcheck.pose import estimate_video  # noqa: E402
from formcheck.synthetic import make_spec, render_clip, render_clip_with_cut  # noqa: E402

SCORED_FAULTS = ("shrug", "swing", "rushed_eccentric", "short_hold", "rounded_back")

# (name, preset, overrides): >= 24 clips across presets, views, fps, tempos, noise and per-rep faults.
SUITE: list[tuple[str, str, dict]] = [
    ("row_side_clean_30", "row_side_clean", {"fps": 30}),
    ("row_side_clean_10", "row_side_clean", {"fps": 10}),
    ("row_side_clean_24", "row_side_clean", {"fps": 24}),
    ("row_side_clean_2997", "row_side_clean", {"fps": 29.97}),
    ("row_side_clean_60", "row_side_clean", {"fps": 60}),
    ("row_side_clean_3112", "row_side_clean", {"fps": 30, "tempo": "3-1-1-2"}),
    ("row_side_clean_noisy", "row_side_clean", {"fps": 30, "noise": 6.0, "shake": 2.0, "seed": 3}),
    ("row_side_shrug_30", "row_side_shrug", {"fps": 30}),
    ("row_side_shrug_24", "row_side_shrug", {"fps": 24, "seed": 1}),
    ("row_side_fast_ecc_30", "row_side_fast_eccentric", {"fps": 30}),
    ("row_side_fast_ecc_2997", "row_side_fast_eccentric", {"fps": 29.97, "seed": 2}),
    ("row_side_swing_30", "row_side_swing", {"fps": 30}),
    ("row_side_swing_10", "row_side_swing", {"fps": 10}),
    ("row_side_partial_30", "row_side_partial", {"fps": 30}),
    ("row_side_setup_30", "row_side_shrug", {"fps": 30, "setup_motion": True, "seed": 6}),
    ("row_side_rounded_back_30", "row_side_rounded_back", {"fps": 30}),
    ("row_side_rounded_back_24_left", "row_side_rounded_back", {"fps": 24, "facing": "left", "noise": 4.0, "seed": 8}),
    ("row_front_clean_30", "row_front_clean", {"fps": 30}),
    ("row_front_shrug_30", "row_front_shrug", {"fps": 30}),
    ("row_front_shrug_24", "row_front_shrug", {"fps": 24, "seed": 4}),
    ("row_rear_clean_30", "row_front_clean", {"fps": 30, "view": "rear"}),
    ("row_oblique_clean_30", "row_side_clean", {"fps": 30, "view": "oblique"}),
    ("row_rear_shrug_30", "row_front_shrug", {"fps": 30, "view": "rear"}),
    ("row_oblique_shrug_30", "row_side_shrug", {"fps": 30, "view": "oblique"}),
    ("cable_row_side_30", "cable_row_side", {"fps": 30}),
    ("one_arm_row_side_30", "one_arm_row_side", {"fps": 30}),
    ("chest_supported_side_30", "chest_supported_row_side", {"fps": 30}),
    ("face_pull_front_30", "face_pull_front", {"fps": 30}),
    ("face_pull_front_24", "face_pull_front", {"fps": 24, "tempo": "2-0-1-2", "seed": 7}),
    ("shrug_front_30", "shrug_front", {"fps": 30}),
    ("shrug_side_30", "shrug_side", {"fps": 30}),
    ("shrug_front_60", "shrug_front", {"fps": 60, "seed": 5}),
    ("cable_row_rear_30", "cable_row_rear", {"fps": 30}),
    # A close-up shot (two reps filmed from the front, zoomed in), a hard cut, then the set from the side.
    ("cut_then_set_30", "row_side_shrug", {"fps": 30, "cut_from": {"preset": "row_front_clean", "reps": 2,
                                                                      "size": (640, 480)}}),
]
QUICK = ("row_side_shrug_30", "row_front_shrug_30", "row_side_fast_ecc_30", "shrug_front_30")


def clip_path(cache: Path, name: str, preset: str, overrides: dict) -> Path:
    """Cached clips are keyed by the whole spec, so changing a preset's script renders the clip again."""
    ov = {k: v for k, v in overrides.items() if k != "cut_from"}
    spec = make_spec(preset, **ov)
    text = json.dumps([dataclasses.asdict(spec), overrides.get("cut_from")], sort_keys=True, default=str) \
        if "cut_from" in overrides else json.dumps(dataclasses.asdict(spec), sort_keys=True, default=str)
    key = hashlib.sha1(text.encode()).hexdigest()[:10]
    return cache / f"{name}-{key}.mp4"


def ensure_clip(cache: Path, name: str, preset: str, overrides: dict) -> tuple[Path, dict]:
    path = clip_path(cache, name, preset, overrides)
    truth_path = path.with_suffix(".json")
    if not (path.exists() and truth_path.exists()):
        cache.mkdir(parents=True, exist_ok=True)
        ov = dict(overrides)
        cut = ov.pop("cut_from", None)
        if cut:
            first = dict(cut)
            render_clip_with_cut(make_spec(first.pop("preset"), fps=ov.get("fps", 30), camera_distance_m=2.2,
                                           **first), make_spec(preset, **ov), path)
        else:
            render_clip(make_spec(preset, **ov), path)
    return path, json.loads(truth_path.read_text())


def match_reps(found: list[dict], truth: list[dict]) -> list[tuple[dict, dict]]:
    """Pair each true rep with the found rep whose peak is nearest (within the true rep's span)."""
    pairs, used = [], set()
    for tr in truth:
        best, dist = None, None
        for i, fr in enumerate(found):
            if i in used:
                continue
            d = abs(fr["peak_s"] - tr["peak_s"])
            if d <= max(1.0, tr["end_s"] - tr["start_s"]) and (dist is None or d < dist):
                best, dist = i, d
        if best is not None:
            used.add(best)
            pairs.append((found[best], tr))
    return pairs


def evaluate(result: dict, truth: dict, with_checks: bool = False) -> dict:
    fps = truth["fps"]
    found, true_reps = result["reps"], truth["reps"]
    pairs = match_reps(found, true_reps)
    errs = []
    for fr, tr in pairs:
        true_hold_end = tr["peak_s"] + tr["hold_s"]
        for got, want in ((fr["start_s"], tr["start_s"]), (fr["peak_s"], tr["peak_s"]),
                          (fr["hold_end_s"], true_hold_end), (fr["bottom_s"], tr["bottom_s"])):
            if got is not None and want is not None:
                errs.append(abs(got - want) * fps)
    counts = {f: {"tp": 0, "fp": 0, "fn": 0} for f in SCORED_FAULTS}
    for fr, tr in pairs:
        for f in SCORED_FAULTS:
            got, want = f in fr["faults"] + (fr.get("checks", []) if with_checks else []), f in tr["faults"]
            counts[f]["tp" if got and want else "fp" if got else "fn" if want else "tn"] = \
                counts[f].get("tp" if got and want else "fp" if got else "fn" if want else "tn", 0) + 1
    # True reps that were never found count as missed faults too.
    matched_truth = {id(tr) for _, tr in pairs}
    for tr in true_reps:
        if id(tr) not in matched_truth:
            for f in SCORED_FAULTS:
                if f in tr["faults"]:
                    counts[f]["fn"] += 1
    return {"count": result["rep_count"], "want": len(true_reps), "errs": errs, "faults": counts,
            "view": result["view"], "exercise": result["exercise"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="full")
    ap.add_argument("--quick", action="store_true", help="only the fast subset the tests use")
    ap.add_argument("--only", default=None, help="run clips whose name contains this")
    ap.add_argument("--cache", default=str(ROOT / ".cache" / "synthetic_suite"))
    ap.add_argument("--auto", action="store_true", help="let formcheck detect exercise and view too")
    ap.add_argument("--cached-only", action="store_true", help="score only clips whose poses are cached")
    args = ap.parse_args()
    cache = Path(args.cache)
    suite = [s for s in SUITE if (not args.quick or s[0] in QUICK) and (not args.only or args.only in s[0])]
    rows, all_errs = [], []
    totals = {f: {"tp": 0, "fp": 0, "fn": 0} for f in SCORED_FAULTS}
    totals_checks = {f: {"tp": 0, "fp": 0, "fn": 0} for f in SCORED_FAULTS}  # "check this rep" counted as found
    t0 = time.perf_counter()
    print(f"{'clip':28s} {'reps':>9s} {'view':>8s} {'exercise':>18s} {'bound med/p90 (fr)':>19s}  faults found / true")
    for name, preset, ov in suite:
        if args.cached_only and not clip_path(cache, name, preset, ov).with_suffix(f".{args.model}.npz").exists():
            continue
        path, truth = ensure_clip(cache, name, preset, ov)
        kw = {} if args.auto else {"exercise": truth["exercise"], "view": truth["view"]}
        poses = path.with_suffix(f".{args.model}.npz")
        if not poses.exists():
            estimate_video(path, model=args.model).save(poses)
        res = analyze(poses, tempo=truth["tempo_target"], **kw).to_dict()
        ev = evaluate(res, truth)
        ev_checks = evaluate(res, truth, with_checks=True)
        for f in SCORED_FAULTS:
            for k in ("tp", "fp", "fn"):
                totals[f][k] += ev["faults"][f].get(k, 0)
                totals_checks[f][k] += ev_checks["faults"][f].get(k, 0)
        all_errs += ev["errs"]
        med = np.median(ev["errs"]) if ev["errs"] else float("nan")
        p90 = np.percentile(ev["errs"], 90) if ev["errs"] else float("nan")
        ok = "ok" if ev["count"] == ev["want"] else "MISS"
        found = sorted({f for r in res["reps"] for f in r["faults"]})
        want = sorted({f for r in truth["reps"] for f in r["faults"]})
        print(f"{name:28s} {ev['count']:>3d}/{ev['want']:<3d}{ok:>3s} {ev['view']:>8s} {ev['exercise']:>18s} "
              f"{med:8.1f} / {p90:5.1f}     {','.join(found) or '-'} / {','.join(want) or '-'}", flush=True)
        rows.append(ev)
    exact = sum(r["count"] == r["want"] for r in rows)
    print(f"\nrep counts exact: {exact}/{len(rows)} clips")
    if all_errs:
        print(f"phase boundaries: median {np.median(all_errs):.2f} frames, p90 {np.percentile(all_errs, 90):.2f} "
              f"frames (n={len(all_errs)})")
    print(f"{'fault':18s} {'precision':>9s} {'recall':>7s}   tp  fp  fn   (with 'check this rep' as found: P / R)")
    for f, c in totals.items():
        prec = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        rec = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
        k = totals_checks[f]
        prec_k = k["tp"] / (k["tp"] + k["fp"]) if k["tp"] + k["fp"] else float("nan")
        rec_k = k["tp"] / (k["tp"] + k["fn"]) if k["tp"] + k["fn"] else float("nan")
        print(f"{f:18s} {prec:9.2f} {rec:7.2f}  {c['tp']:3d} {c['fp']:3d} {c['fn']:3d}   {prec_k:.2f} / {rec_k:.2f}")
    print(f"({len(rows)} clips, model {args.model}, {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
