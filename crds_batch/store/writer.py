"""Partitioned Parquet writing: one writer per partition, row groups of a fixed size.

Rows arrive in batches that may bring new parameter columns; a writer's
schema is fixed, so a batch with new columns closes the current file of its
partition and starts the next one with the union (readers unify files by
the column lists in the manifest).
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema as S


@dataclass
class WrittenFile:
    """One finished data file."""

    path: str  #: absolute path
    observatory: str
    instrument: str
    rows: int
    columns: list[str]
    source: int = -1  #: index of the ingest source it came from (-1: the previous store)


#: Parquet options of every data file. Statistics only on the fixed columns:
#: selections filter on ids and timestamps, and min/max over every parameter
#: string cost a fifth of the writing.
WRITE_OPTIONS = {"compression": "snappy", "write_statistics": list(S.FILE_COLUMNS)}


def write_file(root: str, observatory: str, instrument: str, table: pa.Table, row_group_size: int,
               source: int = -1, prefix: str = "part") -> WrittenFile:
    """Write ``table`` (file columns + parameters) as one new file of partition (observatory, instrument).

    Parameters
    ----------
    root : str
        Directory holding the partition directories.
    observatory, instrument : str
        The partition.
    table : pyarrow.Table
        Rows to write, in order.
    row_group_size : int
        Most rows per row group.
    source, prefix : int, str
        Recorded in the result / start of the file name.

    Returns
    -------
    WrittenFile
    """
    schema = S.file_schema([name for name in table.column_names if S.is_parameter(name)])
    directory = os.path.join(root, S.partition_dir(observatory, instrument))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{prefix}-{uuid.uuid4().hex[:12]}.parquet")
    pq.write_table(conform(table, schema), path, row_group_size=max(1, int(row_group_size)), **WRITE_OPTIONS)
    return WrittenFile(path, observatory, instrument, table.num_rows,
                       [n for n in schema.names if S.is_parameter(n)], source)


def conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    """``table`` with exactly ``target``'s columns, in order; missing ones null."""
    columns = []
    positions = {name: i for i, name in enumerate(table.column_names)}  # by name is a scan per lookup
    for f in target:
        if f.name in positions:
            col = table.column(positions[f.name])
            columns.append(col if col.type == f.type else col.cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=target)


@dataclass
class _Partition:
    observatory: str
    instrument: str
    buffered: list[pa.Table] = field(default_factory=list)
    buffered_rows: int = 0
    buffered_bytes: int = 0
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    path: str = ""
    rows: int = 0


class PartitionedWriter:
    """Write tables to ``root/observatory=O/instrument=I/part-*.parquet``.

    Parameters
    ----------
    root : str
        Directory to write under.
    row_group_size : int
        Rows per Parquet row group (a Dask partition reads whole row groups).
    source : int
        Recorded in every :class:`WrittenFile`.
    prefix : str
        File name prefix.
    buffer_bytes : int, optional
        Most bytes of rows held for all partitions together: past it, the
        partition holding most is written as a shorter row group (memory stays
        bounded when many partitions interleave).
    """

    def __init__(self, root: str, row_group_size: int, source: int = -1, prefix: str = "part",
                 buffer_bytes: int | None = None):
        self.root = root
        self.row_group_size = max(1, int(row_group_size))
        self.source = source
        self.prefix = prefix
        self.buffer_bytes = buffer_bytes
        self.files: list[WrittenFile] = []
        self._parts: dict[tuple[str, str], _Partition] = {}

    def write(self, observatory: str, instrument: str, table: pa.Table) -> None:
        """Queue ``table`` (file columns + parameters) for partition (observatory, instrument)."""
        if table.num_rows == 0:
            return
        part = self._parts.setdefault((observatory, instrument), _Partition(observatory, instrument))
        part.buffered.append(table)
        part.buffered_rows += table.num_rows
        part.buffered_bytes += table.nbytes
        if part.buffered_rows >= self.row_group_size:
            self._flush(part, final=False)
        if self.buffer_bytes is not None:
            while sum(p.buffered_bytes for p in self._parts.values()) > self.buffer_bytes:
                self._flush(max(self._parts.values(), key=lambda p: p.buffered_bytes), final=True)

    def close(self) -> list[WrittenFile]:
        """Write what is buffered, close every file, and return all files written."""
        for part in self._parts.values():
            self._flush(part, final=True)
            self._finish(part)
        self._parts.clear()
        return self.files

    def _flush(self, part: _Partition, final: bool) -> None:
        if not part.buffered:
            return
        table = pa.concat_tables(part.buffered, promote_options="default") if len(part.buffered) > 1 \
            else part.buffered[0]
        part.buffered, part.buffered_rows, part.buffered_bytes = [], 0, 0
        params = [name for name in table.column_names if S.is_parameter(name)]
        if part.schema is None or not set(params) <= set(part.schema.names):
            old = [name for name in (part.schema.names if part.schema else []) if S.is_parameter(name)]
            self._finish(part)
            part.schema = S.file_schema(old + [p for p in params if p not in old])
        # Whole row groups now; the tail waits for more rows unless this is the end.
        cut = table.num_rows if final else table.num_rows - table.num_rows % self.row_group_size
        if cut:
            self._writer(part).write_table(conform(table.slice(0, cut), part.schema),
                                           row_group_size=self.row_group_size)
            part.rows += cut
        if cut < table.num_rows:
            rest = table.slice(cut)
            part.buffered, part.buffered_rows, part.buffered_bytes = [rest], rest.num_rows, rest.nbytes

    def _writer(self, part: _Partition) -> pq.ParquetWriter:
        if part.writer is None:
            directory = os.path.join(self.root, S.partition_dir(part.observatory, part.instrument))
            os.makedirs(directory, exist_ok=True)
            part.path = os.path.join(directory, f"{self.prefix}-{uuid.uuid4().hex[:12]}.parquet")
            part.writer = pq.ParquetWriter(part.path, part.schema, **WRITE_OPTIONS)
            part.rows = 0
        return part.writer

    def _finish(self, part: _Partition) -> None:
        if part.writer is not None:
            part.writer.close()
            self.files.append(WrittenFile(part.path, part.observatory, part.instrument, part.rows,
                                          [n for n in part.schema.names if S.is_parameter(n)], self.source))
            part.writer = None
