"""Speak the live coaching cues into formcheck/sounds/*.ogg (run at build time, never at run time).

Usage:
    apt-get install -y espeak-ng        # once
    python scripts/make_sounds.py [--out formcheck/sounds] [--voice en-us] [--speed 175]

Every clip of :func:`formcheck.live.sound.vocabulary` is spoken by espeak-ng, trimmed of
silence, normalised to -3 dBFS with 5 ms fades, and written as mono Ogg/Opus at 48 kHz,
24 kbit/s (a word is 1-3 KB). The rep chime is synthesised in numpy at run time and needs
no file. The clips are committed, so neither tests nor users need espeak-ng.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from formcheck.live.sound import vocabulary  # noqa: E402

RATE = 48000


def speak(text: str, voice: str, speed: int) -> tuple[np.ndarray, int]:
    """espeak-ng's WAV of text as float samples in [-1, 1] and its rate."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "say.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-a", "160", "-w", str(wav), text], check=True)
        with wave.open(str(wav)) as w:
            rate, data = w.getframerate(), w.readframes(w.getnframes())
    return np.frombuffer(data, np.int16).astype(np.float64) / 32768.0, rate


def tidy(x: np.ndarray, rate: int) -> np.ndarray:
    """Trim leading/trailing silence (1 % of the peak), normalise to -3 dBFS, 5 ms fades."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0:
        raise SystemExit("espeak-ng produced silence")
    loud = np.flatnonzero(np.abs(x) > 0.01 * peak)
    pad = int(0.01 * rate)
    x = x[max(0, loud[0] - pad): loud[-1] + pad]
    x = x / peak * 10 ** (-3 / 20)
    fade = min(len(x) // 2, int(0.005 * rate))
    ramp = np.linspace(0.0, 1.0, fade)
    x[:fade] *= ramp
    x[len(x) - fade:] *= ramp[::-1]
    return x


def write_ogg(x: np.ndarray, rate: int, out: Path) -> None:
    """Mono Ogg/Opus at 48 kHz (polyphase resampling with scipy; whole 20 ms Opus frames)."""
    import av
    from scipy.signal import resample_poly

    frac = Fraction(RATE, rate)
    y = resample_poly(x, frac.numerator, frac.denominator)
    y = np.concatenate([y, np.zeros(-len(y) % 960)])
    pcm = np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)
    with av.open(str(out), "w", format="ogg") as box:
        st = box.add_stream("libopus", rate=RATE)
        st.layout = "mono"
        st.bit_rate = 24000
        for pts in range(0, len(pcm), 960):
            f = av.AudioFrame.from_ndarray(pcm[pts:pts + 960].reshape(1, -1), format="s16", layout="mono")
            f.sample_rate, f.pts, f.time_base = RATE, pts, Fraction(1, RATE)
            for p in st.encode(f):
                box.mux(p)
        for p in st.encode(None):
            box.mux(p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "formcheck" / "sounds"))
    ap.add_argument("--voice", default="en-us")
    ap.add_argument("--speed", type=int, default=175, help="words per minute")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    total = 0
    for key, text in vocabulary().items():
        x, rate = speak(text, args.voice, args.speed)
        path = out / f"{key}.ogg"
        write_ogg(tidy(x, rate), rate, path)
        total += path.stat().st_size
        print(f"{path.name:28s} {len(x) / rate:4.2f} s raw  '{text}'")
    print(f"{len(vocabulary())} clips, {total / 1024:.0f} KB, made with {version} (voice {args.voice}, "
          f"{args.speed} wpm)")


if __name__ == "__main__":
    main()
