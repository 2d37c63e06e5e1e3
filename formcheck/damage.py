"""Damaged video: which frames could not be decoded, where, and whether the analysis can still be trusted.

A partly corrupt or truncated file still decodes in part. :class:`DecodeWatch` sits in the decode loop of
:class:`formcheck.video.FileSource`: packets the decoder rejects are skipped (decoding goes on after them),
frames the decoder marks as corrupt are dropped, and holes in the timestamps and an early end (the file stops
before the duration its header states) are noted. :meth:`DecodeWatch.report` is a small JSON-able dict that
travels with the poses (``PoseSeries.source["decode_problems"]``) and :func:`describe` turns it into the
warning the result shows. Frames skipped on purpose (trimming, striding) are not decoded-and-lost, so they are
never counted here.
"""

from __future__ import annotations

import logging
import math
from typing import Iterator

log = logging.getLogger(__name__)

#: A hole between two decoded frames with no decoder error inside counts as damage only when it is longer than
#: this many frame intervals and this many seconds (phones record at a variable rate: short hiccups are normal).
SILENT_GAP_FRAMES = 3.5
SILENT_GAP_S = 0.25
#: Holes up to this long, adding up to at most this share of the frames, are bridged by the gap filling of the
#: analysis without changing rep counts or phases much: the result is still called reliable.
RELIABLE_HOLE_S = 0.5
RELIABLE_SHARE = 0.05


class DecodeWatch:
    """Notes what could not be decoded while one file is read front to back.

    Args:
        fps: the stream's frame rate.
        expected_end_s: where the stream should end on the clip's clock (its header duration), None if unknown.
        from_start: decoding starts at the file's first frame (not after a seek), so frames lost before the
            first decoded one are noticed too.
    """

    def __init__(self, fps: float, expected_end_s: float | None, *, from_start: bool = True):
        self.fps = fps
        self.expected_end_s = expected_end_s
        self.from_start = from_start
        self.frames = 0
        self.first_s: float | None = None
        self.last_s: float | None = None
        self.rejected = 0  # packets the decoder refused plus frames it marked corrupt
        self._pending = 0  # rejected since the last good frame
        self.holes: list[list[float]] = []  # [first_s, last_s, frames]: times of the first and last lost frame
        self.truncated_at_s: float | None = None
        self.finished = False

    def frames_of(self, container, stream, skip=None) -> Iterator:
        """Decoded frames of ``stream`` (replaces ``container.decode(stream)``), skipping what cannot be decoded.

        Args:
            skip: packet -> True for packets not wanted at all (frame striding: never decoded, not damage).
        """
        import av

        for packet in container.demux(stream):
            if skip is not None and skip(packet):
                continue
            try:
                frames = packet.decode()
            except av.error.InvalidDataError as exc:  # a damaged packet: skip it, the next keyframe recovers
                self.rejected += 1
                self._pending += 1
                log.debug("undecodable packet at pts %s: %s", packet.pts, exc)
                continue
            for frame in frames:
                if getattr(frame, "is_corrupt", False):  # decoded with errors concealed: not to be measured
                    self.rejected += 1
                    self._pending += 1
                    continue
                yield frame

    def decoded(self, t: float) -> None:
        """Every decoded frame, in order, at its time t (s) on the clip's clock."""
        step = 1.0 / self.fps
        if self.last_s is not None:
            hole = t - self.last_s
            lost = int(round(hole * self.fps)) - 1
            silent = hole > max(SILENT_GAP_FRAMES * step, SILENT_GAP_S)
            if lost >= 1 and (self._pending or silent):
                self._add_hole(self.last_s + step, t - step, lost)
        elif self._pending and self.from_start:  # the file's first frames were lost
            self._add_hole(0.0, t - step, max(1, int(round(t * self.fps))))
        self._pending = 0
        self.first_s = t if self.first_s is None else self.first_s
        self.last_s = t
        self.frames += 1

    def _add_hole(self, first_s: float, last_s: float, frames: int) -> None:
        """Note frames lost from first_s to last_s (the missing frames' own times), merging touching holes."""
        if self.holes and first_s - self.holes[-1][1] <= 1.5 / self.fps:
            self.holes[-1][1] = round(max(last_s, first_s), 3)
            self.holes[-1][2] += frames
        else:
            self.holes.append([round(first_s, 3), round(max(last_s, first_s), 3), frames])

    def finish(self, *, reached_requested_end: bool) -> None:
        """The loop ended: at the requested end (--end), or where the file stopped giving frames."""
        self.finished = True
        if reached_requested_end or self.last_s is None or self.expected_end_s is None:
            return
        tolerance = max(3.0 / self.fps, SILENT_GAP_S)
        if self.last_s + 1.0 / self.fps < self.expected_end_s - tolerance:
            self.truncated_at_s = round(self.last_s, 3)

    def report(self) -> dict | None:
        """None when everything decoded; else a JSON-able summary (see :func:`describe`)."""
        if not self.finished or (not self.holes and self.truncated_at_s is None and not self._pending):
            return None
        in_holes = sum(int(h[2]) for h in self.holes)
        missing = in_holes
        if self.truncated_at_s is not None:
            missing += max(0, int(round((self.expected_end_s - self.truncated_at_s) * self.fps)) - 1)
        longest = max((h[1] - h[0] for h in self.holes), default=0.0)
        bridged = longest <= RELIABLE_HOLE_S and in_holes <= RELIABLE_SHARE * max(self.frames + in_holes, 1)
        return {
            "decoded_frames": self.frames,
            "missing_frames": missing,
            "holes": self.holes,
            "truncated_at_s": self.truncated_at_s,
            "expected_end_s": None if self.expected_end_s is None else round(self.expected_end_s, 3),
            "decoded_until_s": None if self.last_s is None else round(self.last_s + 1.0 / self.fps, 3),
            "holes_bridged": bool(bridged),  # short, few holes: the analysis of what decoded is still reliable
            "complete": self.truncated_at_s is None,
        }


