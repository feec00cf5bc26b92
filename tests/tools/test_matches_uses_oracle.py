"""``crds-batch matches`` and ``uses`` print what ``crds matches`` / ``crds uses`` (13.2.7) print."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crds_batch.cli.main import main
from tests.conftest import CACHE
from tests.server.conftest import HST_CONTEXT, hst_save, hst_server, hst_store  # noqa: F401
from tests.server.servers import run_crds


def crds_tool(module: str, *args: str, cwd, **env_extra: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env.update(CRDS_PATH=str(CACHE), CRDS_READONLY_CACHE="1", **env_extra)
    return subprocess.run([sys.executable, "-m", module, *args], env=env, capture_output=True, text=True,
                          timeout=900, cwd=cwd)


def ours(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.oracle
@pytest.mark.parametrize("args", [
    ["--contexts", "hst_0729.pmap", "--files", "39617203i_drk.fits"],
    ["--contexts", "hst_0729.pmap", "--files", "39617203i_drk.fits", "-b"],
    ["--contexts", "hst_0729.pmap", "--files", "39617203i_drk.fits", "-o"],
    ["--contexts", "hst_0729.pmap", "--files", "39617203i_drk.fits", "-t"],
    ["--contexts", "hst_0729.pmap", "--files", "39617203i_drk.fits", "-o", "-t", "-b"],
    ["--contexts", "hst_0729.pmap", "hst_0700.pmap", "--files", "2571630dj_bia.fits", "q9e1206kj_bia.fits", "-t"],
    ["--contexts", "hst_0700.pmap", "--files", "2571630dj_bia.fits", "q9e1206kj_bia.fits", "--filters", "CCDAMP=B"],
    ["--contexts", "jwst_0541.pmap", "--files", "jwst_miri_dark_0084.fits", "jwst_nircam_flat_0300.fits"],
    ["--contexts", "hst_acs_biasfile_0345.rmap", "--files-from-contexts", "-b"],
])
def test_reference_matches_equal_crds(args, capsys, tmp_path):
    expected = crds_tool("crds.matches", *args, cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, "matches", *args)
    assert code == 0, err
    assert out == expected.stdout and out.strip()


@pytest.mark.oracle
@pytest.mark.parametrize("flags", [[], ["-c"], ["-m"], ["-c", "-m"]])
def test_dataset_matches_from_a_store_equal_crds_from_a_server(flags, hst_server, hst_save, hst_store, capsys,
                                                               tmp_path):
    ids = sorted(hst_save[1])[:3]
    expected = run_crds("crds.matches", "--contexts", HST_CONTEXT, "--datasets", *ids, *flags,
                        server_url=hst_server.url, crds_path=CACHE, cwd=tmp_path, CRDS_READONLY_CACHE="1")
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, "matches", "--contexts", HST_CONTEXT, "--datasets", *ids, "--params",
                          str(hst_store), *flags)
    assert code == 0, err
    assert sorted(out.splitlines()) == sorted(expected.stdout.splitlines()) and out.strip()


@pytest.mark.oracle
@pytest.mark.parametrize("args", [
    ["--files", "roman_wfi_dark_0001.asdf", "roman_wfi_flat_0004.asdf", "roman_wfi_dark_0001.rmap", "--roman"],
    ["--files", "roman_wfi_dark_0001.asdf", "roman_wfi_0004.imap", "--roman", "-i"],
    ["--files", "jwst_miri_dark_0084.fits", "jwst_nircam_flat_0300.fits", "jwst_nircam_0100.imap", "--jwst", "-i"],
])
def test_uses_equals_crds(args, capsys, tmp_path):
    """crds stops at the first mapping whose checksum is stale; told to ignore checksums (crds-batch reads the
    text and does not verify them here), it lists the same users."""
    expected = crds_tool("crds.uses", *args, cwd=tmp_path, CRDS_IGNORE_MAPPING_CHECKSUM="1")
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, "uses", *args)
    assert code == 0, err
    assert out == expected.stdout and out.strip()


def test_uses_reads_each_mapping_once(capsys, monkeypatch):
    """The reverse index parses every cache mapping at most once for any number of files."""
    from crds_batch.tools import mapping_tree

    mapping_tree._load_parsed.cache_clear()
    code, out, _ = ours(capsys, "uses", "--files", "roman_wfi_dark_0001.asdf", "roman_wfi_flat_0004.asdf",
                        "roman_wfi_0004.imap", "--roman")
    info = mapping_tree._load_parsed.cache_info()
    assert code == 0 and out.strip()
    assert info.hits == 0 and info.misses == len(os.listdir(CACHE / "mappings" / "roman"))


def test_print_datasets_from_prior_assignments(tmp_path, capsys):
    """Datasets whose recorded DARKFILE (as crds saves write it: jref$name, any case) names the reference."""
    import json

    save = {
        "J1:J1": {"INSTRUME": "ACS", "DATE-OBS": "2010-01-01", "TIME-OBS": "00:00:00", "DARKFILE": "jref$abc_drk.fits"},
        "J2:J2": {"INSTRUME": "ACS", "DATE-OBS": "2010-01-01", "TIME-OBS": "00:00:00", "DARKFILE": "JREF$ABC_DRK.FITS"},
        "J3:J3": {"INSTRUME": "ACS", "DATE-OBS": "2010-01-01", "TIME-OBS": "00:00:00", "DARKFILE": "jref$other_drk.fits",
                  "BIASFILE": "jref$abc_drk.fits"},
        "I4:I4": {"INSTRUME": "WFC3", "DATE-OBS": "2010-01-01", "TIME-OBS": "00:00:00", "DARKFILE": "iref$zzz_drk.fits"},
    }
    path = tmp_path / "prior.json"
    path.write_text("\n".join(json.dumps({key: value}) for key, value in save.items()) + "\n")
    code, out, _ = ours(capsys, "uses", "--files", "abc_drk.fits", "zzz_drk.fits", "--print-datasets", "--params",
                        str(path))
    assert code == 0 and out.split() == ["J1:J1", "J2:J2", "J3:J3", "I4:I4"]
    code, out, _ = ours(capsys, "uses", "--files", "zzz_drk.fits", "--print-datasets", "--params", str(path), "-i")
    assert code == 0 and out.splitlines() == ["zzz_drk.fits I4:I4"]


@pytest.mark.oracle
@pytest.mark.parametrize("args", [
    ["--after-context", "hst_0727.pmap", "--files", "39617203i_drk.fits"],
    ["--after-context", "hst_0720.pmap", "--files", "2571630dj_bia.fits", "-t"],
])
def test_matches_over_context_ranges_equal_crds_with_a_server(args, capsys, tmp_path):
    """crds asks its server for the contexts --after-context covers: crds-batch serve of the cache. (crds cannot
    read the cache's first contexts, so --up-to-context is compared through list --resolve-contexts only.)"""
    from tests.server.servers import serving

    with serving("--observatory", "hst") as server:
        expected = run_crds("crds.matches", *args, server_url=server.url, crds_path=CACHE, cwd=tmp_path,
                            CRDS_READONLY_CACHE="1")
    assert expected.returncode == 0, expected.stderr[-2000:]
    code, out, err = ours(capsys, "matches", *args, "--hst")
    assert code == 0, err
    assert out == expected.stdout and out.strip()
