"""``refactor insert`` against ``crds refactor`` 13.2.7 on real rmaps: header expansion, hooks, overlaps, kinds.

References are small FITS files whose primary header holds what an HST or
JWST reference would say (``CCDAMP = 'ANY'``, ``LIFE_ADJ = -11``, pattern
keywords...). Each case is inserted by crds and by us into the same cached
rmap: the rmaps must be byte-identical, and both crds and our engine must
select the new reference for a dataset in its new match case.
"""
from __future__ import annotations

import shutil

import pytest
from astropy.io import fits

from crds_batch.certify.checksum import verify_mapping_checksum
from crds_batch.cli.main import main
from tests.conftest import CACHE, TEST_DATA

pytestmark = pytest.mark.oracle

HST = CACHE / "mappings" / "hst"
JWST = CACHE / "mappings" / "jwst"


def write_reference(path, header: dict) -> str:
    cards = fits.Header()
    for key, value in header.items():
        cards[key] = value
    # NAXIS1/NAXIS2 as plain keywords (ACS BIASFILE matches on them) are what crds reads: keep them
    fits.PrimaryHDU(header=cards).writeto(path, output_verify="ignore")
    return str(path)


def crds_insert(old, new, *references) -> int:
    from crds.refactoring.refactor import RefactorScript

    return RefactorScript(["crds.refactor", "insert", str(old), str(new), *map(str, references)])()


def crds_choice(rmap_path, dataset: dict) -> str:
    """crds's choice for ``dataset`` conditioned as its bestrefs conditions headers before the rmap sees them."""
    from crds.core import rmap, utils

    return rmap.fetch_mapping(str(rmap_path), ignore_checksum=False).get_best_ref(utils.condition_header(dataset))


def our_choice(rmap_path, dataset: dict) -> str:
    from crds_batch.rules.loading import load_mapping
    from crds_batch.rules.lookup import condition_header, minimize, rmap_reference

    rules = load_mapping(str(rmap_path))
    return rmap_reference(rules, minimize(condition_header(dataset), rules.required_parkeys))


HST_CASES = {
    # CCDAMP ANY and CCDGAIN -1 expanded by ACS's substitutions; a new Match case
    "acs-ccdamp-any": ("hst_acs_darkfile_0363.rmap",
                       {"INSTRUME": "ACS", "DETECTOR": "HRC", "CCDAMP": "ANY", "CCDGAIN": -1,
                        "USEAFTER": "Jan 01 2031 00:00:00"},
                       {"DETECTOR": "HRC", "CCDAMP": "B", "CCDGAIN": "4.0"}),
    # APERTURE ANY_FULL expands differently before and after 2016-09-25 (a DATE_OBS condition)
    "acs-aperture-any-full-late": ("hst_acs_biasfile_0345.rmap",
                                   {"INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCD", "CCDGAIN": 2.0,
                                    "APERTURE": "ANY_FULL", "NAXIS1": 4144.0, "NAXIS2": 2068.0,
                                    "LTV1": 24.0, "LTV2": 0.0, "XCORNER": 0, "YCORNER": 0, "CCDCHIP": -999,
                                    "USEAFTER": "Jan 01 2031 00:00:00"}, None),
    "acs-aperture-any-full-early": ("hst_acs_biasfile_0345.rmap",
                                    {"INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCD", "CCDGAIN": 2.0,
                                     "APERTURE": "ANY_FULL", "NAXIS1": 4144.0, "NAXIS2": 2068.0,
                                     "LTV1": 24.0, "LTV2": 0.0, "XCORNER": 0, "YCORNER": 0, "CCDCHIP": -999,
                                     "USEAFTER": "Jan 01 2010 00:00:00"}, None),
    # COS LIFE_ADJ -11 means "-1.0|1.0": lands in the existing ('FUV', 'SPECTROSCOPIC', '-1|1') case
    "cos-life-adj": ("hst_cos_xtractab_0260.rmap",
                     {"INSTRUME": "COS", "DETECTOR": "FUV", "OBSTYPE": "SPECTROSCOPIC", "LIFE_ADJ": -11,
                      "USEAFTER": "May 11 2009 00:00:01"},
                     {"DETECTOR": "FUV", "OBSTYPE": "SPECTROSCOPIC", "LIFE_ADJ": "1"}),
    # STIS DETECTOR ANY -> CCD|FUV-MAMA|NUV-MAMA
    "stis-detector-any": ("hst_stis_bpixtab_0250.rmap",
                          {"INSTRUME": "STIS", "DETECTOR": "ANY", "USEAFTER": "Jan 01 2031 00:00:00"},
                          {"DETECTOR": "NUV-MAMA"}),
    # WFC3 FILTER ANY in a two-parameter case
    "wfc3-pflt-ccdamp-any": ("hst_wfc3_pfltfile_0252.rmap",
                             {"INSTRUME": "WFC3", "DETECTOR": "UVIS", "CCDAMP": "ANY", "FILTER": "F814W",
                              "BINAXIS1": 1, "BINAXIS2": 1, "USEAFTER": "Jan 01 2031 00:00:00"}, None),
}


