"""Reading one store partition with its parameter columns kept dictionary-encoded.

Parquet stores each row group's distinct values once (its dictionary page);
reading a column with ``read_dictionary`` keeps them that way, so a million
rows of a parameter cost a million small integer codes and a few thousand
strings, not a million Python (or Arrow) strings. pandas receives them as
``Categorical`` columns, which the engine factorizes without hashing strings
(:func:`crds_batch.engine.columns.encode_series`). Columns with about one
value per dataset, the ids and the observation date and time
(:func:`plain_columns`), are read as plain strings.

One partition (observatory/instrument directory) at a time: a job that reads
the partitions one after the other holds one instrument's rows in memory,
never the whole store's.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import schema as S
from .store import Store, damaged_files_are_errors

#: Columns with a distinct value per row: read as plain strings (a dictionary would not shrink them), and the
#: int64 date key (-1 where null or, in a version-1 store's files, absent).
PLAIN_COLUMNS = (S.DATASET_ID, S.PRODUCT_ID, S.EXPOSURE_ID, S.DATE_KEY)
_CODES = pa.dictionary(pa.int32(), pa.string())


def plain_columns(observatory: str | None) -> frozenset[str]:
    """Columns read as plain strings: the ids, and the observatory's observation date and time (nearly one
    distinct value per dataset: as a dictionary, every chunk's would be unified, turned into Python strings
    and checked for repeats by pandas, for nothing)."""
    from ..observatories import OBSERVATORIES

    # An unknown observatory's partition has no date keywords here: its datasets fail later, one by one.
    found = OBSERVATORIES.get(observatory.lower()) if observatory else None
    return frozenset(PLAIN_COLUMNS + (found.date_keywords if found else ()))


def partition_files(store: Store, observatory: str, instrument: str) -> list[str]:
    """The data files of the partition ``observatory``/``instrument`` (lower case), in store order."""
    directory = S.partition_dir(observatory, instrument)
    return [path for path in store.files([instrument])
            if os.path.dirname(path).replace(os.sep, "/").endswith("/" + directory)]


def read_partition_encoded(store: Store, observatory: str, instrument: str,
                           columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows of one partition as pandas, parameter columns ``Categorical`` (their Parquet dictionaries).

    Parameters
    ----------
    store : Store
        An open store.
    observatory, instrument : str
        The partition (lower case, as :meth:`Store.instruments` lists it).
    columns : sequence of str, optional
        The columns to read, in this order (default: every column of the instrument's
        schema). A column a file lacks is null for its rows; the partition columns are
        constants.

    Returns
    -------
    pandas.DataFrame
        Rows in file order (as :meth:`Store.scan` reads them); the :func:`plain_columns`
        are plain strings, every other column categorical.
    """
    names = list(columns) if columns is not None else store.schema([instrument]).names
    keys = {S.OBSERVATORY: observatory, S.INSTRUMENT: instrument}
    tables = [_encoded_table(path, None, names, keys) for path in partition_files(store, observatory, instrument)]
    if not tables:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    return pa.concat_tables(tables).to_pandas()


class EncodedChunkReader:
    """Reads one chunk of row groups (:meth:`Store.row_groups`) as pandas, parameters ``Categorical``.

    A picklable callable for the batch jobs' partitions (:class:`ChunkRead`): the same rows,
    in the same order, as :meth:`Store.delayed_partitions` reads (no selection
    filter), the parameter columns kept as their Parquet dictionaries; the
    :func:`plain_columns` are pandas Arrow-backed strings, as that reader gives them.
    """

    def __init__(self, columns: Sequence[str], kept: tuple[str, Sequence[str]] | None = None):
        self.columns = list(columns)
        #: (generation directory, types): also read these types' kept results (:mod:`.kept`), as columns
        #: named :data:`~.kept.COLUMN_PREFIX` + type after the parameters.
        self.kept = kept

    def __call__(self, chunk: Sequence[tuple[str, int]]) -> pd.DataFrame:
        groups: dict[str, list[int]] = {}
        for path, index in chunk:
            groups.setdefault(path, []).append(index)
        tables, kept = [], []
        for path, indices in groups.items():
            tables.append(_encoded_table(path, indices, self.columns, _partition_keys(path)))
            if self.kept is not None:
                kept.append(_kept_results(path, indices, *self.kept, rows=tables[-1].num_rows))
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        if kept:
            from .kept import COLUMN_PREFIX

            results = kept[0] if len(kept) == 1 else pa.concat_tables(kept)
            for name in results.column_names:
                table = table.append_column(COLUMN_PREFIX + name, results.column(name))
        return frame_of(table)


class ChunkRead:
    """One partition to read (a chunk of row groups, :class:`EncodedChunkReader`), called with no argument.

    A batch job's partition task reads its own frame with it: the task then depends on no other task's
    frame, so an idle worker can take (steal) it from a busy one without a frame moving between them, and a
    worker holds only the frame it works on.
    """

    __slots__ = ("reader", "chunk", "group_rows")

    def __init__(self, reader: EncodedChunkReader, chunk: Sequence[tuple[str, int]],
                 group_rows: Sequence[int] | None = None):
        self.reader, self.chunk = reader, chunk
        #: Each row group's rows, when the frame is to say which rows are of which row group.
        self.group_rows = group_rows

    def __call__(self) -> pd.DataFrame:
        frame = self.reader(self.chunk)
        if self.group_rows is not None:
            #: (data file, row group, rows) of each row group of the frame, in order (results kept per row group).
            frame.attrs[ROW_GROUPS] = [(path, index, rows) for (path, index), rows in zip(self.chunk, self.group_rows)]
        return frame


