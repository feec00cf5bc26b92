"""``crds-batch diff`` prints what ``crds diff`` (13.2.7) prints, for every flag, on real context pairs.

Both read the test cache offline; crds is given ``crds://`` names (it reads plain
names from the current directory) and so prints the cache paths of the top pair,
as crds-batch does for names it finds in the cache.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crds_batch.cli.main import main
from tests.conftest import CACHE

REFS = CACHE / "references"

PAIRS = [
    ("hst_0728.pmap", "hst_0729.pmap"),  # one WFC3 dark delivery
    ("hst_0700.pmap", "hst_0710.pmap"),  # several instruments, deletions, an empty Match key (synphot)
    ("hst_0650.pmap", "hst_0729.pmap"),  # far apart
    ("jwst_0500.pmap", "jwst_0541.pmap"),
    ("roman_0001.pmap", "roman_0004.pmap"),
    ("hst_acs_0409.imap", "hst_acs_0411.imap"),  # instrument contexts
    ("jwst_miri_dark_0018.rmap", "jwst_miri_dark_0019.rmap"),  # rmaps
]


def crds_diff(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRDS_")}
    env.update(CRDS_PATH=str(CACHE), CRDS_READONLY_CACHE="1")
    return subprocess.run([sys.executable, "-m", "crds.diff", *args], env=env, capture_output=True, text=True,
                          timeout=900, cwd=cwd)


def both(capsys, tmp_path, old: str, new: str, *flags: str):
    expected = crds_diff(old, new, *flags, cwd=tmp_path)
    capsys.readouterr()
    code = main(["diff", old, new, *flags])
    out, err = capsys.readouterr()
    return expected, code, out, err


@pytest.mark.oracle
@pytest.mark.parametrize("old, new", PAIRS)
@pytest.mark.parametrize("flags", [(), ("-i",)])
def test_logical_diff_lines_equal_crds(old, new, flags, capsys, tmp_path):
    expected, code, out, err = both(capsys, tmp_path, "crds://" + old, "crds://" + new, *flags)
    assert out == expected.stdout and out.strip(), err
    assert code == expected.returncode == 1


@pytest.mark.oracle
@pytest.mark.parametrize("flags", [
    ("-B", "-i"), ("-Q",), ("-L",), ("-E",), ("-F",), ("-K",), ("-T",), ("-N",),
    ("--print-affected-instruments",), ("--print-affected-types",), ("--print-affected-types", "-i"),
    ("--print-affected-modes",), ("--print-affected-modes", "-i"),
])
@pytest.mark.parametrize("old, new", [("hst_0700.pmap", "hst_0710.pmap"), ("jwst_0530.pmap", "jwst_0541.pmap")])
def test_diff_flags_equal_crds(old, new, flags, capsys, tmp_path):
    expected, code, out, err = both(capsys, tmp_path, "crds://" + old, "crds://" + new, *flags)
    assert out == expected.stdout and out.strip(), err
    assert code == expected.returncode, (err, expected.stderr[-1500:])


@pytest.mark.oracle
def test_primitive_diffs_equal_crds(capsys, tmp_path):
    """-P compares each replaced file; between these two contexts all are mappings (the cache lacks most
    references: crds then logs an error on stdout, crds-batch warns on stderr)."""
    expected, code, out, err = both(capsys, tmp_path, "crds://hst_0728.pmap", "crds://hst_0729.pmap", "-P")
    assert out == expected.stdout and out.count("=" * 80) > 3, err
    assert code == expected.returncode == 1


@pytest.mark.oracle
def test_recurse_added_deleted_equals_crds(capsys, tmp_path):
    """Between these, whole types appear in imaps (ACS snkcfile...): -U lists every file under them."""
    expected, code, out, err = both(capsys, tmp_path, "crds://hst_0300.pmap", "crds://hst_0729.pmap", "-U")
    plain = main(["diff", "crds://hst_0300.pmap", "crds://hst_0729.pmap"])
    assert plain == 1 and len(capsys.readouterr().out) < len(out)
    assert out == expected.stdout, err
    assert code == expected.returncode == 1


@pytest.mark.oracle
def test_check_diffs_warns_as_crds(capsys, tmp_path):
    expected, code, _, err = both(capsys, tmp_path, "crds://hst_0700.pmap", "crds://hst_0710.pmap", "-K")
    theirs = [line.split(" -  ", 1)[1] for line in expected.stderr.splitlines() if line.startswith("CRDS - WARNING")]
    ours = [line.removeprefix("WARNING: ") for line in err.splitlines()]
    assert ours == theirs and code == 2


@pytest.mark.oracle
def test_print_all_new_files_equals_crds(capsys, tmp_path):
    """JWST names carry instrument and type; crds reads them from the name (HST's from files it lacks here)."""
    expected, code, out, _ = both(capsys, tmp_path, "crds://jwst_0530.pmap", "crds://jwst_0541.pmap", "-A")
    assert out == expected.stdout and out.strip() and code == expected.returncode == 2


@pytest.mark.oracle
@pytest.mark.parametrize("old, new", [
    (REFS / "roman" / "roman_wfi_dark_0001.asdf", REFS / "roman" / "roman_wfi_flat_0004.asdf"),
    (REFS / "hst" / "z1q2219el_2zx.fits", REFS / "hst" / "z2d1925ql_2zx.fits"),
    (REFS / "hst" / "z1r1943el_1dx.fits", REFS / "hst" / "z2d19237l_1dx.fits"),
    (REFS / "hst" / "z1r1943el_1dx.fits", REFS / "hst" / "z1r1943el_1dx.fits"),
])
def test_reference_files_diff_as_crds(old, new, capsys, tmp_path):
    expected, code, out, err = both(capsys, tmp_path, str(old), str(new))
    assert out == expected.stdout, err
    assert code == expected.returncode == (0 if old == new else 1)


def test_reference_names_are_found_in_the_cache(capsys):
    code = main(["diff", "z1r1943el_1dx.fits", "z2d19237l_1dx.fits", "--hst"])
    out = capsys.readouterr().out
    assert code == 1 and "z2d19237l_1dx.fits" in out


def _reference_warnings(text: str) -> list[tuple[str, str, frozenset]]:
    """(kind, mappings, names) of crds's --check-references warnings (crds prints the names in set order)."""
    import ast
    import re

    found = []
    for line in text.splitlines():
        match = re.search(r"(Added|Deleted) references for (.*) = (\[.*\])$", line)
        if match:
            found.append((match.group(1), match.group(2), frozenset(ast.literal_eval(match.group(3)))))
    return sorted(found, key=lambda item: (item[1], item[0]))


@pytest.mark.oracle
@pytest.mark.parametrize("old, new", [PAIRS[0], PAIRS[1], PAIRS[3], PAIRS[5]])
def test_check_references_warns_as_crds(old, new, capsys, tmp_path):
    expected, code, out, err = both(capsys, tmp_path, "crds://" + old, "crds://" + new, "--check-references")
    assert out == expected.stdout and out.strip(), err
    theirs = _reference_warnings(expected.stderr)
    assert _reference_warnings(err) == theirs and theirs
    assert code == expected.returncode == 2
