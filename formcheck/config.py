"""The profile: every threshold formcheck uses, typed and validated, in one place.

``formcheck/profiles/default.json`` holds the values (with the measurements that
justify them in ``_doc`` keys). Sections merge in this order: the top level, then
``exercises[EXERCISE]``, then ``views[VIEW]``; then a user's profile file (same
shape, any subset) in the same order, so a user's setting always wins.

Validation is strict: an unknown key, a string where a number belongs, NaN,
null or an out-of-range value is refused with one line naming the key and the
file. Keys starting with ``_`` are documentation and ignored.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from .errors import OptionError

PROFILE_SCHEMA = 2

ExerciseName = Literal["bent_over_row", "one_arm_row", "seated_cable_row", "chest_supported_row", "face_pull",
                       "shrug", "lat_pulldown", "unknown_row"]
ViewName = Literal["side", "front", "rear", "oblique"]
RepSignal = Literal["hand_travel", "elbow_flexion", "shoulder_elev_ear", "shoulder_elev_hip"]
GroupName = Literal["tempo", "range", "shrug", "retraction", "swing", "neck", "rotation", "asymmetry"]
FaultName = Literal["shrug", "short_hold", "rushed_eccentric", "swing", "neck", "rotation", "asymmetry",
                    "partial_range", "weak_squeeze", "rounded_back"]

Frac = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Pos = Annotated[float, Field(gt=0.0)]
Seconds = Annotated[float, Field(ge=0.0, le=600.0)]
Torso = Annotated[float, Field(ge=-2.0, le=2.0)]  # a distance in torso lengths
Degrees = Annotated[float, Field(ge=0.0, le=180.0)]


class Section(BaseModel):
    """Strict: no unknown keys, no strings for numbers, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class FilterCfg(Section):
    min_visibility: Frac = Field(description="landmarks seen with less visibility are treated as missing")
    min_visibility_arms: Frac = Field(description="the same for elbows and wrists")
    max_gap_s: Seconds = Field(description="longest gap bridged by interpolation (s)")
    cutoff_hz: Pos = Field(description="low-pass cut-off for landmark tracks (Hz)")


class RepsCfg(Section):
    rep_signal: RepSignal = Field(description="the signal reps are counted on")
    smooth_hz: Pos
    min_rep_s: Pos
    max_rep_s: Pos
    min_prominence_frac: Frac = Field(description="a rep rises at least this fraction of the clip's range")
    min_prominence_deg: NonNeg = Field(description="absolute floor for elbow_flexion (deg)")
    min_prominence_torso: NonNeg = Field(description="absolute floor for shoulder elevation (torso lengths)")
    min_prominence_hand: NonNeg = Field(description="absolute floor for hand_travel (torso lengths)")
    partial_frac: Frac
    speed_frac: Annotated[float, Field(gt=0.0, lt=1.0)]
    max_pause_s: Seconds
    min_concentric_frac: Frac
    gap_fill_s: Seconds = Field(description="gaps in the rep signal bridged before segmenting (s)")
    peak_spacing_frac: Frac = Field(description="peaks closer than this fraction of min_rep_s merge")

    @model_validator(mode="after")
    def _order(self):
        if self.max_rep_s <= self.min_rep_s:
            raise ValueError(f"max_rep_s ({self.max_rep_s:g}) must be above min_rep_s ({self.min_rep_s:g})")
        return self


class WindowsCfg(Section):
    """Where a rep is read: its start (the baseline) and its top."""

    start_before_s: Seconds = Field(description="the rep-start baseline begins this long before the rep starts")
    start_after_s: Seconds = Field(description="... and ends this long after")
    top_min_s: Seconds = Field(description="the top window lasts at least this long when a rep has no hold")


class FaultCfg(Section):
    """Every fault's section has a margin: a reading past the threshold by less than this (in the fault's
    unit) is reported as "check this rep", not as a fault."""

    margin: NonNeg


class ShrugCfg(FaultCfg):
    min_rise_ear_torso: Torso
    min_rise_hip_torso: Torso


class ShortHoldCfg(FaultCfg):
    min_hold_s: Seconds
    frac_of_target: Frac


class RushedEccentricCfg(FaultCfg):
    frac_of_target: Frac
    min_s: Seconds = Field(description="without a target: an eccentric this short means the weight dropped")


class SwingCfg(FaultCfg):
    min_deg: Degrees
    from_upright: bool = Field(description="measure the lean back past upright (seated rows lean forward at the "
                                           "stretch by design) instead of the change from the rep's start")


