"""--stats of the batch commands: the whole time, when the job's cluster had its workers, its tasks' time."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from crds_batch.batch.timing import JobTiming
from crds_batch.cli.main import main
from crds_batch.store import ingest
from crds_batch.synth import generate, write_save

_ELAPSED = re.compile(r"^STATS: elapsed (\d+\.\d\d) s$")
_CLUSTER = re.compile(r"^STATS: (\d+) partitions on a Dask cluster of (\d+) workers: ready after (\d+\.\d\d) s, "
                      r"tasks (\d+\.\d\d) s$")
_IN_PROCESS = re.compile(r"^STATS: (\d+) partitions in this process: first after (\d+\.\d\d) s, tasks (\d+\.\d\d) s$")
_AFFECTED = ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap", "--all-types"]


@pytest.fixture(scope="module")
def store(tmp_path_factory, cache_dir):
    base = tmp_path_factory.mktemp("stats")
    write_save(generate("hst_0729.pmap", 600, seed=5), str(base / "hst.json"))
    ingest([str(base / "hst.json")], str(base / "store"), row_group_size=100)
    return str(base / "store")


def _stats(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("STATS:")]


@pytest.mark.cluster
def test_affected_on_a_cluster_reports_its_start_and_its_tasks(store):
    """A real command (its own process, a LocalCluster of 2): the times add up within the elapsed time, and the
    output is the same as without --stats."""
    base = [sys.executable, "-m", "crds_batch.cli.main", *_AFFECTED, "--params", store, "--workers", "2", "-q"]
    env = {name: value for name, value in os.environ.items() if name != "DASK_SCHEDULER_ADDRESS"}
    with_stats = subprocess.run([*base, "--stats"], env=env, capture_output=True, text=True, timeout=300)
    without = subprocess.run(base, env=env, capture_output=True, text=True, timeout=300)
    assert with_stats.returncode == without.returncode and with_stats.stdout == without.stdout
    assert _stats(without.stderr) == []
    elapsed_line, job_line = _stats(with_stats.stderr)
    elapsed = float(_ELAPSED.match(elapsed_line).group(1))
    partitions, workers, ready, tasks = _CLUSTER.match(job_line).groups()
    assert int(workers) == 2 and int(partitions) >= 2  # an instrument a partition at least
    assert 0 < float(ready) < elapsed and 0 < float(tasks) and float(ready) + float(tasks) <= elapsed + 0.01


def test_affected_in_this_process_and_quiet_otherwise(store, capsys):
    code = main([*_AFFECTED, "--params", store, "--no-cluster", "--quiet", "--stats"])
    captured = capsys.readouterr()
    elapsed_line, job_line = _stats(captured.err)
    assert code in (0, 1) and captured.err.splitlines() == [elapsed_line, job_line]
    elapsed = float(_ELAPSED.match(elapsed_line).group(1))
    partitions, first, tasks = _IN_PROCESS.match(job_line).groups()
    assert int(partitions) >= 2 and float(first) + float(tasks) <= elapsed + 0.01


def test_check_context_reports_its_job_too(store, capsys):
    code = main(["check-context", "--new-context", "hst_0729.pmap", "--params", store, "--no-cluster", "--quiet",
                 "--stats"])
    stats = _stats(capsys.readouterr().err)
    assert code in (0, 1) and len(stats) == 2 and _ELAPSED.match(stats[0]) and _IN_PROCESS.match(stats[1])


def test_a_job_that_ran_no_partition_has_no_job_line():
    assert JobTiming().line(0.0) is None
    timing = JobTiming()
    timing.mark_ready(2, 7)
    assert timing.line(timing.ready) is None  # not finished
    timing.mark_finished()
    assert _CLUSTER.match("STATS: " + timing.line(timing.ready - 1.5)).group(3) == "1.50"
