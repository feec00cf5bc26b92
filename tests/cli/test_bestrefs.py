"""``crds-batch bestrefs``: --files (bad files, JWST, ASDF) and --load-pickles against crds."""
from __future__ import annotations

import hashlib
import shutil
import warnings

import pytest
from astropy.io import fits

from crds_batch.cli.main import EXIT_ERRORS, EXIT_OK, main


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_bad_files_one_line_each_others_updated(test_data_dir, tmp_path, capsys):
    good = str(shutil.copyfile(test_data_dir / "hst" / "j8bt06o6q_raw.fits", tmp_path / "good_raw.fits"))
    truncated = str(shutil.copyfile(test_data_dir / "hst" / "truncated.fits", tmp_path / "truncated.fits"))
    notfits = tmp_path / "notfits.fits"
    notfits.write_text("hello\n")
    missing = str(shutil.copyfile(test_data_dir / "hst" / "missing_keyword.fits", tmp_path / "missing_keyword.fits"))
    before = {p: _md5(p) for p in (truncated, str(notfits))}
    code = main(["bestrefs", "--files", good, truncated, str(notfits), missing, "--new-context", "hst_0729.pmap",
                 "--update-bestrefs", "-q"])
    err = capsys.readouterr().err.splitlines()
    assert code == EXIT_ERRORS
    errors = [line for line in err if line.startswith("ERROR:")]
    assert len(errors) == 3
    assert sum(truncated in line for line in errors) == 1
    assert sum(str(notfits) in line for line in errors) == 1
    assert sum(missing in line for line in errors) == 1
    assert fits.getval(good, "CRDS_CTX") == "hst_0729.pmap"
    assert fits.getval(good, "DARKFILE").startswith("jref$")
    assert {p: _md5(p) for p in before} == before


