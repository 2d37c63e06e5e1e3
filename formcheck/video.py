"""Video in: files decoded frame by frame (cameras: :mod:`formcheck.camera`; the H.264 writer: :mod:`formcheck.encode`).

Files are decoded with PyAV (threaded decoding), timestamps come from the
container (phone video is often variable frame rate), rotation metadata is
applied so portrait clips stand upright, and frames are resized *during* the
colour conversion (one swscale call) so full-size frames are never kept.

High frame rates (phones film at 60, 120 or 240 fps) are strided to at most
``max_fps`` frames per second (see :mod:`formcheck.stride`):
only the frames kept are converted, and H.264 pictures that no other picture
refers to are not decoded at all when they are not kept.

Frames are RGB ``uint8`` arrays of shape (H, W, 3).
"""

from __future__ import annotations

import logging
import math
import numbers
import queue
import threading
from dataclasses import dataclass, asdict
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from .damage import DecodeWatch
from .errors import OptionError, VideoError
from .stride import FramePicker, frame_stride

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv", ".gif")
#: Frames analysed per second of video at most, by default: 30 fps resolves tempo phases to ~33 ms, finer
#: than the phases' own uncertainty, and halves (60 fps) to eighths (240 fps) the work on phone footage.
DEFAULT_MAX_FPS = 30.0
_HOW_TO_FIX = "Export or re-record it as MP4 (H.264), the format every phone can save."


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, as displayed (after rotation).

    Attributes:
        path: the file.
        width, height: displayed frame size in pixels (rotation applied).
        fps: average frame rate as a float (29.97 stays 29.97).
        frame_count: frames in the stream as the container states it, or an
            estimate from duration * fps when it does not (0 if unknown).
        duration_s: stream duration in seconds (0.0 if unknown).
        rotation_deg: clockwise rotation applied to stored frames to display them.
        codec: the video codec's name.
    """

    path: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    rotation_deg: int
    codec: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Frame:
    """One decoded, oriented (and possibly resized) frame.

    Attributes:
        index: 0-based position in the file's video stream (counted from the
            first frame, also when ``start_s`` skips ahead).
        time_s: presentation time in seconds on the file's own clock (first frame ~0).
        image: RGB uint8 array (H, W, 3).
    """

    index: int
    time_s: float
    image: np.ndarray


def _check_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise VideoError(f"No file at '{p}'. Check the path and try again.")
    if p.is_dir():
        raise VideoError(f"'{p}' is a folder, not a video file. Give the path of a video file.")
    if p.suffix.lower() not in VIDEO_EXTENSIONS:
        raise VideoError(
            f"'{p.name}' is not a supported video type (got '{p.suffix or 'no extension'}'; "
            f"expected one of {', '.join(VIDEO_EXTENSIONS)}). {_HOW_TO_FIX}"
        )
    if p.stat().st_size == 0:
        raise VideoError(f"'{p.name}' is empty (0 bytes). The upload or copy may have failed: copy the file again.")
    return p


def _open_container(p: Path):
    import av

    try:
        container = av.open(str(p), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoError(
            f"'{p.name}' could not be read as a video ({_reason(exc)}). "
            f"The file may be corrupt or not really a video. {_HOW_TO_FIX}"
        ) from None
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["nothing"]
        container.close()
        raise VideoError(
            f"'{p.name}' has no video track (it holds {', '.join(kinds)}). "
            "formcheck needs a video of the lifter; record one with the camera app."
        )
    return container


def _stream_rotation(stream) -> int:
    """Rotation (deg, clockwise to display) from stream side data / metadata; 0 when absent."""
    rot = stream.metadata.get("rotate") if stream.metadata else None
    if rot is not None:
        try:
            return int(float(rot)) % 360
        except ValueError:
            pass
    return 0


def _frame_rotation(frame) -> int:
    """Clockwise display rotation of a decoded frame (PyAV reports the display matrix CCW)."""
    try:
        ccw = int(round(frame.rotation or 0))
    except Exception:  # older PyAV without side data
        return 0
    return (-ccw) % 360


def _rotate(img: np.ndarray, cw_deg: int) -> np.ndarray:
    if cw_deg == 90:
        return np.ascontiguousarray(np.rot90(img, k=-1))
    if cw_deg == 180:
        return np.ascontiguousarray(img[::-1, ::-1])
    if cw_deg == 270:
        return np.ascontiguousarray(np.rot90(img, k=1))
    return img


def _fps_of(stream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            value = float(rate)
            if 0.5 < value < 1000:
                return value
    return 30.0


def _stream_end_s(container, stream) -> float | None:
    """Where the video stream should end on the clip's clock, from the header; None when it does not say.

    The container's duration is used only when the file holds nothing but the video (an audio track may run
    longer than the picture).
    """
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration and len(container.streams) == 1:
        return container.duration / 1_000_000
    return None


def _reason(exc: Exception) -> str:
    """FFmpeg's words for an error, without the file path PyAV appends (server paths must not reach users)."""
    import av

    if isinstance(exc, av.error.FFmpegError):
        return exc.strerror or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {exc}"


