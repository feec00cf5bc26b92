"""The affected-datasets job as a Dask graph.

    diff contexts -> changed (instrument, type) pairs and since-dates
    -> read only those instruments' partitions and needed columns
    -> per partition: evaluate old and new rules for those types, compare
    -> gather small result frames -> AffectedResult

The rules travel to each worker once (a scattered :class:`RulesBundle`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import pandas as pd

from .cluster import ClusterOptions, dask_client
from .partition import CHANGE_COLUMNS, ERROR_COLUMNS, AffectedPlan, PartitionResult, affected_partition
from .plan import AffectedRequest, Planned, plan_affected
from .results import AffectedResult
from .rules_bundle import RulesBundle, load_from_bundle

ProgressCallback = Callable[[int, int], None]


def _run_partition(frame: pd.DataFrame, plan: AffectedPlan, bundle: RulesBundle | None) -> PartitionResult:
    if bundle is None:
        from ..rules.loading import load_mapping

        old, new = load_mapping(plan.old_context), load_mapping(plan.new_context)
    else:
        old, new = load_from_bundle(bundle, plan.old_context), load_from_bundle(bundle, plan.new_context)
    return affected_partition(frame, plan, old, new)


def run_affected(
    request: AffectedRequest,
    source: Any,
    cluster: ClusterOptions | None = None,
    *,
    log: Callable[[str], None] = lambda message: None,
    progress: ProgressCallback | None = None,
) -> AffectedResult:
    """Find the datasets whose best references change from ``request.old_context`` to ``new_context``.

    Parameters
    ----------
    request : AffectedRequest
        Contexts and crds bestrefs switches.
    source : Store-like
        Anything with ``instruments()`` and ``to_dask(instruments=[...], columns=[...])``
        returning a dask DataFrame with a ``dataset_id`` column (a :class:`crds_batch.store.Store`).
    cluster : ClusterOptions, optional
        Where to run; default a LocalCluster.
    log, progress : callables
        Messages (the dashboard link...) and ``progress(done, total)`` over partitions.
    """
    planned = plan_affected(request)
    cluster = cluster or ClusterOptions()
    log(f"Affected types {planned.plan.old_context} -> {planned.plan.new_context}: "
        + (", ".join(f"{i} {k}" for i, k in planned.diff.affected_pairs()) or "none"))
    tasks = _partition_frames(planned, source)
    if not tasks:
        return _gather(planned, [])
    with dask_client(cluster, log) as client:
        if client is None:
            # One partition in memory at a time.
            results = [_run_partition(task.compute(), planned.plan, None) for task in tasks]
        else:
            bundle = RulesBundle.from_names(planned.mapping_names)
            [bundle_future] = client.scatter([bundle], broadcast=True)
            delayed_run = dask.delayed(_run_partition, pure=False)
            graph = [delayed_run(frame, planned.plan, bundle_future) for frame in tasks]
            futures = client.compute(graph)
            results = _collect(client, futures, progress)
    return _gather(planned, results)


def _partition_frames(planned: Planned, source: Any) -> list:
    """Delayed pandas partitions of the instruments in scope, reading only the needed columns."""
    available = {instrument.lower() for _observatory, instrument in source.instruments()}
    tasks = []
    for instrument, columns in sorted(planned.columns.items()):
        if instrument not in available:
            continue
        stored = set(source.schema([instrument]).names)  # a parameter no dataset has is simply absent
        frame = source.to_dask(instruments=[instrument],
                               columns=["dataset_id", *[name for name in columns if name in stored]])
        tasks.extend(frame.to_delayed())
    return tasks


def _collect(client, futures: list, progress: ProgressCallback | None) -> list[PartitionResult]:
    from distributed import as_completed

    total = len(futures)
    if progress:
        progress(0, total)
    for done, _future in enumerate(as_completed(futures, loop=client.loop), start=1):
        if progress:
            progress(done, total)
    return client.gather(futures)


def _gather(planned: Planned, results: list[PartitionResult]) -> AffectedResult:
    changes = [r.changes for r in results if len(r.changes)]
    errors = [r.errors for r in results if len(r.errors)]
    return AffectedResult(
        plan=planned.plan,
        changes=pd.concat(changes, ignore_index=True) if changes else pd.DataFrame(columns=CHANGE_COLUMNS),
        errors=pd.concat(errors, ignore_index=True) if errors else pd.DataFrame(columns=ERROR_COLUMNS),
        affected_ids=sorted(i for r in results for i in r.affected_ids),
        datasets=sum(r.datasets for r in results),
        affected_types=planned.diff.affected_pairs(),
    )
