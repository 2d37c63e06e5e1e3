"""``formcheck live``: count reps and coach tempo from a webcam in an OpenCV window, out loud.

A grabber thread reads the camera into a one-slot mailbox (:class:`formcheck.live.LatestFrame`),
so when analysis is slower than the camera, stale frames are dropped instead of
queueing up and adding delay. The main thread analyses the newest frame, shows
it (q or Esc quits, m mutes), speaks its cues when a sound library is installed
(``formcheck[sound]``), and prints the same report as ``formcheck analyze`` at the end.
With ``--no-window`` it prints the cues it would speak instead, one per line with its time.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from ..errors import FormcheckError, OptionError
from .options import camera_index

log = logging.getLogger(__name__)

WINDOW = "formcheck live (q to finish)"


def add_parser(subparsers) -> None:
    """Register the ``live`` sub-command on an argparse sub-parsers object."""
    from ..analysis.capabilities import EXERCISES

    p = subparsers.add_parser(
        "live", help="live rep counter, spoken tempo cues and shrug warning from a webcam",
        description="Analyse a set live from a webcam: reps, phase, a tempo guide and a shrug warning on the "
                    "video, spoken as cues (pull, squeeze, down, 2, 3; the rep count; shoulders down) when a sound "
                    "library is installed (pip install 'formcheck[sound]'). Press m to mute, q to finish: the full "
                    "report is printed then.")
    p.add_argument("--camera", type=camera_index, default=0, help="camera number (default 0)")
    p.add_argument("--video", default=None, metavar="FILE",
                   help="play a video file in real time instead of a camera (for trying it out)")
    p.add_argument("--model", default="lite", choices=["lite", "full", "heavy"],
                   help="pose model (default lite: the fastest)")
    p.add_argument("--exercise", default="auto", choices=["auto", *EXERCISES], metavar="NAME",
                   help="auto (default) or one of: " + ", ".join(EXERCISES))
    p.add_argument("--tempo", default=None, help="target tempo eccentric-pause-concentric-hold, e.g. 3-0-1-1")
    p.add_argument("--no-window", action="store_true",
                   help="no video window and no sound; print each cue as it would be spoken, with its time")
    p.add_argument("--mute", action="store_true", help="no sound (the cues are still shown)")
    p.add_argument("--every-frame", action="store_true",
                   help="with --video: analyse every frame as fast as the machine allows instead of in real time "
                        "(times stay the video's: a check of what a clip would say)")
    p.add_argument("--out", default=None, help="folder for results.json, reps.csv and the report at the end")
    p.set_defaults(func=run)


def _frames(args, stop: threading.Event):
    """Frames from the camera, or from a file paced at its own timestamps."""
    from ..camera import CameraSource
    from ..video import open_video

    if args.video:
        src = open_video(args.video, max_side=640)
        t_start = None
        with src:
            for fr in src:
                if stop.is_set():
                    return
                if args.every_frame:
                    yield fr
                    continue
                now = time.monotonic()
                t_start = now - fr.time_s if t_start is None else t_start
                delay = t_start + fr.time_s - now
                if delay > 0:
                    time.sleep(delay)
                yield fr
        return
    with CameraSource(args.camera, max_side=640) as cam:
        for fr in cam:
            if stop.is_set():
                return
            yield fr


def _has_display() -> bool:
    """Whether OpenCV can open a window: always on Windows/macOS, on Linux only with X11 or Wayland."""
    import os

    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args) -> int:
    """Run a live session until q / Esc / Ctrl-C or the end of the video; print the report."""
    import cv2

    from ..live import LatestFrame, LiveSession
    from ..render.live_overlay import LiveOverlay
    from ..camera import CameraSource
    from .analyze import print_report

    if not args.no_window and not _has_display():
        raise OptionError("There is no screen to open the video window on (no DISPLAY). Run with --no-window to "
                          "print each rep instead, or use the app: streamlit run app.py.")
    if args.out:
        from pathlib import Path

        from ..render.outputs import check_output_folder
        from .options import check_writable_dir

        check_writable_dir(Path(args.out), "the results")  # before the session, not after the set
        check_output_folder(args.out, [args.video])
    if args.every_frame and not args.video:
        raise OptionError("--every-frame works with --video FILE (a camera cannot wait for the analysis).")
    if args.video is None:
        CameraSource(args.camera).close()  # fail early, with our message, if the camera is not there
    session = LiveSession(args.model, exercise=args.exercise, tempo=args.tempo,
                          overlay=None if args.no_window else LiveOverlay())
    speaker, mixer = None, None
    if not args.no_window and not args.mute:
        from ..live.sound import CueMixer, Speaker

        mixer = CueMixer()
        speaker = Speaker.open(mixer)
        if speaker is None:
            print(f"Sound is off: {Speaker.why_not}. The cues are still shown.", file=sys.stderr)
            mixer = None
    box = LatestFrame()
    stop = threading.Event()
    errors: list[BaseException] = []

    def grab():
        try:
            for fr in _frames(args, stop):
                if args.every_frame:
                    while box.qsize() and not stop.is_set():  # hand over every frame: wait for the last one
                        time.sleep(0.002)
                box.put(fr)
        except BaseException as exc:  # hand it to the main thread
            errors.append(exc)
        finally:
            box.close()

    grabber = threading.Thread(target=grab, name="formcheck-grab", daemon=True)
    grabber.start()
    show = not args.no_window
    if not show:
        print("Cues as they would be spoken (seconds from the start, kind, words):", flush=True)
    try:
        while True:
            fr = box.get(timeout=5.0)
            if fr is None:
                break
            out, st = session.process(fr.image, fr.time_s)
            for cue in st.cues:
                if mixer is not None:
                    mixer.play(cue)
                if not show:
                    prev = f"   (rep {st.reps - 1} tempo {st.last_tempo})" \
                        if cue.kind == "rep" and st.last_tempo and st.reps > 1 else ""
                    print(f"{cue.line()}{prev}", flush=True)
            if show:
                try:
                    cv2.imshow(WINDOW, cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
                    key = cv2.waitKey(1) & 0xFF
                except cv2.error:
                    raise FormcheckError("No display to open a window on. Run with --no-window, "
                                         "or use the web app: streamlit run app.py") from None
                if key in (ord("q"), 27):
                    break
                if key == ord("m") and mixer is not None:
                    mixer.muted = not mixer.muted
                    print("sound off" if mixer.muted else "sound on", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if show:
            try:
                cv2.destroyAllWindows()
            except cv2.error:
                pass
        grabber.join(timeout=2)
        if speaker is not None:
            speaker.close()
    if errors and not isinstance(errors[0], StopIteration):
        session.close()
        if isinstance(errors[0], FormcheckError):
            raise errors[0]
        raise FormcheckError(f"The camera stopped: {errors[0]}")
    log.debug("live: %d frames analysed, %d dropped", session.frames, box.dropped)
    result = session.finish()
    print()
    print_report(result)
    if args.out:
        from ..render import outputs

        try:
            written = outputs.write_outputs(result, args.out, video=False)
        except OSError as exc:  # e.g. the disk filled up during the set: the report above is still shown
            raise FormcheckError(f"The set finished (shown above) but writing to '{args.out}' failed "
                                 f"({exc.strerror or exc}). Free some disk space or choose another --out.") from None
        print(f"\nwrote {', '.join(sorted(p.name for p in written.values()))} to {args.out}")
    return 0