def probe(path: str | Path) -> VideoInfo:
    """Read a video's header (and its first frame, for rotation and size).

    Raises:
        VideoError: missing file, unsupported type, no video track, undecodable, no frames.
    """
    p = _check_path(path)
    container = _open_container(p)
    try:
        stream = container.streams.video[0]
        fps = _fps_of(stream)
        duration_s = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
        if not duration_s and container.duration:
            duration_s = container.duration / 1_000_000
        first = None
        watch = DecodeWatch(fps, None)
        try:
            for first in watch.frames_of(container, stream):  # the first decodable frame
                break
        except Exception as exc:  # av.error.FFmpegError and friends
            raise VideoError(
                f"'{p.name}' could not be decoded (codec '{stream.codec_context.name}': {_reason(exc)}). "
                f"{_HOW_TO_FIX}"
            ) from None
        if first is None and watch.rejected:
            raise VideoError(f"'{p.name}' could not be decoded: none of its frames is readable. The file may be "
                             f"corrupt or cut off. {_HOW_TO_FIX}")
        if first is None:
            raise VideoError(f"'{p.name}' contains no video frames. Record or export the clip again.")
        rotation = _frame_rotation(first) or _stream_rotation(stream)
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        count = int(stream.frames or 0) or int(round(duration_s * fps))
        return VideoInfo(str(p), w, h, fps, count, duration_s, rotation, stream.codec_context.name)
    finally:
        container.close()


def inference_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Size to resize a (width, height) frame to so its long side is <= max_side (even numbers)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    # Rounding to even numbers may go up by one pixel; never past max_side (an odd max_side would be exceeded).
    limit = max(2, max_side - max_side % 2)
    return (min(limit, max(2, int(round(width * scale / 2)) * 2)),
            min(limit, max(2, int(round(height * scale / 2)) * 2)))


