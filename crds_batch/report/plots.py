"""Stacked bar charts drawn with matplotlib and inlined as SVG.

Drawn with the Agg canvas (no display, no pyplot state) and matplotlib's
bundled DejaVu Sans; text is written as glyph paths, so the page looks the same
everywhere and no font is looked up or fetched. The SVG is made fit to sit in
an HTML page: no XML prolog, doctype, namespaces or metadata (no URL at all),
ids prefixed with the chart's id, width set by the page's CSS.
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .outcomes import Outcome

#: Width of every chart, inches; the page scales it to its own width.
WIDTH = 12.0
#: Height of one bar of a horizontal chart, inches.
ROW = 0.24

_STYLE = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib: nothing is looked up on the system
    "font.size": 9,
    "text.parse_math": False,  # labels are names: a "$" is a dollar sign
    "svg.fonttype": "path",
    "svg.hashsalt": "crds-batch",  # stable clip-path ids: the same data gives the same page
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "axes.axisbelow": True,
}
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


@dataclass(frozen=True)
class Series:
    """One stacked series: an outcome (its colour), its legend label, one value per bar."""

    outcome: Outcome
    label: str
    values: Sequence[float]


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, horizontal: bool,
              gap_before: int | None = None) -> Figure:
    """A stacked bar chart; each bar carries its total.

    Parameters
    ----------
    labels : sequence of str
        One per bar, every one shown on the axis.
    series : sequence of Series
        Stacked in order; bar ``i`` of a series has the SVG id ``bar-<outcome>-<i>``.
    horizontal : bool
        Bars left to right, first label on top (names), else bottom to top (years).
    gap_before : int, optional
        Leave a gap before this bar (e.g. "unknown" after the years).
    """
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(WIDTH, max(1.6, 1.0 + ROW * len(labels)) if horizontal else 3.8),
                        layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = [i + (1 if gap_before is not None and i >= gap_before else 0) for i in range(len(labels))]
        totals = [0.0] * len(labels)
        container = None
        for one in series:
            values = [float(v) for v in one.values]
            if horizontal:
                container = axes.barh(positions, values, left=totals, height=0.7, color=one.outcome.colour,
                                      label=one.label)
            else:
                container = axes.bar(positions, values, bottom=totals, width=0.75, color=one.outcome.colour,
                                     label=one.label)
            for i, patch in enumerate(container.patches):
                patch.set_gid(f"bar-{one.outcome.key}-{i}")
            totals = [t + v for t, v in zip(totals, values)]
        counts = FuncFormatter(lambda value, _: f"{value:,.0f}")
        value_axis = axes.xaxis if horizontal else axes.yaxis
        value_axis.set_major_formatter(counts)
        value_axis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        (axes.set_yticks if horizontal else axes.set_xticks)(positions, labels)
        (axes.yaxis if horizontal else axes.xaxis).grid(False)
        if horizontal:
            axes.invert_yaxis()
            axes.margins(y=0.5 / max(len(labels), 1))
        else:
            axes.margins(x=0.5 / max(len(labels), 1))
        axes.tick_params(length=0, axis="y" if horizontal else "x")
        peak = max(totals, default=0.0) or 1.0
        (axes.set_xlim if horizontal else axes.set_ylim)(0, peak)
        value_labels = []
        if container is not None:
            value_labels = axes.bar_label(container, labels=[f"{t:,.0f}" if t else "" for t in totals],
                                          padding=3, fontsize=8, color="#333333")
        if series:
            figure.legend(loc="outside upper left", ncols=len(series), frameon=False)
        _fit(figure, axes, value_labels, horizontal, peak)
    return figure


def _fit(figure: Figure, axes, value_labels, horizontal: bool, peak: float) -> None:
    """Turn crowded axis and total labels upright and make room for the totals inside the axes."""
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)
    if not horizontal:
        ticks = [t for t in axes.get_xticklabels() if t.get_text()]
        if _overlapping(ticks, renderer) or _overlapping([t for t in value_labels if t.get_text()], renderer):
            for tick in ticks:
                tick.set_rotation(90)
            for text in value_labels:
                text.set_rotation(90)
    limit = peak
    for _ in range(4):  # the totals must end inside the axes: widen the value range until they do
        figure.draw(renderer)
        box = axes.get_window_extent(renderer)
        far = max((_far_edge(t, renderer, horizontal) for t in value_labels if t.get_text()), default=0.0)
        edge = box.x1 if horizontal else box.y1
        start = box.x0 if horizontal else box.y0
        if far <= edge:
            break
        limit *= (far - start) / (edge - start) * 1.02
        (axes.set_xlim if horizontal else axes.set_ylim)(0, limit)


def _far_edge(text, renderer, horizontal: bool) -> float:
    extent = text.get_window_extent(renderer)
    return extent.x1 if horizontal else extent.y1


def _overlapping(texts, renderer) -> bool:
    boxes = sorted((t.get_window_extent(renderer) for t in texts), key=lambda b: b.x0)
    return any(a.x1 > b.x0 for a, b in zip(boxes, boxes[1:]))


def svg_element(figure: Figure, chart_id: str, description: str) -> str:
    """``figure`` as an ``<svg id=chart_id class="chart">`` element to paste into an HTML page."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    text = buffer.getvalue()
    root_end = text.index(">", text.index("<svg")) + 1
    view_box = re.search(r'viewBox="([^"]+)"', text[:root_end]).group(1)
    body = text[root_end:]
    body = re.sub(r'\bid="([^"]+)"', rf'id="{chart_id}-\1"', body)
    body = body.replace('xlink:href="#', f'href="#{chart_id}-').replace("url(#", f"url(#{chart_id}-")
    body = body.replace("<style type=\"text/css\">*{", f"<style>#{chart_id} *{{")  # keep matplotlib's style local
    return (f'<svg id="{chart_id}" class="chart" viewBox="{view_box}" role="img" '
            f'aria-label="{_attribute(description)}">' + body.strip())


def _attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