def check_report(problems) -> bool:
    """Whether ``problems`` has the shape :meth:`DecodeWatch.report` gives (it may come from a poses file)."""
    def number(v, none_ok=True):
        return (v is None and none_ok) or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                           and math.isfinite(v) and v >= 0)

    if not isinstance(problems, dict):
        return False
    holes = problems.get("holes", [])
    return (isinstance(holes, list)
            and all(isinstance(h, list) and len(h) == 3 and all(number(x, False) for x in h) for h in holes)
            and all(number(problems.get(k)) for k in ("truncated_at_s", "expected_end_s", "decoded_until_s",
                                                       "missing_frames", "decoded_frames"))
            and all(isinstance(problems.get(k, True), bool) for k in ("holes_bridged", "complete")))


def _where(holes: list) -> str:
    spans = [f"{a:.1f} s" if f"{a:.1f}" == f"{b:.1f}" else f"{a:.1f}-{b:.1f} s" for a, b, _ in holes]
    if len(spans) <= 3:
        return "at " + " and ".join([", ".join(spans[:-1]), spans[-1]] if len(spans) > 1 else spans)
    return f"in {len(spans)} places between {holes[0][0]:.1f} s and {holes[-1][1]:.1f} s"


def describe(problems: dict, analysed_from_s: float | None = None) -> str:
    """The warning for a result whose video did not decode completely, and whether it can be trusted."""
    parts = []
    holes = problems.get("holes") or []
    if holes:
        n = sum(int(h[2]) for h in holes)
        parts.append(f"{n} frame{'s' if n != 1 else ''} could not be decoded ({_where(holes)}): "
                     "the video file is damaged there.")
    cut = problems.get("truncated_at_s")
    if cut is not None:
        start = analysed_from_s if analysed_from_s is not None else 0.0
        end = problems.get("expected_end_s")
        parts.append(f"Frames from {cut:.1f} s to the end{f' ({end:.1f} s)' if end else ''} could not be decoded: "
                     f"the file looks cut off (an interrupted recording, copy or upload). The analysis covers "
                     f"{start:.1f}-{cut:.1f} s only; copy or export the whole video again to analyse the rest.")
    if holes:
        if problems.get("holes_bridged"):
            parts.append("The gaps are short and were bridged, so the analysis is still reliable.")
        else:
            parts.append("A rep in a damaged stretch may be missed or mis-timed: treat the result with caution, "
                         "or export the video again.")
    return " ".join(parts)
