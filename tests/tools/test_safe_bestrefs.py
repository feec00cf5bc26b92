"""``crds-batch safe-bestrefs``: concurrent pipeline processes while a sync-like writer changes the cache's
operational context and adds mappings; each file gets one whole context's answers, as crds bestrefs gives
them, and the readers write nothing into the cache."""
from __future__ import annotations

import ast
import os
import pprint
import shutil
import stat
import subprocess
import sys
import threading

import pytest
from astropy.io import fits

from crds_batch.cli.main import main
from crds_batch.files.atomic import write_atomically
from tests.conftest import CACHE, REPO, TEST_DATA
from tests.tools.tool_cache import linked_cache

RAW = "j8bt05njq_raw.fits"
CONTEXTS = ("hst_0300.pmap", "hst_0729.pmap")  # they differ for RAW (imphttab, oscntab)
TYPES = ("IMPHTTAB", "OSCNTAB", "DARKFILE", "BIASFILE")


def _copy(directory, name=RAW):
    directory.mkdir(parents=True, exist_ok=True)
    path = shutil.copyfile(TEST_DATA / "hst" / RAW, directory / name)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    return str(path)


def _refs(path):
    header = fits.getheader(path)
    return {key: header.get(key) for key in TYPES}


def _set_operational(config_path, context):
    config = ast.literal_eval(open(config_path).read())
    config["operational_context"] = context
    with write_atomically(config_path) as handle:
        handle.write(pprint.pformat(config).encode())


def _snapshot(root):
    return {os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files}


@pytest.mark.oracle
def test_concurrent_processes_beside_a_changing_cache(tmp_path):
    from crds.bestrefs import bestrefs
    from crds.core import utils

    cache = linked_cache(tmp_path / "cache")
    config_path = str(cache / "config" / "hst" / "server_config")
    expected = {}
    for context in CONTEXTS:  # what crds's safe_bestrefs (bestrefs --readonly-cache --update-bestrefs) writes
        path = _copy(tmp_path / "crds" / context)
        utils.clear_function_caches()
        bestrefs.BestrefsScript(["crds.bestrefs", "--hst", "--files", path, "--new-context", context,
                                 "--readonly-cache", "--update-bestrefs"])()
        expected[context] = _refs(path)
    assert expected[CONTEXTS[0]] != expected[CONTEXTS[1]]

    before = _snapshot(cache)
    stop = threading.Event()
    added = set()

    def sync_like_writer():
        turn = 0
        while not stop.is_set():
            _set_operational(config_path, CONTEXTS[turn % 2])
            name = f"hst_{9000 + turn:04d}.pmap"  # a "new" context arriving
            os.symlink(CACHE / "mappings" / "hst" / "hst_0729.pmap", cache / "mappings" / "hst" / name)
            added.add(os.path.join("mappings", "hst", name))
            turn += 1
            stop.wait(0.05)

    writer = threading.Thread(target=sync_like_writer)
    files = [_copy(tmp_path / "pipeline", f"p{i}_{RAW}") for i in range(4)]
    env = dict(os.environ, CRDS_PATH=str(cache))
    writer.start()
    try:
        processes = [subprocess.Popen([sys.executable, "-m", "crds_batch.cli.main", "safe-bestrefs", "--files", path],
                                      cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for path in files]
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        stop.set()
        writer.join()
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, err
        assert " INFO: 1 files, 1 updated from hst_0" in err
    for path in files:
        assert _refs(path) in (expected[CONTEXTS[0]], expected[CONTEXTS[1]])
    assert _snapshot(cache) - before <= added, "the readers wrote nothing into the cache"


def test_environment_is_crds_safe_bestrefs_and_restored(tmp_path, monkeypatch, capsys):
    from crds_batch.tools.safe_bestrefs import SAFE_ENVIRONMENT

    script = os.path.join(os.path.dirname(sys.executable), "safe_bestrefs")  # the script crds installs
    if not os.path.exists(script):
        pytest.skip("crds's safe_bestrefs script is not installed beside this Python")
    text = open(script).read()
    for name, value in SAFE_ENVIRONMENT.items():  # the variables it exports are ours
        assert f'export {name}="{value}"' in text or f"export {name}={value}" in text, name
    assert "crds bestrefs --readonly-cache --update-bestrefs" in text
    monkeypatch.delenv("CRDS_SERVER_URL", raising=False)
    path = _copy(tmp_path)
    assert main(["safe-bestrefs", "--files", path, "--new-context", "hst_0729.pmap"]) == 0
    assert "CRDS_SERVER_URL" not in os.environ and "CRDS_LOG_TIME" not in os.environ
    assert _refs(path)["IMPHTTAB"] == "jref$2391649pj_imp.fits"
