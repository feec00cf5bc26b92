"""A FITS header holding a non-ASCII byte: the update names the card and leaves the file intact (issue 17 item 10)."""
from __future__ import annotations

import shutil

from crds_batch.cli.main import main


def test_non_ascii_card_is_named_and_the_file_kept(tmp_path, test_data_dir, capfd):
    bad = tmp_path / "a_raw.fits"
    good = tmp_path / "b_raw.fits"
    shutil.copyfile(test_data_dir / "hst" / "j8bt05njq_raw.fits", bad)
    shutil.copyfile(test_data_dir / "hst" / "j8bt06o6q_raw.fits", good)
    data = bytearray(bad.read_bytes())
    at = data.find(b"TARGNAME= '")
    data[at + 11] = 0xE9
    bad.write_bytes(bytes(data))
    code = main(["bestrefs", "--files", str(bad), str(good), "--new-context", "hst_0729.pmap", "--update-bestrefs"])
    err = capfd.readouterr().err
    assert code == 1
    assert f"ERROR: {bad}: not updated: header card " in err and "(TARGNAME) holds byte 0xe9" in err, err
    assert "internal error" not in err
    assert bad.read_bytes() == bytes(data)  # intact
    assert b"DARKFILE= 'jref$" in good.read_bytes()[:28800] and "1 files updated" in err