#: The frame attribute of a :class:`ChunkRead` with ``group_rows``.
ROW_GROUPS = "row_groups"


def partition_reads_encoded(store: Store, instruments: Sequence[str], columns: Sequence[str],
                            kept_types: Sequence[str] = (), row_groups: bool = False) -> list[ChunkRead]:
    """The partitions of ``instruments``, one :class:`ChunkRead` per chunk of row groups (the chunks of
    :meth:`Store.delayed_partitions`), each reading ``columns`` (and the results the store keeps of
    ``kept_types``, :mod:`.kept`); with ``row_groups``, each frame says which rows are of which row group
    (:data:`ROW_GROUPS`)."""
    reader = EncodedChunkReader(columns, (store.generation_dir, tuple(kept_types)) if kept_types else None)
    if not row_groups:
        return [ChunkRead(reader, chunk) for chunk in store.row_groups(instruments)]
    rows = {group: count for [group], count in store.row_group_chunks(instruments, partition_rows=1)}
    return [ChunkRead(reader, chunk, [rows[group] for group in chunk]) for chunk in store.row_groups(instruments)]


#: Plain (non-dictionary) strings become pandas Arrow-backed strings (no Python object per value).
_ARROW_STRINGS = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def _partition_keys(path: str) -> dict[str, str]:
    """The hive keys of a data file's directory (``observatory=hst/instrument=acs``)."""
    parts = os.path.dirname(path).replace(os.sep, "/").split("/")
    return dict(part.split("=", 1) for part in parts[-len(S.PARTITION_COLUMNS):])


def _kept_results(path: str, row_groups: Sequence[int], gen_dir: str, types: Sequence[str], rows: int
                  ) -> pa.Table:
    """The kept results of ``types`` for ``row_groups`` of the data file ``path`` (``rows`` rows)."""
    from .kept import result_file

    data_file = os.path.relpath(path, gen_dir)
    parts = []
    for index in row_groups:
        kept_path = result_file(gen_dir, data_file, index)
        with damaged_files_are_errors(kept_path):
            parquet = pq.ParquetFile(kept_path, read_dictionary=list(types))  # not read_table: 5x the CPU
            parts.append(parquet.read(columns=list(types)))
            parquet.close()
    kept = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
    if kept.num_rows != rows:
        from .layout import StoreError

        raise StoreError(f"{path}: its kept results have {kept.num_rows} rows, not {rows} "
                         "(the store is damaged: keep the results again)")
    return kept


def frame_of(table: pa.Table) -> pd.DataFrame:
    """``table`` as pandas, as ``to_pandas`` gives it (dictionary columns ``Categorical``, plain strings
    Arrow-backed), the dictionary columns built from their codes directly: a partition's chunks (one per
    row group) have their own dictionaries, which ``to_pandas`` unifies and converts at ~1.6x the CPU
    (31 parameters of 250,000 rows: 31 -> 19 ms)."""
    types = table.schema.types
    plain = [name for name, type_ in zip(table.column_names, types) if not pa.types.is_dictionary(type_)]
    plain_frame = table.select(plain).to_pandas(types_mapper=_ARROW_STRINGS.get) if plain else None
    columns = {}
    for name, type_ in zip(table.column_names, types):
        columns[name] = _categorical(table.column(name)) if pa.types.is_dictionary(type_) else plain_frame[name]
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A dictionary column as a ``Categorical`` (categories in the unified dictionary's order; null: code -1)."""
    if column.num_chunks > 1:
        column = column.unify_dictionaries()
    chunks = column.chunks
    values = chunks[0].dictionary.to_pylist() if chunks else []
    codes = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in chunks]
    # As to_pandas: str categories, object ones when there are none (a column null throughout).
    joined = codes[0] if len(codes) == 1 else np.concatenate(codes) if codes else np.zeros(0, np.int32)
    return pd.Categorical.from_codes(joined,
                                     categories=pd.Index(values, dtype="str" if values else object), validate=False)


def _encoded_table(path: str, row_groups: Sequence[int] | None, names: Sequence[str],
                   keys: dict[str, str]) -> pa.Table:
    """``names`` of one data file (all its row groups, or ``row_groups``): parameters as dictionaries, the
    partition columns as one-entry dictionaries, a column the file lacks null."""
    with damaged_files_are_errors(path):
        present = set(pq.read_schema(path).names)
        read = [name for name in names if name in present]
        plain = plain_columns(keys.get(S.OBSERVATORY))
        encoded = [name for name in read if name not in plain]
        if row_groups is None:
            table = pq.read_table(path, columns=read, read_dictionary=encoded)
        else:
            parquet = pq.ParquetFile(path, read_dictionary=encoded)
            table = parquet.read_row_groups(list(row_groups), columns=read)
            parquet.close()
    arrays = []
    for name in names:
        if name in keys:
            arrays.append(pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, np.int32)),
                                                          pa.array([keys[name]], pa.string())))
        elif name == S.DATE_KEY:
            found = table.column(name) if name in present else pa.nulls(table.num_rows, pa.int64())
            arrays.append(pc.fill_null(found.cast(pa.int64()), -1))
        elif name in present:
            arrays.append(table.column(name))
        else:
            arrays.append(pa.nulls(table.num_rows, pa.string() if name in plain else _CODES))
    return pa.table(arrays, names=list(names))


__all__ = ["ChunkRead", "EncodedChunkReader", "PLAIN_COLUMNS", "ROW_GROUPS", "partition_files", "partition_reads_encoded",
           "plain_columns", "read_partition_encoded"]
