"""Edited synthetic clips: what real coaching videos do to a set (here, a hard cut before it)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import OptionError
from .clip import ClipSpec, iter_frames, plan_clip, truth
from .figure import Palette


def render_clip_with_cut(first: ClipSpec, second: ClipSpec, out_mp4_path: str | Path,
                         palette: Palette = Palette()) -> dict:
    """Two clips joined by a hard cut (e.g. a close-up, then the set), with the second clip's truth on the
    joined clock: its reps are the set; the first shot is not part of it.

    Both specs must share size and frame rate. The truth gains ``cut_s`` (the first frame of the second shot).
    """
    from ..encode import VideoWriter

    if first.size != second.size or abs(first.fps - second.fps) > 1e-9:
        raise OptionError("the two shots of a cut clip need the same size and frame rate.")
    out = Path(out_mp4_path)
    a, b = plan_clip(first), plan_clip(second)
    w, h = second.size
    with VideoWriter(out, w, h, second.fps) as vw:
        for clip in (a, b):
            for _i, _t, img in iter_frames(clip, palette):
                vw.write(img)
    data = truth(b)
    shift = a.frame_count / second.fps
    for r in data["reps"]:
        for k in ("start_s", "peak_s", "bottom_s", "end_s"):
            if r.get(k) is not None:
                r[k] = round(r[k] + shift, 6)
    data["frames"] = {}  # the per-frame truth of the joined clip is not kept
    data["frame_count"] = a.frame_count + b.frame_count
    data["duration_s"] = round(data["frame_count"] / second.fps, 6)
    data["cut_s"] = round(shift, 6)
    out.with_suffix(".json").write_text(json.dumps(data, separators=(",", ":")))
    return data
