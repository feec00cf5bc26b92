"""The LocalCluster's workers forked from a server that has the engine loaded (the ``local-worker-start`` setting)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import dask.config
import pytest

from crds_batch.batch.cluster import ClusterOptions, start_local_cluster
from crds_batch.batch.worker_start import PRELOAD
from crds_batch.kept_memory import kept_memory_environ
from crds_batch.settings import SettingsError

START = "crds_batch.local-worker-start"


def _worker_facts() -> dict:
    import sys as worker_sys

    import pyarrow

    with open("/proc/self/environ", "rb") as handle:  # the environment the process image started with
        started = dict(item.split(b"=", 1) for item in handle.read().split(b"\0") if b"=" in item)
    return {"parent": os.getppid(), "arenas": started.get(b"MALLOC_ARENA_MAX", b"").decode(),
            "arrow pool": pyarrow.default_memory_pool().backend_name,
            "engine": "crds_batch.engine.evaluate" in worker_sys.modules}


def _facts_of_workers(method: str | None) -> list[dict]:
    from distributed import Client

    with dask.config.set({START: method}):
        cluster = start_local_cluster(ClusterOptions(n_workers=2))
    try:
        with Client(cluster, set_as_default=False) as client:
            return list(client.run(_worker_facts).values())
    finally:
        cluster.close()


def test_default_workers_are_forked_by_the_server_with_the_engine_and_the_kept_memory_environment():
    facts = _facts_of_workers(None)
    assert len(facts) == 2
    for worker in facts:
        assert worker["parent"] != os.getpid()  # the fork server's child, not this process's
        assert worker["engine"]  # imported before any task ran
        # What glibc and pyarrow read when the process started (not only os.environ, which distributed sets).
        assert worker["arenas"] == kept_memory_environ()["MALLOC_ARENA_MAX"]
        assert worker["arrow pool"] == "system"
    assert len({worker["parent"] for worker in facts}) == 1


def test_spawn_setting_gives_distributed_s_own_workers():
    for worker in _facts_of_workers("spawn"):
        assert worker["parent"] == os.getpid()  # spawned by this process's nannies
        assert worker["arenas"] == kept_memory_environ()["MALLOC_ARENA_MAX"]
        assert worker["arrow pool"] == "system"


def test_unknown_start_method_is_one_settings_line():
    with dask.config.set({START: "threads"}), pytest.raises(SettingsError) as caught:
        start_local_cluster(ClusterOptions(n_workers=1))
    assert str(caught.value) == "crds_batch.local-worker-start must be one of forkserver, spawn, not 'threads'"


#: The end of a script run in a child process: waits (up to 5 s, when ``wait``) for the fork server among the
#: process's children, then ``servers`` lists them.
_FIND_SERVERS = textwrap.dedent("""
    import time, psutil
    deadline = time.monotonic() + 5
    while True:
        servers = [p for p in psutil.Process().children() if "forkserver" in " ".join(p.cmdline())]
        if servers or time.monotonic() > deadline or not wait:
            break
        time.sleep(0.05)
""")

_PREPARE = textwrap.dedent("""
    import sys, dask.config
    from crds_batch.batch.cluster import ClusterOptions, prepare_local_workers
    options = {"workers": ClusterOptions(n_workers=2), "none": ClusterOptions(),
               "synchronous": ClusterOptions(synchronous=True),
               "address": ClusterOptions(scheduler_address="tcp://127.0.0.1:1")}[sys.argv[1]]
    with dask.config.set({"crds_batch.cluster-threshold": 1000}):
        prepare_local_workers(options, int(sys.argv[2]))
    wait = sys.argv[3] == "yes"
""") + _FIND_SERVERS + "print(len(servers))\n"


@pytest.mark.parametrize("options, datasets, expected", [
    ("workers", 10, 1), ("none", 5000, 1), ("none", 999, 0), ("synchronous", 5000, 0), ("address", 5000, 0)])
def test_the_server_starts_early_only_for_a_job_that_will_start_a_local_cluster(options, datasets, expected):
    env = {name: value for name, value in os.environ.items()
           if name not in ("DASK_SCHEDULER_ADDRESS", "DASK_CRDS_BATCH__LOCAL_WORKER_START")}
    done = subprocess.run([sys.executable, "-c", _PREPARE, options, str(datasets), "yes" if expected else "no"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) == expected


_WORKERS_CODE = textwrap.dedent("""
    import json, crds_batch
    from distributed import Client
    from crds_batch.batch.cluster import ClusterOptions, start_local_cluster
    if __name__ == "__main__":
        cluster = start_local_cluster(ClusterOptions(n_workers=1))
        with Client(cluster, set_as_default=False) as client:
            files = client.run(lambda: __import__("crds_batch").__file__)
        cluster.close()
        print(json.dumps([crds_batch.__file__, *files.values()]))
