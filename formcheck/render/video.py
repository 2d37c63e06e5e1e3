"""The annotated MP4 and the per-rep key frames.

Rendering never holds the video in memory: :func:`render_video` makes a second
decode pass over the source with :func:`formcheck.video.open_video` (resized by
the decoder, and strided like the pose pass so only the analysed frames are
decoded), matches decoded frames to analysed frames by ``frame_index`` (falling
back to time), and writes one output frame per analysed frame (per n-th analysed
frame when the analysis ran faster than the video's frame-rate cap).
Key frames are grabbed in the same pass, or by seeking (:func:`render_keyframes`)
when there is no video to write.

Default size and rate: at most 1280x720 (long x short side, portrait clips stay
portrait) and 30 fps (:data:`VIDEO_SIZES`; "source" keeps the original size and
every analysed frame). A phone's 1080p or 4K frame costs several times as much to
draw and encode as a 720p one, and shows nothing more of the form.

Coordinates: landmarks in :class:`formcheck.series.PoseSeries` are pixels in the
displayed (rotation-corrected) full-size frame; they are scaled to the output
size here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from ..errors import OptionError
from ..result import AnalysisResult
from ..stride import frame_stride
from ..encode import VideoWriter
from ..video import inference_size, open_video
from .annotators import Annotator, annotate_frame, default_annotators
from .timeline import OverlayTimeline

log = logging.getLogger(__name__)


#: Annotated video limits by name: (long side px, short side px, frames per second); None: the source's.
VIDEO_SIZES: dict[str, tuple[int | None, int | None, float | None]] = {
    "720p": (1280, 720, 30.0),
    "1080p": (1920, 1080, 30.0),
    "source": (None, None, None),
}
DEFAULT_VIDEO_SIZE = "720p"
VIDEO_MAX_SIDE, VIDEO_MAX_SHORT_SIDE, VIDEO_MAX_FPS = VIDEO_SIZES[DEFAULT_VIDEO_SIZE]


def video_limits(name: str) -> dict:
    """``max_side``, ``max_short_side`` and ``max_fps`` for :func:`render_video` from a name of :data:`VIDEO_SIZES`.

    Raises:
        OptionError: an unknown name.
    """
    if name not in VIDEO_SIZES:
        raise OptionError(f"Unknown video size '{name}'. Use one of: {', '.join(VIDEO_SIZES)}.")
    max_side, max_short_side, max_fps = VIDEO_SIZES[name]
    return {"max_side": max_side, "max_short_side": max_short_side, "max_fps": max_fps}


def _side_cap(width: int, height: int, max_side: int | None, max_short_side: int | None) -> int | None:
    long_side, short_side = max(width, height), min(width, height)
    cap = max_side or long_side
    if max_short_side and short_side > max_short_side:
        cap = min(cap, int(long_side * max_short_side / short_side))
    return cap


def output_size(width: int, height: int, max_side: int | None = 1920,
                max_short_side: int | None = 1080) -> tuple[int, int]:
    """Frame size for the annotated video: the source's, capped at max_side (long) and max_short_side (short).

    None for a cap means no cap. Returns even (width, height), as the decoder produces for
    ``open_video(max_side=decoder_max_side(...))``.
    """
    return inference_size(width, height, _side_cap(width, height, max_side, max_short_side))


def decoder_max_side(width: int, height: int, max_side: int | None = 1920,
                     max_short_side: int | None = 1080) -> int | None:
    """The ``max_side`` to give :func:`formcheck.video.open_video` so frames come out at :func:`output_size`."""
    cap = _side_cap(width, height, max_side, max_short_side)
    return None if max(width, height) <= cap else cap


def _analysed_rate(series) -> tuple[float, float | None]:
    """(frames per second of the analysed series, the pose pass's max_fps) from its provenance."""
    src = series.source or {}
    rate = src.get("analysed_fps") or series.fps
    return float(rate), src.get("max_fps")


@dataclass(frozen=True)
class KeyframeTarget:
    """One key frame to save.

    Attributes:
        name: file stem, e.g. 'rep01_top' or 'rep03_shrug'.
        frame: index into the analysed series.
        rep: rep number.
        fault: the fault shown (None for a rep's top).
        time_s: the moment wanted (s on the video's clock).
    """

    name: str
    frame: int
    rep: int
    fault: str | None
    time_s: float


def keyframe_targets(result: AnalysisResult, timeline: OverlayTimeline | None = None) -> list[KeyframeTarget]:
    """One key frame per rep at the top of the pull (peak_s), plus one per fault at its worst moment."""
    tl = timeline
    times = result.series.times_s
    if not len(times):
        return []

    def nearest(t: float) -> int:
        if tl is not None:
            return tl.nearest(t)
        return int(np.argmin(np.abs(times - t)))

    def first_at(t: float) -> int:
        # The top: the first frame at or after peak_s (the hold has begun), not the last of the concentric.
        return min(int(np.searchsorted(times, t - 1e-6)), len(times) - 1)

    out = []
    for ra in result.assessed:
        r = ra.rep
        out.append(KeyframeTarget(f"rep{r.index:02d}_top", first_at(r.peak_s), r.index, None, float(r.peak_s)))
        for f in ra.findings:
            out.append(KeyframeTarget(f"rep{r.index:02d}_{f.name}", nearest(f.worst_s), r.index, f.name,
                                      float(f.worst_s)))
    return out


#: Key frames are saved with the long side at most this (pixels): sharp in the report and quick to write
#: (a 1080p PNG took ~0.2-0.5 s to encode here).
KEYFRAME_MAX_SIDE = 1280


def _write_png(path: Path, rgb: np.ndarray) -> None:
    # Level 1: about as small as level 3 on camera footage, and faster.
    ok = cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise OSError(f"could not write {path}")


class _KeyframeSaver:
    """Saves annotated key frames (PNG) for the targets, drawn at the key frame size.

    Args:
        targets: what to save.
        out_dir: folder for the PNGs (created when there are targets).
        result: the analysis.
        size: (width, height) the key frames are saved at; frames given to :meth:`save` are resized to it.
        timeline, annotators: reused when already configured for ``size`` (else made here).
    """

    def __init__(self, targets: Sequence[KeyframeTarget], out_dir: Path, result: AnalysisResult,
                 size: tuple[int, int], timeline: OverlayTimeline | None = None,
                 annotators: Sequence[Annotator] | None = None):
        self.by_frame: dict[int, list[KeyframeTarget]] = {}
        for t in targets:
            self.by_frame.setdefault(t.frame, []).append(t)
        self.out_dir = out_dir
        self.size = (int(size[0]), int(size[1]))
        same = timeline is not None and timeline.size == self.size
        self.timeline = timeline if same else OverlayTimeline(result, self.size)
        self.annotators = annotators if same and annotators is not None else default_annotators(result, self.size)
        self.paths: dict[str, Path] = {}
        if targets:
            out_dir.mkdir(parents=True, exist_ok=True)

    def wants(self, j: int) -> bool:
        return j in self.by_frame

    def save(self, j: int, raw: np.ndarray) -> None:
        """Annotate and write the key frames of analysed frame j from its raw (unannotated) RGB image."""
        if (raw.shape[1], raw.shape[0]) != self.size:
            raw = cv2.resize(raw, self.size, interpolation=cv2.INTER_AREA)
        for t in self.by_frame.get(j, ()):
            img = annotate_frame(raw.copy(), self.timeline.state(j, focus=t.fault), self.annotators)
            path = self.out_dir / f"{t.name}.png"
            _write_png(path, img)
            self.paths[t.name] = path


def _x264_preset(width: int, height: int) -> str:
    """x264's fastest preset: encoding is most of the render cost (on real 720p footage ultrafast took
    8.7 ms CPU per frame against 12.9 ms for superfast; see benchmarks/render_overhead.py). Files come out
    about twice as large, which is still small for a set (a few MB)."""
    return "ultrafast"


def _decode_range(result: AnalysisResult) -> tuple[float | None, float | None]:
    """The start/end the pose pass used (decoding the same range gives the same frame numbering)."""
    src = result.series.source or {}
    start = src.get("start_s", result.options.get("start_s") if result.options else None)
    end = src.get("end_s", result.options.get("end_s") if result.options else None)
    return start, end


@dataclass
class RenderOutput:
    """What :func:`render_video` / :func:`render_keyframes` wrote.

    Attributes:
        video: the annotated MP4 (None when not written).
        keyframes: key frame name -> PNG path.
        frames_written: frames in the video.
        filled: analysed frames the second decode did not yield (the previous frame was repeated).
        size: (width, height) of the output frames.
        elapsed_s: wall time of the pass.
    """

    video: Path | None
    keyframes: dict[str, Path] = field(default_factory=dict)
    frames_written: int = 0
    filled: int = 0
    size: tuple[int, int] = (0, 0)
    elapsed_s: float = 0.0


ProgressFn = Callable[[int, int, float], None]


def render_video(result: AnalysisResult, source: str | Path, out_path: str | Path, *,
                 keyframes_dir: str | Path | None = None, max_side: int | None = VIDEO_MAX_SIDE,
                 max_short_side: int | None = VIDEO_MAX_SHORT_SIDE, max_fps: float | None = VIDEO_MAX_FPS,
                 annotators: Sequence[Annotator] | None = None, progress: ProgressFn | None = None,
                 crf: int = 23) -> RenderOutput:
    """Write the annotated video (and, optionally, key frames) in one decode pass over the source.

    Args:
        result: the analysis of ``source``.
        source: the original video file.
        out_path: the .mp4 to write (H.264, yuv420p, even size, +faststart; the analysed frame rate, capped).
        keyframes_dir: also save key frames here (see :func:`keyframe_targets`; long side at most
            :data:`KEYFRAME_MAX_SIDE`); None to skip.
        max_side, max_short_side: caps on the output's long and short side in pixels (None: no cap).
        max_fps: cap on the output's frame rate: when the analysis ran faster, every n-th analysed frame is
            written (None: every analysed frame).
        annotators: overlay to draw (default: :func:`default_annotators`).
        progress: called as progress(frames_done, frames_total, elapsed_s).
        crf: x264 quality (lower is better).

    Returns:
        What was written; the video has one frame per analysed frame (per n-th under ``max_fps``).

    Raises:
        VideoError: the source cannot be decoded.
    """
    t_start = time.perf_counter()
    series = result.series
    n = len(series)
    w0, h0 = series.frame_size
    size = output_size(w0, h0, max_side, max_short_side)
    dec_max = decoder_max_side(w0, h0, max_side, max_short_side)
    start_s, end_s = _decode_range(result)
    rate, pose_max_fps = _analysed_rate(series)
    every = frame_stride(rate, max_fps)  # write every n-th analysed frame
    # Decode the frames the pose pass analysed (same stride), so indices and times match exactly.
    src = open_video(source, start_s=start_s, end_s=end_s, max_side=dec_max, max_fps=pose_max_fps)
    if tuple(src.size) != size:
        # The file's displayed size differs from the one the poses were measured on: draw on what we decode.
        log.warning("source decodes at %dx%d, poses were measured at %dx%d: scaling the overlay",
                    src.size[0], src.size[1], w0, h0)
        size = tuple(src.size)
    timeline = OverlayTimeline(result, size)
    annotators = list(annotators) if annotators is not None else default_annotators(result, size)
    saver = None
    if keyframes_dir is not None:
        kf_size = output_size(size[0], size[1], min(max_side or KEYFRAME_MAX_SIDE, KEYFRAME_MAX_SIDE), None)
        saver = _KeyframeSaver(keyframe_targets(result, timeline), Path(keyframes_dir), result, kf_size, timeline,
                               annotators)
    out = Path(out_path)
    idx, times = series.frame_index, series.times_s
    tol = 0.5 / (series.fps or src.info.fps)  # half a source frame: decoded and analysed frames match exactly
    j = 0
    filled = 0
    last: np.ndarray | None = None
    with VideoWriter(out, size[0], size[1], rate / every, crf=crf, preset=_x264_preset(*size)) as writer, src:

        def emit(image: np.ndarray | None) -> None:
            nonlocal j, last, filled
            if image is None:  # an analysed frame this decode did not yield: keep the timing, repeat the last
                if j % every == 0:
                    filled += 1
                    writer.write(last if last is not None else np.zeros((size[1], size[0], 3), np.uint8))
            else:
                if saver is not None and saver.wants(j):
                    saver.save(j, image)
                if j % every == 0:
                    img = annotate_frame(image, timeline.state(j), annotators)
                    writer.write(img)
                    last = img
            j += 1
            if progress is not None and (j % 15 == 0 or j == n):
                progress(j, n, time.perf_counter() - t_start)

        for fr in src:
            if j >= n:
                break
            while j < n and idx[j] < fr.index and times[j] < fr.time_s - tol:
                emit(None)
            if j >= n:
                break
            if idx[j] == fr.index or abs(times[j] - fr.time_s) <= tol:
                emit(fr.image)
            # else: a frame outside the analysed set (before the first analysed frame): not written
        while j < n:
            emit(None)
        frames = writer.frames_written
    if filled:
        log.warning("%d of %d analysed frames were not decoded again; repeated the previous frame", filled, n)
    elapsed = time.perf_counter() - t_start
    log.info("annotated video: %d frames %dx%d in %.2f s (%.0f frames/s) -> %s", frames, size[0], size[1],
             elapsed, frames / max(elapsed, 1e-9), out)
    return RenderOutput(out, saver.paths if saver else {}, frames, filled, size, elapsed)


def render_keyframes(result: AnalysisResult, source: str | Path, out_dir: str | Path, *,
                     max_side: int | None = VIDEO_MAX_SIDE, max_short_side: int | None = VIDEO_MAX_SHORT_SIDE,
                     annotators: Sequence[Annotator] | None = None) -> RenderOutput:
    """Save the key frames only, seeking to each (a cheap pass for when no video is written).

    Targets less than 2 s apart share one decode run; each run seeks to the keyframe before it. Frames are
    decoded straight at the key frame size (long side at most :data:`KEYFRAME_MAX_SIDE`).

    Args:
        result: the analysis of ``source``.
        source: the original video file.
        out_dir: folder for the PNGs (created when there is anything to save).
        max_side, max_short_side: caps on the long and short side (None: no cap), as for the video.
        annotators: overlay to draw, configured for the key frame size (default: :func:`default_annotators`).

    Returns:
        The key frames written (name -> path).
    """
    t_start = time.perf_counter()
    series = result.series
    w0, h0 = series.frame_size
    cap = min(max_side or KEYFRAME_MAX_SIDE, KEYFRAME_MAX_SIDE)
    size = output_size(w0, h0, cap, max_short_side)
    dec_max = decoder_max_side(w0, h0, cap, max_short_side)
    timeline = OverlayTimeline(result, size)
    targets = keyframe_targets(result, timeline)
    if not targets:
        return RenderOutput(None, {}, 0, 0, size, 0.0)
    saver = _KeyframeSaver(targets, Path(out_dir), result, size, timeline,
                           list(annotators) if annotators is not None else None)
    times = series.times_s
    wanted = sorted({t.frame for t in targets})
    tol = 0.5 / (series.fps or 30.0)
    # Group frames into runs: one seek per run.
    runs: list[list[int]] = []
    for j in wanted:
        if runs and times[j] - times[runs[-1][-1]] < 2.0:
            runs[-1].append(j)
        else:
            runs.append([j])
    for run in runs:
        pending = list(run)
        try:
            src = open_video(source, start_s=max(0.0, float(times[run[0]]) - tol), end_s=float(times[run[-1]]) + tol,
                             max_side=dec_max, prefetch=0)
        except OptionError as exc:  # the poses do not belong to this file (times past its end)
            log.warning("key frames at %.2f-%.2f s not taken: %s", times[run[0]], times[run[-1]], exc)
            continue
        with src:
            for fr in src:
                if not pending:
                    break
                if abs(fr.time_s - times[pending[0]]) <= tol or fr.index == series.frame_index[pending[0]]:
                    saver.save(pending.pop(0), fr.image)
                while pending and fr.time_s > times[pending[0]] + tol:
                    log.warning("key frame at %.2f s not found in the video", times[pending.pop(0)])
        for j in pending:
            log.warning("key frame at %.2f s not found in the video", times[j])
    elapsed = time.perf_counter() - t_start
    log.info("%d key frames in %.2f s (%d seeks)", len(saver.paths), elapsed, len(runs))
    return RenderOutput(None, saver.paths, 0, 0, size, elapsed)
