"""Frames from a webcam (OpenCV), for live sets."""

from __future__ import annotations

import time
from typing import Iterator

from .errors import OptionError, VideoError
from .video import Frame, VideoInfo, inference_size


class CameraSource:
    """Frames from a webcam (OpenCV), stamped with a monotonic clock from the first frame.

    Args:
        index: camera number (0 is the default camera).
        max_side: resize so the longer side is at most this many pixels.
    """

    def __init__(self, index: int = 0, *, max_side: int | None = 640):
        import cv2

        if index < 0:
            raise OptionError(f"--camera must be 0 or more, got {index}.")
        # OpenCV prints its own "[ERROR] ... Camera index out of range" lines; our message below says it better.
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            self._cap = cv2.VideoCapture(index)
            opened = self._cap.isOpened()
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not opened:
            raise VideoError(
                f"Camera {index} could not be opened. Check it is connected and not used by another app, "
                "or try another number with --camera."
            )
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)
        w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.size = inference_size(w, h, max_side)
        self.info = VideoInfo(f"camera:{index}", self.size[0], self.size[1], fps, 0, 0.0, 0, "camera")

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        t0 = None
        i = 0
        while True:
            ok, bgr = self._cap.read()
            if not ok:
                return
            now = time.monotonic()
            t0 = now if t0 is None else t0
            if (bgr.shape[1], bgr.shape[0]) != self.size:
                bgr = cv2.resize(bgr, self.size, interpolation=cv2.INTER_AREA)
            yield Frame(i, now - t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            i += 1

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> "CameraSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
