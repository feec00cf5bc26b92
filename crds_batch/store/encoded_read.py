"""Reading one store partition with its parameter columns kept dictionary-encoded.

Parquet stores each row group's distinct values once (its dictionary page);
reading a column with ``read_dictionary`` keeps them that way, so a million
rows of a parameter cost a million small integer codes and a few thousand
strings, not a million Python (or Arrow) strings. pandas receives them as
``Categorical`` columns, which the engine factorizes without hashing strings
(:func:`crds_batch.engine.columns.encode_series`).

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
import pyarrow.parquet as pq

from . import schema as S
from .store import Store, damaged_files_are_errors

#: Columns with a distinct value per row: read as plain strings (a dictionary would not shrink them).
PLAIN_COLUMNS = (S.DATASET_ID, S.PRODUCT_ID, S.EXPOSURE_ID)
_CODES = pa.dictionary(pa.int32(), pa.string())


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
        Rows in file order (as :meth:`Store.scan` reads them); the id columns are
        plain strings, every other column categorical.
    """
    names = list(columns) if columns is not None else store.schema([instrument]).names
    keys = {S.OBSERVATORY: observatory, S.INSTRUMENT: instrument}
    tables = []
    for path in partition_files(store, observatory, instrument):
        with damaged_files_are_errors(path):
            present = set(pq.read_schema(path).names)
            read = [name for name in names if name in present]
            table = pq.read_table(path, columns=read, read_dictionary=[n for n in read if n not in PLAIN_COLUMNS])
        arrays = []
        for name in names:
            if name in keys:
                arrays.append(pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, np.int32)),
                                                              pa.array([keys[name]], pa.string())))
            elif name in present:
                arrays.append(table.column(name))
            else:
                arrays.append(pa.nulls(table.num_rows, pa.string() if name in PLAIN_COLUMNS else _CODES))
        tables.append(pa.table(arrays, names=names))
    if not tables:
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    return pa.concat_tables(tables).to_pandas()


__all__ = ["PLAIN_COLUMNS", "partition_files", "read_partition_encoded"]
