"""Live latency: frame in -> annotated frame out through LiveSession.process at 640x480 with the lite model.

Two measurements on a scripted side-view row set (rendered once into .cache/live-bench, git-ignored):

1. Processing latency: each frame handed straight to ``LiveSession.process`` (pose + signals + counter +
   overlay), p50 / p95 / max in ms.
2. Real time: a producer thread delivers frames at 30 fps, as a camera does, into the one-slot
   ``LatestFrame`` mailbox; the consumer analyses the newest frame. Reported: latency from delivery to the
   annotated frame (waiting included), frames analysed / dropped, and the mailbox backlog (it never
   exceeds 1) next to the backlog a plain FIFO queue would have built up had every frame been kept.

streamlit-webrtc does the same for the browser (its async processing hands the callback only the newest
frame). Run: ``.venv/bin/python benchmarks/live_latency.py [--seconds 10] [--model lite]``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.live import LatestFrame, LiveSession  # noqa: E402
from formcheck.video import open_video  # noqa: E402


def clip_640x480(seconds: float) -> Path:
    """A scripted side-view row set at 640x480, 30 fps, about ``seconds`` long (cached)."""
    reps = max(1, int(round((seconds - 1.6) / 4.0)))
    out = ROOT / ".cache" / "live-bench" / f"row_side_clean_{reps}r_640x480_30fps.mp4"
    if not out.exists():
        from formcheck.synthetic import make_spec, render_clip

        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"rendering a {reps}-rep 640x480 clip (once) ...", file=sys.stderr, flush=True)
        tmp = out.with_name(out.stem + ".part.mp4")
        render_clip(make_spec("row_side_clean", reps=reps, size=(640, 480), fps=30.0), tmp)
        tmp.with_suffix(".json").replace(out.with_suffix(".json"))
        tmp.replace(out)
    return out


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, float), q)) if len(values) else float("nan")


def bench_processing(frames, model: str) -> dict:
    lat = []
    with LiveSession(model) as session:
        for img, t in frames:
            t0 = time.perf_counter()
            session.process(img, t)
            lat.append((time.perf_counter() - t0) * 1000)
    lat = lat[5:]  # the first frames include the model's warm-up
    return {"p50": pct(lat, 50), "p95": pct(lat, 95), "max": max(lat), "n": len(lat),
            "reps": session.state.reps}


def bench_realtime(frames, model: str, fps: float = 30.0) -> dict:
    box = LatestFrame()
    session = LiveSession(model)
    # Warm the model up first, as the app does before the lifter starts.
    session.process(frames[0][0], -1.0)
    delivered = 0
    backlog_seen = []
    stop = threading.Event()

    def camera():
        nonlocal delivered
        t_next = time.perf_counter()
        for img, t in frames:
            if stop.is_set():
                break
            box.put((img, t, time.perf_counter()))
            delivered += 1
            backlog_seen.append(box.qsize())
            t_next += 1.0 / fps
            time.sleep(max(0.0, t_next - time.perf_counter()))
        box.close()

    th = threading.Thread(target=camera, daemon=True)
    t_start = time.perf_counter()
    th.start()
    lat, fifo_backlog = [], []
    processed = 0
    while True:
        item = box.get(timeout=2.0)
        if item is None:
            break
        img, t, t_in = item
        session.process(img, t)
        processed += 1
        lat.append((time.perf_counter() - t_in) * 1000)
        fifo_backlog.append(delivered - processed)  # what a keep-everything queue would hold now
    wall = time.perf_counter() - t_start
    stop.set()
    th.join()
    session.close()
    return {"p50": pct(lat, 50), "p95": pct(lat, 95), "max": max(lat) if lat else float("nan"),
            "delivered": delivered, "processed": processed, "dropped": box.dropped,
            "analysed_fps": processed / wall, "mailbox_max": max(backlog_seen) if backlog_seen else 0,
            "fifo_end": fifo_backlog[-1] if fifo_backlog else 0, "reps": session.state.reps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the test clip (default 10)")
    ap.add_argument("--model", default="lite", choices=["lite", "full", "heavy"])
    ap.add_argument("--video", default=None, help="use this video instead (resized to 640x480)")
    args = ap.parse_args()
    path = Path(args.video) if args.video else clip_640x480(args.seconds)
    with open_video(path, max_side=640) as src:
        frames = [(fr.image, fr.time_s) for fr in src]
    h, w = frames[0][0].shape[:2]
    print(f"clip: {path.name}, {len(frames)} frames at {w}x{h}; model {args.model}")

    p = bench_processing(frames, args.model)
    print(f"\n1. LiveSession.process, frame in -> annotated frame out ({p['n']} frames):")
    print(f"   p50 {p['p50']:.1f} ms   p95 {p['p95']:.1f} ms   max {p['max']:.1f} ms"
          f"   (~{1000 / p['p50']:.0f} fps sustainable; {p['reps']} reps counted)")

    r = bench_realtime(frames, args.model)
    print("\n2. Camera at 30 fps into the one-slot mailbox, newest frame analysed:")
    print(f"   latency delivery -> annotated: p50 {r['p50']:.1f} ms   p95 {r['p95']:.1f} ms   max {r['max']:.1f} ms")
    print(f"   delivered {r['delivered']}, analysed {r['processed']} ({r['analysed_fps']:.1f} fps), "
          f"dropped {r['dropped']} stale frames; {r['reps']} reps counted")
    print(f"   mailbox backlog: max {r['mailbox_max']} frame (it cannot grow); a keep-every-frame FIFO "
          f"would hold {r['fifo_end']} frames by the end ({r['fifo_end'] / 30:.1f} s behind the camera)")


if __name__ == "__main__":
    main()