def test_dry_run_writes_nothing(test_data_dir, tmp_path, capsys):
    path = str(shutil.copyfile(test_data_dir / "hst" / "j8bt09jcq_raw.fits", tmp_path / "j8bt09jcq_raw.fits"))
    digest = _md5(path)
    assert main(["bestrefs", "--files", path, "--new-context", "hst_0729.pmap", "--print-new-references",
                 "-q"]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert f"{path.lower()} acs darkfile none n3o1059gj_drk.fits" in out or any(" darkfile none " in l for l in out)
    assert _md5(path) == digest


def test_files_needs_a_mode(capsys):
    assert main(["bestrefs", "x.fits"]) != EXIT_OK


def test_asdf_printed_not_written(test_data_dir, tmp_path, capsys):
    path = str(shutil.copyfile(test_data_dir / "jwst" / "valid.asdf", tmp_path / "valid.asdf"))
    digest = _md5(path)
    code = main(["bestrefs", "--files", path, "--new-context", "jwst_0541.pmap", "--update-bestrefs",
                 "--print-new-references", "-q"])
    captured = capsys.readouterr()
    assert code in (EXIT_OK, EXIT_ERRORS)  # a reference file used as a dataset: some lookups fail
    assert any(line.startswith(path.lower() + " nirspec ") for line in captured.out.splitlines())
    assert "not updated" in captured.err
    assert _md5(path) == digest


@pytest.mark.oracle
def test_jwst_fits_update_equals_crds(test_data_dir, tmp_path):
    from crds.bestrefs import bestrefs

    names = ["jwst_miri_flat_slitlessprism.fits", "niriss_ref_photom.fits"]
    (tmp_path / "ours").mkdir()
    (tmp_path / "crds").mkdir()
    ours = [str(shutil.copyfile(test_data_dir / "jwst" / n, tmp_path / "ours" / n)) for n in names]
    theirs = [str(shutil.copyfile(test_data_dir / "jwst" / n, tmp_path / "crds" / n)) for n in names]
    main(["bestrefs", "--files", *ours, "--new-context", "jwst_0541.pmap", "--update-bestrefs", "-q"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy warns of the HIERARCH cards crds writes
        bestrefs.BestrefsScript(["crds.bestrefs", "--jwst", "--files", *theirs, "--new-context", "jwst_0541.pmap",
                                 "--update-bestrefs"])()
    for mine, crds_file in zip(ours, theirs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = {k: v for k, v in fits.getheader(mine).items() if k != "CRDS_VER"}
            want = {k: v for k, v in fits.getheader(crds_file).items() if k != "CRDS_VER"}
        assert got == want


@pytest.mark.oracle
def test_load_pickles_print_new_references_equals_crds(test_data_dir, capsys):
    from crds.bestrefs import bestrefs

    save = str(test_data_dir / "hst" / "test_cos.json")
    assert main(["bestrefs", "--new-context", "hst_0729.pmap", "--load-pickles", save,
                 "--print-new-references", "-q"]) == EXIT_OK
    ours = capsys.readouterr().out.splitlines()
    bestrefs.BestrefsScript(["crds.bestrefs", "--hst", "--new-context", "hst_0729.pmap", "--load-pickles", save,
                             "--print-new-references"])()
    theirs = capsys.readouterr().out.splitlines()
    assert ours == theirs and len(ours) > 10


def test_missing_file_without_context_names_the_file(tmp_path, monkeypatch, capsys):
    """Issue 10 §3: the missing file is the error, not the absent context (and no --context flag exists)."""
    monkeypatch.delenv("CRDS_CONTEXT", raising=False)
    monkeypatch.delenv("CRDS_OBSERVATORY", raising=False)
    missing = str(tmp_path / "missing.fits")
    code = main(["bestrefs", "--files", missing])
    err = capsys.readouterr().err
    assert code == EXIT_ERRORS
    assert err.splitlines()[0].startswith("ERROR:") and missing in err.splitlines()[0]
    assert "--context" not in err


def test_hst_save_with_jwst_context_fails_each_dataset_as_crds(test_data_dir, capsys):
    """Issue 10 §3: crds says "Unknown instrument 'cos' for context 'jwst_0541.pmap'" per dataset, exit 1."""
    save = str(test_data_dir / "hst" / "test_cos.json")
    code = main(["bestrefs", "--load-pickles", save, "--new-context", "jwst_0541.pmap", "--print-new-references"])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("ERROR:")]
    assert code == EXIT_ERRORS and captured.out == ""
    assert errors and all("unknown instrument 'cos' for context 'jwst_0541.pmap'" in line for line in errors)


def _with_recorded_references(source, target) -> str:
    """A JWST FITS dataset carrying prior assignments in R_<TYPE> keywords, as the archive writes them."""
    path = str(shutil.copy(source, target))
    with fits.open(path, mode="update") as hdulist:
        hdulist[0].header["R_FLAT"] = "crds://jwst_miri_flat_0001.fits"  # differs from the new N/A: an update
        hdulist[0].header["R_DARK"] = "N/A"
        hdulist[0].header["R_GAIN"] = "jwst_miri_gain_0009.fits"
    return path


@pytest.mark.oracle
def test_jwst_fits_compare_source_reads_recorded_keywords(test_data_dir, tmp_path, capsys):
    """--compare-source-bestrefs compares with R_<TYPE> as crds does (the reader also names it META.REF_FILE...)."""
    from crds.bestrefs import bestrefs

    path = _with_recorded_references(test_data_dir / "jwst" / "jwst_miri_flat_slitlessprism.fits",
                                     tmp_path / "recorded.fits")
    args = ["--files", path, "--new-context", "jwst_0541.pmap", "--compare-source-bestrefs", "--print-new-references"]
    main(["bestrefs", *args, "-q"])
    ours = capsys.readouterr().out.splitlines()
    bestrefs.BestrefsScript(["crds.bestrefs", "--jwst", *args])()
    theirs = capsys.readouterr().out.splitlines()
    assert ours == theirs
    assert theirs == [f"{path} miri flat jwst_miri_flat_0001.fits n/a"]
