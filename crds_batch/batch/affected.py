"""The affected-datasets job as a Dask graph.

    diff contexts -> changed (instrument, type) pairs and since-dates
    -> read only those instruments' partitions and needed columns
    -> per partition: evaluate old and new rules for those types, compare
    -> gather small result frames (or, with ResultParts, write the bulky ones
       per partition and gather summaries) -> AffectedResult

The rules travel to each worker once (a scattered :class:`RulesBundle`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pandas as pd

from .cluster import ClusterOptions, for_job_size, prepare_local_workers
from .frames import CategoryIds, concat_frames
from .graph import ProgressCallback, partition_frames, run_partitions
from .kept_results import kept_for_job
from .partition import (CHANGE_COLUMNS, ERROR_COLUMNS, TALLY_COLUMNS, AffectedPlan, PartitionResult, affected_partition,
                        write_parts)
from .parts import GatheredParts, ResultParts
from .plan import AffectedRequest, Planned, plan_affected
from .results import AffectedResult, sorted_ids
from .scope import DatasetCounts, check_scope, dataset_counts, job_rows, store_rows
from .timing import JobTiming


def affected_worker(frame: pd.DataFrame, plan: AffectedPlan, load: Callable[[str], Any]) -> PartitionResult:
    """The affected job's per-partition work (runs on a Dask worker); with ``plan.keep``, the partition's results
    in the new context are kept first (:func:`~.keep.keep_rows`), then compared from the frame."""
    if plan.keep is not None:
        from .keep_new import kept_then_compared

        frame = kept_then_compared(frame, plan, load)
        if frame is None:  # a partition read only to keep its results
            result = PartitionResult.empty()
            return result if plan.parts is None else write_parts(result, plan.parts)
    result = affected_partition(frame, plan, load(plan.old_context), load(plan.new_context))
    return result if plan.parts is None else write_parts(result, plan.parts)


def run_affected(
    request: AffectedRequest,
    source: Any,
    cluster: ClusterOptions | None = None,
    *,
    log: Callable[[str], None] = lambda message: None,
    progress: ProgressCallback | None = None,
    parts: ResultParts | None = None,
    planned: Planned | None = None,
    keep: Any = None,
    keep_only: tuple[str, ...] = (),
    timing: JobTiming | None = None,
) -> AffectedResult:
    """Find the datasets whose best references change from ``request.old_context`` to ``new_context``.

    Parameters
    ----------
    request : AffectedRequest
        Contexts and crds bestrefs switches.
    source : Store-like
        Anything with ``instruments()``, ``schema()`` and ``delayed_partitions(instruments=[...], columns=[...])``
        returning a dask DataFrame with a ``dataset_id`` column (a :class:`crds_batch.store.Store`).
    cluster : ClusterOptions, optional
        Where to run; default a LocalCluster, or this process for a job below the ``cluster-threshold``
        setting when no cluster option is given.
    log, progress : callables
        Messages (the dashboard link...) and ``progress(done, total)`` over partitions.
    parts : ResultParts, optional
        Have the partition tasks write their change rows (and --print-new-references lines) there
        and return summaries, instead of returning frames; the workers must see that directory
        and it must outlive the result (see :func:`.parts.result_parts`).
    planned : Planned, optional
        ``plan_affected(request)``, if the caller made it.
    keep : KeepSetup, optional
        Keep the new context's results in ``source`` (a store, under the setup's keeping) as the tasks evaluate
        them (:mod:`.keep_new`): the tasks read what keeping them reads too, and write their row groups' files;
        the partitions of ``keep_only`` (instruments the job compares nothing of) are read only to keep theirs.
    timing : JobTiming, optional
        When the job's cluster was ready and its last partition done (:func:`~.graph.run_partitions`).
    """
    prepare_local_workers(cluster or ClusterOptions(), store_rows(source))  # its imports overlap the planning
    planned = planned or plan_affected(request)
    if parts is not None:
        planned = dataclasses.replace(planned, plan=dataclasses.replace(planned.plan, parts=parts))
    log(f"Affected types {planned.plan.old_context} -> {planned.plan.new_context}: "
        + (", ".join(f"{i} {k}" for i, k in planned.diff.affected_pairs()) or "none"))
    kept = {} if request.evaluate_old else kept_for_job(source, planned.plan, sorted(planned.columns))
    if kept:
        planned = dataclasses.replace(planned, plan=dataclasses.replace(planned.plan, kept_old=kept))
        log(f"Old results of {planned.plan.old_context}: kept by the store for {', '.join(sorted(kept))}")
    cluster = for_job_size(cluster or ClusterOptions(), job_rows(source, planned.columns), log)
    columns, read_kept, costs = planned.columns, kept, planned.plan.types_evaluated
    if keep is not None:  # what keeping the new results reads too
        planned = dataclasses.replace(planned, plan=dataclasses.replace(planned.plan, keep=keep.plan,
                                                                        keep_only=frozenset(keep_only)))
        columns = {instrument: list(dict.fromkeys([*columns.get(instrument, ()), *keep.columns.get(instrument, ())]))
                   for instrument in [*columns, *keep_only]}
        read_kept = {instrument: tuple(dict.fromkeys([*kept.get(instrument, ()), *keep.plan.reused.get(instrument, ())]))
                     for instrument in columns}
        costs = {**costs, **{instrument: len(keep.plan.evaluated(instrument)) for instrument in keep_only}}
    tasks = partition_frames(source, columns, encoded=True, types_evaluated=costs, kept=read_kept,
                             row_groups=keep is not None)
    check_scope(source, planned.plan.observatory, planned.plan.new_context, request.instruments)
    error_categories = CategoryIds()

    def arrived(result: PartitionResult) -> None:  # the client's share, while other tasks run (none with parts)
        error_categories.add(result.errors)

    results = run_partitions(tasks, planned.plan, affected_worker, planned.mapping_names, cluster,
                             log=log, progress=progress, arrived=arrived, timing=timing)
    return _gather(planned, results, dataset_counts(source, planned.plan.observatory, planned.columns, results),
                   error_categories)


def _gather(planned: Planned, results: list[PartitionResult], counts: DatasetCounts,
            error_categories: CategoryIds | None = None) -> AffectedResult:
    parts = planned.plan.parts
    return AffectedResult(
        plan=planned.plan,
        changes=concat_frames([r.changes for r in results], CHANGE_COLUMNS),
        errors=concat_frames([r.errors for r in results], ERROR_COLUMNS, error_categories),
        affected_ids=sorted_ids([r.affected_ids for r in results]),
        datasets=sum(r.datasets for r in results),
        affected_types=planned.diff.affected_pairs(),
        tally=concat_frames([r.tally for r in results], TALLY_COLUMNS),
        counts=counts,
        parts=GatheredParts(parts, [r.parts for r in results]) if parts is not None else None,
    )

