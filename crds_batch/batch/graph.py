"""The one mechanism every batch job runs on: per-partition work over the store, as a Dask graph.

A job supplies the delayed partitions to read and a *worker*: a top-level
function ``worker(frame, plan, load)`` turning one pandas partition into a
small :class:`~.partition.PartitionResult`, where ``load(name)`` returns a
loaded context. The rules the worker needs travel to each Dask worker once
(a scattered :class:`~.rules_bundle.RulesBundle`), never per task.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dask
import pandas as pd

from .cluster import ClusterOptions, dask_client
from .partition import PartitionResult
from .rules_bundle import RulesBundle, load_from_bundle

ProgressCallback = Callable[[int, int], None]
Worker = Callable[[pd.DataFrame, Any, Callable[[str], Any]], PartitionResult]


def _run_partition(frame: pd.DataFrame, plan: Any, bundle: RulesBundle | None, worker: Worker) -> PartitionResult:
    if bundle is None:
        from ..rules.loading import load_mapping

        return worker(frame, plan, load_mapping)
    return worker(frame, plan, lambda name: load_from_bundle(bundle, name))


def run_partitions(
    tasks: Sequence[Any],
    plan: Any,
    worker: Worker,
    mapping_names: Sequence[str],
    cluster: ClusterOptions,
    *,
    log: Callable[[str], None] = lambda message: None,
    progress: ProgressCallback | None = None,
) -> list[PartitionResult]:
    """Run ``worker`` over every delayed partition in ``tasks`` on ``cluster``.

    Parameters
    ----------
    tasks : sequence of dask.delayed
        Delayed pandas partitions (``Store.delayed_partitions()``).
    plan : picklable
        What the worker needs besides the data and the rules.
    worker : callable
        Top-level (picklable) ``worker(frame, plan, load) -> PartitionResult``.
    mapping_names : sequence of str
        Every mapping the worker may load (shipped once to each Dask worker).
    cluster : ClusterOptions
        Where to run.
    log, progress : callables
        Messages (the dashboard link...) and ``progress(done, total)`` over partitions.

    Returns
    -------
    list of PartitionResult
    """
    if not tasks:
        return []
    with dask_client(cluster, log) as client:
        if client is None:
            # One partition in memory at a time.
            return [_run_partition(task.compute(), plan, None, worker) for task in tasks]
        bundle = RulesBundle.from_names(mapping_names)
        [bundle_future] = client.scatter([bundle], broadcast=True)
        delayed_run = dask.delayed(_run_partition, pure=False)
        graph = [delayed_run(frame, plan, bundle_future, worker) for frame in tasks]
        futures = client.compute(graph)
        return _collect(client, futures, progress)


def partition_frames(source: Any, columns: dict[str, list[str]], *, encoded: bool = False) -> list:
    """Delayed pandas partitions of the instruments in ``columns`` (lower case), reading only those columns.

    ``encoded``: a :class:`~crds_batch.store.Store`'s parameter columns come as pandas ``Categorical`` (their
    Parquet dictionaries, :mod:`crds_batch.store.encoded_read`), the same rows in the same partitions.
    """
    from ..store import Store
    from ..store.encoded_read import delayed_partitions_encoded

    if len(source) == 0:
        from ..store.layout import StoreError

        raise StoreError(f"{getattr(source, 'path', 'the parameter store')}: holds no datasets; ingest some first")
    available = {instrument.lower() for _observatory, instrument in source.instruments()}
    tasks = []
    for instrument, names in sorted(columns.items()):
        if instrument not in available:
            continue
        stored = set(source.schema([instrument]).names)  # a parameter no dataset has is simply absent
        read = ["dataset_id", *[name for name in names if name in stored]]
        if encoded and isinstance(source, Store):
            tasks.extend(delayed_partitions_encoded(source, [instrument], read))
        else:
            tasks.extend(source.delayed_partitions(instruments=[instrument], columns=read))
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

