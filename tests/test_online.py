"""The live count's bookkeeping (analysis/online.py) on hand-made readings: a movement read again with more
context is not a second rep, and a rep that follows is counted however tight the pause."""

from __future__ import annotations

from types import SimpleNamespace

from formcheck import config
from formcheck.analysis.online import OnlineAnalysis
from formcheck.analysis.reps import Rep


def _rep(i, start, peak, bottom):
    return Rep(index=i, start_s=start, peak_s=peak, hold_end_s=peak + 0.1, bottom_s=bottom, end_s=bottom,
               i_start=0, i_peak=0, i_end=0, amplitude=1.0, peak_value=1.0, end_drop=1.0)


def _reading(*reps):
    return SimpleNamespace(reps=list(reps), assessed=[], profile=config.resolve("bent_over_row", "side"))


def test_the_same_movement_read_again_is_not_a_second_rep():
    on = OnlineAnalysis()
    # A hesitation in the first pull is read as a rep, and frozen once it "lowered" ...
    assert on._count(_reading(_rep(1, 0.5, 0.75, 0.96)), t=1.3) is True
    assert len(on.reps) == 1 and on.reps[0].final
    # ... then, with the whole pull in view, the re-read finds one rep from 0.2 s: the same movement.
    assert on._count(_reading(_rep(1, 0.2, 1.3, 2.74)), t=3.1) is False
    assert on._shown == 1
    # The next real rep is counted.
    assert on._count(_reading(_rep(1, 0.2, 1.3, 2.74), _rep(2, 3.58, 5.0, 6.0)), t=6.3) is True
    assert on._shown == 2


def test_a_rep_with_no_pause_after_the_last_is_counted():
    on = OnlineAnalysis()
    on._count(_reading(_rep(1, 0.5, 1.3, 2.5)), t=2.8)
    # Starts a hair before the last lowering's end as read (boundary jitter), peaks well after it: a new rep.
    assert on._count(_reading(_rep(1, 0.5, 1.3, 2.5), _rep(2, 2.45, 3.3, 4.5)), t=4.8) is True
    assert on._shown == 2
