"""Hostile inputs for tests/test_hostile.py, all made here from our own synthetic lifter (nothing downloaded).

Helpers: re-encode a clip in another container / codec / size / rate / orientation, damage files, write
poses files with one field broken, snapshot a file tree, run the CLI in-process with a time limit, and check
that a failure is "clear" (exit 2, one ``formcheck:`` line, no traceback, no internal error).
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

from _synth import CACHE, synthetic_clip

# -- clips -------------------------------------------------------------------------------------------------------


def lifter() -> tuple[Path, dict]:
    """The scripted side-view row (3 reps, 320x240, 15 fps) and its truth."""
    return synthetic_clip("row_side_clean", reps=3)


def lifter_poses() -> Path:
    """Poses of :func:`lifter` from the lite model, cached beside the clip (the corpus's fast input)."""
    clip, _ = lifter()
    path = CACHE / f"{clip.stem}.lite.poses.npz"
    if not path.exists():
        from formcheck.pose import estimate_video

        estimate_video(clip, model="lite").save(path)
    return path


def frames_of(path: Path) -> tuple[list[np.ndarray], float]:
    """All frames of a clip as RGB arrays, and its frame rate."""
    import av

    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        fps = float(stream.average_rate or 15)
        return [f.to_ndarray(format="rgb24") for f in c.decode(stream)], fps


def encode(dst: Path, frames: list[np.ndarray], fps: float, *, codec: str = "libx264", pix_fmt: str = "yuv420p",
           pts_ms: list[int] | None = None, rotation_ccw: int | None = None, options: dict | None = None) -> Path:
    """Write RGB frames with PyAV (the container follows dst's extension)."""
    import av

    h, w = frames[0].shape[:2]
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(dst), "w", options=options or {}) as c:
        s = c.add_stream(codec, rate=rate)
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        tb = Fraction(1, 1000) if pts_ms is not None else 1 / rate
        if pts_ms is not None:
            s.codec_context.time_base = tb
        if rotation_ccw is not None:
            s.set_display_rotation(rotation_ccw)
        for i, img in enumerate(frames):
            f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            if pix_fmt != "yuv420p":
                f = f.reformat(format=pix_fmt)
            f.pts, f.time_base = (pts_ms[i] if pts_ms is not None else i), tb
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return dst


def resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    import cv2

    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if w < img.shape[1] else cv2.INTER_LINEAR)


def audio_only(dst: Path) -> Path:
    import av

    with av.open(str(dst), "w") as c:
        s = c.add_stream("aac", rate=44100)
        t = np.arange(1024 * 20) / 44100
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for i in range(20):
            fr = av.AudioFrame.from_ndarray(tone[None, i * 1024:(i + 1) * 1024], format="fltp", layout="mono")
            fr.sample_rate, fr.pts = 44100, i * 1024
            for p in s.encode(fr):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return dst


def png_bytes(img: np.ndarray, ext: str = ".png") -> bytes:
    import cv2

    return cv2.imencode(ext, img[..., ::-1])[1].tobytes()


def plain_mp4(src: Path, dst: Path) -> Path:
    """The same frames in an MP4 with its index (moov) at the end, as most encoders write it."""
    frames, fps = frames_of(src)
    return encode(dst, frames, fps)


def faststart_mp4(src: Path, dst: Path) -> Path:
    """The same frames in an MP4 with its index at the front (as phones write it): a cut file still plays in part."""
    frames, fps = frames_of(src)
    return encode(dst, frames, fps, options={"movflags": "+faststart"})


def cut(src: Path, dst: Path, fraction: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def zero_stretch(src: Path, dst: Path, at: float, nbytes: int) -> Path:
    data = bytearray(src.read_bytes())
    start = int(len(data) * at)
    data[start:start + nbytes] = bytes(min(nbytes, len(data) - start))
    dst.write_bytes(bytes(data))
    return dst


# -- poses files -------------------------------------------------------------------------------------------------


def npz_with(base: Path, dst: Path, **changes) -> Path:
    """A copy of a poses file with arrays replaced (None: removed)."""
    with np.load(base, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    with open(dst, "wb") as f:  # np.savez would add ".npz" to odd names
        np.savez(f, **data)
    return dst


def source_json(base: Path, **changes) -> np.ndarray:
    with np.load(base, allow_pickle=False) as z:
        src = json.loads(str(z["source_json"]))
    src.update(changes)
    return np.asarray(json.dumps(src))


# -- checking ----------------------------------------------------------------------------------------------------


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under root (not following links): kind, size, mtime and link target; ``skip`` left out."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = here / name
            if skip is not None and p == skip:
                continue
            st = p.lstat()
            link = os.readlink(p) if p.is_symlink() else None
            out[str(p.relative_to(root))] = (st.st_mode >> 12, st.st_size, st.st_mtime_ns, link)
    return out


class Hang(BaseException):
    """A run took longer than its time limit (BaseException: nothing in the CLI may swallow it)."""


@contextmanager
def time_limit(seconds: int):
    def alarm(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_inprocess(*args: str | os.PathLike, timeout: int = 180) -> tuple[int, str, str]:
    """``formcheck ARGS`` in this process (no interpreter start-up): (exit code, stdout, stderr)."""
    from formcheck.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = logging.root.handlers[:]
    logging.root.handlers.clear()  # main() configures logging onto the stderr captured here
    code = None
    try:
        with redirect_stdout(out), redirect_stderr(err), time_limit(timeout):
            try:
                main([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code
    finally:
        logging.root.handlers[:] = saved
    return (code if isinstance(code, int) else 0 if code is None else 1), out.getvalue(), err.getvalue()


_PROGRESS = ("pose [", "pose ")


def assert_clear_failure(rc: int, out: str, err: str, *phrases: str) -> str:
    """Exit 2 with one ``formcheck:`` line naming the phrases; nothing else on stderr but usage or progress."""
    from test_cli_errors import assert_user_error

    assert "Traceback" not in out + err, err
    if "formcheck: error:" in err:  # argparse: usage above, a pointer to --help below
        return assert_user_error(rc, out, err, *phrases)
    assert "internal error" not in err, err
    assert rc == 2, f"exit {rc}; stderr:\n{err}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    msg_lines = [ln for ln in lines if ln.startswith("formcheck:")]
    assert len(msg_lines) == 1, f"expected one 'formcheck:' line, got:\n{err}"
    others = [ln for ln in lines if not ln.startswith(("formcheck:", *_PROGRESS))]
    assert not others, f"stderr holds more than the message:\n{err}"
    msg = msg_lines[0]
    for phrase in phrases:
        assert phrase.lower() in msg.lower(), f"{phrase!r} not in {msg!r}"
    return msg


def assert_success(rc: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err, err
    assert "internal error" not in err, err
    assert rc == 0, f"exit {rc}; stderr:\n{err}"


def make_all(folder: Path, makers: dict[str, Callable[[Path], Path]]) -> dict[str, Path]:
    return {name: make(folder) for name, make in makers.items()}


def python_api_error(call: Callable[[], object]) -> BaseException | None:
    """The exception a Python API call raised (None if it returned)."""
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - the test inspects exactly which type came out
        if isinstance(exc, (KeyboardInterrupt, Hang)):
            raise
        return exc
    return None

