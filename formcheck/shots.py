"""Shots and frozen stills in a video, read during the pose pass (no extra decode).

Hard cuts come from PySceneDetect's AdaptiveDetector (a well-kept detector) fed a
small copy of each analysed frame: a frame whose content change stands out from its
neighbours' (a cut between two angles of the same room changes the picture less than
a fixed threshold expects, but far more than the frames around it); frozen stills are runs of frames that repeat
one image (an edited freeze-frame), found by comparing small greyscale copies.
Both go into the poses' provenance (``series.source["cuts_s"]`` and
``["frozen_s"]``), where :mod:`formcheck.analysis.setwindow` reads them.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Frames are compared at this long side (pixels): enough for cuts and stills, cheap per frame.
THUMB_SIDE = 160
#: Consecutive frames repeat the image when almost no pixel changes by more than FROZEN_LEVELS (of 255):
#: inside real edited stills at most 0.2 % of a thumbnail's pixels moved that much (encoder refreshes).
FROZEN_LEVELS = 8
FROZEN_MAX_FRACTION = 0.002
#: A still must last this long to be an edited one: a tripod clip of a lifter holding still repeated its
#: image for up to 1.2 s, the edited stills measured lasted 2.2 s.
FROZEN_MIN_S = 1.5


#: AdaptiveDetector: a cut's content change is at least ADAPTIVE_RATIO x the mean of its neighbours' and at
#: least MIN_CONTENT_VAL. A synthetic cut from a front to a side view in the same room scored 13 (neighbours
#: ~0.05), under ContentDetector's fixed 27; on the ten real clips (hand-held ones included) both settings
#: find the same four cuts and nothing else.
ADAPTIVE_RATIO = 3.0
MIN_CONTENT_VAL = 8.0


class ShotWatcher:
    """Feed it the analysed frames in order; :meth:`result` gives the cuts and the frozen stills.

    Args:
        fps: the analysed frame rate (sets PySceneDetect's shortest shot to ~0.5 s).
    """

    def __init__(self, fps: float):
        from scenedetect.detectors import AdaptiveDetector

        self._det = AdaptiveDetector(adaptive_threshold=ADAPTIVE_RATIO, min_content_val=MIN_CONTENT_VAL,
                                     min_scene_len=max(2, int(round(0.5 * fps))))
        self._n = 0
        self._times: list[float] = []
        self._prev: np.ndarray | None = None
        self._cut_frames: list[int] = []
        self._same: list[bool] = []  # frame i repeats frame i-1

    def feed(self, time_s: float, rgb: np.ndarray) -> None:
        """One frame (RGB uint8, any size) at its time on the video's clock."""
        h, w = rgb.shape[:2]
        scale = THUMB_SIDE / max(h, w)
        small = cv2.resize(rgb, (max(2, int(w * scale)), max(2, int(h * scale))), interpolation=cv2.INTER_AREA)
        bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
        self._cut_frames += [int(c) for c in self._det.process_frame(self._n, bgr)]
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.int16)
        if self._prev is not None and self._prev.shape == grey.shape:
            changed = float((np.abs(grey - self._prev) > FROZEN_LEVELS).mean())
            self._same.append(changed < FROZEN_MAX_FRACTION)
        else:
            self._same.append(False)
        self._prev = grey
        self._times.append(float(time_s))
        self._n += 1

    def result(self) -> dict:
        """{"cuts_s": [time of the first frame of each new shot], "frozen_s": [[start_s, end_s], ...]}."""
        t = self._times
        self._cut_frames += [int(c) for c in (self._det.post_process(self._n) or [])]
        cuts = sorted({t[i] for i in self._cut_frames if 0 < i < len(t)})
        frozen, start = [], None
        for i, same in enumerate(self._same + [False]):
            if same and start is None:
                start = i - 1  # the frame repeated is the still's first
            elif not same and start is not None:
                a, b = t[start], t[i - 1]
                if b - a >= FROZEN_MIN_S:
                    frozen.append([round(a, 4), round(b, 4)])
                start = None
        return {"cuts_s": [round(c, 4) for c in cuts], "frozen_s": frozen}
