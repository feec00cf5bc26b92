"""The client against a misbehaving server: retries as configured, then one line, exit 3, the store untouched."""
from __future__ import annotations

import os
import socket
import time

import pytest

from crds_batch.cli.main import main
from crds_batch.client import ClientSettings, CrdsClient, ServerError, api
from crds_batch.client.envelope import crds_decode
from crds_batch.store import Store

from .bad_server import bad_server

TRIES = 3
TIMEOUT = 1.0
FAULT_ENV = {"CRDS_CLIENT_RETRY_COUNT": str(TRIES), "CRDS_CLIENT_RETRY_DELAY_SECONDS": "0.01",
             "CRDS_CLIENT_TIMEOUT_SECONDS": str(TIMEOUT)}
#: A whole faulty run, retries included, must end within this (the slow fault waits TIMEOUT per try).
RUN_SECONDS = 30


@pytest.fixture
def fault_env(monkeypatch):
    for name, value in FAULT_ENV.items():
        monkeypatch.setenv(name, value)


def run(capsys, *args: str) -> tuple[int, str, str, float]:
    capsys.readouterr()
    start = time.monotonic()
    code = main(list(args))
    seconds = time.monotonic() - start
    out, err = capsys.readouterr()
    return code, out, err, seconds


def store_state(path) -> tuple:
    """The store's manifest text and its directory entries (a failed ingest changes neither)."""
    if not os.path.exists(path):
        return None, ()
    manifest = [name for name in os.listdir(path) if name.endswith(".json")]
    texts = tuple(open(os.path.join(path, name)).read() for name in sorted(manifest))
    return texts, tuple(sorted(os.listdir(path)))


@pytest.mark.parametrize("fault", ["drop", "reset", "slow", "garbage", "truncate", "500"])
def test_persistent_fault_is_one_line_exit_3_and_the_store_untouched(fault, fault_env, hst_server, hst_save,
                                                                      tmp_path, capsys):
    store = tmp_path / "store"
    first = sorted(hst_save[1])[:5]
    assert run(capsys, "ingest", "--server", hst_server.url, "--datasets", *first, "--store", str(store),
               "--observatory", "hst", "-q")[0] == 0
    before = store_state(store)
    with bad_server(hst_server.url, {"get_dataset_headers_by_id": [fault] * 100}, slow_seconds=TIMEOUT + 2) as bad:
        code, out, err, seconds = run(capsys, "ingest", "--server", bad.url, "--instruments", "acs", "wfc3",
                                      "--store", str(store), "--observatory", "hst", "-q")
        calls = bad.requests["get_dataset_headers_by_id"]
    assert code == 3, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"ERROR: CRDS server {bad.url}: get_dataset_headers_by_id: "), err
    assert lines[0].endswith(f"(after {TRIES} tries)"), err
    # each chunk asked in parallel gets its TRIES tries; one chunk of 120 ids here
    assert calls == TRIES
    assert seconds < RUN_SECONDS
    assert store_state(store) == before  # nothing half-written, no staging left
    with Store(str(store)) as opened:
        assert len(opened) == 5


@pytest.mark.parametrize("fault", ["drop", "reset", "slow", "garbage", "truncate", "500"])
def test_transient_fault_is_retried(fault, fault_env, hst_server, hst_save, tmp_path, capsys):
    store = tmp_path / "store"
    faults = {"get_server_info": [fault], "get_dataset_ids": [fault, fault], "get_dataset_headers_by_id": [fault]}
    with bad_server(hst_server.url, faults, slow_seconds=TIMEOUT + 2) as bad:
        code, _, err, _ = run(capsys, "ingest", "--server", bad.url, "--instruments", "acs", "wfc3",
                              "--store", str(store), "--observatory", "hst", "-q")
    assert code == 0, err
    with Store(str(store)) as opened:
        assert len(opened) == len(hst_save[1])


def test_list_against_a_bad_server_is_one_line(fault_env, hst_server, capsys):
    with bad_server(hst_server.url, {"get_dataset_ids": ["garbage"] * 10}) as bad:
        code, out, err, _ = run(capsys, "list", "--server", bad.url, "--observatory", "hst",
                                "--dataset-ids-for-instruments", "acs")
    assert code == 3 and out == ""
    assert err.strip() == (f"ERROR: CRDS server {bad.url}: get_dataset_ids: reply is not JSON (JSONDecodeError: "
                           "Expecting value: line 1 column 1 (char 0); 37 bytes starting "
                           "b'<html><body>Proxy error</body></html>') (after 3 tries)")


