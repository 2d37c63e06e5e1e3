"""Thresholds: one profile, merged per exercise and view, overridable from a JSON file."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

from .errors import OptionError

PROFILE_SCHEMA = 1


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def default_profile() -> dict:
    return json.loads(resources.files("formcheck").joinpath("profiles/default.json").read_text())


def load_user_profile(path: str | Path) -> dict:
    """Read a user's profile override file (same shape as profiles/default.json, any subset)."""
    p = Path(path)
    if not p.exists():
        raise OptionError(f"No profile file at '{p}'. Give a JSON file shaped like formcheck/profiles/default.json.")
    try:
        data = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OptionError(f"Profile '{p.name}' is not valid JSON ({exc}). Fix it or leave out --profile.") from None
    if not isinstance(data, dict):
        raise OptionError(f"Profile '{p.name}' must be a JSON object, like formcheck/profiles/default.json.")
    unknown = set(data) - set(default_profile())
    if unknown:
        raise OptionError(f"Profile '{p.name}' has unknown sections {sorted(unknown)}; "
                          f"known: {sorted(k for k in default_profile() if not k.startswith('_'))}.")
    return data


def resolve(exercise: str, view: str, user: dict | None = None) -> dict:
    """The effective thresholds for one exercise and view."""
    base = default_profile()
    if user:
        base = _merge(base, user)
    out = {k: v for k, v in base.items() if k not in ("exercises", "views")}
    out = _merge(out, base.get("exercises", {}).get(exercise, {}))
    out = _merge(out, base.get("views", {}).get(view, {}))
    # An exercise's own rep signal (e.g. shoulder elevation for shrugs) wins over a view's default.
    ex_reps = base.get("exercises", {}).get(exercise, {}).get("reps", {})
    if "rep_signal" in ex_reps:
        out["reps"]["rep_signal"] = ex_reps["rep_signal"]
    out.setdefault("faults_off", [])
    return out


def parse_tempo(text: str | None) -> tuple[float, float, float, float] | None:
    """'3-0-1-1' -> (3.0, 0.0, 1.0, 1.0): eccentric, pause, concentric, hold (seconds)."""
    if text is None or text == "":
        return None
    if isinstance(text, (list, tuple)):
        parts = list(text)
    else:
        parts = str(text).replace(":", "-").replace("/", "-").split("-")
    try:
        vals = tuple(float(x) for x in parts)
    except ValueError:
        vals = ()
    if len(vals) != 4 or any(v < 0 or v > 30 for v in vals):
        raise OptionError(f"Tempo must be four numbers of seconds, eccentric-pause-concentric-hold, "
                          f"like 3-0-1-1; got '{text}'.")
    return vals  # type: ignore[return-value]
