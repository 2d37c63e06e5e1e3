"""Frame sizes: what the pose model is given and what the annotated video is drawn at (even sizes, caps on the
long and the short side)."""

from __future__ import annotations


def inference_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Size to resize a (width, height) frame to so its long side is <= max_side (even numbers)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    # Rounding to even numbers may go up by one pixel; never past max_side (an odd max_side would be exceeded).
    limit = max(2, max_side - max_side % 2)
    return (min(limit, max(2, int(round(width * scale / 2)) * 2)),
            min(limit, max(2, int(round(height * scale / 2)) * 2)))


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
