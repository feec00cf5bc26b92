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
from dataclasses import dataclass, field
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
from .kept_results import same_rules
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
    #: instrument (lower) -> the types whose results are taken from the store's kept results (another
    #: context's, of the same rmap: :func:`~.kept_results.same_rules`), read beside the parameters.
    reused: dict[str, tuple[str, ...]] = field(default_factory=dict)


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
    #: partition -> types taken from the results the store kept before (the same rmap), not evaluated.
    reused: dict[str, list[str]] = field(default_factory=dict)


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
    reused = set(plan.reused.get(instrument, ()))
    others = [kind for kind in plan.types[instrument] if kind not in reused]
    results = (evaluate(load(plan.context), encode_table(frame, plan.observatory), reftypes=others,
                        type_rule=BESTREFS) if others else None)
    table = pa.table({kind: pa.array((frame[K.COLUMN_PREFIX + kind] if kind in reused else results[kind]).array,
                                     pa.dictionary(pa.int32(), pa.string()))
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
        before = _kept_before(keeping.manifest, observatory)
        types, reused, skipped, tasks = {}, {}, [], []
        for key, part in sorted(keeping.manifest["partitions"].items()):
            instrument = part["instrument"]
            if part["observatory"] != observatory or instrument not in loaded.instruments:
                skipped.append(key)
                continue
            types[instrument] = tuple(loaded.get_imap(instrument).filekinds)
            reused[instrument] = _reusable(before, loaded, instrument, key, keeping.manifest, types[instrument])
            kept_read = (store.generation_dir, reused[instrument]) if reused[instrument] else None
            evaluated = tuple(kind for kind in types[instrument] if kind not in reused[instrument])
            reader = EncodedChunkReader(_columns(store, loaded, instrument, evaluated), kept_read)
            for chunk, rows in store.row_group_chunks([instrument], partition_rows=1):
                tasks.append(Partition(RowGroupRead(reader, chunk), instrument, rows, len(types[instrument])))
        if not tasks:
            raise StoreError(f"{store_path}: holds no datasets of the instruments of {os.path.basename(name)}")
        plan = KeepPlan(os.path.basename(name), observatory, store.generation_dir, keeping.staging, types,
                        {instrument: kinds for instrument, kinds in reused.items() if kinds})
        rows = sum(task.rows or 0 for task in tasks)
        log(f"Keeping the results of {plan.context} for {rows} datasets ({', '.join(sorted(types))})")
        if plan.reused:
            log(f"Taken from the kept results of {K.kept_context(keeping.manifest)} (the same rmaps): "
                + ", ".join(f"{instrument} {len(kinds)} of {len(types[instrument])} types"
                            for instrument, kinds in sorted(plan.reused.items())))
        cluster = for_job_size(cluster or ClusterOptions(), rows, log)
        results = run_partitions(tasks, plan, keep_worker, loaded.mapping_names(), cluster, log=log,
                                 progress=progress)
        kept = {f"{observatory}/{instrument}": list(kinds) for instrument, kinds in types.items()}
        store.close()  # the generation read is not held past the switch: the commit removes it
        generation = keeping.commit(plan.context, kept)
    return KeepReport(plan.context, generation, sum(r.datasets for r in results), kept, skipped,
                      {f"{observatory}/{instrument}": list(kinds) for instrument, kinds in plan.reused.items()})


def _columns(store: Any, context: Any, instrument: str, kinds: tuple[str, ...]) -> list[str]:
    """The store's columns a keep-results task reads for ``instrument``: the ids and what evaluating ``kinds``
    reads (:func:`~.plan.needed_columns`; the instrument and date keywords always)."""
    from ..observatories import get_observatory
    from .plan import needed_columns

    stored = set(store.schema([instrument]).names)
    needed = needed_columns(context, context, instrument, get_observatory(context.observatory), kinds)
    return ["dataset_id", *[name for name in needed if name in stored]]


def _kept_before(manifest: dict, observatory: str) -> Any:
    """The loaded context whose results the store keeps now, if it is of ``observatory`` and loads; else None."""
    from ..rules.loading import load_context

    name = K.kept_context(manifest)
    if name is None:
        return None
    try:
        context = load_context(name)
    except Exception:  # no longer in the cache, or broken: every type is evaluated
        return None
    return context if context.observatory.lower() == observatory else None


def _reusable(before: Any, context: Any, instrument: str, partition: str, manifest: dict,
              kinds: tuple[str, ...]) -> tuple[str, ...]:
    """Of ``kinds``, the types whose results the store keeps at ``before`` under the same rmap as in
    ``context``: their results are read, not evaluated."""
    if before is None:
        return ()
    kept = K.kept_types(manifest, before.basename, partition) or ()
    try:
        same = same_rules(before, context, before.get_imap(instrument), context.get_imap(instrument))
    except Exception:  # the instrument is unknown to (or broken in) the kept context
        return ()
    return tuple(kind for kind in kinds if kind in same and kind in kept)


__all__ = ["KeepPlan", "KeepReport", "RowGroupRead", "keep_results", "keep_worker"]
