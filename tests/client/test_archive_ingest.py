"""``crds-batch ingest --server``: the server's store comes back whole, in chunks, resumably."""
from __future__ import annotations

import ast
import json
import math
import pprint
import re
import shutil

import pytest

from crds_batch.cli.main import main
from crds_batch.store import Store, export, ingest
from tests.conftest import CACHE
from tests.server.servers import serving


def saved(store, tmp_path, name) -> dict:
    path = tmp_path / f"{name}.json"
    export(Store(str(store)), str(path))
    return {k: v for line in path.read_text().splitlines() for k, v in json.loads(line).items()}


@pytest.fixture(scope="module")
def small_chunk_server(hst_store, tmp_path_factory):
    """The HST test server with max_headers_per_rpc = 7 (its own copy of the cache config)."""
    config = tmp_path_factory.mktemp("config")
    shutil.copytree(CACHE / "config" / "hst", config / "hst")
    info = ast.literal_eval((config / "hst" / "server_config").read_text())
    info["max_headers_per_rpc"] = 7
    (config / "hst" / "server_config").write_text(pprint.pformat(info))
    with serving("--observatory", "hst", "--store", str(hst_store), env={"CRDS_CFGPATH": str(config)}) as server:
        yield server


def header_calls(server) -> int:
    return sum("get_dataset_headers_by_id" in line for line in server.lines)


def test_ingest_from_server_equals_ingest_of_the_export(small_chunk_server, hst_store, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the progress bar on one line
    from_export = tmp_path / "from-export"
    export(Store(str(hst_store)), str(tmp_path / "export.json"))
    ingest([str(tmp_path / "export.json")], str(from_export))
    from_server = tmp_path / "from-server"
    before = header_calls(small_chunk_server)
    code = main(["ingest", "--server", small_chunk_server.url, "--instruments", "acs", "wfc3",
                 "--store", str(from_server), "--observatory", "hst"])
    assert code == 0, capsys.readouterr().err
    expected = saved(from_export, tmp_path, "a")
    assert len(expected) == 120
    assert saved(from_server, tmp_path, "b") == expected  # same ids, same parameters
    assert header_calls(small_chunk_server) - before == math.ceil(120 / 7)  # chunks of max_headers_per_rpc
    err = capsys.readouterr().err
    assert "Ingested 120 datasets" in err
    bar = [line for line in err.splitlines() if line.startswith("Fetching headers from")]
    assert bar and re.search(r"120/120 .* [\d,]+ datasets/s$", bar[-1].rstrip()), err  # the progress bar's rate


def test_second_run_fetches_only_what_is_missing(small_chunk_server, hst_save, tmp_path, capsys):
    ids = sorted(hst_save[1])
    first = ids[:30]
    (tmp_path / "first.ids").write_text("# the first thirty\n" + "\n".join(first) + "\n")
    store = tmp_path / "store"
    common = ["--store", str(store), "--observatory", "hst"]
    assert main(["ingest", "--server", small_chunk_server.url, "--datasets", f"@{tmp_path / 'first.ids'}",
                 *common]) == 0
    with Store(str(store)) as opened:
        assert len(opened) == 30
    capsys.readouterr()
    before = header_calls(small_chunk_server)
    assert main(["ingest", "--server", small_chunk_server.url, "--all-instruments", *common]) == 0
    err = capsys.readouterr().err
    assert "Ingested 90 datasets" in err and "30 already stored" in err
    assert header_calls(small_chunk_server) - before == math.ceil(90 / 7)
    before = header_calls(small_chunk_server)
    assert main(["ingest", "--server", small_chunk_server.url, "--all-instruments", *common]) == 0
    assert "Ingested 0 datasets" in capsys.readouterr().err
    assert header_calls(small_chunk_server) == before
    assert set(saved(store, tmp_path, "all")) == set(hst_save[1])


def test_unknown_ids_are_reported_and_exit_1(small_chunk_server, hst_save, tmp_path, capsys):
    known = sorted(hst_save[1])[0]
    code = main(["ingest", "--server", small_chunk_server.url, "--datasets", known, "NOSUCH01:NOSUCH01",
                 "--store", str(tmp_path / "s"), "--observatory", "hst", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == "ERROR: No header for NOSUCH01:NOSUCH01: NOT FOUND no match found in query"
    with Store(str(tmp_path / "s")) as opened:
        assert len(opened) == 1


def test_server_options_need_server(tmp_path, capsys):
    assert main(["ingest", "--instruments", "acs", "--store", str(tmp_path / "s")]) == 2
    assert main(["ingest", "--server", "http://127.0.0.1:1", "--store", str(tmp_path / "s")]) == 2


def test_headers_the_store_refuses_are_errors(hst_server, hst_save, tmp_path, capsys):
    from .bad_server import bad_server

    first = sorted(hst_save[1])[0]
    with bad_server(hst_server.url, {"get_dataset_headers_by_id": ["no-instrument"]}) as bad:
        code = main(["ingest", "--server", bad.url, "--instruments", "acs", "wfc3", "--store", str(tmp_path / "s"),
                     "--observatory", "hst", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"ERROR: dataset {first}: no known instrument (INSTRUME / META.INSTRUMENT.NAME)\n"
    with Store(str(tmp_path / "s")) as opened:
        assert len(opened) == len(hst_save[1]) - 1
