"""The one exception family users see.

Every error a user can cause (bad file, bad option, no person in view) is a
``FormcheckError`` whose message says what was expected, what arrived and what
to do. Front doors (CLI, app) print ``str(err)`` and never a traceback.
"""


class FormcheckError(Exception):
    """Base class: a problem with the user's input or environment, explained."""


class VideoError(FormcheckError):
    """The video could not be opened or decoded (missing, not a video, no frames, bad codec)."""


class ModelError(FormcheckError):
    """A pose model is missing, corrupt or unknown."""


class PoseDataError(FormcheckError):
    """Pose data is malformed (wrong shapes, unknown schema) or holds no usable person."""


class OptionError(FormcheckError):
    """An option value is out of range or of the wrong form."""
