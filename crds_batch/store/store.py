"""Reading a parameter store: one manifest, then only the files it lists."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import layout, readers
from . import schema as S
from .selection import Selection


@contextlib.contextmanager
def damaged_files_are_errors(where: str) -> Iterator[None]:
    """Turn pyarrow's failures to read a store's Parquet files (truncated, overwritten...) into one line."""
    try:
        yield
    except (pa.ArrowException, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise layout.StoreError(f"{where}: cannot read the store's data: {reason} "
                                "(the store is damaged: ingest it again)") from None


#: The configured ``crds_batch.partition-rows`` is raised to this: a batch task has a fixed cost
#: (two contexts' evaluators and comparisons for every type, ~0.3-0.5 s), so tiny partitions only
#: add overhead (20,000 rows in 2,000 partitions took 177 s, 2.5 s with the default).
MIN_PARTITION_ROWS = 10_000

#: Times a reader reads the manifest again when the generation it named was removed before it got hold of it.
_OPEN_ATTEMPTS = 20


class Store:
    """A parameter store directory, read as of the manifest at opening.

    The generation opened is held (see :mod:`.readers`) until :meth:`close`,
    the end of a ``with`` block, or the object's collection: ingests meanwhile
    keep its files.

    Parameters
    ----------
    path : str
        The store directory (made by :func:`crds_batch.store.ingest`).
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self._hold: readers.GenerationHold | None = None
        #: data file -> rows of each of its row groups (a generation's files never change)
        self._group_rows: dict[str, tuple[int, ...]] = {}
        for _attempt in range(_OPEN_ATTEMPTS):
            self.manifest: dict[str, Any] = layout.read_manifest(self.path)
            self._gen_dir = os.path.join(self.path, self.manifest["generation"])
            self._hold = readers.hold(self._gen_dir)
            if self._hold is not None or self._unheld_legacy():
                self._check_inside()
                return
        raise layout.StoreError(f"{self.path}: the store changed {_OPEN_ATTEMPTS} times while opening it; try again")

    def _unheld_legacy(self) -> bool:
        """True if the live generation has no readers file (written before they existed): read it unheld."""
        return (layout.read_manifest(self.path)["generation"] == self.manifest["generation"]
                and os.path.isdir(self._gen_dir)
                and not os.path.exists(os.path.join(self._gen_dir, S.READERS_NAME)))

    def _check_inside(self) -> None:
        """Refuse a store whose files lead out of its generation through symlinks."""
        escaped = layout.outside(self._gen_dir, self.files())
        if escaped:
            self.close()
            raise layout.StoreError(f"{escaped}: leads outside the store's generation {self._gen_dir} (a symlink); "
                                    "refusing to read it")

    def close(self) -> None:
        """Let go of the generation (an ingest may then remove it); the object must not be read after."""
        if self._hold is not None:
            self._hold.release()
            self._hold = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __getstate__(self) -> dict:
        return dict(self.__dict__, _hold=None)  # a copy elsewhere reads the same files but holds nothing

    def __repr__(self) -> str:
        return f"Store({self.path!r}, datasets={len(self)})"

    def __len__(self) -> int:
        return int(self.manifest["counts"]["datasets"])

    @property
    def generation_dir(self) -> str:
        """The directory of the generation this object reads."""
        return self._gen_dir

    def kept_types(self, context: str, instrument: str) -> tuple[str, ...] | None:
        """The types whose results at ``context`` (a mapping name) the store keeps for ``instrument``'s
        datasets (lower case; None: none kept, see :mod:`.kept`)."""
        from .kept import kept_types

        found = [key for key, part in self.manifest["partitions"].items() if part["instrument"] == instrument]
        return kept_types(self.manifest, context, found[0]) if len(found) == 1 else None

    def instruments(self) -> list[tuple[str, str]]:
        """``(observatory, instrument)`` pairs present, lower case, sorted."""
        return [(p["observatory"], p["instrument"]) for p in self.manifest["partitions"].values()]

    def parameters(self, instruments: Sequence[str] | None = None) -> list[str]:
        """The union of parameter names of the (selected) instruments."""
        names: dict[str, None] = {}
        for part in self._partitions(instruments):
            names.update(dict.fromkeys(part["parameters"]))
        return list(names)

    def schema(self, instruments: Sequence[str] | None = None) -> pa.Schema:
        """Schema of a scan: fixed columns, then every parameter of the selected instruments."""
        return pa.schema(
            [pa.field(name, S.column_type(name)) for name in S.FILE_COLUMNS]
            + [pa.field(name, pa.string()) for name in S.PARTITION_COLUMNS]
            + [pa.field(name, pa.string()) for name in self.parameters(instruments)]
        )

    def _partitions(self, instruments: Sequence[str] | None) -> list[dict]:
        parts = list(self.manifest["partitions"].values())
        if instruments:
            wanted = {i.lower() for i in instruments}
            parts = [p for p in parts if p["instrument"] in wanted or p["observatory"] in wanted]
        return parts

    def files(self, instruments: Sequence[str] | None = None) -> list[str]:
        """Absolute paths of the data files of the (selected) instruments."""
        return [os.path.join(self._gen_dir, f) for p in self._partitions(instruments) for f in p["files"]]

    def dataset(self, instruments: Sequence[str] | None = None) -> ds.Dataset:
        """A ``pyarrow.dataset`` over the (selected) instruments' files, schemas unified."""
        partitioning = ds.partitioning(pa.schema([(S.OBSERVATORY, pa.string()), (S.INSTRUMENT, pa.string())]),
                                       flavor="hive")
        return ds.dataset(self.files(instruments), schema=self.schema(instruments), format="parquet",
                          partitioning=partitioning, partition_base_dir=self._gen_dir)

    def scan(self, instruments: Sequence[str] | None = None, only_ids: Sequence[str] | None = None,
             drop_ids: Sequence[str] | None = None, datasets_since: str | None = None,
             columns: Sequence[str] | None = None, *, as_pandas: bool = False) -> pa.Table | Any:
        """Read the selected datasets (see :class:`Selection`) as a pyarrow Table (or pandas)."""
        selection = Selection.of(instruments, only_ids, drop_ids, datasets_since)
        with damaged_files_are_errors(self.path):
            table = self.dataset(selection.instruments).to_table(
                columns=list(columns) if columns is not None else None, filter=selection.row_filter())
        return table.to_pandas() if as_pandas else table

    def iter_batches(self, selection: Selection | None = None, columns: Sequence[str] | None = None,
                     batch_size: int = 65536) -> Iterator[pa.RecordBatch]:
        """Stream the selected datasets in record batches (bounded memory)."""
        selection = selection or Selection()
        dataset = self.dataset(selection.instruments)
        with damaged_files_are_errors(self.path):
            yield from dataset.to_batches(columns=list(columns) if columns is not None else None,
                                          filter=selection.row_filter(), batch_size=batch_size)

    def row_groups(self, instruments: Sequence[str] | None = None, partition_rows: int | None = None
                   ) -> list[list[tuple[str, int]]]:
        """Row groups of the selected files, packed into chunks of about ``partition_rows`` rows.

        Each chunk is a list of ``(file path, row group index)`` pairs of one store
        partition (one observatory/instrument directory), possibly from several
        files, in file order.
        """
        return [chunk for chunk, _rows in self.row_group_chunks(instruments, partition_rows)]

    def row_group_chunks(self, instruments: Sequence[str] | None = None, partition_rows: int | None = None
                         ) -> list[tuple[list[tuple[str, int]], int]]:
        """The chunks of :meth:`row_groups`, each with the number of rows it holds."""
        from .. import settings
        limit = int(partition_rows or max(settings.get_int("partition-rows", 250000), MIN_PARTITION_ROWS))
        chunks: list[tuple[list[tuple[str, int]], int]] = []
        current: list[tuple[str, int]] = []
        rows = 0
        directory = None
        for path in self.files(instruments):
            if os.path.dirname(path) != directory and current:
                chunks.append((current, rows))
                current, rows = [], 0
            directory = os.path.dirname(path)
            for index, group_rows in enumerate(self._row_group_rows(path)):
                if current and rows + group_rows > limit:
                    chunks.append((current, rows))
                    current, rows = [], 0
                current.append((path, index))
                rows += group_rows
        if current:
            chunks.append((current, rows))
        return chunks

    def _row_group_rows(self, path: str) -> tuple[int, ...]:
        """The rows of each row group of the data file ``path``, read from its footer once per Store object."""
        found = self._group_rows.get(path)
        if found is None:
            with damaged_files_are_errors(path):
                metadata = pq.read_metadata(path)
            found = self._group_rows[path] = tuple(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
        return found

    def delayed_partitions(self, instruments: Sequence[str] | None = None, only_ids: Sequence[str] | None = None,
                           drop_ids: Sequence[str] | None = None, datasets_since: str | None = None,
                           columns: Sequence[str] | None = None, partition_rows: int | None = None) -> list:
        """The selected datasets as ``dask.delayed`` pandas frames, one per chunk of row groups.

        Only the ``columns`` asked for (all by default) and the selected
        instruments' files are read; string columns are pandas Arrow-backed
        strings. Neither side needs ``dask.dataframe`` (a batch job's tasks
        read their chunk and work on it).
        """
        import dask

        reader, chunks = self._chunks(Selection.of(instruments, only_ids, drop_ids, datasets_since), columns,
                                      partition_rows)
        read = dask.delayed(reader, pure=True)
        return [read(chunk) for chunk in chunks]

    def to_dask(self, instruments: Sequence[str] | None = None, only_ids: Sequence[str] | None = None,
                drop_ids: Sequence[str] | None = None, datasets_since: str | None = None,
                columns: Sequence[str] | None = None, partition_rows: int | None = None):
        """A dask DataFrame of the selected datasets: one partition per chunk of row groups (as :meth:`delayed_partitions`)."""
        import dask.dataframe as dd

        reader, chunks = self._chunks(Selection.of(instruments, only_ids, drop_ids, datasets_since), columns,
                                      partition_rows)
        meta = reader.target.empty_table().to_pandas(types_mapper=_ARROW_STRINGS.get)
        if not chunks:
            return dd.from_pandas(meta, npartitions=1)
        return dd.from_map(reader, chunks, meta=meta, enforce_metadata=False)

    def _chunks(self, selection: Selection, columns: Sequence[str] | None, partition_rows: int | None
                ) -> tuple[_ChunkReader, list[list[tuple[str, int]]]]:
        """The reader of ``columns`` (all by default) for ``selection``, and the chunks it is to read."""
        schema = self.schema(selection.instruments)
        names = list(columns) if columns is not None else schema.names
        reader = _ChunkReader(self._gen_dir, pa.schema([schema.field(n) for n in names]), selection)
        return reader, self.row_groups(selection.instruments, partition_rows)


#: Arrow strings become pandas Arrow-backed strings (no Python object per value).
_ARROW_STRINGS = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


class _ChunkReader:
    """Reads one chunk of row groups of one store partition (a picklable callable for dask.from_map)."""

    def __init__(self, gen_dir: str, target: pa.Schema, selection: Selection):
        self.gen_dir = gen_dir
        self.target = target
        self.selection = selection

    def __call__(self, chunk: list[tuple[str, int]]):
        indices: dict[str, list[int]] = {}
        for path, index in chunk:
            indices.setdefault(path, []).append(index)
        tables = []
        for path, groups in indices.items():
            with damaged_files_are_errors(path):
                tables.append(self._read(path, groups))
        full = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        row_filter = self.selection.row_filter()
        if row_filter is not None:
            full = ds.dataset(full).to_table(filter=row_filter)
        return full.select(self.target.names).to_pandas(types_mapper=_ARROW_STRINGS.get)

    def _read(self, path: str, groups: list[int]) -> pa.Table:
        """The target columns of some row groups of one file (absent ones null), plus the filter's columns."""
        parquet = pq.ParquetFile(path)
        present = set(parquet.schema_arrow.names)
        wanted = {n for n in self.target.names if n in present}
        if self.selection.row_filter() is not None:  # the filter's columns are read too, then dropped
            wanted |= {S.DATASET_ID, S.TIMESTAMP}
        table = parquet.read_row_groups(groups, columns=sorted(wanted & present))
        parquet.close()
        relative = os.path.relpath(os.path.dirname(path), self.gen_dir).split(os.sep)
        keys = dict(part.split("=", 1) for part in relative)
        columns = []
        for f in self.target:
            if f.name in S.PARTITION_COLUMNS:
                columns.append(pa.array([keys[f.name]] * table.num_rows, pa.string()))
            elif f.name in table.column_names:
                columns.append(table.column(f.name))
            else:
                columns.append(pa.nulls(table.num_rows, pa.string()))
        extra = sorted(n for n in table.column_names if n not in self.target.names)
        return pa.Table.from_arrays(columns + [table.column(n) for n in extra], names=self.target.names + extra)
