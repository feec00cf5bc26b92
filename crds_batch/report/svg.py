"""Small inline SVG bar charts: no plotting dependency, no network assets, crisp at any zoom."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: Colours of the stacked series, in order (colour-blind safe: Okabe-Ito).
PALETTE = ("#D55E00", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#56B4E9")


def bar_chart(title: str, labels: Sequence[str], series: dict[str, Sequence[float]], *,
              chart_id: str, horizontal: bool = True, max_bars: int = 40) -> str:
    """A stacked bar chart as an ``<svg>`` element.

    Parameters
    ----------
    title : str
        Shown above the bars (and as the SVG's accessible title).
    labels : sequence of str
        One per bar.
    series : dict
        Series name -> one value per label; stacked in order.
    chart_id : str
        The ``id`` of the ``<svg>`` (tests and anchors find figures by it).
    horizontal : bool
        Bars left to right (categories with long names), else bottom to top (years).
    max_bars : int
        Only the first ``max_bars`` labels are drawn.
    """
    labels = [str(label) for label in labels][:max_bars]
    values = {name: [float(v) for v in vals][:max_bars] for name, vals in series.items()}
    totals = [sum(vals[i] for vals in values.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1.0
    legend = _legend(list(values))
    if horizontal:
        body, width, height = _horizontal(labels, values, totals, peak)
    else:
        body, width, height = _vertical(labels, values, totals, peak)
    return (f'<svg id="{escape(chart_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" '
            f'width="{width}" height="{height + 40}" viewBox="0 0 {width} {height + 40}" role="img">'
            f'<title>{escape(title)}</title>'
            f'<text x="4" y="16" class="chart-title">{escape(title)}</text>'
            f'<g transform="translate(0,24)">{body}</g>'
            f'<g transform="translate(4,{height + 32})">{legend}</g></svg>')


def _horizontal(labels, values, totals, peak) -> tuple[str, int, int]:
    label_width, bar_width, row = 170, 420, 18
    parts = []
    for i, label in enumerate(labels):
        y = i * row
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" class="label">'
                     f'{escape(label[:28])}</text>')
        x = label_width
        for k, vals in enumerate(values.values()):
            w = bar_width * vals[i] / peak
            if w > 0:
                parts.append(f'<rect class="bar" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row - 4}" '
                             f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)}: {vals[i]:g}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" class="value">{totals[i]:,.0f}</text>')
    return "".join(parts), label_width + bar_width + 70, max(len(labels), 1) * row


def _vertical(labels, values, totals, peak) -> tuple[str, int, int]:
    column, plot_height = 30, 180
    parts = []
    for i, label in enumerate(labels):
        x = 10 + i * column
        y = plot_height
        for k, vals in enumerate(values.values()):
            h = plot_height * vals[i] / peak
            if h > 0:
                y -= h
                parts.append(f'<rect class="bar" x="{x}" y="{y:.1f}" width="{column - 6}" height="{h:.1f}" '
                             f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(label)}: {vals[i]:g}</title></rect>')
        parts.append(f'<text x="{x + (column - 6) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" class="value">'
                     f'{totals[i]:,.0f}</text>')
        parts.append(f'<text x="{x + (column - 6) / 2:.1f}" y="{plot_height + 14}" text-anchor="middle" '
                     f'class="label">{escape(label[:7])}</text>')
    return "".join(parts), max(20 + len(labels) * column, 300), plot_height + 20


def _legend(names: list[str]) -> str:
    parts = []
    for k, name in enumerate(names):
        x = k * 130
        parts.append(f'<rect x="{x}" y="-9" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="0" class="label">{escape(name)}</text>')
    return "".join(parts)
