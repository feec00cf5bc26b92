"""Partitions of one instrument go to one Dask worker (each worker derives an instrument's plans once),
and the workers allocate Arrow memory from the batch pool (arrow_pool).

``worker_runs`` is the placement rule; the LocalCluster test checks that the placement reaches the
workers: the partitions of each instrument run in one worker process, but where a cut falls.
"""
from __future__ import annotations

import gc
import os
import threading

import pandas as pd
import pyarrow as pa
import pytest

from crds_batch.kept_memory import kept_memory_environ
from crds_batch.batch.cluster import ClusterOptions
from crds_batch.batch.collections_during_tasks import TASK_YOUNG_THRESHOLD, fewer_collections_during_task
from crds_batch.batch.graph import Partition, partition_frames, row_cost, run_partitions, worker_runs
from crds_batch.batch.partition import PartitionResult
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save


def test_runs_are_contiguous_and_follow_the_rows():
    # acs 2.5, cos 1.2, nicmos 0.7, stis 1.5, synphot 0.1, wfc3 3.0, wfpc2 1.0 (the 10M store, in 0.25 partitions)
    rows = [25] * 10 + [25] * 4 + [20] + [25] * 2 + [20] + [25] * 6 + [10] + [25] * 12 + [25] * 4
    placement = worker_runs(rows, [1, 1])
    assert placement == sorted(placement), "one contiguous run per worker"
    first = sum(r for r, p in zip(rows, placement) if p == 0)
    assert abs(first - sum(rows) / 2) <= max(rows), "each worker about half the rows"


def test_a_worker_with_more_threads_gets_more_rows():
    placement = worker_runs([10] * 40, [1, 3])
    assert placement.count(0) == 10 and placement.count(1) == 30


def test_unknown_row_counts_count_as_the_average():
    assert worker_runs([None, None, None, None], [1, 1]) == [0, 0, 1, 1]
    assert worker_runs([100, None, None, 100], [1, 1]) == [0, 0, 1, 1]


def test_runs_share_the_work_not_the_rows():
    # Equal rows, but the first two instruments' rows are evaluated for more types: they weigh more.
    assert worker_runs([10, 10, 10, 10], [1, 1]) == [0, 0, 1, 1]
    assert worker_runs([10, 10, 10, 10], [1, 1], [row_cost(11)] * 2 + [row_cost(0)] * 2) == [0, 1, 1, 1]
    assert row_cost(11) > row_cost(4) > row_cost(0) > 0


def test_partitions_carry_the_cost_of_their_types(tmp_path):
    save = tmp_path / "hst.json"
    write_save(generate("hst_0729.pmap", 200, seed=5), str(save))
    ingest([str(save)], str(tmp_path / "store"))
    store = Store(str(tmp_path / "store"))
    columns = {instrument.lower(): ["INSTRUME"] for _obs, instrument in store.instruments()}
    plain = partition_frames(store, columns)
    weighed = partition_frames(store, columns, types_evaluated={"acs": 11})
    assert {task.row_cost for task in plain} == {1.0}
    assert {task.instrument: task.row_cost for task in weighed}["acs"] == row_cost(11)
    assert {task.row_cost for task in weighed if task.instrument != "acs"} == {row_cost(0)}


def test_plans_count_the_types_each_instruments_rows_are_evaluated_for():
    from crds_batch.batch.check import CheckRequest, plan_check
    from crds_batch.batch.plan import AffectedRequest, plan_affected
    from crds_batch.rules.loading import load_context

    context = load_context("hst_0729.pmap")
    every = {instrument: len(context.get_imap(instrument).filekinds) for instrument in context.instruments}
    changed = plan_affected(AffectedRequest("hst_0650.pmap", "hst_0729.pmap"))
    assert changed.plan.types_evaluated == {i: len(kinds) for i, kinds in changed.plan.types.items()}
    assert 0 < changed.plan.types_evaluated["stis"] < every["stis"]
    all_types = plan_affected(AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=False,
                                              skip_types=("darkfile",)))
    assert all_types.plan.types_evaluated == {i: n - ("darkfile" in context.get_imap(i).filekinds)
                                         for i, n in every.items()}
    assert plan_check(CheckRequest("hst_0729.pmap")).plan.base.types_evaluated == every


def test_more_workers_than_partitions_and_no_worker():
    assert len(set(worker_runs([5, 5], [1, 1, 1, 1]))) == 2
    assert worker_runs([5, 5], []) == [0, 0]


def _pid_worker(frame: pd.DataFrame, plan, load) -> PartitionResult:
    result = PartitionResult.empty()
    result.extra["pid"] = os.getpid()
    result.extra["arrow_pool"] = pa.default_memory_pool().backend_name
    result.extra["gc_threshold"] = gc.get_threshold()
    result.extra["environ"] = {name: os.environ.get(name) for name in kept_memory_environ()}
    result.extra["instrument"] = frame["instrume"].iloc[0] if "instrume" in frame else ""
    return result


