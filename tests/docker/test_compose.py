"""docker/compose.yaml end to end: scheduler, workers and serve up; affected through it equals a local run.

Slow and opt-in (``-m slow``): needs a running Docker daemon and a base image without a registry,
made by ``docker/make-offline-base.sh`` (CRDS_BATCH_DOCKER_BASE names another). Containers use host
networking and 127.0.0.1 only.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from crds_batch.cli.main import main
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save
from tests.conftest import CACHE, REPO

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

BASE = os.environ.get("CRDS_BATCH_DOCKER_BASE", "crds-batch-base:bookworm")
IMAGE = "crds-batch-compose-test"
PROJECT = "crdsbatchtest"


def _docker(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    if shutil.which("docker") is None or _docker("info", timeout=30).returncode != 0:
        pytest.skip("no Docker daemon")
    if _docker("image", "inspect", BASE, timeout=30).returncode != 0:
        pytest.skip(f"no base image {BASE}: run docker/make-offline-base.sh")
    context = tmp_path_factory.mktemp("context")
    for name in ("constraints.txt", "pyproject.toml", "README.md"):
        shutil.copyfile(REPO / name, context / name)
    shutil.copytree(REPO / "crds_batch", context / "crds_batch", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "docker", context / "docker")
    bundle = "/etc/ssl/certs/ca-certificates.crt"  # the host's CA bundle (pip config names it here)
    if os.path.exists(bundle):
        shutil.copyfile(bundle, context / "docker" / "ca" / "host.pem")
    build = subprocess.run(["docker", "build", "--network", "host", "--build-arg", f"BASE={BASE}", "-t", IMAGE,
                            "-f", "docker/Dockerfile", "."], cwd=context, capture_output=True, text=True,
                           timeout=1800)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return IMAGE


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("compose")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 60000, seed=41, invalid_fraction=0.05), str(save))
    ingest([str(save)], str(base / "store"), row_group_size=5000)
    for directory, _, files in os.walk(base / "store"):  # the containers run as uid 1000
        os.chmod(directory, 0o777)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o666)
    return Store(str(base / "store"))


@pytest.fixture(scope="module")
def stack(image, store):
    env = dict(os.environ, CRDS_CACHE_DIR=str(CACHE), CRDS_STORE_DIR=store.path, CRDS_BATCH_IMAGE=image)
    compose = ["docker-compose", "-p", PROJECT, "-f", str(REPO / "docker" / "compose.yaml")]
    up = subprocess.run([*compose, "up", "-d", "--no-build", "--scale", "worker=2"], env=env, capture_output=True,
                        text=True, timeout=300)
    assert up.returncode == 0, up.stderr[-3000:]
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen("http://127.0.0.1:8888/health", timeout=5)
                break
            except OSError:
                time.sleep(2)
        yield compose, env
    finally:
        subprocess.run([*compose, "down", "-v"], env=env, capture_output=True, text=True, timeout=300)


def _finished_tasks(client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: sum(
        1 for task in dask_scheduler.tasks.values() if task.state == "memory"))


# The watching client is this test's Python (3.11.x of the host), the cluster the image's (Debian's
# 3.11.y): distributed warns about the patch-level difference, which does not matter here.
@pytest.mark.filterwarnings("ignore::distributed.versions.VersionMismatchWarning")
def test_compose_affected_equals_local_with_a_worker_killed(stack, store, capfd):
    """The job runs in a client container (the store is /data/store there, as on the workers)."""
    from distributed import Client

    compose, env = stack
    args = ["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap", "--all-types",
            "--print-new-references"]
    assert main([*args, "--params", store.path, "--no-cluster", "--quiet"]) in (0, 1)
    expected = capfd.readouterr().out
    workers = _docker("ps", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}",
                      "--filter", "label=com.docker.compose.service=worker").stdout.split()
    assert len(workers) == 2
    job = subprocess.Popen([*compose, "run", "--rm", "-T", "client", "crds-batch", *args, "--params", "/data/store",
                            "--scheduler-address", "tcp://127.0.0.1:8786"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    with Client("tcp://127.0.0.1:8786", timeout=60) as watcher:
        deadline = time.time() + 300
        while job.poll() is None and time.time() < deadline and not killed:
            if _finished_tasks(watcher) >= 2:
                killed = _docker("kill", workers[0], timeout=60).returncode == 0
            time.sleep(0.05)
    out, err = job.communicate(timeout=600)
    assert killed, "the run ended before a worker could be killed"
    assert job.returncode in (0, 1), err[-3000:]
    assert out == expected and len(expected.splitlines()) > 100
    with urllib.request.urlopen("http://127.0.0.1:8888/health", timeout=10) as answer:
        assert answer.status == 200


def test_down_leaves_no_containers(stack):
    compose, env = stack
    down = subprocess.run([*compose, "down", "-v"], env=env, capture_output=True, text=True, timeout=300)
    assert down.returncode == 0, down.stderr[-2000:]
    left = _docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}").stdout.split()
    assert left == []
