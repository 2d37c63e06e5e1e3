"""The sound of live coaching: shipped speech clips and a numpy chime, mixed into one mono stream.

- :func:`vocabulary`: every clip the cues can ask for and the words it says (the build script
  ``scripts/make_sounds.py`` speaks them with espeak-ng into ``formcheck/sounds/*.ogg``).
- :class:`CueSounds`: the clips as int16 mono samples at any rate (decoded once with PyAV), and
  the rep chime synthesised in numpy. Nothing is fetched at run time.
- :class:`CueMixer`: a thread-safe player fed with :class:`~formcheck.live.cues.CueEvent` from the
  frame thread and read in fixed blocks by an audio thread (a WebRTC audio track, a sound card).
  Cues play one after another, never on top of each other; a phase word drops the older cadence
  words still waiting, and a cue that could not start within ``max_wait_s`` is dropped, so the
  sound never lags behind the picture. It records what it played and how late it started.

UI-free and optional: sound needs no package beyond PyAV (already a dependency); a front door
decides where the samples go.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from importlib import resources
from pathlib import Path

import numpy as np

from .cues import NUMBER_WORDS, PHASE_WORDS, WARNING_WORDS, CueEvent, ROW_WORDS
from .framing import FRAMING_WORDS

log = logging.getLogger(__name__)

SOUND_DIR = Path(str(resources.files("formcheck") / "sounds"))
RATE = 48000  # WebRTC's audio clock; clips are resampled to any other rate on load
CHIME_S = 0.22


def vocabulary() -> dict[str, str]:
    """Clip key -> the words it says (every clip a cue can ask for, except the synthesised chime)."""
    words: dict[str, str] = {"ready": "ready"}
    for table in (ROW_WORDS, *PHASE_WORDS.values()):
        for w in table.values():
            words[w.replace(" ", "_")] = w
    for w in WARNING_WORDS.values():
        words[w.replace(" ", "_")] = w
    for k, w in FRAMING_WORDS.items():
        words[f"framing_{k}"] = w
    for n in range(1, len(NUMBER_WORDS)):
        words[f"num_{n}"] = NUMBER_WORDS[n]
    return words


def chime(rate: int = RATE, seconds: float = CHIME_S) -> np.ndarray:
    """A short bell (C6 with two overtones, fast attack, exponential decay) as int16 mono samples."""
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 1046.5 * t) + 0.45 * np.sin(2 * np.pi * 2093.0 * t)
            + 0.2 * np.sin(2 * np.pi * 3139.5 * t))
    env = np.minimum(1.0, t / 0.004) * np.exp(-t / 0.06)
    return (0.35 * 32767 / 1.65 * tone * env).astype(np.int16)


class CueSounds:
    """The samples that say each cue, at one sample rate.

    Args:
        rate: output sample rate (Hz).
        folder: where the clips are (default: the package's ``sounds`` folder).
    """

    def __init__(self, rate: int = RATE, folder: str | Path | None = None):
        self.rate = int(rate)
        self.folder = Path(folder) if folder is not None else SOUND_DIR
        self._missing: set[str] = set()

    @functools.lru_cache(maxsize=128)
    def clip(self, key: str) -> np.ndarray:
        """A clip's int16 mono samples (a short beep, with one warning, if the clip is missing)."""
        path = self.folder / f"{key}.ogg"
        try:
            return decode(path, self.rate)
        except (OSError, ValueError) as exc:
            if key not in self._missing:
                self._missing.add(key)
                log.warning("sound clip %s could not be read (%s); a beep plays instead", path, exc)
            return chime(self.rate, 0.12)

    def samples(self, event: CueEvent) -> np.ndarray:
        """What one cue sounds like: its words; a rep count is a chime, then the number."""
        if event.kind == "rep":
            n = int(event.words.split()[-1])
            ding = chime(self.rate)
            if 0 < n < len(NUMBER_WORDS):
                return np.concatenate([ding, np.zeros(int(0.03 * self.rate), np.int16), self.clip(f"num_{n}")])
            return ding
        if event.kind == "count":
            return self.clip(f"num_{event.words}")
        return self.clip(event.sound)


def decode(path: str | Path, rate: int) -> np.ndarray:
    """An audio file as int16 mono samples at rate (PyAV)."""
    import av

    p = Path(path)
    if not p.is_file():
        raise OSError(f"no such file: {p}")
    out = []
    try:
        with av.open(str(p)) as box:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in box.decode(audio=0):
                for f in resampler.resample(frame):
                    out.append(f.to_ndarray().reshape(-1))
            for f in resampler.resample(None):
                out.append(f.to_ndarray().reshape(-1))
    except av.error.FFmpegError as exc:
        raise ValueError(f"{p.name} is not a readable audio file ({exc})") from None
    return np.concatenate(out).astype(np.int16) if out else np.zeros(0, np.int16)


class CueMixer:
    """Plays cue events one after another into a mono int16 stream read in blocks.

    Args:
        sounds: the clips (default: the shipped ones at 48 kHz).
        max_wait_s: a cue that cannot start within this long after it was raised is dropped.
        clock: wall clock (s), replaceable in tests.
    """

    def __init__(self, sounds: CueSounds | None = None, *, max_wait_s: float = 0.8, clock=time.monotonic):
        self.sounds = sounds or CueSounds()
        self.rate = self.sounds.rate
        self.max_wait_s = float(max_wait_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._queue: deque[tuple[CueEvent, float]] = deque()
        self._cur: np.ndarray | None = None
        self._pos = 0
        self._muted = False
        self.played: deque[tuple[CueEvent, float]] = deque(maxlen=2000)  # (event, seconds it waited)
        self.dropped = 0

    @property
    def muted(self) -> bool:
        return self._muted

    @muted.setter
    def muted(self, value: bool) -> None:
        with self._lock:
            self._muted = bool(value)
            if self._muted:
                self._queue.clear()
                self._cur = None

    def play(self, event: CueEvent) -> None:
        """Queue a cue (raised now). A phase word or a framing message replaces cadence words still waiting."""
        with self._lock:
            if self._muted:
                return
            if event.kind in ("phase", "framing", "ready"):
                keep = deque(q for q in self._queue if q[0].kind not in ("phase", "count", "framing"))
                self.dropped += len(self._queue) - len(keep)
                self._queue = keep
            self._queue.append((event, self._clock()))

    def read(self, n: int) -> np.ndarray:
        """The next n samples (silence when nothing plays). Called by the audio thread, in real time."""
        out = np.zeros(n, np.int16)
        with self._lock:
            i = 0
            while i < n:
                if self._cur is None or self._pos >= len(self._cur):
                    if not self._start_next():
                        break
                k = min(n - i, len(self._cur) - self._pos)
                out[i:i + k] = self._cur[self._pos:self._pos + k]
                self._pos += k
                i += k
        return out

    def _start_next(self) -> bool:
        self._cur = None
        now = self._clock()
        while self._queue:
            event, queued = self._queue.popleft()
            if now - queued > self.max_wait_s:
                self.dropped += 1
                continue
            self._cur, self._pos = self.sounds.samples(event), 0
            self.played.append((event, now - queued))
            return True
        return False

    def played_events(self) -> list[CueEvent]:
        """The cues that started playing, oldest first."""
        with self._lock:
            return [e for e, _ in self.played]

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._queue) or (self._cur is not None and self._pos < len(self._cur))





class Speaker:
    """Plays a :class:`CueMixer` on this computer's sound card (optional ``sounddevice`` package).

    Use :meth:`open`; it returns None, with the reason in :attr:`why_not`, when there is no sound here.
    """

    why_not: str = ""

    def __init__(self, stream):
        self._stream = stream

    @classmethod
    def open(cls, mixer: CueMixer) -> "Speaker | None":
        try:
            import sounddevice as sd
        except ImportError:
            cls.why_not = "sound needs the optional extra: pip install 'formcheck[sound]'"
            return None
        except OSError as exc:  # the PortAudio library is missing
            cls.why_not = f"no sound library here ({exc})"
            return None

        def fill(outdata, frames, _time, _status):
            outdata[:, 0] = mixer.read(frames)

        try:
            stream = sd.OutputStream(samplerate=mixer.rate, channels=1, dtype="int16", blocksize=mixer.rate // 50,
                                     callback=fill)
            stream.start()
        except Exception as exc:  # no output device, busy device: live goes on silently
            cls.why_not = f"no sound output ({exc.__class__.__name__}: {exc})"
            return None
        return cls(stream)

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # closing must never hide the report
            log.debug("closing the sound stream failed", exc_info=True)

__all__ = ["CueMixer", "CueSounds", "RATE", "SOUND_DIR", "Speaker", "chime", "decode", "vocabulary"]
