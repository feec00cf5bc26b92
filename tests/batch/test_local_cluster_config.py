"""The Dask settings of the LocalCluster crds-batch starts (the ``local-cluster-config`` setting)."""
from __future__ import annotations

import dask.config
import pytest

from crds_batch.batch.cluster import ClusterOptions, start_local_cluster
from crds_batch.settings import SettingsError

SETTING = "crds_batch.local-cluster-config"


def _callbacks(dask_worker) -> dict[str, float]:
    return {name: callback.callback_time for name, callback in dask_worker.periodic_callbacks.items()}


def _started_with(config: dict | None) -> tuple[dict, list[dict]]:
    """(the scheduler's periodic callbacks' intervals in ms, each worker's) of a LocalCluster of 2 started with
    ``config`` as the setting (None: the default)."""
    from distributed import Client

    with dask.config.set({SETTING: config} if config is not None else {}):
        cluster = start_local_cluster(ClusterOptions(n_workers=2))
    try:
        with Client(cluster, set_as_default=False) as client:
            return _callbacks(cluster.scheduler), list(client.run(_callbacks).values())
    finally:
        cluster.close()


@pytest.mark.cluster
def test_by_default_the_workers_run_no_profiler_and_the_processes_wake_less_often():
    scheduler, workers = _started_with(None)
    assert scheduler["tick"] == 1000 and scheduler["monitor"] == 2000
    assert len(workers) == 2
    for worker in workers:
        assert "profile" not in worker and worker["tick"] == 1000 and worker["monitor"] == 2000


@pytest.mark.cluster
def test_the_setting_gives_the_cluster_what_it_names_and_distributed_s_own_for_the_rest():
    scheduler, workers = _started_with({"distributed.worker.profile.enabled": True})
    assert scheduler["tick"] == 20  # distributed's default again
    for worker in workers:
        assert "profile" in worker and worker["tick"] == 20


@pytest.mark.parametrize("bad", [["distributed.worker.profile.enabled"], {"": 1}, "profile"])
def test_a_setting_that_is_not_a_mapping_of_names_is_one_line(bad):
    with dask.config.set({SETTING: bad}), pytest.raises(SettingsError, match="local-cluster-config"):
        start_local_cluster(ClusterOptions(n_workers=1))