""")


def test_workers_import_this_process_s_code_not_the_current_directory_s(tmp_path):
    """Python 3.11's fork server imports from the directory it was started in: another ``crds_batch`` there (a
    checkout) gave the workers other code than the command's."""
    (tmp_path / "crds_batch").mkdir()
    (tmp_path / "crds_batch" / "__init__.py").write_text("OTHER_CODE = True\n")
    (tmp_path / "bin").mkdir()  # the command as a script elsewhere (a console script): its path has not "."
    (tmp_path / "bin" / "command.py").write_text(_WORKERS_CODE)
    env = {name: value for name, value in os.environ.items() if name != "DASK_CRDS_BATCH__LOCAL_WORKER_START"}
    done = subprocess.run([sys.executable, str(tmp_path / "bin" / "command.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    client_file, worker_file = json.loads(done.stdout.splitlines()[-1])
    assert not client_file.startswith(str(tmp_path))
    assert worker_file == client_file


def test_the_preload_names_importable_modules():
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)


def test_an_early_start_that_fails_is_left_to_the_cluster_start(monkeypatch):
    import crds_batch.batch.worker_start as worker_start
    from crds_batch.batch.cluster import prepare_local_workers

    def fails(environ):
        raise OSError("no room for a fork server")

    monkeypatch.setattr(worker_start, "start_worker_server", fails)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    prepare_local_workers(ClusterOptions(n_workers=2), 10)  # no error here: start_local_cluster reports it
    with dask.config.set({START: "forkserver"}), pytest.raises(Exception, match="Cannot start a local Dask "
                                                                             "cluster: no room for a fork server"):
        start_local_cluster(ClusterOptions(n_workers=1))


def test_the_manifest_name_is_the_store_s():
    from crds_batch.batch import worker_start
    from crds_batch.store import schema

    assert worker_start._MANIFEST_NAME == schema.MANIFEST_NAME


def _store(tmp_path, rows: int) -> str:
    directory = tmp_path / f"store{rows}"
    directory.mkdir()
    partitions = {"hst/acs": {"observatory": "hst", "instrument": "acs", "rows": rows - rows // 3},
                  "hst/cos": {"observatory": "hst", "instrument": "cos", "rows": rows // 3}}
    (directory / "manifest.json").write_text(json.dumps({"partitions": partitions}))
    return str(directory)


def test_the_command_line_gives_the_job_s_cluster_options_and_datasets(tmp_path):
    from crds_batch.batch.worker_start import _cluster_arguments

    store = _store(tmp_path, 3000)
    local = {"n_workers": None, "scheduler_address": None, "scheduler_file": None, "synchronous": False}
    assert _cluster_arguments(["--old-context", "a", "--params", store, "-q"]) == (local, 3000)
    assert _cluster_arguments([f"--params={store}", "--workers", "3"]) == ({**local, "n_workers": 3}, 3000)
    assert _cluster_arguments(["--params", store, "--no-cluster"]) == ({**local, "synchronous": True}, 3000)
    assert _cluster_arguments(["--params", store, "--scheduler-address=tcp://127.0.0.1:1"]) == (
        {**local, "scheduler_address": "tcp://127.0.0.1:1"}, 3000)
    assert _cluster_arguments(["--workers=2", "--params", "save.json"]) == ({**local, "n_workers": 2}, 0)
    for unclear in (["--params", "save.json"], ["--params", store, "--params", store], [], ["--params"],
                    ["--params", store, "--help"], ["-h", "--params", store], ["--", "--params", store]):
        assert _cluster_arguments(unclear) is None, unclear


_COMMAND_LINE = textwrap.dedent("""
    import sys, dask.config
    from crds_batch.cli.main import main
    with dask.config.set({"crds_batch.cluster-threshold": 1000}):
        code = main(sys.argv[2:] + ["--no-such-option"])  # a usage error: the job never runs
    wait = sys.argv[1] == "yes"
""") + _FIND_SERVERS + "print(code, len(servers))\n"


@pytest.mark.parametrize("arguments, expected", [
    (["affected", "--old-context", "hst_0650.pmap", "--params", "{big}"], 1),
    (["check-context", "--params", "{big}", "--workers", "2"], 1),
    (["affected", "--params", "{small}"], 0),
    (["affected", "--params", "{big}", "--no-cluster"], 0),
    (["bestrefs", "--load-pickles", "{big}", "--workers", "2"], 0)])
def test_batch_commands_start_the_server_from_their_command_line(tmp_path, arguments, expected):
    """Before the command's own imports and planning: shown by a command line the job never runs."""
    stores = {"big": _store(tmp_path, 5000), "small": _store(tmp_path, 999)}
    arguments = [word.format(**stores) for word in arguments]
    env = {name: value for name, value in os.environ.items()
           if name not in ("DASK_SCHEDULER_ADDRESS", "DASK_CRDS_BATCH__LOCAL_WORKER_START")}
    done = subprocess.run([sys.executable, "-c", _COMMAND_LINE, "yes" if expected else "no", *arguments],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["2", str(expected)]  # usage error; the server, or none
