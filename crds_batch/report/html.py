"""One self-contained HTML page for a batch run: summary, error classes, plots.

Everything is inline (CSS, SVG figures): the file can be mailed, archived or
opened offline. Works for both jobs: an affected run (two contexts) shows
affected datasets and updates; a context check shows failing datasets and
error classes.
"""
from __future__ import annotations

import datetime
import os
from html import escape
from typing import Any

import pandas as pd

from .. import __version__
from .svg import bar_chart

#: Error classes listed in the page (the CSV/--output holds them all).
MAX_CLASSES = 500

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em} th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.msg{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-word}
.cards{display:flex;flex-wrap:wrap;gap:12px} .card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.card .n{font-size:1.6em;font-weight:600} .card.bad .n{color:#D55E00} .card.good .n{color:#009E73}
.figures{display:flex;flex-wrap:wrap;gap:24px} figure{margin:0}
.chart-title{font-weight:600;font-size:13px} .label,.value{font-size:11px;fill:#333}
details summary{cursor:pointer;color:#0072B2}
"""


def render_report(result: Any, *, seconds: float | None = None, title: str | None = None) -> str:
    """The HTML text of the report of ``result`` (an AffectedResult or CheckResult).

    Parameters
    ----------
    result : AffectedResult or CheckResult
        A finished run.
    seconds : float, optional
        Wall time of the run, shown in the summary.
    title : str, optional
        Page title; default from the contexts.
    """
    summary = result.summary()
    check = not result.plan.old_context or result.plan.old_source != "context"
    if title is None:
        title = (f"Context check: {summary['new_context']}" if check
                 else f"Affected datasets: {summary['old_context']} \u2192 {summary['new_context']}")
    unique = result.unique_errors()
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">crds-batch {escape(__version__)} \u00b7 generated '
        f'{escape(datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))}'
        + (f" \u00b7 {seconds:.1f} s" if seconds is not None else "") + "</p>",
        _cards(summary, unique, check),
        "<h2>Figures</h2>",
        '<div class="figures">' + "".join(_figures(result, check)) + "</div>",
        _classes_section(unique),
        _summary_table(summary),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


def write_report(result: Any, path: str, *, seconds: float | None = None, title: str | None = None) -> str:
    """Write the report of ``result`` to ``path`` atomically; return the path."""
    text = render_report(result, seconds=seconds, title=title)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temp = path + ".tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)
    return path


def _cards(summary: dict, unique, check: bool) -> str:
    cards = [("datasets processed", summary["datasets_processed"], "")]
    if check:
        cards.append(("datasets failing", result_failed(summary), "bad" if result_failed(summary) else "good"))
    else:
        cards.append(("datasets affected", summary["datasets_affected"], ""))
        cards.append(("products affected", summary["products_affected"], ""))
    if summary.get("old_context") or not check:
        cards.append(("updates", summary["updates"], ""))
    cards.append(("errors", unique.total, "bad" if unique.total else "good"))
    cards.append(("error classes", len(unique.classes), "bad" if unique.classes else "good"))
    return '<div class="cards">' + "".join(
        f'<div class="card {cls}"><div class="n">{value:,}</div><div>{escape(name)}</div></div>'
        for name, value, cls in cards) + "</div>"


def result_failed(summary: dict) -> int:
    return int(summary.get("datasets_failed", 0))


def _figures(result: Any, check: bool) -> list[str]:
    tally = result.tally if result.tally is not None else pd.DataFrame(columns=["instrument", "year", "outcome",
                                                                              "datasets"])
    tally = tally.astype({"datasets": "int64"}) if len(tally) else tally
    outcomes = ["failed", "affected"] if not check or result.plan.old_source == "recorded" else ["failed"]
    if not check:
        outcomes = ["affected", "failed"]
    figures = []
    for by, horizontal in (("instrument", True), ("year", False)):
        pivot = _pivot(tally, by, outcomes)
        what = " and ".join(f"{o}" for o in outcomes)
        figures.append(_figure(bar_chart(f"Datasets {what} by {by}", list(pivot.index),
                                         {o: list(pivot[o]) for o in outcomes},
                                         chart_id=f"plot-by-{by}", horizontal=horizontal),
                               f"Datasets {what}, by {by} of observation" if by == "year" else
                               f"Datasets {what}, by instrument"))
    figures.append(_figure(_by_type(result, check), "Errors and updates by instrument and reference type"))
    return figures


def _pivot(tally: pd.DataFrame, by: str, outcomes: list[str]) -> pd.DataFrame:
    if tally.empty:
        return pd.DataFrame({o: [] for o in outcomes})
    pivot = tally.pivot_table(index=by, columns="outcome", values="datasets", aggfunc="sum", fill_value=0)
    for outcome in outcomes:
        if outcome not in pivot.columns:
            pivot[outcome] = 0
    pivot = pivot[outcomes]
    if by == "year":
        return pivot.sort_index()
    return pivot.loc[pivot.sum(axis=1).sort_values(ascending=False).index]


def _by_type(result: Any, check: bool) -> str:
    errors = result.errors[(result.errors["level"] == "error") & (result.errors["filekind"] != "")
                           & (result.errors["dataset_id"] != "ALL")]
    keys = errors["instrument"].str.upper() + " " + errors["filekind"].str.upper()
    counts = {"errors": keys.value_counts()}
    if len(result.changes) and "status" in result.changes:
        updates = result.updates
        counts["updates"] = (updates["instrument"].str.upper() + " " + updates["filekind"].str.upper()).value_counts()
    frame = pd.DataFrame(counts).fillna(0)
    if frame.empty:
        frame = pd.DataFrame({"errors": []})
    frame = frame.loc[frame.sum(axis=1).sort_values(ascending=False).index]
    return bar_chart("Errors and updates by type" if "updates" in frame else "Errors by type", list(frame.index),
                     {name: list(frame[name]) for name in frame.columns}, chart_id="plot-by-type")


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="plot">{svg}<figcaption class="meta">{escape(caption)}</figcaption></figure>'


def _classes_section(unique) -> str:
    if not unique.classes:
        return "<h2>Error classes</h2><p>No errors.</p>"
    rows = []
    for cls in sorted(unique.classes, key=lambda c: (-c.count, c.sort_key))[:MAX_CLASSES]:
        rows.append(f'<tr><td class="num">{cls.count:,}</td><td>{escape(cls.instrument)}</td>'
                    f'<td>{escape(cls.filekind)}</td><td class="msg">{escape(cls.message)}</td>'
                    f'<td class="msg">{escape(" ".join(cls.examples))}</td></tr>')
    more = (f"<p class=\"meta\">{len(unique.classes) - MAX_CLASSES:,} more classes not shown.</p>"
            if len(unique.classes) > MAX_CLASSES else "")
    failures = ""
    if unique.dataset_failures:
        items = "".join(f"<li><code>{escape(i)}</code>: {escape(m)}</li>" for i, m in unique.dataset_failures[:100])
        failures = (f"<details><summary>{unique.untracked:,} datasets could not be processed at all</summary>"
                    f"<ul>{items}</ul></details>")
    return (f"<h2>Error classes ({len(unique.classes):,})</h2>"
            '<p class="meta">Errors grouped as crds bestrefs --dump-unique-errors groups them: '
            "instrument, type and message, with the dataset id factored out.</p>"
            '<table id="error-classes"><thead><tr><th>count</th><th>instrument</th><th>type</th><th>message</th>'
            "<th>example ids</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>" + more + failures)


def _summary_table(summary: dict) -> str:
    rows = "".join(f"<tr><th>{escape(str(key))}</th><td>{escape(_text(value))}</td></tr>"
                   for key, value in summary.items())
    return f'<h2>Summary</h2><table id="summary">{rows}</table>'


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return "" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))
