"""Benchmark clips: find or make them under .cache/bench (git-ignored; never commit them).

A base clip is taken from ``sample_videos/*.mp4`` when there is one, else
rendered with :mod:`formcheck.synthetic`. Longer or larger clips are made
from it by looping (PyAV stream copy when the size stays the same, else a
re-encode with libx264).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
REALWORLD = Path(os.environ.get("FORMCHECK_REALWORLD", ROOT.parent / "shared" / "realworld"))
# Parts of the real clips that show a whole lifter (see ../shared/realworld/README.md): (start_s, end_s).
REALWORLD_WINDOWS = {"posturecoach__Shrug": (None, 7.1)}
PY = sys.executable


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sample_clips() -> list[Path]:
    """The project's sample clips (sample_videos/*.mp4), sorted; may be empty."""
    return sorted((ROOT / "sample_videos").glob("*.mp4"))


def synthetic_clip(preset: str = "row_side_clean", *, reps: int = 6, fps: float = 29.97,
                   size: tuple[int, int] = (960, 540)) -> Path:
    """Render (once) a synthetic clip into the cache and return its path."""
    out = CACHE / f"syn_{preset}_{reps}r_{fps:g}fps_{size[0]}x{size[1]}.mp4"
    if not out.exists():
        sys.path.insert(0, str(ROOT))
        from formcheck.synthetic import make_spec, render_clip

        log(f"rendering synthetic {preset} ({reps} reps, {size[0]}x{size[1]} @ {fps:g} fps) -> {out.name}")
        tmp = out.with_name(out.stem + ".part.mp4")
        render_clip(make_spec(preset, reps=reps, fps=fps, size=size), tmp)
        tmp.replace(out)
        tmp.with_suffix(".json").replace(out.with_suffix(".json"))
    return out


def base_clip(size: tuple[int, int] = (960, 540), fps: float = 29.97) -> Path:
    """A short source clip: sample_videos/row_side.mp4 (else the first sample), else a synthetic side-view row."""
    samples = sample_clips()
    if samples:
        return next((p for p in samples if p.stem == "row_side"), samples[0])
    return synthetic_clip(size=size, fps=fps)


def looped_name(src: Path, min_duration_s: float, size: tuple[int, int] | None = None, grain: float = 0.0) -> Path:
    """Cache path for a looped clip, keyed by its source (name, size, time stamp) and options."""
    st = src.stat()
    tag = f"{size[0]}x{size[1]}" if size else "copy"
    return CACHE / (f"loop_{src.stem}_{st.st_size}_{int(st.st_mtime)}_{tag}_{min_duration_s:g}s"
                    + (f"_grain{grain:g}" if grain else "") + ".mp4")


