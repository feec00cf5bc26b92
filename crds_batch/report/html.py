"""One self-contained HTML page for a batch run: summary, replaced references, charts, error classes.

Everything is inline (CSS, SVG charts drawn by matplotlib) and nothing
refers outside the file: it can be mailed, archived or opened offline. Works
for both jobs: an affected run (two contexts) shows affected datasets and which
reference replaced which; a context check shows failing datasets (and, against
the recorded references, which differ) and the error classes.
"""
from __future__ import annotations

import datetime
import os
from html import escape
from typing import Any

from .. import __version__
from .figures import charts
from .outcomes import AFFECTED, CHANGED, CHECK, FAILED, OUTCOMES, job_kind, shown_outcomes
from .tables import ErrorGroup, error_groups, replacements

#: Rows of the replacement table shown (the most datasets first; --output's changes.parquet has all) ...
MAX_REPLACEMENTS = 2000
#: ... of which these are shown open, the others in a collapsed list.
REPLACEMENTS_OPEN = 30
#: Error classes shown per instrument and type (the most errors first; --dump-unique-errors lists all).
MAX_CLASSES_PER_GROUP = 200
#: Datasets listed that could not be processed at all.
MAX_FAILURES = 100

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1280px;color:#222;padding:0 1.5em}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9em}
table{border-collapse:collapse;font-size:.9em;width:100%} th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6;white-space:nowrap} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.msg{font-family:ui-monospace,monospace;font-size:.85em;overflow-wrap:break-word}
code.id,code.ref{font-family:ui-monospace,monospace;font-size:.85em;white-space:nowrap}
td.ids{font-size:.95em;line-height:1.6} td.ids code.id{margin-right:.8em;display:inline-block}
td.ref{white-space:nowrap} td.ref .msg{white-space:normal;font-family:ui-monospace,monospace;font-size:.85em}
table.replacements{width:auto;min-width:60%} td.arrow{color:#999;padding:4px 0}
.scroll{overflow-x:auto;max-width:100%}
.cards{display:flex;flex-wrap:wrap;gap:12px} .card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.card .n{font-size:1.6em;font-weight:600}
.key{display:flex;flex-wrap:wrap;gap:1.5em;margin:.8em 0} .swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.4em}
figure{margin:1.2em 0 2em 0} figcaption{font-weight:600;margin-bottom:.3em}
svg.chart{display:block;width:100%;height:auto}
details{margin:.3em 0;border:1px solid #eee;border-radius:4px;padding:.2em .6em}
details[open]{padding-bottom:.6em} summary{cursor:pointer} summary .group{font-weight:600}
"""


def _outcome_css() -> str:
    """Card numbers in their outcome's colour: the one place colours meet CSS."""
    return "".join(f".card.{o.key} .n{{color:{o.colour}}} .swatch.{o.key}{{background:{o.colour}}}" for o in OUTCOMES)


def render_report(result: Any, *, seconds: float | None = None, title: str | None = None) -> str:
    """The HTML text of the report of ``result`` (an AffectedResult or CheckResult).

    Parameters
    ----------
    result : AffectedResult or CheckResult
        A finished run.
    seconds : float, optional
        Wall time of the run, shown under the title.
    title : str, optional
        Page title; default from the contexts.
    """
    summary = result.summary()
    kind = job_kind(result)
    if title is None:
        title = (f"Affected datasets: {summary['old_context']} \u2192 {summary['new_context']}" if kind == AFFECTED
                 else f"Context check: {summary['new_context']}")
    unique = result.unique_errors()
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">crds-batch {escape(__version__)} \u00b7 generated '
        f'{escape(datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))}'
        + (f" \u00b7 {seconds:.1f} s" if seconds is not None else "") + "</p>",
        _cards(result, summary, unique, kind),
        _colour_key(kind),
        "" if kind == CHECK else _replacements_section(result, kind),
        "<h2>Charts</h2>" + "".join(
            f'<figure class="plot"><figcaption>{escape(chart.caption)}</figcaption>{chart.svg}</figure>'
            for chart in charts(result, kind)),
        _classes_section(unique),
        _summary_table(summary),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}{_outcome_css()}</style></head><body>"
            + "\n".join(section for section in sections if section) + "</body></html>\n")


def write_report(result: Any, path: str, *, seconds: float | None = None, title: str | None = None) -> str:
    """Write the report of ``result`` to ``path`` atomically; return its absolute path."""
    text = render_report(result, seconds=seconds, title=title)
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temp = path + ".tmp"
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return path


def _cards(result: Any, summary: dict, unique, kind: str) -> str:
    failed = result.failed_datasets()
    cards = [("datasets processed", summary["datasets_processed"], "")]
    if kind == AFFECTED:
        cards += [("datasets affected", summary["datasets_affected"], CHANGED.key),
                  ("products affected", summary["products_affected"], CHANGED.key),
                  ("updates", summary["updates"], CHANGED.key)]
    elif kind != CHECK:
        cards.append(("datasets differing from recorded", summary["datasets_affected"], CHANGED.key))
    cards += [("datasets failing", failed, FAILED.key if failed else ""),
              ("errors", unique.total, FAILED.key if unique.total else ""),
              ("error classes", len(unique.classes), FAILED.key if unique.classes else "")]
    return '<div class="cards">' + "".join(
        f'<div class="card {cls}"><div class="n">{value:,}</div><div>{escape(name)}</div></div>'
        for name, value, cls in cards) + "</div>"


