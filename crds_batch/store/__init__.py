"""The parameter store: dataset parameter sets in hive-partitioned Parquet.

Public API::

    ingest(sources, store_dir, ...) -> IngestReport
    export(store, path, selection=None) -> int
    with open_params(params, workdir=None, trust_pickles=False) as store: ...  (temporary stores removed after)
    Store(path): .manifest .instruments() .dataset() .scan() .iter_batches() .delayed_partitions() .to_dask()
    Selection.of(instruments, only_ids, drop_ids, datasets_since); parse_ids; parse_since; normalize_id
"""
from __future__ import annotations

from .export import export
from .ingest import IngestReport, ingest
from .layout import StoreError
from .params import input_problems, open_params
from .saves import SaveFormatError, iter_save
from .selection import Selection, SelectionError, normalize_id, parse_ids, parse_since
from .store import Store

__all__ = [
    "IngestReport", "SaveFormatError", "Selection", "SelectionError", "Store", "StoreError",
    "export", "ingest", "input_problems", "iter_save", "normalize_id", "open_params", "parse_ids", "parse_since",
]
