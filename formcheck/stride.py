"""Striding through high frame rates: which frames to keep, and which packets need no decoding.

Phones film at 60, 120 or 240 fps; formcheck analyses about 30 frames per second (:func:`frame_stride`).
:class:`FramePicker` keeps every n-th frame by its container time, and tells the decoder loop which
H.264 packets it may leave undecoded: pictures no other picture refers to (nal_ref_idc 0) that are off
the grid. Used by :class:`formcheck.video.FileSource`; pure Python, no FFmpeg calls.
"""

from __future__ import annotations

def frame_stride(fps: float, max_fps: float | None) -> int:
    """Keep every n-th frame so that about ``max_fps`` frames per second are left (1: every frame).

    ``max_fps`` None or 0 means every frame. 59.94 and 60 fps give 2, 120 gives 4, 240 gives 8, 50 gives 2
    (25 fps), 40 gives 1 (a stride of 2 would leave 20 fps, further from the limit than 40 is).
    """
    if not max_fps or max_fps <= 0 or not fps or fps <= max_fps:
        return 1
    return max(1, int(fps / max_fps + 0.5))


def _h264_nal_length_size(extradata: bytes | None) -> int:
    """Bytes of the length prefix of each NAL unit for 'avcC' (MP4/MOV) H.264; 0 for Annex B start codes."""
    if extradata and len(extradata) >= 7 and extradata[0] == 1:
        return (extradata[4] & 3) + 1
    return 0


def _h264_disposable(data: memoryview, nal_length_size: int) -> bool:
    """True when the access unit is a picture no other picture refers to (its slices have nal_ref_idc 0).

    The standard requires nal_ref_idc to agree between the slices of a picture, so the first slice decides.
    Anything unexpected (no slice found, truncated data) counts as a reference: it is decoded.
    """
    n = len(data)
    if nal_length_size:
        i = 0
        while i + nal_length_size < n:
            size = int.from_bytes(data[i:i + nal_length_size], "big")
            i += nal_length_size
            if size <= 0 or i + size > n:
                return False
            header = data[i]
            if 1 <= header & 0x1F <= 5:
                return header & 0x60 == 0
            i += size
        return False
    raw = bytes(data[:4096]) if n > 4096 else bytes(data)  # the first slice header is near the start
    i = raw.find(b"\x00\x00\x01")
    while 0 <= i < len(raw) - 3:
        header = raw[i + 3]
        if 1 <= header & 0x1F <= 5:
            return header & 0x60 == 0
        i = raw.find(b"\x00\x00\x01", i + 3)
    return False


class FramePicker:
    """Chooses the frames of a stream to keep when striding, and the packets that need no decoding.

    A frame's nominal number is ``n = round(t * fps)`` (t on the file's clock from its first frame). Kept:
    the first frame with ``n >= due``; then ``due = n + stride``. On a constant-rate clip that is exactly
    every ``stride``-th frame (0, 2, 4, ... at 60 fps); on variable-rate phone video a late or missing
    frame is replaced by the next one, so the analysed rate stays near ``fps / stride`` and every time is
    the container time of a frame actually decoded.

    Decoding: a frame must be decoded when it is kept *or* when later frames are predicted from it. H.264
    marks pictures that nothing refers to (nal_ref_idc 0: most B-frames of phone and camera encoders at high
    frame rates); their packets are not given to the decoder when they fall off the grid (``n % stride``
    not 0). Pictures on the grid are always decoded. FFmpeg's ``skip_frame = "NONREF"`` is not used: it drops
    *every* non-reference picture, also the wanted ones (with an I-B-B-P pattern only every third frame is
    a reference: 20 fps from 60 instead of 30), and decides per packet in the decoder's threads, so which
    frames come out would depend on timing.
    """

    def __init__(self, stream, fps: float, stride: int, t0: float | None, start_s: float | None):
        self.stride = stride
        self.fps = fps
        self.t0 = t0
        self.tb = stream.time_base
        start_n = int(round((start_s or 0.0) * fps))
        self.due = -(-start_n // stride) * stride  # the first grid frame at or after the start
        name = stream.codec_context.name
        self._nal = _h264_nal_length_size(stream.codec_context.extradata) if name == "h264" else None
        self.skipped_packets = 0

    def nominal(self, t_s: float) -> int:
        return int(round(t_s * self.fps))

    def skip_packet(self, packet) -> bool:
        """True when the packet's picture is not kept and nothing refers to it (do not decode it)."""
        if self._nal is None or self.stride == 1 or packet.pts is None or self.t0 is None or not packet.size:
            return False
        n = self.nominal(float(packet.pts * self.tb) - self.t0)
        if n % self.stride == 0 or n < 0:
            return False
        if _h264_disposable(memoryview(packet), self._nal):
            self.skipped_packets += 1
            return True
        return False

    def keep(self, n: int) -> bool:
        """Whether the decoded frame with nominal number n is kept (call in presentation order)."""
        if n < self.due:
            return False
        self.due = n + self.stride
        return True
