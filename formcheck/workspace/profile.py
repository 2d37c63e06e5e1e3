"""A client's own settings as analysis options: tempo target and fault switches (one place, so the typed
profile can replace the dict here alone)."""

from __future__ import annotations


def client_profile(client: dict) -> dict | None:
    """The profile override for a client: ``{"faults_off": [...]}`` or None when nothing is switched off."""
    off = sorted(client.get("faults_off") or [])
    return {"faults_off": off} if off else None


def analysis_options(client: dict, set_row: dict, model: str = "full") -> dict:
    """Options for :func:`formcheck.workspace.analyse.analyse_clip` for one of the client's sets."""
    return {"exercise": set_row.get("exercise") or "auto", "view": "auto", "tempo": client.get("tempo_target") or None,
            "model": model, "profile": client_profile(client)}
