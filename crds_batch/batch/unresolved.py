"""Datasets failed at a result that is no file name, as ``crds bestrefs`` fails them.

crds compares a dataset's types in sorted order; at the first result that is
a tuple of tied choices (or a dict) it stops with ``Failed processing '<id>'``:
the dataset is an error, not affected, its updates are dropped, and only the
errors of the types before that one were counted.  :class:`UnresolvedStops`
follows one instrument's rows through that loop and turns the failures into
dataset-level error rows whose message says what was ambiguous.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..rules.ambiguity import describe_unresolved
from .compare import stop_at_unresolved
from .error_rows import error_frame


class UnresolvedStops:
    """The rows of one instrument still compared, and those that failed (at which type, which side)."""

    def __init__(self, nrows: int):
        self.alive = np.ones(nrows, dtype=bool)
        self._found: list[tuple[np.ndarray, str, np.ndarray, np.ndarray]] = []

    def apply(self, result: dict[str, np.ndarray], filekind: str, old: pd.Series | None, new: pd.Series | None,
              with_old: bool) -> None:
        """Stop the rows whose ``filekind`` result is unresolved (``result`` from compare_type, changed in place)."""
        fails = stop_at_unresolved(result, self.alive, with_old)
        if not fails.any():
            return
        rows = np.flatnonzero(fails)
        old_side = (result["old_unresolved"][rows] if with_old else np.zeros(len(rows), dtype=bool))
        labels = np.where(old_side, _labels(old, rows), _labels(new, rows))
        self._found.append((rows, filekind, old_side, labels))
        self.alive &= ~fails

    @property
    def failed(self) -> np.ndarray:
        return ~self.alive

    def errors(self, ids: np.ndarray, frame: pd.DataFrame, instrument: str, old_context: Any,
               new_context: Any) -> list[pd.DataFrame]:
        """One untracked "Failed processing" error row per failed dataset."""
        return [frame for _filekind, frame in self.errors_by_type(ids, frame, instrument, old_context, new_context)]

    def errors_by_type(self, ids: np.ndarray, frame: pd.DataFrame, instrument: str, old_context: Any,
                       new_context: Any) -> list[tuple[str, pd.DataFrame]]:
        """:meth:`errors` with the type whose unresolved result stopped each frame's datasets."""
        frames = []
        for rows, filekind, old_side, labels in self._found:
            messages = []
            for row, is_old, label in zip(rows.tolist(), old_side.tolist(), labels.tolist()):
                context = old_context if is_old else new_context
                side = "old" if is_old else "new"
                if context is None:
                    text = f"recorded {filekind.upper()} {label} is no file name"
                else:
                    text = describe_unresolved(context, _parameters(frame, row), filekind, str(label))
                messages.append(f"Failed processing ({side} context): {text}")
            frames.append((filekind, error_frame(ids[rows], instrument.lower(), "", messages, "error")))
        return frames


def _labels(column: pd.Series | None, rows: np.ndarray) -> np.ndarray:
    if column is None:
        return np.full(len(rows), "", dtype=object)
    return column.astype(object).to_numpy()[rows]


def _parameters(frame: pd.DataFrame, row: int) -> dict[str, str]:
    record = frame.iloc[row]
    return {str(key): value for key, value in record.items() if isinstance(value, str) and key != "dataset_id"}
