"""Parity with crds: after our --update-bestrefs, the header keywords equal what crds writes."""
from __future__ import annotations

import shutil

import pytest
from astropy.io import fits

from crds_batch.files.bestrefs import FilesRequest, run_files

CONTEXTS = ["hst_0500.pmap", "hst_0650.pmap", "hst_0729.pmap"]
#: The version keyword names the writing software: ours differs from crds's by design.
NOT_COMPARED = {"CRDS_VER"}


def _raw_files(test_data_dir):
    files = sorted((test_data_dir / "hst").glob("*_raw*.fits"))
    assert len(files) >= 3
    return files


def _copies(files, directory):
    directory.mkdir()
    return [str(shutil.copyfile(f, directory / f.name)) for f in files]


def _cards(path):
    with fits.open(path) as hdulist:
        return [(card.keyword, card.value) for card in hdulist[0].header.cards]


def _run_crds(files, context):
    from crds.bestrefs import bestrefs

    return bestrefs.BestrefsScript(["crds.bestrefs", "--hst", "--files", *files, "--new-context", context,
                                    "--update-bestrefs"])()


@pytest.mark.oracle
@pytest.mark.parametrize("context", CONTEXTS)
def test_update_bestrefs_equals_crds(context, test_data_dir, tmp_path):
    files = _raw_files(test_data_dir)
    ours = _copies(files, tmp_path / "ours")
    theirs = _copies(files, tmp_path / "crds")
    run_files(FilesRequest(tuple(ours), new_context=context, update=True))
    _run_crds(theirs, context)
    changed = 0
    for mine, crds_file, original in zip(ours, theirs, files):
        got = [card for card in _cards(mine) if card[0] not in NOT_COMPARED]
        want = [card for card in _cards(crds_file) if card[0] not in NOT_COMPARED]
        assert got == want, mine  # same keywords, same values, same order
        changed += "CRDS_CTX" in dict(got)
        with fits.open(mine) as ours_hdul, fits.open(original) as orig_hdul:
            for new_hdu, old_hdu in zip(ours_hdul[1:], orig_hdul[1:], strict=True):
                assert new_hdu.header.tostring() == old_hdu.header.tostring()
    assert changed >= 3
