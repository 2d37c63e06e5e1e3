"""The app's live path, timed: LiveRunner as app.py's live tab uses it, fed at 30 fps like a WebRTC camera.

What runs per camera frame, as in the app: the WebRTC frame (yuv420p, as aiortc decodes it) converted to
RGB, ``LiveRunner.process`` (pose model, analysis every ``analysis_every_s``, framing, cues, LiveOverlay),
the cue events handed to a ``CueMixer`` (``on_cue``), and the annotated frame converted back to a video
frame. Frames arrive at 30 fps into a one-slot mailbox (streamlit-webrtc's async processing likewise hands
the callback only the newest frame); optionally a VP8 encoder thread consumes the output as aiortc would
(``--encode``: aiortc's own VP8 encoder at the camera's rate, re-sending the last annotated frame as
streamlit-webrtc's async processing does), so its CPU use competes as it does in the app. An audio thread pulls the mixer every 20 ms
like the WebRTC audio track.

Printed: analysed frames per second, frame-to-overlay latency p50 / p95 (camera delivery to annotated frame
ready), when the first rep was counted against the clip's truth, the cue delay (cue raised -> its first
sample handed to the audio track) p50 / p95 / max, and the machine's load average before and after (the
machine is shared: figures taken under load are not the code's).

Run: ``.venv/bin/python benchmarks/live_app.py [--seconds 14] [--encode]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_latency import clip_640x480, pct  # noqa: E402

from formcheck.live import LatestFrame, LiveRunner  # noqa: E402
from formcheck.live.sound import CueMixer  # noqa: E402
from formcheck.render.live_overlay import LiveOverlay  # noqa: E402


def webrtc_frames(path: Path):
    """The clip as yuv420p av.VideoFrames (what aiortc hands the callback) with their times."""
    import av

    out = []
    with av.open(str(path)) as box:
        for fr in box.decode(video=0):
            f = fr.reformat(format="yuv420p")
            out.append((f, float(fr.time)))
    return out


class TimedMixer(CueMixer):
    """A CueMixer that also notes, per cue, the wall time it was raised and the time its sound started."""

    def __init__(self):
        super().__init__()
        self.raised: dict[int, float] = {}
        self.started: dict[int, float] = {}
        self.idle: set[int] = set()  # cues raised while nothing played: their delay is the path's alone

    def play(self, event):
        self.raised[id(event)] = time.perf_counter()
        if not self.busy:
            self.idle.add(id(event))
        super().play(event)

    def _start_next(self):
        n = len(self.played)
        ok = super()._start_next()
        if ok and len(self.played) > n:
            self.started[id(self.played[-1][0])] = time.perf_counter()
        return ok


def cpu_per_frame(frames) -> tuple[float, float]:
    """Every frame through the app's per-frame work once, back to back: (CPU ms per frame over all threads,
    wall ms per frame). CPU time moves less with other people's load than wall time does."""
    import av

    runner = LiveRunner("lite", overlay=LiveOverlay(), on_cue=CueMixer().play)
    runner.process(frames[0][0].to_ndarray(format="rgb24"), -1.0)  # model warm
    c0, w0 = time.process_time(), time.perf_counter()
    for f, t in frames:
        av.VideoFrame.from_ndarray(runner.process(f.to_ndarray(format="rgb24"), t), format="rgb24")
    n = len(frames)
    out = ((time.process_time() - c0) * 1000 / n, (time.perf_counter() - w0) * 1000 / n)
    runner.close()
    return out


