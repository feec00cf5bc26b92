"""``crds-batch capture``: the files crds_dataset_capture writes, from ``crds-batch serve`` on loopback,
and a store holding the server's datasets."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from crds_batch.cli.main import main
from crds_batch.store import Store, export
from tests.conftest import CACHE
from tests.server.conftest import hst_save, hst_server, hst_store  # noqa: F401
from tests.server.servers import CLIENT_SECONDS, client_env


def _exported(store, path) -> dict:
    export(Store(str(store)), str(path))
    return {k: v for line in path.read_text().splitlines() for k, v in json.loads(line).items()}


def _only_dir(parent):
    [name] = [n for n in os.listdir(parent) if n.startswith("capture-")]
    return parent / name


@pytest.mark.oracle
def test_same_files_as_crds_dataset_capture_and_a_store(hst_server, hst_store, tmp_path, capsys):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir(), theirs.mkdir()
    assert main(["capture", "acs", "wfc3", "--server", hst_server.url, "-H", "-o", str(ours)]) == 0
    printed = capsys.readouterr().out.strip()
    script = os.path.join(os.path.dirname(sys.executable), "crds_dataset_capture")
    done = subprocess.run([sys.executable, script, "acs", "wfc3"], cwd=theirs, text=True, capture_output=True,
                          timeout=CLIENT_SECONDS,
                          env=client_env(hst_server.url, CACHE, "hst", CRDS_READONLY_CACHE="1"))
    assert done.returncode == 0, done.stderr[-3000:]
    mine, crds_dir = _only_dir(ours), _only_dir(theirs)
    assert printed == str(mine)
    assert mine.name[len("capture-"):len("capture-2026-11-30")] == crds_dir.name[len("capture-"):len("capture-2026-11-30")]
    files = ["acs.headers.json", "acs.ids.txt", "wfc3.headers.json", "wfc3.ids.txt"]
    assert sorted(n for n in os.listdir(crds_dir)) == files
    for name in files:
        assert (mine / name).read_text() == (crds_dir / name).read_text(), name
    assert len((mine / "acs.ids.txt").read_text().split()) > 0
    server_store = _exported(hst_store, tmp_path / "server.json")
    assert _exported(mine / "store", tmp_path / "captured.json") == server_store


def test_unknown_instrument_is_an_error_line(hst_server, tmp_path, capsys):
    assert main(["capture", "nosuch", "--server", hst_server.url, "--observatory", "hst", "-o", str(tmp_path),
                 "--no-store"]) == 1
    err = capsys.readouterr().err
    assert "ERROR: Failed reading dataset ids for 'nosuch'" in err
    assert sorted(os.listdir(_only_dir(tmp_path))) == ["nosuch.headers.json", "nosuch.ids.txt"]
