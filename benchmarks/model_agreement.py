"""Model agreement: do the lite and heavy pose models give the same answer as full?

For each clip, runs the whole analysis (`formcheck.analyze`, auto exercise
and view) with each model and compares lite and heavy with full:

- rep count: must be equal;
- tempo: for each of the four phases (eccentric, pause, concentric, hold)
  the median over reps of |model - full| in seconds; the worst phase must be
  within 0.1 s.

Clips: sample_videos/*.mp4 when there are any, else synthetic clips rendered
with formcheck.synthetic (side and front rows, a front shrug, a seated cable
row); plus the real-world clips in ../shared/realworld when that folder exists
(development only; they are never copied into the repo). Poses are cached in
.cache/bench/agreement (keyed by clip size and time stamp) so re-scoring after
an analysis change is quick; --fresh ignores the cache.

    python benchmarks/model_agreement.py [--quick] [--models lite,heavy] [--fresh] [--no-realworld]

--quick uses two synthetic clips only.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _clips  # noqa: E402

sys.path.insert(0, str(_clips.ROOT))
from formcheck.pipeline import analyze_series  # noqa: E402
from formcheck.pose import estimate_video  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402

TEMPO_TARGET = 0.1
SYNTHETIC = ("row_side_clean", "shrug_front", "row_front_clean", "cable_row_side")
PHASES = ("ecc", "pause", "conc", "hold")


def clips(quick: bool, realworld: bool) -> list[Path]:
    if quick:
        return [_clips.synthetic_clip(p, size=(640, 480)) for p in SYNTHETIC[:2]]
    found = _clips.sample_clips() or [_clips.synthetic_clip(p, size=(640, 480)) for p in SYNTHETIC]
    if realworld and _clips.REALWORLD.is_dir():
        found += sorted(_clips.REALWORLD.glob("*.mp4"))
    return found


def poses(clip: Path, model: str, fresh: bool) -> tuple[PoseSeries, float]:
    st = clip.stat()
    start_s, end_s = _clips.REALWORLD_WINDOWS.get(clip.stem, (None, None))
    window = f".{start_s or 0:g}-{end_s:g}s" if end_s else ""
    cache = _clips.CACHE / "agreement" / f"{clip.stem}.{st.st_size}.{int(st.st_mtime)}{window}.{model}.npz"
    if cache.exists() and not fresh:
        return PoseSeries.load(cache), float("nan")
    t0 = time.perf_counter()
    s = estimate_video(clip, model=model, start_s=start_s, end_s=end_s)
    took = time.perf_counter() - t0
    cache.parent.mkdir(parents=True, exist_ok=True)
    s.save(cache)
    return s, took


def outcome(s: PoseSeries) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = analyze_series(s)
    tempos = np.array([[np.nan if v is None else v for v in ra.rep.tempo()] for ra in r.assessed], float)
    return {"reps": r.rep_count, "tempo": tempos.reshape(-1, 4), "avg": r.to_dict()["summary"]["tempo_average_str"],
            "ex": r.exercise, "view": r.view}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="two synthetic clips")
    ap.add_argument("--models", default="lite,heavy", help="models to compare with full")
    ap.add_argument("--fresh", action="store_true", help="re-run the pose models even when cached")
    ap.add_argument("--no-realworld", action="store_true", help="skip ../shared/realworld even if present")
    args = ap.parse_args()
    others = args.models.split(",")
    _clips.print_machine()
    rows = []
    for clip in clips(args.quick, not args.no_realworld):
        res = {}
        for m in ["full", *others]:
            _clips.log(f"{clip.name}: {m}")
            s, took = poses(clip, m, args.fresh)
            res[m] = outcome(s)
            res[m]["fps"] = len(s) / took if took == took else float("nan")
        rows.append((clip, res))

    print(f"\ntempo = eccentric-pause-concentric-hold average (s); |d tempo| = worst phase's median over reps "
          f"of |model - full| (target <= {TEMPO_TARGET} s)\n")
    print(f"{'clip':<44} {'model':>5} {'ex/view':>24} {'reps':>4} {'tempo':>15} {'|d tempo|':>9}  verdict")
    verdicts = {m: [] for m in others}
    for clip, res in rows:
        ref = res["full"]
        print(f"{clip.stem[:44]:<44} {'full':>5} {ref['ex'] + '/' + ref['view']:>24} {ref['reps']:>4} "
              f"{ref['avg']:>15} {'ref':>9}")
        for m in others:
            r = res[m]
            same = r["reps"] == ref["reps"]
            worst = ""
            if same and r["reps"]:
                d = np.abs(r["tempo"] - ref["tempo"])
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # a phase no rep has (e.g. a cut-off hold)
                    per_phase = np.nanmedian(d, axis=0)
                per_phase = np.where(np.isfinite(per_phase), per_phase, 0.0)
                dmed, worst = float(per_phase.max()), PHASES[int(per_phase.argmax())]
            else:
                dmed = float("nan") if not same else 0.0
            ok = same and dmed <= TEMPO_TARGET
            verdicts[m].append(ok)
            why = "" if ok else (" (rep count differs)" if not same else f" ({worst})")
            dm = f"{dmed:.2f}" if dmed == dmed else "-"
            print(f"{'':<44} {m:>5} {r['ex'] + '/' + r['view']:>24} {r['reps']:>4} {r['avg']:>15} {dm:>9}  "
                  f"{'PASS' if ok else 'MISS' + why}")
    print()
    for m, v in verdicts.items():
        print(f"{m} vs full: {sum(v)}/{len(v)} clips agree -> {'PASS' if all(v) else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
