"""The one mechanism every batch job runs on: per-partition work over the store, as a Dask graph.

A job supplies the delayed partitions to read and a *worker*: a top-level
function ``worker(frame, plan, load)`` turning one pandas partition into a
small :class:`~.partition.PartitionResult`, where ``load(name)`` returns a
loaded context. The rules the worker needs travel to each Dask worker once
(a scattered :class:`~.rules_bundle.RulesBundle`), never per task.

Partitions of one instrument go to the same Dask worker where the rows allow
(:func:`worker_runs`): a worker process keeps what it derived from an
instrument's rules (compiled rmaps, the plans of distinct value tuples) for
its next partition of that instrument, so spreading an instrument over every
worker would have each of them derive it again. The runs share the *work*, not the rows:
a row costs about :data:`ROW_COST_BESIDES_TYPES` plus the number of types it is evaluated for
(:func:`row_cost`), so an instrument with many (changed) types weighs more per row. The runs are fed to
their workers a few partitions at a time, and a worker done with its run takes the end of the busiest
one (:mod:`.feed`). A store's partition task reads its own frame
(:class:`~crds_batch.store.encoded_read.ChunkRead`): no frame travels between tasks or workers.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import dask
from dask.delayed import Delayed
import numpy as np
import pandas as pd

from ..process_exit import exit_without_final_collections
from .arrow_pool import use_batch_memory_pool
from .collections_during_tasks import fewer_collections_during_task
from .cluster import ClusterError, ClusterOptions, dask_client
from .feed import ProgressCallback, feed_runs
from .partition import PartitionResult
from .rules_bundle import RulesBundle, load_from_bundle
from .timing import JobTiming

Worker = Callable[[pd.DataFrame, Any, Callable[[str], Any]], PartitionResult]


#: What a row costs a partition task besides its types' lookups, in units of one type's lookup: reading,
#: encoding, selecting, comparing, tallying. Fitted on the 10M HST store (hst_0650 -> hst_0729, one worker):
#: CPU per row grew by ~0.15 us per type evaluated over ~1 us without types (diffs-only: acs 11 types 3.4 us,
#: stis 4 types 1.6 us; all types: stis 32 types 4.1 us, wfpc2 10 types 1.9 us).
ROW_COST_BESIDES_TYPES = 7.0


def row_cost(types_evaluated: int) -> float:
    """The relative cost of one row evaluated for ``types_evaluated`` types (see :data:`ROW_COST_BESIDES_TYPES`)."""
    return ROW_COST_BESIDES_TYPES + max(types_evaluated, 0)


class Partition(NamedTuple):
    """One partition to process: its pandas frame (``dask.delayed``, or a picklable callable that reads it
    within the partition's task, :class:`~crds_batch.store.encoded_read.ChunkRead`), the instrument it holds,
    its row count (None: unknown, counted as the average) and the relative cost of one of its rows
    (:func:`row_cost`)."""

    frame: Any
    instrument: str = ""
    rows: int | None = None
    row_cost: float = 1.0

    def load(self) -> pd.DataFrame:
        """The frame, read in this process (a delayed one by the synchronous scheduler named as a function: by
        its name, dask would import distributed (0.1 s) to look for a default client first)."""
        return self.frame.compute(scheduler=dask.get) if isinstance(self.frame, Delayed) else self.frame()


def _run_partition(frame: pd.DataFrame | Callable[[], pd.DataFrame], plan: Any, bundle: RulesBundle | None,
                   worker: Worker) -> PartitionResult:
    use_batch_memory_pool()  # on a worker process, before the partition is read
    if callable(frame):  # the partition's reader: read here, in this task
        frame = frame()
    with fewer_collections_during_task():
        if bundle is None:
            from ..rules.loading import load_mapping

            return worker(frame, plan, load_mapping)
        exit_without_final_collections()  # a Dask worker process
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
    arrived: Callable[[PartitionResult], None] | None = None,
    timing: JobTiming | None = None,
) -> list[PartitionResult]:
    """Run ``worker`` over every delayed partition in ``tasks`` on ``cluster``.

    Parameters
    ----------
    tasks : sequence of Partition or dask.delayed
        The partitions (:func:`partition_frames`), or bare delayed pandas frames (``Store.delayed_partitions()``).
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
    arrived : callable, optional
        Called with each result as it comes (on a cluster, while the other tasks run).
    timing : JobTiming, optional
        Stamped when the cluster has its workers (or the first partition begins here) and when the last
        result is in.

    Returns
    -------
    list of PartitionResult
    """
    if not tasks:
        return []
    use_batch_memory_pool()
    partitions = [task if isinstance(task, Partition) else Partition(task) for task in tasks]
    timing = timing or JobTiming()
    with dask_client(cluster, log) as client:
        if client is None:
            timing.mark_ready(0, len(partitions))
            # One partition in memory at a time.
            results = [_run_partition(task.load(), plan, None, worker) for task in partitions]
            for result in results if arrived is not None else ():
                arrived(result)
            timing.mark_finished()
            return results
        threads = client.nthreads()
        addresses = sorted(threads)
        if not addresses:
            raise ClusterError(f"The Dask cluster at {client.scheduler.address} has no workers to run the job")
        timing.mark_ready(len(addresses), len(partitions))
        bundle = RulesBundle.from_names(mapping_names)
        [bundle_future] = client.scatter([bundle], broadcast=True)
        delayed_run = dask.delayed(_run_partition, pure=False)
        rows, costs = [task.rows for task in partitions], [task.row_cost for task in partitions]
        placement = worker_runs(rows, [threads[a] for a in addresses], costs)
        runs = [[i for i, placed in enumerate(placement) if placed == index] for index in range(len(addresses))]

        def submit(index: int, address: str):
            # Loose: if the worker leaves, another runs the partition.
            return client.compute(delayed_run(partitions[index].frame, plan, bundle_future, worker),
                                  workers=[address], allow_other_workers=True)

        results = feed_runs(client, submit, runs, addresses, [threads[a] for a in addresses],
                            partition_work(rows, costs), progress, arrived)
        timing.mark_finished()
        return results


def worker_runs(rows: Sequence[int | None], threads: Sequence[int], row_costs: Sequence[float] | None = None
                ) -> list[int]:
    """Which worker (an index into ``threads``, each worker's thread count) takes each partition.

    The partitions, in their order (grouped by instrument), are cut into one contiguous run per worker
    holding about that worker's share of the work (``threads`` of the total), a partition's work being its
    rows times its ``row_costs`` entry (default 1): an instrument spans two workers only where a cut falls
    inside it. A partition goes to the run its middle falls in (:func:`partition_work`).
    """
    if not threads:
        return [0] * len(rows)
    weights = partition_work(rows, row_costs)
    total = sum(weights) or 1.0
    bounds = np.cumsum(np.asarray(threads, dtype=float)) / sum(threads)  # each run's end, as a share of the work
    placement, before = [], 0.0
    for weight in weights:
        middle = (before + weight / 2) / total
        placement.append(min(int(np.searchsorted(bounds, middle, side="right")), len(threads) - 1))
        before += weight
    return placement


def partition_frames(source: Any, columns: dict[str, list[str]], *, encoded: bool = False,
                     types_evaluated: dict[str, int] | None = None,
                     kept: dict[str, tuple[str, ...]] | None = None, row_groups: bool = False) -> list[Partition]:
    """The partitions of the instruments in ``columns`` (lower case), reading only those columns, in instrument
    order, each with its instrument and (for a :class:`~crds_batch.store.Store`) its row count.

    ``encoded``: a :class:`~crds_batch.store.Store`'s parameter columns come as pandas ``Categorical`` (their
    Parquet dictionaries, :mod:`crds_batch.store.encoded_read`), the same rows in the same partitions, each read
    within its partition's task.
    ``types_evaluated``: instrument (lower case) -> how many types its rows are evaluated for, which sets
    the partitions' :func:`row_cost` (without it, every row costs the same).
    ``kept``: instrument (lower case) -> types whose kept results (:mod:`crds_batch.store.kept`) an encoded
    read of a store adds to the frames.
    ``row_groups``: an encoded read's frames say which rows are of which row group (``encoded_read.ROW_GROUPS``).
    """
    from ..store import Store
    from ..store.encoded_read import partition_reads_encoded

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
            frames = partition_reads_encoded(source, [instrument], read, (kept or {}).get(instrument, ()), row_groups)
        else:
            frames = source.delayed_partitions(instruments=[instrument], columns=read)
        rows = [None] * len(frames)
        if isinstance(source, Store):  # both read the chunks of row_groups, in its order
            chunks = source.row_group_chunks([instrument])
            if len(chunks) == len(frames):
                rows = [count for _chunk, count in chunks]
        cost = 1.0 if types_evaluated is None else row_cost(types_evaluated.get(instrument, 0))
        tasks.extend(Partition(frame, instrument, count, cost) for frame, count in zip(frames, rows))
    return tasks


def partition_work(rows: Sequence[int | None], row_costs: Sequence[float] | None = None) -> list[float]:
    """Each partition's estimated work: its rows times its ``row_costs`` entry (default 1); an unknown row count
    counts as the average of the known ones (or 1)."""
    known = [r for r in rows if r is not None]
    default = sum(known) / len(known) if known else 1
    costs = [1.0] * len(rows) if row_costs is None else row_costs
    return [max(float(default if r is None else r), 0.0) * max(float(cost), 0.0) for r, cost in zip(rows, costs)]
