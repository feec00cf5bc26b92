"""FITS/ASDF dataset headers from ../shared/crds-test-data."""
from __future__ import annotations

import pytest

from crds_batch.files.headers import HeaderError, read_parameters
from crds_batch.store import Store, ingest


def test_hst_fits_union_of_hdus(test_data_dir):
    params = read_parameters(str(test_data_dir / "hst" / "j8bt05njq_raw.fits"))
    assert params.observatory == "hst" and params.dataset_id == "j8bt05njq_raw.fits"
    p = params.parameters
    assert (p["INSTRUME"], p["DETECTOR"], p["DATE-OBS"], p["TIME-OBS"]) == ("ACS", "HRC", "2002-04-13", "18:16:35")
    assert "COMMENT" not in p and "HISTORY" not in p


@pytest.mark.oracle
def test_hst_fits_values_as_crds_loads_them(test_data_dir):
    from crds import data_file

    path = str(test_data_dir / "hst" / "j8bt05njq_raw.fits")
    theirs = data_file.get_free_header(path, (), None, "hst")
    ours = read_parameters(path).parameters
    for key, value in ours.items():
        assert theirs[key] == value, key


def test_jwst_fits_keywords_become_meta_names(test_data_dir):
    p = read_parameters(str(test_data_dir / "jwst" / "jwst_miri_ipc_0004.fits"))
    assert p.observatory == "jwst"
    assert p.parameters["META.INSTRUMENT.NAME"] == "MIRI"
    assert p.parameters["META.INSTRUMENT.DETECTOR"] == "MIRIMAGE"
    assert "INSTRUME" not in p.parameters


def test_asdf_meta_and_roman(test_data_dir):
    jwst = read_parameters(str(test_data_dir / "jwst" / "valid.asdf"))
    assert jwst.observatory == "jwst" and jwst.parameters["META.INSTRUMENT.NAME"] == "NIRSPEC"
    roman = read_parameters(str(test_data_dir / "roman" / "roman_wfi16_f158_flat_small.asdf"))
    assert roman.observatory == "roman"
    assert roman.parameters["ROMAN.META.INSTRUMENT.NAME"] == "WFI"
    assert roman.parameters["ROMAN.META.INSTRUMENT.OPTICAL_ELEMENT"] == "F158"


def test_truncated_fits_is_one_error_and_the_rest_go_on(tmp_path, test_data_dir):
    with pytest.raises(HeaderError, match="truncated"):
        read_parameters(str(test_data_dir / "hst" / "truncated.fits"))
    sources = [str(test_data_dir / "hst" / n) for n in ("j8bt05njq_raw.fits", "truncated.fits", "j8bt06o6q_raw.fits")]
    sources.append(str(test_data_dir / "roman" / "roman_wfi16_f158_flat_small.asdf"))
    report = ingest(sources, str(tmp_path / "s"))
    assert report.skipped_line_count == 1 and "truncated.fits" in report.skipped_lines[0]
    store = Store(report.store)
    assert store.instruments() == [("hst", "acs"), ("roman", "wfi")]
    assert sorted(store.scan(columns=["dataset_id"]).column(0).to_pylist()) == [
        "j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "roman_wfi16_f158_flat_small.asdf"]


def test_jwst_recorded_references_keep_their_fits_keyword(test_data_dir, tmp_path):
    """R_<TYPE> stays readable under the keyword crds compares with, besides its META.REF_FILE name."""
    import shutil

    from astropy.io import fits

    path = str(shutil.copy(test_data_dir / "jwst" / "jwst_miri_ipc_0004.fits", tmp_path / "recorded.fits"))
    with fits.open(path, mode="update") as hdulist:
        hdulist[0].header["R_DARK"] = "jwst_miri_dark_0001.fits"
    parameters = read_parameters(path).parameters
    assert parameters["R_DARK"] == parameters["META.REF_FILE.DARK.NAME"] == "jwst_miri_dark_0001.fits"
    assert "INSTRUME" not in parameters
