"""Names a mapping gives for a reference never lead outside the cache (issue 17 item 13).

A CRDSCFG rmap naming its YAML by absolute path, ``../`` or ``crds://../`` made us read a file
outside the cache, and its content decided the types evaluated. Now refused, one line.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from crds_batch.api import getrecommendations
from crds_batch.cache.paths import locate_rule_reference
from crds_batch.errors import CacheError
from crds_batch.rules import crdscfg
from crds_batch.rules.loading import clear_cache

from .test_crdscfg import CONTEXT, CRDSCFG_RMAP, CRDSCFG_YAML, NIRCAM, _with_checksum


def _cache(root: Path, cache_dir: Path, reference: str) -> None:
    mappings = root / "mappings" / "jwst"
    mappings.mkdir(parents=True)
    real = cache_dir / "mappings" / "jwst"
    for entry in os.scandir(real):
        os.symlink(entry.path, mappings / entry.name)
    shutil.copytree(cache_dir / "config" / "jwst", root / "config" / "jwst")
    (root / "references" / "jwst" / "system").mkdir(parents=True)
    rmap = CRDSCFG_RMAP.replace("'jwst_system_crdscfg_9001.yaml'", repr(reference))
    (mappings / "jwst_system_crdscfg_9001.rmap").write_text(_with_checksum(rmap))
    imap = (real / "jwst_system_0018.imap").read_text()
    imap = imap.replace("'name' : 'jwst_system_0018.imap'", "'name' : 'jwst_system_9018.imap'")
    imap = imap.replace("'CALVER' :", "'CRDSCFG' : 'jwst_system_crdscfg_9001.rmap',\n    'CALVER' :")
    (mappings / "jwst_system_9018.imap").write_text(_with_checksum(imap))
    pmap = (real / "jwst_0541.pmap").read_text().replace("'name' : 'jwst_0541.pmap'", f"'name' : '{CONTEXT}'")
    (mappings / CONTEXT).write_text(_with_checksum(pmap.replace("'jwst_system_0018.imap'", "'jwst_system_9018.imap'")))


@pytest.fixture
def outside(tmp_path):
    """A CRDSCFG YAML outside the cache: reading it would narrow NIRCAM's types."""
    path = tmp_path / "outside" / "crdscfg.yaml"
    path.parent.mkdir()
    path.write_text(CRDSCFG_YAML)
    return path


@pytest.mark.parametrize("how", ["absolute", "dotdot", "crds-dotdot", "symlink"])
def test_rules_cannot_name_a_file_outside_the_cache(how, outside, tmp_path, cache_dir, monkeypatch):
    root = tmp_path / "cache"
    reference = {"absolute": str(outside), "dotdot": "../../../../outside/crdscfg.yaml",
                 "crds-dotdot": "crds://../../../../outside/crdscfg.yaml", "symlink": "jwst_system_crdscfg_9001.yaml"}[how]
    _cache(root, Path(cache_dir), reference)
    if how == "symlink":
        os.symlink(outside, root / "references" / "jwst" / "system" / reference)
    monkeypatch.setenv("CRDS_PATH", str(root))
    clear_cache()
    try:
        with pytest.raises(CacheError) as info:
            getrecommendations(dict(NIRCAM, **{"META.EXPOSURE.TYPE": "NRC_IMAGE",
                                               "META.CALIBRATION_SOFTWARE_VERSION": "1.12.5"}), CONTEXT)
    finally:
        clear_cache()
    message = str(info.value)
    assert "\n" not in message and "refused" in message and ("not a plain file name" in message
                                                             or "leads outside the cache" in message)


def test_plain_names_inside_the_cache_are_located(tmp_path, cache_dir, monkeypatch):
    root = tmp_path / "cache"
    _cache(root, Path(cache_dir), "jwst_system_crdscfg_9001.yaml")
    (root / "references" / "jwst" / "system" / "jwst_system_crdscfg_9001.yaml").write_text(CRDSCFG_YAML)
    monkeypatch.setenv("CRDS_PATH", str(root))
    path = locate_rule_reference("crds://jwst_system_crdscfg_9001.yaml", "jwst", "system")
    assert path == str(root / "references" / "jwst" / "system" / "jwst_system_crdscfg_9001.yaml")
    crdscfg.clear_cache()
