"""Reference keyword constraints (crds's .tpn facts, kept as data) against ``crds certify`` 13.2.7.

HST FITS references from crds's test files and mutated copies of a clean
one (a required keyword removed, an illegal value set, bad PEDIGREE and
USEAFTER forms): both tools must give the same verdict and the same
constraint messages, keyword, value and legal values included.
"""
from __future__ import annotations

import json
import shutil

import pytest
from astropy.io import fits

from .crds_runner import certify_both, crds_lines

pytestmark = pytest.mark.oracle

CONSTRAINT_MESSAGES = ("Checking '", "Missing suggested", "Error mapping reference names")


def constraint_lines(stderr: str) -> set[str]:
    return {line for line in crds_lines(stderr) if any(text in line for text in CONSTRAINT_MESSAGES)}


@pytest.mark.parametrize("name", [
    "missing_keyword.fits",  # COS DEADTAB without DETECTOR
    "acs_f555w_hrc_007_syn.fits",  # SYNPHOT: PEDIGREE dates out of range (a W check), LITREF suggested
    "hst_synphot_new_th.fits",  # SYNPHOT thermal table without DATE
    "hst_acs_biasfile_0001.fits",  # clean
])
def test_constraint_messages_match_crds_on_test_files(test_data_dir, tmp_path, capsys, name):
    _, ours, theirs = certify_both(str(test_data_dir / "hst" / name), "hst_0729.pmap", tmp_path, capsys)
    assert constraint_lines(ours) == constraint_lines(theirs.stderr)


MUTATIONS = {
    "no_detector": ("DETECTOR", None),  # required keyword removed
    "bad_ccdamp": ("CCDAMP", "QQ"),  # character value not legal
    "bad_ccdamp_or": ("CCDAMP", "A|QQ"),  # one of an or-group not legal
    "bad_ccdgain": ("CCDGAIN", 3.0),  # real value not within tolerance of a legal one
    "text_ccdgain": ("CCDGAIN", "abc"),  # not a number
    "bad_pedigree": ("PEDIGREE", "INFLIGHT 02/01/2001 01/01/2001"),  # start after stop
    "short_pedigree": ("PEDIGREE", "INFLIGHT 2001-01-01"),
    "bad_useafter": ("USEAFTER", "Foo 32 2001"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_constraint_messages_match_crds_on_mutated_reference(test_data_dir, tmp_path, capsys, mutation):
    keyword, value = MUTATIONS[mutation]
    path = tmp_path / f"hst_acs_biasfile_{mutation}.fits"
    shutil.copy(test_data_dir / "hst" / "hst_acs_biasfile_0001.fits", path)
    with fits.open(path, mode="update") as hdus:
        if value is None:
            del hdus[0].header[keyword]
        else:
            hdus[0].header[keyword] = value
    code, ours, theirs = certify_both(str(path), "hst_0729.pmap", tmp_path, capsys)
    expected = constraint_lines(theirs.stderr)
    assert expected, "the mutation must be something crds objects to"
    assert constraint_lines(ours) == expected
    assert code == (1 if theirs.returncode else 0)


TABLE_MUTATIONS = {
    "bad_segment": lambda hdus: hdus[1].data["SEGMENT"].__setitem__(3, "FUVX"),  # illegal column value
    "no_segment": lambda hdus: hdus[1].columns.del_col("SEGMENT"),  # required column removed
}


@pytest.mark.parametrize("mutation", sorted(TABLE_MUTATIONS))
def test_column_constraints_match_crds_on_mutated_table(test_data_dir, tmp_path, capsys, mutation):
    path = tmp_path / f"s7g1700gl_dead_{mutation}.fits"
    with fits.open(test_data_dir / "hst" / "s7g1700gl_dead.fits") as hdus:
        hdus = fits.HDUList([hdu.copy() for hdu in hdus])
        TABLE_MUTATIONS[mutation](hdus)
        if mutation == "no_segment":
            hdus[1] = fits.BinTableHDU.from_columns(hdus[1].columns, header=hdus[1].header)
        hdus.writeto(path)
    code, ours, theirs = certify_both(str(path), "hst_0729.pmap", tmp_path, capsys)
    expected = constraint_lines(theirs.stderr)
    assert expected, "the mutation must be something crds objects to"
    assert constraint_lines(ours) == expected
    assert code == (1 if theirs.returncode else 0)


@pytest.mark.parametrize("observatory", ["hst", "jwst", "roman"])
def test_constraint_tables_are_what_the_installed_crds_regenerates(observatory):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).parents[2] / "scripts" / "regenerate_reference_constraints.py"
    spec = importlib.util.spec_from_file_location("regenerate_reference_constraints", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from importlib import resources

    stored = json.loads(resources.files("crds_batch.observatories").joinpath(
        f"{observatory}_constraints.json").read_text())
    assert stored == json.loads(json.dumps(module.constraints_of(observatory)))
