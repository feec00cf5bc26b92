"""The real crds 13.2.7 client, unchanged, against ``crds-batch serve`` on loopback."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import CACHE

from .conftest import HST_CONTEXT
from .servers import run_crds


def _crds_mapping_closure(context: str) -> list[str]:
    import crds

    from tests.oracle import quiet_crds

    with quiet_crds():
        return sorted(crds.get_cached_mapping(context).mapping_names())


def test_list_status(hst_server, tmp_path):
    done = run_crds("crds.list", "--status", server_url=hst_server.url, crds_path=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Effective Context = 'hst_0729.pmap'" in done.stdout
    assert f"CRDS_SERVER_URL = '{hst_server.url}'" in done.stdout
    done = run_crds("crds.list", "--operational-context", server_url=hst_server.url, crds_path=tmp_path)
    assert done.stdout.split() == [HST_CONTEXT], done.stderr[-2000:]


@pytest.fixture(scope="module")
def synced(hst_server, tmp_path_factory):
    """``(client cache, the sync's outcome)``: hst_0729.pmap synced from the server into an empty cache."""
    cache = tmp_path_factory.mktemp("client") / "cache"
    done = run_crds("crds.sync", "--contexts", HST_CONTEXT, server_url=hst_server.url, crds_path=cache)
    return cache, done


def test_sync_gives_byte_identical_mappings_and_verifies(hst_server, synced):
    cache, done = synced
    assert done.returncode == 0, done.stderr[-2000:]
    assert "0 errors" in done.stderr
    synced = sorted(p.name for p in (cache / "mappings" / "hst").iterdir())
    assert synced == _crds_mapping_closure(HST_CONTEXT)
    for name in synced:
        assert (cache / "mappings" / "hst" / name).read_bytes() == (CACHE / "mappings" / "hst" / name).read_bytes()
    config = (cache / "config" / "hst" / "server_config").read_text()
    assert f"{hst_server.url}/unchecked_get/mappings/hst/" in config
    # verification asks get_file_info_map for size, sha1sum, state, rejected, blacklisted
    check = run_crds("crds.sync", "--contexts", HST_CONTEXT, "--check-files", "--check-sha1sum",
                     server_url=hst_server.url, crds_path=cache)
    assert check.returncode == 0, check.stderr[-2000:]
    assert "0 errors" in check.stderr and "unusual CRDS file state" not in check.stderr
    assert "get_file_info_map" in hst_server.log_text()


def _error_lines(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if "ERROR" in line)


def test_bestrefs_instruments_reads_the_store(hst_server, hst_save, tmp_path):
    _, params = hst_save
    acs = {dataset_id: header for dataset_id, header in params.items() if header["INSTRUME"] == "ACS"}
    done = run_crds("crds.bestrefs", "--instruments", "acs", "--new-context", HST_CONTEXT,
                    "--save-pickle", str(tmp_path / "dumped.json"),
                    server_url=hst_server.url, crds_path=tmp_path / "cache")
    assert "Dumping dataset parameters for 'acs'" in done.stderr, done.stderr[-2000:]
    dumped = {}
    for line in (tmp_path / "dumped.json").read_text().splitlines():
        dumped.update(json.loads(line))
    assert dumped == acs
    # the same datasets from a save file give the same lookups and errors
    save = tmp_path / "acs.json"
    save.write_text("".join(json.dumps({k: v}) + "\n" for k, v in acs.items()))
    local = run_crds("crds.bestrefs", "--load-pickles", str(save), "--new-context", HST_CONTEXT,
                     server_url=hst_server.url, crds_path=tmp_path / "cache")
    assert done.returncode == local.returncode
    assert _error_lines(done.stderr) == _error_lines(local.stderr)


def test_list_dataset_headers(hst_server, hst_save, synced):
    cache, _ = synced
    _, params = hst_save
    first = sorted(params)[0]
    product = first.split(":")[0]
    done = run_crds("crds.list", "--dataset-headers", first, "NOPE123", "--json", "--contexts", HST_CONTEXT,
                    server_url=hst_server.url, crds_path=cache)
    assert json.loads(done.stdout.strip().splitlines()[0]) == {first: params[first]}
    assert re.search(r"No header for 'NOPE123:NOPE123' : 'NOT FOUND no match found in query'", done.stderr), \
        done.stderr[-2000:]
    expanded = run_crds("crds.list", "--dataset-headers", product.lower(), "--id-expansions-only",
                        "--contexts", HST_CONTEXT, server_url=hst_server.url, crds_path=cache)
    assert expanded.stdout.split() == sorted(i for i in params if i.split(":")[0] == product)
