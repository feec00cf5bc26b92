"""CacheView: which files are served, their digests, and confinement, without a server."""
from __future__ import annotations

import hashlib
import os

from crds_batch.server.cache_view import CacheView, cache_environment, confined, is_plain_name
from tests.conftest import CACHE

from .conftest import HST_CONTEXT


def _view() -> CacheView:
    return CacheView("hst", cache_environment(str(CACHE), {"CRDS_MAPPATH": "/elsewhere", "HOME": "/root"}))


def test_cache_option_replaces_the_path_overrides():
    view = _view()
    assert view.paths.mappings == str(CACHE / "mappings" / "hst")
    assert "CRDS_MAPPATH" not in view.env and view.env["HOME"] == "/root"


def test_references_are_hashed_only_when_asked():
    view = _view()
    reference = sorted(p for p in (CACHE / "references" / "hst").iterdir())[0]
    pmap = CACHE / "mappings" / "hst" / HST_CONTEXT
    lazy = view.facts([reference.name, HST_CONTEXT], hash_references=False)
    assert lazy[reference.name].sha1sum == "none"
    assert lazy[HST_CONTEXT].sha1sum == hashlib.sha1(pmap.read_bytes()).hexdigest()
    assert view.facts([reference.name])[reference.name].sha1sum == hashlib.sha1(reference.read_bytes()).hexdigest()
    assert view.facts([reference.name], hash_references=False)[reference.name].sha1sum != "none"


def test_confinement(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "inside").write_text("x")
    (tmp_path / "outside").write_text("y")
    (root / "out_link").symlink_to(tmp_path / "outside")
    (root / "in_link").symlink_to(root / "inside")
    assert confined(str(root), str(root / "inside")) == os.path.realpath(root / "inside")
    assert confined(str(root), str(root / "in_link")) == os.path.realpath(root / "inside")
    assert confined(str(root), str(root / "out_link")) is None
    assert confined(str(root), str(root / ".." / "outside")) is None
    assert confined(str(root), str(root)) is None
    assert [is_plain_name(n) for n in ("a.fits", "..", ".", "", "a/b", "a\\b", ".hidden", "a\0b")] == \
        [True, False, False, False, False, False, False, False]
