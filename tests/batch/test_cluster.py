"""affected on real Dask clusters: a LocalCluster of processes, and scheduler + workers on loopback.

The loopback workers run without a CRDS cache (CRDS_PATH points nowhere):
the rules reach them only through the scattered bundle.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from crds_batch.batch.affected import run_affected
from crds_batch.batch.cluster import ClusterError, ClusterOptions, dask_client
from crds_batch.batch.plan import AffectedRequest
from crds_batch.cli.main import main
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save

pytestmark = pytest.mark.cluster

REQUEST = AffectedRequest("hst_0650.pmap", "hst_0729.pmap", diffs_only=False, datasets_since=None)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A small HST store cut into many row groups, so a run has many partitions."""
    base = tmp_path_factory.mktemp("cluster")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 1200, seed=21, invalid_fraction=0.05), str(save))
    ingest([str(save)], str(base / "store"), row_group_size=60)
    return Store(str(base / "store"))


@pytest.fixture(scope="module")
def expected(store):
    return run_affected(REQUEST, store, ClusterOptions(synchronous=True))


def _same(result, expected):
    assert result.affected_products() == expected.affected_products()
    assert result.new_reference_lines() == expected.new_reference_lines()
    assert result.datasets == expected.datasets
    assert result.error_count == expected.error_count


def test_local_cluster_of_processes_gives_the_same_result(store, expected, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the worker processes' temp directory
    messages = []
    result = run_affected(REQUEST, store, ClusterOptions(n_workers=2), log=messages.append)
    _same(result, expected)
    assert any("dashboard: http" in message for message in messages)
    assert expected.affected_products()
    assert os.listdir(tmp_path) == [], "the workers' rules directories are removed when they end"


def _start(args, env):
    return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture
def loopback_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1; workers have no CRDS cache."""
    scheduler_file = tmp_path / "scheduler.json"
    (tmp_path / "tmp").mkdir()  # what a SIGKILLed worker cannot clean up stays in pytest's directory
    env = dict(os.environ, CRDS_PATH=str(tmp_path / "no-cache-here"), TMPDIR=str(tmp_path / "tmp"))
    procs = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(scheduler_file)], env)]
    deadline = time.time() + 60
    while not scheduler_file.exists() and time.time() < deadline:
        time.sleep(0.2)
    workers = [_start(["distributed.cli.dask_worker", "--scheduler-file", str(scheduler_file),
                       "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"], env) for _ in range(2)]
    procs += workers
    from distributed import Client

    with Client(scheduler_file=str(scheduler_file), timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
    yield str(scheduler_file), workers
    for proc in procs:  # a graceful stop first: workers remove their rules directory
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_worker_killed_mid_run_gives_the_same_result(store, expected, loopback_cluster):
    scheduler_file, workers = loopback_cluster
    killed = []

    def progress(done, total):
        if done >= 2 and not killed:
            os.killpg(workers[0].pid, signal.SIGKILL)
            killed.append(done)

    result = run_affected(REQUEST, store, ClusterOptions(scheduler_file=scheduler_file), progress=progress)
    assert killed, "the run ended before a worker could be killed"
    assert workers[0].wait(timeout=30) == -signal.SIGKILL
    _same(result, expected)


def test_unreachable_scheduler_is_one_line(capsys, store):
    code = main(["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap",
                 "--params", store.path, "--scheduler-address", "tcp://127.0.0.1:9", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1 and err[0].startswith("ERROR: Cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_cluster_error_is_a_crds_batch_error():
    with pytest.raises(ClusterError):
        with dask_client(ClusterOptions(scheduler_address="tcp://127.0.0.1:9", connect_timeout=1)):
            pass

