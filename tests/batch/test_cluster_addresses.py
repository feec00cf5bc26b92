"""Scheduler addresses that are not live Dask schedulers, and bad settings: one line, bounded time, exit 3."""
from __future__ import annotations

import socket
import threading

import pytest

from crds_batch.batch.cluster import ClusterError, ClusterOptions, dask_client
from crds_batch.cli.main import main
from crds_batch.store import Store, ingest
from crds_batch.synth import generate, write_save


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("addresses")
    save = base / "hst.json"
    write_save(generate("hst_0729.pmap", 50, seed=3), str(save))
    ingest([str(save)], str(base / "store"))
    return Store(str(base / "store"))


@pytest.fixture
def silent_server():
    """A TCP server on loopback that accepts connections and never says anything (not Dask)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()
    accepted = []

    def serve():
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.timeout(60)
def test_silent_server_is_refused_within_the_connect_timeout(silent_server):
    with pytest.raises(ClusterError, match="no Dask handshake within 2 s"):
        with dask_client(ClusterOptions(scheduler_address=silent_server, connect_timeout=2)):
            pass


@pytest.mark.timeout(60)
@pytest.mark.parametrize("address,fault", [
    ("foo://127.0.0.1:1", "unknown scheme 'foo'"),
    ("tcp://", "expected e.g. tcp://host:8786"),
    ("tcp://127.0.0.1:", "expected e.g. tcp://host:8786"),
    ("inproc://x", "only inside one process"),
    ("tls://127.0.0.1:9", "tls:// needs TLS settings"),
])
def test_bad_addresses_are_one_line(address, fault, store, capfd):
    code = main(["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap",
                 "--params", store.path, "--scheduler-address", address, "--quiet"])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1 and fault in err[0], err


def test_bad_scheduler_file_is_one_line(tmp_path):
    bad = tmp_path / "scheduler.json"
    bad.write_text("not json")
    with pytest.raises(ClusterError, match="is not a Dask scheduler file"):
        with dask_client(ClusterOptions(scheduler_file=str(bad))):
            pass


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_bad_partition_rows_setting_is_one_line(value, store, capfd, monkeypatch):
    monkeypatch.setenv("DASK_CRDS_BATCH__PARTITION_ROWS", value)
    import dask.config

    dask.config.refresh()
    try:
        code = main(["affected", "--old-context", "hst_0650.pmap", "--new-context", "hst_0729.pmap",
                     "--params", store.path, "--no-cluster", "--quiet"])
    finally:
        monkeypatch.delenv("DASK_CRDS_BATCH__PARTITION_ROWS")
        dask.config.refresh()
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1, err
    assert err[0].startswith("ERROR: Setting crds_batch.partition-rows = ")
    assert err[0].endswith("(Dask config or DASK_CRDS_BATCH__PARTITION_ROWS) is not an integer >= 1")
