"""``crds-batch uniqname``: crds's names (compared at fixed times) and crds's rewritten files."""
from __future__ import annotations

import datetime
import os
import shutil

import pytest
from astropy.io import fits

from crds_batch.certify.checksum import verify_fits_checksum
from crds_batch.cli.main import main
from crds_batch.tools.uniqname import NameClock, UniqnameOptions, timestamp, uniqname, unique_name
from tests.conftest import TEST_DATA

# a CRDS name, a CDBS name, a synphot name, and one whose type only its header tells
FILES = ["hst_acs_biasfile_0001.fits", "16j16005o_apd.fits", "2381905mm_tmg.fits", "acs_new_idc.fits"]
TIMES = [datetime.datetime(2015, 1, 1, 0, 0, 0), datetime.datetime(2016, 12, 31, 23, 59, 59),
         datetime.datetime(2025, 10, 9, 8, 7, 21), datetime.datetime(2026, 11, 30, 17, 25, 18),
         datetime.datetime(2031, 2, 28, 12, 30, 40)]


def _fixed_clock(when):
    return NameClock(now=lambda: when, sleep=lambda seconds: pytest.fail("a fixed clock cannot advance"))


@pytest.mark.oracle
def test_timestamps_are_crds(tmp_path):
    from crds.hst.locate import generate_timestamp

    for when in TIMES + [datetime.datetime(2020, 5, 17, 3, 4, s) for s in range(60)]:
        assert timestamp(when) == generate_timestamp(when), when


@pytest.mark.oracle
@pytest.mark.parametrize("name", FILES)
def test_names_are_crds_at_the_same_time(name, tmp_path):
    from crds.core import naming

    path = str(shutil.copy(TEST_DATA / "hst" / name, tmp_path / name))
    for when in TIMES:
        assert unique_name(path, _fixed_clock(when)) == os.path.basename(
            naming.generate_unique_name(path, "hst", now=when))


def _crds_uniqname(monkeypatch, when, *args):
    """crds uniqname with its clock fixed at ``when`` (it names files from the time, after a 2 s sleep)."""
    import crds.hst.locate as locate
    from crds.misc.uniqname import UniqnameScript

    monkeypatch.setattr(locate, "generate_timestamp", lambda now=None: timestamp(when))
    monkeypatch.setattr(locate.time, "sleep", lambda seconds: None)
    UniqnameScript(["crds.uniqname", "--hst", *args])()


@pytest.mark.oracle
@pytest.mark.parametrize("flags", [("--standard",), ("--standard", "--add-checksum"), ()])
def test_rewritten_files_are_crds(flags, tmp_path, monkeypatch):
    when = datetime.datetime(2026, 11, 30, 12, 0, 0)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir(), theirs.mkdir()
    source = str(shutil.copy(TEST_DATA / "hst" / "hst_acs_biasfile_0001.fits", tmp_path / "in.fits"))
    os.rename(source, tmp_path / "hst_acs_biasfile_0001.fits")
    source = str(tmp_path / "hst_acs_biasfile_0001.fits")
    standard = "--standard" in flags
    options = UniqnameOptions(add_checksum="--add-checksum" in flags, add_keywords=standard, verify_file=standard,
                              output_dir=str(ours))
    [renaming] = uniqname([source], options, clock=_fixed_clock(when))
    with monkeypatch.context() as patch:
        _crds_uniqname(patch, when, "--files", source, "-o", str(theirs), *flags)
    assert os.listdir(ours) == os.listdir(theirs) == [os.path.basename(renaming.new)]
    name = os.listdir(ours)[0]
    with fits.open(ours / name) as mine, fits.open(theirs / name) as crds_file:
        assert len(mine) == len(crds_file)
        for a, b in zip(mine, crds_file):
            # a CHECKSUM card's comment holds the time it was written: it differs between runs
            assert [card for card in a.header.items() if card[0] != "CHECKSUM"] == \
                [card for card in b.header.items() if card[0] != "CHECKSUM"]
            assert ("CHECKSUM" in a.header) == ("CHECKSUM" in b.header)
    if "--add-checksum" not in flags:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes()
    if "--add-checksum" in flags:
        verify_fits_checksum(str(ours / name))
    else:
        assert "CHECKSUM" not in fits.getheader(ours / name)
    if standard:
        header = fits.getheader(ours / name)
        assert header["FILENAME"] == name and header["ROOTNAME"] == name[:-5].upper()


