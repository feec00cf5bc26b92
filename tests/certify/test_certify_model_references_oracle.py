"""JWST and Roman references (FITS, ASDF, JSON, YAML) against ``crds certify`` 13.2.7: keyword checks.

Every JWST and Roman reference of crds's test files, and mutated copies
(required keywords removed, illegal values, pattern keywords, an unparsable
USEAFTER, a Roman parameter reference with a bad detector): each file must
get crds's verdict (errors or not) and the same ERROR/WARNING lines (as a
set: crds repeats some warnings for each time it opens a file), offending
keyword, value and legal values included.

Not compared (crds lines left out on both sides): the JWST data-model checks
(stdatamodels warnings, not built here), the table comparison's rmap
insertion, ``META.MODEL_TYPE`` (its presence condition calls a method, an
expression constraint checked elsewhere), and crds's crash in its ASDF
Standard version check on an ASDF file without ``meta`` named by a path
(README: "Where crds differs").
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from astropy.io import fits

from crds_batch.cli.main import main

from ..conftest import TEST_DATA
from .crds_runner import crds_lines, run_crds

pytestmark = pytest.mark.oracle

_IGNORED = ("stdatamodels", "Failed resolving comparison reference", "No comparison reference for",
            "META.MODEL_TYPE", "Checking ASDF Standard version")
_CERTIFYING = re.compile(r"^CRDS - INFO -  Certifying '([^']*)'")


def per_file(stderr: str) -> dict[str, list[str]]:
    """The output lines of each file certified in one run, keyed by the path named in its Certifying line."""
    found: dict[str, list[str]] = {}
    current = None
    for line in stderr.splitlines():
        match = _CERTIFYING.match(line)
        if match:
            current = found.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
    return found


def compared(lines: list[str]) -> set[str]:
    return {line for line in crds_lines("\n".join(lines)) if not any(text in line for text in _IGNORED)}


def has_errors(lines: list[str]) -> bool:
    return bool(crds_lines("\n".join(lines), ("ERROR",)))


def certify_all(paths: list[str], context: str, cwd: Path, capsys) -> tuple[dict, dict]:
    """One ``crds certify`` run and one ``crds-batch certify`` run over ``paths``: their lines per file."""
    theirs = run_crds("crds.certify", [*paths, "--comparison-context", context], cwd=cwd)
    main(["certify", *paths, "--comparison-context", context])
    return per_file(capsys.readouterr().err), per_file(theirs.stderr)


#: Files that do not load: their verdict is compared, their exception texts are ours (README).
UNLOADABLE = ("invalid.json", "invalid.yaml", "invalid.asdf")


def assert_same(paths: list[str], ours: dict, theirs: dict) -> None:
    differing = {}
    for path in paths:
        if has_errors(ours[path]) != has_errors(theirs[path]):
            differing[path] = ("verdict", has_errors(ours[path]), has_errors(theirs[path]))
        elif not path.endswith(UNLOADABLE) and compared(ours[path]) != compared(theirs[path]):
            differing[path] = (compared(ours[path]) - compared(theirs[path]),
                               compared(theirs[path]) - compared(ours[path]))
    assert not differing


JWST_FILES = sorted(str(p) for ext in ("fits", "asdf", "json", "yaml") for p in (TEST_DATA / "jwst").glob(f"*.{ext}"))
ROMAN_FILES = sorted(str(p) for p in (TEST_DATA / "roman").glob("*.asdf"))


def test_jwst_test_references_match_crds(tmp_path, capsys):
    ours, theirs = certify_all(JWST_FILES, "jwst_0541.pmap", tmp_path, capsys)
    assert_same(JWST_FILES, ours, theirs)
    # the keyword checks are really exercised: crds finds these
    flat = compared(theirs[str(TEST_DATA / "jwst" / "jwst_miri_flat_slitlessprism.fits")])
    assert any("Value 'FOO' is not one of" in line and "META.INSTRUMENT.FILTER [FILTER]" in line for line in flat)
    # crds crashes in its ASDF Standard version check on an ASDF file without `meta` named by a path; we do not
    no_meta = str(TEST_DATA / "jwst" / "jwst_miri_distortion_0001.asdf")
    assert any("Checking ASDF Standard version" in line for line in theirs[no_meta])
    assert not any("Checking ASDF Standard version" in line for line in ours[no_meta])


@pytest.mark.parametrize("context", ["roman_0004.pmap", "roman_0007.pmap"])
def test_roman_test_references_match_crds(tmp_path, capsys, context):
    ours, theirs = certify_all(ROMAN_FILES, context, tmp_path, capsys)
    assert_same(ROMAN_FILES, ours, theirs)


#: JWST FITS mutations of jwst_miri_ipc_0004.fits (MIRI IPC): card -> new value (None: removed).
FITS_MUTATIONS = {
    "no_telescope": {"TELESCOP": None},  # required keyword removed
    "bad_detector": {"DETECTOR": "FOO", "P_DETECT": None},  # illegal value
    "bad_pattern": {"P_DETECT": "MIRIFULONG|BAR|"},  # illegal value in a pattern keyword
    "unknown_pattern": {"P_FOOBAR": "X"},  # pattern-like keyword crds cannot translate (a warning)
    "bad_useafter": {"USEAFTER": "garbage"},  # unparsable: the mapping to dataset keywords fails
    "xsize_out_of_range": {"SUBSIZE1": 5000},  # integer outside its range
    "bad_fastaxis": {"FASTAXIS": 3},  # integer not one of its values
    "bad_pedigree": {"PEDIGREE": "INFLIGHT 2001-01-02 2001-01-01"},
    "slash_useafter": {"USEAFTER": "Jan 01 2015 00:00:00"},  # legal, non-compliant form (a warning)
    "no_instrument": {"INSTRUME": None},  # the name still says MIRI; the constraint does not
}


def _mutated_fits(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"jwst_miri_ipc_{9000 + sorted(FITS_MUTATIONS).index(name)}.fits"
    shutil.copy(TEST_DATA / "jwst" / "jwst_miri_ipc_0004.fits", path)
    with fits.open(path, mode="update") as hdus:
        for key, value in FITS_MUTATIONS[name].items():
            if value is None:
                hdus[0].header.remove(key, ignore_missing=True)
            else:
                hdus[0].header[key] = value
    return str(path)


def _mutated_asdf(source: Path, target: Path, meta_changes: dict) -> str:
    import asdf

    with asdf.open(source) as handle:
        tree = {key: value for key, value in handle.tree.items() if key not in ("asdf_library", "history")}
        meta = tree["meta"]
        for dotted, value in meta_changes.items():
            *parents, leaf = dotted.split(".")
            node = meta
            for parent in parents:
                node = node[parent]
            if value is None:
                node.pop(leaf, None)
            else:
                node[leaf] = value
        asdf.AsdfFile(tree).write_to(target)
    return str(target)


JWST_ASDF_MUTATIONS = {
    "no_author": {"author": None},
    "bad_pattern": {"instrument.p_detector": "NRS1|FOO|"},
    "bad_exposure": {"exposure.type": "NRS_NOPE"},
    "bad_useafter": {"useafter": "not a date"},
}

ROMAN_MUTATIONS = {
    "bad_detector": {"instrument.detector": "WFI77"},
    "no_origin": {"origin": None},
    "bad_telescope": {"telescope": "HUBBLE"},
    "bad_pedigree": {"pedigree": "INFLIGHT 2001-01-01"},
}


def test_mutated_jwst_fits_references_match_crds(tmp_path, capsys):
    pristine = str(TEST_DATA / "jwst" / "jwst_miri_ipc_0004.fits")
    paths = [_mutated_fits(tmp_path, name) for name in sorted(FITS_MUTATIONS)]
    ours, theirs = certify_all([pristine, *paths], "jwst_0541.pmap", tmp_path, capsys)
    assert_same([pristine, *paths], ours, theirs)
    unchanged = [path for path in paths if compared(theirs[path]) == compared(theirs[pristine])]
    assert not unchanged, "each mutation must be something crds reports"


def test_mutated_jwst_asdf_references_match_crds(tmp_path, capsys):
    source = TEST_DATA / "jwst" / "valid.asdf"
    paths = [_mutated_asdf(source, tmp_path / f"jwst_nirspec_wavecorr_{9000 + i}.asdf", JWST_ASDF_MUTATIONS[name])
             for i, name in enumerate(sorted(JWST_ASDF_MUTATIONS))]
    ours, theirs = certify_all(paths, "jwst_0541.pmap", tmp_path, capsys)
    assert_same(paths, ours, theirs)
    assert all(has_errors(theirs[path]) for path in paths), "each mutation must be something crds objects to"


def test_mutated_roman_references_match_crds(tmp_path, capsys):
    source = TEST_DATA / "roman" / "roman_wfi_pars-exposurepipeline.asdf"
    paths = [_mutated_asdf(source, tmp_path / f"roman_wfi_pars-exposurepipeline_{9000 + i}.asdf",
                           ROMAN_MUTATIONS[name]) for i, name in enumerate(sorted(ROMAN_MUTATIONS))]
    ours, theirs = certify_all(paths, "roman_0007.pmap", tmp_path, capsys)
    assert_same(paths, ours, theirs)
    assert all(has_errors(theirs[path]) for path in paths), "each mutation must be something crds objects to"


_PROVENANCE = re.compile(r"^CRDS - (INFO -  \[\d+\] |INFO -  [A-Z0-9_.-]+( \[[^]]*\])? = |WARNING -  Missing keyword )")

PROVENANCE_CASES = {
    "jwst_0541.pmap": [TEST_DATA / "jwst" / name for name in (
        "jwst_miri_ipc_0004.fits", "niriss_ref_photom.fits", "jwst_miri_flat_slitlessprism.fits", "valid.asdf",
        "valid.yaml", "valid.json", "jwst_miri_distortion_0001.asdf")],
    # crds warns that a parameter reference lacks the ROMAN.META.* provenance keywords (it has META.*): kept
    "roman_0007.pmap": [TEST_DATA / "roman" / name for name in (
        "roman_wfi_pars-exposurepipeline.asdf", "roman_wfi16_f158_flat_small.asdf")],
}


@pytest.mark.parametrize("context", sorted(PROVENANCE_CASES))
def test_dump_provenance_matches_crds(tmp_path, capsys, context):
    paths = [str(path) for path in PROVENANCE_CASES[context]]
    theirs = run_crds("crds.certify", [*paths, "--comparison-context", context, "--dump-provenance"], cwd=tmp_path)
    main(["certify", *paths, "--comparison-context", context, "--dump-provenance"])
    ours, theirs = per_file(capsys.readouterr().err), per_file(theirs.stderr)
    for path in paths:
        expected = [line for line in theirs[path] if _PROVENANCE.match(line)]
        assert expected, path
        assert [line for line in ours[path] if _PROVENANCE.match(line)] == expected, path
    if context.startswith("roman"):  # crds's warnings for a parameter reference's META.* keywords, kept
        pars = str(PROVENANCE_CASES[context][0])
        assert "CRDS - WARNING -  Missing keyword 'ROMAN.META.AUTHOR'." in ours[pars]


def test_reference_keywords_are_what_the_installed_crds_regenerates():
    import importlib.util
    import json
    from importlib import resources

    script = Path(__file__).parents[2] / "scripts" / "regenerate_reference_constraints.py"
    spec = importlib.util.spec_from_file_location("regenerate_reference_constraints", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = json.loads(resources.files("crds_batch.observatories").joinpath("reference_keywords.json").read_text())
    assert stored == json.loads(json.dumps(module.reference_keywords()))
