"""A partition's datasets counted per (instrument, observation year, outcome), for reports."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..tools.diff import MIN_DATE

if TYPE_CHECKING:
    from .partition import SelectedRows

#: Datasets processed per (instrument, observation year, outcome); outcome is "ok", "affected" or "failed".
TALLY_COLUMNS = ["instrument", "year", "outcome", "datasets"]


def tally(selected: SelectedRows, outcome: np.ndarray) -> pd.DataFrame:
    """Count the partition's datasets per (instrument, observation year, outcome) for reports.

    ``outcome`` per row: 0 ok, 1 affected, 2 failed (:func:`row_outcomes`).
    """
    frame = selected.frame
    if frame.empty:
        return pd.DataFrame(columns=TALLY_COLUMNS)
    outcome = np.asarray(outcome, dtype=np.int64)
    times = selected.exposure_times
    times = times if isinstance(times, pa.Array) else pa.array(times, type=pa.string())
    # Counted on codes (few instruments, years and outcomes), not by grouping a frame of per-row strings.
    year_codes, years = observation_year_codes(times)
    if selected.exposure_rows is not None:  # the times of every row read: the selected rows' codes
        year_codes = year_codes[selected.exposure_rows]
    instrument_codes, instruments = selected.instrument_coding()
    names = ([value.lower() for value in instruments], list(years), ["ok", "affected", "failed"])
    key = (instrument_codes.astype(np.int64) * len(years) + year_codes) * 3 + outcome
    found, counts = np.unique(key, return_counts=True)
    rows = sorted((names[0][k // 3 // len(years)], names[1][k // 3 % len(years)], names[2][k % 3], int(count))
                  for k, count in zip(found.tolist(), counts.tolist()))
    if len(set(row[:3] for row in rows)) < len(rows):  # instruments differing only in case: add them up
        merged: dict[tuple, int] = {}
        for *group, count in rows:
            merged[tuple(group)] = merged.get(tuple(group), 0) + count
        rows = sorted((*group, count) for group, count in merged.items())
    counted = pd.DataFrame({name: [row[i] for row in rows] for i, name in enumerate(TALLY_COLUMNS)})
    counted["datasets"] = counted["datasets"].astype(np.int64)
    return counted


_YEAR = r"(?:19|20)[0-9][0-9]"
_YEAR_TEXT = re.compile(_YEAR)


def observation_years(times: pa.Array) -> pa.Array:
    """The observation year of each exposure time wherever its date format puts it (the first ``19xx``/``20xx``);
    no date (1900-01-01) or none found -> "unknown"."""
    codes, labels = observation_year_codes(times)
    return pa.array(labels, pa.string()).take(pa.array(codes))


def observation_year_codes(times: pa.Array) -> tuple[np.ndarray, list[str]]:
    """:func:`observation_years` as each time's code into a list of distinct years.

    Most times start with their year: those are told by their first four bytes (read from the Arrow buffers
    as one number per time), checked per distinct start; the others are searched in full.
    """
    times = times if times.type == pa.string() else times.cast(pa.string())
    n = len(times)
    starts = np.frombuffer(times.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * times.offset)
    data = times.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    long = np.diff(starts) >= 4
    if times.null_count:
        long &= times.is_valid().to_numpy(zero_copy_only=False)
    head = np.zeros(n, dtype=np.uint32)
    if long.any():
        at = starts[:-1][long]
        head[long] = ((data[at].astype(np.uint32) << 24) | (data[at + 1].astype(np.uint32) << 16)
                      | (data[at + 2].astype(np.uint32) << 8) | data[at + 3].astype(np.uint32))
    head_codes, heads = pd.factorize(head)
    label_index: dict[str, int] = {}  # year -> its code, in order of first appearance
    per_head = np.empty(len(heads), dtype=np.int64)
    for i, value in enumerate(heads.tolist()):
        text = int(value).to_bytes(4, "big").decode("latin-1")
        year = text if value and _YEAR_TEXT.fullmatch(text) else None
        per_head[i] = -1 if year is None else label_index.setdefault(year, len(label_index))
    codes = per_head[head_codes] if n else np.zeros(0, dtype=np.int64)
    rest = np.flatnonzero(codes < 0)
    if len(rest):
        found = pc.struct_field(pc.extract_regex(times.take(pa.array(rest)), f"(?P<year>{_YEAR})"), [0])
        for row, year in zip(rest.tolist(), found.to_pylist()):
            if year is not None:
                codes[row] = label_index.setdefault(year, len(label_index))
    labels = list(label_index)
    unknown = len(labels)
    codes[codes < 0] = unknown
    codes[pc.fill_null(pc.equal(times, MIN_DATE), False).to_numpy(zero_copy_only=False)] = unknown
    return codes, labels + ["unknown"]
