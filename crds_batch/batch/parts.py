"""An affected run's bulky results as per-partition parts on disk, instead of frames gathered by the client.

A 10-million-dataset run has ~23 million (dataset, type) changes: gathered as
frames by the client (and held by each worker until gathered) they dominate
memory and the client's serial time. With :class:`ResultParts` each partition
task writes what the run will print or save into a job-private directory and
returns only small summaries (counts, update counts per type, error totals,
its first and last product); the client then streams the parts in partition
order:

- ``changes-*.arrow``: the partition's change rows (``CHANGE_COLUMNS``), only
  when the run saves or reports them (``--output``, ``--report``,
  ``--print-affected-details``);
- ``lines-*.arrow``: the partition's ``--print-new-references`` lines sorted
  as crds prints them, with their sort keys (dataset id, upper-case type);
- ``products-*.arrow``: the partition's affected products, sorted, each value
  with its newline (the ``--print-affected`` text, copied from the file as it
  is; uncompressed, so read in place);
- ``errors-*.arrow``: the partition's error rows (``ERROR_COLUMNS``,
  uncompressed); its summary carries their totals
  (:class:`~.unique_errors.ErrorTally`), which is all that a run that neither
  saves, reports nor summarizes its errors reads of them.

Products and error rows are a 10M run's bulk (~65 + ~40 MB): sent to the
client, receiving them took the client ~0.25 CPU-s while the workers ran (CPU
the two workers of a two-core machine then lacked) and ~0.1 s after them.

Parts are Arrow IPC files (LZ4 unless said) named uniquely per task run, so a retried task
never collides with an earlier attempt. The directory is private to the job
(:func:`result_parts` makes it and removes it, whatever happens); the files a
user sees (``--output``) are written from the parts under a temporary name
and renamed into place, so a killed run leaves none of them half-written.

The workers must see the client's file system: parts are used with a local
cluster (or in-process runs); with an existing scheduler the results are
gathered as frames as before.
"""
from __future__ import annotations

import contextlib
import heapq
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .unique_errors import ErrorTally, UniqueErrors, tally_errors, totals_of

_IPC = pa.ipc.IpcWriteOptions(compression="lz4")
_PLAIN_IPC = pa.ipc.IpcWriteOptions()
_READ_BATCH = 1 << 20


@dataclass(frozen=True)
class ResultParts:
    """Where partition tasks write their parts, and which parts the run needs."""

    directory: str
    changes: bool = False  # the change rows (to save or report them)
    lines: bool = False  # the --print-new-references lines


@dataclass
class PartSummary:
    """What one partition task returns instead of its change rows, affected ids and error rows."""

    rows: int = 0  # change rows (updates and failed)
    updates: int = 0
    #: (instrument, filekind) -> exposures updated.
    update_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    affected: int = 0
    changes_path: str | None = None
    lines_path: str | None = None
    #: (dataset id, KIND) of the partition's first and last printed line.
    first_key: tuple[str, str] | None = None
    last_key: tuple[str, str] | None = None
    #: The partition's affected products (sorted, unique): how many, the first and last (None when one is
    #: missing), and their part.
    products: int = 0
    first_product: str | None = None
    last_product: str | None = None
    products_path: str | None = None
    #: The partition's error rows: their totals, and their part (None: no error rows).
    errors: ErrorTally = field(default_factory=ErrorTally)
    errors_path: str | None = None