@pytest.mark.parametrize("case", sorted(HST_CASES))
def test_hst_insert_expands_like_crds_and_selects_the_new_file(case, tmp_path, capsys):
    rmap_name, header, dataset = HST_CASES[case]
    reference = write_reference(tmp_path / f"{case.replace('-', '_')}_ref.fits", {"TELESCOP": "HST", **header})
    old = shutil.copy(HST / rmap_name, tmp_path / rmap_name)
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    assert crds_insert(old, theirs, reference) == 0
    assert main(["refactor", "insert", str(old), str(ours), reference]) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    assert ours.read_bytes() != (HST / rmap_name).read_bytes()
    verify_mapping_checksum(str(ours))
    if dataset is not None:
        dataset = {"INSTRUME": header["INSTRUME"], "DATE-OBS": "2031-06-01", "TIME-OBS": "00:00:00", **dataset}
        if case == "cos-life-adj":
            dataset.update({"DATE-OBS": "2009-05-12"})
        name = reference.rsplit("/", 1)[1]
        assert our_choice(ours, dataset) == crds_choice(ours, dataset) == name


def test_substitution_expansion_is_in_the_new_match_case(tmp_path):
    rmap_name, header, _ = HST_CASES["acs-ccdamp-any"]
    reference = write_reference(tmp_path / "any_drk.fits", {"TELESCOP": "HST", **header})
    new = tmp_path / "new.rmap"
    assert main(["refactor", "insert", str(HST / rmap_name), str(new), reference]) == 0
    # ANY -> A|ABCD|AD|B|BC|C|D and -1 -> 1.0|2.0|4.0|8.0 for HRC (crds hst/substitutions.dat)
    assert "('HRC', 'A|ABCD|AD|B|BC|C|D', '1.0|2.0|4.0|8.0') : UseAfter({" in new.read_text()


def test_overlap_warnings_as_crds_verbose(tmp_path, capsys, caplog):
    """A WFC case that is an equal-weight special case of existing ones: crds warns (with --verbose) per case."""
    from crds.core import log as crds_log

    header = {"TELESCOP": "HST", "INSTRUME": "ACS", "DETECTOR": "WFC", "CCDAMP": "ABCDALL", "CCDGAIN": 1.0,
              "USEAFTER": "Jan 01 2031 00:00:00"}
    reference = write_reference(tmp_path / "overlap_drk.fits", header)
    old = HST / "hst_acs_darkfile_0363.rmap"
    assert main(["refactor", "insert", str(old), str(tmp_path / "ours.rmap"), reference]) == 0
    ours = [line for line in capsys.readouterr().err.splitlines() if line.startswith("WARNING:")]
    old_verbosity = crds_log.get_verbose()
    crds_log.set_verbose(True)
    try:
        assert crds_insert(old, tmp_path / "theirs.rmap", reference) == 0
    finally:
        crds_log.set_verbose(old_verbosity)
    theirs = "\n".join(record.getMessage() for record in caplog.records if record.levelname == "WARNING")
    cases = [line.strip() for line in theirs.split("is an equal weight special case of\n")[1:]]
    supersets = [case.splitlines()[0].strip() for case in cases]
    assert len(ours) == len(supersets) > 0
    for line, superset in zip(ours, supersets):
        assert "('WFC', 'A|ABCD|B|C|D', '1.0') is an equal weight special case of " + superset in line