class NeckCfg(FaultCfg):
    min_forward_torso: Torso


class RotationCfg(FaultCfg):
    min_deg: Degrees


class AsymmetryCfg(FaultCfg):
    min_elbow_deg: Degrees
    min_elev_torso: Torso
    min_travel_ratio: Frac
    min_travel_ratio_abs: Frac
    min_arm_travel_torso: NonNeg
    max_travel_yaw_deg: Degrees = Field(description="arm travel compared only with the shoulder line within this "
                                                    "of square to the camera (deg)")
    margin_deg: NonNeg
    margin_torso: NonNeg


class PartialRangeCfg(FaultCfg):
    frac_of_set: Frac


class WeakSqueezeCfg(FaultCfg):
    min_elbow_behind_torso: Torso


class RoundedBackCfg(Section):
    min_deg: Degrees = Field(description="the back's outline bent at least this much over the rep (deg)")
    min_trunk_deg: Degrees = Field(description="judged only with the trunk leaning forward at least this much")
    min_measured_frac: Frac = Field(description="at least this fraction of the rep's frames measured")


class FaultsCfg(Section):
    shrug: ShrugCfg
    short_hold: ShortHoldCfg
    rushed_eccentric: RushedEccentricCfg
    swing: SwingCfg
    neck: NeckCfg
    rotation: RotationCfg
    asymmetry: AsymmetryCfg
    partial_range: PartialRangeCfg
    weak_squeeze: WeakSqueezeCfg
    rounded_back: RoundedBackCfg


class TrendCfg(Section):
    min_reps: Annotated[int, Field(ge=2, le=1000)]
    eccentric_drop_frac: Frac
    range_drop_frac: Frac


class ViewDetectCfg(Section):
    side_max_width: NonNeg = Field(description="shoulders closer than this in the image (ear-to-shoulder units): "
                                               "side view")
    front_max_yaw_deg: Degrees = Field(description="facing the camera with a 3-D shoulder yaw below this: front "
                                                   "(above: oblique)")


class ExerciseDetectCfg(Section):
    shrug_max_flexion_deg: Degrees = Field(description="a shrug bends the elbows less than this (spread)")
    shrug_min_elev_range: NonNeg = Field(description="... while the shoulders rise and fall at least this")
    shrug_max_hand_range: NonNeg = Field(description="... and the hands travel less than this")
    shrug_min_elev_to_hand: NonNeg = Field(description="... most of it the shoulders' own rise (elev/hand)")
    pulldown_hands_above_nose_torso: Torso = Field(description="a pulldown's hands reach this far above the nose")
    face_pull_hands_above_shoulders_torso: Torso = Field(description="a face pull's hands come this far above "
                                                                     "the shoulders")
    seated_min_thigh_deg: Degrees = Field(description="thighs this far from vertical: seated")
    one_arm_max_arm_ratio: Frac = Field(description="one arm travels less than this fraction of the other")
    one_arm_min_lr_elbow_deg: Degrees = Field(description="side view: the arms' elbow angles differ this much")
    bent_over_min_trunk_deg: Degrees = Field(description="side view: a trunk this far from vertical is hinged")
    unsure_within: Frac = Field(description="a second candidate this close to the best makes the analysis ask")


class DetectCfg(Section):
    view: ViewDetectCfg
    exercise: ExerciseDetectCfg


class LiveCfg(Section):
    window_s: Annotated[float, Field(ge=2.0, le=120.0)] = Field(description="recent history the live analysis "
                                                                            "re-reads each update (s)")
    view_after_s: Seconds = Field(description="the camera view is decided after this much of the lifter (s)")
    recheck_every_s: Pos = Field(description="view and exercise re-checked this often, between reps (s)")
    lost_after_s: Seconds = Field(description="nobody seen for this long: the skeleton and phase are cleared")
    warning_hold_s: Seconds = Field(description="a live warning stays up at least this long (s)")
    reread_overlap_s: Seconds = Field(
        description="a rep the re-read finds starting more than this before the last counted rep's lowering "
                    "ended is that movement read again with more context, not a new rep (s)")
    draw_min_cutoff_hz: Pos = Field(description="One-Euro filter for the drawn skeleton: minimum cut-off")
    draw_beta: NonNeg = Field(description="One-Euro filter for the drawn skeleton: speed coefficient")
    analysis_every_s: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        description="the recent past is re-read at most this often (s; 0: every frame); frames between reuse the "
                    "last reading, so pose tracking and drawing keep the camera's rate")
    framing_min_visibility: Frac = Field(description="a body part counts as in view at this visibility or more")
    framing_edge_frac: Annotated[float, Field(ge=0.0, le=0.25)] = Field(
        description="a body part closer than this to the frame's top or bottom edge counts as cut off "
                    "(fraction of the frame height)")
    framing_min_height_frac: Frac = Field(description="the lifter (head to ankles) fills at least this fraction "
                                                      "of the frame height, else 'come closer'")
    framing_need_feet: bool = Field(description="ask for the feet in frame (the trunk angle needs the hips, the "
                                                "view and set detection work best with the whole body)")
    framing_ok_s: Seconds = Field(description="framed this long without a problem: 'ready' (s)")
    framing_repeat_s: Pos = Field(description="a framing message still true is spoken again after this long (s)")
    cue_count_max: Annotated[int, Field(ge=1, le=30)] = Field(
        description="the spoken count through the lowering stops at this number")


