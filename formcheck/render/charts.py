"""Charts of an analysis as Altair specs (for the app) and static SVG (for the report).

Two charts:

- :func:`signals_chart`: the main signals over time (elbow angle, shoulder rise since the rep's start,
  trunk angle), with the tempo phases shaded, rep boundaries as rules and each fault marked where it was
  worst.
- :func:`tempo_chart`: each rep's tempo as stacked bars (eccentric / pause / concentric / hold) against the
  target tempo.

Data is inlined in the specs (no URLs), so :func:`chart_svg` renders offline with vl-convert. The colours
are the video overlay's (:mod:`formcheck.render`).
"""

from __future__ import annotations

import logging

import altair as alt
import numpy as np
import pandas as pd

from ..analysis.faults import FAULTS
from ..result import AnalysisResult
from .theme import FAULT_KIND, PHASE_COLORS, PHASES, fault_color, hex_color
from .timeline import shoulder_rise, shrug_threshold

log = logging.getLogger(__name__)

MAX_POINTS = 600  # per line; enough for a smooth curve, small enough to inline in a report
PHASE_DOMAIN = list(PHASES)
PHASE_RANGE = [hex_color(PHASE_COLORS[p]) for p in PHASES]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def _decimate(n: int) -> np.ndarray:
    step = max(1, int(np.ceil(n / MAX_POINTS)))
    return np.arange(0, n, step)


def _phase_bands(result: AnalysisResult) -> pd.DataFrame:
    """One row per rep phase: rep, phase, start/end seconds, duration."""
    rows = []
    for r in result.reps:
        bounds = [("concentric", r.start_s, r.peak_s)]
        if r.hold_end_s is not None:
            bounds.append(("hold", r.peak_s, r.hold_end_s))
            if r.bottom_s is not None:
                bounds.append(("eccentric", r.hold_end_s, r.bottom_s))
                if r.pause_s:
                    bounds.append(("pause", r.bottom_s, r.bottom_s + r.pause_s))
        else:
            bounds.append(("hold", r.peak_s, r.end_s))
        for name, a, b in bounds:
            if b > a:
                rows.append({"rep": r.index, "phase": name, "start_s": round(float(a), 3), "end_s": round(float(b), 3),
                             "seconds": round(float(b - a), 2)})
    return pd.DataFrame(rows, columns=["rep", "phase", "start_s", "end_s", "seconds"])


def _rep_rules(result: AnalysisResult) -> pd.DataFrame:
    rows = [{"t": round(float(r.start_s), 3), "label": f"rep {r.index}"} for r in result.reps]
    return pd.DataFrame(rows, columns=["t", "label"])