@contextlib.contextmanager
def result_parts(near: str | None = None, *, changes: bool, lines: bool) -> Iterator[ResultParts]:
    """A private parts directory (beside ``near``, e.g. the --output directory, else the system's temp), removed
    afterwards whatever happens."""
    where = os.path.dirname(os.path.abspath(near)) if near else None
    if where is not None and not os.path.isdir(where):
        where = None  # the output's parent is made when the outputs are written
    name = os.path.basename(os.path.abspath(near)) if near else "crds-batch"
    directory = tempfile.mkdtemp(prefix=f".{name}.parts-", dir=where)
    try:
        yield ResultParts(directory, changes=changes, lines=lines)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def count_updates(changes: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(instrument, filekind) -> updated exposures of a change frame (counted on the columns' codes)."""
    update = (changes["status"] == "update").to_numpy(dtype=bool)
    if not update.any():
        return {}
    instrument_codes, instruments = _codes(changes["instrument"], update)
    kind_codes, kinds = _codes(changes["filekind"], update)
    found, counts = np.unique(instrument_codes * len(kinds) + kind_codes, return_counts=True)
    counted: dict[tuple[str, str], int] = {}
    for key, n in zip(found.tolist(), counts.tolist()):
        pair = (instruments[key // len(kinds)], kinds[key % len(kinds)])
        counted[pair] = counted.get(pair, 0) + n
    return counted


def _codes(column: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(code per selected row, ``str`` of each distinct value): a Categorical's own codes, else factorized."""
    if isinstance(column.dtype, pd.CategoricalDtype) and (column.cat.codes.to_numpy()[rows] >= 0).all():
        return column.cat.codes.to_numpy()[rows].astype(np.int64), [str(v) for v in column.cat.categories.tolist()]
    codes, uniques = pd.factorize(column[rows].astype(str))
    return codes.astype(np.int64), [str(v) for v in uniques.tolist()]


def new_reference_table(changes: pd.DataFrame) -> pa.Table:
    """The updates' ``id instrument filekind old new`` lines, lower case, in crds's order, with their sort keys.

    crds's order: by dataset id, then upper-case type (stable sort). Each line ends with its newline.
    """
    updates = changes.loc[changes["status"] == "update"]
    texts = [_text(updates[name]) for name in ("dataset_id", "instrument", "filekind", "old", "new")]
    kinds = _recase(texts[2], pc.ascii_upper, str.upper)
    order = pc.sort_indices(pa.table({"dataset_id": texts[0], "kind": kinds}),
                            sort_keys=[("dataset_id", "ascending"), ("kind", "ascending")])
    lowered = [_recase(text.take(order), pc.ascii_lower, str.lower) for text in texts]
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*lowered, " "), pa.scalar(""), "\n")
    return pa.table({"dataset_id": texts[0].take(order), "kind": kinds.take(order), "line": lines})


def _text(column: pd.Series) -> pa.Array:
    """``str(value)`` of every value as an Arrow string array; per category for Categoricals."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if len(codes) == 0 or codes.min() >= 0:
            categories = pa.array([str(value) for value in column.cat.categories], pa.string())
            return categories.take(pa.array(codes.astype(np.int32)))
    values = column.to_numpy(dtype=object)
    if all(type(value) is str for value in values[:1]):
        try:
            return pa.array(values, pa.string())  # already strings: no Python loop
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return pa.array([str(value) for value in values], pa.string())


def _recase(text: pa.Array, arrow_ascii, python) -> pa.Array:
    """Arrow's case mapping for ASCII text, Python's own (whose Unicode rules Arrow need not follow) otherwise."""
    if not len(text) or pc.all(pc.string_is_ascii(text)).as_py():
        return arrow_ascii(text)
    return pa.array([python(value) for value in text.to_pylist()], pa.string())


def write_part(table: pa.Table, directory: str, kind: str, options: pa.ipc.IpcWriteOptions = _IPC) -> str:
    """Write ``table`` as a uniquely named Arrow IPC part in ``directory`` (LZ4 unless other ``options``);
    return its path."""
    path = os.path.join(directory, f"{kind}-{uuid.uuid4().hex}.arrow")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=_READ_BATCH)
    return path


def read_part(path: str) -> pa.Table:
    with pa.memory_map(path) as source:
        return pa.ipc.open_file(source).read_all()


def _batches(path: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    with pa.memory_map(path) as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            yield batch.select(columns) if columns else batch


def summarize(changes: pd.DataFrame, affected_ids: list[str] | pa.Array, parts: ResultParts,
              counts: tuple[int, dict[tuple[str, str], int]] | None = None,
              errors: pd.DataFrame | None = None) -> PartSummary:
    """Write a partition's parts; return what the client needs of the rest (runs on a worker).

    ``counts``: (change rows, updates per (instrument, type)) of a partition that only counted its change rows
    (``changes`` then empty: the run neither saves nor prints them). ``errors``: its error rows.
    """
    from .results import affected_product_array

    rows, update_counts = counts if counts is not None else (len(changes), count_updates(changes))
    summary = PartSummary(rows=rows, update_counts=update_counts, affected=len(affected_ids))
    summary.updates = sum(summary.update_counts.values())
    if parts.changes and len(changes):
        summary.changes_path = write_part(pa.Table.from_pandas(changes, preserve_index=False), parts.directory,
                                          "changes")
    if parts.lines and summary.updates:
        table = new_reference_table(changes)
        summary.lines_path = write_part(table, parts.directory, "lines")
        summary.first_key = (table["dataset_id"][0].as_py(), table["kind"][0].as_py())
        summary.last_key = (table["dataset_id"][-1].as_py(), table["kind"][-1].as_py())
    products = affected_product_array(affected_ids)
    summary.products = len(products)
    if len(products):
        summary.products_path = write_part(pa.table({"line": with_newlines(products)}), parts.directory,
                                           "products", _PLAIN_IPC)
        summary.first_product, summary.last_product = products[0].as_py(), products[-1].as_py()
    if errors is not None and len(errors):
        summary.errors = tally_errors(errors)
        summary.errors_path = write_part(pa.Table.from_pandas(errors, preserve_index=False), parts.directory,
                                         "errors", _PLAIN_IPC)
    return summary


def with_newlines(strings: pa.Array) -> pa.Array:
    """Each value followed by a newline (a missing value stays missing)."""
    if strings.null_count:
        return pc.binary_join_element_wise(strings, pa.scalar("", strings.type), pa.scalar("\n", strings.type))
    offsets = _offsets(strings)
    ends = (offsets - offsets[0] + np.arange(len(offsets))).astype(offsets.dtype)
    return pa.Array.from_buffers(strings.type, len(strings), [None, pa.py_buffer(ends),
                                                              pa.py_buffer(lines_text(strings))])


@dataclass
class GatheredParts:
    """The client's view of a run's parts: per-partition summaries, in partition order."""

    parts: ResultParts
    summaries: list[PartSummary]

    @property
    def updates(self) -> int:
        return sum(s.updates for s in self.summaries)

    @property
    def affected(self) -> int:
        return sum(s.affected for s in self.summaries)

    def update_counts(self) -> dict[tuple[str, str], int]:
        total: dict[tuple[str, str], int] = {}
        for summary in self.summaries:
            for key, n in summary.update_counts.items():
                total[key] = total.get(key, 0) + n
        return total

    def products(self) -> pa.Array:
        """Sorted unique products of every partition (a product may span partitions)."""
        ordered = self._touching_ranges()
        if ordered is not None:
            # A product whose datasets two partitions share ends one and starts the next (the usual case: a
            # store's partitions hold id ranges): only such first values are dropped, and the 4.9 million
            # products of a 10M run are not sorted again (~0.5 s of the client's serial time).
            kept = [lines.slice(1) if shared else lines for summary, shared in ordered
                    for lines in [_product_lines(summary)]]
            return _without_newlines(pa.concat_arrays([lines for lines in kept if len(lines)] or [_NO_LINES]))
        merged = pc.unique(_without_newlines(pa.concat_arrays([_product_lines(s) for s in self.summaries
                                                               if s.products_path])))
        return merged.take(pc.sort_indices(merged))

    def product_count(self) -> int:
        """``len(self.products())``, without reading the products when their ranges at most touch."""
        ordered = self._touching_ranges()
        if ordered is None:
            return len(self.products())
        return sum(summary.products - shared for summary, shared in ordered)

    def product_text_chunks(self) -> Iterator[bytes | memoryview]:
        """The text of :meth:`products`, a product a line: the parts' text as written, when their ranges at most
        touch (:meth:`_touching_ranges`: a product two partitions share is printed once, the second one's first
        line left out); else made from :meth:`products`."""
        ordered = self._touching_ranges()
        if ordered is None:
            products = self.products()
            for start in range(0, len(products), _READ_BATCH):
                yield string_bytes(with_newlines(products.slice(start, _READ_BATCH)))
            return
        for summary, shared in ordered:
            skip = len(summary.first_product.encode("utf-8")) + 1 if shared else 0
            for batch in _batches(summary.products_path):
                text = string_bytes(batch.column(0))
                yield text[skip:]
                skip = 0

    def _touching_ranges(self) -> list[tuple[PartSummary, bool]] | None:
        """The summaries with products in the order of their first product, each with whether that first
        product is the previous one's last (shared), when their ranges at most touch (each one's last <= the
        next one's first) and none lacks a product; else None."""
        summaries = [s for s in self.summaries if s.products]
        if any(s.first_product is None or s.last_product is None for s in summaries):
            return None
        summaries.sort(key=lambda s: s.first_product)
        if not all(a.last_product <= b.first_product for a, b in zip(summaries, summaries[1:])):
            return None
        return [(s, i > 0 and s.first_product == summaries[i - 1].last_product) for i, s in enumerate(summaries)]

    def errors_frame(self, columns: list[str]) -> pd.DataFrame:
        """Every error row, in partition order, as one frame (Categoricals for the dictionary columns)."""
        tables = [_widen_dictionaries(read_part(s.errors_path)) for s in self.summaries if s.errors_path]
        if not tables:
            return pd.DataFrame(columns=columns)
        # Arrow unifies the parts' dictionaries (first seen first, as pandas's union_categoricals), whose union
        # may need wider indices than any part's.
        return pa.concat_tables(tables).unify_dictionaries().to_pandas()[columns]

    def error_totals(self) -> UniqueErrors:
        """:func:`~.unique_errors.error_totals` of every error row, from the summaries alone."""
        return totals_of([summary.errors for summary in self.summaries])

    @property
    def warnings(self) -> int:
        return sum(summary.errors.warnings for summary in self.summaries)

    def _require(self, what: str) -> None:
        if not getattr(self.parts, what):
            raise RuntimeError(f"this run kept no {what} parts")  # a caller's mistake, not a user's

    def changes_tables(self) -> Iterator[pa.Table]:
        """The change rows, a partition at a time, in partition order."""
        self._require("changes")
        for summary in self.summaries:
            if summary.changes_path:
                yield read_part(summary.changes_path)

    def changes_frame(self, columns: list[str]) -> pd.DataFrame:
        """Every change row as one frame (for reports; the bulk of a large run's memory)."""
        from .frames import concat_frames

        return concat_frames([table.to_pandas() for table in self.changes_tables()], columns)[columns]

    def write_changes(self, path: str, columns: list[str]) -> None:
        """The change rows of every partition, in order, as one Parquet file (categories become dictionaries)."""
        import pyarrow.parquet as pq

        schema = None
        writer = None
        try:
            for table in self.changes_tables():
                table = _widen_dictionaries(table)
                if writer is None:
                    schema = table.schema
                    writer = pq.ParquetWriter(path, schema)
                writer.write_table(table.cast(schema))
            if writer is None:
                pd.DataFrame(columns=columns).to_parquet(path, index=False)
        finally:
            if writer is not None:
                writer.close()

    def line_chunks(self) -> Iterator[bytes | memoryview]:
        """The --print-new-references text (UTF-8), in crds's order, in chunks.

        Each part is already in order; parts whose key ranges do not overlap are
        copied one after another (the usual case: a store's partitions hold id
        ranges), otherwise they are merged on their keys.
        """
        self._require("lines")
        parts = [s for s in self.summaries if s.lines_path]
        ordered = sorted(parts, key=lambda s: s.first_key)  # stable: equal keys keep partition order
        if all(a.last_key < b.first_key for a, b in zip(ordered, ordered[1:])):
            for summary in ordered:
                for batch in _batches(summary.lines_path, ["line"]):
                    yield string_bytes(batch.column(0))
            return
        yield from _merged_lines(parts)


def string_bytes(array: pa.Array) -> memoryview:
    """The concatenated values of a string array, straight from its data buffer."""
    if not len(array):
        return memoryview(b"")
    offsets = _offsets(array)
    return memoryview(array.buffers()[2])[int(offsets[0]):int(offsets[-1])]


def _offsets(array: pa.Array) -> np.ndarray:
    """A (large) string array's value offsets, read from its buffer."""
    width = 4 if array.type == pa.string() else 8
    return np.frombuffer(array.buffers()[1], dtype=np.int32 if width == 4 else np.int64, count=len(array) + 1,
                         offset=array.offset * width)


def lines_text(array: pa.Array) -> memoryview:
    """The values of a string array without nulls, each followed by a newline, as one UTF-8 text.

    Values of one length (an archive's products: HST's are 9 characters) are laid out as the rows of a byte
    matrix with a newline column (a fifth of the time of Arrow's join, which takes the others).
    """
    if not len(array):
        return memoryview(b"")
    lengths = np.diff(_offsets(array))
    width = int(lengths[0])
    if width == 0 or not (lengths == width).all():
        blank, newline = pa.scalar("", array.type), pa.scalar("\n", array.type)
        return string_bytes(pc.binary_join_element_wise(array, blank, newline))
    lines = np.empty((len(array), width + 1), dtype=np.uint8)
    lines[:, :width] = np.frombuffer(string_bytes(array), dtype=np.uint8).reshape(len(array), width)
    lines[:, width] = ord("\n")
    return memoryview(lines.reshape(-1))


def _product_lines(summary: PartSummary) -> pa.Array:
    """A summary's products part: each product with its newline."""
    return read_part(summary.products_path).column(0).combine_chunks()


def _without_newlines(lines: pa.Array) -> pa.Array:
    """:func:`with_newlines` undone."""
    return pc.utf8_slice_codeunits(lines, 0, -1)


_NO_LINES = pa.array([], pa.string())


def _merged_lines(parts: list[PartSummary]) -> Iterator[bytes]:
    """Parts merged on (dataset id, KIND); ties keep partition order (heapq.merge is stable)."""
    def rows(summary: PartSummary) -> Iterator[tuple[str, str, str]]:
        for batch in _batches(summary.lines_path):
            yield from zip(*(batch.column(i).to_pylist() for i in range(3)))

    chunk: list[str] = []
    for _id, _kind, line in heapq.merge(*(rows(s) for s in parts), key=lambda row: row[:2]):
        chunk.append(line)
        if len(chunk) >= 100_000:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def _widen_dictionaries(table: pa.Table) -> pa.Table:
    """Dictionary columns with 32-bit indices, so that every partition's part has one schema."""
    fields = [pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type)) if pa.types.is_dictionary(f.type) else f
              for f in table.schema]
    return table.cast(pa.schema(fields, metadata=None))