def _colour_key(kind: str) -> str:
    items = "".join(f'<span><span class="swatch {o.key}"></span>{escape(o.meaning)}</span>'
                    for o in shown_outcomes(kind))
    return f'<div class="key meta">Colours, everywhere in this page: {items}</div>'


def _replacements_section(result: Any, kind: str) -> str:
    table = replacements(result.updates)
    old = "old reference" if kind == AFFECTED else "recorded reference"
    heading = f"<h2>Reference replacements ({len(table):,})</h2>"
    if table.empty:
        return heading + "<p>No dataset gets a different reference.</p>"
    shown = table.head(MAX_REPLACEMENTS)
    first, rest = shown.head(REPLACEMENTS_OPEN), shown.iloc[REPLACEMENTS_OPEN:]
    more = ""
    if len(rest):
        more = (f"<details><summary>{len(rest):,} more replacements</summary>"
                + _replacement_table("replacements-more", rest, old) + "</details>")
    if len(table) > len(shown):
        more += (f'<p class="meta">{len(table) - len(shown):,} more replacements not shown '
                 "(--output writes every change to changes.parquet).</p>")
    return (heading + f'<p class="meta">Which {escape(old)} each new one replaces, and for how many datasets; '
            "most datasets first.</p>" + _replacement_table("replacements", first, old) + more)


def _replacement_table(table_id: str, rows, old: str) -> str:
    body = "".join(
        f'<tr><td>{escape(r.instrument)}</td><td>{escape(r.filekind)}</td><td class="ref">{_reference(r.old)}</td>'
        f'<td class="arrow">\u2192</td><td class="ref">{_reference(r.new)}</td><td class="num">{r.datasets:,}</td></tr>'
        for r in rows.itertuples(index=False))
    return (f'<div class="scroll"><table id="{table_id}" class="replacements"><thead><tr><th>instrument</th>'
            f'<th>type</th><th>{escape(old)}</th><th></th><th>new reference</th><th class="num">datasets</th></tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


def _reference(name: str) -> str:
    """A file name on one line; anything else (a failed lookup's message) wraps."""
    return f'<code class="ref">{escape(name)}</code>' if " " not in name else f'<span class="msg">{escape(name)}</span>'


def _classes_section(unique) -> str:
    failures = _failures(unique)
    if not unique.classes:
        return "<h2>Error classes</h2><p>No error classes.</p>" + failures
    groups = error_groups(unique)
    return (f"<h2>Error classes ({len(unique.classes):,})</h2>"
            '<p class="meta">Errors grouped as crds bestrefs --dump-unique-errors groups them (instrument, type '
            f"and message, the dataset id factored out), here by instrument and type: {len(groups):,} groups, "
            "most errors first. Open a group to see its classes.</p>"
            '<div id="error-classes">' + "".join(_group(group) for group in groups) + "</div>" + failures)


def _group(group: ErrorGroup) -> str:
    name = f"{group.instrument} {group.filekind}".lower() if group.instrument != "ALL" else "whole context"
    rows = "".join(
        f'<tr><td class="num">{cls.count:,}</td><td class="msg">{escape(cls.message)}</td>'
        f'<td class="ids">{" ".join(_id(i) for i in cls.examples)}</td></tr>'
        for cls in group.classes[:MAX_CLASSES_PER_GROUP])
    hidden = len(group.classes) - MAX_CLASSES_PER_GROUP
    more = (f'<p class="meta">{hidden:,} more classes not shown (check-context --dump-unique-errors lists all).</p>'
            if hidden > 0 else "")
    classes = f"{len(group.classes):,} class" + ("es" if len(group.classes) != 1 else "")
    return (f'<details class="error-group" data-instrument="{escape(group.instrument.lower())}" '
            f'data-type="{escape(group.filekind.lower())}" data-errors="{group.errors}">'
            f'<summary><span class="group">{escape(name)}</span>: {group.errors:,} errors in {classes}</summary>'
            '<div class="scroll"><table><thead><tr><th class="num">count</th><th>message</th><th>example ids</th>'
            f"</tr></thead><tbody>{rows}</tbody></table></div>{more}</details>")


def _failures(unique) -> str:
    if not unique.dataset_failures:
        return ""
    items = "".join(f"<li>{_id(i)}: {escape(m)}</li>" for i, m in unique.dataset_failures[:MAX_FAILURES])
    return (f"<details><summary>{unique.untracked:,} datasets could not be processed at all</summary>"
            f"<ul>{items}</ul></details>")


def _id(dataset_id: str) -> str:
    return f'<code class="id">{escape(dataset_id)}</code>'


def _summary_table(summary: dict) -> str:
    rows = "".join(f"<tr><th>{escape(str(key))}</th><td>{escape(_text(value))}</td></tr>"
                   for key, value in summary.items())
    return f'<h2>Summary</h2><table id="summary">{rows}</table>'


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return "" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))
