"""Workstation bestrefs with bad rules and bad references: refused unless allowed, as crds does.

A tiny cache (the real HST config, so the real bad-files list) holds one ACS
context whose DARKFILE rmap recommends a file listed as bad; a second
context's rmap is itself listed as bad.
"""
from __future__ import annotations

import ast
import pprint
import shutil

import pytest
from astropy.io import fits

from crds_batch.cli.main import main
from tests.conftest import CACHE
from tests.rules.tiny_cache import make_cache, rmap, write_case

RAW = "j8bt05njq_raw.fits"  # ACS HRC


@pytest.fixture
def bad_cache(tmp_path, monkeypatch):
    """(bad-reference context, bad-rules context, bad reference name) in a tiny cache on CRDS_PATH."""
    root = make_cache(tmp_path / "cache", CACHE)
    server_config = root / "config" / "hst" / "server_config"
    config = ast.literal_eval(server_config.read_text())
    bad = sorted(name for name in config["bad_files_list"] if name.endswith("_drk.fits"))[0]
    bad_reference = write_case(root, "wsbadref", {"darkfile": rmap("(('DETECTOR',),)", "Match({('HRC',) : '%s'})" % bad)})
    bad_rules = write_case(root, "wsbadrules", {"darkfile": rmap("(('DETECTOR',),)",
                                                                 "Match({('HRC',) : 'n3o1059hj_drk.fits'})")})
    config["bad_files_list"].append("hst_wsbadrules_acs_darkfile.rmap")  # what crds reads bad files from
    server_config.write_text(pprint.pformat(config))
    monkeypatch.setenv("CRDS_PATH", str(root))
    monkeypatch.delenv("CRDS_READONLY_CACHE", raising=False)
    return bad_reference, bad_rules, bad


def _copy(test_data_dir, directory):
    directory.mkdir()
    return str(shutil.copyfile(test_data_dir / "hst" / RAW, directory / RAW))


def _crds_errors(path, context, *flags):
    from crds.bestrefs import bestrefs
    from crds.core import utils

    utils.clear_function_caches()  # crds remembers the server config (bad files) of earlier tests' caches
    return bestrefs.BestrefsScript(["crds.bestrefs", "--hst", "--files", path, "--new-context", context,
                                    "--update-bestrefs", *flags])()


def _darkfile(path):
    return fits.getheader(path)["DARKFILE"]


@pytest.mark.oracle
def test_bad_reference_refused_unless_allowed(bad_cache, test_data_dir, tmp_path, capsys):
    context, _, bad = bad_cache
    ours, theirs = _copy(test_data_dir, tmp_path / "ours"), _copy(test_data_dir, tmp_path / "crds")
    before = open(ours, "rb").read()
    assert main(["bestrefs", "--files", ours, "--new-context", context, "--update-bestrefs"]) == 1
    err = capsys.readouterr().err
    assert bad in err and "scientifically invalid" in err
    assert open(ours, "rb").read() == before, "a refused file is left as it was"
    assert _crds_errors(theirs, context) > 0

    assert main(["bestrefs", "--files", ours, "--new-context", context, "--update-bestrefs",
                 "--allow-bad-references"]) == 0
    assert "scientifically invalid" in capsys.readouterr().err  # still warned
    assert _crds_errors(theirs, context, "--allow-bad-references") == 0
    assert _darkfile(ours) == _darkfile(theirs) == f"jref${bad}"


@pytest.mark.oracle
def test_bad_rules_refused_unless_allowed(bad_cache, test_data_dir, tmp_path, capsys):
    _, context, _ = bad_cache
    ours, theirs = _copy(test_data_dir, tmp_path / "ours"), _copy(test_data_dir, tmp_path / "crds")
    before = open(ours, "rb").read()
    assert main(["bestrefs", "--files", ours, "--new-context", context, "--update-bestrefs"]) == 1
    err = capsys.readouterr().err
    assert "bad rules" in err and "hst_wsbadrules_acs_darkfile.rmap" in err
    assert open(ours, "rb").read() == before
    assert _crds_errors(theirs, context) > 0

    assert main(["bestrefs", "--files", ours, "--new-context", context, "--update-bestrefs",
                 "--allow-bad-rules"]) == 0
    assert _crds_errors(theirs, context, "--allow-bad-rules") == 0
    assert _darkfile(ours) == _darkfile(theirs) == "jref$n3o1059hj_drk.fits"