def test_server_down_is_one_line(fault_env, tmp_path, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err, seconds = run(capsys, "ingest", "--server", f"http://127.0.0.1:{port}", "--all-instruments",
                                  "--store", str(tmp_path / "s"), "--observatory", "hst")
    assert code == 3 and out == "" and seconds < RUN_SECONDS
    assert err.strip() == (f"ERROR: CRDS server http://127.0.0.1:{port}: get_server_info: cannot connect: "
                           "Connection refused (after 3 tries)")
    assert not (tmp_path / "s").exists()


def test_backoff_doubles_from_the_delay_and_is_capped(hst_server):
    waits: list[float] = []
    settings = ClientSettings(server_url="", retry_count=6, retry_delay=10.0, timeout=5.0)
    with bad_server(hst_server.url, {"get_default_context": ["500"] * 10}) as bad:
        settings = ClientSettings(server_url=bad.url, retry_count=6, retry_delay=10.0, timeout=5.0)
        with CrdsClient(settings, sleep=waits.append) as client:
            with pytest.raises(ServerError, match=r"get_default_context: HTTP 500 .*\(after 6 tries\)"):
                client.call("get_default_context", "hst", None)
        assert bad.requests["get_default_context"] == 6
    assert waits == [10.0, 20.0, 40.0, 60.0, 60.0]


def test_truncated_download_leaves_no_file(fault_env, hst_server, tmp_path):
    with CrdsClient(ClientSettings.from_env(server_url=hst_server.url)) as client:
        info = api.server_info(client, "hst")
    pmap = info["operational_context"]
    size = int(crds_decode(info["download_metadata"])[pmap]["size"])
    with bad_server(hst_server.url, {"GET": ["truncate", "truncate", "drop", "pass"]}) as bad:
        url = api.file_url(info, "mapping", "hst").replace(hst_server.url, bad.url) + pmap
        with CrdsClient(ClientSettings.from_env(server_url=bad.url)) as client:
            with pytest.raises(ServerError, match=rf"download {pmap}: .*\(after 3 tries\)"):
                client.download(url, str(tmp_path / pmap), size=size)
            assert os.listdir(tmp_path) == []
            assert client.download(url, str(tmp_path / pmap), size=size) == size  # the 4th request passes
    assert os.listdir(tmp_path) == [pmap]


def test_a_failure_keeps_the_committed_batches_and_the_rerun_fetches_the_rest(fault_env, hst_server, hst_save,
                                                                               tmp_path, capsys):
    from crds_batch.client.archive import ingest_from_server

    store = tmp_path / "store"
    with bad_server(hst_server.url, {"get_dataset_headers_by_id": ["pass"] * 3 + ["500"] * 10}) as bad:
        with CrdsClient(ClientSettings.from_env(server_url=bad.url)) as client:
            with pytest.raises(ServerError, match="get_dataset_headers_by_id: HTTP 500"):
                # chunks of 20 ids; a commit every 40 datasets; the 4th chunk fails
                ingest_from_server(client, str(store), observatory="hst", instruments=["acs", "wfc3"],
                                   parallel=1, commit_datasets=40, chunk_size=20)
    with Store(str(store)) as opened:
        assert len(opened) == 40  # two chunks committed; the third was pending and is fetched again
    code, _, err, _ = run(capsys, "ingest", "--server", hst_server.url, "--all-instruments", "--store", str(store),
                          "--observatory", "hst")
    assert code == 0 and "Ingested 80 datasets" in err and "40 already stored" in err
    with Store(str(store)) as opened:
        assert len(opened) == len(hst_save[1])


def test_a_local_write_error_is_not_retried_nor_blamed_on_the_server(hst_server, tmp_path):
    waits: list[float] = []
    settings = ClientSettings(server_url=hst_server.url, retry_count=3, retry_delay=1.0, timeout=10.0)
    with CrdsClient(settings, sleep=waits.append) as client:
        info = api.server_info(client, "hst")
        pmap = info["operational_context"]
        with pytest.raises(FileNotFoundError):
            client.download(api.file_url(info, "mapping", "hst") + pmap, str(tmp_path / "no-such-dir" / pmap))
    assert waits == []
