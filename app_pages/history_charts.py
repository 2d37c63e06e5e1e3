"""A client's history over weeks as Altair charts: clean-rep rate, shrug reps, tempo against the client's
target, range of motion and hold time. One point per analysed set, by the day of the set."""

from __future__ import annotations

import altair as alt
import pandas as pd

HEIGHT = 170


def _frame(rows: list[dict]) -> pd.DataFrame:
    """One row per day (several sets on one day are averaged; shrug reps are added up)."""
    df = pd.DataFrame(rows)
    df["clean_pct"] = pd.to_numeric(df["clean_rate"], errors="coerce") * 100
    df["set"] = df["set_id"].map(lambda i: f"#{i}")
    nums = ["clean_pct", "eccentric_s", "concentric_s", "hold_s", "range"]
    for col in nums:
        df[col] = pd.to_numeric(df[col], errors="coerce")
    day = df.groupby("recorded_on", as_index=False).agg(
        {**{c: "mean" for c in nums}, "shrug_reps": "sum", "set": lambda s: ", ".join(s)})
    day["day"] = pd.to_datetime(day["recorded_on"])
    return day


def _x():
    return alt.X("day:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0, tickCount="day"))


def _line(df, field: str, title: str, fmt: str, domain=None):
    y = alt.Y(f"{field}:Q", title=title, scale=alt.Scale(domain=domain) if domain else alt.Scale(zero=False))
    tip = [alt.Tooltip("recorded_on:N", title="day"), alt.Tooltip("set:N", title="sets"), alt.Tooltip(f"{field}:Q", format=fmt,
                                                                                        title=title)]
    base = alt.Chart(df).encode(_x(), y, tooltip=tip)
    return base.mark_line(strokeWidth=2.5) + base.mark_point(filled=True, size=70)


def history_charts(rows: list[dict], tempo_target: list[float] | None) -> list[tuple[str, alt.Chart]]:
    """(title, chart) for each history chart; empty without analysed sets."""
    if not rows:
        return []
    df = _frame(rows)
    charts = [("Clean reps", _line(df, "clean_pct", "clean reps (%)", ".0f", [0, 100]))]
    bars = alt.Chart(df).mark_bar(color="#dc2626", size=18).encode(
        _x(), alt.Y("shrug_reps:Q", title="reps with a shrug", axis=alt.Axis(tickMinStep=1)),
        tooltip=["recorded_on:N", "set:N", "shrug_reps:Q"])
    charts.append(("Shrug reps", bars))
    long = df.melt(id_vars=["day", "recorded_on", "set"], value_vars=["eccentric_s", "concentric_s", "hold_s"],
                   var_name="phase", value_name="seconds").dropna()
    long["phase"] = long["phase"].str.replace("_s", "")
    colors = alt.Scale(domain=["eccentric", "concentric", "hold"], range=["#2563eb", "#16a34a", "#9333ea"])
    tempo = alt.Chart(long).encode(_x(), alt.Y("seconds:Q", title="seconds"),
                                   alt.Color("phase:N", scale=colors, legend=alt.Legend(orient="bottom", title=None)),
                                   tooltip=["recorded_on:N", "set:N", "phase:N", alt.Tooltip("seconds:Q", format=".1f")])
    layers = [tempo.mark_line(strokeWidth=2.5), tempo.mark_point(filled=True, size=60)]
    if tempo_target:
        tgt = pd.DataFrame({"phase": ["eccentric", "concentric", "hold"],
                            "target": [tempo_target[0], tempo_target[2], tempo_target[3]]})
        layers.append(alt.Chart(tgt).mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(
            y="target:Q", color=alt.Color("phase:N", scale=colors, legend=None),
            tooltip=[alt.Tooltip("phase:N"), alt.Tooltip("target:Q", title="target (s)")]))
    charts.append(("Tempo" + (" against the target (dashed)" if tempo_target else ""), alt.layer(*layers)))
    charts.append(("Range of motion", _line(df, "range", "range (torso lengths)", ".2f")))
    hold = _line(df, "hold_s", "hold at the top (s)", ".1f")
    if tempo_target:
        hold = hold + alt.Chart(pd.DataFrame({"t": [tempo_target[3]]})).mark_rule(
            strokeDash=[6, 4], color="#9333ea").encode(y="t:Q")
    charts.append(("Hold time", hold))
    return [(title, c.properties(height=HEIGHT, width="container")) for title, c in charts]