def test_cli_dry_run_remove_original_and_no_overwrite(tmp_path, capsys):
    source = str(shutil.copy(TEST_DATA / "hst" / "16j16005o_apd.fits", tmp_path / "16j16005o_apd.fits"))
    assert main(["uniqname", "--files", source, "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "Would rename" in captured.err and os.listdir(tmp_path) == ["16j16005o_apd.fits"]
    out = tmp_path / "out"
    out.mkdir()
    assert main(["uniqname", "--files", source, "-s", "-a", "-r", "-o", str(out)]) == 0
    [new] = capsys.readouterr().out.split()
    assert not os.path.exists(source) and os.listdir(out) == [os.path.basename(new)]
    name = os.path.basename(new)
    assert len(name) == len("abu1725ao_apd.fits") and name.endswith("o_apd.fits")  # STIS, same suffix
    verify_fits_checksum(new)
    assert [n for n in os.listdir(out) if n != name] == [], "no temporary file is left"


def test_cli_refuses_what_it_cannot_name(tmp_path, capsys):
    bad = tmp_path / "notes.fits"
    fits.PrimaryHDU().writeto(bad)
    assert main(["uniqname", "--files", str(bad)]) == 3
    assert "Can't determine instrument" in capsys.readouterr().err


@pytest.mark.oracle
@pytest.mark.parametrize("name, source", [
    ("e1b09593u.r1h", "e1b09593u.r1h"),  # GEIS header: the suffix from the extension
    ("e1b09593u.r1d", "e1b09593u.r1h"),  # GEIS data: named as its header's type, its own extension
    ("01b18260i_dkc.fits", "hst_acs_biasfile_0001.fits"),  # a type whose suffix only its rmap spec gives
    ("y951738kl_hv.fits", "y951738kl_hv.fits"),
])
def test_geis_and_spec_rmap_names_are_crds(name, source, tmp_path):
    from crds.core import naming

    path = str(shutil.copy(TEST_DATA / "hst" / source, tmp_path / name))
    for when in TIMES:
        assert unique_name(path, _fixed_clock(when)) == os.path.basename(
            naming.generate_unique_name(path, "hst", now=when))


def _geis_pair(tmp_path):
    header = str(shutil.copy(TEST_DATA / "hst" / "e1b09593u.r1h", tmp_path / "e1b09593u.r1h"))
    data = tmp_path / "e1b09593u.r1d"
    data.write_bytes(bytes(range(256)) * 64)
    return header, str(data)


@pytest.mark.parametrize("named", ["header", "data", "both"])
def test_a_geis_pair_is_renamed_together(named, tmp_path):
    header, data = _geis_pair(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    files = {"header": [header], "data": [data], "both": [header, data]}[named]
    when = datetime.datetime(2026, 11, 30, 12, 0, 0)
    [renaming] = uniqname(files, UniqnameOptions(add_keywords=True, remove_original=True, output_dir=str(out)),
                          clock=_fixed_clock(when))
    new_header = os.path.basename(renaming.new)
    assert new_header == timestamp(when) + "u_a2d.r1h"  # WFPC2, the a2d suffix of .r1h
    assert sorted(os.listdir(out)) == [new_header[:-1] + "d", new_header]
    assert not os.path.exists(header) and not os.path.exists(data)
    assert (out / (new_header[:-1] + "d")).read_bytes() == bytes(range(256)) * 64
    text = (out / new_header).read_text()
    cards = text.split("\n")
    assert {len(card) for card in cards if card} == {80}, "still 80-character cards"
    original = (TEST_DATA / "hst" / "e1b09593u.r1h").read_text().split("\n")
    assert len(cards) == len(original) + 2  # FILENAME and the HISTORY line added; ROOTNAME replaced in place
    assert f"FILENAME= '{new_header}'" in text and f"ROOTNAME= '{new_header[:-4].upper()}'" in text
    assert "ROOTNAME= 'E1B09593U'" not in text
    assert cards[-2].startswith("END") and cards[-3].startswith(f"HISTORY e1b09593u.r1h renamed to {new_header} on ")


def test_a_geis_header_without_its_data_file_is_one_line(tmp_path, capsys):
    header = str(shutil.copy(TEST_DATA / "hst" / "e1b09593u.r1h", tmp_path / "e1b09593u.r1h"))
    assert main(["uniqname", "--files", header]) == 3
    err = capsys.readouterr().err
    [error] = [line for line in err.splitlines() if line.startswith("ERROR")]
    assert "e1b09593u.r1d is missing" in error and os.listdir(tmp_path) == ["e1b09593u.r1h"]
