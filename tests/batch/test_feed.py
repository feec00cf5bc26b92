"""Runs fed to their workers a few partitions at a time; a worker done with its run takes the end of the busiest."""
from __future__ import annotations

import time

import pytest

from crds_batch.batch.feed import feed_runs

# distributed's own LocalClusters below: their nannies' environment must not reach later tests.
pytestmark = pytest.mark.usefixtures("distributed_environment_restored")


def _sleep(index: int, seconds: float) -> tuple[int, str, float, float]:
    from distributed import get_worker

    start = time.time()
    time.sleep(seconds)
    return index, get_worker().address, start, time.time()


@pytest.mark.cluster
def test_an_idle_worker_takes_the_end_of_the_busiest_run_and_results_keep_their_order():
    from distributed import Client, LocalCluster

    seconds = [0.1, 0.1] + [0.6] * 8  # worker 0's run is short, worker 1's long
    runs = [[0, 1], [2, 3, 4, 5, 6, 7, 8, 9]]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        addresses = sorted(client.nthreads())
        sent: list[tuple[int, str, int]] = []  # (partition, worker, tasks not yet finished when sent)
        finished = [0]

        def submit(index, address):
            sent.append((index, address, len(sent) - finished[0]))
            return client.submit(_sleep, index, seconds[index], pure=False, workers=[address],
                                 allow_other_workers=True)

        def progress(done, total):
            finished[0] = done

        results = feed_runs(client, submit, runs, addresses, [1, 1], seconds, progress)
    assert [result[0] for result in results] == list(range(10)), "results in partition order"
    ran_on = {index: address for index, address, _start, _end in results}
    first, second = addresses
    own = [index for index, address, _ in sent if address == second]
    taken = [index for index, address, _ in sent if address == first]
    assert own == runs[1][:len(own)] and len(own) >= 3, "a worker is sent its own run, in order"
    assert taken == [0, 1] + runs[1][len(own):][::-1], "then the end of the busiest run, last partition first"
    assert all(ran_on[index] == address for index, address, _ in sent)
    assert max(outstanding for _index, _address, outstanding in sent) <= 4, "threads + 1 ahead per worker"
    ends = {address: max(end for _i, where, _s, end in results if where == address) for address in addresses}
    assert abs(ends[first] - ends[second]) < 0.6 + 0.3, "the workers end within about one partition"


@pytest.mark.cluster
def test_the_last_partitions_go_to_whichever_worker_is_free_first():
    """Worker 0's run is two long partitions, worker 1's five short ones (the same work). With a task sent ahead
    to the end, worker 0 would take the last short partition ahead of its second long one and end 1.6 s after
    worker 1; with no partition sent ahead once no more are left than the threads, worker 1 runs it."""
    from distributed import Client, LocalCluster

    seconds = [2.0, 2.0] + [0.8] * 5
    runs = [[0, 1], [2, 3, 4, 5, 6]]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        addresses = sorted(client.nthreads())
        # Both workers import this module first, so that both runs start together.
        client.gather([client.submit(_sleep, -1, 0.0, pure=False, workers=[address]) for address in addresses])

        def submit(index, address):
            return client.submit(_sleep, index, seconds[index], pure=False, workers=[address],
                                 allow_other_workers=True)

        results = feed_runs(client, submit, runs, addresses, [1, 1], seconds)
    first, second = addresses
    ran_on = {index: address for index, address, _start, _end in results}
    assert [index for index in range(7) if ran_on[index] == first] == [0, 1], "worker 0 ran its own run only"
    ends = {address: max(end for _i, where, _s, end in results if where == address) for address in addresses}
    assert abs(ends[first] - ends[second]) < 0.8, "the workers end within one short partition"


class _LoadsOnlyWhereMade:
    """A result that unpickles only in the process that made it (as a result of workers running other code
    than the client: a class the client's crds-batch lacks)."""

    def __init__(self):
        import os

        self.pid = os.getpid()

    def __reduce__(self):
        return _load_in, (self.pid,)


def _load_in(pid: int):
    import os

    if os.getpid() != pid:
        raise AttributeError("Can't get attribute 'Missing' on <module 'crds_batch.batch.unique_errors'>")
    return "loaded"


def _made_on_worker(index: int):
    return _LoadsOnlyWhereMade() if index == 1 else index


def _fails_on_worker(index: int):
    from crds_batch.store.layout import StoreError

    raise StoreError(f"partition {index}: truncated")


@pytest.mark.cluster
@pytest.mark.timeout(120)
def test_a_result_the_client_cannot_load_is_one_error_not_a_hang():
    """distributed's as_completed(with_results=True) waits forever on such a result (dask/distributed#7331)."""
    from distributed import Client, LocalCluster

    from crds_batch.batch.cluster import ClusterError

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        [address] = client.nthreads()

        def submit(function):
            return lambda index, where: client.submit(function, index, pure=False, workers=[where])

        with pytest.raises(ClusterError, match=r"Cannot load a partition's result from the Dask worker at tcp://"
                                               r".*AttributeError: Can't get attribute 'Missing'"):
            feed_runs(client, submit(_made_on_worker), [[0, 1, 2]], [address], [1], [1.0] * 3)
        # A task's own error is raised as it is.
        from crds_batch.store.layout import StoreError

        with pytest.raises(StoreError, match="partition 0: truncated"):
            feed_runs(client, submit(_fails_on_worker), [[0]], [address], [1], [1.0])


def test_nothing_to_run_returns_no_results():
    class _Loopless:
        loop = None

    assert feed_runs(_Loopless(), lambda index, address: None, [[], []], ["a", "b"], [1, 1], []) == []


@pytest.mark.cluster
def test_a_scheduler_without_workers_is_one_clear_error():
    import dask
    from distributed import LocalCluster

    from crds_batch.batch.cluster import ClusterError, ClusterOptions
    from crds_batch.batch.graph import run_partitions

    with LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=":0") as cluster:
        options = ClusterOptions(scheduler_address=cluster.scheduler_address, connect_timeout=5)
        with pytest.raises(ClusterError, match="no workers"):
            run_partitions([dask.delayed(list)()], None, None, [], options)
