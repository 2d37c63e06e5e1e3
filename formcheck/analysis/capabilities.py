"""What each camera view can measure (and the exercise and view names): one table, read by the assessment, the
report, the overlay and the app. Light on purpose (no numpy): the command line reads it to build its options.

A measurement group is measurable from a view or it is not; when it is not,
the result says so, with how to film instead, and never reports a number.
"""

from __future__ import annotations

from dataclasses import dataclass

VIEWS = ("side", "front", "rear", "oblique")
#: Exercise keys and their plain names.
EXERCISES = {
    "bent_over_row": "bent-over row",
    "one_arm_row": "one-arm dumbbell row",
    "seated_cable_row": "seated cable row",
    "chest_supported_row": "chest-supported row",
    "face_pull": "face pull",
    "shrug": "shrug",
    "lat_pulldown": "lat pulldown",
    "unknown_row": "unknown row/pull",
}

HOW_TO_FILM = {
    "side": "film from the side at hip height, whole body in frame",
    "front": "film from the front at chest height, whole body in frame",
}


@dataclass(frozen=True)
class Capability:
    """One measurement group.

    Attributes:
        id: group key (faults name their group).
        words: plain name for people ("trunk swing").
        views: views that support it.
        film: the view to recommend when the current one cannot measure it.
        landmarks: landmarks it needs clearly visible.
        proxy: how it is measured when BlazePose has no direct landmark for it (None: measured directly).
    """

    id: str
    words: str
    views: tuple[str, ...]
    film: str
    landmarks: tuple[str, ...] = ()
    proxy: str | None = None


CAPABILITIES: dict[str, Capability] = {c.id: c for c in (
    # Phase times follow the hands (the elbows where the hands hide): with both hidden most of the rep (a
    # seated row from behind) the phases land up to 0.9 s off (scripted lifter), though the reps still count.
    Capability("tempo", "tempo", VIEWS, "side", ("left_elbow", "right_elbow", "left_wrist", "right_wrist")),
    Capability("range", "range of motion", VIEWS, "side", ("left_elbow", "right_elbow", "left_wrist", "right_wrist")),
    Capability("shrug", "shrug", VIEWS, "front",
               ("left_shoulder", "right_shoulder", "left_ear", "right_ear", "left_hip", "right_hip"),
               "shoulder rise along the trunk against both the ears and the hips, from the rep's start"),
    Capability("retraction", "squeeze (retraction)", ("side", "front", "rear"), "side",
               ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow"),
               "elbow travel behind the trunk line (side); 3-D shoulder width (front, rear)"),
    Capability("swing", "trunk swing", ("side", "oblique"), "side",
               ("left_hip", "right_hip", "left_shoulder", "right_shoulder")),
    Capability("neck", "neck position", ("side",), "side",
               ("left_ear", "right_ear", "left_shoulder", "right_shoulder"), "ear ahead of the shoulder"),
    Capability("rotation", "trunk rotation", ("front", "rear", "oblique"), "front",
               ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
               "shoulder line against hip line in 3-D (one-arm rows from the side: apparent shoulder width)"),
    Capability("asymmetry", "left/right balance", ("front", "rear", "oblique"), "front",
               ("left_elbow", "right_elbow", "left_wrist", "right_wrist")),
    # Side only: from an oblique view the outline on the back's side is the flank (from in front) or the pose
    # model misplaces the shoulders (from behind: the drawn lifter's flat back read 22 deg, as rounded as 30).
    Capability("back", "back rounding", ("side",), "side",
               ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
               "the bend of the back's outline between the hips and the shoulders in the person mask"),
)}


def supports(group: str, view: str, *, rotation_from_side: bool = False) -> bool:
    """Whether a view can measure a group (one-arm rows measure rotation from the side too)."""
    if group == "rotation" and view == "side" and rotation_from_side:
        return True
    return view in CAPABILITIES[group].views


def view_reason(group: str, view: str, *, rotation_from_side: bool = False) -> str | None:
    """Why a group cannot be measured from this view, with how to film instead (None if it can)."""
    if supports(group, view, rotation_from_side=rotation_from_side):
        return None
    cap = CAPABILITIES[group]
    if group == "rotation" and view == "side":
        return f"not measurable from a side view for a two-arm pull (the shoulders overlap): {HOW_TO_FILM['front']}"
    article = "an" if view[:1] in "aeiou" else "a"
    return f"not measurable from {article} {view} view: {HOW_TO_FILM[cap.film]}"


def view_table(*, rotation_from_side: bool = False) -> list[dict]:
    """Rows of 'what each view can measure' (for the app and the report): view -> {group words: bool}."""
    return [{"view": v, **{c.words: supports(g, v, rotation_from_side=rotation_from_side)
                           for g, c in CAPABILITIES.items()}} for v in VIEWS]