def test_an_illegal_value_is_refused_as_crds_does(tmp_path, capsys):
    header = {"TELESCOP": "HST", "INSTRUME": "ACS", "DETECTOR": "HRC", "FILTER1": "NOSUCH", "FILTER2": "CLEAR2S",
              "OBSTYPE": "IMAGING", "USEAFTER": "Jan 01 2031 00:00:00"}
    reference = write_reference(tmp_path / "bad_cfl.fits", header)
    old = HST / "hst_acs_cfltfile_0250.rmap"
    assert crds_insert(old, tmp_path / "theirs.rmap", reference) != 0
    assert main(["refactor", "insert", str(old), str(tmp_path / "ours.rmap"), reference]) == 3
    assert "value='NOSUCH' is not in" in capsys.readouterr().err
    assert not (tmp_path / "theirs.rmap").exists() and not (tmp_path / "ours.rmap").exists()


def test_two_references_on_one_case_are_an_error_and_the_rmap_is_written_as_crds(tmp_path, capsys):
    header = {"TELESCOP": "HST", "INSTRUME": "STIS", "DETECTOR": "ANY", "USEAFTER": "Jan 01 2031 00:00:00"}
    first = write_reference(tmp_path / "first_bpx.fits", header)
    second = write_reference(tmp_path / "second_bpx.fits", header)
    old = HST / "hst_stis_bpixtab_0250.rmap"
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    assert crds_insert(old, theirs, first, second) == 1
    assert main(["refactor", "insert", str(old), str(ours), first, second]) == 1
    assert "Both 'second_bpx.fits' and 'first_bpx.fits' identically match case" in capsys.readouterr().err
    assert ours.read_bytes() == theirs.read_bytes()


@pytest.mark.parametrize("reference", ["jwst_miri_ipc_0003.add.fits", "jwst_miri_ipc_0004.replace.fits",
                                       "jwst_miri_ipc_0004.fits"])
def test_jwst_pattern_keywords_like_crds(reference, tmp_path):
    """P_DETECT / P_BAND give the match values (crds's test references); values kept as written (no conditioning)."""
    old = JWST / "jwst_miri_ipc_0005.rmap"
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    path = TEST_DATA / "jwst" / reference
    assert crds_insert(old, theirs, path) == 0
    assert main(["refactor", "insert", str(old), str(ours), str(path)]) == 0
    assert ours.read_bytes() == theirs.read_bytes()


def test_jwst_equal_weight_special_case_is_refused_as_crds(tmp_path, capsys):
    """For JWST the overlap is an error: MIRIFULONG alone under an existing MIRIFULONG|MIRIFUSHORT case."""
    first = tmp_path / "first.rmap"
    assert main(["refactor", "insert", str(JWST / "jwst_miri_ipc_0005.rmap"), str(first),
                 str(TEST_DATA / "jwst" / "jwst_miri_ipc_0003.add.fits")]) == 0
    special = write_reference(tmp_path / "jwst_miri_ipc_special.fits", {
        "TELESCOP": "JWST", "INSTRUME": "MIRI", "DETECTOR": "MIRIFULONG", "REFTYPE": "IPC",
        "USEAFTER": "2031-01-01T00:00:00"})
    assert crds_insert(first, tmp_path / "theirs.rmap", special) != 0
    assert main(["refactor", "insert", str(first), str(tmp_path / "ours.rmap"), special]) == 3
    assert "is an equal weight special case of ('MIRIFULONG|MIRIFUSHORT',)" in capsys.readouterr().err
    assert not (tmp_path / "ours.rmap").exists()


