"""Partition tasks fed to their workers a few at a time; an idle worker takes the end of the busiest run.

Each worker has a run of partitions (:func:`~.graph.worker_runs`: one instrument's partitions together, so a
worker process derives an instrument's rules once). A worker is sent its run in order, never more than its
threads plus one task ahead; when its run is done it takes the last unsent partition of the run with the
most work left. The runs are cut by estimated work, and the estimates are rough (an instrument's rows cost
what its rules make them cost); taking work from the end of a run evens the workers' finishing times to
about one partition, and leaves each run's start, where its instrument's rules are derived, to its worker.
The task ahead saves a worker the round trip between two tasks, but a partition sent ahead is that worker's
to run, and no other can take it: once no more partitions are left unsent than the workers have threads,
a worker is sent the next only when it has a thread free, so the last ones go to whichever worker is free
first (with one ahead, a worker could be left waiting while another still had two partitions to run).
Dask's own work stealing balances by task count (one duration per task kind), moving partitions of
instruments a worker has not seen from the start of the job: it is not needed for these tasks.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

ProgressCallback = Callable[[int, int], None]


def feed_runs(client: Any, submit: Callable[[int, str], Any], runs: Sequence[Sequence[int]],
              addresses: Sequence[str], threads: Sequence[int], work: Sequence[float],
              progress: ProgressCallback | None = None, arrived: Callable[[Any], None] | None = None) -> list[Any]:
    """Run every partition of ``runs`` (one list of partition indices per worker of ``addresses``) and return
    their results in partition order.

    ``submit(index, address)`` sends partition ``index`` to the worker at ``address`` and returns its future;
    ``work`` is each partition's estimated work. Each result is fetched as soon as its task ends and its
    future dropped, so the worker frees it at once (gathering them all at the end kept every finished
    partition's results on its worker for the whole job: at 10M datasets each worker grew from ~0.6 to ~1.7
    GB that way). ``arrived(result)``, if given, is called with each result as it comes, once the worker has its
    next partition: the client's share of the gathering done while the tasks still run.
    """
    from distributed import as_completed

    total = sum(len(run) for run in runs)
    if not total:
        return []
    queues = [deque(run) for run in runs]
    left = [sum(work[i] for i in run) for run in runs]  # unsent work per run
    in_flight = [0] * len(runs)  # sent to each worker and not yet done
    all_threads = sum(threads)
    results: list[Any] = [None] * total
    index_of: dict[str, tuple[int, int]] = {}  # future key -> (partition, worker)
    # Without with_results: as_completed fetches each result in its own task, which dies silently when the
    # result cannot be loaded here (dask/distributed#7331), leaving this loop waiting forever; fetched below,
    # a result that cannot be loaded is an error.
    pending = as_completed(loop=client.loop)

    def send(worker: int) -> bool:
        run = worker if queues[worker] else max(range(len(queues)), key=lambda r: (left[r], -r))
        if not queues[run]:
            return False
        index = queues[run].popleft() if run == worker else queues[run].pop()
        left[run] -= work[index]
        in_flight[worker] += 1
        future = submit(index, addresses[worker])
        index_of[future.key] = (index, worker)
        pending.add(future)
        return True

    def fill(worker: int) -> None:
        """Send ``worker`` partitions up to its threads, plus one ahead while more are left than all threads."""
        while in_flight[worker] < threads[worker] + (sum(map(len, queues)) > all_threads) and send(worker):
            pass

    for worker in range(len(runs)):
        fill(worker)
    if progress:
        progress(0, total)
    done = 0
    for future in pending:  # no enumerate(): it keeps the last item it gave until the next
        index, worker = index_of.pop(future.key)
        in_flight[worker] -= 1
        fill(worker)
        results[index] = result = _fetched(future, addresses[worker])
        if arrived is not None:
            arrived(result)
        del future, result
        done += 1
        if progress:
            progress(done, total)
    return results


def _fetched(future: Any, address: str) -> Any:
    """The result of a done ``future``: a task's own error raised as it is; a result that cannot be fetched
    or loaded here (workers running other code than this process, a worker gone) as a :class:`ClusterError`."""
    from .cluster import ClusterError

    if future.status != "finished":  # the task raised (or was cancelled): its error
        return future.result()
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - any failure to fetch or load is the cluster's
        raise ClusterError(f"Cannot load a partition's result from the Dask worker at {address} (is it running "
                           f"this crds-batch?): {type(exc).__name__}: {' '.join(str(exc).split())}") from exc
