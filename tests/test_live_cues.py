"""Live coaching you can hear, on plain data: the cue scheduler on hand-made LiveStates, the framing check on
small landmark arrays, the mixer on a fake clock, and the shipped clips (every cue has one)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import config
from formcheck.live.cues import NUMBER_WORDS, CueEvent, CueScheduler, phase_words
from formcheck.live.framing import FRAMING_TEXT, FRAMING_WORDS, check_framing
from formcheck.live.sound import SOUND_DIR, CueMixer, CueSounds, chime, vocabulary
from formcheck.live.state import LiveState

LIVE = config.resolve("bent_over_row", "side").live


def framed(t, **kw) -> LiveState:
    return LiveState(time_s=t, framed=True, ready=True, detected=True, **kw)


def run(states, target=None, **kw) -> list[CueEvent]:
    sch = CueScheduler(**kw)
    out = []
    for st in states:
        out += sch.step(st, target)
    return out


def words(events) -> list[str]:
    return [e.words for e in events]


def rep_states(t0: float, n: int, *, conc=1.0, hold=1.0, ecc=2.0, pause=0.5, dt=0.05, rep0=1, exercise="auto"):
    """States of a lifter doing n reps from t0: concentric, hold, eccentric, pause (the count rises at each pull)."""
    out, t = [], t0
    for k in range(n):
        for phase, d in (("concentric", conc), ("hold", hold), ("eccentric", ecc), ("pause", pause)):
            end = t + d
            while t < end - 1e-9:
                out.append(framed(round(t, 3), phase=phase, reps=rep0 + k, rep=rep0 + k, exercise=exercise))
                t += dt
    return out


# --- the scheduler -------------------------------------------------------------------------------------------


def test_framing_is_spoken_until_framed_then_ready_once():
    sts = [LiveState(time_s=t / 10, framing="feet") for t in range(0, 150)]  # 15 s of feet out of the picture
    sts += [LiveState(time_s=15 + t / 10, framing="turn_side") for t in range(10)]
    sts += [framed(16 + t / 10) for t in range(20)]
    ev = run(sts, framing_repeat_s=4.0)
    feet = [e for e in ev if e.words == FRAMING_WORDS["feet"]]
    assert [e.time_s for e in feet] == [0.0, 4.0, 8.0]  # every 4 s, three times at most
    assert words(ev) == [FRAMING_WORDS["feet"]] * 3 + [FRAMING_WORDS["turn_side"], "ready"]
    assert ev[-1].kind == "ready" and ev[-1].time_s == 16.0


def test_a_rep_with_a_target_is_a_cadence_pull_squeeze_down_2_3():
    # The lifter holds 1.5 s; the target's hold is 1 s: "down" comes when the target says, before the lowering.
    sts = rep_states(0.0, 2, conc=1.0, hold=1.5, ecc=3.0, pause=0.5)
    ev = run(sts, target=(3.0, 0.0, 1.0, 1.0))
    assert words(ev) == ["ready", "pull", "rep 1", "squeeze", "down", "2", "3",
                         "pull", "rep 2", "squeeze", "down", "2", "3"]
    t = {(e.words, i): e.time_s for i, e in enumerate(ev)}
    assert t[("squeeze", 3)] == pytest.approx(1.0)
    assert t[("down", 4)] == pytest.approx(2.0)  # hold start + the target's 1 s, not the lifter's 2.5 s
    assert t[("2", 5)] == pytest.approx(3.0) and t[("3", 6)] == pytest.approx(4.0)  # one number a second
    assert [e.kind for e in ev[:7]] == ["ready", "phase", "rep", "phase", "phase", "count", "count"]


def test_the_next_pull_stops_the_count():
    sts = rep_states(0.0, 2, conc=1.0, hold=0.5, ecc=1.2, pause=0.0)
    ev = run(sts, target=(4.0, 0.0, 1.0, 0.5))
    assert words(ev) == ["ready", "pull", "rep 1", "squeeze", "down", "2", "pull", "rep 2", "squeeze", "down", "2"]


def test_without_a_target_only_the_phase_words_when_the_lifter_moves():
    sts = rep_states(0.0, 2, conc=1.0, hold=1.5, ecc=3.0)
    ev = run(sts, target=None)
    assert words(ev) == ["ready", "pull", "rep 1", "squeeze", "down", "pull", "rep 2", "squeeze", "down"]
    assert [e.time_s for e in ev if e.words == "down"] == pytest.approx([2.5, 8.5])  # the lifter's lowering


def test_phase_words_follow_the_exercise():
    assert words(run(rep_states(0.0, 1, exercise="shrug"))) == ["ready", "lift", "rep 1", "hold", "down"]
    assert words(run(rep_states(0.0, 1, exercise="lat_pulldown"))) == ["ready", "pull", "rep 1", "squeeze", "up"]
    assert phase_words("bent_over_row") == phase_words("auto") == {"concentric": "pull", "hold": "squeeze",
                                                                   "eccentric": "down"}


def test_a_wobble_at_the_top_is_not_a_new_pull():
    sts = [framed(0.0, phase="concentric", reps=1, rep=1), framed(0.5, phase="hold", reps=1, rep=1),
           framed(0.6, phase="concentric", reps=1, rep=1), framed(0.7, phase="hold", reps=1, rep=1),
           framed(1.2, phase="eccentric", reps=1, rep=1), framed(2.0, phase="pause", reps=1, rep=0),
           framed(2.5, phase="concentric", reps=1, rep=0), framed(2.6, phase="concentric", reps=2, rep=2)]
    assert words(run(sts)) == ["ready", "pull", "rep 1", "squeeze", "down", "pull", "rep 2"]


def test_shoulders_down_once_per_rep():
    sts = []
    for rep, t0 in ((1, 0.0), (2, 5.0)):
        for i, on in enumerate([False, True, True, False, True, True, False]):  # the warning flickers
            sts.append(framed(t0 + 1.0 + 0.1 * i, phase="hold", reps=rep, rep=rep, warnings=["shrug"] if on else []))
    ev = [e for e in run(sts) if e.kind == "warning"]
    assert words(ev) == ["shoulders down", "shoulders down"]
    assert [e.time_s for e in ev] == pytest.approx([1.1, 6.1])


def test_every_rep_is_counted_even_two_at_once():
    ev = run([framed(1.0, reps=1), framed(2.0, reps=3)])
    assert words(ev) == ["ready", "rep 1", "rep 2", "rep 3"]


def test_cue_events_are_plain_data():
    e = CueEvent.make(3.456, "rep", "rep 2")
    assert e.sound == "rep_2" and e.to_dict() == {"time_s": 3.456, "kind": "rep", "words": "rep 2", "sound": "rep_2"}
    assert e.line() == "   3.46  rep      rep 2"
    assert CueEvent.make(0, "framing", FRAMING_WORDS["feet"]).sound == "framing_feet"
    assert CueEvent.make(0, "count", "3").sound == "count_3"
    assert CueEvent.make(0, "warning", "shoulders down").sound == "shoulders_down"


# --- the framing check ---------------------------------------------------------------------------------------


def stick(height: float = 0.8, top: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """A standing figure in image units: nose at `top`, ankles `height` below, all landmarks well visible."""
    xy = np.full((33, 2), 0.5)
    y = {0: 0.0, 2: -0.02, 5: -0.02, 7: 0.0, 8: 0.0, 11: 0.15, 12: 0.15, 13: 0.35, 14: 0.35, 15: 0.5, 16: 0.5,
         23: 0.5, 24: 0.5, 25: 0.75, 26: 0.75, 27: 1.0, 28: 1.0, 29: 1.02, 30: 1.02, 31: 1.03, 32: 1.03}
    for i, v in y.items():
        xy[i, 1] = top + v * height
    return xy, np.full(33, 0.95)


def test_framing_check_on_a_stick_figure():
    xy, vis = stick()
    assert check_framing(xy, vis, LIVE) == ""
    assert check_framing(np.full((33, 2), np.nan), np.zeros(33), LIVE) == "nobody"
    low = vis.copy()
    low[[27, 28]] = 0.2  # ankles hidden
    assert check_framing(xy, low, LIVE) == "feet"
    cut = xy.copy()
    cut[:, 1] += 0.25  # the figure slid down: ankles below the frame
    assert check_framing(cut, vis, LIVE) == "feet"
    up = xy.copy()
    up[:, 1] -= 0.2  # the head above the frame
    assert check_framing(up, vis, LIVE) == "head"
    side = xy.copy()
    side[:, 0] = 1.2  # beside the picture
    assert check_framing(side, vis, LIVE) == "centre"
    assert check_framing(*stick(height=0.2), LIVE) == "closer"


def test_framing_asks_rows_to_turn_side_on_but_not_shrugs_or_unknown_exercises():
    xy, vis = stick()
    assert check_framing(xy, vis, LIVE, exercise="bent_over_row", view="front") == "turn_side"
    assert check_framing(xy, vis, LIVE, exercise="bent_over_row", view="side") == ""
    assert check_framing(xy, vis, LIVE, exercise="shrug", view="front") == ""
    assert check_framing(xy, vis, LIVE, exercise="auto", view="front") == ""
    assert check_framing(xy, vis, LIVE, exercise="bent_over_row", view=None) == ""  # view not decided yet


def test_feet_can_be_left_out_by_the_profile():
    cfg = config.resolve("bent_over_row", "side", {"live": {"framing_need_feet": False}}).live
    xy, vis = stick()
    vis[[27, 28]] = 0.0
    assert check_framing(xy, vis, cfg) == ""


def test_every_framing_key_has_words_and_text():
    assert set(FRAMING_WORDS) == set(FRAMING_TEXT)


# --- the sound -----------------------------------------------------------------------------------------------


def test_every_cue_has_a_shipped_clip_that_decodes():
    vocab = vocabulary()
    for key in vocab:
        assert (SOUND_DIR / f"{key}.ogg").is_file(), f"missing clip {key}.ogg: run scripts/make_sounds.py"
    sounds = CueSounds(rate=16000)
    for key in ("pull", "squeeze", "down", "framing_feet", "num_3"):
        x = sounds.clip(key)
        assert x.dtype == np.int16 and 0.15 < len(x) / 16000 < 3.0 and np.abs(x).max() > 8000, key
    assert set(f"num_{n}" for n in range(1, len(NUMBER_WORDS))) <= set(vocab)
    for table in (phase_words(e) for e in ("auto", "shrug", "lat_pulldown", "face_pull", "seated_cable_row")):
        assert all(w in vocab for w in table.values())


def test_a_rep_sounds_like_a_chime_then_the_number():
    s = CueSounds(rate=16000)
    rep = s.samples(CueEvent.make(0, "rep", "rep 3"))
    ding = chime(16000)
    assert np.array_equal(rep[:len(ding)], ding) and len(rep) > len(ding) + len(s.clip("num_3")) - 1
    assert np.array_equal(s.samples(CueEvent.make(0, "rep", "rep 99")), ding)  # past thirty: the chime alone


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class ToneSounds(CueSounds):
    """Every cue is 0.1 s of a level that names it (no files)."""

    def samples(self, event):
        return np.full(int(0.1 * self.rate), 100 + len(event.words), np.int16)


def test_the_mixer_plays_cues_one_after_another_and_records_them():
    clock = FakeClock()
    m = CueMixer(ToneSounds(rate=1000), max_wait_s=0.5, clock=clock)
    m.play(CueEvent.make(0, "phase", "pull"))
    m.play(CueEvent.make(0, "rep", "rep 1"))
    out = np.concatenate([m.read(20) for _ in range(10)])  # 0.2 s at 1 kHz
    assert (out[:100] == 104).all() and (out[100:200] == 105).all()
    assert words(m.played_events()) == ["pull", "rep 1"] and not m.busy
    assert (m.read(50) == 0).all()  # silence when nothing plays


def test_the_mixer_drops_what_would_play_too_late_and_old_cadence_words():
    clock = FakeClock()
    m = CueMixer(ToneSounds(rate=1000), max_wait_s=0.5, clock=clock)
    m.play(CueEvent.make(0, "count", "2"))
    m.play(CueEvent.make(0, "phase", "pull"))  # a new phase: the count still waiting is stale
    m.play(CueEvent.make(0, "warning", "shoulders down"))
    clock.t = 0.2
    m.read(100)
    assert words(m.played_events()) == ["pull"]
    clock.t = 0.9  # 'shoulders down' waited 0.9 s > 0.5 s: dropped
    m.read(100)
    assert words(m.played_events()) == ["pull"] and m.dropped == 2


def test_mute_silences_and_records_nothing():
    m = CueMixer(ToneSounds(rate=1000), clock=FakeClock())
    m.play(CueEvent.make(0, "phase", "pull"))
    m.muted = True
    assert (m.read(200) == 0).all()
    m.play(CueEvent.make(0, "phase", "down"))
    assert (m.read(200) == 0).all() and m.played_events() == []
    m.muted = False
    m.play(CueEvent.make(0, "phase", "down"))
    assert m.read(200).any() and words(m.played_events()) == ["down"]


def test_no_sound_library_means_no_speaker_and_says_why(monkeypatch):
    import sys

    from formcheck.live.sound import Speaker

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if not installed
    assert Speaker.open(CueMixer(ToneSounds(rate=1000))) is None
    assert "formcheck[sound]" in Speaker.why_not
