"""Small synthetic clips for the app and live tests, rendered once and cached (git-ignored .cache/test-clips).

320x240 at 15 fps with a brisk tempo keeps rendering to seconds; the pose
model still finds the drawn lifter in every frame at that size. The cache key
includes the synthetic package's source, so a changed renderer re-renders.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "test-clips"
CLIP_OPTIONS = {"size": (320, 240), "fps": 15.0, "lead_s": 0.6, "tail_s": 0.6, "tempo": (1.2, 0.0, 0.8, 0.5)}


def _source_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((REPO / "formcheck" / "synthetic").glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


def synthetic_clip(preset: str = "row_side_clean", reps: int = 3, **options) -> tuple[Path, dict]:
    """(clip.mp4, truth dict) for a preset of :mod:`formcheck.synthetic`; skips the test if it is unavailable."""
    synth = pytest.importorskip("formcheck.synthetic")
    opts = {**CLIP_OPTIONS, **options, "reps": reps}
    key = hashlib.sha256(repr((preset, sorted(opts.items()))).encode()).hexdigest()[:10]
    out = CACHE / f"{preset}-{reps}r-{key}-{_source_hash()}.mp4"
    truth_path = out.with_suffix(".json")
    if not (out.exists() and truth_path.exists()):
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f"{out.stem}.part{os.getpid()}.mp4")
        synth.render_clip(synth.make_spec(preset, **opts), tmp)
        os.replace(tmp.with_suffix(".json"), truth_path)
        os.replace(tmp, out)
    return out, json.loads(truth_path.read_text())


def write_y4m(src: Path, out: Path) -> Path:
    """Re-encode a clip as raw YUV4MPEG (what Chromium's fake camera plays), at the clip's frame rate."""
    import av
    from fractions import Fraction

    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        rate = Fraction(stream.average_rate or 15).limit_denominator(1001)
        with av.open(str(out), "w", format="yuv4mpegpipe") as dst:
            vs = dst.add_stream("rawvideo", rate=rate)
            vs.width, vs.height, vs.pix_fmt = stream.width, stream.height, "yuv420p"
            for frame in inp.decode(stream):
                f = frame.reformat(format="yuv420p")
                f.pts = None
                for packet in vs.encode(f):
                    dst.mux(packet)
            for packet in vs.encode():
                dst.mux(packet)
    return out