def _panel(lines: pd.DataFrame, title: str | tuple[str, str], unit_title: str, bands: pd.DataFrame, rules: pd.DataFrame,
           faults: pd.DataFrame, x_domain: list[float], width, height: int, *, threshold: float | None = None,
           show_x: bool = False, show_phase_legend: bool = False, show_rep_labels: bool = False,
           series_colors: dict[str, str] | None = None, y_domain: list[float] | None = None):
    x_title = "time (s)" if show_x else None
    x_axis = alt.Axis(labels=show_x, ticks=show_x, grid=False, title=x_title, tickMinStep=0.5, labelOverlap="greedy")
    x = alt.X("t:Q", scale=alt.Scale(domain=x_domain, nice=False), axis=x_axis)
    layers = []
    if len(bands):
        layers.append(alt.Chart(bands).mark_rect(opacity=0.16).encode(
            x=alt.X("start_s:Q", scale=alt.Scale(domain=x_domain, nice=False), axis=x_axis),
            x2="end_s:Q",
            color=alt.Color("phase:N", scale=alt.Scale(domain=PHASE_DOMAIN, range=PHASE_RANGE),
                            legend=alt.Legend(title="phase", orient="bottom", direction="horizontal")
                            if show_phase_legend else None),
            tooltip=[alt.Tooltip("rep:Q"), alt.Tooltip("phase:N"), alt.Tooltip("seconds:Q", title="seconds")]))
    if len(rules):
        layers.append(alt.Chart(rules).mark_rule(color="#64748b", strokeDash=[4, 3], strokeWidth=1).encode(
            x=alt.X("t:Q", scale=alt.Scale(domain=x_domain, nice=False), axis=x_axis)))
        if show_rep_labels:
            layers.append(alt.Chart(rules).mark_text(align="left", baseline="top", dx=3, dy=2, fontSize=10,
                                                     color="#475569").encode(
                x=alt.X("t:Q", scale=alt.Scale(domain=x_domain, nice=False), axis=x_axis),
                y=alt.value(2), text="label:N"))
    if threshold is not None:
        layers.append(alt.Chart(pd.DataFrame({"y": [threshold]})).mark_rule(
            color="#dc2626", strokeDash=[6, 4], strokeWidth=1.2).encode(y="y:Q"))
    names = list(dict.fromkeys(lines["series"])) if len(lines) else []
    colors = series_colors or {}
    line_color = alt.Color("series:N", scale=alt.Scale(domain=names, range=[colors.get(n, "#0f172a") for n in names]),
                           legend=alt.Legend(title=None, orient="top", direction="horizontal")
                           if len(names) > 1 else None)
    layers.append(alt.Chart(lines).mark_line(strokeWidth=1.8, interpolate="monotone").encode(
        x=x, y=alt.Y("value:Q", title=unit_title,
                     scale=alt.Scale(zero=False, domain=y_domain) if y_domain else alt.Scale(zero=False)),
        color=line_color, detail="segment:N",
        tooltip=[alt.Tooltip("t:Q", title="time (s)", format=".2f"), alt.Tooltip("series:N"),
                 alt.Tooltip("value:Q", format=".1f")]))
    if len(faults):
        layers.append(alt.Chart(faults).mark_point(filled=True, size=110, shape="diamond", stroke="white",
                                                   strokeWidth=1.2, opacity=1).encode(
            x="t:Q", y="value:Q",
            fill=alt.Color("label:N", scale=alt.Scale(domain=list(dict.fromkeys(faults["label"])),
                                                      range=list(dict.fromkeys(faults["color"]))),
                           legend=alt.Legend(title=None, orient="top", direction="horizontal", labelLimit=0)),
            tooltip=[alt.Tooltip("rep:Q"), alt.Tooltip("label:N", title="fault"),
                     alt.Tooltip("t:Q", title="time (s)", format=".2f")]))
    return alt.layer(*layers).resolve_scale(color="independent", fill="independent").properties(
        title=alt.TitleParams(title[0], subtitle=title[1], anchor="start", fontSize=12, fontWeight=600,
                              color="#0f172a", subtitleColor="#64748b", subtitleFontSize=10.5)
        if isinstance(title, tuple) else alt.TitleParams(title, anchor="start", fontSize=12, fontWeight=600,
                                                         color="#0f172a"),
        width=width, height=height)


def _segments(valid: np.ndarray) -> np.ndarray:
    """Segment ids that change at every NaN gap, so lines break over missing data instead of bridging it."""
    return np.cumsum(np.concatenate([[0], (valid[1:] != valid[:-1]).astype(int)]))