class FileSource:
    """Iterate the frames of a video file, oriented, trimmed, strided and resized.

    Use as a context manager or call :meth:`close`. Iterating decodes in a
    background thread (bounded queue) so decoding overlaps the caller's work.

    Args:
        path: video file.
        start_s, end_s: keep frames with start_s <= t < end_s (seconds on the file's clock).
        max_side: resize so the longer side is at most this many pixels (None: full size).
        prefetch: frames decoded ahead in the background thread (0: decode in the caller's thread).
        max_fps: keep about this many frames per second at most (every ``stride``-th frame, see
            :func:`frame_stride`); None or 0 keeps every frame.

    Attributes:
        stride: 1 when every frame is kept, else n (about every n-th frame is kept).
        analysed_fps: the rate of the frames yielded (``info.fps / stride``).
    """

    def __init__(self, path: str | Path, *, start_s: float | None = None, end_s: float | None = None,
                 max_side: int | None = None, prefetch: int = 8, max_fps: float | None = None):
        for name, value in (("--start", start_s), ("--end", end_s)):
            if value is not None and not (isinstance(value, numbers.Real) and math.isfinite(value)):
                raise OptionError(f"{name} must be a number of seconds such as 12.5, got {value!r}.")
        if start_s is not None and start_s < 0:
            raise OptionError(f"--start must be 0 or more seconds, got {start_s}.")
        if end_s is not None and end_s <= 0:
            raise OptionError(f"--end must be more than 0 seconds, got {end_s}.")
        if start_s is not None and end_s is not None and end_s <= start_s:
            raise OptionError(f"--end ({end_s} s) must come after --start ({start_s} s).")
        self.info = probe(path)
        if start_s is not None and self.info.duration_s and start_s >= self.info.duration_s:
            raise OptionError(
                f"--start {start_s} s is past the end of the video ({self.info.duration_s:.1f} s long). "
                "Choose an earlier start."
            )
        self.start_s = start_s
        self.end_s = end_s
        self.size = inference_size(self.info.width, self.info.height, max_side)
        self.prefetch = prefetch
        if max_fps is not None and max_fps < 0:
            raise OptionError(f"--max-fps must be 0 (every frame) or more, got {max_fps}.")
        self.max_fps = max_fps
        self.stride = frame_stride(self.info.fps, max_fps)
        self.analysed_fps = self.info.fps / self.stride
        self.skipped_packets = 0
        self._container = None
        self._stop = threading.Event()

    # -- iteration ---------------------------------------------------------
    def _decode(self) -> Iterator[Frame]:
        import av
        from av.video.reformatter import VideoReformatter

        p = Path(self.info.path)
        container = _open_container(p)
        self._container = container
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = stream.time_base or Fraction(1, 1000)
        t0 = float(stream.start_time * tb) if stream.start_time is not None else None
        rot = self.info.rotation_deg
        # Size to ask swscale for, in the *stored* orientation.
        out_w, out_h = self.size if rot not in (90, 270) else self.size[::-1]
        if self.start_s:
            try:
                container.seek(int(max(0.0, self.start_s - 1.0) / tb) + (stream.start_time or 0),
                               stream=stream, backward=True, any_frame=False)
            except av.error.FFmpegError:
                container.seek(0)
        fps = self.info.fps
        index = -1
        last_t = None
        # Striding decodes about every stride-th frame on purpose: the watch expects frames at that rate.
        watch = self._watch = DecodeWatch(self.analysed_fps, _stream_end_s(container, stream),
                                          from_start=not self.start_s)
        requested_end = False
        # Scalers made once per file (frame.to_ndarray(width=, ...) builds a swscale context and its
        # thread pool for every frame), single-threaded: this thread already runs beside the pose model.
        # Resize in YUV 4:2:0 first, then convert the small frame to RGB: one combined swscale call
        # costs ~3.7 ms per 1080p frame, the two steps ~1.4 ms (benchmarks/RESULTS.md).
        scale_yuv, to_rgb = VideoReformatter(), VideoReformatter()
        picker = FramePicker(stream, fps, self.stride, t0, self.start_s) if self.stride > 1 else None
        try:
            # Skips (and counts) what cannot be decoded; packets the picker does not need are never decoded.
            for frame in watch.frames_of(container, stream, picker.skip_packet if picker is not None else None):
                if self._stop.is_set():
                    return
                if frame.pts is not None:
                    t_abs = float(frame.pts * tb)
                    if t0 is None:
                        t0 = t_abs
                        if picker is not None:
                            picker.t0 = t0
                    t = t_abs - t0
                    index = int(round(t * fps)) if index < 0 or picker is not None else index + 1
                else:
                    index += 1
                    t = index / fps
                if last_t is not None and t <= last_t:
                    # Broken or duplicated pts: keep the clock strictly increasing.
                    t = last_t + 1e-3
                watch.decoded(t)
                if self.start_s is not None and t < self.start_s - 1e-6:
                    continue
                if self.end_s is not None and t >= self.end_s - 1e-6:
                    requested_end = True
                    break
                if picker is not None and not picker.keep(index):
                    continue
                last_t = t
                if (frame.width, frame.height) != (out_w, out_h) and frame.format.name.startswith(("yuv", "nv")):
                    frame = scale_yuv.reformat(frame, out_w, out_h, "yuv420p", dst_color_range=frame.color_range,
                                               threads=1)
                img = to_rgb.reformat(frame, out_w, out_h, "rgb24", threads=1).to_ndarray()
                yield Frame(index, t, _rotate(img, rot))
        except av.error.FFmpegError as exc:
            if last_t is None:
                raise VideoError(
                    f"'{p.name}' could not be decoded ({_reason(exc)}). The file may be corrupt. {_HOW_TO_FIX}"
                ) from None
            log.warning("decoding stopped early at %.2f s: %s (using the frames read so far)", last_t, _reason(exc))
        else:
            if watch.frames == 0 and watch.rejected:
                raise VideoError(f"'{p.name}' could not be decoded: none of its frames is readable. The file may be "
                                 f"corrupt. {_HOW_TO_FIX}")
        finally:
            if not self._stop.is_set():
                watch.finish(reached_requested_end=requested_end)
            if picker is not None:
                self.skipped_packets = picker.skipped_packets
            container.close()
            self._container = None

    def decode_problems(self) -> dict | None:
        """After a full pass: what could not be decoded (see :mod:`formcheck.damage`), or None if all was read."""
        watch = getattr(self, "_watch", None)
        return watch.report() if watch is not None else None

    def __iter__(self) -> Iterator[Frame]:
        if self.prefetch <= 0:
            yield from self._decode()
            return
        q: queue.Queue = queue.Queue(maxsize=self.prefetch)
        done = object()

        def worker():
            try:
                for fr in self._decode():
                    while not self._stop.is_set():
                        try:
                            q.put(fr, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if self._stop.is_set():
                        return
                q.put(done)
            except BaseException as exc:  # hand the error to the consumer's thread
                q.put(exc)

        th = threading.Thread(target=worker, name="formcheck-decode", daemon=True)
        th.start()
        try:
            while True:
                item = q.get()
                if item is done:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            th.join(timeout=5)
            self._stop.clear()

    def close(self) -> None:
        self._stop.set()

    def __enter__(self) -> "FileSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_video(path: str | Path, **kwargs) -> FileSource:
    """Open a video file for iteration; see :class:`FileSource` for options."""
    return FileSource(path, **kwargs)
