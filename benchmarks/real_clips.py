"""Real-footage check: formcheck on the labelled clips in ../shared/realworld (skips when absent).

Those clips carry no redistribution licence: they are never copied into the
project. Their labels (``labels.json``: window, reps, exercise, view and the reps
that show a marked mistake) were made by eye, independently of any pose model.

    python benchmarks/real_clips.py [--model full] [--poses-cache DIR] [--no-window] [--tempo 3-0-1-1]

Prints per clip: reps counted against the label, exercise and view against the
label, the labelled faults found on their reps, and false alarms (reps showing
correct form that carry any fault), then the totals.

Targets (issue 11): counts exact on 10/10; exercise right on 10/10 (or "unsure"
with the right one among the candidates); both marked mistakes flagged on their
reps and silent on the corrected reps; false alarms on at most 10 % of
correct-form reps; no tempo fault when no target was set.

By default each clip is analysed inside its labelled window (as ``--start/--end``
would); ``--no-window`` gives the whole clip, so the set must be found inside it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import formcheck  # noqa: E402
from formcheck.series import BACK_ARC, PoseSeries  # noqa: E402

REALWORLD = ROOT.parent / "shared" / "realworld"
TEMPO_FAULTS = {"short_hold", "rushed_eccentric", "slow_concentric", "tempo"}


def cached_poses(path: Path, model: str, cache: Path) -> Path:
    """The whole clip's poses, extracted once per model and kept in the cache folder (again when the cached
    file predates the back-contour measurement)."""
    npz = cache / f"{path.stem}.{model}.npz"
    if not npz.exists() or BACK_ARC not in PoseSeries.load(npz).extras:
        from formcheck.pose import estimate_video

        estimate_video(path, model=model).save(npz)
    return npz


def exercise_ok(d: dict, want: str) -> tuple[bool, str]:
    """Right exercise, or unsure with the right one among the candidates."""
    got = d.get("exercise")
    cands = [c.get("exercise") for c in (d.get("exercise_candidates") or [])]
    if got == want:
        return True, got
    if d.get("exercise_unsure") and want in cands:
        return True, f"unsure({'/'.join(cands)})"
    return False, got if not d.get("exercise_unsure") else f"unsure({'/'.join(cands)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="full")
    ap.add_argument("--poses-cache", default=str(ROOT / ".cache" / "realworld"),
                    help="where extracted poses are kept between runs")
    ap.add_argument("--no-window", action="store_true", help="analyse whole clips (the set must be found)")
    ap.add_argument("--tempo", default=None, help="a target tempo to judge against (default: none set)")
    ap.add_argument("--only", default=None, help="one clip id")
    ap.add_argument("--verbose", "-v", action="store_true", help="per-rep faults with values")
    args = ap.parse_args()
    labels = REALWORLD / "labels.json"
    if not labels.is_file():
        print(f"skipped: {labels} is not here (real clips are for development machines only)")
        return 0
    clips = json.loads(labels.read_text())["clips"]
    cache = Path(args.poses_cache)
    cache.mkdir(parents=True, exist_ok=True)
    head = f"{'clip':22s} {'reps':>7s} {'exercise':>44s} {'view':>12s}  {'marked found':14s} {'false alarms':12s} faults (reps)"
    print(head)
    n_exact = n_ex = n_view = 0
    good_reps = false_alarms = tempo_faults = 0
    marked_total = marked_found = 0
    t0 = time.perf_counter()
    for c in clips:
        if args.only and c["id"] != args.only:
            continue
        path = REALWORLD / c["file"]
        if not path.exists():
            print(f"{c['id']:22s} missing file {c['file']}")
            continue
        npz = cached_poses(path, args.model, cache)
        opts = {} if args.no_window else {"start_s": c.get("start_s"), "end_s": c.get("end_s")}
        try:
            res = formcheck.analyze(npz, tempo=args.tempo, **opts)
        except formcheck.FormcheckError as exc:
            print(f"{c['id']:22s} error: {exc}")
            continue
        d = res.to_dict()
        reps = d["reps"]
        judged = reps  # rep numbers as labelled; partial reps (cut by the clip) carry no faults
        marked = c.get("fault_reps", {})
        marked_reps = {i for v in marked.values() for i in v}
        faults: dict[str, list[int]] = {}
        for k, r in enumerate(judged, 1):
            for f in r["faults"]:
                faults.setdefault(f, []).append(k)
            if k not in marked_reps:
                good_reps += 1
                false_alarms += bool(r["faults"])
            tempo_faults += bool(set(r["faults"]) & TEMPO_FAULTS) and not args.tempo
        found = []
        for fault, want_reps in marked.items():
            for i in want_reps:
                marked_total += 1
                hit = fault in faults and i in faults[fault]
                marked_found += hit
                found.append(f"{fault[:4]}{i}{'+' if hit else '-'}")
        fa = sum(1 for k, r in enumerate(judged, 1) if k not in marked_reps and r["faults"])
        n_good = sum(1 for k in range(1, len(judged) + 1) if k not in marked_reps)
        ok_count = d["rep_count"] == c["reps"]
        ok_ex, ex_txt = exercise_ok(d, c["exercise"])
        ok_view = d["view"] == c["view"] or (c["view"] == "side" and d["view"] == "oblique") \
            or (c["view"] in ("front", "rear") and d["view"] == "oblique")
        n_exact += ok_count
        n_ex += ok_ex
        n_view += d["view"] == c["view"]
        partial = sum(1 for r in reps if r.get("partial"))
        checks = sum(len(r.get("checks", [])) for r in reps)
        print(f"{c['id']:22s} {d['rep_count']:>3d}/{c['reps']:<2d}{'ok' if ok_count else '!!':>2s}"
              f" {ex_txt[:41]:>41s} {'ok' if ok_ex else '!!':>2s} {d['view']:>8s}{'ok' if ok_view else '!!':>4s}  "
              f"{' '.join(found) or '-':14s} {fa:>2d}/{n_good:<9d} "
              + (", ".join(f"{k} {v}" for k, v in faults.items()) or "none")
              + (f"  ({partial} partial)" if partial else "") + (f"  ({checks} to check)" if checks else ""))
        if args.verbose:
            for k, r in enumerate(judged, 1):
                det = "; ".join(f"{'' if f['status'] == 'fault' else 'check '}{f['name']} {f['value']}{f['unit']} "
                                f"vs {f['threshold']} ({f['confidence']})" for f in r.get("findings", []))
                part = f"  [partial: {r['partial']}]" if r.get("partial") else ""
                print(f"{'':24s}rep {k}: {r['tempo']:>16s} {det}{part}")
            if d.get("set_window"):
                print(f"{'':24s}set: {d['set_window'].get('text')}")
            print(f"{'':24s}verdict: {d['summary']['verdict']}")
    n = len([c for c in clips if not args.only or c["id"] == args.only])
    rate = false_alarms / good_reps if good_reps else 0.0
    print(f"\ncounts exact {n_exact}/{n}; exercise right {n_ex}/{n}; view exact {n_view}/{n}; "
          f"marked mistakes found {marked_found}/{marked_total}; false alarms {false_alarms}/{good_reps} "
          f"correct-form reps ({rate:.0%}); tempo faults without a target: {tempo_faults} "
          f"(model {args.model}, {'whole clips' if args.no_window else 'labelled windows'}, "
          f"{time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
