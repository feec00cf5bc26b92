"""The report's charts: datasets by instrument, by year of observation, and by instrument and type.

Every chart stacks the same outcomes in the same colours (see ``outcomes``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .outcomes import AFFECTED, CHANGED, CHECK, FAILED, RECORDED, Outcome, outcome_label, shown_outcomes
from .plots import Series, bar_chart, svg_element

#: Bars of the per-type chart (the types with most datasets first).
MAX_TYPE_BARS = 40
#: The year axis label of datasets without a readable observation date.
UNKNOWN_YEAR = "unknown"
#: What the charts of each job count.
_WHAT = {AFFECTED: "affected and failed", RECORDED: "differing from the recorded references and failed",
         CHECK: "failed"}


@dataclass(frozen=True)
class Chart:
    chart_id: str
    caption: str
    svg: str


def charts(result: Any, kind: str) -> list[Chart]:
    """The three charts of a report of ``kind`` about ``result``."""
    outcomes = shown_outcomes(kind)
    tally = _tally(result)
    what = _WHAT[kind]
    by_type = datasets_by_type(result, outcomes)
    shown_types = by_type.head(MAX_TYPE_BARS)
    type_caption = f"Datasets {what}, by instrument and reference type"
    if len(by_type) > len(shown_types):
        type_caption += f" ({len(shown_types)} of {len(by_type)} types: those with most datasets)"
    return [
        _chart("plot-by-instrument", f"Datasets {what}, by instrument", datasets_by_instrument(tally, outcomes),
               kind, horizontal=True),
        _chart("plot-by-year", f"Datasets {what}, by year of observation", datasets_by_year(tally, outcomes),
               kind, horizontal=False),
        _chart("plot-by-type", type_caption, shown_types, kind, horizontal=True),
    ]


def _chart(chart_id: str, caption: str, counts: pd.DataFrame, kind: str, *, horizontal: bool) -> Chart:
    labels = [str(label) for label in counts.index]
    series = [Series(outcome, outcome_label(outcome, kind), list(counts[outcome.key]))
              for outcome in _outcomes_of(counts)]
    gap = labels.index(UNKNOWN_YEAR) if UNKNOWN_YEAR in labels and labels.index(UNKNOWN_YEAR) > 0 else None
    figure = bar_chart(labels, series, horizontal=horizontal, gap_before=None if horizontal else gap)
    return Chart(chart_id, caption, svg_element(figure, chart_id, caption))


def _outcomes_of(counts: pd.DataFrame) -> list[Outcome]:
    return [outcome for outcome in (CHANGED, FAILED) if outcome.key in counts.columns]


def _tally(result: Any) -> pd.DataFrame:
    tally = result.tally
    if tally is None or tally.empty:
        return pd.DataFrame({"instrument": [], "year": [], "outcome": [], "datasets": []})
    return tally.astype({"instrument": str, "year": str, "outcome": str, "datasets": "int64"})


def _counts(tally: pd.DataFrame, by: str, outcomes: Iterable[Outcome]) -> pd.DataFrame:
    keys = [outcome.key for outcome in outcomes]
    shown = tally[tally["outcome"].isin(keys)]
    counts = shown.pivot_table(index=by, columns="outcome", values="datasets", aggfunc="sum", fill_value=0)
    return counts.reindex(columns=keys, fill_value=0).astype("int64")


def datasets_by_instrument(tally: pd.DataFrame, outcomes: Iterable[Outcome]) -> pd.DataFrame:
    """Datasets per instrument (rows, most first) and outcome (columns)."""
    counts = _counts(tally, "instrument", outcomes)
    return counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def datasets_by_year(tally: pd.DataFrame, outcomes: Iterable[Outcome]) -> pd.DataFrame:
    """Datasets per year (every year from the first to the last, then "unknown") and outcome."""
    counts = _counts(tally, "year", outcomes)
    return counts.reindex(year_axis(tally["year"]), fill_value=0)


def year_axis(years: Iterable[str]) -> list[str]:
    """Every year from the earliest to the latest of ``years`` (none skipped), then "unknown" if present."""
    years = set(years)
    known = sorted(int(year) for year in years if year.isdigit())
    axis = [str(year) for year in range(known[0], known[-1] + 1)] if known else []
    return axis + ([UNKNOWN_YEAR] if years - set(axis) else [])


def datasets_by_type(result: Any, outcomes: Iterable[Outcome]) -> pd.DataFrame:
    """Datasets per "instrument type" (rows, most first) and outcome: distinct datasets, not error lines.

    A dataset counts as affected for a type when that type gets a new
    reference, as failed when a lookup of that type failed (old, new or both).
    """
    columns = {}
    keys = [outcome.key for outcome in outcomes]
    if CHANGED.key in keys:
        columns[CHANGED.key] = _distinct_datasets(result.updates)
    if FAILED.key in keys:
        errors = result.all_errors()
        errors = errors[(errors["level"] == "error") & (errors["filekind"].astype(str) != "")
                        & (errors["dataset_id"] != "ALL")]
        columns[FAILED.key] = _distinct_datasets(errors)
    counts = pd.DataFrame(columns).fillna(0).reindex(columns=keys, fill_value=0).astype("int64")
    return counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def _distinct_datasets(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series(dtype="int64")
    keys = (frame["instrument"].astype(str).str.lower() + " " + frame["filekind"].astype(str).str.lower())
    return pd.DataFrame({"type": keys.to_numpy(), "dataset_id": frame["dataset_id"].astype(str).to_numpy()}) \
        .groupby("type")["dataset_id"].nunique()
