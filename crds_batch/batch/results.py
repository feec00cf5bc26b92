"""The outcome of an affected-datasets run, and the ways crds prints it."""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .partition import CHANGE_COLUMNS, ERROR_COLUMNS, TALLY_COLUMNS, AffectedPlan
from .parts import GatheredParts, count_updates, new_reference_table, string_bytes, with_newlines
from .scope import DatasetCounts
from .unique_errors import UniqueErrors, classify, error_totals


@dataclass
class AffectedResult:
    """Every (dataset, type) change, the errors, and the affected datasets of one run."""

    plan: AffectedPlan
    changes: pd.DataFrame  # CHANGE_COLUMNS; status "update" or "failed"
    errors: pd.DataFrame  # ERROR_COLUMNS; level "error" or "warning" (empty with parts: see all_errors)
    affected_ids: pa.Array | list[str]  # sorted (an Arrow string array from the batch jobs)
    datasets: int
    affected_types: list[tuple[str, str]] = field(default_factory=list)
    #: Datasets per (instrument, observation year, outcome), for reports.
    tally: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TALLY_COLUMNS))
    #: What the run read, processed and skipped of the store (None when not counted).
    counts: DatasetCounts | None = None
    #: Set when partition tasks wrote the change rows, affected ids and error rows as parts: then ``changes``,
    #: ``affected_ids`` and ``errors`` are empty and the methods below read the parts.
    parts: GatheredParts | None = None

    def all_changes(self) -> pd.DataFrame:
        """Every change row (read from the parts, once, when the run wrote parts)."""
        if self.parts is None:
            return self.changes
        return self._once("_changes", lambda: self.parts.changes_frame(CHANGE_COLUMNS))

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, made on the first call for ``key`` and kept on this result."""
        cached = self.__dict__.get(key)
        if cached is None:
            cached = self.__dict__[key] = make()
        return cached

    @property
    def updates(self) -> pd.DataFrame:
        changes = self.all_changes()
        return changes[changes["status"] == "update"]

    @property
    def update_total(self) -> int:
        return self.parts.updates if self.parts is not None else int((self.changes["status"] == "update").sum())

    @property
    def affected_count(self) -> int:
        """Affected datasets."""
        return self.parts.affected if self.parts is not None else len(self.affected_ids)

    def all_errors(self) -> pd.DataFrame:
        """Every error row (read from the parts, once, when the run wrote parts)."""
        if self.parts is None:
            return self.errors
        return self._once("_errors", lambda: self.parts.errors_frame(ERROR_COLUMNS))

    @property
    def error_count(self) -> int:
        """Errors as crds counts them (a bad context once per instrument, not per dataset)."""
        return self.error_totals().total

    @property
    def warning_count(self) -> int:
        if self.parts is not None:
            return self.parts.warnings
        return int((self.errors["level"] == "warning").sum())

    def error_totals(self) -> UniqueErrors:
        """The error totals and dataset failures of :meth:`unique_errors`, without its classes (cheaper; with
        parts, from the partitions' summaries, no error row read)."""
        cached = self.__dict__.get("_unique_errors") or self.__dict__.get("_error_totals")
        if cached is None:
            cached = self.__dict__["_error_totals"] = (self.parts.error_totals() if self.parts is not None else
                                                       error_totals(self.errors))
        return cached

    def unique_errors(self) -> UniqueErrors:
        """The errors grouped into crds's unique error classes (--dump-unique-errors)."""
        return self._once("_unique_errors", lambda: classify(self.all_errors()))

    def failed_datasets(self) -> int:
        """Datasets with at least one error (excluding the per-instrument bad-context reports)."""
        errors = self.all_errors()
        errors = errors[(errors["level"] == "error") & (errors["dataset_id"] != "ALL")]
        return int(errors["dataset_id"].nunique())

    def affected_products(self) -> list[str]:
        """Sorted unique lower-case products (first ``:`` field) of affected datasets (crds --print-affected)."""
        return self.affected_product_array().to_pylist()

    def affected_product_array(self) -> pa.Array:
        """:meth:`affected_products` as an Arrow string array (no Python string per product)."""
        cached = self.__dict__.get("_products")
        if cached is None:
            cached = self.__dict__["_products"] = (self.parts.products() if self.parts is not None else
                                                   affected_product_array(self.affected_ids))
        return cached

    @property
    def product_count(self) -> int:
        """Affected products (with parts, read from none when the partitions' product ranges at most touch)."""
        return self.parts.product_count() if self.parts is not None else len(self.affected_product_array())

    def affected_product_chunks(self) -> Iterator[memoryview]:
        """The --print-affected text (UTF-8, a product a line), in chunks."""
        if self.parts is not None:  # the partitions' text, as they wrote it
            yield from self.parts.product_text_chunks()
            return
        products = self.affected_product_array()
        for start in range(0, len(products), _CHUNK):
            yield string_bytes(with_newlines(products[start:start + _CHUNK]))

    def new_reference_lines(self) -> list[str]:
        """``id instrument filekind old new`` lines, lower case, in crds's order (--print-new-references)."""
        text = b"".join(self.new_reference_chunks()).decode("utf-8")
        return text.split("\n")[:-1] if text else []

    def new_reference_chunks(self) -> Iterator[bytes | memoryview]:
        """The --print-new-references text (UTF-8, each line ending with a newline), in chunks."""
        if self.parts is not None:
            yield from self.parts.line_chunks()
        else:
            yield string_bytes(new_reference_table(self.changes).column("line").combine_chunks())

    def affected_detail_lines(self) -> list[str]:
        """``id instrument type type...`` per dataset with updates (--print-affected-details)."""
        lines = []
        for dataset_id, group in self.updates.groupby("dataset_id", sort=True):
            lines.append(f"{dataset_id.lower()} {group['instrument'].iloc[0]} {' '.join(sorted(group['filekind']))}")
        return lines

    def update_counts(self) -> dict[str, dict[str, int]]:
        """{instrument: {filekind: exposures updated}} (--print-update-counts)."""
        counts: dict[str, dict[str, int]] = {}
        counted = self.parts.update_counts() if self.parts is not None else count_updates(self.changes)
        for (instrument, filekind), n in counted.items():
            counts.setdefault(instrument, {})[filekind] = n
        return {instr: dict(sorted(kinds.items())) for instr, kinds in sorted(counts.items())}

    def summary(self) -> dict:
        return {
            "old_context": self.plan.old_context,
            "new_context": self.plan.new_context,
            "affected_types": [f"{instr} {kind}" for instr, kind in self.affected_types],
            "datasets_processed": self.datasets,
            "datasets_affected": self.affected_count,
            "products_affected": self.product_count,
            "updates": self.update_total,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "datasets": self.counts.as_dict() if self.counts is not None else None,
        }

    def outputs(self) -> dict[str, Callable[[str], None]]:
        """The files ``--output DIR`` holds: name -> writer(path)."""
        return {
            CHANGES_FILE: self._write_changes,  # strings, dictionary-encoded
            "errors.parquet": lambda p: write_text_parquet(self.all_errors(), p),
            "update_counts.json": lambda p: _write_text(p, json.dumps(self.update_counts(), indent=2)),
            "summary.json": lambda p: _write_text(p, json.dumps(self.summary(), indent=2)),
            "affected.txt": lambda p: _write_chunks(p, self.affected_product_chunks()),
        }

    def _write_changes(self, path: str) -> None:
        if self.parts is not None:
            self.parts.write_changes(path, CHANGE_COLUMNS)
        else:
            self.changes.to_parquet(path, index=False)

    def write(self, directory: str) -> list[str]:
        """Write the :meth:`outputs` into ``directory``, each one atomically; return their paths."""
        os.makedirs(directory, exist_ok=True)
        outputs = {os.path.join(directory, name): writer for name, writer in self.outputs().items()}
        # changes.parquet (a 10M run's 23M rows, ~2-3 s) is written in a thread while the others are written
        # here: Arrow reads the parts and writes Parquet without the GIL, and that writer uses none of the
        # result's cached values (products, error totals) that the others compute.
        changes = os.path.join(directory, CHANGES_FILE)
        with ThreadPoolExecutor(max_workers=1) as pool:  # leaving waits: published or removed, even on an error
            background = pool.submit(publish, changes, outputs[changes]) if changes in outputs else None
            for path, writer in outputs.items():
                if path != changes:
                    publish(path, writer)
        if background is not None:
            background.result()
        return list(outputs)


def write_text_parquet(frame: pd.DataFrame, path: str, rows: int | None = None) -> None:
    """``frame`` with every column as text (``astype(str)``) as one Parquet file, converted ``rows`` rows at a time
    (default: Parquet's row group) so that a large run's error rows (Categoricals) are never all strings at once."""
    import pyarrow.parquet as pq

    rows = rows or _ROW_GROUP
    if len(frame) <= rows:
        frame.astype(str).to_parquet(path, index=False)
        return
    writer = None
    try:
        for start in range(0, len(frame), rows):
            table = pa.Table.from_pandas(frame.iloc[start:start + rows].astype(str), preserve_index=False)
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=rows)
    finally:
        if writer is not None:
            writer.close()