class ProfileBody(Section):
    filter: FilterCfg
    reps: RepsCfg
    windows: WindowsCfg
    faults: FaultsCfg
    faults_off: list[FaultName] = Field(description="faults not judged (a user's choice)")
    not_judged: dict[GroupName, str] = Field(description="measurement groups an exercise cannot be judged on, "
                                                         "with the reason shown to the user")
    target_tempo: list[Annotated[float, Field(ge=0.0, le=30.0)]] | None = Field(
        min_length=4, max_length=4, description="eccentric-pause-concentric-hold (s); null: tempo is reported, "
                                                "not judged")
    min_landmark_visibility: Frac = Field(description="a measurement needs its landmarks at least this visible "
                                                      "(median over the rep)")
    min_landmark_visibility_arms: Frac = Field(description="the same for elbows and wrists")
    rotation_from_side: bool
    trend: TrendCfg
    detect: DetectCfg
    live: LiveCfg


class Profile(ProfileBody):
    """The effective thresholds for one exercise and view (what the analysis applied)."""

    exercise: ExerciseName
    view: ViewName


class ProfileFile(Section):
    """A profile file: the body's settings at the top level, plus per-exercise and per-view sections."""

    schema_version: Annotated[int, Field(ge=1, le=PROFILE_SCHEMA)] | None = None


EXERCISE_NAMES: tuple[str, ...] = get_args(ExerciseName)
VIEW_NAMES: tuple[str, ...] = get_args(ViewName)
FAULT_NAMES: tuple[str, ...] = get_args(FaultName)


# --------------------------------------------------------------------------------------------------------------
# Validation of partial files (a user's --profile, the exercise and view sections): key by key, so the
# message names the key as written in the file.


class ProfileError(OptionError):
    """A profile file or dict is malformed; the message names the key and says what to do."""


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, list, dict)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _strip_docs(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip_docs(v) for k, v in data.items() if not (isinstance(k, str) and k.startswith("_"))}
    return data


def _model_of(annotation) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


@functools.lru_cache(maxsize=None)
def _adapter(model: type[BaseModel], key: str) -> TypeAdapter:
    field = model.model_fields[key]
    ann = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return TypeAdapter(ann, config=ConfigDict(strict=True, allow_inf_nan=False))


def _check_partial(model: type[BaseModel], data: Any, where: str, path: str) -> None:
    """Validate a subset of ``model``'s fields in ``data`` (nested sections may be partial too)."""
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: {path or 'the profile'} must be a JSON object of settings, got "
                           f"{_describe(data)}.")
    for key, value in data.items():
        if isinstance(key, str) and key.startswith("_"):
            continue
        name = f"{path}.{key}" if path else str(key)
        if key not in model.model_fields:
            known = ", ".join(k for k in model.model_fields if k not in ("exercise", "view"))
            raise ProfileError(f"{where}: unknown setting '{name}'. Known here: {known}.")
        sub = _model_of(model.model_fields[key].annotation)
        if sub is not None:
            _check_partial(sub, value, where, name)
            continue
        try:
            _adapter(model, key).validate_python(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            msg = err["msg"][:1].lower() + err["msg"][1:]
            item = "".join(f"[{i}]" for i in err["loc"] if isinstance(i, int))
            raise ProfileError(f"{where}: '{name}{item}' {msg.replace('input should', 'should')} "
                               f"(got {_describe(err['input'] if item else value)}).") from None


def check_profile_data(data: Any, where: str = "profile") -> dict:
    """Validate a profile file's contents (any subset of the default's shape); returns it without _doc keys.

    Raises:
        ProfileError: one line naming the key and what is wrong.
    """
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: must be a JSON object shaped like formcheck/profiles/default.json, "
                           f"got {_describe(data)}.")
    data = _strip_docs(data)
    top = {k: v for k, v in data.items() if k not in ("exercises", "views", "schema_version")}
    _check_partial(ProfileBody, top, where, "")
    if "schema_version" in data:
        _check_partial(ProfileFile, {"schema_version": data["schema_version"]}, where, "")
    for section, names in (("exercises", EXERCISE_NAMES), ("views", VIEW_NAMES)):
        part = data.get(section, {})
        if not isinstance(part, dict):
            raise ProfileError(f"{where}: '{section}' must be an object keyed by {section[:-1]} name.")
        for name, patch in part.items():
            if name not in names:
                raise ProfileError(f"{where}: unknown {section[:-1]} '{section}.{name}'. Known: {', '.join(names)}.")
            _check_partial(ProfileBody, patch, where, f"{section}.{name}")
    return data


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


