"""The keep-results job: every dataset's best references at one context, kept in the store.

    context -> the store's partitions of instruments the context has
    -> per row group (a task): evaluate every type, write its results file
       into the keeping's staging directory
    -> a new generation: the data files and the results (:mod:`crds_batch.store.kept`)

A later ``affected`` from this context reads these results instead of
evaluating the old rules (:mod:`.kept_results`); ``affected --keep-new-results``
has its own tasks write them (:mod:`.keep_new`), from the setup made here
(:func:`keep_setup`).
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
from ..store.encoded_read import ROW_GROUPS, ChunkRead, EncodedChunkReader
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

    def evaluated(self, instrument: str) -> tuple[str, ...]:
        """The types of ``instrument`` evaluated (not reused)."""
        reused = self.reused.get(instrument, ())
        return tuple(kind for kind in self.types[instrument] if kind not in reused)


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


def keep_worker(frame: pd.DataFrame, plan: KeepPlan, load: Callable[[str], Any]) -> PartitionResult:
    """Evaluate one chunk of row groups in ``plan.context`` and write their results files (runs on a Dask
    worker)."""
    keep_rows(frame, plan, load)
    return _done(len(frame))


def keep_rows(frame: pd.DataFrame, plan: KeepPlan, load: Callable[[str], Any]) -> dict[str, pd.Categorical]:
    """Write the results files of the row groups of ``frame`` (a :class:`ChunkRead`'s, with its row groups):
    the types ``plan.reused`` from the frame's kept columns, the others evaluated in ``plan.context``.
    Returns every type's results (type -> results per row); none for an instrument ``plan`` does not keep."""
    from ..engine.evaluate import encode_table, evaluate
    from ..engine.types import BESTREFS

    groups = frame.attrs[ROW_GROUPS]
    instrument = frame_instrument(frame)
    if instrument not in plan.types:
        return {}
    codes, names = row_instrument_codes(frame, plan.observatory)
    present = {names[code].lower() for code in set(codes.tolist())}
    if present - {instrument}:
        raise StoreError(f"{groups[0][0]}: holds datasets of {', '.join(sorted(present - {instrument}))} "
                         f"beside {instrument}; re-ingest the store")
    if sum(rows for _path, _index, rows in groups) != len(frame):
        raise StoreError(f"{groups[0][0]}: its row groups hold other rows than the {len(frame)} read; "
                         "re-ingest the store")
    others = plan.evaluated(instrument)
    results = (evaluate(load(plan.context), encode_table(frame, plan.observatory), reftypes=list(others),
                        type_rule=BESTREFS) if others else None)
    columns = {kind: (results[kind] if kind in others else frame[K.COLUMN_PREFIX + kind]).array
               for kind in plan.types[instrument]}
    start = 0
    for path, index, rows in groups:
        table = pa.table({kind: pa.array(values[start:start + rows], pa.dictionary(pa.int32(), pa.string()))
                          for kind, values in columns.items()})
        target = K.result_file(plan.staging, os.path.relpath(path, plan.generation_dir), index)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        pq.write_table(table, target, write_statistics=False)  # never filtered on; half the writing time
        start += rows
    return columns


def frame_instrument(frame: pd.DataFrame) -> str:
    """The instrument (lower case) of a frame read with its row groups: its store partition's."""
    return os.path.basename(os.path.dirname(frame.attrs[ROW_GROUPS][0][0])).split("=", 1)[-1]


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
    refuse_jwst(loaded)
    with K.Keeping(store_path) as keeping, Store(store_path) as store:
        if store.generation_dir != keeping.generation_dir:  # pragma: no cover - the lock keeps ingests out
            raise StoreError(f"{store_path}: the store changed while opening it; try again")
        prepare_local_workers(cluster or ClusterOptions(), len(store))
        setup = keep_setup(keeping, store, loaded)
        tasks = []
        for instrument in setup.plan.types:
            reader = setup.reader(instrument)
            for chunk, rows in store.row_group_chunks([instrument], partition_rows=1):
                tasks.append(Partition(ChunkRead(reader, chunk, [rows]), instrument, rows,
                                       len(setup.plan.types[instrument])))
        if not tasks:
            raise StoreError(f"{store_path}: holds no datasets of the instruments of {os.path.basename(name)}")
        rows = sum(task.rows or 0 for task in tasks)
        setup.log(rows, log)
        cluster = for_job_size(cluster or ClusterOptions(), rows, log)
        results = run_partitions(tasks, setup.plan, keep_worker, loaded.mapping_names(), cluster, log=log,
                                 progress=progress)
        store.close()  # the generation read is not held past the switch: the commit removes it
        generation = keeping.commit(setup.plan.context, setup.kept_types())
    return setup.report(generation, sum(r.datasets for r in results))


@dataclass
class KeepSetup:
    """What keeping a context's results in a store takes, found under the store's lock (:class:`K.Keeping`)."""

    plan: KeepPlan
    #: instrument (lower) -> the store's parameter columns its tasks read (what evaluating its other types reads).
    columns: dict[str, list[str]]
    #: Partitions of instruments the context does not have (nothing kept for them).
    skipped: list[str]
    #: The context whose results the store keeps now (the reused ones), if any.
    kept_before: str | None

    def reader(self, instrument: str) -> EncodedChunkReader:
        """A reader of ``instrument``'s row groups: its columns and the kept results it reuses."""
        reused = self.plan.reused.get(instrument, ())
        return EncodedChunkReader(["dataset_id", *self.columns[instrument]],
                                  (self.plan.generation_dir, reused) if reused else None)

    def kept_types(self) -> dict[str, list[str]]:
        """Partition ("hst/acs") -> the types kept (the manifest's entry)."""
        return {f"{self.plan.observatory}/{instrument}": list(kinds) for instrument, kinds in self.plan.types.items()}

    def log(self, rows: int, log: Callable[[str], None]) -> None:
        log(f"Keeping the results of {self.plan.context} for {rows} datasets ({', '.join(sorted(self.plan.types))})")
        if self.plan.reused:
            log(f"Taken from the kept results of {self.kept_before} (the same rmaps): "
                + ", ".join(f"{instrument} {len(kinds)} of {len(self.plan.types[instrument])} types"
                            for instrument, kinds in sorted(self.plan.reused.items())))

    def report(self, generation: str, datasets: int) -> KeepReport:
        return KeepReport(self.plan.context, generation, datasets, self.kept_types(), self.skipped,
                          {f"{self.plan.observatory}/{instrument}": list(kinds)
                           for instrument, kinds in self.plan.reused.items()})


def refuse_jwst(context: Any) -> None:
    """CrdsBatchError for a JWST context (loaded): its types depend on each dataset's pipelines and on the job's
    type list, not on the rmaps alone."""
    if context.observatory.lower() == "jwst":
        raise CrdsBatchError(f"{context.basename}: keeping results is not supported for jwst "
                             "(its types depend on each dataset's pipelines)")


def keep_setup(keeping: K.Keeping, store: Any, context: Any) -> KeepSetup:
    """What keeping the results of ``context`` (loaded) in ``store`` (open, under ``keeping``) takes: the
    types of each of its instruments the store has, and of those the ones the store's kept results give."""
    observatory = context.observatory.lower()
    before = _kept_before(keeping.manifest, observatory)
    types, reused, skipped = {}, {}, []
    for key, part in sorted(keeping.manifest["partitions"].items()):
        instrument = part["instrument"]
        if part["observatory"] != observatory or instrument not in context.instruments:
            skipped.append(key)
            continue
        types[instrument] = tuple(context.get_imap(instrument).filekinds)
        reused[instrument] = _reusable(before, context, instrument, key, keeping.manifest, types[instrument])
    plan = KeepPlan(context.basename, observatory, store.generation_dir, keeping.staging, types,
                    {instrument: kinds for instrument, kinds in reused.items() if kinds})
    columns = {instrument: _columns(store, context, instrument, plan.evaluated(instrument)) for instrument in types}
    return KeepSetup(plan, columns, skipped, K.kept_context(keeping.manifest))


def _columns(store: Any, context: Any, instrument: str, kinds: tuple[str, ...]) -> list[str]:
    """The store's parameter columns a keep-results task reads for ``instrument``: what evaluating ``kinds``
    reads (:func:`~.plan.needed_columns`; the instrument and date keywords always)."""
    from ..observatories import get_observatory
    from .plan import needed_columns

    stored = set(store.schema([instrument]).names)
    needed = needed_columns(context, context, instrument, get_observatory(context.observatory), kinds)
    return [name for name in needed if name in stored]


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


__all__ = ["KeepPlan", "KeepReport", "KeepSetup", "frame_instrument", "keep_results", "keep_rows", "keep_setup",
           "keep_worker", "refuse_jwst"]