def publish(path: str, writer: Callable[[str], None]) -> None:
    """Write ``path`` through ``writer(temp)`` beside it, fsync, then rename into place.

    A run that fails or is killed while writing leaves at most the temporary file
    (removed on failure), never a half-written file under ``path``.
    """
    temp = f"{path}.tmp-{os.getpid()}"
    try:
        writer(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _write_chunks(path: str, chunks: Iterable[bytes | memoryview]) -> None:
    with open(path, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)


#: The change rows' file in ``--output``.
CHANGES_FILE = "changes.parquet"
#: Products per printed chunk.
_CHUNK = 1 << 20
#: Rows per Parquet row group (pyarrow's default).
_ROW_GROUP = 1 << 20


def sorted_ids(pieces: Iterable[list[str] | pa.Array]) -> pa.Array:
    """The ids of every piece (partitions' affected ids: Arrow string arrays or lists) as one Arrow string array,
    sorted by Arrow (UTF-8 byte order is code point order: Python's ``sorted``), with no Python string per id."""
    arrays = [piece if isinstance(piece, pa.Array) else pa.array(list(piece), pa.string()) for piece in pieces]
    arrays = [array.cast(pa.string()) for array in arrays if len(array)]
    if not arrays:
        return pa.array([], pa.string())
    ids = pa.concat_arrays(arrays)
    return ids.take(pc.sort_indices(ids))


def affected_products(dataset_ids: list[str] | pa.Array) -> list[str]:
    """Sorted unique lower-case products (first ``:`` field) of ``dataset_ids``, with Arrow for ASCII ids."""
    return affected_product_array(dataset_ids).to_pylist()


def affected_product_array(dataset_ids: list[str] | pa.Array) -> pa.Array:
    """:func:`affected_products` as an Arrow string array.

    UTF-8 byte order is code point order, so Arrow's sort is Python's; non-ASCII ids take
    Python's own ``lower()`` (whose Unicode rules Arrow does not promise to follow).
    """
    ids = dataset_ids if isinstance(dataset_ids, pa.Array) else pa.array(dataset_ids, type=pa.string())
    if ids.type != pa.string():
        ids = ids.cast(pa.string())
    if not len(ids) or not pc.all(pc.string_is_ascii(ids)).as_py():
        return pa.array(sorted({dataset_id.split(":")[0].lower() for dataset_id in ids.to_pylist()}), pa.string())
    lowered = pc.ascii_lower(_first_fields(ids))
    if _ascending(lowered):  # a store's partition, in id order: distinct by neighbours, no hashing, no sort
        return lowered.filter(pa.concat_arrays([pa.array([True]), pc.not_equal(lowered[1:], lowered[:-1])]))
    products = pc.unique(lowered)
    return products.take(pc.sort_indices(products))


def _ascending(strings: pa.Array) -> bool:
    """True if each string is >= the one before it (byte order; no nulls)."""
    if strings.null_count:
        return False
    return len(strings) < 2 or pc.all(pc.greater_equal(strings[1:], strings[:-1])).as_py()


_FIELD_ENDS_SLICED = 16  # ids with up to this many distinct ':' positions are cut by slicing, not splitting


def _first_fields(ids: pa.Array) -> pa.Array:
    """Each ASCII id's text before its first ``:`` (the whole id without one), in no particular order.

    Ids of one archive put their ``:`` at a few places (HST ``IPPPSSOOT:IPPPSSOOT``: always 9), so the ids are
    cut per place by slicing, which costs Arrow less than splitting every id into a list.
    """
    ends = pc.find_substring(ids, ":")
    places = pc.unique(ends)
    if len(places) > _FIELD_ENDS_SLICED:
        return pc.list_element(pc.split_pattern(ids, ":", max_splits=1), 0)
    pieces = []
    for place in places.to_pylist():
        chosen = ids if len(places) == 1 else ids.filter(pc.equal(ends, place))
        pieces.append(chosen if place < 0 else pc.utf8_slice_codeunits(chosen, 0, place))
    return pa.concat_arrays(pieces)
