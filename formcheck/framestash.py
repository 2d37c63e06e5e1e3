"""Frames kept from the pose pass for the annotated video, so a clip is decoded once, not twice.

Decoding is the largest cost on phone clips (a 1080x1920 60 fps H.264 stream costs about as much CPU to
decode as the pose model costs to run on every other frame), and the annotated video used to decode the
whole clip a second time. With a stash, the pose pass also scales each analysed picture to the annotated
video's size (the same scaling the second decode would do) and writes it to a temporary, visually
lossless H.264 file (x264 ultrafast, CRF 16) in the system temp folder; the render reads that back, which
costs a fraction of decoding the source. Without a stash (or when it does not fit), the render decodes the
source as before.

    with FrameStash(max_side=1280, max_short_side=720) as stash:
        result = analyze(path, stash=stash)
        write_outputs(result, out, source=path, stash=stash)
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

log = logging.getLogger(__name__)

STASH_CRF = 16  # visually lossless at 720p; the annotated video is encoded at 23 from it


@dataclass
class StashedFrame:
    """One frame read back from a stash (the fields the render reads of a decoded frame)."""

    index: int
    time_s: float
    image: np.ndarray


class FrameStash:
    """A temporary file of the analysed frames at the annotated video's size.

    Args:
        max_side, max_short_side: the annotated video's caps (see :data:`formcheck.render.video.VIDEO_SIZES`);
            None: no cap.
    """

    def __init__(self, max_side: int | None = 1280, max_short_side: int | None = 720):
        self.max_side, self.max_short_side = max_side, max_short_side
        self.size: tuple[int, int] | None = None
        self.indices: list[int] = []
        self.times: list[float] = []
        self.complete = False
        self._writer = None
        self._path: Path | None = None

    def decoder_max_side(self, width: int, height: int) -> int | None:
        """The ``keep_max_side`` for :class:`formcheck.video.FileSource` of a width x height video."""
        from .framesize import decoder_max_side

        return decoder_max_side(width, height, self.max_side, self.max_short_side)

    def add(self, index: int, time_s: float, image: np.ndarray) -> None:
        """Append one analysed frame (RGB, the annotated video's size)."""
        if self._writer is None:
            from .encode import VideoWriter

            fd, name = tempfile.mkstemp(prefix="formcheck-frames-", suffix=".mp4")
            os.close(fd)
            self._path = Path(name)
            h, w = image.shape[:2]
            self.size = (w, h)
            # The rate only sets the file's clock; frames are matched by their stored index and time.
            self._writer = VideoWriter(self._path, w, h, 30.0, crf=STASH_CRF, preset="ultrafast")
        self._writer.write(image)
        self.indices.append(int(index))
        self.times.append(float(time_s))

    def finish(self) -> None:
        """The pose pass is over: close the file (the frames can be read from now on)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self.complete = bool(self.indices)

    def fits(self, size: tuple[int, int]) -> bool:
        """Whether the stash holds a finished pass at this frame size."""
        return self.complete and self.size == tuple(size) and self._path is not None and self._path.exists()

    def frames(self) -> Iterator[StashedFrame]:
        """The stashed frames in order, with the index and time the pose pass gave them."""
        import av

        with av.open(str(self._path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            k = 0
            for frame in container.decode(stream):
                if k >= len(self.indices):
                    break
                img = frame.to_ndarray(format="rgb24")
                if self.size and (img.shape[1], img.shape[0]) != self.size:  # the writer padded an odd size
                    img = img[: self.size[1], : self.size[0]]
                yield StashedFrame(self.indices[k], self.times[k], img)
                k += 1
        if k < len(self.indices):
            log.warning("the frame stash gave %d of %d frames", k, len(self.indices))

    def close(self) -> None:
        """Delete the temporary file."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None
        self.complete = False

    def __enter__(self) -> "FrameStash":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