def _lines(t: np.ndarray, series: dict[str, np.ndarray], scale: float = 1.0) -> pd.DataFrame:
    keep = _decimate(len(t))
    frames = []
    for name, v in series.items():
        v = np.asarray(v, float)[keep] * scale
        ok = np.isfinite(v)
        seg = _segments(ok)
        frames.append(pd.DataFrame({"t": np.round(t[keep][ok], 3), "value": np.round(v[ok], 2), "series": name,
                                    "segment": seg[ok] + 1000 * len(frames)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["t", "value", "series",
                                                                                     "segment"])


def _fault_points(result: AnalysisResult, panel: str, t: np.ndarray, values: np.ndarray, scale: float) -> pd.DataFrame:
    rows = []
    for ra in result.assessed:
        for f in ra.findings:
            if FAULTS[f.name].chart != panel:
                continue
            i = int(np.clip(np.searchsorted(t, f.worst_s), 0, len(t) - 1))
            v = values[i] * scale if i < len(values) else np.nan
            if not np.isfinite(v):
                continue
            rows.append({"t": round(float(t[i]), 3), "value": round(float(v), 3), "rep": ra.rep.index,
                         "label": FAULTS[f.name].short, "color": hex_color(fault_color(f.name)),
                         "kind": FAULT_KIND.get(f.name, "posture")})
    return pd.DataFrame(rows, columns=["t", "value", "rep", "label", "color", "kind"])


def _min_span_domain(values: np.ndarray, min_span: float, include: tuple[float, ...] = ()) -> list[float] | None:
    """A y domain covering the data (and the values in include) at least min_span wide, so that small
    wobbles do not fill the panel and look like big movements."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    lo, hi = float(np.min(np.concatenate([v, include]))), float(np.max(np.concatenate([v, include])))
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    pad = 0.06 * (hi - lo)
    return [round(lo - pad, 2), round(hi + pad, 2)]


def signal_panels(result: AnalysisResult, *, width: int | str = 800, panel_height: int = 130) -> list:
    """The signals chart's panels, each a chart of its own (unstyled): a page can size each to its container
    (Altair's "container" width does not reach into concatenated charts).

    Panels: elbow angle (deg); shoulder rise since the rep's start (% of torso length, ear and hip proxies,
    with the shrug threshold); trunk angle from vertical (deg, only when the view supports it). All share
    the clip's time axis; the first carries the rep labels, the last the time axis and the phase legend.

    Args:
        result: the analysis.
        width: chart width in pixels, or "container" (Streamlit).
        panel_height: height of each panel in pixels.
    """
    t = result.series.times_s
    sig = result.signals
    x_domain = [round(float(t[0]), 3), round(float(t[-1]), 3)] if len(t) else [0.0, 1.0]
    bands, rules = _phase_bands(result), _rep_rules(result)
    if sig is None:
        empty = pd.DataFrame(columns=["t", "value", "series", "segment"])
        return [_panel(empty, "No signals (no person found)", "", bands, rules,
                       _fault_points(result, "none", t, np.zeros(0), 1), x_domain, width, panel_height, show_x=True)]
    panels = []
    elbow = sig["elbow_angle"]
    panels.append(("elbow", _lines(t, {"elbow angle": elbow}), "Elbow angle", "degrees", elbow, 1.0, None,
                   {"elbow angle": "#0f172a"}, _min_span_domain(elbow, 30.0)))
    ear, hip = shoulder_rise(result)
    thr = shrug_threshold(result) * 100 if result.exercise != "shrug" else None
    rise_both = np.where(np.isfinite(ear) & np.isfinite(hip), np.minimum(ear, hip), np.nan)
    panels.append(("rise", _lines(t, {"ear proxy": ear, "hip proxy": hip}, 100.0),
                   ("Shoulder rise (shrug proxies)", "since each rep's start"), "% of torso length", rise_both, 100.0,
                   thr,
                   {"ear proxy": "#0d9488", "hip proxy": "#7c3aed"},
                   _min_span_domain(np.concatenate([ear, hip]) * 100, 10.0, (0.0,) + ((thr * 1.5,) if thr else ()))))
    if sig.measurable("trunk_inclination"):
        incl = sig["trunk_inclination"]
        panels.append(("trunk", _lines(t, {"trunk angle": incl}), "Trunk angle from vertical", "degrees", incl, 1.0,
                       None, {"trunk angle": "#ca8a04"}, _min_span_domain(incl, 20.0)))
    charts = []
    for k, (key, lines, title, unit, values, scale, thr_k, colors, y_dom) in enumerate(panels):
        last = k == len(panels) - 1
        charts.append(_panel(lines, title, unit, bands, rules, _fault_points(result, key, t, values, scale), x_domain,
                             width, panel_height, threshold=thr_k, show_x=last, show_phase_legend=last,
                             show_rep_labels=k == 0, series_colors=colors, y_domain=y_dom))
    return charts


def trunk_note(result: AnalysisResult) -> str | None:
    """Why the trunk angle panel is missing ("Trunk angle is not measurable from a front view."), or None."""
    sig = result.signals
    if sig is None or sig.measurable("trunk_inclination"):
        return None
    article = "an" if result.view[:1] in "aeiou" else "a"
    return f"Trunk angle is not measurable from {article} {result.view} view."


def style(chart, *, fit_width: bool = False):
    """The shared look (font, colours, axes) on a top-level chart.

    Args:
        fit_width: size the whole chart, axes and legends included, to its container's width, and keep its
            plot height (a page's "container" width; Streamlit would otherwise fit the height too).
    """
    if fit_width:
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return _style(chart)


def signals_chart(result: AnalysisResult, *, width: int | str = 800, panel_height: int = 130) -> alt.VConcatChart:
    """The main signals over time with phases shaded, rep boundaries and faults marked: the panels of
    :func:`signal_panels` stacked, for a static page (the report).

    Args:
        result: the analysis.
        width: chart width in pixels.
        panel_height: height of each panel in pixels.
    """
    out = alt.vconcat(*signal_panels(result, width=width, panel_height=panel_height), spacing=14) \
        .resolve_scale(color="independent", fill="independent")
    note = trunk_note(result)
    if note:
        out = out.properties(title=alt.TitleParams(note, anchor="start", fontSize=11, fontWeight="normal",
                                                   color="#64748b", orient="bottom"))
    return _style(out)


def tempo_chart(result: AnalysisResult, *, width: int | str = 800) -> alt.LayerChart:
    """Each rep's tempo as stacked bars (eccentric, pause, concentric, hold) against the target.

    The target is drawn as its own bar (top row) and as a dashed rule at its total length. Phases the clip
    does not show (e.g. the set ends at the top) are left out of that rep's bar.

    Args:
        result: the analysis.
        width: chart width in pixels, or "container" (Streamlit).
    """
    rows = []
    order = {p: i for i, p in enumerate(PHASES)}
    has_target = result.target_tempo is not None
    if has_target:  # without a target the chart shows the reps alone (tempo is reported, not judged)
        target = dict(zip(PHASES, result.target_tempo))
        for p in PHASES:
            rows.append({"rep": "target", "phase": p, "seconds": float(target[p]), "order": order[p], "row": 0})
    for ra in result.assessed:
        ecc, pause, conc, hold = ra.rep.tempo()
        for p, v in zip(PHASES, (ecc, pause, conc, hold)):
            if v is not None:
                rows.append({"rep": f"rep {ra.rep.index}", "phase": p, "seconds": round(float(v), 2),
                             "order": order[p], "row": ra.rep.index})
    y_order = (["target"] if has_target else []) + [f"rep {ra.rep.index}" for ra in result.assessed]
    df = pd.DataFrame(rows, columns=["rep", "phase", "seconds", "order", "row"])
    bar_h = 18
    height = max(60, (bar_h + 8) * len(y_order))
    bars = alt.Chart(df).mark_bar(height=bar_h, stroke="white", strokeWidth=1).encode(
        y=alt.Y("rep:N", sort=y_order, title=None, axis=alt.Axis(labelFontWeight=500)),
        x=alt.X("sum(seconds):Q", title="seconds (eccentric \u2192 pause \u2192 concentric \u2192 hold)", stack="zero"),
        color=alt.Color("phase:N", scale=alt.Scale(domain=PHASE_DOMAIN, range=PHASE_RANGE),
                        legend=alt.Legend(title="phase", orient="bottom", direction="horizontal")),
        order=alt.Order("order:Q"),
        opacity=alt.condition(alt.datum.rep == "target", alt.value(0.45), alt.value(0.95)),
        tooltip=[alt.Tooltip("rep:N"), alt.Tooltip("phase:N"), alt.Tooltip("seconds:Q", format=".1f")])
    layers = [bars]
    labels = []
    if has_target:
        total = float(sum(result.target_tempo))
        if total > 0:
            layers.append(alt.Chart(pd.DataFrame({"x": [total]})).mark_rule(
                color="#0f172a", strokeDash=[5, 4], strokeWidth=1.2).encode(x="x:Q"))
        labels.append({"rep": "target", "text": "-".join(f"{v:g}" for v in result.target_tempo), "x": total})
    # Tempo text at the end of each bar.
    for ra in result.assessed:
        tempo = ra.rep.tempo()
        labels.append({"rep": f"rep {ra.rep.index}", "text": ra.rep.tempo_str(),
                       "x": float(sum(v for v in tempo if v is not None))})
    layers.append(alt.Chart(pd.DataFrame(labels, columns=["rep", "text", "x"])).mark_text(
        align="left", dx=5, fontSize=10, color="#334155").encode(y=alt.Y("rep:N", sort=y_order), x="x:Q",
                                                                 text="text:N"))
    title = (f"Tempo per rep against the target {'-'.join(f'{v:g}' for v in result.target_tempo)}" if has_target
             else "Tempo per rep (no target set)")
    chart = alt.layer(*layers).properties(
        width=width, height=height,
        title=alt.TitleParams(title, anchor="start", fontSize=12, fontWeight=600, color="#0f172a"))
    return _style(chart)


def _style(chart):
    return chart.configure(font=FONT, background="white").configure_view(stroke=None).configure_axis(
        labelColor="#475569", titleColor="#475569", gridColor="#e2e8f0", domainColor="#cbd5e1", tickColor="#cbd5e1",
        labelFontSize=10, titleFontSize=10, titleFontWeight="normal").configure_axisY(minExtent=42).configure_legend(
        labelColor="#334155", titleColor="#334155", labelFontSize=10, titleFontSize=10)


def chart_svg(chart) -> str:
    """Render a chart to a standalone SVG string offline (vl-convert; data is inlined, nothing is fetched).

    The spec is not re-validated against the Vega-Lite schema here (that costs more than drawing it); the
    charts are built by the functions above and validated in the tests.
    """
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(validate=False))
