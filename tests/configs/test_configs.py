"""configs/: every Dask config file loads with ``crds-batch --config``, and does what it says."""
from __future__ import annotations

import dask.config
import pytest
import yaml

from crds_batch.cli.main import main
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save
from tests.conftest import REPO

CONFIGS = REPO / "configs"


@pytest.fixture(autouse=True)
def fresh_dask_config():
    yield
    dask.config.refresh()  # back to the package defaults and the environment


def flat(tree: dict, prefix: str = "") -> dict:
    items = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}" if prefix else key
        items.update(flat(value, name) if isinstance(value, dict) and value else {name: value})
    return items


@pytest.mark.parametrize("name", ["local.yaml", "existing-scheduler.yaml", "slurm.yaml", "pbs.yaml"])
def test_each_config_loads_with_the_config_option(name, capfd):
    path = CONFIGS / name
    assert main(["--config", str(path), "list", "--status"]) == 0
    for key, value in flat(yaml.safe_load(path.read_text())).items():
        assert dask.config.get(key) == value, key


def test_bad_config_file_is_one_line(tmp_path, capfd):
    bad = tmp_path / "bad.yaml"
    bad.write_text("crds_batch: [unclosed\n")
    assert main(["--config", str(bad), "list", "--status"]) == 3
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"ERROR: Config file {bad}: not YAML"), err
    assert main(["--config", str(tmp_path / "missing.yaml"), "list", "--status"]) == 3


@pytest.mark.cluster
@pytest.mark.usefixtures("distributed_environment_restored")  # distributed's own LocalCluster
def test_existing_scheduler_from_a_config_file(tmp_path, capfd):
    """scheduler-address in a config file sends the job to that scheduler, with the same result."""
    from distributed import LocalCluster

    save = tmp_path / "hst.json"
    write_save(generate("hst_0729.pmap", 200, seed=12), str(save))
    ingest([str(save)], str(tmp_path / "store"))
    args = ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap",
            "--params", str(tmp_path / "store"), "--all-types", "--print-new-references"]
    assert main([*args, "--no-cluster", "--quiet"]) in (0, 1)
    expected = capfd.readouterr().out
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        config = yaml.safe_load((CONFIGS / "existing-scheduler.yaml").read_text())
        config["scheduler-address"] = cluster.scheduler_address
        path = tmp_path / "scheduler.yaml"
        path.write_text(yaml.safe_dump(config))
        assert main(["--config", str(path), *args]) in (0, 1)
    captured = capfd.readouterr()
    assert captured.out == expected and len(expected.splitlines()) > 10
    assert f"Connected to Dask scheduler {cluster.scheduler_address}" in captured.err


@pytest.mark.parametrize("name,cluster_class,directive", [
    ("slurm.yaml", "SLURMCluster", "#SBATCH"), ("pbs.yaml", "PBSCluster", "#PBS")])
def test_jobqueue_configs_construct_their_clusters(name, cluster_class, directive):
    import dask_jobqueue

    assert main(["--config", str(CONFIGS / name), "list", "--status"]) == 0
    with getattr(dask_jobqueue, cluster_class)(scheduler_options={"dashboard_address": ":0",
                                                                  "host": "127.0.0.1"}) as cluster:
        script = cluster.job_script()
    assert directive in script and "source $HOME/venvs/crds-batch/bin/activate" in script
    assert "--nthreads 1" in script and "--local-directory $TMPDIR" in script and "crds-batch-worker" in script


def test_kubernetes_manifest_is_the_operators_cluster_spec_plus_the_store():
    """configs/kubernetes/daskcluster.yaml is what dask-kubernetes builds for this image, with the store mounted."""
    from dask_kubernetes.operator import make_cluster_spec

    ours = yaml.safe_load((CONFIGS / "kubernetes" / "daskcluster.yaml").read_text())
    theirs = make_cluster_spec(name="crds-batch", image="crds-batch:latest", n_workers=4)
    assert (ours["apiVersion"], ours["kind"]) == (theirs["apiVersion"], theirs["kind"])
    assert ours["spec"]["scheduler"]["service"] == theirs["spec"]["scheduler"]["service"]
    for role in ("scheduler", "worker"):
        (mine,), (made,) = ours["spec"][role]["spec"]["containers"], theirs["spec"][role]["spec"]["containers"]
        assert mine["name"] == made["name"] and mine["image"] == made["image"] and mine["ports"] == made["ports"]
        assert set(made["args"]) <= set(mine["args"])
    worker = ours["spec"]["worker"]
    assert worker["replicas"] == 4
    assert worker["spec"]["containers"][0]["volumeMounts"] == [{"name": "store", "mountPath": "/data/store",
                                                                 "readOnly": True}]