def loop_clip(src: Path, out: Path, *, min_duration_s: float, size: tuple[int, int] | None = None,
              fps: float | None = None, crf: int = 20, preset: str = "veryfast", grain: float = 0.0) -> Path:
    """Write ``out`` by repeating ``src`` until it lasts at least ``min_duration_s``.

    With ``size`` None (same size) the packets are copied (fast, no quality
    loss); otherwise every frame is scaled to ``size`` and re-encoded at
    ``fps`` (default: the source's) with libx264. ``grain`` adds Gaussian
    sensor-like noise (std in 8-bit levels) so a flat synthetic picture costs
    as many bits to decode as a real phone clip does (~10 Mbit/s at 1080p).
    """
    if out.exists():
        return out
    import av

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part" + out.suffix)
    t0 = time.perf_counter()
    with av.open(str(src)) as probe_c:
        s = probe_c.streams.video[0]
        dur = float(s.duration * s.time_base) if s.duration else probe_c.duration / 1e6
        src_fps = float(s.average_rate)
    loops = max(1, int(-(-min_duration_s // dur)))
    log(f"making {out.name}: {loops} x {src.name} ({dur:.1f} s)" + (f" scaled to {size[0]}x{size[1]}" if size else ""))
    if size is None:
        _loop_copy(src, tmp, loops)
    else:
        _loop_encode(src, tmp, loops, size, fps or src_fps, crf, preset, grain)
    tmp.replace(out)
    log(f"  done in {time.perf_counter() - t0:.0f} s ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def _loop_copy(src: Path, out: Path, loops: int) -> None:
    import av

    with av.open(str(src)) as inp, av.open(str(out), "w", options={"movflags": "+faststart"}) as dst:
        istream = inp.streams.video[0]
        ostream = dst.add_stream_from_template(istream)
        packets = [p for p in inp.demux(istream) if p.size]
        period = max(p.pts for p in packets) - min(p.pts for p in packets) + packets[1].duration if len(packets) > 1 \
            else packets[0].duration
        period = period or (packets[-1].pts - packets[0].pts + 1)
        for k in range(loops):
            for p in packets:
                q = av.Packet(bytes(p))
                q.pts = p.pts + k * period
                q.dts = p.dts + k * period if p.dts is not None else None
                q.duration = p.duration
                q.is_keyframe = p.is_keyframe
                q.time_base = istream.time_base
                q.stream = ostream
                dst.mux(q)


def _loop_encode(src: Path, out: Path, loops: int, size: tuple[int, int], fps: float, crf: int,
                 preset: str, grain: float) -> None:
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    W, H = size
    plane_shape = (H * 3 // 2, W)
    noise = [rng.normal(0, grain, plane_shape).astype(np.int16) for _ in range(7)] if grain else None

    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(out), "w", options={"movflags": "+faststart"}) as dst:
        ostream = dst.add_stream("libx264", rate=rate)
        ostream.width, ostream.height = size
        ostream.pix_fmt = "yuv420p"
        ostream.options = {"crf": str(crf), "preset": preset}
        ostream.thread_type = "AUTO"
        n = 0
        for _ in range(loops):
            with av.open(str(src)) as inp:
                istream = inp.streams.video[0]
                istream.thread_type = "AUTO"
                # Keep the picture's shape: scale to fit, centre it on black (pillar- or letter-box).
                sw, sh = istream.codec_context.width, istream.codec_context.height
                k = min(W / sw, H / sh)
                fw, fh = int(sw * k) // 2 * 2, int(sh * k) // 2 * 2
                ox, oy = (W - fw) // 4 * 2, (H - fh) // 4 * 2
                for frame in inp.decode(istream):
                    small = frame.reformat(width=fw, height=fh, format="yuv420p", interpolation="BICUBIC").to_ndarray()
                    y = np.full((H, W), 16, np.int16)
                    u, v = np.full((H // 2, W // 2), 128, np.int16), np.full((H // 2, W // 2), 128, np.int16)
                    y[oy:oy + fh, ox:ox + fw] = small[:fh]
                    u[oy // 2:(oy + fh) // 2, ox // 2:(ox + fw) // 2] = small[fh:fh + fh // 4].reshape(fh // 2, fw // 2)
                    v[oy // 2:(oy + fh) // 2, ox // 2:(ox + fw) // 2] = small[fh + fh // 4:].reshape(fh // 2, fw // 2)
                    yuv = np.concatenate([y, u.reshape(-1, W), v.reshape(-1, W)])
                    if noise is not None:
                        yuv = yuv + noise[n % len(noise)]
                    f = av.VideoFrame.from_ndarray(np.clip(yuv, 0, 255).astype(np.uint8), format="yuv420p")
                    f.pts = n
                    f.time_base = 1 / rate
                    n += 1
                    for pkt in ostream.encode(f):
                        dst.mux(pkt)
        for pkt in ostream.encode():
            dst.mux(pkt)


def machine() -> dict:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        mp_version = version("mediapipe")
        av_version = version("av")
    except Exception:
        mp_version = av_version = "?"
    load = os.getloadavg()
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "mediapipe": mp_version, "av": av_version,
            "loadavg": f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"}


def print_machine() -> dict:
    m = machine()
    print(f"machine: {m['nproc']} cores, {m['cpu']}; Python {m['python']}, mediapipe {m['mediapipe']}, "
          f"av {m['av']}; load average {m['loadavg']} (at start); {m['date']}")
    return m


def run_cli(args: list[str], **kw) -> subprocess.CompletedProcess:
    """Run ``python -m formcheck ARGS`` from the repo root."""
    return subprocess.run([PY, "-m", "formcheck", *args], cwd=ROOT, capture_output=True, text=True, **kw)
