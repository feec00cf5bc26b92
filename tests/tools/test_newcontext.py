"""``crds-batch newcontext``: byte-identical to ``crds newcontext``, checksums right, and the new context
selects through the new rmaps in crds and in our engine."""
from __future__ import annotations

import os
import shutil

import pytest

import crds_batch
from crds_batch.certify.checksum import verify_mapping_checksum
from crds_batch.cli.main import main
from crds_batch.files.headers import read_parameters
from crds_batch.rules.loading import load_context
from tests.conftest import TEST_DATA
from tests.tools.tool_cache import linked_cache

UPDATES = ["hst_acs_darkfile_0361.rmap", "hst_wfc3_biasfile_0257.rmap"]
NA_UPDATE = "acs_flshfile_n/a"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = linked_cache(tmp_path / "cache")
    monkeypatch.setenv("CRDS_PATH", str(root))
    return root


def _crds_newcontext(directory, monkeypatch, *args):
    from crds.core import utils
    from crds.refactoring.newcontext import NewContextScript

    utils.clear_function_caches()
    with monkeypatch.context() as patch:
        patch.chdir(directory)  # crds writes into the current directory
        return NewContextScript(["crds.newcontext", *args])()


@pytest.mark.oracle
def test_same_files_as_crds_and_they_select_through_the_new_rmaps(cache, tmp_path, monkeypatch, capsys):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir(), theirs.mkdir()
    assert main(["newcontext", "hst_0729.pmap", *UPDATES, NA_UPDATE, "-o", str(ours)]) == 0
    # the cache holds hst_acs_9999.imap: crds's next serial of that series is 10000
    expected = ["hst_0730.pmap", "hst_acs_10000.imap", "hst_wfc3_0432.imap"]
    assert capsys.readouterr().out.split() == [str(ours / name) for name in expected]
    assert _crds_newcontext(theirs, monkeypatch, "hst_0729.pmap", *UPDATES, NA_UPDATE) == 0
    assert sorted(os.listdir(ours)) == sorted(os.listdir(theirs)) == expected
    for name in os.listdir(ours):
        verify_mapping_checksum(str(ours / name))
        if name == "hst_acs_10000.imap":
            # crds 13.2.7 writes os.path.basename("N/A") == "A" for an n/a update: we write N/A
            assert "'flshfile' : 'A'," in (theirs / name).read_text()
            assert "'flshfile' : 'N/A'," in (ours / name).read_text()
            continue
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name

    for name in os.listdir(ours):  # install ours in the cache and look up through it
        shutil.copy(ours / name, cache / "mappings" / "hst" / name)
    imap = load_context("hst_0730.pmap").get_imap("acs")
    assert imap.basename == "hst_acs_10000.imap"
    assert imap.selections["darkfile"] == "hst_acs_darkfile_0361.rmap"
    assert imap.selections["flshfile"] == "N/A"
    parameters = read_parameters(str(TEST_DATA / "hst" / "j8bt05njq_raw.fits")).parameters
    from tests.oracle import crds_bestrefs

    ours_answer = crds_batch.getrecommendations(parameters, "hst_0730.pmap")
    assert ours_answer == crds_bestrefs({"x": parameters}, "hst_0730.pmap", "hst")["x"]
    assert ours_answer["flshfile"] == "NOT FOUND n/a"
    from crds.core import rmap

    assert rmap.fetch_mapping("hst_0730.pmap").get_imap("acs").get_rmap("darkfile").name == \
        "hst_acs_darkfile_0361.rmap"


@pytest.mark.oracle
def test_same_imap_as_crds_without_na_updates(cache, tmp_path, monkeypatch):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir(), theirs.mkdir()
    assert main(["newcontext", "hst_0729.pmap", "hst_acs_darkfile_0361.rmap", "-o", str(ours)]) == 0
    assert _crds_newcontext(theirs, monkeypatch, "hst_0729.pmap", "hst_acs_darkfile_0361.rmap") == 0
    assert sorted(os.listdir(ours)) == sorted(os.listdir(theirs)) == ["hst_0730.pmap", "hst_acs_10000.imap"]
    for name in os.listdir(ours):
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name


def test_refuses_to_overwrite_and_unknown_inputs(cache, tmp_path, capsys):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    (tmp_path / "hst_0730.pmap").write_text("x")
    assert main(["newcontext", "hst_0729.pmap", "hst_acs_darkfile_0361.rmap", "-o", str(tmp_path)]) == 3
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "hst_0730.pmap").read_text() == "x"
    assert os.listdir(tmp_path) == ["hst_0730.pmap"], "nothing is written unless everything can be"
    assert main(["newcontext", "hst_0729.pmap", "nosuch_thing.fits", "-o", str(tmp_path)]) == 3
    assert "not an .rmap" in capsys.readouterr().err


def test_next_serial_skips_names_in_the_cache(cache, tmp_path):
    from crds_batch.tools.newcontext import next_name

    os.symlink(cache / "mappings" / "hst" / "hst_0729.pmap", cache / "mappings" / "hst" / "hst_0731.pmap")
    assert next_name("hst_0729.pmap", str(tmp_path), set()) == "hst_0732.pmap"
    assert next_name("hst_acs.imap", str(tmp_path), set()) == "hst_acs_10000.imap"  # _0001 starts the series: taken
