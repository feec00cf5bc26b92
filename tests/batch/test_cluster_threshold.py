"""Small jobs given no cluster option run in this process (the ``cluster-threshold`` setting)."""
from __future__ import annotations

import re

import dask.config
import pytest

from crds_batch import settings
from crds_batch.batch.cluster import ClusterOptions, cluster_requested, for_job_size
from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save

THRESHOLD = "crds_batch.cluster-threshold"


@pytest.fixture(scope="module")
def save(tmp_path_factory):
    path = tmp_path_factory.mktemp("threshold") / "hst.json"
    write_save(generate("hst_0729.pmap", 150, seed=61, invalid_fraction=0.1), str(path))
    return str(path)


@pytest.fixture
def no_scheduler_env(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


def _check_context(capsys, argv):
    code = main(["check-context", "--new-context", "hst_0729.pmap", "--dump-unique-errors", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("datasets, in_process", [(99, True), (100, False), (5000, False)])
def test_below_the_threshold_runs_in_process_with_a_logged_line(no_scheduler_env, datasets, in_process):
    messages = []
    with dask.config.set({THRESHOLD: 100}):
        chosen = for_job_size(ClusterOptions(), datasets, messages.append)
    assert chosen.synchronous is in_process
    if in_process:
        assert messages == [f"Running in this process: {datasets} datasets is below the cluster threshold (100, "
                            "setting crds_batch.cluster-threshold); --workers N to start a LocalCluster"]
    else:
        assert (messages, chosen) == ([], ClusterOptions())


@pytest.mark.parametrize("options", [ClusterOptions(n_workers=1), ClusterOptions(n_workers=2),
                                     ClusterOptions(scheduler_address="tcp://127.0.0.1:8786"),
                                     ClusterOptions(scheduler_file="scheduler.json"),
                                     ClusterOptions(synchronous=True)])
def test_an_explicit_cluster_option_is_kept(no_scheduler_env, options):
    messages = []
    with dask.config.set({THRESHOLD: 10**9}):
        assert for_job_size(options, 10, messages.append) is options
    assert messages == [] and cluster_requested(options)


def test_scheduler_address_from_the_environment_is_an_explicit_choice(monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:8786")
    with dask.config.set({THRESHOLD: 10**9}):
        assert for_job_size(ClusterOptions(), 10) == ClusterOptions()


def test_threshold_zero_always_starts_a_cluster(no_scheduler_env):
    with dask.config.set({THRESHOLD: 0}):
        assert for_job_size(ClusterOptions(), 0) == ClusterOptions()


def test_threshold_setting_from_the_environment_and_its_checks():
    collected = dask.config.collect_env({"DASK_CRDS_BATCH__CLUSTER_THRESHOLD": "5000"})["crds_batch"]
    with dask.config.set({f"crds_batch.{key}": value for key, value in collected.items()}):
        assert settings.get_int("cluster-threshold", 0, minimum=0) == 5000
    assert settings.get_int("cluster-threshold", 0, minimum=0) > 0  # the package default (crds_batch.yaml)
    with dask.config.set({THRESHOLD: -1}), pytest.raises(settings.SettingsError, match="cluster-threshold"):
        for_job_size(ClusterOptions(), 10)


def test_check_context_without_cluster_options_runs_small_jobs_in_process(no_scheduler_env, save, capsys):
    code, out, err = _check_context(capsys, ["--params", save])
    assert "Running in this process: 150 datasets is below the cluster threshold" in err
    assert "LocalCluster with" not in err
    _, explicit, _ = _check_context(capsys, ["--params", save, "--no-cluster"])
    assert code == 1 and out == explicit


def test_affected_without_cluster_options_runs_small_jobs_in_process(no_scheduler_env, save, capsys):
    argv = ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap", "--params", save]
    code = main(argv)
    captured = capsys.readouterr()
    # The datasets of the instruments the job reads (those with changed types).
    assert re.search(r"Running in this process: \d+ datasets is below the cluster threshold", captured.err)
    assert "LocalCluster with" not in captured.err
    assert main([*argv, "--no-cluster"]) == code and capsys.readouterr().out == captured.out


@pytest.mark.cluster
def test_above_the_threshold_or_with_workers_a_local_cluster_starts(no_scheduler_env, save, capsys):
    with dask.config.set({THRESHOLD: 150}):
        _, at_threshold, err = _check_context(capsys, ["--params", save])
    assert "Started LocalCluster with" in err and "Running in this process" not in err
    _, explicit, err = _check_context(capsys, ["--params", save, "--workers", "1"])
    assert "Started LocalCluster with 1 worker processes" in err and "Running in this process" not in err
    _, in_process, _ = _check_context(capsys, ["--params", save, "--no-cluster"])
    assert at_threshold == explicit == in_process