@pytest.mark.parametrize(("rmap_name", "reference"), [
    ("hst_synphot_tmctab_0003.rmap", "43h1909cm_tmc.fits"),  # Match on no parameters: () replaced
    ("hst_synphot_thruput_0004.rmap", "acs_f555w_hrc_007_syn.fits"),  # Match only (COMPNAME)
    ("hst_synphot_thermal_0002.rmap", "wfc3_ir_g141_src_999_th.fits"),
])
def test_match_only_rmaps_like_crds(rmap_name, reference, tmp_path):
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    path = TEST_DATA / "hst" / reference
    assert crds_insert(HST / rmap_name, theirs, path) == 0
    assert main(["refactor", "insert", str(HST / rmap_name), str(ours), str(path)]) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    assert f": '{reference}'," in ours.read_text()


def test_version_after_rmap_like_crds_and_selects_the_new_file(tmp_path):
    """JWST DATALVL selects by calibration software version; CAL_VER maps to it by the rmap's reference_to_dataset."""
    reference = write_reference(tmp_path / "jwst_system_datalvl_new.fits", {
        "TELESCOP": "JWST", "INSTRUME": "SYSTEM", "REFTYPE": "DATALVL", "CAL_VER": "1.2.3",
        "USEAFTER": "2020-01-01T00:00:00"})
    old = JWST / "jwst_system_datalvl_0002.rmap"
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    assert crds_insert(old, theirs, reference) == 0
    assert main(["refactor", "insert", str(old), str(ours), reference]) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    assert "'1.2.3' : 'jwst_system_datalvl_new.fits'," in ours.read_text()
    dataset = {"META.CALIBRATION_SOFTWARE_VERSION": "1.3.0"}
    assert our_choice(ours, dataset) == crds_choice(ours, dataset) == "jwst_system_datalvl_new.fits"


NEAREST_RMAP = """header = {
    'classes' : ('Match', 'GeometricallyNearest'),
    'derived_from' : 'hand made',
    'filekind' : 'DARKFILE',
    'instrument' : 'ACS',
    'mapping' : 'REFERENCE',
    'name' : 'hst_acs_darkfile_9000.rmap',
    'observatory' : 'HST',
    'parkey' : (('DETECTOR',), ('CCDGAIN',)),
    'sha1sum' : 'x',
}

selector = Match({
    'HRC' : GeometricallyNearest({
        2.0 : 'a_drk.fits',
        10.0 : 'b_drk.fits',
    }),
})
"""


@pytest.mark.parametrize(("gain", "dataset_gain"), [(4.0, "3.9"), (10, "11.0")])  # a new key; b_drk replaced
def test_geometrically_nearest_like_crds_and_selects_the_new_file(gain, dataset_gain, tmp_path):
    from crds_batch.certify.mapping_text import with_checksum
    from crds_batch.rules.parsing import parse_mapping

    old = tmp_path / "hst_acs_darkfile_9000.rmap"
    old.write_text(with_checksum(parse_mapping(NEAREST_RMAP, old.name)))
    reference = write_reference(tmp_path / "new_drk.fits", {
        "TELESCOP": "HST", "INSTRUME": "ACS", "DETECTOR": "HRC", "CCDGAIN": gain, "USEAFTER": "Jan 01 2030"})
    ours, theirs = tmp_path / "ours.rmap", tmp_path / "theirs.rmap"
    assert crds_insert(old, theirs, reference) == 0
    assert main(["refactor", "insert", str(old), str(ours), reference]) == 0
    assert ours.read_bytes() == theirs.read_bytes()
    dataset = {"INSTRUME": "ACS", "DETECTOR": "HRC", "CCDGAIN": dataset_gain}
    assert our_choice(ours, dataset) == crds_choice(ours, dataset) == "new_drk.fits"