@pytest.mark.cluster
def test_each_instruments_partitions_run_in_one_worker_process(tmp_path):
    save = tmp_path / "hst.json"
    write_save(generate("hst_0729.pmap", 1600, seed=5), str(save))
    ingest([str(save)], str(tmp_path / "store"), row_group_size=50)
    store = Store(str(tmp_path / "store"))
    columns = {instrument.lower(): ["INSTRUME"] for _obs, instrument in store.instruments()}
    found = partition_frames(store, columns)
    assert all(isinstance(task, Partition) and task.rows for task in found)
    assert sum(task.rows for task in found) == len(store)
    assert [task.instrument for task in found] == sorted(task.instrument for task in found)
    tasks = []  # smaller partitions than a job makes (at least 10,000 rows), so an instrument has several
    for instrument in sorted(columns):
        frames = store.delayed_partitions([instrument], columns=["dataset_id", "INSTRUME"], partition_rows=50)
        chunks = store.row_group_chunks([instrument], partition_rows=50)
        tasks.extend(Partition(frame, instrument, rows) for frame, (_chunk, rows) in zip(frames, chunks))
    assert len(tasks) > 2 * len(columns)
    results = run_partitions(tasks, None, _pid_worker, [], ClusterOptions(n_workers=2))
    pids = [result.extra["pid"] for result in results]
    assert len(set(pids)) == 2, "both workers got work"
    placement = worker_runs([task.rows for task in tasks], [1, 1])
    for run in (0, 1):
        mine = [i for i, placed in enumerate(placement) if placed == run]
        owner = pids[mine[0]]  # a run's first partition is always its own worker's
        others = [i for i in mine if pids[i] != owner]
        assert others == mine[len(mine) - len(others):], (
            f"partitions run by the other worker are the end of the run (taken when it was idle): {pids}")
    instruments = [task.instrument for task in tasks]
    spans = {instrument for instrument in instruments
             if len({pid for pid, name in zip(pids, instruments) if name == instrument}) > 1}
    assert len(spans) <= 3, f"an instrument spans both workers only at the cut or at a run's end: {spans}"
    assert {result.extra["arrow_pool"] for result in results} <= {"jemalloc", "system"}, "workers use the batch pool"
    assert {result.extra["gc_threshold"][0] for result in results} == {TASK_YOUNG_THRESHOLD}, "fewer collections"
    # Our own LocalCluster's workers keep freed memory: glibc's variables, Arrow through malloc.
    assert all(result.extra["environ"] == kept_memory_environ() for result in results)
    assert "MALLOC_ARENA_MAX" in kept_memory_environ() and {result.extra["arrow_pool"] for result in results} == {
        "system"}


def test_fewer_collections_while_any_task_runs_then_as_before():
    before = gc.get_threshold()
    entered, release = threading.Event(), threading.Event()

    def task():
        with fewer_collections_during_task():
            entered.set()
            release.wait(10)

    other = threading.Thread(target=task)
    other.start()
    assert entered.wait(10)
    with fewer_collections_during_task():  # overlapping tasks of one process
        assert gc.get_threshold() == (TASK_YOUNG_THRESHOLD, *before[1:])
    assert gc.get_threshold()[0] == TASK_YOUNG_THRESHOLD, "the other task still runs"
    release.set()
    other.join(10)
    assert gc.get_threshold() == before
    results = run_partitions([_delayed_frame()], None, _pid_worker, [], ClusterOptions(synchronous=True))
    assert results[0].extra["gc_threshold"][0] == TASK_YOUNG_THRESHOLD and gc.get_threshold() == before


def _delayed_frame():
    import dask

    return dask.delayed(pd.DataFrame({"instrume": ["ACS"]}))


def _payload(seconds: float) -> bytes:
    import time
    time.sleep(seconds)
    return b"x" * 1_000_000


@pytest.mark.cluster
def test_each_result_is_released_on_its_worker_once_fetched():
    """A finished partition's result leaves its worker when fetched, not when the last partition ends."""
    import time

    from distributed import Client, LocalCluster

    from crds_batch.batch.feed import feed_runs

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster, set_as_default=False) as client:
        [address] = client.nthreads()
        keys = []

        def submit(index, where):
            future = client.submit(_payload, [0.0, 4.0][index], pure=False, workers=[where])
            keys.append(future.key)
            return future

        held_after_first = []

        def progress(done, total):
            if done != 1:
                return
            deadline = time.monotonic() + 2.5  # the slow task still runs for ~4 s
            while time.monotonic() < deadline:
                known = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))
                if keys[0] not in known:
                    break
                time.sleep(0.05)
            held_after_first.append(keys[0] in known)

        results = feed_runs(client, submit, [[0, 1]], [address], [2], [1.0, 1.0], progress)
        assert results == [b"x" * 1_000_000] * 2
        assert held_after_first == [False], "the first result was released while the second still ran"
