"""``formcheck models``: the bundled pose models and their checksums."""

from __future__ import annotations

from ..errors import FormcheckError


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list the bundled pose models and check their checksums")
    p.set_defaults(func=cmd_models)


def cmd_models(args) -> int:
    from ..pose import MODELS, models_dir, resolve_model

    ok = True
    for name, spec in MODELS.items():
        try:
            path = resolve_model(name)
            status = f"ok  {path.stat().st_size / 1e6:5.1f} MB  ~{spec.ms_per_frame} ms/frame"
        except FormcheckError as exc:
            ok, status = False, f"PROBLEM: {exc}"
        print(f"{name:6s} {status}")
    print(f"folder: {models_dir()}")
    return 0 if ok else 2
