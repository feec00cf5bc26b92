"""The report's tables as data: which reference replaced which, and the error classes by instrument and type."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..batch.unique_errors import ErrorClass, UniqueErrors

REPLACEMENT_COLUMNS = ["instrument", "filekind", "old", "new", "datasets"]


def replacements(updates: pd.DataFrame) -> pd.DataFrame:
    """One row per (instrument, type, old reference, new reference): how many datasets, most first.

    Names are lower case, as crds prints them (--print-new-references).
    """
    if updates.empty:
        return pd.DataFrame({column: [] for column in REPLACEMENT_COLUMNS})
    frame = pd.DataFrame({column: updates[column].astype(str).str.lower().to_numpy()
                          for column in ("instrument", "filekind", "old", "new")})
    frame["dataset_id"] = updates["dataset_id"].astype(str).to_numpy()
    counted = frame.groupby(["instrument", "filekind", "old", "new"], sort=True)["dataset_id"].nunique()
    counted = counted.reset_index(name="datasets")
    return counted.sort_values("datasets", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ErrorGroup:
    """The error classes of one instrument and type."""

    instrument: str
    filekind: str
    classes: tuple[ErrorClass, ...]  # most errors first

    @property
    def errors(self) -> int:
        return sum(cls.count for cls in self.classes)


def error_groups(unique: UniqueErrors) -> list[ErrorGroup]:
    """The classes of ``unique`` grouped by (instrument, type); groups and classes with most errors first."""
    grouped: dict[tuple[str, str], list[ErrorClass]] = {}
    for cls in unique.classes:
        grouped.setdefault((cls.instrument, cls.filekind), []).append(cls)
    groups = [ErrorGroup(instrument, filekind, tuple(sorted(classes, key=lambda c: (-c.count, c.sort_key))))
              for (instrument, filekind), classes in grouped.items()]
    return sorted(groups, key=lambda g: (-g.errors, g.instrument, g.filekind))
