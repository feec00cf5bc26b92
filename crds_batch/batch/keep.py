"""The keep-results job: every dataset's best references at one context, kept in the store.

    context -> the store's partitions of instruments the context has
    -> per row group (a task): evaluate every type, write its results file
       into the keeping's staging directory
    -> a new generation: the data files and the results (:mod:`crds_batch.store.kept`)

A later ``affected`` from this context reads these results instead of
evaluating the old rules (:mod:`.kept_results`).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CrdsBatchError
from ..store import kept as K
from ..store.encoded_read import ChunkRead, EncodedChunkReader
from ..store.layout import StoreError
from .cluster import ClusterOptions, for_job_size, prepare_local_workers
from .graph import Partition, ProgressCallback, run_partitions
from .partition import PartitionResult, row_instrument_codes


@dataclass(frozen=True)
class KeepPlan:
    """What a keep-results task needs besides its rows and the rules."""

    context: str
    observatory: str
    generation_dir: str
    staging: str
    #: instrument (lower) -> the types kept (every type of its imap).
    types: dict[str, tuple[str, ...]]


@dataclass
class KeepReport:
    """What a keep-results job did."""

    context: str
    generation: str
    datasets: int
    #: partition ("hst/acs") -> types kept.
    types: dict[str, list[str]]
    #: Partitions of instruments the context does not have (nothing kept for them).
    skipped: list[str]


class RowGroupRead(ChunkRead):
    """One row group to read: the frame says which (``attrs["row_group"]``), for its results file."""

    __slots__ = ()

    def __call__(self) -> pd.DataFrame:
        frame = self.reader(self.chunk)
        frame.attrs["row_group"] = tuple(self.chunk[0])
        return frame


def keep_worker(frame: pd.DataFrame, plan: KeepPlan, load: Callable[[str], Any]) -> PartitionResult:
    """Evaluate one row group in ``plan.context`` and write its results file (runs on a Dask worker)."""
    from ..engine.evaluate import encode_table, evaluate
    from ..engine.types import BESTREFS

    path, index = frame.attrs["row_group"]
    data_file = os.path.relpath(path, plan.generation_dir)
    instrument = os.path.basename(os.path.dirname(path)).split("=", 1)[-1]
    codes, names = row_instrument_codes(frame, plan.observatory)
    present = {names[code].lower() for code in set(codes.tolist())}
    if present - {instrument}:
        raise StoreError(f"{path}: row group {index} holds datasets of {', '.join(sorted(present - {instrument}))} "
                         f"beside {instrument}; re-ingest the store")
    results = evaluate(load(plan.context), encode_table(frame, plan.observatory),
                       reftypes=list(plan.types[instrument]), type_rule=BESTREFS)
    table = pa.table({kind: pa.array(results[kind].array, pa.dictionary(pa.int32(), pa.string()))
                      for kind in plan.types[instrument]})
    target = K.result_file(plan.staging, data_file, index)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    pq.write_table(table, target)
    return _done(len(frame))


def _done(rows: int) -> PartitionResult:
    result = PartitionResult.empty()
    result.datasets = rows
    return result


def keep_results(context: str, store_path: str, cluster: ClusterOptions | None = None, *,
                 log: Callable[[str], None] = lambda message: None,
                 progress: ProgressCallback | None = None) -> KeepReport:
    """Keep every dataset's best references at ``context`` in the store at ``store_path``.

    Raises :class:`~crds_batch.errors.CrdsBatchError` for a JWST context (its types depend on each
    dataset's pipelines and on the job's type list, not on the rmaps alone) or a store with no
    datasets of the context's instruments.
    """
    from ..cache import resolve_context
    from ..rules.loading import load_context
    from ..store import Store

    name = resolve_context(context)
    loaded = load_context(name)
    observatory = loaded.observatory.lower()
    if observatory == "jwst":
        raise CrdsBatchError(f"{os.path.basename(name)}: keeping results is not supported for jwst "
                             "(its types depend on each dataset's pipelines)")
    with K.Keeping(store_path) as keeping, Store(store_path) as store:
        if store.generation_dir != keeping.generation_dir:  # pragma: no cover - the lock keeps ingests out
            raise StoreError(f"{store_path}: the store changed while opening it; try again")
        prepare_local_workers(cluster or ClusterOptions(), len(store))
        types, skipped, tasks = {}, [], []
        for key, part in sorted(keeping.manifest["partitions"].items()):
            instrument = part["instrument"]
            if part["observatory"] != observatory or instrument not in loaded.instruments:
                skipped.append(key)
                continue
            types[instrument] = tuple(loaded.get_imap(instrument).filekinds)
            reader = EncodedChunkReader(store.schema([instrument]).names)
            for chunk, rows in store.row_group_chunks([instrument], partition_rows=1):
                tasks.append(Partition(RowGroupRead(reader, chunk), instrument, rows, len(types[instrument])))
        if not tasks:
            raise StoreError(f"{store_path}: holds no datasets of the instruments of {os.path.basename(name)}")
        plan = KeepPlan(os.path.basename(name), observatory, store.generation_dir, keeping.staging, types)
        rows = sum(task.rows or 0 for task in tasks)
        log(f"Keeping the results of {plan.context} for {rows} datasets ({', '.join(sorted(types))})")
        cluster = for_job_size(cluster or ClusterOptions(), rows, log)
        results = run_partitions(tasks, plan, keep_worker, loaded.mapping_names(), cluster, log=log,
                                 progress=progress)
        kept = {f"{observatory}/{instrument}": list(kinds) for instrument, kinds in types.items()}
        store.close()  # the generation read is not held past the switch: the commit removes it
        generation = keeping.commit(plan.context, kept)
    return KeepReport(plan.context, generation, sum(r.datasets for r in results), kept, skipped)


__all__ = ["KeepPlan", "KeepReport", "RowGroupRead", "keep_results", "keep_worker"]