@functools.lru_cache(maxsize=1)
def _default_text() -> str:
    return resources.files("formcheck").joinpath("profiles/default.json").read_text()


def default_profile() -> dict:
    """The bundled profile (validated), without its _doc keys."""
    return check_profile_data(json.loads(_default_text()), "formcheck/profiles/default.json")


def load_user_profile(path: str | Path) -> dict:
    """Read and validate a user's profile file (same shape as profiles/default.json, any subset).

    Raises:
        ProfileError: missing, unreadable, not JSON, or a setting that is unknown or of the wrong type/range.
    """
    p = Path(path)
    if not p.exists():
        raise ProfileError(f"No profile file at '{p}'. Give a JSON file shaped like formcheck/profiles/default.json.")
    if p.is_dir():
        raise ProfileError(f"'{p}' is a folder; give the profile's JSON file.")
    try:
        text = p.read_text(encoding="utf-8")
        data = json.loads(text)  # NaN and Infinity parse here and are refused by validation
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"Profile '{p.name}' could not be read ({exc.__class__.__name__}). "
                           "Give a UTF-8 JSON file.") from None
    except json.JSONDecodeError as exc:
        raise ProfileError(f"Profile '{p.name}' is not valid JSON ({exc.msg} at line {exc.lineno}). "
                           "Fix it or leave out --profile.") from None
    return check_profile_data(data, f"profile '{p.name}'")


def _as_user(user: str | Path | dict | None) -> dict | None:
    if user is None:
        return None
    if isinstance(user, (str, Path)):
        return load_user_profile(user)
    return check_profile_data(user, "profile")


def _body_for(data: dict, exercise: str, view: str) -> dict:
    """Top level, then the exercise's section, then the view's (an exercise's own rep signal wins)."""
    body = {k: v for k, v in data.items() if k not in ("exercises", "views", "schema_version")}
    ex = data.get("exercises", {}).get(exercise, {})
    body = _merge(body, ex)
    body = _merge(body, data.get("views", {}).get(view, {}))
    if "rep_signal" in ex.get("reps", {}):  # e.g. a shrug is counted on shoulder elevation from every view
        body.setdefault("reps", {})["rep_signal"] = ex["reps"]["rep_signal"]
    return body


@functools.lru_cache(maxsize=256)
def _resolve_cached(exercise: str, view: str, user_json: str) -> Profile:
    user = json.loads(user_json) if user_json else None
    body = _body_for(default_profile(), exercise, view)
    if user:
        body = _merge(body, _body_for(user, exercise, view))
    try:
        return Profile.model_validate({**body, "exercise": exercise, "view": view})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise ProfileError(f"profile for {exercise} from the {view}: {loc + ': ' if loc else ''}{err['msg']}.") \
            from None


def resolve(exercise: str, view: str, user: str | Path | dict | None = None) -> Profile:
    """The effective, validated thresholds for one exercise and view.

    Args:
        exercise: an exercise name (see :data:`EXERCISE_NAMES`).
        view: a camera view (see :data:`VIEW_NAMES`).
        user: a user's profile: a JSON file path or an already loaded dict (validated here), or None.

    Raises:
        ProfileError: the user's profile is invalid.
    """
    if exercise not in EXERCISE_NAMES:
        raise OptionError(f"Unknown exercise '{exercise}'. Use one of: {', '.join(EXERCISE_NAMES)}.")
    if view not in VIEW_NAMES:
        raise OptionError(f"Unknown view '{view}'. Use one of: {', '.join(VIEW_NAMES)}.")
    data = _as_user(user)
    return _resolve_cached(exercise, view, json.dumps(data, sort_keys=True) if data else "")