def run(frames, truth: dict, *, fps: float, encode: bool, warm_s: float) -> dict:
    import av

    mixer = TimedMixer()
    runner = LiveRunner("lite", overlay=LiveOverlay(), on_cue=mixer.play, warm=True)
    time.sleep(warm_s)  # the app makes the runner when the live tab opens, before START
    box = LatestFrame()
    out_box = LatestFrame()
    stop = threading.Event()
    delivered = [0]

    def camera():
        t_next = time.perf_counter()
        for f, t in frames:
            box.put((f, t, time.perf_counter()))
            delivered[0] += 1
            t_next += 1.0 / fps
            time.sleep(max(0.0, t_next - time.perf_counter()))
        box.close()

    def audio():  # the WebRTC audio track: 20 ms of samples every 20 ms
        t_next = time.perf_counter()
        while not stop.is_set():
            mixer.read(mixer.rate // 50)
            t_next += 0.02
            time.sleep(max(0.0, t_next - time.perf_counter()))

    def encoder():  # aiortc's own VP8 encoder, at the camera's rate: it re-sends the last annotated frame
        from fractions import Fraction

        from aiortc.codecs.vpx import Vp8Encoder

        enc, last, k = Vp8Encoder(), None, 0
        t_next = time.perf_counter()
        while not stop.is_set():
            item = out_box.get(timeout=0)
            last = item if item is not None else last
            if last is not None:
                last.pts, last.time_base = k * 3000, Fraction(1, 90000)
                enc.encode(last)
                k += 1
            t_next += 1.0 / fps
            time.sleep(max(0.0, t_next - time.perf_counter()))

    threads = [threading.Thread(target=camera, daemon=True), threading.Thread(target=audio, daemon=True)]
    if encode:
        threads.append(threading.Thread(target=encoder, daemon=True))
    lat, first_rep_s = [], None
    t_start = time.perf_counter()
    for th in threads:
        th.start()
    processed = 0
    cpu0, thread0 = time.process_time(), time.thread_time()
    while True:
        item = box.get(timeout=3.0)
        if item is None:
            break
        f, t, t_in = item
        rgb = f.to_ndarray(format="rgb24")
        out = runner.process(rgb, t)
        vf = av.VideoFrame.from_ndarray(out, format="rgb24")
        lat.append((time.perf_counter() - t_in) * 1000)
        out_box.put(vf)
        processed += 1
        st = runner.snapshot()
        if first_rep_s is None and st is not None and st.reps >= 1:
            first_rep_s = t
    wall = time.perf_counter() - t_start
    cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, processed)
    thread_ms = (time.thread_time() - thread0) * 1000 / max(1, processed)
    time.sleep(1.0)  # let the last cues play
    stop.set()
    out_box.close()
    st = runner.snapshot()
    runner.close()
    delays = [(mixer.started[k] - mixer.raised[k]) * 1000 for k in mixer.started if k in mixer.raised]
    idle = [(mixer.started[k] - mixer.raised[k]) * 1000 for k in mixer.started if k in mixer.idle]
    reps = truth.get("reps", [])
    return {"analysed_fps": processed / wall, "delivered": delivered[0], "processed": processed,
            "dropped": box.dropped, "p50": pct(lat[10:], 50), "p95": pct(lat[10:], 95),
            "reps": st.reps if st else 0, "truth_reps": len(reps),
            "first_rep_s": first_rep_s, "truth_first_peak_s": reps[0]["peak_s"] if reps else None,
            "cues": len(runner.cues()), "played": len(mixer.played), "cue_p50": pct(delays, 50),
            "cue_p95": pct(delays, 95), "cue_max": max(delays) if delays else float("nan"),
            "idle_p50": pct(idle, 50), "idle_max": max(idle) if idle else float("nan"), "idle_n": len(idle),
            "cpu_ms": cpu_ms, "thread_ms": thread_ms}


HOOK = """(() => { const P = window.RTCPeerConnection; if (!P) return; window.__pcs = [];
  window.RTCPeerConnection = function (...a) { const pc = new P(...a); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = P.prototype; })();"""
STATS = """async () => { const out = {};
  for (const pc of (window.__pcs || [])) { const r = await pc.getStats();
    r.forEach(s => { if (s.type === 'inbound-rtp') out[s.kind] = {
        jb_ms: 1000 * s.jitterBufferDelay / Math.max(1, s.jitterBufferEmittedCount),
        target_ms: 1000 * (s.jitterBufferTargetDelay || 0) / Math.max(1, s.jitterBufferEmittedCount),
        fps: s.framesPerSecond || null, frames: s.framesDecoded || null}; }); }
  return out; }"""


