"""The set inside the clip: shots, frozen stills, set-up and putting the weight down.

Real clips are edited: title cards, cuts to a close-up, slow-motion zooms, frozen
frames, walking in and picking the weight up. Each of these became a "rep" or a
"swing". Before the analysis reads reps, this module decides which part of the
clip holds the set and says what it left out:

- **shots**: hard cuts come from the video pass (PySceneDetect, see
  :mod:`formcheck.shots`); a poses file without them falls back on the pose itself
  (the body jumping in size or place between two frames is a cut, never a movement);
- **frozen stills**: spans where the video repeats one frame (from the video pass):
  a rep across one is counted but its timing is not judged (the still is not a pause);
- **the set**: of several shots, the one with the most reps (then the longest)
  holds the set; the others are reported, not analysed;
- **set-up and put-down**: a "rep" at the start or end of the set that looks
  nothing like the set's own reps (far longer, far larger or smaller, or the trunk
  at another angle) is picking the weight up or putting it down.

Pure numpy; the analysis itself is :func:`formcheck.analysis.core.analyse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..series import LANDMARK as L
from ..series import PoseSeries


@dataclass
class SetWindow:
    """Where the set is in the clip, and what was left out (times in seconds on the clip's clock).

    Attributes:
        start_s, end_s: the part analysed.
        clip_start_s, clip_end_s: the part of the clip that was read.
        left_out: [{"start_s", "end_s", "why"}] in time order.
        frozen: [(start_s, end_s)] frozen stills inside the set (reps across them: timing, range and balance
            not judged).
    """

    start_s: float
    end_s: float
    clip_start_s: float
    clip_end_s: float
    left_out: list[dict] = field(default_factory=list)
    frozen: list[tuple[float, float]] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.left_out and not self.frozen

    def text(self) -> str:
        """'Analysed 5.4-34.0 s: the set; 0.0-5.4 s was set-up (picking the weight up).' ('' when whole)."""
        if self.whole:
            return ""
        parts = [f"{a['start_s']:.1f}-{a['end_s']:.1f} s {a['why']}" for a in self.left_out]
        parts += [f"{a:.1f}-{b:.1f} s is a frozen still (its rep's timing, range and balance are not judged)"
                  for a, b in self.frozen]
        return f"Analysed {self.start_s:.1f}-{self.end_s:.1f} s: the set; " + "; ".join(parts) + "."

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "left_out": [{**a, "start_s": round(a["start_s"], 3), "end_s": round(a["end_s"], 3)}
                             for a in self.left_out],
                "frozen": [[round(a, 3), round(b, 3)] for a, b in self.frozen], "text": self.text()}


def pose_cuts(series: PoseSeries, jump_torso: float = 0.6, scale_change: float = 0.35) -> list[float]:
    """Cuts read from the pose alone: between two frames the body moves more than ``jump_torso`` torso
    lengths, or its size changes by more than ``scale_change`` (a zoom or another camera). A real movement
    never does that in one frame at video rates.
    """
    xy = series.image_xy
    hip = (xy[:, L["left_hip"]] + xy[:, L["right_hip"]]) / 2
    sh = (xy[:, L["left_shoulder"]] + xy[:, L["right_shoulder"]]) / 2
    # The body's size: the torso, or the shoulders' width where the trunk points at the camera.
    width = np.linalg.norm(xy[:, L["left_shoulder"]] - xy[:, L["right_shoulder"]], axis=1)
    torso = np.fmax(np.linalg.norm(sh - hip, axis=1), width / 0.75)
    ok = np.isfinite(torso) & (torso > 1)
    idx = np.flatnonzero(ok)
    cuts = []
    for a, b in zip(idx, idx[1:]):
        if series.times_s[b] - series.times_s[a] > 0.25:  # a gap (nobody seen): not a one-frame jump
            continue
        size = max(torso[a], torso[b])
        moved = float(np.linalg.norm(((sh[b] + hip[b]) - (sh[a] + hip[a])) / 2)) / size
        scaled = abs(torso[b] - torso[a]) / size
        turned = abs(width[b] - width[a]) / size  # the camera's angle changed: the shoulders' span jumps
        # A zoom or a cut moves the body too; a twist or a turn changes its apparent size in place.
        if not (moved > jump_torso or turned > scale_change or (scaled > scale_change and moved > 0.25 * jump_torso)):
            continue
        # A cut is a step between two frames; a fast turn or twist is a ramp over several.
        near = [k for k in idx if k not in (a, b) and abs(series.times_s[k] - series.times_s[b]) <= 0.2]
        steps = [abs(width[k] - width[k - 1]) / size + abs(torso[k] - torso[k - 1]) / size
                 for k in near if k - 1 >= 0 and ok[k - 1]]
        if steps and max(steps) > 0.3 * (turned + scaled):
            continue
        # ... and after a cut the body stays where the new shot puts it; a tracking glitch comes back.
        t = series.times_s
        before = ok & (t >= t[a] - 0.3) & (t <= t[a])
        after = ok & (t >= t[b]) & (t <= t[b] + 0.3)
        if before.sum() < 2 or after.sum() < 2:
            continue
        mid = (sh + hip) / 2
        size = float(np.median(np.concatenate([torso[before], torso[after]])))
        stays = np.linalg.norm(np.median(mid[after], 0) - np.median(mid[before], 0)) / size > 0.5 * jump_torso or \
            abs(np.median(torso[after]) - np.median(torso[before])) / size > 0.7 * scale_change or \
            abs(np.median(width[after]) - np.median(width[before])) / size > 0.7 * scale_change
        if stays:
            cuts.append(float((t[a] + t[b]) / 2))
    return cuts


def shots(series: PoseSeries, cuts_s: list[float]) -> list[tuple[float, float]]:
    """The clip's shots as (start_s, end_s) between cuts (frame times; at least 2 frames each)."""
    t = series.times_s
    if not len(t):
        return []
    edges = [float(t[0])] + sorted(c for c in cuts_s if t[0] < c < t[-1]) + [float(t[-1]) + 1e-6]
    out = []
    for a, b in zip(edges, edges[1:]):
        m = (t >= a) & (t < b)
        if m.sum() >= 2:
            out.append((float(t[m][0]), float(t[m][-1])))
    return out


def trim(series: PoseSeries, start_s: float, end_s: float) -> PoseSeries:
    """The frames from start_s to end_s (inclusive), with the same provenance."""
    return series.select((series.times_s >= start_s - 1e-9) & (series.times_s <= end_s + 1e-9))


def edge_outliers(reps, trunk_deg: np.ndarray, times_s: np.ndarray) -> tuple[list[int], list[int]]:
    """Indices of the reps at the start and at the end of the set that are set-up or put-down, not reps:
    more than 2.5x the set's median rep duration, an amplitude outside 0.45-1.8x its median, or the trunk
    more than 30 degrees from the set's median angle at the rep's start. Needs at least 3 reps."""
    if len(reps) < 3:
        return [], []
    dur = np.array([(r.bottom_s if r.bottom_s is not None else r.end_s) - r.start_s for r in reps])
    amp = np.array([r.amplitude for r in reps])
    ang = np.array([np.nanmedian(trunk_deg[(times_s >= r.start_s - 0.2) & (times_s <= r.start_s + 0.05)])
                    if np.isfinite(trunk_deg).any() else np.nan for r in reps])
    med_dur, med_amp = float(np.median(dur)), float(np.median(amp))
    med_ang = float(np.nanmedian(ang)) if np.isfinite(ang).any() else np.nan

    def odd(i: int) -> bool:
        return bool(dur[i] > 2.5 * med_dur or not (0.45 * med_amp <= amp[i] <= 1.8 * med_amp)
                    or (np.isfinite(ang[i]) and np.isfinite(med_ang) and abs(ang[i] - med_ang) > 30))

    head = []
    for i in range(len(reps) - 2):
        if not odd(i):
            break
        head.append(i)
    tail = []
    for i in range(len(reps) - 1, len(head) + 1, -1):
        if not odd(i):
            break
        tail.append(i)
    return head, sorted(tail)


def analyse_set(series: PoseSeries, *, find_set: bool = True, **options):
    """Find the set inside the clip and analyse it (see :func:`formcheck.analysis.core.analyse` for options).

    Args:
        series: the whole clip's poses; ``series.source`` may carry ``cuts_s`` and ``frozen_s`` from the video
            pass.
        find_set: False when the user chose the part to analyse (--start/--end): frozen stills are still
            reported, but no shot is dropped and no rep is called set-up.

    Returns:
        (the analysis, the SetWindow, the series analysed).
    """
    from .core import analyse

    t = series.times_s
    clip = (float(t[0]), float(t[-1])) if len(t) else (0.0, 0.0)
    frozen_all = [(float(a), float(b)) for a, b in series.source.get("frozen_s") or []]
    cuts = series.source.get("cuts_s")
    cuts = list(cuts) if cuts is not None else pose_cuts(series)
    left_out: list[dict] = []
    start, end = clip
    if find_set:
        shot_list = shots(series, cuts)
        if len(shot_list) > 1:
            def score(span):
                sub = trim(series, *span)
                n = len(analyse(sub, **options).reps) if sub.detected.sum() >= 10 else 0
                return n, span[1] - span[0]
            start, end = max(shot_list, key=score)
            for a, b in shot_list:
                if (a, b) != (start, end):
                    left_out.append({"start_s": a, "end_s": b, "why": "is another shot (not the set)"})
    sub = trim(series, start, end)
    a = analyse(sub, frozen=frozen_all, **options)
    if find_set and a.reps:
        head, tail = edge_outliers(a.reps, a.signals["trunk_inclination"], a.signals.times_s)
        if head or tail:
            new_start = a.reps[head[-1] + 1].start_s - 0.3 if head else start
            new_end = a.reps[tail[0] - 1].end_s + 0.3 if tail else end
            if head:
                left_out.append({"start_s": start, "end_s": new_start, "why": "was set-up (getting the weight)"})
            if tail:
                left_out.append({"start_s": new_end, "end_s": end, "why": "was putting the weight down"})
            start, end = max(start, new_start), min(end, new_end)
            sub = trim(series, start, end)
            a = analyse(sub, frozen=frozen_all, **options)
    frozen = [(max(x, start), min(y, end)) for x, y in frozen_all if y > start and x < end]
    window = SetWindow(start, end, *clip, sorted(left_out, key=lambda d: d["start_s"]), frozen)
    return a, window, sub
