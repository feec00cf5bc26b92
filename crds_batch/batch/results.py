"""The outcome of an affected-datasets run, and the ways crds prints it."""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .partition import TALLY_COLUMNS, AffectedPlan
from .scope import DatasetCounts
from .unique_errors import UniqueErrors, classify


@dataclass
class AffectedResult:
    """Every (dataset, type) change, the errors, and the affected datasets of one run."""

    plan: AffectedPlan
    changes: pd.DataFrame  # CHANGE_COLUMNS; status "update" or "failed"
    errors: pd.DataFrame  # ERROR_COLUMNS; level "error" or "warning"
    affected_ids: list[str]
    datasets: int
    affected_types: list[tuple[str, str]] = field(default_factory=list)
    #: Datasets per (instrument, observation year, outcome), for reports.
    tally: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TALLY_COLUMNS))
    #: What the run read, processed and skipped of the store (None when not counted).
    counts: DatasetCounts | None = None

    @property
    def updates(self) -> pd.DataFrame:
        return self.changes[self.changes["status"] == "update"]

    @property
    def error_count(self) -> int:
        """Errors as crds counts them (a bad context once per instrument, not per dataset)."""
        return self.unique_errors().total

    def unique_errors(self) -> UniqueErrors:
        """The errors grouped into crds's unique error classes (--dump-unique-errors)."""
        cached = self.__dict__.get("_unique_errors")
        if cached is None:
            cached = self.__dict__["_unique_errors"] = classify(self.errors)
        return cached

    def failed_datasets(self) -> int:
        """Datasets with at least one error (excluding the per-instrument bad-context reports)."""
        errors = self.errors[(self.errors["level"] == "error") & (self.errors["dataset_id"] != "ALL")]
        return int(errors["dataset_id"].nunique())

    def affected_products(self) -> list[str]:
        """Sorted unique lower-case products (first ``:`` field) of affected datasets (crds --print-affected)."""
        return affected_products(self.affected_ids)

    def new_reference_lines(self) -> list[str]:
        """``id instrument filekind old new`` lines, lower case, in crds's order (--print-new-references)."""
        updates = self.updates.assign(_kind=self.updates["filekind"].str.upper())
        updates = updates.sort_values(["dataset_id", "_kind"], kind="stable")
        return [
            " ".join(str(value).lower() for value in row)
            for row in updates[["dataset_id", "instrument", "filekind", "old", "new"]].itertuples(index=False)
        ]

    def affected_detail_lines(self) -> list[str]:
        """``id instrument type type...`` per dataset with updates (--print-affected-details)."""
        lines = []
        for dataset_id, group in self.updates.groupby("dataset_id", sort=True):
            lines.append(f"{dataset_id.lower()} {group['instrument'].iloc[0]} {' '.join(sorted(group['filekind']))}")
        return lines

    def update_counts(self) -> dict[str, dict[str, int]]:
        """{instrument: {filekind: exposures updated}} (--print-update-counts)."""
        counts: dict[str, dict[str, int]] = {}
        for (instrument, filekind), n in Counter(zip(self.updates["instrument"], self.updates["filekind"])).items():
            counts.setdefault(instrument, {})[filekind] = n
        return {instr: dict(sorted(kinds.items())) for instr, kinds in sorted(counts.items())}

    def summary(self) -> dict:
        return {
            "old_context": self.plan.old_context,
            "new_context": self.plan.new_context,
            "affected_types": [f"{instr} {kind}" for instr, kind in self.affected_types],
            "datasets_processed": self.datasets,
            "datasets_affected": len(self.affected_ids),
            "products_affected": len(self.affected_products()),
            "updates": int(len(self.updates)),
            "errors": self.error_count,
            "warnings": int((self.errors["level"] == "warning").sum()),
            "datasets": self.counts.as_dict() if self.counts is not None else None,
        }

    def outputs(self) -> dict[str, Callable[[str], None]]:
        """The files ``--output DIR`` holds: name -> writer(path)."""
        return {
            "changes.parquet": lambda p: self.changes.to_parquet(p, index=False),  # strings, dictionary-encoded
            "errors.parquet": lambda p: self.errors.astype(str).to_parquet(p, index=False),
            "update_counts.json": lambda p: _write_text(p, json.dumps(self.update_counts(), indent=2)),
            "summary.json": lambda p: _write_text(p, json.dumps(self.summary(), indent=2)),
            "affected.txt": lambda p: _write_text(p, "".join(f"{i}\n" for i in self.affected_products())),
        }

    def write(self, directory: str) -> list[str]:
        """Write the :meth:`outputs` into ``directory``, each one atomically; return their paths."""
        os.makedirs(directory, exist_ok=True)
        written = []
        for name, writer in self.outputs().items():
            path = os.path.join(directory, name)
            temp = path + ".tmp"
            writer(temp)
            os.replace(temp, path)
            written.append(path)
        return written


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def affected_products(dataset_ids: list[str]) -> list[str]:
    """Sorted unique lower-case products (first ``:`` field) of ``dataset_ids``, with Arrow for ASCII ids.

    UTF-8 byte order is code point order, so Arrow's sort is Python's; non-ASCII ids take
    Python's own ``lower()`` (whose Unicode rules Arrow does not promise to follow).
    """
    ids = pa.array(dataset_ids, type=pa.string())
    if not len(ids) or not pc.all(pc.string_is_ascii(ids)).as_py():
        return sorted({dataset_id.split(":")[0].lower() for dataset_id in dataset_ids})
    products = pc.unique(pc.ascii_lower(pc.list_element(pc.split_pattern(ids, ":", max_splits=1), 0)))
    return products.take(pc.sort_indices(products)).to_pylist()