def browser(seconds: float) -> dict:
    """The app in Chromium with a fake camera (the 3-rep test clip, looped): the browser's own playout delays for
    the stream's video and its cue audio (WebRTC getStats, jitter buffer per frame/sample), and the cues played."""
    sys.path.insert(0, str(ROOT / "tests"))
    import tempfile

    from _browser import ARGS, CHROMIUM, start_app, stop_app
    from _synth import synthetic_clip, write_y4m
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="live-app-bench-"))
    clip, _ = synthetic_clip("row_side_clean", reps=3)
    y4m = write_y4m(clip, tmp / "camera.y4m")
    url, proc, _ = start_app(tmp, {"FORMCHECK_APP_DIR": str(tmp / "work")})
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS + [
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={y4m}", "--autoplay-policy=no-user-gesture-required"])
            ctx = b.new_context(viewport={"width": 1280, "height": 900})
            ctx.add_init_script(HOOK)
            page = ctx.new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            page.get_by_text("No video handy?").wait_for()
            page.get_by_role("tab", name="Live").click()
            start = page.frame_locator("iframe[title*='webrtc']").first.get_by_role("button", name="START")
            start.wait_for()
            start.click()
            page.wait_for_timeout(int(seconds * 1000))
            stats = {}
            for fr in page.frames:
                got = fr.evaluate(STATS)
                if got:
                    stats = got
            played = page.locator("#fc-cue-log").get_attribute("data-played") or ""
            b.close()
    finally:
        stop_app(proc)
    return {"stats": stats, "played": [w for w in played.split("|") if w]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=14.0, help="length of the test clip (default 14)")
    ap.add_argument("--fps", type=float, default=30.0, help="camera rate (default 30)")
    ap.add_argument("--encode", action="store_true", help="also VP8-encode the output on a thread, as aiortc does")
    ap.add_argument("--warm-s", type=float, default=2.0, help="time between the live tab opening and START")
    ap.add_argument("--browser", type=float, default=0.0, metavar="S",
                    help="also run the app in Chromium with a fake camera for S seconds and read the browser's "
                         "playout delays for the video and the cue audio")
    args = ap.parse_args()
    path = clip_640x480(args.seconds)
    truth = json.loads(path.with_suffix(".json").read_text())
    frames = webrtc_frames(path)
    load0 = os.getloadavg()
    print(f"clip: {path.name}, {len(frames)} frames at 640x480, fed at {args.fps:.0f} fps; model lite; "
          f"{os.cpu_count()} CPUs; load average before {load0[0]:.1f} / {load0[1]:.1f} (1 / 5 min)")
    cpu_ms, wall_ms = cpu_per_frame(frames)
    print(f"\nThe app's per-frame work (RGB from the WebRTC frame, LiveRunner.process, back to a video frame), every "
          f"frame back to back: {cpu_ms:.1f} ms CPU per frame over all threads ({wall_ms:.1f} ms wall): one free core "
          f"keeps up with {1000 / cpu_ms:.0f} frames per second")
    r = run(frames, truth, fps=args.fps, encode=args.encode, warm_s=args.warm_s)
    load1 = os.getloadavg()
    print(f"\nLiveRunner as the app uses it (overlay, cues, mixer{', VP8 encoder' if args.encode else ''}):")
    print(f"   analysed {r['analysed_fps']:.1f} frames per second ({r['processed']} of {r['delivered']} delivered, "
          f"{r['dropped']} stale frames dropped)")
    print(f"   frame-to-overlay latency: p50 {r['p50']:.1f} ms   p95 {r['p95']:.1f} ms")
    print(f"   CPU per analysed frame in this run: {r['cpu_ms']:.1f} ms for the whole process (pose model, analysis, "
          f"overlay, audio{', the encoder at 30 fps' if args.encode else ''})")
    print(f"   reps counted {r['reps']} of {r['truth_reps']}; first rep counted at {r['first_rep_s']:.2f} s "
          f"(its top at {r['truth_first_peak_s']:.2f} s in the clip)" if r["first_rep_s"] is not None else
          f"   reps counted {r['reps']} of {r['truth_reps']}; the first rep was never counted")
    print(f"   cues raised {r['cues']}, played {r['played']}; cue raised -> first sample to the audio track: "
          f"p50 {r['cue_p50']:.0f} ms   p95 {r['cue_p95']:.0f} ms   max {r['cue_max']:.0f} ms (waiting behind the cue "
          f"before included); with nothing playing ({r['idle_n']} cues): p50 {r['idle_p50']:.0f} ms   "
          f"max {r['idle_max']:.0f} ms")
    if args.browser > 0:
        br = browser(args.browser)
        v, a = br["stats"].get("video", {}), br["stats"].get("audio", {})
        print(f"\nIn Chromium (the app, a fake camera, {args.browser:.0f} s): the stream arrives at "
              f"{v.get('fps') or float('nan'):.0f} fps; playout delay (jitter buffer) video "
              f"{v.get('jb_ms', float('nan')):.0f} ms, cue audio {a.get('jb_ms', float('nan')):.0f} ms "
              f"(Chrome holds the audio to play it with the video frames it belongs to: one stream, lip-synced); "
              f"{len(br['played'])} cues played, first: {' · '.join(br['played'][:8])}")
        load1 = os.getloadavg()
    print(f"\nload average after {load1[0]:.1f} / {load1[1]:.1f}: "
          f"{'quiet enough to trust' if max(load0[0], load1[0]) < 1.5 else 'the machine was busy: treat as a floor'}")


if __name__ == "__main__":
    main()
