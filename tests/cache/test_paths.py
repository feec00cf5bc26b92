from __future__ import annotations

import pytest

from crds_batch.cache.paths import CachePaths, locate_mapping, locate_reference
from crds_batch.cache.server_config import load_server_config, resolve_context
from crds_batch.errors import UnknownContextError


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"CRDS_PATH": "/c"}, "/c/mappings/jwst"),
        ({"CRDS_PATH": "/c", "CRDS_PATH_SINGLE": "/s"}, "/s/mappings"),
        ({"CRDS_PATH": "/c", "CRDS_MAPPATH": "/m"}, "/m/jwst"),
        ({"CRDS_PATH": "/c", "CRDS_MAPPATH": "/m", "CRDS_MAPPATH_SINGLE": "/ms"}, "/ms"),
    ],
)
def test_component_paths_follow_crds_precedence(env, expected):
    assert CachePaths.from_env("jwst", env).mappings == expected


def test_locate_files_in_real_cache(cache_dir):
    assert locate_mapping("crds://hst_0729.pmap") == str(cache_dir / "mappings/hst/hst_0729.pmap")
    # The test cache's HST references are flat.
    assert locate_reference("v8q14451j_idc.fits", "hst", "acs") == str(cache_dir / "references/hst/v8q14451j_idc.fits")


def test_symbolic_contexts_from_server_config(cache_dir):
    info = load_server_config("hst")
    assert "2018_super_bia.fits" in info.bad_files
    assert resolve_context("hst-operational") == info.operational_context
    assert resolve_context("hst_0700.pmap") == "hst_0700.pmap"
    assert resolve_context(None, env={"CRDS_CONTEXT": "jwst_0541.pmap"}) == "jwst_0541.pmap"


def test_unknown_context_is_one_clear_line():
    with pytest.raises(UnknownContextError, match="Unknown context 'hst-bogus'"):
        resolve_context("hst-bogus")


def test_bad_files_come_from_the_server_list_as_crds_reads_them(tmp_path):
    for name, server_config in (("listed", "{'bad_files_list': ['listed.fits']}"),
                                ("unlisted", "{'operational_context': 'hst_0729.pmap'}")):
        config = tmp_path / name / "config" / "hst"
        config.mkdir(parents=True)
        (config / "bad_files.txt").write_text("copy.fits\n")
        (config / "server_config").write_text(server_config)
    assert load_server_config("hst", env={"CRDS_PATH": str(tmp_path / "listed")}).bad_files == {"listed.fits"}
    # Without a list in server_config, crds's copy of it stands in.
    assert load_server_config("hst", env={"CRDS_PATH": str(tmp_path / "unlisted")}).bad_files == {"copy.fits"}
