"""The back-contour proxy (rounded upper back) on synthetic clips with exact truth and on the real clips.

For each clip the pose pass runs with the person mask (``back_contour=True``),
the analysis reads each rep's ``back_rounding`` (the bend of the back's outline,
degrees; the median over the rep's measured frames) and the ``rounded_back``
finding, and contact sheets of the scan are saved for looking at: the mask's
outline (cyan), the hip-shoulder axis (white), the scan lines to the back's edge
(green where measured, red where an arm is near it) and the chord (yellow), at
three moments of every rep (mid-pull, top, mid-lowering).

    python benchmarks/back_contour.py [--synthetic] [--real] [--out DIR] [--model full]

Synthetic clips are rendered in memory (never cached); real clips come from
../shared/realworld (labels.json: side and oblique clips, in their labelled
windows) and are skipped when that folder is absent. Nothing from the real clips
is written inside the project except the sheets under --out (default
.cache/back_contour, git-ignored).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.back_contour import BackContour  # noqa: E402
from formcheck.pipeline import analyze_series  # noqa: E402
from formcheck.pose import DEFAULT_MAX_SIDE, PoseEstimator  # noqa: E402
from formcheck.video import Frame  # noqa: E402

REALWORLD = ROOT.parent / "shared" / "realworld"
#: (name, preset, overrides) of the synthetic clips.
SYNTHETIC = [
    ("rounded_side", "row_side_rounded_back", {}),
    ("rounded_front_oblique", "row_side_rounded_back", {"view": "oblique"}),
    ("rounded_rear_oblique", "row_side_rounded_back", {"yaw_deg": 120.0}),
    ("rounded_side_left_noisy", "row_side_rounded_back", {"facing": "left", "noise": 6.0, "shake": 2.0, "seed": 3}),
    ("clean_side", "row_side_clean", {}),
    ("one_arm_side", "one_arm_row_side", {}),
    ("chest_supported_side", "chest_supported_row_side", {}),
    ("cable_row_side", "cable_row_side", {}),
]
TILE = 300


def draw_scan(img: np.ndarray, bc: BackContour | None, mask: np.ndarray | None, label: str) -> np.ndarray:
    """A TILE-wide tile: the frame cropped around the trunk with the scan drawn on it, and a caption."""
    out = img.copy()
    if mask is not None:
        m = (cv2.resize(mask, (img.shape[1], img.shape[0])) > 0.5).astype(np.uint8)
        contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(out, contours, -1, (0, 255, 255), 1)
    caption = label
    if bc is not None and bc.hip_px is not None:
        sx, sy = img.shape[1] / mask.shape[1], img.shape[0] / mask.shape[0]
        k = np.array([sx, sy])
        hip, sh, edge = bc.hip_px * k, bc.shoulder_px * k, bc.edge_px * k

        def pt(p):
            return int(round(p[0])), int(round(p[1]))

        cv2.line(out, pt(hip), pt(sh), (255, 255, 255), 1)
        ok = np.isfinite(edge).all(1)
        for j in np.flatnonzero(ok):
            base = hip + bc.s[j] * (sh - hip)
            cv2.line(out, pt(base), pt(edge[j]), (140, 140, 140), 1)
            cv2.circle(out, pt(edge[j]), 2, (255, 0, 0) if bc.blocked[j] else (0, 220, 0), -1)
        if ok[0] and ok[-1]:
            cv2.line(out, pt(edge[0]), pt(edge[-1]), (255, 255, 0), 1)
        pts = np.vstack([hip, sh, edge[ok]])
        c, r = pts.mean(0), 0.9 * bc.torso_px * max(sx, sy)
        x0, y0 = int(max(0, c[0] - r)), int(max(0, c[1] - r))
        out = out[y0:int(min(out.shape[0], c[1] + r)), x0:int(min(out.shape[1], c[0] + r))]
        caption += f" arc {bc.arc_deg:.1f}" if np.isfinite(bc.arc_deg) else f" ({bc.why})"
    elif bc is None:
        caption += " (nobody)"
    s = TILE / max(out.shape[:2])
    out = cv2.resize(out, (max(1, int(out.shape[1] * s)), max(1, int(out.shape[0] * s))))
    tile = np.zeros((TILE + 18, TILE, 3), np.uint8)
    tile[:out.shape[0], :out.shape[1]] = out
    cv2.putText(tile, caption, (3, TILE + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1)
    return tile


def save_sheet(tiles: list[np.ndarray], path: Path, per_row: int = 6) -> None:
    if not tiles:
        return
    blank = np.zeros_like(tiles[0])
    rows = [np.concatenate(tiles[k:k + per_row] + [blank] * (per_row - len(tiles[k:k + per_row])), 1)
            for k in range(0, len(tiles), per_row)]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))


def pose_pass(frames, frame_size, fps, model, want) -> tuple:
    """Run the estimator with masks; returns (series, {frame index: (time, image, scan, mask)} for frames in want)."""
    kept = {}

    def tee():
        for fr in frames:
            yield fr
            if want(fr):
                kept[fr.index] = (fr.time_s, fr.image, est.last_back, est.last_mask)

    with PoseEstimator(model, back_contour=True) as est:
        est.keep_mask = True
        series = est.run(tee(), frame_size=frame_size, fps=fps)
    return series, kept


def rep_moments(reps: list[dict]) -> list[tuple[int, str, float]]:
    out = []
    for r in reps:
        top = r["peak_s"]
        low_end = r.get("bottom_s") or r["end_s"]
        out += [(r["index"], "pull", (r["start_s"] + top) / 2), (r["index"], "top", top),
                (r["index"], "lower", (top + low_end) / 2)]
    return out


def report(name: str, res, truth_faults: dict[int, bool] | None, marked: set[int] | None) -> list[str]:
    d = res.to_dict()
    lines = []
    for r in d["reps"]:
        m = r.get("metrics", {})
        v = m.get("back_rounding", {}).get("value")
        frac = m.get("back_measured_frac", {}).get("value")
        fired = "rounded_back" in r["faults"]
        want = ""
        if truth_faults is not None:
            want = f" truth {'rounded' if truth_faults.get(r['index']) else 'flat'}"
        elif marked is not None:
            want = f" label {'rounded' if r['index'] in marked else 'clean'}"
        lines.append(f"  {name:24s} rep {r['index']}: back_rounding {v if v is not None else 'n/a':>6} deg "
                     f"(measured {frac if frac is not None else 'n/a'}) "
                     f"trunk {_trunk(res, r):5.1f} deg  {'FIRES' if fired else 'silent'}{want}")
    return lines


def _trunk(res, r) -> float:
    t = res.signals.times_s
    m = (t >= r["start_s"]) & (t <= (r.get("bottom_s") or r["end_s"]))
    return float(np.nanmedian(res.signals["trunk_inclination"][m])) if m.any() else float("nan")


def run_synthetic(args, out: Path) -> None:
    from formcheck.synthetic import make_spec
    from formcheck.synthetic.clip import iter_frames, plan_clip, truth

    for name, preset, ov in SYNTHETIC:
        spec = make_spec(preset, **ov)
        clip = plan_clip(spec)
        tr = truth(clip)
        moments = rep_moments(tr["reps"])
        idx = {int(round(t * spec.fps)): f"r{k} {what}" for k, what, t in moments}
        frames = (Frame(i, t, img) for i, t, img in iter_frames(clip))
        series, kept = pose_pass(frames, spec.size, spec.fps, args.model, lambda fr: fr.index in idx)
        view = "oblique" if spec.yaw_deg is not None else spec.view  # an explicit yaw here is a rear-oblique
        res = analyze_series(series, exercise=spec.exercise, view=view)
        rows = report(name, res, {r["index"]: "rounded_back" in r["faults"] for r in tr["reps"]}, None)
        print(f"{name} ({preset} {ov or ''}), thoracic_deg per rep {[r['thoracic_deg'] for r in tr['reps']]}, "
              f"analysed as {res.view}:")
        print("\n".join(rows))
        save_sheet([draw_scan(img, bc, mk, f"{idx[i]} {t:.2f}s") for i, (t, img, bc, mk) in sorted(kept.items())],
                   out / f"synthetic_{name}.png")


def run_real(args, out: Path) -> None:
    from formcheck.video import open_video

    realworld = Path(args.realworld)
    labels = realworld / "labels.json"
    if not labels.is_file():
        print(f"real clips skipped: {labels} is not here")
        return
    for c in json.loads(labels.read_text())["clips"]:
        if c["view"] not in ("side", "oblique") and not args.all_views:
            continue
        path = realworld / c["file"]
        with open_video(path, max_side=DEFAULT_MAX_SIDE) as src:
            info = src.info
            series, _ = pose_pass(src, (info.width, info.height), info.fps, args.model, lambda fr: False)
        keep = np.ones(len(series), bool)
        if c.get("start_s") is not None:
            keep &= series.times_s >= c["start_s"]
        if c.get("end_s") is not None:
            keep &= series.times_s < c["end_s"]
        res = analyze_series(series.select(keep))
        marked = set(c.get("fault_reps", {}).get("rounded_back", []))
        print(f"{c['id']} ({c['exercise']}, labelled {c['view']}, analysed as {res.exercise} from the {res.view}; "
              f"marked rounded reps {sorted(marked) or 'none'}):")
        print("\n".join(report(c["id"], res, None, marked)))
        # Second pass for the pictures at three moments of each rep (the pass above kept no frames).
        moments = rep_moments(res.to_dict()["reps"])
        times = {round(t * info.fps): f"r{k} {what}" for k, what, t in moments}
        with open_video(path, max_side=DEFAULT_MAX_SIDE) as src:
            _, kept = pose_pass(src, (info.width, info.height), info.fps, args.model,
                                lambda fr: round(fr.time_s * info.fps) in times)
        save_sheet([draw_scan(img, bc, mk, f"{times[round(t * info.fps)]} {t:.2f}s")
                    for _i, (t, img, bc, mk) in sorted(kept.items())], out / f"real_{c['id']}.png")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--all-views", action="store_true", help="real clips of every labelled view, not only side")
    ap.add_argument("--out", default=str(ROOT / ".cache" / "back_contour"))
    ap.add_argument("--model", default="full")
    ap.add_argument("--realworld", default=str(REALWORLD), help="folder holding labels.json and the real clips")
    args = ap.parse_args()
    out = Path(args.out)
    if not (args.synthetic or args.real):
        args.synthetic = args.real = True
    if args.synthetic:
        run_synthetic(args, out)
    if args.real:
        run_real(args, out)
    print(f"sheets in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
