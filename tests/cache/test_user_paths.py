"""Mapping names given by the user follow crds's rule (issue 10 §3).

crds (>= 7.3.1) reads a plain file name from the current directory and
``crds://name`` from the cache; crds-batch used to read every plain name from
the cache, so ``diff edited.rmap ...`` silently compared the cache's copy.
"""
from __future__ import annotations

import os
import shutil

import pytest

from crds_batch.batch.rules_bundle import RulesBundle, load_from_bundle
from crds_batch.cache import resolve_context, user_mapping_path
from crds_batch.cli.main import main
from crds_batch.rules.loading import load_context

RMAP = "hst_acs_darkfile_0250.rmap"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_rule(workdir, cache_dir):
    (workdir / RMAP).write_text((cache_dir / "mappings" / "hst" / RMAP).read_text())
    assert user_mapping_path(RMAP) == str(workdir / RMAP)
    assert user_mapping_path("crds://" + RMAP) == RMAP
    assert user_mapping_path("hst_acs_darkfile_0251.rmap") == "hst_acs_darkfile_0251.rmap"  # not here: the cache
    assert user_mapping_path("sub/x.rmap") == str(workdir / "sub" / "x.rmap")
    assert resolve_context(RMAP) == str(workdir / RMAP)


def test_diff_reads_a_plain_name_from_the_current_directory(workdir, cache_dir, capsys):
    text = (cache_dir / "mappings" / "hst" / RMAP).read_text()
    reference = next(word.strip("'\",") for word in text.split() if word.strip("'\",").endswith("_drk.fits"))
    (workdir / RMAP).write_text(text.replace(reference, "edited0000_drk.fits"))
    assert main(["diff", "crds://" + RMAP, RMAP]) == 1
    out = capsys.readouterr().out
    assert "edited0000_drk.fits" in out and reference in out
    assert main(["diff", "crds://" + RMAP, "crds://" + RMAP]) == 0
    assert capsys.readouterr().out == ""


def _delivery(workdir, cache_dir):
    """A new context in a delivery directory whose WFC3 entry goes back to hst_0728's imap (in the cache)."""
    text = (cache_dir / "mappings" / "hst" / "hst_0729.pmap").read_text()
    (workdir / "hst_9990.pmap").write_text(text.replace("hst_wfc3_0431.imap", "hst_wfc3_0430.imap")
                                           .replace("'hst_0729.pmap'", "'hst_9990.pmap'"))


def test_affected_with_a_new_context_in_the_current_directory(workdir, cache_dir, test_data_dir, monkeypatch,
                                                               capsys):
    monkeypatch.setenv("CRDS_IGNORE_MAPPING_CHECKSUM", "1")
    _delivery(workdir, cache_dir)
    save = str(test_data_dir / "hst" / "bestrefs_new_error.json")
    argv = ["affected", "--old-context", "hst_0729.pmap", "--params", save, "--no-cluster", "--quiet",
            "--print-affected-details", "--datasets-since", "none"]
    assert main([*argv, "--new-context", "hst_0728.pmap"]) in (0, 1)
    expected = capsys.readouterr().out
    assert main([*argv, "--new-context", "hst_9990.pmap"]) in (0, 1)
    assert capsys.readouterr().out == expected
    assert main(["diff", "hst_0729.pmap", "hst_9990.pmap", "--affected"]) == 1
    assert capsys.readouterr().out.split() == ["wfc3", "darkfile", "wfc3", "drkcfile"]


def test_rules_bundle_carries_a_context_given_as_a_path(workdir, cache_dir, monkeypatch):
    monkeypatch.setenv("CRDS_IGNORE_MAPPING_CHECKSUM", "1")
    _delivery(workdir, cache_dir)
    path = resolve_context("hst_9990.pmap")
    context = load_context(path)
    bundle = RulesBundle.from_names([path, *context.get_imap("wfc3").mapping_names(), "hst_9990.pmap"])
    loaded = load_from_bundle(bundle, path)
    assert os.path.dirname(loaded.path) != str(workdir)
    assert loaded.get_imap("wfc3").name == "hst_wfc3_0430.imap"


def test_same_name_old_and_new_in_two_places_is_one_line_exit_3(workdir, cache_dir, test_data_dir, capsys):
    shutil.copy(cache_dir / "mappings" / "hst" / "hst_0729.pmap", workdir / "hst_0729.pmap")
    code = main(["affected", "--old-context", "crds://hst_0729.pmap", "--new-context", "hst_0729.pmap",
                 "--params", str(test_data_dir / "hst" / "test_cos.json"), "--no-cluster", "--quiet"])
    [line] = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and "two files of one name" in line


def test_python_api_reads_the_cache_like_crds(workdir, test_data_dir):
    """crds.getrecommendations reads contexts from the cache only: so does crds_batch.getrecommendations."""
    import crds_batch
    from crds_batch.files.headers import read_parameters

    params = read_parameters(str(test_data_dir / "hst" / "j8bt05njq_raw.fits")).parameters
    expected = crds_batch.getrecommendations(params, "hst_0729.pmap")
    (workdir / "hst_0729.pmap").write_text("not a mapping\n")
    assert crds_batch.getrecommendations(params, "hst_0729.pmap") == expected
    assert main(["diff", "hst_0729.pmap", "crds://hst_0729.pmap"]) == 3  # the command line reads ./hst_0729.pmap
